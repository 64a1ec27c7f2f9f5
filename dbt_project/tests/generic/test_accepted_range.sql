{#- Rows whose value lies outside [min_value, max_value]; either bound may be omitted.
    Nulls pass: pair with not_null where a value is required. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}

    with

    checked as (

        select {{ column_name }} as value from {{ model }}

    ),

    failures as (

        select * from checked
        where
            false
            {%- if min_value is not none %}
                or value < {{ min_value }}
            {%- endif %}
            {%- if max_value is not none %}
                or value > {{ max_value }}
            {%- endif %}

    )

    select * from failures

{% endtest %}
