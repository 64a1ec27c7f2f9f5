"""Clustering core: standardize, choose K, fit K-Means, assign, project, judge.

Pure functions over NumPy arrays; no I/O. Shapes use ``n`` for customers, ``d`` for
features and ``k`` for clusters. Every random draw takes an explicit ``random_state``.

Scale: candidate K values are fitted on a fixed-seed sample of ``k_selection_sample_size``
rows
and the silhouette is exact up to ``silhouette_sample_size`` rows, sampled above it, so
no step is O(n²) beyond the sample size. The final K-Means at the chosen K runs on all
rows, started from the best sample fit (``n_init=1``). Memory stays O(n * d).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

from bank_segments.silhouette import silhouette_scores

#: Kaufman & Rousseeuw (1990): average silhouette above each bound earns that verdict.
#: Ordered from the strongest; a silhouette at or below every bound gets ``NO_STRUCTURE``.
STRUCTURE_VERDICTS: tuple[tuple[float, str], ...] = (
    (0.70, "strong"),
    (0.50, "reasonable"),
    (0.25, "weak"),
)
NO_STRUCTURE = "no substantial structure"

#: Rows per block when computing distances to centroids, to bound memory.
_ASSIGN_CHUNK_ROWS = 500_000
#: Rows per block for scaling and checks: no temporary larger than this many rows.
_BLOCK_ROWS = 500_000


# --------------------------------------------------------------------------- scaling


@dataclass(frozen=True)
class Scaler:
    """Per-feature transform, mean and standard deviation (population, ``ddof=0``).

    ``mean`` and ``std`` are in transformed units: for a ``log1p`` feature, the mean and
    std of ``log1p(x)``. A new customer is standardized as ``(t(x) - mean) / std``.
    """

    features: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray
    log1p: tuple[bool, ...]

    @property
    def transforms(self) -> tuple[str, ...]:
        """Name of the transform applied to each feature: ``'log1p'`` or ``'none'``."""
        return tuple("log1p" if flag else "none" for flag in self.log1p)

    def transform(self, values: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
        """Standardize an ``(n, d)`` array in original units to z-units (float64).

        Works in row blocks so no full-size temporary is made; pass ``out=values`` to
        standardize in place when the original units are no longer needed (at 10M rows
        that saves a 1 GB allocation).
        """
        values = _check_matrix(values, len(self.features))
        _check_log1p_domain(values, self.log1p, self.features)
        if out is None:
            out = np.empty(values.shape, dtype=np.float64)
        for start in range(0, values.shape[0], _BLOCK_ROWS):
            stop = start + _BLOCK_ROWS
            block = _apply(values[start:stop], self.log1p, np.log1p)
            np.subtract(block, self.mean, out=out[start:stop])
            out[start:stop] /= self.std
        return out

    def inverse_transform(self, z_values: np.ndarray) -> np.ndarray:
        """Map an ``(m, d)`` array in z-units back to original units."""
        z_values = _check_matrix(z_values, len(self.features))
        return _apply(z_values * self.std + self.mean, self.log1p, np.expm1)


def fit_scaler(
    values: np.ndarray,
    features: Sequence[str],
    log1p_features: Sequence[str],
) -> Scaler:
    """Fit a :class:`Scaler` on ``(n, d)`` ``values`` in original units, columns = ``features``.

    Raises ``ValueError`` when a ``log1p`` feature is not among ``features``, when a
    ``log1p`` feature has values below zero, when any value is missing or infinite, or when
    a feature is constant (it cannot be standardized and carries no segmentation signal:
    drop it from ``segment_features``).
    """
    features = tuple(features)
    if not features:
        raise ValueError("no segmentation features given")
    if len(set(features)) != len(features):
        raise ValueError(f"segmentation features repeat a name: {list(features)}")
    unknown = sorted(set(log1p_features) - set(features))
    if unknown:
        raise ValueError(f"log1p features {unknown} are not among the segmentation features")
    values = _check_matrix(values, len(features))
    if values.shape[0] < 2:
        raise ValueError(f"need at least 2 customers to segment, got {values.shape[0]}")
    flags = tuple(name in set(log1p_features) for name in features)
    _check_log1p_domain(values, flags, features)
    mean, std = _column_mean_std(values, flags)
    constant = [
        name
        for name, s, m in zip(features, std, mean, strict=True)
        if s <= 1e-12 * max(1.0, abs(m))
    ]
    if constant:
        raise ValueError(
            f"constant feature(s) {constant}: a feature with one value cannot be "
            "standardized; remove it from segment_features"
        )
    return Scaler(features=features, mean=mean, std=std, log1p=flags)


def _column_mean_std(values: np.ndarray, flags: Sequence[bool]) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and population std of the transformed values, two passes in blocks."""
    n = values.shape[0]
    total = np.zeros(values.shape[1])
    for start in range(0, n, _BLOCK_ROWS):
        total += _apply(values[start : start + _BLOCK_ROWS], flags, np.log1p).sum(axis=0)
    mean = total / n
    squares = np.zeros(values.shape[1])
    for start in range(0, n, _BLOCK_ROWS):
        block = _apply(values[start : start + _BLOCK_ROWS], flags, np.log1p) - mean
        squares += np.einsum("ij,ij->j", block, block)
    return mean, np.sqrt(squares / n)


