"""``bank-segments fit --target spark``: fit a segment model version through Spark.

dbt-spark runs dbt Python models only on Databricks, so on any other Spark the registry
model ``segment_model_fit`` imports versions from Parquet files. This command makes such
a file without DuckDB, in one process (the embedded Derby metastore admits one):

1. ``dbt parse`` with the Spark target and the user's dbt arguments; the fit parameters
   are read from the config of the ``segment_model_fit`` node, which the yml renders from
   the dbt vars exactly as for the Python model on DuckDB (no default repeated here);
2. ``dbt build --select +segment_fit_sample personas persona_signature_weights``
   (staging, features, the fixed-seed sample and their tests) on Spark;
3. the sample and the persona seeds are read through the same ``SparkSession`` as Arrow
   (``DataFrame.toArrow()``), ordered by the Spark sample key, and fitted with
   :func:`bank_segments.registry.fit_registry_row`, the Python model's own path;
4. the version is written as ``<out>/segment_model_<version>.parquet`` (the registry
   format of ``bank-segments model export``), numbered after every version already in
   the folder or in the Spark registry table;
5. with ``--build``, ``dbt build --target spark`` runs in the same session with
   ``segment_model_import_path`` set to every file of the folder (a glob), so the Spark
   registry keeps the earlier versions and scores with the newest; otherwise the exact
   command is printed.

Errors are ``ValueError`` with one line saying what is wrong and the fix.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import shlex
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bank_segments.fit_params import FitParams

FIT_NODE = "model.bank_segments.segment_model_fit"
SAMPLE_NODE = "model.bank_segments.segment_fit_sample"
PERSONA_SEEDS = ("personas", "persona_signature_weights")
#: A version file's name; the folder's glob is what the Spark registry imports.
FILE_PREFIX = "segment_model_"
#: dbt arguments the command sets itself.
RESERVED_ARGS = {
    "--select": "the command selects +segment_fit_sample and the persona seeds itself",
    "-s": "the command selects +segment_fit_sample and the persona seeds itself",
    "--models": "the command selects +segment_fit_sample and the persona seeds itself",
    "-m": "the command selects +segment_fit_sample and the persona seeds itself",
    "--exclude": "the fit needs every node upstream of segment_fit_sample",
    "--target": "give the target as `bank-segments fit --target NAME`",
    "-t": "give the target as `bank-segments fit --target NAME`",
}
INSTALL_HINT = "run `make install-spark` (and install Java 17, e.g. openjdk-17-jre-headless)"


def spark_missing() -> list[str]:
    """What the local Spark engine lacks (empty when Java, pyspark and dbt-spark are there)."""
    java_home = os.environ.get("JAVA_HOME")
    has_java = shutil.which("java") or (java_home and Path(java_home, "bin", "java").exists())
    found = {
        "Java": has_java,
        "pyspark": importlib.util.find_spec("pyspark"),
        "dbt-spark": importlib.util.find_spec("dbt.adapters.spark"),
    }
    return [name for name, present in found.items() if not present]


@dataclass(frozen=True)
class FitArgs:
    """The user's dbt arguments, split: ``--vars`` as a mapping, the rest unchanged."""

    dbt_vars: dict[str, Any]
    other: tuple[str, ...]


def split_dbt_args(dbt_args: Sequence[str]) -> FitArgs:
    """Separate ``--vars`` (YAML or JSON) from the other dbt arguments; refuse reserved ones."""
    import yaml

    dbt_vars: dict[str, Any] = {}
    other: list[str] = []
    args = list(dbt_args)
    index = 0
    while index < len(args):
        arg = args[index]
        name = arg.split("=", 1)[0]
        if name in RESERVED_ARGS:
            raise ValueError(f"{name} is not accepted here: {RESERVED_ARGS[name]}")
        if name == "--vars":
            if "=" in arg:
                text = arg.split("=", 1)[1]
            elif index + 1 < len(args):
                index += 1
                text = args[index]
            else:
                raise ValueError("--vars needs a value, e.g. --vars '{customers_path: c.parquet}'")
            try:
                loaded = yaml.safe_load(text)
            except yaml.YAMLError as error:
                problem = str(error).splitlines()[0]
                raise ValueError(f"--vars {text!r} is not YAML or JSON: {problem}") from None
            if loaded is not None and not isinstance(loaded, dict):
                raise ValueError(f"--vars must be a mapping, e.g. '{{refit: true}}', got {text!r}")
            dbt_vars.update(loaded or {})
        else:
            other.append(arg)
        index += 1
    return FitArgs(dbt_vars=dbt_vars, other=tuple(other))


