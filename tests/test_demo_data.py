"""The demo data carries the structure it claims, measured in the warehouse the demo builds.

The correlation criteria are read from eda_correlations / eda_findings of a real
`dbt build`, so they check the SQL too, not just the generator. The clustering
criterion is a plain scikit-learn run, independent of the project's clustering code.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from bank_segments.generator import DEFAULT_SEGMENT_FEATURES as CLUSTER_FEATURES
from tests.dbt_runner import DbtRun


def _pearson_r(run: DbtRun, x: str, y: str) -> float:
    with run.connect() as con:
        rows = con.execute(
            "select pearson_r from eda_correlations"
            " where (feature_x, feature_y) in (($1, $2), ($2, $1))",
            [x, y],
        ).fetchall()
    assert len(rows) == 1, (x, y, rows)
    return rows[0][0]


def test_income_does_not_drive_savings(demo_build: DbtRun) -> None:
    assert abs(_pearson_r(demo_build, "income", "avg_account_balance")) < 0.5


@pytest.mark.parametrize(
    ("x", "y", "at_most"),
    [
        ("support_calls", "credit_score", -0.3),
        ("support_calls", "avg_account_balance", -0.2),
        ("age", "app_usage_score", -0.3),
    ],
)
def test_planted_negative_correlations(demo_build: DbtRun, x: str, y: str, at_most: float) -> None:
    assert _pearson_r(demo_build, x, y) <= at_most


def test_older_customers_hold_higher_balances(demo_build: DbtRun) -> None:
    assert _pearson_r(demo_build, "age", "avg_account_balance") >= 0.2


def test_every_eda_finding_is_supported(demo_build: DbtRun) -> None:
    with demo_build.connect() as con:
        findings = con.execute(
            "select finding_id, statistic_value, supported, n from eda_findings"
        ).fetchall()
    assert len(findings) == 5
    assert [f for f in findings if not f[2]] == []
    assert {f[3] for f in findings} == {1500}


def test_kmeans_silhouette_picks_four_clear_clusters(demo_build: DbtRun) -> None:
    with demo_build.connect() as con:
        columns = con.execute(
            f"select {', '.join(CLUSTER_FEATURES)} from int_customer_features"
            " order by source_row_number"
        ).fetchnumpy()
    features = np.column_stack([columns[name] for name in CLUSTER_FEATURES]).astype(float)
    scaled = StandardScaler().fit_transform(features)

    silhouettes = {
        k: silhouette_score(
            scaled, KMeans(n_clusters=k, n_init=10, random_state=42).fit_predict(scaled)
        )
        for k in range(2, 9)
    }

    best_k = max(silhouettes, key=silhouettes.get)
    runner_up = max(score for k, score in silhouettes.items() if k != best_k)
    assert best_k == 4, silhouettes
    assert silhouettes[4] >= 0.35, silhouettes
    assert silhouettes[4] - runner_up >= 0.03, silhouettes
