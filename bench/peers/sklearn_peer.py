"""Peer 1: the segmentation a competent data scientist writes with pandas + scikit-learn.

pandas ``read_parquet`` -> the 12 features (the ten attributes, ``spending_ratio`` =
MonthlySpending / Income, ``engagement_score`` = AppUsageScore * 2 - SupportCalls) ->
``StandardScaler`` -> ``KMeans`` for K = 2..8 on all rows (scikit-learn defaults, fixed
``random_state``), each scored by ``silhouette_score`` on a fixed 20,000-row sample
(``sample_size=``, as scikit-learn documents for large data) -> the best K's labels for
every customer and ``PCA(2)`` coordinates. No validation, no tests, no tables: the
warehouse does more, so this is a fair lower bound for "the same answer in a notebook".

Writes a JSON result (chosen K, silhouette per K, stage timings in seconds) to
``--result``.

Usage: ``python bench/peers/sklearn_peer.py --input customers.parquet --result out.json``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bank_segments.generator import ATTRIBUTES

K_RANGE = range(2, 9)
SILHOUETTE_SAMPLE = 20_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="customers .parquet file")
    parser.add_argument("--result", required=True, help="JSON file to write on success")
    parser.add_argument("--random-state", type=int, default=42)
    args = parser.parse_args()

    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    stages: dict[str, float] = {}
    start = time.perf_counter()
    frame = pd.read_parquet(args.input, columns=list(ATTRIBUTES))
    stages["read_parquet"] = time.perf_counter() - start

    start = time.perf_counter()
    features = frame.astype("float64")
    features["spending_ratio"] = frame["MonthlySpending"] / frame["Income"]
    features["engagement_score"] = frame["AppUsageScore"] * 2 - frame["SupportCalls"]
    scaled = StandardScaler().fit_transform(features.to_numpy())
    stages["features_and_scale"] = time.perf_counter() - start

    silhouettes: dict[int, float] = {}
    models = {}
    sample = min(SILHOUETTE_SAMPLE, len(scaled))
    for k in K_RANGE:
        start = time.perf_counter()
        models[k] = KMeans(n_clusters=k, random_state=args.random_state).fit(scaled)
        stages[f"kmeans_k{k}"] = time.perf_counter() - start
        start = time.perf_counter()
        silhouettes[k] = float(
            silhouette_score(
                scaled, models[k].labels_, sample_size=sample, random_state=args.random_state
            )
        )
        stages[f"silhouette_k{k}"] = time.perf_counter() - start
    best_k = max(silhouettes, key=lambda k: silhouettes[k])

    start = time.perf_counter()
    PCA(n_components=2, random_state=args.random_state).fit_transform(scaled)
    stages["pca"] = time.perf_counter() - start

    result = {
        "rows": len(frame),
        "k": best_k,
        "silhouette": silhouettes[best_k],
        "silhouette_by_k": {str(k): value for k, value in silhouettes.items()},
        "stages_seconds": stages,
    }
    Path(args.result).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
