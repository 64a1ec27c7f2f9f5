"""Read everything the report shows from a built warehouse, read-only.

Only marts, segment tables, EDA tables, staging counts and seeds are read; nothing about
the model is recomputed. The only arithmetic is presentation: shares, the projection of
the centroids onto the two PCA components already stored, and a fixed-seed sample of
customers for the map.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

#: Tables the report cannot be drawn without.
REQUIRED_TABLES: tuple[str, ...] = (
    "stg_customers",
    "stg_customers__rejected",
    "eda_correlations",
    "eda_findings",
    "personas",
    "segment_k_selection",
    "segment_model_summary",
    "segment_pca_components",
    "customer_segments",
    "segment_profiles",
    "segment_risk_distribution",
    "segment_strategies",
)

#: Largest number of customers drawn on the PCA map.
MAP_SAMPLE_SIZE = 5_000

#: Okabe & Ito (2008) colour-blind-safe palette, in the order personas receive it
#: (by ``display_order``); yellow comes late because it is faint on white.
PERSONA_PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
FALLBACK_COLOUR = "#999999"


class ReportError(ValueError):
    """The warehouse cannot be reported on (missing, locked or not built)."""


@dataclass(frozen=True)
class Persona:
    """A segment as the report shows it: identity, colour and position in every list."""

    persona_id: str
    persona_name: str
    cluster_id: int | None
    colour: str
    order: int


@dataclass
class ReportData:
    """Everything the template and charts need; plain Python values only."""

    db_path: Path
    summary: dict[str, Any]
    personas: list[Persona]
    k_selection: list[dict[str, Any]]
    profiles: list[dict[str, Any]]
    strategies: dict[str, list[dict[str, Any]]]
    risk: dict[str, dict[str, float]]
    risk_bands: list[str]
    digital: dict[str, dict[str, float]]
    digital_bands: list[str]
    low_confidence: dict[str, float]
    map_points: dict[str, np.ndarray]
    map_total: int
    map_centroids: dict[str, tuple[float, float]]
    explained_variance: tuple[float, float]
    correlations: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    quality: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)

    def persona(self, persona_id: str) -> Persona:
        return next(p for p in self.personas if p.persona_id == persona_id)


# --------------------------------------------------------------------------- helpers


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict]:
    cursor = con.execute(sql, list(params))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name → DuckDB type, in table order."""
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    return {name: dtype for name, dtype in rows}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _as_text(value: Any) -> str:
    """A list of words or a string, as one readable string."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value if item not in (None, ""))
    return str(value)


# --------------------------------------------------------------------------- loading


def connect(db_path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only and check it has a published build.

    The report reads only schema ``main``: what the last green ``dbt build`` published
    (``main.build_log`` names it). A warehouse where no build ever finished green is
    refused with ``ReportError``.
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        raise ReportError(f"warehouse not found: {db_path} (run `dbt build` first)")
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "error"
        raise ReportError(f"cannot open warehouse {db_path}: {first_line}") from error
    present = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
    }
    published = 0
    if "build_log" in present:
        published = con.execute("select count(*) from main.build_log where published").fetchone()[0]
    if not published:
        con.close()
        raise ReportError(
            f"warehouse {db_path} has no published build: no `dbt build` has finished green "
            "on it yet (run `dbt build` and fix what it reports)"
        )
    missing = [table for table in REQUIRED_TABLES if table not in present]
    if missing:
        con.close()
        raise ReportError(
            f"warehouse {db_path} is not built: missing tables {', '.join(missing)} "
            "(run `dbt build` first)"
        )
    return con


def load_report_data(db_path: str | Path) -> ReportData:
    """Read the report's content from the warehouse at ``db_path``."""
    db_path = Path(db_path)
    con = connect(db_path)
    try:
        return _load(con, db_path)
    finally:
        con.close()


def _load(con: duckdb.DuckDBPyConnection, db_path: Path) -> ReportData:
    summary_rows = _rows(con, "select * from segment_model_summary")
    if len(summary_rows) != 1:
        raise ReportError(
            f"segment_model_summary must have one row, found {len(summary_rows)}: "
            "rebuild the warehouse"
        )
    summary = summary_rows[0]

    k_selection = _rows(con, "select * from segment_k_selection order by k")
    personas, profiles = _load_personas(con)
    ids = [p.persona_id for p in personas]
    points, total = _load_map_points(con, ids)
    return ReportData(
        db_path=db_path,
        summary=summary,
        personas=personas,
        k_selection=k_selection,
        profiles=profiles,
        strategies=_load_strategies(con),
        risk=_load_risk(con),
        risk_bands=_band_order(con, "credit_risk", _risk_band_names(con)),
        digital=(digital := _load_digital(con)),
        digital_bands=_band_order(
            con, "digital_adoption", sorted({b for v in digital.values() for b in v})
        ),
        low_confidence=_load_low_confidence(con),
        map_points=points,
        map_total=total,
        map_centroids=_load_centroids(con),
        explained_variance=_explained_variance(con),
        correlations=_rows(con, "select * from eda_correlations"),
        findings=_rows(con, "select * from eda_findings order by finding_id"),
        quality=_load_quality(con),
        meta=_load_meta(summary, db_path) | _load_build(con),
    )


