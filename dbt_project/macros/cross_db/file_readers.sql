{#-
    Reading the input file on each engine, behind adapter.dispatch: its first lines
    (to detect the dialect), its rows as text, Parquet, whether the path exists. DuckDB
    reads files with its table functions (duckdb__ / default__); Spark through
    temporary views and external tables over its file sources (spark__).
-#}

{% macro cross_db_read_lines(path_literal, encoding_literal) %}
    {#- A table function yielding one text column `line` per line of the file. -#}
    {{ return(adapter.dispatch('cross_db_read_lines', 'bank_segments')(
        path_literal, encoding_literal)) }}
{% endmacro %}


{% macro duckdb__cross_db_read_lines(path_literal, encoding_literal) %}
    {#- chr(1) as delimiter and no quoting: each line is one field, read as is. -#}
    {{ return("read_csv(" ~ path_literal ~ ", columns = {'line': 'varchar'}, delim = chr(1),"
        ~ " quote = '', escape = '', header = false, auto_detect = false,"
        ~ " strict_mode = false, " ~ duckdb_line_size_options() ~ ", encoding = "
        ~ encoding_literal ~ ")") }}
{% endmacro %}


{% macro duckdb_line_size_options() %}
    {#- Lines up to 16 MiB (DuckDB's default stops at 2 MB: one long free-text field in
        an extra column failed the file); the buffer stays at DuckDB's default size. -#}
    {{ return('max_line_size = 16777216, buffer_size = 33554432') }}
{% endmacro %}


{% macro cross_db_read_csv(path_literal, delimiter_literal, encoding_literal, names, skip) %}
    {#- A table function reading a CSV with a header, every column as text: `names` are
        the header's column names (unique), `skip` the lines up to the header. -#}
    {{ return(adapter.dispatch('cross_db_read_csv', 'bank_segments')(
        path_literal, delimiter_literal, encoding_literal, names, skip)) }}
{% endmacro %}


{% macro duckdb__cross_db_read_csv(
    path_literal, delimiter_literal, encoding_literal, names, skip
) %}
    {#-
        The dialect the project detected, stated: no sniffing (DuckDB's sniffer refuses
        files with a ragged or blank-looking line, with advice about reader options the
        project does not expose). Every column is text, '"' quotes and doubles as its own
        escape (RFC 4180), blank lines are skipped, a short line is padded with nulls (its
        missing values are quarantined), and one column more than the header,
        __extra_field, catches a line with too many fields (quarantined as such).
        DuckDB's parallel reader cannot pad lines of a file with line breaks inside quoted
        fields, so such a file (a line with an odd number of quotes) is read serially.
    -#}
    {%- set parallel = 'true' -%}
    {%- if execute -%}
        {%- set odd_quotes -%}
            select count(*) from (
                select 1 from {{ cross_db_read_lines(path_literal, encoding_literal) }}
                where (length(line) - length(replace(line, '"', ''))) % 2 = 1
                limit 1
            ) as quoted_line_breaks
        {%- endset -%}
        {%- if run_query(odd_quotes).columns[0].values()[0] > 0 -%}
            {%- set parallel = 'false' -%}
        {%- endif -%}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for name in names + ['__extra_field'] -%}
        {%- do columns.append(sql_text(name) ~ ": 'VARCHAR'") -%}
    {%- endfor -%}
    {{ return("read_csv(" ~ path_literal ~ ", header = false, skip = " ~ (skip | int)
        ~ ", auto_detect = false, columns = {" ~ columns | join(', ') ~ "}, delim = "
        ~ delimiter_literal ~ ", quote = '\"', escape = '\"', null_padding = true,"
        ~ " parallel = " ~ parallel ~ ", strict_mode = false, " ~ duckdb_line_size_options()
        ~ ", encoding = " ~ encoding_literal ~ ")") }}
{% endmacro %}


{% macro spark__cross_db_read_lines(path_literal, encoding_literal) %}
    {#-
        Spark SQL takes no reader options in `FROM csv.`path``, and its text source is
        UTF-8 only: a temporary view over the csv source with a separator no line
        holds and no quoting gives each line whole, in the encoding asked for.
        multiLine streams the file through the charset (UTF-16 needs it); corrupt
        files (a .csv.gz that is not gzip) read as no lines, which the caller reports.
    -#}
    {%- set view = 'bank_customer_lines_' ~ local_md5(path_literal ~ encoding_literal)[:16] -%}
    {%- if execute -%}
        {%- do run_query(
            "create or replace temporary view " ~ view ~ " (line string) using csv options ("
            ~ "path " ~ cross_db_spark_literal(path_literal) ~ ", header 'false',"
            ~ " sep '\\u0000\\u0001\\u0002', quote '', escape '',"
            ~ " encoding " ~ cross_db_spark_encoding(encoding_literal) ~ ", multiLine 'true',"
            ~ " ignoreCorruptFiles 'true', ignoreLeadingWhiteSpace 'false',"
            ~ " ignoreTrailingWhiteSpace 'false')") -%}
    {%- endif -%}
    {#- the csv source reads an empty field as null; a line is text -#}
    {{ return("(select coalesce(line, '') as line from " ~ view ~ ") as " ~ view) }}
{% endmacro %}


{% macro spark__cross_db_read_csv(path_literal, delimiter_literal, encoding_literal, names, skip) %}
    {#-
        An external table over the file, in the model's schema: stg_customers__input is
        a view, and Spark refuses a view over a temporary view. The header row names
        the columns, every column a string (no inferSchema), '"' quotes and doubles as
        its own escape (RFC 4180, as DuckDB), quoted line breaks are kept (multiLine).
        Spark drops a UTF-8 byte order mark and reads CRLF line ends itself. Recreated
        on every read; dropping an external table never deletes the file.
    -#}
    {%- set table = this.schema ~ '.customers_csv_file' -%}
    {%- if execute -%}
        {%- do run_query('drop table if exists ' ~ table) -%}
        {%- do run_query(
            "create table " ~ table ~ " using csv options ("
            ~ "path " ~ cross_db_spark_literal(path_literal) ~ ", header 'true',"
            ~ " inferSchema 'false', sep " ~ cross_db_spark_literal(delimiter_literal) ~ ","
            ~ " quote '\"', escape '\"', encoding " ~ cross_db_spark_encoding(encoding_literal)
            ~ ", multiLine 'true', mode 'PERMISSIVE', ignoreLeadingWhiteSpace 'false',"
            ~ " ignoreTrailingWhiteSpace 'false')"
            ~ " comment 'customers_path read as CSV for stg_customers__input; recreated"
            ~ " on every build'") -%}
    {%- endif -%}
    {{ return(table) }}
{% endmacro %}


{% macro cross_db_spark_literal(text_literal) %}
    {#-
        A SQL string literal of sql_text (quotes doubled) as Spark reads it: Spark
        treats a backslash as an escape, so backslashes and quotes are escaped again.
    -#}
    {%- set value = text_literal[1:-1] | replace("''", "'") -%}
    {{ return("'" ~ value | replace('\\', '\\\\') | replace("'", "\\'") ~ "'") }}
{% endmacro %}


{% macro cross_db_spark_identifier_path(text_literal) %}
    {#- A path from sql_text as the body of a Spark `format.`path`` name (` doubled). -#}
    {{ return(text_literal[1:-1] | replace("''", "'") | replace('`', '``')) }}
{% endmacro %}


{% macro cross_db_spark_encoding(encoding_literal) %}
    {#- An encoding literal (utf-8, utf-16, latin-1) as Spark's csv source names it. -#}
    {%- set names = {'utf-8': 'UTF-8', 'utf-16': 'UTF-16', 'latin-1': 'ISO-8859-1'} -%}
    {%- set encoding = encoding_literal[1:-1] | replace("''", "'") -%}
    {{ return(cross_db_spark_literal(sql_text(names.get(encoding | lower, encoding)))) }}
{% endmacro %}


{% macro cross_db_has_high_byte(expression) %}
    {#- True when text holds a character U+0080..U+00FF (a byte above 127 read as Latin-1). -#}
    {{ return(adapter.dispatch('cross_db_has_high_byte', 'bank_segments')(expression)) }}
{% endmacro %}


{% macro default__cross_db_has_high_byte(expression) %}
    {{ return("regexp_matches(" ~ expression ~ ", '[\\x{80}-\\x{ff}]')") }}
{% endmacro %}


{% macro spark__cross_db_has_high_byte(expression) %}
    {#- Spark unescapes the literal first: '\\x' reaches Java's regex as \x. -#}
    {{ return("(" ~ expression ~ " rlike '[\\\\x{80}-\\\\x{ff}]')") }}
{% endmacro %}


{% macro cross_db_read_parquet(path_literal) %}
    {#- A relation over a Parquet file with its rows' 0-based position as file_row_number. -#}
    {{ return(adapter.dispatch('cross_db_read_parquet', 'bank_segments')(path_literal)) }}
{% endmacro %}


{% macro default__cross_db_read_parquet(path_literal) %}
    {{ return('read_parquet(' ~ path_literal ~ ', file_row_number = true)') }}
{% endmacro %}


{% macro spark__cross_db_read_parquet(path_literal) %}
    {{ return("(select *, _metadata.row_index as file_row_number from parquet.`"
        ~ cross_db_spark_identifier_path(path_literal) ~ "`) as parquet_file") }}
{% endmacro %}


{% macro cross_db_path_exists_sql(path_literal) %}
    {#- A query whose single value is 0 when nothing exists at the path. -#}
    {{ return(adapter.dispatch('cross_db_path_exists_sql', 'bank_segments')(path_literal)) }}
{% endmacro %}


{% macro default__cross_db_path_exists_sql(path_literal) %}
    {{ return('select count(*) from glob(' ~ path_literal ~ ')') }}
{% endmacro %}


{% macro spark__cross_db_path_exists_sql(path_literal) %}
    {#-
        Spark has no glob(), and every file source refuses a missing path with an
        error. A table's location may be missing (it lists as empty), so an external
        binaryFile table over the path counts the files there (the content is not
        read), and is dropped at once: dropping an external table leaves the files.
    -#}
    {%- if not execute -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- if '\\' in path_literal -%}
        {#- Hadoop reads a backslash in a file source's path as a glob escape -#}
        {{ exceptions.raise_compiler_error(
            "customers_path '" ~ path_literal[1:-1] | replace("''", "'") ~ "' holds a"
            ~ " backslash, which Spark reads as a glob escape: rename the file or folder,"
            ~ " or build on DuckDB") }}
    {%- endif -%}
    {%- set probe = this.schema ~ '.bank_path_probe_'
        ~ local_md5(invocation_id ~ this.identifier ~ path_literal)[:16] -%}
    {%- do run_query('drop table if exists ' ~ probe) -%}
    {%- do run_query('create table ' ~ probe ~ ' using binaryFile location '
        ~ cross_db_spark_literal(path_literal)) -%}
    {%- set files = run_query('select count(*) from ' ~ probe).columns[0].values()[0] -%}
    {%- do run_query('drop table if exists ' ~ probe) -%}
    {{ return('select ' ~ (files | int)) }}
{% endmacro %}


{% macro cross_db_describe_sql(select_sql) %}
    {#- A query listing the columns of `select_sql`: name in column 1, type in column 2. -#}
    {{ return(adapter.dispatch('cross_db_describe_sql', 'bank_segments')(select_sql)) }}
{% endmacro %}


{% macro default__cross_db_describe_sql(select_sql) %}
    {{ return('describe ' ~ select_sql) }}
{% endmacro %}


{% macro spark__cross_db_describe_sql(select_sql) %}
    {{ return('describe query ' ~ select_sql) }}
{% endmacro %}


{% macro cross_db_parquet_relation(path_literal) %}
    {#- A relation over a Parquet file (or glob), its columns as stored. -#}
    {{ return(adapter.dispatch('cross_db_parquet_relation', 'bank_segments')(path_literal)) }}
{% endmacro %}


{% macro default__cross_db_parquet_relation(path_literal) %}
    {{ return('read_parquet(' ~ path_literal ~ ')') }}
{% endmacro %}


{% macro spark__cross_db_parquet_relation(path_literal) %}
    {{ return("parquet.`" ~ cross_db_spark_identifier_path(path_literal) ~ "`") }}
{% endmacro %}
