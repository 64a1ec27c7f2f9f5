{#- Helpers of the DuckDB table and view materializations
    (macros/materializations/table.sql): the swap is plain SQL in the model's own
    transaction, so these keep dbt's relation cache and the project's rules in step. -#}

{% macro refuse_foreign_keys(node) %}
    {#- The table and view materializations drop the old relation before renaming the
        new one in, which a foreign key would stop: refuse such a model at compile time,
        naming it. -#}
    {%- set found = [] -%}
    {%- for constraint in node.get('constraints', []) if constraint.type == 'foreign_key' -%}
        {%- do found.append(constraint) -%}
    {%- endfor -%}
    {%- for column in node.get('columns', {}).values() -%}
        {%- for constraint in column.get('constraints', []) if constraint.type == 'foreign_key' -%}
            {%- do found.append(constraint) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if found -%}
        {%- do exceptions.raise_compiler_error(
            'model ' ~ node.name ~ ' declares a foreign_key constraint, which this '
            ~ "project's DuckDB table and view materializations do not support "
            ~ '(macros/materializations/table.sql); check the relationship with a data '
            ~ 'test instead') -%}
    {%- endif -%}
{% endmacro %}


{% macro forget_cached_relations(relations) %}
    {#- Tell dbt's relation cache that these relations were dropped by SQL of the
        materialization (none entries are skipped). -#}
    {%- for relation in relations if relation is not none -%}
        {%- do adapter.cache_dropped(relation) -%}
    {%- endfor -%}
{% endmacro %}


{% macro create_or_replace_view_as(relation, sql) %}
    {#- dbt-duckdb's create_view_as (with its contract check) as one `create or replace`
        statement. -#}
    {%- if config.get('contract').enforced -%}
        {{ get_assert_columns_equivalent(sql) }}
    {%- endif -%}
    {%- set sql_header = config.get('sql_header', none) -%}
    {{ sql_header if sql_header is not none }}
    create or replace view {{ relation }} as (
        {{ sql }}
    )
{% endmacro %}


{% macro finish_replaced_relation(relation, existing) %}
    {#- What the table and view materializations do after the swap, as dbt's own do:
        the post-hooks inside the transaction, grants (revoked where the old relation
        had them), persist_docs, the commit, then the post-hooks outside it. -#}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {%- do apply_grants(relation, config.get('grants'),
        should_revoke=should_revoke(existing, full_refresh_mode=True)) -%}
    {%- do persist_docs(relation, model) -%}
    {%- do adapter.commit() -%}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
{% endmacro %}
