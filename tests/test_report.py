"""The segmentation report: rendered from real dbt builds, checked as a document."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

import bank_segments
from bank_segments.cli import main
from bank_segments.generator import ATTRIBUTES, BOUNDS, ID_COLUMN, write_table
from bank_segments.report import REQUIRED_TABLES, ReportError, build_report
from bank_segments.report import data as report_data
from bank_segments.report.render import WARNING_TEXT, deviation_in_words
from tests.dbt_runner import DbtRun, run_dbt

CHART_IDS = (
    "chart-k-selection",
    "chart-pca-map",
    "chart-clv",
    "chart-risk",
    "chart-digital",
    "chart-correlations",
)
SECTION_IDS = (
    "headline",
    "k-selection",
    "customer-map",
    "personas",
    "value-risk",
    "digital",
    "eda",
    "data-quality",
)
VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta source track wbr".split())


@dataclass(frozen=True)
class Report:
    run: DbtRun
    path: Path
    html: str


def _render(run: DbtRun, out: Path) -> Report:
    path = build_report(run.database, out)
    return Report(run=run, path=path, html=path.read_text(encoding="utf-8"))


def uniform_customers(rows: int, seed: int) -> pa.Table:
    """Customers whose ten attributes are drawn independently and uniformly within the
    validation ranges: no cluster structure by construction."""
    rng = np.random.default_rng(seed)
    columns: dict[str, pa.Array] = {ID_COLUMN: pa.array([f"U{i:05d}" for i in range(rows)])}
    for attribute in ATTRIBUTES:
        low, high, decimals = BOUNDS[attribute]
        values = np.round(rng.uniform(max(low, 1), high, rows), decimals)
        columns[attribute] = pa.array(values.astype(int) if decimals == 0 else values)
    return pa.table(columns)


@pytest.fixture(scope="module")
def demo_report(demo_build: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> Report:
    return _render(demo_build, tmp_path_factory.mktemp("report_demo") / "segments.html")


@pytest.fixture(scope="module")
def no_structure_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    workdir = tmp_path_factory.mktemp("report_uniform")
    csv = workdir / "uniform_customers.csv"
    write_table(uniform_customers(1_500, seed=7), csv)
    run = run_dbt(workdir, "build", dbt_vars={"customers_path": str(csv)})
    assert run.returncode == 0, run.output[-4000:]
    return _render(run, workdir / "segments.html")


def profiles(run: DbtRun) -> dict[str, tuple[str, int]]:
    with run.connect() as con:
        rows = con.execute(
            "select persona_id, persona_name, customers from segment_profiles"
        ).fetchall()
    return {pid: (name, int(customers)) for pid, name, customers in rows}


def persona_cards(html: str) -> dict[str, int]:
    cards = re.findall(
        r'<article class="persona-card"[^>]*data-persona-id="([^"]+)"\s+'
        r'data-customers="(\d+)"',
        html,
    )
    return {pid: int(customers) for pid, customers in cards}


def svg_elements(html: str) -> dict[str, str]:
    """Chart id → the whole ``<svg>…</svg>`` element."""
    return {
        match.group(1): match.group(0)
        for match in re.finditer(r'<svg\b[^>]*\bid="([^"]+)".*?</svg>', html, re.DOTALL)
    }


class StrictTagBalance(HTMLParser):
    """Fails on any end tag that does not close the innermost open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, tuple[int, int]]] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, self.getpos()))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS:
            self.errors.append(f"end tag for void element </{tag}> at {self.getpos()}")
        elif not self.stack or self.stack[-1][0] != tag:
            open_tag = self.stack[-1] if self.stack else None
            self.errors.append(f"</{tag}> at {self.getpos()} closes {open_tag}")
        else:
            self.stack.pop()


# ------------------------------------------------------------------------- demo report


