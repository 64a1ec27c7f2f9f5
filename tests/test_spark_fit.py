"""`bank-segments fit --target spark`, the parts that need no Spark.

Argument handling, the fit parameters read from a rendered model config (the defaults of
dbt_project.yml, nothing repeated), version files and their numbering, and the one-line
errors. The Spark run itself is in tests/test_spark.py (marker `spark`).
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from bank_segments import spark_fit
from bank_segments.cli import main
from bank_segments.registry import (
    REGISTRY_SCHEMA,
    fit_registry_row,
    fit_sample_arrays,
    plan_build,
    registry_table,
)
from bank_segments.spark_fit import (
    FitArgs,
    build_command,
    fit_params,
    folder_versions,
    read_spark_sample,
    registry_glob,
    same_content,
    split_dbt_args,
    write_version,
)
from tests.project_defaults import project_params

REPO = Path(__file__).resolve().parents[1]
FIT_YML = REPO / "python_models" / "_python_models.yml"
NOW = dt.datetime(2026, 11, 24, 21, 0, tzinfo=dt.UTC)
PERSONAS = [
    {"persona_id": "savers", "persona_name": "Savers", "display_order": 1},
    {"persona_id": "spenders", "persona_name": "Spenders", "display_order": 2},
]
WEIGHTS = [
    {"persona_id": "savers", "feature": "avg_account_balance", "weight": 1.0},
    {"persona_id": "spenders", "feature": "monthly_spending", "weight": 1.0},
]


def test_vars_are_split_from_the_other_dbt_arguments() -> None:
    args = split_dbt_args(
        [
            "--vars",
            "{customers_path: c.parquet, k_max: 5}",
            "--threads",
            "2",
            "--vars={refit: true}",
        ]
    )
    assert args.dbt_vars == {"customers_path": "c.parquet", "k_max": 5, "refit": True}
    assert args.other == ("--threads", "2")
    assert split_dbt_args([]) == FitArgs({}, ())


@pytest.mark.parametrize(
    ("dbt_args", "message"),
    [
        (["--select", "x"], "--select is not accepted here"),
        (["-s", "x"], "-s is not accepted here"),
        (["--exclude", "x"], "--exclude is not accepted here"),
        (["--target", "dev"], "bank-segments fit --target NAME"),
        (["--vars"], "--vars needs a value"),
        (["--vars", "[1, 2]"], "--vars must be a mapping"),
        (["--vars", "{a: [1"], "is not YAML or JSON"),
    ],
)
def test_bad_dbt_arguments_are_one_clear_error(dbt_args: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        split_dbt_args(dbt_args)


def test_the_follow_up_build_imports_every_version_of_the_folder() -> None:
    args = split_dbt_args(["--vars", "{customers_path: in put.parquet}", "--threads", "2"])
    words = shlex.split(build_command("spark", args, "reg"))
    assert words[:4] == ["dbt", "build", "--target", "spark"]
    assert json.loads(words[words.index("--vars") + 1]) == {
        "customers_path": "in put.parquet",
        "segment_model_import_path": registry_glob("reg"),
    }
    assert words[-2:] == ["--threads", "2"]
    assert registry_glob("reg") == str(Path("reg") / "segment_model_*.parquet")


def _rendered_config(overrides: dict | None = None) -> dict[str, str]:
    """The fit config as dbt renders the yml: tojson of each var, defaults from the project."""
    declared = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]
    declared.update(overrides or {})
    keys = yaml.safe_load(FIT_YML.read_text())["models"][0]["config"]
    return {name: json.dumps(declared[name]) for name in keys if name in declared}


def test_fit_parameters_are_the_project_vars_read_from_the_model_config() -> None:
    declared = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]
    params = fit_params(_rendered_config().get)
    for name, value in params.as_dict().items():
        assert value == declared[name], name  # every FitParams field is a declared var
    changed = fit_params(_rendered_config({"k_max": 5, "fit_sample_size": None}).get)
    assert (changed.k_max, changed.fit_sample_size) == (5, None)
    # the values are taken as rendered: validate_vars() checked them in the dbt build the
    # command runs before it reads the config (test_model_registry: bad vars stop there)
    assert fit_params(_rendered_config({"k_max": "5e0"}).get).k_max == 5


def _sample(rows: int = 120, seed: int = 7):
    """Two well-separated groups of customers as the ordered sample's Arrow table."""
    rng = np.random.default_rng(seed)
    features = ("monthly_spending", "avg_account_balance")
    values = np.vstack([
        rng.normal([500, 20_000], [50, 2_000], size=(rows // 2, 2)),
        rng.normal([3_000, 2_000], [300, 200], size=(rows - rows // 2, 2)),
    ])  # fmt: skip
    import pyarrow as pa

    table = pa.table({
        "customer_id": [f"C{i:05d}" for i in range(rows)],
        "population_rows": [rows] * rows,
        features[0]: values[:, 0],
        features[1]: values[:, 1],
    })  # fmt: skip
    params = project_params(
        segment_features=tuple(features), k_max=3, stability_resamples=0, n_init=2
    )
    return table, params


def _fit_row(folder: Path | None = None, versions: list | None = None) -> dict:
    table, params = _sample()
    ids, values, population = fit_sample_arrays(table, params.segment_features)
    plan = plan_build(versions or [], params, refit=True, pinned=None, today="20261124")
    return fit_registry_row(
        ids, values, population, PERSONAS, WEIGHTS, params, plan,
        fitted_at=NOW, invocation_id="test",
    )  # fmt: skip


def test_a_version_file_is_one_registry_row_and_refits_number_after_it(tmp_path: Path) -> None:
    first = _fit_row()
    path = write_version(first, tmp_path)
    assert path.name == "segment_model_v0001-20261124.parquet"
    stored = pq.read_table(path)
    assert stored.schema.equals(REGISTRY_SCHEMA)
    assert stored.to_pylist() == registry_table([first]).to_pylist()
    versions = folder_versions(tmp_path)
    assert [row["model_version"] for row in versions] == ["v0001-20261124"]
    second = _fit_row(versions=versions)
    assert second["model_version"] == "v0002-20261124"
    # the same sample and parameters: the same fitted content
    assert second["content_hash"] == first["content_hash"]
    assert same_content(tmp_path, second["content_hash"]) == "v0001-20261124"
    with pytest.raises(ValueError, match="never overwritten"):
        write_version(first, tmp_path)


def test_a_foreign_parquet_file_in_the_folder_is_refused(tmp_path: Path) -> None:
    pq.write_table(
        registry_table([]).select(["model_version"]), tmp_path / "segment_model_x.parquet"
    )
    with pytest.raises(ValueError, match="not a segment model version"):
        folder_versions(tmp_path)


class _Frame:
    """Just enough of a Spark DataFrame for read_spark_sample: columns and an Arrow table."""

    def __init__(self, table) -> None:
        self.table, self.columns, self.ordered = table, table.column_names, None

    def selectExpr(self, *columns: str) -> _Frame:
        self.selected = columns
        return self

    def orderBy(self, *columns: str) -> _Frame:
        self.ordered = columns
        return self

    def toArrow(self):
        return self.table


class _Spark:
    def __init__(self, table) -> None:
        self.frame = _Frame(table)

    def table(self, relation: str) -> _Frame:
        assert relation == "bank_segments.segment_fit_sample"
        return self.frame


def test_the_spark_sample_is_read_in_sample_key_order_and_an_empty_one_names_the_table() -> None:
    table, params = _sample()
    table = table.append_column("sample_key", [list(range(table.num_rows))])
    spark = _Spark(table)
    ids, values, population = read_spark_sample(
        spark, "bank_segments.segment_fit_sample", params.segment_features
    )
    assert spark.frame.ordered == ("sample_key", "customer_id")
    assert "cast(`monthly_spending` as double) as `monthly_spending`" in spark.frame.selected
    assert len(ids) == population == values.shape[0] == 120
    with pytest.raises(ValueError, match=r"segment_fit_sample on Spark has no rows: "):
        read_spark_sample(
            _Spark(table.slice(0, 0)), "bank_segments.segment_fit_sample", params.segment_features
        )
    with pytest.raises(ValueError, match=r"var segment_features names \['age'\]"):
        read_spark_sample(spark, "bank_segments.segment_fit_sample", ("age",))


def test_without_spark_the_command_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(spark_fit, "spark_missing", lambda: ["Java", "pyspark"])
    assert main(["fit", "--target", "spark", "--out", "nowhere"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    assert "missing Java, pyspark" in err and "make install-spark" in err
