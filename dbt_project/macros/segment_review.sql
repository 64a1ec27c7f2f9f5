{#-
    The review of candidate model versions (models/review/): which versions are under
    review, and each one's assignment of customers, rendered from its stored
    parameters with the same column macros as customer_segments, so a candidate's
    assignment here is the one a promotion would give.
-#}

{% macro segment_review_models() %}
    {#- The parameters (segment_scoring_parameters) of the champion followed by each
        candidate (status 'candidate' in segment_model_versions), oldest first; an empty
        list when no candidate waits, or before the registry exists. The refs render
        here, so every model calling this depends on them. -#}
    {%- set versions = ref('segment_model_versions') -%}
    {%- set scaler = ref('segment_model_scaler') -%}
    {%- set centroids = ref('segment_model_centroids') -%}
    {%- set pca = ref('segment_model_pca') -%}
    {%- if not execute or load_relation(versions) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set reviewed = run_query(
        "select model_version, status from " ~ versions
        ~ " where status in ('champion', 'candidate')"
        ~ " order by case when status = 'champion' then 0 else 1 end, version_number") -%}
    {%- set names = reviewed.columns[0].values() | list -%}
    {%- if names | length < 2 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set models = [] -%}
    {%- for name in names -%}
        {%- do models.append(segment_scoring_parameters(versions, scaler, centroids, pca,
            version=name)) -%}
    {%- endfor -%}
    {{ return(models) }}
{% endmacro %}


{% macro segment_review_assigned(model, relation) %}
    {#- A select of every column of `relation` (customers with the ten attributes and
        the engineered features) plus z_<j>, d2_<c>, own_d2 and cluster_id under
        `model`, as customer_segments computes them. -#}
    select
        *,
        {{ segment_nearest_columns(model) }}
    from (
        select
            *,
            {{ segment_squared_distance_columns(model) }}
        from (
            select
                *,
                {{ segment_z_columns(model) }}
            from {{ relation }}
        ) as standardized
    ) as squared_distances
{% endmacro %}


{% macro segment_review_distance(model, left, right) %}
    {#- Euclidean z-distance between rows `left` and `right` of one version's z_<j>. -#}
    {%- set terms = [] -%}
    {%- for feature in model.features -%}
        {%- set diff = '(' ~ left ~ '.z_' ~ loop.index ~ ' - ' ~ right ~ '.z_' ~ loop.index
            ~ ')' -%}
        {%- do terms.append(diff ~ ' * ' ~ diff) -%}
    {%- endfor -%}
    {{ return('sqrt(' ~ (terms | join(' + ') if terms else '0.0e0') ~ ')') }}
{% endmacro %}
