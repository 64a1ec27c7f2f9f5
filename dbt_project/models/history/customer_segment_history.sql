-- One row per customer and as-of date: the segment each monthly load put the customer
-- in. Loading an as-of date again replaces that snapshot (cross_db_snapshot_config:
-- DuckDB delete+insert, Spark insert_overwrite of the as_of_date partition)
-- and never touches the others; full_refresh=false keeps `dbt build --full-refresh`
-- from dropping the past.
{{
    config(
        materialized='incremental',
        full_refresh=false,
        on_schema_change='append_new_columns',
        **cross_db_snapshot_config()
    )
}}

with

segments as (

    select * from {{ ref('customer_segments') }}

),

final as (

    select
        -- keys
        customer_id,
        as_of_date,
        model_version,

        -- segment
        cluster_id,
        persona_id,
        persona_name,

        -- measures
        clv_proxy,
        segment_margin,
        distance_to_centroid

    from segments

)

select * from final
