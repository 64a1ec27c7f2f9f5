-- One row per valid customer and version under review (the champion and each
-- candidate) while a candidate waits, none otherwise: the customer's cluster and
-- persona under that version, rendered from its stored parameters with the macros of
-- customer_segments, so a candidate's row is what promoting it would give.
{%- set models = segment_review_models() %}

with

features as (

    select * from {{ ref('int_customer_features') }}

),

personas as (

    select * from {{ ref('segment_model_personas') }}

),

{% for model in models -%}
assigned_{{ loop.index }} as (

    select
        customer_id,
        '{{ model.model_version }}' as model_version,
        cluster_id
    from ({{ segment_review_assigned(model, 'features') }}) as scored

),

{% endfor -%}
assigned as (

    {%- for model in models %}
        select * from assigned_{{ loop.index }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- else %}
        select
            customer_id,
            cast(null as {{ dbt.type_string() }}) as model_version,
            1 as cluster_id
        from features
        where 1 = 0
    {%- endfor %}

),

final as (

    select
        -- ids
        cast(assigned.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(assigned.model_version as {{ dbt.type_string() }}) as model_version,
        cast(assigned.cluster_id as integer) as cluster_id,
        cast(personas.persona_id as {{ dbt.type_string() }}) as persona_id,
        cast(personas.persona_name as {{ dbt.type_string() }}) as persona_name,

        -- flags
        cast(personas.is_named as boolean) as is_named_persona

    from assigned
    inner join personas
        on
            assigned.model_version = personas.model_version
            and assigned.cluster_id = personas.cluster_id

)

select * from final
