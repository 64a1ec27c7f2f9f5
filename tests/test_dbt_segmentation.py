"""The segmentation models inside a real `dbt build`: the demo, a fixed K, and no structure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from bank_segments.generator import ATTRIBUTES, ID_COLUMN, write_table
from tests.dbt_runner import DbtRun, run_dbt

PERSONA_IDS = {"premium_investors", "lifestyle_spenders", "credit_dependent", "growth_segment"}
SEGMENTATION = (
    "+customer_scores",
    "+segment_model_summary",
    "+segment_k_selection",
    "+segment_scaler",
)

#: (mean, sd, low, high, decimals) of independent normal attributes: no planted groups.
INDEPENDENT = {
    "Age": (50, 9, 18, 100, 0),
    "Income": (60_000, 12_000, 1_000, None, 2),
    "CreditScore": (650, 50, 300, 850, 0),
    "AccountTenure": (10, 3, 0, None, 1),
    "MonthlySpending": (3_000, 600, 0, None, 2),
    "TransactionFrequency": (40, 8, 0, None, 1),
    "AvgAccountBalance": (20_000, 4_000, 0, None, 2),
    "NumProducts": (5, 1.5, 1, None, 0),
    "AppUsageScore": (5, 1.5, 0, 10, 1),
    "SupportCalls": (6, 2, 0, None, 0),
}


def independent_customers(rows: int, seed: int) -> pa.Table:
    """Customers whose attributes are drawn independently of each other."""
    rng = np.random.default_rng(seed)
    columns: dict[str, pa.Array] = {ID_COLUMN: pa.array([f"N{i:06d}" for i in range(1, rows + 1)])}
    for attribute in ATTRIBUTES:
        mean, sd, low, high, decimals = INDEPENDENT[attribute]
        values = np.round(np.clip(rng.normal(mean, sd, rows), low, high), decimals)
        columns[attribute] = pa.array(values.astype(np.int64) if decimals == 0 else values)
    return pa.table(columns)


def table_rows(run: DbtRun, sql: str) -> list[tuple]:
    with run.connect() as con:
        return con.execute(sql).fetchall()


def build(workdir: Path, dbt_vars: dict | None = None) -> DbtRun:
    run = run_dbt(
        workdir,
        "build",
        "--select",
        *SEGMENTATION,
        # only tests whose every parent is selected: marts are not built here
        "--indirect-selection",
        "cautious",
        dbt_vars=dbt_vars,
    )
    assert run.returncode == 0, run.output[-4000:]
    return run


@pytest.fixture(scope="module")
def demo_segmentation(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    return build(tmp_path_factory.mktemp("segmentation_demo"))


def test_demo_finds_the_four_personas_once_each(demo_segmentation: DbtRun) -> None:
    (k, method, silhouette, verdict, unnamed) = table_rows(
        demo_segmentation,
        "select k, k_selection_method, silhouette, structure_verdict, unnamed_segments "
        "from segment_model_summary",
    )[0]
    assert (k, method, unnamed) == (4, "silhouette", 0)
    assert silhouette >= 0.35
    assert verdict in {"weak", "reasonable", "strong"}
    personas = table_rows(demo_segmentation, "select persona_id from segment_personas")
    assert sorted(p for (p,) in personas) == sorted(PERSONA_IDS)
    ks = table_rows(demo_segmentation, "select k from segment_k_selection order by k")
    assert [k for (k,) in ks] == list(range(2, 9))


def test_two_builds_give_identical_customer_scores(
    demo_segmentation: DbtRun, demo_build: DbtRun
) -> None:
    query = "select * exclude (model_version) from customer_scores order by customer_id"
    first = table_rows(demo_segmentation, query)
    assert len(first) == 1500
    assert first == table_rows(demo_build, query)


def test_fixed_segment_count_and_feature_vars(tmp_path: Path) -> None:
    features = [
        "age", "income", "credit_score", "account_tenure", "monthly_spending",
        "transaction_frequency", "avg_account_balance", "num_products", "app_usage_score",
        "support_calls", "spending_ratio",
    ]  # fmt: skip
    run = build(
        tmp_path,
        {
            "segment_count": 3,
            "k_max": 5,
            "segment_features": features,
            "log1p_features": ["avg_account_balance"],
        },
    )
    (k, method) = table_rows(run, "select k, k_selection_method from segment_model_summary")[0]
    assert (k, method) == (3, "fixed by segment_count")
    ks = table_rows(run, "select k from segment_k_selection order by k")
    assert [k for (k,) in ks] == [2, 3, 4, 5]
    personas = table_rows(run, "select persona_id, is_named from segment_personas")
    assert len(personas) == 3 and all(named for (_, named) in personas)
    assert {p for (p, _) in personas} <= PERSONA_IDS and len({p for (p, _) in personas}) == 3
    scaler = table_rows(run, "select feature, transform from segment_scaler order by 1")
    assert sorted(f for (f, _) in scaler) == sorted(features)
    assert dict(scaler)["avg_account_balance"] == "log1p"
    assert dict(scaler)["income"] == "none"


def test_data_without_structure_says_so(tmp_path: Path) -> None:
    path = write_table(independent_customers(2_000, seed=9), tmp_path / "independent.csv")
    run = build(tmp_path, {"customers_path": str(path)})
    (verdict,) = table_rows(run, "select structure_verdict from segment_model_summary")[0]
    assert verdict == "no substantial structure"
    warned = {
        result["unique_id"].split(".")[2] for result in run.results() if result["status"] == "warn"
    }
    assert "segment_model_summary_structure_is_at_least_reasonable" in warned


def test_identical_customers_get_one_segment_and_no_structure(tmp_path: Path) -> None:
    """Every customer the same: the constant features are dropped with a warning and the
    build stays green with one segment and the verdict 'no substantial structure'."""
    row = {attribute: INDEPENDENT[attribute][0] for attribute in ATTRIBUTES}
    table = pa.table(
        {
            ID_COLUMN: pa.array([f"S{i:04d}" for i in range(200)]),
            **{attribute: pa.array([value] * 200) for attribute, value in row.items()},
        }
    )
    path = write_table(table, tmp_path / "identical.csv")
    run = run_dbt(tmp_path, "build", dbt_vars={"customers_path": str(path)})
    assert run.returncode == 0, run.output[-4000:]
    assert "Traceback" not in run.output
    (k, verdict, dropped) = table_rows(
        run, "select k, structure_verdict, dropped_features from segment_model_summary"
    )[0]
    assert (k, verdict) == (1, "no substantial structure")
    assert "income" in dropped
    assert table_rows(run, "select count(distinct persona_id) from customer_segments") == [(1,)]
