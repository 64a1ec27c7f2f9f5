"""Benchmark harness: how long the warehouse build takes and how much memory it needs.

For every size in ``--sizes`` the harness

1. generates that many customers with the package generator (fixed seed, Parquet) into
   the work dir (reused when a file with the same size and seed is already there);
2. runs the full ``dbt build --vars '{customers_path: <file>}'`` from the repo root in a
   subprocess, into a fresh DuckDB file (``BANK_SEGMENTS_DB``) with ``--target-path`` and
   ``--log-path`` inside the work dir, and records its wall time, its peak resident memory
   and the time of every node (``run_results.json``);
3. reads the chosen K and its silhouette from the built warehouse
   (``segment_model_summary``), "n/a" while that table does not exist;
4. runs two references, each in its own subprocess: the *baseline* a data scientist
   would write (``bench/baseline.py``: pandas, K = 2..8, exact silhouette, PCA), only
   under ``--baseline-cap-seconds``, and the *floor* (``bench/floor.py``: one DuckDB scan
   into NumPy, standardize, one K-Means fit at the chosen K).

It also times the default ``dbt build`` on the shipped 1,500-row seed (no
``customers_path``), then writes ``BENCHMARKS.md`` (machine, versions, tables, targets
met / not met, per-node profile of the largest size) and a JSON file with every number.

Peak memory is ``ru_maxrss`` of the rusage that ``os.wait4`` returns for that one child
process (it includes the child's own waited-for descendants, nothing else), so each
number belongs to exactly one build or one reference run. A failed or killed build is
recorded as such ("failed (see <log>)"), never raised.

Usage::

    .venv/bin/python bench/run.py --sizes 1500,100000,1000000,10000000 \\
        [--baseline-cap-seconds 900] [--out BENCHMARKS.md] [--work-dir bench/out]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
GENERATOR_SEED = 42
RANDOM_STATE = 42
#: K used for the floor when neither the warehouse nor the baseline chose one.
FALLBACK_K = 4
SUMMARY_TABLE = "segment_model_summary"
TOP_NODES = 15

#: Targets from the issue. Sizes are row counts, memory in bytes (1 GB = 10**9 bytes).
SEED_BUILD_MAX_SECONDS = 15.0
TARGETS: dict[int, dict[str, float]] = {
    1_000_000: {"seconds": 30.0, "peak_bytes": 3e9},
    10_000_000: {"seconds": 120.0, "peak_bytes": 6e9, "floor_ratio": 3.0},
}

HOW_TO_RUN = """\
## How to run

`bench/run.py` measures the whole warehouse build at several input sizes and compares
it with two references. It needs only the project's venv.

```bash
# the full benchmark (rewrites BENCHMARKS.md; 10M rows takes a while)
.venv/bin/python bench/run.py --sizes 1500,100000,1000000,10000000
# options: --baseline-cap-seconds 900  --baseline-max-rows 2000000
#          --build-max-rows N  --skip-build  --skip-seed-build  --skip-baseline
#          --skip-floor  --out BENCHMARKS.md  --work-dir bench/out  --json FILE
```

For each size it generates customers with `bank_segments.generator` (seed 42,
Parquet, cached in `bench/out/`), runs `dbt build --vars '{customers_path: <file>}'`
into a fresh DuckDB file and records wall time, peak resident memory (`ru_maxrss` of
that one process, via `os.wait4`) and every node's `execution_time` from
`run_results.json`; it reads the chosen K and silhouette from `segment_model_summary`.
It also times the default `dbt build` on the shipped 1,500-row seed, tests included.
Two references run in their own processes:

* **baseline** (`bench/baseline.py`): what a data scientist would write -- pandas
  `read_parquet`, the 12 features, `StandardScaler`, `KMeans` for K = 2..8 with the
  exact `silhouette_score` on all rows, `PCA(2)`. Killed at the cap; skipped up front
  above `--baseline-max-rows` because the exact silhouette is O(n^2).
* **floor** (`bench/floor.py`): one DuckDB scan of the 12 features into NumPy,
  standardize, one `KMeans` fit at the chosen K (`n_init=1`). build/floor is the price
  of the warehouse around the maths.

