"""Reviewing a new model before it goes live: champion, candidate, promotion, warm start.

One warehouse goes through the monthly routine on generated months (month 2 has every
income x 1.3): a first fit (v0001, the champion), a candidate with K fixed at 3 (v0002)
that changes nothing customers or BI tools see, its promotion (recorded once, even when
repeated), the rollback to v0001 (the first assignment, exactly), a warm-started
candidate on unchanged data (adjusted Rand index 1 with the champion) and one on the
drifted month (flagged). The comparison's silhouette and adjusted Rand index are checked
against scikit-learn, and the model card of every version against the warehouse.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from bank_segments.generator_months import generate_months
from bank_segments.model_card import card_facts, integer, number, percent, render_card, text
from bank_segments.registry import model_from_registry_row
from bank_segments.report import build_report
from bank_segments.segment_model import standardize
from tests.dbt_runner import DbtRun, run_dbt

ROWS = 3_000
START = dt.date(2026, 1, 31)
#: larger than ROWS, so the comparison's silhouette sample is every customer
SAMPLE = 5_000
#: the parts of an export manifest that name the build rather than the data
BUILD_FIELDS = {"dbt_invocation_id", "build_started_at"}


@dataclass
class State:
    """What one build left: its run, customers' personas, exports and the review."""

    run: DbtRun
    segments: dict[str, str]
    exports: dict[str, object]
    activations: list[tuple]
    versions: list[tuple]
    comparison: dict[str, dict]
    #: the versions that scored customer_segments and this as-of date's history rows
    scored: list[tuple]
    #: work tables the comparison is computed from, as this build left them
    review: dict[str, object]
    #: segment_model_comparison_migration: (champion persona, candidate persona, customers)
    moves: list[tuple]


def published(run: DbtRun, sql: str) -> list[tuple]:
    with run.connect_published() as con:
        return con.execute(sql).fetchall()


def exports_of(folder: Path) -> dict[str, object]:
    """Every export: Parquet bytes, and manifests without the fields naming the build."""
    found: dict[str, object] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".parquet":
            found[path.name] = path.read_bytes()
        elif path.name.endswith(".manifest.json"):
            manifest = json.loads(path.read_text())
            found[path.name] = {k: v for k, v in manifest.items() if k not in BUILD_FIELDS}
    return found


def state(run: DbtRun) -> State:
    assert run.returncode == 0, run.output[-4000:]
    with run.connect_published() as con:
        cursor = con.execute("select * from segment_model_comparison")
        names = [c[0] for c in cursor.description]
        comparison = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    return State(
        run=run,
        segments=dict(published(run, "select customer_id, persona_id from customer_segments")),
        exports=exports_of(run.database.parent / "exports"),
        activations=published(
            run,
            "select activation_number, model_version, previous_version, activation_source "
            "from segment_model_activations order by activation_number",
        ),
        versions=published(
            run,
            "select model_version, status, fit_purpose, warm_started_from, is_active "
            "from segment_model_versions order by version_number",
        ),
        comparison=comparison,
        scored=published(
            run,
            "select distinct model_version from customer_segments union "
            "select distinct model_version from customer_segment_history "
            "where as_of_date = (select max(as_of_date) from customer_segments)",
        ),
        review=review_inputs(run, list(comparison)),
        moves=published(
            run,
            "select champion_persona_id, candidate_persona_id, customers "
            "from segment_model_comparison_migration",
        ),
    )


def review_inputs(run: DbtRun, versions: list[str]) -> dict[str, object]:
    """Each reviewed version's assignment and registry row, the features and
    customer_segments' clusters, read right after the build (later builds replace them)."""
    with run.connect() as con:
        assigned = {
            version: dict(
                con.execute(
                    "select customer_id, cluster_id from segment_review_assignments "
                    "where model_version = ?",
                    [version],
                ).fetchall()
            )
            for version in versions
        }
        rows = {
            version: con.sql(f"select * from segment_model_fit where model_version = '{version}'")
            .to_arrow_table()
            .to_pylist()[0]
            for version in versions
        }
        cursor = con.execute("select * from int_customer_features order by customer_id")
        columns = [c[0] for c in cursor.description]
        features = dict(zip(columns, zip(*cursor.fetchall(), strict=True), strict=True))
        clusters = dict(
            con.execute("select customer_id, cluster_id from customer_segments").fetchall()
        )
    return {"assigned": assigned, "rows": rows, "features": features, "clusters": clusters}


