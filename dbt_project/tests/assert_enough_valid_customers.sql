-- A file with too few valid customers (header only, one row, a handful) stops here in
-- one line, before the segmentation models would fail deep inside scikit-learn.
-- Segmenting needs more customers than the largest candidate K.
{%- set k_max = [bank_var('k_max') or 8, bank_var('segment_count') or 0] | max %}
{%- set customers = ref('stg_customers') %}
{%- set rejected = ref('stg_customers__rejected') %}
{%- if execute %}
    {%- do refuse_too_few_customers(customers, rejected, k_max + 1) %}
{%- endif %}

select count(*) as valid_customers
from {{ ref('stg_customers') }}
having count(*) < {{ k_max + 1 }}
