"""Final K-Means on all customers at the chosen K, started from the best sample fit."""

import numpy as np
import pyarrow as pa

from bank_segments.segment_models import read_features, scaler_from_relation
from bank_segments.segmentation import fit_final


def model(dbt, session):
    scaler = scaler_from_relation(dbt.ref("segment_scaler"))
    _, values = read_features(dbt.ref("int_customer_features"), scaler.features)
    chosen = (
        dbt.ref("segment_k_selection")
        .filter("is_chosen")
        .project("sample_centroids_z, random_state")
        .fetchall()
    )
    if len(chosen) != 1:
        raise ValueError(f"segment_k_selection must have one chosen K, found {len(chosen)}")
    initial, random_state = chosen[0]
    final = fit_final(
        scaler.transform(values, out=values), np.array(initial), random_state=random_state
    )
    k, d = final.centroids.shape
    original = scaler.inverse_transform(final.centroids)
    return pa.table(
        {
            "cluster_id": pa.array(np.repeat(np.arange(1, k + 1), d), pa.int32()),
            "feature_index": pa.array(np.tile(np.arange(1, d + 1), k), pa.int32()),
            "feature": pa.array(list(scaler.features) * k, pa.string()),
            "centroid_value": pa.array(original.ravel(), pa.float64()),
            "centroid_z": pa.array(final.centroids.ravel(), pa.float64()),
            "cluster_customers": pa.array(np.repeat(final.sizes, d), pa.int64()),
            "cluster_share": pa.array(np.repeat(final.sizes / final.sizes.sum(), d), pa.float64()),
        }
    )
