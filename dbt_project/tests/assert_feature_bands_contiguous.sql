-- Bands of one type tile their range: each band starts where the previous one ends,
-- and only the top band is open-ended. A gap would leave customers without a band;
-- an overlap would duplicate them in int_customer_features.
with

bands as (

    select * from {{ ref('feature_bands') }}

),

ordered as (

    select
        band_type,
        band_name,
        lower_bound,
        upper_bound,
        lead(lower_bound) over (
            partition by band_type order by band_order
        ) as next_lower_bound

    from bands

),

final as (

    select * from ordered
    where
        next_lower_bound is distinct from upper_bound

)

select * from final
