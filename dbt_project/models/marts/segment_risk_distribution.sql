-- One row per persona x credit-risk band: the credit-risk rows of
-- segment_band_distribution under their published column names.
with

band_distribution as (

    select * from {{ ref('segment_band_distribution') }}

),

final as (

    select
        -- ids
        persona_id,
        persona_name,
        display_order,
        model_version,
        band_name as credit_risk_band,
        band_order as credit_risk_band_order,

        -- measures
        customers,
        share_within_persona

    from band_distribution
    where band_type = 'credit_risk'

)

-- a fixed row order: the table, and its Parquet export, are the same every build
select * from final
order by persona_id, credit_risk_band
