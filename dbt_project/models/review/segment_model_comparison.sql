-- One row per version under review while a candidate waits (none otherwise): the
-- champion and each candidate on the same current customers. Silhouette on the same
-- fixed-seed sample, adjusted Rand index and persona changes against the champion's
-- assignment, smallest segment share today, stability when fitted, drift of today's
-- customers since each was fitted, and a recommendation from stated thresholds:
-- promote when the candidate keeps every named persona of the champion, its smallest
-- segment holds at least var min_segment_share, and either its silhouette on the same
-- customers is higher by at least 0.01 or today's customers drifted significantly from
-- the champion's training data but not from the candidate's. An adjusted Rand index of
-- at least 0.9 reads as the same segments.
{%- set models = segment_review_models() %}
{%- set sample_size = bank_var('comparison_sample_size') %}
{%- set random_state = bank_var('random_state') %}
{%- set epsilon = bank_var('drift_psi_epsilon') %}
{%- set moderate_at = bank_var('drift_psi_moderate') %}
{%- set significant_at = bank_var('drift_psi_significant') %}
{%- set min_share = bank_var('min_segment_share') %}
{%- set same_segments_ari = 0.9 %}
{%- set min_silhouette_gain = 0.01 %}
{%- set champion = models[0].model_version if models else '' %}
{%- set drift_features = [] %}
{%- for model in models %}
    {%- for item in model.features if item.feature not in drift_features %}
        {%- do drift_features.append(item.feature) %}
    {%- endfor %}
{%- endfor %}

with

assignments as (

    select * from {{ ref('segment_review_assignments') }}

),

versions as (

    select * from {{ ref('segment_model_versions') }}

),

personas as (

    select * from {{ ref('segment_model_personas') }}

),

stability as (

    select * from {{ ref('segment_model_stability') }}

),

deciles as (

    select * from {{ ref('segment_model_feature_deciles') }}

),

features as (

    select * from {{ ref('int_customer_features') }}

),

reviewed as (

    select
        model_version,
        status,
        version_number,
        k,
        fitted_at,
        warm_started_from
    from versions
    {%- if models %}
        where model_version in (
            {%- for model in models -%}
                '{{ model.model_version }}'{% if not loop.last %}, {% endif %}
            {%- endfor -%}
        )
    {%- else %}
        where 1 = 0
    {%- endif %}

),

-- the same customers for every version: the first by the fit sample's key
sampled as (  -- noqa: ST03

    select * from features
    order by {{ cross_db_sample_key('customer_id', random_state) }}, customer_id
    limit {{ sample_size }}

),

{% for model in models -%}
sample_{{ loop.index }} as (

    {{ segment_review_assigned(model, 'sampled') }}

),

-- mean z-distance from each sampled customer to the others, per cluster
neighbours_{{ loop.index }} as (

    select
        own.customer_id,
        own.cluster_id as own_cluster,
        other.cluster_id as other_cluster,
        -- summed exactly: the same silhouette whatever order the pairs arrive in
        {{ cross_db_exact_mean(segment_review_distance(model, 'own', 'other')) }}
            as mean_distance
    from sample_{{ loop.index }} as own
    inner join sample_{{ loop.index }} as other
        on own.customer_id != other.customer_id
    group by own.customer_id, own.cluster_id, other.cluster_id

),

-- a: to its own cluster (absent for a cluster of one), b: to the nearest other one
silhouette_parts_{{ loop.index }} as (

    select
        customer_id,
        max(
            case when other_cluster = own_cluster then mean_distance end
        ) as a,
        min(
            case when other_cluster != own_cluster then mean_distance end
        ) as b
    from neighbours_{{ loop.index }}
    group by customer_id

),

silhouette_{{ loop.index }} as (

    select
        '{{ model.model_version }}' as model_version,
        count(*) as sample_customers,
        -- s = (b - a) / max(a, b); 0 for a cluster of one (as scikit-learn)
        {{ cross_db_exact_mean('s') }} as silhouette
    from (
        select
            case
                when b is null then null
                when a is null then 0.0e0
                else coalesce((b - a) / nullif(greatest(a, b), 0), 0.0e0)
            end as s
        from silhouette_parts_{{ loop.index }}
    ) as per_customer

),

