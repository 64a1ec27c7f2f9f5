-- Digital-migration candidates.
-- Answers: which customers, in any persona, call support a lot but barely use the app,
-- so would cost less to serve if moved to digital self-service?
-- Use: `dbt compile --select analysis:digital_migration_candidates`, then run the
-- compiled SQL read-only. "A lot" is at or above the customer base's 75th percentile
-- of support calls; "barely" is at or below its 25th percentile of app usage.
{%- set support_calls_quantile = 0.75 %}
{%- set app_usage_quantile = 0.25 %}

with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

cutoffs as (

    select
        quantile_cont(support_calls, {{ support_calls_quantile }})
            as min_support_calls,
        quantile_cont(app_usage_score, {{ app_usage_quantile }})
            as max_app_usage_score

    from customer_segments

),

final as (

    select
        -- 1 = contact first
        row_number() over (
            order by
                customer_segments.support_calls desc,
                customer_segments.app_usage_score asc
        ) as priority_rank,
        customer_segments.customer_id,
        customer_segments.persona_id,
        customer_segments.persona_name,
        customer_segments.support_calls,
        customer_segments.app_usage_score,
        customer_segments.digital_adoption_band,
        customer_segments.age_band,
        customer_segments.engagement_score

    from customer_segments
    cross join cutoffs
    where
        customer_segments.support_calls >= cutoffs.min_support_calls
        and customer_segments.app_usage_score <= cutoffs.max_app_usage_score

)

select * from final
order by 1  -- priority_rank