def test_demo_report_headline_states_the_model(demo_report: Report) -> None:
    with demo_report.run.connect() as con:
        customers, k, silhouette, verdict, invocation = con.execute(
            "select customers, k, silhouette, structure_verdict, dbt_invocation_id "
            "from segment_model_summary"
        ).fetchone()
        quarantined = con.execute("select rows_quarantined from input_quality").fetchone()[0]
    headline = demo_report.html.split('<section id="k-selection">')[0]
    assert f"{k} customer segments from {customers:,} customers" in headline
    assert f"<dd>{quarantined:,}</dd>" in headline
    assert f"<dd>{silhouette:.2f}</dd>" in headline
    assert verdict in headline
    assert "highest silhouette" in headline
    # the demo has planted structure: no over-interpretation warning
    assert (verdict in {"weak", "no substantial structure"}) == (WARNING_TEXT in headline)
    footer = demo_report.html.split('<footer class="page-footer">')[1]
    assert invocation in footer
    assert f"bank-segments {bank_segments.__version__}" in footer


def test_demo_report_names_the_model_version(demo_report: Report) -> None:
    with demo_report.run.connect() as con:
        version, rows, action = con.execute(
            "select model_version, fit_sample_rows, build_action from segment_model_summary"
        ).fetchone()
    headline = " ".join(demo_report.html.split('<section id="k-selection">')[0].split())
    assert f"model version <strong>{version}</strong>" in headline
    assert f"on {rows:,} of" in headline
    assert action == "fitted" and "this build fitted it" in headline


def test_sections_appear_in_reading_order(demo_report: Report) -> None:
    positions = [demo_report.html.index(f'id="{section}"') for section in SECTION_IDS]
    assert positions == sorted(positions)
    assert demo_report.html.index('id="data-quality"') < demo_report.html.index("<footer")


def test_every_chart_is_an_accessible_inline_svg(demo_report: Report) -> None:
    charts = svg_elements(demo_report.html)
    assert set(charts) == set(CHART_IDS)
    assert demo_report.html.count("<svg") == len(CHART_IDS)
    for chart_id, svg in charts.items():
        head = svg[: svg.index(">") + 1]
        assert 'role="img"' in head, chart_id
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in head, chart_id
        title = re.search(rf'<title id="{chart_id}-title">([^<]+)</title>', svg)
        desc = re.search(rf'<desc id="{chart_id}-desc">([^<]+)</desc>', svg)
        assert title and len(title.group(1)) > 10, chart_id
        assert desc and len(desc.group(1)) > 20, chart_id


def test_page_is_self_contained(demo_report: Report) -> None:
    html = demo_report.html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"<(?:script|link|iframe|object|embed)\b", html, re.I)
    assert not re.search(r"@import", html, re.I)
    # the only http(s) strings left are XML namespace names
    for match in re.finditer(r"https?://[^\s\"'<>)]+", html):
        before = html[max(0, match.start() - 15) : match.start()]
        assert re.search(r"xmlns(?::\w+)?=\"$", before), (match.group(0), before)


def test_html_parses_with_balanced_tags(demo_report: Report) -> None:
    parser = StrictTagBalance()
    parser.feed(demo_report.html)
    parser.close()
    assert parser.errors == []
    assert parser.stack == []
    assert demo_report.html.lstrip().lower().startswith("<!doctype html>")


def test_persona_cards_match_segment_profiles(demo_report: Report) -> None:
    expected = profiles(demo_report.run)
    cards = persona_cards(demo_report.html)
    assert cards == {pid: customers for pid, (_, customers) in expected.items()}
    for pid, (name, _) in expected.items():
        assert f'id="persona-{pid}"' in demo_report.html
        assert f"<h3>{name}</h3>" in demo_report.html


def test_a_persona_keeps_its_colour_across_charts(demo_report: Report) -> None:
    data = report_data.load_report_data(demo_report.run.database)
    charts = svg_elements(demo_report.html)
    colours = [persona.colour.lower() for persona in data.personas]
    assert len(set(colours)) == len(colours)
    assert colours == [c.lower() for c in report_data.PERSONA_PALETTE[: len(colours)]]
    for persona in data.personas:
        colour = persona.colour.lower()
        card = re.search(
            rf'id="persona-{persona.persona_id}"[^>]*style="--persona: ([^"]+)"',
            demo_report.html,
        )
        assert card and card.group(1).lower() == colour
        for chart_id in ("chart-pca-map", "chart-clv", "chart-risk", "chart-digital"):
            assert colour in charts[chart_id].lower(), (persona.persona_id, chart_id)


