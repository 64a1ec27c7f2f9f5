"""Score K-Means for every K in k_min..k_max on a fixed-seed sample and choose K."""

import pyarrow as pa

from bank_segments.segment_models import config_int, read_features, scaler_from_relation
from bank_segments.segmentation import select_k, structure_verdict


def model(dbt, session):
    scaler = scaler_from_relation(dbt.ref("segment_scaler"))
    _, values = read_features(dbt.ref("int_customer_features"), scaler.features)
    random_state = config_int(dbt.config.get("random_state"), "random_state")
    n_init = config_int(dbt.config.get("n_init"), "n_init")
    selection = select_k(
        scaler.transform(values, out=values),
        config_int(dbt.config.get("k_min"), "k_min"),
        config_int(dbt.config.get("k_max"), "k_max"),
        segment_count=config_int(dbt.config.get("segment_count"), "segment_count"),
        random_state=random_state,
        n_init=n_init,
        fit_sample_size=config_int(dbt.config.get("fit_sample_size"), "fit_sample_size"),
        silhouette_sample_size=config_int(
            dbt.config.get("silhouette_sample_size"), "silhouette_sample_size"
        ),
    )
    scores = selection.scores
    return pa.table(
        {
            "k": pa.array([s.k for s in scores], pa.int32()),
            "silhouette": pa.array([s.silhouette for s in scores], pa.float64()),
            "davies_bouldin": pa.array([s.davies_bouldin for s in scores], pa.float64()),
            "calinski_harabasz": pa.array([s.calinski_harabasz for s in scores], pa.float64()),
            "inertia": pa.array([s.inertia for s in scores], pa.float64()),
            "smallest_cluster_share": pa.array(
                [s.smallest_cluster_share for s in scores], pa.float64()
            ),
            "structure_verdict": pa.array([structure_verdict(s.silhouette) for s in scores]),
            "fit_sample_size": pa.array([s.fit_sample_size for s in scores], pa.int64()),
            "silhouette_sample_size": pa.array(
                [s.silhouette_sample_size for s in scores], pa.int64()
            ),
            "is_chosen": pa.array([s.k == selection.chosen_k for s in scores]),
            "k_selection_method": pa.array([selection.method] * len(scores)),
            "random_state": pa.array([random_state] * len(scores), pa.int64()),
            "n_init": pa.array([n_init] * len(scores), pa.int32()),
            # Best sample fit per K (row = cluster before canonical ordering, column =
            # feature in segment_scaler order): the start of the final fit on all rows.
            "sample_centroids_z": pa.array(
                [s.centroids.tolist() for s in scores], pa.list_(pa.list_(pa.float64()))
            ),
        }
    )