def registry_glob(folder: str | Path) -> str:
    """The import path of every version file in ``folder`` (Spark reads globs)."""
    return str(Path(folder) / f"{FILE_PREFIX}*.parquet")


def build_args(target: str, fit_args: FitArgs, folder: str | Path) -> list[str]:
    """The follow-up ``dbt build`` arguments: the user's, with the folder's versions imported."""
    dbt_vars = {**fit_args.dbt_vars, "segment_model_import_path": registry_glob(folder)}
    return ["build", "--target", target, "--vars", json.dumps(dbt_vars), *fit_args.other]


def build_command(target: str, fit_args: FitArgs, folder: str | Path) -> str:
    """The follow-up build as one shell command line."""
    return shlex.join(["dbt", *build_args(target, fit_args, folder)])


def folder_versions(folder: str | Path) -> list[dict[str, Any]]:
    """Registry rows (version columns only) of the version files already in ``folder``."""
    import pyarrow.parquet as pq

    from bank_segments.registry import REGISTRY_SCHEMA

    wanted = ["model_version", "version_number", "segment_features", "log1p_features"]
    rows: list[dict[str, Any]] = []
    for path in sorted(Path(folder).glob(f"{FILE_PREFIX}*.parquet")):
        try:
            names = pq.read_schema(path).names
        except (OSError, ValueError) as error:
            raise ValueError(f"{path}: not a readable Parquet file ({error})") from None
        missing = [name for name in REGISTRY_SCHEMA.names if name not in names]
        if missing:
            raise ValueError(
                f"{path}: not a segment model version (no column {missing[0]}); move it out "
                f"of {folder}, which holds only `bank-segments model export` / fit files"
            )
        rows.extend(pq.read_table(path, columns=wanted).to_pylist())
    return rows


def write_version(row: dict[str, Any], folder: str | Path) -> Path:
    """Write one registry row as ``folder/segment_model_<version>.parquet``; never overwrite."""
    import pyarrow.parquet as pq

    from bank_segments.registry import registry_table

    path = Path(folder) / f"{FILE_PREFIX}{row['model_version']}.parquet"
    if path.exists():
        raise ValueError(f"{path} exists already; versions are never overwritten")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    pq.write_table(registry_table([row]), partial)
    partial.replace(path)
    return path


def fit_params(config_get: Callable[[str, Any], Any]) -> FitParams:
    """:class:`FitParams` from the ``segment_model_fit`` node's config (``node.config.get``).

    The yml renders every fit var into that config on every target (on Spark into the
    SQL node of the same name), so the values, and their defaults in dbt_project.yml,
    are the ones the Python model reads on DuckDB.
    """
    from bank_segments.fit_params import fit_params_from_config

    return fit_params_from_config(config_get)


@dataclass(frozen=True)
class SparkFit:
    """What ``fit_on_spark`` did: the file written and the row in it."""

    path: Path
    row: dict[str, Any]
    identical_to: str | None
    build_command: str
    built: bool


def _spark_rows(spark: Any, relation: str) -> list[dict[str, Any]]:
    return spark.table(relation).toArrow().to_pylist()


