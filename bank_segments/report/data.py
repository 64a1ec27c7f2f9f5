"""Read everything the report shows from a built warehouse, read-only, through one loader.

The report reads only what a green `dbt build` published to schema ``main``: the
contract-enforced marts, the EDA tables, and the model registry's summary and views. Each
table it reads is a :class:`Mart`: a name and a NamedTuple row type whose fields are the
exact columns read. Nothing is guessed and nothing about the model is recomputed; the
only arithmetic left is presentation (a fixed-seed sample of customers for the map).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import numpy as np

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
    """The warehouse cannot be reported on (missing, locked, not built or too old)."""


# ----------------------------------------------------------------- what the report reads


class SummaryRow(NamedTuple):
    """segment_model_summary: the model that labelled the customers (one row)."""

    model_version: str
    fitted_at: dt.datetime | None
    build_action: str
    training_rows: int
    fit_sample_rows: int
    outlier_customers: int | None
    customers: int
    k: int
    k_selection_method: str
    silhouette: float
    structure_verdict: str
    unnamed_segments: int
    unnamed_segments_note: str | None
    dbt_invocation_id: str


class KSelectionRow(NamedTuple):
    """segment_k_selection: one candidate K of the active model version."""

    k: int
    silhouette: float
    davies_bouldin: float
    is_chosen: bool
    silhouette_sample_size: int | None


class ComponentRow(NamedTuple):
    """segment_pca_components: one principal component x feature."""

    component: int
    explained_variance_ratio: float


class ProfileRow(NamedTuple):
    """segment_profiles: one persona, with the figures its card shows."""

    persona_id: str
    persona_name: str
    cluster_id: int
    display_order: int
    persona_description: str | None
    customers: int
    share_of_customers: float
    low_confidence_share: float
    high_digital_adoption_share: float
    clv_level: str
    risk_level: str
    digital_adoption_level: str
    centroid_pca_1: float | None
    centroid_pca_2: float | None
    mean_age: float
    median_age: float
    mean_income: float
    median_income: float
    mean_credit_score: float
    median_credit_score: float
    mean_avg_account_balance: float
    median_avg_account_balance: float
    mean_monthly_spending: float
    median_monthly_spending: float
    mean_transaction_frequency: float
    median_transaction_frequency: float
    mean_num_products: float
    median_num_products: float
    mean_app_usage_score: float
    median_app_usage_score: float
    mean_support_calls: float
    median_support_calls: float
    mean_clv_proxy: float
    median_clv_proxy: float


class DeviationRow(NamedTuple):
    """segment_feature_deviations: a persona's standardized deviation on one feature."""

    persona_id: str
    feature: str
    z_deviation: float
    deviation_rank: int


class BandRow(NamedTuple):
    """segment_band_distribution: a persona's share in one band of a banded KPI."""

    persona_id: str
    band_type: str
    band_name: str
    band_order: int
    share_within_persona: float


class StrategyRow(NamedTuple):
    """segment_strategies: one persona x business area of the playbook."""

    persona_id: str
    business_area: str
    recommended_action: str
    recommended_products: str
    kpi_to_watch: str


class BorderReasonRow(NamedTuple):
    """segment_borderline_reasons: a segment's borderline customers by first reason."""

    persona_id: str
    reason_rank: int
    top_reason_feature: str
    borderline_customers: int
    share_of_segment_borderline: float


class ComparisonRow(NamedTuple):
    """segment_model_comparison: the champion or a candidate on today's customers."""

    model_version: str
    status: str
    champion_version: str
    k: int
    customers: int
    sample_customers: int
    silhouette: float | None
    silhouette_gain: float | None
    adjusted_rand_index: float
    persona_change_share: float
    smallest_segment_share: float
    mean_stability: float | None
    personas_lost: int
    max_drift_psi: float | None
    most_drifted_feature: str | None
    drift_verdict: str | None
    segments_verdict: str
    is_change_flagged: bool
    recommendation: str | None
    recommendation_reason: str | None


class MoveRow(NamedTuple):
    """segment_model_comparison_migration: champion persona -> candidate persona."""

    candidate_version: str
    champion_persona_name: str
    candidate_persona_name: str
    customers: int
    share_of_champion_persona: float
    is_persona_change: bool


class MapPointRow(NamedTuple):
    """customer_segments: a customer's segment and position on the map."""

    persona_id: str
    pca_1: float
    pca_2: float


