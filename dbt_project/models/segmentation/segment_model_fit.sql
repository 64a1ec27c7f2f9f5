{{ config(enabled=target.type == 'spark', materialized='table') }}
-- The model registry on engines that cannot run the dbt Python model (local Spark,
-- any non-Databricks Spark): the version(s) exported from another engine with
-- `bank-segments model export`, read from var segment_model_import_path. On DuckDB
-- the Python model segment_model_fit.py beside this file fits instead.
{%- set path = bank_var('segment_model_import_path') %}
{%- if path is none and execute %}
    {{ exceptions.raise_compiler_error(
        "segment_model_fit on the spark target needs var segment_model_import_path: run"
        ~ " `bank-segments model export --db bank_segments.duckdb --out models/` and pass"
        ~ " --vars '{segment_model_import_path: models/segment_model_<version>.parquet}'"
    ) }}
{%- endif %}

with

imported as (

    select * from {{ bank_parquet_relation(sql_text(path or 'unset.parquet')) }}

)

select * from imported
