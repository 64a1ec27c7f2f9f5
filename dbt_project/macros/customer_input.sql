{#-
    Reading the customer export.

    The input is a bank export with ten attributes. Column names may be the seed's
    PascalCase (CreditScore) or snake_case (credit_score), in any order; extra columns
    are ignored; the id column is optional. Everything is read as text so that a bad
    value becomes a quarantine row in staging instead of a failed cast here.
-#}

{% macro customer_attributes() %}
    {{ return([
        'age', 'income', 'credit_score', 'account_tenure', 'monthly_spending',
        'transaction_frequency', 'avg_account_balance', 'num_products',
        'app_usage_score', 'support_calls',
    ]) }}
{% endmacro %}


{% macro normalize_column_name(name) %}
    {#- CreditScore, credit_score, "Credit Score" and a BOM-prefixed name all match. -#}
    {{ return(modules.re.sub('[^a-z0-9]', '', name | lower)) }}
{% endmacro %}


{% macro customer_file_reader(path) %}
    {%- set lowered = path | lower -%}
    {%- set quoted = "'" ~ (path | replace("'", "''")) ~ "'" -%}
    {%- if lowered.endswith('.parquet') -%}
        {{ return('read_parquet(' ~ quoted ~ ', file_row_number = true)') }}
    {%- elif lowered.endswith('.csv') or lowered.endswith('.csv.gz') -%}
        {{ return('read_csv(' ~ quoted ~ ', header = true, all_varchar = true)') }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "customers_path '" ~ path ~ "' must end in .csv, .csv.gz or .parquet"
        ) }}
    {%- endif -%}
{% endmacro %}


{% macro customer_file_columns(path, reader) %}
    {#- The file's column names, or one clear error when the path cannot be read. -#}
    {%- set quoted = "'" ~ (path | replace("'", "''")) ~ "'" -%}
    {%- set found = run_query('select count(*) from glob(' ~ quoted ~ ')') -%}
    {%- if found.columns[0].values()[0] == 0 -%}
        {{ exceptions.raise_compiler_error(
            "customers_path '" ~ path ~ "' does not exist or is not readable"
        ) }}
    {%- endif -%}
    {%- set described = run_query('describe select * from ' ~ reader) -%}
    {{ return(described.columns[0].values() | list) }}
{% endmacro %}


{% macro select_customer_input() %}
    {#-
        A select with one column per attribute (canonical snake_case names) in the
        file's own type: text for CSV and the seed, typed for Parquet (no round trip
        through text for values that are already numbers),
        customer_id (from the file, or a surrogate from row order) and
        source_row_number (1-based position in the file).
    -#}
    {%- set path = var('customers_path', none) -%}
    {%- if path is none or path == '' -%}
        {#- The seed's header is fixed, so no query is needed to know it. -#}
        {%- set columns = [
            'CustomerID', 'Age', 'Income', 'CreditScore', 'AccountTenure',
            'MonthlySpending', 'TransactionFrequency', 'AvgAccountBalance',
            'NumProducts', 'AppUsageScore', 'SupportCalls',
        ] -%}
        {%- set reader = ref('demo_customers') -%}
        {%- set row_number = 'row_number() over ()' -%}
    {%- else -%}
        {%- set reader = customer_file_reader(path) -%}
        {%- if execute -%}
            {%- set columns = customer_file_columns(path, reader) -%}
        {%- else -%}
            {%- set columns = [] -%}
        {%- endif -%}
        {%- if (path | lower).endswith('.parquet') -%}
            {#- Parquet knows each row's position; CSV rows keep file order. -#}
            {%- set row_number = 'file_row_number + 1' -%}
        {%- else -%}
            {%- set row_number = 'row_number() over ()' -%}
        {%- endif -%}
    {%- endif -%}

    {%- set by_key = {} -%}
    {%- for column in columns -%}
        {%- do by_key.update({normalize_column_name(column): column}) -%}
    {%- endfor -%}

    {%- set missing = [] -%}
    {%- for attribute in customer_attributes() -%}
        {%- if normalize_column_name(attribute) not in by_key -%}
            {#- Name both spellings so the user finds the column whichever they use. -#}
            {%- set pascal = attribute.split('_') | map('capitalize') | join('') -%}
            {%- do missing.append(attribute ~ ' (' ~ pascal ~ ')') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if execute and missing -%}
        {{ exceptions.raise_compiler_error(
            "customers_path '" ~ (path or 'demo_customers') ~ "' is missing required column(s): "
            ~ (missing | join(', '))
            ~ ". The file needs all ten attributes, named in snake_case (credit_score)"
            ~ " or PascalCase (CreditScore), in any order."
        ) }}
    {%- endif -%}

    {%- set id_column = by_key.get('customerid') -%}
    select
        {% if id_column -%}
            cast({{ adapter.quote(id_column) }} as varchar) as customer_id,
            false as id_is_surrogate,
        {%- else -%}
            cast(__source_row_number as varchar) as customer_id,
            true as id_is_surrogate,
        {%- endif %}
        cast(__source_row_number as bigint) as source_row_number,
        {%- for attribute in customer_attributes() %}
            {%- set source_column = by_key.get(normalize_column_name(attribute)) %}
        {{ adapter.quote(source_column or attribute) }} as {{ attribute }}
            {{- ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            *,
            {{ row_number }} as __source_row_number
        from {{ reader }}
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
        {%- if column.is_string() -%}
            {%- do text_columns.append(column.name | lower) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not columns -%}
        {%- set text_columns = customer_attributes() -%}
    {%- endif -%}
    {{ return(text_columns) }}
{% endmacro %}
