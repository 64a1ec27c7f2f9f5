-- Nothing is lost in staging: every input row is either a valid customer or a
-- quarantined one, never both and never neither. Returns a row when the counts differ.
with

input_rows as (

    select count(*) as row_count from {{ ref('stg_customers__input') }}

),

valid_rows as (

    select count(*) as row_count from {{ ref('stg_customers') }}

),

rejected_rows as (

    select count(*) as row_count from {{ ref('stg_customers__rejected') }}

),

final as (

    select
        input_rows.row_count as input_count,
        valid_rows.row_count as valid_count,
        rejected_rows.row_count as rejected_count

    from input_rows
    cross join valid_rows
    cross join rejected_rows

)

select * from final
where input_count != valid_count + rejected_count
