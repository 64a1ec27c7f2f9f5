{#-
    Cross-database SQL: the only place that knows which engine runs the build.

    Each macro dispatches through adapter.dispatch to a `default__` implementation
    (DuckDB's dialect, the project's home engine) or a `spark__` one (Apache Spark 3.4+
    and Databricks). Models call the macro and never name an engine. Prefer dbt's own
    cross-database macros (dbt.type_string(), dbt.split_part(), ...) where they do the
    same thing on both engines; the ones here exist because dbt's do not (dbt-spark's
    listagg ignores the order) or dbt has none.
-#}

{% macro cross_db_string_agg(measure, delimiter_text, order_by) %}
    {{ return(
        adapter.dispatch('cross_db_string_agg')(measure, delimiter_text, order_by)
    ) }}
{% endmacro %}

{% macro default__cross_db_string_agg(measure, delimiter_text, order_by) -%}
    string_agg({{ measure }}, {{ delimiter_text }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__cross_db_string_agg(measure, delimiter_text, order_by) -%}
    {#- collect_list has no order: sort (key, value) pairs, then keep the values.
        Null values are left out, and a group without any value gives null (not ''),
        as string_agg does. -#}
    case
        when count({{ measure }}) > 0
            then array_join(
                transform(
                    array_sort(collect_list(
                        case
                            when {{ measure }} is not null
                                then named_struct(
                                    'sort_key', {{ order_by }}, 'value', {{ measure }}
                                )
                        end
                    )),
                    pair -> pair.value
                ),
                {{ delimiter_text }}
            )
    end
{%- endmacro %}


{% macro cross_db_signed_decimal(expression, digits) %}
    {{ return(adapter.dispatch('cross_db_signed_decimal')(expression, digits)) }}
{% endmacro %}

{% macro default__cross_db_signed_decimal(expression, digits) -%}
    {#- Rounded in SQL first (half away from zero), so both engines print the same
        digits: C's printf and Java's format_string break exact ties differently. -#}
    printf('%+.{{ digits }}f', round({{ expression }}, {{ digits }}))
{%- endmacro %}

{% macro spark__cross_db_signed_decimal(expression, digits) -%}
    format_string('%+.{{ digits }}f', round({{ expression }}, {{ digits }}))
{%- endmacro %}


{% macro cross_db_printf(format_text, arguments) %}
    {{ return(adapter.dispatch('cross_db_printf')(format_text, arguments)) }}
{% endmacro %}

{% macro default__cross_db_printf(format_text, arguments) -%}
    printf({{ format_text }}, {{ arguments | join(', ') }})
{%- endmacro %}

{% macro spark__cross_db_printf(format_text, arguments) -%}
    format_string({{ format_text }}, {{ arguments | join(', ') }})
{%- endmacro %}


{% macro cross_db_array_length(expression) %}
    {{ return(adapter.dispatch('cross_db_array_length')(expression)) }}
{% endmacro %}

{% macro default__cross_db_array_length(expression) -%}
    len({{ expression }})
{%- endmacro %}

{% macro spark__cross_db_array_length(expression) -%}
    {#- array_size, not size: size(null) is -1 unless ANSI mode is on -#}
    array_size({{ expression }})
{%- endmacro %}


{% macro cross_db_raise_error(message) %}
    {{ return(adapter.dispatch('cross_db_raise_error')(message)) }}
{% endmacro %}

{% macro default__cross_db_raise_error(message) -%}
    error({{ message }})
{%- endmacro %}

{% macro spark__cross_db_raise_error(message) -%}
    raise_error({{ message }})
{%- endmacro %}


{% macro spark__persist_constraints(relation, model) %}
    {#-
        Overrides dbt-spark's: it applies a contract's constraints with ALTER TABLE,
        which only Delta tables accept, and it assumes Delta when file_format is unset,
        so a not_null constraint fails the build of a Parquet table. Here Delta keeps
        the native constraints; any other format has its not_null columns checked by a
        query, and the build fails naming the columns that hold nulls.
    -#}
    {%- if not config.get('contract').enforced -%}
        {{ return('') }}
    {%- endif -%}
    {%- if config.get('file_format') == 'delta' -%}
        {%- do alter_table_add_constraints(relation, model.constraints) -%}
        {%- do alter_column_set_constraints(relation, model.columns) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set not_null = [] -%}
    {%- for name, column in model.columns.items() -%}
        {%- for constraint in column.constraints if constraint.type == 'not_null' -%}
            {%- do not_null.append(name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if not_null -%}
        {%- set counts = [] -%}
        {%- for name in not_null -%}
            {%- do counts.append(
                'count(case when ' ~ adapter.quote(name) ~ ' is null then 1 end)'
            ) -%}
        {%- endfor -%}
        {%- set counted = run_query(
            'select ' ~ counts | join(', ') ~ ' from ' ~ relation
        ) -%}
        {%- set with_nulls = [] -%}
        {%- for name in not_null -%}
            {%- set nulls = counted.columns[loop.index0].values()[0] -%}
            {%- if nulls > 0 -%}
                {%- do with_nulls.append(name ~ ' (' ~ nulls ~ ' nulls)') -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if with_nulls -%}
            {{ exceptions.raise_compiler_error(
                "contract of " ~ model.name ~ ": not_null column(s) hold nulls: "
                ~ with_nulls | join(', ')
                ~ ". Fix the model's SQL or its upstream data."
            ) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}


{% macro bank_snapshot_config(date_column='as_of_date') %}
    {#-
        The incremental config of a monthly snapshot (customer_segment_history,
        segment_drift, segment_cluster_drift; int_customer_segments_paired keyed on
        to_as_of): loading a date again replaces that date's rows and leaves every
        other date alone.
    -#}
    {{ return(adapter.dispatch('bank_snapshot_config')(date_column)) }}
{% endmacro %}

{% macro default__bank_snapshot_config(date_column) %}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': date_column}) }}
{% endmacro %}

{% macro spark__bank_snapshot_config(date_column) %}
    {#- dbt-spark has no delete+insert; insert_overwrite of a date partition replaces
        exactly that date (dynamic partition overwrite) on Parquet and Delta. -#}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': [date_column]}) }}
{% endmacro %}


{% macro bank_date_spine(start_date, end_date) %}
    {#- A select with one row per day from start_date up to (not including) end_date, as
        column date_day; both are SQL date expressions. -#}
    {{ return(adapter.dispatch('bank_date_spine')(start_date, end_date)) }}
{% endmacro %}

{% macro default__bank_date_spine(start_date, end_date) -%}
    {{ dbt.date_spine('day', start_date, end_date) }}
{%- endmacro %}

{% macro spark__bank_date_spine(start_date, end_date) -%}
    {#- dbt's generic spine cross-joins powers of two: about 30 s to plan on local
        Spark. sequence() makes the days in one step. -#}
    select explode(sequence(
        cast({{ start_date }} as date), date_sub(cast({{ end_date }} as date), 1)
    )) as date_day
{%- endmacro %}
