-- One row that says what the segmentation model is and how much to trust it.
with

k_selection as (

    select * from {{ ref('segment_k_selection') }}

),

scaler as (

    select * from {{ ref('segment_scaler') }}

),

customer_clusters as (

    select * from {{ ref('customer_clusters') }}

),

segment_personas as (

    select * from {{ ref('segment_personas') }}

),

chosen as (

    select * from k_selection
    where is_chosen

),

features_used as (

    select
        count(*) as feature_count,
        string_agg(feature, ', ' order by feature_index) as features

    from scaler

),

customers as (

    select count(*) as customers from customer_clusters

),

unnamed as (

    select count(*) filter (where not is_named) as unnamed_segments
    from segment_personas

),

final as (

    select
        -- model
        customers.customers,
        features_used.feature_count,
        features_used.features,
        chosen.k,
        chosen.k_selection_method,
        chosen.random_state,
        chosen.n_init,
        chosen.fit_sample_size,
        chosen.silhouette_sample_size,

        -- quality: the chosen K's silhouette and Kaufman & Rousseeuw's reading
        chosen.silhouette,
        chosen.structure_verdict,

        -- naming: clusters beyond the number of personas stay unnamed, and we say so
        unnamed.unnamed_segments,
        case
            when unnamed.unnamed_segments = 0 then 'every segment matches a persona'
            else
                unnamed.unnamed_segments
                || ' segment(s) have no persona: K is larger than the number of '
                || 'personas in the personas seed'
        end as unnamed_segments_note,

        -- lineage
        '{{ invocation_id }}' as dbt_invocation_id

    from chosen
    cross join features_used
    cross join customers
    cross join unnamed

)

select * from final
