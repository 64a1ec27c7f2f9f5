"""The segment model registry inside real `dbt build`s: fit once, score in SQL, survive.

One warehouse goes through a customer's life: a first build fits v0001, a second build
on the same file scores, a file where half the customers are new is scored without a
refit, two refits add two versions with identical content, a pin scores with an old
version, and bad vars stop with one clear error without writing a version or touching
the marts and exports. SQL scoring is checked against the Python reference
(:func:`bank_segments.segment_model.score`) on the demo and on 200,000 customers.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from bank_segments.generator import generate_customers, write_table
from bank_segments.segment_model import score
from tests.dbt_runner import DbtRun, run_dbt
from tests.test_explanations import active_model, assert_explanations_match_python

EXPORTS = ("customer_segments", "segment_profiles")


def build(workdir: Path, database: Path, dbt_vars: dict | None = None, ok: bool = True) -> DbtRun:
    run = run_dbt(workdir, "build", dbt_vars=dbt_vars, database=database)
    if ok:
        assert run.returncode == 0, run.output[-4000:]
    return run


def rows(run: DbtRun, sql: str) -> list[tuple]:
    with run.connect() as con:
        return con.execute(sql).fetchall()


def segments(run: DbtRun) -> dict[str, str]:
    return dict(rows(run, "select customer_id, persona_id from customer_segments"))


def versions(run: DbtRun) -> list[tuple]:
    return rows(
        run,
        "select model_version, content_hash, is_active from segment_model_versions "
        "order by version_number",
    )


def assert_sql_scores_match_python(run: DbtRun) -> None:
    """customer_scores (SQL) equals score() (NumPy) on the stored active version.

    Same cluster for every customer (exact distance ties aside: none occur here);
    distances and PCA coordinates equal within 1e-9 relative, with an absolute 1e-9
    floor for values near zero where a relative bound means nothing.
    """
    with run.connect() as con:
        model = active_model(con)
        features = ", ".join(f'cast("{f}" as double) as "{f}"' for f in model.features)
        table = con.sql(
            f"select s.*, {features} from customer_scores as s "
            "join int_customer_features as f using (customer_id) order by customer_id"
        ).to_arrow_table()
    values = np.column_stack(
        [
            table.column(f).to_numpy() if f in model.features else np.zeros(table.num_rows)
            for f in model.params.segment_features
        ]
    )
    expected = score(values, model)
    assert np.array_equal(table.column("cluster_id").to_numpy(), expected.cluster_id)
    for column, want in (
        ("distance_to_centroid", expected.distance_to_centroid),
        ("distance_to_nearest_other", expected.distance_to_nearest_other),
        ("pca_1", expected.pca[:, 0]),
        ("pca_2", expected.pca[:, 1]),
    ):
        np.testing.assert_allclose(table.column(column).to_numpy(), want, rtol=1e-9, atol=1e-9)
    # the flag may differ only for a distance within rounding of its cluster's p99
    p99 = model.cluster_stats.distance_quantiles[expected.cluster_index, -1]
    at_cutoff = np.isclose(expected.distance_to_centroid, p99, rtol=1e-12, atol=0)
    outlier = table.column("is_outlier").to_numpy()
    assert np.array_equal(outlier[~at_cutoff], expected.is_outlier[~at_cutoff])
    low = table.column("is_low_confidence").to_numpy()
    assert np.array_equal(low, expected.margin < 0.5)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """File A: 2,000 customers. File B: half of A plus 1,000 customers A never had."""
    folder = tmp_path_factory.mktemp("registry_files")
    first = generate_customers(2_000, seed=21).customers
    newcomers = generate_customers(1_000, seed=22).customers
    ids = pa.array([f"NEW{i:06d}" for i in range(1_000)])
    newcomers = newcomers.set_column(0, newcomers.schema.field(0).name, ids)
    half = pa.concat_tables([first.slice(0, 1_000), newcomers])
    return {
        "a": write_table(first, folder / "a.csv"),
        "b": write_table(half, folder / "b.csv"),
    }


@dataclass
class Snapshot:
    """What one build left in the shared warehouse (later builds overwrite it)."""

    run: DbtRun
    action: str
    model_version: str
    segments: dict[str, str]
    versions: list[tuple]
    centroids: dict[str, list[float]]


def snapshot(run: DbtRun) -> Snapshot:
    summary = "select build_action, model_version from segment_model_summary"
    (action, version) = rows(run, summary)[0]
    centroids: dict[str, list[float]] = {}
    for model_version, value in rows(
        run,
        "select model_version, centroid_z from segment_model_centroids "
        "order by cluster_id, feature_index",
    ):
        centroids.setdefault(model_version, []).append(value)
    return Snapshot(run, action, version, segments(run), versions(run), centroids)


@pytest.fixture(scope="module")
def life(tmp_path_factory: pytest.TempPathFactory, files) -> dict[str, Snapshot]:
    folder = tmp_path_factory.mktemp("registry")
    database = folder / "warehouse.duckdb"
    a, b = {"customers_path": str(files["a"])}, {"customers_path": str(files["b"])}
    steps = [
        ("fit", a),
        ("score", a),
        ("half_new", b),
        ("refit_1", {**a, "refit": True}),
        ("refit_2", {**a, "refit": True}),
    ]
    states: dict[str, Snapshot] = {}
    for index, (name, dbt_vars) in enumerate(steps):
        states[name] = snapshot(build(folder / str(index), database, dbt_vars))
        if name == "fit":  # the warehouse of one fitted version, for registry_warehouse
            shutil.copyfile(database, folder / "fitted.duckdb")
            shutil.copytree(folder / "exports", folder / "fitted_exports")
    pinned = {**a, "model_version": states["fit"].model_version}
    states["pinned"] = snapshot(build(folder / "pinned", database, pinned))
    return states


def test_first_build_fits_and_second_scores(life) -> None:
    fit, again = life["fit"], life["score"]
    assert (fit.action, again.action) == ("fitted", "scored")
    assert len(again.versions) == 1
    assert again.segments == fit.segments
    assert again.model_version == fit.model_version == again.versions[0][0]
    fit_node = next(r for r in again.run.results() if r["unique_id"].endswith(".segment_model_fit"))
    assert fit_node["status"] == "success"


def test_half_new_customers_are_scored_without_refit(life) -> None:
    before, after = life["score"].segments, life["half_new"].segments
    assert len(life["half_new"].versions) == 1
    assert life["half_new"].action == "scored"
    assert len(after) == 2_000 and sum(c.startswith("NEW") for c in after) == 1_000
    kept = [c for c in after if c in before]
    assert len(kept) == 1_000
    assert {c: after[c] for c in kept} == {c: before[c] for c in kept}


def test_refits_add_versions_with_identical_content(life) -> None:
    state = life["refit_2"]
    assert state.action == "fitted"
    assert [v[2] for v in state.versions] == [False, False, True]
    assert len({v[1] for v in state.versions}) == 1, "same input and parameters, same content"
    assert [v[0][:5] for v in state.versions] == ["v0001", "v0002", "v0003"]
    first, *others = state.centroids.values()
    assert len(others) == 2 and all(other == first for other in others)  # bit-identical
    assert state.segments == life["score"].segments


def test_pinned_version_scores(life) -> None:
    state = life["pinned"]
    assert [v[2] for v in state.versions] == [True, False, False]
    assert (state.model_version, state.action) == (state.versions[0][0], "scored")
    assert rows(state.run, "select distinct model_version from customer_segments") == [
        (state.model_version,)
    ]
    assert state.segments == life["score"].segments


def test_sql_scoring_matches_python_on_a_file(life) -> None:
    assert_sql_scores_match_python(life["pinned"].run)


def test_sql_scoring_matches_python_on_the_demo(demo_build: DbtRun) -> None:
    assert_sql_scores_match_python(demo_build)
    assert rows(demo_build, "select count(*) from customer_scores") == [(1500,)]


@pytest.fixture(scope="module")
def registry_warehouse(tmp_path_factory: pytest.TempPathFactory, life) -> tuple[Path, Path]:
    """A warehouse with one fitted version and published exports: a copy of what the
    first build of ``life`` (file A, nothing fitted before) left."""
    fitted = life["fit"].run.database.parent
    folder = tmp_path_factory.mktemp("bad_vars")
    database = folder / "warehouse.duckdb"
    shutil.copyfile(fitted / "fitted.duckdb", database)
    shutil.copytree(fitted / "fitted_exports", folder / "exports")
    return folder, database


@pytest.mark.parametrize(
    ("dbt_vars", "message"),
    [
        (
            {"model_version": "v0042-20260101"},
            'var model_version = "v0042-20260101" is not a fitted version; known: v0001-',
        ),
        ({"refit": True, "k_min": 5, "k_max": 3}, "var k_min = 5 is above k_max = 3"),
        (
            {"refit": True, "fit_sample_size": -5},
            "var fit_sample_size = -5 is below 2",
        ),
        (
            {"segment_features": ["age", "income", "credit_score"]},
            "differ from active version .*refit: true",
        ),
        ({"log1p_features": ["income"]}, r'log1p_features: vars \["income"\] vs version \[\]'),
    ],
)
def test_bad_vars_stop_without_a_version(registry_warehouse, files, dbt_vars, message) -> None:
    import re

    folder, database = registry_warehouse
    exports = database.parent / "exports"
    before = {name: (exports / f"{name}.parquet").read_bytes() for name in EXPORTS}
    with pa_connect(database) as con:
        marts_before = con.execute("select count(*), min(model_version) from customer_segments")
        marts_before = marts_before.fetchall()
    run = build(folder / "bad", database, {"customers_path": str(files["a"]), **dbt_vars}, ok=False)
    assert run.returncode != 0
    assert re.search(message, run.output), run.output[-3000:]
    assert "Traceback" not in run.output  # one line, before anything runs
    with run.connect() as con:
        assert con.execute("select count(*) from segment_model_fit").fetchone() == (1,)
        after = con.execute("select count(*), min(model_version) from customer_segments")
        assert after.fetchall() == marts_before
    assert {name: (exports / f"{name}.parquet").read_bytes() for name in EXPORTS} == before


def pa_connect(database: Path):
    import duckdb

    return duckdb.connect(str(database), read_only=True)


@pytest.mark.large
def test_sql_scoring_matches_python_on_200k_customers(tmp_path: Path) -> None:
    """200,000 generated customers: the fit sample is every row (the default 200,000);
    every customer's SQL score equals the NumPy reference."""
    path = write_table(generate_customers(200_000, seed=31).customers, tmp_path / "c.parquet")
    run = run_dbt(
        tmp_path,
        "build",
        "--select",
        "+customer_scores",
        "+customer_segment_explanations",
        "--indirect-selection",
        "cautious",
        dbt_vars={"customers_path": str(path)},
    )
    assert run.returncode == 0, run.output[-4000:]
    assert rows(run, "select fit_sample_rows, training_rows from segment_model_versions") == [
        (200_000, 200_000)
    ]
    assert_sql_scores_match_python(run)
    # every customer's explanation: the contributions add up to the squared margin
    assert_explanations_match_python(run)
