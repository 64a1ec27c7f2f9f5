"""One build visible everywhere or nowhere: builds killed, failed or never published.

Each test copies the session's green demo warehouse, runs dbt on another input and
kills it (SIGKILL, as an out-of-memory killer or a cancelled job would) right after a
named node finished, or lets a build run that does not publish. What analysts read in
`main` must still be the demo build, and the next green build must start from it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from bank_segments.generator import generate_customers, write_table
from tests.dbt_runner import DBT, REPO, DbtRun, run_dbt

#: the incremental models: published only by a green build
INCREMENTAL = {
    "customer_segment_history": "*",
    "int_customer_segments_paired": "*",
    "segment_drift": "*",
    "segment_cluster_drift": "*",
    "segment_model_fit": "model_version, content_hash, fitted_at",
}


def _snapshot(database: Path) -> dict[str, list[tuple]]:
    """Every row main shows of the incremental models and the registry's version list."""
    with duckdb.connect(str(database), read_only=True) as con:
        found = {
            name: sorted(con.execute(f"select {columns} from main.{name}").fetchall(), key=repr)
            for name, columns in INCREMENTAL.items()
        }
        found["segment_model_versions"] = con.execute(
            "select model_version, is_active from main.segment_model_versions order by 1"
        ).fetchall()
        found["customer_segments"] = con.execute(
            "select model_version, count(*) from main.customer_segments group by 1"
        ).fetchall()
    return found


def _leftovers(database: Path) -> list[str]:
    """dbt temporary relations anywhere, and any relation of work's in main."""
    with duckdb.connect(str(database), read_only=True) as con:
        return [
            row[0]
            for row in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
                " where table_name like '%dbt_tmp%' or table_name like '%dbt_backup%'"
                " or (table_schema = 'main' and (table_name like '%__published'"
                " or table_name like '%__increment'))"
            ).fetchall()
        ]


def _kill_after(workdir: Path, database: Path, node: str, dbt_vars: dict) -> str:
    """`dbt build` killed with SIGKILL as soon as it reports `node` done; its output."""
    return _kill_at(workdir, database, f" OK created * work.{node} ", dbt_vars)


def _kill_at(workdir: Path, database: Path, pattern: str, dbt_vars: dict) -> str:
    """`dbt build` killed with SIGKILL at its first output line matching `pattern` (a
    `*` stands for any text); its output."""
    parts = pattern.split("*")
    env = {
        **os.environ,
        "BANK_SEGMENTS_DB": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PARTIAL_PARSE": "false",
        "DBT_EXCLUDE_RESOURCE_TYPES": "unit_test",
    }
    command = [str(DBT), "build", "--target-path", str(workdir / "target")]
    command += ["--log-path", str(workdir / "logs"), "--vars", json.dumps(dbt_vars)]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if _matches(line, parts):
            process.send_signal(signal.SIGKILL)
            break
    process.wait()
    output = "".join(lines)
    assert process.returncode == -signal.SIGKILL, output[-3000:]
    return output


def _matches(line: str, parts: list[str]) -> bool:
    at = 0
    for part in parts:
        at = line.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


@pytest.fixture
def warehouse(tmp_path: Path, demo_build: DbtRun) -> Path:
    database = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_build.database, database)
    return database


@pytest.fixture(scope="module")
def other_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 other customers (no as-of column: as of the build day unless a test says)."""
    path = tmp_path_factory.mktemp("other") / "other.parquet"
    write_table(generate_customers(3_000, seed=11).customers, path)
    return path


def test_a_build_killed_after_the_incremental_models_leaves_main_as_it_was(
    tmp_path: Path, warehouse: Path, other_input: Path
) -> None:
    # the last incremental model of the run: the history, both drift snapshots and the
    # date pairs all hold the killed build's rows in work by then
    before = _snapshot(warehouse)
    output = _kill_after(
        tmp_path, warehouse, "int_customer_segments_paired", {"customers_path": str(other_input)}
    )
    assert all(f"work.{name} " in output for name in INCREMENTAL if name != "segment_model_fit")
    assert _snapshot(warehouse) == before
    assert _leftovers(warehouse) == []


def test_a_backfill_publishes_its_history_and_leaves_the_marts_on_the_latest_date(
    tmp_path: Path, warehouse: Path
) -> None:
    """Loading an as-of date before the latest published one adds it to the history,
    migration and drift; the marts, the report's build and the exports stay."""
    path = tmp_path / "january.parquet"
    customers = generate_customers(3_000, seed=11).customers
    dates = pa.array(["2026-01-31"] * customers.num_rows)
    write_table(customers.append_column("snapshot_date", dates), path)
    before = _snapshot(warehouse)

    run = run_dbt(tmp_path, "build", database=warehouse, dbt_vars={"customers_path": str(path)})

    assert run.returncode == 0, run.output[-3000:]
    assert "publish: backfill of 2026-01-31, before the latest published as-of date" in run.output
    after = _snapshot(warehouse)
    assert after["customer_segments"] == before["customer_segments"]
    assert after["segment_model_versions"] == before["segment_model_versions"]
    history = sorted(
        {row for row in after["customer_segment_history"]}
        - set(before["customer_segment_history"]),
        key=repr,
    )
    assert len(history) == 3000
    assert {str(row[1]) for row in history} == {"2026-01-31"}
    assert "exports: unchanged, a backfill of 2026-01-31" in run.output
    assert not (warehouse.parent / "exports").exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        published, note = con.execute(
            "select published, note from main.build_log order by finished_at desc limit 1"
        ).fetchone()
    assert not published
    assert note.startswith("backfill of 2026-01-31")


