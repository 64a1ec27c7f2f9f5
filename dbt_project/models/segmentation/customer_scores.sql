-- Every valid customer scored with the active segment model version, in SQL only:
-- the stored parameters are rendered as exact double literals (the way VerticaPy's
-- predict_sql turns centroids into an expression), so scoring runs wherever the
-- warehouse runs and no customer row passes through Python.
-- z = (t(x) - mean) / std, t = log1p or identity, without clipping: the clip bounds
-- only made the fit robust, and an extreme customer must stay far from every centroid.
{{ config(materialized='table') }}
{%- set model = segment_scoring_parameters(
    ref('segment_model_versions'),
    ref('segment_model_scaler'),
    ref('segment_model_centroids'),
    ref('segment_model_pca'),
) %}
{%- if model is none %}
    {#- no registry yet (compile / docs / lint): a placeholder of the same shape #}
    {%- set model = {
        'model_version': 'none', 'k': 2,
        'features': [{'feature': 'age', 'log1p': false, 'mean': 0.0, 'std': 1.0}],
        'centroids': [[0.0], [1.0]], 'components': [[1.0], [0.0]], 'centre': [0.0],
    } %}
{%- endif %}
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
        customer_id,
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
        projected.customer_id,
        cast('{{ model.model_version }}' as {{ dbt.type_string() }}) as model_version,
        cast(projected.cluster_id as integer) as cluster_id,
        personas.persona_id,
        personas.persona_name,
        personas.is_named as is_named_persona,

        -- how firmly the customer belongs (z-units)
        sqrt(projected.own_d2) as distance_to_centroid,
        sqrt(projected.other_d2) as distance_to_nearest_other,
        sqrt(projected.other_d2) - sqrt(projected.own_d2) as segment_margin,

        -- position on the 2-D PCA map
        projected.pca_1,
        projected.pca_2,

        -- flags
        coalesce(
            sqrt(projected.other_d2) - sqrt(projected.own_d2)
            < {{ low_confidence_margin }},
            false
        ) as is_low_confidence,
        sqrt(projected.own_d2) > clusters.distance_p99 as is_outlier

    from projected
    inner join clusters
        on projected.cluster_id = clusters.cluster_id
    inner join personas
        on projected.cluster_id = personas.cluster_id

)

select * from final
