"""Why each customer is where it is: customer_segment_explanations against NumPy.

The view splits each customer's squared margin d2(runner-up) - d2(own) into one exact
term per feature; bank_segments.segment_model.explain is the reference. The demo is
checked here; the 200k file in test_model_registry, and on Spark the demo and 200k
generated customers in test_spark.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from bank_segments.generator import generate_customers, write_table
from bank_segments.registry import model_from_registry_row
from bank_segments.segment_model import SegmentModel, explain
from tests.dbt_runner import DbtRun, run_dbt

REL = 1e-9


def active_model(con: duckdb.DuckDBPyConnection) -> SegmentModel:
    """The active version, rebuilt from its registry row."""
    registry = con.sql(
        "select * from segment_model_fit where model_version = "
        "(select model_version from segment_model_versions where is_active)"
    ).to_arrow_table()
    return model_from_registry_row(registry.to_pylist()[0])


def explanations_and_reference(run: DbtRun) -> tuple[pa.Table, object, list[str]]:
    """The view's rows by customer, explain() on the same customers, the features."""
    with run.connect() as con:
        model = active_model(con)
        segments = con.sql("select * from customer_segments order by customer_id")
        segments = segments.to_arrow_table()
        view = con.sql("select * from customer_segment_explanations order by customer_id")
        view = view.to_arrow_table()
    values = np.column_stack(
        [segments.column(f).to_numpy().astype(np.float64) for f in model.params.segment_features]
    )
    return view, explain(values, model), list(model.features)


def assert_explanations_match_python(run: DbtRun) -> None:
    """Every customer: same segment and runner-up, squared margin and every reason as
    NumPy, and the contributions add up to the squared margin within 1e-9 relative."""
    assert_view_matches(*explanations_and_reference(run))


def assert_view_matches(view: pa.Table, reference, features: list[str]) -> None:
    """The view's rows (by customer) against explain() on the same customers."""
    assert view.num_rows == len(reference.cluster_index) > 0
    assert np.array_equal(view.column("cluster_id").to_numpy(), reference.cluster_index + 1)
    assert np.array_equal(
        view.column("runner_up_cluster_id").to_numpy(), reference.runner_up_index + 1
    )
    margin = view.column("squared_margin").to_numpy()
    np.testing.assert_allclose(margin, reference.squared_margin, rtol=REL, atol=REL)
    total = view.column("contribution_sum").to_numpy()
    assert np.all(np.abs(total - margin) <= REL * np.maximum(1.0, np.abs(margin)))
    rows = np.arange(view.num_rows)
    for place in range(3):
        index = reference.reasons[:, place]
        want = [features[i] if i >= 0 else None for i in index]
        assert view.column(f"reason_{place + 1}_feature").to_pylist() == want
        got = np.array(view.column(f"reason_{place + 1}_contribution").to_pylist(), dtype=float)
        expected = np.where(index >= 0, reference.contributions[rows, index], np.nan)
        np.testing.assert_allclose(got, expected, rtol=REL, atol=REL)


def test_the_demo_explanations_equal_numpy(demo_build: DbtRun) -> None:
    assert_explanations_match_python(demo_build)


def test_reasons_are_ordered_positive_and_in_words(demo_build: DbtRun) -> None:
    view, reference, _ = explanations_and_reference(demo_build)
    first, second, third = (
        np.array(view.column(f"reason_{n}_contribution").to_pylist(), dtype=float)
        for n in (1, 2, 3)
    )
    # the largest first, and a feature that pulls toward the runner-up is never a reason
    assert np.all(first[~np.isnan(second)] >= second[~np.isnan(second)])
    assert np.all(second[~np.isnan(third)] >= third[~np.isnan(third)])
    assert np.nanmin(np.concatenate([first, second, third])) > 0
    negative = reference.contributions < 0
    for place in range(3):
        chosen = reference.reasons[:, place]
        assert not negative[np.arange(len(chosen))[chosen >= 0], chosen[chosen >= 0]].any()
    row = view.slice(0, 1).to_pylist()[0]
    assert row["reason_1_text"].startswith(row["reason_1_feature"].replace("_", " ") + " ")
    assert row["reason_1_text"].endswith(" than typical " + row["runner_up_persona_name"])
    assert any(word in row["reason_1_text"] for word in ("higher", "lower"))


