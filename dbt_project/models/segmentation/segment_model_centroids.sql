-- One row per version x cluster x feature of the model registry: the centroids list of
-- segment_model_fit unnested. Append-only like the registry it reads.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

items as (

    select
        registry.model_version,
        {{ segment_explode('registry.centroids') }} as item

    from registry

),

final as (

    select
        model_version,
        item.cluster_id as cluster_id,
        item.feature_index as feature_index,
        item.feature as feature,
        item.centroid_z as centroid_z,
        item.centroid_value as centroid_value

    from items

)

select * from final
