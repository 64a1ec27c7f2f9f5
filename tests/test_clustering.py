"""The clustering core: finds planted structure, admits its absence, fails clearly."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from bank_segments import clustering as seg
from bank_segments.generator import ATTRIBUTES, generate_customers
from bank_segments.generator import DEFAULT_SEGMENT_FEATURES as FEATURES
from tests.project_defaults import select_k_args


def feature_matrix(customers) -> np.ndarray:
    """The twelve default segmentation features, as int_customer_features computes them."""
    raw = np.column_stack([customers.column(a).to_numpy().astype(float) for a in ATTRIBUTES])
    spending_ratio = raw[:, 4] / raw[:, 1]
    engagement = raw[:, 8] * 2 - raw[:, 9]
    return np.column_stack([raw, spending_ratio, engagement])


@pytest.fixture(scope="module")
def planted():
    generated = generate_customers(6_000, seed=11)
    values = feature_matrix(generated.customers)
    scaler = seg.fit_scaler(values, FEATURES, ())
    z_values = scaler.transform(values)
    selection = seg.select_k(
        z_values, 2, 8, **select_k_args(min_segment_share=0.0, random_state=42)
    )
    final = seg.fit_final(z_values, selection.chosen.centroids, random_state=42)
    assignment = seg.assign(z_values, final.centroids)
    truth = generated.truth.column("persona_id").to_numpy()
    return z_values, selection, final, assignment, truth


def test_planted_personas_are_found(planted) -> None:
    _, selection, final, assignment, truth = planted
    assert selection.chosen_k == 4
    assert selection.method == seg.METHOD_SILHOUETTE
    assert selection.chosen.silhouette >= 0.35
    assert adjusted_rand_score(truth, assignment.labels) >= 0.95
    assert seg.structure_verdict(selection.chosen.silhouette) in {"weak", "reasonable", "strong"}
    assert [score.k for score in selection.scores] == list(range(2, 9))
    assert final.sizes.sum() == len(truth)


def test_canonical_order_largest_cluster_first(planted) -> None:
    _, _, final, assignment, _ = planted
    assert list(final.sizes) == sorted(final.sizes, reverse=True)
    assert np.array_equal(np.bincount(assignment.labels), final.sizes)


def test_margin_is_distance_to_nearest_other_centroid(planted) -> None:
    z_values, _, final, assignment, _ = planted
    distances = np.linalg.norm(z_values[:, None, :] - final.centroids[None], axis=2)
    ordered = np.sort(distances, axis=1)
    assert np.array_equal(assignment.labels, distances.argmin(axis=1))
    assert np.allclose(assignment.distance_to_centroid, ordered[:, 0])
    assert np.allclose(assignment.distance_to_nearest_other, ordered[:, 1])


def test_runs_are_identical_whatever_the_row_order() -> None:
    """Same rows in another (fixed-seed) order: same K, chosen silhouette, sizes, centroids
    and labels (only the floating-point summation order differs); a losing candidate K may
    settle in a marginally different local optimum (measured 1.4e-5 at K=5)."""
    values = feature_matrix(generate_customers(3_000, seed=5).customers)
    order = np.random.default_rng(2024).permutation(len(values))
    assert not np.array_equal(order, np.arange(len(values)))
    runs = []
    for rows in (values, values[order]):
        z_values = seg.fit_scaler(rows, FEATURES, ()).transform(rows)
        selection = seg.select_k(
            z_values, 2, 5, **select_k_args(min_segment_share=0.0, random_state=7)
        )
        final = seg.fit_final(z_values, selection.chosen.centroids, random_state=7)
        runs.append((z_values, selection, final, seg.assign(z_values, final.centroids)))
    (_, first, final, labels), (_, shuffled, shuffled_final, shuffled_labels) = runs
    assert shuffled.chosen_k == first.chosen_k
    assert shuffled.chosen.silhouette == pytest.approx(first.chosen.silhouette, abs=1e-8)
    np.testing.assert_allclose(
        [s.silhouette for s in shuffled.scores], [s.silhouette for s in first.scores], atol=1e-4
    )
    assert np.array_equal(shuffled_final.sizes, final.sizes)
    np.testing.assert_allclose(shuffled_final.centroids, final.centroids, atol=1e-9)
    assert np.array_equal(shuffled_labels.labels, labels.labels[order])


def test_another_random_state_keeps_the_canonical_numbering() -> None:
    values = feature_matrix(generate_customers(3_000, seed=5).customers)
    z_values = seg.fit_scaler(values, FEATURES, ()).transform(values)
    first = seg.select_k(z_values, 2, 5, **select_k_args(min_segment_share=0.0, random_state=7))
    again = seg.select_k(z_values, 2, 5, **select_k_args(min_segment_share=0.0, random_state=7))
    assert [s.silhouette for s in first.scores] == [s.silhouette for s in again.scores]
    final = seg.fit_final(z_values, first.chosen.centroids, random_state=7)
    other = seg.select_k(z_values, 4, 4, **select_k_args(min_segment_share=0.0, random_state=99))
    other_final = seg.fit_final(z_values, other.chosen.centroids, random_state=99)
    assert np.allclose(final.centroids, other_final.centroids)


def test_independent_features_have_no_substantial_structure() -> None:
    rng = np.random.default_rng(3)
    values = rng.standard_normal((4_000, 6))
    names = [f"f{i}" for i in range(6)]
    z_values = seg.fit_scaler(values, names, ()).transform(values)
    selection = seg.select_k(
        z_values, 2, 6, **select_k_args(min_segment_share=0.0, random_state=42)
    )
    assert seg.structure_verdict(selection.chosen.silhouette) == seg.NO_STRUCTURE


def test_segment_count_overrides_but_every_k_is_scored(planted) -> None:
    z_values = planted[0]
    selection = seg.select_k(
        z_values, 2, 5, **select_k_args(min_segment_share=0.0, segment_count=3, random_state=42)
    )
    assert selection.chosen_k == 3
    assert selection.method == seg.METHOD_FIXED
    assert [score.k for score in selection.scores] == [2, 3, 4, 5]
    outside = seg.select_k(
        z_values, 2, 3, **select_k_args(min_segment_share=0.0, segment_count=6, random_state=42)
    )
    assert [score.k for score in outside.scores] == [2, 3, 6]


def test_samples_are_used_and_reported() -> None:
    values = feature_matrix(generate_customers(5_000, seed=2).customers)
    z_values = seg.fit_scaler(values, FEATURES, ()).transform(values)
    sizes = {"k_selection_sample_size": 3_000, "silhouette_sample_size": 1_000}
    selection = seg.select_k(
        z_values, 3, 4, **select_k_args(min_segment_share=0.0, random_state=1, **sizes)
    )
    assert all(s.k_selection_sample_size == 3_000 for s in selection.scores)
    assert all(s.silhouette_sample_size == 1_000 for s in selection.scores)
    exact = seg.select_k(
        z_values,
        3,
        3,
        **select_k_args(min_segment_share=0.0, random_state=1, k_selection_sample_size=None),
    )
    assert (
        exact.scores[0].k_selection_sample_size == exact.scores[0].silhouette_sample_size == 5_000
    )


def test_silhouette_is_exact_below_the_sample_size() -> None:
    values = feature_matrix(generate_customers(800, seed=4).customers)
    z_values = seg.fit_scaler(values, FEATURES, ()).transform(values)
    score = seg.select_k(
        z_values, 4, 4, **select_k_args(min_segment_share=0.0, random_state=0)
    ).scores[0]
    labels = seg.assign(z_values, score.centroids).labels
    assert score.silhouette == pytest.approx(silhouette_score(z_values, labels))


def test_scaler_log1p_round_trip_and_transform_names() -> None:
    values = np.array([[1.0, 10.0], [2.0, 100.0], [3.0, 1000.0]])
    scaler = seg.fit_scaler(values, ["a", "b"], log1p_features=["b"])
    assert scaler.transforms == ("none", "log1p")
    z_values = scaler.transform(values)
    assert np.allclose(z_values.mean(axis=0), 0) and np.allclose(z_values.std(axis=0), 1)
    assert np.allclose(scaler.inverse_transform(z_values), values)


def test_pca_sign_convention_largest_loading_positive() -> None:
    """Points along (1, -3): whatever sign the solver returns, the first component is
    (-1, 3)/sqrt(10), its largest loading positive."""
    rng = np.random.default_rng(1)
    t = rng.standard_normal(2_000)
    z_values = np.column_stack([t, -3 * t, 0.1 * rng.standard_normal(2_000)])
    for rows in (z_values, -z_values):
        first = seg.fit_pca(rows).components[0]
        np.testing.assert_allclose(first[:2], np.array([-1.0, 3.0]) / np.sqrt(10), atol=1e-3)


def test_pca_flipped_input_column_flips_only_its_loadings(planted) -> None:
    z_values = planted[0]
    projection = seg.fit_pca(z_values)
    biggest = np.abs(projection.components).argmax(axis=1)
    assert (projection.components[[0, 1], biggest] > 0).all()
    column = next(j for j in range(z_values.shape[1]) if j not in set(biggest))
    flipped = z_values.copy()
    flipped[:, column] *= -1
    again = seg.fit_pca(flipped)
    expected = projection.components.copy()
    expected[:, column] *= -1
    np.testing.assert_allclose(again.components, expected, atol=1e-12)
    np.testing.assert_allclose(
        again.explained_variance_ratio, projection.explained_variance_ratio, atol=1e-12
    )
    assert projection.explained_variance_ratio[0] >= projection.explained_variance_ratio[1] > 0
    coords = projection.project(z_values)
    assert coords.shape == (len(z_values), 2)
    assert np.var(coords[:, 0]) == pytest.approx(
        projection.explained_variance_ratio[0] * z_values.shape[1], rel=1e-6
    )


def _pca_as_before(z_values: np.ndarray, n_components: int = 2) -> tuple[np.ndarray, ...]:
    """The hand-written PCA fit_pca used before scikit-learn's (covariance, eigh, signs)."""
    mean = z_values.mean(axis=0)
    centred = z_values - mean
    eigenvalues, eigenvectors = np.linalg.eigh(centred.T @ centred / len(z_values))
    order = np.argsort(eigenvalues)[::-1][:n_components]
    components = eigenvectors[:, order].T
    biggest = np.argmax(np.abs(components), axis=1)
    components = components * np.sign(components[np.arange(n_components), biggest])[:, None]
    ratio = np.clip(eigenvalues[order], 0.0, None) / np.clip(eigenvalues, 0.0, None).sum()
    return components, ratio, mean


