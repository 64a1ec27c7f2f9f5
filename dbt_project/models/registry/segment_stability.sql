-- The active model version's bootstrap stability: one row per cluster.
with

versions as (

    select * from {{ ref('segment_model_versions') }}

),

stability as (

    select * from {{ ref('segment_model_stability') }}

),

final as (

    select stability.*
    from stability
    inner join versions
        on stability.model_version = versions.model_version
    where versions.is_active

)

select * from final
