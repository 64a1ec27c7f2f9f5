"""Parquet exports for BI tools: published only by a green `dbt build`, replaced atomically.

(1) A reader polling the files while a rebuild publishes new ones only ever reads a
complete Parquet file with the old or the new row count, and the file is replaced by a
rename (new inode), never rewritten in place.
(2) A build that fails leaves the previous exports byte-identical; compile, docs generate,
a plain `dbt run` and a build of only some marts publish nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import shutil
import threading
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from bank_segments.generator import generate_customers, write_table
from tests.dbt_runner import MARTS, run_dbt

REPO = Path(__file__).resolve().parents[1]
DEMO_ROWS = 1500


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A green demo build whose exports go to an explicit (nested) exports_path."""
    workdir = tmp_path_factory.mktemp("exports_first")
    exports = workdir / "published" / "marts"
    run = run_dbt(workdir, "build", dbt_vars={"exports_path": str(exports)})
    assert run.returncode == 0, run.output[-4000:]
    return workdir


def _clone(first_build: Path, workdir: Path) -> tuple[Path, Path]:
    """Copy the first build's warehouse and exports so each test owns its files."""
    database = workdir / "warehouse.duckdb"
    exports = workdir / "exports"
    shutil.copyfile(first_build / "warehouse.duckdb", database)
    shutil.copytree(first_build / "published" / "marts", exports)
    return database, exports


def _fingerprint(exports: Path) -> dict[str, tuple[str, int, int]]:
    """Every file in the folder: sha256, inode and mtime in ns."""
    prints = {}
    for path in sorted(exports.iterdir()):
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        prints[path.name] = (digest, stat.st_ino, stat.st_mtime_ns)
    return prints


def test_green_build_publishes_every_mart(first_build: Path) -> None:
    exports = first_build / "published" / "marts"
    assert sorted(path.name for path in exports.iterdir()) == sorted(
        [f"{m}.parquet" for m in MARTS] + [f"{m}.manifest.json" for m in MARTS]
    )
    assert pq.read_table(exports / "customer_segments.parquet").num_rows == DEMO_ROWS
    assert pq.read_table(exports / "segment_profiles.parquet").num_rows == 4


def test_each_export_has_a_manifest_that_matches_its_file(first_build: Path) -> None:
    exports = first_build / "published" / "marts"
    run_results = json.loads((first_build / "target" / "run_results.json").read_text())
    segments = pq.read_table(exports / "customer_segments.parquet")
    as_of_date = segments.column("as_of_date")[0].as_py()
    model_version = segments.column("model_version")[0].as_py()
    assert model_version.startswith("v0001-")
    assert isinstance(as_of_date, dt.date)
    for mart in MARTS:
        parquet = exports / f"{mart}.parquet"
        lines = (exports / f"{mart}.manifest.json").read_text().splitlines()
        assert len(lines) == 1, mart
        manifest = json.loads(lines[0])
        table = pq.read_table(parquet)
        assert manifest["mart"] == mart
        assert manifest["file"] == parquet.name
        assert manifest["sha256"] == hashlib.sha256(parquet.read_bytes()).hexdigest()
        assert manifest["row_count"] == table.num_rows
        assert [column["name"] for column in manifest["columns"]] == table.column_names
        assert manifest["dbt_invocation_id"] == run_results["metadata"]["invocation_id"]
        # the registry version that labelled the customers, on every mart's manifest
        assert manifest["model_version"] == model_version
        assert manifest["as_of_date"] == as_of_date.isoformat()


