{#-
    How engines plan a query, where that differs enough to matter: one cross_db_ macro
    each behind adapter.dispatch.
-#}

{% macro cross_db_plan_barrier(relation, partition_by) %}
    {#- A select of every row of `relation` (a CTE) that a query filtering on the
        columns computed inside it is planned above, not inlined into; the caller
        names the columns it keeps (on Spark it adds plan_barrier_rows). Spark pushes a filter
        through projections by substituting each column's expression into it, and a
        view whose columns each build on the ones before (the explanation's
        contributions, ranks and reasons) then grows a filter expression exponentially
        (a data test on customer_segment_explanations ran out of Java heap). Spark
        stops at a window, and keeps a window only while something reads its value:
        here a filter that every row passes. Filters on `partition_by` still go
        through it. -#}
    {{ return(adapter.dispatch('cross_db_plan_barrier', 'bank_segments')(
        relation, partition_by)) }}
{% endmacro %}


{% macro default__cross_db_plan_barrier(relation, partition_by) -%}
    select * from {{ relation }}
{%- endmacro %}


{% macro spark__cross_db_plan_barrier(relation, partition_by) -%}
    select * from (
        select
            *,
            count(*) over (partition by {{ partition_by }}) as plan_barrier_rows
        from {{ relation }}
    ) as windowed
    where plan_barrier_rows >= 1
{%- endmacro %}


{% macro cross_db_not_materialized() %}
    {#- Written between a CTE's name and `as (`: the engine reads the CTE's input again
        for each query part that uses it instead of materializing it once for all of
        them. DuckDB materializes a CTE that several parts read, and fanning a
        customer-sized table out to many readers cost more than scanning it again
        (int_segment_measures reads its customers 27 times). -#}
    {{ return(adapter.dispatch('cross_db_not_materialized', 'bank_segments')()) }}
{% endmacro %}


{% macro default__cross_db_not_materialized() -%}
    not materialized
{%- endmacro %}


{% macro spark__cross_db_not_materialized() -%}
{%- endmacro %}


{% macro cross_db_measures_per_pass(measures) %}
    {#- How a query that runs the same steps for each of `measures` (a list) groups
        them: a list of lists, each list's measures going through the steps together
        as one row per row and measure (cross_db_unpivot). DuckDB: one measure per
        pass, each pass scanning only its column, which a columnar engine does faster
        than unpivoting every measure of every row. Spark: one pass for all, as each
        step of each pass is stages Spark plans and runs. -#}
    {{ return(adapter.dispatch('cross_db_measures_per_pass', 'bank_segments')(measures)) }}
{% endmacro %}


{% macro default__cross_db_measures_per_pass(measures) %}
    {%- set passes = [] %}
    {%- for measure in measures %}{% do passes.append([measure]) %}{% endfor %}
    {{ return(passes) }}
{% endmacro %}


{% macro spark__cross_db_measures_per_pass(measures) %}
    {{ return([measures]) }}
{% endmacro %}
