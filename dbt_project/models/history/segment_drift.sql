-- One row per as-of date and feature: how far the scored customers have drifted from
-- the sample the active model was fitted on (PSI against the stored training deciles,
-- mean shift in training standard deviations, verdict). Reference implementation and
-- the meaning of every number: bank_segments/drift.py.
{{
    config(
        materialized='incremental',
        full_refresh=false,
        on_schema_change='append_new_columns',
        **cross_db_snapshot_config()
    )
}}
{#- the model's features (customer_segments carries each of them); the join to the
    deciles keeps those the scoring version was fitted on -#}
{%- set features = bank_var('segment_features') %}
{%- set passes = cross_db_measures_per_pass(features) %}
{%- set same_feature = [] %}
{%- set epsilon = bank_var('drift_psi_epsilon') %}
{%- set moderate_at = bank_var('drift_psi_moderate') %}
{%- set significant_at = bank_var('drift_psi_significant') %}

with

segments as (

    select * from {{ ref('customer_segments') }}

),

deciles as (

    select * from {{ ref('segment_model_feature_deciles') }}

),

-- one row per version and feature: the upper edges of its bins side by side (bin d
-- is (upper_edge_{d-1}, upper_edge_d]; the last bin's upper edge is null, open), and
-- the training moments (the same on every bin row of a feature)
bin_edges as (

    select
        model_version,
        feature,
        max(training_mean) as training_mean,
        max(training_std) as training_std,
        {{ segment_decile_edge_columns('decile', 'upper_edge') }}

    from deciles
    group by model_version, feature

),

{%- for pass in passes %}
    {%- set names, as_doubles = [], [] %}
    {#- a pass of one feature picks its bin edges by name, not by a join on a column
        that holds one value -#}
    {%- do same_feature.append(
        'feature_values_' ~ loop.index ~ '.feature = bin_edges.feature'
        if pass | length > 1 else "bin_edges.feature = '" ~ pass[0] ~ "'") %}
    {%- for feature in pass %}
        {%- do names.append("'" ~ feature ~ "'") %}
        {%- do as_doubles.append('cast(' ~ feature ~ ' as double)') %}
    {%- endfor %}

    -- one row per customer and feature of the pass (cross_db_measures_per_pass: one
    -- feature a pass on DuckDB, all of them in one pass on Spark)
    feature_values_{{ loop.index }} as (

        select
            as_of_date,
            model_version,
            {{ cross_db_unpivot('feature', names, {'feature_value': as_doubles}) }}

        from segments

    ),
{%- endfor %}

-- one row per as-of date, version, feature and bin: how many customers fall in it
-- and the sum of their values. Each feature is binned by a CASE ladder over its
-- edges: no range join.
bin_counts as (

    {%- for pass in passes %}

        select
            feature_values_{{ loop.index }}.as_of_date,
            feature_values_{{ loop.index }}.model_version,
            bin_edges.feature,
            {{ segment_decile_case(
                'feature_values_' ~ loop.index ~ '.feature_value', 'bin_edges'
            ) }} as decile,
            count(*) as customers,
            {{ cross_db_exact_sum(
                'feature_values_' ~ loop.index ~ '.feature_value'
            ) }} as value_sum

        from feature_values_{{ loop.index }}
        inner join bin_edges
            on
                feature_values_{{ loop.index }}.model_version = bin_edges.model_version
                and {{ same_feature[loop.index0] }}
        group by
            feature_values_{{ loop.index }}.as_of_date,
            feature_values_{{ loop.index }}.model_version,
            bin_edges.feature,
            decile
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}

),

feature_totals as (

    select
        as_of_date,
        model_version,
        feature,
        cast(sum(customers) as bigint) as customers,
        -- the bins' sums added exactly: the same mean whatever order they come in
        {{ cross_db_exact_sum('value_sum') }} / sum(customers) as mean_value

    from bin_counts
    group by as_of_date, model_version, feature

),

-- every training bin, also those the new customers left empty
bin_shares as (

    select
        feature_totals.as_of_date,
        feature_totals.model_version,
        feature_totals.feature,
        deciles.decile,
        -- both shares floored at epsilon so an empty bin does not divide by zero
        greatest(deciles.training_share, {{ epsilon }}) as expected_share,
        greatest(
            cast(coalesce(bin_counts.customers, 0) as double)
            / feature_totals.customers,
            {{ epsilon }}
        ) as actual_share

    from feature_totals
    inner join deciles
        on
            feature_totals.model_version = deciles.model_version
            and feature_totals.feature = deciles.feature
    left join bin_counts
        on
            feature_totals.as_of_date = bin_counts.as_of_date
            and feature_totals.model_version = bin_counts.model_version
            and feature_totals.feature = bin_counts.feature
            and deciles.decile = bin_counts.decile

),

-- the bins' terms added in bin order (a sum adds them in whatever order the engine's
-- threads finish, which changes the last bits from one build to the next)
psi as (

    select
        as_of_date,
        model_version,
        feature,
        {%- for decile in range(1, segment_decile_bins() + 1) %}
            coalesce(max(
                case
                    when decile = {{ decile }}
                        then
                            (actual_share - expected_share)
                            * ln(actual_share / expected_share)
                end
            ), 0){{ ' +' if not loop.last }}
        {%- endfor %}
            as psi

    from bin_shares
    group by as_of_date, model_version, feature

),

final as (

    select
        -- keys
        psi.as_of_date,
        psi.model_version,
        psi.feature,

        -- measures
        feature_totals.customers,
        psi.psi,
        feature_totals.mean_value,
        bin_edges.training_mean,
        (feature_totals.mean_value - bin_edges.training_mean)
        / nullif(bin_edges.training_std, 0) as mean_shift_sd,

        -- verdict
        case
            when psi.psi < {{ moderate_at }} then 'stable'
            when psi.psi < {{ significant_at }} then 'moderate'
            else 'significant'
        end as drift_verdict

    from psi
    inner join feature_totals
        on
            psi.as_of_date = feature_totals.as_of_date
            and psi.model_version = feature_totals.model_version
            and psi.feature = feature_totals.feature
    inner join bin_edges
        on
            psi.model_version = bin_edges.model_version
            and psi.feature = bin_edges.feature

)

select * from final
