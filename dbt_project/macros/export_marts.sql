{#-
    Publishing the marts as Parquet for BI tools (the on-run-end hook).

    Only a `dbt build` publishes, only when every node in it succeeded (tests
    included) and only when it rebuilt every mart: a failed build, or one that
    selected only some marts, leaves the last good files in place.
    compile, docs generate, sqlfluff (which compiles) and a plain `dbt run` never
    export, because `run` skips the tests that vouch for the data.

    Each file is replaced atomically. DuckDB's COPY with USE_TMP_FILE writes
    `tmp_<name>.parquet` in the same folder and then rename(2)s it over
    `<name>.parquet` (checked with strace on DuckDB 2.0), so a reader opens either
    the old complete file or the new complete file, never a half-written one.
-#}

{% macro export_marts_folder() %}
    {#-
        var exports_path, or by default an `exports` folder next to the warehouse
        file: `exports/` for the default bank_segments.duckdb, and a private folder
        for every throwaway warehouse the tests build.
    -#}
    {%- set configured = var('exports_path') -%}
    {%- if configured is not none and configured | string | trim != '' -%}
        {%- set folder = configured | string | trim -%}
    {%- else -%}
        {%- set database_path = target.path | string -%}
        {%- set parts = modules.re.split('[/\\\\]', database_path) -%}
        {%- if parts | length > 1 -%}
            {%- set folder = database_path[:database_path | length - parts[-1] | length]
                ~ 'exports' -%}
        {%- else -%}
            {%- set folder = 'exports' -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(folder.rstrip('/\\')) }}
{% endmacro %}


{% macro export_marts_models() %}
    {#- The project's marts: every model directly in models/marts/ (not its helpers/
        folder), in name order. -#}
    {%- set marts = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model'
        and node.package_name == project_name
        and node.fqn[1] == 'marts'
        and node.fqn | length == 3 -%}
        {%- do marts.append(node) -%}
    {%- endfor -%}
    {{ return(marts | sort(attribute='name')) }}
{% endmacro %}


{% macro export_marts_ensure_folder(folder) %}
    {#-
        DuckDB's COPY does not create folders, and dbt's Jinja has no `os`. A
        partitioned COPY of zero rows with OVERWRITE_OR_IGNORE creates its target
        folder (one level at a time) and writes nothing, leaving files already in
        it untouched; so create each level of the path that way.
    -#}
    {%- set parts = modules.re.split('([/\\\\])', folder) -%}
    {%- set prefix = namespace(path='') -%}
    {%- for part in parts -%}
        {%- set prefix.path = prefix.path ~ part -%}
        {%- if part not in ['', '/', '\\', '.', '..'] and not part.endswith(':') -%}
            {%- call statement('export_marts_mkdir') -%}
                copy (select 1 as level, 1 as payload where false)
                to '{{ prefix.path | replace("'", "''") }}'
                (format parquet, partition_by (level), overwrite_or_ignore true)
            {%- endcall -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}


{% macro export_marts(results) %}
    {{ return(adapter.dispatch('export_marts', 'bank_segments')(results)) }}
{% endmacro %}

{% macro spark__export_marts(results) %}
    {#- Not supported on Spark: the marts are Spark tables, read in place by BI tools. -#}
    {{ return('') }}
{% endmacro %}

{% macro default__export_marts(results) %}
    {#-
        Runs after publish_build: the same rule decides (a green `dbt build` that
        rebuilt every published node, marts included), and the files are written from
        the published relations in `main`, so files and SQL always agree.
    -#}
    {%- if not execute or flags.WHICH != 'build' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set decision = publish_decision(results) -%}
    {%- if not decision[0] -%}
        {{ log('exports: not published, ' ~ decision[1], info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- set backfill = publish_backfill() -%}
    {%- if backfill is not none -%}
        {{ log('exports: unchanged, a backfill of ' ~ backfill[0] ~ ' leaves the marts on '
            ~ backfill[1], info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- set built = [] -%}
    {%- for result in results if result.status == 'success' -%}
        {%- do built.append(result.node.unique_id) -%}
    {%- endfor -%}
    {%- set marts = export_marts_models() -%}
    {%- set not_built = marts | rejectattr('unique_id', 'in', built)
        | map(attribute='name') | list -%}
    {%- if not_built -%}
        {{ log('exports: not published, this build did not rebuild '
            ~ not_built | join(', '), info=true) }}
        {{ return('') }}
    {%- endif -%}

    {%- set folder = export_marts_folder() -%}
    {%- do export_marts_ensure_folder(folder) -%}
    {%- set relations = [] -%}
    {%- for node in marts -%}
        {%- do relations.append(published_relation(node)) -%}
    {%- endfor -%}
    {%- set columns = export_marts_columns(relations) -%}
    {%- for node in marts -%}
        {%- set relation = published_relation(node) -%}
        {%- set path = folder ~ '/' ~ node.alias ~ '.parquet' -%}
        {#- meta.export_order_by: a customer-sized mart's row order depends on how the
            engine's threads met its rows; sorted on its key, the file is the same for
            the same data (a small mart sorts itself in its model) -#}
        {%- set order_by = (node.config.meta or {}).get('export_order_by') -%}
        {%- call statement('export_marts_copy') -%}
            copy (select * from {{ relation }}{{ ' order by ' ~ order_by if order_by }})
            to '{{ path | replace("'", "''") }}'
            (format parquet, use_tmp_file true)
        {%- endcall -%}
        {%- do export_marts_manifest(node, relation, path, columns) -%}
        {{ log('exports: published ' ~ path, info=true) }}
    {%- endfor -%}
    {#- every file is this build's: say so where the report and the CLI look -#}
    {%- call statement('export_marts_done') -%}
        update {{ build_log_relation() }}
        set exports = 'written'
        where invocation_id = {{ sql_text(invocation_id) }} and published
    {%- endcall -%}
    {%- do adapter.commit() -%}
    {{ return('') }}
{% endmacro %}


{% macro export_marts_columns(relations) %}
    {#- {table name: [its column names, lower case]} of the relations, which are in one
        schema, from one catalog query (not one per relation and column asked about);
        customer_segments is always looked up too. -#}
    {%- set names = [sql_text('customer_segments')] -%}
    {%- for relation in relations -%}
        {%- do names.append(sql_text(relation.identifier | lower)) -%}
    {%- endfor -%}
    {%- set found = run_query(
        'select lower(table_name), string_agg(lower(column_name), \',\')'
        ~ ' from information_schema.columns where table_catalog = '
        ~ sql_text(relations[0].database) ~ ' and table_schema = '
        ~ sql_text(relations[0].schema) ~ ' and lower(table_name) in ('
        ~ names | join(', ') ~ ') group by 1'
    ) -%}
    {%- set columns = {} -%}
    {%- for row in found.rows -%}
        {%- do columns.update({row[0]: row[1].split(',')}) -%}
    {%- endfor -%}
    {{ return(columns) }}
{% endmacro %}


{% macro export_marts_file_sha256(quoted_path) %}
    {#- SQL for the SHA-256 of a written file: the profile's plugin function, which reads
        it a block at a time (bank_segments/duckdb_plugin.py), when the connection has
        it; else DuckDB's sha256 of the whole file read as one value, which needs the
        file to fit in the memory limit (a profile without the plugin). -#}
    {%- set found = run_query(
        "select count(*) from duckdb_functions()"
        ~ " where function_name = 'bank_segments_file_sha256'"
    ) -%}
    {%- if found.rows[0][0] > 0 -%}
        {{ return("bank_segments_file_sha256('" ~ quoted_path ~ "')") }}
    {%- endif -%}
    {{ return("(select sha256(content) from read_blob('" ~ quoted_path ~ "'))") }}
{% endmacro %}


{% macro export_marts_column_max(relation, column_name, fallback_sql, names) %}
    {#- SQL for the single value of a column of the relation (its max), or
        fallback_sql when the relation has no such column (names: its columns). -#}
    {%- if column_name in names -%}
        {{ return('(select max(' ~ column_name ~ ') from ' ~ relation ~ ')') }}
    {%- endif -%}
    {{ return(fallback_sql) }}
{% endmacro %}


{% macro export_marts_manifest(node, relation, path, columns) %}
    {#-
        `<mart>.manifest.json` beside `<mart>.parquet`: one JSON object saying what the
        file holds, written after the Parquet file and replaced atomically the same way
        (USE_TMP_FILE + rename). sha256 is the hash of the Parquet file's bytes as
        written (`sha256sum <mart>.parquet` prints the same), so a reader can tell a
        manifest from the file it describes; rows are counted in the written file.
        model_version and as_of_date come from the mart's own columns when it has
        them, else from customer_segments (the marts are published together from one
        build). columns: export_marts_columns of the marts.
    -#}
    {#- published with the other marts in this hook, so not in dbt's relation cache -#}
    {%- set segments = api.Relation.create(
        database=relation.database, schema=relation.schema,
        identifier='customer_segments'
    ) -%}
    {%- set segment_columns = columns.get('customer_segments', []) -%}
    {%- set fallback = {
        'version': export_marts_column_max(
            segments, 'model_version', 'cast(null as ' ~ dbt.type_string() ~ ')',
            segment_columns
        ),
        'date': export_marts_column_max(
            segments, 'as_of_date', 'cast(null as date)', segment_columns
        ),
    } -%}
    {%- set names = columns.get(relation.identifier | lower, []) -%}
    {%- set model_version = export_marts_column_max(
        relation, 'model_version', fallback['version'], names
    ) -%}
    {%- set as_of_date = export_marts_column_max(
        relation, 'as_of_date', fallback['date'], names
    ) -%}
    {%- set quoted_path = path | replace("'", "''") -%}
    {%- set manifest_path = path[:-8] ~ '.manifest.json' -%}
    {%- call statement('export_marts_manifest') -%}
        copy (
            select
                '{{ node.name }}' as mart,
                '{{ node.alias }}.parquet' as file,
                cast({{ model_version }} as varchar) as model_version,
                cast({{ as_of_date }} as date) as as_of_date,
                (select count(*) from read_parquet('{{ quoted_path }}')) as row_count,
                (
                    select list(
                        {'name': column_name, 'type': data_type}
                        order by ordinal_position
                    )
                    from information_schema.columns
                    where table_catalog = '{{ relation.database }}'
                        and table_schema = '{{ relation.schema }}'
                        and table_name = '{{ relation.identifier }}'
                ) as columns,
                {{ export_marts_file_sha256(quoted_path) }} as sha256,
                '{{ invocation_id }}' as dbt_invocation_id,
                '{{ run_started_at.strftime("%Y-%m-%dT%H:%M:%SZ") }}' as build_started_at
        )
        to '{{ manifest_path | replace("'", "''") }}'
        (format json, use_tmp_file true)
    {%- endcall -%}
{% endmacro %}
