"""Drift: decile edges with ties, PSI with empty bins, verdicts; the SQL draft agrees."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from bank_segments.drift import (
    PSI_EPSILON,
    SIGNIFICANT,
    bin_shares,
    drift_verdict,
    feature_drift,
    population_stability_index,
    training_deciles,
)
from bank_segments.generator import ATTRIBUTES, WAREHOUSE_ATTRIBUTES, generate_customers
from tests.history_sql import run_model

FEATURES = dict(zip(WAREHOUSE_ATTRIBUTES, ATTRIBUTES, strict=True))


def _features(rows: int, seed: int) -> dict[str, np.ndarray]:
    customers = generate_customers(rows, seed=seed).customers
    return {name: customers.column(raw).to_numpy().astype(float) for name, raw in FEATURES.items()}


def test_continuous_feature_gets_ten_bins_of_a_tenth() -> None:
    reference = training_deciles(np.arange(1, 1001, dtype=float), "x")
    assert len(reference.cut_points) == 9
    np.testing.assert_allclose(reference.cut_points, np.arange(100, 1000, 100))
    np.testing.assert_allclose(reference.training_share, np.full(10, 0.1))


def test_ties_merge_deciles_and_every_bin_holds_training_values() -> None:
    values = np.array([1.0] * 70 + [2.0] * 20 + [3.0] * 10)
    reference = training_deciles(values, "num_products")
    np.testing.assert_array_equal(reference.cut_points, [1.0, 2.0])
    np.testing.assert_allclose(reference.training_share, [0.7, 0.2, 0.1])
    products = _features(5_000, seed=1)["num_products"]
    assert (training_deciles(products, "num_products").training_share > 0).all()


def test_constant_feature_has_one_bin_zero_psi_and_no_mean_shift() -> None:
    reference = training_deciles(np.full(50, 4.0), "flat")
    assert reference.cut_points.size == 0
    np.testing.assert_allclose(reference.training_share, [1.0])
    drift = feature_drift(reference, np.array([4.0, 5.0, 9.0]))
    assert drift.psi == 0.0 and np.isnan(drift.mean_shift_sd)


def test_an_emptied_bin_is_floored_at_epsilon() -> None:
    expected = np.array([0.5, 0.5])
    actual = np.array([1.0, 0.0])
    floor = PSI_EPSILON
    by_hand = (1.0 - 0.5) * np.log(1.0 / 0.5) + (floor - 0.5) * np.log(floor / 0.5)
    assert population_stability_index(expected, actual) == pytest.approx(by_hand)
    assert np.isfinite(population_stability_index(expected, actual))


def test_bins_are_right_closed() -> None:
    np.testing.assert_allclose(
        bin_shares(np.array([1.0, 2.0, 2.5, 3.0]), np.array([2.0])), [0.5, 0.5]
    )


@pytest.mark.parametrize(
    ("psi", "verdict"),
    [
        (0.0, "stable"),
        (0.0999, "stable"),
        (0.10, "moderate"),
        (0.2499, "moderate"),
        (0.25, SIGNIFICANT),
    ],
)
def test_verdict_bands(psi: float, verdict: str) -> None:
    assert drift_verdict(psi) == verdict


def test_same_population_is_stable_and_income_times_1_3_is_significant() -> None:
    training, month = _features(20_000, seed=1), _features(20_000, seed=2)
    references = {name: training_deciles(values, name) for name, values in training.items()}
    for name, values in month.items():
        drift = feature_drift(references[name], values)
        assert drift.psi < 0.10 and drift.verdict == "stable", (name, drift)
    income = feature_drift(references["income"], month["income"] * 1.3)
    assert income.psi > 0.25 and income.verdict == SIGNIFICANT
    assert income.mean_shift_sd > 0.5


def _sql_tables(training: dict[str, np.ndarray], months: dict[dt.date, dict[str, np.ndarray]]):
    rows = [
        row for name, values in training.items() for row in training_deciles(values, name).rows()
    ]
    deciles = pa.Table.from_pylist([{"model_version": "v1", **row} for row in rows])
    segments = pa.concat_tables(
        [
            pa.table(
                {
                    "customer_id": [f"C{i}" for i in range(len(values["income"]))],
                    "as_of_date": [as_of] * len(values["income"]),
                    "model_version": ["v1"] * len(values["income"]),
                    **values,
                }
            )
            for as_of, values in months.items()
        ]
    )
    return {"customer_segments": segments, "segment_model_feature_deciles": deciles}


def test_sql_draft_matches_the_python_reference() -> None:
    names = ["age", "income", "num_products", "support_calls", "app_usage_score"]
    training = {name: values for name, values in _features(8_000, seed=1).items() if name in names}
    january = {n: v for n, v in _features(6_000, seed=2).items() if n in names}
    february = {
        **january,
        "income": january["income"] * 1.3,
        "num_products": january["num_products"] + 3,
    }
    months = {dt.date(2026, 1, 31): january, dt.date(2026, 2, 28): february}
    result = run_model(
        "segment_drift", _sql_tables(training, months), {"segment_features": names}
    ).to_pylist()
    assert len(result) == len(names) * 2
    references = {name: training_deciles(values, name) for name, values in training.items()}
    for row in result:
        values = months[row["as_of_date"]][row["feature"]]
        expected = feature_drift(references[row["feature"]], values)
        assert row["psi"] == pytest.approx(expected.psi, rel=1e-9, abs=1e-12), row
        assert row["mean_shift_sd"] == pytest.approx(expected.mean_shift_sd, rel=1e-9), row
        assert row["drift_verdict"] == expected.verdict
        assert row["customers"] == len(values)
    february_verdicts = {
        row["feature"]: row["drift_verdict"] for row in result if row["as_of_date"].month == 2
    }
    assert february_verdicts["income"] == SIGNIFICANT
    assert february_verdicts["num_products"] == SIGNIFICANT
    assert february_verdicts["age"] == "stable"


def test_sql_drift_on_generated_months_unchanged_is_stable_income_drift_is_significant() -> None:
    from bank_segments.generator_months import generate_months

    months = generate_months(10_000, 3, dt.date(2026, 1, 31), seed=12, drift={"Income": 1.3})
    names = list(FEATURES)

    def features(table: pa.Table) -> dict[str, np.ndarray]:
        return {n: table.column(FEATURES[n]).to_numpy().astype(float) for n in names}

    training = features(months[0].customers)
    unchanged = generate_months(10_000, 2, dt.date(2026, 1, 31), seed=12)[1]
    scored = {dt.date(2026, 1, 1): features(unchanged.customers)}
    scored.update({m.as_of: features(m.customers) for m in months[1:]})
    rows = run_model(
        "segment_drift", _sql_tables(training, scored), {"segment_features": names}
    ).to_pylist()
    for row in rows:
        drifted = row["feature"] == "income" and row["as_of_date"] != dt.date(2026, 1, 1)
        if drifted:
            assert row["psi"] > 0.25 and row["drift_verdict"] == SIGNIFICANT, row
        else:
            assert row["psi"] < 0.10 and row["drift_verdict"] == "stable", row
