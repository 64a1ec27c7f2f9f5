{#-
    Reading the customers from a table already in the warehouse or lakehouse (var
    customers_table) instead of a file, and naming the input in errors and the log.
    customer_file() (customer_input.sql) hands over to customer_table() when the var
    is set.
-#}

{% macro customer_input_kind() %}
    {#- What the vars point at, without reading it: 'table' (customers_table), 'seed'
        (the demo), 'parquet', or 'csv' (any delimited text file). -#}
    {%- set path = (bank_var('customers_path') or '') | lower -%}
    {%- if bank_var('customers_table') is not none -%}
        {{ return('table') }}
    {%- elif not path -%}
        {{ return('seed') }}
    {%- elif path.endswith('.parquet') -%}
        {{ return('parquet') }}
    {%- endif -%}
    {{ return('csv') }}
{% endmacro %}


{% macro customer_input_label() %}
    {#- customer_source_label() of the input the vars name, for refusals made after
        staging (no file description at hand). -#}
    {{ return(customer_source_label({
        'kind': customer_input_kind(),
        'path': bank_var('customers_table') or bank_var('customers_path')
            or 'demo_customers'})) }}
{% endmacro %}


{% macro customer_source_label(file) %}
    {#- How errors and the log name the input: the var that points at it, and its value. -#}
    {%- set var_name = 'customers_table' if file['kind'] == 'table' else 'customers_path' -%}
    {{ return(var_name ~ " '" ~ file['path'] ~ "'") }}
{% endmacro %}


{% macro customer_table(table, path) %}
    {#-
        customer_file() for var customers_table: a table already in the warehouse or
        lakehouse (validated as schema.table or catalog.schema.table), read in its own
        column types like Parquet. Its rows have no file position: source_row_number
        follows read order.
    -#}
    {%- if path is not none -%}
        {{ exceptions.raise_compiler_error(
            "customers_table '" ~ table ~ "' and customers_path '" ~ path ~ "' are both"
            ~ " set: give one of them") }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return({'path': table, 'kind': 'table', 'reader': table, 'columns': [],
                   'decimal': '.', 'header': []}) }}
    {%- endif -%}
    {%- set parts = table.split('.') -%}
    {%- set relation = adapter.get_relation(
        database=parts[0] if parts | length == 3 else target.database,
        schema=parts[-2], identifier=parts[-1]) -%}
    {%- if relation is none -%}
        {{ exceptions.raise_compiler_error(
            "customers_table '" ~ table ~ "' does not exist: give an existing table as"
            ~ " schema.table or catalog.schema.table (or a file as customers_path)") }}
    {%- endif -%}
    {%- set described = run_query(cross_db_describe_sql('select * from ' ~ relation)) -%}
    {%- set columns = [] -%}
    {%- for row in described.rows -%}
        {%- do columns.append((row[0], row[1])) -%}
    {%- endfor -%}
    {{ log("customers_table '" ~ table ~ "': " ~ columns | length ~ " columns", info=true) }}
    {{ return({
        'path': table, 'kind': 'table', 'reader': relation, 'columns': columns,
        'decimal': bank_var('csv_decimal_separator') or '.',
        'header': columns | map('first') | list,
    }) }}
{% endmacro %}
