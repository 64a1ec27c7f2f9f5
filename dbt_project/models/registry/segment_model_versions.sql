-- One row per fitted segment model version, with every fit parameter, its status and
-- which version this build scores with. The champion is the version of the last row of
-- segment_model_activations; a candidate was fitted with var fit_candidate after the
-- champion became champion and was never champion; every other version is retired.
-- The active version is the one pinned by var model_version, else the champion.
{%- set pinned = var('model_version') %}

with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

activations as (

    select * from {{ ref('segment_model_activations') }}

),

last_activation as (

    select max(activation_number) as activation_number from activations

),

champion as (

    select
        activations.model_version as champion_version,
        activations.activated_at as champion_since
    from activations
    inner join last_activation
        on activations.activation_number = last_activation.activation_number

),

activated as (

    select
        model_version,
        count(*) as times_activated
    from activations
    group by model_version

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
        registry.fit_purpose,
        registry.warm_started_from,

        -- input
        registry.training_rows,
        registry.training_as_of_date,
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

        -- review: champion, candidate or retired, and how often it went live
        case
            when registry.model_version = champion.champion_version then 'champion'
            when
                registry.fit_purpose = 'candidate'
                and activated.model_version is null
                and registry.fitted_at > champion.champion_since
                then 'candidate'
            else 'retired'
        end as status,
        coalesce(activated.times_activated, 0) as times_activated,

        -- flags
        {%- if pinned is not none %}
            registry.model_version = '{{ pinned }}' as is_active
        {%- else %}
            registry.model_version = champion.champion_version as is_active
        {%- endif %}

    from registry
    cross join champion
    left join activated
        on registry.model_version = activated.model_version

)

select * from final
