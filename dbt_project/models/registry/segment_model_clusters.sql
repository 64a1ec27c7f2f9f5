-- One row per version x cluster of the model registry: the clusters list of
-- segment_model_fit unnested. Append-only like the registry it reads.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

items as (

    select
        registry.model_version,
        {{ cross_db_explode('registry.clusters') }} as item

    from registry

),

final as (

    select
        items.model_version,
        items.item.cluster_id,
        items.item.training_customers,
        items.item.training_share,
        items.item.mean_distance,
        items.item.distance_p50,
        items.item.distance_p95,
        items.item.distance_p99

    from items

)

select * from final