@pytest.fixture(scope="module")
def routine(tmp_path_factory: pytest.TempPathFactory) -> dict[str, State]:
    folder = tmp_path_factory.mktemp("review")
    months = generate_months(ROWS, 2, START, drift={"Income": 1.3})
    paths = []
    for snapshot in months:
        path = folder / f"customers_{snapshot.as_of.isoformat()}.parquet"
        pq.write_table(snapshot.customers, path)
        paths.append(path)
    database = folder / "warehouse.duckdb"
    month_1 = {"customers_path": str(paths[0]), "comparison_sample_size": SAMPLE}
    month_2 = {**month_1, "customers_path": str(paths[1])}
    steps: list[tuple[str, dict]] = [
        ("fit", month_1),
        ("candidate", {**month_1, "fit_candidate": True, "segment_count": 3}),
        ("promote", {**month_1, "promote": "<candidate>"}),
        ("promote_again", {**month_1, "promote": "<candidate>"}),
        ("rollback", {**month_1, "promote": "<first>"}),
        ("warm", {**month_1, "fit_candidate": True, "warm_start": True}),
        ("drifted", {**month_2, "fit_candidate": True, "warm_start": True}),
    ]
    states: dict[str, State] = {}
    for index, (name, dbt_vars) in enumerate(steps):
        if dbt_vars.get("promote") == "<candidate>":
            dbt_vars = {**dbt_vars, "promote": states["candidate"].versions[1][0]}
        elif dbt_vars.get("promote") == "<first>":  # named by the fit's day, not today's
            dbt_vars = {**dbt_vars, "promote": states["fit"].versions[0][0]}
        states[name] = state(
            run_dbt(folder / f"{index}_{name}", "build", dbt_vars=dbt_vars, database=database)
        )
    return states


def test_a_candidate_changes_nothing_customers_or_bi_tools_see(routine) -> None:
    fit, candidate = routine["fit"], routine["candidate"]
    assert fit.versions == [(fit.versions[0][0], "champion", "first fit", None, True)]
    (champion, challenger) = candidate.versions
    assert champion[1:] == ("champion", "first fit", None, True)
    assert challenger[1:] == ("candidate", "candidate", None, False)
    assert candidate.segments == fit.segments
    assert candidate.exports == fit.exports  # Parquet byte for byte, manifests but the build
    assert candidate.activations == fit.activations == [(1, champion[0], None, "first fit")]
    assert candidate.scored == [(champion[0],)]


def test_the_comparison_measures_both_on_the_same_customers(routine) -> None:
    champion, challenger = (row[0] for row in routine["candidate"].versions)
    rows = routine["candidate"].comparison
    assert set(rows) == {champion, challenger}
    assert rows[challenger]["k"] == 3 and rows[champion]["k"] == 4
    assert rows[champion]["customers"] == rows[challenger]["customers"] == ROWS
    assert rows[champion]["sample_customers"] == ROWS  # comparison_sample_size > ROWS
    review = routine["candidate"].review
    assigned = review["assigned"]
    ids = sorted(assigned[champion])
    # the champion's rows are customer_segments' own
    assert review["clusters"] == assigned[champion]
    table = review["features"]
    registry = {version: model_from_registry_row(row) for version, row in review["rows"].items()}
    labels = {v: np.array([assigned[v][i] for i in ids]) for v in assigned}
    ari = adjusted_rand_score(labels[champion], labels[challenger])
    assert rows[challenger]["adjusted_rand_index"] == pytest.approx(ari, abs=1e-12)
    assert rows[champion]["adjusted_rand_index"] == 1.0
    for version, model in registry.items():
        values = np.column_stack([np.asarray(table[f], dtype=float) for f in model.features])
        z = standardize(values, model)
        expected = silhouette_score(z, labels[version])
        assert rows[version]["silhouette"] == pytest.approx(expected, abs=1e-9), version
    assert rows[challenger]["silhouette_gain"] == pytest.approx(
        rows[challenger]["silhouette"] - rows[champion]["silhouette"], abs=1e-12
    )
    changed = sum(routine["promote"].segments[i] != routine["fit"].segments[i] for i in ids) / len(
        ids
    )
    assert rows[challenger]["persona_change_share"] == pytest.approx(changed, abs=1e-12)
    assert rows[challenger]["segments_verdict"] == (
        "same segments" if ari >= 0.9 else "changed segments"
    )
    # three segments cannot hold four named personas: keep the champion
    assert rows[challenger]["personas_lost"] >= 1
    assert rows[challenger]["recommendation"] == "keep the champion"
    assert rows[champion]["recommendation"] is None
    moves = routine["candidate"].moves
    counted: dict[tuple[str, str], int] = {}
    for i in ids:
        key = (routine["fit"].segments[i], routine["promote"].segments[i])
        counted[key] = counted.get(key, 0) + 1
    assert {(a, b): n for a, b, n in moves} == counted


