-- Persona comparison.
-- Answers: side by side, how do the personas differ in size, value, risk and digital
-- habits, and how far is each from the customer-base average?
-- Use: `dbt compile --select analysis:persona_comparison`, then run the compiled SQL
-- read-only. The *_vs_base columns are ratios to the whole base (1.0 = average).
with

segment_profiles as (

    select * from {{ ref('segment_profiles') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

base as (

    select
        avg(clv_proxy) as mean_clv_proxy,
        avg(income) as mean_income,
        avg(support_calls) as mean_support_calls,
        avg(app_usage_score) as mean_app_usage_score

    from customer_segments

),

final as (

    select
        segment_profiles.display_order,
        segment_profiles.persona_id,
        segment_profiles.persona_name,
        segment_profiles.customers,
        segment_profiles.share_of_customers,
        segment_profiles.avg_clv,
        segment_profiles.clv_level,
        segment_profiles.risk_level,
        segment_profiles.digital_adoption_level,
        segment_profiles.mean_income,
        segment_profiles.mean_credit_score,
        segment_profiles.mean_support_calls,
        segment_profiles.mean_app_usage_score,
        segment_profiles.distinguishing_features,
        segment_profiles.avg_clv / nullif(base.mean_clv_proxy, 0) as clv_vs_base,
        segment_profiles.mean_income / nullif(base.mean_income, 0) as income_vs_base,
        segment_profiles.mean_support_calls
        / nullif(base.mean_support_calls, 0) as support_calls_vs_base,
        segment_profiles.mean_app_usage_score
        / nullif(base.mean_app_usage_score, 0) as app_usage_vs_base

    from segment_profiles
    cross join base

)

select * from final
order by 1  -- display_order
