-- One row per persona: how many customers it has and the mean and median of every
-- attribute and engineered feature over them, plus the shares of flagged customers.
--
-- The medians are exact in bounded memory. The engine's median holds every value of
-- its group until the query ends: thirteen of them hold thirteen columns of every
-- customer, more than the warehouse's memory limit at tens of millions of customers.
-- Here, per persona and measure: count its values into equal-width buckets between
-- its min and max; the buckets' running counts name the one or two buckets holding
-- the middle ranks ((n + 1) / 2 rounded down and up); only the distinct values in
-- those buckets are counted again, which names the value at each middle rank; the
-- median is the engine's own median of those two values (one value when n is odd),
-- so it equals the engine's median of all of them to the last bit.
--
-- The measures go through these steps in passes (cross_db_measures_per_pass), a pass's
-- measures together as one row per customer and measure: on DuckDB one measure a pass,
-- each scanning only its column again (cross_db_not_materialized: fanning one scan out
-- to every pass cost more); on Spark one pass for all thirteen.
{%- set measures = customer_attributes()
    + ['spending_ratio', 'engagement_score', 'clv_proxy'] %}
{%- set passes = cross_db_measures_per_pass(measures) %}
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
            min(cast({{ measure }} as double)) as lo_{{ measure }},
            max(cast({{ measure }} as double)) as hi_{{ measure }},
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
{%- for pass in passes %}
    {%- set numbers, as_doubles, counts, lows, highs = [], [], [], [], [] %}
    {#- a pass of one measure has one measure_number: no need to join on it #}
    {%- set by_measure = pass | length > 1 %}
    {#- this pass's CTEs: values, ranges, buckets, running counts, middle buckets,
        middle values, ranked middle values #}
    {%- set v, r, b, ru = 'values_' ~ loop.index, 'ranges_' ~ loop.index,
        'buckets_' ~ loop.index, 'running_' ~ loop.index %}
    {%- set m, mv, rk = 'middle_' ~ loop.index, 'middle_values_' ~ loop.index,
        'ranked_' ~ loop.index %}
    {%- for measure in pass %}
        {%- do numbers.append(measures.index(measure)) %}
        {%- do as_doubles.append('cast(' ~ measure ~ ' as double)') %}
        {%- do counts.append('n_' ~ measure) %}
        {%- do lows.append('lo_' ~ measure) %}
        {%- do highs.append('hi_' ~ measure) %}
    {%- endfor %}
    {%- set bucket_of -%}
        case
            when {{ r }}.hi > {{ r }}.lo
                then least(
                    cast(floor(
                        ({{ v }}.measure_value - {{ r }}.lo)
                        / ({{ r }}.hi - {{ r }}.lo)
                        * {{ buckets }}
                    ) as integer),
                    {{ buckets - 1 }}
                )
            else 0
        end
    {%- endset %}

    {{ v }} as {{ cross_db_not_materialized() }} (

        -- one row per customer and measure of the pass: its number (the position in
        -- `measures`) and its value as a double
        select
            persona_id,
            {{ cross_db_unpivot(
                'measure_number', numbers, {'measure_value': as_doubles}
            ) }}

        from customer_segments

    ),

    {{ r }} as (

        -- per persona and measure: how many values, the smallest and the largest
        select
            persona_id,
            {{ cross_db_unpivot('measure_number', numbers,
                {'n': counts, 'lo': lows, 'hi': highs}) }}

        from means

    ),

    {{ b }} as (

        select
            {{ v }}.persona_id,
            {{ v }}.measure_number,
            {{ bucket_of }} as bucket,
            count(*) as in_bucket

        from {{ v }}
        inner join {{ r }}
            on
                {{ v }}.persona_id = {{ r }}.persona_id
        {% if by_measure %}
                and {{ v }}.measure_number = {{ r }}.measure_number
        {% endif %}
        where {{ v }}.measure_value is not null
        group by 1, 2, 3

    ),

    {{ ru }} as (

        select
            {{ b }}.persona_id,
            {{ b }}.measure_number,
            {{ b }}.bucket,
            sum({{ b }}.in_bucket) over (
                partition by
                    {{ b }}.persona_id,
                    {{ b }}.measure_number
                order by {{ b }}.bucket
                rows between unbounded preceding and current row
            ) as up_to,
            cast(floor(({{ r }}.n + 1) / 2.0) as bigint) as low_rank,
            cast(ceil(({{ r }}.n + 1) / 2.0) as bigint) as high_rank

        from {{ b }}
        inner join {{ r }}
            on
                {{ b }}.persona_id = {{ r }}.persona_id
        {% if by_measure %}
                and {{ b }}.measure_number = {{ r }}.measure_number
        {% endif %}

    ),

    {{ m }} as (

        -- the bucket of each middle rank, and how many values come before the first
        select
            persona_id,
            measure_number,
            low_rank,
            high_rank,
            min(case when up_to >= low_rank then bucket end) as low_bucket,
            min(case when up_to >= high_rank then bucket end) as high_bucket,
            max(case when up_to < low_rank then up_to else 0 end) as before_low

        from {{ ru }}
        group by 1, 2, 3, 4

    ),

    {{ mv }} as (

        select
            {{ v }}.persona_id,
            {{ v }}.measure_number,
            {{ v }}.measure_value,
            count(*) as with_value

        from {{ v }}
        inner join {{ r }}
            on
                {{ v }}.persona_id = {{ r }}.persona_id
        {% if by_measure %}
                and {{ v }}.measure_number = {{ r }}.measure_number
        {% endif %}
        inner join {{ m }}
            on
                {{ v }}.persona_id = {{ m }}.persona_id
        {% if by_measure %}
                and {{ v }}.measure_number = {{ m }}.measure_number
        {% endif %}
        where
            {{ v }}.measure_value is not null
            and {{ bucket_of }}
            between {{ m }}.low_bucket and {{ m }}.high_bucket
        group by 1, 2, 3

    ),

    {{ rk }} as (

        select
            {{ mv }}.persona_id,
            {{ mv }}.measure_number,
            {{ mv }}.measure_value,
            {{ m }}.low_rank,
            {{ m }}.high_rank,
            {{ m }}.before_low
            + sum({{ mv }}.with_value) over (
                partition by
                    {{ mv }}.persona_id,
                    {{ mv }}.measure_number
                order by {{ mv }}.measure_value
                rows between unbounded preceding and current row
            ) as up_to,
            {{ mv }}.with_value

        from {{ mv }}
        inner join {{ m }}
            on
                {{ mv }}.persona_id = {{ m }}.persona_id
        {% if by_measure %}
                and {{ mv }}.measure_number = {{ m }}.measure_number
        {% endif %}

    ),
{%- endfor %}

middle_ranks as (

    -- the values at the middle ranks, of every measure
    {%- for pass in passes %}
        select
            persona_id,
            measure_number,
            measure_value
        from ranked_{{ loop.index }}
        where
            (up_to - with_value < low_rank and up_to >= low_rank)
            or (up_to - with_value < high_rank and up_to >= high_rank)
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

medians as (

    -- one row per persona, a column per measure
    select
        persona_id,
        {%- for measure in measures %}
            median(
                case when measure_number = {{ loop.index0 }} then measure_value end
            ) as median_{{ measure }},
        {%- endfor %}
        count(*) as middle_values

    from middle_ranks
    group by 1

),

final as (

    select
        means.persona_id,
        means.customers,
        means.low_confidence_share,
        means.outlier_share,
        {%- for measure in measures %}
            means.mean_{{ measure }},
            medians.median_{{ measure }},
        {%- endfor %}
        means.elevated_credit_risk_share,
        means.high_digital_adoption_share

    from means
    left join medians on means.persona_id = medians.persona_id

)

select * from final
