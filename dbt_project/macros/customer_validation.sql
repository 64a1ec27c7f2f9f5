{#-
    The validation rules, in one place. Each attribute has a type (integer columns
    must hold whole numbers) and an allowed range; `min_exclusive` marks a strict
    lower bound (income must be above zero). Change a rule here and the quarantine
    reasons and the stg_customers column types follow; the range check constraints in
    staging/_staging__models.yml restate these bounds (a contract cannot call a macro),
    and the contract makes the build fail if the two ever disagree.
-#}

{% macro customer_validation_rules() %}
    {{ return({
        'age': {'type': 'integer', 'min': 18, 'max': 100},
        'income': {'type': 'double', 'min': 0, 'min_exclusive': true},
        'credit_score': {'type': 'integer', 'min': 300, 'max': 850},
        'account_tenure': {'type': 'double', 'min': 0},
        'monthly_spending': {'type': 'double', 'min': 0},
        'transaction_frequency': {'type': 'double', 'min': 0},
        'avg_account_balance': {'type': 'double', 'min': 0},
        'num_products': {'type': 'integer', 'min': 1},
        'app_usage_score': {'type': 'double', 'min': 0, 'max': 10},
        'support_calls': {'type': 'integer', 'min': 0},
    }) }}
{% endmacro %}


{% macro rule_range_text(rule) %}
    {#- Human-readable range for a reason, e.g. "between 18 and 100" or "above 0". -#}
    {%- if rule.get('max') is not none and rule.get('min') is not none -%}
        {{ return('between ' ~ rule['min'] ~ ' and ' ~ rule['max']) }}
    {%- elif rule.get('min_exclusive') -%}
        {{ return('above ' ~ rule['min']) }}
    {%- else -%}
        {{ return('at least ' ~ rule['min']) }}
    {%- endif -%}
{% endmacro %}


{% macro rule_violation(attribute, rule, is_text=true) %}
    {#-
        A SQL case expression: null when `attribute` passes, else the reason text.
        Expects `<attribute>` (raw value: text, or a number from a typed file) and
        `<attribute>__number` (double or null).
    -#}
    {%- set number = attribute ~ '__number' -%}
    {%- set lower_op = '<=' if rule.get('min_exclusive') else '<' -%}
    case
        {%- if is_text %}
        when nullif(trim({{ attribute }}), '') is null
        {%- else %}
        when {{ attribute }} is null
        {%- endif %}
            then '{{ attribute }}: missing'
        when {{ number }} is null or not isfinite({{ number }})
            then '{{ attribute }}: not a number'
        {%- if rule['type'] == 'integer' %}
        when {{ number }} != round({{ number }})
            then '{{ attribute }}: not a whole number'
        {%- endif %}
        when {{ number }} {{ lower_op }} {{ rule['min'] }}
        {%- if rule.get('max') is not none %}
            or {{ number }} > {{ rule['max'] }}
        {%- endif %}
            then '{{ attribute }}: {{ rule_range_text(rule) }}'
    end
{% endmacro %}
