-- One row per version x component x feature of the model registry: the pca list of
-- segment_model_fit unnested. Append-only like the registry it reads.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

items as (

    select
        registry.model_version,
        {{ cross_db_explode('registry.pca') }} as item

    from registry

),

final as (

    select
        items.model_version,
        items.item.component,
        items.item.explained_variance_ratio,
        items.item.feature_index,
        items.item.feature,
        items.item.loading,
        items.item.centre_z

    from items

)

select * from final
