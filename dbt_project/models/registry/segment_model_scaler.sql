-- One row per version x feature used of the model registry: the scaler list of
-- segment_model_fit unnested. Append-only like the registry it reads.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

items as (

    select
        registry.model_version,
        {{ cross_db_explode('registry.scaler') }} as item

    from registry

),

final as (

    select
        items.model_version,
        items.item.feature_index,
        items.item.feature,
        items.item.transform,
        items.item.mean,
        items.item.std,
        items.item.clip_lower,
        items.item.clip_upper

    from items

)

select * from final
