"""Run a view's compiled Spark SQL on a local Spark over other Parquet inputs.

    python -m tests.spark_view JOB_JSON

JOB_JSON: {"sql": FILE, "tables": {"schema.table": PARQUET_PATH, ...}, "out": FOLDER}.
The SQL (what dbt compiled for `--target spark`, e.g. customer_segment_explanations)
reads each named table from the Parquet file given for it instead; its rows are written
to FOLDER as Parquet. A plain Spark session (in-memory catalog, no metastore), so it can
run beside nothing else and after the suite's Spark process has ended. Prints the
seconds the query took.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    job = json.loads(argv[0])
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    sql = Path(job["sql"]).read_text()
    for number, (table, path) in enumerate(job["tables"].items()):
        name = f"input_{number}"
        spark.read.parquet(path).createOrReplaceTempView(name)
        sql, found = re.subn(rf"\b{re.escape(table)}\b", name, sql)
        if not found:
            print(f"spark_view: {table} is not read by {job['sql']}", file=sys.stderr)
            return 1
    started = time.perf_counter()
    spark.sql(sql).write.mode("overwrite").parquet(job["out"])
    print(f"spark_view: {job['sql']} written in {time.perf_counter() - started:.0f} s")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