Logs, `run_results.json` and warehouses stay in `bench/out/n<rows>/` (git-ignored).
CI runs the harness at 1,500 rows only (`tests/test_bench_smoke.py`), without timing
assertions. Numbers depend on the machine and on anything else running on it.
"""


# --------------------------------------------------------------------------- processes


@dataclass
class Measurement:
    """One child process: wall time in seconds, peak resident memory in bytes."""

    wall_seconds: float
    peak_rss_bytes: int
    returncode: int | None
    timed_out: bool
    log_path: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def measure(
    command: list[str],
    log_path: Path,
    env: dict[str, str] | None = None,
    cap_seconds: float | None = None,
) -> Measurement:
    """Run ``command`` from the repo root; stdout and stderr go to ``log_path``.

    The child gets its own session so that, at ``cap_seconds``, the whole group it
    started (and nothing else) is killed. Peak memory comes from the rusage of this one
    child, returned by ``os.wait4``.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    timed_out = threading.Event()
    with log_path.open("wb") as log:
        log.write(("$ " + " ".join(command) + "\n").encode())
        log.flush()
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
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
    return Measurement(wall, int(peak), returncode, timed_out.is_set(), str(log_path))


# --------------------------------------------------------------------------- dbt build


@dataclass
class NodeTiming:
    unique_id: str
    status: str
    execution_time: float


@dataclass
class BuildResult:
    label: str
    rows: int
    measurement: Measurement
    nodes: list[NodeTiming] = field(default_factory=list)
    k: int | None = None
    silhouette: float | None = None
    summary_note: str = ""
    #: ``elapsed_time`` of run_results.json: dbt's execution phase, after start-up and parse.
    dbt_elapsed_seconds: float | None = None

    @property
    def ok(self) -> bool:
        return self.measurement.ok


def parse_run_results(path: Path) -> tuple[list[NodeTiming], float | None]:
    """Per-node timings and ``elapsed_time`` from a dbt ``run_results.json``.

    Empty (and ``None``) when the file is absent or unreadable.
    """
    if not path.exists():
        return [], None
    try:
        payload = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return [], None
    elapsed = payload.get("elapsed_time")
    nodes = [
        NodeTiming(
            unique_id=str(item.get("unique_id", "?")),
            status=str(item.get("status", "?")),
            execution_time=float(item.get("execution_time") or 0.0),
        )
        for item in payload.get("results", [])
    ]
    return nodes, None if elapsed is None else float(elapsed)


