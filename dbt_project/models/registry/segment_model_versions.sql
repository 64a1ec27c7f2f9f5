-- One row per fitted segment model version, with every fit parameter, and which
-- version is active: the one pinned by var model_version, else the newest.
{%- set pinned = var('model_version') %}

with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

newest as (

    select max(version_number) as newest_version_number from registry

),

final as (

    select
        -- ids
        registry.model_version,
        registry.version_number,
        registry.content_hash,

        -- lineage
        registry.fitted_at,
        registry.fitted_by_invocation_id,
        registry.package_version,

        -- input
        registry.training_rows,
        registry.fit_sample_rows,
        registry.input_fingerprint,

        -- the model and how much to trust it
        registry.k,
        registry.k_selection_method,
        registry.silhouette,
        registry.structure_verdict,

        -- fit parameters
        registry.segment_features,
        registry.features_used,
        registry.dropped_features,
        registry.log1p_features,
        registry.k_min,
        registry.k_max,
        registry.segment_count,
        registry.random_state,
        registry.n_init,
        registry.fit_sample_size,
        registry.k_selection_sample_size,
        registry.silhouette_sample_size,
        registry.min_segment_share,
        registry.clip_quantile,

        -- flags
        {%- if pinned is not none %}
            registry.model_version = '{{ pinned }}' as is_active
        {%- else %}
            registry.version_number = newest.newest_version_number as is_active
        {%- endif %}

    from registry
    cross join newest

)

select * from final
