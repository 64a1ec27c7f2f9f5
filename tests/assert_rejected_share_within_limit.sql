-- The build stops when more than var('max_rejected_share') of the input is
-- quarantined: at that point the file, not a few rows, needs fixing. Raising an error
-- makes dbt print the counts and the limit instead of a bare "got 1 result".
{%- set max_share = var('max_rejected_share', 0.05) %}

with

checked as (

    -- one row per input row (assert_customer_rows_accounted_for keeps that honest);
    -- a table, so the input file is not scanned again
    select * from {{ ref('stg_customers__checked') }}

),

counts as (

    select
        count(*) as input_count,
        count(
            case when {{ cross_db_array_length('rejection_reasons') }} > 0 then 1 end
        ) as rejected_count

    from checked

),

shares as (

    select
        input_count,
        rejected_count,
        rejected_count / greatest(input_count, 1) as rejected_share

    from counts

),

final as (

    select
        input_count,
        rejected_count,
        rejected_share

    from shares
    -- in the filter, not the select list: dbt wraps a test in count(*), which would
    -- prune an unused column and its error with it
    where
        rejected_share > {{ max_share }}
        and {{ cross_db_raise_error(cross_db_printf(
            "'%d of %d input rows (%.1f%%) were quarantined, above '
            || 'max_rejected_share = %s. See stg_customers__rejected for '
            || 'the reasons, fix the file, or raise the var.'",
            [
                'rejected_count',
                'input_count',
                '100 * rejected_share',
                "'" ~ max_share ~ "'",
            ],
        )) }} is null

)

select * from final
