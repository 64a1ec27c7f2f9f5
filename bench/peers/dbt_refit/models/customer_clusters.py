"""K-Means refitted on every customer at every build (the dbt segmentation starters).

Standardize the twelve features, fit scikit-learn's KMeans with a fixed K on all rows,
project onto two principal components; one row per customer. DuckDB hands the rows over
as Arrow (not pandas), which is what a competent author of this model would do.
"""

import numpy as np
import pyarrow as pa
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

FEATURES = [
    "age",
    "income",
    "credit_score",
    "account_tenure",
    "monthly_spending",
    "transaction_frequency",
    "avg_account_balance",
    "num_products",
    "app_usage_score",
    "support_calls",
    "spending_ratio",
    "engagement_score",
]


def model(dbt, session):
    n_clusters = int(dbt.config.get("n_clusters"))
    random_state = int(dbt.config.get("random_state"))
    customers = dbt.ref("stg_customers").select(", ".join(["customer_id", *FEATURES]))
    table = customers.to_arrow_table()
    matrix = np.column_stack([table.column(name).to_numpy() for name in FEATURES])
    scaled = StandardScaler().fit_transform(matrix)
    kmeans = KMeans(n_clusters=n_clusters, random_state=random_state).fit(scaled)
    position = PCA(n_components=2, random_state=random_state).fit_transform(scaled)
    return pa.table(
        {
            "customer_id": table.column("customer_id"),
            "cluster_id": pa.array(kmeans.labels_.astype(np.int32)),
            "pca_x": pa.array(position[:, 0]),
            "pca_y": pa.array(position[:, 1]),
        }
    )
