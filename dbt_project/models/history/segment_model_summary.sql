-- One row that says which model version labelled the customers, whether this build
-- fitted it or scored with it, what it is, how much to trust it, and whether the
-- customers have drifted far enough from its training sample to refit it.
with

versions as (

    select * from {{ ref('segment_model_versions') }}

),

customer_scores as (

    select * from {{ ref('customer_scores') }}

),

segment_personas as (

    select * from {{ ref('segment_personas') }}

),

refit_advice as (

    select * from {{ ref('segment_refit_advice') }}

),

active as (

    select * from versions
    where is_active

),


customers as (

    select
        count(*) as customers,
        sum(case when is_outlier then 1 else 0 end) as outlier_customers

    from customer_scores

),

unnamed as (

    select sum(case when is_named then 0 else 1 end) as unnamed_segments
    from segment_personas

),

final as (

    select
        -- the version that labelled the customers, and what this build did
        active.model_version,
        active.content_hash,
        active.fitted_at,
        case
            when active.fitted_by_invocation_id = '{{ invocation_id }}' then 'fitted'
            else 'scored'
        end as build_action,
        active.training_rows,
        active.fit_sample_rows,

        -- customers scored
        customers.customers,
        customers.outlier_customers,

        -- model
        {{ dbt.length('active.features_used') }} - {{ dbt.length(
            dbt.replace('active.features_used', "','", "''")) }}
        + case when active.features_used = '' then 0 else 1 end as feature_count,
        {{ dbt.replace('active.features_used', "','", "', '") }} as features,
        active.dropped_features,
        active.k,
        active.k_selection_method,
        active.random_state,
        active.n_init,
        active.fit_sample_size,
        active.k_selection_sample_size,
        active.silhouette_sample_size,
        active.min_segment_share,

        -- quality: the chosen K's silhouette and Kaufman & Rousseeuw's reading
        active.silhouette,
        active.structure_verdict,

        -- naming: clusters beyond the number of personas stay unnamed, and we say so
        unnamed.unnamed_segments,
        case
            when unnamed.unnamed_segments = 0 then 'every segment matches a persona'
            else
                unnamed.unnamed_segments
                || ' segment(s) have no persona: K is larger than the number of '
                || 'personas in the personas seed, or the data has no structure'
        end as unnamed_segments_note,

        -- refit advice from the latest as-of date's drift (segment_refit_advice)
        refit_advice.drift_as_of_date,
        refit_advice.refit_recommended,
        refit_advice.refit_reasons,

        -- lineage
        '{{ invocation_id }}' as dbt_invocation_id

    from active
    cross join customers
    cross join unnamed
    cross join refit_advice

)

select * from final
