-- One row per persona: how many customers it has and the mean and median of every
-- attribute and engineered feature over them, plus the shares of flagged customers.
{%- set measures = customer_attributes()
    + ['spending_ratio', 'engagement_score', 'clv_proxy'] %}
{%- set elevated_bands = var('elevated_credit_risk_bands') %}
{%- set elevated_bands_sql = "'" ~ elevated_bands | join("', '") ~ "'" %}

with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

final as (

    select
        persona_id,
        count(*) as customers,
        avg(case when is_low_confidence then 1 else 0 end) as low_confidence_share,
        avg(case when is_outlier then 1 else 0 end) as outlier_share,
        {%- for measure in measures %}
            {{ cross_db_exact_mean(measure) }} as mean_{{ measure }},
            median({{ measure }}) as median_{{ measure }},
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

)

select * from final
