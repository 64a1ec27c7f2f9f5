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
        if " OK created " in line and f" work.{node} " in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait()
    output = "".join(lines)
    assert process.returncode == -signal.SIGKILL, output[-3000:]
    return output


@pytest.fixture
def warehouse(tmp_path: Path, demo_build: DbtRun) -> Path:
    database = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_build.database, database)
    return database


@pytest.fixture(scope="module")
def other_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 customers as of another date than the demo's."""
    path = tmp_path_factory.mktemp("other") / "other.parquet"
    customers = generate_customers(3_000, seed=11).customers
    dates = pa.array(["2026-02-28"] * customers.num_rows)
    write_table(customers.append_column("snapshot_date", dates), path)
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
    run = run_dbt(
        tmp_path, "run", database=warehouse, dbt_vars={"customers_path": str(other_input)}
    )
    assert run.returncode == 0, run.output[-3000:]
    # the run's own rows are in work, where its models read them
    with run.connect() as con:
        dates = con.execute(
            "select distinct cast(as_of_date as varchar) from work.customer_segment_history"
        ).fetchall()
    assert ("2026-02-28",) in dates
    assert _snapshot(warehouse) == before
    assert _leftovers(warehouse) == []
