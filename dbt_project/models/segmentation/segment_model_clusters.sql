-- One row per version x cluster of the model registry: the clusters list of
-- segment_model_fit unnested. Append-only like the registry it reads.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

items as (

    select
        registry.model_version,
        {{ segment_explode('registry.clusters') }} as item

    from registry

),

final as (

    select
        model_version,
        item.cluster_id as cluster_id,
        item.training_customers as training_customers,
        item.training_share as training_share,
        item.mean_distance as mean_distance,
        item.distance_p50 as distance_p50,
        item.distance_p95 as distance_p95,
        item.distance_p99 as distance_p99

    from items

)

select * from final
