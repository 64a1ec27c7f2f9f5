"""The demo on local Apache Spark (dbt-spark's session method, `--target spark`).

The parity check of issue 15: the demo is built on DuckDB (the model is fitted there),
the fitted version is exported with `bank-segments model export`, and the whole project
is built on local Spark with that version imported (var segment_model_import_path):
seeds, staging from the same Parquet input, features, EDA, the registry and its views,
SQL scoring, the marts and the history models, with every data test, contract and unit
test. Spark must give the same customer_segments rows as DuckDB: the same segment and
persona for every customer, every number within 1e-9 relative.

In the same Spark process, before that build, `bank-segments fit --target spark` fits a
second version through Spark (the sample built by `dbt build --select
+segment_fit_sample`) into the registry folder that holds DuckDB's export; the build
imports the folder (a glob) and scores with DuckDB's version, pinned by var
model_version. The Spark fit must find DuckDB's segments (same K, personas, centroids
within 1e-9) with DuckDB's parameters, and its sample, put in DuckDB's row order, must
give DuckDB's content_hash bit for bit: the engines' sample keys order the rows
differently (DuckDB hash() vs Spark xxhash64), and K-Means starts and the input
fingerprint follow row order, so the two hashes differ for that reason alone.

The DuckDB build and every Spark step run once per test session, in the one Spark
process that tests/test_spark_csv.py reads too (tests/spark_suite.py); it prints its own
figures per step.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bank_segments.fit_params import fit_params_from_config
from bank_segments.registry import fit_registry_row, fit_sample_arrays, plan_build
from bank_segments.segment_model import explain, score
from tests.dbt_runner import DbtRun
from tests.spark_suite import AS_OF, EARLIER, EARLIER_ROWS, EXPLAINED_ROWS
from tests.test_explanations import active_model, assert_view_matches

pytestmark = pytest.mark.spark

REL = 1e-9
MARTS = {
    "customer_segments": "customer_id",
    "segment_profiles": "cluster_id",
    "segment_risk_distribution": "persona_id, credit_risk_band_order",
    "segment_strategies": "persona_id, area_order",
}


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-12)


@pytest.fixture(scope="module")
def duckdb_demo(spark_suite: dict) -> dict:
    """The demo built on DuckDB from the Parquet input, and its model version exported."""
    return spark_suite["duckdb_demo"]


@pytest.fixture(scope="module")
def spark_build(spark_suite: dict) -> dict:
    """The Spark fit, the whole-project build and the history reload (tests/spark_suite.py)."""
    return {
        "tables": spark_suite["tables"],
        "results": spark_suite["results"],
        "registry": spark_suite["registry"],
        "stdout": spark_suite["output"],
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


def mismatches(spark: list[dict], duck: list[dict], key: str) -> list[tuple]:
    """(key, column, spark value, duckdb value) for every cell that differs."""
    found = []
    for s_row, d_row in zip(spark, duck, strict=True):
        assert s_row.keys() == d_row.keys()
        for column, value in d_row.items():
            other = s_row[column]
            if isinstance(value, float | Decimal) or isinstance(other, float | Decimal):
                same = close(
                    None if other is None else float(other),
                    None if value is None else float(value),
                )
            else:
                same = other == value
            if not same:
                found.append((d_row[key], column, other, value))
    return found


def test_the_whole_demo_builds_and_passes_every_test_on_spark(
    spark_build: dict, duckdb_demo: dict
) -> None:
    results = spark_build["results"]
    bad = {
        uid: r["status"]
        for uid, r in results.items()
        if r["status"] not in {"success", "pass", "no-op"}
    }
    assert not bad, bad
    built = {uid.split(".")[-1] for uid in results if uid.startswith(("model.", "seed."))}
    expected = {
        "demo_customers", "stg_customers", "stg_customers__rejected", "int_customer_features",
        "eda_findings", "segment_model_fit", "segment_model_versions", "customer_scores",
        *MARTS, "customer_segment_history", "segment_drift", "segment_cluster_drift",
        "segment_migration", "metricflow_time_spine",
    }  # fmt: skip
    assert expected <= built, expected - built
    # every data and unit test the DuckDB build ran, and no fewer than the project has
    kinds = ("test.", "unit_test.")
    on_spark = {uid for uid in results if uid.startswith(kinds)}
    on_duckdb = {r["unique_id"] for r in duckdb_demo["run"].results()}
    on_duckdb = {uid for uid in on_duckdb if uid.startswith(kinds)}
    assert on_spark == on_duckdb, (on_duckdb - on_spark, on_spark - on_duckdb)
    manifest = json.loads((duckdb_demo["run"].target / "manifest.json").read_text())
    in_project = {uid for uid in manifest["nodes"] if uid.startswith(kinds)}
    in_project |= set(manifest.get("unit_tests", {}))
    assert on_spark == in_project, (in_project - on_spark, on_spark - in_project)
    assert len([uid for uid in on_spark if uid.startswith("test.")]) >= 60, len(on_spark)
    assert len([uid for uid in on_spark if uid.startswith("unit_test.")]) >= 8, on_spark


def test_customer_segments_match_duckdb_row_by_row(spark_build: dict, duckdb_demo: dict) -> None:
    spark = spark_rows(spark_build, "customer_segments", "customer_id")
    duck = duckdb_rows(duckdb_demo["run"], "customer_segments", "customer_id")
    assert len(spark) == len(duck) > 1000
    assert [(r["customer_id"], r["cluster_id"], r["persona_id"]) for r in spark] == [
        (r["customer_id"], r["cluster_id"], r["persona_id"]) for r in duck
    ]
    assert not mismatches(spark, duck, "customer_id")[:20]
    assert {r["model_version"] for r in spark} == {duckdb_demo["model_file"].stem[14:]}


@pytest.mark.parametrize("mart", sorted(set(MARTS) - {"customer_segments"}))
def test_segment_marts_match_duckdb(spark_build: dict, duckdb_demo: dict, mart: str) -> None:
    order = MARTS[mart]
    spark = spark_rows(spark_build, mart, order)
    duck = duckdb_rows(duckdb_demo["run"], mart, order)
    assert len(spark) == len(duck) > 0
    assert not mismatches(spark, duck, order.split(",")[0])[:20]


def test_the_explanations_view_matches_duckdb(spark_build: dict, duckdb_demo: dict) -> None:
    """customer_segment_explanations computed by Spark (copied to Parquet) equals DuckDB's,
    and Spark's contributions add up to its squared margin within 1e-9 relative."""
    spark = spark_rows(spark_build, "explanations_on_spark", "customer_id")
    duck = duckdb_rows(duckdb_demo["run"], "customer_segment_explanations", "customer_id")
    assert len(spark) == len(duck) > 1000
    assert not mismatches(spark, duck, "customer_id")[:20]
    for row in spark:
        margin, total = row["squared_margin"], row["contribution_sum"]
        assert abs(total - margin) <= REL * max(1.0, abs(margin)), row["customer_id"]