def test_reader_during_rebuild_sees_old_or_new_complete_file(
    first_build: Path, tmp_path: Path
) -> None:
    database, exports = _clone(first_build, tmp_path)
    customers = tmp_path / "customers.csv"
    new_rows = 2300
    write_table(generate_customers(new_rows, seed=7).customers, customers)
    target = exports / "customer_segments.parquet"
    inode_before = target.stat().st_ino

    seen: list[int] = []
    errors: list[str] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            try:
                # a reader opens the path once and reads from that handle: the rename swaps
                # the name, never the bytes under an open file (pyarrow reading by path may
                # open it twice and mix the old footer with the new file)
                with target.open("rb") as handle:
                    seen.append(pq.read_table(handle).num_rows)
            except Exception as error:  # any unreadable moment is a failure
                errors.append(repr(error))
            # a short pause: still hundreds of reads a build, without the reader taking
            # a core from the build it watches
            stop.wait(0.01)

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        run = run_dbt(
            tmp_path,
            "build",
            database=database,
            dbt_vars={"exports_path": str(exports), "customers_path": str(customers)},
        )
    finally:
        stop.set()
        reader.join()

    assert run.returncode == 0, run.output[-4000:]
    assert not errors, errors[:3]
    assert len(seen) > 50, "the reader barely ran; the test proves nothing"
    assert set(seen) <= {DEMO_ROWS, new_rows}
    assert seen[0] == DEMO_ROWS
    assert pq.read_table(target).num_rows == new_rows
    # replaced by rename(2) of a finished temporary file, not rewritten in place
    assert target.stat().st_ino != inode_before
    assert not list(exports.glob("tmp_*")), "a temporary file was left behind"


def test_failed_build_leaves_exports_byte_identical(first_build: Path, tmp_path: Path) -> None:
    database, exports = _clone(first_build, tmp_path)
    before = _fingerprint(exports)

    # 10% of rows with an unreadable age: over the 5% quarantine limit, so the build fails
    bad = tmp_path / "customers_bad.csv"
    with (REPO / "seeds" / "demo_customers.csv").open() as source, bad.open("w") as sink:
        rows = list(csv.reader(source))
        for index, row in enumerate(rows[1:], start=1):
            if index % 10 == 0:
                row[1] = "not a number"
        csv.writer(sink).writerows(rows)

    run = run_dbt(
        tmp_path,
        "build",
        database=database,
        dbt_vars={"exports_path": str(exports), "customers_path": str(bad)},
    )
    assert run.returncode != 0, run.output[-4000:]
    assert "exports: not published" in run.output
    assert _fingerprint(exports) == before


def test_forced_model_failure_leaves_exports_byte_identical(
    first_build: Path, tmp_path: Path
) -> None:
    database, exports = _clone(first_build, tmp_path)
    before = _fingerprint(exports)
    # the scoring fails: its input is gone (a bad var can no longer do this; vars are
    # validated before anything runs)
    with duckdb.connect(str(database)) as con:
        con.execute("drop view work.int_customer_features")
    run = run_dbt(
        tmp_path,
        "build",
        "--select",
        "customer_segments+",
        database=database,
        dbt_vars={"exports_path": str(exports)},
    )
    assert run.returncode != 0, run.output[-4000:]
    statuses = {r["unique_id"]: r["status"] for r in run.results()}
    assert statuses["model.bank_segments.customer_segments"] == "error"
    assert statuses["model.bank_segments.customer_scores"] == "skipped"
    assert "error" in statuses.values()
    assert _fingerprint(exports) == before


@pytest.mark.parametrize(
    "command",
    [
        ("compile",),
        ("docs", "generate"),
        ("run", "--select", "customer_segments"),
        # a green build that did not rebuild every mart would mix new and stale files
        ("build", "--select", "customer_segments"),
    ],
)
def test_only_build_publishes(first_build: Path, tmp_path: Path, command: tuple[str, ...]) -> None:
    database = tmp_path / "warehouse.duckdb"
    shutil.copyfile(first_build / "warehouse.duckdb", database)
    # no exports_path: the default folder would be `exports/` next to the warehouse
    run = run_dbt(tmp_path, *command, database=database)
    assert run.returncode == 0, run.output[-4000:]
    assert not (tmp_path / "exports").exists()
