"""The model registry's fitting step: fit a new segment model version, or return no rows.

Incremental and never fully refreshed: each row is one fitted version, kept forever.
A build fits when no version exists, or var refit (the new version becomes the
champion) or fit_candidate (it is only compared with the champion) is true, from the
champion's centroids when warm_start is true; otherwise it checks the vars against the
version it scores with and appends nothing (the SQL model customer_segments scores every
customer with the stored parameters; segment_model_activations records the champion).
Reads only the bounded fit sample.
"""

import datetime as dt

from bank_segments.fit_params import config_bool, config_value, fit_params_from_config
from bank_segments.registry import (
    fit_registry_row,
    plan_build,
    read_champion,
    read_fit_sample,
    registry_table,
)

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
    candidate = config_bool(dbt.config.get("fit_candidate"))
    warm = config_bool(dbt.config.get("warm_start"))
    pinned = config_value(dbt.config.get("model_version"))
    promoted = config_value(dbt.config.get("promote"))
    versions = []
    if dbt.is_incremental:
        versions = session.sql(f"select {VERSION_COLUMNS} from {dbt.this}").to_arrow_table()
        versions = versions.to_pylist()
    names = [row["model_version"] for row in sorted(versions, key=_number)]
    now = dt.datetime.now(dt.UTC)
    plan = plan_build(
        versions,
        params,
        refit=refit,
        pinned=None if pinned is None else str(pinned),
        today=now.strftime("%Y%m%d"),
        candidate=candidate,
        warm=warm,
        promoted=None if promoted is None else str(promoted),
        champion=read_champion(session, dbt.this, names) if versions else None,
    )
    if not plan.fit:
        return registry_table([])
    champion_row = None
    if plan.warm_start_from is not None:
        champion_row = (
            session.sql(f"select model_version, k, features_used, centroids from {dbt.this}")
            .filter(f"model_version = '{plan.warm_start_from}'")
            .to_arrow_table()
            .to_pylist()[0]
        )
    return registry_table([_fit(dbt, plan, params, now, champion_row)])


def _number(row):
    return int(row["version_number"])


def _fit(dbt, plan, params, now, champion_row):
    # its own statement: dbt finds a ref only in a call that is not chained
    features = dbt.ref("int_customer_features")
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
        champion_row=champion_row,
        training_as_of_date=features.aggregate("max(as_of_date)").fetchall()[0][0],
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
