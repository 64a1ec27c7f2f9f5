-- One row per valid customer: its features, scored with the active segment model
-- version in SQL only, in one pass over int_customer_features (no join of two
-- customer-sized tables): the stored parameters are rendered as exact double literals
-- (the way VerticaPy's predict_sql turns centroids into an expression), so scoring
-- runs wherever the warehouse runs and no customer row passes through Python.
-- z = (t(x) - mean) / std, t = log1p or identity, without clipping: the clip bounds
-- only made the fit robust, and an extreme customer must stay far from every centroid.
{%- set model = segment_active_model() %}
{%- set low_confidence_margin = var('low_confidence_margin') %}

with

features as (

    select * from {{ ref('int_customer_features') }}

),

clusters as (

    select * from {{ ref('segment_model_clusters') }}
    where model_version = '{{ model.model_version }}'

),

personas as (

    select * from {{ ref('segment_model_personas') }}
    where model_version = '{{ model.model_version }}'

),

standardized as (

    select
        *,
        {{ segment_z_columns(model) }}

    from features

),

squared_distances as (

    select
        *,
        {{ segment_squared_distance_columns(model) }}

    from standardized

),

assigned as (

    select
        *,
        {{ segment_nearest_columns(model) }}

    from squared_distances

),

second_nearest as (

    select
        *,
        {{ segment_second_nearest_column(model) }}

    from assigned

),

projected as (

    select
        *,
        {{ segment_pca_columns(model) }}

    from second_nearest

),

final as (

    select
        -- ids
        cast(projected.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(personas.persona_id as {{ dbt.type_string() }}) as persona_id,
        cast(personas.persona_name as {{ dbt.type_string() }}) as persona_name,
        cast(personas.is_named as boolean) as is_named_persona,
        cast(projected.cluster_id as integer) as cluster_id,
        cast('{{ model.model_version }}' as {{ dbt.type_string() }}) as model_version,

        -- the ten attributes
        cast(projected.age as double) as age,
        cast(projected.income as double) as income,
        cast(projected.credit_score as double) as credit_score,
        cast(projected.account_tenure as double) as account_tenure,
        cast(projected.monthly_spending as double) as monthly_spending,
        cast(projected.transaction_frequency as double) as transaction_frequency,
        cast(projected.avg_account_balance as double) as avg_account_balance,
        cast(projected.num_products as integer) as num_products,
        cast(projected.app_usage_score as double) as app_usage_score,
        cast(projected.support_calls as integer) as support_calls,

        -- engineered features and bands
        cast(projected.spending_ratio as double) as spending_ratio,
        cast(projected.engagement_score as double) as engagement_score,
        cast(projected.clv_proxy as double) as clv_proxy,
        cast(projected.credit_risk_band as {{ dbt.type_string() }}) as credit_risk_band,
        cast(projected.digital_adoption_band as {{ dbt.type_string() }})
            as digital_adoption_band,
        cast(projected.age_band as {{ dbt.type_string() }}) as age_band,

        -- position on the 2-D PCA map
        cast(projected.pca_1 as double) as pca_1,
        cast(projected.pca_2 as double) as pca_2,

        -- how firmly the customer belongs: z-unit distances to its own and the
        -- nearest other centroid, the gap between them, and the flags they raise
        cast(sqrt(projected.own_d2) as double) as distance_to_centroid,
        cast(sqrt(projected.other_d2) as double) as distance_to_nearest_other,
        cast(sqrt(projected.other_d2) - sqrt(projected.own_d2) as double)
            as segment_margin,
        coalesce(
            sqrt(projected.other_d2) - sqrt(projected.own_d2)
            < {{ low_confidence_margin }},
            false
        ) as is_low_confidence,
        sqrt(projected.own_d2) > clusters.distance_p99 as is_outlier,

        -- the day the segments describe (input column, var as_of_date or build date)
        cast(projected.as_of_date as date) as as_of_date

    from projected
    inner join clusters
        on projected.cluster_id = clusters.cluster_id
    inner join personas
        on projected.cluster_id = personas.cluster_id

)

select * from final
