{#-
    dbt's test materialization on DuckDB with one change: a test that stores its
    failures replaces the stored relation with one `create or replace` statement in
    its own transaction, instead of adapter.drop_relation (which renders a macro with a
    fresh copy of every macro in the project) and a create. What the test selects,
    counts and reports is dbt's: get_limit_subquery_sql and get_test_sql render it, as
    in dbt's own materialization (macros/materializations/table.sql has the why).
-#}

{%- materialization test, adapter='duckdb' -%}
    {%- set relations = [] -%}
    {%- set limit = config.get('limit') -%}
    {%- set sql_header = config.get('sql_header')
        if flags.REQUIRE_SQL_HEADER_IN_TEST_CONFIGS else none -%}
    {%- set sql_with_limit -%}
        {{ get_limit_subquery_sql(sql, limit) }}
    {%- endset -%}

    {%- if should_store_failures() -%}
        {%- set store_failures_as = config.get('store_failures_as') or 'table' -%}
        {%- if store_failures_as not in ['table', 'view'] -%}
            {{ exceptions.raise_compiler_error(
                "'" ~ store_failures_as ~ "' is not a valid value for `store_failures_as`. "
                ~ "Accepted values are: ['ephemeral', 'table', 'view']") }}
        {%- endif -%}
        {%- set old_relation = load_cached_relation(api.Relation.create(
            identifier=model['alias'], schema=schema, database=database)) -%}
        {%- set target_relation = api.Relation.create(identifier=model['alias'],
            schema=schema, database=database, type=store_failures_as) -%}
        {%- call statement(auto_begin=True) -%}
            {%- if old_relation is not none and old_relation.type != store_failures_as %}
            drop {{ old_relation.type }} if exists {{ old_relation }} cascade;
            {%- endif %}
            {% if sql_header %}{{ sql_header }}{% endif %}
            {{ log('Applying CREATE to: ' ~ target_relation) }}
            create or replace {{ store_failures_as }} {{ target_relation }} as (
                {{ sql_with_limit }}
            )
        {%- endcall -%}
        {%- do forget_cached_relations([old_relation]) -%}
        {%- do relations.append(target_relation) -%}
        {%- set main_sql -%}
            select * from {{ target_relation }}
        {%- endset -%}
        {{ adapter.commit() }}
    {%- else -%}
        {%- set main_sql = sql_with_limit -%}
    {%- endif -%}

    {%- call statement('main', fetch_result=True) -%}
        {% if sql_header %}{{ sql_header }}{% endif %}
        {{ get_test_sql(main_sql, config.get('fail_calc'), config.get('warn_if'),
            config.get('error_if'), limit=none) }}
    {%- endcall -%}
    {{ return({'relations': relations}) }}
{%- endmaterialization -%}
