-- One row per persona x business area: what the bank should do, from the editable
-- strategy_playbook seed. A segment without its own playbook rows (an unnamed
-- segment when K is larger than the persona count, or a persona nobody has written
-- a strategy for yet) gets the playbook's 'default' rows, which say to review it.
with

segment_profiles as (

    select * from {{ ref('segment_profiles') }}

),

playbook as (

    select * from {{ ref('strategy_playbook') }}

),

business_areas as (

    select distinct
        business_area,
        area_order

    from playbook

),

grid as (

    select
        {{ marts_persona_columns('segment_profiles') }},
        business_areas.business_area,
        business_areas.area_order

    from segment_profiles
    cross join business_areas

),

joined as (

    select
        grid.*,
        own.persona_id is null as is_default_playbook,
        coalesce(own.recommended_action, fallback.recommended_action)
            as recommended_action,
        coalesce(own.recommended_products, fallback.recommended_products)
            as recommended_products,
        coalesce(own.kpi_to_watch, fallback.kpi_to_watch) as kpi_to_watch

    from grid
    left join playbook as own
        on
            grid.persona_id = own.persona_id
            and grid.business_area = own.business_area
    left join playbook as fallback
        on
            fallback.persona_id = 'default'
            and grid.business_area = fallback.business_area

),

final as (

    select
        -- ids
        cast(persona_id as {{ dbt.type_string() }}) as persona_id,
        cast(persona_name as {{ dbt.type_string() }}) as persona_name,
        cast(display_order as integer) as display_order,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(business_area as {{ dbt.type_string() }}) as business_area,
        cast(area_order as integer) as area_order,

        -- the recommendation
        cast(recommended_action as {{ dbt.type_string() }}) as recommended_action,
        cast(recommended_products as {{ dbt.type_string() }}) as recommended_products,
        cast(kpi_to_watch as {{ dbt.type_string() }}) as kpi_to_watch,

        -- flags
        cast(is_default_playbook as boolean) as is_default_playbook

    from joined

)

-- a fixed row order: the table, and its Parquet export, are the same every build
select * from final
order by persona_id, business_area
