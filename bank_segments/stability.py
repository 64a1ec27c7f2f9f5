"""Cluster-wise bootstrap stability (Hennig 2007), the scheme of R's ``fpc::clusterboot``.

Hennig, C. (2007), "Cluster-wise assessment of cluster stability", Computational
Statistics & Data Analysis 52, 258-271. For each of ``resamples`` bootstrap draws:

1. draw ``n`` row indices with replacement from the fit sample; like clusterboot's default
   (``multipleboot = FALSE``) a row drawn several times is used once, so the bootstrap
   data set is the ``m`` distinct rows drawn (about 63 % of ``n``);
2. fit K-Means with the same ``k`` on those rows (``n_init`` starts, its own fixed seed);
3. for every original cluster ``C``, restrict it to the rows present in the draw and take
   the Jaccard similarity ``|C and D| / |C or D|`` to the most similar bootstrap cluster
   ``D``; an original cluster with no row in the draw scores 0 (clusterboot's
   ``zerobyzero = 0``).

A cluster's stability is the mean of those Jaccard values over the resamples. Hennig's
reading of the mean: ≥ 0.85 highly stable, ≥ 0.75 stable, ≥ 0.60 doubtful (a pattern
whose membership is doubtful), below that not to be trusted. A resample in which the
cluster's Jaccard is ≤ 0.50 counts as "dissolved"; one with Jaccard > 0.75 as
"recovered".

Pure functions over NumPy arrays; every random draw comes from one ``random_state``.
Cost is ``resamples`` K-Means fits on about 0.63 n rows, so callers bound ``n`` (the
warehouse var ``stability_sample_size``, default 20 000).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

#: Hennig's reading of the mean Jaccard: at or above each bound earns that verdict.
STABILITY_VERDICTS: tuple[tuple[float, str], ...] = (
    (0.85, "highly stable"),
    (0.75, "stable"),
    (0.60, "doubtful"),
)
NOT_TRUSTED = "not to be trusted"
#: A resample whose best Jaccard is at or below this dissolved the cluster (clusterboot).
DISSOLVED_AT = 0.50
#: A resample whose best Jaccard is above this recovered the cluster (clusterboot).
RECOVERED_ABOVE = 0.75


@dataclass(frozen=True)
class ClusterStability:
    """Bootstrap stability of ``k`` clusters over ``B`` resamples.

    ``jaccard`` is ``(B, k)``: the best Jaccard of each original cluster (column, in the
    order of the labels 0..k-1) in each resample (row). ``mean_jaccard`` ``(k,)`` is its
    column mean; ``dissolved`` and ``recovered`` ``(k,)`` count resamples with Jaccard
    ≤ 0.50 and > 0.75; ``verdicts`` holds Hennig's reading of each mean.
    """

    jaccard: np.ndarray
    mean_jaccard: np.ndarray
    dissolved: np.ndarray
    recovered: np.ndarray
    verdicts: tuple[str, ...]
    resamples: int
    sample_size: int
    n_init: int
    random_state: int

    def rows(self) -> list[dict[str, object]]:
        """One dict per cluster as ``segment_stability`` stores it (``cluster_id`` 1-based)."""
        return [
            {
                "cluster_id": index + 1,
                "mean_jaccard": float(self.mean_jaccard[index]),
                "stability_verdict": self.verdicts[index],
                "dissolved_resamples": int(self.dissolved[index]),
                "recovered_resamples": int(self.recovered[index]),
                "resamples": self.resamples,
                "sample_size": self.sample_size,
            }
            for index in range(len(self.mean_jaccard))
        ]


def stability_verdict(mean_jaccard: float) -> str:
    """Hennig's reading of a cluster's mean bootstrap Jaccard similarity."""
    for bound, verdict in STABILITY_VERDICTS:
        if mean_jaccard >= bound:
            return verdict
    return NOT_TRUSTED


def best_jaccard(original: np.ndarray, bootstrap: np.ndarray, k: int, k_boot: int) -> np.ndarray:
    """Best Jaccard of each original cluster against any bootstrap cluster, on shared rows.

    ``original`` and ``bootstrap`` are ``(m,)`` integer labels of the same ``m`` rows
    (original labels in ``0..k-1``, bootstrap labels in ``0..k_boot-1``). Returns ``(k,)``
    floats in [0, 1]; a cluster with no row among the ``m`` gets 0.
    """
    table = np.bincount(original * k_boot + bootstrap, minlength=k * k_boot).reshape(k, k_boot)
    union = table.sum(axis=1)[:, None] + table.sum(axis=0)[None, :] - table
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = np.where(union > 0, table / np.maximum(union, 1), 0.0)
    return jaccard.max(axis=1)


def bootstrap_stability(
    z_values: np.ndarray,
    labels: np.ndarray,
    *,
    resamples: int,
    n_init: int,
    random_state: int,
    max_threads: int | None = 1,
) -> ClusterStability:
    """Hennig's cluster-wise bootstrap stability of a K-Means clustering.

    ``z_values`` is ``(n, d)`` (standardized features of the fit sample) and ``labels``
    ``(n,)`` the clustering under test, integers ``0..k-1`` with every cluster non-empty
    (for example the final model's assignment of the sample). Each resample refits
    ``KMeans(n_clusters=k, n_init=n_init)`` with a seed drawn, like the resample itself,
    from ``numpy.random.default_rng(random_state)``: same inputs, same result.

    ``max_threads`` caps K-Means' OpenMP threads during the resamples (``None``: no cap).
    The default 1 is deliberate: each fit is small, and on a shared 2-core machine
    multi-threaded fits were slower in wall time (threads waiting on each other) than
    single-threaded ones.

    Raises ``ValueError`` on mismatched shapes, labels outside ``0..k-1``, an empty
    cluster, ``k < 2``, ``resamples < 1`` or ``n_init < 1``.
    """
    z_values = np.asarray(z_values, dtype=np.float64)
    labels = np.asarray(labels)
    if z_values.ndim != 2:
        raise ValueError(f"z_values must be an (n, d) array, got shape {z_values.shape}")
    n = z_values.shape[0]
    if labels.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers 0..k-1, got dtype {labels.dtype}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    if n_init < 1:
        raise ValueError(f"n_init must be at least 1, got {n_init}")
    if n == 0 or labels.min() < 0:
        raise ValueError("labels must be integers 0..k-1 for a non-empty sample")
    k = int(labels.max()) + 1
    sizes = np.bincount(labels, minlength=k)
    if k < 2:
        raise ValueError("stability needs at least 2 clusters")
    if n < 2 * k:
        raise ValueError(f"need at least {2 * k} rows for stability at K={k}, got {n}")
    if (sizes == 0).any():
        empty = (np.flatnonzero(sizes == 0) + 1).tolist()
        raise ValueError(f"clusters {empty} (1-based) have no rows: labels must be 0..k-1")

    # Fitted in float32 (faster, as the candidate fits of select_k): only the
    # labels enter the Jaccard similarities.
    z32 = z_values.astype(np.float32)
    rng = np.random.default_rng(random_state)
    jaccard = np.empty((resamples, k))
    with threadpool_limits(limits=max_threads, user_api="openmp"):
        for b in range(resamples):
            drawn = np.unique(rng.integers(0, n, size=n))
            seed = int(rng.integers(0, 2**31 - 1))
            model = KMeans(n_clusters=k, n_init=n_init, random_state=seed)
            boot_labels = model.fit_predict(z32[drawn])
            jaccard[b] = best_jaccard(labels[drawn], boot_labels, k, k)

    mean = jaccard.mean(axis=0)
    return ClusterStability(
        jaccard=jaccard,
        mean_jaccard=mean,
        dissolved=(jaccard <= DISSOLVED_AT).sum(axis=0),
        recovered=(jaccard > RECOVERED_ABOVE).sum(axis=0),
        verdicts=tuple(stability_verdict(float(m)) for m in mean),
        resamples=resamples,
        sample_size=n,
        n_init=n_init,
        random_state=random_state,
    )
