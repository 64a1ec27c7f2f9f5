-- One row per persona x model feature: how far the segment's centroid sits from the
-- average customer, in standard deviations (z-units of the model's scaler), and the
-- feature's rank by the size of that deviation. The numbers behind segment_profiles'
-- top_feature_1..3 ('income +1.8σ').
with

centroids as (

    select * from {{ ref('segment_centroids') }}

),

segment_personas as (

    select * from {{ ref('segment_personas') }}

),

ranked as (

    select
        segment_personas.persona_id,
        segment_personas.persona_name,
        centroids.model_version,
        centroids.cluster_id,
        centroids.feature_index,
        centroids.feature,
        centroids.centroid_z,
        centroids.centroid_value,
        row_number() over (
            partition by centroids.cluster_id
            order by abs(centroids.centroid_z) desc, centroids.feature_index
        ) as deviation_rank

    from centroids
    inner join segment_personas
        on centroids.cluster_id = segment_personas.cluster_id

),

final as (

    select
        -- ids
        cast(persona_id as {{ dbt.type_string() }}) as persona_id,
        cast(persona_name as {{ dbt.type_string() }}) as persona_name,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(cluster_id as integer) as cluster_id,
        cast(feature_index as integer) as feature_index,
        cast(feature as {{ dbt.type_string() }}) as feature,

        -- measures
        cast(centroid_z as double) as z_deviation,
        cast(centroid_value as double) as centroid_value,
        cast(deviation_rank as integer) as deviation_rank,
        cast(deviation_rank <= 3 as boolean) as is_top_feature

    from ranked

)

-- a fixed row order: the table, and its Parquet export, are the same every build
select * from final
order by persona_id, feature
