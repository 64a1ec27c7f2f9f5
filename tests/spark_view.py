"""Run a view's compiled Spark SQL over other Parquet inputs, on a running Spark session.

The step {"view": JOB} of tests/spark_dbt.py: JOB is {"sql": FILE, "tables":
{"schema.table": PARQUET_PATH, ...}, "out": FOLDER}. The SQL (what dbt compiled for
`--target spark`, e.g. customer_segment_explanations) reads each named table from the
Parquet file given for it instead (a temporary view); its rows are written to FOLDER as
Parquet.
"""

from __future__ import annotations

import re
from pathlib import Path


def run_view(spark: object, job: dict) -> None:
    """Run JOB's SQL on ``spark`` (a SparkSession) over its Parquet tables; write its rows."""
    sql = Path(job["sql"]).read_text()
    for number, (table, path) in enumerate(job["tables"].items()):
        name = f"view_input_{number}"
        spark.read.parquet(path).createOrReplaceTempView(name)
        sql, found = re.subn(rf"\b{re.escape(table)}\b", name, sql)
        if not found:
            raise ValueError(f"spark_view: {table} is not read by {job['sql']}")
    spark.sql(sql).write.mode("overwrite").parquet(job["out"])
