-- One row per version x cluster x feature of the model registry: the centroids list of
-- segment_model_fit unnested. Append-only like the registry it reads.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

items as (

    select
        registry.model_version,
        {{ cross_db_explode('registry.centroids') }} as item

    from registry

),

final as (

    select
        items.model_version,
        items.item.cluster_id,
        items.item.feature_index,
        items.item.feature,
        items.item.centroid_z,
        items.item.centroid_value

    from items

)

select * from final
