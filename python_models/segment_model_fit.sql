{{ config(enabled=target.type == 'spark', materialized='table') }}
-- The model registry on engines that cannot run the dbt Python model (local Spark,
-- any non-Databricks Spark): the version files named by var segment_model_import_path
-- (one file, or a glob such as models/segment_model_*.parquet to keep every version),
-- written by `bank-segments fit --target spark` (fitted through Spark) or exported
-- from DuckDB with `bank-segments model export`. On DuckDB the Python model
-- segment_model_fit.py beside this file fits instead.
{%- set path = bank_var('segment_model_import_path') %}
{%- if path is none and execute %}
    {{ exceptions.raise_compiler_error(
        "segment_model_fit on the spark target needs var segment_model_import_path: run"
        ~ " `bank-segments fit --target spark --out models/` (or export a DuckDB version"
        ~ " with `bank-segments model export --out models/`) and pass"
        ~ " --vars '{segment_model_import_path: models/segment_model_*.parquet}'"
    ) }}
{%- endif %}

with

imported as (

    select * from {{ cross_db_parquet_relation(sql_text(path or 'unset.parquet')) }}

)

select * from imported
