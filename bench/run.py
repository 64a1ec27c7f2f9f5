"""Benchmark harness: measure the warehouse builds and their peers, save the numbers.

For every size in ``--sizes`` the harness

1. generates that many customers with the package generator (seed 42, Parquet, cached
   in the work dir);
2. runs a **fit build**: ``dbt build --vars '{customers_path: <file>}'`` into a fresh
   warehouse with a fresh target folder (as on a new clone: no model yet, so it fits);
3. runs a **scoring build**: the same command again on that warehouse (the stored
   model scores every customer);
4. runs the peers, each in its own process, up to ``--peer-max-rows``: a pandas +
   scikit-learn script and Spark MLlib on a local Spark (``bench/peers/``); and up to
   ``--dbt-peer-max-rows`` the **dbt refit peer** (``bench/peers/dbt_refit/``), a
   minimal dbt-duckdb project whose Python model refits K-Means on every customer at
   every build, built twice like ours (fresh, then the next month's build);
5. runs the **floor** (``bench/peers/floor.py``): one scan of the features into NumPy,
   standardize, nearest centroid; scoring build / floor is the price of the warehouse
   around the maths;
6. runs the **hand-written DuckDB script** (``bench/peers/duckdb_script.py``): the four
   outputs a scoring build must write (validated staging table with its constraints,
   customer mart, history snapshot, Parquet export), without dbt, tests or EDA; the
   least any implementation of those outputs costs on this machine.

It also times the default ``dbt build`` on the shipped seed twice (fresh warehouse and
target folder, tests included; then again, warm) beside dbt's own floor, a one-model
project built the same two ways, and, with ``--storage-compare-rows``, a fit build written in
DuckDB's newest storage format beside the default (DuckDB 1.1-readable) one.

Results are data: ``bench/results.json`` (see ``bench/measure.py`` for each record);
``bench/render.py`` turns them into ``BENCHMARKS.md`` through a short template.

Usage::

    .venv/bin/python bench/run.py --sizes 1500,1M,10M,30M
    .venv/bin/python bench/render.py            # re-render BENCHMARKS.md only
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import BENCH, REPO, dbt_build, dbt_floor, dbt_refit_peer, peer, rel
from render import render

GENERATOR_SEED = 42
#: The peers --peers can choose from (all by default; "none" runs the builds only).
PEERS = ("sklearn", "spark_mllib", "dbt_refit", "floor", "duckdb_script")
#: K for the floor when no build reported one (the demo data plants four personas).
FALLBACK_K = 4
PACKAGES = (
    "duckdb",
    "dbt-core",
    "dbt-duckdb",
    "scikit-learn",
    "numpy",
    "pandas",
    "pyspark",
    "dbt-spark",
)


def parse_sizes(text: str) -> list[int]:
    """``"1500,100k,1M"`` -> ``[1500, 100000, 1000000]`` (sorted, unique)."""
    sizes = []
    for item in text.split(","):
        item = item.strip().lower().replace("_", "")
        if item:
            factor = {"k": 1_000, "m": 1_000_000}.get(item[-1], 1)
            sizes.append(int(float(item[:-1] if factor > 1 else item) * factor))
    return sorted(set(sizes))


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
    print(f"[bench] generated in {time.perf_counter() - start:.1f} s -> {rel(path)}", flush=True)
    return path


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "os": platform.platform(),
    }
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_bytes"] = int(line.split()[1]) * 1024
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def load_average() -> list[float]:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return []


def measure_size(rows: int, options: argparse.Namespace) -> dict[str, Any]:
    """Fit build, scoring build, peers and floor at one size."""
    data = customers_file(rows, options.work_dir)
    run_dir = options.work_dir / f"n{rows}"
    cap = options.build_cap_seconds
    size: dict[str, Any] = {"rows": rows, "peers": {}}
    size["fit_build"] = dbt_build(
        f"n{rows} fit build", run_dir, customers=data, fresh=True, cap_seconds=cap
    )
    size["scoring_build"] = dbt_build(
        f"n{rows} scoring build", run_dir, customers=data, fresh=False, cap_seconds=cap
    )
    if rows in options.storage_compare_rows:
        size["newest_storage_fit_build"] = dbt_build(
            f"n{rows} fit build newest storage",
            options.work_dir / f"n{rows}_newest_storage",
            customers=data,
            fresh=True,
            cap_seconds=cap,
            extra_env={"BANK_SEGMENTS_STORAGE_VERSION": "latest"},
        )
    if rows <= options.dbt_peer_max_rows and "dbt_refit" in options.peers:
        for fresh in (True, False):
            size["peers"]["dbt_refit" if fresh else "dbt_refit_warm"] = dbt_refit_peer(
                f"n{rows} dbt refit peer" + ("" if fresh else " warm"),
                run_dir / "dbt_refit",
                customers=data,
                fresh=fresh,
                cap_seconds=options.peer_cap_seconds,
            )
    if rows <= options.peer_max_rows and "sklearn" in options.peers:
        size["peers"]["sklearn"] = peer(
            "sklearn", "sklearn_peer.py", ["--input", str(data)], run_dir, options.peer_cap_seconds
        )
    if rows <= options.peer_max_rows and "spark_mllib" in options.peers:
        if importlib.util.find_spec("pyspark") is None:
            size["peers"]["spark_mllib"] = {"ok": False, "note": "pyspark not installed"}
        else:
            size["peers"]["spark_mllib"] = peer(
                "spark_mllib",
                "spark_mllib_peer.py",
                ["--input", str(data)],
                run_dir,
                options.peer_cap_seconds,
            )
    k = size["fit_build"].get("summary", {}).get("k") or FALLBACK_K
    if "floor" in options.peers:
        arguments = ["--input", str(data), "--k", str(k)]
        size["floor"] = peer("floor", "floor.py", arguments, run_dir, cap)
    if "duckdb_script" not in options.peers:
        return size
    size["duckdb_script"] = peer(
        "duckdb_script",
        "duckdb_script.py",
        [
            "--input",
            str(data),
            "--k",
            str(k),
            "--database",
            str(run_dir / "script" / "peer.duckdb"),
        ],
        run_dir,
        cap,
    )
    return size


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1500", help="comma-separated row counts (1500,1M)")
    parser.add_argument(
        "--peer-max-rows", type=parse_sizes, default=[1_000_000], help="run peers up to this"
    )
    parser.add_argument(
        "--dbt-peer-max-rows",
        type=parse_sizes,
        default=[10_000_000],
        help="run the dbt refit peer up to this",
    )
    parser.add_argument(
        "--peers",
        default=",".join(PEERS),
        help=f"comma-separated peers to run (of {', '.join(PEERS)}), or none",
    )
    parser.add_argument("--peer-cap-seconds", type=float, default=1800.0)
    parser.add_argument("--build-cap-seconds", type=float, default=3600.0)
    parser.add_argument(
        "--storage-compare-rows",
        type=parse_sizes,
        default=[],
        help="sizes at which to also build in the newest DuckDB storage format",
    )
    parser.add_argument("--skip-seed-build", action="store_true")
    parser.add_argument("--results", type=Path, default=BENCH / "results.json")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--work-dir", type=Path, default=BENCH / "out")
    return parser


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    options.work_dir = options.work_dir.resolve()
    options.peer_max_rows = max(options.peer_max_rows)
    options.dbt_peer_max_rows = max(options.dbt_peer_max_rows)
    options.peers = {name.strip() for name in options.peers.split(",") if name.strip()}
    options.peers.discard("none")
    unknown = options.peers - set(PEERS)
    if unknown:
        raise SystemExit(f"bench/run.py: unknown --peers {sorted(unknown)}; known: {PEERS}")
    results: dict[str, Any] = {
        "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "versions": versions(),
        "load_average_start": load_average(),
        "seed_build": None,
        "sizes": [],
    }
    if not options.skip_seed_build:
        floor_dir, cap = options.work_dir / "dbt_floor", options.build_cap_seconds
        results["dbt_floor"] = dbt_floor(floor_dir, cap)
        results["dbt_floor_warm"] = dbt_floor(floor_dir, cap, fresh=False)
        for fresh in (True, False):
            results["seed_build" if fresh else "seed_build_warm"] = dbt_build(
                "seed build" if fresh else "seed build warm",
                options.work_dir / "seed",
                customers=None,
                fresh=fresh,
                cap_seconds=cap,
            )
    for rows in parse_sizes(options.sizes):
        results["sizes"].append(measure_size(rows, options))
    results["load_average_end"] = load_average()

    options.results.parent.mkdir(parents=True, exist_ok=True)
    if options.results.exists():
        # the Spark column is measured separately (bench/spark_run.py): keep it
        previous = json.loads(options.results.read_text())
        if "spark" in previous:
            results["spark"] = previous["spark"]
    options.results.write_text(json.dumps(results, indent=2) + "\n")
    options.out.write_text(render(results))
    print(f"[bench] wrote {rel(options.results)} and {rel(options.out)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
