{#-
    Text in the customer export that needs the engine's own functions: white space to
    trim, as-of dates to parse, and file names to read literally. Each dispatched, so the
    Spark target supplies its own (the DuckDB versions are the reference).
-#}

{% macro bank_trim(expression) %}
    {#- Text without leading and trailing white space: spaces, tabs, line breaks and
        no-break spaces (a plain trim() keeps tabs on DuckDB, and all but spaces on Spark). -#}
    {{ return(adapter.dispatch('bank_trim', 'bank_segments')(expression)) }}
{% endmacro %}

{% macro default__bank_trim(expression) %}
    {{ return("trim(" ~ expression ~ ", chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"
        ~ " || chr(32) || chr(160))") }}
{% endmacro %}

{% macro spark__bank_trim(expression) %}
    {%- set space = '[\\\\s\\\\x{00A0}]+' -%}
    {{ return("regexp_replace(" ~ expression ~ ", '^" ~ space ~ "|" ~ space ~ "$', '')") }}
{% endmacro %}


{% macro customer_date_formats() %}
    {#- The as-of date formats a file may use besides ISO (2026-01-31, 2026-1-31, or a
        timestamp): strftime patterns with an example each. Day/month orders written
        with slashes (01/02/2026) are not among them: they are ambiguous. -#}
    {{ return([
        ('%Y%m%d', 'yyyyMMdd', '20260131'),
        ('%d.%m.%Y', 'd.M.yyyy', '31.01.2026'),
        ('%b %d, %Y', 'MMM d, yyyy', 'Jan 31, 2026'),
        ('%B %d, %Y', 'MMMM d, yyyy', 'January 31, 2026'),
        ('%d %b %Y', 'd MMM yyyy', '31 Jan 2026'),
        ('%d %B %Y', 'd MMMM yyyy', '31 January 2026'),
    ]) }}
{% endmacro %}

{% macro bank_parse_date(expression) %}
    {#- Text -> date by ISO or one of customer_date_formats(), else null (never an error). -#}
    {{ return(adapter.dispatch('bank_parse_date', 'bank_segments')(expression)) }}
{% endmacro %}

{% macro default__bank_parse_date(expression) %}
    {%- set patterns = [] -%}
    {%- for pattern, _, _ in customer_date_formats() -%}
        {%- do patterns.append(sql_text(pattern)) -%}
    {%- endfor -%}
    {{ return("coalesce(cast(" ~ bank_try_cast(expression, 'timestamp') ~ " as date),"
        ~ " cast(try_strptime(" ~ expression ~ ", [" ~ patterns | join(', ') ~ "]) as date))") }}
{% endmacro %}

{% macro spark__bank_parse_date(expression) %}
    {%- set tries = ["cast(" ~ bank_try_cast(expression, 'timestamp') ~ " as date)"] -%}
    {%- for _, pattern, _ in customer_date_formats() -%}
        {%- do tries.append("cast(try_to_timestamp(" ~ expression ~ ", " ~ sql_text(pattern)
            ~ ") as date)") -%}
    {%- endfor -%}
    {{ return("coalesce(" ~ tries | join(', ') ~ ")") }}
{% endmacro %}


{% macro bank_path_literal(path) %}
    {#- A SQL literal naming exactly the file at `path`: the readers take a path as a glob
        pattern, so a file named customers[2026].csv would read customers2.csv. -#}
    {{ return(adapter.dispatch('bank_path_literal', 'bank_segments')(path)) }}
{% endmacro %}

{% macro default__bank_path_literal(path) %}
    {#- DuckDB's globs have no escape character; '[[]' is a class matching '['. -#}
    {{ return(sql_text(path | replace('[', '[[]'))) }}
{% endmacro %}

{% macro spark__bank_path_literal(path) %}
    {#- Hadoop's globs escape with a backslash. -#}
    {%- set escaped = path | replace('\\', '\\\\') -%}
    {%- for character in ['[', ']', '{', '}'] -%}
        {%- set escaped = escaped | replace(character, '\\' ~ character) -%}
    {%- endfor -%}
    {{ return(sql_text(escaped)) }}
{% endmacro %}
