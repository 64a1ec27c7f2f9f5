-- One row per persona (segment): size, feature means and medians, KPI levels and the
-- features that set it apart. Levels rank the segments against each other; see
-- marts_rank_level() for how ranks become Highest..Lowest.
{%- set measures = customer_attributes()
    + ['spending_ratio', 'engagement_score', 'clv_proxy'] %}
{%- set elevated_bands = var('elevated_credit_risk_bands') %}
{%- set elevated_bands_sql = "'" ~ elevated_bands | join("', '") ~ "'" %}

with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

flagged as (

    select
        *,
        credit_risk_band in ({{ elevated_bands_sql }}) as is_elevated_credit_risk

    from customer_segments

),

segment_personas as (

    select * from {{ ref('segment_personas') }}

),

persona_seed as (

    select * from {{ ref('personas') }}

),

centroids as (

    select * from {{ ref('segment_centroids') }}

),

base as (

    -- the whole customer base, the yardstick for the risk index
    select
        count(*) as customers,
        avg(
            case when is_elevated_credit_risk then 1 else 0 end
        ) as elevated_credit_risk_share,
        avg(support_calls) as mean_support_calls

    from flagged

),

segment_measures as (

    select
        persona_id,
        count(*) as customers,
        avg(case when is_low_confidence then 1 else 0 end) as low_confidence_share,
        avg(case when is_outlier then 1 else 0 end) as outlier_share,
        {%- for measure in measures %}
            avg({{ measure }}) as mean_{{ measure }},
            median({{ measure }}) as median_{{ measure }},
        {%- endfor %}
        avg(
            case when is_elevated_credit_risk then 1 else 0 end
        ) as elevated_credit_risk_share,
        avg(
            case when digital_adoption_band = 'High' then 1 else 0 end
        ) as high_digital_adoption_share

    from flagged
    group by 1

),

ranked_centroid_features as (

    select
        cluster_id,
        feature || ' ' || {{ cross_db_signed_decimal('centroid_z', 1) }} || 'σ'
            as feature_in_words,
        row_number() over (
            partition by cluster_id
            order by abs(centroid_z) desc, feature_index
        ) as feature_rank

    from centroids

),

top_centroid_features as (

    select * from ranked_centroid_features
    where feature_rank <= 3

),

distinguishing_features as (

    select
        cluster_id,
        max(case when feature_rank = 1 then feature_in_words end) as top_feature_1,
        max(case when feature_rank = 2 then feature_in_words end) as top_feature_2,
        max(case when feature_rank = 3 then feature_in_words end) as top_feature_3,
        {{ cross_db_string_agg('feature_in_words', "', '", 'feature_rank') }}
            as distinguishing_features

    from top_centroid_features
    group by 1

),

seed_size as (

    select max(display_order) as max_display_order from persona_seed

),

named as (

    select
        segment_personas.persona_id,
        segment_personas.persona_name,
        segment_personas.cluster_id,
        segment_personas.is_named as is_named_persona,
        segment_personas.match_score,
        segment_personas.model_version,
        -- unnamed segments sort after every persona in the seed, by cluster
        coalesce(
            persona_seed.display_order,
            seed_size.max_display_order + segment_personas.cluster_id
        ) as display_order

    from segment_personas
    left join persona_seed
        on segment_personas.persona_id = persona_seed.persona_id
    cross join seed_size

),

scored as (

    select
        named.*,
        -- every measure but the key, which is already in named
        segment_measures.customers,
        segment_measures.low_confidence_share,
        segment_measures.outlier_share,
        {%- for measure in measures %}
            segment_measures.mean_{{ measure }},
            segment_measures.median_{{ measure }},
        {%- endfor %}
        segment_measures.elevated_credit_risk_share,
        segment_measures.high_digital_adoption_share,
        segment_measures.customers / base.customers as share_of_customers,
        -- risk index: the mean of two ratios to the whole base (1.0 = base average):
        -- share of customers in elevated credit-risk bands, and support calls per
        -- customer. A base with no elevated band or no calls makes that ratio 1.
        0.5 * coalesce(
            segment_measures.elevated_credit_risk_share
            / nullif(base.elevated_credit_risk_share, 0),
            1.0
        )
        + 0.5 * coalesce(
            segment_measures.mean_support_calls
            / nullif(base.mean_support_calls, 0),
            1.0
        ) as risk_index,
        distinguishing_features.top_feature_1,
        distinguishing_features.top_feature_2,
        distinguishing_features.top_feature_3,
        distinguishing_features.distinguishing_features

    from named
    inner join segment_measures
        on named.persona_id = segment_measures.persona_id
    left join distinguishing_features
        on named.cluster_id = distinguishing_features.cluster_id
    cross join base

),

ranks as (

    select
        scored.*,
        count(*) over () as segment_count,
        rank() over (order by scored.mean_clv_proxy desc) as clv_rank,
        rank() over (order by scored.risk_index desc) as risk_rank,
        rank() over (
            order by scored.mean_app_usage_score desc
        ) as digital_adoption_rank

    from scored

),

final as (

    select
        -- ids
        cast(persona_id as {{ dbt.type_string() }}) as persona_id,
        cast(persona_name as {{ dbt.type_string() }}) as persona_name,
        cast(cluster_id as integer) as cluster_id,
        cast(is_named_persona as boolean) as is_named_persona,
        cast(display_order as integer) as display_order,
        cast(match_score as double) as match_score,
        cast(model_version as {{ dbt.type_string() }}) as model_version,

        -- size
        cast(customers as bigint) as customers,
        cast(share_of_customers as double) as share_of_customers,
        cast(low_confidence_share as double) as low_confidence_share,
        cast(outlier_share as double) as outlier_share,

        -- feature means and medians
        {%- for measure in measures %}
            cast(mean_{{ measure }} as double) as mean_{{ measure }},
            cast(median_{{ measure }} as double) as median_{{ measure }},
        {%- endfor %}

        -- customer lifetime value: the level ranks mean clv_proxy
        cast(mean_clv_proxy as double) as avg_clv,
        cast(clv_rank as integer) as clv_rank,
        cast(
            {{ marts_rank_level('clv_rank', 'segment_count') }}
            as {{ dbt.type_string() }}
        ) as clv_level,

        -- risk: the level ranks risk_index (highest index = highest risk)
        cast(elevated_credit_risk_share as double) as elevated_credit_risk_share,
        cast(risk_index as double) as risk_index,
        cast(risk_rank as integer) as risk_rank,
        cast(
            {{ marts_rank_level('risk_rank', 'segment_count') }}
            as {{ dbt.type_string() }}
        ) as risk_level,

        -- digital adoption: the level ranks mean app usage score
        cast(high_digital_adoption_share as double) as high_digital_adoption_share,
        cast(digital_adoption_rank as integer) as digital_adoption_rank,
        cast(
            {{ marts_rank_level('digital_adoption_rank', 'segment_count') }}
            as {{ dbt.type_string() }}
        ) as digital_adoption_level,

        -- what sets the segment apart: largest centroid z-scores, in words
        -- a one-segment model of identical customers has no feature that varies
        cast(
            coalesce(top_feature_1, 'none (no feature varies)')
            as {{ dbt.type_string() }}
        ) as top_feature_1,
        cast(top_feature_2 as {{ dbt.type_string() }}) as top_feature_2,
        cast(top_feature_3 as {{ dbt.type_string() }}) as top_feature_3,
        cast(
            coalesce(distinguishing_features, 'none (no feature varies)')
            as {{ dbt.type_string() }}
        ) as distinguishing_features

    from ranks

)

select * from final