def test_pca_matches_the_previous_hand_written_pca(planted) -> None:
    z_values = planted[0]
    components, ratio, mean = _pca_as_before(z_values)
    projection = seg.fit_pca(z_values)
    np.testing.assert_allclose(projection.components, components, rtol=0, atol=1e-10)
    np.testing.assert_allclose(projection.explained_variance_ratio, ratio, rtol=0, atol=1e-10)
    np.testing.assert_allclose(projection.mean, mean, rtol=0, atol=1e-10)
    np.testing.assert_allclose(
        projection.project(z_values), (z_values - mean) @ components.T, rtol=0, atol=1e-10
    )


@pytest.mark.parametrize(
    ("silhouette", "verdict"),
    [
        (0.71, "strong"),
        (0.70, "reasonable"),
        (0.6, "reasonable"),
        (0.3, "weak"),
        (0.25, seg.NO_STRUCTURE),
        (float("nan"), seg.NO_STRUCTURE),
    ],
)
def test_structure_verdict_thresholds(silhouette: float, verdict: str) -> None:
    assert seg.structure_verdict(silhouette) == verdict


def test_constant_feature_is_a_clear_error() -> None:
    values = np.column_stack([np.arange(10.0), np.full(10, 3.0)])
    with pytest.raises(ValueError, match=r"constant feature\(s\) \['flat'\]"):
        seg.fit_scaler(values, ["ok", "flat"], ())


def test_single_customer_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="at least 2 customers"):
        seg.fit_scaler(np.ones((1, 3)), ["a", "b", "c"], ())


def test_k_larger_than_distinct_points_is_a_clear_error() -> None:
    z_values = np.repeat(np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]), 10, axis=0)
    with pytest.raises(ValueError, match="larger than the 3 distinct customers"):
        seg.select_k(z_values, 2, 4, **select_k_args(min_segment_share=0.0))


def test_missing_features_and_values_are_clear_errors() -> None:
    with pytest.raises(ValueError, match=r"expected an \(n, 3\) array"):
        seg.fit_scaler(np.ones((5, 2)), ["a", "b", "c"], ())
    with pytest.raises(ValueError, match="missing"):
        seg.fit_scaler(np.array([[1.0, np.nan], [2.0, 3.0]]), ["a", "b"], ())
    with pytest.raises(ValueError, match="not among the segmentation features"):
        seg.fit_scaler(np.ones((5, 2)), ["a", "b"], log1p_features=["c"])
    with pytest.raises(ValueError, match="negative"):
        seg.fit_scaler(np.array([[1.0, -1.0], [2.0, 3.0]]), ["a", "b"], log1p_features=["b"])
