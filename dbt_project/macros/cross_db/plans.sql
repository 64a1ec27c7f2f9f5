{#-
    How engines plan a query, where that differs enough to matter: one cross_db_ macro
    each behind adapter.dispatch.
-#}

{% macro cross_db_plan_barrier(relation, partition_by) %}
    {#- A select of every row and column of `relation` (a CTE) that a query on the
        columns computed inside it is planned above, not inlined into. Spark pushes a
        filter through projections by substituting each column's expression into it,
        and a view whose columns each build on the ones before (the explanation's
        contributions, ranks and reasons) then grows a filter expression exponentially
        (a data test on customer_segment_explanations ran out of Java heap). Spark
        stops at a window; only filters on `partition_by` go through it. -#}
    {{ return(adapter.dispatch('cross_db_plan_barrier', 'bank_segments')(
        relation, partition_by)) }}
{% endmacro %}


{% macro default__cross_db_plan_barrier(relation, partition_by) -%}
    select * from {{ relation }}
{%- endmacro %}


{% macro spark__cross_db_plan_barrier(relation, partition_by) -%}
    select
        *,
        count(*) over (partition by {{ partition_by }}) as plan_barrier_rows
    from {{ relation }}
{%- endmacro %}
