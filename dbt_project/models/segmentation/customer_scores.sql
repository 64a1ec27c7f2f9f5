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
    {#- registry not built yet (compile / docs / lint): a placeholder of the same shape #}
    {%- set model = {
        'model_version': 'none', 'k': 2,
        'features': [{'feature': 'age', 'log1p': false, 'mean': 0.0, 'std': 1.0}],
        'centroids': [[0.0], [1.0]], 'components': [[1.0], [0.0]], 'centre': [0.0],
    } %}
{%- endif %}
{%- set d = model.features | length %}
{%- set k = model.k %}
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
        customer_id{{ ',' if d > 0 }}
        {%- for f in model.features %}
            {%- set x = 'cast(' ~ f.feature ~ ' as ' ~ dbt.type_float() ~ ')' %}
            (
                {{ segment_log1p(x) if f.log1p else x }}
                - {{ segment_double(f.mean) }}
            ) / {{ segment_double(f.std) }} as z_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}

    from features

),

squared_distances as (

    select
        *,
        {%- for centroid in model.centroids %}
            {%- set terms = [] %}
            {%- for c in centroid %}
                {%- set diff = '(z_' ~ loop.index ~ ' - ' ~ segment_double(c) ~ ')' %}
                {%- do terms.append(diff ~ ' * ' ~ diff) %}
            {%- endfor %}
            {{ terms | join('\n            + ') if terms else '0.0e0' }}
            as d2_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}

    from standardized

),

nearest as (

    select
        *,
        {%- set squared = [] %}
        {%- for cluster in range(1, k + 1) %}
            {%- do squared.append('d2_' ~ cluster) %}
        {%- endfor %}
        {{ segment_least(squared) }} as own_d2

    from squared_distances

),

assigned as (

    select
        *,
        case
            {%- for cluster in range(1, k + 1) %}
                when d2_{{ cluster }} = own_d2 then {{ cluster }}
            {%- endfor %}
        end as cluster_id

    from nearest

),

second_nearest as (

    select
        *,
        {%- set others = [] %}
        {%- for cluster in range(1, k + 1) %}
            {%- do others.append(
                'case when cluster_id = ' ~ cluster ~ ' then null else d2_'
                ~ cluster ~ ' end') %}
        {%- endfor %}
        {{ segment_least(others) if k > 1 else 'cast(null as '
            ~ dbt.type_float() ~ ')' }} as other_d2

    from assigned

),

projected as (

    select
        *,
        {%- for component in model.components %}
            {%- set terms = [] %}
            {%- for loading in component %}
                {%- do terms.append('(z_' ~ loop.index ~ ' - '
                    ~ segment_double(model.centre[loop.index0]) ~ ') * '
                    ~ segment_double(loading)) %}
            {%- endfor %}
            {{ terms | join('\n            + ') if terms else '0.0e0' }}
            as pca_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}

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
