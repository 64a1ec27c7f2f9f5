{#-
    Every project var, checked for type and range before anything runs.

    `project_var_rules()` is a table: one line per var, with its kind, its range and an
    example of a good value for the error message. `validate_vars()` runs at
    on-run-start and stops the build with one line naming the var, the value given
    and a good value. Models and macros read vars through `bank_var(name)`, which
    validates the var and returns a Python value (number, string, list), so no var
    text reaches SQL unchecked: numbers are rendered from validated values and
    strings are quoted by the macro that uses them.

    Kinds: share (a number from 0 to 1), number (min/max, `integer` for whole
    numbers), path (text; `wildcards: true` lets it name several files, a glob),
    choice (one of `values`), date (YYYY-MM-DD), bounds (a
    mapping attribute -> [low, high]), version (a model version id), names (a list of column names), texts (a list
    of plain names).
    `null: true` allows an unset value (the documented default applies).
    To add a var: one line here, plus its declaration in dbt_project.yml.
-#}

{% macro project_var_rules() %}
    {{ return({
        'customers_path': {'kind': 'path', 'null': true, 'example': "'exports/customers.csv'"},
        'customers_table': {'kind': 'relation', 'null': true, 'example': "'lakehouse.customers'"},
        'segment_model_import_path': {'kind': 'path', 'null': true, 'wildcards': true,
                                      'example': "'models/segment_model_*.parquet'"},
        'exports_path': {'kind': 'path', 'null': true, 'example': "'exports'"},
        'max_rejected_share': {'kind': 'share', 'example': '0.05'},
        'low_confidence_margin': {'kind': 'number', 'min': 0, 'example': '0.5'},
        'csv_delimiter': {'kind': 'choice', 'null': true,
                          'values': [',', ';', '\t', '|'], 'example': "';'"},
        'csv_decimal_separator': {'kind': 'choice', 'null': true, 'values': ['.', ','],
                                  'example': "','"},
        'csv_encoding': {'kind': 'choice', 'null': true,
                         'values': ['utf-8', 'utf-16', 'latin-1'], 'example': "'latin-1'"},
        'as_of_date': {'kind': 'date', 'null': true, 'example': "'2026-01-31'"},
        'earliest_as_of_date': {'kind': 'date', 'example': "'1990-01-01'"},
        'plausibility_bounds': {'kind': 'bounds', 'null': true,
                                'example': '{income: [1, 50000000000]}'},
        'k_min': {'kind': 'number', 'integer': true, 'min': 2, 'example': '2'},
        'k_max': {'kind': 'number', 'integer': true, 'min': 2, 'example': '8'},
        'segment_count': {'kind': 'number', 'integer': true, 'min': 2, 'null': true,
                          'example': '4'},
        'random_state': {'kind': 'number', 'integer': true, 'min': 0, 'example': '42'},
        'n_init': {'kind': 'number', 'integer': true, 'min': 1, 'example': '10'},
        'fit_sample_size': {'kind': 'number', 'integer': true, 'min': 2, 'null': true,
                            'example': '200000'},
        'k_selection_sample_size': {'kind': 'number', 'integer': true, 'min': 2, 'null': true,
                                    'example': '20000'},
        'min_segment_share': {'kind': 'share', 'example': '0.02'},
        'stability_resamples': {'kind': 'number', 'integer': true, 'min': 0, 'max': 1000,
                                'example': '50'},
        'stability_sample_size': {'kind': 'number', 'integer': true, 'min': 2, 'null': true,
                                  'example': '20000'},
        'clip_quantile': {'kind': 'number', 'min': 0, 'max': 0.25, 'example': '0.005'},
        'refit': {'kind': 'choice', 'values': [true, false], 'example': 'true'},
        'model_version': {'kind': 'version', 'null': true, 'example': "'v0001-20261124'"},
        'fit_candidate': {'kind': 'choice', 'values': [true, false], 'example': 'true'},
        'warm_start': {'kind': 'choice', 'values': [true, false], 'example': 'true'},
        'promote': {'kind': 'version', 'null': true, 'example': "'v0002-20261207'"},
        'comparison_sample_size': {'kind': 'number', 'integer': true, 'min': 10,
                                   'max': 20000, 'example': '2000'},
        'drift_psi_epsilon': {'kind': 'number', 'min': 0, 'max': 0.01, 'example': '0.0001'},
        'drift_psi_moderate': {'kind': 'number', 'min': 0, 'example': '0.10'},
        'drift_psi_significant': {'kind': 'number', 'min': 0, 'example': '0.25'},
        'silhouette_sample_size': {'kind': 'number', 'integer': true, 'min': 2, 'null': true,
                                   'example': '20000'},
        'segment_features': {'kind': 'names', 'null': true, 'example': "['age', 'income']"},
        'log1p_features': {'kind': 'names', 'null': true, 'example': "['income']"},
        'drift_share_shift_significant': {'kind': 'share', 'example': '0.10'},
        'drift_distance_shift_significant': {'kind': 'number', 'min': 0, 'example': '0.25'},
        'elevated_credit_risk_bands': {'kind': 'texts', 'null': true,
                                       'example': "['Poor', 'Fair']"},
    }) }}
{% endmacro %}


{% macro _var_problem(name, value, rule) %}
    {#- Why `value` is not a good `name`, or an empty string when it is. -#}
    {%- set kind = rule['kind'] -%}
    {%- if value is none or (value is string and value | trim == '' and kind != 'choice') -%}
        {{ return('' if rule.get('null') else 'is required') }}
    {%- endif -%}
    {#- finite: inf * 0 and nan * 0 are nan, which equals nothing -#}
    {%- set is_number = value is number and value is not boolean and value * 0 == 0 -%}
    {%- if kind in ['share', 'number'] -%}
        {%- if not is_number -%}
            {{ return('is not a number') }}
        {%- elif kind == 'share' and (value < 0 or value > 1) -%}
            {{ return('is not a share between 0 and 1') }}
        {%- elif rule.get('integer') and value != (value | int) -%}
            {{ return('is not a whole number') }}
        {%- elif rule.get('min') is not none and value < rule['min'] -%}
            {{ return('is below ' ~ rule['min']) }}
        {%- elif rule.get('max') is not none and value > rule['max'] -%}
            {{ return('is above ' ~ rule['max']) }}
        {%- endif -%}
    {%- elif kind == 'path' -%}
        {%- if value is not string -%}
            {{ return('is not a file path') }}
        {%- elif modules.re.search('[*?]', value) and not rule.get('wildcards') -%}
            {{ return('contains a wildcard; give one file (several files are not merged)') }}
        {%- endif -%}
    {%- elif kind == 'choice' -%}
        {%- if value not in rule['values'] -%}
            {{ return('is not one of ' ~ rule['values'] | map('tojson') | join(', ')) }}
        {%- endif -%}
    {%- elif kind == 'relation' -%}
        {%- if value is not string
            or not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*([.][A-Za-z_][A-Za-z0-9_]*){1,2}$', value) -%}
            {{ return('is not a table name written schema.table or catalog.schema.table') }}
        {%- endif -%}
    {%- elif kind == 'version' -%}
        {%- if value is not string or not modules.re.match('^[A-Za-z0-9._-]+$', value) -%}
            {{ return('is not a model version id (letters, digits, . _ -)') }}
        {%- endif -%}
    {%- elif kind == 'date' -%}
        {%- set match = modules.re.match('^(\\d{4})-(\\d{2})-(\\d{2})$', value | string) -%}
        {%- if not match or not (1 <= match.group(2) | int <= 12) -%}
            {{ return('is not a date written YYYY-MM-DD') }}
        {%- endif -%}
        {%- set year, month, day = match.group(1) | int, match.group(2) | int,
            match.group(3) | int -%}
        {%- set leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 -%}
        {%- set days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
        {%- if not (1 <= day <= days[month - 1]) -%}
            {{ return('is not a date: ' ~ year ~ '-' ~ '%02d' | format(month) ~ ' has '
                ~ days[month - 1] ~ ' days') }}
        {%- endif -%}
    {%- elif kind == 'bounds' -%}
        {%- if value is not mapping -%}
            {{ return('is not a mapping attribute -> [low, high]') }}
        {%- endif -%}
        {%- for attribute, bounds in value.items() -%}
            {%- if attribute not in customer_attributes() -%}
                {{ return('names ' ~ attribute ~ ', not one of the ten attributes') }}
            {%- elif bounds is string or bounds is not iterable or bounds is mapping
                or bounds | length != 2 -%}
                {{ return('gives ' ~ attribute ~ ' something other than [low, high]') }}
            {%- endif -%}
            {%- set numbers = _numbers(bounds) -%}
            {%- for bound in numbers -%}
                {%- if bound is not number or bound is boolean or not (bound * 0 == 0) -%}
                    {{ return('gives ' ~ attribute ~ ' a bound that is not a finite number') }}
                {%- endif -%}
            {%- endfor -%}
            {%- if numbers[0] > numbers[1] -%}
                {{ return('gives ' ~ attribute ~ ' a low bound above its high bound') }}
            {%- endif -%}
        {%- endfor -%}
    {%- elif kind == 'names' -%}
        {%- if value is string or value is not iterable or value is mapping -%}
            {{ return('is not a list of column names') }}
        {%- endif -%}
        {%- for item in value -%}
            {%- if item is not string or not modules.re.match('^[a-z_][a-z0-9_]*$', item) -%}
                {{ return('holds ' ~ (item | tojson) ~ ', not a snake_case column name') }}
            {%- endif -%}
        {%- endfor -%}
    {%- elif kind == 'texts' -%}
        {%- if value is string or value is not iterable or value is mapping -%}
            {{ return('is not a list of names') }}
        {%- endif -%}
        {%- for item in value -%}
            {%- if item is not string or item | trim == '' or "'" in item -%}
                {{ return('holds ' ~ (item | tojson) ~ ', not a plain name') }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{% macro _numbers(values) %}
    {#- A list with each text that spells a number (YAML reads 5e10, unlike 5.0e+10, as
        text) turned into that number; anything else is left as it is. -#}
    {%- set numbers = [] -%}
    {%- for value in values -%}
        {%- if value is string
            and modules.re.match('^\\s*[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?\\s*$', value) -%}
            {%- do numbers.append(value | float) -%}
        {%- else -%}
            {%- do numbers.append(value) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(numbers) }}
{% endmacro %}


{% macro bank_var(name) %}
    {#- The validated value of project var `name` (its default when unset). -#}
    {%- set rules = project_var_rules() -%}
    {%- if name not in rules -%}
        {{ exceptions.raise_compiler_error(
            "bank_var('" ~ name ~ "'): no rule in project_var_rules(); add one") }}
    {%- endif -%}
    {%- set value = var(name, none) -%}
    {%- set problem = _var_problem(name, value, rules[name]) -%}
    {%- if problem -%}
        {%- do _stop_var(name, value, problem, name ~ ': ' ~ rules[name]['example']) -%}
    {%- endif -%}
    {%- if rules[name]['kind'] == 'bounds' and value is not none -%}
        {%- set normalized = {} -%}
        {%- for attribute, bounds in value.items() -%}
            {%- do normalized.update({attribute: _numbers(bounds)}) -%}
        {%- endfor -%}
        {{ return(normalized) }}
    {%- endif -%}
    {%- if value is string and rules[name]['kind'] in ['path', 'date'] -%}
        {%- set value = value | trim -%}
        {{ return(value if value != '' else none) }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}


{% macro validate_vars() %}
    {#- on-run-start: check every var before any node runs, then the rules that involve
        several vars or the stored model versions. Renders no SQL. -#}
    {%- for name in project_var_rules() -%}
        {%- do bank_var(name) -%}
    {%- endfor -%}
    {%- do validate_var_combinations() -%}
    {{ return('') }}
{% endmacro %}


{% macro segment_feature_candidates() %}
    {#- The numeric columns of int_customer_features a segment model can cluster on. -#}
    {{ return(customer_attributes() + ['spending_ratio', 'engagement_score', 'clv_proxy']) }}
{% endmacro %}


{% macro _stop_var(name, value, problem, good) %}
    {#- Stop the build in one line: the var, its value, what is wrong, a pasteable fix. -#}
    {{ exceptions.raise_compiler_error(
        "var " ~ name ~ " = " ~ (value | tojson) ~ " " ~ problem
        ~ ". A good value: --vars '{" ~ good ~ "}'") }}
{% endmacro %}


{% macro validate_var_combinations() %}
    {#-
        The rules no single var's check can see: the K range, samples that must hold
        more customers than segments, a segment share some K can reach, the features,
        and (on DuckDB, where the dbt Python model fits) a pinned model version against
        the stored versions. Each stops the build in one line before anything runs,
        instead of a Python traceback from inside the fit.
    -#}
    {%- set k_min = bank_var('k_min') -%}
    {%- set k_max = bank_var('k_max') -%}
    {%- set segment_count = bank_var('segment_count') -%}
    {%- if k_min is not none and k_max is not none and k_min > k_max -%}
        {%- do _stop_var('k_min', k_min, 'is above k_max = ' ~ k_max
            ~ ': the candidate K range is empty', 'k_min: 2, k_max: ' ~ ([k_max, 2] | max)) -%}
    {%- endif -%}
    {%- set largest = segment_count or k_max -%}
    {%- set smallest = segment_count or k_min -%}
    {%- for name in ['fit_sample_size', 'k_selection_sample_size', 'silhouette_sample_size',
                     'stability_sample_size'] -%}
        {%- set size = bank_var(name) -%}
        {%- if size is not none and largest is not none and size <= largest -%}
            {%- do _stop_var(name, size, 'is not above the largest K (' ~ largest
                ~ '): a sample needs more customers than segments',
                name ~ ': ' ~ project_var_rules()[name]['example']) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set share = bank_var('min_segment_share') -%}
    {%- if smallest is not none and (share >= 0.5 or share * smallest > 1) -%}
        {%- do _stop_var('min_segment_share', share, 'leaves no K eligible: K segments'
            ~ ' cannot each hold more than 1/K of the customers (the smallest K is '
            ~ smallest ~ ')', 'min_segment_share: 0.02') -%}
    {%- endif -%}

    {%- set features = bank_var('segment_features') -%}
    {%- set known = segment_feature_candidates() -%}
    {%- set good = "segment_features: ['age', 'income', 'credit_score']" -%}
    {%- if features is not none -%}
        {%- if features | length < 2 -%}
            {%- do _stop_var('segment_features', features, 'lists fewer than two features:'
                ~ ' the model and its 2-D map need at least two', good) -%}
        {%- endif -%}
        {%- for feature in features -%}
            {%- if feature not in known -%}
                {%- do _stop_var('segment_features', features, 'names ' ~ (feature | tojson)
                    ~ ', not a feature of int_customer_features (one of: '
                    ~ known | join(', ') ~ ')', good) -%}
            {%- elif features[:loop.index0].count(feature) -%}
                {%- do _stop_var('segment_features', features, 'names ' ~ (feature | tojson)
                    ~ ' twice', good) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for feature in bank_var('log1p_features') or [] if feature not in features -%}
            {%- do _stop_var('log1p_features', bank_var('log1p_features'), 'names '
                ~ (feature | tojson) ~ ', which is not in segment_features',
                "log1p_features: ['income']") -%}
        {%- endfor -%}
    {%- endif -%}

    {%- set pinned = bank_var('model_version') -%}
    {%- set promote = bank_var('promote') -%}
    {%- set fits = 'refit' if bank_var('refit') else ('fit_candidate'
        if bank_var('fit_candidate') else none) -%}
    {%- if bank_var('refit') and bank_var('fit_candidate') -%}
        {{ exceptions.raise_compiler_error(
            "vars refit: true and fit_candidate: true contradict each other: refit makes the"
            ~ " new version the champion, fit_candidate does not. Drop one of them, e.g."
            ~ " --vars '{fit_candidate: true}'") }}
    {%- endif -%}
    {#- the two refusals that name versions wait for execution, where the registry is
        read and the known versions can be listed -#}
    {%- if execute and fits and pinned is not none -%}
        {{ exceptions.raise_compiler_error(
            "vars " ~ fits ~ ": true and model_version: " ~ (pinned | tojson) ~ " contradict"
            ~ " each other: a fit makes a new version. Drop one of them, e.g. --vars '{"
            ~ fits ~ ": true}'" ~ known_versions_note()) }}
    {%- endif -%}
    {%- if execute and promote is not none and (fits or pinned is not none) -%}
        {{ exceptions.raise_compiler_error(
            "vars promote: " ~ (promote | tojson) ~ " and "
            ~ (fits ~ ': true' if fits else 'model_version: ' ~ (pinned | tojson))
            ~ " contradict each other: promote scores with an existing version from this"
            ~ " build on. Promote in a build of its own: --vars '{promote: "
            ~ (promote | tojson) ~ "}'" ~ known_versions_note()) }}
    {%- endif -%}
    {%- if bank_var('warm_start') and not fits -%}
        {{ exceptions.raise_compiler_error(
            "var warm_start: true needs a fit to start: add fit_candidate: true (or refit:"
            ~ " true), e.g. --vars '{fit_candidate: true, warm_start: true}'") }}
    {%- endif -%}
    {%- if execute and target.type == 'duckdb' -%}
        {%- do validate_vars_against_versions(pinned, promote, features) -%}
    {%- endif -%}
{% endmacro %}
