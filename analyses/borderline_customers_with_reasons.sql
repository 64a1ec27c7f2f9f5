-- A persona's customers closest to a border, and why they are in it.
-- Answers: which customers of this persona could tip into another segment with a
-- small change, which segment that would be, and what keeps them where they are?
-- is_low_confidence marks those under the var low_confidence_margin.
-- Use: `dbt compile --select analysis:borderline_customers_with_reasons`, then run the
-- compiled SQL read-only. Change `persona_id` for another persona; smallest squared
-- margin (closest to the border) first.
{%- set persona_id = 'growth_segment' %}
{%- set top_n = 100 %}

with

explanations as (

    select * from {{ ref('customer_segment_explanations') }}

),

final as (

    select
        row_number() over (order by squared_margin, customer_id) as border_rank,
        customer_id,
        persona_name,
        runner_up_persona_name,
        squared_margin,
        is_low_confidence,
        reason_1_text,
        reason_2_text,
        reason_3_text

    from explanations
    where persona_id = '{{ persona_id }}'

)

select * from final
where border_rank <= {{ top_n }}
order by border_rank
