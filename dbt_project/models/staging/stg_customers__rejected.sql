-- Quarantine: every input row that breaks a rule, with its raw values and the reasons.
with

checked as (

    select * from {{ ref('stg_customers__checked') }}

),

final as (

    select
        -- where the row came from
        source_row_number,
        customer_id,
        id_is_surrogate,

        -- why it was rejected
        rejection_reasons,
        {{ cross_db_array_length('rejection_reasons') }} as reason_count,
        {{ cross_db_array_join('rejection_reasons', "'; '") }} as rejection_summary,

        -- the raw values as read
        as_of_date as raw_as_of_date,
        {%- for attribute in customer_attributes() %}
            cast({{ attribute }} as {{ dbt.type_string() }}) as raw_{{ attribute }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}

    from checked
    where {{ cross_db_array_length('rejection_reasons') }} > 0

)

select * from final