def _apply(values: np.ndarray, flags: Sequence[bool], function: np.ufunc) -> np.ndarray:
    """``function`` applied to the flagged columns only (a copy; others unchanged)."""
    flagged = np.flatnonzero(flags)
    if len(flagged) == 0:
        return values
    result = values.copy()
    result[:, flagged] = function(values[:, flagged])
    return result


def _check_matrix(values: np.ndarray, width: int) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != width:
        raise ValueError(f"expected an (n, {width}) array, got shape {values.shape}")
    for start in range(0, values.shape[0], _BLOCK_ROWS):
        if not np.isfinite(values[start : start + _BLOCK_ROWS]).all():
            raise ValueError("feature values contain missing (NaN) or infinite entries")
    return values


def _check_log1p_domain(values: np.ndarray, flags: Sequence[bool], features: Sequence[str]) -> None:
    for column, (flag, name) in enumerate(zip(flags, features, strict=True)):
        if flag and values.shape[0] and values[:, column].min() < 0:
            raise ValueError(f"log1p feature {name!r} has negative values")


# ------------------------------------------------------------------------- K selection


@dataclass(frozen=True)
class KScore:
    """Quality of the best K-Means fit at one ``k`` on the fit sample.

    ``davies_bouldin``, ``calinski_harabasz``, ``inertia`` and ``smallest_cluster_share``
    are computed on the ``k_selection_sample_size`` rows; ``silhouette`` on
    ``silhouette_sample_size`` rows of that sample. ``centroids`` is ``(k, d)`` in z-units.
    """

    k: int
    silhouette: float
    davies_bouldin: float
    calinski_harabasz: float
    inertia: float
    smallest_cluster_share: float
    k_selection_sample_size: int
    silhouette_sample_size: int
    centroids: np.ndarray
    #: False when the smallest cluster is below ``min_segment_share`` of the sample.
    is_eligible: bool = True


@dataclass(frozen=True)
class KSelection:
    """Every candidate's score, the chosen ``k`` and how it was chosen."""

    scores: tuple[KScore, ...]
    chosen_k: int
    method: str

    @property
    def chosen(self) -> KScore:
        return next(score for score in self.scores if score.k == self.chosen_k)


METHOD_SILHOUETTE = "silhouette"
METHOD_FIXED = "fixed by segment_count"
#: No candidate met ``min_segment_share``: the best silhouette of all candidates is used.
METHOD_NONE_ELIGIBLE = "silhouette, no K met min_segment_share"


def sample_rows(n_rows: int, size: int | None, random_state: int) -> np.ndarray:
    """Sorted indices of a fixed-seed sample of ``size`` rows (all rows when ``size`` ≥ n)."""
    if size is None or size >= n_rows:
        return np.arange(n_rows)
    if size < 2:
        raise ValueError(f"sample size must be at least 2, got {size}")
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n_rows, size=size, replace=False))