def test_a_refit_killed_after_the_fit_publishes_no_version_and_the_next_build_scores_with_the_old(
    tmp_path: Path, warehouse: Path
) -> None:
    before = _snapshot(warehouse)
    (active,) = [version for version, is_active in before["segment_model_versions"] if is_active]
    _kill_after(tmp_path / "killed", warehouse, "segment_model_fit", {"refit": True})
    assert _snapshot(warehouse) == before
    assert _leftovers(warehouse) == []

    run = run_dbt(tmp_path / "next", "build", database=warehouse)
    assert run.returncode == 0, run.output[-3000:]
    with run.connect_published() as con:
        versions = con.execute(
            "select model_version, is_active from segment_model_versions order by 1"
        ).fetchall()
        scored = con.execute("select distinct model_version from customer_segments").fetchall()
    assert versions == before["segment_model_versions"]
    assert scored == [(active,)]
    assert _leftovers(warehouse) == []


def test_a_plain_dbt_run_changes_nothing_analysts_read(
    tmp_path: Path, warehouse: Path, other_input: Path
) -> None:
    before = _snapshot(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (as_of,) = con.execute("select max(as_of_date) from main.customer_segments").fetchone()
    # the demo's as-of date (its build day), also when this test runs past midnight
    dbt_vars = {"customers_path": str(other_input), "as_of_date": str(as_of)}
    run = run_dbt(tmp_path, "run", database=warehouse, dbt_vars=dbt_vars)
    assert run.returncode == 0, run.output[-3000:]
    # the run's own rows are in work, where its models read them
    with run.connect() as con:
        rows = con.execute("select count(*) from work.customer_segment_history").fetchone()
    assert rows == (3000,)
    assert _snapshot(warehouse) == before
    assert _leftovers(warehouse) == []


def _exports_of_last_published_build(database: Path) -> str:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "select exports from main.build_log where published order by finished_at desc limit 1"
        ).fetchone()[0]


def test_a_build_killed_while_exporting_says_its_exports_are_stale(
    tmp_path: Path, warehouse: Path, other_input: Path
) -> None:
    from bank_segments.report import load_report_data

    assert _exports_of_last_published_build(warehouse) == "written"
    _kill_at(
        tmp_path, warehouse, "exports: published *.parquet", {"customers_path": str(other_input)}
    )
    # the tables were published before the files: the log and the report say the files lag
    assert _snapshot(warehouse)["customer_segments"][0][1] == 3000
    assert _exports_of_last_published_build(warehouse) == "pending"
    assert load_report_data(warehouse).meta["exports_written"] is False


def test_an_unwritable_exports_folder_fails_the_build_and_is_logged(
    tmp_path: Path, warehouse: Path, other_input: Path
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    run = run_dbt(
        tmp_path,
        "build",
        database=warehouse,
        dbt_vars={"customers_path": str(other_input), "exports_path": str(blocker / "exports")},
    )
    assert run.returncode != 0
    assert _exports_of_last_published_build(warehouse) == "pending"


def test_build_times_are_utc_on_a_machine_in_another_time_zone(
    tmp_path: Path, demo_build: DbtRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    database = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_build.database, database)
    # DuckDB takes its time zone from the machine's when a process first connects: a
    # process of its own (not a fork of the suite's dbt server), on New York time
    monkeypatch.setenv("BANK_SEGMENTS_TEST_FORK", "0")
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    run = run_dbt(
        tmp_path,
        "build",
        "--select",
        "stg_customers__input",
        database=database,
        env={"TZ": "America/New_York"},
    )
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert run.returncode == 0, run.output[-3000:]
    with duckdb.connect(str(database), read_only=True) as con:
        started, finished = con.execute(
            "select started_at, finished_at from main.build_log"
            " where invocation_id = (select max_by(invocation_id, started_at) from main.build_log)"
        ).fetchone()
    # both written in UTC: New York's local time is hours away from either bound
    assert before <= started <= finished <= after, (before, started, finished, after)