def test_the_explanations_on_spark_equal_numpy_for_200k_customers(
    spark_suite: dict, duckdb_demo: dict
) -> None:
    """The view's Spark SQL, as dbt compiled it for the build, run by Spark over 200,000
    generated customers scored with DuckDB's version (tests/spark_suite.py, step 4):
    every customer's runner-up, squared margin and reasons equal NumPy's (explain), and
    the contributions add up to the squared margin within 1e-9 relative."""
    with duckdb_demo["run"].connect() as con:
        model = active_model(con)
    inputs = pq.read_table(spark_suite["explained"]["inputs"] / "segments.parquet")
    assert inputs.num_rows == EXPLAINED_ROWS
    values = np.column_stack([inputs.column(f).to_numpy() for f in model.params.segment_features])
    # the inputs' segments are NumPy's scoring of them
    assert inputs.column("cluster_id").to_pylist() == score(values, model).cluster_id.tolist()
    view = pq.read_table(spark_suite["explained"]["out"]).sort_by("customer_id")
    assert view.column("customer_id").to_pylist() == inputs.column("customer_id").to_pylist()
    assert view.column("is_low_confidence").to_numpy().sum() > 0  # borderline ones too
    assert_view_matches(view, explain(values, model), list(model.features))


def test_reloading_a_month_on_spark_replaces_it_and_keeps_the_others(spark_build: dict) -> None:
    files = str(spark_build["tables"] / "customer_segment_history" / "*" / "*.parquet")
    counts = duckdb.sql(
        f"select as_of_date, count(*) from read_parquet('{files}', hive_partitioning = true) "
        "group by 1"
    ).fetchall()
    customers = len(spark_rows(spark_build, "customer_segments", "customer_id"))
    as_of = {str(day)[:10]: n for day, n in counts}
    assert as_of == {AS_OF: customers, EARLIER: EARLIER_ROWS}


