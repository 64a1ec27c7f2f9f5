-- A month in which a segment of the scoring model gets no customer stops here in one
-- line naming the segment and what to do, before the per-segment marts (one row per
-- segment) fail their row counts.
{%- set customers = ref('customer_segments') %}
{%- set personas = ref('segment_personas') %}
{%- if execute %}
    {%- do refuse_empty_segments(customers, personas) %}
{%- endif %}

select segment_personas.cluster_id
from {{ ref('segment_personas') }} as segment_personas
left join {{ ref('customer_segments') }} as customer_segments
    on segment_personas.cluster_id = customer_segments.cluster_id
group by segment_personas.cluster_id
having count(customer_segments.customer_id) = 0
