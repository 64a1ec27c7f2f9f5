-- One row per persona x band of each banded KPI (credit risk, digital adoption): how
-- the persona's customers spread over the bands. Every band of the feature_bands seed
-- appears for every persona, with zero customers where none fall in it, so shares sum
-- to 1 within each persona and band type.
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

kpi_bands as (

    select
        band_type,
        band_name,
        band_order

    from bands
    where band_type in ('credit_risk', 'digital_adoption')

),

customer_bands as (

    select
        persona_id,
        'credit_risk' as band_type,
        credit_risk_band as band_name

    from customer_segments

    union all

    select
        persona_id,
        'digital_adoption' as band_type,
        digital_adoption_band as band_name

    from customer_segments

),

band_counts as (

    select
        persona_id,
        band_type,
        band_name,
        count(*) as customers

    from customer_bands
    group by persona_id, band_type, band_name

),

grid as (

    select
        {{ marts_persona_columns('segment_profiles') }},
        segment_profiles.customers as persona_customers,
        kpi_bands.band_type,
        kpi_bands.band_name,
        kpi_bands.band_order

    from segment_profiles
    cross join kpi_bands

),

final as (

    select
        -- ids
        cast(grid.persona_id as {{ dbt.type_string() }}) as persona_id,
        cast(grid.persona_name as {{ dbt.type_string() }}) as persona_name,
        cast(grid.display_order as integer) as display_order,
        cast(grid.model_version as {{ dbt.type_string() }}) as model_version,
        cast(grid.band_type as {{ dbt.type_string() }}) as band_type,
        cast(grid.band_name as {{ dbt.type_string() }}) as band_name,
        cast(grid.band_order as integer) as band_order,

        -- measures
        cast(coalesce(band_counts.customers, 0) as bigint) as customers,
        cast(
            coalesce(band_counts.customers, 0) / grid.persona_customers as double
        ) as share_within_persona

    from grid
    left join band_counts
        on
            grid.persona_id = band_counts.persona_id
            and grid.band_type = band_counts.band_type
            and grid.band_name = band_counts.band_name

)

-- a fixed row order: the table, and its Parquet export, are the same every build
select * from final
order by persona_id, band_type, band_name