def read_model_summary(db_path: Path) -> tuple[int | None, float | None, str]:
    """Chosen K and silhouette from ``segment_model_summary``; a note when unavailable.

    One row is the chosen model. With several rows (one per candidate K), a boolean
    ``is_chosen``/``chosen``/``selected``/``is_selected`` column picks the row; without
    one, the row with the highest silhouette is taken.
    """
    if not db_path.exists():
        return None, None, "no warehouse file"
    try:
        import duckdb

        with duckdb.connect(str(db_path), read_only=True) as con:
            found = con.execute(
                "select table_schema from information_schema.tables "
                "where lower(table_name) = ? order by table_schema",
                [SUMMARY_TABLE],
            ).fetchall()
            if not found:
                return None, None, f"{SUMMARY_TABLE} not built"
            relation = f'"{found[0][0]}"."{SUMMARY_TABLE}"'
            columns = {
                row[0].lower(): row[0] for row in con.execute(f"describe {relation}").fetchall()
            }
            if "k" not in columns or "silhouette" not in columns:
                return None, None, f"{SUMMARY_TABLE} has no k/silhouette columns"
            chosen = next(
                (
                    columns[c]
                    for c in ("is_chosen", "chosen", "selected", "is_selected")
                    if c in columns
                ),
                None,
            )
            where = f'where "{chosen}"' if chosen else ""
            row = con.execute(
                f'select "{columns["k"]}", "{columns["silhouette"]}" from {relation} {where} '
                f'order by "{columns["silhouette"]}" desc nulls last limit 1'
            ).fetchone()
    except Exception as error:  # a half-built warehouse must not stop the benchmark
        return None, None, f"could not read {SUMMARY_TABLE}: {type(error).__name__}"
    if row is None:
        return None, None, f"{SUMMARY_TABLE} is empty"
    k = None if row[0] is None else int(row[0])
    silhouette = None if row[1] is None else float(row[1])
    return k, silhouette, ""


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def run_build(
    label: str, rows: int, customers: Path | None, run_dir: Path, cap_seconds: float | None
) -> BuildResult:
    """``dbt build`` into a fresh warehouse under ``run_dir``; never raises on failure."""
    if run_dir.exists():
        shutil.rmtree(run_dir / "target", ignore_errors=True)
        shutil.rmtree(run_dir / "logs", ignore_errors=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    db_path = run_dir / "warehouse.duckdb"
    for stale in (db_path, db_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    command = [
        dbt_executable(),
        "build",
        "--profiles-dir",
        str(REPO),
        "--project-dir",
        str(REPO),
        "--target-path",
        str(run_dir / "target"),
        "--log-path",
        str(run_dir / "logs"),
    ]
    if customers is not None:
        command += ["--vars", json.dumps({"customers_path": str(customers)})]
    env = {
        **os.environ,
        "BANK_SEGMENTS_DB": str(db_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    print(f"[bench] {label}: dbt build ...", flush=True)
    measurement = measure(command, run_dir / "dbt_build.log", env=env, cap_seconds=cap_seconds)
    nodes, elapsed = parse_run_results(run_dir / "target" / "run_results.json")
    result = BuildResult(label, rows, measurement, nodes, dbt_elapsed_seconds=elapsed)
    result.k, result.silhouette, result.summary_note = read_model_summary(db_path)
    print(f"[bench] {label}: {describe_build(result)}", flush=True)
    return result


# --------------------------------------------------------------------------- references


@dataclass
class ReferenceResult:
    name: str
    rows: int
    measurement: Measurement | None
    note: str = ""
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.measurement is not None and self.measurement.ok and bool(self.result)


def run_reference(
    name: str,
    rows: int,
    script: str,
    extra: list[str],
    run_dir: Path,
    cap_seconds: float | None,
) -> ReferenceResult:
    result_path = run_dir / f"{name}.json"
    result_path.unlink(missing_ok=True)
    command = [sys.executable, str(BENCH / script), *extra, "--result", str(result_path)]
    command += ["--random-state", str(RANDOM_STATE)]
    print(f"[bench] n={rows:,}: {name} ...", flush=True)
    measurement = measure(command, run_dir / f"{name}.log", cap_seconds=cap_seconds)
    reference = ReferenceResult(name, rows, measurement)
    if measurement.timed_out:
        reference.note = (
            f"did not finish (> {cap_seconds:g} s cap; "
            f"peak {fmt_bytes(measurement.peak_rss_bytes)} when killed)"
        )
    elif measurement.returncode != 0:
        reference.note = f"failed (see {rel(measurement.log_path)})"
    elif result_path.exists():
        reference.result = json.loads(result_path.read_text())
    print(f"[bench] n={rows:,}: {name}: {describe_reference(reference)}", flush=True)
    return reference


# --------------------------------------------------------------------------- data


def customers_file(rows: int, work_dir: Path) -> Path:
    """Generated customers for ``rows``, reused when already on disk."""
    import pyarrow.parquet as pq

    from bank_segments.generator import generate_customers, write_table

    path = work_dir / "data" / f"customers_n{rows}_seed{GENERATOR_SEED}.parquet"
    if path.exists():
        try:
            if pq.ParquetFile(path).metadata.num_rows == rows:
                return path
        except Exception:  # a truncated file from an interrupted run: regenerate
            pass
    print(f"[bench] generating {rows:,} customers ...", flush=True)
    start = time.perf_counter()
    generated = generate_customers(rows, seed=GENERATOR_SEED)
    write_table(generated.customers, path)
    del generated
    print(f"[bench] generated in {time.perf_counter() - start:.1f} s -> {rel(path)}", flush=True)
    return path


# --------------------------------------------------------------------------- report


def rel(path: str | Path) -> str:
    path = Path(path)
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def fmt_seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds >= 10 else f"{seconds:.2f} s"


def fmt_bytes(size: int) -> str:
    return f"{size / 1e9:.2f} GB" if size >= 1e9 else f"{size / 1e6:,.0f} MB"


def fmt_silhouette(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def fmt_elapsed(build: BuildResult) -> str:
    seconds = build.dbt_elapsed_seconds
    return "n/a" if seconds is None else fmt_seconds(seconds)


def describe_build(build: BuildResult | None) -> str:
    if build is None:
        return "not run"
    m = build.measurement
    if m.timed_out:
        return f"killed at cap after {fmt_seconds(m.wall_seconds)} (see {rel(m.log_path)})"
    if not m.ok:
        return f"failed after {fmt_seconds(m.wall_seconds)} (see {rel(m.log_path)})"
    return fmt_seconds(m.wall_seconds)


def describe_reference(reference: ReferenceResult | None) -> str:
    if reference is None:
        return "not run"
    if not reference.ok:
        return reference.note or "failed"
    m = reference.measurement
    assert m is not None
    return f"{fmt_seconds(m.wall_seconds)} ({fmt_bytes(m.peak_rss_bytes)})"


def machine_info() -> dict[str, str]:
    info = {
        "cores": str(os.cpu_count()),
        "memory": "?",
        "cpu": platform.processor() or platform.machine(),
        "os": platform.platform(),
    }
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory"] = f"{int(line.split()[1]) * 1024 / 1e9:.1f} GB"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        info["load average at start"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass
    return info


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("duckdb", "dbt-core", "dbt-duckdb", "scikit-learn", "numpy", "pandas"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


@dataclass
class SizeResult:
    rows: int
    build: BuildResult | None = None
    baseline: ReferenceResult | None = None
    floor: ReferenceResult | None = None
    floor_k_source: str = ""
    build_note: str = "not run"


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def target_rows(seed_build: BuildResult | None, sizes: list[SizeResult]) -> list[list[str]]:
    rows: list[list[str]] = []
    if seed_build is None:
        rows.append(
            [
                f"default build on the 1,500-row seed <= {SEED_BUILD_MAX_SECONDS:g} s",
                "not measured",
                "-",
            ]
        )
    else:
        wall = seed_build.measurement.wall_seconds
        ok = seed_build.ok and wall <= SEED_BUILD_MAX_SECONDS
        rows.append(
            [
                f"default build on the 1,500-row seed <= {SEED_BUILD_MAX_SECONDS:g} s",
                describe_build(seed_build),
                verdict(ok),
            ]
        )
    by_rows = {s.rows: s for s in sizes}
    for n, target in TARGETS.items():
        size = by_rows.get(n)
        build = size.build if size else None
        checks = [(f"{n:,} rows end to end <= {target['seconds']:g} s", "seconds")]
        checks.append(
            (f"{n:,} rows peak memory <= {target['peak_bytes'] / 1e9:g} GB", "peak_bytes")
        )
        if "floor_ratio" in target:
            checks.append(
                (f"{n:,} rows build <= {target['floor_ratio']:g}x the floor", "floor_ratio")
            )
        for text, key in checks:
            if build is None:
                rows.append([text, "not measured", "-"])
                continue
            m = build.measurement
            if key == "seconds":
                rows.append(
                    [
                        text,
                        describe_build(build),
                        verdict(build.ok and m.wall_seconds <= target[key]),
                    ]
                )
            elif key == "peak_bytes":
                measured = fmt_bytes(m.peak_rss_bytes) + ("" if build.ok else " (build failed)")
                rows.append([text, measured, verdict(build.ok and m.peak_rss_bytes <= target[key])])
            else:
                floor = size.floor if size else None
                if not build.ok or floor is None or not floor.ok:
                    rows.append([text, "n/a (build or floor missing)", verdict(False)])
                    continue
                assert floor.measurement is not None
                ratio = m.wall_seconds / floor.measurement.wall_seconds
                rows.append([text, f"{ratio:.1f}x", verdict(ratio <= target[key])])
    return rows


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(
    seed_build: BuildResult | None,
    sizes: list[SizeResult],
    options: argparse.Namespace,
    started: dt.datetime,
    machine: dict[str, str],
) -> str:
    size_list = ",".join(str(s.rows) for s in sizes)
    parts = [
        "# Benchmarks",
        "",
        HOW_TO_RUN,
        "## Results",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `bench/run.py --sizes {size_list} "
        f"--baseline-cap-seconds {options.baseline_cap_seconds:g}`. "
        "Wall time is the whole process (start-up and parse included); peak memory is the "
        "process's maximum resident set size (1 GB = 10^9 bytes).",
        "",
        "**Machine:** "
        + "; ".join(f"{key} {value}" for key, value in machine.items())
        + f"; load average at end {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
        "**Versions:** " + ", ".join(f"{key} {value}" for key, value in versions().items()),
        "",
        "### Default build (shipped 1,500-row seed, all tests)",
        "",
    ]
    if seed_build is None:
        parts.append("Not run (`--skip-seed-build`).")
    else:
        parts.append(
            table(
                [
                    "command",
                    "wall time",
                    "dbt execution phase",
                    "peak memory",
                    "nodes",
                    "K",
                    "silhouette",
                ],
                [
                    [
                        "`dbt build`",
                        describe_build(seed_build),
                        fmt_elapsed(seed_build),
                        fmt_bytes(seed_build.measurement.peak_rss_bytes),
                        str(len(seed_build.nodes)),
                        "n/a" if seed_build.k is None else str(seed_build.k),
                        fmt_silhouette(seed_build.silhouette),
                    ]
                ],
            )
        )
    parts += ["", "### Build vs. references", ""]
    rows = []
    for size in sizes:
        build = size.build
        ratio = "n/a"
        if build and build.ok and size.floor and size.floor.ok and size.floor.measurement:
            ratio = f"{build.measurement.wall_seconds / size.floor.measurement.wall_seconds:.1f}x"
        rows.append(
            [
                f"{size.rows:,}",
                describe_build(build) if build else size.build_note,
                fmt_bytes(build.measurement.peak_rss_bytes) if build else "-",
                describe_reference(size.baseline),
                describe_reference(size.floor),
                ratio,
            ]
        )
    parts.append(
        table(
            [
                "rows",
                "dbt build wall time",
                "dbt build peak memory",
                "baseline (peak)",
                "floor (peak)",
                "build / floor",
            ],
            rows,
        )
    )
    parts += ["", "### Chosen K and silhouette", ""]
    rows = []
    for size in sizes:
        build = size.build
        if build is None:
            k, silhouette = "-", size.build_note
        else:
            k = "n/a" if build.k is None else str(build.k)
            silhouette = fmt_silhouette(build.silhouette)
            if build.summary_note:
                silhouette += f" ({build.summary_note})"
        baseline = size.baseline
        if baseline is not None and baseline.ok:
            base = f"K={baseline.result['k']}, silhouette {baseline.result['silhouette']:.3f}"
        else:
            base = describe_reference(baseline)
        if size.floor is not None and size.floor.ok:
            floor_k = f"{size.floor.result.get('k')} ({size.floor_k_source})"
        else:
            floor_k = describe_reference(size.floor)
        rows.append([f"{size.rows:,}", k, silhouette, base, floor_k])
    parts.append(
        table(["rows", "warehouse K", "warehouse silhouette", "baseline", "floor K (source)"], rows)
    )
    parts += ["", "### Targets", ""]
    parts.append(table(["target", "measured", "verdict"], target_rows(seed_build, sizes)))

    profiled = next((s for s in reversed(sizes) if s.build is not None), None)
    parts += ["", "### Per-node profile", ""]
    if profiled is None or profiled.build is None:
        parts.append("No dbt build was run.")
    else:
        build = profiled.build
        total = sum(node.execution_time for node in build.nodes)
        parts.append(
            f"Largest size with a build: {profiled.rows:,} rows, {len(build.nodes)} nodes in "
            f"`run_results.json`. Wall time {fmt_seconds(build.measurement.wall_seconds)}, of "
            f"which dbt's execution phase (`elapsed_time`) {fmt_elapsed(build)}; the rest is "
            "start-up and a full parse (fresh target dir). Node execution times sum to "
            f"{fmt_seconds(total)} (nodes run on several threads). "
            f"Top {TOP_NODES} by `execution_time`:"
        )
        parts.append("")
        ranked = sorted(build.nodes, key=lambda node: node.execution_time, reverse=True)
        parts.append(
            table(
                ["node", "status", "execution time", "share of node time"],
                [
                    [
                        f"`{node.unique_id}`",
                        node.status,
                        fmt_seconds(node.execution_time),
                        f"{node.execution_time / total:.0%}" if total else "-",
                    ]
                    for node in ranked[:TOP_NODES]
                ],
            )
            if ranked
            else "No node timings: `run_results.json` was not written (see the build log)."
        )
        failed = [node for node in build.nodes if node.status not in ("success", "pass", "no-op")]
        if failed:
            parts += [
                "",
                "Nodes that did not succeed: "
                + ", ".join(f"`{n.unique_id}` ({n.status})" for n in failed),
            ]
    parts += [
        "",
        "### Notes",
        "",
        "* The baseline runs only below `--baseline-max-rows` "
        f"({options.baseline_max_rows:,}) and within the cap: the exact silhouette computes all "
        "n^2 pairwise distances once per K (7 values), e.g. 10^14 distances per K at 10M rows.",
        "* Floor K comes from the warehouse when `segment_model_summary` exists, else from the "
        f"baseline, else the planted {FALLBACK_K}.",
        "* Wall times include whatever else ran on the machine at the time; the load averages "
        "above say how busy it was.",
        f"* Logs and `run_results.json` per size: `{rel(options.work_dir)}/n<rows>/`.",
        "",
    ]
    return "\n".join(parts)


# --------------------------------------------------------------------------- main


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for item in text.split(","):
        item = item.strip().lower().replace("_", "")
        if not item:
            continue
        factor = {"k": 1_000, "m": 1_000_000}.get(item[-1], 1)
        sizes.append(int(float(item[:-1] if factor > 1 else item) * factor))
    return sorted(set(sizes))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Benchmark the dbt build against a pandas baseline and a NumPy floor.",
    )
    parser.add_argument("--sizes", default="1500", help="comma-separated row counts (1500,1M,...)")
    parser.add_argument("--baseline-cap-seconds", type=float, default=900.0)
    parser.add_argument(
        "--baseline-max-rows",
        type=int,
        default=2_000_000,
        help="skip the exact-silhouette baseline above this many rows (default 2,000,000)",
    )
    parser.add_argument(
        "--build-cap-seconds", type=float, default=3600.0, help="kill a dbt build after this"
    )
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument(
        "--json", type=Path, help="all numbers as JSON (default <work-dir>/results.json)"
    )
    parser.add_argument("--work-dir", type=Path, default=BENCH / "out")
    parser.add_argument(
        "--build-max-rows", type=int, help="run dbt build only up to this many rows"
    )
    parser.add_argument("--skip-build", action="store_true", help="references only, no dbt build")
    parser.add_argument("--skip-seed-build", action="store_true", help="no default seed build")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-floor", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    options.work_dir = options.work_dir.resolve()
    options.json = (options.json or options.work_dir / "results.json").resolve()
    started = dt.datetime.now(dt.UTC)
    machine = machine_info()

    seed_build = None
    if not options.skip_build and not options.skip_seed_build:
        seed_build = run_build(
            "default seed", 1_500, None, options.work_dir / "seed", options.build_cap_seconds
        )

    results: list[SizeResult] = []
    baseline_gave_up_at: int | None = None
    for rows in parse_sizes(options.sizes):
        size = SizeResult(rows)
        results.append(size)
        data = customers_file(rows, options.work_dir)
        run_dir = options.work_dir / f"n{rows}"
        run_dir.mkdir(parents=True, exist_ok=True)
        if options.skip_build:
            size.build_note = "not run (--skip-build)"
        elif options.build_max_rows is not None and rows > options.build_max_rows:
            size.build_note = f"not run (above --build-max-rows {options.build_max_rows:,})"
        else:
            size.build = run_build(f"n={rows:,}", rows, data, run_dir, options.build_cap_seconds)

        if not options.skip_baseline:
            if rows > options.baseline_max_rows:
                size.baseline = ReferenceResult(
                    "baseline",
                    rows,
                    None,
                    f"not run: exact silhouette O(n²), {rows:,}² distances per K "
                    f"(above --baseline-max-rows {options.baseline_max_rows:,})",
                )
            elif baseline_gave_up_at is not None:
                size.baseline = ReferenceResult(
                    "baseline",
                    rows,
                    None,
                    f"not run: did not finish at {baseline_gave_up_at:,} rows; O(n²)",
                )
            else:
                size.baseline = run_reference(
                    "baseline",
                    rows,
                    "baseline.py",
                    ["--input", str(data)],
                    run_dir,
                    options.baseline_cap_seconds,
                )
                if size.baseline.measurement and size.baseline.measurement.timed_out:
                    baseline_gave_up_at = rows

        if not options.skip_floor:
            if size.build is not None and size.build.k is not None:
                k, size.floor_k_source = size.build.k, "warehouse"
            elif size.baseline is not None and size.baseline.ok:
                k, size.floor_k_source = int(size.baseline.result["k"]), "baseline"
            else:
                k, size.floor_k_source = FALLBACK_K, "planted"
            size.floor = run_reference(
                "floor",
                rows,
                "floor.py",
                ["--input", str(data), "--k", str(k)],
                run_dir,
                options.build_cap_seconds,
            )

    markdown = render_markdown(seed_build, results, options, started, machine)
    # Keep the hand-run storage format section (bench/storage_format.py) on a rewrite.
    if options.out.exists():
        previous = options.out.read_text()
        if "\n## Storage format" in previous:
            markdown = (
                markdown.rstrip("\n")
                + "\n\n"
                + previous[previous.index("\n## Storage format") + 1 :]
            )
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(markdown)
    payload = {
        "started": started.isoformat(),
        "machine": machine,
        "versions": versions(),
        "seed_build": asdict(seed_build) if seed_build else None,
        "sizes": [asdict(size) for size in results],
    }
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps(payload, indent=2))
    print(f"[bench] wrote {rel(options.out)} and {rel(options.json)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
