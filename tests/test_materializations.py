"""The project's DuckDB table, view and test materializations, on a project of their own.

A few models on DuckDB built one after the other, each step checking what DuckDB holds:
a table replaced by a new one, post-hooks run, a table becoming a view and back, a model
whose SQL fails leaving the old table and its rows, a half-made table of a killed build
cleared away, a failing test's stored rows replaced by the next run's, and a foreign key
refused.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.dbt_runner import REPO, dbt_command

MACROS = [
    "dbt_project/macros/materializations/table.sql",
    "dbt_project/macros/materializations/test.sql",
    "dbt_project/macros/replace_relation.sql",
]

PROJECT = """
name: lean
version: "1.0"
config-version: 2
profile: lean
model-paths: [models]
macro-paths: [macros]
test-paths: [tests]
data_tests:
  +store_failures: true
  +store_failures_as: view
"""

PROFILE = """
lean:
  target: dev
  outputs:
    dev: {type: duckdb, path: "%s", schema: work, threads: 1}
"""

#: a post-hook: a table named after the model, made after it is built
AFTER = "'create or replace table {{ this.schema }}.after_{{ this.identifier }} as select 1 as ran'"

MODELS = {
    # rows 0 .. rows-1; var fail swaps in SQL DuckDB cannot bind
    "accounts.sql": (
        "{{ config(materialized='table', post_hook=" + AFTER + ") }}\n"
        "{% if var('fail', false) %}select * from no_such_table\n"
        "{% else %}select range as id from range({{ var('rows', 3) }}){% endif %}\n"
    ),
    "accounts_view.sql": (
        "{{ config(post_hook=" + AFTER + ") }}\n"
        "select id * 10 as id_x10 from {{ ref('accounts') }}\n"
    ),
    # a table or a view as var shape says
    "shape.sql": (
        "{{ config(materialized=var('shape', 'table')) }}\n"
        "select count(*) as accounts from {{ ref('accounts') }}\n"
    ),
    "with_fk.sql": (
        "{{ config(materialized='table', enabled=var('fk', false)) }}\n"
        "select id from {{ ref('accounts') }}\n"
    ),
    "_models.yml": """
version: 2
models:
  - name: accounts_view
    config: {materialized: view}
  - name: with_fk
    config: {contract: {enforced: true}}
    columns:
      - name: id
        data_type: bigint
        constraints:
          - type: foreign_key
            to: ref('accounts')
            to_columns: [id]
""",
}

#: fails with one row per account id at or above var max_id
TEST = "select id from {{ ref('accounts') }} where id >= {{ var('max_id', 10) }}\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("materializations")
    (root / "dbt_project.yml").write_text(PROJECT)
    (root / "profiles.yml").write_text(PROFILE % (root / "lean.duckdb"))
    for folder in ("models", "macros", "tests"):
        (root / folder).mkdir()
    for name, text in MODELS.items():
        (root / "models" / name).write_text(text)
    for path in MACROS:
        shutil.copy(REPO / path, root / "macros" / Path(path).name)
    (root / "tests" / "ids_below_max.sql").write_text(TEST)
    return root


def dbt(project: Path, *args: str, **dbt_vars: object) -> tuple[int, str]:
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(project),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_LOG_LEVEL_FILE": "none",
    }
    command = [*args, "--target-path", str(project / "target"), "--log-path", str(project)]
    return dbt_command([*command, "--vars", json.dumps(dbt_vars)], project, env)


def relations(project: Path) -> dict[str, str]:
    """name -> BASE TABLE or VIEW, every relation of the project's schemas."""
    with duckdb.connect(str(project / "lean.duckdb"), read_only=True) as con:
        return dict(
            con.execute(
                "select table_schema || '.' || table_name, table_type "
                "from information_schema.tables where table_schema like 'work%'"
            ).fetchall()
        )


def query(project: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(project / "lean.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_tables_views_and_stored_failures_are_replaced_in_place(project: Path) -> None:
    code, output = dbt(project, "build", rows=3)
    assert code == 0, output
    assert relations(project) == {
        "work.accounts": "BASE TABLE",
        "work.accounts_view": "VIEW",
        "work.shape": "BASE TABLE",
        "work_dbt_test__audit.ids_below_max": "VIEW",
        # the post-hooks of the table and the view ran
        "work.after_accounts": "BASE TABLE",
        "work.after_accounts_view": "BASE TABLE",
    }
    assert query(project, "select * from work.shape") == [(3,)]

    # more rows, shape now a view
    code, output = dbt(project, "build", rows=6, shape="view")
    assert code == 0, output
    assert relations(project)["work.shape"] == "VIEW"
    assert query(project, "select * from work.shape") == [(6,)]
    assert query(project, "select max(id_x10) from work.accounts_view") == [(50,)]
    # the test fails on ids 4 and 5 and keeps them
    code, output = dbt(project, "test", max_id=4)
    assert code == 1 and "Got 2 results" in output, output
    stored = "select id from work_dbt_test__audit.ids_below_max order by id"
    assert query(project, stored) == [(4,), (5,)]

    # back to a table; the test passes and its stored view shows no rows
    code, output = dbt(project, "build", rows=6, shape="table", max_id=6)
    assert code == 0, output
    assert relations(project)["work.shape"] == "BASE TABLE"
    assert query(project, "select * from work.shape") == [(6,)]
    assert query(project, stored) == []


def test_failing_sql_keeps_the_old_table_and_a_leftover_is_cleared(project: Path) -> None:
    code, output = dbt(project, "build", rows=4)
    assert code == 0, output
    code, output = dbt(project, "run", "--select", "accounts", fail=True)
    assert code == 1 and "no_such_table" in output, output
    assert query(project, "select count(*) from work.accounts") == [(4,)]
    assert "work.accounts__dbt_tmp" not in relations(project)

    # a killed build's half-made table is dropped by the next build
    with duckdb.connect(str(project / "lean.duckdb")) as con:
        con.execute("create table work.accounts__dbt_tmp as select 'half' as id")
    code, output = dbt(project, "run", "--select", "accounts", rows=2)
    assert code == 0, output
    assert query(project, "select count(*) from work.accounts") == [(2,)]
    assert "work.accounts__dbt_tmp" not in relations(project)


def test_a_foreign_key_is_refused_naming_the_model(project: Path) -> None:
    code, output = dbt(project, "run", "--select", "with_fk", fk=True)
    assert code == 1
    assert "model with_fk declares a foreign_key constraint" in output, output
    assert "work.with_fk" not in relations(project)
