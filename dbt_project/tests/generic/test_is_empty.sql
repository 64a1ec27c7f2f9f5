{#-
    Fails (or warns, with severity: warn) when the model has any row at all.
    Meant for quarantine-style tables whose rows each need a human's attention.
-#}
{% test is_empty(model) %}

select *
from {{ model }}

{% endtest %}
