-- One row per persona: how many customers it has and the mean and median of every
-- attribute and engineered feature over them, plus the shares of flagged customers.
-- A median holds every value of its group until the end; thirteen at once hold
-- thirteen columns of every customer, more than the warehouse's memory limit at tens
-- of millions of customers. So each median is its own aggregate over one column,
-- joined back by persona: the engine finishes one before it starts the next.
{%- set measures = customer_attributes()
    + ['spending_ratio', 'engagement_score', 'clv_proxy'] %}
{%- set elevated_bands = var('elevated_credit_risk_bands') %}
{%- set elevated_bands_sql = "'" ~ elevated_bands | join("', '") ~ "'" %}

with

customer_segments as (

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

    median_{{ measure }} as (

        select
            persona_id,
            median({{ measure }}) as median_{{ measure }}

        from customer_segments
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
            median_{{ measure }}.median_{{ measure }},
        {%- endfor %}
        means.elevated_credit_risk_share,
        means.high_digital_adoption_share

    from
        means
    {%- for measure in measures %}
    inner join median_{{ measure }}
        on means.persona_id = median_{{ measure }}.persona_id
    {%- endfor %}

)

select * from final
