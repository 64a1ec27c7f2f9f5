-- Every input row, typed, with the list of rules it breaks (empty when valid).
{%- set rules = customer_validation_rules() %}
{%- set text_columns = customer_input_text_columns() %}

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
            {#- text is trimmed; a typed Parquet column is cast directly #}
            {%- if attribute in text_columns %}
                {%- set raw_value = 'trim(input_rows.' ~ attribute ~ ')' %}
            {%- else %}
                {%- set raw_value = 'input_rows.' ~ attribute %}
            {%- endif %}
            try_cast({{ raw_value }} as double) as {{ attribute }}__number,
        {%- endfor %}
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
            when nullif(trim(customer_id), '') is null then 'customer_id: missing'
            when id_occurrences > 1
                then 'customer_id: appears ' || id_occurrences || ' times'
        end as customer_id__reason

    from typed

),

checked as (

    select
        * exclude (
            customer_id__reason,
            {%- for attribute in customer_attributes() %}
                {{ attribute }}__reason{% if not loop.last %},{% endif %}
            {%- endfor %}
        ),
        -- most rows are valid: build the reasons list only for rows with a reason
        case
            when
                coalesce(
                    customer_id__reason,
                    {%- for attribute in customer_attributes() %}
                        {{ attribute }}__reason{% if not loop.last %},{% endif %}
                    {%- endfor %}
                ) is null
                then cast([] as varchar[])
            else
                list_filter(
                    [
                        customer_id__reason,
                        {%- for attribute in customer_attributes() %}
                            {{ attribute }}__reason{% if not loop.last %},{% endif %}
                        {%- endfor %}
                    ],
                    lambda reason: reason is not null
                )
        end as rejection_reasons

    from reasons

)

select * from checked
