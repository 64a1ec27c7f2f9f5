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


{% macro cross_db_snapshot_config(date_column='as_of_date') %}
    {#-
        The incremental config of a monthly snapshot (customer_segment_history,
        segment_drift, segment_cluster_drift; int_customer_segments_paired keyed on
        to_as_of): loading a date again replaces that date's rows and leaves every
        other date alone.
    -#}
    {{ return(adapter.dispatch('cross_db_snapshot_config')(date_column)) }}
{% endmacro %}

{% macro default__cross_db_snapshot_config(date_column) %}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': date_column}) }}
{% endmacro %}

{% macro spark__cross_db_snapshot_config(date_column) %}
    {#- dbt-spark has no delete+insert; insert_overwrite of a date partition replaces
        exactly that date (dynamic partition overwrite) on Parquet and Delta. -#}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': [date_column]}) }}
{% endmacro %}


{% macro cross_db_date_spine(start_date, end_date) %}
    {#- A select with one row per day from start_date up to (not including) end_date, as
        column date_day; both are SQL date expressions. -#}
    {{ return(adapter.dispatch('cross_db_date_spine')(start_date, end_date)) }}
{% endmacro %}

{% macro default__cross_db_date_spine(start_date, end_date) -%}
    {{ dbt.date_spine('day', start_date, end_date) }}
{%- endmacro %}

{% macro spark__cross_db_date_spine(start_date, end_date) -%}
    {#- dbt's generic spine cross-joins powers of two: slow to plan on local
        Spark. sequence() makes the days in one step. -#}
    select explode(sequence(
        cast({{ start_date }} as date), date_sub(cast({{ end_date }} as date), 1)
    )) as date_day
{%- endmacro %}


{% macro cross_db_strip_zero_fraction(expression) %}
    {#- Text ids: '1234567890123456.0' -> '1234567890123456'; anything else unchanged. -#}
    {{ return(adapter.dispatch('cross_db_strip_zero_fraction', 'bank_segments')(expression)) }}
{% endmacro %}


{% macro default__cross_db_strip_zero_fraction(expression) %}
    {{ return("regexp_replace(" ~ expression ~ ", '^([+-]?[0-9]+)[.]0+$', '\\1')") }}
{% endmacro %}


{% macro spark__cross_db_strip_zero_fraction(expression) %}
    {{ return("regexp_replace(" ~ expression ~ ", '^([+-]?[0-9]+)[.]0+$', '$1')") }}
{% endmacro %}


{% macro cross_db_parse_number(expression, decimal) %}
    {#-
        Text -> double, or null when it is not a number. With decimal '.', a value
        with thousands commas ("52,300.10") parses; with decimal ',', thousands points
        or spaces ("52.300,10", "52 300,10") and the decimal comma parse. `decimal` is
        a validated Python value, never var text.
    -#}
    {{ return(adapter.dispatch('cross_db_parse_number', 'bank_segments')(expression, decimal)) }}
{% endmacro %}


{% macro default__cross_db_parse_number(expression, decimal) %}
    {%- if decimal == ',' -%}
        {%- set thousands = "regexp_replace(" ~ expression ~ ", '[. ]', '', 'g')" -%}
        {{ return(
            "case when regexp_full_match(" ~ expression
            ~ ", '[+-]?[0-9]{1,3}([. ][0-9]{3})+(,[0-9]*)?') then "
            ~ cross_db_try_cast("replace(" ~ thousands ~ ", ',', '.')", 'double')
            ~ " else " ~ cross_db_try_cast("replace(" ~ expression ~ ", ',', '.')", 'double')
            ~ " end") }}
    {%- else -%}
        {{ return(
            "case when " ~ expression ~ " like '%,%' and regexp_full_match(" ~ expression
            ~ ", '[+-]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]*)?') then "
            ~ cross_db_try_cast("replace(" ~ expression ~ ", ',', '')", 'double')
            ~ " else " ~ cross_db_try_cast(expression, 'double')
            ~ " end") }}
    {%- endif -%}
{% endmacro %}


{% macro cross_db_is_finite(expression) %}
    {#- True when a double is neither infinite nor NaN. -#}
    {{ return(adapter.dispatch('cross_db_is_finite', 'bank_segments')(expression)) }}
{% endmacro %}


{% macro default__cross_db_is_finite(expression) %}
    {{ return("isfinite(" ~ expression ~ ")") }}
{% endmacro %}


{% macro spark__cross_db_is_finite(expression) %}
    {{ return("(not isnan(" ~ expression ~ ") and abs(" ~ expression
        ~ ") != double('infinity'))") }}
{% endmacro %}


{% macro cross_db_try_cast(expression, type) %}
    {#- `expression` as `type`, or null when it does not convert (never an error). -#}
    {{ return(adapter.dispatch('cross_db_try_cast', 'bank_segments')(expression, type)) }}
{% endmacro %}


{% macro default__cross_db_try_cast(expression, type) %}
    {#- DuckDB and Spark (3.2+) both have try_cast; dbt.safe_cast is a plain cast on DuckDB. -#}
    {{ return('try_cast(' ~ expression ~ ' as ' ~ type ~ ')') }}
{% endmacro %}


{% macro spark__cross_db_parse_number(expression, decimal) %}
    {#- As default__, with rlike (anchored) for regexp_full_match and Java's global replace. -#}
    {%- if decimal == ',' -%}
        {%- set thousands = "regexp_replace(" ~ expression ~ ", '[. ]', '')" -%}
        {{ return(
            "case when " ~ expression
            ~ " rlike '^[+-]?[0-9]{1,3}([. ][0-9]{3})+(,[0-9]*)?$' then "
            ~ cross_db_try_cast("replace(" ~ thousands ~ ", ',', '.')", 'double')
            ~ " else " ~ cross_db_try_cast("replace(" ~ expression ~ ", ',', '.')", 'double')
            ~ " end") }}
    {%- else -%}
        {{ return(
            "case when " ~ expression ~ " like '%,%' and " ~ expression
            ~ " rlike '^[+-]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]*)?$' then "
            ~ cross_db_try_cast("replace(" ~ expression ~ ", ',', '')", 'double')
            ~ " else " ~ cross_db_try_cast(expression, 'double')
            ~ " end") }}
    {%- endif -%}
{% endmacro %}


{% macro cross_db_row_position() %}
    {#- 1-based position of a row in file order, as a window expression. -#}
    {{ return(adapter.dispatch('cross_db_row_position', 'bank_segments')()) }}
{% endmacro %}


{% macro default__cross_db_row_position() %}
    {{ return('row_number() over ()') }}
{% endmacro %}


{% macro spark__cross_db_row_position() %}
    {#- Spark refuses a window without order; this id follows read order. -#}
    {{ return('row_number() over (order by monotonically_increasing_id())') }}
{% endmacro %}


{% macro cross_db_non_null_text_array(expressions) %}
    {#- An array of the non-null values of `expressions` (text), empty when all are null. -#}
    {{ return(adapter.dispatch('cross_db_non_null_text_array', 'bank_segments')(expressions)) }}
{% endmacro %}


{% macro default__cross_db_non_null_text_array(expressions) %}
    {{ return('list_filter([' ~ expressions | join(', ')
        ~ '], lambda reason: reason is not null)') }}
{% endmacro %}


{% macro spark__cross_db_non_null_text_array(expressions) %}
    {{ return('filter(array(' ~ expressions | join(', ') ~ '), reason -> reason is not null)') }}
{% endmacro %}


{% macro cross_db_empty_text_array() %}
    {#- A typed empty array of text. -#}
    {{ return(adapter.dispatch('cross_db_empty_text_array', 'bank_segments')()) }}
{% endmacro %}


{% macro default__cross_db_empty_text_array() %}
    {{ return('cast([] as varchar[])') }}
{% endmacro %}


{% macro spark__cross_db_empty_text_array() %}
    {{ return('cast(array() as array<string>)') }}
{% endmacro %}


{% macro cross_db_array_join(expression, delimiter_literal) %}
    {#- The elements of a text array joined with the delimiter. -#}
    {%- set implementation = adapter.dispatch('cross_db_array_join', 'bank_segments') %}
    {{ return(implementation(expression, delimiter_literal)) }}
{% endmacro %}


{% macro default__cross_db_array_join(expression, delimiter_literal) %}
    {{ return('array_to_string(' ~ expression ~ ', ' ~ delimiter_literal ~ ')') }}
{% endmacro %}


{% macro spark__cross_db_array_join(expression, delimiter_literal) %}
    {{ return('array_join(' ~ expression ~ ', ' ~ delimiter_literal ~ ')') }}
{% endmacro %}


{#- every column of the relation but the named ones: DuckDB spells it exclude, Spark except #}
{% macro cross_db_star_except(columns) %}
    {{ return(adapter.dispatch('cross_db_star_except', 'bank_segments')(columns)) }}
{% endmacro %}


{% macro default__cross_db_star_except(columns) -%}
    * exclude ({{ columns | join(', ') }})
{%- endmacro %}


{% macro spark__cross_db_star_except(columns) -%}
    * except ({{ columns | join(', ') }})
{%- endmacro %}


{% macro cross_db_trim(expression) %}
    {#- Text without leading and trailing white space: spaces, tabs, line breaks and
        no-break spaces (a plain trim() keeps tabs on DuckDB, and all but spaces on Spark). -#}
    {{ return(adapter.dispatch('cross_db_trim', 'bank_segments')(expression)) }}
{% endmacro %}


{% macro default__cross_db_trim(expression) %}
    {{ return("trim(" ~ expression ~ ", chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"
        ~ " || chr(32) || chr(160))") }}
{% endmacro %}


{% macro spark__cross_db_trim(expression) %}
    {%- set space = '[\\\\s\\\\x{00A0}]+' -%}
    {{ return("regexp_replace(" ~ expression ~ ", '^" ~ space ~ "|" ~ space ~ "$', '')") }}
{% endmacro %}


{% macro cross_db_parse_date(expression) %}
    {#- Text -> date by ISO or one of customer_date_formats(), else null (never an error). -#}
    {{ return(adapter.dispatch('cross_db_parse_date', 'bank_segments')(expression)) }}
{% endmacro %}


{% macro default__cross_db_parse_date(expression) %}
    {%- set patterns = [] -%}
    {%- for pattern, _, _ in customer_date_formats() -%}
        {%- do patterns.append(sql_text(pattern)) -%}
    {%- endfor -%}
    {{ return("coalesce(cast(" ~ cross_db_try_cast(expression, 'timestamp') ~ " as date),"
        ~ " cast(try_strptime(" ~ expression ~ ", [" ~ patterns | join(', ') ~ "]) as date))") }}
{% endmacro %}


{% macro spark__cross_db_parse_date(expression) %}
    {%- set tries = ["cast(" ~ cross_db_try_cast(expression, 'timestamp') ~ " as date)"] -%}
    {%- for _, pattern, _ in customer_date_formats() -%}
        {%- do tries.append("cast(try_to_timestamp(" ~ expression ~ ", " ~ sql_text(pattern)
            ~ ") as date)") -%}
    {%- endfor -%}
    {{ return("coalesce(" ~ tries | join(', ') ~ ")") }}
{% endmacro %}


{% macro cross_db_path_literal(path) %}
    {#- A SQL literal naming exactly the file at `path`: the readers take a path as a glob
        pattern, so a file named customers[2026].csv would read customers2.csv. -#}
    {{ return(adapter.dispatch('cross_db_path_literal', 'bank_segments')(path)) }}
{% endmacro %}


{% macro default__cross_db_path_literal(path) %}
    {#- DuckDB's globs have no escape character; '[[]' is a class matching '['. -#}
    {{ return(sql_text(path | replace('[', '[[]'))) }}
{% endmacro %}


{% macro spark__cross_db_path_literal(path) %}
    {#- Hadoop's globs escape with a backslash. -#}
    {%- set escaped = path | replace('\\', '\\\\') -%}
    {%- for character in ['[', ']', '{', '}'] -%}
        {%- set escaped = escaped | replace(character, '\\' ~ character) -%}
    {%- endfor -%}
    {{ return(sql_text(escaped)) }}
{% endmacro %}


{% macro cross_db_sample_key(column, seed) %}
    {#- A deterministic pseudo-random key per customer and seed: the fit sample is the
        customers with the smallest keys, so it does not depend on row order. -#}
    {{ return(adapter.dispatch('cross_db_sample_key', 'bank_segments')(column, seed)) }}
{% endmacro %}


{% macro default__cross_db_sample_key(column, seed) -%}
    md5(cast({{ column }} as {{ dbt.type_string() }}) || '/{{ seed }}')
{%- endmacro %}


{% macro duckdb__cross_db_sample_key(column, seed) -%}
    hash(cast({{ column }} as varchar) || '/{{ seed }}')
{%- endmacro %}


{% macro spark__cross_db_sample_key(column, seed) -%}
    xxhash64(cast({{ column }} as string), {{ seed }})
{%- endmacro %}


{% macro cross_db_explode(column) %}
    {#- Select-list expression giving one row per element of a list column (a list of
        structs in the registry); read fields as <alias>.<field>. -#}
    {{ return(adapter.dispatch('cross_db_explode', 'bank_segments')(column)) }}
{% endmacro %}


{% macro default__cross_db_explode(column) -%}
    unnest({{ column }})
{%- endmacro %}


{% macro spark__cross_db_explode(column) -%}
    explode({{ column }})
{%- endmacro %}


{% macro cross_db_log1p(expression) %}
    {#- log(1 + x); engines without log1p use ln(1 + x), equal to within 1e-14
        relative for the money columns it is meant for (0 or >= 0.01). -#}
    {{ return(adapter.dispatch('cross_db_log1p', 'bank_segments')(expression)) }}
{% endmacro %}


{% macro default__cross_db_log1p(expression) -%}
    ln(1 + {{ expression }})
{%- endmacro %}


{% macro spark__cross_db_log1p(expression) -%}
    log1p({{ expression }})
{%- endmacro %}


{% macro cross_db_least(expressions) %}
    {#- The smallest non-null value of a list of expressions (null if all are). -#}
    {{ return(adapter.dispatch('cross_db_least', 'bank_segments')(expressions)) }}
{% endmacro %}


{% macro default__cross_db_least(expressions) -%}
    {%- if expressions | length == 0 -%}
        cast(null as {{ cross_db_type_double() }})
    {%- elif expressions | length == 1 -%}
        {{ expressions[0] }}
    {%- else -%}
        least({{ expressions | join(', ') }})
    {%- endif -%}
{%- endmacro %}


{% macro cross_db_double(value) %}
    {#- A float as an exact SQL double literal: Python's shortest round-trip repr, with
        an exponent so that DuckDB and Spark read a DOUBLE, not a DECIMAL. -#}
    {%- set text = (value | float) | string -%}
    {%- if 'e' not in text and 'n' not in text -%}
        {%- set text = text ~ 'e0' -%}
    {%- endif -%}
    {{ return('(' ~ text ~ ')' if text.startswith('-') else text) }}
{% endmacro %}


{% macro cross_db_type_double() %}
    {#- Dispatch: the 64-bit float type. Not dbt.type_float(), which is a 32-bit
        FLOAT on DuckDB and would cost scoring seven digits of precision. -#}
    {{ return(adapter.dispatch('cross_db_type_double', 'bank_segments')()) }}
{% endmacro %}


{% macro default__cross_db_type_double() -%}
    double
{%- endmacro %}


{% macro cross_db_utc_now() %}
    {#- The current time as a timestamp without time zone, in UTC, whatever the time zone
        of the machine or session the build runs in. -#}
    {{ return(adapter.dispatch('cross_db_utc_now', 'bank_segments')()) }}
{% endmacro %}


{% macro default__cross_db_utc_now() -%}
    (current_timestamp at time zone 'UTC')
{%- endmacro %}


{% macro spark__cross_db_utc_now() -%}
    current_timestamp()
{%- endmacro %}


{% macro cross_db_unpivot(index_column, indexes, value_columns) %}
    {#- Select-list items that turn each input row into one row per position of
        `indexes` (a list of SQL literals of one type: numbers, or quoted names) and
        of the expression lists in `value_columns` (output column -> list of
        expressions as long as `indexes`, each list of one type): the position's
        literal from `indexes` in `index_column`, and each list's expression at that
        position in its column. One scan of the input for all
        positions; with one position, the expressions as they are. -#}
    {%- if indexes | length == 1 %}
        {%- set items = [indexes[0] ~ ' as ' ~ index_column] %}
        {%- for column, expressions in value_columns.items() %}
            {%- do items.append(expressions[0] ~ ' as ' ~ column) %}
        {%- endfor %}
        {{- return(items | join(',\n')) }}
    {%- endif %}
    {{ return(adapter.dispatch('cross_db_unpivot', 'bank_segments')(
        index_column, indexes, value_columns)) }}
{% endmacro %}


{% macro default__cross_db_unpivot(index_column, indexes, value_columns) -%}
    unnest([{{ indexes | join(', ') }}]) as {{ index_column }},
    {%- for column, expressions in value_columns.items() %}
        unnest([{{ expressions | join(', ') }}]) as {{ column }}
        {{- ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro spark__cross_db_unpivot(index_column, indexes, value_columns) -%}
    {#- one generator per select: every column comes out of one stack() -#}
    stack(
        {{ indexes | length }},
        {%- for index in indexes %}
            {%- set position = loop.index0 %}
            {{ index }}, {% for expressions in value_columns.values() -%}
                {{ expressions[position] }}{{ ', ' if not loop.last }}
            {%- endfor %}{{ ',' if not loop.last }}
        {%- endfor %}
    ) as ({{ index_column }}, {{ value_columns.keys() | join(', ') }})
{%- endmacro %}
