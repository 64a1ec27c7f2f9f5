-- One row per persona: where its centroid lies on the customer map, i.e. the
-- centroid (z-units) projected on the model's two principal components, the same
-- projection customer_segments.pca_1 / pca_2 applies to each customer.
with

centroids as (

    select * from {{ ref('segment_centroids') }}

),

components as (

    select * from {{ ref('segment_pca_components') }}

),

segment_personas as (

    select * from {{ ref('segment_personas') }}

),

projected as (

    select
        centroids.cluster_id,
        components.component,
        sum((centroids.centroid_z - components.centre_z) * components.loading)
            as coordinate

    from centroids
    inner join components
        on centroids.feature = components.feature
    group by 1, 2

),

final as (

    select
        segment_personas.persona_id,
        max(
            case when projected.component = 1 then projected.coordinate end
        ) as centroid_pca_1,
        max(
            case when projected.component = 2 then projected.coordinate end
        ) as centroid_pca_2

    from segment_personas
    left join projected
        on segment_personas.cluster_id = projected.cluster_id
    group by 1

)

select * from final
