"""The segment model as a stored asset: fit once on a sample, score anywhere.

:func:`fit_segment_model` turns a fixed-seed sample of customers (original units, rows in
sample order) into a :class:`SegmentModel`: every number scoring needs (scaler with clip
bounds, centroids, PCA) plus what judges and monitors it (K selection, persona map,
per-cluster training distance quantiles, per-feature training deciles), and a
``content_hash`` over all of it. :func:`score` is the reference implementation of the SQL
scoring in ``customer_segments`` (its scoring columns are ``customer_scores``): the same
arithmetic in the same order, so the two agree to floating-point rounding.

Robustness (a few customers must not hijack the fit):

* each feature is clipped at its ``clip_quantile`` / ``1 - clip_quantile`` training
  quantiles before the mean, standard deviation, K selection, centroids and PCA are
  fitted; scoring does **not** clip, so an extreme customer lands far from every
  centroid and is flagged as an outlier (distance beyond its cluster's training p99);
* K candidates whose smallest cluster is below ``min_segment_share`` are ineligible;
* a feature that is constant (after clipping) is left out with a warning;
* a sample without two distinct customers gets a one-segment model with the verdict
  "no substantial structure" instead of an error.

Pure functions over NumPy arrays; no I/O.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from bank_segments.clustering import (
    NO_STRUCTURE,
    KScore,
    Projection,
    Scaler,
    count_distinct_rows,
    fit_final,
    fit_pca,
    sample_rows,
    select_k,
    structure_verdict,
)
from bank_segments.drift import FeatureReference, training_deciles
from bank_segments.fit_params import FitParams
from bank_segments.personas import Persona, PersonaMatch, match_personas
from bank_segments.stability import ClusterStability, bootstrap_stability

METHOD_NO_STRUCTURE = "no structure: fewer than 2 distinct customers"

#: Training distance quantiles stored per cluster; the outlier flag uses the last.
DISTANCE_QUANTILES: tuple[float, ...] = (0.50, 0.95, 0.99)


class ConstantFeatureWarning(UserWarning):
    """A segmentation feature was left out of the fit because it does not vary."""


# ------------------------------------------------------------------------ the model


@dataclass(frozen=True)
class ClusterStats:
    """Per cluster, measured by scoring the training sample (unclipped, as SQL scores)."""

    training_customers: np.ndarray
    training_share: np.ndarray
    mean_distance: np.ndarray
    #: ``(k, len(DISTANCE_QUANTILES))`` distance-to-own-centroid quantiles.
    distance_quantiles: np.ndarray


@dataclass(frozen=True)
class SegmentModel:
    """A fitted segment model. Arrays use ``k`` clusters and ``d`` used features."""

    params: FitParams
    training_rows: int
    sample_rows: int
    input_fingerprint: str
    dropped_features: tuple[str, ...]
    scaler: Scaler
    clip_lower: np.ndarray
    clip_upper: np.ndarray
    k_scores: tuple[KScore, ...]
    k: int
    k_selection_method: str
    silhouette: float
    structure_verdict: str
    centroids_z: np.ndarray
    personas: tuple[PersonaMatch, ...]
    projection: Projection
    cluster_stats: ClusterStats
    #: per used feature: training decile cut points, bin shares, mean and std
    #: (raw units, before clipping), the drift baseline (bank_segments.drift)
    deciles: tuple[FeatureReference, ...]
    #: Hennig's bootstrap stability of the clusters on a bounded subsample of the fit
    #: sample; None when not measured (one segment, stability_resamples 0, too few rows)
    stability: ClusterStability | None = None
    content_hash: str = field(default="")

    @property
    def features(self) -> tuple[str, ...]:
        return self.scaler.features

    @property
    def centroids_original(self) -> np.ndarray:
        """Centroids in original units (a log1p feature's centre is expm1 of the mean log)."""
        if not self.features:
            return np.zeros((self.k, 0))
        return self.scaler.inverse_transform(self.centroids_z)


# ------------------------------------------------------------------------ fitting


@dataclass(frozen=True)
class WarmStart:
    """A fitted version to start a new fit from (BigQuery ML's WARM_START): its
    ``centroids`` ``(k, d)`` in original units, columns in the order of ``features``."""

    version: str
    features: tuple[str, ...]
    centroids: np.ndarray


#: k_selection_method of a warm-started fit (followed by the version it started from).
METHOD_WARM_START = "warm start from"


def fit_segment_model(
    values: np.ndarray,
    params: FitParams,
    personas: Sequence[Persona],
    *,
    ids: Sequence[str] | None = None,
    training_rows: int | None = None,
    start_from: WarmStart | None = None,
) -> SegmentModel:
    """Fit a :class:`SegmentModel` on ``(n, len(params.segment_features))`` ``values``.

    ``values`` are in original units, rows in sample order (the warehouse orders the
    sample by a hash of customer id and seed, so the order does not depend on the file).
    ``ids`` (customer ids in the same order) and ``training_rows`` (valid customers the
    sample was drawn from; default ``n``) only enter the input fingerprint and metadata.
    Warns :class:`ConstantFeatureWarning` for each feature left out. ``start_from``
    skips the choice of K: K-Means starts from that version's centroids (put through
    this fit's scaler) with its K, which must use the same features.
    """
    features = params.segment_features
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != len(features):
        raise ValueError(f"expected an (n, {len(features)}) array, got shape {values.shape}")
    n = values.shape[0]
    if n < 1:
        raise ValueError("no customers to fit the segment model on")
    if not np.isfinite(values).all():
        raise ValueError("feature values contain missing (NaN) or infinite entries")
    log1p = tuple(name in set(params.log1p_features) for name in features)
    for column, (flag, name) in enumerate(zip(log1p, features, strict=True)):
        if flag and values[:, column].min() < 0:
            raise ValueError(f"log1p feature {name!r} has negative values")

    q = params.clip_quantile
    lower = np.quantile(values, q, axis=0) if q > 0 else values.min(axis=0)
    upper = np.quantile(values, 1 - q, axis=0) if q > 0 else values.max(axis=0)
    clipped = np.clip(values, lower, upper)
    transformed = _apply_log1p(clipped, log1p)
    mean = transformed.mean(axis=0)
    std = np.sqrt(((transformed - mean) ** 2).mean(axis=0))
    keep = std > 1e-12 * np.maximum(1.0, np.abs(mean))
    dropped = tuple(name for name, kept in zip(features, keep, strict=True) if not kept)
    for name in dropped:
        warnings.warn(
            f"feature {name!r} is constant in the fit sample (after clipping at the "
            f"{q:g} / {1 - q:g} quantiles) and is left out of the segment model",
            ConstantFeatureWarning,
            stacklevel=2,
        )
    used = np.flatnonzero(keep)
    scaler = Scaler(
        features=tuple(features[j] for j in used),
        mean=mean[used],
        std=std[used],
        log1p=tuple(log1p[j] for j in used),
    )
    z_fit = (transformed[:, used] - scaler.mean) / scaler.std

    distinct = count_distinct_rows(z_fit, limit=max(params.k_max, params.segment_count or 0))
    if len(used) == 0 or distinct < 2:
        k_scores: tuple[KScore, ...] = ()
        k, method, silhouette = 1, METHOD_NO_STRUCTURE, float("nan")
        centroids = np.zeros((1, len(used)))
        verdict = NO_STRUCTURE
        matches: tuple[PersonaMatch, ...] = (
            PersonaMatch(1, "unnamed_1", "Unnamed segment 1", False, None, None, None),
        )
    else:
        segment_count = params.segment_count
        if start_from is not None:
            # the champion's K only, scored on this sample for the record
            k_min = k_max = _warm_start_k(start_from, scaler.features, distinct)
            segment_count = None
        else:
            k_max = min(params.k_max, distinct)
            k_min = min(params.k_min, k_max)
        if segment_count is not None and segment_count > distinct:
            raise ValueError(
                f"var segment_count={segment_count} is larger than the {distinct} distinct "
                "customers in the fit sample; lower segment_count"
            )
        selection = select_k(
            z_fit,
            k_min,
            k_max,
            segment_count=segment_count,
            random_state=params.random_state,
            n_init=params.n_init,
            k_selection_sample_size=params.k_selection_sample_size,
            silhouette_sample_size=params.silhouette_sample_size,
            min_segment_share=params.min_segment_share,
        )
        if start_from is not None:
            initial = scaler.transform(np.asarray(start_from.centroids, dtype=np.float64))
            method = f"{METHOD_WARM_START} {start_from.version}"
        else:
            initial, method = selection.chosen.centroids, selection.method
        final = fit_final(z_fit, initial, random_state=params.random_state)
        k_scores, k = selection.scores, selection.chosen_k
        silhouette = selection.chosen.silhouette
        centroids = final.centroids
        verdict = structure_verdict(silhouette)
        matches = match_personas(centroids, scaler.features, personas) if personas else ()

    projection = _fit_projection(z_fit)
    model = SegmentModel(
        params=params,
        training_rows=int(training_rows if training_rows is not None else n),
        sample_rows=n,
        input_fingerprint=input_fingerprint(values, ids, training_rows),
        dropped_features=dropped,
        scaler=scaler,
        clip_lower=lower[used],
        clip_upper=upper[used],
        k_scores=k_scores,
        k=k,
        k_selection_method=method,
        silhouette=silhouette,
        structure_verdict=verdict,
        centroids_z=centroids,
        personas=matches,
        projection=projection,
        cluster_stats=ClusterStats(
            np.zeros(k, np.int64), np.zeros(k), np.zeros(k), np.zeros((k, 3))
        ),
        deciles=tuple(
            training_deciles(values[:, j], name)
            for name, j in zip(scaler.features, used, strict=True)
        ),
    )
    scores = score(values, model)
    model = _with_cluster_stats(model, scores)
    model = replace(model, stability=fit_stability(z_fit, centroids, params))
    return _with_hash(model)


def _warm_start_k(start_from: WarmStart, features: tuple[str, ...], distinct: int) -> int:
    """The K of a warm start: the champion's, when it uses this fit's features and the
    sample has that many distinct customers; else ``ValueError`` with the fix."""
    if tuple(start_from.features) != features:
        raise ValueError(
            f"warm start: champion {start_from.version} uses features "
            f"{list(start_from.features)}, this fit {list(features)}; fit without "
            "warm_start (or restore the champion's segment_features)"
        )
    k = start_from.centroids.shape[0]
    if k > distinct:
        raise ValueError(
            f"warm start: champion {start_from.version} has K={k}, more than the "
            f"{distinct} distinct customers in the fit sample; fit without warm_start"
        )
    return k


#: Offset of the stability subsample's seed from random_state (the silhouette uses +1).
STABILITY_SEED_OFFSET = 2


def fit_stability(
    z_fit: np.ndarray, centroids: np.ndarray, params: FitParams
) -> ClusterStability | None:
    """Hennig's bootstrap stability of the fitted clusters, or None when not measurable.

    Draws ``params.stability_sample_size`` rows of the (clipped, standardized) fit sample
    with seed ``random_state + 2``, labels them by their nearest fitted centroid and runs
    :func:`bank_segments.stability.bootstrap_stability` with ``stability_resamples``
    resamples, the model's ``n_init`` and ``random_state``. Not measured (None) for a
    one-segment model, ``stability_resamples`` 0, fewer than ``2 k`` rows, or a cluster
    with no row in the subsample.
    """
    k = centroids.shape[0]
    if k < 2 or params.stability_resamples < 1 or z_fit.shape[1] == 0:
        return None
    rows = sample_rows(
        z_fit.shape[0], params.stability_sample_size, params.random_state + STABILITY_SEED_OFFSET
    )
    z_sample = z_fit[rows]
    squared = ((z_sample[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    labels = squared.argmin(axis=1)
    if len(labels) < 2 * k or len(np.unique(labels)) < k:
        return None
    return bootstrap_stability(
        z_sample,
        labels,
        resamples=params.stability_resamples,
        n_init=params.n_init,
        random_state=params.random_state,
    )


def _apply_log1p(values: np.ndarray, flags: Sequence[bool]) -> np.ndarray:
    result = values.copy()
    flagged = np.flatnonzero(flags)
    if len(flagged):
        result[:, flagged] = np.log1p(values[:, flagged])
    return result


def _fit_projection(z_values: np.ndarray) -> Projection:
    """2-D PCA; with fewer than two features the missing components are all-zero."""
    d = z_values.shape[1]
    if d >= 2 and z_values.shape[0] >= 2:
        return fit_pca(z_values)
    components = np.zeros((2, d))
    ratio = np.zeros(2)
    if d == 1:
        components[0, 0] = 1.0
        ratio[0] = 1.0
    mean = z_values.mean(axis=0) if len(z_values) else np.zeros(d)
    return Projection(components=components, explained_variance_ratio=ratio, mean=mean)


def input_fingerprint(
    values: np.ndarray, ids: Sequence[str] | None, training_rows: int | None
) -> str:
    """sha256 of the fit sample (ids, values as float64 bytes) and the population size."""
    digest = hashlib.sha256()
    digest.update(f"rows={training_rows};shape={values.shape}".encode())
    if ids is not None:
        digest.update("\x00".join(str(i) for i in ids).encode())
    digest.update(np.ascontiguousarray(values, dtype="<f8").tobytes())
    return digest.hexdigest()


def _with_cluster_stats(model: SegmentModel, scores: Scores) -> SegmentModel:
    k = model.k
    labels = scores.cluster_index
    customers = np.bincount(labels, minlength=k)
    share = customers / max(len(labels), 1)
    mean_distance = np.zeros(k)
    quantiles = np.zeros((k, len(DISTANCE_QUANTILES)))
    for cluster in range(k):
        own = scores.distance_to_centroid[labels == cluster]
        if len(own):
            mean_distance[cluster] = own.mean()
            quantiles[cluster] = np.quantile(own, DISTANCE_QUANTILES)
    stats = ClusterStats(customers.astype(np.int64), share, mean_distance, quantiles)
    return replace(model, cluster_stats=stats)


# ------------------------------------------------------------------------ scoring


@dataclass(frozen=True)
class Scores:
    """Per-customer scores, shape ``(n,)``; what ``customer_segments`` computes in SQL."""

    cluster_index: np.ndarray
    distance_to_centroid: np.ndarray
    #: NaN for a one-segment model.
    distance_to_nearest_other: np.ndarray
    pca: np.ndarray
    is_outlier: np.ndarray

    @property
    def cluster_id(self) -> np.ndarray:
        return self.cluster_index + 1

    @property
    def margin(self) -> np.ndarray:
        return self.distance_to_nearest_other - self.distance_to_centroid


def standardize(values: np.ndarray, model: SegmentModel) -> np.ndarray:
    """z-values ``(n, d)`` of ``(n, len(segment_features))`` values, unclipped, as SQL does."""
    columns = [model.params.segment_features.index(name) for name in model.features]
    selected = np.asarray(values, dtype=np.float64)[:, columns]
    transformed = _apply_log1p(selected, model.scaler.log1p)
    return (transformed - model.scaler.mean) / model.scaler.std


def score(values: np.ndarray, model: SegmentModel) -> Scores:
    """Score ``(n, len(segment_features))`` values in original units with ``model``.

    The reference for the SQL model: z = (t(x) - mean) / std without clipping, squared
    Euclidean distance to every centroid, the nearest (the lowest cluster on an exact
    tie), the nearest other, PCA coordinates, and the outlier flag (distance to the own
    centroid beyond that cluster's training p99).
    """
    z_values = standardize(values, model)
    squared = ((z_values[:, None, :] - model.centroids_z[None, :, :]) ** 2).sum(axis=2)
    nearest = squared.argmin(axis=1)
    own = np.sqrt(squared[np.arange(len(squared)), nearest])
    if model.k > 1:
        others = squared.copy()
        others[np.arange(len(others)), nearest] = np.inf
        other = np.sqrt(others.min(axis=1))
    else:
        other = np.full(len(squared), np.nan)
    coords = (z_values - model.projection.mean) @ model.projection.components.T
    p99 = model.cluster_stats.distance_quantiles[:, -1]
    outlier = own > p99[nearest] if model.cluster_stats.training_customers.sum() else own < 0
    return Scores(nearest, own, other, coords, outlier)


@dataclass(frozen=True)
class Explanations:
    """Why each customer is in its segment and not the runner-up's, exactly.

    For k-means the squared margin ``d2(runner-up) - d2(own)`` splits into one term per
    feature, ``(z - c_runner_up)**2 - (z - c_own)**2``, which add up to it exactly: the
    reference for the view ``customer_segment_explanations``.
    """

    cluster_index: np.ndarray
    #: the nearest other cluster (the lowest on an exact tie); -1 for a one-segment model
    runner_up_index: np.ndarray
    #: ``(n,)``; NaN for a one-segment model
    squared_margin: np.ndarray
    #: ``(n, d)`` per used feature (``model.features`` order)
    contributions: np.ndarray
    #: ``(n, 3)`` feature indices of the three largest positive contributions, largest
    #: first, ties by feature name; -1 where fewer features pull toward the own segment
    reasons: np.ndarray


#: how many features explain a customer's segment
REASONS = 3


def explain(values: np.ndarray, model: SegmentModel) -> Explanations:
    """Explain the segment of ``(n, len(segment_features))`` values in original units."""
    z_values = standardize(values, model)
    rows = np.arange(len(z_values))
    squared = ((z_values[:, None, :] - model.centroids_z[None, :, :]) ** 2).sum(axis=2)
    nearest = squared.argmin(axis=1)
    d = len(model.features)
    if model.k < 2 or d == 0:
        return Explanations(
            nearest,
            np.full(len(rows), -1),
            np.full(len(rows), np.nan),
            np.zeros((len(rows), d)),
            np.full((len(rows), REASONS), -1),
        )
    others = squared.copy()
    others[rows, nearest] = np.inf
    runner_up = others.argmin(axis=1)
    own_gap = z_values - model.centroids_z[nearest]
    other_gap = z_values - model.centroids_z[runner_up]
    contributions = other_gap * other_gap - own_gap * own_gap
    by_name = np.argsort(np.argsort(model.features))
    order = np.lexsort((np.broadcast_to(by_name, contributions.shape), -contributions), axis=1)
    reasons = np.full((len(rows), REASONS), -1)
    for rank in range(min(REASONS, d)):
        feature = order[:, rank]
        reasons[:, rank] = np.where(contributions[rows, feature] > 0, feature, -1)
    margin = squared[rows, runner_up] - squared[rows, nearest]
    return Explanations(nearest, runner_up, margin, contributions, reasons)


# ------------------------------------------------------------------------ content hash


def _canonical(value: Any) -> Any:
    """A JSON-able structure in which every float is exact (``float.hex``)."""
    if isinstance(value, float | np.floating):
        value = float(value)
        return "nan" if math.isnan(value) else value.hex()
    if isinstance(value, np.ndarray):
        return [_canonical(item) for item in value.tolist()]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in sorted(value.items())}
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "__dataclass_fields__"):
        return {name: _canonical(getattr(value, name)) for name in value.__dataclass_fields__}
    raise TypeError(f"cannot serialize {type(value).__name__} for the content hash")


#: Fields hashed under the name they had when the hash was defined, so that renaming a
#: field in Python leaves the hash of unchanged content (and the registry's record of
#: which versions are identical) as it was.
_HASHED_NAMES = dict([("k_selection_sample_size", "fit_sample_size")])


def content_hash(model: SegmentModel) -> str:
    """sha256 of a canonical serialization of everything fitted (not of when or by whom)."""
    body = {
        name: getattr(model, name)
        for name in model.__dataclass_fields__
        if name not in {"content_hash", "k_scores"}
    }
    # the candidates' sample centroids seed the final fit; their scores are the record
    body["k_scores"] = [
        {
            _HASHED_NAMES.get(name, name): getattr(s, name)
            for name in s.__dataclass_fields__
            if name != "centroids"
        }
        for s in model.k_scores
    ]
    text = json.dumps(_canonical(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _with_hash(model: SegmentModel) -> SegmentModel:
    return replace(model, content_hash=content_hash(model))