def registry_rows(build: dict) -> list[dict]:
    """The registry folder's versions (DuckDB's export and the Spark fit), oldest first."""
    files = sorted(build["registry"].glob("segment_model_*.parquet"))
    rows = [row for path in files for row in pq.read_table(path).to_pylist()]
    return sorted(rows, key=lambda row: row["version_number"])


def test_spark_fit_writes_the_next_version_with_the_duckdb_parameters(spark_build: dict) -> None:
    duck, spark = registry_rows(spark_build)
    assert spark["version_number"] == duck["version_number"] + 1
    fitted_on = spark["fitted_at"].strftime("%Y%m%d")
    assert spark["model_version"] == f"v{spark['version_number']:04d}-{fitted_on}"
    assert f"bank-segments fit: fitted {spark['model_version']} on spark" in spark_build["stdout"]
    # the fit vars reached the Spark fit through the same model config as the Python model
    params = fit_params_from_config(duck.get).as_dict()
    assert fit_params_from_config(spark.get).as_dict() == params
    assert spark["training_rows"] == spark["fit_sample_rows"] == duck["fit_sample_rows"] == 1500
    assert spark["features_used"] == duck["features_used"]


def test_spark_fit_finds_the_duckdb_segments(spark_build: dict) -> None:
    duck, spark = registry_rows(spark_build)
    assert spark["k"] == duck["k"] > 1
    assert spark["structure_verdict"] == duck["structure_verdict"]
    persona_map = ("cluster_id", "persona_id", "persona_name", "is_named")
    assert [tuple(p[f] for f in persona_map) for p in spark["personas"]] == [
        tuple(p[f] for f in persona_map) for p in duck["personas"]
    ]
    for part, fields in {
        "centroids": ("centroid_z", "centroid_value"),
        "scaler": ("mean", "std", "clip_lower", "clip_upper"),
        "clusters": ("training_share", "mean_distance", "distance_p99"),
    }.items():
        for s_item, d_item in zip(spark[part], duck[part], strict=True):
            for name in fields:
                assert close(s_item[name], d_item[name]), (part, name, s_item, d_item)
    assert [c["training_customers"] for c in spark["clusters"]] == [
        c["training_customers"] for c in duck["clusters"]
    ]


def test_the_spark_sample_in_duckdb_row_order_gives_the_duckdb_content_hash(
    spark_build: dict, duckdb_demo: dict
) -> None:
    duck, spark = registry_rows(spark_build)
    params = fit_params_from_config(spark.get)
    features = list(params.segment_features)
    # the demo (1,500 rows) is below fit_sample_size: the sample is every customer
    files = str(spark_build["tables"] / "int_customer_features" / "*.parquet")
    spark_rows_ = duckdb.sql(
        f"select cast(customer_id as varchar) as customer_id, "
        f"{', '.join(f'cast({name} as double) as {name}' for name in features)} "
        f"from read_parquet('{files}')"
    ).to_arrow_table()
    with duckdb_demo["run"].connect() as con:
        order = con.sql(
            "select cast(customer_id as varchar) as customer_id, population_rows "
            "from segment_fit_sample order by sample_key, customer_id"
        ).to_arrow_table()
        persona_rows = con.sql("select * from personas").to_arrow_table().to_pylist()
        weight_rows = con.sql("select * from persona_signature_weights").to_arrow_table()
    position = {key: i for i, key in enumerate(spark_rows_.column("customer_id").to_pylist())}
    taken = spark_rows_.take(pa.array([position[key] for key in order.column(0).to_pylist()]))
    table = taken.append_column("population_rows", order.column("population_rows"))
    ids, values, population = fit_sample_arrays(table, features)
    assert population == len(ids) == 1500
    plan = plan_build([], params, refit=True, pinned=None, today="20261124")
    row = fit_registry_row(
        ids, values, population, persona_rows, weight_rows.to_pylist(), params, plan,
        fitted_at=spark["fitted_at"], invocation_id=None,
    )  # fmt: skip
    assert row["input_fingerprint"] == duck["input_fingerprint"]  # the same values, bit for bit
    assert row["content_hash"] == duck["content_hash"]


def test_the_spark_registry_keeps_every_imported_version(spark_build: dict) -> None:
    stored = {row["model_version"] for row in spark_rows(spark_build, "segment_model_fit", "1")}
    assert stored == {row["model_version"] for row in registry_rows(spark_build)}
    assert len(stored) == 2
