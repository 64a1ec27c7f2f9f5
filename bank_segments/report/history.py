"""Segments over time in the report: migration, drift, refit advice and stability.

Reads only published views of schema ``main`` (``customer_segment_history``,
``segment_migration``, ``segment_drift``, ``segment_model_summary``,
``segment_stability``, the ``personas`` seed), read-only and with its own connection, so
the rest of the report does not depend on it. Nothing is recomputed: the page shows the
warehouse's numbers in a fixed order.

* :func:`load_history` returns a :class:`History`: the bootstrap stability of the active
  model's segments (shown on every segment card) and, when the warehouse holds two or
  more as-of dates, the migration between the latest two, the latest drift and the refit
  advice (the "Over time" section).
* :func:`history_context` turns it into the plain dicts the template renders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

import bank_segments.report.charts as charts

#: Published views the "Over time" section reads; without them it is left out.
HISTORY_VIEWS: tuple[str, ...] = (
    "customer_segment_history",
    "segment_migration",
    "segment_drift",
    "segment_model_summary",
)
#: Pseudo-personas of segment_migration: customers who appeared or disappeared.
NEW, GONE = "new", "gone"
#: How the template names the pseudo-personas.
PSEUDO_NAMES = {NEW: "New customers", GONE: "Gone"}


@dataclass(frozen=True)
class History:
    """What the warehouse says about segments over time (plain Python values)."""

    as_of_dates: tuple[dt.date, ...] = ()
    #: segment_migration rows of the latest pair of as-of dates
    migration: tuple[dict[str, Any], ...] = ()
    #: segment_drift rows of the latest as-of date, biggest PSI first
    drift: tuple[dict[str, Any], ...] = ()
    drift_as_of: dt.date | None = None
    refit_recommended: bool | None = None
    refit_reasons: tuple[str, ...] = ()
    #: persona_id -> segment_stability row of the active model version
    stability: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: persona_id -> display order (personas seed), for the matrix's rows and columns
    persona_order: dict[str, int] = field(default_factory=dict)

    @property
    def has_history(self) -> bool:
        """Two or more as-of dates: there is a migration to show."""
        return len(self.as_of_dates) >= 2


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _published(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
    }


def load_history(db_path: str | Path) -> History:
    """Read segments over time from the warehouse at ``db_path`` (empty when absent).

    A warehouse without the history views (built before they existed) or a missing file
    gives an empty :class:`History`: the report then shows no "Over time" section and no
    stability line, rather than failing.
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        return History()
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return _load(con)
    finally:
        con.close()


def _load(con: duckdb.DuckDBPyConnection) -> History:
    present = _published(con)
    stability = {}
    if "segment_stability" in present:
        for row in _rows(con, "select * from main.segment_stability order by cluster_id"):
            stability.setdefault(row["persona_id"], row)
    order = {}
    if "personas" in present:
        seeded = "select persona_id, display_order from main.personas order by display_order"
        order = {pid: int(rank) for pid, rank in con.execute(seeded).fetchall()}
    if not set(HISTORY_VIEWS) <= present:
        return History(stability=stability, persona_order=order)
    dates = tuple(
        day
        for (day,) in con.execute(
            "select distinct as_of_date from main.customer_segment_history order by 1"
        ).fetchall()
    )
    if len(dates) < 2:
        return History(as_of_dates=dates, stability=stability, persona_order=order)
    migration = _rows(
        con,
        "select * from main.segment_migration where from_as_of = ? and to_as_of = ? "
        "order by from_persona_id, to_persona_id",
        [dates[-2], dates[-1]],
    )
    advice_columns = {
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'main' and table_name = 'segment_model_summary'"
        ).fetchall()
    }
    if {"drift_as_of_date", "refit_recommended", "refit_reasons"} <= advice_columns:
        (summary,) = _rows(
            con,
            "select drift_as_of_date, refit_recommended, refit_reasons "
            "from main.segment_model_summary",
        )
    else:  # a warehouse built before the refit advice existed
        summary = {"drift_as_of_date": dates[-1], "refit_recommended": None, "refit_reasons": None}
    drift_as_of = summary["drift_as_of_date"]
    drift = _rows(
        con,
        "select feature, psi, mean_shift_sd, drift_verdict from main.segment_drift "
        "where as_of_date = ? order by psi desc, feature",
        [drift_as_of],
    )
    reasons = summary["refit_reasons"] or ""
    return History(
        as_of_dates=dates,
        migration=tuple(migration),
        drift=tuple(drift),
        drift_as_of=drift_as_of,
        refit_recommended=summary["refit_recommended"],
        refit_reasons=tuple(part.strip() for part in reasons.split(";") if part.strip()),
        stability=stability,
        persona_order=order,
    )


