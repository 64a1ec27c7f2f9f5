-- One row per version x cluster of the model registry: the personas list of
-- segment_model_fit unnested. Append-only like the registry it reads.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

items as (

    select
        registry.model_version,
        {{ segment_explode('registry.personas') }} as item

    from registry

),

final as (

    select
        model_version,
        item.cluster_id as cluster_id,
        item.persona_id as persona_id,
        item.persona_name as persona_name,
        item.is_named as is_named,
        item.match_score as match_score,
        item.runner_up_persona_id as runner_up_persona_id,
        item.runner_up_score as runner_up_score

    from items

)

select * from final
