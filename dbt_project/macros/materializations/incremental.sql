{#-
    DuckDB's incremental materialization under publish-on-green: a build writes its
    rows to work.<x>__increment and the view work.<x> shows them applied to
    work.<x>__published; only publish_build changes __published. The why, the
    relations and the helpers: macros/incremental.sql. (sqlfluff's Jinja templater has
    no materialization tag, so this folder holds only the materialization blocks.)
-#}

{% materialization incremental, adapter='duckdb', supported_languages=['sql', 'python'] %}
    {%- set language = model['language'] -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set published, increment = incremental_relations(this) -%}
    {%- set existing = load_cached_relation(this) -%}
    {%- set had_published = load_cached_relation(published) is not none -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {#- a warehouse from before this materialization: its table becomes the published one -#}
    {%- if existing is not none and existing.is_table -%}
        {%- if had_published -%}
            {%- do adapter.drop_relation(existing) -%}
        {%- else -%}
            {%- do adapter.rename_relation(existing, published) -%}
            {%- set had_published = true -%}
        {%- endif -%}
    {%- endif -%}
    {#- a failed or killed build's rows go; the model reads the published rows as this -#}
    {%- set leftover = load_cached_relation(increment) -%}
    {%- if leftover is not none -%}
        {%- do run_query('drop ' ~ leftover.type ~ ' if exists ' ~ leftover ~ ' cascade') -%}
        {%- do forget_cached_relations([leftover]) -%}
    {%- endif -%}
    {%- if had_published -%}
        {%- do run_query('create or replace view ' ~ target_relation
            ~ ' as select * from ' ~ published) -%}
    {%- endif -%}

    {%- call statement('main', language=language) -%}
        {{ create_table_as(false, increment, compiled_code, language) }}
    {%- endcall -%}

    {%- if not had_published -%}
        {%- do run_query('create table ' ~ published ~ ' as select * from ' ~ increment
            ~ ' limit 0') -%}
    {%- endif -%}
    {%- do run_query('create or replace view ' ~ target_relation ~ ' as '
        ~ incremental_pending_sql(published, increment, config.get('unique_key'),
            incremental_replaces_all(model))) -%}

    {%- do persist_docs(target_relation, model) -%}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {%- do adapter.commit() -%}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
