-- One row per version x feature x decile of the model registry: the feature_deciles
-- list of segment_model_fit unnested. Append-only like the registry it reads.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

items as (

    select
        registry.model_version,
        {{ cross_db_explode('registry.feature_deciles') }} as item

    from registry

),

final as (

    select
        items.model_version,
        items.item.feature,
        items.item.decile,
        items.item.lower_edge,
        items.item.upper_edge,
        items.item.training_share,
        items.item.training_mean,
        items.item.training_std

    from items

)

select * from final