def test_ties_go_to_the_feature_name_first(demo_build: DbtRun) -> None:
    """Two features with equal contributions: the one whose name sorts first leads."""
    import dataclasses

    with demo_build.connect() as con:
        model = active_model(con)
    names = list(model.features)
    first, second = names.index("income"), names.index("age")  # "age" sorts first
    centroids = np.zeros_like(model.centroids_z)
    centroids[1, [first, second]] = 2.0  # cluster 2 differs from 1 in these two only
    other = next(j for j in range(len(names)) if j not in (first, second))
    centroids[2:, other] = 10.0  # every further cluster is far away
    model = dataclasses.replace(model, centroids_z=centroids)
    z = np.zeros((1, len(names)))  # on cluster 1's centre: both terms are 2**2 - 0
    scaled = z * model.scaler.std + model.scaler.mean
    values = np.zeros((1, len(model.params.segment_features)))
    for j, name in enumerate(names):
        raw = np.expm1(scaled[0, j]) if model.scaler.log1p[j] else scaled[0, j]
        values[0, model.params.segment_features.index(name)] = raw
    reference = explain(values, model)
    contributions = reference.contributions[0]
    assert contributions[first] == pytest.approx(contributions[second]) == pytest.approx(4.0)
    assert [names[i] for i in reference.reasons[0, :2]] == ["age", "income"]
    assert reference.reasons[0, 2] == -1  # no third feature pulls toward cluster 1


@pytest.fixture(scope="module")
def borderline_build(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """1,500 customers with a wide low-confidence band: many borderline customers."""
    root = tmp_path_factory.mktemp("borderline")
    path = write_table(generate_customers(1_500, seed=9).customers, root / "c.parquet")
    run = run_dbt(
        root,
        "build",
        "--select",
        "+segment_borderline_reasons",
        "--indirect-selection",
        "cautious",
        dbt_vars={"customers_path": str(path), "low_confidence_margin": 3.0},
    )
    assert run.returncode == 0, run.output[-4000:]
    return run


def test_borderline_reasons_count_the_views_first_reasons(borderline_build: DbtRun) -> None:
    with borderline_build.connect() as con:
        mart = con.execute(
            "select persona_id, top_reason_feature, borderline_customers, reason_rank,"
            " share_of_segment_borderline from segment_borderline_reasons"
            " order by persona_id, reason_rank"
        ).fetchall()
        counted = con.execute(
            "select persona_id, coalesce(reason_1_feature, 'none'), count(*)"
            " from customer_segment_explanations where is_low_confidence"
            " group by 1, 2"
        ).fetchall()
    assert len(mart) > 3
    assert {(p, f): n for p, f, n, _, _ in mart} == {(p, f): n for p, f, n in counted}
    for persona in {row[0] for row in mart}:
        rows = [row for row in mart if row[0] == persona]
        assert [row[3] for row in rows] == list(range(1, len(rows) + 1))
        assert [row[2] for row in rows] == sorted((row[2] for row in rows), reverse=True)
        assert sum(row[4] for row in rows) == pytest.approx(1.0, rel=1e-12)
    assert_explanations_match_python(borderline_build)


def test_explanations_are_published_as_a_view(demo_build: DbtRun) -> None:
    with demo_build.connect_published() as con:
        kinds = dict(
            con.execute(
                "select table_name, table_type from information_schema.tables"
                " where table_schema = 'main' and table_name in"
                " ('customer_segment_explanations', 'segment_borderline_reasons')"
            ).fetchall()
        )
    assert kinds == {"customer_segment_explanations": "VIEW", "segment_borderline_reasons": "VIEW"}


def test_readme_asks_why_a_customer_is_in_its_segment() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## For SQL analysts", 1)[1].split("\n## ", 1)[0]
    assert "Why is this customer in this segment?" in section
    assert "customer_segment_explanations" in section
