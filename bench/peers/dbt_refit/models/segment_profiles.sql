-- One row per cluster: size, share and the average of each feature.
select
    cluster_id,
    count(*) as customers,
    count(*) / sum(count(*)) over () as customer_share,
    avg(age) as avg_age,
    avg(income) as avg_income,
    avg(credit_score) as avg_credit_score,
    avg(monthly_spending) as avg_monthly_spending,
    avg(avg_account_balance) as avg_account_balance,
    avg(app_usage_score) as avg_app_usage_score,
    avg(spending_ratio) as avg_spending_ratio,
    avg(engagement_score) as avg_engagement_score,
    avg(clv_proxy) as avg_clv_proxy
from {{ ref("customer_segments") }}
group by cluster_id
