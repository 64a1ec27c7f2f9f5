"""The history folder's SQL (disabled until the registry lands), run in DuckDB on
hand-made tables: migration, changes and segment drift."""

from __future__ import annotations

import datetime as dt
import random

import pyarrow as pa
import pytest

from bank_segments.generator_months import PlantedMove, generate_months
from tests.history_sql import run_model, run_models

JAN, FEB, MAR = dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31)
NAMES = {
    "growth_segment": "Growth Segment",
    "lifestyle_spenders": "Lifestyle Spenders",
    "credit_dependent": "Credit Dependent",
    "premium_investors": "Premium Investors",
}


def _history(rows: list[tuple[dt.date, str, str, float]], shuffle_seed: int | None = None):
    rows = list(rows)
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(rows)
    return pa.table(
        {
            "customer_id": [r[1] for r in rows],
            "as_of_date": pa.array([r[0] for r in rows], pa.date32()),
            "model_version": ["v1"] * len(rows),
            "cluster_id": [list(NAMES).index(r[2]) + 1 for r in rows],
            "persona_id": [r[2] for r in rows],
            "persona_name": [NAMES[r[2]] for r in rows],
            "clv_proxy": [r[3] for r in rows],
            "segment_margin": [1.0] * len(rows),
            "distance_to_centroid": [1.0] * len(rows),
        }
    )


HAND_MADE = [
    (JAN, "C1", "growth_segment", 10.0),
    (JAN, "C2", "growth_segment", 20.0),
    (JAN, "C3", "lifestyle_spenders", 30.0),
    (JAN, "C4", "credit_dependent", 40.0),
    (FEB, "C1", "growth_segment", 11.0),
    (FEB, "C2", "lifestyle_spenders", 25.0),
    (FEB, "C3", "lifestyle_spenders", 30.0),
    (FEB, "C5", "growth_segment", 5.0),
    (MAR, "C2", "growth_segment", 21.0),
]


def _migration(history: pa.Table) -> dict[tuple, dict]:
    rows = run_models(
        ["int_customer_segments_paired", "segment_migration"],
        {"customer_segment_history": history},
    ).to_pylist()
    return {(r["from_as_of"], r["from_persona_id"], r["to_persona_id"]): r for r in rows}


@pytest.mark.parametrize("shuffle_seed", [None, 1, 2])
def test_migration_of_hand_made_months_whatever_the_row_order(shuffle_seed: int | None) -> None:
    migration = _migration(_history(HAND_MADE, shuffle_seed))
    assert set(migration) == {
        (JAN, "growth_segment", "growth_segment"),
        (JAN, "growth_segment", "lifestyle_spenders"),
        (JAN, "lifestyle_spenders", "lifestyle_spenders"),
        (JAN, "credit_dependent", "gone"),
        (JAN, "new", "growth_segment"),
        (FEB, "growth_segment", "gone"),
        (FEB, "lifestyle_spenders", "growth_segment"),
        (FEB, "lifestyle_spenders", "gone"),
    }
    move = migration[(JAN, "growth_segment", "lifestyle_spenders")]
    assert move["to_as_of"] == FEB and move["customers"] == 1 and move["share_of_from"] == 0.5
    assert (move["from_clv_proxy"], move["to_clv_proxy"], move["is_move"]) == (20.0, 25.0, True)
    gone = migration[(JAN, "credit_dependent", "gone")]
    assert gone["from_clv_proxy"] == 40.0 and gone["to_clv_proxy"] is None
    assert gone["to_persona"] == "gone" and gone["share_of_from"] == 1.0
    new = migration[(JAN, "new", "growth_segment")]
    assert new["from_clv_proxy"] is None and new["to_clv_proxy"] == 5.0
    stayed = migration[(JAN, "growth_segment", "growth_segment")]
    assert stayed["is_move"] is False and stayed["share_of_from"] == 0.5
    # FEB -> MAR: C1, C3 and C5 are gone, C2 went back
    assert migration[(FEB, "lifestyle_spenders", "gone")]["customers"] == 1
    assert migration[(FEB, "growth_segment", "gone")]["customers"] == 2


def test_changes_list_each_changed_customer_once_per_pair() -> None:
    changes = run_models(
        ["int_customer_segments_paired", "customer_segment_changes"],
        {"customer_segment_history": _history(HAND_MADE, shuffle_seed=3)},
    ).to_pylist()
    assert sorted((r["from_as_of"], r["customer_id"]) for r in changes) == [
        (JAN, "C2"),
        (FEB, "C2"),
    ]
    jan = next(r for r in changes if r["from_as_of"] == JAN)
    assert (jan["from_persona_id"], jan["to_persona_id"], jan["clv_change"]) == (
        "growth_segment",
        "lifestyle_spenders",
        5.0,
    )


def test_migration_recovers_a_planted_five_percent_move() -> None:
    # A perfect model (segments = planted personas) isolates the SQL: the mart must
    # recover the move the generator planted, and nothing else may move.
    move = PlantedMove("growth_segment", "lifestyle_spenders", 0.05)
    months = generate_months(20_000, 2, JAN, seed=4, moves=[move], churn=0.01, arrivals=0.01)
    rows = [
        (month.as_of, customer, persona, 1.0)
        for month in months
        for customer, persona in zip(
            month.truth.column("CustomerID").to_pylist(),
            month.truth.column("persona_id").to_pylist(),
            strict=True,
        )
    ]
    migration = _migration(_history(rows))
    recovered = migration[(JAN, "growth_segment", "lifestyle_spenders")]["share_of_from"]
    assert abs(recovered - 0.05) <= 0.01
    other_moves = sum(
        r["customers"]
        for key, r in migration.items()
        if r["is_move"]
        and "new" not in key
        and "gone" not in key
        and key[1:] != (move.from_persona, move.to_persona)
    )
    assert other_moves < 0.01 * 20_000
    assert sum(r["customers"] for k, r in migration.items() if k[1] == "new") == 200


def test_segment_cluster_drift_counts_an_empty_segment_as_zero_share() -> None:
    segments = pa.table(
        {
            "as_of_date": pa.array([JAN] * 4, pa.date32()),
            "model_version": ["v1"] * 4,
            "cluster_id": [1, 1, 1, 2],
            "distance_to_centroid": [1.0, 2.0, 3.0, 4.0],
        }
    )
    clusters = pa.table(
        {
            "model_version": ["v1"] * 3,
            "cluster_id": [1, 2, 3],
            "training_share": [0.5, 0.3, 0.2],
            "mean_distance": [1.0, 2.0, 2.0],
        }
    )
    rows = run_model(
        "segment_cluster_drift",
        {"customer_segments": segments, "segment_model_clusters": clusters},
    ).to_pylist()
    by_cluster = {r["cluster_id"]: r for r in rows}
    assert by_cluster[1]["customer_share"] == 0.75
    assert by_cluster[1]["share_shift"] == pytest.approx(0.25)
    assert by_cluster[1]["distance_shift"] == pytest.approx(1.0)
    assert by_cluster[3]["customers"] == 0 and by_cluster[3]["share_shift"] == pytest.approx(-0.2)
    assert by_cluster[3]["mean_distance"] is None


def test_history_keeps_the_mart_columns_of_one_load() -> None:
    segments = _history(HAND_MADE[:4])
    rows = run_model("customer_segment_history", {"customer_segments": segments})
    assert rows.num_rows == 4
    assert rows.column_names == [
        "customer_id",
        "as_of_date",
        "model_version",
        "cluster_id",
        "persona_id",
        "persona_name",
        "clv_proxy",
        "segment_margin",
        "distance_to_centroid",
    ]
