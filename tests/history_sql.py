"""Render a draft dbt model of the history folder as plain SQL and run it in DuckDB.

This renders their Jinja with stand-ins (``ref`` -> a table name, ``var`` and
``bank_var`` -> an override or the default declared in dbt_project.yml, ``config`` and
``cross_db_snapshot_config`` -> nothing, ``is_incremental()`` -> false; the project's
macros of :data:`MACRO_FILES` as they are) so pytest can check
their SQL logic against small hand-made tables without a dbt build.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pyarrow as pa
import yaml

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "dbt_project" / "models" / "history"
DECLARED_VARS: dict[str, Any] = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]


#: The project's macro files the history models call, loaded as they are (DuckDB's
#: default__ implementations through a stand-in of adapter.dispatch).
MACRO_FILES = (
    ROOT / "dbt_project" / "macros" / "segment_model.sql",
    ROOT / "dbt_project" / "macros" / "cross_db" / "aggregates.sql",
    ROOT / "dbt_project" / "macros" / "cross_db" / "plans.sql",
    ROOT / "dbt_project" / "macros" / "cross_db" / "functions.sql",
)


class _Return(Exception):  # dbt's return(): carries a macro's value out of it
    def __init__(self, value: Any) -> None:
        self.value = value


def _return(value: Any) -> None:
    raise _Return(value)


def _macros(environment: jinja2.Environment) -> None:
    """Put the project's macros into ``environment``'s globals, each returning its
    ``return(...)`` value (or its rendered text) as dbt's macros do."""

    raw: dict[str, Any] = {}

    def wrap(name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return str(raw[name](*args, **kwargs))
            except _Return as returned:
                return returned.value

        return call

    texts = [path.read_text() for path in MACRO_FILES]
    names = [name for text in texts for name in re.findall(r"\{% macro (\w+)\(", text)]
    # the wrappers first: a template copies the globals it sees when it is loaded
    environment.globals.update({name: wrap(name) for name in names})
    for text in texts:
        # renamed, so that a macro's call of another reaches the wrapper in the globals
        module = environment.from_string(
            re.sub(r"\{% macro (\w+)\(", r"{% macro raw__\1(", text)
        ).module
        raw.update(
            {
                name: getattr(module, f"raw__{name}")
                for name in names
                if hasattr(module, f"raw__{name}")
            }
        )


class _Adapter:
    """adapter.dispatch: the default__ implementation (DuckDB's dialect)."""

    def __init__(self, environment: jinja2.Environment) -> None:
        self.environment = environment

    def dispatch(self, name: str, package: str | None = None) -> Any:
        return self.environment.globals[f"default__{name}"]


def render_model(name: str, dbt_vars: dict[str, Any] | None = None) -> str:
    """The model's SQL with refs resolved to bare table names."""
    overrides = dbt_vars or {}
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.do"])
    environment.globals.update({"return": _return, "adapter": _Adapter(environment)})
    _macros(environment)
    template = environment.from_string((HISTORY / f"{name}.sql").read_text())
    return template.render(
        config=lambda **_: "",
        cross_db_snapshot_config=lambda *_, **__: {},
        ref=lambda model: model,
        var=lambda key, default=None: overrides.get(key, DECLARED_VARS.get(key, default)),
        bank_var=lambda key: overrides.get(key, DECLARED_VARS[key]),
        is_incremental=lambda: False,
    )


def run_model(
    name: str, tables: dict[str, pa.Table], dbt_vars: dict[str, Any] | None = None
) -> pa.Table:
    """Run the rendered model over ``tables`` (name -> Arrow table) in an in-memory DuckDB."""
    return run_models([name], tables, dbt_vars)


def run_models(
    names: list[str], tables: dict[str, pa.Table], dbt_vars: dict[str, Any] | None = None
) -> pa.Table:
    """Build ``names`` in order (each becomes a table the next can ref); the last's rows."""
    connection = duckdb.connect()
    for table_name, table in tables.items():
        connection.register(f"{table_name}_arrow", table)
        connection.execute(f"create table {table_name} as select * from {table_name}_arrow")
    for name in names[:-1]:
        connection.execute(f"create table {name} as {render_model(name, dbt_vars)}")
    return connection.sql(render_model(names[-1], dbt_vars)).to_arrow_table()
