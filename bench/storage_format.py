"""What the BI-readable storage format costs: one `dbt build` per format, same input.

Builds the warehouse from ``--input`` twice into fresh DuckDB files, once with the
profile's default ``storage_compatibility_version`` (v1.1.0: DuckDB 1.1+ clients can
open the file) and once with ``latest`` (DuckDB 2.0's own format), each via
``BANK_SEGMENTS_STORAGE_VERSION``, and prints a Markdown table of wall time, file size
and the storage version DuckDB reports. The numbers go into BENCHMARKS.md, section
"Storage format" (``bench/run.py`` keeps that section when it rewrites the file).

Usage::

    .venv/bin/bank-segments generate --rows 1000000 --out /tmp/customers_1m.parquet
    .venv/bin/python bench/storage_format.py --input /tmp/customers_1m.parquet
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).with_name("dbt")
FORMATS = ("v1.1.0", "latest")


def build(data: Path, version: str, work: Path) -> dict:
    """One full `dbt build` of ``data`` into a fresh file written in ``version``."""
    folder = work / version.replace(".", "_")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    database = folder / "warehouse.duckdb"
    command = [
        str(DBT), "build", "--vars", json.dumps({"customers_path": str(data)}),
        "--target-path", str(folder / "target"), "--log-path", str(folder / "logs"),
    ]  # fmt: skip
    env = {
        **os.environ,
        "BANK_SEGMENTS_DB": str(database),
        "BANK_SEGMENTS_STORAGE_VERSION": version,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    (folder / "build.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        sys.exit(f"storage_format: the {version} build failed, see {folder / 'build.log'}")
    with duckdb.connect(str(database), read_only=True) as con:
        tags = con.execute(
            "select tags from duckdb_databases() where database_name = 'warehouse'"
        ).fetchone()[0]
    return {
        "format": version,
        "seconds": round(seconds, 1),
        "file_bytes": database.stat().st_size,
        "storage_version": tags.get("storage_version", "?"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, required=True, help="customers .parquet/.csv")
    parser.add_argument("--work-dir", type=Path, default=REPO / "bench" / "out" / "storage")
    options = parser.parse_args(argv)
    rows = [build(options.input.resolve(), version, options.work_dir) for version in FORMATS]
    print("| format | build wall time | warehouse file | DuckDB reports |")
    print("| --- | ---: | ---: | --- |")
    for row in rows:
        print(
            f"| `{row['format']}` | {row['seconds']:.1f} s | {row['file_bytes'] / 1e6:.1f} MB "
            f"| `{row['storage_version']}` |"
        )
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
