-- Engineered features and bands for every valid customer.
-- Band cutoffs come from the feature_bands seed: lower bound inclusive, upper
-- exclusive, an empty upper bound means no limit.
with

customers as (

    select * from {{ ref('stg_customers') }}

),

bands as (

    select * from {{ ref('feature_bands') }}

),

credit_risk_bands as (

    select * from bands
    where band_type = 'credit_risk'

),

digital_adoption_bands as (

    select * from bands
    where band_type = 'digital_adoption'

),

age_bands as (

    select * from bands
    where band_type = 'age'

),

features as (

    select
        customers.*,
        -- staging guarantees income > 0, so the ratio is always defined
        customers.monthly_spending / customers.income as spending_ratio,
        customers.app_usage_score * 2 - customers.support_calls as engagement_score,
        customers.avg_account_balance * customers.account_tenure / 10.0 as clv_proxy

    from customers

),

final as (

    select
        features.*,
        credit_risk_bands.band_name as credit_risk_band,
        digital_adoption_bands.band_name as digital_adoption_band,
        age_bands.band_name as age_band

    from features
    left join credit_risk_bands
        on
            features.credit_score >= credit_risk_bands.lower_bound
            and (
                credit_risk_bands.upper_bound is null
                or features.credit_score < credit_risk_bands.upper_bound
            )
    left join digital_adoption_bands
        on
            features.app_usage_score >= digital_adoption_bands.lower_bound
            and (
                digital_adoption_bands.upper_bound is null
                or features.app_usage_score < digital_adoption_bands.upper_bound
            )
    left join age_bands
        on
            features.age >= age_bands.lower_bound
            and (
                age_bands.upper_bound is null
                or features.age < age_bands.upper_bound
            )

)

-- No order: nothing reads these rows by position (the fit sample orders by its
-- hash key), and a sort of every customer was most of this model's time.
select * from final
