{#-
    Fails on every row where `expression` is not true (false or null).
    Used as a model-level test: arguments: {expression: "..."}.
-#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}