def test_promotion_changes_the_marts_and_is_recorded_once(routine) -> None:
    fit, promote, again = routine["fit"], routine["promote"], routine["promote_again"]
    champion, challenger = (row[0] for row in routine["candidate"].versions)
    assert promote.activations == [
        (1, champion, None, "first fit"),
        (2, challenger, champion, "promote"),
    ]
    assert again.activations == promote.activations  # promoting the champion adds nothing
    assert [row[1] for row in promote.versions] == ["retired", "champion"]
    assert promote.segments != fit.segments
    assert promote.exports != fit.exports
    assert promote.scored == [(challenger,)]
    assert promote.comparison == {}  # no candidate waits
    # the promotion held in the next build without repeating the var
    assert again.segments == promote.segments


def test_promoting_the_old_version_back_restores_its_assignment(routine) -> None:
    fit, rollback = routine["fit"], routine["rollback"]
    champion, challenger = (row[0] for row in routine["candidate"].versions)
    assert rollback.segments == fit.segments
    assert {k: v for k, v in rollback.exports.items() if k.endswith(".parquet")} == {
        k: v for k, v in fit.exports.items() if k.endswith(".parquet")
    }
    assert rollback.activations[-1] == (3, champion, challenger, "promote")
    assert [row[1] for row in rollback.versions] == ["champion", "retired"]


def test_a_warm_start_on_unchanged_data_keeps_the_segments(routine) -> None:
    warm = routine["warm"]
    champion = routine["fit"].versions[0][0]
    version, status, purpose, started_from, active = warm.versions[-1]
    assert (status, purpose, started_from, active) == ("candidate", "candidate", champion, False)
    method = published(
        warm.run,
        f"select k_selection_method, k from segment_model_versions where model_version = "
        f"'{version}'",
    )
    assert method == [(f"warm start from {champion}", 4)]
    row = warm.comparison[version]
    assert row["adjusted_rand_index"] == 1.0
    assert row["persona_change_share"] == 0.0
    assert (row["segments_verdict"], row["is_change_flagged"]) == ("same segments", False)
    assert row["recommendation"] == "keep the champion"
    assert warm.segments == routine["fit"].segments


def test_a_candidate_on_a_drifted_month_is_flagged(routine) -> None:
    drifted = routine["drifted"]
    champion = routine["fit"].versions[0][0]
    version = drifted.versions[-1][0]
    # both unpromoted candidates fitted since the rollback are under review
    assert set(drifted.comparison) == {champion, routine["warm"].versions[-1][0], version}
    row, old = drifted.comparison[version], drifted.comparison[champion]
    assert (old["drift_verdict"], old["most_drifted_feature"]) == ("significant", "income")
    assert row["drift_verdict"] != "significant"
    assert row["is_change_flagged"] and old["is_change_flagged"]
    assert row["warm_started_from"] == champion
    # the customers are still scored by the champion
    assert drifted.scored == [(champion,)]


