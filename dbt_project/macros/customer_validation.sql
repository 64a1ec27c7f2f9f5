{#-
    The validation rules, in one place. Rules are about meaning, not storage type:

    - `whole`: the attribute counts discrete things (products, support calls), so a
      fractional value cannot be true; 3.0 is whole. Every other attribute may be
      fractional (credit scores from scoring models, ages from date arithmetic) and is
      kept exactly as given.
    - `min` / `max` (`min_exclusive` for a strict lower bound): the attribute's defined
      range. The range check constraints in staging/_staging__models.yml restate
      these bounds (a contract cannot call a macro), and the contract makes the build
      fail if the two ever disagree.
    - `plausible`: [low, high] outside which a finite value is absurd for a bank
      customer (an income of 1e308 or 1e-320, a balance beyond any bank's). Such
      values are quarantined with their own reason instead of breaking a later test or
      the scaler. Override per attribute with the var `plausibility_bounds`, e.g.
      --vars '{plausibility_bounds: {income: [1, 50000000000]}}'.
-#}

{% macro customer_validation_rules() %}
    {%- set rules = {
        'age': {'whole': false, 'min': 18, 'max': 100},
        'income': {'whole': false, 'min': 0, 'min_exclusive': true,
                   'plausible': [1, 1000000000]},
        'credit_score': {'whole': false, 'min': 300, 'max': 850},
        'account_tenure': {'whole': false, 'min': 0, 'plausible': [0, 100]},
        'monthly_spending': {'whole': false, 'min': 0, 'plausible': [0, 100000000]},
        'transaction_frequency': {'whole': false, 'min': 0, 'plausible': [0, 100000]},
        'avg_account_balance': {'whole': false, 'min': 0,
                                'plausible': [0, 10000000000]},
        'num_products': {'whole': true, 'min': 1, 'plausible': [1, 1000]},
        'app_usage_score': {'whole': false, 'min': 0, 'max': 10},
        'support_calls': {'whole': true, 'min': 0, 'plausible': [0, 100000]},
    } -%}
    {%- set overrides = bank_var('plausibility_bounds') or {} -%}
    {%- for attribute, bounds in overrides.items() -%}
        {%- do rules[attribute].update({'plausible': [bounds[0], bounds[1]]}) -%}
    {%- endfor -%}
    {{ return(rules) }}
{% endmacro %}


{% macro customer_column_type(attribute) %}
    {#- stg_customers' type: integer for counts of discrete things, else double. -#}
    {{ return('integer' if customer_validation_rules()[attribute]['whole'] else 'double') }}
{% endmacro %}


{% macro format_bound(value) %}
    {#- A bound as SQL and reason text: 18, 0.5, 1000000000 (never 1e9 or 18.0). -#}
    {%- if value == (value | int) -%}
        {{ return(value | int | string) }}
    {%- else -%}
        {{ return(value | float | string) }}
    {%- endif -%}
{% endmacro %}


{% macro rule_range_text(rule) %}
    {#- Human-readable range for a reason, e.g. "between 18 and 100" or "above 0". -#}
    {%- if rule.get('max') is not none and rule.get('min') is not none -%}
        {{ return('between ' ~ format_bound(rule['min']) ~ ' and ' ~ format_bound(rule['max'])) }}
    {%- elif rule.get('min_exclusive') -%}
        {{ return('above ' ~ format_bound(rule['min'])) }}
    {%- else -%}
        {{ return('at least ' ~ format_bound(rule['min'])) }}
    {%- endif -%}
{% endmacro %}


{% macro customer_missing_markers() %}
    {#- What exports write for "no value" besides an empty field (lower case): R's and
        pandas' NA and NaN, SQL tools' NULL, Excel's #N/A, SAS's single dot. A text
        value that is one of them is missing, not "not a number". -#}
    {{ return(['na', 'n/a', '#n/a', 'null', 'none', 'nan', '.']) }}
{% endmacro %}


{% macro rule_violation(attribute, rule, is_text=true) %}
    {#-
        A SQL case expression: null when `attribute` passes, else the reason text.
        Expects `<attribute>` (raw value: text, or a number from a typed file) and
        `<attribute>__number` (double or null). Every bound is rendered from the
        validated rules (numbers), never from var text.
    -#}
    {%- set number = attribute ~ '__number' -%}
    {%- set lower_op = '<=' if rule.get('min_exclusive') else '<' -%}
    case
        {%- if is_text %}
        when nullif({{ cross_db_trim(attribute) }}, '') is null
            or lower({{ cross_db_trim(attribute) }}) in (
                {%- for marker in customer_missing_markers() -%}
                    '{{ marker }}'{{ ', ' if not loop.last }}
                {%- endfor -%}
            )
        {%- else %}
        when {{ attribute }} is null
        {%- endif %}
            then '{{ attribute }}: missing'
        when {{ number }} is null or not {{ cross_db_is_finite(number) }}
            then '{{ attribute }}: not a number'
        {%- if rule['whole'] %}
        when {{ number }} != floor({{ number }})
            then '{{ attribute }}: not a whole number'
        {%- endif %}
        when {{ number }} {{ lower_op }} {{ format_bound(rule['min']) }}
        {%- if rule.get('max') is not none %}
            or {{ number }} > {{ format_bound(rule['max']) }}
        {%- endif %}
            then '{{ attribute }}: {{ rule_range_text(rule) }}'
        {%- if rule.get('plausible') %}
        when {{ number }} < {{ format_bound(rule['plausible'][0]) }}
            or {{ number }} > {{ format_bound(rule['plausible'][1]) }}
            {%- set low = format_bound(rule['plausible'][0]) %}
            {%- set high = format_bound(rule['plausible'][1]) %}
            then '{{ attribute }}: implausible, outside {{ low }} to {{ high }}'
        {%- endif %}
    end
{% endmacro %}


{% macro customer_date_formats() %}
    {#- The as-of date formats a file may use besides ISO (2026-01-31, 2026-1-31, or a
        timestamp): strftime patterns with an example each. Day/month orders written
        with slashes (01/02/2026) are not among them: they are ambiguous. -#}
    {{ return([
        ('%Y%m%d', 'yyyyMMdd', '20260131'),
        ('%d.%m.%Y', 'd.M.yyyy', '31.01.2026'),
        ('%b %d, %Y', 'MMM d, yyyy', 'Jan 31, 2026'),
        ('%B %d, %Y', 'MMMM d, yyyy', 'January 31, 2026'),
        ('%d %b %Y', 'd MMM yyyy', '31 Jan 2026'),
        ('%d %B %Y', 'd MMMM yyyy', '31 January 2026'),
    ]) }}
{% endmacro %}
