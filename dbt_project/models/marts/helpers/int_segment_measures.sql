-- One row per persona: how many customers it has and the mean and median of every
-- attribute and engineered feature over them, plus the shares of flagged customers.
--
-- The medians are exact in bounded memory. The engine's median holds every value of
-- its group until the query ends: thirteen of them hold thirteen columns of every
-- customer, more than the warehouse's memory limit at tens of millions of customers.
-- Here, per measure: count the persona's values into equal-width buckets between its
-- min and max; the buckets' running counts name the one or two buckets holding the
-- middle ranks ((n + 1) / 2 rounded down and up); only the distinct values in those
-- buckets are counted again, which names the value at each middle rank; the median
-- is the engine's own median of those two values (one value when n is odd), so it
-- equals the engine's median of all of them to the last bit. Each of those passes
-- scans the customers itself (cross_db_not_materialized): fanning one scan out to 27
-- readers cost more.
{%- set measures = customer_attributes()
    + ['spending_ratio', 'engagement_score', 'clv_proxy'] %}
{%- set elevated_bands = var('elevated_credit_risk_bands') %}
{%- set elevated_bands_sql = "'" ~ elevated_bands | join("', '") ~ "'" %}
{%- set buckets = 1024 %}

with

customer_segments as {{ cross_db_not_materialized() }} (

    select * from {{ ref('customer_segments') }}

),

means as (

    select
        persona_id,
        count(*) as customers,
        avg(case when is_low_confidence then 1 else 0 end) as low_confidence_share,
        avg(case when is_outlier then 1 else 0 end) as outlier_share,
        {%- for measure in measures %}
            {{ cross_db_exact_mean(measure) }} as mean_{{ measure }},
            count({{ measure }}) as n_{{ measure }},
            min({{ measure }}) as lo_{{ measure }},
            max({{ measure }}) as hi_{{ measure }},
        {%- endfor %}
        avg(
            case
                when credit_risk_band in ({{ elevated_bands_sql }}) then 1 else 0
            end
        ) as elevated_credit_risk_share,
        avg(
            case when digital_adoption_band = 'High' then 1 else 0 end
        ) as high_digital_adoption_share

    from customer_segments
    group by 1

),
{%- for measure in measures %}
    {%- set bucket_of -%}
        case
            when means.hi_{{ measure }} > means.lo_{{ measure }}
                then least(
                    cast(floor(
                        (cast(customer_segments.{{ measure }} as double)
                        - means.lo_{{ measure }})
                        / (means.hi_{{ measure }} - means.lo_{{ measure }})
                        * {{ buckets }}
                    ) as integer),
                    {{ buckets - 1 }}
                )
            else 0
        end
    {%- endset %}

    {{ measure }}_buckets as (

        select
            customer_segments.persona_id,
            {{ bucket_of }} as bucket,
            count(*) as in_bucket

        from customer_segments
        inner join means on customer_segments.persona_id = means.persona_id
        where customer_segments.{{ measure }} is not null
        group by 1, 2

    ),

    {{ measure }}_running as (

        select
            {{ measure }}_buckets.persona_id,
            {{ measure }}_buckets.bucket,
            sum({{ measure }}_buckets.in_bucket) over (
                partition by {{ measure }}_buckets.persona_id
                order by {{ measure }}_buckets.bucket
                rows between unbounded preceding and current row
            ) as up_to,
            cast(floor((means.n_{{ measure }} + 1) / 2.0) as bigint) as low_rank,
            cast(ceil((means.n_{{ measure }} + 1) / 2.0) as bigint) as high_rank

        from {{ measure }}_buckets
        inner join means on {{ measure }}_buckets.persona_id = means.persona_id

    ),

    {{ measure }}_middle as (

        -- the bucket of each middle rank, and how many values come before the first
        select
            persona_id,
            low_rank,
            high_rank,
            min(case when up_to >= low_rank then bucket end) as low_bucket,
            min(case when up_to >= high_rank then bucket end) as high_bucket,
            max(case when up_to < low_rank then up_to else 0 end) as before_low

        from {{ measure }}_running
        group by 1, 2, 3

    ),

    {{ measure }}_values as (

        select
            customer_segments.persona_id,
            customer_segments.{{ measure }} as measure_value,
            count(*) as with_value

        from customer_segments
        inner join means on customer_segments.persona_id = means.persona_id
        inner join {{ measure }}_middle
            on customer_segments.persona_id = {{ measure }}_middle.persona_id
        where
            customer_segments.{{ measure }} is not null
            and {{ bucket_of }} between {{ measure }}_middle.low_bucket
            and {{ measure }}_middle.high_bucket
        group by 1, 2

    ),

    {{ measure }}_ranked as (

        select
            {{ measure }}_values.persona_id,
            {{ measure }}_values.measure_value,
            {{ measure }}_middle.low_rank,
            {{ measure }}_middle.high_rank,
            {{ measure }}_middle.before_low
            + sum({{ measure }}_values.with_value) over (
                partition by {{ measure }}_values.persona_id
                order by {{ measure }}_values.measure_value
                rows between unbounded preceding and current row
            ) as up_to,
            {{ measure }}_values.with_value

        from {{ measure }}_values
        inner join {{ measure }}_middle
            on {{ measure }}_values.persona_id = {{ measure }}_middle.persona_id

    ),

    {{ measure }}_median as (

        select
            persona_id,
            median(measure_value) as median_{{ measure }}

        from {{ measure }}_ranked
        where
            (up_to - with_value < low_rank and up_to >= low_rank)
            or (up_to - with_value < high_rank and up_to >= high_rank)
        group by 1

    ),
{%- endfor %}

final as (

    select
        means.persona_id,
        means.customers,
        means.low_confidence_share,
        means.outlier_share,
        {%- for measure in measures %}
            means.mean_{{ measure }},
            {{ measure }}_median.median_{{ measure }},
        {%- endfor %}
        means.elevated_credit_risk_share,
        means.high_digital_adoption_share

    from
        means
    {%- for measure in measures %}
    left join {{ measure }}_median
        on means.persona_id = {{ measure }}_median.persona_id
    {%- endfor %}

)

select * from final
