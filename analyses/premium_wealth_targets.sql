-- Premium Investors wealth-product targets.
-- Answers: which Premium Investors hold large balances and have banked with us for a
-- long time, so are ready for a relationship-manager call about managed investments?
-- Use: `dbt compile --select analysis:premium_wealth_targets`, then run the compiled
-- SQL read-only. "Large" and "long" mean at or above the persona's own median.
{%- set persona_id = 'premium_investors' %}

with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

segment_strategies as (

    select * from {{ ref('segment_strategies') }}

),

persona_customers as (

    select * from customer_segments
    where persona_id = '{{ persona_id }}'

),

persona_medians as (

    select
        median(avg_account_balance) as median_avg_account_balance,
        median(account_tenure) as median_account_tenure

    from persona_customers

),

offer as (

    select recommended_products from segment_strategies
    where
        persona_id = '{{ persona_id }}'
        and business_area = 'Revenue Growth'

),

final as (

    select
        -- 1 = contact first
        row_number() over (
            order by persona_customers.avg_account_balance desc
        ) as priority_rank,
        persona_customers.customer_id,
        persona_customers.persona_name,
        persona_customers.avg_account_balance,
        persona_customers.account_tenure,
        persona_customers.clv_proxy,
        persona_customers.income,
        persona_customers.num_products,
        persona_customers.credit_risk_band,
        offer.recommended_products

    from persona_customers
    cross join persona_medians
    cross join offer
    where
        persona_customers.avg_account_balance
        >= persona_medians.median_avg_account_balance
        and persona_customers.account_tenure
        >= persona_medians.median_account_tenure

)

select * from final
order by 1  -- priority_rank
