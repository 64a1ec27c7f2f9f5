-- One row per persona x credit-risk band: how the persona's customers spread over the
-- bands. Every band of the feature_bands seed appears for every persona, with zero
-- customers where none fall in it, so shares sum to 1 within each persona.
with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

segment_profiles as (

    select * from {{ ref('segment_profiles') }}

),

bands as (

    select * from {{ ref('feature_bands') }}

),

credit_risk_bands as (

    select
        band_name as credit_risk_band,
        band_order as credit_risk_band_order

    from bands
    where band_type = 'credit_risk'

),

band_counts as (

    select
        persona_id,
        credit_risk_band,
        count(*) as customers

    from customer_segments
    group by 1, 2

),

grid as (

    select
        segment_profiles.persona_id,
        segment_profiles.persona_name,
        segment_profiles.display_order,
        segment_profiles.model_version,
        segment_profiles.customers as persona_customers,
        credit_risk_bands.credit_risk_band,
        credit_risk_bands.credit_risk_band_order

    from segment_profiles
    cross join credit_risk_bands

),

final as (

    select
        -- ids
        cast(grid.persona_id as {{ dbt.type_string() }}) as persona_id,
        cast(grid.persona_name as {{ dbt.type_string() }}) as persona_name,
        cast(grid.display_order as integer) as display_order,
        cast(grid.model_version as {{ dbt.type_string() }}) as model_version,
        cast(grid.credit_risk_band as {{ dbt.type_string() }}) as credit_risk_band,
        cast(grid.credit_risk_band_order as integer) as credit_risk_band_order,

        -- measures
        cast(coalesce(band_counts.customers, 0) as bigint) as customers,
        cast(
            coalesce(band_counts.customers, 0) / grid.persona_customers as double
        ) as share_within_persona

    from grid
    left join band_counts
        on
            grid.persona_id = band_counts.persona_id
            and grid.credit_risk_band = band_counts.credit_risk_band

)

select * from final
