{#-
    The semantic layer reads what `main` shows: MetricFlow queries the
    relation of the model its semantic model refs, so that model's relation is
    main.semantic_customer_segments, the view publish_build makes of
    semantic_customer_segments on green (pinned to the published tables). The node
    semantic_customer_segments_published has that relation and the materialization
    below: a build never writes it (a placeholder with no rows is made only while no
    build has been published), so a failed, killed or partial build changes nothing
    MetricFlow answers from.
-#}

{% materialization published_view, adapter='duckdb' %}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- if load_cached_relation(this) is none -%}
        {%- call statement('main') -%}
            create view {{ target_relation }} as select * from ({{ sql }}) where false
        {%- endcall -%}
    {%- else -%}
        {%- call statement('main') -%}
            select 1 as unchanged
        {%- endcall -%}
    {%- endif -%}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{% materialization published_view, default %}
    {#- Engines without publish-on-green (Spark): an ordinary view. -#}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- call statement('main') -%}
        {{ get_create_view_as_sql(target_relation, sql) }}
    {%- endcall -%}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
