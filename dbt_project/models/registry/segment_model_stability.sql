-- One row per version x cluster of the model registry: Hennig's bootstrap stability
-- measured when the version was fitted (the stability list of segment_model_fit),
-- with clusterboot's reading of the mean Jaccard. Append-only like the registry.
with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

personas as (

    select * from {{ ref('segment_model_personas') }}

),

items as (

    select
        registry.model_version,
        {{ cross_db_explode('registry.stability') }} as item

    from registry

),

measured as (

    select
        items.model_version,
        items.item.cluster_id,
        items.item.mean_jaccard,
        items.item.resamples,
        items.item.sample_rows,
        items.item.dissolved_resamples,
        items.item.recovered_resamples

    from items

),

final as (

    select
        -- keys
        measured.model_version,
        measured.cluster_id,
        personas.persona_id,
        personas.persona_name,

        -- measures
        measured.mean_jaccard,
        measured.resamples,
        measured.sample_rows,
        cast(measured.dissolved_resamples as double)
        / measured.resamples as dissolved_share,
        cast(measured.recovered_resamples as double)
        / measured.resamples as recovered_share,

        -- verdict: Hennig (2007) / fpc::clusterboot
        case
            when measured.mean_jaccard >= 0.85 then 'highly stable'
            when measured.mean_jaccard >= 0.75 then 'stable'
            when measured.mean_jaccard >= 0.60 then 'doubtful'
            else 'not to be trusted'
        end as stability_verdict

    from measured
    inner join personas
        on
            measured.model_version = personas.model_version
            and measured.cluster_id = personas.cluster_id

)

select * from final
