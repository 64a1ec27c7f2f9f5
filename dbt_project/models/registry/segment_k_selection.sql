-- The active model version's K selection: one row per candidate K, with the fit
-- parameters that produced it.
with

versions as (

    select * from {{ ref('segment_model_versions') }}

),

k_selection as (

    select * from {{ ref('segment_model_k_selection') }}

),

final as (

    select
        k_selection.*,
        versions.k_selection_method,
        versions.min_segment_share,
        versions.random_state,
        versions.n_init

    from k_selection
    inner join versions
        on k_selection.model_version = versions.model_version
    where versions.is_active

)

select * from final
