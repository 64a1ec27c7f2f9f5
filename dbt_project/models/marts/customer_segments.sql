-- One row per valid customer: its persona, its features and how firmly it belongs.

with

features as (

    select * from {{ ref('int_customer_features') }}

),

scores as (

    select * from {{ ref('customer_scores') }}

),

final as (

    select
        -- ids
        cast(features.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(scores.persona_id as {{ dbt.type_string() }}) as persona_id,
        cast(scores.persona_name as {{ dbt.type_string() }}) as persona_name,
        cast(scores.is_named_persona as boolean) as is_named_persona,
        cast(scores.cluster_id as integer) as cluster_id,
        cast(scores.model_version as {{ dbt.type_string() }}) as model_version,

        -- the ten attributes
        cast(features.age as double) as age,
        cast(features.income as double) as income,
        cast(features.credit_score as double) as credit_score,
        cast(features.account_tenure as double) as account_tenure,
        cast(features.monthly_spending as double) as monthly_spending,
        cast(features.transaction_frequency as double) as transaction_frequency,
        cast(features.avg_account_balance as double) as avg_account_balance,
        cast(features.num_products as integer) as num_products,
        cast(features.app_usage_score as double) as app_usage_score,
        cast(features.support_calls as integer) as support_calls,

        -- engineered features and bands
        cast(features.spending_ratio as double) as spending_ratio,
        cast(features.engagement_score as double) as engagement_score,
        cast(features.clv_proxy as double) as clv_proxy,
        cast(features.credit_risk_band as {{ dbt.type_string() }}) as credit_risk_band,
        cast(features.digital_adoption_band as {{ dbt.type_string() }})
            as digital_adoption_band,
        cast(features.age_band as {{ dbt.type_string() }}) as age_band,

        -- position on the 2-D PCA map
        cast(scores.pca_1 as double) as pca_1,
        cast(scores.pca_2 as double) as pca_2,

        -- how firmly the customer belongs: z-unit distances to its own and the
        -- nearest other centroid, the gap between them, and the flags they raise
        cast(scores.distance_to_centroid as double) as distance_to_centroid,
        cast(scores.distance_to_nearest_other as double)
            as distance_to_nearest_other,
        cast(scores.segment_margin as double) as segment_margin,
        cast(scores.is_low_confidence as boolean) as is_low_confidence,
        cast(scores.is_outlier as boolean) as is_outlier,

        -- the day the segments describe (input column, var as_of_date or build date)
        cast(features.as_of_date as date) as as_of_date

    from features
    inner join scores
        on features.customer_id = scores.customer_id

)

select * from final
