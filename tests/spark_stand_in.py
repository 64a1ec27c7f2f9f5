"""Run dbt on the local `spark` target after loading a stand-in table from Parquet.

    python -m tests.spark_stand_in SCHEMA.TABLE PARQUET_PATH -- DBT_ARGS...

The stand-in replaces a model that does not build on Spark yet (staging), so the layers
above it can be built and compared there. Loading and building share one process and so
one Spark session: the embedded Derby metastore admits one process at a time, and the
session takes every setting from profiles.yml (dbt opens it first).
"""

from __future__ import annotations

import sys

from dbt.cli.main import dbtRunner


def main(argv: list[str]) -> int:
    """Load the stand-in, run dbt; 0 when dbt succeeded."""
    table, parquet_path, separator, *dbt_args = argv
    if separator != "--" or "." not in table:
        print(__doc__, file=sys.stderr)
        return 2
    runner = dbtRunner()
    # dbt's connection test opens the Spark session with the profile's settings
    opened = runner.invoke(["debug", "--target", "spark", "--no-version-check"])
    if not opened.success:
        print("spark_stand_in: dbt could not open the spark target", file=sys.stderr)
        return 1

    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    schema = table.split(".", 1)[0]
    spark.sql(f"create database if not exists {schema}")
    spark.read.parquet(parquet_path).write.mode("overwrite").saveAsTable(table)
    return 0 if runner.invoke(dbt_args).success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
