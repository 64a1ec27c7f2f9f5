-- Where today's customers would go if a candidate were promoted: one row per
-- candidate, champion persona and candidate persona, with the customers and their
-- share of all customers and of the champion persona. Empty while no candidate waits.
{%- set models = segment_review_models() %}
{%- set champion = models[0].model_version if models else '' %}

with

assignments as (

    select * from {{ ref('segment_review_assignments') }}

),

moves as (

    select
        candidate.model_version as candidate_version,
        champion.persona_id as champion_persona_id,
        champion.persona_name as champion_persona_name,
        candidate.persona_id as candidate_persona_id,
        candidate.persona_name as candidate_persona_name,
        count(*) as customers
    from assignments as candidate
    inner join assignments as champion
        on
            candidate.customer_id = champion.customer_id
            and champion.model_version = '{{ champion }}'
    where candidate.model_version != '{{ champion }}'
    group by
        candidate.model_version,
        champion.persona_id,
        champion.persona_name,
        candidate.persona_id,
        candidate.persona_name

),

final as (

    select
        -- ids
        cast(candidate_version as {{ dbt.type_string() }}) as candidate_version,
        cast('{{ champion }}' as {{ dbt.type_string() }})
            as champion_version,
        cast(champion_persona_id as {{ dbt.type_string() }}) as champion_persona_id,
        cast(champion_persona_name as {{ dbt.type_string() }}) as champion_persona_name,
        cast(candidate_persona_id as {{ dbt.type_string() }}) as candidate_persona_id,
        cast(candidate_persona_name as {{ dbt.type_string() }})
            as candidate_persona_name,

        -- measures
        cast(customers as bigint) as customers,
        cast(customers as double)
        / sum(customers) over (partition by candidate_version) as share_of_customers,
        cast(customers as double)
        / sum(customers) over (partition by candidate_version, champion_persona_id)
            as share_of_champion_persona,

        -- flags
        champion_persona_id != candidate_persona_id as is_persona_change

    from moves

)

select * from final
