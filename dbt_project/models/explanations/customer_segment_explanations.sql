-- Why each customer is in its segment and not the nearest other one, exactly. For
-- k-means the squared margin d2(runner-up) - d2(own) splits into one term per
-- feature, (z - c_runner_up)^2 - (z - c_own)^2, and the terms add up to it: the three
-- largest positive terms are the customer's reasons. A view, computed from the active
-- version's stored parameters when it is queried (the reference in Python:
-- bank_segments.segment_model.explain). With one segment, or no feature, there is
-- no runner-up and nothing to explain: those columns are null.
{%- set model = segment_active_model() %}
{#- a difference from the runner-up's centre of one training standard deviation or
    more is "much" higher or lower #}
{%- set much = 1 %}

with

segments as (

    select * from {{ ref('customer_segments') }}

),

personas as (

    select * from {{ ref('segment_model_personas') }}
    where model_version = '{{ model.model_version }}'

),

runner_up_personas as (

    select
        cluster_id as runner_up_cluster_id,
        persona_id as runner_up_persona_id,
        persona_name as runner_up_persona_name

    from personas

),

standardized as (

    select
        customer_id,
        as_of_date,
        model_version,
        cluster_id,
        persona_id,
        persona_name,
        segment_margin,
        is_low_confidence,
        {{ segment_z_columns(model) }}

    from segments

),

squared_distances as (

    select
        *,
        {{ segment_squared_distance_columns(model) }}

    from standardized

),

nearest_other as (

    select
        *,
        {{ segment_second_nearest_column(model) }}

    from squared_distances

),

runner_up as (

    select
        nearest_other.*,
        {{ segment_runner_up_columns(model) }}

    from nearest_other

),

named as (

    select
        runner_up.*,
        runner_up_personas.runner_up_persona_id,
        runner_up_personas.runner_up_persona_name

    from runner_up
    left join runner_up_personas
        on runner_up.runner_up_cluster_id = runner_up_personas.runner_up_cluster_id

),

centres as (

    select
        *,
        {{ segment_centre_columns(model) }}

    from named

),

contributions as (

    select
        *,
        {{ segment_contribution_columns(model, much) }}

    from centres

),

ranked as (

    select
        *,
        {{ segment_reason_rank_columns(model) }}

    from contributions

),

reasons as (

    select
        *,
        {{ segment_reason_columns(model, 1) }},
        {{ segment_reason_columns(model, 2) }},
        {{ segment_reason_columns(model, 3) }}

    from ranked

),

-- on Spark a window: a query filtering on the columns above (the data tests do) is
-- planned on top of it instead of inlining them into the filter
-- (cross_db_plan_barrier); other engines select the rows as they are
planned as (

    {{ cross_db_plan_barrier('reasons', 'customer_id') }}

),

final as (

    select
        -- ids
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(as_of_date as date) as as_of_date,
        cast(model_version as {{ dbt.type_string() }}) as model_version,

        -- the segment and the nearest other one
        cast(cluster_id as integer) as cluster_id,
        cast(persona_id as {{ dbt.type_string() }}) as persona_id,
        cast(persona_name as {{ dbt.type_string() }}) as persona_name,
        cast(runner_up_cluster_id as integer) as runner_up_cluster_id,
        cast(runner_up_persona_id as {{ dbt.type_string() }}) as runner_up_persona_id,
        cast(runner_up_persona_name as {{ dbt.type_string() }})
            as runner_up_persona_name,

        -- how firmly, and the decomposition anyone can check
        cast(segment_margin as {{ cross_db_type_double() }}) as segment_margin,
        cast(other_d2 - own_d2 as {{ cross_db_type_double() }}) as squared_margin,
        {{ segment_contribution_sum_column(model) }},
        is_low_confidence,

        -- the three reasons, largest contribution first, and in words
        reason_1_feature,
        reason_1_contribution,
        replace(reason_1_feature, '_', ' ') || ' ' || reason_1_words
        || ' than typical ' || runner_up_persona_name as reason_1_text,
        reason_2_feature,
        reason_2_contribution,
        replace(reason_2_feature, '_', ' ') || ' ' || reason_2_words
        || ' than typical ' || runner_up_persona_name as reason_2_text,
        reason_3_feature,
        reason_3_contribution,
        replace(reason_3_feature, '_', ' ') || ' ' || reason_3_words
        || ' than typical ' || runner_up_persona_name as reason_3_text

    from planned

)

select * from final
