{#-
    Publish on green: what analysts, the report and the exports read (schema `main`)
    is always the last build that finished green, never a half-built one.

    dbt builds every node into the profile's work schema (`work`). The on-run-end hook
    `publish_build(results)` then, only for a `dbt build` in which every node
    succeeded and every published node was rebuilt (the rule the Parquet exports
    follow), swaps each published node in with O(1) renames, in ONE transaction:

        drop table if exists work.<x>__published
        alter table work.<x> rename to <x>__published
        create view work.<x> as select * from work.<x>__published
        create or replace view main.<x> as select * from work.<x>__published

    so main.<x> (and dbt's own relation work.<x>, which the semantic layer queries)
    show the published build until the next green build replaces them; a failed
    build's tables stay in `work` only. No table is copied: at 10M customers a copy
    would cost seconds per table. Exceptions: an incremental model keeps its table
    (it must grow in place) and is published as the view main.<x> -> work.<x>; a
    seed is copied to a table main.<x> (seeds are small, and `dbt seed` refuses to
    load into a view).

    A node is published when its config says `meta: {publish: true}` (set in
    dbt_project.yml). Every build, green or failed, is recorded in main.build_log.
-#}

{% macro publish_schema() %}
    {{ return('main') }}
{% endmacro %}


{% macro publish_nodes() %}
    {#- The project's models and seeds marked meta.publish, in name order. -#}
    {%- set nodes = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type in ['model', 'seed'] and node.package_name == project_name -%}
        {%- set meta = node.config.get('meta', {}) or node.get('meta', {}) or {} -%}
        {%- if meta.get('publish') -%}
            {%- do nodes.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(nodes | sort(attribute='name')) }}
{% endmacro %}


{% macro published_relation(node) %}
    {#- Where analysts read `node`: main.<alias> in the warehouse. -#}
    {{ return(api.Relation.create(
        database=node.database, schema=publish_schema(), identifier=node.alias)) }}
{% endmacro %}


{% macro build_log_relation() %}
    {{ return(api.Relation.create(
        database=target.database, schema=publish_schema(), identifier='build_log')) }}
{% endmacro %}


{% macro build_failures(results) %}
    {#- Nodes that errored, failed or were skipped (warn-level tests may warn). -#}
    {%- set bad = [] -%}
    {%- for result in results -%}
        {%- if result.status not in ['success', 'pass', 'warn', 'no-op'] -%}
            {%- do bad.append(result.node.unique_id ~ ' ' ~ result.status) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(bad) }}
{% endmacro %}


{% macro publish_decision(results) %}
    {#- (publish?, why not) for this invocation. -#}
    {%- if flags.WHICH != 'build' -%}
        {{ return((false, 'only a dbt build publishes')) }}
    {%- endif -%}
    {%- set bad = build_failures(results) -%}
    {%- if results | length == 0 or bad -%}
        {{ return((false, (bad | length) ~ ' node(s) did not succeed: ' ~ bad[:5] | join(', '))) }}
    {%- endif -%}
    {%- set built = [] -%}
    {%- for result in results if result.status == 'success' -%}
        {%- do built.append(result.node.unique_id) -%}
    {%- endfor -%}
    {%- set not_built = publish_nodes() | rejectattr('unique_id', 'in', built)
        | map(attribute='name') | list -%}
    {%- if not_built -%}
        {{ return((false, 'this build did not rebuild ' ~ not_built | join(', '))) }}
    {%- endif -%}
    {{ return((true, '')) }}
{% endmacro %}


{% macro publish_statements(node) %}
    {#- The SQL that swaps `node` in (see the top of this file). -#}
    {%- set work = api.Relation.create(
        database=node.database, schema=node.schema, identifier=node.alias) -%}
    {%- set kept = api.Relation.create(
        database=node.database, schema=node.schema, identifier=node.alias ~ '__published') -%}
    {%- set main = published_relation(node) -%}
    {#- A warehouse built before publishing existed has tables in main: replace them. -#}
    {%- set existing = adapter.get_relation(
        database=main.database, schema=main.schema, identifier=main.identifier) -%}
    {%- set clear = [] -%}
    {%- if existing is not none and existing.is_table and node.resource_type != 'seed' -%}
        {%- do clear.append('drop table ' ~ main) -%}
    {%- elif existing is not none and existing.is_view and node.resource_type == 'seed' -%}
        {%- do clear.append('drop view ' ~ main) -%}
    {%- endif -%}
    {%- if node.resource_type == 'seed' -%}
        {{ return(clear + ['create or replace table ' ~ main ~ ' as select * from ' ~ work]) }}
    {%- elif node.config.materialized in ['incremental', 'view'] -%}
        {#- an incremental table grows in place; a view is only a query over them -#}
        {{ return(clear + ['create or replace view ' ~ main ~ ' as select * from ' ~ work]) }}
    {%- else -%}
        {{ return(clear + [
            'drop table if exists ' ~ kept,
            'alter table ' ~ work ~ ' rename to ' ~ adapter.quote(kept.identifier),
            'create view ' ~ work ~ ' as select * from ' ~ kept,
            'create or replace view ' ~ main ~ ' as select * from ' ~ kept,
        ]) }}
    {%- endif -%}
{% endmacro %}


{% macro record_build(status, published, note) %}
    {#- One row in main.build_log for this invocation. -#}
    {%- set log_table = build_log_relation() -%}
    {%- call statement('build_log_create') -%}
        create table if not exists {{ log_table }} (
            invocation_id varchar,
            command varchar,
            started_at timestamp,
            finished_at timestamp,
            status varchar,
            published boolean,
            note varchar
        )
    {%- endcall -%}
    {%- call statement('build_log_insert') -%}
        insert into {{ log_table }}
        values (
            {{ sql_text(invocation_id) }},
            {{ sql_text(flags.WHICH) }},
            cast({{ sql_text(run_started_at.strftime('%Y-%m-%d %H:%M:%S')) }} as timestamp),
            cast(current_timestamp as timestamp),
            {{ sql_text(status) }},
            {{ 'true' if published else 'false' }},
            {{ sql_text(note) }}
        )
    {%- endcall -%}
{% endmacro %}


{% macro publish_build(results) %}
    {#- Publishing is a DuckDB feature; see spark__publish_build. -#}
    {{ return(adapter.dispatch('publish_build', 'bank_segments')(results)) }}
{% endmacro %}

{% macro spark__publish_build(results) %}
    {#-
        Not supported on Spark: the build's own schema is the lakehouse's BI source,
        there is no `main` swap and no build_log table. A documented no-op.
    -#}
    {%- if execute and flags.WHICH == 'build' -%}
        {{ log('publish: not on Spark; the tables in schema ' ~ target.schema
            ~ ' are the lakehouse tables (no main swap, no build_log)', info=true) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{% macro default__publish_build(results) %}
    {%- if not execute or flags.WHICH not in ['build', 'run', 'seed', 'test'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set bad = build_failures(results) -%}
    {%- set status = 'failed' if bad else 'green' -%}
    {%- set decision = publish_decision(results) -%}
    {%- if not decision[0] -%}
        {{ log('publish: main keeps the last green build; not published: ' ~ decision[1],
            info=true) }}
        {%- do record_build(status, false, decision[1]) -%}
        {%- do adapter.commit() -%}
        {{ return('') }}
    {%- endif -%}

    {%- set statements = [] -%}
    {%- for node in publish_nodes() -%}
        {%- do statements.extend(publish_statements(node)) -%}
    {%- endfor -%}
    {%- call statement('publish_swap') -%}
        {{ statements | join(';\n') }}
    {%- endcall -%}
    {%- do record_build(status, true, publish_nodes() | length ~ ' node(s) published') -%}
    {%- do adapter.commit() -%}
    {{ log('publish: ' ~ publish_nodes() | length ~ ' node(s) published to '
        ~ publish_schema(), info=true) }}
    {{ return('') }}
{% endmacro %}
