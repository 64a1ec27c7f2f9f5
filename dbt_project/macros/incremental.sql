{#-
    Incremental models under publish-on-green (DuckDB): the history, the drift
    snapshots, the date pairs and the registry grow only when a build is published.

    dbt's own incremental materialization merges a build's rows into the model's
    table while the build runs, so a build that fails or is killed later (or a plain
    `dbt run`, which never publishes) would leave its rows in what `main` shows. Here
    each incremental model <x> has three relations in the work schema:

        work.<x>__published   the rows of every published build: the only table
                              that persists, written only by publish_build
        work.<x>__increment   this build's rows (the model's SQL or Python result)
        work.<x>              a view: __published with this build's rows applied
                              (rows of a date this build loads again replaced, per
                              the model's unique_key), which the build's later
                              models and tests read

    main.<x> is a view of work.<x>__published. On green, publish_build applies the
    increment to __published (delete the replaced keys, insert by name, add new
    columns) and drops it, inside the one publishing transaction. A build that fails
    or is killed leaves __published, and so main, as they were; the next build starts
    by dropping the stale increment. No temporary relation is created anywhere else.

    Spark has no publish step: its incremental models keep dbt-spark's own
    materialization (only this DuckDB one is overridden).
-#}

{% macro incremental_relations(relation) %}
    {#- (published, increment) relations of the incremental model at `relation`. -#}
    {{ return((
        relation.incorporate(path={'identifier': relation.identifier ~ '__published'},
            type='table'),
        relation.incorporate(path={'identifier': relation.identifier ~ '__increment'},
            type='table'),
    )) }}
{% endmacro %}


{% macro incremental_replaces_all(node) %}
    {#- Whether this build's rows replace all published rows: a --full-refresh build of
        a model that allows it (dbt's should_full_refresh rule, for any node). -#}
    {%- set configured = node.config.get('full_refresh') -%}
    {%- if configured is not none -%}
        {{ return(configured) }}
    {%- endif -%}
    {{ return(flags.FULL_REFRESH) }}
{% endmacro %}


{% macro incremental_pending_sql(published, increment, unique_key, replaces_all) %}
    {#- The rows a build would publish: __published with the increment applied. -#}
    {%- if replaces_all -%}
        select * from {{ increment }}
    {%- elif unique_key -%}
        select * from {{ published }}
        where {{ unique_key }} not in (
            select distinct increment.{{ unique_key }} from {{ increment }} as increment
        )
        union all by name
        select * from {{ increment }}
    {%- else -%}
        select * from {{ published }}
        union all by name
        select * from {{ increment }}
    {%- endif -%}
{% endmacro %}


{% macro incremental_publish_statements(node) %}
    {#- The statements that apply a green build's increment of `node` to its published
        table (run by publish_build inside its transaction). -#}
    {%- set this_relation = work_relation(node) -%}
    {%- set published, increment = incremental_relations(this_relation) -%}
    {%- set unique_key = node.config.get('unique_key') -%}
    {%- set statements = [] -%}
    {%- if incremental_replaces_all(node) -%}
        {%- do statements.append('delete from ' ~ published) -%}
    {%- elif unique_key -%}
        {%- do statements.append('delete from ' ~ published ~ ' where ' ~ unique_key
            ~ ' in (select distinct ' ~ unique_key ~ ' from ' ~ increment ~ ')') -%}
    {%- endif -%}
    {%- set have = adapter.get_columns_in_relation(published)
        | map(attribute='name') | map('lower') | list -%}
    {%- for column in adapter.get_columns_in_relation(increment)
        if column.name | lower not in have -%}
        {%- do statements.append('alter table ' ~ published ~ ' add column '
            ~ adapter.quote(column.name) ~ ' ' ~ column.data_type) -%}
    {%- endfor -%}
    {%- do statements.extend([
        'insert into ' ~ published ~ ' by name select * from ' ~ increment,
        'drop table ' ~ increment,
        'create or replace view ' ~ this_relation ~ ' as select * from ' ~ published,
    ]) -%}
    {{ return(statements) }}
{% endmacro %}


{% macro is_incremental() %}
    {#- dbt's is_incremental, except that the model's relation may be a view on DuckDB
        (the materialization above). -#}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(this.database, this.schema, this.table) -%}
    {{ return(relation is not none
        and relation.type in cross_db_incremental_relation_types()
        and model.config.materialized == 'incremental'
        and not should_full_refresh()) }}
{% endmacro %}
