"""Run several steps on the local `spark` target in one process (one Spark session).

    python -m tests.spark_dbt STEPS_JSON

STEPS_JSON is a list of steps, each {"dbt": [args...]} (a dbt invocation),
{"cli": [args...]} (a `bank-segments` command, e.g. `fit --target spark`, which runs dbt
in this process too), {"sql": "..."} (a statement on the session dbt opened) or
{"wait": FILE, "timeout": S} (wait until another process writes FILE: a JSON object of
placeholders and what they stand for in the later steps' arguments, or
{"failed": reason}, which stops the run) or {"view": JOB} (a compiled view's SQL over
other Parquet inputs, tests/spark_view.py). A dbt
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
from pathlib import Path

from dbt.cli.main import dbtRunner


def main(argv: list[str]) -> int:
    """Run the steps in order; 0 when all of them succeeded."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    runner = dbtRunner()
    placeholders: dict[str, str] = {}
    for number, raw in enumerate(json.loads(argv[0]), start=1):
        step = json.loads(_substitute(json.dumps(raw), placeholders))
        started = time.perf_counter()
        if "wait" in step:
            name = "wait"
            found = _wait(Path(step["wait"]), step.get("timeout", 600))
            if "failed" in found:
                print(f"spark_dbt: step {number} (wait): {found['failed']}", file=sys.stderr)
                return 1
            placeholders.update(found)
        elif "dbt" in step:
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
        elif "view" in step:
            from pyspark.sql import SparkSession

            from tests.spark_view import run_view

            name = "view"
            run_view(SparkSession.builder.getOrCreate(), step["view"])
        else:
            from pyspark.sql import SparkSession

            name = "sql"
            SparkSession.builder.getOrCreate().sql(step["sql"]).collect()
        print(f"spark_dbt: step {number} ({name}) took {time.perf_counter() - started:.0f} s")
    return 0


def _substitute(text: str, placeholders: dict[str, str]) -> str:
    for placeholder, value in placeholders.items():
        text = text.replace(placeholder, value)
    return text


def _wait(path: Path, timeout: float) -> dict[str, str]:
    """The JSON object another process writes to ``path`` (written whole, then read)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            return {"failed": f"{path} did not appear within {timeout} s"}
        time.sleep(0.5)
    return json.loads(path.read_text())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
