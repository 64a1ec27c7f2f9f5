"""Render a draft dbt model of the history folder as plain SQL and run it in DuckDB.

This renders their Jinja with stand-ins (``ref`` -> a table name, ``var`` and
``bank_var`` -> an override or the default declared in dbt_project.yml, ``config`` and
``cross_db_snapshot_config`` -> nothing, ``is_incremental()`` -> false) so pytest can check
their SQL logic against small hand-made tables without a dbt build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pyarrow as pa
import yaml

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "dbt_project" / "models" / "history"
DECLARED_VARS: dict[str, Any] = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]


def render_model(name: str, dbt_vars: dict[str, Any] | None = None) -> str:
    """The model's SQL with refs resolved to bare table names."""
    overrides = dbt_vars or {}
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
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
