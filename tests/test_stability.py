"""Hennig's bootstrap stability: planted clusters hold, a split blob does not."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans

from bank_segments.stability import (
    NOT_TRUSTED,
    best_jaccard,
    bootstrap_stability,
    stability_verdict,
)


def _planted(rows_per_cluster: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0, 0], [12, 0, 0], [0, 12, 0], [0, 0, 12]], dtype=float)
    truth = np.repeat(np.arange(4), rows_per_cluster)
    return centres[truth] + rng.standard_normal((len(truth), 3)), truth


def _kmeans_labels(values: np.ndarray, k: int = 4) -> np.ndarray:
    return KMeans(n_clusters=k, n_init=5, random_state=0).fit_predict(values)


def test_well_separated_planted_clusters_are_highly_stable() -> None:
    values, _ = _planted()
    result = bootstrap_stability(
        values, _kmeans_labels(values), resamples=10, n_init=3, random_state=42
    )
    assert result.jaccard.shape == (10, 4)
    assert (result.mean_jaccard >= 0.85).all(), result.mean_jaccard
    assert result.verdicts == ("highly stable",) * 4
    assert (result.dissolved == 0).all()
    assert (result.recovered == 10).all()
    rows = result.rows()
    assert [row["cluster_id"] for row in rows] == [1, 2, 3, 4]
    assert rows[0]["resamples"] == 10 and rows[0]["sample_size"] == 240


def test_one_gaussian_blob_split_into_four_is_not_stable() -> None:
    # No structure: K-Means can cut a round 4-D blob in many equally good ways, so the
    # bootstrap fits disagree with the original cut.
    values = np.random.default_rng(1).standard_normal((300, 4))
    result = bootstrap_stability(
        values, _kmeans_labels(values), resamples=10, n_init=3, random_state=42
    )
    assert result.mean_jaccard.min() < 0.75, result.mean_jaccard
    assert result.verdicts[int(result.mean_jaccard.argmin())] not in {"highly stable", "stable"}
    assert result.dissolved.sum() > 0


def test_same_seed_same_result_other_seed_other_draws() -> None:
    values = np.random.default_rng(2).standard_normal((150, 3))
    labels = _kmeans_labels(values, k=3)
    first = bootstrap_stability(values, labels, resamples=6, n_init=2, random_state=7)
    again = bootstrap_stability(values, labels, resamples=6, n_init=2, random_state=7)
    other = bootstrap_stability(values, labels, resamples=6, n_init=2, random_state=8)
    np.testing.assert_array_equal(first.jaccard, again.jaccard)
    assert first.verdicts == again.verdicts
    assert not np.array_equal(first.jaccard, other.jaccard)


def _brute_force(values: np.ndarray, labels: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """The scheme written out with Python sets, sharing only the draws with the module."""
    k = int(labels.max()) + 1
    rng = np.random.default_rng(seed)
    result = np.zeros((resamples, k))
    for b in range(resamples):
        drawn = sorted(set(rng.integers(0, len(values), size=len(values)).tolist()))
        km_seed = int(rng.integers(0, 2**31 - 1))
        model = KMeans(n_clusters=k, n_init=2, random_state=km_seed)
        boot = model.fit_predict(values[drawn].astype(np.float32))
        for j in range(k):
            original = {row for row in drawn if labels[row] == j}
            best = 0.0
            for cluster in range(k):
                members = {row for row, lab in zip(drawn, boot, strict=True) if lab == cluster}
                union = original | members
                if union:
                    best = max(best, len(original & members) / len(union))
            result[b, j] = best
    return result


def test_matches_a_brute_force_reference_on_a_small_case() -> None:
    values = np.random.default_rng(3).standard_normal((40, 2))
    values[:20] += 3
    labels = _kmeans_labels(values, k=3)
    result = bootstrap_stability(values, labels, resamples=5, n_init=2, random_state=11)
    np.testing.assert_allclose(result.jaccard, _brute_force(values, labels, 5, 11))
    np.testing.assert_allclose(result.mean_jaccard, result.jaccard.mean(axis=0))


def test_best_jaccard_counts_an_absent_cluster_as_zero() -> None:
    original = np.array([0, 0, 1, 1, 1])  # cluster 2 has no row in this draw
    bootstrap = np.array([1, 1, 1, 0, 0])
    # cluster 0 = {0,1}: best is bootstrap 1 = {0,1,2} -> 2/3; cluster 1 = {2,3,4}:
    # best is bootstrap 0 = {3,4} -> 2/3
    np.testing.assert_allclose(best_jaccard(original, bootstrap, 3, 2), [2 / 3, 2 / 3, 0.0])


@pytest.mark.parametrize(
    ("mean", "verdict"),
    [
        (0.85, "highly stable"),
        (0.8499, "stable"),
        (0.75, "stable"),
        (0.60, "doubtful"),
        (0.5999, NOT_TRUSTED),
    ],
)
def test_verdict_bands_follow_clusterboot(mean: float, verdict: str) -> None:
    assert stability_verdict(mean) == verdict


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.array([0, 0, 2, 2, 2, 2]), "no rows"),
        (np.zeros(6, dtype=int), "at least 2 clusters"),
        (np.array([0, 1, 0, 1, 0]), "shape"),
        (np.array([0.0, 1, 0, 1, 0, 1]), "integers"),
    ],
)
def test_bad_labels_are_a_clear_error(labels: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bootstrap_stability(np.zeros((6, 2)), labels, resamples=2, n_init=10, random_state=42)
