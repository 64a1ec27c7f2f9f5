-- One row per persona with a varying feature: its three largest deviations from the
-- average customer in words ('income +1.8σ'), for labels and tooltips. The numbers
-- are in segment_feature_deviations.
with

deviations as (

    select * from {{ ref('segment_feature_deviations') }}

),

top_deviations as (

    select
        persona_id,
        deviation_rank,
        feature || ' ' || {{ cross_db_signed_decimal('z_deviation', 1) }} || 'σ'
            as feature_in_words

    from deviations
    where is_top_feature

),

final as (

    select
        persona_id,
        max(case when deviation_rank = 1 then feature_in_words end) as top_feature_1,
        max(case when deviation_rank = 2 then feature_in_words end) as top_feature_2,
        max(case when deviation_rank = 3 then feature_in_words end) as top_feature_3,
        {{ cross_db_string_agg('feature_in_words', "', '", 'deviation_rank') }}
            as distinguishing_features

    from top_deviations
    group by 1

)

select * from final
