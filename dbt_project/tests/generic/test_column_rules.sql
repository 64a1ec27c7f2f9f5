{#-
    The model's rules in ONE test node. Row rules, in one scan: `not_null` columns,
    inclusive `ranges` ({column: {min_value, max_value}}, either bound optional),
    `accepted_values` ({column: [values]}; strings are quoted, numbers and booleans
    are not) and row `expressions` (a SQL condition, or {expression, description},
    that every row must make true). Table rules, in the same scan: `table_expressions`
    (an aggregate condition over the whole table, e.g. "count(*) = 1", or
    {expression, description}). Then one query each: keys in `unique` (a column,
    whose nulls are ignored as in dbt's `unique`, or a list of columns, a composite
    key whose nulls count as equal); `references` ({column: target or [targets]}, a
    target being ref('x') or {to: ref('x'), field, where}: every non-null value of
    the column is a `field` of x, field defaulting to the column; `where` filters the
    model's rows, like dbt's relationships test); `row_count_matches` (ref('x') or
    {model: ref('x'), where}: the same number of rows as x); `shares_sum_to_one`
    ({column, group_by, tolerance}: the column sums to 1 in every group, or over the
    table); `complete_grid` ([row_column, column_column]: one row for every
    combination of the values the two columns hold). Nulls pass the range and value
    rules, as in dbt's own tests. Returns one row per broken rule: the column, the
    rule and how many rows break it (for a key: the rows sharing a key value with
    another row; for a count: the difference; for a share or grid: the groups or
    cells off); the failure count is their sum. The rows are kept as a view in the
    audit schema (dbt prints its select under a failure), so a failed build names
    the rules.
-#}
{% test column_rules(
    model, not_null=[], ranges={}, accepted_values={}, expressions=[], unique=[],
    table_expressions=[], references={}, row_count_matches=[], shares_sum_to_one=[],
    complete_grid=[]
) %}
    {{ config(fail_calc='coalesce(sum(failing_rows), 0)', store_failures_as='view') }}
    {#- rules: (column, label, condition that breaks a row) -#}
    {%- set rules = [] -%}
    {#- table_rules: (label, aggregate condition the table must make true) -#}
    {%- set table_rules = [] -%}
    {#- checks: (column, label, the select of one row and one column failing_rows) -#}
    {%- set checks = [] -%}
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
    {%- for item in table_expressions -%}
        {%- set expression = item['expression'] if item is mapping else item -%}
        {%- set label = item.get('description', expression) if item is mapping else item -%}
        {%- do table_rules.append((label, expression)) -%}
    {%- endfor -%}
    {%- for key in unique -%}
        {%- set columns = [key] if key is string else key -%}
        {%- do checks.append((columns | join(', '), 'unique',
            'select coalesce(sum(occurrences), 0) as failing_rows from ('
            ~ ' select count(*) as occurrences from ' ~ model
            ~ (' where ' ~ columns[0] ~ ' is not null' if columns | length == 1 else '')
            ~ ' group by ' ~ columns | join(', ') ~ ' having count(*) > 1'
            ~ ') as duplicated')) -%}
    {%- endfor -%}
    {%- for column, targets in references.items() -%}
        {%- set one = targets is mapping or targets is string or targets is not sequence -%}
        {%- for target in ([targets] if one else targets) -%}
            {#- a relation is a mapping too: a spec is the mapping with a 'to' -#}
            {%- set spec = target is mapping and 'to' in target -%}
            {%- set to = target['to'] if spec else target -%}
            {%- set field = target.get('field', column) if spec else column -%}
            {%- set where = target.get('where') if spec else none -%}
            {%- do checks.append((column, 'in ' ~ to.identifier ~ '.' ~ field,
                'select count(*) as failing_rows from ' ~ model ~ ' as checked'
                ~ ' left join (select distinct ' ~ field ~ ' as referenced_key from '
                ~ to ~ ') as referenced on checked.' ~ column ~ ' = referenced.referenced_key'
                ~ ' where checked.' ~ column ~ ' is not null'
                ~ ' and referenced.referenced_key is null'
                ~ (' and (' ~ where ~ ')' if where else ''))) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for target in row_count_matches -%}
        {%- set spec = target is mapping and 'model' in target -%}
        {%- set other = target['model'] if spec else target -%}
        {%- set where = target.get('where') if spec else none -%}
        {%- do checks.append(('(table)', 'as many rows as ' ~ other.identifier
                ~ (' where ' ~ where if where else ''),
            'select abs(checked.row_count - compared.row_count) as failing_rows from'
            ~ ' (select count(*) as row_count from ' ~ model ~ ') as checked cross join'
            ~ ' (select count(*) as row_count from ' ~ other
            ~ (' where ' ~ where if where else '') ~ ') as compared')) -%}
    {%- endfor -%}
    {%- for share in shares_sum_to_one -%}
        {%- set group_by = share.get('group_by') -%}
        {%- set group_by = [group_by] if group_by is string else (group_by or []) -%}
        {%- set column = share['column'] -%}
        {%- do checks.append((column,
            'sums to 1' ~ (' per ' ~ group_by | join(', ') if group_by else ''),
            'select count(*) as failing_rows from (select sum(' ~ column ~ ') as total'
            ~ ' from ' ~ model ~ (' group by ' ~ group_by | join(', ') if group_by else '')
            ~ ') as totals where total is null or abs(total - 1) > '
            ~ share.get('tolerance', 0.000001))) -%}
    {%- endfor -%}
    {%- for grid in complete_grid -%}
        {%- do checks.append((grid | join(', '), 'every combination once',
            'select abs(count(distinct ' ~ grid[0] ~ ') * count(distinct ' ~ grid[1]
            ~ ') - count(*)) as failing_rows from ' ~ model)) -%}
    {%- endfor -%}
    {%- if not rules and not table_rules and not checks -%}
        {{ exceptions.raise_compiler_error(
            'column_rules on ' ~ model ~ ' has no rule: give not_null, ranges,'
            ~ ' accepted_values, expressions, table_expressions, unique, references,'
            ~ ' row_count_matches, shares_sum_to_one or complete_grid') }}
    {%- endif %}

    with
    {%- if rules or table_rules %}

    counted as (

        select
            {%- for rule in rules %}
                sum(case when {{ rule[2] }} then 1 else 0 end) as rule_{{ loop.index }}
                {{- ',' if not loop.last or table_rules }}
            {%- endfor %}
            {%- for rule in table_rules %}
                case when coalesce({{ rule[1] }}, false) then 0 else 1 end
                    as table_rule_{{ loop.index }}
                {{- ',' if not loop.last }}
            {%- endfor %}

        from {{ model }}

    ),
    {%- endif %}
    {%- for check in checks %}

    check_{{ loop.index }} as (

        {{ check[2] }}

    ),
    {%- endfor %}

    broken as (
        {#- one row per rule: (column, label, the CTE and the column holding its count) -#}
        {%- set outcomes = [] -%}
        {%- for rule in rules -%}
            {%- do outcomes.append((rule[0], rule[1], 'counted', 'rule_' ~ loop.index)) -%}
        {%- endfor -%}
        {%- for rule in table_rules -%}
            {%- do outcomes.append(
                ('(table)', rule[0], 'counted', 'table_rule_' ~ loop.index)) -%}
        {%- endfor -%}
        {%- for check in checks -%}
            {%- do outcomes.append((check[0], check[1], 'check_' ~ loop.index, 'failing_rows')) -%}
        {%- endfor %}
        {%- for outcome in outcomes %}
            select
                '{{ outcome[0] }}' as column_name,
                '{{ outcome[1] | replace("'", "''") }}' as rule,
                {{ outcome[3] }} as failing_rows
            from {{ outcome[2] }}
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}

    )

    select * from broken
    where failing_rows > 0

{% endtest %}