{% endfor -%}
silhouettes as (

    {%- for model in models %}
        select * from silhouette_{{ loop.index }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- else %}
        select
            model_version,
            0 as sample_customers,
            cast(null as double) as silhouette
        from reviewed
    {%- endfor %}

),

cluster_sizes as (

    select
        model_version,
        cluster_id,
        count(*) as customers
    from assignments
    group by model_version, cluster_id

),

-- a cluster no customer falls in today makes the smallest share 0
version_sizes as (

    select
        reviewed.model_version,
        sum(cluster_sizes.customers) as customers,
        case
            when count(cluster_sizes.cluster_id) < max(reviewed.k) then 0.0e0
            else
                cast(min(cluster_sizes.customers) as double)
                / sum(cluster_sizes.customers)
        end as smallest_segment_share
    from reviewed
    left join cluster_sizes
        on reviewed.model_version = cluster_sizes.model_version
    group by reviewed.model_version

),

-- contingency of each version's clusters against the champion's, per customer
paired as (

    select
        reviewed_version.model_version,
        champion.cluster_id as champion_cluster,
        reviewed_version.cluster_id,
        cast(count(*) as double) as customers,
        sum(
            case
                when reviewed_version.persona_id = champion.persona_id then 0 else 1
            end
        ) as persona_changes
    from assignments as reviewed_version
    inner join assignments as champion
        on
            reviewed_version.customer_id = champion.customer_id
            and champion.model_version = '{{ champion }}'
    group by
        reviewed_version.model_version,
        champion.cluster_id,
        reviewed_version.cluster_id

),

champion_margins as (

    select
        model_version,
        sum(customers) as customers
    from paired
    group by model_version, champion_cluster

),

version_margins as (

    select
        model_version,
        sum(customers) as customers
    from paired
    group by model_version, cluster_id

),

champion_pairs as (

    select
        model_version,
        sum(customers * (customers - 1) / 2) as pairs
    from champion_margins
    group by model_version

),

version_pairs as (

    select
        model_version,
        sum(customers * (customers - 1) / 2) as pairs
    from version_margins
    group by model_version

),

-- adjusted Rand index (Hubert & Arabie): pairs counted within cells and margins
rand_terms as (

    select
        paired.model_version,
        sum(paired.customers * (paired.customers - 1) / 2) as index_pairs,
        sum(paired.customers) as customers,
        sum(paired.persona_changes) as persona_changes,
        max(champion_pairs.pairs) as champion_pairs,
        max(version_pairs.pairs) as version_pairs
    from paired
    inner join champion_pairs
        on paired.model_version = champion_pairs.model_version
    inner join version_pairs
        on paired.model_version = version_pairs.model_version
    group by paired.model_version

),

rand as (

    select
        model_version,
        persona_changes,
        customers,
        index_pairs,
        champion_pairs * version_pairs / nullif(customers * (customers - 1) / 2, 0)
            as expected_pairs,
        (champion_pairs + version_pairs) / 2 as max_pairs
    from rand_terms

),

stability_summary as (

    select
        model_version,
        avg(mean_jaccard) as mean_stability,
        min(mean_jaccard) as weakest_stability
    from stability
    group by model_version

),

named as (

    select
        model_version,
        persona_id
    from personas
    where is_named

),

-- the champion's named personas each version no longer has
personas_kept as (

    select
        reviewed.model_version,
        sum(
            case when version_named.persona_id is null then 1 else 0 end
        ) as personas_lost
    from reviewed
    inner join named as champion_named
        on champion_named.model_version = '{{ champion }}'
    left join named as version_named
        on
            reviewed.model_version = version_named.model_version
            and champion_named.persona_id = version_named.persona_id
    group by reviewed.model_version

),

