-- The relation MetricFlow reads: main.semantic_customer_segments, which publish_build
-- replaces on green with semantic_customer_segments pinned to the published tables.
-- A build never writes it (macros/materializations/published_view.sql), so the
-- semantic layer answers from the last green build, as the marts and exports do.
{{
    config(
        materialized='published_view',
        schema=cross_db_published_schema(),
        alias='semantic_customer_segments'
    )
}}

select * from {{ ref('semantic_customer_segments') }}
