"""The model registry's rows: fit-or-score, the fit sample, one row per version.

The dbt Python model ``segment_model_fit`` stays thin: it reads relations, calls these
helpers and the maths in :mod:`bank_segments.segment_model`, and returns an Arrow table
of :data:`REGISTRY_SCHEMA`. Relations arrive as DuckDB relations and leave as
``pyarrow.Table``. This module imports no scikit-learn or SciPy, so a scoring build
(which fits nothing) does not pay for loading them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from bank_segments.fit_params import FitParams, feature_param_differences, fit_params_from_row

if TYPE_CHECKING:
    from bank_segments.segment_model import SegmentModel, WarmStart

ID_COLUMN = "customer_id"


#: Why a version was fitted (registry column fit_purpose): the first version of a
#: warehouse, a refit (champion at once) or a candidate (compared, promoted later or not).
PURPOSE_FIRST_FIT = "first fit"
PURPOSE_REFIT = "refit"
PURPOSE_CANDIDATE = "candidate"


@dataclass(frozen=True)
class BuildPlan:
    """What this build does with the model: fit a new version, or score with one.

    ``purpose`` says why a fit happens (``PURPOSE_*``; None when scoring) and
    ``warm_start_from`` which version's centroids and K the fit starts from.
    """

    fit: bool
    version_number: int
    model_version: str | None
    purpose: str | None = None
    warm_start_from: str | None = None


def plan_build(
    versions: Sequence[dict[str, Any]],
    params: FitParams,
    *,
    refit: bool,
    pinned: str | None,
    today: str,
    candidate: bool = False,
    warm: bool = False,
    promoted: str | None = None,
    champion: str | None = None,
) -> BuildPlan:
    """Decide fit or score from the stored ``versions`` (rows of the registry).

    Fits when no version exists, or ``refit`` or ``candidate`` is set (a candidate is
    compared with the champion, not scored with); ``warm`` starts that fit from the
    champion. Otherwise scores with the pinned version, the ``promoted`` one or the
    ``champion`` (the last activated version; the newest when none is recorded).
    Raises ``ValueError`` (one line: what is wrong and the fix) for an unknown pinned or
    promoted version, contradictory flags, or a scoring build whose feature vars
    differ from the version it scores with.
    """
    known = sorted(versions, key=lambda row: int(row["version_number"]))
    names = [str(row["model_version"]) for row in known]
    next_number = (int(known[-1]["version_number"]) + 1) if known else 1
    new_version = f"v{next_number:04d}-{today}"
    listed = ", ".join(names) if names else "none (no version fitted yet)"
    fits = "refit" if refit else "fit_candidate" if candidate else None
    if refit and candidate:
        raise ValueError(
            "vars refit: true and fit_candidate: true contradict each other: refit makes the "
            "new version the champion, fit_candidate does not; drop one of them"
        )
    if pinned is not None and fits:
        raise ValueError(
            f"vars model_version ({pinned!r}) and {fits}: true contradict each other: a fit "
            "makes a new version; drop one of them"
        )
    if promoted is not None and (fits or pinned is not None):
        raise ValueError(
            f"var promote ({promoted!r}) goes in a build of its own: drop {fits or 'model_version'}"
        )
    for var, wanted in (("model_version", pinned), ("promote", promoted)):
        if wanted is not None and wanted not in names:
            raise ValueError(f"var {var} {wanted!r} is not a fitted version; known: {listed}")
    if warm and not fits:
        raise ValueError("var warm_start: true needs fit_candidate: true or refit: true")
    current = champion if champion in names else (names[-1] if names else None)
    if warm and current is None:
        raise ValueError("var warm_start: true needs a champion; no version is fitted yet")
    if fits or not known:
        purpose = PURPOSE_FIRST_FIT if not known else PURPOSE_REFIT if refit else PURPOSE_CANDIDATE
        return BuildPlan(
            fit=True,
            version_number=next_number,
            model_version=new_version,
            purpose=purpose,
            warm_start_from=current if warm else None,
        )
    scored = pinned or promoted or current
    active = next(row for row in known if row["model_version"] == scored)
    differences = feature_param_differences(params, active)
    if differences:
        raise ValueError(
            f"the vars that shape the model differ from active version "
            f"{active['model_version']} ({'; '.join(differences)}): run with "
            "--vars '{refit: true}' to fit a new version, or restore the vars"
        )
    return BuildPlan(
        fit=False,
        version_number=int(active["version_number"]),
        model_version=str(active["model_version"]),
    )


def _struct(fields: dict[str, pa.DataType]) -> pa.DataType:
    return pa.list_(pa.struct([pa.field(name, dtype) for name, dtype in fields.items()]))


#: One row per fitted version; per-version parameters are lists of structs that the
#: SQL views of the registry unnest.
REGISTRY_SCHEMA = pa.schema(
    [
        ("model_version", pa.string()),
        ("version_number", pa.int32()),
        ("content_hash", pa.string()),
        ("fitted_at", pa.timestamp("us", tz="UTC")),
        ("fitted_by_invocation_id", pa.string()),
        ("package_version", pa.string()),
        ("fit_purpose", pa.string()),
        ("warm_started_from", pa.string()),
        ("training_rows", pa.int64()),
        ("training_as_of_date", pa.date32()),
        ("fit_sample_rows", pa.int64()),
        ("input_fingerprint", pa.string()),
        ("k", pa.int32()),
        ("k_selection_method", pa.string()),
        ("silhouette", pa.float64()),
        ("structure_verdict", pa.string()),
        ("segment_features", pa.string()),
        ("features_used", pa.string()),
        ("dropped_features", pa.string()),
        ("log1p_features", pa.string()),
        ("k_min", pa.int32()),
        ("k_max", pa.int32()),
        ("segment_count", pa.int32()),
        ("random_state", pa.int64()),
        ("n_init", pa.int32()),
        ("fit_sample_size", pa.int64()),
        ("k_selection_sample_size", pa.int64()),
        ("silhouette_sample_size", pa.int64()),
        ("min_segment_share", pa.float64()),
        ("clip_quantile", pa.float64()),
        ("stability_resamples", pa.int32()),
        ("stability_sample_size", pa.int64()),
        (
            "scaler",
            _struct(
                {
                    "feature_index": pa.int32(),
                    "feature": pa.string(),
                    "transform": pa.string(),
                    "mean": pa.float64(),
                    "std": pa.float64(),
                    "clip_lower": pa.float64(),
                    "clip_upper": pa.float64(),
                }
            ),
        ),
        (
            "centroids",
            _struct(
                {
                    "cluster_id": pa.int32(),
                    "feature_index": pa.int32(),
                    "feature": pa.string(),
                    "centroid_z": pa.float64(),
                    "centroid_value": pa.float64(),
                }
            ),
        ),
        (
            "personas",
            _struct(
                {
                    "cluster_id": pa.int32(),
                    "persona_id": pa.string(),
                    "persona_name": pa.string(),
                    "is_named": pa.bool_(),
                    "match_score": pa.float64(),
                    "runner_up_persona_id": pa.string(),
                    "runner_up_score": pa.float64(),
                }
            ),
        ),
        (
            "pca",
            _struct(
                {
                    "component": pa.int32(),
                    "explained_variance_ratio": pa.float64(),
                    "feature_index": pa.int32(),
                    "feature": pa.string(),
                    "loading": pa.float64(),
                    "centre_z": pa.float64(),
                }
            ),
        ),
        (
            "clusters",
            _struct(
                {
                    "cluster_id": pa.int32(),
                    "training_customers": pa.int64(),
                    "training_share": pa.float64(),
                    "mean_distance": pa.float64(),
                    "distance_p50": pa.float64(),
                    "distance_p95": pa.float64(),
                    "distance_p99": pa.float64(),
                }
            ),
        ),
        (
            "k_selection",
            _struct(
                {
                    "k": pa.int32(),
                    "silhouette": pa.float64(),
                    "davies_bouldin": pa.float64(),
                    "calinski_harabasz": pa.float64(),
                    "inertia": pa.float64(),
                    "smallest_cluster_share": pa.float64(),
                    "structure_verdict": pa.string(),
                    "is_eligible": pa.bool_(),
                    "is_chosen": pa.bool_(),
                    "k_selection_sample_size": pa.int64(),
                    "silhouette_sample_size": pa.int64(),
                }
            ),
        ),
        (
            "feature_deciles",
            _struct(
                {
                    "feature": pa.string(),
                    "decile": pa.int32(),
                    "lower_edge": pa.float64(),
                    "upper_edge": pa.float64(),
                    "training_share": pa.float64(),
                    "training_mean": pa.float64(),
                    "training_std": pa.float64(),
                }
            ),
        ),
        (
            "stability",
            _struct(
                {
                    "cluster_id": pa.int32(),
                    "mean_jaccard": pa.float64(),
                    "dissolved_resamples": pa.int32(),
                    "recovered_resamples": pa.int32(),
                    "resamples": pa.int32(),
                    "sample_rows": pa.int64(),
                }
            ),
        ),
    ]
)


def _number(value: float) -> float | None:
    """A float for the registry; NaN (undefined) is stored as NULL."""
    value = float(value)
    return None if np.isnan(value) else value


def registry_row(
    model: SegmentModel,
    *,
    model_version: str,
    version_number: int,
    fitted_at: dt.datetime,
    invocation_id: str | None,
    package_version: str,
    fit_purpose: str | None = None,
    warm_started_from: str | None = None,
    training_as_of_date: dt.date | None = None,
) -> dict[str, Any]:
    """One registry row (plain Python values, nested lists of dicts) for ``model``."""
    from bank_segments.clustering import structure_verdict

    params = model.params
    features = model.features
    d = len(features)
    centroids_original = model.centroids_original
    stats = model.cluster_stats
    return {
        "model_version": model_version,
        "version_number": version_number,
        "content_hash": model.content_hash,
        "fitted_at": fitted_at,
        "fitted_by_invocation_id": invocation_id,
        "package_version": package_version,
        "fit_purpose": fit_purpose,
        "warm_started_from": warm_started_from,
        "training_rows": model.training_rows,
        "training_as_of_date": training_as_of_date,
        "fit_sample_rows": model.sample_rows,
        "input_fingerprint": model.input_fingerprint,
        "k": model.k,
        "k_selection_method": model.k_selection_method,
        "silhouette": _number(model.silhouette),
        "structure_verdict": model.structure_verdict,
        "segment_features": ",".join(params.segment_features),
        "features_used": ",".join(features),
        "dropped_features": ",".join(model.dropped_features),
        "log1p_features": ",".join(params.log1p_features),
        "k_min": params.k_min,
        "k_max": params.k_max,
        "segment_count": params.segment_count,
        "random_state": params.random_state,
        "n_init": params.n_init,
        "fit_sample_size": params.fit_sample_size,
        "k_selection_sample_size": params.k_selection_sample_size,
        "silhouette_sample_size": params.silhouette_sample_size,
        "min_segment_share": params.min_segment_share,
        "clip_quantile": params.clip_quantile,
        "stability_resamples": params.stability_resamples,
        "stability_sample_size": params.stability_sample_size,
        "scaler": [
            {
                "feature_index": j + 1,
                "feature": features[j],
                "transform": model.scaler.transforms[j],
                "mean": float(model.scaler.mean[j]),
                "std": float(model.scaler.std[j]),
                "clip_lower": float(model.clip_lower[j]),
                "clip_upper": float(model.clip_upper[j]),
            }
            for j in range(d)
        ],
        "centroids": [
            {
                "cluster_id": c + 1,
                "feature_index": j + 1,
                "feature": features[j],
                "centroid_z": float(model.centroids_z[c, j]),
                "centroid_value": float(centroids_original[c, j]),
            }
            for c in range(model.k)
            for j in range(d)
        ],
        "personas": [
            {
                "cluster_id": m.cluster_id,
                "persona_id": m.persona_id,
                "persona_name": m.persona_name,
                "is_named": m.is_named,
                "match_score": m.match_score,
                "runner_up_persona_id": m.runner_up_persona_id,
                "runner_up_score": m.runner_up_score,
            }
            for m in model.personas
        ],
        "pca": [
            {
                "component": c + 1,
                "explained_variance_ratio": float(model.projection.explained_variance_ratio[c]),
                "feature_index": j + 1,
                "feature": features[j],
                "loading": float(model.projection.components[c, j]),
                "centre_z": float(model.projection.mean[j]),
            }
            for c in range(model.projection.components.shape[0])
            for j in range(d)
        ],
        "clusters": [
            {
                "cluster_id": c + 1,
                "training_customers": int(stats.training_customers[c]),
                "training_share": float(stats.training_share[c]),
                "mean_distance": float(stats.mean_distance[c]),
                "distance_p50": float(stats.distance_quantiles[c, 0]),
                "distance_p95": float(stats.distance_quantiles[c, 1]),
                "distance_p99": float(stats.distance_quantiles[c, 2]),
            }
            for c in range(model.k)
        ],
        "k_selection": [
            {
                "k": s.k,
                "silhouette": _number(s.silhouette),
                "davies_bouldin": float(s.davies_bouldin),
                "calinski_harabasz": float(s.calinski_harabasz),
                "inertia": float(s.inertia),
                "smallest_cluster_share": float(s.smallest_cluster_share),
                "structure_verdict": structure_verdict(s.silhouette),
                "is_eligible": bool(s.is_eligible),
                "is_chosen": s.k == model.k,
                "k_selection_sample_size": s.k_selection_sample_size,
                "silhouette_sample_size": s.silhouette_sample_size,
            }
            for s in model.k_scores
        ],
        "feature_deciles": [row for deciles in model.deciles for row in deciles.rows()],
        "stability": [
            {
                "cluster_id": item["cluster_id"],
                "mean_jaccard": item["mean_jaccard"],
                "dissolved_resamples": item["dissolved_resamples"],
                "recovered_resamples": item["recovered_resamples"],
                "resamples": item["resamples"],
                "sample_rows": item["sample_size"],
            }
            for item in (model.stability.rows() if model.stability is not None else [])
        ],
    }


def registry_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    """The registry rows as an Arrow table of :data:`REGISTRY_SCHEMA` (zero rows is fine)."""
    return pa.Table.from_pylist(list(rows), schema=REGISTRY_SCHEMA)


def read_fit_sample(relation: Any, features: Sequence[str]) -> tuple[list[str], np.ndarray, int]:
    """Ids, ``(n, d)`` float64 values and population size from ``segment_fit_sample``.

    Rows are ordered by the sample key (a hash of customer id and seed), then id, so the
    order, and with it the fit, does not depend on the order of the input file.
    """
    check_sample_columns(relation.columns, features)
    columns = [
        f"cast({ID_COLUMN} as varchar) as {ID_COLUMN}",
        "population_rows",
        "sample_key",
        *(f'cast("{name}" as double) as "{name}"' for name in features),
    ]
    table = relation.project(", ".join(columns)).order(f"sample_key, {ID_COLUMN}").to_arrow_table()
    return fit_sample_arrays(table, features)


def check_sample_columns(columns: Sequence[str], features: Sequence[str]) -> None:
    """Raise ``ValueError`` naming the var when a segment feature is not a sample column."""
    available = {column.lower() for column in columns}
    missing = [name for name in features if name not in available]
    if missing:
        raise ValueError(
            f"var segment_features names {missing}, which are not columns of "
            f"int_customer_features (available: {sorted(available)})"
        )


def fit_sample_arrays(
    table: pa.Table, features: Sequence[str], empty_message: str | None = None
) -> tuple[list[str], np.ndarray, int]:
    """Ids, ``(n, d)`` float64 values and population size from the ordered sample.

    ``table`` holds ``customer_id``, ``population_rows`` and the features as doubles, in
    sample order (any engine: DuckDB's relation, Spark's ``DataFrame.toArrow()``). An
    empty sample raises ``ValueError`` with ``empty_message``.
    """
    if table.num_rows == 0:
        raise ValueError(
            empty_message or "int_customer_features has no customers to fit the segment model on"
        )
    values = np.empty((table.num_rows, len(features)), dtype=np.float64)
    for j, name in enumerate(features):
        values[:, j] = table.column(name).to_numpy()
    population = int(table.column("population_rows")[0].as_py())
    return table.column(ID_COLUMN).to_pylist(), values, population


def fit_registry_row(
    ids: Sequence[str],
    values: np.ndarray,
    population: int,
    persona_rows: Sequence[dict[str, Any]],
    weight_rows: Sequence[dict[str, Any]],
    params: FitParams,
    plan: BuildPlan,
    *,
    fitted_at: dt.datetime,
    invocation_id: str | None,
    champion_row: dict[str, Any] | None = None,
    training_as_of_date: dt.date | None = None,
) -> dict[str, Any]:
    """Fit one version on the ordered sample and return its registry row.

    The one fitting path of every engine: the dbt Python model on DuckDB and
    ``bank-segments fit --target spark`` both call it with the sample, the persona seeds
    (``personas``, ``persona_signature_weights`` rows) and :class:`FitParams` read from
    the same model config, so equal inputs give an equal ``content_hash``. A plan with
    ``warm_start_from`` needs that version's registry row as ``champion_row``;
    ``training_as_of_date`` is the latest as-of date of the customers it was fitted on.
    """
    # scikit-learn and SciPy load only when a build fits
    from bank_segments import __version__
    from bank_segments.personas import personas_from_rows
    from bank_segments.segment_model import fit_segment_model

    personas = personas_from_rows(persona_rows, weight_rows)
    start = None
    if plan.warm_start_from is not None:
        start = warm_start_centroids(champion_row, plan.warm_start_from)
    fitted = fit_segment_model(
        values, params, personas, ids=ids, training_rows=population, start_from=start
    )
    return registry_row(
        fitted,
        model_version=str(plan.model_version),
        version_number=plan.version_number,
        fitted_at=fitted_at,
        invocation_id=invocation_id,
        package_version=__version__,
        fit_purpose=plan.purpose,
        warm_started_from=plan.warm_start_from,
        training_as_of_date=training_as_of_date,
    )


def warm_start_centroids(row: dict[str, Any] | None, version: str) -> WarmStart:
    """The champion's centroids (original units, features in its z-vector order) from
    its registry ``row`` (``centroids``, ``features_used``, ``k``), for a warm start."""
    from bank_segments.segment_model import WarmStart

    if row is None or row.get("model_version") != version:
        raise ValueError(f"warm start: the registry row of champion {version} was not read")
    features = tuple(item for item in (row["features_used"] or "").split(",") if item)
    k = int(row["k"])
    if k < 2 or not features:
        raise ValueError(
            f"warm start: champion {version} has {k} segment(s) and no structure to start "
            "from; fit without warm_start"
        )
    centroids = np.zeros((k, len(features)))
    for item in row["centroids"]:
        centroids[item["cluster_id"] - 1, item["feature_index"] - 1] = item["centroid_value"]
    return WarmStart(version=version, features=features, centroids=centroids)


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def read_champion(session: Any, this: Any, names: Sequence[str]) -> str | None:
    """The champion before this build, as the macro stored_champion reads it: the last
    published row of segment_model_activations (``this``'s schema), else the newest of
    ``names``. ``session`` is the DuckDB connection of the dbt Python model."""
    quoted = ".".join(f'"{part}"' for part in (this.database, this.schema))
    found = session.sql(
        "select count(*) from information_schema.tables where table_catalog = "
        f"{_literal(this.database)} and table_schema = {_literal(this.schema)} "
        "and table_name = 'segment_model_activations__published'"
    ).fetchall()
    if found[0][0]:
        last = session.sql(
            f"select model_version from {quoted}.segment_model_activations__published "
            "order by activation_number desc limit 1"
        ).fetchall()
        if last:
            return str(last[0][0])
    return names[-1] if names else None


def model_from_registry_row(row: dict[str, Any]) -> SegmentModel:
    """Rebuild the scoring part of a :class:`SegmentModel` from one registry row.

    ``row`` is a row of ``segment_model_fit`` as Python values (nested lists of dicts),
    e.g. ``relation.to_arrow_table().to_pylist()[0]``. What scoring needs (features,
    scaler, centroids, PCA, per-cluster p99) is exact; the K-selection record, personas
    and deciles are not rebuilt. Used to check the SQL scoring against :func:`score`.
    """
    from bank_segments.clustering import Projection, Scaler
    from bank_segments.segment_model import ClusterStats, SegmentModel

    def split(text: str | None) -> tuple[str, ...]:
        return tuple(item for item in (text or "").split(",") if item)

    scaler_rows = sorted(row["scaler"], key=lambda item: item["feature_index"])
    d, k = len(scaler_rows), int(row["k"])
    centroids = np.zeros((k, d))
    for item in row["centroids"]:
        centroids[item["cluster_id"] - 1, item["feature_index"] - 1] = item["centroid_z"]
    components, centre = np.zeros((2, d)), np.zeros(d)
    ratio = np.zeros(2)
    for item in row["pca"]:
        components[item["component"] - 1, item["feature_index"] - 1] = item["loading"]
        centre[item["feature_index"] - 1] = item["centre_z"]
        ratio[item["component"] - 1] = item["explained_variance_ratio"]
    clusters = sorted(row["clusters"], key=lambda item: item["cluster_id"])
    params = fit_params_from_row(row)
    return SegmentModel(
        params=params,
        training_rows=int(row["training_rows"]),
        sample_rows=int(row["fit_sample_rows"]),
        input_fingerprint=str(row["input_fingerprint"]),
        dropped_features=split(row["dropped_features"]),
        scaler=Scaler(
            features=tuple(item["feature"] for item in scaler_rows),
            mean=np.array([item["mean"] for item in scaler_rows]),
            std=np.array([item["std"] for item in scaler_rows]),
            log1p=tuple(item["transform"] == "log1p" for item in scaler_rows),
        ),
        clip_lower=np.array([item["clip_lower"] for item in scaler_rows]),
        clip_upper=np.array([item["clip_upper"] for item in scaler_rows]),
        k_scores=(),
        k=k,
        k_selection_method=str(row["k_selection_method"]),
        silhouette=float("nan") if row["silhouette"] is None else float(row["silhouette"]),
        structure_verdict=str(row["structure_verdict"]),
        centroids_z=centroids,
        personas=(),
        projection=Projection(components=components, explained_variance_ratio=ratio, mean=centre),
        cluster_stats=ClusterStats(
            training_customers=np.array([item["training_customers"] for item in clusters]),
            training_share=np.array([item["training_share"] for item in clusters]),
            mean_distance=np.array([item["mean_distance"] for item in clusters]),
            distance_quantiles=np.array(
                [
                    [item["distance_p50"], item["distance_p95"], item["distance_p99"]]
                    for item in clusters
                ]
            ),
        ),
        deciles=(),
        content_hash=str(row["content_hash"]),
    )
