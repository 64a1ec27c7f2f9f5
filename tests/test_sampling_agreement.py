"""Sampled K selection agrees with exact silhouettes on all rows (200,000 customers).

The exact silhouette of n rows needs every pairwise distance, O(n²), so the test only
computes the exact scores it must: for the K the sampled selection chose and for every
K whose sampled silhouette is within ``CONTENDER_GAP`` of it. Every other K trails by
more than that gap, many times the sampling error of a 20,000-row silhouette (about
0.005). The exact scores are computed in row blocks: each
block's distances to all rows are computed once and summed per cluster for every
labelling with one matrix product; each pair of blocks is computed once.

That computation takes a hundred-odd seconds on two cores, for the same answer every run:
its inputs are generated with fixed seeds. So the answer is kept in
``tests/golden/exact_silhouettes_200k.json`` under a SHA-256 of everything it depends on
(the standardized rows, each contender's labels, the oracle's source code and block
size). A run whose inputs hash to that key reads the scores; any other run (a changed
generator, scaler, K-Means or oracle, another machine's floating point) computes them
exactly, and writes the file when BANK_SEGMENTS_UPDATE_GOLDEN=1. The oracle itself is
checked against scikit-learn on every run (test_exact_silhouette_oracle_matches_sklearn).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from bank_segments import clustering as seg
from bank_segments.generator import generate_customers
from tests.project_defaults import select_k_args
from tests.test_clustering import FEATURES, feature_matrix

ROWS = 200_000
BLOCK_ROWS = 4_096
#: Sampled-silhouette distance below the chosen K within which a K is checked exactly.
CONTENDER_GAP = 0.05
GOLDEN = Path(__file__).with_name("golden") / "exact_silhouettes_200k.json"


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


def exact_silhouettes_kept(z_values: np.ndarray, labellings: dict[int, np.ndarray]) -> dict:
    """``exact_silhouettes`` per K, read from GOLDEN when its key matches these inputs."""
    digest = hashlib.sha256()
    digest.update(inspect.getsource(exact_silhouettes).encode())
    digest.update(f"{BLOCK_ROWS} {z_values.shape} {z_values.dtype}".encode())
    digest.update(np.ascontiguousarray(z_values).tobytes())
    for k, labels in sorted(labellings.items()):
        digest.update(f"k={k}".encode())
        digest.update(np.ascontiguousarray(labels, dtype=np.int64).tobytes())
    key = digest.hexdigest()
    kept = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    if kept.get("key") == key:
        return {int(k): score for k, score in kept["exact"].items()}
    print(f"\n{GOLDEN.name}: inputs changed (key {key[:12]}), computing exactly")
    scores = exact_silhouettes(z_values, list(labellings.values()))
    exact = dict(zip(labellings, scores, strict=True))
    if os.environ.get("BANK_SEGMENTS_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps({"key": key, "exact": exact}, indent=2) + "\n")
    return exact


def test_exact_silhouette_oracle_matches_sklearn() -> None:
    rng = np.random.default_rng(0)
    z_values = rng.standard_normal((2_500, 5))
    labellings = [KMeans(k, n_init=1, random_state=0).fit_predict(z_values) for k in (2, 3, 5)]
    expected = [silhouette_score(z_values, labels) for labels in labellings]
    # 2,500 rows in blocks of 700: diagonal, off-diagonal and ragged blocks all occur
    assert exact_silhouettes(z_values, labellings, 700) == pytest.approx(expected, abs=1e-5)


def test_kept_scores_are_read_only_for_the_inputs_they_were_computed_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "GOLDEN", tmp_path / "golden.json")
    rng = np.random.default_rng(1)
    z_values = rng.standard_normal((600, 3))
    labellings = {k: KMeans(k, n_init=1, random_state=0).fit_predict(z_values) for k in (2, 3)}
    exact = exact_silhouettes(z_values, list(labellings.values()))
    monkeypatch.setenv("BANK_SEGMENTS_UPDATE_GOLDEN", "1")
    assert exact_silhouettes_kept(z_values, labellings) == {2: exact[0], 3: exact[1]}
    kept = json.loads(GOLDEN.read_text())
    kept["exact"] = {"2": 0.25, "3": 0.5}  # a marker: served only while the key matches
    GOLDEN.write_text(json.dumps(kept))
    monkeypatch.delenv("BANK_SEGMENTS_UPDATE_GOLDEN")
    assert exact_silhouettes_kept(z_values, labellings) == {2: 0.25, 3: 0.5}
    moved = {**labellings, 3: np.roll(labellings[3], 1)}  # one labelling changed
    assert exact_silhouettes_kept(z_values, moved)[3] == exact_silhouettes(z_values, [moved[3]])[0]
    assert exact_silhouettes_kept(z_values * 2, labellings) != {2: 0.25, 3: 0.5}


@pytest.mark.large
def test_sampled_selection_agrees_with_exact_selection_on_200k_rows() -> None:
    generated = generate_customers(ROWS, seed=2026)
    values = feature_matrix(generated.customers)
    z_values = seg.fit_scaler(values, FEATURES, ()).transform(values)

    started = time.perf_counter()
    selection = seg.select_k(
        z_values, 2, 8, **select_k_args(min_segment_share=0.0, random_state=42)
    )
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
    exact = exact_silhouettes_kept(z_values, full_fits)
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
