{#-
    The var checks that read the stored model versions (DuckDB, where the dbt Python
    model fits): which version is the champion, whether a pinned or promoted version
    exists, and whether a scoring build's feature vars are those of the version it
    scores with. Called by validate_var_combinations() (macros/project_vars.sql).
-#}

{% macro stored_champion(names) %}
    {#- The champion before this build: the version of the last published row of
        segment_model_activations, or, in a warehouse from before activations were
        recorded, the newest of `names` (the stored versions, oldest first). -#}
    {%- set log = adapter.get_relation(database=target.database, schema=target.schema,
        identifier='segment_model_activations__published') -%}
    {%- if log is not none -%}
        {%- set last = run_query('select model_version from ' ~ log
            ~ ' order by activation_number desc limit 1') -%}
        {%- if last.rows | length == 1 -%}
            {{ return(last.rows[0][0]) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(names[-1] if names else none) }}
{% endmacro %}


{% macro stored_model_registry() %}
    {#- The relation of the published registry: segment_model_fit's published rows, or
        its table in a warehouse from before macros/incremental.sql; none before the
        first fit. -#}
    {%- set found = namespace(registry=none) -%}
    {%- for name in ['segment_model_fit', 'segment_model_fit__published'] -%}
        {%- set relation = adapter.get_relation(
            database=target.database, schema=target.schema, identifier=name) -%}
        {%- if relation is not none and relation.is_table -%}
            {%- set found.registry = relation -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found.registry) }}
{% endmacro %}


{% macro known_versions_note() %}
    {#- For a refusal of vars that name versions: "; known versions: ..." (oldest
        first), "; no version is fitted yet", or '' where the registry is not read
        (while parsing, or on an engine where the dbt Python model does not fit). -#}
    {%- if not execute or target.type != 'duckdb' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set registry = stored_model_registry() -%}
    {%- set names = [] -%}
    {%- if registry is not none -%}
        {%- set names = run_query('select model_version from ' ~ registry
            ~ ' order by version_number').columns[0].values() | list -%}
    {%- endif -%}
    {{ return('; known versions: ' ~ names | join(', ') if names
        else '; no version is fitted yet') }}
{% endmacro %}


{% macro validate_vars_against_versions(pinned, promote, features) %}
    {#- A pinned or promoted version must exist; warm start needs a champion; a scoring
        build's feature vars must be those of the version it scores with (the pinned,
        the promoted or the champion), read from the published registry:
        segment_model_fit's published rows, or its table in a warehouse from before
        macros/incremental.sql. A candidate fit may change them: it is compared, not
        scored with. -#}
    {%- set registry = stored_model_registry() -%}
    {%- set versions = none -%}
    {%- set names = [] -%}
    {%- if registry is not none -%}
        {%- set versions = run_query(
            'select model_version, segment_features, log1p_features from ' ~ registry
            ~ ' order by version_number') -%}
        {%- set names = versions.columns[0].values() | list -%}
    {%- endif -%}
    {%- set known = names | join(', ') if names else 'none (no version fitted yet)' -%}
    {%- for name, wanted in [('model_version', pinned), ('promote', promote)] -%}
        {%- if wanted is not none and wanted not in names -%}
            {%- do _stop_var(name, wanted, 'is not a fitted version; known: ' ~ known,
                name ~ ': ' ~ (names[-1] if names else 'null')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if bank_var('warm_start') and not names -%}
        {{ exceptions.raise_compiler_error(
            "var warm_start: true needs a champion to start from, and no version is fitted"
            ~ " yet: drop warm_start for the first fit") }}
    {%- endif -%}
    {%- if bank_var('refit') or bank_var('fit_candidate') or not names
        or features is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set scored = pinned or promote or stored_champion(names) -%}
    {%- set active = versions.rows[names.index(scored)] -%}
    {%- set differences = [] -%}
    {#- the feature order matters; the log1p set does not -#}
    {%- for name, wanted, ordered in [('segment_features', features, true),
            ('log1p_features', bank_var('log1p_features') or [], false)] -%}
        {%- set stored = (active[name] or '').split(',') | map('trim')
            | reject('equalto', '') | list -%}
        {%- set same = stored == wanted if ordered else stored | sort == wanted | sort -%}
        {%- if not same -%}
            {%- do differences.append(name ~ ': vars ' ~ wanted | tojson
                ~ ' vs version ' ~ stored | tojson) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if differences -%}
        {{ exceptions.raise_compiler_error(
            "the vars that shape the model differ from active version "
            ~ active['model_version'] ~ " (" ~ differences | join('; ') ~ "): run with"
            ~ " --vars '{refit: true}' to fit a new version, or restore the vars") }}
    {%- endif -%}
{% endmacro %}
