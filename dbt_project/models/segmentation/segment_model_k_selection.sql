-- One row per version x candidate K of the model registry: the k_selection list of
-- segment_model_fit unnested. Append-only like the registry it reads.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

items as (

    select
        registry.model_version,
        {{ segment_explode('registry.k_selection') }} as item

    from registry

),

final as (

    select
        model_version,
        item.k as k,
        item.silhouette as silhouette,
        item.davies_bouldin as davies_bouldin,
        item.calinski_harabasz as calinski_harabasz,
        item.inertia as inertia,
        item.smallest_cluster_share as smallest_cluster_share,
        item.structure_verdict as structure_verdict,
        item.is_eligible as is_eligible,
        item.is_chosen as is_chosen,
        item.k_selection_sample_size as k_selection_sample_size,
        item.silhouette_sample_size as silhouette_sample_size

    from items

)

select * from final
