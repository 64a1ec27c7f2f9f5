-- One row per persona: its share of the base, its risk index and where it ranks
-- against the other segments on CLV, risk and digital adoption (as Highest..Lowest
-- levels, see marts_rank_level()). Reads only the per-segment measures: the base
-- figures are their customer-weighted means.
with

measures as (

    select * from {{ ref('int_segment_measures') }}

),

base as (

    -- the whole customer base, the yardstick for the risk index
    select
        sum(customers) as customers,
        sum(elevated_credit_risk_share * customers) / sum(customers)
            as elevated_credit_risk_share,
        sum(mean_support_calls * customers) / sum(customers) as mean_support_calls

    from measures

),

scored as (

    select
        measures.persona_id,
        measures.mean_clv_proxy,
        measures.mean_app_usage_score,
        cast(measures.customers as double) / base.customers as share_of_customers,
        -- risk index: the mean of two ratios to the whole base (1.0 = base average):
        -- share of customers in elevated credit-risk bands, and support calls per
        -- customer. A base with no elevated band or no calls makes that ratio 1.
        0.5 * coalesce(
            measures.elevated_credit_risk_share
            / nullif(base.elevated_credit_risk_share, 0),
            1.0
        )
        + 0.5 * coalesce(
            measures.mean_support_calls / nullif(base.mean_support_calls, 0),
            1.0
        ) as risk_index

    from measures
    cross join base

),

ranks as (

    select
        persona_id,
        share_of_customers,
        risk_index,
        count(*) over () as segment_count,
        rank() over (order by mean_clv_proxy desc) as clv_rank,
        rank() over (order by risk_index desc) as risk_rank,
        rank() over (order by mean_app_usage_score desc) as digital_adoption_rank

    from scored

),

final as (

    select
        persona_id,
        share_of_customers,
        risk_index,
        clv_rank,
        {{ marts_rank_level('clv_rank', 'segment_count') }} as clv_level,
        risk_rank,
        {{ marts_rank_level('risk_rank', 'segment_count') }} as risk_level,
        digital_adoption_rank,
        {{ marts_rank_level('digital_adoption_rank', 'segment_count') }}
            as digital_adoption_level

    from ranks

)

select * from final
