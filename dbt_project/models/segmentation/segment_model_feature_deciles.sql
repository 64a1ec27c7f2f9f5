-- One row per version x feature x decile of the model registry: the feature_deciles list of
-- segment_model_fit unnested. Append-only like the registry it reads.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

items as (

    select
        registry.model_version,
        {{ segment_explode('registry.feature_deciles') }} as item

    from registry

),

final as (

    select
        model_version,
        item.feature as feature,
        item.decile as decile,
        item.lower_edge as lower_edge,
        item.upper_edge as upper_edge,
        item.training_share as training_share

    from items

)

select * from final
