"""Render ``BENCHMARKS.md`` from ``bench/results.json`` through ``bench/BENCHMARKS.md.j2``.

The numbers come only from the results file; the targets below are the ones the
project committed to. Hand-written reading of the numbers lives in ``bench/notes.md``
and is appended as it is.

Usage: ``.venv/bin/python bench/render.py [--results bench/results.json] [--out BENCHMARKS.md]``
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import jinja2

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent

#: The targets the project committed to (issue 25: every one a ratio of two things
#: measured in the same run, so a slower or faster machine moves both sides).
SCORING_10M_MAX_SCRIPT_RATIO = 1.5
FIT_10M_MAX_SCRIPT_RATIO = 1.8
SKLEARN_1M_MIN_OVER_SCORING = 2.0
SKLEARN_1M_MIN_OVER_FIT = 1.25
WARM_SEED_MAX_FLOOR_RATIO = 2.5
BUILD_30M_MAX_PEAK_BYTES = 4e9
BUILD_30M_MAX_PER_CUSTOMER_RATIO = 1.15


def seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f} s" if value >= 10 else f"{value:.2f} s"


def size_bytes(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value / 1e9:.2f} GB" if value >= 1e9 else f"{value / 1e6:,.0f} MB"


def silhouette(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def run_cell(run: dict[str, Any] | None) -> str:
    """Wall time and peak memory of one build or peer, or why there is none."""
    if not run:
        return "not run"
    if run.get("note"):
        return run["note"]
    if run.get("timed_out"):
        return f"killed at the cap after {seconds(run['wall_seconds'])}"
    if not run.get("ok"):
        return f"failed after {seconds(run.get('wall_seconds'))} (see `{run.get('log')}`)"
    return f"{seconds(run['wall_seconds'])} ({size_bytes(run['peak_rss_bytes'])})"


def ratio(numerator: dict[str, Any] | None, denominator: dict[str, Any] | None) -> float | None:
    if not (numerator and denominator and numerator.get("ok") and denominator.get("ok")):
        return None
    return numerator["wall_seconds"] / denominator["wall_seconds"]


def ratio_cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}x"


def script_seconds(size: dict[str, Any] | None) -> dict[str, Any] | None:
    """The hand-written script's outputs (its monthly run, stages summed) as a run."""
    script = (size or {}).get("duckdb_script") or {}
    if not script.get("ok"):
        return None
    return {"ok": True, "wall_seconds": script["result"]["stages_seconds"]["total"]}


def per_customer(run: dict[str, Any] | None, rows: int) -> float | None:
    return run["wall_seconds"] / rows if run and run.get("ok") else None


def targets(results: dict[str, Any]) -> list[dict[str, str]]:
    """Every committed target with what was measured and whether it was met."""
    rows = []

    def add(text: str, measured: str, met: bool | str | None) -> None:
        verdict = "not measured" if met is None else ("**met**" if met else "**not met**")
        verdict = met if isinstance(met, str) else verdict
        rows.append({"target": text, "measured": measured, "verdict": verdict})

    by_rows = {size["rows"]: size for size in results.get("sizes", [])}
    big = by_rows.get(10_000_000) or {}
    for name, limit in (
        ("scoring", SCORING_10M_MAX_SCRIPT_RATIO),
        ("fit", FIT_10M_MAX_SCRIPT_RATIO),
    ):
        value = ratio(big.get(f"{name}_build"), script_seconds(big))
        add(
            f"10M: {name} build / hand-written script's outputs <= {limit:g}x",
            ratio_cell(value),
            None if value is None else value <= limit,
        )
    million = by_rows.get(1_000_000) or {}
    sklearn = million.get("peers", {}).get("sklearn")
    for name, least in (
        ("scoring", SKLEARN_1M_MIN_OVER_SCORING),
        ("fit", SKLEARN_1M_MIN_OVER_FIT),
    ):
        value = ratio(sklearn, million.get(f"{name}_build"))
        add(
            f"1M: scikit-learn peer / our {name} build >= {least:g}x",
            ratio_cell(value),
            None if value is None else value >= least,
        )
    value = ratio(results.get("seed_build_warm"), results.get("dbt_floor_warm"))
    add(
        f"warm shipped-seed build / dbt's warm one-model floor <= {WARM_SEED_MAX_FLOOR_RATIO:g}x",
        ratio_cell(value),
        None if value is None else value <= WARM_SEED_MAX_FLOOR_RATIO,
    )
    huge = by_rows.get(30_000_000) or {}
    for name in ("fit", "scoring"):
        run, base = huge.get(f"{name}_build"), big.get(f"{name}_build")
        if not run:
            add(
                f"30M: {name} build completes, peak <= 4 GB, s/customer <= 1.15x 10M's",
                "not run",
                None,
            )
            continue
        growth = None
        if per_customer(base, 10_000_000) and per_customer(run, 30_000_000):
            growth = per_customer(run, 30_000_000) / per_customer(base, 10_000_000)
        met = (
            bool(run.get("ok"))
            and run["peak_rss_bytes"] <= BUILD_30M_MAX_PEAK_BYTES
            and growth is not None
            and growth <= BUILD_30M_MAX_PER_CUSTOMER_RATIO
        )
        add(
            f"30M: {name} build completes, peak <= {BUILD_30M_MAX_PEAK_BYTES / 1e9:g} GB, "
            f"seconds per customer <= {BUILD_30M_MAX_PER_CUSTOMER_RATIO:g}x those at 10M",
            f"{run_cell(run)}; {ratio_cell(growth)} 10M's seconds per customer",
            met,
        )
    for rows_, label in ((1_000_000, "1M"), (10_000_000, "10M")):
        size = by_rows.get(rows_) or {}
        value = ratio(size.get("peers", {}).get("dbt_refit_warm"), size.get("scoring_build"))
        add(
            f"{label}: dbt refit peer (next build) / our scoring build > 1x",
            ratio_cell(value),
            None if value is None else value > 1.0,
        )
    seed = results.get("seed_build")
    add(
        "nodes in the shipped-seed build (reported; every contract still checked)",
        str(seed.get("node_count", "n/a")) if seed else "not run",
        "reported",
    )
    return rows


def render(results: dict[str, Any]) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(BENCH),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        seconds=seconds, size_bytes=size_bytes, run_cell=run_cell, silhouette=silhouette
    )
    environment.globals.update(ratio=ratio, ratio_cell=ratio_cell)
    notes = BENCH / "notes.md"
    return environment.get_template("BENCHMARKS.md.j2").render(
        results=results,
        sizes_by_rows={size["rows"]: size for size in results.get("sizes", [])},
        targets=targets(results),
        notes=notes.read_text() if notes.exists() else "",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=BENCH / "results.json")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    options = parser.parse_args(argv)
    options.out.write_text(render(json.loads(options.results.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