def _load_personas(con: duckdb.DuckDBPyConnection) -> tuple[list[Persona], list[dict]]:
    """One Persona per row of segment_profiles, ordered by the personas seed."""
    seed = {row["persona_id"]: row for row in _rows(con, "select * from personas")}
    profiles = _rows(con, "select * from segment_profiles")
    cluster_of = {}
    seg_personas = _rows(
        con, "select distinct persona_id, cluster_id from customer_segments order by cluster_id"
    )
    for row in seg_personas:
        cluster_of.setdefault(row["persona_id"], row["cluster_id"])

    def sort_key(profile: dict) -> tuple:
        pid = profile["persona_id"]
        order = profile.get("display_order")
        if order is None and pid in seed:
            order = seed[pid]["display_order"]
        cluster = profile.get("cluster_id", cluster_of.get(pid))
        return (order is None, order if order is not None else 0, cluster or 0, pid)

    profiles.sort(key=sort_key)
    personas = []
    for index, profile in enumerate(profiles):
        pid = profile["persona_id"]
        name = profile.get("persona_name") or seed.get(pid, {}).get("persona_name") or pid
        colour = PERSONA_PALETTE[index] if index < len(PERSONA_PALETTE) else FALLBACK_COLOUR
        personas.append(
            Persona(
                persona_id=pid,
                persona_name=name,
                cluster_id=profile.get("cluster_id", cluster_of.get(pid)),
                colour=colour,
                order=index + 1,
            )
        )
        profile.setdefault("description", seed.get(pid, {}).get("description"))
    return personas, profiles


def _load_strategies(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    rows = _rows(
        con,
        "select persona_id, business_area, recommended_action, recommended_products, "
        "kpi_to_watch from segment_strategies order by persona_id, area_order, business_area",
    )
    result: dict[str, list[dict]] = {}
    for row in rows:
        result.setdefault(row["persona_id"], []).append(
            {
                "area": _as_text(row["business_area"]),
                "action": _as_text(row["recommended_action"]),
                "products": _as_text(row["recommended_products"]),
                "kpi": _as_text(row["kpi_to_watch"]),
            }
        )
    return result


def _risk_band_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    sql = "select distinct credit_risk_band from segment_risk_distribution order by 1"
    return [name for (name,) in con.execute(sql).fetchall()]


def _load_risk(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float]]:
    """persona_id → credit band → share of the persona's customers (0..1)."""
    rows = con.execute(
        "select persona_id, credit_risk_band, share_within_persona from segment_risk_distribution"
    ).fetchall()
    result: dict[str, dict[str, float]] = {}
    for pid, band_name, value in rows:
        result.setdefault(pid, {})[band_name] = float(value)
    return result


def _load_digital(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float]]:
    """persona_id → digital adoption band → share of the persona's customers (0..1)."""
    rows = con.execute(
        "select persona_id, digital_adoption_band, "
        "count(*) / sum(count(*)) over (partition by persona_id) as share "
        "from customer_segments group by persona_id, digital_adoption_band"
    ).fetchall()
    result: dict[str, dict[str, float]] = {}
    for pid, band, share in rows:
        result.setdefault(pid, {})[band] = float(share)
    return result


def _band_order(
    con: duckdb.DuckDBPyConnection, band_type: str, present: Sequence[str]
) -> list[str]:
    """The band names of ``band_type`` in the feature_bands seed's order, then any others."""
    try:
        seeded = [
            name
            for (name,) in con.execute(
                "select band_name from feature_bands where band_type = ? order by band_order",
                [band_type],
            ).fetchall()
        ]
    except duckdb.Error:
        seeded = []
    return [*seeded, *(name for name in present if name not in seeded)]


