-- One row per day, the calendar MetricFlow joins metric_time to: from 2020 to five
-- years after the build.

with

days as (

    {{ cross_db_date_spine(
        "cast('2020-01-01' as date)",
        dbt.dateadd('year', 5, 'current_date')
    ) }}

),

final as (

    select cast(date_day as date) as date_day
    from days

)

select * from final