class CorrelationRow(NamedTuple):
    """eda_correlations: Pearson r of one feature pair."""

    feature_x: str
    feature_y: str
    pearson_r: float | None


class FindingRow(NamedTuple):
    """eda_findings: one claim tested against the data."""

    finding_id: str
    finding: str
    statistic: str
    statistic_value: float | None
    comparator: str
    threshold: float
    n: int
    supported: bool


class QualityRow(NamedTuple):
    """input_quality: rows read, valid and quarantined (one row)."""

    rows_read: int
    rows_valid: int
    rows_quarantined: int
    quarantined_share: float


class ReasonRow(NamedTuple):
    """input_rejection_reasons: one quarantine reason."""

    reason: str
    rejected_rows: int


@dataclass(frozen=True)
class Mart:
    """A published table the report reads: its name, row type and row order."""

    name: str
    row: type
    order_by: str = ""


SUMMARY = Mart("segment_model_summary", SummaryRow)
K_SELECTION = Mart("segment_k_selection", KSelectionRow, "k")
COMPONENTS = Mart("segment_pca_components", ComponentRow, "component")
PROFILES = Mart("segment_profiles", ProfileRow, "display_order, cluster_id, persona_id")
DEVIATIONS = Mart("segment_feature_deviations", DeviationRow, "persona_id, deviation_rank")
BANDS = Mart("segment_band_distribution", BandRow, "band_type, band_order, persona_id")
STRATEGIES = Mart("segment_strategies", StrategyRow, "persona_id, area_order, business_area")
CUSTOMERS = Mart("customer_segments", MapPointRow, "hash(customer_id), customer_id")
CORRELATIONS = Mart("eda_correlations", CorrelationRow)
FINDINGS = Mart("eda_findings", FindingRow, "finding_id")
QUALITY = Mart("input_quality", QualityRow)
REASONS = Mart("input_rejection_reasons", ReasonRow, "rejected_rows desc, reason")
BORDER_REASONS = Mart("segment_borderline_reasons", BorderReasonRow, "persona_id, reason_rank")
COMPARISON = Mart("segment_model_comparison", ComparisonRow, "status = 'candidate', version_number")
MOVES = Mart(
    "segment_model_comparison_migration",
    MoveRow,
    "candidate_version, customers desc, champion_persona_name, candidate_persona_name",
)

MARTS: tuple[Mart, ...] = (
    SUMMARY,
    K_SELECTION,
    COMPONENTS,
    PROFILES,
    DEVIATIONS,
    BANDS,
    STRATEGIES,
    CUSTOMERS,
    CORRELATIONS,
    FINDINGS,
    QUALITY,
    REASONS,
    BORDER_REASONS,
    COMPARISON,
    MOVES,
)

#: Tables the report cannot be drawn without.
REQUIRED_TABLES: tuple[str, ...] = tuple(mart.name for mart in MARTS)


