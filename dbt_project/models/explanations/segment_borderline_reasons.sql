-- One row per segment and top reason: among the segment's borderline customers (low
-- confidence: a small margin to the runner-up segment), how many have this feature as
-- their first reason, and their share of the segment's borderline customers. The
-- report's "Why customers sit on a border" reads it; BI tools count by it.

with

explanations as (

    select * from {{ ref('customer_segment_explanations') }}
    where is_low_confidence

),

borderline as (

    select
        persona_id,
        count(*) as segment_borderline_customers

    from explanations
    group by persona_id

),

reasons as (

    select
        model_version,
        as_of_date,
        cluster_id,
        persona_id,
        persona_name,
        coalesce(reason_1_feature, 'none') as top_reason_feature,
        count(*) as borderline_customers,
        count(distinct runner_up_persona_id) as runner_up_personas,
        avg(reason_1_contribution) as mean_top_contribution,
        avg(squared_margin) as mean_squared_margin

    from explanations
    group by
        model_version, as_of_date, cluster_id, persona_id, persona_name,
        coalesce(reason_1_feature, 'none')

),

final as (

    select
        -- keys
        cast(reasons.model_version as {{ dbt.type_string() }}) as model_version,
        cast(reasons.as_of_date as date) as as_of_date,
        cast(reasons.cluster_id as integer) as cluster_id,
        cast(reasons.persona_id as {{ dbt.type_string() }}) as persona_id,
        cast(reasons.persona_name as {{ dbt.type_string() }}) as persona_name,
        cast(reasons.top_reason_feature as {{ dbt.type_string() }})
            as top_reason_feature,

        -- the reason's place in its segment, most borderline customers first
        cast(row_number() over (
            partition by reasons.persona_id
            order by reasons.borderline_customers desc, reasons.top_reason_feature asc
        ) as integer) as reason_rank,

        -- measures
        cast(reasons.borderline_customers as bigint) as borderline_customers,
        cast(reasons.borderline_customers as {{ cross_db_type_double() }})
        / borderline.segment_borderline_customers as share_of_segment_borderline,
        cast(reasons.runner_up_personas as bigint) as runner_up_personas,
        cast(reasons.mean_top_contribution as {{ cross_db_type_double() }})
            as mean_top_contribution,
        cast(reasons.mean_squared_margin as {{ cross_db_type_double() }})
            as mean_squared_margin

    from reasons
    inner join borderline
        on reasons.persona_id = borderline.persona_id

)

select * from final
