"""The shared-distance silhouette equals scikit-learn's, labeling by labeling."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from bank_segments.silhouette import silhouette_scores


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    rng = np.random.default_rng(11)
    values = rng.standard_normal((1_500, 6))
    values[:500] += 4.0
    values[500:900, :2] -= 3.0
    return values


def test_matches_sklearn_for_every_k(blobs: np.ndarray) -> None:
    labelings = [KMeans(k, n_init=3, random_state=0).fit_predict(blobs) for k in range(2, 9)]
    ours = silhouette_scores(blobs, labelings, block_rows=200)
    reference = [silhouette_score(blobs, labels) for labels in labelings]
    np.testing.assert_allclose(ours, reference, atol=1e-6)


def test_float64_is_exact_to_rounding(blobs: np.ndarray) -> None:
    labels = np.random.default_rng(3).integers(0, 4, len(blobs))
    (ours,) = silhouette_scores(blobs, [labels], dtype=np.float64)
    assert ours == pytest.approx(silhouette_score(blobs, labels), abs=1e-12)


def test_singleton_cluster_scores_zero_like_sklearn() -> None:
    values = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [5.0, 5.0], [5.1, 5.0], [20.0, 20.0]])
    labels = np.array([0, 0, 0, 1, 1, 2])
    (ours,) = silhouette_scores(values, [labels], dtype=np.float64)
    assert ours == pytest.approx(silhouette_score(values, labels), abs=1e-6)


def test_labels_need_not_be_contiguous(blobs: np.ndarray) -> None:
    labels = KMeans(3, n_init=3, random_state=0).fit_predict(blobs)
    (relabelled,) = silhouette_scores(blobs, [labels * 10 + 7])
    (plain,) = silhouette_scores(blobs, [labels])
    assert relabelled == pytest.approx(plain, abs=1e-12)


@pytest.mark.parametrize(
    ("labels", "message"),
    [(np.zeros(10, dtype=int), "2 to n-1 clusters"), (np.arange(10), "2 to n-1 clusters")],
)
def test_degenerate_labelings_are_refused(labels: np.ndarray, message: str) -> None:
    values = np.random.default_rng(0).standard_normal((10, 3))
    with pytest.raises(ValueError, match=message):
        silhouette_scores(values, [labels])


def test_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="each labeling needs 10 labels"):
        silhouette_scores(np.zeros((10, 2)), [np.array([0, 1])])