def _load_low_confidence(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """persona_id → share of its customers flagged low-confidence."""
    rows = con.execute(
        "select persona_id, avg(case when is_low_confidence then 1.0 else 0.0 end) "
        "from customer_segments group by persona_id"
    ).fetchall()
    return {pid: float(share) for pid, share in rows}


def _load_map_points(
    con: duckdb.DuckDBPyConnection, persona_ids: Sequence[str]
) -> tuple[dict[str, np.ndarray], int]:
    """A deterministic sample of at most MAP_SAMPLE_SIZE customers: persona → (m, 2) coords."""
    total = con.execute("select count(*) from customer_segments").fetchone()[0]
    data = con.execute(
        "select persona_id, pca_1, pca_2 from customer_segments "
        f"order by hash(customer_id), customer_id limit {MAP_SAMPLE_SIZE}"
    ).fetchnumpy()
    pids = np.asarray(data["persona_id"], dtype=object)
    xy = np.column_stack([np.asarray(data["pca_1"], float), np.asarray(data["pca_2"], float)])
    return {pid: xy[pids == pid] for pid in persona_ids}, int(total)


def _load_centroids(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[float, float]]:
    """persona_id → centroid on the PCA map.

    The stored centroids (z-units) projected on the stored components when both tables
    carry what is needed; otherwise the mean map position of the persona's customers
    (the same point for a converged K-Means).
    """
    pca_cols = _columns(con, "segment_pca_components")
    cen_cols = _columns(con, "segment_centroids")
    if {"centroid_z", "feature", "cluster_id"} <= set(cen_cols) and {
        "loading",
        "feature",
        "component",
    } <= set(pca_cols):
        centre = "p.centre_z" if "centre_z" in pca_cols else "0"
        rows = con.execute(
            f"""
            with projected as (
                select c.cluster_id, p.component,
                    sum((c.centroid_z - {centre}) * p.loading) as coord
                from segment_centroids as c
                join segment_pca_components as p using (feature)
                group by all
            ),
            named as (
                select distinct cluster_id, persona_id from customer_segments
            )
            select named.persona_id,
                max(coord) filter (where component = 1),
                max(coord) filter (where component = 2)
            from projected join named using (cluster_id)
            group by all
            """
        ).fetchall()
    else:
        rows = con.execute(
            "select persona_id, avg(pca_1), avg(pca_2) from customer_segments group by all"
        ).fetchall()
    return {pid: (float(x), float(y)) for pid, x, y in rows}


def _explained_variance(con: duckdb.DuckDBPyConnection) -> tuple[float, float]:
    rows = con.execute(
        "select component, any_value(explained_variance_ratio) "
        "from segment_pca_components group by component order by component"
    ).fetchall()
    ratios = [float(value) for _, value in rows] + [float("nan")] * 2
    return ratios[0], ratios[1]


def _load_build(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The published build the report shows, and any later build that did not publish."""
    shown = _rows(
        con,
        "select invocation_id, started_at, finished_at from main.build_log "
        "where published order by finished_at desc limit 1",
    )[0]
    later = _rows(
        con,
        "select invocation_id, finished_at from main.build_log "
        "where status = 'failed' and finished_at > ? order by finished_at desc",
        [shown["finished_at"]],
    )
    return {
        "invocation_id": shown["invocation_id"],
        "built_at": shown["finished_at"].strftime("%Y-%m-%d %H:%M:%S") + " UTC",
        "later_failed": [
            {"invocation_id": row["invocation_id"], "finished_at": str(row["finished_at"])}
            for row in later
        ],
    }


def _load_quality(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    valid = con.execute("select count(*) from stg_customers").fetchone()[0]
    quarantined = con.execute("select count(*) from stg_customers__rejected").fetchone()[0]
    # every input row is valid or quarantined (assert_customer_rows_accounted_for)
    read = valid + quarantined
    reasons = con.execute(
        """
        with reasons as (
            select unnest(rejection_reasons) as reason from stg_customers__rejected
        )
        select reason, count(*) as rows from reasons group by reason order by rows desc, reason
        """
    ).fetchall()
    return {
        "rows_read": int(read),
        "rows_valid": int(valid),
        "rows_quarantined": int(quarantined),
        "quarantined_share": quarantined / read if read else 0.0,
        "reasons": [{"reason": reason, "rows": int(rows)} for reason, rows in reasons],
    }


def _load_meta(summary: dict[str, Any], db_path: Path) -> dict[str, Any]:
    # segment_model_summary has no build time or source path: the file's time stands in
    modified = dt.datetime.fromtimestamp(db_path.stat().st_mtime, tz=dt.UTC)
    built_at = modified.strftime("%Y-%m-%d %H:%M UTC") + " (warehouse file modified)"
    fitted_at = summary.get("fitted_at")
    if isinstance(fitted_at, dt.datetime):
        fitted_at = fitted_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return {
        "invocation_id": summary["dbt_invocation_id"],
        "built_at": built_at,
        "data_source": None,
        # which stored model version labelled the customers, and what this build did
        "model_version": summary.get("model_version"),
        "fitted_at": fitted_at,
        "fit_sample_rows": summary.get("fit_sample_rows"),
        "training_rows": summary.get("training_rows"),
        "build_action": summary.get("build_action"),
        "outlier_customers": summary.get("outlier_customers"),
    }
