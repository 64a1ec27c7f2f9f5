"""Measuring one child process, one dbt build or one peer script, as plain data.

Every function returns a JSON-ready ``dict`` (the harness stores them as they are in
``bench/results.json``) and never raises on a failed or killed child: a failure is a
result too.

Peak memory is ``ru_maxrss`` of the rusage that ``os.wait4`` returns for that one child
(it includes the child's own waited-for descendants, nothing else), so each number
belongs to exactly one build or one peer run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
RANDOM_STATE = 42
#: Nodes kept per build in the results file (the slowest first).
TOP_NODES = 15
SUMMARY_TABLE = "segment_model_summary"


def rel(path: str | Path) -> str:
    """``path`` relative to the repo when inside it (for logs named in the results)."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def measure(
    command: list[str],
    log_path: Path,
    env: dict[str, str] | None = None,
    cap_seconds: float | None = None,
) -> dict[str, Any]:
    """Run ``command`` from the repo root, output to ``log_path``; wall time and peak RSS.

    The child gets its own session so that, at ``cap_seconds``, the whole group it
    started (and nothing else) is killed.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    timed_out = threading.Event()
    with log_path.open("wb") as log:
        log.write(("$ " + " ".join(command) + "\n").encode())
        log.flush()
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(cap_seconds, kill) if cap_seconds else None
        if timer:
            timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - start
    returncode = os.waitstatus_to_exitcode(status)
    process.returncode = returncode  # reaped by wait4; keep Popen from waiting again
    # ru_maxrss is KiB on Linux, bytes on macOS.
    peak = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return {
        "wall_seconds": round(wall, 3),
        "peak_rss_bytes": int(peak),
        "returncode": returncode,
        "timed_out": timed_out.is_set(),
        "ok": returncode == 0 and not timed_out.is_set(),
        "log": rel(log_path),
    }


def run_results(path: Path) -> dict[str, Any]:
    """dbt's execution phase, node count and the slowest nodes from ``run_results.json``."""
    try:
        payload = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {"dbt_elapsed_seconds": None, "node_count": 0, "slowest_nodes": [], "failed": []}
    nodes = [
        {
            "unique_id": str(item.get("unique_id", "?")),
            "status": str(item.get("status", "?")),
            "execution_time": round(float(item.get("execution_time") or 0.0), 3),
        }
        for item in payload.get("results", [])
    ]
    ranked = sorted(nodes, key=lambda node: node["execution_time"], reverse=True)
    elapsed = payload.get("elapsed_time")
    return {
        "dbt_elapsed_seconds": None if elapsed is None else round(float(elapsed), 3),
        "node_count": len(nodes),
        "node_seconds_total": round(sum(node["execution_time"] for node in nodes), 3),
        "slowest_nodes": ranked[:TOP_NODES],
        "failed": [
            node["unique_id"]
            for node in nodes
            if node["status"] not in ("success", "pass", "warn", "no-op")
        ],
    }


def model_summary(db_path: Path) -> dict[str, Any]:
    """K, silhouette and (when the registry exists) model version from the summary table.

    Reads the published ``main`` relation when it exists, else any schema's; a note
    instead of numbers when the warehouse holds no summary.
    """
    if not db_path.exists():
        return {"note": "no warehouse file"}
    try:
        import duckdb

        with duckdb.connect(str(db_path), read_only=True) as con:
            found = con.execute(
                "select table_schema from information_schema.tables "
                "where lower(table_name) = ? order by table_schema = 'main' desc, table_schema",
                [SUMMARY_TABLE],
            ).fetchall()
            if not found:
                return {"note": f"{SUMMARY_TABLE} not built"}
            relation = f'"{found[0][0]}"."{SUMMARY_TABLE}"'
            row = con.sql(f"select * from {relation} limit 1").to_arrow_table().to_pylist()
    except Exception as error:  # a half-built warehouse must not stop the benchmark
        return {"note": f"could not read {SUMMARY_TABLE}: {type(error).__name__}"}
    if not row:
        return {"note": f"{SUMMARY_TABLE} is empty"}
    values = row[0]
    keep = ("k", "silhouette", "structure_verdict", "model_version", "build_action", "customers")
    return {key: values[key] for key in keep if key in values}


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def _timed_build(
    label: str, command: list[str], run_dir: Path, env: dict[str, str], cap: float | None
) -> dict[str, Any]:
    """One ``dbt build`` measured: wall time, peak memory and its run_results summary."""
    slug = label.replace(" ", "_")
    print(f"[bench] {label}: dbt build ...", flush=True)
    result = {"label": label, **measure(command, run_dir / f"{slug}.log", env, cap)}
    result.update(run_results(run_dir / "target" / "run_results.json"))
    return result


