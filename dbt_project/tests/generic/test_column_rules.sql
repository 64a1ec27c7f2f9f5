{#-
    The model's simple column rules in ONE scan: `not_null` columns, inclusive
    `ranges` ({column: {min_value, max_value}}, either bound optional) and
    `accepted_values` ({column: [values]}; strings are quoted, numbers and booleans
    are not). Nulls pass the range and value rules, as in dbt's own tests. Returns one
    row per broken rule: the column, the rule and how many rows break it; the failure
    count is the number of breaking rows. The rows are kept as a view in the audit
    schema (dbt prints its select under a failure), so a failed build names the columns.
-#}
{% test column_rules(model, not_null=[], ranges={}, accepted_values={}) %}
    {{ config(fail_calc='coalesce(sum(failing_rows), 0)', store_failures_as='view') }}
    {%- set rules = [] -%}
    {%- for column in not_null -%}
        {%- do rules.append((column, 'not null', column ~ ' is null')) -%}
    {%- endfor -%}
    {%- for column, bounds in ranges.items() -%}
        {%- set outside = [] -%}
        {%- if bounds.get('min_value') is not none -%}
            {%- do outside.append(column ~ ' < ' ~ bounds['min_value']) -%}
        {%- endif -%}
        {%- if bounds.get('max_value') is not none -%}
            {%- do outside.append(column ~ ' > ' ~ bounds['max_value']) -%}
        {%- endif -%}
        {%- if not outside -%}
            {{ exceptions.raise_compiler_error(
                'column_rules on ' ~ model ~ ': range of ' ~ column
                ~ ' needs min_value or max_value') }}
        {%- endif -%}
        {%- do rules.append((
            column,
            'between ' ~ bounds.get('min_value', '-inf') ~ ' and '
                ~ bounds.get('max_value', '+inf'),
            outside | join(' or '),
        )) -%}
    {%- endfor -%}
    {%- for column, values in accepted_values.items() -%}
        {%- set literals = [] -%}
        {%- for value in values -%}
            {%- if value is string -%}
                {%- do literals.append("'" ~ value | replace("'", "''") ~ "'") -%}
            {%- else -%}
                {%- do literals.append(value | string | lower) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do rules.append((
            column,
            'one of ' ~ values | join(', '),
            column ~ ' not in (' ~ literals | join(', ') ~ ')',
        )) -%}
    {%- endfor -%}
    {%- if not rules -%}
        {{ exceptions.raise_compiler_error(
            'column_rules on ' ~ model ~ ' has no rule: give not_null, ranges'
            ~ ' or accepted_values') }}
    {%- endif %}

    with

    counted as (

        select
            {%- for rule in rules %}
                sum(case when {{ rule[2] }} then 1 else 0 end) as rule_{{ loop.index }}
                {{- ',' if not loop.last }}
            {%- endfor %}

        from {{ model }}

    ),

    broken as (

        {%- for rule in rules %}
            select
                '{{ rule[0] }}' as column_name,
                '{{ rule[1] | replace("'", "''") }}' as rule,
                rule_{{ loop.index }} as failing_rows
            from counted
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}

    )

    select * from broken
    where failing_rows > 0

{% endtest %}
