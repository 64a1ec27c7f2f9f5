-- One row per version x cluster of the model registry: the personas list of
-- segment_model_fit unnested. Append-only like the registry it reads.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

items as (

    select
        registry.model_version,
        {{ cross_db_explode('registry.personas') }} as item

    from registry

),

final as (

    select
        items.model_version,
        items.item.cluster_id,
        items.item.persona_id,
        items.item.persona_name,
        items.item.is_named,
        items.item.match_score,
        items.item.runner_up_persona_id,
        items.item.runner_up_score

    from items

)

select * from final
