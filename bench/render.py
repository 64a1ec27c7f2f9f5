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

#: The targets the project committed to (issue 12).
SEED_BUILD_MAX_SECONDS = 12.0
FIT_BUILD_10M_MAX_SECONDS = 60.0
SCORING_10M_MAX_FLOOR_RATIO = 3.0
SCORING_10M_MAX_PEAK_BYTES = 3e9


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


def targets(results: dict[str, Any]) -> list[dict[str, str]]:
    """Every committed target with what was measured and whether it was met."""
    rows = []

    def add(text: str, measured: str, met: bool | None) -> None:
        verdict = "not measured" if met is None else ("**met**" if met else "**not met**")
        rows.append({"target": text, "measured": measured, "verdict": verdict})

    seed = results.get("seed_build")
    add(
        f"default `dbt build` on the shipped seed <= {SEED_BUILD_MAX_SECONDS:g} s",
        run_cell(seed),
        None if not seed else seed["ok"] and seed["wall_seconds"] <= SEED_BUILD_MAX_SECONDS,
    )
    by_rows = {size["rows"]: size for size in results.get("sizes", [])}
    big = by_rows.get(10_000_000)
    fit = big and big.get("fit_build")
    add(
        f"10M rows fit build <= {FIT_BUILD_10M_MAX_SECONDS:g} s",
        run_cell(fit),
        None if not fit else fit["ok"] and fit["wall_seconds"] <= FIT_BUILD_10M_MAX_SECONDS,
    )
    scoring = big and big.get("scoring_build")
    floor_ratio = ratio(scoring, big and big.get("floor"))
    add(
        f"10M rows scoring build <= {SCORING_10M_MAX_FLOOR_RATIO:g}x the floor",
        ratio_cell(floor_ratio),
        None if floor_ratio is None else floor_ratio <= SCORING_10M_MAX_FLOOR_RATIO,
    )
    add(
        f"10M rows scoring build peak memory <= {SCORING_10M_MAX_PEAK_BYTES / 1e9:g} GB",
        size_bytes(scoring["peak_rss_bytes"]) if scoring else "n/a",
        None
        if not scoring
        else scoring["ok"] and scoring["peak_rss_bytes"] <= SCORING_10M_MAX_PEAK_BYTES,
    )
    million = by_rows.get(1_000_000)
    for name in ("sklearn", "spark_mllib"):
        run = million and million["peers"].get(name)
        value = ratio(run, million and million.get("fit_build"))
        add(
            f"1M rows: our fit build faster than the {name} peer",
            "n/a" if value is None else f"peer takes {value:.1f}x our fit build",
            None if value is None else value > 1.0,
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