def select_k(
    z_values: np.ndarray,
    k_min: int,
    k_max: int,
    *,
    segment_count: int | None,
    random_state: int,
    n_init: int,
    k_selection_sample_size: int | None,
    silhouette_sample_size: int | None,
    min_segment_share: float,
) -> KSelection:
    """Score K-Means for every ``k`` in ``k_min..k_max`` and choose one.

    ``z_values`` is ``(n, d)`` standardized. Rule: among the eligible candidates (whose
    smallest cluster holds at least ``min_segment_share`` of the sample, so a handful of
    extreme customers cannot claim a segment of their own) the highest silhouette wins,
    ties go to the smaller ``k``; when no candidate is eligible, the best of all is used
    and the method says so. A ``segment_count`` overrides the choice (it is scored too, and is
    added to the range if outside it); every ``k`` in the range is still scored.
    Raises ``ValueError`` when ``k`` exceeds the number of distinct customers.
    """
    z_values = _check_matrix(z_values, np.asarray(z_values).shape[-1])
    if k_min < 2:
        raise ValueError(f"k_min must be at least 2, got {k_min}")
    if k_max < k_min:
        raise ValueError(f"k_max ({k_max}) must not be below k_min ({k_min})")
    if n_init < 1:
        raise ValueError(f"n_init must be at least 1, got {n_init}")
    if not 0 <= min_segment_share < 1:
        raise ValueError(f"min_segment_share must be in [0, 1), got {min_segment_share}")
    ks = list(range(k_min, k_max + 1))
    if segment_count is not None:
        if segment_count < 2:
            raise ValueError(f"segment_count must be at least 2, got {segment_count}")
        ks = sorted(set(ks) | {segment_count})

    fit_index = sample_rows(z_values.shape[0], k_selection_sample_size, random_state)
    fit_sample = z_values[fit_index]
    distinct = count_distinct_rows(fit_sample, limit=max(ks))
    if max(ks) > distinct:
        raise ValueError(
            f"K={max(ks)} is larger than the {distinct} distinct customers in the "
            f"{'sample' if len(fit_index) < z_values.shape[0] else 'data'}; lower k_max "
            "or segment_count"
        )
    silhouette_index = sample_rows(len(fit_sample), silhouette_sample_size, random_state + 1)

    # Candidates are fitted in float32 (faster); they only rank K and seed the
    # final all-rows fit, which runs in float64.
    fit_sample32 = fit_sample.astype(np.float32)
    models = [
        KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit(fit_sample32) for k in ks
    ]
    silhouettes = _silhouettes(
        fit_sample[silhouette_index], [m.labels_[silhouette_index] for m in models]
    )
    scores = tuple(
        _score_k(fit_sample, model, silhouette, len(silhouette_index), min_segment_share)
        for model, silhouette in zip(models, silhouettes, strict=True)
    )
    if segment_count is not None:
        return KSelection(scores=scores, chosen_k=segment_count, method=METHOD_FIXED)
    eligible = [score for score in scores if score.is_eligible]
    method = METHOD_SILHOUETTE if eligible else METHOD_NONE_ELIGIBLE
    best = max(eligible or scores, key=lambda score: (_rankable(score.silhouette), -score.k))
    return KSelection(scores=scores, chosen_k=best.k, method=method)


def _rankable(silhouette: float) -> float:
    """A silhouette for ranking: NaN (a degenerate labeling) ranks below every score."""
    return -np.inf if np.isnan(silhouette) else silhouette


def count_distinct_rows(values: np.ndarray, limit: int) -> int:
    """Distinct rows of ``(n, d)`` values: exact below ``limit``; once at least ``limit``
    distinct rows are seen in the first rows, that count (at least ``limit``)."""
    if values.shape[1] == 0:
        return 1 if len(values) else 0
    head = values[: max(limit * 50, 1000)]
    distinct = len(np.unique(head, axis=0))
    if distinct >= limit:
        return distinct
    return len(np.unique(values, axis=0))


def _silhouettes(values: np.ndarray, labelings: list[np.ndarray]) -> list[float]:
    """Silhouette of each labeling of the same rows (NaN where a labeling has one cluster).

    All labelings share one pass over the pairwise distances, so scoring every candidate
    K costs about as much as scoring one.
    """
    scorable = [i for i, labels in enumerate(labelings) if 1 < len(np.unique(labels)) < len(values)]
    results = [float("nan")] * len(labelings)
    if scorable:
        scored = silhouette_scores(values, [labelings[i] for i in scorable])
        for i, score in zip(scorable, scored, strict=True):
            results[i] = score
    return results


def _score_k(
    sample: np.ndarray,
    model: KMeans,
    silhouette: float,
    silhouette_sample_size: int,
    min_segment_share: float,
) -> KScore:
    labels = model.labels_
    k = model.n_clusters
    sizes = np.bincount(labels, minlength=k)
    smallest_share = float(sizes.min() / len(labels))
    return KScore(
        k=k,
        silhouette=silhouette,
        davies_bouldin=float(davies_bouldin_score(sample, labels)),
        calinski_harabasz=float(calinski_harabasz_score(sample, labels)),
        inertia=float(model.inertia_),
        smallest_cluster_share=smallest_share,
        k_selection_sample_size=len(sample),
        silhouette_sample_size=silhouette_sample_size,
        centroids=model.cluster_centers_.astype(np.float64),
        is_eligible=smallest_share >= min_segment_share,
    )


# --------------------------------------------------------------------- final fit


@dataclass(frozen=True)
class Segmentation:
    """Final K-Means on all rows, clusters in canonical order.

    ``centroids`` is ``(k, d)`` in z-units; ``sizes`` is ``(k,)`` customers per cluster.
    Cluster ``i`` (0-based) is shown to people as ``cluster_id = i + 1``. Canonical order:
    largest cluster first, ties broken by the centroid coordinates, so the numbering does
    not depend on which random start won.
    """

    centroids: np.ndarray
    sizes: np.ndarray
    inertia: float
    n_iter: int


