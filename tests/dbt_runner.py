"""Run dbt from pytest against throwaway DuckDB files.

Each build gets its own DuckDB file, target and log folders, so builds never collide
with each other or with the developer's own warehouse.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).with_name("dbt")

#: The published marts: every contract-enforced model under dbt_project/models/marts/,
#: each exported as Parquet after a green build.
MARTS = (
    "customer_segments",
    "input_quality",
    "input_rejection_reasons",
    "segment_band_distribution",
    "segment_feature_deviations",
    "segment_profiles",
    "segment_risk_distribution",
    "segment_strategies",
)


@dataclass(frozen=True)
class DbtRun:
    """The outcome of one dbt invocation."""

    returncode: int
    output: str
    database: Path
    target: Path

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection where unqualified names are dbt's own relations.

        dbt builds into the `work` schema (profiles.yml); this sees what the run built,
        green or not. ``connect_published`` sees what analysts see.
        """
        con = duckdb.connect(str(self.database), read_only=True)
        con.execute("set search_path = 'work,main'")
        return con

    def connect_published(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to `main`: the last green build, as analysts see it."""
        return duckdb.connect(str(self.database), read_only=True)

    def results(self) -> list[dict]:
        """The node results from run_results.json."""
        return json.loads((self.target / "run_results.json").read_text())["results"]


def run_dbt(
    workdir: Path,
    *args: str,
    dbt_vars: dict | None = None,
    database: Path | None = None,
    env: dict[str, str] | None = None,
) -> DbtRun:
    """Run ``dbt <args>`` from the repo root into ``workdir``; never raises on failure."""
    workdir.mkdir(parents=True, exist_ok=True)
    database = database or workdir / "warehouse.duckdb"
    target = workdir / "target"
    command = [str(DBT), *args, "--target-path", str(target), "--log-path", str(workdir / "logs")]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    run_env = {
        **os.environ,
        "BANK_SEGMENTS_DB": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    run_env.update(env or {})
    completed = subprocess.run(
        command, cwd=REPO, env=run_env, capture_output=True, text=True, check=False
    )
    return DbtRun(
        returncode=completed.returncode,
        output=completed.stdout + completed.stderr,
        database=database,
        target=target,
    )
