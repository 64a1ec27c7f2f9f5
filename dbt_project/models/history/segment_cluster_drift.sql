-- One row per as-of date and segment: its share of customers and its customers' mean
-- distance to the centroid, against the same figures in the model's training sample.
-- A segment that grows, shrinks or spreads out says the fitted centroids no longer
-- describe the customers.
{{
    config(
        materialized='incremental',
        full_refresh=false,
        on_schema_change='append_new_columns',
        **cross_db_snapshot_config()
    )
}}

with

segments as (

    select * from {{ ref('customer_segments') }}

),

model_clusters as (

    select * from {{ ref('segment_model_clusters') }}

),

per_cluster as (

    select
        as_of_date,
        model_version,
        cluster_id,
        count(*) as customers,
        {{ cross_db_exact_mean('distance_to_centroid') }} as mean_distance

    from segments
    group by as_of_date, model_version, cluster_id

),

-- every segment of the model on every as-of date, also one nobody fell in
grid as (

    select distinct
        segments.as_of_date,
        model_clusters.model_version,
        model_clusters.cluster_id,
        model_clusters.training_share,
        model_clusters.mean_distance as training_mean_distance

    from segments
    inner join model_clusters
        on segments.model_version = model_clusters.model_version

),

counted as (

    select
        grid.as_of_date,
        grid.model_version,
        grid.cluster_id,
        grid.training_share,
        grid.training_mean_distance,
        per_cluster.mean_distance,
        coalesce(per_cluster.customers, 0) as customers

    from grid
    left join per_cluster
        on
            grid.as_of_date = per_cluster.as_of_date
            and grid.model_version = per_cluster.model_version
            and grid.cluster_id = per_cluster.cluster_id

),

shares as (

    select
        *,
        cast(customers as double)
        / sum(customers) over (partition by as_of_date) as customer_share

    from counted

),

final as (

    select
        -- keys
        as_of_date,
        model_version,
        cluster_id,

        -- measures: now against training
        customers,
        customer_share,
        training_share,
        customer_share - training_share as share_shift,
        mean_distance,
        training_mean_distance,
        mean_distance / nullif(training_mean_distance, 0) - 1 as distance_shift

    from shares

)

select * from final
