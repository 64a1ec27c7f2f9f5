"""No engine-only SQL outside dbt_project/macros/cross_db/.

The project builds on DuckDB and on Spark from one set of SQL files: a function only one
engine knows goes behind an adapter.dispatch macro in macros/cross_db/. This test greps the
model, macro and test SQL for the DuckDB-only constructs we know of. Files not ported yet
are listed in NOT_YET_PORTED (and must shrink, never grow).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# construct -> pattern (comments and Jinja tags are stripped first)
DUCKDB_ONLY = {
    "aggregate FILTER clause (use case inside the aggregate)": r"\)\s*filter\s*\(\s*where",
    "string_agg (cross_db_string_agg)": r"\bstring_agg\s*\(",
    "* exclude / * replace (list the columns)": r"\*\s*(exclude|replace)\s*\(",
    "list functions (cross_db_* macro)": r"\blist_\w+\s*\(",
    "lambda": r"\blambda\b|->",
    "isfinite": r"\bisfinite\s*\(",
    "printf (cross_db_printf / cross_db_signed_decimal)": r"\bprintf\s*\(",
    ":: cast (cast(x as type))": r"::",
    "qualify (filter a window in a CTE)": r"\bqualify\b",
    "bare varchar cast (dbt.type_string(); Spark wants a length)": r"\bas\s+varchar\b(?!\s*\()",
    "error() (cross_db_raise_error)": r"(?<![\w.])error\s*\(",
    "len() (cross_db_array_length)": r"(?<![\w.])len\s*\(",
    "DuckDB file readers": r"\bread_(csv|parquet|json)\w*\s*\(",
    "columns(*)": r"\bcolumns\s*\(\s*\*",
    "list literal or index": r"\[\s*'",
    "array_to_string": r"\barray_to_string\s*\(",
    "unnest": r"\bunnest\s*\(",
    "hash()": r"(?<![\w.])hash\s*\(",
    "try_cast (dbt.safe_cast)": r"\btry_cast\s*\(",
    "glob()": r"\bglob\s*\(",
    # not DuckDB-only, but the engines differ: Spark keeps `x * 1.0` and `avg(... 1.0 ...)`
    # decimal and rounds the result to a few digits; DuckDB's division gives a double
    "decimal literal arithmetic (cast(x as double))": r"\*\s*1\.0\b|\bthen\s+1\.0\s+else\b",
}

# Files still holding engine-only SQL outside a dispatch macro: none. Keep it empty.
NOT_YET_PORTED: set[str] = set()
#: Files of dispatch macros: their duckdb__/default__ bodies are engine-specific on purpose.
#: export_marts.sql: the Parquet exports are DuckDB's (default__); spark__ is a no-op.
ENGINE_AWARE = {
    "dbt_project/macros/cross_db/functions.sql",
    "dbt_project/macros/cross_db/file_readers.sql",
    "dbt_project/macros/export_marts.sql",
}


def sql_files() -> list[str]:
    files = [
        *sorted((REPO / "dbt_project").rglob("*.sql")),
        *sorted((REPO / "python_models").rglob("*.sql")),
    ]
    return [str(path.relative_to(REPO)) for path in files]


def strip_comments(sql: str) -> str:
    """SQL without comments and without Jinja (its lists and macro arguments are not SQL)."""
    sql = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", "", sql, flags=re.DOTALL)
    return re.sub(r"--[^\n]*", "", sql)


@pytest.mark.parametrize("path", sql_files())
def test_no_duckdb_only_sql(path: str) -> None:
    if path in NOT_YET_PORTED | ENGINE_AWARE:
        pytest.skip("not ported yet" if path in NOT_YET_PORTED else "the engine-aware macros")
    sql = strip_comments((REPO / path).read_text()).lower()
    found = [name for name, pattern in DUCKDB_ONLY.items() if re.search(pattern, sql)]
    assert not found, f"{path}: {found}"


def test_the_not_yet_ported_list_names_real_files() -> None:
    assert NOT_YET_PORTED | ENGINE_AWARE <= set(sql_files())
