-- Every input row, typed, with the list of rules it breaks (empty when valid).
{%- set rules = customer_validation_rules() %}
{%- set text_columns = customer_input_text_columns() %}
{%- set decimal = customer_decimal_separator() %}
{#- a file's as-of date: in a listed format, from var earliest_as_of_date
    to the build's day #}
{%- set earliest_as_of_date = bank_var('earliest_as_of_date') %}
{%- set latest_as_of_date = run_started_at.strftime('%Y-%m-%d') %}
{%- set date_examples = ['2026-01-31']
    + customer_date_formats() | map(attribute=2) | list %}
{%- set not_a_date = 'as_of_date: not a date (' ~ date_examples | join(', ') ~ ')' %}
{%- set implausible_date = 'as_of_date: implausible, outside '
    ~ earliest_as_of_date ~ ' to ' ~ latest_as_of_date %}
{#- the as-of date of rows without one: var as_of_date, else the build's date #}
{%- set default_as_of_date = (
    bank_var('as_of_date') or run_started_at.strftime('%Y-%m-%d')
) %}

{#- the reason columns of each row: the as-of date, the id, then one per attribute #}
{%- set reason_columns = ['row__reason', 'as_of_date__reason', 'customer_id__reason'] %}
{%- for attribute in customer_attributes() %}
    {%- do reason_columns.append(attribute ~ '__reason') %}
{%- endfor %}

with

input_rows as (

    select * from {{ ref('stg_customers__input') }}

),

-- conflicting duplicates are not guessed at: every row of a repeated id is rejected.
-- A grouped count joined back is several times faster than a window over 10M ids.
repeated_ids as (

    select
        customer_id,
        count(*) as id_occurrences

    from input_rows
    group by customer_id
    having count(*) > 1

),

typed as (

    select
        input_rows.*,
        {%- for attribute in customer_attributes() %}
            {#- text is trimmed and parsed with the file's decimal mark; a typed
                Parquet column (integer, double, decimal) is cast directly #}
            {%- if attribute in text_columns %}
                {%- set trimmed = cross_db_trim('input_rows.' ~ attribute) %}
                {{ cross_db_parse_number(trimmed, decimal) }}
            {%- else %}
                {{ cross_db_try_cast('input_rows.' ~ attribute, 'double') }}
            {%- endif %} as {{ attribute }}__number,
        {%- endfor %}
        {{ cross_db_parse_date(cross_db_trim('input_rows.as_of_date')) }}
            as as_of_date__parsed,
        coalesce(repeated_ids.id_occurrences, 1) as id_occurrences

    from input_rows
    left join repeated_ids
        on input_rows.customer_id = repeated_ids.customer_id

),

-- one reason column per attribute: null when the value passes, else the reason
reasons as (

    select
        *,
        {%- for attribute in customer_attributes() %}
            {{ rule_violation(attribute, rules[attribute], attribute in text_columns) }}
                as {{ attribute }}__reason,
        {%- endfor %}
        case
            when extra_field is not null then 'row: more fields than the header has'
        end as row__reason,
        case
            when
                as_of_date_in_file
                and nullif({{ cross_db_trim('as_of_date') }}, '') is null
                then 'as_of_date: missing'
            when as_of_date__parsed is null and as_of_date_in_file
                then {{ sql_text(not_a_date) }}
            when
                as_of_date__parsed < cast('{{ earliest_as_of_date }}' as date)
                or as_of_date__parsed > cast('{{ latest_as_of_date }}' as date)
                then {{ sql_text(implausible_date) }}
        end as as_of_date__reason,
        case
            when nullif({{ cross_db_trim('customer_id') }}, '') is null
                then 'customer_id: missing'
            when id_occurrences > 1
                then 'customer_id: appears ' || id_occurrences || ' times'
        end as customer_id__reason

    from typed

),

checked as (

    select
        {{ cross_db_star_except(['as_of_date__parsed'] + reason_columns) }},
        -- most rows are valid: build the reasons list only for rows with a reason
        case
            when
                coalesce(
                    row__reason,
                    as_of_date__reason,
                    customer_id__reason,
                    {%- for attribute in customer_attributes() %}
                        {{ attribute }}__reason{% if not loop.last %},{% endif %}
                    {%- endfor %}
                ) is null
                then {{ cross_db_empty_text_array() }}
            else
                {{ cross_db_non_null_text_array(reason_columns) }}
        end as rejection_reasons,
        -- the row's snapshot date when the file has one, else the build's as-of date
        coalesce(
            as_of_date__parsed, cast('{{ default_as_of_date }}' as date)
        ) as as_of_date__date

    from reasons

)

select * from checked
