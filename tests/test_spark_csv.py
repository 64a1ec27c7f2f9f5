"""CSV customer files on the local `spark` target read like on DuckDB.

The shapes tests/test_real_exports.py loads on DuckDB (';' with decimal commas, Latin-1,
upper-case and spaced headers, quoted thousands, a UTF-8 byte order mark with CRLF line
ends, UTF-16 with tabs) are drawn from the generator, two rows of each made bad, and
staged on both engines (`dbt run` of stg_customers__input, stg_customers__checked and
stg_customers, models only: the data tests are the same SQL as on DuckDB and
tests/test_spark.py runs them all). Every file must
give rows read = valid + quarantined on Spark, and the same stg_customers rows as
DuckDB, row by row. A missing path and a .csv.gz that is not gzip stop the Spark build
with the same one line as DuckDB, naming the file and the fix. A table already in the
lakehouse (var customers_table, a Parquet-backed Spark table of typed columns) stages
the same rows as DuckDB reading that Parquet file.

All Spark steps share one process (Spark starts once); the DuckDB builds run meanwhile.
Measured on the shared 2-core machine: see docs/spark.md.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from bank_segments.generator import ATTRIBUTES, generate_customers
from tests.dbt_runner import REPO, run_dbt

pytestmark = pytest.mark.spark

ROWS = 200
AS_OF = "2026-10-31"
#: staging without the quarantine tables (built from stg_customers__checked, which holds
#: every row with its reasons): saves ~5 s a file on Spark
STAGING = ["--select", "stg_customers__input", "stg_customers__checked", "stg_customers"]
#: rows made bad in every file (0-based): an income that is no number, a missing age
BAD_ROWS = {4: ("Income", "n/a"), 8: ("Age", "")}


def _rows() -> list[dict[str, str]]:
    table = generate_customers(ROWS, seed=21).customers
    return [{key: str(value) for key, value in row.items()} for row in table.to_pylist()]


def _write(path: Path, header: list[str], body: list[list[str]], **how: str) -> Path:
    delim, newline = how.get("delim", ","), how.get("newline", "\n")
    lines = [delim.join(header)] + [delim.join(values) for values in body]
    path.write_bytes((newline.join(lines) + newline).encode(how.get("encoding", "utf-8")))
    return path


def _values(row: dict[str, str], index: int, decimal: str = ".") -> list[str]:
    """The ten attributes as text; income quoted with thousands separators."""
    values = []
    for name in ATTRIBUTES:
        value = row[name]
        if name == "Income":
            value = f'"{float(value):,.2f}"'
            if decimal == ",":  # 52.300,10
                value = value.replace(",", "_").replace(".", ",").replace("_", ".")
        elif decimal == ",":
            value = value.replace(".", ",")
        if index in BAD_ROWS and BAD_ROWS[index][0] == name:
            value = BAD_ROWS[index][1]
        values.append(value)
    return values


def _fixtures(folder: Path) -> dict[str, Path]:
    """name -> file, each holding ROWS customers of which len(BAD_ROWS) are bad."""
    rows = _rows()
    upper = ["AGE", "INCOME", "CREDIT SCORE", "ACCOUNT_TENURE", "MONTHLY SPENDING",
             "TRANSACTIONFREQUENCY", "AVG ACCOUNT BALANCE", "NUM_PRODUCTS",
             "App-Usage-Score", "supportCalls"]  # fmt: skip
    return {
        # ';' with decimal commas and "52.300,10" thousands, Latin-1, an extra column
        "eu_latin1": _write(
            folder / "eu_latin1.csv",
            [*upper, "Filial"],
            [[*_values(row, i, ","), "Agência Lisboa"] for i, row in enumerate(rows)],
            delim=";",
            encoding="latin-1",
        ),
        # a UTF-8 BOM on the first header, CRLF, an id column, a quoted line break
        "bom_crlf": _write(
            folder / "bom_crlf.csv",
            ["\ufeffCustomerID", *ATTRIBUTES, "Notes"],
            [
                [f"C{i:04d}", *_values(row, i), '"called twice,\r\nthen left"' if i % 7 else ""]
                for i, row in enumerate(rows)
            ],
            newline="\r\n",
        ),
        # UTF-16 (with its byte order mark) and tabs
        "utf16_tab": _write(
            folder / "utf16_tab.csv",
            list(ATTRIBUTES),
            [[value.strip('"') for value in _values(row, i)] for i, row in enumerate(rows)],
            delim="\t",
            encoding="utf-16",
        ),
    }


def _parquet(folder: Path) -> Path:
    """The customers as typed Parquet (the shape of a lakehouse table)."""
    import pyarrow.parquet as pq

    (folder / "lake").mkdir()
    path = folder / "lake" / "customers.parquet"
    pq.write_table(generate_customers(ROWS, seed=21).customers, path)
    return path


def _not_gzip(folder: Path) -> Path:
    path = folder / "not_gzip.csv.gz"
    path.write_text(",".join(ATTRIBUTES) + "\n" + ",".join(["1"] * len(ATTRIBUTES)) + "\n")
    return path


@pytest.fixture(scope="module")
def builds(spark_engine: None, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every fixture staged on Spark (one process) and on DuckDB (meanwhile)."""
    workdir = tmp_path_factory.mktemp("spark_csv")
    files = _fixtures(workdir)
    missing = workdir / "no_such_folder" / "customers.csv"
    not_gzip = _not_gzip(workdir)
    parquet = _parquet(workdir)
    logs = ["--log-path", str(workdir / "logs"), "--target-path", str(workdir / "target")]
    steps: list[dict] = []
    for number, (name, path) in enumerate(files.items()):
        dbt_vars = json.dumps({"customers_path": str(path), "as_of_date": AS_OF})
        # one thread, then two: the views live in the one session both threads share
        threads = ["--threads", str(1 + number % 2)]
        steps.append({"dbt": ["run", "--target", "spark", *STAGING, *threads,
                              "--vars", dbt_vars, *logs]})  # fmt: skip
        for table in ("stg_customers", "stg_customers__checked"):
            steps.append({"sql": f"create table default.{name}__{table} using parquet "
                                 f"as select * from bank_segments.{table}"})  # fmt: skip
    # a lakehouse table over the Parquet file, read through var customers_table
    steps.append({"sql": "create table default.bank_customers using parquet "
                         f"location '{parquet.parent}'"})  # fmt: skip
    table_vars = json.dumps({"customers_table": "default.bank_customers", "as_of_date": AS_OF})
    steps.append({"dbt": ["run", "--target", "spark", *STAGING, "--vars", table_vars, *logs]})
    steps.append({"sql": "create table default.lake_table__stg_customers using parquet "
                         "as select * from bank_segments.stg_customers"})  # fmt: skip
    for path in (missing, not_gzip):
        dbt_vars = json.dumps({"customers_path": str(path)})
        steps.append({"dbt": ["run", "--target", "spark", "--select", "stg_customers__input",
                              "--vars", dbt_vars, *logs], "fails": True})  # fmt: skip
    env = {
        **os.environ,
        "BANK_SEGMENTS_SPARK_DIR": str(workdir / "spark"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    started = time.perf_counter()
    log = workdir / "spark_dbt.log"  # a file, not a pipe nobody reads while DuckDB runs
    with log.open("w") as sink:
        spark = subprocess.Popen(
            [sys.executable, "-m", "tests.spark_dbt", json.dumps(steps)],
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    duck = {
        name: run_dbt(
            workdir / f"duck_{name}",
            "run",
            *STAGING,
            dbt_vars={"customers_path": str(path), "as_of_date": AS_OF},
        )
        for name, path in {**files, "lake_table": parquet}.items()
    }
    try:
        spark.wait(timeout=1800)
    except subprocess.TimeoutExpired:
        spark.kill()
        raise
    output = log.read_text(errors="replace")
    seconds = time.perf_counter() - started
    assert spark.returncode == 0, output[-6000:]
    print(f"\nspark csv: {len(steps)} steps in {seconds:.0f} s with Spark's start")
    return {
        "files": files,
        "duck": duck,
        "missing": missing,
        "not_gzip": not_gzip,
        "output": output,
        "tables": workdir / "spark" / "warehouse",
    }


def _spark_rows(builds: dict, name: str, table: str) -> list[dict]:
    files = str(builds["tables"] / f"{name}__{table}" / "*.parquet")
    rel = duckdb.sql(f"select * from read_parquet('{files}') order by source_row_number")
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def _duck_rows(builds: dict, name: str, table: str) -> list[dict]:
    with builds["duck"][name].connect() as con:
        rel = con.sql(f"select * from {table} order by source_row_number")
        return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def _differences(spark: list[dict], duck: list[dict], columns: list[str], key: str) -> list:
    """(key, column, spark value, duckdb value) where paired rows differ (floats: 1e-12)."""
    return [
        (row[key], column, row[column], other[column])
        for row, other in zip(spark, duck, strict=True)
        for column in columns
        if not (
            math.isclose(row[column], other[column], rel_tol=1e-12)
            if isinstance(row[column], float)
            else row[column] == other[column]
        )
    ]


@pytest.mark.parametrize("name", ["eu_latin1", "bom_crlf", "utf16_tab"])
def test_csv_rows_read_are_valid_plus_quarantined_as_on_duckdb(builds: dict, name: str) -> None:
    run = builds["duck"][name]
    assert run.returncode == 0, run.output[-3000:]
    checked = _spark_rows(builds, name, "stg_customers__checked")
    valid = _spark_rows(builds, name, "stg_customers")
    quarantined = [row for row in checked if len(row["rejection_reasons"]) > 0]
    assert len(checked) == len(valid) + len(quarantined) == ROWS
    assert [row["source_row_number"] for row in quarantined] == [i + 1 for i in BAD_ROWS]
    assert [row["rejection_reasons"] for row in quarantined] == [
        ["income: not a number"],
        ["age: missing"],
    ]
    assert len(valid) == len(_duck_rows(builds, name, "stg_customers")) == ROWS - len(BAD_ROWS)


@pytest.mark.parametrize("name", ["eu_latin1", "bom_crlf", "utf16_tab"])
def test_csv_staging_on_spark_gives_the_duckdb_rows(builds: dict, name: str) -> None:
    spark = _spark_rows(builds, name, "stg_customers")
    duck = _duck_rows(builds, name, "stg_customers")
    assert [row.keys() for row in spark[:1]] == [row.keys() for row in duck[:1]]
    different = _differences(spark, duck, list(spark[0]) if spark else [], "source_row_number")
    assert not different[:10]
    # the file's own ids where it has them, the 1-based row position where it has none
    expected = [f"C{i:04d}" for i in range(ROWS)] if name == "bom_crlf" else None
    ids = [row["customer_id"] for row in _spark_rows(builds, name, "stg_customers__checked")]
    assert ids == (expected or [str(i) for i in range(1, ROWS + 1)])


def test_detection_is_logged_on_spark(builds: dict) -> None:
    for name, (encoding, delimiter, decimal) in {
        "eu_latin1": ("latin-1", '";"', '","'),
        "bom_crlf": ("utf-8", '","', '"."'),
        "utf16_tab": ("utf-16", '"\\t"', '"."'),
    }.items():
        logged = (
            f"customers_path '{builds['files'][name]}': read as {encoding}, "
            f"delimiter {delimiter}, decimal mark {decimal}"
        )
        assert logged in builds["output"]
    assert "ignoring column(s) Filial" in builds["output"]


def test_a_missing_file_is_duckdbs_one_line_naming_it_and_the_fix(builds: dict) -> None:
    message = (
        f"customers_path '{builds['missing']}' does not exist or is not readable: give the "
        "path of a .csv, .csv.gz or .parquet file"
    )
    assert message in builds["output"]  # DuckDB's: tests/test_bring_your_own.py
    assert "PATH_NOT_FOUND" not in builds["output"]


def test_a_csv_gz_that_is_not_gzip_is_one_line_on_spark(builds: dict) -> None:
    output = builds["output"]
    assert (
        f"customers_path '{builds['not_gzip']}' is empty or not readable as text: it needs a "
        "header line and one row per customer; a .csv.gz file must be gzip-compressed"
    ) in output
    # (DuckDB stops earlier, in its own one line: "Input is not a GZIP stream: <path>")
    assert "\tat org.apache" not in output and "Py4JJavaError" not in output


def test_a_lakehouse_table_stages_like_its_parquet_file_on_duckdb(builds: dict) -> None:
    assert "customers_table 'default.bank_customers': 11 columns" in builds["output"]
    key = "customer_id"
    spark = sorted(_spark_rows(builds, "lake_table", "stg_customers"), key=lambda r: r[key])
    duck = sorted(_duck_rows(builds, "lake_table", "stg_customers"), key=lambda r: r[key])
    assert len(spark) == len(duck) == ROWS
    columns = [c for c in duck[0] if c != "source_row_number"]
    assert not _differences(spark, duck, columns, key)[:10]
