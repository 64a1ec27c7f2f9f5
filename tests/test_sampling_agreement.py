"""Sampled K selection agrees with exact silhouettes on all rows (200,000 customers).

The exact silhouette of n rows needs every pairwise distance, O(n²), so the test only
computes the exact scores it must: for the K the sampled selection chose and for every
K whose sampled silhouette is within ``CONTENDER_GAP`` of it. Every other K trails by
more than that gap, many times the sampling error of a 20,000-row silhouette (about
0.005). The exact scores are computed in row blocks: each
block's distances to all rows are computed once and summed per cluster for every
labelling with one matrix product; each pair of blocks is computed once.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from bank_segments import segmentation as seg
from bank_segments.generator import generate_customers
from tests.test_segmentation import FEATURES, feature_matrix

ROWS = 200_000
BLOCK_ROWS = 4_096
#: Sampled-silhouette distance below the chosen K within which a K is checked exactly.
CONTENDER_GAP = 0.05


def exact_silhouettes(
    z_values: np.ndarray, labellings: list[np.ndarray], block_rows: int = BLOCK_ROWS
) -> list[float]:
    """Exact mean silhouette of every labelling of the ``(n, d)`` rows (float32 distances)."""
    x = np.ascontiguousarray(z_values, dtype=np.float32)
    squared_norms = (x.astype(np.float64) ** 2).sum(axis=1).astype(np.float32)
    offsets = np.cumsum([0] + [int(labels.max()) + 1 for labels in labellings])
    onehot = np.zeros((len(x), offsets[-1]), dtype=np.float32)
    for labels, offset in zip(labellings, offsets[:-1], strict=True):
        onehot[np.arange(len(x)), offset + labels] = 1.0
    # Distances are symmetric: each pair of row blocks is computed once and counted
    # for both blocks. Operations run in place to keep memory traffic down.
    sums = np.zeros((len(x), offsets[-1]), dtype=np.float64)
    starts = range(0, len(x), block_rows)
    for i in starts:
        rows_i = slice(i, i + block_rows)
        for j in starts:
            if j < i:
                continue
            rows_j = slice(j, j + block_rows)
            distances = x[rows_i] @ x[rows_j].T
            distances *= -2
            distances += squared_norms[rows_i, None]
            distances += squared_norms[None, rows_j]
            np.maximum(distances, 0, out=distances)
            np.sqrt(distances, out=distances)
            sums[rows_i] += distances @ onehot[rows_j]
            if j != i:
                sums[rows_j] += distances.T @ onehot[rows_i]
    scores = []
    for labels, offset, stop in zip(labellings, offsets[:-1], offsets[1:], strict=True):
        sizes = np.bincount(labels, minlength=stop - offset).astype(np.float64)
        per_cluster = sums[:, offset:stop]
        rows = np.arange(len(x))
        own_size = sizes[labels]
        a = per_cluster[rows, labels] / np.maximum(own_size - 1, 1)
        mean_other = per_cluster / sizes
        mean_other[rows, labels] = np.inf
        b = mean_other.min(axis=1)
        s = np.where(own_size > 1, (b - a) / np.maximum(a, b), 0.0)
        scores.append(float(s.mean()))
    return scores


def test_exact_silhouette_oracle_matches_sklearn() -> None:
    rng = np.random.default_rng(0)
    z_values = rng.standard_normal((2_500, 5))
    labellings = [KMeans(k, n_init=1, random_state=0).fit_predict(z_values) for k in (2, 3, 5)]
    expected = [silhouette_score(z_values, labels) for labels in labellings]
    # 2,500 rows in blocks of 700: diagonal, off-diagonal and ragged blocks all occur
    assert exact_silhouettes(z_values, labellings, 700) == pytest.approx(expected, abs=1e-5)


@pytest.mark.large
def test_sampled_selection_agrees_with_exact_selection_on_200k_rows() -> None:
    generated = generate_customers(ROWS, seed=2026)
    values = feature_matrix(generated.customers)
    z_values = seg.fit_scaler(values, FEATURES).transform(values)

    started = time.perf_counter()
    selection = seg.select_k(z_values, 2, 8, random_state=42)
    final = seg.fit_final(z_values, selection.chosen.centroids, random_state=42)
    sampled_labels = seg.assign(z_values, final.centroids).labels
    sampled_seconds = time.perf_counter() - started

    chosen = selection.chosen.silhouette
    contenders = [s.k for s in selection.scores if s.silhouette > chosen - CONTENDER_GAP]
    contenders = sorted({*contenders, selection.chosen_k - 1, selection.chosen_k + 1} - {1})

    started = time.perf_counter()
    full_fits = {k: KMeans(k, n_init=10, random_state=42).fit_predict(z_values) for k in contenders}
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    exact = dict(zip(full_fits, exact_silhouettes(z_values, list(full_fits.values())), strict=True))
    exact_seconds = time.perf_counter() - started
    exact_k = max(exact, key=lambda k: (exact[k], -k))

    print(
        f"\nsampled pipeline {sampled_seconds:.1f}s; full-data fits {fit_seconds:.1f}s; "
        f"exact silhouettes {exact_seconds:.1f}s; exact {exact}; contenders {contenders}; "
        f"sampled {[(s.k, round(s.silhouette, 4)) for s in selection.scores]}"
    )
    assert selection.chosen_k == exact_k == 4
    assert chosen == pytest.approx(exact[exact_k], abs=0.02)
    assert adjusted_rand_score(full_fits[exact_k], sampled_labels) >= 0.99
    truth = generated.truth.column("persona_id").to_numpy()
    assert adjusted_rand_score(truth, sampled_labels) >= 0.95
