-- One row per valid customer: every rule in customer_validation_rules() holds.
{%- set rules = customer_validation_rules() %}

with

checked as (

    select * from {{ ref('stg_customers__checked') }}

),

final as (

    select
        -- ids
        customer_id,
        source_row_number,
        id_is_surrogate,

        -- attributes, typed as the rules say
        {%- for attribute in customer_attributes() %}
            cast({{ attribute }}__number as {{ rules[attribute]['type'] }})
                as {{ attribute }}{% if not loop.last %},{% endif %}
        {%- endfor %}

    from checked
    where len(rejection_reasons) = 0

)

select * from final
