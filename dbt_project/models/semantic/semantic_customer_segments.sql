-- customer_segments as the semantic layer reads it: one row per customer, with the
-- 0/1 flags its share metrics add up and the customer's weight in its day's base.
{%- set elevated_bands = bank_var('elevated_credit_risk_bands') %}

with

segments as (

    select * from {{ ref('customer_segments') }}

),

final as (

    select
        customer_id,
        persona_id,
        persona_name,
        credit_risk_band,
        digital_adoption_band,
        age_band,
        is_low_confidence,
        clv_proxy,
        as_of_date,
        model_version,
        case
            when credit_risk_band in (
                {%- for band in elevated_bands %}
                    '{{ band }}'{{ ',' if not loop.last }}
                {%- endfor %}
            ) then 1 else 0
        end as is_elevated_credit_risk,
        case when digital_adoption_band = 'High' then 1 else 0 end
            as is_high_digital_adoption,
        case when is_low_confidence then 1 else 0 end as is_low_confidence_flag,
        -- 1 / customers on the same as_of_date: summed over any slice it gives the
        -- slice's share of the whole base, whatever the slice is grouped by
        1.0 / count(*) over (partition by as_of_date) as customer_base_weight

    from segments

)

select * from final