# --------------------------------------------------------------------------- loaded data


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
    summary: SummaryRow
    personas: list[Persona]
    k_selection: list[KSelectionRow]
    profiles: list[ProfileRow]
    top_features: dict[str, list[DeviationRow]]
    strategies: dict[str, list[dict[str, str]]]
    risk: dict[str, dict[str, float]]
    risk_bands: list[str]
    digital: dict[str, dict[str, float]]
    digital_bands: list[str]
    map_points: dict[str, np.ndarray]
    map_total: int
    map_centroids: dict[str, tuple[float, float]]
    explained_variance: tuple[float, float]
    correlations: list[CorrelationRow]
    findings: list[FindingRow]
    quality: dict[str, Any]
    #: persona_id -> its borderline customers' three most common first reasons
    border_reasons: dict[str, list[BorderReasonRow]] = field(default_factory=dict)
    #: segment_model_comparison: the champion first, then each candidate (none: empty)
    comparison: list[ComparisonRow] = field(default_factory=list)
    #: candidate version -> the persona changes a promotion would make
    moves: dict[str, list[MoveRow]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def persona(self, persona_id: str) -> Persona:
        return next(p for p in self.personas if p.persona_id == persona_id)


# --------------------------------------------------------------------------- loading


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_mart(
    con: duckdb.DuckDBPyConnection, mart: Mart, where: str = "", limit: int | None = None
) -> list[Any]:
    """The rows of ``main.<mart>`` as ``mart.row`` tuples: exactly its fields, in order."""
    sql = f"select {', '.join(map(_quote, mart.row._fields))} from main.{_quote(mart.name)}"
    if where:
        sql += f" where {where}"
    if mart.order_by:
        sql += f" order by {mart.order_by}"
    if limit is not None:
        sql += f" limit {int(limit)}"
    return [mart.row(*row) for row in con.execute(sql).fetchall()]


def check_marts(
    present: dict[str, set[str]], db_path: Path, marts: tuple[Mart, ...] = MARTS
) -> None:
    """Refuse, in one line, a warehouse that lacks a table or a column the report reads."""
    missing = [mart.name for mart in marts if mart.name not in present]
    if missing:
        raise ReportError(
            f"warehouse {db_path} is not built: missing tables {', '.join(missing)} "
            "(run `dbt build` first)"
        )
    for mart in marts:
        absent = [column for column in mart.row._fields if column not in present[mart.name]]
        if absent:
            raise ReportError(
                f"warehouse {db_path} is older than this report: {mart.name} has no "
                f"column {', '.join(absent)} (run `dbt build` to rebuild it)"
            )


def connect(db_path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only and check it has a published build of every mart.

    The report reads only schema ``main``: what the last green ``dbt build`` published
    (``main.build_log`` names it). A warehouse where no build ever finished green, or
    whose marts lack a column the report reads, is refused with ``ReportError``.
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        raise ReportError(f"warehouse not found: {db_path} (run `dbt build` first)")
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "error"
        raise ReportError(f"cannot open warehouse {db_path}: {first_line}") from error
    present: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'main'"
    ).fetchall():
        present.setdefault(table, set()).add(column)
    published = 0
    if "build_log" in present:
        published = con.execute("select count(*) from main.build_log where published").fetchone()[0]
    try:
        if not published:
            raise ReportError(
                f"warehouse {db_path} has no published build: no `dbt build` has finished "
                "green on it yet (run `dbt build` and fix what it reports)"
            )
        check_marts(present, db_path)
    except ReportError:
        con.close()
        raise
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
    summaries = read_mart(con, SUMMARY)
    if len(summaries) != 1:
        raise ReportError(
            f"segment_model_summary must have one row, found {len(summaries)}: "
            "rebuild the warehouse"
        )
    summary = summaries[0]
    profiles = read_mart(con, PROFILES)
    personas = [
        Persona(
            persona_id=profile.persona_id,
            persona_name=profile.persona_name,
            cluster_id=profile.cluster_id,
            colour=PERSONA_PALETTE[index] if index < len(PERSONA_PALETTE) else FALLBACK_COLOUR,
            order=index + 1,
        )
        for index, profile in enumerate(profiles)
    ]
    risk, risk_bands = _band_shares(con, "credit_risk")
    digital, digital_bands = _band_shares(con, "digital_adoption")
    points, total = _load_map_points(con, [p.persona_id for p in personas])
    quality = read_mart(con, QUALITY)[0]
    return ReportData(
        db_path=db_path,
        summary=summary,
        personas=personas,
        k_selection=read_mart(con, K_SELECTION),
        profiles=profiles,
        top_features=_group(read_mart(con, DEVIATIONS, where="is_top_feature")),
        strategies={
            pid: [
                {
                    "area": row.business_area,
                    "action": row.recommended_action,
                    "products": row.recommended_products,
                    "kpi": row.kpi_to_watch,
                }
                for row in rows
            ]
            for pid, rows in _group(read_mart(con, STRATEGIES)).items()
        },
        risk=risk,
        risk_bands=risk_bands,
        digital=digital,
        digital_bands=digital_bands,
        map_points=points,
        map_total=total,
        map_centroids={
            p.persona_id: (p.centroid_pca_1, p.centroid_pca_2)
            for p in profiles
            if p.centroid_pca_1 is not None and p.centroid_pca_2 is not None
        },
        explained_variance=_explained_variance(read_mart(con, COMPONENTS)),
        correlations=read_mart(con, CORRELATIONS),
        findings=read_mart(con, FINDINGS),
        quality=quality._asdict() | {"reasons": [row._asdict() for row in read_mart(con, REASONS)]},
        border_reasons=_group(read_mart(con, BORDER_REASONS, where="reason_rank <= 3")),
        comparison=read_mart(con, COMPARISON),
        moves=_by_candidate(read_mart(con, MOVES, where="is_persona_change")),
        meta=_load_meta(summary, db_path) | _load_build(con),
    )


def _by_candidate(rows: list[MoveRow]) -> dict[str, list[MoveRow]]:
    """candidate_version → its rows, in the order read."""
    grouped: dict[str, list[MoveRow]] = {}
    for row in rows:
        grouped.setdefault(row.candidate_version, []).append(row)
    return grouped


def _group(rows: list[Any]) -> dict[str, list[Any]]:
    """persona_id → its rows, in the order read."""
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.persona_id, []).append(row)
    return grouped


