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
    would cost seconds per table. Exceptions: an incremental model's increment is
    applied to its persistent table work.<x>__published in the same transaction
    (macros/incremental.sql), and main.<x> is a view of that table; a
    seed is copied to a table main.<x> (seeds are small, and `dbt seed` refuses to
    load into a view); a view model is published as main.<x> with its own compiled
    SQL, every published relation in it pinned to the published copy
    (work.<t>__published for a table or an incremental model, main.<v> for a view
    or seed). A view reads
    its inputs by name when queried, so `select * from work.<x>` would show a later
    failed build's tables through it.

    A node is published when its config says `meta: {publish: true}` (set in
    dbt_project.yml). Every build, green or failed, is recorded in main.build_log.
-#}

{% macro publish_schema() %}
    {{ return('main') }}
{% endmacro %}


{% macro generate_schema_name(custom_schema_name, node) %}
    {#- dbt's schema naming, except that the publish schema is used as written (dbt's
        default would make it <target schema>_main). -#}
    {%- if custom_schema_name is not none and custom_schema_name | trim == publish_schema() -%}
        {{ return(publish_schema()) }}
    {%- endif -%}
    {{ return(default__generate_schema_name(custom_schema_name, node)) }}
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


{% macro work_relation(node, suffix='') %}
    {#- dbt's own relation of `node` in the work schema (with `suffix`: the published
        copy a table is renamed to, work.<x>__published). -#}
    {{ return(api.Relation.create(
        database=node.database, schema=node.schema, identifier=node.alias ~ suffix)) }}
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


