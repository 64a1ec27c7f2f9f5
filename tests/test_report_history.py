"""The report's "Segments over time" section and the stability line on segment cards.

The section is drawn from the warehouse of tests/test_segments_over_time.py (generated
months, then month 3 with income x 1.3), built once per session; the matrix helpers are
checked on hand-made rows.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bank_segments.report import build_report
from bank_segments.report.history import (
    GONE,
    NEW,
    History,
    history_context,
    load_history,
    migration_matrix,
)
from tests.test_segments_over_time import built_months

JAN, FEB = dt.date(2026, 1, 31), dt.date(2026, 2, 28)


def _move(source: str, target: str, customers: int, share: float) -> dict:
    return {
        "from_persona_id": source,
        "from_persona": source.title(),
        "to_persona_id": target,
        "to_persona": target.title(),
        "customers": customers,
        "share_of_from": share,
    }


def test_matrix_orders_personas_by_the_seed_with_new_and_gone_last() -> None:
    history = History(
        as_of_dates=(JAN, FEB),
        migration=(
            _move("b", "b", 90, 0.9),
            _move("b", "a", 5, 0.05),
            _move("b", GONE, 5, 0.05),
            _move("a", "a", 100, 1.0),
            _move(NEW, "a", 7, 1.0),
        ),
        persona_order={"b": 1, "a": 2},
    )
    matrix = migration_matrix(history)
    assert [row["persona_id"] for row in matrix["rows"]] == ["b", "a", NEW]
    assert [column["persona_id"] for column in matrix["columns"]] == ["b", "a", GONE]
    b_row = matrix["rows"][0]
    assert [cell and cell["customers"] for cell in b_row["cells"]] == [90, 5, 5]
    assert b_row["total"] == 100 and b_row["cells"][1]["is_move"]
    assert matrix["rows"][1]["cells"][0] is None  # nobody went from a to b
    assert matrix["moved"] == 5  # new and gone are not moves between personas
    assert matrix["rows"][2]["name"] == "New customers"


def test_one_as_of_date_has_no_section_but_keeps_stability() -> None:
    stability = {
        "a": {
            "persona_id": "a",
            "mean_jaccard": 0.55,
            "stability_verdict": "not to be trusted",
            "resamples": 50,
            "dissolved_share": 0.4,
        }
    }
    context = history_context(History(as_of_dates=(JAN,), stability=stability))
    assert context["section"] is None
    assert context["stability"]["a"]["warn"] and context["stability"]["a"]["resamples"] == 50


@pytest.fixture(scope="module")
def months_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    built = built_months(tmp_path_factory)
    out = tmp_path_factory.mktemp("report_history") / "segments.html"
    html = build_report(built["database"], out).read_text(encoding="utf-8")
    return {**built, "html": html, "history": load_history(built["database"])}


def test_report_shows_migration_drift_and_refit_advice(months_report) -> None:
    history, html = months_report["history"], months_report["html"]
    assert history.has_history and history.as_of_dates[-1] == dt.date(2026, 4, 30)
    matrix = migration_matrix(history)
    assert matrix["from_as_of"] == months_report["dates"][2].isoformat()
    # every customer of the pair is in one cell, and the page shows each cell's count
    cells = [cell for row in matrix["rows"] for cell in row["cells"] if cell]
    assert sum(cell["customers"] for cell in cells) == sum(
        r["customers"] for r in history.migration
    )
    start = html.index('id="migration-matrix"')
    table = html[start : html.index("</table>", start)]
    shown = [
        int(n.replace(",", ""))
        for n in re.findall(r"<td class=\"(?:move|stay)\">([\d,]+)<br>", table)
    ]
    assert shown == [cell["customers"] for cell in cells]
    # the drift table: income first with its significant PSI, then the refit advice
    assert history.drift[0]["feature"] in {"income", "spending_ratio"}
    assert any(
        r["feature"] == "income" and r["drift_verdict"] == "significant" for r in history.drift
    )
    assert 'id="drift-table"' in html and "Refit recommended." in html
    assert any(reason.startswith("income PSI ") for reason in history.refit_reasons)
    assert html.count('class="note stability') == len(history.stability) >= 2


def test_report_is_identical_when_rendered_twice(months_report, tmp_path) -> None:
    again = build_report(months_report["database"], tmp_path / "again.html")
    assert again.read_text(encoding="utf-8") == months_report["html"]