persona_lists as (

    select
        model_version,
        {{ cross_db_string_agg('persona_name', "', '", 'persona_name') }}
            as named_personas
    from personas
    where is_named
    group by model_version

),

-- drift of today's customers since each version was fitted: PSI against its
-- training deciles, as segment_drift computes it for the active version
bin_edges as (  -- noqa: ST03

    select
        deciles.model_version,
        deciles.feature,
        {{ segment_decile_edge_columns('deciles.decile', 'deciles.upper_edge') }}
    from deciles
    inner join reviewed
        on deciles.model_version = reviewed.model_version
    group by deciles.model_version, deciles.feature

),

bin_counts as (

    {%- for feature in drift_features %}

        select
            bin_edges.model_version,
            bin_edges.feature,
            {{ segment_decile_case('features.' ~ feature, 'bin_edges') }} as decile,
            count(*) as customers
        from features
        inner join bin_edges
            on bin_edges.feature = '{{ feature }}'
        group by bin_edges.model_version, bin_edges.feature, decile
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- else %}
        select
            model_version,
            feature,
            decile,
            1 as customers
        from deciles
        where 1 = 0
    {%- endfor %}

),

feature_totals as (

    select
        model_version,
        feature,
        sum(customers) as customers
    from bin_counts
    group by model_version, feature

),

psi as (

    select
        feature_totals.model_version,
        feature_totals.feature,
        sum(
            (
                greatest(
                    cast(coalesce(bin_counts.customers, 0) as double)
                    / feature_totals.customers,
                    {{ epsilon }}
                )
                - greatest(deciles.training_share, {{ epsilon }})
            )
            * ln(
                greatest(
                    cast(coalesce(bin_counts.customers, 0) as double)
                    / feature_totals.customers,
                    {{ epsilon }}
                )
                / greatest(deciles.training_share, {{ epsilon }})
            )
        ) as psi
    from feature_totals
    inner join deciles
        on
            feature_totals.model_version = deciles.model_version
            and feature_totals.feature = deciles.feature
    left join bin_counts
        on
            feature_totals.model_version = bin_counts.model_version
            and feature_totals.feature = bin_counts.feature
            and deciles.decile = bin_counts.decile
    group by feature_totals.model_version, feature_totals.feature

),

drift_ranked as (

    select
        model_version,
        feature,
        psi,
        row_number() over (
            partition by model_version order by psi desc, feature asc
        ) as psi_rank
    from psi

),

drift as (

    select
        model_version,
        max(psi) as max_drift_psi,
        max(case when psi_rank = 1 then feature end) as most_drifted_feature,
        sum(case when psi >= {{ significant_at }} then 1 else 0 end)
            as significantly_drifted_features
    from drift_ranked
    group by model_version

),

measured as (

    select
        reviewed.model_version,
        reviewed.status,
        reviewed.version_number,
        reviewed.k,
        reviewed.fitted_at,
        reviewed.warm_started_from,
        version_sizes.customers,
        version_sizes.smallest_segment_share,
        silhouettes.sample_customers,
        silhouettes.silhouette,
        case
            when rand.max_pairs = rand.expected_pairs then 1.0e0
            else
                (rand.index_pairs - rand.expected_pairs)
                / (rand.max_pairs - rand.expected_pairs)
        end as adjusted_rand_index,
        cast(rand.persona_changes as double) / rand.customers as persona_change_share,
        stability_summary.mean_stability,
        stability_summary.weakest_stability,
        coalesce(personas_kept.personas_lost, 0) as personas_lost,
        persona_lists.named_personas,
        drift.max_drift_psi,
        drift.most_drifted_feature,
        drift.significantly_drifted_features,
        case
            when drift.max_drift_psi < {{ moderate_at }} then 'stable'
            when drift.max_drift_psi < {{ significant_at }} then 'moderate'
            else 'significant'
        end as drift_verdict
    from reviewed
    inner join version_sizes
        on reviewed.model_version = version_sizes.model_version
    inner join silhouettes
        on reviewed.model_version = silhouettes.model_version
    inner join rand
        on reviewed.model_version = rand.model_version
    left join stability_summary
        on reviewed.model_version = stability_summary.model_version
    left join personas_kept
        on reviewed.model_version = personas_kept.model_version
    left join persona_lists
        on reviewed.model_version = persona_lists.model_version
    left join drift
        on reviewed.model_version = drift.model_version

),

