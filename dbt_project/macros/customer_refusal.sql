{#-
    Refusals that explain themselves: the errors raised by the staging tests when a
    file cannot be segmented, each one line (or one short paragraph) naming the
    counts, the top reasons, the likely cause and where to look.
-#}

{% macro customer_refusal_cause(top, file_kind) %}
    {#-
        One sentence naming the likely cause when most rows fail the same way, from
        the top reason row (reason, rejected_rows, share_of_input, example values).
    -#}
    {%- set reason = top['reason'] -%}
    {%- set column = reason.split(':')[0] -%}
    {%- set examples = [top['example_1_raw_value'], top['example_2_raw_value']]
        | reject('none') | map('string') | list -%}
    {%- set shown = examples | map('tojson') | join(', ') -%}
    {%- set marks = namespace(comma=false, semicolon=false, currency=false) -%}
    {%- for example in examples -%}
        {%- set marks.comma = marks.comma or ',' in example -%}
        {%- set marks.semicolon = marks.semicolon or ';' in example -%}
        {#- a currency sign, or a three-letter code before or after the amount -#}
        {%- set marks.currency = marks.currency or modules.re.search(
            '[$€£¥₹]|^ *[A-Za-z]{3} *[-+0-9]|[0-9.,] *[A-Za-z]{3} *$',
            example) is not none -%}
    {%- endfor -%}
    {%- set lead = ("%.0f" | format(100 * top['share_of_input'])) ~ "% of rows fail with '"
        ~ reason ~ "'" -%}
    {%- if reason.endswith('not a number') and marks.currency -%}
        {{ return(lead ~ " and values such as " ~ shown ~ " carry a currency sign or code:"
            ~ " export " ~ column ~ " as plain numbers (52300.10; thousands separators"
            ~ " may stay), all in one currency.") }}
    {%- elif reason.endswith('not a number') and marks.comma -%}
        {{ return(lead ~ " and values such as " ~ shown ~ " carry a comma: the file looks"
            ~ " written with decimal commas; set --vars '{csv_decimal_separator: \",\"}'"
            ~ " (and csv_delimiter if columns are ';'-separated).") }}
    {%- elif reason.endswith('not a number') and marks.semicolon -%}
        {{ return(lead ~ " and values such as " ~ shown ~ " hold ';': the file looks"
            ~ " ';'-separated; set --vars '{csv_delimiter: \";\"}'.") }}
    {%- elif reason.endswith('not a number') and file_kind == 'typed' -%}
        {{ return(lead ~ " (e.g. " ~ shown ~ "): check that the column holds plain"
            ~ " numbers.") }}
    {%- elif reason.endswith('not a number') -%}
        {{ return(lead ~ " (e.g. " ~ shown ~ "): check that the column holds plain numbers"
            ~ " and the vars csv_delimiter / csv_decimal_separator / csv_encoding.") }}
    {%- elif reason.endswith('missing') and file_kind == 'typed' -%}
        {{ return(lead ~ ": the column is empty in most rows; check that it is the right"
            ~ " column.") }}
    {%- elif reason.endswith('missing') -%}
        {{ return(lead ~ ": the column is empty (or NA, NULL, #N/A) in most rows; check"
            ~ " that it is the right column and that csv_delimiter matches the file.") }}
    {%- elif reason.endswith('not a whole number') -%}
        {{ return(lead ~ " (e.g. " ~ shown ~ "): " ~ column ~ " counts discrete things;"
            ~ " the export may hold averages instead of counts.") }}
    {%- elif 'implausible' in reason -%}
        {{ return(lead ~ " (e.g. " ~ shown ~ "): the values may be in another unit"
            ~ " (cents?); if they are real, widen the var plausibility_bounds.") }}
    {%- elif column == 'customer_id' -%}
        {{ return(lead ~ ": the ids repeat; the file may hold several snapshots or"
            ~ " the id column may not be an id.") }}
    {%- else -%}
        {{ return(lead ~ " (e.g. " ~ shown ~ "): the column may be in another unit or"
            ~ " mapped to the wrong attribute.") }}
    {%- endif -%}
{% endmacro %}


{% macro refuse_file_when_rejected_share_exceeds(checked, rejected_rows, summary, max_share) %}
    {#- Stop the build with the explained refusal when the rejected share is too high.
        Does nothing until the tables exist (compiling, linting). The message names the
        relations that hold this build's quarantine: the build's own schema, not the
        published one (which keeps the last good build's). -#}
    {%- if load_relation(checked) is none or load_relation(summary) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set counts = run_query(
        'select count(*) from ' ~ checked ~ ' where ' ~ cross_db_array_length('rejection_reasons') ~ ' > 0'
        ~ ' union all select count(*) from ' ~ checked) -%}
    {%- set rejected = counts.columns[0].values()[0] | int -%}
    {%- set total = counts.columns[0].values()[1] | int -%}
    {%- if total == 0 or rejected / total <= max_share -%}
        {{ return('') }}
    {%- endif -%}
    {%- set reasons = run_query(
        'select * from ' ~ summary ~ ' order by rejected_rows desc, reason limit 3') -%}
    {%- set top = [] -%}
    {%- for row in reasons.rows -%}
        {%- set example = '' if row['example_1_raw_value'] is none
            else ", e.g. row " ~ row['example_1_source_row'] ~ ": "
                ~ (row['example_1_raw_value'] | string | truncate(40) | tojson) -%}
        {%- do top.append(row['reason'] ~ " (" ~ "{:,}".format(row['rejected_rows'] | int)
            ~ " rows" ~ example ~ ")") -%}
    {%- endfor -%}
    {%- set message = "{:,}".format(rejected) ~ " of " ~ "{:,}".format(total)
        ~ " input rows (" ~ ("%.1f" | format(100 * rejected / total)) ~ "%) were quarantined,"
        ~ " above max_rejected_share = " ~ max_share ~ ". Top reasons: "
        ~ top | join('; ') ~ "." -%}
    {%- if reasons.rows and reasons.rows[0]['share_of_input'] >= 0.5 -%}
        {#- a Parquet file or a table has typed columns: the csv_* vars do not apply -#}
        {%- set typed = customer_input_kind() in ['table', 'parquet'] -%}
        {%- set message = message ~ " " ~ customer_refusal_cause(
            reasons.rows[0], 'typed' if typed else 'text') -%}
    {%- endif -%}
    {%- set message = message ~ " This build's quarantined rows are in "
        ~ rejected_rows.include(database=false) ~ ", the counts per reason in "
        ~ summary.include(database=false) ~ "; fix the file, or raise the var."
        ~ " The last good build stays published." -%}
    {{ exceptions.raise_compiler_error(message) }}
{% endmacro %}


{% macro refuse_too_few_customers(customers, rejected_rows, needed) %}
    {#- Stop the build in one line when too few valid customers remain to segment,
        naming the relation (this build's schema) that holds the quarantined rows. -#}
    {%- if load_relation(customers) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set valid = run_query('select count(*) from ' ~ customers).columns[0].values()[0]
        | int -%}
    {%- if valid < needed -%}
        {{ exceptions.raise_compiler_error(
            customer_input_label() ~ " has "
            ~ valid ~ " valid customer(s); segmentation needs at least " ~ needed
            ~ " (one more than k_max). Add rows, or see "
            ~ rejected_rows.include(database=false) ~ " for this build's quarantined"
            ~ " ones.") }}
    {%- endif -%}
{% endmacro %}

{% macro refuse_empty_segments(customers, personas) %}
    {#- Stop the build in one line when a segment of the model this build scores with
        gets no customer: the per-segment marts need every segment, and the month no
        longer looks like the data the model was fitted on. -#}
    {%- if load_relation(customers) is none or load_relation(personas) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set result = run_query(
        "select personas.cluster_id, personas.persona_name, personas.model_version,"
        ~ " count(customers.customer_id) as customers"
        ~ " from " ~ personas ~ " as personas left join " ~ customers ~ " as customers"
        ~ " on personas.cluster_id = customers.cluster_id"
        ~ " group by personas.cluster_id, personas.persona_name, personas.model_version"
        ~ " order by personas.cluster_id") -%}
    {%- set empty = [] -%}
    {%- set scored = result.columns['customers'].values() | map('int') | sum -%}
    {%- for row in result.rows if row['customers'] | int == 0 -%}
        {%- do empty.append("segment " ~ row['cluster_id'] ~ " (" ~ row['persona_name']
            ~ ")") -%}
    {%- endfor -%}
    {%- if empty and result.rows -%}
        {%- set first = result.rows[0] -%}
        {{ exceptions.raise_compiler_error(
            customer_input_label() ~ ": no customer falls in " ~ empty | join(', ') ~ " of model "
            ~ first['model_version'] ~ ", which this build scores with ("
            ~ scored ~ " customers in " ~ (result.rows | length - empty | length)
            ~ " of its " ~ result.rows | length ~ " segments). The input no longer looks"
            ~ " like the data the model was fitted on: refit (--vars '{refit: true}');"
            ~ " a candidate build (fit_candidate) scores with this model too and stops"
            ~ " here as well. Nothing was published; the last green build stays in main.")
        }}
    {%- endif -%}
{% endmacro %}
