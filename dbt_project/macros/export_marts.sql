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
    {#- The project's marts: every model under models/marts/, in name order. -#}
    {%- set marts = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model'
        and node.package_name == project_name
        and node.fqn[1] == 'marts' -%}
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
    {%- set built = [] -%}
    {%- for result in results if result.status == 'success' -%}
        {%- do built.append(result.node.unique_id) -%}
    {%- endfor -%}
    {%- set marts = export_marts_models() -%}
    {%- set not_built = marts | rejectattr('unique_id', 'in', built) | map(attribute='name')
        | list -%}
    {%- if not_built -%}
        {{ log('exports: not published, this build did not rebuild '
            ~ not_built | join(', '), info=true) }}
        {{ return('') }}
    {%- endif -%}

    {%- set folder = export_marts_folder() -%}
    {%- do export_marts_ensure_folder(folder) -%}
    {%- for node in marts -%}
        {%- set relation = published_relation(node) -%}
        {%- set path = folder ~ '/' ~ node.alias ~ '.parquet' -%}
        {%- call statement('export_marts_copy') -%}
            copy (select * from {{ relation }})
            to '{{ path | replace("'", "''") }}'
            (format parquet, use_tmp_file true)
        {%- endcall -%}
        {{ log('exports: published ' ~ path, info=true) }}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}
