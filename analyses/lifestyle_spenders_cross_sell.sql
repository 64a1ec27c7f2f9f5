-- Lifestyle Spenders cross-sell list.
-- Answers: which Lifestyle Spenders spend a large share of their income and transact
-- often, yet hold few products, so are the best prospects for a rewards card or EMI?
-- Use: `dbt compile --select analysis:lifestyle_spenders_cross_sell`, then run the SQL
-- in target/compiled/... against the warehouse (read-only is enough). Tune the knobs
-- below; "high" means at or above the persona's own median.
{%- set persona_id = 'lifestyle_spenders' %}
{%- set max_products_held = 2 %}

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
        median(spending_ratio) as median_spending_ratio,
        median(transaction_frequency) as median_transaction_frequency

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
            order by
                persona_customers.spending_ratio desc,
                persona_customers.transaction_frequency desc
        ) as priority_rank,
        persona_customers.customer_id,
        persona_customers.persona_name,
        persona_customers.spending_ratio,
        persona_customers.transaction_frequency,
        persona_customers.num_products,
        persona_customers.monthly_spending,
        persona_customers.income,
        persona_customers.credit_risk_band,
        offer.recommended_products

    from persona_customers
    cross join persona_medians
    cross join offer
    where
        persona_customers.spending_ratio >= persona_medians.median_spending_ratio
        and persona_customers.transaction_frequency
        >= persona_medians.median_transaction_frequency
        and persona_customers.num_products <= {{ max_products_held }}
        -- a low-confidence customer may not really be a Lifestyle Spender
        and not persona_customers.is_low_confidence

)

select * from final
order by 1  -- priority_rank
