{#-
    Fails unless the model has exactly one row for every combination of the distinct
    `row_column` values and the distinct `column_column` values it holds, i.e. no
    persona is missing a band (or a business area). Model-level:
    arguments: {row_column: persona_id, column_column: credit_risk_band}.
-#}
{% test marts_complete_grid(model, row_column, column_column) %}

    with

    observed as (

        select
            count(*) as row_count,
            count(distinct {{ row_column }}) as row_values,
            count(distinct {{ column_column }}) as column_values

        from {{ model }}

    ),

    failures as (

        select * from observed
        where row_count != row_values * column_values

    )

    select * from failures

{% endtest %}
