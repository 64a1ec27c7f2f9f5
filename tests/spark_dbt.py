"""Run several steps on the local `spark` target in one process (one Spark session).

    python -m tests.spark_dbt STEPS_JSON

STEPS_JSON is a list of steps, each {"dbt": [args...]} (a dbt invocation) or
{"sql": "..."} (a statement on the session dbt opened). The embedded Derby metastore
admits one process at a time, and starting Spark costs 15-60 s, so the steps share the
session; it takes every setting from profiles.yml (dbt opens it first). Exit code 0 when
every step succeeded; the first failing step stops the run.
"""

from __future__ import annotations

import json
import sys

from dbt.cli.main import dbtRunner


def main(argv: list[str]) -> int:
    """Run the steps in order; 0 when all of them succeeded."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    runner = dbtRunner()
    for number, step in enumerate(json.loads(argv[0]), start=1):
        if "dbt" in step:
            if not runner.invoke(step["dbt"]).success:
                print(f"spark_dbt: step {number} (dbt {step['dbt'][0]}) failed", file=sys.stderr)
                return 1
        else:
            from pyspark.sql import SparkSession

            SparkSession.builder.getOrCreate().sql(step["sql"]).collect()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
