"""Reference 2: the floor -- the least work any K-Means segmentation of this data needs.

One DuckDB scan of the 12 features into NumPy (via Arrow), standardize in place with
NumPy, one scikit-learn ``KMeans`` fit at the given K (``n_init=1``, fixed
``random_state``). No K search, no silhouette, no tests, no marts. ``bench/run.py``
compares the dbt build against this: the ratio build/floor is the cost of the
warehouse around the maths. Writes a JSON result (stage timings in seconds) to
``--result``.

Usage: ``python bench/floor.py --input customers.parquet --k 4 --result out.json``
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

    stages: dict[str, float] = {}
    start = time.perf_counter()
    query = FEATURE_SQL.replace("?", "'" + args.input.replace("'", "''") + "'")
    table = duckdb.connect().sql(query).to_arrow_table()
    # One row-major (n, 12) float64 array, filled batch by batch: no column-wise stacking
    # of full-length copies (first-touch of fresh memory dominates at 10M rows).
    features = np.empty((table.num_rows, table.num_columns), dtype=np.float64)
    offset = 0
    for batch in table.to_batches():
        features[offset : offset + batch.num_rows] = batch.to_tensor(row_major=True).to_numpy()
        offset += batch.num_rows
    del table
    stages["duckdb_scan_to_numpy"] = time.perf_counter() - start

    start = time.perf_counter()
    features -= features.mean(axis=0)
    features /= np.sqrt(np.einsum("ij,ij->j", features, features) / len(features))
    stages["standardize"] = time.perf_counter() - start

    start = time.perf_counter()
    # copy_x=False: the array is already centred and not needed afterwards.
    model = KMeans(n_clusters=args.k, n_init=1, random_state=args.random_state, copy_x=False)
    model.fit(features)
    stages["kmeans_fit"] = time.perf_counter() - start

    result = {
        "rows": int(features.shape[0]),
        "k": args.k,
        "iterations": int(model.n_iter_),
        "stages_seconds": stages,
    }
    Path(args.result).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
