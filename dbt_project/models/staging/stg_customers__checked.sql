-- Every input row, typed, with the list of rules it breaks (empty when valid).
{%- set rules = customer_validation_rules() %}

with

input_rows as (

    select * from {{ ref('stg_customers__input') }}

),

typed as (

    select
        *,
        {%- for attribute in customer_attributes() %}
            try_cast(trim({{ attribute }}) as double) as {{ attribute }}__number,
        {%- endfor %}
        -- conflicting duplicates are not guessed at: every row of a repeated id is
        -- rejected
        count(*) over (partition by customer_id) as id_occurrences

    from input_rows

),

-- one reason column per attribute: null when the value passes, else the reason
reasons as (

    select
        *,
        {%- for attribute in customer_attributes() %}
            {{ rule_violation(attribute, rules[attribute]) }}
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
        list_filter(
            [
                customer_id__reason,
                {%- for attribute in customer_attributes() %}
                    {{ attribute }}__reason{% if not loop.last %},{% endif %}
                {%- endfor %}
            ],
            lambda reason: reason is not null
        ) as rejection_reasons

    from reasons

)

select * from checked
