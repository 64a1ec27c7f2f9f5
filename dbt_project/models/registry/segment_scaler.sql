-- The active model version's scaler: one row per feature used.
with

versions as (

    select * from {{ ref('segment_model_versions') }}

),

parameters as (

    select * from {{ ref('segment_model_scaler') }}

),

final as (

    select parameters.*
    from parameters
    inner join versions
        on parameters.model_version = versions.model_version
    where versions.is_active

)

select * from final
