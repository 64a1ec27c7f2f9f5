"""customer_segment_history's incremental config, built by dbt in a throwaway project.

The history folder is disabled until the registry lands, so this test copies the real
model file and its yml entry (contract included) into a minimal dbt project whose
customer_segments stand-in reads one month's rows from a CSV. It loads January,
February, then January again, and checks the snapshot is replaced, never duplicated,
and February is never lost (also not by `--full-refresh`). int_customer_segments_paired
(incremental on to_as_of) is copied too: after loads in any order, backfills and
reloads included, its pairs equal a from-scratch rebuild.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.dbt_runner import dbt_command

REPO = Path(__file__).resolve().parents[1]
HISTORY = REPO / "dbt_project" / "models" / "history"

STAND_IN = """
select
    cast(customer_id as varchar) as customer_id,
    cast(as_of_date as date) as as_of_date,
    cast('v1' as varchar) as model_version,
    cast(cluster_id as integer) as cluster_id,
    cast(persona_id as varchar) as persona_id,
    cast(persona_id as varchar) as persona_name,
    cast(clv_proxy as double) as clv_proxy,
    cast(1.0 as double) as segment_margin,
    cast(1.0 as double) as distance_to_centroid
from read_csv('{{ var("month_path") }}', header = true, all_varchar = true)
"""


HISTORY_MODELS = ("customer_segment_history", "int_customer_segments_paired")


def _make_project(root: Path) -> Path:
    (root / "models").mkdir()
    (root / "dbt_project.yml").write_text(
        "name: history_check\nversion: '1.0.0'\nconfig-version: 2\nprofile: history_check\n"
        "flags: {send_anonymous_usage_stats: false}\n"
    )
    (root / "profiles.yml").write_text(
        "history_check:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {root / 'warehouse.duckdb'}\n      threads: 1\n"
    )
    (root / "models" / "customer_segments.sql").write_text(STAND_IN)
    for name in HISTORY_MODELS:
        shutil.copy(HISTORY / f"{name}.sql", root / "models")
    # the incremental config comes from a dispatch macro (cross_db_snapshot_config)
    shutil.copytree(REPO / "dbt_project" / "macros" / "cross_db", root / "macros" / "cross_db")
    # the shared column descriptions the history yml reads with doc()
    shutil.copy(REPO / "dbt_project" / "docs" / "columns.md", root / "models")
    models = yaml.safe_load((HISTORY / "_history__models.yml").read_text())["models"]
    entries = [m for m in models if m["name"] in HISTORY_MODELS]
    for entry in entries:  # the stand-in has no registry for model_version to refer to
        for test in entry.get("data_tests", []):
            test.get("column_rules", {}).get("arguments", {}).pop("references", None)
    (root / "models" / "_models.yml").write_text(yaml.safe_dump({"version": 2, "models": entries}))
    (root / "tests" / "generic").mkdir(parents=True, exist_ok=True)
    shutil.copy(
        REPO / "dbt_project" / "tests" / "generic" / "test_column_rules.sql",
        root / "tests" / "generic",
    )
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_project(tmp_path_factory.mktemp("history_project"))


def _month(project: Path, as_of: str, customers: list[tuple[str, str]]) -> Path:
    path = project / f"month_{as_of}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "as_of_date", "cluster_id", "persona_id", "clv_proxy"])
        for customer, persona in customers:
            writer.writerow([customer, as_of, 1, persona, 10])
    return path


def _build(project: Path, month: Path, *extra: str, succeeds: bool = True) -> None:
    command = ["build", "--project-dir", str(project), "--profiles-dir", str(project)]
    command += ["--vars", json.dumps({"month_path": str(month)}), *extra]
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    returncode, output = dbt_command(command, Path.cwd(), env)
    assert (returncode == 0) == succeeds, output[-3000:]


def _counts(project: Path) -> dict[str, int]:
    with duckdb.connect(str(project / "warehouse.duckdb"), read_only=True) as connection:
        rows = connection.sql(
            "select cast(as_of_date as varchar), count(*) from customer_segment_history group by 1"
        ).fetchall()
    return dict(rows)


def test_reloading_a_month_replaces_it_and_keeps_the_others(project: Path) -> None:
    january = _month(project, "2026-01-31", [("C1", "growth"), ("C2", "growth"), ("C3", "x")])
    february = _month(project, "2026-02-28", [("C1", "growth"), ("C2", "lifestyle")])
    _build(project, january)
    _build(project, february)
    assert _counts(project) == {"2026-01-31": 3, "2026-02-28": 2}
    _build(project, january)
    assert _counts(project) == {"2026-01-31": 3, "2026-02-28": 2}
    # a corrected January with one customer fewer replaces the old January entirely
    _build(project, _month(project, "2026-01-31", [("C1", "growth"), ("C2", "growth")]))
    assert _counts(project) == {"2026-01-31": 2, "2026-02-28": 2}
    _build(project, february, "--full-refresh")
    assert _counts(project) == {"2026-01-31": 2, "2026-02-28": 2}


def test_a_failed_load_loses_no_snapshot(project: Path) -> None:
    _build(project, _month(project, "2026-03-31", [("C1", "growth")]))
    before = _counts(project)
    broken = _month(project, "2026-03-31", [("C1", "growth")])
    broken.write_text(broken.read_text().replace(",10", ",not a number"))
    _build(project, broken, succeeds=False)
    assert _counts(project) == before


def _pairs(project: Path) -> list[tuple]:
    with duckdb.connect(str(project / "warehouse.duckdb"), read_only=True) as connection:
        return connection.sql(
            "select cast(from_as_of as varchar), cast(to_as_of as varchar), customer_id,"
            " from_persona_id, to_persona_id from int_customer_segments_paired order by all"
        ).fetchall()


def test_pairs_built_a_load_at_a_time_equal_a_rebuild_backfill_and_reload_included(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = _make_project(tmp_path_factory.mktemp("paired_project"))
    months = {
        "2026-01-31": [("C1", "growth"), ("C2", "growth"), ("C3", "credit")],
        "2026-02-28": [("C1", "growth"), ("C2", "lifestyle"), ("C4", "premium")],
        "2026-03-31": [("C1", "lifestyle"), ("C4", "premium"), ("C5", "growth")],
    }
    files = {as_of: _month(project, as_of, rows) for as_of, rows in months.items()}
    # January, then March (one pair Jan -> Mar), then February is backfilled between them
    for as_of in ("2026-01-31", "2026-03-31", "2026-02-28"):
        _build(project, files[as_of])
    pairs = _pairs(project)
    assert {(p[0], p[1]) for p in pairs} == {
        ("2026-01-31", "2026-02-28"),
        ("2026-02-28", "2026-03-31"),
    }
    assert ("2026-01-31", "2026-02-28", "C2", "growth", "lifestyle") in pairs
    assert ("2026-02-28", "2026-03-31", "C2", "lifestyle", "gone") in pairs
    assert ("2026-01-31", "2026-02-28", "C4", "new", "premium") in pairs
    # a corrected February: C2 stays growth; both pairs touching February change
    _build(project, _month(project, "2026-02-28", [("C1", "growth"), ("C2", "growth")]))
    incremental = _pairs(project)
    assert ("2026-01-31", "2026-02-28", "C2", "growth", "growth") in incremental
    assert ("2026-02-28", "2026-03-31", "C4", "new", "premium") in incremental
    _build(
        project, files["2026-03-31"], "--full-refresh", "--select", "int_customer_segments_paired"
    )
    assert _pairs(project) == incremental