champion_measured as (

    select * from measured
    where status = 'champion'

),

compared as (

    select
        measured.*,
        measured.silhouette - champion.silhouette as silhouette_gain,
        champion.drift_verdict as champion_drift_verdict,
        measured.adjusted_rand_index >= {{ same_segments_ari }} as is_same_segments,
        measured.personas_lost = 0
        and measured.smallest_segment_share >= {{ min_share }} as keeps_meaning,
        champion.drift_verdict = 'significant'
        and measured.drift_verdict != 'significant' as fits_todays_customers_better
    from measured
    cross join champion_measured as champion

),

final as (

    select
        -- ids
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(status as {{ dbt.type_string() }}) as status,
        cast('{{ champion }}' as {{ dbt.type_string() }})
            as champion_version,
        cast(version_number as integer) as version_number,
        cast(fitted_at as timestamp) as fitted_at,
        cast(warm_started_from as {{ dbt.type_string() }}) as warm_started_from,

        -- the same customers under each version
        cast(k as integer) as k,
        cast(customers as bigint) as customers,
        cast(sample_customers as bigint) as sample_customers,
        cast(silhouette as double) as silhouette,
        cast(silhouette_gain as double) as silhouette_gain,
        cast(adjusted_rand_index as double) as adjusted_rand_index,
        cast(persona_change_share as double) as persona_change_share,
        cast(smallest_segment_share as double) as smallest_segment_share,
        cast(mean_stability as double) as mean_stability,
        cast(weakest_stability as double) as weakest_stability,
        cast(personas_lost as integer) as personas_lost,
        cast(named_personas as {{ dbt.type_string() }}) as named_personas,

        -- drift of today's customers since the version was fitted
        cast(max_drift_psi as double) as max_drift_psi,
        cast(most_drifted_feature as {{ dbt.type_string() }}) as most_drifted_feature,
        cast(significantly_drifted_features as integer)
            as significantly_drifted_features,
        cast(drift_verdict as {{ dbt.type_string() }}) as drift_verdict,

        -- verdicts
        cast(
            case when is_same_segments then 'same segments' else 'changed segments' end
            as {{ dbt.type_string() }}
        ) as segments_verdict,
        coalesce(
            not is_same_segments or champion_drift_verdict = 'significant', false
        ) as is_change_flagged,
        cast(
            case
                when status = 'champion' then null
                when
                    keeps_meaning
                    and (
                        silhouette_gain >= {{ min_silhouette_gain }}
                        or fits_todays_customers_better
                    )
                    then 'promote'
                else 'keep the champion'
            end as {{ dbt.type_string() }}
        ) as recommendation,
        cast(
            case
                when status = 'champion' then null
                when personas_lost > 0
                    then 'it loses named personas of the champion'
                when smallest_segment_share < {{ min_share }}
                    then
                        'its smallest segment holds less than min_segment_share of today''s customers'  -- noqa: LT05
                when silhouette_gain >= {{ min_silhouette_gain }}
                    then
                        'its silhouette on the same customers is higher by at least 0.01 and the champion''s personas keep their names'  -- noqa: LT05
                when fits_todays_customers_better
                    then
                        'today''s customers drifted significantly from the champion''s training data, not from the candidate''s'  -- noqa: LT05
                when is_same_segments
                    then
                        'it segments today''s customers as the champion does, and its silhouette is not higher by 0.01'  -- noqa: LT05
                else
                    'its silhouette on the same customers is not higher than the champion''s by 0.01'  -- noqa: LT05
            end as {{ dbt.type_string() }}
        ) as recommendation_reason

    from compared

)

select * from final