# --------------------------------------------------------------------------- context


def _persona_key(history: History, persona_id: str, pseudo_last: bool = True) -> tuple:
    if persona_id in (NEW, GONE):
        return (1 if pseudo_last else -1, 0, persona_id)
    return (0, history.persona_order.get(persona_id, len(history.persona_order)), persona_id)


def migration_matrix(history: History) -> dict[str, Any]:
    """The latest pair's migration as a from x to matrix (rows and cells in fixed order).

    Rows are the personas customers came from (then "new"), columns those they went to
    (then "gone"); a cell holds ``customers`` and ``share_of_from`` (of the row), or
    ``None`` when nobody made that move.
    """
    names = {NEW: PSEUDO_NAMES[NEW], GONE: PSEUDO_NAMES[GONE]}
    cells = {}
    for row in history.migration:
        names.setdefault(row["from_persona_id"], row["from_persona"])
        names.setdefault(row["to_persona_id"], row["to_persona"])
        cells[(row["from_persona_id"], row["to_persona_id"])] = row
    froms = sorted({key[0] for key in cells}, key=lambda pid: _persona_key(history, pid))
    tos = sorted({key[1] for key in cells}, key=lambda pid: _persona_key(history, pid))
    rows = []
    for source in froms:
        row_cells = []
        for target in tos:
            cell = cells.get((source, target))
            row_cells.append(
                None
                if cell is None
                else {
                    "customers": int(cell["customers"]),
                    "share": float(cell["share_of_from"]),
                    "is_move": source != target,
                }
            )
        total = sum(cell["customers"] for cell in row_cells if cell)
        rows.append(
            {"persona_id": source, "name": names[source], "cells": row_cells, "total": total}
        )
    moved = sum(
        int(row["customers"])
        for row in history.migration
        if row["from_persona_id"] != row["to_persona_id"]
        and NEW not in (row["from_persona_id"], row["to_persona_id"])
        and GONE not in (row["from_persona_id"], row["to_persona_id"])
    )
    return {
        "from_as_of": history.as_of_dates[-2].isoformat(),
        "to_as_of": history.as_of_dates[-1].isoformat(),
        "columns": [{"persona_id": pid, "name": names[pid]} for pid in tos],
        "rows": rows,
        "moved": moved,
    }


def history_context(history: History) -> dict[str, Any]:
    """What the template shows: stability per persona, and the "Over time" section."""
    stability = {
        pid: {
            "mean_jaccard": float(row["mean_jaccard"]),
            "verdict": row["stability_verdict"],
            "resamples": int(row["resamples"]),
            "dissolved_share": float(row["dissolved_share"]),
            "warn": float(row["mean_jaccard"]) < 0.60,
        }
        for pid, row in history.stability.items()
    }
    section = None
    if history.has_history:
        section = {
            "as_of_dates": [day.isoformat() for day in history.as_of_dates],
            "matrix": migration_matrix(history),
            "drift_as_of": history.drift_as_of.isoformat() if history.drift_as_of else None,
            "drift": [
                {
                    "feature": charts.humanize(row["feature"]),
                    "psi": f"{float(row['psi']):.3f}",
                    "mean_shift_sd": "\u2013"
                    if row["mean_shift_sd"] is None
                    else f"{float(row['mean_shift_sd']):+.2f}".replace("-", "\u2212"),
                    "verdict": row["drift_verdict"],
                }
                for row in history.drift
            ],
            "refit_recommended": history.refit_recommended,
            "refit_reasons": list(history.refit_reasons),
        }
    return {"stability": stability, "section": section}
