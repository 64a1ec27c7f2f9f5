-- Pearson r and n for every pair of numeric features, raw and engineered.
-- All pairs are aggregated in one scan, then unpivoted to one row per pair.
{%- set features = customer_attributes()
    + ['spending_ratio', 'engagement_score', 'clv_proxy'] %}
{%- set pairs = [] %}
{%- for x in features %}
    {%- for y in features[loop.index:] %}
        {%- do pairs.append((x, y)) %}
    {%- endfor %}
{%- endfor %}

with

customer_features as (

    select * from {{ ref('int_customer_features') }}

),

aggregated as (

    select
        {%- for x, y in pairs %}
            corr({{ x }}, {{ y }}) as {{ adapter.quote(x ~ '|' ~ y ~ '__r') }},
            count({{ x }} + {{ y }}) as {{ adapter.quote(x ~ '|' ~ y ~ '__n') }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}

    from customer_features

),

-- SQL-standard UNPIVOT (DuckDB, Spark, Snowflake, BigQuery); like DuckDB's own
-- syntax it drops null values, so a constant feature's pair keeps only its n row
unpivoted as (

    select * from aggregated
    unpivot (
        statistic_value for statistic_key in (
            {%- for x, y in pairs %}
                {{ adapter.quote(x ~ '|' ~ y ~ '__r') }},
                {{ adapter.quote(x ~ '|' ~ y ~ '__n') }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        )
    )

),

split as (

    select
        {{ dbt.split_part(dbt.split_part('statistic_key', "'__'", 1), "'|'", 1) }}
            as feature_x,
        {{ dbt.split_part(dbt.split_part('statistic_key', "'__'", 1), "'|'", 2) }}
            as feature_y,
        {{ dbt.split_part('statistic_key', "'__'", 2) }} as statistic,
        statistic_value

    from unpivoted

),

pairs as (

    select
        feature_x,
        feature_y,
        max(case when statistic = 'r' then statistic_value end) as pearson_r,
        cast(
            max(case when statistic = 'n' then statistic_value end) as bigint
        ) as n

    from split
    group by 1, 2

),

final as (

    select
        feature_x,
        feature_y,
        -- a constant feature has no correlation: the engine's NaN becomes null (NaN
        -- sorts above every number, so it is never between -1 and 1)
        case
            when pearson_r between -1.000000001 and 1.000000001 then pearson_r
        end as pearson_r,
        coalesce(
            pearson_r between -1.000000001 and 1.000000001, false
        ) as is_defined,
        n

    from pairs

)

select * from final