def fit_on_spark(
    target: str,
    dbt_args: Sequence[str],
    out: str | Path,
    *,
    build: bool = False,
    now: dt.datetime | None = None,
    say: Callable[[str], None] = print,
) -> SparkFit:
    """Build the sample on Spark, fit it, write the version, optionally build the project.

    See the module docstring. ``dbt_args`` are passed to every dbt invocation (``--vars``
    merged); ``out`` is the folder of version files (the Spark registry's import glob).
    """
    missing = spark_missing()
    if missing:
        raise ValueError(
            f"local Spark is not installed (missing {', '.join(missing)}): {INSTALL_HINT}"
        )
    fit_args = split_dbt_args(dbt_args)
    # the folder first: a foreign file should stop the command before any build
    versions = folder_versions(out)
    vars_args = ["--vars", json.dumps(fit_args.dbt_vars)] if fit_args.dbt_vars else []
    common = ["--target", target, *vars_args, *fit_args.other]

    from dbt.cli.main import dbtRunner

    parsed = dbtRunner().invoke(["parse", *common])
    if not parsed.success or parsed.result is None:
        raise ValueError(f"`dbt parse --target {target}` failed (dbt's log above says why)")
    manifest = parsed.result
    node = manifest.nodes.get(FIT_NODE)
    if node is None or node.language != "sql":
        raise ValueError(
            f"target {target!r} is not a Spark target (segment_model_fit fits in the "
            "warehouse there): use `bank-segments build --vars '{refit: true}'`"
        )
    select = ["--select", "+segment_fit_sample", *PERSONA_SEEDS]
    # cautious: no test that also needs a node outside the selection (not built yet)
    selection = [*select, "--indirect-selection", "cautious"]
    built = dbtRunner(manifest=manifest).invoke(["build", *common, *selection])
    if not built.success:
        raise ValueError(
            f"`dbt build --target {target} --select +segment_fit_sample` failed (dbt's "
            "output above names the node); nothing was fitted"
        )
    # read after the build: its on-run-start (validate_vars) checked every var
    params = fit_params(node.config.get)
    from dbt_common.invocation import get_invocation_id

    # the build that made the sample (its run_results.json carries the same id)
    invocation_id = get_invocation_id()

    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    sample_relation = manifest.nodes[SAMPLE_NODE].relation_name
    ids, values, population = read_spark_sample(spark, sample_relation, params.segment_features)
    seeds = {
        name: _spark_rows(spark, manifest.nodes[f"seed.bank_segments.{name}"].relation_name)
        for name in PERSONA_SEEDS
    }
    fit_relation = node.relation_name
    known = {row["model_version"] for row in versions}
    if spark.catalog.tableExists(fit_relation):
        in_table = spark.table(fit_relation).select(
            "model_version", "version_number", "segment_features", "log1p_features"
        )
        outside = [
            row for row in in_table.toArrow().to_pylist() if row["model_version"] not in known
        ]
        if outside:
            names = ", ".join(sorted(row["model_version"] for row in outside))
            say(
                f"bank-segments fit: warning: {fit_relation} holds {names}, not in {out}; "
                f"the follow-up build imports only {registry_glob(out)}"
            )
        versions = versions + outside

    from bank_segments.registry import fit_registry_row, plan_build

    now = now or dt.datetime.now(dt.UTC)
    # a fit always makes a new version; var model_version pins what the build scores with
    plan = plan_build(versions, params, refit=True, pinned=None, today=now.strftime("%Y%m%d"))
    row = fit_registry_row(
        ids,
        values,
        population,
        seeds["personas"],
        seeds["persona_signature_weights"],
        params,
        plan,
        fitted_at=now,
        invocation_id=str(invocation_id),
    )
    identical = same_content(out, row["content_hash"])
    path = write_version(row, out)
    command = build_command(target, fit_args, out)
    if build:
        done = dbtRunner().invoke(build_args(target, fit_args, out))
        if not done.success:
            raise ValueError(
                f"version {row['model_version']} was written to {path}, but the follow-up "
                f"`dbt build --target {target}` failed (dbt's output above names the node)"
            )
    return SparkFit(path, row, identical, command, build)


def read_spark_sample(spark: Any, relation: str, features: Sequence[str]):
    """Ids, values and population of ``segment_fit_sample`` on Spark, in sample order."""
    from bank_segments.registry import ID_COLUMN, check_sample_columns, fit_sample_arrays

    frame = spark.table(relation)
    check_sample_columns(frame.columns, features)
    columns = [
        f"cast({ID_COLUMN} as string) as {ID_COLUMN}",
        "population_rows",
        "sample_key",
        *(f"cast(`{name}` as double) as `{name}`" for name in features),
    ]
    table = frame.selectExpr(*columns).orderBy("sample_key", ID_COLUMN).toArrow()
    empty = (
        f"{relation} on Spark has no rows: int_customer_features holds no valid customer "
        "(every input row was quarantined, see stg_customers__rejected, or the input is "
        "empty), so there is nothing to fit"
    )
    return fit_sample_arrays(table, features, empty_message=empty)


def same_content(folder: str | Path, content_hash: str) -> str | None:
    """The version in ``folder`` with this ``content_hash`` already, if any."""
    import pyarrow.parquet as pq

    for path in sorted(Path(folder).glob(f"{FILE_PREFIX}*.parquet")):
        table = pq.read_table(path, columns=["model_version", "content_hash"])
        for row in table.to_pylist():
            if row["content_hash"] == content_hash:
                return str(row["model_version"])
    return None