def test_eda_findings_and_data_quality_are_shown(demo_report: Report) -> None:
    with demo_report.run.connect() as con:
        findings = con.execute("select finding, supported from eda_findings").fetchall()
        read = con.execute("select count(*) from stg_customers__input").fetchone()[0]
        assert con.execute("select rows_read from input_quality").fetchone()[0] == read
    eda = demo_report.html.split('id="eda"')[1].split('id="data-quality"')[0]
    for finding, supported in findings:
        item = eda.split(finding)[0].rsplit("<li", 1)[1]
        assert ("Supported" if supported else "Not supported") in item
    quality = demo_report.html.split('id="data-quality"')[1]
    assert f"<dd>{read:,}</dd>" in quality


def test_report_is_deterministic(demo_report: Report, tmp_path: Path) -> None:
    again = build_report(demo_report.run.database, tmp_path / "again.html")
    assert again.read_text(encoding="utf-8") == demo_report.html


def test_map_samples_at_most_the_limit_with_a_fixed_seed(
    demo_report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_data, "MAP_SAMPLE_SIZE", 400)
    first = report_data.load_report_data(demo_report.run.database)
    second = report_data.load_report_data(demo_report.run.database)
    assert sum(len(points) for points in first.map_points.values()) == 400
    for pid, points in first.map_points.items():
        np.testing.assert_array_equal(points, second.map_points[pid])
    html = build_report(demo_report.run.database, tmp_path / "sampled.html").read_text()
    assert f"fixed-seed sample of 400 of {first.map_total:,} customers" in html
    assert "fixed-seed sample" not in demo_report.html  # 1,500 customers: all shown


# ------------------------------------------------------------------ no-structure report


def test_no_structure_warning_comes_before_any_persona(no_structure_report: Report) -> None:
    html = no_structure_report.html
    with no_structure_report.run.connect() as con:
        verdict = con.execute("select structure_verdict from segment_model_summary").fetchone()[0]
    assert verdict in {"weak", "no substantial structure"}
    assert WARNING_TEXT in html
    first_card = html.index('class="persona-card"')
    assert html.index(WARNING_TEXT) < first_card
    assert html.index("should not be over-interpreted") < html.index('id="chart-pca-map"')
    for _, (name, _) in profiles(no_structure_report.run).items():
        assert html.index(WARNING_TEXT) < html.index(name)


def test_no_structure_cards_still_match_segment_profiles(no_structure_report: Report) -> None:
    expected = profiles(no_structure_report.run)
    assert persona_cards(no_structure_report.html) == {
        pid: customers for pid, (_, customers) in expected.items()
    }
    assert set(svg_elements(no_structure_report.html)) == set(CHART_IDS)


# ------------------------------------------------------------------------------ errors


