-- Credit Dependent early-warning list.
-- Answers: which Credit Dependent customers are in the worst credit-risk band and call
-- support the most, so should be contacted first with a hardship or payment plan?
-- Use: `dbt compile --select analysis:credit_dependent_early_warning`, then run the
-- compiled SQL read-only. `top_n` caps the list for a weekly review call.
{%- set persona_id = 'credit_dependent' %}
{%- set top_n = 50 %}

with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

bands as (

    select * from {{ ref('feature_bands') }}

),

segment_strategies as (

    select * from {{ ref('segment_strategies') }}

),

worst_band as (

    -- band_order 1 is the riskiest credit band in the feature_bands seed
    select band_name as credit_risk_band from bands
    where band_type = 'credit_risk'
    qualify row_number() over (order by band_order) = 1

),

risk_action as (

    select recommended_action from segment_strategies
    where
        persona_id = '{{ persona_id }}'
        and business_area = 'Risk Management'

),

final as (

    select
        -- 1 = contact first
        row_number() over (
            order by
                customer_segments.support_calls desc,
                customer_segments.credit_score asc
        ) as priority_rank,
        customer_segments.customer_id,
        customer_segments.persona_name,
        customer_segments.credit_risk_band,
        customer_segments.credit_score,
        customer_segments.support_calls,
        customer_segments.income,
        customer_segments.avg_account_balance,
        customer_segments.app_usage_score,
        risk_action.recommended_action

    from customer_segments
    inner join worst_band
        on customer_segments.credit_risk_band = worst_band.credit_risk_band
    cross join risk_action
    where customer_segments.persona_id = '{{ persona_id }}'

)

select * from final
order by 1  -- priority_rank
limit {{ top_n }}
