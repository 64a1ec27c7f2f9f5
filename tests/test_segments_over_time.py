"""Segments over time, built by dbt: three generated months in one warehouse.

Month 1 fits the model, months 2 and 3 are scored with it (customers_path points at each
month's file, whose snapshot_date is the as-of date). Month 2 plants 5 % of Growth Segment
customers redrawn as Lifestyle Spenders; the published segment_migration must recover that
share within one percentage point with every other move under 1 % of customers. Month 2 is
then loaded again (history unchanged), and a fourth as-of date carries month 3 with income
x 1.3 (drift significant on income only).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from bank_segments.generator_months import generate_months, parse_move
from tests.dbt_runner import run_dbt, shared

ROWS = 6_000
START = dt.date(2026, 1, 31)


def _build(workdir: Path, path: Path, database: Path):
    run = run_dbt(workdir, "build", dbt_vars={"customers_path": str(path)}, database=database)
    assert run.returncode == 0, run.output[-3000:]
    return run


def built_months(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The warehouse of the generated months, built once per session (the report tests
    in tests/test_report_history.py read it too): database path, as-of dates, history
    counts after month 3 and the refit advice of month 3."""
    return shared(tmp_path_factory, "months", _build_months)


def _build_months(root: Path) -> dict:
    """Build the generated months into one warehouse under ``root``."""
    snapshots = generate_months(
        ROWS, 3, START, moves=[parse_move("growth_segment:lifestyle_spenders:0.05")]
    )
    paths = []
    for snapshot in snapshots:
        path = root / f"customers_{snapshot.as_of.isoformat()}.parquet"
        pq.write_table(snapshot.customers, path)
        paths.append(path)
    # a fourth as-of date: month 3 with every income x 1.3
    third = snapshots[2].customers
    drifted_date = dt.date(2026, 4, 30)
    income = third.column_names.index("Income")
    drifted = third.set_column(
        income, "Income", pc.multiply(pc.cast(third.column("Income"), pa.float64()), 1.3)
    )
    date_index = third.column_names.index("snapshot_date")
    drifted = drifted.set_column(
        date_index,
        "snapshot_date",
        pa.array([drifted_date] * drifted.num_rows, type=third.schema.field(date_index).type)
        if pa.types.is_date(third.schema.field(date_index).type)
        else pa.array([drifted_date.isoformat()] * drifted.num_rows),
    )
    drifted_path = root / "customers_drifted.parquet"
    pq.write_table(drifted, drifted_path)

    database = root / "warehouse.duckdb"
    for index, path in enumerate(paths):
        _build(root / f"build_{index}", path, database)
    con = _build(root / "build_m3", paths[2], database).connect_published()
    counts = dict(
        con.sql("select as_of_date, count(*) from customer_segment_history group by 1").fetchall()
    )
    unchanged_advice = con.sql(
        "select drift_as_of_date, refit_recommended, refit_reasons from segment_model_summary"
    ).fetchall()
    con.close()
    _build(root / "again", paths[1], database)
    _build(root / "drifted", drifted_path, database)
    return {
        "database": database,
        "counts": counts,
        "dates": [s.as_of for s in snapshots],
        "unchanged_advice": unchanged_advice,
    }


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory):
    built = built_months(tmp_path_factory)
    con = duckdb.connect(str(built["database"]), read_only=True)
    yield {**built, "con": con}
    con.close()


def test_migration_recovers_the_planted_move(months) -> None:
    con = months["con"]
    first, second = months["dates"][0], months["dates"][1]
    rows = con.sql(
        "select from_persona_id, to_persona_id, customers, share_of_from "
        "from segment_migration where from_as_of = ? and to_as_of = ?",
        params=[first, second],
    ).fetchall()
    planted = [r for r in rows if (r[0], r[1]) == ("growth_segment", "lifestyle_spenders")]
    assert planted and abs(planted[0][3] - 0.05) <= 0.01, planted
    others = sum(r[2] for r in rows if r[0] != r[1] and r[:2] != planted[0][:2])
    assert others < 0.01 * ROWS, rows


def test_reloading_a_month_leaves_history_unchanged(months) -> None:
    con = months["con"]
    counts = dict(
        con.sql("select as_of_date, count(*) from customer_segment_history group by 1").fetchall()
    )
    assert {d: counts[d] for d in months["counts"]} == months["counts"]


def test_a_changed_customer_appears_once_per_pair(months) -> None:
    con = months["con"]
    duplicated = con.sql(
        "select from_as_of, to_as_of, customer_id, count(*) from customer_segment_changes "
        "group by 1, 2, 3 having count(*) > 1"
    ).fetchall()
    assert duplicated == []
    changed = con.sql(
        "select count(*) from customer_segment_history a "
        "join customer_segment_history b on a.customer_id = b.customer_id "
        "where a.as_of_date = ? and b.as_of_date = ? and a.persona_id != b.persona_id",
        params=list(months["dates"][:2]),
    ).fetchall()[0][0]
    listed = con.sql(
        "select count(*) from customer_segment_changes where from_as_of = ? and to_as_of = ?",
        params=list(months["dates"][:2]),
    ).fetchall()[0][0]
    assert changed == listed > 0


def test_drift_unchanged_month_is_stable_income_x_1_3_is_significant(months) -> None:
    con = months["con"]
    unchanged = con.sql(
        "select feature, psi from segment_drift where as_of_date = ?",
        params=[months["dates"][1]],
    ).fetchall()
    assert unchanged and all(psi < 0.10 for _, psi in unchanged), unchanged
    drifted = dict(
        con.sql(
            "select feature, drift_verdict || ' ' || cast(psi as varchar) from segment_drift "
            "where as_of_date = date '2026-04-30'"
        ).fetchall()
    )
    verdict, psi = drifted["income"].split()
    assert verdict == "significant" and float(psi) > 0.25, drifted


def test_refit_is_advised_on_income_drift_only(months) -> None:
    """Month 3 (planted moves only): no refit advised; income x 1.3: refit, income named."""
    con = months["con"]
    third = months["dates"][2]
    unchanged = con.sql(
        "select feature, psi from segment_drift where as_of_date = ?", params=[third]
    ).fetchall()
    assert unchanged and all(psi < 0.10 for _, psi in unchanged), unchanged
    assert months["unchanged_advice"] == [(third, False, None)]
    ((as_of, recommended, reasons),) = con.sql(
        "select drift_as_of_date, refit_recommended, refit_reasons from segment_model_summary"
    ).fetchall()
    assert as_of == dt.date(2026, 4, 30) and recommended is True
    assert reasons.startswith("income PSI ") or "; income PSI " in reasons, reasons
    assert "significant" in reasons, reasons
