-- Every valid customer's score with the active segment model version: the scoring
-- columns of customer_segments, which computes them in SQL in one pass over the
-- features (see there). A view: a table would copy 13 columns of every customer that
-- customer_segments already holds.

with

segments as (

    select * from {{ ref('customer_segments') }}

),

final as (

    select
        -- ids
        customer_id,
        model_version,
        cluster_id,
        persona_id,
        persona_name,
        is_named_persona,

        -- how firmly the customer belongs (z-units)
        distance_to_centroid,
        distance_to_nearest_other,
        segment_margin,

        -- position on the 2-D PCA map
        pca_1,
        pca_2,

        -- flags
        is_low_confidence,
        is_outlier

    from segments

)

select * from final
