{#-
    Rows whose combination of `columns` is not unique (a composite key).
    Model-level: arguments: {columns: [persona_id, business_area]}.
-#}
{% test marts_unique_combination(model, columns) %}

    with

    counted as (

        select
            {{ columns | join(', ') }},
            count(*) as occurrences

        from {{ model }}
        group by {{ columns | join(', ') }}

    ),

    failures as (

        select * from counted
        where occurrences > 1

    )

    select * from failures

{% endtest %}
