"""Peer: the pandas + scikit-learn script a competent data scientist would write.

pandas ``read_parquet`` -> the 12 features -> ``StandardScaler`` -> ``KMeans`` for
K = 2..8 (``n_init=10``, fixed ``random_state``) with ``silhouette_score`` on a fixed-seed
20,000-row sample (``sample_size``, not the exact O(n^2) score) -> the best K's labels
for every customer -> ``PCA(2)``. Writes a JSON result (chosen K, silhouettes, stage
timings in seconds) to ``--result``. Compare with a fit build of the warehouse.

Usage: ``python bench/peer_sklearn.py --input customers.parquet --result out.json``
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
    frame = pd.read_parquet(args.input)
    features = frame[list(ATTRIBUTES)].astype("float64")
    features["spending_ratio"] = frame["MonthlySpending"] / frame["Income"]
    features["engagement_score"] = frame["AppUsageScore"] * 2 - frame["SupportCalls"]
    scaled = StandardScaler().fit_transform(features)
    stages["read_and_scale"] = time.perf_counter() - start

    start = time.perf_counter()
    silhouettes: dict[int, float] = {}
    models = {}
    for k in K_RANGE:
        model = KMeans(n_clusters=k, n_init=10, random_state=args.random_state).fit(scaled)
        models[k] = model
        silhouettes[k] = float(
            silhouette_score(
                scaled,
                model.labels_,
                sample_size=min(SILHOUETTE_SAMPLE, len(scaled)),
                random_state=args.random_state,
            )
        )
    best = max(silhouettes, key=lambda k: (silhouettes[k], -k))
    stages["kmeans_and_silhouette"] = time.perf_counter() - start

    start = time.perf_counter()
    labels = models[best].labels_
    coords = PCA(n_components=2, random_state=args.random_state).fit_transform(scaled)
    stages["labels_and_pca"] = time.perf_counter() - start
    result = {
        "rows": len(frame),
        "k": best,
        "silhouettes": silhouettes,
        "labelled": len(labels),
        "pca_rows": len(coords),
        "stages_seconds": stages,
        "total_seconds": sum(stages.values()),
    }
    Path(args.result).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