def _band_shares(
    con: duckdb.DuckDBPyConnection, band_type: str
) -> tuple[dict[str, dict[str, float]], list[str]]:
    """persona_id → band → share of the persona's customers, and the bands in order."""
    rows = read_mart(con, BANDS, where=f"band_type = '{band_type}'")
    shares: dict[str, dict[str, float]] = {}
    bands: list[str] = []
    for row in rows:
        shares.setdefault(row.persona_id, {})[row.band_name] = float(row.share_within_persona)
        if row.band_name not in bands:
            bands.append(row.band_name)
    return shares, bands


def _load_map_points(
    con: duckdb.DuckDBPyConnection, persona_ids: list[str]
) -> tuple[dict[str, np.ndarray], int]:
    """A deterministic sample of at most MAP_SAMPLE_SIZE customers: persona → (m, 2) coords."""
    total = con.execute(f"select count(*) from main.{CUSTOMERS.name}").fetchone()[0]
    rows = read_mart(con, CUSTOMERS, limit=MAP_SAMPLE_SIZE)
    pids = np.asarray([row.persona_id for row in rows], dtype=object)
    xy = np.asarray([(row.pca_1, row.pca_2) for row in rows], dtype=float).reshape(-1, 2)
    return {pid: xy[pids == pid] for pid in persona_ids}, int(total)


def _explained_variance(rows: list[ComponentRow]) -> tuple[float, float]:
    ratios = {row.component: float(row.explained_variance_ratio) for row in rows}
    return ratios.get(1, float("nan")), ratios.get(2, float("nan"))


def _load_build(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The published build the report shows, and any later build that did not publish."""
    columns = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'main' and table_name = 'build_log'"
        ).fetchall()
    }
    # a build_log from before export tracking has no exports column: nothing to say
    exports = "exports" if "exports" in columns else "'written'"
    invocation_id, finished_at, exported = con.execute(
        f"select invocation_id, finished_at, {exports} from main.build_log "
        "where published order by finished_at desc limit 1"
    ).fetchone()
    later = con.execute(
        "select invocation_id, finished_at from main.build_log "
        "where status = 'failed' and finished_at > ? order by finished_at desc",
        [finished_at],
    ).fetchall()
    return {
        "invocation_id": invocation_id,
        "built_at": finished_at.strftime("%Y-%m-%d %H:%M:%S") + " UTC",
        # False: the build was published but its Parquet export did not finish, so the
        # files in the exports folder are an older build's
        "exports_written": exported == "written",
        "later_failed": [
            {
                "invocation_id": later_id,
                "finished_at": later_at.strftime("%Y-%m-%d %H:%M:%S") + " UTC",
            }
            for later_id, later_at in later
        ],
    }


def _load_meta(summary: SummaryRow, db_path: Path) -> dict[str, Any]:
    # segment_model_summary has no build time or source path: the file's time stands in
    modified = dt.datetime.fromtimestamp(db_path.stat().st_mtime, tz=dt.UTC)
    built_at = modified.strftime("%Y-%m-%d %H:%M UTC") + " (warehouse file modified)"
    fitted_at = summary.fitted_at
    if isinstance(fitted_at, dt.datetime):
        fitted_at = fitted_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return {
        "invocation_id": summary.dbt_invocation_id,
        "built_at": built_at,
        "data_source": None,
        # which stored model version labelled the customers, and what this build did
        "model_version": summary.model_version,
        "fitted_at": fitted_at,
        "fit_sample_rows": summary.fit_sample_rows,
        "training_rows": summary.training_rows,
        "build_action": summary.build_action,
        "outlier_customers": summary.outlier_customers,
    }
