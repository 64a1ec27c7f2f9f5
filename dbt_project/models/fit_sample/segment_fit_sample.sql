-- The customers the segment model is fitted on: a fixed-seed sample of at most var
-- fit_sample_size rows (all rows when fewer). Customers are ranked by a hash of their
-- id and var random_state, so the sample does not depend on the order of the file.
{%- set sample_size = segment_fit_sample_size() %}
{%- set random_state = var('random_state') %}
{%- set features = segment_features(ref('int_customer_features')) %}

with

features as (

    select * from {{ ref('int_customer_features') }}

),

population as (

    select count(*) as population_rows from features

),

keyed as (

    select
        features.customer_id,
        {%- for feature in features %}
            features.{{ feature }},
        {%- endfor %}
        {{ cross_db_sample_key('features.customer_id', random_state) }} as sample_key

    from features

),

final as (

    select
        keyed.*,
        population.population_rows

    from keyed
    cross join population
    order by keyed.sample_key, keyed.customer_id
    {%- if sample_size is not none %}
        limit {{ sample_size }}
    {%- endif %}

)

select * from final
