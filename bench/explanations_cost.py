"""What the per-customer explanations cost a scoring build (issue 27).

    python bench/explanations_cost.py [--rows 1000000] [--rounds 3] [--work-dir bench/out]

One fit build, then scoring builds of the same warehouse taken in turns: the whole
project, and the same build without the explanations folder
(``--exclude path:dbt_project/models/explanations``, which leaves out the view, the
borderline-reasons mart and their data tests): the build as it was before them. Taking
them in turns spreads the machine's drift over both. Prints one line per build and the
medians, and writes them as JSON (``--result``); nothing asserts a time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.measure import dbt_build
from bench.run import customers_file, load_average

EXPLANATIONS = "path:dbt_project/models/explanations"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work-dir", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--result", type=Path, default=None)
    options = parser.parse_args(argv)
    data = customers_file(options.rows, options.work_dir)
    run_dir = options.work_dir / f"explanations_n{options.rows}"
    load_at_start = load_average()
    fit = dbt_build("fit build", run_dir, customers=data, fresh=True, cap_seconds=None)
    if not fit["ok"]:
        print(f"fit build failed: see {fit['log']}", file=sys.stderr)
        return 1
    seconds: dict[str, list[float]] = {"with": [], "without": []}
    nodes: dict[str, int] = {}
    for number in range(options.rounds):
        for kind in ("without", "with") if number % 2 == 0 else ("with", "without"):
            build = dbt_build(
                f"scoring build {kind} explanations {number + 1}",
                run_dir,
                customers=data,
                fresh=False,
                cap_seconds=None,
                extra_args=["--exclude", EXPLANATIONS] if kind == "without" else [],
            )
            if not build["ok"]:
                print(f"scoring build failed: see {build['log']}", file=sys.stderr)
                return 1
            seconds[kind].append(build["wall_seconds"])
            nodes[kind] = build["node_count"]
    medians = {kind: statistics.median(values) for kind, values in seconds.items()}
    result = {
        "rows": options.rows,
        "rounds": options.rounds,
        "load_average_start": load_at_start,
        "load_average_end": load_average(),
        "seconds": seconds,
        "median_seconds": medians,
        "nodes": nodes,
        "ratio_with_to_without": medians["with"] / medians["without"],
    }
    print(json.dumps(result, indent=2))
    if options.result:
        options.result.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
