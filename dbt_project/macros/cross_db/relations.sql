{#- Where relations live per engine: publish-on-green exists on DuckDB only. -#}

{% macro cross_db_incremental_relation_types() %}
    {#- The relation types an incremental model's existing relation may have for
        is_incremental(): a view on DuckDB (macros/incremental.sql), a table elsewhere. -#}
    {{ return(adapter.dispatch('cross_db_incremental_relation_types', 'bank_segments')()) }}
{% endmacro %}

{% macro default__cross_db_incremental_relation_types() %}
    {{ return(['table']) }}
{% endmacro %}

{% macro duckdb__cross_db_incremental_relation_types() %}
    {{ return(['table', 'view']) }}
{% endmacro %}


{% macro cross_db_published_schema() %}
    {#- The schema of a relation only publish_build writes: `main` on DuckDB; none (the
        profile's schema) where nothing is published (Spark). -#}
    {{ return(adapter.dispatch('cross_db_published_schema', 'bank_segments')()) }}
{% endmacro %}

{% macro default__cross_db_published_schema() %}
    {{ return(none) }}
{% endmacro %}

{% macro duckdb__cross_db_published_schema() %}
    {{ return(publish_schema()) }}
{% endmacro %}
