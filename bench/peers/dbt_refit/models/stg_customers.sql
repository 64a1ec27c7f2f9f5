-- The export, typed, with the two engineered features; rows with a missing attribute
-- or a non-positive income are left out (the starters drop them).
with source as (

    select * from read_parquet('{{ var("customers_path") }}')

)

select
    cast(customerid as varchar) as customer_id,
    cast(age as double) as age,
    cast(income as double) as income,
    cast(creditscore as double) as credit_score,
    cast(accounttenure as double) as account_tenure,
    cast(monthlyspending as double) as monthly_spending,
    cast(transactionfrequency as double) as transaction_frequency,
    cast(avgaccountbalance as double) as avg_account_balance,
    cast(numproducts as double) as num_products,
    cast(appusagescore as double) as app_usage_score,
    cast(supportcalls as double) as support_calls,
    monthlyspending / income as spending_ratio,
    appusagescore * 2 - supportcalls as engagement_score,
    avgaccountbalance * accounttenure / 10 as clv_proxy
from source
where
    customerid is not null
    and income > 0
    and age is not null
    and creditscore is not null
    and accounttenure is not null
    and monthlyspending is not null
    and transactionfrequency is not null
    and avgaccountbalance is not null
    and numproducts is not null
    and appusagescore is not null
    and supportcalls is not null
