"""The model registry's fitting step: fit a new segment model version, or return no rows.

Incremental and never fully refreshed: each row is one fitted version, kept forever.
A build fits when no version exists or var refit is true; otherwise it checks the vars
against the active version and appends nothing (the SQL model customer_scores scores
every customer with the stored parameters). Reads only the bounded fit sample.
"""

import datetime as dt

from bank_segments.fit_params import config_bool, config_value, fit_params_from_config
from bank_segments.registry import fit_registry_row, plan_build, read_fit_sample, registry_table

VERSION_COLUMNS = "model_version, version_number, segment_features, log1p_features"


def model(dbt, session):
    try:
        registry = _fit_or_score(dbt, session)
    except ValueError as error:
        # one line naming the var and the fix, not the package's stack
        raise ValueError(str(error)) from None
    return registry


def _fit_or_score(dbt, session):
    # dbt ships only the config keys it sees as literal dbt.config.get("...") calls
    config = {
        "segment_features": dbt.config.get("segment_features"),
        "log1p_features": dbt.config.get("log1p_features"),
        "k_min": dbt.config.get("k_min"),
        "k_max": dbt.config.get("k_max"),
        "segment_count": dbt.config.get("segment_count"),
        "random_state": dbt.config.get("random_state"),
        "n_init": dbt.config.get("n_init"),
        "fit_sample_size": dbt.config.get("fit_sample_size"),
        "k_selection_sample_size": dbt.config.get("k_selection_sample_size"),
        "silhouette_sample_size": dbt.config.get("silhouette_sample_size"),
        "stability_resamples": dbt.config.get("stability_resamples"),
        "stability_sample_size": dbt.config.get("stability_sample_size"),
        "min_segment_share": dbt.config.get("min_segment_share"),
        "clip_quantile": dbt.config.get("clip_quantile"),
    }
    params = fit_params_from_config(config.get)
    refit = config_bool(dbt.config.get("refit"))
    pinned = config_value(dbt.config.get("model_version"))
    versions = []
    if dbt.is_incremental:
        versions = session.sql(f"select {VERSION_COLUMNS} from {dbt.this}").to_arrow_table()
        versions = versions.to_pylist()
    now = dt.datetime.now(dt.UTC)
    plan = plan_build(
        versions,
        params,
        refit=refit,
        pinned=None if pinned is None else str(pinned),
        today=now.strftime("%Y%m%d"),
    )
    if not plan.fit:
        return registry_table([])
    return registry_table([_fit(dbt, plan, params, now)])


def _fit(dbt, plan, params, now):
    ids, values, population = read_fit_sample(
        dbt.ref("segment_fit_sample"), params.segment_features
    )
    return fit_registry_row(
        ids,
        values,
        population,
        dbt.ref("personas").to_arrow_table().to_pylist(),
        dbt.ref("persona_signature_weights").to_arrow_table().to_pylist(),
        params,
        plan,
        fitted_at=now,
        invocation_id=_invocation_id(dbt),
    )


def _invocation_id(dbt):
    """This build's dbt invocation id. The config's copy is rendered when dbt parses, and
    a partial parse (e.g. one sqlfluff's dbt templater left in target/) keeps an older
    invocation's; dbt-duckdb runs the model in dbt's own process, which knows the id."""
    try:
        from dbt_common.invocation import get_invocation_id
    except ImportError:  # an engine that runs the model elsewhere
        return config_value(dbt.config.get("invocation_id"))
    return get_invocation_id()
