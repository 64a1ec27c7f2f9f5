{#-
    Groups of `group_by` whose `share_column` does not sum to 1 (within `tolerance`).
    Model-level: arguments: {group_by: persona_id, share_column: share_within_persona}.
    Leave group_by out to check the whole table sums to 1.
-#}
{% test marts_shares_sum_to_one(
    model, share_column, group_by=none, tolerance=0.000001
) %}

    with

    totals as (

        select
            {%- if group_by %}
            {{ group_by }} as share_group,
            {%- endif %}
            sum({{ share_column }}) as share_total

        from {{ model }}
        {%- if group_by %}
        group by {{ group_by }}
        {%- endif %}

    ),

    failures as (

        select * from totals
        where share_total is null or abs(share_total - 1) > {{ tolerance }}

    )

    select * from failures

{% endtest %}
