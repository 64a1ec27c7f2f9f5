"""The segment model core: robust, deterministic fits and the scoring reference."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from bank_segments.clustering import NO_STRUCTURE
from bank_segments.generator import DEFAULT_SEGMENT_FEATURES as FEATURES
from bank_segments.generator import generate_customers
from bank_segments.personas import personas_from_rows
from bank_segments.registry import plan_build, registry_row, registry_table
from bank_segments.segment_model import (
    METHOD_NO_STRUCTURE,
    ConstantFeatureWarning,
    WarmStart,
    fit_segment_model,
    score,
)
from tests.project_defaults import project_params
from tests.test_clustering import feature_matrix

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
INCOME, BALANCE = FEATURES.index("income"), FEATURES.index("avg_account_balance")


def seed_rows(name: str) -> list[dict]:
    import csv

    with (SEEDS / f"{name}.csv").open() as handle:
        return list(csv.DictReader(handle))


PERSONAS = personas_from_rows(seed_rows("personas"), seed_rows("persona_signature_weights"))
PARAMS = project_params()


@pytest.fixture(scope="module")
def planted() -> np.ndarray:
    return feature_matrix(generate_customers(2_000, seed=5).customers)


@pytest.fixture(scope="module")
def fitted(planted):
    return fit_segment_model(planted, PARAMS, PERSONAS)


def test_fit_finds_the_four_personas(fitted) -> None:
    assert fitted.k == 4
    assert fitted.structure_verdict in {"reasonable", "strong"}
    assert {m.persona_id for m in fitted.personas} == {
        "premium_investors",
        "lifestyle_spenders",
        "credit_dependent",
        "growth_segment",
    }
    assert fitted.cluster_stats.training_customers.sum() == 2_000
    assert all(
        len(d.training_share) <= 10 and abs(d.training_share.sum() - 1) < 1e-12
        for d in fitted.deciles
    )


def test_refit_is_bit_identical(planted, fitted) -> None:
    again = fit_segment_model(planted.copy(), PARAMS, PERSONAS)
    assert again.content_hash == fitted.content_hash
    assert np.array_equal(again.centroids_z, fitted.centroids_z)
    other_seed = fit_segment_model(planted, project_params(random_state=7), PERSONAS)
    assert other_seed.content_hash != fitted.content_hash


def test_fit_is_identical_whatever_the_row_order(planted, fitted) -> None:
    """The warehouse hands the fit its sample ordered by a hash of customer id (and seed),
    so a file in another row order yields the same sample order and a bit-identical model.
    Here sha256 of the id stands in for cross_db_sample_key; the rows are shuffled with a
    fixed seed and re-ordered by that key."""
    import hashlib

    ids = np.array([f"C{i:05d}" for i in range(len(planted))])
    key = np.array([hashlib.sha256(i.encode()).hexdigest() for i in ids])
    by_key = np.argsort(key, kind="stable")
    shuffled = np.random.default_rng(2024).permutation(len(planted))
    again_by_key = shuffled[np.argsort(key[shuffled], kind="stable")]
    assert np.array_equal(by_key, again_by_key)
    first = fit_segment_model(planted[by_key], PARAMS, PERSONAS, ids=list(ids[by_key]))
    again = fit_segment_model(planted[again_by_key], PARAMS, PERSONAS, ids=list(ids[again_by_key]))
    assert again.content_hash == first.content_hash
    # without the hash order, only the float summation order changes
    raw = fit_segment_model(planted[shuffled], PARAMS, PERSONAS)
    assert raw.k == fitted.k
    np.testing.assert_allclose(raw.centroids_z, fitted.centroids_z, atol=1e-9)
    assert np.array_equal(
        raw.cluster_stats.training_customers, fitted.cluster_stats.training_customers
    )


def test_extreme_customers_do_not_hijack_the_fit(planted, fitted) -> None:
    """5 of 2,000 with income and balance 50x the 99th percentile: same K and personas,
    the 5 scored into existing segments and flagged as outliers."""
    extreme = planted.copy()
    rows = np.arange(0, 2_000, 400)
    for column in (INCOME, BALANCE):
        extreme[rows, column] = 50 * np.quantile(planted[:, column], 0.99)
    robust = fit_segment_model(extreme, PARAMS, PERSONAS)
    assert robust.k == fitted.k
    assert [m.persona_id for m in robust.personas] == [m.persona_id for m in fitted.personas]
    scores = score(extreme, robust)
    assert scores.is_outlier[rows].all()
    others = np.setdiff1d(np.arange(2_000), rows)
    assert np.array_equal(scores.cluster_id[others], score(planted, fitted).cluster_id[others])
    assert min(s.smallest_cluster_share for s in robust.k_scores if s.k == robust.k) >= 0.02


def test_small_candidate_clusters_are_ineligible(planted) -> None:
    params = project_params(min_segment_share=0.15, k_max=6)
    strict = fit_segment_model(planted, params, PERSONAS)
    for candidate in strict.k_scores:
        assert candidate.is_eligible == (candidate.smallest_cluster_share >= 0.15)
    assert not all(candidate.is_eligible for candidate in strict.k_scores)
    assert next(s for s in strict.k_scores if s.k == strict.k).is_eligible


def test_constant_feature_is_left_out_with_a_warning(planted) -> None:
    values = planted.copy()
    values[:, FEATURES.index("num_products")] = 3
    with pytest.warns(ConstantFeatureWarning, match="num_products"):
        model = fit_segment_model(values, PARAMS, PERSONAS)
    assert model.dropped_features == ("num_products",)
    assert "num_products" not in model.features and model.k == 4


def test_identical_rows_have_no_structure() -> None:
    values = np.tile(np.arange(1.0, 13.0), (50, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantFeatureWarning)
        model = fit_segment_model(values, PARAMS, PERSONAS)
    assert (model.k, model.structure_verdict) == (1, NO_STRUCTURE)
    assert model.k_selection_method == METHOD_NO_STRUCTURE
    scores = score(values, model)
    assert (scores.cluster_id == 1).all() and (scores.distance_to_centroid == 0).all()
    assert registry_table([_row(model)]).num_rows == 1


def test_scoring_reference_matches_brute_force(planted, fitted) -> None:
    scores = score(planted, fitted)
    z = (planted - fitted.scaler.mean) / fitted.scaler.std
    distances = np.linalg.norm(z[:, None, :] - fitted.centroids_z[None], axis=2)
    ordered = np.sort(distances, axis=1)
    assert np.array_equal(scores.cluster_index, distances.argmin(axis=1))
    assert np.allclose(scores.distance_to_centroid, ordered[:, 0], rtol=1e-12)
    assert np.allclose(scores.distance_to_nearest_other, ordered[:, 1], rtol=1e-12)
    assert abs(scores.is_outlier.mean() - 0.01) < 0.01


def test_build_plan_fits_scores_and_refuses() -> None:
    v1 = {
        "model_version": "v0001-20260101",
        "version_number": 1,
        "segment_features": ",".join(FEATURES),
        "log1p_features": "",
    }
    assert plan_build([], PARAMS, refit=False, pinned=None, today="20260102").fit
    scoring = plan_build([v1], PARAMS, refit=False, pinned=None, today="20260102")
    assert (scoring.fit, scoring.model_version) == (False, "v0001-20260101")
    refit = plan_build([v1], PARAMS, refit=True, pinned=None, today="20260102")
    assert (refit.fit, refit.model_version) == (True, "v0002-20260102")
    with pytest.raises(ValueError, match="known: v0001-20260101"):
        plan_build([v1], PARAMS, refit=False, pinned="v0009", today="20260102")
    fewer = project_params(segment_features=FEATURES[:-1])
    with pytest.raises(ValueError, match=r"segment_features.*refit: true"):
        plan_build([v1], fewer, refit=False, pinned=None, today="20260102")
    logged = project_params(log1p_features=("income",))
    with pytest.raises(ValueError, match="log1p_features"):
        plan_build([v1], logged, refit=False, pinned=None, today="20260102")


def test_build_plan_for_candidates_promotions_and_warm_starts() -> None:
    v1, v2 = (
        {
            "model_version": f"v000{n}-20260101",
            "version_number": n,
            "segment_features": ",".join(FEATURES),
            "log1p_features": "",
        }
        for n in (1, 2)
    )
    first = plan_build([], PARAMS, refit=False, pinned=None, today="20260102", candidate=True)
    assert (first.fit, first.purpose) == (True, "first fit")  # no champion to compare with
    candidate = plan_build(
        [v1, v2],
        PARAMS,
        refit=False,
        pinned=None,
        today="20260102",
        candidate=True,
        warm=True,
        champion="v0001-20260101",
    )
    assert (candidate.fit, candidate.purpose, candidate.model_version) == (
        True,
        "candidate",
        "v0003-20260102",
    )
    assert candidate.warm_start_from == "v0001-20260101"  # the champion, not the newest
    refit = plan_build([v1], PARAMS, refit=True, pinned=None, today="20260102")
    assert (refit.purpose, refit.warm_start_from) == ("refit", None)
    promoted = plan_build(
        [v1, v2],
        PARAMS,
        refit=False,
        pinned=None,
        today="20260102",
        promoted="v0001-20260101",
        champion="v0002-20260101",
    )
    assert (promoted.fit, promoted.model_version) == (False, "v0001-20260101")
    champion = plan_build(
        [v1, v2], PARAMS, refit=False, pinned=None, today="20260102", champion="v0001-20260101"
    )
    assert champion.model_version == "v0001-20260101"  # the champion scores, not the newest
    for kwargs, message in (
        ({"promoted": "v0009"}, "var promote 'v0009' is not a fitted version; known: v0001"),
        ({"promoted": "v0001-20260101", "candidate": True}, "build of its own"),
        ({"refit": True, "candidate": True}, "contradict each other"),
        ({"warm": True}, "warm_start: true needs fit_candidate"),
        ({"pinned": "v0001-20260101", "candidate": True}, "contradict each other"),
    ):
        arguments = {"refit": False, "pinned": None, **kwargs}
        with pytest.raises(ValueError, match=re.escape(message)):
            plan_build([v1, v2], PARAMS, today="20260102", **arguments)


def test_a_warm_start_from_a_fit_of_the_same_data_keeps_every_label(planted, fitted) -> None:
    start = WarmStart(
        version="v0001-20260101", features=fitted.features, centroids=fitted.centroids_original
    )
    warm = fit_segment_model(planted, PARAMS, PERSONAS, start_from=start)
    assert warm.k == fitted.k
    assert warm.k_selection_method == "warm start from v0001-20260101"
    assert [s.k for s in warm.k_scores] == [fitted.k]  # no other K is tried
    assert np.array_equal(score(planted, warm).cluster_id, score(planted, fitted).cluster_id)
    other = WarmStart(
        version="v0001-20260101",
        features=fitted.features[:-1],
        centroids=fitted.centroids_original[:, :-1],
    )
    with pytest.raises(ValueError, match="warm start: champion v0001-20260101 uses features"):
        fit_segment_model(planted, PARAMS, PERSONAS, start_from=other)


def _row(model) -> dict:
    import datetime as dt

    return registry_row(
        model,
        model_version="v0001-20260101",
        version_number=1,
        fitted_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        invocation_id="test",
        package_version="0",
    )


def test_registry_row_round_trips_through_arrow(fitted) -> None:
    table = registry_table([_row(fitted)])
    row = table.to_pylist()[0]
    assert row["k"] == 4 and len(row["centroids"]) == 4 * len(FEATURES)
    assert row["content_hash"] == fitted.content_hash
    assert sum(item["is_chosen"] for item in row["k_selection"]) == 1
    assert registry_table([]).schema == table.schema


def test_fit_measures_bootstrap_stability_per_cluster(planted, fitted) -> None:
    stability = fitted.stability
    assert stability is not None and stability.resamples == PARAMS.stability_resamples == 50
    assert stability.sample_size == len(planted)  # below stability_sample_size: every row
    # the four planted personas are recovered in (nearly) every resample
    assert stability.mean_jaccard.shape == (4,) and stability.mean_jaccard.min() >= 0.85
    rows = _row(fitted)["stability"]
    assert [item["cluster_id"] for item in rows] == [1, 2, 3, 4]
    assert all(item["resamples"] == 50 and item["sample_rows"] == 2_000 for item in rows)
    # a bounded subsample, fixed seed: the same numbers twice, and 0 resamples = not measured
    bounded = project_params(stability_resamples=5, stability_sample_size=300)
    first = fit_segment_model(planted, bounded, PERSONAS)
    again = fit_segment_model(planted, bounded, PERSONAS)
    assert first.stability.sample_size == 300 and first.stability.resamples == 5
    assert np.array_equal(first.stability.jaccard, again.stability.jaccard)
    assert first.content_hash == again.content_hash != fitted.content_hash
    skipped = fit_segment_model(planted, project_params(stability_resamples=0), PERSONAS)
    assert skipped.stability is None and _row(skipped)["stability"] == []
