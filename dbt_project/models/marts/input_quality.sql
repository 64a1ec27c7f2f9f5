-- One row: how many input rows the build read, how many passed validation and how
-- many were quarantined (stg_customers__rejected says why, row by row).
with

checked as (

    select * from {{ ref('stg_customers__checked') }}

),

valid as (

    select * from {{ ref('stg_customers') }}

),

rejected as (

    select * from {{ ref('stg_customers__rejected') }}

),

counts as (

    select
        (select count(*) from checked) as rows_read,
        (select count(*) from valid) as rows_valid,
        (select count(*) from rejected) as rows_quarantined

),

final as (

    select
        cast(rows_read as bigint) as rows_read,
        cast(rows_valid as bigint) as rows_valid,
        cast(rows_quarantined as bigint) as rows_quarantined,
        coalesce(
            cast(rows_quarantined as double) / nullif(rows_read, 0), 0.0
        ) as quarantined_share

    from counts

)

select * from final
