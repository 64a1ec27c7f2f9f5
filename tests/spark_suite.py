"""One local Spark run for every Spark assertion: tests/test_spark.py and test_spark_csv.py.

Starting Spark costs 15-60 s and the embedded Derby metastore admits one process, so the
suite's Spark work is one process (tests/spark_dbt.py, one Spark session) running these
steps in order:

1. the CSV dialects of tests/test_spark_csv.py staged on Spark (`dbt run` of the staging
   models, each copied to its own table), a lakehouse table read through var
   customers_table, and two inputs that must fail (a missing path, a .csv.gz that is not
   gzip);
2. a wait for DuckDB's model version, which this process exports meanwhile;
3. `bank-segments fit --target spark` into the registry folder holding DuckDB's version,
   the whole project built on Spark scoring with DuckDB's version (every data and unit
   test), an older month planted in the history and AS_OF loaded again;
4. the explanations view's compiled Spark SQL run over 200,000 generated customers
   scored with DuckDB's version (tests/spark_view.py), on the same session.

While Spark starts and stages, this process builds the demo on DuckDB from the same
Parquet input, exports its model version into the registry folder, writes the 200,000
customers of step 4, then stages every CSV file on DuckDB. :func:`run` returns what both
test modules read; tests/conftest.py runs it once per session (fixture ``spark_suite``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bank_segments.cli import export_model_version
from bank_segments.generator import ATTRIBUTES, WAREHOUSE_ATTRIBUTES, generate_customers
from bank_segments.segment_model import score
from bank_segments.spark_fit import registry_glob
from tests.dbt_runner import REPO, DbtRun, run_dbt
from tests.test_explanations import active_model

SCHEMA = "bank_segments"
AS_OF = "2026-10-31"
#: an older month planted in the Spark history, which reloading AS_OF must not touch
EARLIER = "2026-09-30"
EARLIER_ROWS = 100
HISTORY_COLUMNS = [
    "customer_id", "model_version", "cluster_id", "persona_id", "persona_name",
    "clv_proxy", "segment_margin", "distance_to_centroid",
]  # fmt: skip
#: customers in each CSV dialect file
ROWS = 200
#: staging without the quarantine tables (built from stg_customers__checked, which holds
#: every row with its reasons): saves ~5 s a file on Spark
STAGING = ["--select", "stg_customers__input", "stg_customers__checked", "stg_customers"]
#: rows made bad in every CSV file (0-based): an income that is no number, a missing age,
#: a credit score written "n/a" (a missing-value marker)
BAD_ROWS = {4: ("Income", "unknown"), 8: ("Age", ""), 12: ("CreditScore", "n/a")}
#: the placeholder in the Spark steps that the wait step replaces by DuckDB's version
DUCKDB_VERSION = "@DUCKDB_MODEL_VERSION@"
#: customers the explanations view is run over on Spark (step 4)
EXPLAINED_ROWS = 200_000
#: the explanations view as dbt compiled it, under the Spark build's target path
EXPLANATIONS_SQL = "dbt_project/models/explanations/customer_segment_explanations.sql"


def _csv_rows() -> list[dict[str, str]]:
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


def csv_files(folder: Path) -> dict[str, Path]:
    """name -> file, each holding ROWS customers of which len(BAD_ROWS) are bad."""
    rows = _csv_rows()
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


def lake_parquet(folder: Path) -> Path:
    """The customers as typed Parquet (the shape of a lakehouse table)."""
    (folder / "lake").mkdir()
    path = folder / "lake" / "customers.parquet"
    pq.write_table(generate_customers(ROWS, seed=21).customers, path)
    return path


def not_gzip_file(folder: Path) -> Path:
    path = folder / "not_gzip.csv.gz"
    path.write_text(",".join(ATTRIBUTES) + "\n" + ",".join(["1"] * len(ATTRIBUTES)) + "\n")
    return path


def demo_parquet(folder: Path) -> Path:
    """The demo CSV as Parquet, every column text (as a bank's export often is)."""
    path = folder / "demo_customers.parquet"
    csv_path = REPO / "seeds" / "demo_customers.csv"
    duckdb.sql(
        f"copy (select * from read_csv('{csv_path}', all_varchar = true)) "
        f"to '{path}' (format parquet)"
    )
    return path


def _csv_steps(files: dict[str, Path], lake: Path, failing: list[Path], logs: list) -> list:
    """Stage each CSV file, then the lakehouse table, on Spark; the failing inputs last."""
    steps: list[dict] = []
    for number, (name, path) in enumerate(files.items()):
        dbt_vars = json.dumps({"customers_path": str(path), "as_of_date": AS_OF})
        # one thread, then two: the views live in the one session both threads share
        threads = ["--threads", str(1 + number % 2)]
        steps.append({"dbt": ["run", "--target", "spark", *STAGING, *threads,
                              "--vars", dbt_vars, *logs]})  # fmt: skip
        for table in ("stg_customers", "stg_customers__checked"):
            steps.append({"sql": f"create table default.{name}__{table} using parquet "
                                 f"as select * from {SCHEMA}.{table}"})  # fmt: skip
    # a lakehouse table over the Parquet file, read through var customers_table
    steps.append({"sql": "create table default.bank_customers using parquet "
                         f"location '{lake.parent}'"})  # fmt: skip
    table_vars = json.dumps({"customers_table": "default.bank_customers", "as_of_date": AS_OF})
    steps.append({"dbt": ["run", "--target", "spark", *STAGING, "--vars", table_vars, *logs]})
    steps.append({"sql": "create table default.lake_table__stg_customers using parquet "
                         f"as select * from {SCHEMA}.stg_customers"})  # fmt: skip
    for path in failing:
        dbt_vars = json.dumps({"customers_path": str(path)})
        steps.append({"dbt": ["run", "--target", "spark", "--select", "stg_customers__input",
                              "--vars", dbt_vars, *logs], "fails": True})  # fmt: skip
    return steps


def _demo_steps(workdir: Path, demo: Path, registry: Path, logs: list) -> list:
    """Fit through Spark, build the whole project, plant an older month, reload AS_OF."""
    input_vars = {"customers_path": str(demo), "as_of_date": AS_OF}
    dbt_vars = json.dumps({
        **input_vars,
        "segment_model_import_path": registry_glob(registry),
        # score with DuckDB's version (the parity checks); the registry keeps both
        "model_version": DUCKDB_VERSION,
    })  # fmt: skip
    history = f"{SCHEMA}.customer_segment_history"
    columns = ", ".join(HISTORY_COLUMNS)
    return [
        # fit through Spark: builds +segment_fit_sample, writes the next version file
        {"cli": ["fit", "--target", "spark", "--out", str(registry), "--vars",
                 json.dumps(input_vars), "--target-path", str(workdir / "fit"), *logs]},
        # two threads: each runs its statements on the one shared Spark session
        {"dbt": ["build", "--target", "spark", "--threads", "2", "--vars", dbt_vars,
                 "--target-path", str(workdir / "build"), *logs]},
        # the explanations view computed by Spark, kept as Parquet for the parity test
        {"sql": f"create table {SCHEMA}.explanations_on_spark using parquet as "
                f"select * from {SCHEMA}.customer_segment_explanations"},
        # an older month in the history, then AS_OF loaded again: the reload must
        # replace AS_OF's partition and leave the older one alone
        {"sql": f"insert into {history} partition (as_of_date = '{EARLIER}') ({columns}) "
                f"select {columns} from {history} order by customer_id limit {EARLIER_ROWS}"},
        {"dbt": ["run", "--target", "spark", "--vars", dbt_vars, "--select",
                 "customer_segment_history", "--target-path", str(workdir / "reload"), *logs]},
    ]  # fmt: skip


def _duckdb_model(workdir: Path, demo: Path, registry: Path, ready: Path) -> dict:
    """The demo built on DuckDB from the Parquet input, its version put in the registry.

    ``ready`` tells the waiting Spark process the version (or that the build failed).
    """
    started = time.perf_counter()
    demo_vars = {"customers_path": str(demo), "as_of_date": AS_OF}
    run = run_dbt(workdir, "build", dbt_vars=demo_vars, unit_tests=True)
    if run.returncode != 0:
        _tell(ready, {"failed": "the DuckDB demo build failed"})
        raise AssertionError(run.output[-4000:])
    exported = Path(export_model_version(str(run.database), None, str(workdir / "models")))
    shutil.copy(exported, registry)  # before the Spark fit numbers its version after it
    version = exported.stem.removeprefix("segment_model_")
    _tell(ready, {DUCKDB_VERSION: version})
    print(f"\nduckdb: demo built and model exported in {time.perf_counter() - started:.0f} s")
    return {"run": run, "model_file": exported}


def explanation_inputs(run: DbtRun, folder: Path) -> dict[str, Path]:
    """EXPLAINED_ROWS generated customers scored with the build's active version, as the
    explanations view reads them: customer_segments (attributes, engineered features as
    int_customer_features computes them, cluster, persona, margin) and
    segment_model_personas, each a Parquet file in ``folder``."""
    folder.mkdir()
    with run.connect() as con:
        model = active_model(con)
        personas = con.sql("select * from segment_model_personas").to_arrow_table()
    (version,) = {str(v) for v in personas.column("model_version").to_pylist()}
    customers = generate_customers(EXPLAINED_ROWS, seed=31).customers.sort_by("CustomerID")
    attributes = {
        warehouse: customers.column(name).to_numpy().astype(np.float64)
        for name, warehouse in zip(ATTRIBUTES, WAREHOUSE_ATTRIBUTES, strict=True)
    }
    attributes["spending_ratio"] = attributes["monthly_spending"] / attributes["income"]
    attributes["engagement_score"] = attributes["app_usage_score"] * 2 - attributes["support_calls"]
    attributes["clv_proxy"] = attributes["avg_account_balance"] * attributes["account_tenure"] / 10
    scores = score(np.column_stack([attributes[f] for f in model.params.segment_features]), model)
    names = {row["cluster_id"]: row for row in personas.to_pylist()}
    cluster_ids = scores.cluster_id.tolist()
    segments = pa.table({
        "customer_id": customers.column("CustomerID"),
        "as_of_date": pa.array([date.fromisoformat(AS_OF)] * len(cluster_ids)),
        "model_version": pa.array([version] * len(cluster_ids)),
        "cluster_id": pa.array(cluster_ids, type=pa.int32()),
        "persona_id": pa.array([names[c]["persona_id"] for c in cluster_ids]),
        "persona_name": pa.array([names[c]["persona_name"] for c in cluster_ids]),
        "segment_margin": pa.array(scores.margin),
        "is_low_confidence": pa.array(scores.margin < 0.5),
        **{name: pa.array(column) for name, column in attributes.items()},
    })  # fmt: skip
    paths = {
        "bank_segments.customer_segments": folder / "segments.parquet",
        "bank_segments.segment_model_personas": folder / "personas.parquet",
    }
    pq.write_table(segments, paths["bank_segments.customer_segments"])
    pq.write_table(personas, paths["bank_segments.segment_model_personas"])
    return paths


def _tell(ready: Path, message: dict[str, str]) -> None:
    """Write the message whole, then rename it into place: the reader never sees half."""
    partial = ready.with_name(ready.name + ".partial")
    partial.write_text(json.dumps(message))
    partial.rename(ready)


def run(workdir: Path) -> dict:
    """Every Spark step in one process, the DuckDB side meanwhile; what the tests read."""
    inputs = workdir / "inputs"
    inputs.mkdir()
    demo = demo_parquet(inputs)
    files = csv_files(inputs)
    missing = inputs / "no_such_folder" / "customers.csv"
    not_gzip = not_gzip_file(inputs)
    lake = lake_parquet(inputs)
    registry = workdir / "registry"
    registry.mkdir()
    ready = workdir / "duckdb_model.json"
    spark = workdir / "spark_steps"
    logs = ["--log-path", str(spark / "logs")]
    explained = workdir / "explained"
    explained_ready = workdir / "explained.json"
    explain_job = {
        "sql": str(spark / "build" / "compiled" / "bank_segments" / EXPLANATIONS_SQL),
        "tables": {
            table: str(explained / f"{name}.parquet")
            for table, name in (
                ("bank_segments.customer_segments", "segments"),
                ("bank_segments.segment_model_personas", "personas"),
            )
        },
        "out": str(explained / "explanations"),
    }
    steps = [
        *_csv_steps(files, lake, [missing, not_gzip], [*logs, "--target-path", str(spark / "csv")]),
        {"wait": str(ready), "timeout": 1200},
        *_demo_steps(spark, demo, registry, logs),
        {"wait": str(explained_ready), "timeout": 600},
        {"view": explain_job},
    ]
    env = {
        **os.environ,
        "BANK_SEGMENTS_SPARK_DIR": str(workdir / "spark"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # no test reads the debug log file (tests/dbt_runner.py)
        "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE", "none"),
    }
    started = time.perf_counter()
    spark.mkdir()
    log = workdir / "spark_dbt.log"  # a file, not a pipe nobody reads while DuckDB runs
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.spark_dbt", json.dumps(steps)],
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        duckdb_demo = _duckdb_model(workdir / "duck", demo, registry, ready)
        try:
            explanation_inputs(duckdb_demo["run"], explained)
        finally:
            _tell(explained_ready, {} if (explained / "personas.parquet").exists()
                  else {"failed": "the explanations' inputs were not written"})  # fmt: skip
        duck_csv = {
            name: run_dbt(
                workdir / f"duck_{name}",
                "run",
                *STAGING,
                dbt_vars={"customers_path": str(path), "as_of_date": AS_OF},
            )
            for name, path in {**files, "lake_table": lake}.items()
        }
        process.wait(timeout=1800)
    finally:
        if process.poll() is None:
            process.kill()
    output = log.read_text(errors="replace")
    seconds = time.perf_counter() - started
    assert process.returncode == 0, output[-6000:]
    results = json.loads((spark / "build" / "run_results.json").read_text())
    print(f"\nspark: {len(steps)} steps in {seconds:.0f} s with Spark's start")
    return {
        "duckdb_demo": duckdb_demo,
        "warehouse": workdir / "spark" / "warehouse",
        "tables": workdir / "spark" / "warehouse" / f"{SCHEMA}.db",
        "results": {r["unique_id"]: r for r in results["results"]},
        "elapsed": results["elapsed_time"],
        "registry": registry,
        "output": output,
        # what dbt compiled for the Spark build (the views' Spark SQL)
        "compiled": spark / "build" / "compiled" / "bank_segments",
        "csv": {"files": files, "duck": duck_csv, "missing": missing, "not_gzip": not_gzip},
        # the explanations view on Spark over EXPLAINED_ROWS customers (step 4)
        "explained": {"inputs": explained, "out": Path(explain_job["out"])},
    }