def fit_final(
    z_values: np.ndarray, initial_centroids: np.ndarray, *, random_state: int
) -> Segmentation:
    """Fit K-Means on all ``(n, d)`` rows from ``initial_centroids`` (``(k, d)``, n_init=1)."""
    z_values = np.asarray(z_values, dtype=np.float64)
    initial_centroids = np.asarray(initial_centroids, dtype=np.float64)
    k = initial_centroids.shape[0]
    if z_values.shape[0] < k:
        raise ValueError(f"K={k} is larger than the {z_values.shape[0]} customers")
    model = KMeans(n_clusters=k, init=initial_centroids, n_init=1, random_state=random_state)
    model.fit(z_values)
    sizes = np.bincount(model.labels_, minlength=k)
    order = canonical_order(model.cluster_centers_, sizes)
    return Segmentation(
        centroids=model.cluster_centers_[order],
        sizes=sizes[order],
        inertia=float(model.inertia_),
        n_iter=int(model.n_iter_),
    )


def canonical_order(centroids: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Permutation putting clusters in order of size (descending), then centroid coordinates."""
    rounded = np.round(centroids, 9)
    keys = [rounded[:, j] for j in reversed(range(rounded.shape[1]))]
    return np.lexsort([*keys, -np.asarray(sizes)])


@dataclass(frozen=True)
class Assignment:
    """Per-customer result: ``labels`` (0-based index into the centroids), distance to own
    centroid and to the nearest other centroid, both Euclidean in z-units, shape ``(n,)``."""

    labels: np.ndarray
    distance_to_centroid: np.ndarray
    distance_to_nearest_other: np.ndarray


def assign(z_values: np.ndarray, centroids: np.ndarray) -> Assignment:
    """Assign ``(n, d)`` rows to the nearest of ``(k, d)`` centroids, in row blocks."""
    z_values = np.asarray(z_values, dtype=np.float64)
    centroids = np.asarray(centroids, dtype=np.float64)
    if centroids.shape[0] < 2:
        raise ValueError("need at least 2 centroids to compute a margin")
    n = z_values.shape[0]
    labels = np.empty(n, dtype=np.int64)
    own = np.empty(n)
    other = np.empty(n)
    for start in range(0, n, _ASSIGN_CHUNK_ROWS):
        block = z_values[start : start + _ASSIGN_CHUNK_ROWS]
        squared = ((block[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
        nearest_two = np.argpartition(squared, 1, axis=1)[:, :2]
        pair = np.take_along_axis(squared, nearest_two, axis=1)
        swap = pair[:, 1] < pair[:, 0]
        first = np.where(swap, nearest_two[:, 1], nearest_two[:, 0])
        stop = start + len(block)
        labels[start:stop] = first
        own[start:stop] = np.sqrt(pair.min(axis=1))
        other[start:stop] = np.sqrt(pair.max(axis=1))
    return Assignment(labels=labels, distance_to_centroid=own, distance_to_nearest_other=other)


# ---------------------------------------------------------------------------- PCA


@dataclass(frozen=True)
class Projection:
    """2-D PCA of z-values: ``components`` ``(2, d)`` loadings, ``explained_variance_ratio``
    ``(2,)``. Sign convention: each component's largest-magnitude loading is positive."""

    components: np.ndarray
    explained_variance_ratio: np.ndarray
    mean: np.ndarray

    def project(self, z_values: np.ndarray) -> np.ndarray:
        """Coordinates ``(n, 2)`` of ``(n, d)`` z-values on the two components."""
        return (np.asarray(z_values, dtype=np.float64) - self.mean) @ self.components.T


def fit_pca(z_values: np.ndarray, n_components: int = 2) -> Projection:
    """Principal components of all ``(n, d)`` rows via the d x d covariance (O(n d²))."""
    z_values = np.asarray(z_values, dtype=np.float64)
    n, d = z_values.shape
    if n < 2:
        raise ValueError("need at least 2 customers for PCA")
    if d < n_components:
        raise ValueError(f"need at least {n_components} features for a {n_components}-D PCA")
    # scikit-learn's covariance_eigh solver: eigendecomposition of the d x d covariance,
    # no centred n x d copy and no n x d SVD
    pca = PCA(n_components=n_components, svd_solver="covariance_eigh").fit(z_values)
    components = pca.components_.copy()
    biggest = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(n_components), biggest])
    components = components * signs[:, None]
    ratio = pca.explained_variance_ratio_
    mean = pca.mean_
    return Projection(components=components, explained_variance_ratio=ratio, mean=mean)


# ------------------------------------------------------------------------- verdict


def structure_verdict(
    silhouette: float, thresholds: Sequence[tuple[float, str]] = STRUCTURE_VERDICTS
) -> str:
    """Kaufman & Rousseeuw's reading of an average silhouette (strictly above a bound)."""
    if np.isnan(silhouette):
        return NO_STRUCTURE
    for bound, verdict in sorted(thresholds, key=lambda item: item[0], reverse=True):
        if silhouette > bound:
            return verdict
    return NO_STRUCTURE
