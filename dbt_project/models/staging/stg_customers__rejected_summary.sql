-- One row per quarantine reason: how many rows, their share of the input and two
-- example rows with the offending raw value. Built even when the share test then
-- stops the build, so a refused file can always be inspected.
with

rejected as (

    select * from {{ ref('stg_customers__rejected') }}

),

input_rows as (

    select count(*) as input_count from {{ ref('stg_customers__checked') }}

),

reasons as (

    select
        source_row_number,
        customer_id,
        raw_as_of_date,
        {%- for attribute in customer_attributes() %}
            raw_{{ attribute }},
        {%- endfor %}
        {{ cross_db_explode('rejection_reasons') }} as reason

    from rejected

),

tagged as (

    select
        reason,
        source_row_number,
        -- the value the reason is about: reasons read '<column>: <rule>'
        case
            when reason like 'customer_id:%' then customer_id
            when reason like 'as_of_date:%' then raw_as_of_date
            {%- for attribute in customer_attributes() %}
                when reason like '{{ attribute }}:%' then raw_{{ attribute }}
            {%- endfor %}
        end as raw_value,
        row_number() over (
            partition by reason order by source_row_number
        ) as example_rank

    from reasons

),

final as (

    select
        tagged.reason,
        count(*) as rejected_rows,
        input_rows.input_count as input_rows,
        cast(count(*) as double) / input_rows.input_count as share_of_input,
        min(case when tagged.example_rank = 1 then tagged.source_row_number end)
            as example_1_source_row,
        min(case when tagged.example_rank = 1 then tagged.raw_value end)
            as example_1_raw_value,
        min(case when tagged.example_rank = 2 then tagged.source_row_number end)
            as example_2_source_row,
        min(case when tagged.example_rank = 2 then tagged.raw_value end)
            as example_2_raw_value

    from tagged
    cross join input_rows
    group by tagged.reason, input_rows.input_count

)

select * from final
