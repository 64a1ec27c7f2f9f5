{#-
    Fails when the model's row count differs from `compare_model`'s (optionally counting
    only `compare_where` rows there). Model-level:
    arguments: {compare_model: "ref('stg_customers')"}.
-#}
{% test marts_row_count_matches(model, compare_model, compare_where=none) %}

    with

    model_rows as (

        select count(*) as row_count from {{ model }}

    ),

    compare_rows as (

        select count(*) as row_count from {{ compare_model }}
        {%- if compare_where %}
        where {{ compare_where }}
        {%- endif %}

    ),

    failures as (

        select
            model_rows.row_count as model_row_count,
            compare_rows.row_count as compare_row_count

        from model_rows
        cross join compare_rows
        where model_rows.row_count != compare_rows.row_count

    )

    select * from failures

{% endtest %}
