"""The column_rules generic test: one scan, one row per broken rule with its count.

A throwaway dbt project holds one model with planted bad values, two tables it refers
to, and the project's own generic test; the test must fail on exactly the broken rules,
count the breaking rows, let nulls pass the range, value and reference rules, break a
row expression that is false or null, ignore nulls in a one-column key, filter the rows
a reference checks, measure row counts, share sums, grids and table conditions, and
pass on clean rows.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.dbt_runner import REPO, dbt_command

GENERIC = REPO / "dbt_project" / "tests" / "generic" / "test_column_rules.sql"

RULES = {
    "not_null": ["customer_id", "band"],
    "ranges": {"share": {"min_value": 0, "max_value": 1}, "calls": {"min_value": 0}},
    "accepted_values": {"band": ["Low", "High"], "flag": [0, 1], "ok": [True]},
    "expressions": [
        "calls is null or calls >= 0",
        {"expression": "customer_id <> 'zz'", "description": "no customer zz"},
    ],
    "unique": ["share", ["band", "flag"]],
    "references": {
        "band": {"to": "ref('bands')", "field": "band_name"},
        "customer_id": [{"to": "ref('known_customers')", "where": "flag = 1"}],
    },
    "row_count_matches": [{"model": "ref('known_customers')", "where": "customer_id < 'z'"}],
    "shares_sum_to_one": [{"column": "share"}],
    "complete_grid": [["band", "flag"]],
    "table_expressions": [{"expression": "count(*) <= 4", "description": "four rows at most"}],
}
# the rows the references and the row count read
BANDS = "select * from (values ('Low'), ('High')) as t(band_name)"
KNOWN = "select * from (values ('a'), ('b'), ('c'), ('g'), ('zz')) as t(customer_id)"

# customer_id, share, calls, band, flag, ok
CLEAN = [
    ("'a'", "0.0", "0", "'Low'", "0", "true"),
    ("'b'", "1.0", "3", "'High'", "1", "true"),
    ("'c'", "null", "null", "'High'", "null", "null"),  # nulls pass ranges and values
    ("'g'", "null", "null", "'Low'", "1", "true"),  # a second null share: not a duplicate
]
BROKEN = [
    ("null", "0.5", "1", "'Low'", "0", "true"),  # customer_id null; the expression is null
    ("'d'", "1.5", "-1", "'Low'", "0", "true"),  # share > 1, calls < 0 (range, expression)
    ("'e'", "-0.1", "2", "'Medium'", "2", "false"),  # share < 0, band, flag, ok
    ("'f'", "0.5", "2", "null", "1", "true"),  # band null; f unknown with flag 1
]
# keys: share 0.5 twice (f and the null id), (Low, 0) three times (a, d and the null id);
# references: Medium is no band_name (the null band passes), f is unknown and has flag 1
# (d and e are unknown too, but their flag is not 1); 8 rows against 4 known customers
# below 'z'; the shares sum to 3.4; bands Low, High, Medium x flags 0, 1, 2 is 9 cells
# for 8 rows; 8 rows break "four rows at most" once


def _project(root: Path, rows: list[tuple[str, ...]]) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "tests" / "generic").mkdir(parents=True)
    shutil.copy(GENERIC, root / "tests" / "generic")
    (root / "dbt_project.yml").write_text(
        "name: rules_check\nversion: '1.0.0'\nconfig-version: 2\nprofile: rules_check\n"
        "flags: {send_anonymous_usage_stats: false}\n"
    )
    (root / "profiles.yml").write_text(
        "rules_check:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {root / 'warehouse.duckdb'}\n      threads: 1\n"
    )
    values = ",\n".join("(" + ", ".join(row) + ")" for row in rows)
    (root / "models" / "accounts.sql").write_text(
        "select * from (values\n" + values + "\n) as t(customer_id, share, calls, band, flag, ok)"
    )
    model = {
        "name": "accounts",
        "data_tests": [{"column_rules": {"name": "accounts_column_rules", "arguments": RULES}}],
    }
    (root / "models" / "bands.sql").write_text(BANDS)
    (root / "models" / "known_customers.sql").write_text(KNOWN)
    (root / "models" / "_models.yml").write_text(json.dumps({"version": 2, "models": [model]}))
    return root


def _build(root: Path) -> tuple[int, str]:
    command = ["build", "--project-dir", str(root), "--profiles-dir", str(root)]
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return dbt_command(command, Path.cwd(), env)


def test_clean_rows_pass(tmp_path: Path) -> None:
    returncode, output = _build(_project(tmp_path, CLEAN))
    assert returncode == 0, output[-3000:]
    assert "PASS accounts_column_rules" in output


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = _project(tmp_path_factory.mktemp("rules_broken"), CLEAN + BROKEN)
    returncode, output = _build(root)
    assert returncode == 1, output[-3000:]
    return root, output


def test_failure_count_is_the_number_of_breaking_rows(broken: tuple[Path, str]) -> None:
    # customer_id 1, band null 1, share 2, calls 1, band value 1, flag 1, ok 1,
    # the two expressions 1 each, the share key 2 rows, the (band, flag) key 3 rows;
    # the references 1 each, the row count 4 off, one share total, one grid cell and
    # one table condition
    assert "Got 24 results" in broken[1]


def test_a_failure_points_at_the_broken_rules(broken: tuple[Path, str]) -> None:
    # dbt prints where the failing rows are; the test keeps them as a view there
    assert "See test failures:" in broken[1]
    assert "dbt_test__audit" in broken[1] and "accounts_column_rules" in broken[1]


def test_each_broken_rule_is_one_row_naming_column_and_rule(broken: tuple[Path, str]) -> None:
    root, _ = broken
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as connection:
        schema, kind = connection.execute(
            "select table_schema, table_type from information_schema.tables"
            " where table_name = 'accounts_column_rules'"
        ).fetchone()
        assert kind == "VIEW"
        rows = connection.execute(
            f'select column_name, rule, failing_rows from "{schema}".accounts_column_rules'
        ).fetchall()
    assert sorted(rows) == [
        ("(row)", "calls is null or calls >= 0", 1),
        ("(row)", "no customer zz", 1),
        ("(table)", "as many rows as known_customers where customer_id < 'z'", 4),
        ("(table)", "four rows at most", 1),
        ("band", "in bands.band_name", 1),
        ("band", "not null", 1),
        ("band", "one of Low, High", 1),
        ("band, flag", "every combination once", 1),
        ("band, flag", "unique", 3),
        ("calls", "between 0 and +inf", 1),
        ("customer_id", "in known_customers.customer_id", 1),
        ("customer_id", "not null", 1),
        ("flag", "one of 0, 1", 1),
        ("ok", "one of True", 1),
        ("share", "between 0 and 1", 2),
        ("share", "sums to 1", 1),
        ("share", "unique", 2),
    ]
