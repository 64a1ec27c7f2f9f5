"""Fit build vs scoring build at one size, beside the pandas + scikit-learn peer.

1. ``dbt build`` into a fresh warehouse: the build fits model version v0001 (on the
   fixed-seed sample of ``fit_sample_size`` rows) and scores every customer in SQL;
2. ``dbt build`` again on the same warehouse and file: the build scores only;
3. ``bench/peer_sklearn.py`` on the same file (KMeans K = 2..8, silhouette on a 20k
   sample, labels and PCA for every customer).

Prints one JSON object: wall seconds and peak memory of each, the time of the nodes
``segment_model_fit`` and ``customer_scores`` in each build, and peer / build ratios.
Usage: ``python bench/model_builds.py --rows 1000000 [--work-dir bench/out]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (  # bench/run.py, a script beside this one
    REPO,
    customers_file,
    dbt_executable,
    measure,
    parse_run_results,
    run_build,
)

NODES = ("segment_model_fit", "customer_scores", "customer_segments")


def node_seconds(run_dir: Path) -> dict[str, float]:
    nodes, _ = parse_run_results(run_dir / "target" / "run_results.json")
    return {
        node.unique_id.split(".")[-1]: round(node.execution_time, 2)
        for node in nodes
        if node.unique_id.split(".")[-1] in NODES and node.unique_id.startswith("model.")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--work-dir", default=str(REPO / "bench" / "out"))
    args = parser.parse_args()
    work = Path(args.work_dir)
    customers = customers_file(args.rows, work)
    run_dir = work / f"model_n{args.rows}"

    fit = run_build(f"fit n={args.rows}", args.rows, customers, run_dir, cap_seconds=None)
    fit_nodes = node_seconds(run_dir)
    command = [
        dbt_executable(),
        "build",
        "--vars",
        json.dumps({"customers_path": str(customers)}),
        "--target-path",
        str(run_dir / "target"),
        "--log-path",
        str(run_dir / "logs"),
    ]
    env = {**os.environ, "BANK_SEGMENTS_DB": str(run_dir / "warehouse.duckdb")}
    score = measure(command, run_dir / "dbt_build_score.log", env=env)
    score_nodes = node_seconds(run_dir)
    peer = measure(
        [
            sys.executable,
            str(REPO / "bench" / "peer_sklearn.py"),
            "--input",
            str(customers),
            "--result",
            str(run_dir / "peer.json"),
        ],
        run_dir / "peer.log",
    )
    result = {
        "rows": args.rows,
        "load_average_1m": os.getloadavg()[0],
        "fit_build": {
            "ok": fit.ok,
            "wall_seconds": round(fit.measurement.wall_seconds, 1),
            "peak_gb": round(fit.measurement.peak_rss_bytes / 1e9, 2),
            "nodes": fit_nodes,
        },
        "score_build": {
            "ok": score.ok,
            "wall_seconds": round(score.wall_seconds, 1),
            "peak_gb": round(score.peak_rss_bytes / 1e9, 2),
            "nodes": score_nodes,
        },
        "peer_sklearn": {
            "ok": peer.ok,
            "wall_seconds": round(peer.wall_seconds, 1),
            "peak_gb": round(peer.peak_rss_bytes / 1e9, 2),
        },
    }
    if peer.ok and fit.ok:
        result["peer_over_fit_build"] = round(peer.wall_seconds / fit.measurement.wall_seconds, 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
