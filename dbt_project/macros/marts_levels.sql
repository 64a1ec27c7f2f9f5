{#-
    Level labels for ranked segments (segment_profiles' clv_level, risk_level and
    digital_adoption_level).

    Segments are ranked on a measure, highest value first (rank 1). With n segments:
    rank 1 is 'Highest' and rank n is 'Lowest'; the middle ranks 2..n-1 are spread
    evenly over 'High', 'Medium', 'Low' by round(2 * (rank - 2) / (n - 3)), so K = 5
    gives Highest/High/Medium/Low/Lowest, K = 4 gives Highest/High/Low/Lowest and
    K = 6 gives Highest/High/Medium/Medium/Low/Lowest. A single middle rank (K = 3)
    is 'Medium'; a single segment (K = 1) is 'Medium' because there is nothing to
    compare it with. Tied segments share a rank and so a label.
-#}

{% macro marts_rank_level(rank_column, count_column) %}
    case
        when {{ count_column }} = 1 then 'Medium'
        when {{ rank_column }} = 1 then 'Highest'
        when {{ rank_column }} = {{ count_column }} then 'Lowest'
        when {{ count_column }} = 3 then 'Medium'
        else
            case
                cast(
                    round(2.0 * ({{ rank_column }} - 2) / ({{ count_column }} - 3))
                    as integer
                )
                when 0 then 'High'
                when 1 then 'Medium'
                else 'Low'
            end
    end
{% endmacro %}


{#- The persona's identity as every persona-grain mart carries it (id, display name,
    display order, the model version that found it), read from `relation`. -#}
{% macro marts_persona_columns(relation) -%}
    {{ relation }}.persona_id,
    {{ relation }}.persona_name,
    {{ relation }}.display_order,
    {{ relation }}.model_version
{%- endmacro %}
