"""Run several steps on the local `spark` target in one process (one Spark session).

    python -m tests.spark_dbt STEPS_JSON

STEPS_JSON is a list of steps, each {"dbt": [args...]} (a dbt invocation),
{"cli": [args...]} (a `bank-segments` command, e.g. `fit --target spark`, which runs dbt
in this process too) or {"sql": "..."} (a statement on the session dbt opened). A dbt
step with "fails": true is expected to fail (an error case; its success stops the run).
The embedded Derby metastore admits one process at a time, and starting Spark costs 15-60 s,
so the steps share the session; it takes every setting from profiles.yml (dbt opens it
first). Each step's wall time is printed as `spark_dbt: step N (...) took S s`. Exit code
0 when every step succeeded; the first failing step stops the run.
"""

from __future__ import annotations

import json
import sys
import time

from dbt.cli.main import dbtRunner


def main(argv: list[str]) -> int:
    """Run the steps in order; 0 when all of them succeeded."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    runner = dbtRunner()
    for number, step in enumerate(json.loads(argv[0]), start=1):
        started = time.perf_counter()
        if "dbt" in step:
            name = f"dbt {step['dbt'][0]}"
            if runner.invoke(step["dbt"]).success == step.get("fails", False):
                outcome = "succeeded, expected to fail" if step.get("fails") else "failed"
                print(f"spark_dbt: step {number} ({name}) {outcome}", file=sys.stderr)
                return 1
        elif "cli" in step:
            from bank_segments.cli import main as bank_segments

            name = f"bank-segments {step['cli'][0]}"
            if bank_segments(step["cli"]) != 0:
                print(f"spark_dbt: step {number} ({name}) failed", file=sys.stderr)
                return 1
        else:
            from pyspark.sql import SparkSession

            name = "sql"
            SparkSession.builder.getOrCreate().sql(step["sql"]).collect()
        print(f"spark_dbt: step {number} ({name}) took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
