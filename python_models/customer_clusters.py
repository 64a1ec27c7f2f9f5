"""Each customer's cluster, distances to centroids and position on the 2-D PCA map."""

import numpy as np
import pyarrow as pa

from bank_segments.segment_models import (
    centroids_from_relation,
    read_features,
    scaler_from_relation,
)
from bank_segments.segmentation import Projection, assign


def model(dbt, session):
    scaler = scaler_from_relation(dbt.ref("segment_scaler"))
    ids, values = read_features(dbt.ref("int_customer_features"), scaler.features, with_ids=True)
    z_values = scaler.transform(values, out=values)
    centroids = centroids_from_relation(dbt.ref("segment_centroids"), scaler.features)
    assignment = assign(z_values, centroids)

    pca = dbt.ref("segment_pca_components").order("component, feature_index").fetchnumpy()
    d = len(scaler.features)
    projection = Projection(
        components=np.asarray(pca["loading"]).reshape(-1, d),
        explained_variance_ratio=np.asarray(pca["explained_variance_ratio"])[::d],
        mean=np.asarray(pca["centre_z"])[:d],
    )
    coords = projection.project(z_values)
    own = assignment.distance_to_centroid
    other = assignment.distance_to_nearest_other
    return pa.table(
        {
            "customer_id": ids,
            "cluster_id": pa.array(assignment.labels + 1, pa.int32()),
            "distance_to_centroid": pa.array(own, pa.float64()),
            "distance_to_nearest_other": pa.array(other, pa.float64()),
            "margin": pa.array(other - own, pa.float64()),
            "pca_1": pa.array(coords[:, 0], pa.float64()),
            "pca_2": pa.array(coords[:, 1], pa.float64()),
        }
    )
