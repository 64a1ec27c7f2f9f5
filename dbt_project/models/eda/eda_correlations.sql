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
            corr({{ x }}, {{ y }}) as "{{ x }}|{{ y }}__r",
            count({{ x }} + {{ y }}) as "{{ x }}|{{ y }}__n"
            {%- if not loop.last %},{% endif %}
        {%- endfor %}

    from customer_features

),

unpivoted as (

    unpivot aggregated
    on columns(*)
    into name statistic_key value statistic_value

),

split as (

    select
        split_part(split_part(statistic_key, '__', 1), '|', 1) as feature_x,
        split_part(split_part(statistic_key, '__', 1), '|', 2) as feature_y,
        split_part(statistic_key, '__', 2) as statistic,
        statistic_value

    from unpivoted

),

pairs as (

    select
        feature_x,
        feature_y,
        max(statistic_value) filter (where statistic = 'r') as pearson_r,
        cast(max(statistic_value) filter (where statistic = 'n') as bigint) as n

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
