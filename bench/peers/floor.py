"""The floor of a scoring build: the least work that labels every customer.

A model is fitted first (not timed): ``KMeans`` at the given K on a fixed-seed
20,000-row sample of the standardized features. Then, timed: one DuckDB scan of the
12 features into NumPy (via Arrow), standardize with NumPy, and the nearest centroid
of every customer (squared distances to the K centroids). No validation, no tables,
no tests. ``bench/run.py`` divides the scoring build's wall time by this.

Writes a JSON result (stage timings in seconds) to ``--result``.

Usage: ``python bench/peers/floor.py --input customers.parquet --k 4 --result out.json``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

FEATURE_SQL = """
select
    cast(Age as double) as age,
    cast(Income as double) as income,
    cast(CreditScore as double) as credit_score,
    cast(AccountTenure as double) as account_tenure,
    cast(MonthlySpending as double) as monthly_spending,
    cast(TransactionFrequency as double) as transaction_frequency,
    cast(AvgAccountBalance as double) as avg_account_balance,
    cast(NumProducts as double) as num_products,
    cast(AppUsageScore as double) as app_usage_score,
    cast(SupportCalls as double) as support_calls,
    cast(MonthlySpending as double) / Income as spending_ratio,
    cast(AppUsageScore as double) * 2 - SupportCalls as engagement_score
from read_parquet(?)
"""
FIT_SAMPLE = 20_000
BLOCK_ROWS = 500_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="customers .parquet file")
    parser.add_argument("--k", type=int, required=True, help="number of clusters")
    parser.add_argument("--result", required=True, help="JSON file to write on success")
    parser.add_argument("--random-state", type=int, default=42)
    args = parser.parse_args()

    import duckdb
    import numpy as np
    from sklearn.cluster import KMeans

    query = FEATURE_SQL.replace("?", "'" + args.input.replace("'", "''") + "'")
    sample = duckdb.connect().sql(f"select * from ({query}) using sample {FIT_SAMPLE} rows")
    fit_values = np.column_stack(list(sample.fetchnumpy().values())).astype(np.float64)
    mean, std = fit_values.mean(axis=0), fit_values.std(axis=0)
    model = KMeans(n_clusters=args.k, n_init=1, random_state=args.random_state)
    centroids = model.fit((fit_values - mean) / std).cluster_centers_

    stages: dict[str, float] = {}
    start = time.perf_counter()
    table = duckdb.connect().sql(query).to_arrow_table()
    # One row-major (n, 12) float64 array, filled batch by batch.
    features = np.empty((table.num_rows, table.num_columns), dtype=np.float64)
    offset = 0
    for batch in table.to_batches():
        features[offset : offset + batch.num_rows] = batch.to_tensor(row_major=True).to_numpy()
        offset += batch.num_rows
    del table
    stages["duckdb_scan_to_numpy"] = time.perf_counter() - start

    start = time.perf_counter()
    features -= mean
    features /= std
    stages["standardize"] = time.perf_counter() - start

    start = time.perf_counter()
    labels = np.empty(len(features), dtype=np.int32)
    squared_norms = (centroids**2).sum(axis=1)
    for first in range(0, len(features), BLOCK_ROWS):
        block = features[first : first + BLOCK_ROWS]
        # |x - c|^2 = |x|^2 - 2 x.c + |c|^2; |x|^2 does not change the argmin.
        labels[first : first + len(block)] = np.argmin(
            squared_norms - 2.0 * block @ centroids.T, axis=1
        )
    stages["nearest_centroid"] = time.perf_counter() - start

    result = {
        "rows": int(features.shape[0]),
        "k": args.k,
        "customers_per_cluster": np.bincount(labels, minlength=args.k).tolist(),
        "stages_seconds": stages,
    }
    Path(args.result).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
