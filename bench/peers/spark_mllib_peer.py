"""Peer 2: the same segmentation in Spark MLlib on a local Spark (``local[*]``).

``spark.read.parquet`` -> the 12 features as columns -> ``VectorAssembler`` ->
``StandardScaler(withMean=True, withStd=True)`` -> ``KMeans`` for K = 2..8 (fixed
``seed``) each scored by ``ClusteringEvaluator`` (Spark's silhouette, squared Euclidean,
on every row: it is O(n k), not O(n^2)) -> the best K's predictions for every customer
and ``PCA(k=2)``. The predictions are written to Parquet so the work is not skipped by
Spark's laziness. Needs the optional ``spark`` extra and Java 17.

Writes a JSON result (chosen K, silhouette per K, stage timings in seconds) to
``--result``.

Usage: ``python bench/peers/spark_mllib_peer.py --input customers.parquet --result out.json``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bank_segments.generator import ATTRIBUTES

K_RANGE = range(2, 9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="customers .parquet file")
    parser.add_argument("--result", required=True, help="JSON file to write on success")
    parser.add_argument("--random-state", type=int, default=42)
    parser.add_argument("--driver-memory", default="8g")
    args = parser.parse_args()

    from pyspark.ml.clustering import KMeans
    from pyspark.ml.evaluation import ClusteringEvaluator
    from pyspark.ml.feature import PCA, StandardScaler, VectorAssembler
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    stages: dict[str, float] = {}
    start = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[*]")
        .appName("bank_segments_mllib_peer")
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    stages["spark_start"] = time.perf_counter() - start

    start = time.perf_counter()
    frame = spark.read.parquet(args.input)
    columns = [F.col(name).cast("double").alias(name) for name in ATTRIBUTES]
    frame = frame.select(
        *columns,
        (F.col("MonthlySpending") / F.col("Income")).alias("spending_ratio"),
        (F.col("AppUsageScore") * 2 - F.col("SupportCalls")).alias("engagement_score"),
    )
    assembled = VectorAssembler(
        inputCols=[*ATTRIBUTES, "spending_ratio", "engagement_score"], outputCol="raw"
    ).transform(frame)
    scaler = StandardScaler(inputCol="raw", outputCol="features", withMean=True, withStd=True)
    scaled = scaler.fit(assembled).transform(assembled).select("features").cache()
    rows = scaled.count()
    stages["read_features_and_scale"] = time.perf_counter() - start

    evaluator = ClusteringEvaluator(featuresCol="features", predictionCol="prediction")
    silhouettes: dict[int, float] = {}
    models = {}
    for k in K_RANGE:
        start = time.perf_counter()
        models[k] = KMeans(k=k, seed=args.random_state, featuresCol="features").fit(scaled)
        stages[f"kmeans_k{k}"] = time.perf_counter() - start
        start = time.perf_counter()
        silhouettes[k] = float(evaluator.evaluate(models[k].transform(scaled)))
        stages[f"silhouette_k{k}"] = time.perf_counter() - start
    best_k = max(silhouettes, key=lambda k: silhouettes[k])

    start = time.perf_counter()
    pca = PCA(k=2, inputCol="features", outputCol="pca").fit(scaled)
    labelled = pca.transform(models[best_k].transform(scaled)).select("prediction", "pca")
    with tempfile.TemporaryDirectory() as folder:
        labelled.write.mode("overwrite").parquet(str(Path(folder) / "labels.parquet"))
    stages["pca_and_write_labels"] = time.perf_counter() - start
    spark.stop()

    result = {
        "rows": int(rows),
        "k": best_k,
        "silhouette": silhouettes[best_k],
        "silhouette_by_k": {str(k): value for k, value in silhouettes.items()},
        "stages_seconds": stages,
    }
    Path(args.result).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
