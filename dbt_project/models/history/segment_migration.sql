-- One row per pair of consecutive as-of dates and (from persona, to persona): how many
-- customers made that move and the CLV they carried. Customers who appear are
-- from 'new', customers who disappear go to 'gone'.

with

paired as (

    select * from {{ ref('int_customer_segments_paired') }}

),

moves as (

    select
        from_as_of,
        to_as_of,
        from_persona_id,
        from_persona,
        to_persona_id,
        to_persona,
        count(*) as customers,
        sum(from_clv_proxy) as from_clv_proxy,
        sum(to_clv_proxy) as to_clv_proxy

    from paired
    group by
        from_as_of,
        to_as_of,
        from_persona_id,
        from_persona,
        to_persona_id,
        to_persona

),

final as (

    select
        -- keys
        from_as_of,
        to_as_of,
        from_persona_id,
        from_persona,
        to_persona_id,
        to_persona,

        -- measures: the share is of the customers in from_persona on from_as_of
        -- (of all new customers for from_persona_id = 'new')
        customers,
        cast(customers as double) / sum(customers) over (
            partition by from_as_of, to_as_of, from_persona_id
        ) as share_of_from,
        from_clv_proxy,
        to_clv_proxy,

        -- flags
        from_persona_id != to_persona_id as is_move

    from moves

)

select * from final
