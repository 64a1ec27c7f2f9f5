"""Spark column of the benchmark: the project built on local Spark at given sizes.

For each size in ``--sizes`` (the DuckDB harness ``bench/run.py`` must have built that
size first: its warehouse holds the model version) this

1. exports the DuckDB-fitted model version to Parquet (``bank-segments model export``);
2. runs ``dbt build --target spark`` of the whole project (staging, features, EDA, SQL
   scoring with the imported version, marts, history, every data test) from the same
   Parquet file into a fresh Spark warehouse and metastore with a fresh target folder:
   dbt's parse, Spark's start and every node are in the wall time, as in the DuckDB fit
   build; the difference is that Spark scores with the imported model instead of fitting.

With ``--select`` (e.g. ``+customer_segments``, the scoring path: staging, features,
registry, scoring, the customer mart and their tests) only that part is built on Spark,
and the same selection is also built on DuckDB on a copy of the size's DuckDB warehouse
(its stored model scores), so the two engines are compared on the same nodes.

The numbers are stored under ``"spark"`` in ``bench/results.json`` (``bench/run.py``
keeps them when it rewrites the file) and rendered into BENCHMARKS.md. Peak memory is
the dbt (Python) process only: the JVM that pyspark starts is not a waited-for child,
and its heap is capped by ``spark.driver.memory`` (profiles.yml, default 4g).

Usage::

    .venv/bin/python bench/spark_run.py --sizes 1M,10M
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import BENCH, dbt_build, measure, rel
from render import render
from run import customers_file, load_average, parse_sizes


def spark_build(
    rows: int, work_dir: Path, cap_seconds: float, select: str | None
) -> dict[str, Any]:
    """Export the size's DuckDB model version and build the project (or ``select``) on Spark."""
    duckdb_dir = work_dir / f"n{rows}"
    warehouse = duckdb_dir / "warehouse.duckdb"
    if not warehouse.exists():
        return {"ok": False, "note": f"no DuckDB warehouse at {rel(warehouse)}: run bench/run.py"}
    data = customers_file(rows, work_dir)
    suffix = "" if not select else "_" + "".join(c if c.isalnum() else "_" for c in select)
    spark_dir = work_dir / f"n{rows}_spark{suffix}"
    shutil.rmtree(spark_dir, ignore_errors=True)
    models = spark_dir / "models"
    cli = str(Path(sys.executable).with_name("bank-segments"))
    export = measure(
        [cli, "model", "export", "--db", str(warehouse), "--out", str(models)],
        spark_dir / "model_export.log",
    )
    if not export["ok"]:
        return {"ok": False, "note": f"model export failed (see `{export['log']}`)"}
    # cautious: no test of a selected node that also reads an unselected one
    selection = ["--select", select, "--indirect-selection", "cautious"] if select else []
    result = dbt_build(
        f"n{rows} spark build{suffix}",
        spark_dir,
        customers=data,
        fresh=True,
        cap_seconds=cap_seconds,
        target="spark",
        extra_env={"BANK_SEGMENTS_SPARK_DIR": str(spark_dir / "lake")},
        dbt_vars={"segment_model_import_path": str(models / "segment_model_*.parquet")},
        extra_args=selection,
    )
    result["summary"] = {}
    result["warehouse_bytes"] = sum(
        path.stat().st_size for path in (spark_dir / "lake").rglob("*") if path.is_file()
    )
    result["rows"] = rows
    result["select"] = select
    if select:
        # the same nodes on DuckDB, scoring with the size's stored model (a copy of the
        # DuckDB bench warehouse and its target folder: dbt parses partially there)
        copy_dir = work_dir / f"n{rows}_duckdb{suffix}"
        shutil.rmtree(copy_dir, ignore_errors=True)
        copy_dir.mkdir(parents=True)
        shutil.copy2(warehouse, copy_dir / "warehouse.duckdb")
        if (duckdb_dir / "target").exists():
            shutil.copytree(duckdb_dir / "target", copy_dir / "target")
        result["duckdb_same_selection"] = dbt_build(
            f"n{rows} duckdb build{suffix}",
            copy_dir,
            customers=data,
            fresh=False,
            cap_seconds=cap_seconds,
            extra_args=selection,
        )
        (copy_dir / "warehouse.duckdb").unlink(missing_ok=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1M", help="comma-separated row counts (1M,10M)")
    parser.add_argument("--select", default=None, help="build only these nodes (dbt syntax)")
    parser.add_argument("--build-cap-seconds", type=float, default=7200.0)
    parser.add_argument("--results", type=Path, default=BENCH / "results.json")
    parser.add_argument("--work-dir", type=Path, default=BENCH / "out")
    options = parser.parse_args(argv)
    results = json.loads(options.results.read_text())
    spark = results.setdefault("spark", {"builds": []})
    spark["measured_at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    spark["load_average_start"] = load_average()
    for rows in parse_sizes(options.sizes):
        work_dir = options.work_dir.resolve()
        build = spark_build(rows, work_dir, options.build_cap_seconds, options.select)
        spark["builds"] = [
            b for b in spark["builds"] if (b.get("rows"), b.get("select")) != (rows, options.select)
        ] + [build]
        spark["builds"].sort(key=lambda b: (b.get("rows", 0), b.get("select") or ""))
    spark["load_average_end"] = load_average()
    options.results.write_text(json.dumps(results, indent=2) + "\n")
    out = options.results.parent.parent / "BENCHMARKS.md"
    out.write_text(render(results))
    print(f"[bench] wrote {rel(options.results)} and {rel(out)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
