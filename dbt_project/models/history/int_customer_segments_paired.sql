-- One row per customer and pair of consecutive as-of dates, with the customer's
-- segment on both dates; a customer missing on one side is 'new' or 'gone' there.
-- Shared by segment_migration and customer_segment_changes.
-- Incremental on to_as_of: a build pairs only the dates its load touched, so a
-- monthly run costs one pair however long the history grows. Loading date d changes
-- the pair ending at d and the pair starting at d (which ends at the next date): both
-- are keyed by their to_as_of, which delete+insert (Spark: insert_overwrite of the
-- partition) replaces; a backfill between a and b thus replaces (a, b) by (a, d) and
-- (d, b). The pairs are derived data: --full-refresh rebuilds them from the history.
-- depends_on: {{ ref('customer_segments') }}
{{
    config(
        materialized='incremental',
        **cross_db_snapshot_config('to_as_of')
    )
}}

with

history as (

    select * from {{ ref('customer_segment_history') }}

),
{%- if is_incremental() %}

-- the as-of dates of this build's load
loaded_dates as (

    select distinct as_of_date from {{ ref('customer_segments') }}

),
{%- endif %}

as_of_dates as (

    select distinct as_of_date from history

),

consecutive_dates as (

    select
        lag(as_of_date) over (order by as_of_date) as from_as_of,
        as_of_date as to_as_of

    from as_of_dates

),

date_pairs as (

    select * from consecutive_dates
    where from_as_of is not null
    {%- if is_incremental() %}
        and (
            to_as_of in (select loaded_dates.as_of_date from loaded_dates)
            or from_as_of in (select loaded_dates.as_of_date from loaded_dates)
        )
    {%- endif %}

),

from_side as (

    select
        date_pairs.from_as_of,
        date_pairs.to_as_of,
        history.customer_id,
        history.model_version,
        history.cluster_id,
        history.persona_id,
        history.persona_name,
        history.clv_proxy

    from date_pairs
    inner join history
        on date_pairs.from_as_of = history.as_of_date

),

to_side as (

    select
        date_pairs.from_as_of,
        date_pairs.to_as_of,
        history.customer_id,
        history.model_version,
        history.cluster_id,
        history.persona_id,
        history.persona_name,
        history.clv_proxy

    from date_pairs
    inner join history
        on date_pairs.to_as_of = history.as_of_date

),

final as (

    select
        -- keys
        coalesce(from_side.from_as_of, to_side.from_as_of) as from_as_of,
        coalesce(from_side.to_as_of, to_side.to_as_of) as to_as_of,
        coalesce(from_side.customer_id, to_side.customer_id) as customer_id,

        -- segment on each date ('new' / 'gone' where the customer is missing)
        coalesce(from_side.persona_id, 'new') as from_persona_id,
        coalesce(from_side.persona_name, 'new') as from_persona,
        coalesce(to_side.persona_id, 'gone') as to_persona_id,
        coalesce(to_side.persona_name, 'gone') as to_persona,
        from_side.cluster_id as from_cluster_id,
        to_side.cluster_id as to_cluster_id,
        from_side.model_version as from_model_version,
        to_side.model_version as to_model_version,

        -- measures
        from_side.clv_proxy as from_clv_proxy,
        to_side.clv_proxy as to_clv_proxy

    from from_side
    full outer join to_side
        on
            from_side.from_as_of = to_side.from_as_of
            and from_side.to_as_of = to_side.to_as_of
            and from_side.customer_id = to_side.customer_id

)

select * from final