def test_an_out_path_under_a_file_is_one_clear_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "reports").write_text("a file where a folder is wanted")
    out = tmp_path / "reports" / "segments.html"
    assert main(["report", "--db", str(tmp_path / "any.duckdb"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"{tmp_path / 'reports'} is a file, not a folder; choose another --out" in err
    assert main(["report", "--db", str(tmp_path / "any.duckdb"), "--out", str(tmp_path)]) == 2
    assert "is a folder: give a file name" in capsys.readouterr().err


def test_missing_warehouse_is_one_clear_line(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nowhere.duckdb"
    assert main(["report", "--db", str(missing), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "warehouse not found" in err and str(missing) in err
    assert "Traceback" not in err
    assert not (tmp_path / "r.html").exists()


def test_unbuilt_warehouse_names_the_missing_tables(tmp_path: Path, capsys) -> None:
    database = tmp_path / "half.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create table input_quality (rows_read bigint)")
        con.execute(
            "create table build_log as select 'x' as invocation_id, true as published,"
            " 'green' as status, current_timestamp as finished_at"
        )
    assert main(["report", "--db", str(database), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "not built" in err
    named = err.split("missing tables ")[1].split(" (")[0].split(", ")
    assert named == [table for table in REQUIRED_TABLES if table != "input_quality"]
    with pytest.raises(ReportError):
        build_report(database, tmp_path / "r.html")


def test_older_warehouse_names_the_mart_and_the_missing_column(
    demo_build: DbtRun, tmp_path: Path, capsys
) -> None:
    """A warehouse built before segment_feature_deviations had z_deviation: one line."""
    database = tmp_path / "older.duckdb"
    database.write_bytes(demo_build.database.read_bytes())
    with duckdb.connect(str(database)) as con:
        con.execute(
            "create or replace view main.segment_feature_deviations as select persona_id,"
            " feature, deviation_rank, is_top_feature from work.segment_feature_deviations"
        )
    assert main(["report", "--db", str(database), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "segment_feature_deviations has no column z_deviation" in err
    assert "Traceback" not in err
    assert not (tmp_path / "r.html").exists()


def test_report_reads_only_published_contracted_marts(demo_build: DbtRun) -> None:
    """Every table the loader reads is a contract-enforced model, or the model registry's
    summary and views; never staging, intermediate or a seed."""
    manifest = json.loads((demo_build.target / "manifest.json").read_text())
    models = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] in {"model", "seed"} and node["package_name"] == "bank_segments"
    }
    registry = {"segment_model_summary", "segment_k_selection", "segment_pca_components"}
    for table in REQUIRED_TABLES:
        node = models[table]
        assert node["resource_type"] == "model", table
        assert node["config"]["meta"].get("publish"), table
        assert node["fqn"][1] not in {"staging", "intermediate"}, table
        assert node["config"]["contract"]["enforced"] or table in registry, table
    exposure = next(
        node for node in manifest["exposures"].values() if node["name"] == "bank_segments_report"
    )
    assert sorted(exposure["depends_on"]["nodes"]) == sorted(
        f"model.bank_segments.{table}" for table in REQUIRED_TABLES
    )


def test_every_number_shown_is_a_mart_column(demo_report: Report) -> None:
    """The deviations on the cards are segment_feature_deviations.z_deviation, rounded."""
    with demo_report.run.connect_published() as con:
        rows = con.execute(
            "select persona_id, feature, z_deviation from segment_feature_deviations"
            " where is_top_feature order by persona_id, deviation_rank"
        ).fetchall()
    assert len(rows) >= 4
    for persona_id, feature, z in rows:
        card = demo_report.html.split(f'id="persona-{persona_id}"')[1].split("</article>")[0]
        assert f"<li>{deviation_in_words(feature, z)}</li>" in card
        assert f"({z:+.1f} SD)".replace("-", "\u2212") in card


def test_never_published_warehouse_is_refused_in_one_line(tmp_path: Path, capsys) -> None:
    database = tmp_path / "failed.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema work")
        con.execute("create table work.stg_customers (customer_id varchar)")
        con.execute(
            "create table build_log as select 'x' as invocation_id, false as published,"
            " 'failed' as status, current_timestamp as finished_at"
        )
    assert main(["report", "--db", str(database), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "has no published build" in err
    assert not (tmp_path / "r.html").exists()


def test_deviation_in_words() -> None:
    assert deviation_in_words("income", 1.84) == "Income much higher than average (+1.8 SD)"
    assert deviation_in_words("age", -1.1) == "Age lower than average (\u22121.1 SD)"
    assert deviation_in_words("support_calls", 0.3) == (
        "Support calls slightly higher than average (+0.3 SD)"
    )
    # the degree follows the number shown: 1.46 reads as +1.5, so "much"
    assert deviation_in_words("monthly_spending", 1.46) == (
        "Monthly spending much higher than average (+1.5 SD)"
    )
