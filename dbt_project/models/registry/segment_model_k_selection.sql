-- One row per version x candidate K of the model registry: the k_selection list of
-- segment_model_fit unnested. Append-only like the registry it reads.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

items as (

    select
        registry.model_version,
        {{ cross_db_explode('registry.k_selection') }} as item

    from registry

),

final as (

    select
        items.model_version,
        items.item.k,
        items.item.silhouette,
        items.item.davies_bouldin,
        items.item.calinski_harabasz,
        items.item.inertia,
        items.item.smallest_cluster_share,
        items.item.structure_verdict,
        items.item.is_eligible,
        items.item.is_chosen,
        items.item.k_selection_sample_size,
        items.item.silhouette_sample_size

    from items

)

select * from final
