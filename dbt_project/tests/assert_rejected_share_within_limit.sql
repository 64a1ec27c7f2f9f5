-- The build stops when more than var('max_rejected_share') of the input is quarantined:
-- at that point the file, not a few rows, needs fixing. The quarantine and its
-- per-reason summary are built first (this test reads both), so the refusal can point
-- at them; the error itself names the top three reasons with their counts and, when
-- most rows fail the same way, the likely cause (refused_file_message()).
{%- set max_share = bank_var('max_rejected_share') %}
{%- set summary = ref('stg_customers__rejected_summary') %}
{%- set rejected = ref('stg_customers__rejected') %}
{%- if execute %}
    {%- do refuse_file_when_rejected_share_exceeds(
        ref('stg_customers__checked'), rejected, summary, max_share
    ) %}
{%- endif %}

with

checked as (

    select * from {{ ref('stg_customers__checked') }}

),

rejected as (

    select * from {{ ref('stg_customers__rejected') }}

),

shares as (

    select
        (select count(*) from checked) as input_count,
        (select count(*) from rejected) as rejected_count

),

final as (

    select
        input_count,
        rejected_count,
        cast(rejected_count as double) / greatest(input_count, 1) as rejected_share

    from shares

)

select * from final
where rejected_share > {{ max_share }}