{% macro publish_pinned_sql(node, compiled) %}
    {#-
        The compiled SQL of the view model `node` (from this build's results), with
        every published relation it reads replaced by the one analysts read: a table
        or an incremental model by work.<t>__published, a view or seed by main.<v>.
        dbt renders a relation fully quoted ("db"."schema"."name"), so one name is
        never a prefix of another.
    -#}
    {%- set sql = namespace(text=compiled[node.unique_id]) -%}
    {%- for upstream in publish_nodes() if upstream.unique_id in node.depends_on.nodes -%}
        {%- if upstream.resource_type == 'seed' or upstream.config.materialized == 'view' -%}
            {%- set pinned = published_relation(upstream) -%}
        {%- else -%}
            {%- set pinned = work_relation(upstream, '__published') -%}
        {%- endif -%}
        {%- set sql.text = sql.text
            | replace(work_relation(upstream) | string, pinned | string) -%}
    {%- endfor -%}
    {{ return(sql.text) }}
{% endmacro %}


{% macro publish_in_order(nodes) %}
    {#- `nodes` with every view after the published views it reads (its pinned SQL
        names their main.<v>, which must exist when the view is created). -#}
    {%- set ordered = nodes | rejectattr('config.materialized', 'equalto', 'view') | list -%}
    {%- set views = nodes | selectattr('config.materialized', 'equalto', 'view') | list -%}
    {%- set view_ids = views | map(attribute='unique_id') | list -%}
    {%- for _ in views -%}
        {%- set done = ordered | map(attribute='unique_id') | list -%}
        {%- for view in views if view.unique_id not in done -%}
            {%- set waiting = view.depends_on.nodes | select('in', view_ids)
                | reject('in', done) | list -%}
            {%- if not waiting -%}
                {%- do ordered.append(view) -%}
                {%- do done.append(view.unique_id) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(ordered) }}
{% endmacro %}


{% macro publish_statements(node, compiled) %}
    {#- The SQL that swaps `node` in (see the top of this file); `compiled` maps the
        unique id of each model this build ran to its compiled SQL. -#}
    {%- set work = work_relation(node) -%}
    {%- set kept = work_relation(node, '__published') -%}
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
    {%- elif node.config.materialized == 'incremental' -%}
        {#- the increment joins the published rows (macros/incremental.sql) -#}
        {{ return(clear + incremental_publish_statements(node) + [
            'create or replace view ' ~ main ~ ' as select * from ' ~ kept,
        ]) }}
    {%- elif node.config.materialized == 'view' -%}
        {#- the view's own query on the published inputs; a table left by a build
            that materialized it as a table goes -#}
        {{ return(clear + [
            'create or replace view ' ~ main ~ ' as\n' ~ publish_pinned_sql(node, compiled),
            'drop table if exists ' ~ kept,
        ]) }}
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
    {#- One row in main.build_log for this invocation. A published build's exports
        are 'pending' until export_marts has written every file ('written'); a build
        killed or failing in between leaves 'pending', which the report and
        `bank-segments build` name as stale exports. -#}
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
        );
        alter table {{ log_table }} add column if not exists exports varchar
    {%- endcall -%}
    {%- call statement('build_log_insert') -%}
        insert into {{ log_table }}
        values (
            {{ sql_text(invocation_id) }},
            {{ sql_text(flags.WHICH) }},
            cast({{ sql_text(run_started_at.strftime('%Y-%m-%d %H:%M:%S')) }} as timestamp),
            cast({{ cross_db_utc_now() }} as timestamp),
            {{ sql_text(status) }},
            {{ 'true' if published else 'false' }},
            {{ sql_text(note) }},
            {{ sql_text('pending' if published else 'not written') }}
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

    {%- set compiled = {} -%}
    {%- for result in results if result.node.resource_type == 'model' -%}
        {%- do compiled.update({result.node.unique_id: result.node.compiled_code}) -%}
    {%- endfor -%}
    {%- set backfill = publish_backfill() -%}
    {%- set nodes = publish_nodes() -%}
    {%- if backfill is not none -%}
        {%- set on_backfill = [] -%}
        {%- for node in nodes -%}
            {%- set meta = node.config.get('meta', {}) or node.get('meta', {}) or {} -%}
            {%- if meta.get('publish_on_backfill') -%}
                {%- do on_backfill.append(node) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set nodes = on_backfill -%}
    {%- endif -%}
    {%- set statements = [] -%}
    {%- for node in publish_in_order(nodes) -%}
        {%- do statements.extend(publish_statements(node, compiled)) -%}
    {%- endfor -%}
    {%- call statement('publish_swap') -%}
        {{ statements | join(';\n') }}
    {%- endcall -%}
    {%- if backfill is not none -%}
        {%- set note = 'backfill of ' ~ backfill[0] ~ ', before the latest published as-of date '
            ~ backfill[1] ~ ': published its history, migration and drift ('
            ~ nodes | length ~ ' node(s)); the marts, report and exports stay on '
            ~ backfill[1] -%}
        {%- do record_build(status, false, note) -%}
        {%- do adapter.commit() -%}
        {{ log('publish: ' ~ note, info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- do record_build(status, true, nodes | length ~ ' node(s) published') -%}
    {%- do adapter.commit() -%}
    {{ log('publish: ' ~ nodes | length ~ ' node(s) published to '
        ~ publish_schema(), info=true) }}
    {{ return('') }}
{% endmacro %}


{% macro publish_backfill() %}
    {#-
        (loaded, latest) as-of dates when this build loaded a date before the latest
        one the history has published (a backfill), else none. The same answer before
        publish_build's swap and after it: on a backfill the marts are not swapped, so
        work.customer_segments is still this build's table. A backfill publishes only
        the nodes with meta publish_on_backfill (the history, migration and drift).
    -#}
    {%- set history = api.Relation.create(database=target.database, schema=target.schema,
        identifier='customer_segment_history__published') -%}
    {%- set segments = api.Relation.create(database=target.database, schema=target.schema,
        identifier='customer_segments') -%}
    {%- set found = run_query(
        "select count(*) from information_schema.tables where table_schema = '"
        ~ target.schema ~ "' and table_name in ('customer_segments',"
        ~ " 'customer_segment_history__published')") -%}
    {%- if found.columns[0].values()[0] < 2 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set dates = run_query(
        'select cast(loaded as varchar), cast(latest as varchar), coalesce(loaded < latest, false)'
        ~ ' from (select max(as_of_date) as loaded from ' ~ segments ~ ')'
        ~ ' cross join (select max(as_of_date) as latest from ' ~ history ~ ')') -%}
    {%- set row = dates.rows[0] -%}
    {{ return((row[0], row[1]) if row[2] else none) }}
{% endmacro %}
