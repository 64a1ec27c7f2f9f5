{#-
    Aggregates whose result does not depend on the order rows reach them. DuckDB adds
    doubles in parallel, in whatever order its threads finish, so two builds of the
    same input can differ in a mean's last bit (and a mart's Parquet export then is not
    byte-identical). Summed as DECIMAL(38, 12) the addition is exact and the result is
    the same every time; it differs from the double sum by at most 1e-12 per row.
    Spark keeps its own sum: its parity with DuckDB is checked within a tolerance.
-#}

{% macro cross_db_exact_sum(expression) %}
    {{ return(adapter.dispatch('cross_db_exact_sum')(expression)) }}
{% endmacro %}

{% macro default__cross_db_exact_sum(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 12))) as double)
{%- endmacro %}

{% macro spark__cross_db_exact_sum(expression) -%}
    sum(cast({{ expression }} as double))
{%- endmacro %}


{% macro cross_db_exact_mean(expression) %}
    {{ return(adapter.dispatch('cross_db_exact_mean')(expression)) }}
{% endmacro %}

{% macro default__cross_db_exact_mean(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 12))) as double)
    / count({{ expression }})
{%- endmacro %}

{% macro spark__cross_db_exact_mean(expression) -%}
    avg(cast({{ expression }} as double))
{%- endmacro %}
