{#-
    The segment model in SQL: portable building blocks behind adapter.dispatch (one
    name, a default__ and engine-specific implementations where engines differ), the
    fit-sample size check, and the active version's parameters for customer_scores.
-#}

{% macro segment_fit_sample_size() %}
    {#- var fit_sample_size as a whole number of rows, or none for all rows; its rule in
        project_var_rules() stops a bad value before anything runs. -#}
    {%- set size = bank_var('fit_sample_size') -%}
    {{ return(none if size is none else size | int) }}
{% endmacro %}


{% macro segment_scoring_parameters(versions, scaler, centroids, pca, version=none) %}
    {#-
        The active version's parameters (or those of `version`, a stored version id) as
        plain values, for customer_scores (and the review) to render as exact literals.
        Returns none when the registry does not exist yet (compile, docs or lint before
        the first build); a build or run then fails with a clear message instead of
        scoring with nothing.
    -#}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if load_relation(versions) is none -%}
        {%- if flags.WHICH in ['build', 'run'] -%}
            {{ exceptions.raise_compiler_error(
                "customer_scores: the model registry does not exist; build "
                ~ "segment_model_fit first (dbt build --select +customer_scores)") }}
        {%- endif -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set active = run_query(
        "select model_version, k from " ~ versions ~ (" where is_active" if version is none
        else " where model_version = " ~ sql_text(version))) -%}
    {%- if active.rows | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            "customer_scores: expected one active model version, found "
            ~ active.rows | length ~ " (is segment_model_fit built?)") }}
    {%- endif -%}
    {%- set version = active.rows[0][0] -%}
    {%- set where = " where model_version = '" ~ version ~ "'" -%}
    {%- set scaler_rows = run_query(
        "select feature, transform, mean, std from " ~ scaler ~ where
        ~ " order by feature_index") -%}
    {%- set centroid_rows = run_query(
        "select cluster_id, feature_index, centroid_z from " ~ centroids ~ where
        ~ " order by cluster_id, feature_index") -%}
    {%- set pca_rows = run_query(
        "select component, feature_index, loading, centre_z from " ~ pca ~ where
        ~ " order by component, feature_index") -%}
    {%- set d = scaler_rows.rows | length -%}
    {%- set k = active.rows[0][1] | int -%}
    {%- set result = {
        'model_version': version,
        'k': k,
        'features': [],
        'centroids': [],
        'components': [],
        'centre': [],
    } -%}
    {%- for row in scaler_rows.rows -%}
        {%- do result.features.append({
            'feature': row[0], 'log1p': row[1] == 'log1p', 'mean': row[2], 'std': row[3]
        }) -%}
    {%- endfor -%}
    {%- for cluster in range(k) -%}
        {%- do result.centroids.append([]) -%}
    {%- endfor -%}
    {%- for row in centroid_rows.rows -%}
        {%- do result.centroids[(row[0] | int) - 1].append(row[2]) -%}
    {%- endfor -%}
    {%- for component in range(2) -%}
        {%- do result.components.append([]) -%}
    {%- endfor -%}
    {%- for row in pca_rows.rows -%}
        {%- do result.components[(row[0] | int) - 1].append(row[2]) -%}
        {%- if row[0] | int == 1 -%}
            {%- do result.centre.append(row[3]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(result) }}
{% endmacro %}


{% macro segment_active_model() %}
    {#- The active version's parameters (segment_scoring_parameters on the registry), or,
        before any registry exists (compile / docs / lint), a placeholder of the same
        shape. The refs render here, so every model calling this depends on them. -#}
    {%- set model = segment_scoring_parameters(
        ref('segment_model_versions'),
        ref('segment_model_scaler'),
        ref('segment_model_centroids'),
        ref('segment_model_pca'),
    ) -%}
    {%- if model is none -%}
        {%- set model = {
            'model_version': 'none', 'k': 2,
            'features': [{'feature': 'age', 'log1p': false, 'mean': 0.0, 'std': 1.0}],
            'centroids': [[0.0], [1.0]], 'components': [[1.0], [0.0]], 'centre': [0.0],
        } -%}
    {%- endif -%}
    {{ return(model) }}
{% endmacro %}


{#-
    Column lists of customer_scores, rendered from the active version's parameters
    (segment_scoring_parameters). Each returns comma-separated select expressions.
-#}

{% macro segment_z_columns(model) %}
    {#- z_<j> = (t(x_j) - mean_j) / std_j per feature used; t = log1p or identity -#}
    {%- set columns = [] -%}
    {%- for f in model.features -%}
        {%- set x = 'cast(' ~ f.feature ~ ' as ' ~ cross_db_type_double() ~ ')' -%}
        {%- set t = cross_db_log1p(x) if f.log1p else x -%}
        {%- do columns.append('(' ~ t ~ ' - ' ~ cross_db_double(f.mean) ~ ') / '
            ~ cross_db_double(f.std) ~ ' as z_' ~ loop.index) -%}
    {%- endfor -%}
    {%- if not columns -%}
        {#- a model without features (identical customers): nothing to standardize -#}
        {%- do columns.append('0.0e0 as z_none') -%}
    {%- endif -%}
    {{ return(columns | join(',\n        ')) }}
{% endmacro %}


{% macro segment_squared_distance_columns(model) %}
    {#- d2_<c> = sum over features of (z_j - centroid_cj)^2, one column per cluster -#}
    {%- set columns = [] -%}
    {%- for centroid in model.centroids -%}
        {%- set terms = [] -%}
        {%- for value in centroid -%}
            {%- set diff = '(z_' ~ loop.index ~ ' - ' ~ cross_db_double(value) ~ ')' -%}
            {%- do terms.append(diff ~ ' * ' ~ diff) -%}
        {%- endfor -%}
        {%- do columns.append((terms | join('\n            + ') if terms else '0.0e0')
            ~ ' as d2_' ~ loop.index) -%}
    {%- endfor -%}
    {{ return(columns | join(',\n        ')) }}
{% endmacro %}


{% macro segment_nearest_columns(model) %}
    {#- own_d2 (smallest d2) and cluster_id (its cluster; the lowest on a tie) -#}
    {%- set squared = [] -%}
    {%- set cases = [] -%}
    {%- for cluster in range(1, model.k + 1) -%}
        {%- do squared.append('d2_' ~ cluster) -%}
    {%- endfor -%}
    {%- set own = cross_db_least(squared) -%}
    {%- for cluster in range(1, model.k + 1) -%}
        {%- do cases.append('when d2_' ~ cluster ~ ' = ' ~ own ~ ' then ' ~ cluster) -%}
    {%- endfor -%}
    {%- set nearest = 'case ' ~ cases | join(' ') ~ ' end as cluster_id' -%}
    {{ return(own ~ ' as own_d2,\n        ' ~ nearest) }}
{% endmacro %}


{% macro segment_second_nearest_column(model) %}
    {#- other_d2: the smallest d2 of the other clusters (null for one cluster) -#}
    {%- set others = [] -%}
    {%- for cluster in range(1, model.k + 1) -%}
        {%- do others.append('case when cluster_id = ' ~ cluster ~ ' then null else d2_'
            ~ cluster ~ ' end') -%}
    {%- endfor -%}
    {%- if model.k > 1 -%}
        {{ return(cross_db_least(others) ~ ' as other_d2') }}
    {%- else -%}
        {{ return('cast(null as ' ~ cross_db_type_double() ~ ') as other_d2') }}
    {%- endif -%}
{% endmacro %}


{% macro segment_pca_columns(model) %}
    {#- pca_1, pca_2: (z - centre) . loadings of each component -#}
    {%- set columns = [] -%}
    {%- for component in model.components -%}
        {%- set terms = [] -%}
        {%- for loading in component -%}
            {%- do terms.append('(z_' ~ loop.index ~ ' - '
                ~ cross_db_double(model.centre[loop.index0]) ~ ') * '
                ~ cross_db_double(loading)) -%}
        {%- endfor -%}
        {%- do columns.append((terms | join('\n            + ') if terms else '0.0e0')
            ~ ' as pca_' ~ loop.index) -%}
    {%- endfor -%}
    {{ return(columns | join(',\n        ')) }}
{% endmacro %}


{% macro segment_features(relation=none) %}
    {#- var segment_features (declared in dbt_project.yml), lower-cased; with a
        relation, names missing from it stop the build with one line listing what is
        available. -#}
    {%- set raw = var('segment_features') -%}
    {%- if raw is string -%}
        {%- set raw = raw.split(',') -%}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for name in raw -%}
        {%- do names.append(name | string | trim | lower) -%}
    {%- endfor -%}
    {%- if relation is not none and execute -%}
        {%- set available = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do available.append(column.name | lower) -%}
        {%- endfor -%}
        {%- set missing = names | reject('in', available) | list -%}
        {%- if available and missing -%}
            {{ exceptions.raise_compiler_error(
                "var segment_features names " ~ missing | join(', ')
                ~ ", which are not columns of int_customer_features (available: "
                ~ available | sort | join(', ') ~ ")") }}
        {%- endif -%}
    {%- endif -%}
    {{ return(names) }}
{% endmacro %}


{#-
    Column lists of customer_segment_explanations: why each customer is in its
    segment and not the runner-up's, from the active version's parameters (the
    reference is bank_segments.segment_model.explain). The squared margin
    d2(runner-up) - d2(own) splits into one exact term per feature j,
    (z_j - c_runner_up_j)^2 - (z_j - c_own_j)^2.
-#}

{% macro segment_centroid_case(model, cluster_column, feature_index) %}
    {#- the centroid coordinate of feature `feature_index` (0-based) of the cluster in
        `cluster_column`, as a CASE over the clusters -#}
    {%- set whens = [] -%}
    {%- for centroid in model.centroids -%}
        {%- do whens.append('when ' ~ loop.index ~ ' then '
            ~ cross_db_double(centroid[feature_index])) -%}
    {%- endfor -%}
    {{ return('case ' ~ cluster_column ~ ' ' ~ whens | join(' ') ~ ' end') }}
{% endmacro %}


{% macro segment_runner_up_columns(model) %}
    {#- own_d2 (of cluster_id), other_d2 and runner_up_cluster_id: the nearest other
        cluster, the lowest on an exact tie -#}
    {%- set owns = [] -%}
    {%- set cases = [] -%}
    {%- for cluster in range(1, model.k + 1) -%}
        {%- do owns.append('when ' ~ cluster ~ ' then d2_' ~ cluster) -%}
        {%- do cases.append('when cluster_id <> ' ~ cluster ~ ' and d2_' ~ cluster
            ~ ' = other_d2 then ' ~ cluster) -%}
    {%- endfor -%}
    {{ return('case cluster_id ' ~ owns | join(' ') ~ ' end as own_d2,\n        '
        ~ 'case ' ~ cases | join(' ') ~ ' end as runner_up_cluster_id') }}
{% endmacro %}


{% macro segment_centre_columns(model) %}
    {#- oc_<j> and rc_<j>: feature j's centroid coordinate of the own and of the runner-up
        cluster (computed once: the view's SQL must stay short, Spark's local metastore
        stores a view's text in a 32,700-character column) -#}
    {%- set columns = [] -%}
    {%- for f in model.features -%}
        {%- do columns.append(segment_centroid_case(model, 'cluster_id', loop.index0)
            ~ ' as oc_' ~ loop.index) -%}
        {%- do columns.append(segment_centroid_case(model, 'runner_up_cluster_id', loop.index0)
            ~ ' as rc_' ~ loop.index) -%}
    {%- endfor -%}
    {{ return(columns | join(',\n        ') if columns else '0 as no_centre') }}
{% endmacro %}


{% macro segment_contribution_columns(model, much) %}
    {#- p_<j>, feature j's exact share (z_j - rc_j)^2 - (z_j - oc_j)^2 of the squared
        margin, and w_<j>, how z_j differs from the runner-up's centre in words ("much"
        from `much` z-units on) -#}
    {%- set columns = [] -%}
    {%- for f in model.features -%}
        {%- set j = loop.index -%}
        {%- set gap = 'z_' ~ j ~ ' - rc_' ~ j -%}
        {%- do columns.append('(' ~ gap ~ ') * (' ~ gap ~ ') - (z_' ~ j ~ ' - oc_' ~ j
            ~ ') * (z_' ~ j ~ ' - oc_' ~ j ~ ') as p_' ~ j) -%}
        {%- do columns.append("case when " ~ gap ~ " >= " ~ much ~ " then 'much higher'"
            ~ " when " ~ gap ~ " > 0 then 'higher' when " ~ gap ~ " > -" ~ much
            ~ " then 'lower' else 'much lower' end as w_" ~ j) -%}
    {%- endfor -%}
    {{ return(columns | join(',\n        ') if columns else '0 as no_contribution') }}
{% endmacro %}


{% macro segment_reason_rank_columns(model) %}
    {#- r_<j>: the place of feature j by contribution, largest first, ties by name: one
        plus the features that beat it -#}
    {%- set columns = [] -%}
    {%- for f in model.features -%}
        {%- set j = loop.index -%}
        {%- set beaten = ['1'] -%}
        {%- for other in model.features -%}
            {%- if loop.index != j -%}
                {%- do beaten.append('cast(p_' ~ loop.index
                    ~ (' >= ' if other.feature < f.feature else ' > ') ~ 'p_' ~ j
                    ~ ' as integer)') -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do columns.append(beaten | join(' + ') ~ ' as r_' ~ j) -%}
    {%- endfor -%}
    {{ return(columns | join(',\n        ') if columns else '0 as no_rank') }}
{% endmacro %}


{% macro segment_contribution_sum_column(model) %}
    {#- contribution_sum: every feature's contribution added up (null without features) -#}
    {%- set terms = [] -%}
    {%- for f in model.features -%}
        {%- do terms.append('p_' ~ loop.index) -%}
    {%- endfor -%}
    {{ return('cast(' ~ (terms | join(' + ') if terms else 'null') ~ ' as '
        ~ cross_db_type_double() ~ ') as contribution_sum') }}
{% endmacro %}


{% macro segment_reason_columns(model, place) %}
    {#- reason_<place>_feature, _contribution and _words: the feature ranked `place`
        when its contribution is positive (a feature that pulls toward the runner-up is
        never a reason) -#}
    {%- set features = [] -%}
    {%- set contributions = [] -%}
    {%- set words = [] -%}
    {%- for f in model.features -%}
        {%- set when = 'when r_' ~ loop.index ~ ' = ' ~ place ~ ' and p_' ~ loop.index
            ~ ' > 0 then ' -%}
        {%- do features.append(when ~ "'" ~ f.feature ~ "'") -%}
        {%- do contributions.append(when ~ 'p_' ~ loop.index) -%}
        {%- do words.append(when ~ 'w_' ~ loop.index) -%}
    {%- endfor -%}
    {%- if not features -%}
        {#- a model without features: no reason -#}
        {%- do features.append('when false then null') -%}
        {%- do contributions.append('when false then null') -%}
        {%- do words.append('when false then null') -%}
    {%- endif -%}
    {%- set prefix = 'reason_' ~ place -%}
    {{ return('case ' ~ features | join(' ') ~ ' end as ' ~ prefix ~ '_feature,\n        '
        ~ 'case ' ~ contributions | join(' ') ~ ' end as ' ~ prefix ~ '_contribution,\n        '
        ~ 'case ' ~ words | join(' ') ~ ' end as ' ~ prefix ~ '_words') }}
{% endmacro %}


{#-
    Drift against a version's training deciles (segment_drift, and the review's
    drift since each version was fitted): the bins of a feature side by side, and the
    bin a value falls in.
-#}

{% macro segment_decile_edge_columns(decile_column, edge_column) %}
    {#- upper_edge_1 .. upper_edge_9: the upper edge of each training bin of a feature,
        one column each, from its decile rows (group by version and feature); bin d is
        (upper_edge_{d-1}, upper_edge_d] and the last bin is open -#}
    {%- set columns = [] -%}
    {%- for decile in range(1, segment_decile_bins()) -%}
        {%- do columns.append('max(case when ' ~ decile_column ~ ' = ' ~ decile ~ ' then '
            ~ edge_column ~ ' end) as upper_edge_' ~ decile) -%}
    {%- endfor -%}
    {{ return(columns | join(',\n        ')) }}
{% endmacro %}


{% macro segment_decile_case(value, edges) %}
    {#- The training bin (1 .. 10) of `value`, against the upper_edge_<d> columns of the
        relation alias `edges`: a CASE ladder, one pass, no range join -#}
    {%- set whens = [] -%}
    {%- for decile in range(1, segment_decile_bins()) -%}
        {%- do whens.append('when ' ~ edges ~ '.upper_edge_' ~ decile ~ ' is null or cast('
            ~ value ~ ' as double) <= ' ~ edges ~ '.upper_edge_' ~ decile ~ ' then ' ~ decile) -%}
    {%- endfor -%}
    {{ return('case ' ~ whens | join(' ') ~ ' else ' ~ segment_decile_bins() ~ ' end') }}
{% endmacro %}


{% macro segment_decile_bins() %}
    {#- At most ten bins: the training deciles' nine cut points (bank_segments/drift.py). -#}
    {{ return(10) }}
{% endmacro %}
