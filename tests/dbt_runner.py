"""Run dbt from pytest against throwaway DuckDB files.

Each build gets its own DuckDB file, target and log folders, so builds never collide
with each other or with the developer's own warehouse. Each invocation is the `dbt`
command in a process of its own, forked from tests/dbt_forkserver.py (which has dbt
imported already) instead of started from scratch; BANK_SEGMENTS_TEST_FORK=0 starts the
`dbt` executable instead.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import pytest

T = TypeVar("T")
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
    unit_tests: bool = False,
) -> DbtRun:
    """Run ``dbt <args>`` from the repo root into ``workdir``; never raises on failure.

    dbt's unit tests run only where ``unit_tests`` is set: their inputs and expected rows
    are fixed in the yml, so they give the same verdict in every build, and each costs a
    few hundred milliseconds. The suite runs them in the shared demo build (every one, on
    the default vars) and in the DuckDB build the Spark build is compared with; the other
    builds leave them out (DBT_EXCLUDE_RESOURCE_TYPES, dbt's own switch for this).
    """
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
    if not unit_tests:
        run_env["DBT_EXCLUDE_RESOURCE_TYPES"] = "unit_test"
    # partial parsing pays only when a target folder is parsed again with the same vars,
    # which the suite's builds hardly ever do: dbt then skips writing its parse file
    run_env["DBT_PARTIAL_PARSE"] = "false"
    # no test reads dbt's debug log file, and writing it is a good part of a small build's
    # time; DBT_LOG_LEVEL_FILE=debug in the environment keeps it for a developer
    run_env.setdefault("DBT_LOG_LEVEL_FILE", "none")
    run_env.update(env or {})
    returncode, output = dbt_command(command[1:], REPO, run_env)
    return DbtRun(returncode=returncode, output=output, database=database, target=target)


def dbt_command(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """``dbt <args>`` run in ``cwd`` with exactly ``env``: (return code, stdout + stderr)."""
    started = time.perf_counter()
    if os.environ.get("BANK_SEGMENTS_TEST_FORK", "1") == "0":
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        completed = subprocess.run(
            [str(DBT), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        returncode, output = completed.returncode, completed.stdout + completed.stderr
    else:
        returncode, output, cpu = _FORK_SERVER.run(args, cwd, env)
    _log_invocation(args, returncode, time.perf_counter() - started, cpu)
    return returncode, output


def _log_invocation(args: list[str], returncode: int, seconds: float, cpu: float) -> None:
    """One JSON line per invocation in $BANK_SEGMENTS_TEST_DBT_LOG, when it is set: the
    test, the command, its wall and CPU seconds (what the suite's time is spent on)."""
    path = os.environ.get("BANK_SEGMENTS_TEST_DBT_LOG")
    if not path:
        return
    line = {
        "test": os.environ.get("PYTEST_CURRENT_TEST", ""),
        "worker": os.environ.get("PYTEST_XDIST_WORKER", ""),
        "args": [a for a in args if not a.startswith("/")][:8],
        "returncode": returncode,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
    }
    with open(path, "a") as log:  # one short write per line: whole lines from every worker
        log.write(json.dumps(line) + "\n")


class _ForkServer:
    """This process's tests/dbt_forkserver.py, started at the first dbt invocation."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._count = 0
        self._outputs: Path | None = None  # made at the first run, removed at exit

    def run(self, args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, float]:
        """``dbt <args>`` in a child of the server: (return code, stdout and stderr, CPU s)."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "tests.dbt_forkserver"],
                    cwd=REPO,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            if self._outputs is None:
                self._outputs = Path(tempfile.mkdtemp(prefix="bank-segments-dbt-output-"))
                atexit.register(_remove_in_this_process, self._outputs, os.getpid())
            self._count += 1
            output = self._outputs / f"{self._count}.txt"
            request = {"args": args, "cwd": str(cwd), "env": env, "output": str(output)}
            assert self._process.stdin and self._process.stdout
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            reply = self._process.stdout.readline()
        if not reply:
            raise RuntimeError("tests/dbt_forkserver.py stopped; its error is above")
        text = output.read_text(errors="replace")
        output.unlink()
        answer = json.loads(reply)
        return answer["returncode"], text, answer["cpu_seconds"]


def _remove_in_this_process(folder: Path, pid: int) -> None:
    """Remove ``folder`` at exit, in the process that made it only: a child forked by a
    test (multiprocessing) inherits the exit handler, and must not take the folder along."""
    if os.getpid() == pid:
        shutil.rmtree(folder, ignore_errors=True)


_FORK_SERVER = _ForkServer()


def shared(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], T]) -> T:
    """``make(folder)`` once per test session, whichever xdist worker asks first.

    The first caller builds under the session's common temporary folder while holding a
    lock; the others wait on the lock and get the same (pickled) result, so they read the
    same files. Readers must not change them: copy a warehouse before writing to it.
    """
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the folder every worker's basetemp lives in
    done = root / f"{name}.pickle"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            return pickle.loads(done.read_bytes())
        folder = root / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        value = make(folder)
        done.write_bytes(pickle.dumps(value))
        return value
