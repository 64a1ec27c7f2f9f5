"""Two principal components of the standardized features, for the 2-D customer map."""

import numpy as np
import pyarrow as pa

from bank_segments.segment_models import read_features, scaler_from_relation
from bank_segments.segmentation import fit_pca


def model(dbt, session):
    scaler = scaler_from_relation(dbt.ref("segment_scaler"))
    _, values = read_features(dbt.ref("int_customer_features"), scaler.features)
    projection = fit_pca(scaler.transform(values, out=values))
    n_components, d = projection.components.shape
    return pa.table(
        {
            "component": pa.array(np.repeat(np.arange(1, n_components + 1), d), pa.int32()),
            "explained_variance_ratio": pa.array(
                np.repeat(projection.explained_variance_ratio, d), pa.float64()
            ),
            "feature_index": pa.array(np.tile(np.arange(1, d + 1), n_components), pa.int32()),
            "feature": pa.array(list(scaler.features) * n_components, pa.string()),
            "loading": pa.array(projection.components.ravel(), pa.float64()),
            # The z-value mean the projection subtracts (about 0: z-values are centred).
            "centre_z": pa.array(np.tile(projection.mean, n_components), pa.float64()),
        }
    )
