"""Personas are named from centroid profiles, one-to-one, with honest leftovers."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from bank_segments import clustering as seg
from bank_segments import personas as per
from bank_segments.generator import generate_customers
from tests.project_defaults import select_k_args
from tests.test_clustering import FEATURES, feature_matrix

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def seed_personas() -> tuple[per.Persona, ...]:
    with (
        (SEEDS / "personas.csv").open() as people,
        (SEEDS / "persona_signature_weights.csv").open() as weights,
    ):
        return per.personas_from_rows(list(csv.DictReader(people)), list(csv.DictReader(weights)))


def fitted(rows: int, seed: int, segment_count: int | None = None):
    generated = generate_customers(rows, seed=seed)
    values = feature_matrix(generated.customers)
    z_values = seg.fit_scaler(values, FEATURES, ()).transform(values)
    selection = seg.select_k(
        z_values,
        2,
        8,
        **select_k_args(min_segment_share=0.0, segment_count=segment_count, random_state=42),
    )
    final = seg.fit_final(z_values, selection.chosen.centroids, random_state=42)
    labels = seg.assign(z_values, final.centroids).labels
    return final, labels, generated.truth.column("persona_id").to_numpy()


def test_planted_personas_get_their_names() -> None:
    final, labels, truth = fitted(6_000, seed=21)
    matches = per.match_personas(final.centroids, FEATURES, seed_personas())
    assert sorted(m.persona_id for m in matches) == sorted(p.persona_id for p in seed_personas())
    named = np.array([m.persona_id for m in matches])[labels]
    assert (named == truth).mean() >= 0.95
    for match in matches:
        assert match.match_score > match.runner_up_score


def test_fewer_clusters_than_personas_use_each_persona_at_most_once() -> None:
    final, _, _ = fitted(3_000, seed=22, segment_count=3)
    matches = per.match_personas(final.centroids, FEATURES, seed_personas())
    assert len(matches) == 3
    assert len({m.persona_id for m in matches}) == 3
    assert all(m.is_named for m in matches)


def test_more_clusters_than_personas_leave_unnamed_segments() -> None:
    final, _, _ = fitted(3_000, seed=23, segment_count=6)
    matches = per.match_personas(final.centroids, FEATURES, seed_personas())
    unnamed = [m for m in matches if not m.is_named]
    assert len(unnamed) == 2
    for match in unnamed:
        assert match.persona_id == f"unnamed_{match.cluster_id}"
        assert match.persona_name == f"Unnamed segment {match.cluster_id}"
        assert match.match_score is None and match.runner_up_persona_id is not None
    assert len({m.persona_id for m in matches}) == 6


def test_assignment_maximises_the_total_not_each_greedy_pick() -> None:
    personas = (
        per.Persona("a", "A", {"x": 1.0}),
        per.Persona("b", "B", {"y": 1.0}),
    )
    # Cluster 1 likes A slightly more than B, but cluster 2 only fits A: A goes to cluster 2.
    centroids = np.array([[1.0, 0.9], [1.0, -2.0]])
    matches = per.match_personas(centroids, ["x", "y"], personas)
    assert [m.persona_id for m in matches] == ["b", "a"]
    assert matches[0].runner_up_persona_id == "a"
    assert matches[0].runner_up_score == pytest.approx(1.0)


def test_score_is_weighted_mean_of_z_over_used_features() -> None:
    personas = (per.Persona("p", "P", {"x": 2.0, "y": -1.0, "absent": 5.0}),)
    scores = per.score_matrix(np.array([[1.0, 1.0]]), ["x", "y"], personas)
    assert scores[0, 0] == pytest.approx((2.0 - 1.0) / 3.0)


def test_seed_rows_are_validated() -> None:
    people = [{"persona_id": "a", "persona_name": "A", "display_order": "1"}]
    with pytest.raises(ValueError, match="has no signature weights"):
        per.personas_from_rows(people, [])
    with pytest.raises(ValueError, match="unknown personas"):
        per.personas_from_rows(people, [{"persona_id": "z", "feature": "x", "weight": "1"}])
