-- One row per version x feature used of the model registry: the scaler list of
-- segment_model_fit unnested. Append-only like the registry it reads.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

items as (

    select
        registry.model_version,
        {{ segment_explode('registry.scaler') }} as item

    from registry

),

final as (

    select
        model_version,
        item.feature_index as feature_index,
        item.feature as feature,
        item.transform as transform,
        item.mean as mean,
        item.std as std,
        item.clip_lower as clip_lower,
        item.clip_upper as clip_upper

    from items

)

select * from final
