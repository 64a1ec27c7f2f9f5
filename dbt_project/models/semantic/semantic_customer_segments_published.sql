-- The relation MetricFlow reads: main.semantic_customer_segments, which publish_build
-- replaces on green with semantic_customer_segments pinned to the published tables.
-- A build never writes it (macros/materializations/published_view.sql), so the
-- semantic layer answers from the last green build, as the marts and exports do.
-- Where nothing is published (Spark) it is an ordinary view under its own name.
{%- set published_schema = cross_db_published_schema() %}
{{
    config(
        materialized='published_view',
        schema=published_schema,
        alias='semantic_customer_segments' if published_schema else none
    )
}}

select * from {{ ref('semantic_customer_segments') }}
