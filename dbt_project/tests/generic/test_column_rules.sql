{#-
    The model's column and row rules in ONE test node: `not_null` columns, inclusive
    `ranges` ({column: {min_value, max_value}}, either bound optional),
    `accepted_values` ({column: [values]}; strings are quoted, numbers and booleans
    are not) and row `expressions` (a SQL condition, or {expression, description},
    that every row must make true) in one scan; keys in `unique` (a column, whose
    nulls are ignored as in dbt's `unique`, or a list of columns, a composite key
    whose nulls count as equal) in one grouping each. Nulls pass the range and value
    rules, as in dbt's own tests. Returns one row per broken rule: the column, the
    rule and how many rows break it (for a key: the rows sharing a key value with
    another row); the failure count is the number of breaking rows. The rows are kept
    as a view in the audit schema (dbt prints its select under a failure), so a
    failed build names the columns.
-#}
{% test column_rules(
    model, not_null=[], ranges={}, accepted_values={}, expressions=[], unique=[]
) %}
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
    {%- for item in expressions -%}
        {%- set expression = item['expression'] if item is mapping else item -%}
        {%- set label = item.get('description', expression) if item is mapping else item -%}
        {%- do rules.append(('(row)', label, 'not coalesce(' ~ expression ~ ', false)')) -%}
    {%- endfor -%}
    {%- set keys = [] -%}
    {%- for key in unique -%}
        {%- do keys.append([key] if key is string else key) -%}
    {%- endfor -%}
    {%- if not rules and not keys -%}
        {{ exceptions.raise_compiler_error(
            'column_rules on ' ~ model ~ ' has no rule: give not_null, ranges,'
            ~ ' accepted_values, expressions or unique') }}
    {%- endif %}

    with
    {%- if rules %}

    counted as (

        select
            {%- for rule in rules %}
                sum(case when {{ rule[2] }} then 1 else 0 end) as rule_{{ loop.index }}
                {{- ',' if not loop.last }}
            {%- endfor %}

        from {{ model }}

    ),
    {%- endif %}
    {%- for key in keys %}

    duplicated_{{ loop.index }} as (

        select count(*) as occurrences
        from {{ model }}
        {%- if key | length == 1 %}
            where {{ key[0] }} is not null
        {%- endif %}
        group by {{ key | join(', ') }}
        having count(*) > 1

    ),
    {%- endfor %}

    broken as (

        {%- for rule in rules %}
            select
                '{{ rule[0] }}' as column_name,
                '{{ rule[1] | replace("'", "''") }}' as rule,
                rule_{{ loop.index }} as failing_rows
            from counted
            {%- if not loop.last or keys %}
                union all
            {%- endif %}
        {%- endfor %}
        {%- for key in keys %}
            select
                '{{ key | join(', ') }}' as column_name,
                'unique' as rule,
                coalesce(sum(occurrences), 0) as failing_rows
            from duplicated_{{ loop.index }}
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}

    )

    select * from broken
    where failing_rows > 0

{% endtest %}
