"""Reference 1: the notebook a data scientist would write, run as its own process.

pandas ``read_parquet`` -> 12 features (the ten attributes, ``spending_ratio`` =
MonthlySpending / Income, ``engagement_score`` = AppUsageScore * 2 - SupportCalls) ->
``StandardScaler`` -> ``KMeans`` for K = 2..8 (scikit-learn defaults, fixed
``random_state``) with the exact ``silhouette_score`` on every row -> ``PCA(2)``.

The exact silhouette is O(n^2) in time, so ``bench/run.py`` runs this only under a
wall-clock cap and kills it there. On success it writes a JSON result (chosen K,
silhouette per K, stage timings in seconds) to ``--result``.

Usage: ``python bench/baseline.py --input customers.parquet --result out.json``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bank_segments.generator import ATTRIBUTES

K_RANGE = range(2, 9)


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
    frame = pd.read_parquet(args.input)
    stages["read_parquet"] = time.perf_counter() - start

    start = time.perf_counter()
    features = frame[list(ATTRIBUTES)].astype("float64")
    features["spending_ratio"] = frame["MonthlySpending"] / frame["Income"]
    features["engagement_score"] = frame["AppUsageScore"] * 2 - frame["SupportCalls"]
    scaled = StandardScaler().fit_transform(features)
    stages["features_and_scale"] = time.perf_counter() - start

    silhouettes: dict[int, float] = {}
    labels_by_k = {}
    for k in K_RANGE:
        start = time.perf_counter()
        labels = KMeans(n_clusters=k, random_state=args.random_state).fit_predict(scaled)
        stages[f"kmeans_k{k}"] = time.perf_counter() - start
        start = time.perf_counter()
        silhouettes[k] = float(silhouette_score(scaled, labels))
        stages[f"silhouette_k{k}"] = time.perf_counter() - start
        labels_by_k[k] = labels
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
