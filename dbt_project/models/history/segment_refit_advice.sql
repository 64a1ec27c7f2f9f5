-- One row: should the active model version be refitted? Read from the latest as-of
-- date it scored: a feature whose drift is significant (segment_drift), a segment whose
-- share of customers or mean distance to the centroid moved beyond its threshold
-- (segment_cluster_drift). segment_model_summary and the report show it.
{%- set share_shift_at = bank_var('drift_share_shift_significant') %}
{%- set distance_shift_at = bank_var('drift_distance_shift_significant') %}

with

versions as (

    select * from {{ ref('segment_model_versions') }}

),

active as (

    select * from versions
    where is_active

),

segment_drift as (

    select * from {{ ref('segment_drift') }}

),

segment_cluster_drift as (

    select * from {{ ref('segment_cluster_drift') }}

),

model_personas as (

    select * from {{ ref('segment_model_personas') }}

),

-- refit advice: the active version's drift on the latest as-of date it scored
latest_drift_date as (

    select max(segment_drift.as_of_date) as as_of_date
    from segment_drift
    inner join active
        on segment_drift.model_version = active.model_version

),

drift_reasons as (

    select
        1 as reason_group,
        segment_drift.psi as reason_weight,
        segment_drift.feature as reason_key,
        segment_drift.feature || ' PSI '
        || {{ cross_db_printf("'%.2f'", ['round(segment_drift.psi, 2)']) }}
        || ' significant' as reason

    from segment_drift
    inner join active
        on segment_drift.model_version = active.model_version
    inner join latest_drift_date
        on segment_drift.as_of_date = latest_drift_date.as_of_date
    where segment_drift.drift_verdict = 'significant'

),

latest_cluster_drift as (

    -- the active version's segments on that date, with their persona names
    select
        segment_cluster_drift.share_shift,
        segment_cluster_drift.distance_shift,
        model_personas.persona_name

    from segment_cluster_drift
    inner join active
        on segment_cluster_drift.model_version = active.model_version
    inner join latest_drift_date
        on segment_cluster_drift.as_of_date = latest_drift_date.as_of_date
    inner join model_personas
        on
            segment_cluster_drift.model_version = model_personas.model_version
            and segment_cluster_drift.cluster_id = model_personas.cluster_id

),

share_reasons as (

    select
        2 as reason_group,
        abs(share_shift) as reason_weight,
        persona_name as reason_key,
        persona_name || ' share '
        || {{ cross_db_signed_decimal('share_shift * 100', 1) }}
        || ' pp vs training' as reason

    from latest_cluster_drift
    where abs(share_shift) >= {{ share_shift_at }}

),

distance_reasons as (

    select
        3 as reason_group,
        distance_shift as reason_weight,
        persona_name as reason_key,
        persona_name || ' distance to centroid '
        || {{ cross_db_signed_decimal('distance_shift * 100', 0) }}
        || ' % vs training' as reason

    from latest_cluster_drift
    where distance_shift >= {{ distance_shift_at }}

),

reasons as (

    select * from drift_reasons
    union all
    select * from share_reasons
    union all
    select * from distance_reasons

),

ranked_reasons as (

    select
        reason,
        row_number() over (
            order by reason_group asc, reason_weight desc, reason_key asc
        ) as reason_order

    from reasons

),

advice as (

    select
        max(latest_drift_date.as_of_date) as drift_as_of_date,
        count(ranked_reasons.reason) as refit_reason_count,
        {{ cross_db_string_agg(
            'ranked_reasons.reason', "'; '", 'ranked_reasons.reason_order'
        ) }} as refit_reasons

    from latest_drift_date
    left join ranked_reasons on 1 = 1

),

final as (

    select
        active.model_version,
        advice.drift_as_of_date,
        advice.refit_reason_count,
        advice.refit_reason_count > 0 as refit_recommended,
        advice.refit_reasons

    from active
    cross join advice

)

select * from final
