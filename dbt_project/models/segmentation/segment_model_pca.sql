-- One row per version x component x feature of the model registry: the pca list of
-- segment_model_fit unnested. Append-only like the registry it reads.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

items as (

    select
        registry.model_version,
        {{ segment_explode('registry.pca') }} as item

    from registry

),

final as (

    select
        model_version,
        item.component as component,
        item.explained_variance_ratio as explained_variance_ratio,
        item.feature_index as feature_index,
        item.feature as feature,
        item.loading as loading,
        item.centre_z as centre_z

    from items

)

select * from final
