-- One row per persona (segment): who it is, its size, feature means and medians, KPI
-- levels, the features that set it apart and its place on the customer map. Each
-- part is computed by its own model; this one joins them and fixes the types.
{%- set measures = customer_attributes()
    + ['spending_ratio', 'engagement_score', 'clv_proxy'] %}

with

segment_personas as (

    select * from {{ ref('segment_personas') }}

),

persona_seed as (

    select * from {{ ref('personas') }}

),

measures as (

    select * from {{ ref('int_segment_measures') }}

),

levels as (

    select * from {{ ref('int_segment_levels') }}

),

top_features as (

    select * from {{ ref('int_segment_top_features') }}

),

map_positions as (

    select * from {{ ref('int_segment_map_positions') }}

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
        persona_seed.description as persona_description,
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

final as (

    select
        -- ids
        cast(named.persona_id as {{ dbt.type_string() }}) as persona_id,
        cast(named.persona_name as {{ dbt.type_string() }}) as persona_name,
        cast(named.cluster_id as integer) as cluster_id,
        cast(named.is_named_persona as boolean) as is_named_persona,
        cast(named.display_order as integer) as display_order,
        cast(named.match_score as double) as match_score,
        cast(named.model_version as {{ dbt.type_string() }}) as model_version,

        -- size
        cast(measures.customers as bigint) as customers,
        cast(levels.share_of_customers as double) as share_of_customers,
        cast(measures.low_confidence_share as double) as low_confidence_share,
        cast(measures.outlier_share as double) as outlier_share,

        -- feature means and medians
        {%- for measure in measures %}
            cast(measures.mean_{{ measure }} as double) as mean_{{ measure }},
            cast(measures.median_{{ measure }} as double) as median_{{ measure }},
        {%- endfor %}

        -- customer lifetime value: the level ranks mean clv_proxy
        cast(measures.mean_clv_proxy as double) as avg_clv,
        cast(levels.clv_rank as integer) as clv_rank,
        cast(levels.clv_level as {{ dbt.type_string() }}) as clv_level,

        -- risk: the level ranks risk_index (highest index = highest risk)
        cast(
            measures.elevated_credit_risk_share as double
        ) as elevated_credit_risk_share,
        cast(levels.risk_index as double) as risk_index,
        cast(levels.risk_rank as integer) as risk_rank,
        cast(levels.risk_level as {{ dbt.type_string() }}) as risk_level,

        -- digital adoption: the level ranks mean app usage score
        cast(
            measures.high_digital_adoption_share as double
        ) as high_digital_adoption_share,
        cast(levels.digital_adoption_rank as integer) as digital_adoption_rank,
        cast(
            levels.digital_adoption_level as {{ dbt.type_string() }}
        ) as digital_adoption_level,

        -- what sets the segment apart: largest centroid z-scores, in words
        -- a one-segment model of identical customers has no feature that varies
        cast(
            coalesce(top_features.top_feature_1, 'none (no feature varies)')
            as {{ dbt.type_string() }}
        ) as top_feature_1,
        cast(top_features.top_feature_2 as {{ dbt.type_string() }}) as top_feature_2,
        cast(top_features.top_feature_3 as {{ dbt.type_string() }}) as top_feature_3,
        cast(
            coalesce(
                top_features.distinguishing_features, 'none (no feature varies)'
            )
            as {{ dbt.type_string() }}
        ) as distinguishing_features,

        -- for the report and BI tools: the seed's description, the map position
        cast(
            named.persona_description as {{ dbt.type_string() }}
        ) as persona_description,
        cast(map_positions.centroid_pca_1 as double) as centroid_pca_1,
        cast(map_positions.centroid_pca_2 as double) as centroid_pca_2

    from named
    inner join measures
        on named.persona_id = measures.persona_id
    inner join levels
        on named.persona_id = levels.persona_id
    left join top_features
        on named.persona_id = top_features.persona_id
    left join map_positions
        on named.persona_id = map_positions.persona_id

)

-- a fixed row order: the table, and its Parquet export, are the same every build
select * from final
order by display_order, persona_id
