-- One row per customer whose persona differs between two consecutive as-of dates,
-- with both segments. Customers who appeared or disappeared are not changes (they are
-- the 'new' and 'gone' rows of segment_migration).

with

paired as (

    select * from {{ ref('int_customer_segments_paired') }}

),

final as (

    select
        -- keys
        from_as_of,
        to_as_of,
        customer_id,

        -- segments on both dates
        from_persona_id,
        from_persona,
        to_persona_id,
        to_persona,
        from_cluster_id,
        to_cluster_id,
        from_model_version,
        to_model_version,

        -- measures
        from_clv_proxy,
        to_clv_proxy,
        to_clv_proxy - from_clv_proxy as clv_change

    from paired
    where
        from_persona_id != 'new'
        and to_persona_id != 'gone'
        and from_persona_id != to_persona_id

)

select * from final
