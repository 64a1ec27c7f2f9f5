-- One row per valid customer: its persona, its features and how firmly it belongs.
{%- set low_confidence_margin = var('low_confidence_margin') %}

with

features as (

    select * from {{ ref('int_customer_features') }}

),

clusters as (

    select * from {{ ref('customer_clusters') }}

),

personas as (

    select * from {{ ref('segment_personas') }}

),

final as (

    select
        -- ids
        cast(features.customer_id as varchar) as customer_id,
        cast(personas.persona_id as varchar) as persona_id,
        cast(personas.persona_name as varchar) as persona_name,
        cast(personas.is_named as boolean) as is_named_persona,
        cast(clusters.cluster_id as integer) as cluster_id,

        -- the ten attributes
        cast(features.age as integer) as age,
        cast(features.income as double) as income,
        cast(features.credit_score as integer) as credit_score,
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
        cast(features.credit_risk_band as varchar) as credit_risk_band,
        cast(features.digital_adoption_band as varchar) as digital_adoption_band,
        cast(features.age_band as varchar) as age_band,

        -- position on the 2-D PCA map
        cast(clusters.pca_1 as double) as pca_1,
        cast(clusters.pca_2 as double) as pca_2,

        -- how firmly the customer belongs: z-unit distances to its own and the
        -- nearest other centroid, and the gap between them
        cast(clusters.distance_to_centroid as double) as distance_to_centroid,
        cast(clusters.distance_to_nearest_other as double)
            as distance_to_nearest_other,
        cast(clusters.margin as double) as segment_margin,
        clusters.margin < {{ low_confidence_margin }} as is_low_confidence,

        -- the day the segments describe (the build date until the input carries one)
        cast(current_date as date) as as_of_date

    from features
    inner join clusters
        on features.customer_id = clusters.customer_id
    inner join personas
        on clusters.cluster_id = personas.cluster_id

)

select * from final
