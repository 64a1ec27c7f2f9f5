{#-
    Tables and views on DuckDB, built in one transaction with a few statements.

    dbt-duckdb's own table materialization (and dbt's view materialization) move the
    old relation aside with adapter.rename_relation, then drop it with
    adapter.drop_relation after the commit, and ask DuckDB about foreign keys first;
    each adapter call renders a macro with a fresh copy of every macro in the
    project, so most of a small model's time went to that bookkeeping, not to DuckDB.
    These do the same swap as SQL statements of the model's own transaction:

        table: create table <x>__dbt_tmp as ...   (contract: create, then insert)
               drop <old type> if exists <x> cascade; alter table <x>__dbt_tmp rename to <x>
        view:  create or replace view <x> as ...  (drop table <x> first if it was one)

    A model whose SQL fails leaves the old relation as it was (the create fails before
    anything is dropped). Foreign-key constraints, which would stop the drop, are
    refused at compile time: this project declares none (DuckDB's own materialization
    rebuilds such a table in place). Hooks, grants, indexes and persist_docs are
    applied as dbt's materializations apply them.
-#}

{% materialization table, adapter='duckdb', supported_languages=['sql', 'python'] %}
    {%- set language = model['language'] -%}
    {%- do refuse_foreign_keys(model) -%}
    {%- set existing = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set intermediate = make_intermediate_relation(target_relation) -%}
    {%- set leftover = load_cached_relation(intermediate) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if leftover is not none -%}
        {#- a killed build's half-made table -#}
        {%- call statement('drop_leftover') -%}
            drop table if exists {{ intermediate }} cascade
        {%- endcall -%}
    {%- endif -%}
    {%- call statement('main', language=language) -%}
        {{ create_table_as(false, intermediate, compiled_code, language) }}
    {%- endcall -%}
    {%- call statement('swap') -%}
        {%- if existing is not none %}
        drop {{ existing.type }} if exists {{ existing }} cascade;
        {%- endif %}
        alter table {{ intermediate }} rename to {{ adapter.quote_as_configured(this.identifier, 'identifier') }}
    {%- endcall -%}
    {%- do forget_cached_relations([existing, leftover]) -%}

    {%- do create_indexes(target_relation) -%}
    {{ finish_replaced_relation(target_relation, existing) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{% materialization view, adapter='duckdb' %}
    {%- do refuse_foreign_keys(model) -%}
    {%- set existing = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='view') -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if existing is not none and not existing.is_view -%}
        {%- call statement('drop_table') -%}
            drop {{ existing.type }} if exists {{ existing }} cascade
        {%- endcall -%}
    {%- endif -%}
    {%- call statement('main') -%}
        {{ create_or_replace_view_as(target_relation, sql) }}
    {%- endcall -%}
    {%- do forget_cached_relations([existing]) -%}

    {{ finish_replaced_relation(target_relation, existing) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
