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

The Spark steps run in the one Spark process of the test session (tests/spark_suite.py,
shared with tests/test_spark.py); the DuckDB builds run meanwhile.
"""

from __future__ import annotations

import math

import duckdb
import pytest

from tests.spark_suite import BAD_ROWS, ROWS

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def builds(spark_suite: dict) -> dict:
    """Every fixture staged on Spark and on DuckDB (tests/spark_suite.py)."""
    return {
        **spark_suite["csv"],
        "output": spark_suite["output"],
        "tables": spark_suite["warehouse"],
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
        ["credit_score: missing"],  # "n/a" marks a missing value
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
        "path of a .csv, .tsv, .txt (each possibly .gz) or .parquet file"
    )
    assert message in builds["output"]  # DuckDB's: tests/test_bring_your_own.py
    assert "PATH_NOT_FOUND" not in builds["output"]


def test_a_csv_gz_that_is_not_gzip_is_one_line_on_spark(builds: dict) -> None:
    output = builds["output"]
    assert (
        f"customers_path '{builds['not_gzip']}' is empty or not readable as text: it needs a "
        "header line and one row per customer; a .gz file must be gzip-compressed"
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
