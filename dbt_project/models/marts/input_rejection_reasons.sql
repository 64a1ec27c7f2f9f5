-- One row per quarantine reason: how many input rows gave it (a row can give more
-- than one) and their share of the input. No rows when nothing was quarantined.
with

rejected_summary as (

    select * from {{ ref('stg_customers__rejected_summary') }}

),

final as (

    select
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(rejected_rows as bigint) as rejected_rows,
        cast(share_of_input as double) as share_of_input

    from rejected_summary

)

-- a fixed row order: the table, and its Parquet export, are the same every build
select * from final
order by reason
