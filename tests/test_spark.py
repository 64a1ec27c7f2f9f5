"""The project on local Apache Spark (dbt-spark's session method, `--target spark`).

What builds there today: the seeds, the intermediate layer and the EDA layer, with their
data tests and dbt unit tests. Staging does not build on Spark yet (its input reading and
validation are DuckDB SQL), so a stand-in `stg_customers` is loaded from the DuckDB
build's own table: the layers above it then see the same rows on both engines, and must
give the same answers.
"""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
import time

import duckdb
import pytest

from tests.dbt_runner import REPO, DbtRun, run_dbt

pytestmark = pytest.mark.spark

SCHEMA = "bank_segments"
STAGING = [
    "stg_customers__input",
    "stg_customers__checked",
    "stg_customers",
    "stg_customers__rejected",
]
SPARK_MODELS = ["int_customer_features", "eda_correlations", "eda_findings"]
SPARK_SEEDS = ["demo_customers", "feature_bands", "eda_finding_rules"]
REL = 1e-9


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-12)


@pytest.fixture(scope="module")
def duckdb_layers(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """The same layers built on DuckDB (no Python models needed)."""
    run = run_dbt(
        tmp_path_factory.mktemp("duck_layers"),
        "build", "--select", "+eda_findings", "--indirect-selection", "cautious",
    )  # fmt: skip
    assert run.returncode == 0, run.output[-4000:]
    return run


@pytest.fixture(scope="module")
def spark_build(spark_engine: None, duckdb_layers: DbtRun, tmp_path_factory) -> dict:
    workdir = tmp_path_factory.mktemp("spark")
    stand_in = workdir / "stg_customers.parquet"
    with duckdb_layers.connect() as con:
        con.execute(f"copy stg_customers to '{stand_in}' (format parquet)")
    target = workdir / "target"
    command = [
        sys.executable, "-m", "tests.spark_stand_in", f"{SCHEMA}.stg_customers", str(stand_in),
        "--", "build", "--target", "spark",
        "--select", *SPARK_SEEDS, "+eda_findings", "--exclude", *STAGING,
        # only the tests whose every parent is built here
        "--indirect-selection", "cautious",
        "--target-path", str(target), "--log-path", str(workdir / "logs"),
    ]  # fmt: skip
    env = {
        **os.environ,
        "BANK_SEGMENTS_SPARK_DIR": str(workdir / "spark"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    print(f"\nspark: stand-in + seeds + intermediate + EDA built and tested in {seconds:.0f} s")
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {
        "tables": workdir / "spark" / "warehouse" / f"{SCHEMA}.db",
        "results": {r["unique_id"]: r for r in results},
        "seconds": seconds,
    }


def spark_rows(build: dict, table: str, order_by: str) -> list[dict]:
    """A Spark table's rows, read from its Parquet files."""
    files = str(build["tables"] / table / "*.parquet")
    rel = duckdb.sql(f"select * from read_parquet('{files}') order by {order_by}")
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def duckdb_rows(run: DbtRun, table: str, order_by: str) -> list[dict]:
    with run.connect() as con:
        rel = con.sql(f"select * from {table} order by {order_by}")
        return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def test_seeds_models_unit_and_data_tests_all_pass_on_spark(spark_build: dict) -> None:
    results = spark_build["results"]
    bad = {uid: r["status"] for uid, r in results.items() if r["status"] not in {"success", "pass"}}
    assert not bad, bad
    built = {uid.split(".")[-1] for uid in results if uid.split(".")[0] in {"model", "seed"}}
    assert set(SPARK_MODELS + SPARK_SEEDS) <= built
    assert not built & set(STAGING), "staging is the stand-in here, not built"
    unit_tests = [uid for uid in results if uid.startswith("unit_test.")]
    data_tests = [uid for uid in results if uid.startswith("test.")]
    # the dbt unit tests of int_customer_features and eda_findings ran on Spark
    assert len(unit_tests) >= 3, unit_tests
    assert any("assert_feature_bands_contiguous" in uid for uid in data_tests)
    assert any(
        "accepted_values_int_customer_features_credit_risk_band" in uid for uid in data_tests
    )


def test_demo_seed_loads_on_spark_as_the_csv_text(spark_build: dict) -> None:
    with (REPO / "seeds" / "demo_customers.csv").open(newline="") as handle:
        expected = sorted(tuple(row) for row in list(csv.reader(handle))[1:])
    loaded = spark_rows(spark_build, "demo_customers", "CustomerID")
    assert sorted(tuple(row.values()) for row in loaded) == expected


def test_features_and_bands_match_duckdb(spark_build: dict, duckdb_layers: DbtRun) -> None:
    spark = spark_rows(spark_build, "int_customer_features", "customer_id")
    duck = duckdb_rows(duckdb_layers, "int_customer_features", "customer_id")
    assert len(spark) == len(duck) > 1000
    for s_row, d_row in zip(spark, duck, strict=True):
        assert s_row.keys() == d_row.keys()
        for column, value in d_row.items():
            if isinstance(value, float):
                assert close(s_row[column], value), (d_row["customer_id"], column)
            else:
                assert s_row[column] == value, (d_row["customer_id"], column)


def test_correlations_and_findings_match_duckdb(spark_build: dict, duckdb_layers: DbtRun) -> None:
    order = "feature_x, feature_y"
    spark = spark_rows(spark_build, "eda_correlations", order)
    duck = duckdb_rows(duckdb_layers, "eda_correlations", order)
    assert len(spark) == len(duck) == 78
    for s_row, d_row in zip(spark, duck, strict=True):
        assert (s_row["feature_x"], s_row["feature_y"], s_row["n"]) == (
            d_row["feature_x"],
            d_row["feature_y"],
            d_row["n"],
        )
        assert close(s_row["pearson_r"], d_row["pearson_r"]), d_row
    spark_findings = spark_rows(spark_build, "eda_findings", "finding_id")
    duck_findings = duckdb_rows(duckdb_layers, "eda_findings", "finding_id")
    assert [(r["finding_id"], r["supported"]) for r in spark_findings] == [
        (r["finding_id"], r["supported"]) for r in duck_findings
    ]
    for s_row, d_row in zip(spark_findings, duck_findings, strict=True):
        assert close(s_row["statistic_value"], d_row["statistic_value"]), d_row
