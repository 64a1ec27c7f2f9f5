{#-
    Reading the customer export.

    The input is a bank export with ten attributes. Column names may be in any case or
    spacing (CreditScore, credit_score, "Credit Score", CREDITSCORE), in any order;
    unknown extra columns are ignored and listed in the build log; the id column is
    optional. CSV files are inspected before they are read: the encoding (UTF-8 with or
    without a byte order mark, UTF-16, else Latin-1 when the bytes are not valid
    UTF-8), the delimiter (',', ';', tab or '|', from the header) and the decimal mark
    ('.' or ',' from the values) are detected, and the vars csv_encoding,
    csv_delimiter and csv_decimal_separator override the detection. Everything is
    read as text so that a bad value becomes a quarantine row in staging instead of a
    failed cast here.
-#}

{% macro customer_attributes() %}
    {{ return([
        'age', 'income', 'credit_score', 'account_tenure', 'monthly_spending',
        'transaction_frequency', 'avg_account_balance', 'num_products',
        'app_usage_score', 'support_calls',
    ]) }}
{% endmacro %}


{% macro customer_optional_columns() %}
    {#- Normalized header name -> canonical column, for the optional columns. -#}
    {{ return({
        'customerid': 'customer_id',
        'snapshotdate': 'as_of_date',
        'asofdate': 'as_of_date',
    }) }}
{% endmacro %}


{% macro normalize_column_name(name) %}
    {#- CreditScore, credit_score, "Credit Score" and a BOM-prefixed name all match. -#}
    {{ return(modules.re.sub('[^a-z0-9]', '', name | lower)) }}
{% endmacro %}


{% macro sql_text(value) %}
    {#- A SQL string literal. -#}
    {{ return("'" ~ (value | string | replace("'", "''")) ~ "'") }}
{% endmacro %}


{% macro customer_file_lines(path, encoding, limit) %}
    {#- The first `limit` lines of a text file, whole, decoded with `encoding`; an empty
        line is '' (the line reader gives it as null). -#}
    {%- set sql -%}
        select line from {{ cross_db_read_lines(cross_db_path_literal(path), sql_text(encoding)) }}
        limit {{ limit | int }}
    {%- endset -%}
    {{ return(run_query(sql).columns[0].values() | map('default', '', true) | list) }}
{% endmacro %}


{% macro customer_text_suffixes() %}
    {#- The endings of the delimited text files customers_path reads (the delimiter is
        found from the header line whatever the ending; .gz ones are gzip-compressed). -#}
    {{ return(('.csv', '.csv.gz', '.tsv', '.tsv.gz', '.txt', '.txt.gz')) }}
{% endmacro %}


{% macro customer_csv_delimiters() %}
    {#- The delimiters a header line is tried with, the default first. -#}
    {{ return([',', ';', '\t', '|']) }}
{% endmacro %}


{% macro customer_csv_format(path) %}
    {#-
        How to read the CSV at `path`: {'encoding', 'delimiter', 'decimal', 'header'}.
        Detected from the file's first lines unless the csv_* vars say otherwise.
    -#}
    {%- set encoding = bank_var('csv_encoding') -%}
    {%- if encoding is none -%}
        {#- Latin-1 decodes any byte, so these reads never fail. -#}
        {%- set raw = customer_file_lines(path, 'latin-1', 1) -%}
        {%- if raw | length == 0 -%}
            {{ exceptions.raise_compiler_error(
                "customers_path '" ~ path ~ "' is empty or not readable as text: it needs a"
                ~ " header line and one row per customer; a .gz file must be"
                ~ " gzip-compressed") }}
        {%- endif -%}
        {#- no BOM: UTF-16 when NUL is every other byte, not for one stray NUL -#}
        {%- if raw[0][:2] in ['\xff\xfe', '\xfe\xff']
            or raw[0].count('\x00') * 3 >= raw[0] | length > 0 -%}
            {%- set encoding = 'utf-16' -%}
        {%- else -%}
            {#- Lines of the first 100,000 with bytes above 127: valid UTF-8 or not? -#}
            {%- set sql -%}
                select line from (
                    select line from {{ cross_db_read_lines(cross_db_path_literal(path), "'latin-1'") }}
                    limit 100000
                ) as head
                where {{ cross_db_has_high_byte('line') }}
                limit 50
            {%- endset -%}
            {#- a namespace: a plain set inside a loop does not outlive the loop -#}
            {%- set detected = namespace(encoding='utf-8') -%}
            {%- for line in run_query(sql).columns[0].values() -%}
                {%- if '\ufffd' in line.encode('latin-1').decode('utf-8', 'replace') -%}
                    {%- set detected.encoding = 'latin-1' -%}
                {%- endif -%}
            {%- endfor -%}
            {%- set encoding = detected.encoding -%}
        {%- endif -%}
    {%- endif -%}

    {%- set lines = customer_file_lines(path, encoding, 200) -%}
    {%- if lines | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "customers_path '" ~ path ~ "' is empty or not readable as text: it needs a"
            ~ " header line and one row per customer; a .gz file must be"
            ~ " gzip-compressed") }}
    {%- endif -%}
    {#- The header is the first line that is not blank (blank lines before it are
        skipped, as the reader skips blank lines between rows). -#}
    {%- set found = namespace(index=none) -%}
    {%- for line in lines if found.index is none and line.lstrip('\ufeff') | trim != '' -%}
        {%- set found.index = loop.index0 -%}
    {%- endfor -%}
    {%- if found.index is none -%}
        {{ exceptions.raise_compiler_error(
            "customers_path '" ~ path ~ "' has no header line: its first " ~ lines | length
            ~ " line(s) are blank. The file needs a header line naming the columns and one"
            ~ " row per customer.") }}
    {%- endif -%}
    {#- Report exports often open with title lines ("Customer export", "Generated on
        ..."): the header is the first of the next 20 lines that names at least half of
        the attributes, and the lines before it are skipped (and logged). -#}
    {%- set attributes = [] -%}
    {%- for attribute in customer_attributes() -%}
        {%- do attributes.append(normalize_column_name(attribute)) -%}
    {%- endfor -%}
    {%- set header_search = namespace(index=none) -%}
    {%- for line in lines[found.index:found.index + 20] if header_search.index is none -%}
        {%- set position = found.index + loop.index0 -%}
        {%- for candidate in customer_csv_delimiters() if header_search.index is none -%}
            {%- set hits = namespace(count=0) -%}
            {%- for name in line.lstrip('\ufeff').split(candidate) -%}
                {%- if normalize_column_name(name) in attributes -%}
                    {%- set hits.count = hits.count + 1 -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if hits.count * 2 >= attributes | length -%}
                {%- set header_search.index = position -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if header_search.index is not none and header_search.index > found.index -%}
        {%- if target.type == 'spark' -%}
            {{ exceptions.raise_compiler_error(
                "customers_path '" ~ path ~ "': the header is on line "
                ~ (header_search.index + 1) ~ ", after " ~ (header_search.index - found.index)
                ~ " title line(s) (first: " ~ (lines[found.index] | trim | truncate(60) | tojson)
                ~ "); Spark's CSV reader takes the first line as the header: remove the"
                ~ " lines before it.") }}
        {%- endif -%}
        {{ log("customers_path '" ~ path ~ "': skipping " ~ (header_search.index - found.index)
            ~ " line(s) before the header on line " ~ (header_search.index + 1) ~ " (first: "
            ~ (lines[found.index] | trim | truncate(60) | tojson) ~ ")", info=true) }}
        {%- set found.index = header_search.index -%}
    {%- endif -%}
    {%- set header_line = lines[found.index].lstrip('\ufeff').rstrip('\r\n') -%}
    {#- The line reader splits at CR and at LF: a line that still starts with LF or ends
        with CR had a CR too many, as in CR CR LF (a file converted to Windows line
        endings twice). DuckDB's CSV sniffer fails on it with advice that does not
        apply here, so name the cause and the repair instead. -#}
    {%- for line in lines[1:] if line.startswith('\n') or line.endswith('\r') -%}
        {%- if loop.first -%}
            {{ exceptions.raise_compiler_error(
                "customers_path '" ~ path ~ "': line " ~ (lines.index(line) + 1)
                ~ " and others end in CR CR LF, one carriage return too many (a file"
                ~ " converted to Windows line endings twice). Export the file again, or"
                ~ " repair it with: sed -i 's/\\r\\r$/\\r/' '" ~ path ~ "'") }}
        {%- endif -%}
    {%- endfor -%}

    {%- set delimiter = bank_var('csv_delimiter') -%}
    {%- if delimiter is none -%}
        {%- set counts = namespace(best=',', count=header_line.count(',')) -%}
        {%- for candidate in customer_csv_delimiters()[1:] -%}
            {%- if header_line.count(candidate) > counts.count -%}
                {%- set counts.best = candidate -%}
                {%- set counts.count = header_line.count(candidate) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set delimiter = counts.best -%}
    {%- endif -%}

    {%- set decimal = bank_var('csv_decimal_separator') -%}
    {%- if decimal is none -%}
        {%- set decimal = '.' -%}
        {%- if delimiter != ',' -%}
            {#- Count values written with a decimal comma against a decimal point. -#}
            {%- set votes = namespace(comma=0, point=0) -%}
            {%- for line in lines[1:] -%}
                {%- for field in line.split(delimiter) -%}
                    {%- set value = field | trim | replace('"', '') -%}
                    {%- if modules.re.match('^[+-]?[0-9]{1,3}([. ][0-9]{3})*,[0-9]+$', value)
                        or modules.re.match('^[+-]?[0-9]+,[0-9]+$', value) -%}
                        {%- set votes.comma = votes.comma + 1 -%}
                    {%- elif modules.re.match('^[+-]?[0-9]{1,3}(,[0-9]{3})*\\.[0-9]+$', value)
                        or modules.re.match('^[+-]?[0-9]+\\.[0-9]+$', value) -%}
                        {%- set votes.point = votes.point + 1 -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endfor -%}
            {%- if votes.comma > votes.point -%}
                {%- set decimal = ',' -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}

    {%- set header = [] -%}
    {%- set names = [] -%}
    {%- for name in header_line.split(delimiter) -%}
        {%- set name = name | trim | replace('"', '') -%}
        {%- do header.append(name) -%}
        {#- the reader's column names: unique and never empty (a repeated name is
            still refused by customer_column_map, from `header`) -#}
        {%- set unique = name if name != '' else 'column' ~ loop.index -%}
        {%- if unique | lower in names | map('lower') | list -%}
            {%- set unique = unique ~ '_' ~ loop.index -%}
        {%- endif -%}
        {%- do names.append(unique) -%}
    {%- endfor -%}
    {{ return({
        'encoding': encoding, 'delimiter': delimiter, 'decimal': decimal, 'header': header,
        'names': names, 'skip': found.index + 1,
    }) }}
{% endmacro %}


{% macro customer_file() %}
    {#-
        What the input is and how to read it: {'path', 'kind' (seed, csv, parquet),
        'reader' (a relation or table function), 'columns' [(name, type)],
        'decimal', 'description' (for the build log)}. Outside execution (parsing)
        the columns are unknown and left empty.
    -#}
    {%- set path = bank_var('customers_path') -%}
    {%- set table = bank_var('customers_table') -%}
    {%- if table is not none -%}
        {{ return(customer_table(table, path)) }}
    {%- endif -%}
    {%- if path is none -%}
        {#- The seed's header is fixed, so no query is needed to know it. -#}
        {%- set names = [
            'CustomerID', 'Age', 'Income', 'CreditScore', 'AccountTenure',
            'MonthlySpending', 'TransactionFrequency', 'AvgAccountBalance',
            'NumProducts', 'AppUsageScore', 'SupportCalls',
        ] -%}
        {%- set columns = [] -%}
        {%- for name in names -%}
            {%- do columns.append((name, 'VARCHAR')) -%}
        {%- endfor -%}
        {{ return({
            'path': 'demo_customers', 'kind': 'seed', 'reader': ref('demo_customers'),
            'columns': columns, 'decimal': '.', 'header': names,
        }) }}
    {%- endif -%}

    {%- set lowered = path | lower -%}
    {%- if lowered.endswith('.parquet') -%}
        {%- set kind = 'parquet' -%}
    {%- elif lowered.endswith(customer_text_suffixes()) -%}
        {%- set kind = 'csv' -%}
    {%- else -%}
        {%- set fix = 'export it as CSV (any delimiter) or Parquet' -%}
        {%- if lowered.endswith(('.xlsx', '.xls', '.xlsm', '.ods')) -%}
            {%- set fix = 'save the sheet as CSV UTF-8 (File > Save As) or export it as Parquet' -%}
        {%- elif lowered.endswith(('.zip', '.7z', '.bz2', '.xz', '.zst')) -%}
            {%- set fix = 'extract the file (or compress it with gzip: customers.csv.gz)' -%}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "customers_path '" ~ path ~ "' must be a delimited text file ("
            ~ customer_text_suffixes() | join(', ') ~ ") or .parquet: " ~ fix ~ ".") }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return({'path': path, 'kind': kind, 'reader': 'customer_file', 'columns': [],
                   'decimal': '.', 'header': []}) }}
    {%- endif -%}

    {%- set found = run_query(cross_db_path_exists_sql(cross_db_path_literal(path))) -%}
    {%- if found.columns[0].values()[0] == 0 -%}
        {{ exceptions.raise_compiler_error(
            "customers_path '" ~ path ~ "' does not exist or is not readable: give"
            ~ " the path of a .csv, .tsv, .txt (each possibly .gz) or .parquet file,"
            ~ " absolute or relative to the"
            ~ " folder dbt runs in") }}
    {%- endif -%}

    {%- if kind == 'parquet' -%}
        {%- set reader = cross_db_read_parquet(cross_db_path_literal(path)) -%}
        {%- set decimal = bank_var('csv_decimal_separator') or '.' -%}
        {%- set header = none -%}
    {%- else -%}
        {%- set format = customer_csv_format(path) -%}
        {%- set reader = cross_db_read_csv(
            cross_db_path_literal(path), sql_text(format['delimiter']), sql_text(format['encoding']),
            format['names'], format['skip']) -%}
        {%- set decimal = format['decimal'] -%}
        {%- set header = format['header'] -%}
        {{ log("customers_path '" ~ path ~ "': read as " ~ format['encoding']
            ~ ", delimiter " ~ (format['delimiter'] | tojson) ~ ", decimal mark "
            ~ (format['decimal'] | tojson), info=true) }}
    {%- endif -%}
    {%- set described = run_query(cross_db_describe_sql('select * from ' ~ reader)) -%}
    {%- set columns = [] -%}
    {%- for row in described.rows -%}
        {%- do columns.append((row[0], row[1])) -%}
    {%- endfor -%}
    {{ return({
        'path': path, 'kind': kind, 'reader': reader, 'columns': columns,
        'decimal': decimal, 'header': header or (columns | map('first') | list),
    }) }}
{% endmacro %}


{% macro customer_decimal_separator() %}
    {#- The decimal mark of the input's text numbers (no ref, so any model may ask). -#}
    {%- set path = bank_var('customers_path') -%}
    {%- set configured = bank_var('csv_decimal_separator') -%}
    {%- if configured is not none or path is none or not execute
        or not (path | lower).endswith(customer_text_suffixes()) -%}
        {{ return(configured or '.') }}
    {%- endif -%}
    {{ return(customer_csv_format(path)['decimal']) }}
{% endmacro %}


{% macro customer_column_map(file) %}
    {#-
        Canonical column -> (file column, type) for the attributes and optional columns
        found. Stops with one line when a required attribute is missing or when two
        columns mean the same attribute; logs the columns it ignores.
    -#}
    {%- set wanted = {} -%}
    {%- for attribute in customer_attributes() -%}
        {%- do wanted.update({normalize_column_name(attribute): attribute}) -%}
    {%- endfor -%}
    {%- do wanted.update(customer_optional_columns()) -%}

    {#- The header as written, so a repeated name is seen before the reader renames it. -#}
    {%- set seen = {} -%}
    {%- for name in file['header'] -%}
        {%- set canonical = wanted.get(normalize_column_name(name)) -%}
        {%- if canonical and canonical in seen -%}
            {{ exceptions.raise_compiler_error(
                customer_source_label(file) ~ " has two columns for " ~ canonical
                ~ ": '" ~ seen[canonical] ~ "' and '" ~ name ~ "'. Keep one of them.") }}
        {%- elif canonical -%}
            {%- do seen.update({canonical: name}) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set found = {} -%}
    {%- set ignored = [] -%}
    {%- for name, type in file['columns'] -%}
        {%- set canonical = wanted.get(normalize_column_name(name)) -%}
        {%- if canonical -%}
            {%- do found.update({canonical: (name, type)}) -%}
        {%- elif name not in ['file_row_number', '__extra_field'] -%}
            {%- do ignored.append(name) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set missing = [] -%}
    {%- for attribute in customer_attributes() if attribute not in found -%}
        {#- Name both spellings so the user finds the column whichever they use. -#}
        {%- set pascal = attribute.split('_') | map('capitalize') | join('') -%}
        {%- do missing.append(attribute ~ ' (' ~ pascal ~ ')') -%}
    {%- endfor -%}
    {%- if execute and missing -%}
        {%- set hint = '' -%}
        {%- if file['columns'] | length == 1 -%}
            {%- set hint = " The file was read as one column: set the var csv_delimiter"
                ~ " (e.g. --vars '{csv_delimiter: \";\"}')." -%}
        {%- elif ignored -%}
            {%- set hint = " Its other columns: '" ~ ignored | join("', '") ~ "'; if one"
                ~ " of them holds a missing attribute under another name, rename it in the"
                ~ " export, or read a view that renames it (var customers_table)." -%}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            customer_source_label(file) ~ " is missing required column(s): "
            ~ (missing | join(', '))
            ~ ". The file needs all ten attributes, named in snake_case (credit_score)"
            ~ " or PascalCase (CreditScore), in any order." ~ hint
        ) }}
    {%- endif -%}
    {#- Text is parsed number by number (and quarantined where it is not one); a typed
        column must be a number: a yes/no flag is not a count, a date is not years. -#}
    {%- set unusable = [] -%}
    {%- set empty = [] -%}
    {%- for attribute in customer_attributes() if attribute in found -%}
        {%- set type = found[attribute][1] | string | lower | trim -%}
        {%- if type in ['null', '"null"', 'void'] -%}
            {%- do empty.append(found[attribute][0]) -%}
        {%- elif not modules.re.fullmatch('u?(tiny|small|big|huge)?int(eger)?|float|double'
            ~ '|real|(decimal|numeric)(\\(.*\\))?|((var)?char(\\([0-9]+\\))?|string|text)',
            type) -%}
            {%- do unusable.append(found[attribute][0] ~ " (" ~ found[attribute][1] ~ ")") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if execute and (unusable or empty) -%}
        {%- set problems = [] -%}
        {%- if unusable -%}
            {%- do problems.append("column(s) " ~ unusable | join(', ') ~ " hold no numbers:"
                ~ " every attribute must be a numeric column or text holding numbers (a"
                ~ " yes/no flag is not a count, a date is not a number of years); export"
                ~ " them as numbers.") -%}
        {%- endif -%}
        {%- if empty -%}
            {%- do problems.append("column(s) " ~ empty | join(', ') ~ " hold no values at"
                ~ " all (typed null): export them with their values.") -%}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            customer_source_label(file) ~ ": " ~ problems | join(' ')) }}
    {%- endif -%}
    {%- if execute and ignored -%}
        {{ log(customer_source_label(file) ~ ": ignoring column(s) "
            ~ ignored | join(', '), info=true) }}
    {%- endif -%}
    {%- if execute and 'customer_id' not in found -%}
        {{ log(customer_source_label(file) ~ ": no CustomerID column, so each customer's"
            ~ " id is its row number; the history, migration and changed-customer tables"
            ~ " match customers across months by id, which holds only if every month's"
            ~ " file lists the same customers in the same order. Add the bank's customer"
            ~ " id column to the export.", info=true) }}
    {%- endif -%}
    {{ return(found) }}
{% endmacro %}


{% macro customer_id_expression(column, type) %}
    {#-
        The id as trimmed text. A numeric id stored as a float or decimal
        (1234567890123456.0) becomes its integer text; so does text ending in '.0'.
    -#}
    {%- set quoted = adapter.quote(column) -%}
    {%- set upper = type | upper -%}
    {%- if upper in ['FLOAT', 'DOUBLE', 'REAL'] or upper.startswith('DECIMAL') -%}
        {{ return(
            'case when ' ~ quoted ~ ' = floor(' ~ quoted ~ ') and abs(' ~ quoted ~ ') < 1e30'
            ~ ' then cast(cast(' ~ quoted ~ ' as decimal(38, 0)) as ' ~ dbt.type_string() ~ ')'
            ~ ' else cast(' ~ quoted ~ ' as ' ~ dbt.type_string() ~ ') end') }}
    {%- elif upper in ['VARCHAR', 'TEXT', 'STRING'] -%}
        {{ return(cross_db_strip_zero_fraction(cross_db_trim(quoted))) }}
    {%- else -%}
        {{ return('cast(' ~ quoted ~ ' as ' ~ dbt.type_string() ~ ')') }}
    {%- endif -%}
{% endmacro %}


{% macro select_customer_input() %}
    {#-
        A select with one column per attribute (canonical snake_case names) in the
        file's own type: text for CSV and the seed, typed for Parquet (no round trip
        through text for values that are already numbers), customer_id (from the file,
        or a surrogate from row order), source_row_number (1-based position in the
        file) and as_of_date as text (the file's snapshot_date / as_of_date column, or
        null when it has none).
    -#}
    {%- set file = customer_file() -%}
    {%- set found = customer_column_map(file) -%}
    {%- if file['kind'] == 'parquet' -%}
        {#- Parquet knows each row's position; CSV rows keep file order. -#}
        {%- set row_number = 'file_row_number + 1' -%}
    {%- else -%}
        {%- set row_number = cross_db_row_position() -%}
    {%- endif -%}

    select
        {% if 'customer_id' in found -%}
            {{ customer_id_expression(found['customer_id'][0], found['customer_id'][1]) }}
                as customer_id,
            false as id_is_surrogate,
        {%- else -%}
            cast(__source_row_number as {{ dbt.type_string() }}) as customer_id,
            true as id_is_surrogate,
        {%- endif %}
        cast(__source_row_number as bigint) as source_row_number,
        {% if 'as_of_date' in found -%}
            cast({{ adapter.quote(found['as_of_date'][0]) }} as {{ dbt.type_string() }}) as as_of_date,
            true as as_of_date_in_file,
        {%- else -%}
            cast(null as {{ dbt.type_string() }}) as as_of_date,
            false as as_of_date_in_file,
        {%- endif %}
        {% if '__extra_field' in file['columns'] | map('first') | list -%}
            {{ adapter.quote('__extra_field') }} as extra_field,
        {%- else -%}
            cast(null as {{ dbt.type_string() }}) as extra_field,
        {%- endif %}
        {%- for attribute in customer_attributes() %}
            {%- set source_column = found.get(attribute, (attribute, 'VARCHAR'))[0] %}
        {{ adapter.quote(source_column) }} as {{ attribute }}
            {{- ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            *,
            {{ row_number }} as __source_row_number
        from {{ file['reader'] }}
    ) as customer_file
{% endmacro %}


{% macro customer_input_text_columns() %}
    {#-
        The attributes that stg_customers__input holds as text (all of them for CSV and
        the seed; those stored as strings in a Parquet file). Until that view exists
        (parsing, linting), every attribute is assumed to be text.
    -#}
    {%- set text_columns = [] -%}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- set relation = adapter.get_relation(
            database=this.database,
            schema=this.schema,
            identifier=ref('stg_customers__input').identifier,
        ) -%}
        {%- if relation is not none -%}
            {%- set columns = adapter.get_columns_in_relation(relation) -%}
        {%- endif -%}
    {%- endif -%}
    {%- for column in columns -%}
        {#- dbt's is_string() knows no Spark `string` (nor varchar(n), char(n)) -#}
        {%- if column.is_string()
            or (column.dtype | lower).split('(')[0] in ['string', 'varchar', 'char'] -%}
            {%- do text_columns.append(column.name | lower) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not columns -%}
        {%- set text_columns = customer_attributes() -%}
    {%- endif -%}
    {{ return(text_columns) }}
{% endmacro %}
