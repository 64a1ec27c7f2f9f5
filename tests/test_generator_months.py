"""Monthly snapshots: the same customers, planted moves, churn, arrivals and drift."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pytest

from bank_segments.cli import main
from bank_segments.drift import feature_drift, training_deciles
from bank_segments.generator import ATTRIBUTES, ID_COLUMN, generate_customers
from bank_segments.generator_months import (
    SNAPSHOT_COLUMN,
    PlantedMove,
    generate_months,
    month_dates,
    parse_drift,
    parse_move,
)

JAN = dt.date(2026, 1, 31)
GROWTH_TO_LIFESTYLE = PlantedMove("growth_segment", "lifestyle_spenders", 0.05)


def _by_id(table, column: str) -> dict[str, object]:
    return dict(
        zip(table.column(ID_COLUMN).to_pylist(), table.column(column).to_pylist(), strict=True)
    )


def test_month_one_is_the_single_snapshot_plus_its_date() -> None:
    first = generate_months(1_500, 3, JAN, seed=42, moves=[GROWTH_TO_LIFESTYLE])[0]
    single = generate_customers(1_500, seed=42)
    assert first.customers.drop_columns([SNAPSHOT_COLUMN]).equals(single.customers)
    assert set(first.customers.column(SNAPSHOT_COLUMN).to_pylist()) == {JAN}
    assert (
        first.truth.column("persona_id").to_pylist()
        == single.truth.column("persona_id").to_pylist()
    )


def test_planted_move_share_is_recovered_within_one_point_and_nothing_else_moves() -> None:
    months = generate_months(20_000, 3, JAN, seed=3, moves=[GROWTH_TO_LIFESTYLE], churn=0.02)
    for before, after in itertools.pairwise(months):
        previous = _by_id(before.truth, "persona_id")
        now = _by_id(after.truth, "persona_id")
        both = [c for c in now if c in previous]
        growth = [c for c in both if previous[c] == "growth_segment"]
        moved = [c for c in growth if now[c] == "lifestyle_spenders"]
        assert abs(len(moved) / len(growth) - 0.05) <= 0.01
        other_moves = [c for c in both if previous[c] != now[c] and c not in set(moved)]
        assert other_moves == []
        changes = _by_id(after.truth, "change")
        assert sorted(c for c in both if changes[c] == "moved") == sorted(moved)


def test_unchanged_customers_keep_identical_attributes_without_noise_or_drift() -> None:
    jan, feb = generate_months(3_000, 2, JAN, seed=5, moves=[GROWTH_TO_LIFESTYLE], month_noise=0)
    stayed = {c for c, change in _by_id(feb.truth, "change").items() if change == "stayed"}
    assert len(stayed) > 2_800
    for attribute in ATTRIBUTES:
        before, after = _by_id(jan.customers, attribute), _by_id(feb.customers, attribute)
        assert all(before[c] == after[c] for c in stayed), attribute


def test_month_noise_wobbles_customers_but_not_the_distribution() -> None:
    months = generate_months(20_000, 3, JAN, seed=6)
    first, last = months[0].customers, months[-1].customers
    changed = 0
    for attribute in ATTRIBUTES:
        before = first.column(attribute).to_numpy().astype(float)
        after = last.column(attribute).to_numpy().astype(float)
        assert feature_drift(training_deciles(before, attribute), after).psi < 0.10, attribute
        assert np.corrcoef(before, after)[0, 1] > 0.9, attribute
        changed += int((before != after).sum())
    assert changed > 0


def test_planted_drift_multiplies_income_from_month_two() -> None:
    jan, feb = generate_months(10_000, 2, JAN, seed=7, drift={"Income": 1.3}, month_noise=0)
    before = jan.customers.column("Income").to_numpy()
    after = feb.customers.column("Income").to_numpy()
    inside = (before * 1.3) < 1_500_000
    np.testing.assert_allclose(after[inside], before[inside] * 1.3, rtol=1e-6)
    assert feature_drift(training_deciles(before, "Income"), after).psi > 0.25
    assert jan.customers.column("Age").equals(feb.customers.column("Age"))


def test_churn_and_arrivals_change_who_is_there() -> None:
    jan, feb, mar = generate_months(1_000, 3, JAN, seed=8, churn=0.05, arrivals=0.03)
    ids = [set(m.customers.column(ID_COLUMN).to_pylist()) for m in (jan, feb, mar)]
    assert len(ids[0] - ids[1]) == 50 and len(ids[1] - ids[0]) == 30
    # churn is a share of who is there (49 of 980 in March), arrivals a share of --rows
    assert feb.customers.num_rows == 980 and mar.customers.num_rows == 980 - 49 + 30
    new = {c for c, change in _by_id(feb.truth, "change").items() if change == "new"}
    assert new == ids[1] - ids[0]
    assert ids[2] - ids[1] and not (ids[2] - ids[1]) & ids[0]  # ids are never reused
    assert all(_by_id(feb.truth, "previous_persona_id")[c] is None for c in new)


def test_month_dates_follow_month_ends_or_the_day() -> None:
    assert month_dates(JAN, 3) == [JAN, dt.date(2026, 2, 28), dt.date(2026, 3, 31)]
    assert month_dates(dt.date(2026, 1, 15), 2) == [dt.date(2026, 1, 15), dt.date(2026, 2, 15)]
    assert month_dates(dt.date(2026, 11, 30), 3)[-1] == dt.date(2027, 1, 31)


def test_same_seed_same_months() -> None:
    first = generate_months(500, 3, JAN, seed=9, moves=[GROWTH_TO_LIFESTYLE], churn=0.1)
    again = generate_months(500, 3, JAN, seed=9, moves=[GROWTH_TO_LIFESTYLE], churn=0.1)
    assert all(
        a.customers.equals(b.customers) and a.truth.equals(b.truth)
        for a, b in zip(first, again, strict=True)
    )


def test_cli_writes_one_file_per_month_with_its_truth(tmp_path: Path) -> None:
    out, truth = tmp_path / "customers.csv", tmp_path / "truth.csv"
    args = ["generate", "--rows", "400", "--out", str(out), "--truth", str(truth)]
    args += [
        "--months",
        "2",
        "--start",
        "2026-01-31",
        "--move",
        "growth_segment:lifestyle_spenders:0.05",
    ]
    assert main(args) == 0
    feb = pacsv.read_csv(tmp_path / "customers_2026-02-28.csv")
    assert feb.column_names == [ID_COLUMN, *ATTRIBUTES, SNAPSHOT_COLUMN]
    assert (tmp_path / "customers_2026-01-31.csv").exists()
    assert (
        pacsv.read_csv(tmp_path / "truth_2026-02-28.csv")
        .column("change")
        .to_pylist()
        .count("moved")
        > 0
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--drift", "income:1.3"], "needs --months and --start"),
        (["--months", "2"], "need both --months N and --start"),
        (["--months", "2", "--start", "31/01/2026"], "not a date"),
        (
            ["--months", "2", "--start", "2026-01-31", "--move", "growth:lifestyle_spenders:0.1"],
            "unknown persona",
        ),
        (["--months", "2", "--start", "2026-01-31", "--drift", "wealth:2"], "ATTRIBUTE:FACTOR"),
    ],
)
def test_bad_month_options_are_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture, args: list[str], message: str
) -> None:
    assert main(["generate", "--rows", "10", "--out", str(tmp_path / "c.csv"), *args]) == 2
    assert message in capsys.readouterr().err


def test_specs_parse_both_spellings_and_reject_bad_shares() -> None:
    assert parse_drift("income:1.3") == parse_drift("Income:1.3") == ("Income", 1.3)
    assert parse_move("growth_segment:lifestyle_spenders:0.05") == GROWTH_TO_LIFESTYLE
    with pytest.raises(ValueError, match="SHARE must be in"):
        parse_move("growth_segment:lifestyle_spenders:1.5")
