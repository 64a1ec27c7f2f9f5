"""The warehouse file opens in the DuckDB builds BI tools ship, not only in DuckDB 2.0.

The profile sets `storage_compatibility_version` (v1.1.0) through `config_options`, so
the demo warehouse is written in a format DuckDB 1.1 and later can read. Each old client
gets its own virtualenv with the real DuckDB release from the package index, created once
per machine and pin set by tests/bi_client_envs.py (`make bi-clients`; CI does it while
installing), opens a copy of the demo warehouse read-only and reads every mart in full;
the 1.4 environment also reads them through SQLAlchemy + duckdb-engine, the way Superset
connects. Without the package index these tests skip locally and fail in CI (CI=true).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import duckdb
import pytest

from tests.bi_client_envs import CLIENTS, IndexUnreachable, ensure
from tests.dbt_runner import DbtRun

READ_MARTS = textwrap.dedent(
    """
    import json, sys
    import duckdb
    database, marts = sys.argv[1], sys.argv[2:]
    out = {"version": duckdb.__version__, "marts": {}}
    with duckdb.connect(database, read_only=True) as con:
        for mart in marts:
            cursor = con.execute(f"select * from main.{mart}")
            columns = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
            out["marts"][mart] = {"columns": columns, "rows": len(rows)}
    print(json.dumps(out))
    """
)

READ_MARTS_SQLALCHEMY = textwrap.dedent(
    """
    import json, sys
    import sqlalchemy as sa
    database, marts = sys.argv[1], sys.argv[2:]
    engine = sa.create_engine(f"duckdb:///{database}", connect_args={"read_only": True})
    inspector = sa.inspect(engine)
    # published marts are views over the last green build's tables; Superset lists both
    listed = inspector.get_table_names(schema="main") + inspector.get_view_names(schema="main")
    out = {"tables": sorted(listed), "marts": {}}
    with engine.connect() as con:
        for mart in marts:
            columns = [column["name"] for column in inspector.get_columns(mart, schema="main")]
            rows = con.execute(sa.text(f"select * from main.{mart}")).fetchall()
            out["marts"][mart] = {"columns": columns, "rows": len(rows)}
    print(json.dumps(out))
    """
)


def _unreachable(reason: str) -> None:
    """No package index: skip on a developer's machine, fail in CI."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must test the old DuckDB clients, but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def client_python() -> dict[str, Path]:
    """name -> the Python of a virtualenv holding that client's packages (cached)."""
    pythons = {}
    for name in CLIENTS:
        try:
            pythons[name] = ensure(name)
        except IndexUnreachable as error:
            _unreachable(str(error))
    return pythons


@pytest.fixture(scope="module")
def warehouse(demo_build: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo warehouse, so old clients never touch the session's file."""
    copy = tmp_path_factory.mktemp("bi_clients") / "warehouse.duckdb"
    shutil.copyfile(demo_build.database, copy)
    return copy


@pytest.fixture(scope="module")
def expected(demo_build: DbtRun, warehouse: Path) -> dict[str, dict]:
    """Every mart (models directly in models/marts/) with its columns and rows, read by
    DuckDB 2."""
    manifest = json.loads((demo_build.target / "manifest.json").read_text())
    marts = sorted(
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["fqn"][1:2] == ["marts"]
        and len(node["fqn"]) == 3
    )
    assert "customer_segments" in marts
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for mart in marts:
            cursor = con.execute(f"select * from main.{mart}")
            out[mart] = {
                "columns": [column[0] for column in cursor.description],
                "rows": len(cursor.fetchall()),
            }
    return out


def _run(python: Path, script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(python), "-c", script, *args], capture_output=True, text=True, check=False
    )


def test_warehouse_is_written_in_the_compatible_format(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tags = con.execute(
            "select tags from duckdb_databases() where database_name = 'warehouse'"
        ).fetchone()[0]
    assert tags["storage_version"].startswith("v1."), tags


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_old_duckdb_client_reads_every_mart(
    client: str, client_python: dict[str, Path], warehouse: Path, expected: dict[str, dict]
) -> None:
    done = _run(client_python[client], READ_MARTS, str(warehouse), *expected)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["version"].startswith(client.removeprefix("duckdb-") + "."), result["version"]
    assert result["marts"] == expected


def test_superset_style_sqlalchemy_reads_every_mart(
    client_python: dict[str, Path], warehouse: Path, expected: dict[str, dict]
) -> None:
    done = _run(client_python["duckdb-1.4"], READ_MARTS_SQLALCHEMY, str(warehouse), *expected)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert set(expected) <= set(result["tables"])
    assert result["marts"] == expected


def test_without_the_option_an_old_client_cannot_open_the_file(
    client_python: dict[str, Path], tmp_path: Path
) -> None:
    """The control: DuckDB 2's own format is unreadable to 1.1, so the option matters."""
    database = tmp_path / "latest.duckdb"
    with duckdb.connect(str(database), config={"storage_compatibility_version": "latest"}) as con:
        con.execute("create table customer_segments as select 1 as customer_id")
    done = _run(client_python["duckdb-1.1"], READ_MARTS, str(database), "customer_segments")
    assert done.returncode != 0
    assert "version" in done.stderr.lower() or "serializ" in done.stderr.lower(), done.stderr
