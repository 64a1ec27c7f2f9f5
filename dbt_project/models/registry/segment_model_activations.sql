-- Append-only log of every change of champion: the model version every build scores
-- with until the next change. A build adds a row when a fit becomes the champion
-- (the first fit, or var refit), when var promote names a version other than the
-- champion (promoting an older version is the rollback), or, once, to adopt the newest
-- version of a registry from before changes were recorded. Incremental, never fully
-- refreshed; on DuckDB a build's rows reach `main` only when the build is published.
{{
    config(
        materialized='incremental',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}
{%- set promote = bank_var('promote') %}

with

registry as (

    select * from {{ ref('segment_model_fit') }}

),

{% if is_incremental() -%}
logged as (

    select
        model_version,
        activation_number
    from {{ this }}

),
{%- else -%}
    logged as (

        select
            model_version,
            0 as activation_number
        from registry
        where 1 = 0

    ),
{%- endif %}

last_logged as (

    select coalesce(max(activation_number), 0) as activation_number from logged

),

-- event 0: the champion before this build (the start of the chain, never written)
champion_before as (

    select
        logged.model_version,
        cast(null as {{ dbt.type_string() }}) as activation_source,
        0 as event_order
    from logged
    inner join last_logged
        on logged.activation_number = last_logged.activation_number

),

-- event 1: a registry from before activations were recorded; its newest version
-- from before fit purposes were recorded (the one its builds scored with) becomes
-- the champion of record
adopted as (

    select
        model_version,
        'adopted' as activation_source,
        1 as event_order
    from registry
    where
        not exists (select 1 from logged)
        and version_number = (
            select max(earlier.version_number) from registry as earlier
            where earlier.fit_purpose is null
        )

),

-- event 2: a fit that makes the champion (first fit or refit) and is newer than the
-- champion and not yet logged: this build's fit on DuckDB; on Spark the newest
-- version file written by `bank-segments fit --target spark`
fitted as (

    select
        model_version,
        fit_purpose as activation_source,
        2 as event_order
    from registry
    where version_number = (
        select max(fit.version_number) from registry as fit
        where
            fit.fit_purpose in ('first fit', 'refit')
            and fit.model_version not in (select logged.model_version from logged)
            and fit.version_number > coalesce((
                select max(champion.version_number) from registry as champion
                inner join champion_before
                    on champion.model_version = champion_before.model_version
            ), 0)
    )

),

-- event 3: var promote (a version the on-run-start check found in the registry)
promoted as (

    select
        model_version,
        'promote' as activation_source,
        3 as event_order
    from registry
    {%- if promote is not none %}
        where model_version = {{ sql_text(promote) }}
    {%- else %}
        where 1 = 0
    {%- endif %}

),

events as (

    select * from champion_before
    union all
    select * from adopted
    union all
    select * from fitted
    union all
    select * from promoted

),

chained as (

    select
        model_version,
        activation_source,
        event_order,
        lag(model_version) over (order by event_order) as previous_version
    from events

),

final as (

    select
        -- ids
        cast(
            last_logged.activation_number
            + row_number() over (order by chained.event_order) as integer
        ) as activation_number,
        cast(chained.model_version as {{ dbt.type_string() }}) as model_version,
        cast(chained.previous_version as {{ dbt.type_string() }}) as previous_version,

        -- what made the change, when and in which dbt invocation
        cast(chained.activation_source as {{ dbt.type_string() }}) as activation_source,
        cast({{ cross_db_utc_now() }} as timestamp) as activated_at,
        cast('{{ invocation_id }}' as {{ dbt.type_string() }})
            as activated_by_invocation_id

    from chained
    cross join last_logged
    where
        chained.event_order > 0
        -- promoting the champion changes nothing and is not recorded
        and (
            chained.previous_version is null
            or chained.model_version != chained.previous_version
        )

)

select * from final
