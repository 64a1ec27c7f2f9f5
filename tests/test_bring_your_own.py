"""Bring your own customers: any export builds, bad rows are quarantined, bad files fail clearly.

Every fixture is drawn by the generator into tmp_path and edited in plain Python, so
each test states exactly which rows are faulty and why. Builds select only the
staging and feature models (and their tests): with a deliberately odd file the
clustering downstream is not the point.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bank_segments.generator import ATTRIBUTES, generate_customers
from tests.dbt_runner import DbtRun, run_dbt

DATA_LAYER = (
    "--select",
    "+stg_customers__rejected",
    "+int_customer_features",
    # only tests whose parents are all selected: not the tests of downstream models
    "--indirect-selection",
    "cautious",
)

#: 1-based file row -> (column, bad value) edits, and the reasons staging must give.
FAULTS: dict[int, tuple[dict[str, str], list[str]]] = {
    5: ({"Age": "abc"}, ["age: not a number"]),
    10: ({"Income": ""}, ["income: missing"]),
    20: ({"CreditScore": "900"}, ["credit_score: between 300 and 850"]),
    30: ({"Age": "17"}, ["age: between 18 and 100"]),
    40: ({"AppUsageScore": "10.5"}, ["app_usage_score: between 0 and 10"]),
    50: ({"NumProducts": "0"}, ["num_products: at least 1"]),
    60: ({"Income": "0"}, ["income: above 0"]),
    70: ({"MonthlySpending": "-5"}, ["monthly_spending: at least 0"]),
    80: ({"SupportCalls": "2.5"}, ["support_calls: not a whole number"]),
    90: (
        {"Age": "150", "AccountTenure": "-1"},
        ["age: between 18 and 100", "account_tenure: at least 0"],
    ),
}
ROWS = 300  # 10 faulty rows = 3.3 %, under the default 5 % limit


def _text_rows(table: pa.Table) -> list[dict[str, str]]:
    return [{key: str(value) for key, value in row.items()} for row in table.to_pylist()]


def _write_messy_csv(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    """A CSV the way spreadsheets save it: UTF-8 BOM, CRLF, an extra column."""
    lines = [",".join([*columns, "BranchNote"])]
    lines += [",".join([row[column] for column in columns] + ["walk-in"]) for row in rows]
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))


def _query(run: DbtRun, sql: str) -> list[tuple]:
    with run.connect() as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def messy_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]]]:
    """PascalCase columns in reverse order, no id column, BOM, CRLF and ten faulty rows."""
    rows = _text_rows(generate_customers(ROWS, seed=7).customers.drop_columns(["CustomerID"]))
    for row_number, (edits, _) in FAULTS.items():
        rows[row_number - 1].update(edits)
    path = tmp_path_factory.mktemp("messy") / "export.csv"
    _write_messy_csv(path, rows, list(reversed(ATTRIBUTES)))
    return path, rows


@pytest.fixture(scope="module")
def messy_build(
    tmp_path_factory: pytest.TempPathFactory, messy_csv: tuple[Path, list[dict[str, str]]]
) -> DbtRun:
    path, _ = messy_csv
    run = run_dbt(
        tmp_path_factory.mktemp("messy_build"),
        "build",
        *DATA_LAYER,
        dbt_vars={"customers_path": str(path)},
    )
    assert run.returncode == 0, run.output[-4000:]
    return run


def test_messy_csv_quarantines_each_faulty_row_with_its_reasons(messy_build: DbtRun) -> None:
    rejected = _query(
        messy_build,
        "select source_row_number, rejection_reasons from stg_customers__rejected"
        " order by source_row_number",
    )
    expected = [(row_number, reasons) for row_number, (_, reasons) in sorted(FAULTS.items())]
    assert rejected == expected


def test_messy_csv_keeps_raw_values_in_quarantine(messy_build: DbtRun) -> None:
    raw = dict(
        _query(
            messy_build,
            "select source_row_number, raw_age from stg_customers__rejected"
            " where source_row_number in (5, 30, 90)",
        )
    )
    assert raw == {5: "abc", 30: "17", 90: "150"}


def test_messy_csv_loses_no_row(messy_build: DbtRun) -> None:
    [(valid, rejected, checked)] = _query(
        messy_build,
        "select (select count(*) from stg_customers),"
        " (select count(*) from stg_customers__rejected),"
        " (select count(*) from stg_customers__checked)",
    )
    assert (valid, rejected, checked) == (ROWS - len(FAULTS), len(FAULTS), ROWS)
    statuses = {r["unique_id"].split(".")[2]: r["status"] for r in messy_build.results()}
    assert statuses["assert_customer_rows_accounted_for"] == "pass"
    assert statuses["assert_rejected_share_within_limit"] == "pass"
    # the quarantine is reported, not hidden: the warn-level test fires
    assert statuses["stg_customers__rejected_is_empty"] == "warn"


def test_messy_csv_surrogate_ids_are_file_row_numbers(
    messy_build: DbtRun, messy_csv: tuple[Path, list[dict[str, str]]]
) -> None:
    _, rows = messy_csv
    valid = _query(
        messy_build,
        "select customer_id, source_row_number, id_is_surrogate, income, support_calls"
        " from stg_customers order by source_row_number",
    )
    assert len(valid) == ROWS - len(FAULTS)
    for customer_id, row_number, is_surrogate, income, support_calls in valid:
        # same file, same ids: the id is the row's position, and the values are that row's
        assert is_surrogate
        assert customer_id == str(row_number)
        assert income == pytest.approx(float(rows[row_number - 1]["Income"]))
        assert support_calls == int(rows[row_number - 1]["SupportCalls"])
    # and the build says what row-number ids mean for the history
    assert ": no CustomerID column, so each customer's id is its row number; the history" in (
        messy_build.output
    )


def test_messy_csv_features_for_every_valid_customer(messy_build: DbtRun) -> None:
    [(features, unbanded)] = _query(
        messy_build,
        "select count(*), count(*) filter (where credit_risk_band is null"
        " or digital_adoption_band is null or age_band is null)"
        " from int_customer_features",
    )
    assert (features, unbanded) == (ROWS - len(FAULTS), 0)


def test_parquet_with_snake_case_ids_quarantines_every_copy_of_a_duplicate_id(
    tmp_path: Path,
) -> None:
    """Also a file without the planted structure: each column shuffled on its own."""
    customers = generate_customers(200, seed=11).customers
    rng = np.random.default_rng(11)
    ids = customers.column("CustomerID").to_pylist()
    ids[6] = ids[2]  # rows 3 and 7 now claim the same customer
    snake = {
        "Age": "age",
        "Income": "income",
        "CreditScore": "credit_score",
        "AccountTenure": "account_tenure",
        "MonthlySpending": "monthly_spending",
        "TransactionFrequency": "transaction_frequency",
        "AvgAccountBalance": "avg_account_balance",
        "NumProducts": "num_products",
        "AppUsageScore": "app_usage_score",
        "SupportCalls": "support_calls",
    }
    columns = {
        snake[name]: pa.array(rng.permutation(customers.column(name).to_numpy()))
        for name in reversed(ATTRIBUTES)
    }
    table = pa.table({**columns, "customer_id": pa.array(ids), "segment_hint": [1] * 200})
    path = tmp_path / "customers.parquet"
    pq.write_table(table, path)

    run = run_dbt(
        tmp_path / "build",
        "build",
        "--select",
        "+stg_customers__rejected",
        "+eda_findings",
        "--indirect-selection",
        "cautious",
        dbt_vars={"customers_path": str(path)},
    )
    assert run.returncode == 0, run.output[-4000:]

    rejected = _query(
        run,
        "select source_row_number, customer_id, rejection_reasons"
        " from stg_customers__rejected order by source_row_number",
    )
    assert rejected == [
        (3, ids[2], ["customer_id: appears 2 times"]),
        (7, ids[2], ["customer_id: appears 2 times"]),
    ]
    valid = _query(
        run, "select customer_id, id_is_surrogate from stg_customers order by source_row_number"
    )
    assert [customer_id for customer_id, _ in valid] == [
        customer_id for position, customer_id in enumerate(ids) if position not in (2, 6)
    ]
    assert not any(is_surrogate for _, is_surrogate in valid)

    # shuffled columns carry no correlation: the directional claims stay in
    # eda_findings marked unsupported, and the warn-level test reports them
    supported = dict(_query(run, "select finding_id, supported from eda_findings"))
    assert supported == {
        "income_vs_savings": True,
        "support_calls_vs_credit": False,
        "support_calls_vs_balance": False,
        "young_digital_first": False,
        "young_low_balance": False,
    }
    statuses = {r["unique_id"].split(".")[2]: r["status"] for r in run.results()}
    assert statuses["eda_finding_is_supported"] == "warn"


def test_too_many_bad_rows_fail_the_build_on_the_share_limit(tmp_path: Path) -> None:
    customers = generate_customers(100, seed=3).customers.drop_columns(["CustomerID"])
    bad_rows = list(range(1, 100, 10))  # 10 rows of 100: 10 % > 5 %
    scores = customers.column("CreditScore").to_pylist()
    for position in bad_rows:
        scores[position] = 9000
    table = customers.set_column(
        customers.column_names.index("CreditScore"), "CreditScore", pa.array(scores)
    )
    path = tmp_path / "bad.parquet"
    pq.write_table(table, path)

    run = run_dbt(
        tmp_path / "build",
        "build",
        "--select",
        "+stg_customers__rejected",
        "+stg_customers",
        "--indirect-selection",
        "cautious",
        dbt_vars={"customers_path": str(path)},
    )

    assert run.returncode != 0
    assert "assert_rejected_share_within_limit" in run.output
    assert "10 of 100 input rows (10.0%) were quarantined" in run.output
    assert "max_rejected_share = 0.05" in run.output
    # The message names, fully qualified, the relations that hold this build's rows (the
    # build's own schema: `main` keeps the last good build's quarantine), and querying
    # them exactly as named finds the rows. Parquet rows are numbered from the file
    # itself, 1-based.
    named = re.search(r"quarantined rows are in (\S+), the counts per reason in (\S+);", run.output)
    assert named, run.output
    assert named.groups() == (
        '"work"."stg_customers__rejected"',
        '"work"."stg_customers__rejected_summary"',
    )
    with run.connect_published() as con:
        quarantined = con.execute(f"select source_row_number from {named[1]} order by 1").fetchall()
        counted = con.execute(f"select sum(rejected_rows) from {named[2]}").fetchone()
    assert [row_number for (row_number,) in quarantined] == [p + 1 for p in bad_rows]
    assert counted == (len(bad_rows),)


def _build_input_model(tmp_path: Path, path: Path) -> DbtRun:
    """Build only the input model, where an unusable file must stop the build."""
    return run_dbt(
        tmp_path / "build",
        "build",
        "--select",
        "stg_customers__input",
        dbt_vars={"customers_path": str(path)},
    )


def test_missing_required_column_fails_naming_the_column(tmp_path: Path) -> None:
    rows = _text_rows(generate_customers(20, seed=5).customers)
    path = tmp_path / "no_credit_score.csv"
    columns = ["CustomerID", *(name for name in ATTRIBUTES if name != "CreditScore")]
    path.write_text(
        "\n".join([",".join(columns)] + [",".join(r[c] for c in columns) for r in rows])
    )

    run = _build_input_model(tmp_path, path)

    assert run.returncode != 0
    assert f"customers_path '{path}' is missing required column(s): credit_score" in run.output
    assert "(CreditScore)" in run.output
    assert "Traceback" not in run.output


def test_a_renamed_column_is_named_beside_the_missing_attribute(tmp_path: Path) -> None:
    rows = _text_rows(generate_customers(20, seed=5).customers)
    path = tmp_path / "renamed.csv"
    header = ["Annual Income" if name == "Income" else name for name in ["CustomerID", *ATTRIBUTES]]
    columns = ["CustomerID", *ATTRIBUTES]
    path.write_text("\n".join([",".join(header)] + [",".join(r[c] for c in columns) for r in rows]))

    run = _build_input_model(tmp_path, path)

    assert run.returncode != 0
    assert (
        f"customers_path '{path}' is missing required column(s): income (Income)."
    ) in run.output
    assert "Its other columns: 'Annual Income'; if one of them holds a missing attribute" in (
        run.output
    )
    assert "Traceback" not in run.output


def test_nonexistent_path_fails_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "customers.csv"

    run = _build_input_model(tmp_path, path)

    assert run.returncode != 0
    assert f"customers_path '{path}' does not exist or is not readable" in run.output
    assert "Traceback" not in run.output


def test_readme_data_layer_command_is_the_one_these_tests_run(repo_root: Path) -> None:
    """The README's quick-check command selects exactly what DATA_LAYER selects."""
    readme = " ".join((repo_root / "README.md").read_text().replace("\\\n", " ").split())
    assert "dbt build " + " ".join(DATA_LAYER) + " --vars '{customers_path:" in readme