def dbt_build(
    label: str,
    run_dir: Path,
    *,
    customers: Path | None,
    fresh: bool,
    cap_seconds: float | None,
    extra_env: dict[str, str] | None = None,
    target: str | None = None,
    dbt_vars: dict[str, Any] | None = None,
    extra_args: list[str] | None = None,
) -> dict[str, Any]:
    """``dbt build`` into the warehouse under ``run_dir`` (a fresh one when ``fresh``).

    A fresh build removes the warehouse, the target and log folders first, so dbt also
    parses from scratch, as on a new clone. A repeated build keeps them all: it is the
    next month's run on the same warehouse.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    db_path = run_dir / "warehouse.duckdb"
    if fresh:
        shutil.rmtree(run_dir / "target", ignore_errors=True)
        shutil.rmtree(run_dir / "logs", ignore_errors=True)
        shutil.rmtree(run_dir / "exports", ignore_errors=True)
        for stale in (db_path, db_path.with_suffix(".duckdb.wal")):
            stale.unlink(missing_ok=True)
    command = [dbt_executable(), "build", "--profiles-dir", str(REPO), "--project-dir", str(REPO)]
    command += ["--target-path", str(run_dir / "target"), "--log-path", str(run_dir / "logs")]
    if target:
        command += ["--target", target]
    build_vars = dict(dbt_vars or {})
    if customers is not None:
        build_vars["customers_path"] = str(customers)
    if build_vars:
        command += ["--vars", json.dumps(build_vars)]
    command += extra_args or []
    env = {
        **os.environ,
        "BANK_SEGMENTS_DB": str(db_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **(extra_env or {}),
    }
    result = _timed_build(label, command, run_dir, env, cap_seconds)
    result["summary"] = model_summary(db_path)
    result["warehouse_bytes"] = db_path.stat().st_size if db_path.exists() else None
    print(f"[bench] {label}: {result['wall_seconds']:.1f} s ok={result['ok']}", flush=True)
    return result


def peer(
    name: str,
    script: str,
    arguments: list[str],
    run_dir: Path,
    cap_seconds: float | None,
) -> dict[str, Any]:
    """Run one peer script (``bench/peers/<script>``) in its own process."""
    result_path = run_dir / f"{name}.json"
    result_path.unlink(missing_ok=True)
    command = [sys.executable, str(BENCH / "peers" / script), *arguments]
    command += ["--result", str(result_path), "--random-state", str(RANDOM_STATE)]
    print(f"[bench] {run_dir.name}: {name} ...", flush=True)
    result = {"name": name, **measure(command, run_dir / f"{name}.log", None, cap_seconds)}
    if result["ok"] and result_path.exists():
        result["result"] = json.loads(result_path.read_text())
    else:
        result["ok"] = False
    print(f"[bench] {run_dir.name}: {name}: {result['wall_seconds']:.1f} s", flush=True)
    return result


#: The dbt refit peer's project (``bench/peers/dbt_refit/``).
DBT_REFIT_PROJECT = BENCH / "peers" / "dbt_refit"


def dbt_refit_peer(
    label: str, run_dir: Path, *, customers: Path, fresh: bool, cap_seconds: float | None
) -> dict[str, Any]:
    """``dbt build`` of the dbt refit peer (a fresh warehouse and target when ``fresh``).

    Like :func:`dbt_build`: the fresh build is a new clone's first, the repeated one the
    next month's (partial parse, tables exist); the peer refits K-Means on both.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    db_path = run_dir / "peer.duckdb"
    if fresh:
        for folder in ("target", "logs"):
            shutil.rmtree(run_dir / folder, ignore_errors=True)
        for stale in (db_path, db_path.with_suffix(".duckdb.wal")):
            stale.unlink(missing_ok=True)
    command = [dbt_executable(), "build", "--project-dir", str(DBT_REFIT_PROJECT)]
    command += ["--profiles-dir", str(DBT_REFIT_PROJECT)]
    command += ["--target-path", str(run_dir / "target"), "--log-path", str(run_dir / "logs")]
    command += ["--vars", json.dumps({"customers_path": str(customers)})]
    env = {
        **os.environ,
        "DBT_REFIT_PEER_DB": str(db_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = _timed_build(label, command, run_dir, env, cap_seconds)
    if result["ok"]:
        import duckdb

        with duckdb.connect(str(db_path), read_only=True) as con:
            rows, clusters = con.execute(
                "select count(*), count(distinct cluster_id) from customer_segments"
            ).fetchone()
        result["result"] = {"rows": rows, "k": clusters}
    print(f"[bench] {label}: {result['wall_seconds']:.1f} s ok={result['ok']}", flush=True)
    return result


#: The smallest dbt-duckdb project: one model, two data tests (``dbt_floor``).
_FLOOR_PROJECT = {
    "dbt_project.yml": (
        "name: dbt_floor\nversion: '1.0.0'\nconfig-version: 2\nprofile: dbt_floor\n"
        "flags: {send_anonymous_usage_stats: false}\n"
    ),
    "models/one.sql": "select 1 as id\n",
    "models/one.yml": (
        "version: 2\nmodels:\n  - name: one\n    columns:\n      - name: id\n"
        "        data_tests: [unique, not_null]\n"
    ),
}


def dbt_floor(run_dir: Path, cap_seconds: float | None, *, fresh: bool = True) -> dict[str, Any]:
    """dbt's own fixed cost here: ``dbt build`` of a one-model DuckDB project.

    Start-up, a parse, one model and two tests: what any dbt-duckdb project pays before
    its own work, the floor under the shipped-seed build. ``fresh`` writes the project
    anew (a parse from scratch); otherwise the same project builds again (warm: partial
    parse, the table exists), the floor under a warm shipped-seed build.
    """
    if fresh:
        shutil.rmtree(run_dir, ignore_errors=True)
        for name, text in _FLOOR_PROJECT.items():
            (run_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (run_dir / name).write_text(text)
    (run_dir / "profiles.yml").write_text(
        "dbt_floor:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: "
        f"'{run_dir / 'floor.duckdb'}', threads: 1}}\n"
    )
    command = [dbt_executable(), "build", "--project-dir", str(run_dir)]
    command += ["--profiles-dir", str(run_dir), "--target-path", str(run_dir / "target")]
    command += ["--log-path", str(run_dir / "logs")]
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    label = "dbt floor" if fresh else "dbt floor warm"
    print(f"[bench] {label} (one-model project) ...", flush=True)
    log = run_dir / f"{label.replace(' ', '_')}.log"
    result = {"label": label, **measure(command, log, env, cap_seconds)}
    result.update(run_results(run_dir / "target" / "run_results.json"))
    print(f"[bench] {label}: {result['wall_seconds']:.1f} s", flush=True)
    return result
