-- The active model version's centroids, one row per cluster x feature, with the
-- cluster's size in the training sample.
with

versions as (

    select * from {{ ref('segment_model_versions') }}

),

centroids as (

    select * from {{ ref('segment_model_centroids') }}

),

clusters as (

    select * from {{ ref('segment_model_clusters') }}

),

final as (

    select
        centroids.*,
        clusters.training_customers as cluster_customers,
        clusters.training_share as cluster_share

    from centroids
    inner join versions
        on centroids.model_version = versions.model_version
    inner join clusters
        on
            centroids.model_version = clusters.model_version
            and centroids.cluster_id = clusters.cluster_id
    where versions.is_active

)

select * from final