def test_bad_review_vars_stop_in_one_line(routine, tmp_path: Path) -> None:
    source = routine["drifted"].run.database
    database = tmp_path / "warehouse.duckdb"
    shutil.copyfile(source, database)
    known = ", ".join(row[0] for row in routine["drifted"].versions)
    for dbt_vars, message in (
        ({"promote": "v0042-20260101"}, f"is not a fitted version; known: {known}"),
        (
            {"promote": routine["fit"].versions[0][0], "fit_candidate": True},
            f"contradict each other: promote scores with an existing version from this "
            f"build on. Promote in a build of its own: --vars '{{promote: "
            f'"{routine["fit"].versions[0][0]}"}}\'; known versions: {known}',
        ),
        ({"warm_start": True}, "warm_start: true needs a fit"),
        ({"refit": True, "fit_candidate": True}, "contradict each other"),
    ):
        run = run_dbt(tmp_path / "bad", "build", dbt_vars=dbt_vars, database=database)
        assert run.returncode != 0
        assert message in run.output, run.output[-2000:]
        assert "Traceback" not in run.output
    after = duckdb.connect(str(database), read_only=True)
    try:
        assert after.execute("select count(*) from segment_model_activations").fetchone() == (
            len(routine["drifted"].activations),
        )
    finally:
        after.close()


NUMBER = re.compile(r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2})?|-?\d[\d,]*(?:\.\d+)?(?: %)?")


def formatted(value: object) -> set[str]:
    """Every way the card may print a warehouse value."""
    if value is None or isinstance(value, bool | str | list | dict):
        return {text(value)} if isinstance(value, str) else set()
    shown = {text(value)}
    if isinstance(value, int | float):
        shown |= {integer(value) if float(value).is_integer() else ""}
        shown |= {number(value, digits) for digits in (1, 2, 3)} | {percent(value)}
    return shown - {""}


def test_the_model_card_of_every_version_shows_warehouse_numbers(routine) -> None:
    run = routine["drifted"].run
    with run.connect_published() as con:
        versions = [
            row[0]
            for row in con.execute(
                "select model_version from segment_model_versions order by version_number"
            ).fetchall()
        ]
        assert len(versions) >= 3
        for version in versions:
            card = render_card(card_facts(con, version))
            assert card.startswith(f"# Model card: segment model {version}\n")
            allowed: set[str] = set()
            for table in (
                "segment_model_versions",
                "segment_model_fit",
                "segment_model_k_selection",
                "segment_model_personas",
                "segment_model_clusters",
                "segment_model_stability",
                "segment_drift",
                "segment_model_comparison",
            ):
                cursor = con.execute(f"select * from {table} where model_version = ?", [version])
                for row in cursor.fetchall():
                    for value in row:
                        allowed |= formatted(value)
            for row in con.execute(
                "select * from segment_model_activations where ? in (model_version, "
                "previous_version)",
                [version],
            ).fetchall():
                for value in row:
                    allowed |= formatted(value)
            for row in con.execute(
                "select as_of_date, count(*), avg(case when is_outlier then 1.0 else 0.0 end) "
                "from customer_segments where model_version = ? group by 1",
                [version],
            ).fetchall():
                for value in row:
                    allowed |= formatted(value)
            for row in con.execute(
                "select min(as_of_date), max(as_of_date), count(distinct as_of_date) "
                "from customer_segment_history where model_version = ?",
                [version],
            ).fetchall():
                for value in row:
                    allowed |= formatted(value)
            for row in con.execute(
                "select finished_at from build_log where published order by finished_at desc "
                "limit 1"
            ).fetchall():
                allowed |= formatted(row[0])
            # ids and code (version ids, hashes, invocations, column names) are not figures
            prose = re.sub(r"`[^`]*`|v\d{4}-\d{8}", "", card)
            figures = NUMBER.findall(prose)
            assert figures, version
            unknown = [f for f in figures if f not in allowed]
            assert unknown == [], (version, unknown)
            status = con.execute(
                "select status from segment_model_versions where model_version = ?", [version]
            ).fetchone()[0]
            assert f"**Status:** {status}" in card


def test_the_report_shows_the_candidates_and_links_the_cards(routine, tmp_path: Path) -> None:
    run = routine["drifted"].run
    out = build_report(run.database, tmp_path / "report.html")
    html = out.read_text()
    section = html[html.index('id="candidate-model"') : html.index('id="eda"')]
    for version, row in routine["drifted"].comparison.items():
        assert f'href="model_cards/{version}.md"' in section
        assert (tmp_path / "model_cards" / f"{version}.md").is_file()
        if row["status"] == "candidate":
            assert f"{version}: {row['recommendation']}" in section
    assert "no-candidate" not in section
