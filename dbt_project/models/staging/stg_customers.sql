-- One row per valid customer: every rule in customer_validation_rules() holds.
-- The stg_customers__rejected_summary ref orders the build: the quarantine and its
-- summary exist before the share test can stop the build here.
-- depends_on: {{ ref('stg_customers__rejected_summary') }}

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
        as_of_date__date as as_of_date,

        -- attributes, typed as the rules say
        {%- for attribute in customer_attributes() %}
            cast({{ attribute }}__number as {{ customer_column_type(attribute) }})
                as {{ attribute }}{% if not loop.last %},{% endif %}
        {%- endfor %}

    from checked
    where {{ cross_db_array_length('rejection_reasons') }} = 0

)

select * from final
