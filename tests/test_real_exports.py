"""Real customer exports: the shapes banks export load, and every refusal explains itself.

Each file shape is drawn from the generator (or the demo seed) and written the way a
bank's tools write it; each test asserts rows in = valid + quarantined. Data-layer
builds select only staging and features, like tests/test_bring_your_own.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bank_segments.generator import (
    ATTRIBUTES,
    WAREHOUSE_ATTRIBUTES,
    generate_customers,
    write_table,
)
from bank_segments.report import load_report_data
from tests.dbt_runner import DbtRun, run_dbt

REPO = Path(__file__).resolve().parents[1]
DATA_LAYER = (
    "--select",
    "+stg_customers__rejected_summary",
    "+int_customer_features",
    "--indirect-selection",
    "cautious",
)
ROWS = 200


def _rows(seed: int = 21, rows: int = ROWS) -> list[dict[str, str]]:
    table = generate_customers(rows, seed=seed).customers
    return [{key: str(value) for key, value in row.items()} for row in table.to_pylist()]


def _write(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    delim: str = ",",
    encoding: str = "utf-8",
    newline: str = "\n",
) -> Path:
    lines = [delim.join(header)] + [delim.join(row) for row in rows]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def _build(tmp_path: Path, path: Path, **dbt_vars: object) -> DbtRun:
    return run_dbt(
        tmp_path / "build",
        "build",
        *DATA_LAYER,
        dbt_vars={"customers_path": str(path), **dbt_vars},
    )


def _counts(run: DbtRun) -> tuple[int, int, int]:
    with run.connect() as con:
        return con.execute(
            "select (select count(*) from stg_customers__checked),"
            " (select count(*) from stg_customers),"
            " (select count(*) from stg_customers__rejected)"
        ).fetchone()


def _assert_all_valid(run: DbtRun, expected_rows: int) -> None:
    assert run.returncode == 0, run.output[-4000:]
    read, valid, rejected = _counts(run)
    assert read == valid + rejected == expected_rows
    assert rejected == 0, _reasons(run)


def _reasons(run: DbtRun) -> list[tuple]:
    with run.connect() as con:
        return con.execute(
            "select reason, rejected_rows from stg_customers__rejected_summary order by 2 desc"
        ).fetchall()


def _one_line_error(run: DbtRun) -> str:
    assert run.returncode != 0
    assert "Traceback" not in run.output
    return run.output


# --------------------------------------------------------------------- file shapes


def test_blank_lines_and_mixed_line_ends_are_read_as_exported(tmp_path: Path) -> None:
    # the commonest export shapes: a blank line after row 5, CRLF and LF mixed, and the
    # file ending in one, then two more, empty lines
    rows = _rows()
    lines = [",".join(ATTRIBUTES)] + [",".join(row[name] for name in ATTRIBUTES) for row in rows]
    text = "\r\n".join(lines[:6]) + "\r\n\r\n" + "\n".join(lines[6:]) + "\n\n\n"
    path = tmp_path / "blank_lines.csv"
    path.write_bytes(text.encode())
    run = _build(tmp_path, path)
    _assert_all_valid(run, ROWS)
    with run.connect() as con:  # the rows after the blank line keep their values
        sixth = con.execute("select income from stg_customers where source_row_number = 6")
        assert sixth.fetchone() == (float(rows[5]["Income"]),)


def test_a_nul_byte_in_the_header_and_a_3_mb_field_in_an_unknown_column_load(
    tmp_path: Path,
) -> None:
    # a stray NUL is not UTF-16 (whose ASCII text is every other byte NUL), and a long
    # free-text field in a column the project ignores is no reason to refuse the file
    rows = _rows()
    header = [("A\x00ge" if name == "Age" else name) for name in ATTRIBUTES] + ["Notes"]
    body = [[row[name] for name in ATTRIBUTES] + ["x"] for row in rows]
    body[5][-1] = "y" * 3_000_000
    run = _build(tmp_path, _write(tmp_path / "nul_and_long.csv", header, body))
    _assert_all_valid(run, ROWS)
    with run.connect() as con:
        sixth = con.execute("select age from stg_customers where source_row_number = 6")
        assert sixth.fetchone() == (float(rows[5]["Age"]),)


@pytest.mark.parametrize(
    ("name", "damage", "problem"),
    [
        ("cut.parquet", "half", "is not a complete Parquet file"),
        ("cut.csv.gz", "half", "is a gzip file that ends too early"),
        ("plain.csv.gz", "plain", "is named .gz but is not gzip-compressed"),
    ],
)
def test_a_damaged_file_is_one_line_naming_customers_path(
    tmp_path: Path, name: str, damage: str, problem: str
) -> None:
    import gzip

    plain = tmp_path / "customers.csv"
    write_table(generate_customers(ROWS, seed=3).customers, plain)
    if name.endswith(".parquet"):
        write_table(generate_customers(ROWS, seed=3).customers, tmp_path / "whole.parquet")
        whole = (tmp_path / "whole.parquet").read_bytes()
    else:
        whole = gzip.compress(plain.read_bytes()) if damage == "half" else plain.read_bytes()
    path = tmp_path / name
    path.write_bytes(whole[: len(whole) // 2] if damage == "half" else whole)
    database = tmp_path / "warehouse.duckdb"
    done = _bank_segments_build(
        tmp_path, database, "--vars", json.dumps({"customers_path": str(path)})
    )
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"bank-segments build: error: customers_path {path} {problem}")


def test_ragged_lines_are_quarantined_with_a_reason(tmp_path: Path) -> None:
    rows = _rows()
    lines = [",".join(row[name] for name in ATTRIBUTES) for row in rows]
    junk = {
        "   ": "age: missing",  # a line of spaces
        ",,,,,,,,,": "age: missing",  # a line of delimiters only
        ",".join(lines[0].split(",")[:5]): "transaction_frequency: missing",  # too few fields
        lines[1] + ",surplus": "row: more fields than the header has",  # too many
    }
    body = lines[:10] + list(junk) + lines[10:] + ["    "]  # and a last line of spaces
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join([",".join(ATTRIBUTES), *body]) + "\n")
    run = _build(tmp_path, path)
    assert run.returncode == 0, run.output[-4000:]
    assert _counts(run) == (ROWS + 5, ROWS, 5)
    with run.connect() as con:
        quarantined = con.execute(
            "select source_row_number, rejection_reasons from stg_customers__rejected order by 1"
        ).fetchall()
    assert [number for number, _ in quarantined] == [11, 12, 13, 14, ROWS + 5]
    for (_, reasons), expected in zip(quarantined, [*junk.values(), "age: missing"], strict=True):
        assert expected in reasons, (expected, reasons)


def test_a_file_of_blank_lines_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("\n\n  \n\n")
    run = _build(tmp_path, path)
    output = _one_line_error(run)
    assert f"customers_path '{path}' has no header line" in output
    assert "NoneType" not in output


def test_semicolon_file_with_decimal_commas_is_detected(tmp_path: Path) -> None:
    rows = _rows()
    body = [[row[name].replace(".", ",") for name in ATTRIBUTES] for row in rows]
    path = _write(tmp_path / "eu.csv", list(ATTRIBUTES), body, delim=";")
    run = _build(tmp_path, path)
    _assert_all_valid(run, ROWS)
    assert 'delimiter ";", decimal mark ","' in run.output
    with run.connect() as con:
        income = con.execute(
            "select income from stg_customers order by source_row_number"
        ).fetchall()
    assert income[0][0] == pytest.approx(float(rows[0]["Income"]))


@pytest.mark.parametrize("amount", ['"${:,.2f}"', "{:.2f} EUR"], ids=["dollar-sign", "code"])
def test_amounts_with_a_currency_sign_are_refused_as_such_not_as_decimal_commas(
    tmp_path: Path, amount: str
) -> None:
    rows = _rows()
    money = ("Income", "MonthlySpending", "AvgAccountBalance")
    body = [
        [amount.format(float(row[name])) if name in money else row[name] for name in ATTRIBUTES]
        for row in rows
    ]
    path = _write(tmp_path / "usd.csv", list(ATTRIBUTES), body)

    output = _one_line_error(_build(tmp_path, path))

    assert f"{ROWS} of {ROWS} input rows (100.0%) were quarantined" in output
    assert "carry a currency sign or code: export " in output
    assert "as plain numbers (52300.10; thousands separators may stay)" in output
    assert "decimal commas" not in output


@pytest.mark.parametrize("name", ["customers.tsv", "CUSTOMERS.TXT", "customers.txt.gz"])
def test_tab_separated_text_files_load_whatever_their_ending(tmp_path: Path, name: str) -> None:
    rows = _rows()
    text = "\n".join(
        ["\t".join(ATTRIBUTES)] + ["\t".join(row[a] for a in ATTRIBUTES) for row in rows]
    )
    path = tmp_path / name
    data = (text + "\n").encode()
    path.write_bytes(gzip.compress(data, mtime=0) if name.endswith(".gz") else data)

    run = _build(tmp_path, path)

    _assert_all_valid(run, ROWS)
    assert f'customers_path \'{path}\': read as utf-8, delimiter "\\t", decimal mark "."' in (
        run.output
    )
    with run.connect() as con:
        income = con.execute("select income from stg_customers order by source_row_number")
        assert income.fetchall()[0][0] == float(rows[0]["Income"])


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        ("book.xlsx", "save the sheet as CSV UTF-8 (File > Save As) or export it as Parquet."),
        ("customers.zip", "extract the file (or compress it with gzip: customers.csv.gz)."),
        ("customers.json", "export it as CSV (any delimiter) or Parquet."),
    ],
)
def test_other_file_kinds_are_refused_saying_how_to_export_them(
    tmp_path: Path, name: str, fix: str
) -> None:
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 not a customer file")

    output = _one_line_error(_build(tmp_path, path))

    assert (
        f"customers_path '{path}' must be a delimited text file (.csv, .csv.gz, .tsv, .tsv.gz,"
        f" .txt, .txt.gz) or .parquet: {fix}"
    ) in output


def test_na_null_and_excel_markers_are_missing_values(tmp_path: Path) -> None:
    rows = _rows()
    markers = ["NA", "n/a", "#N/A", "NULL", "None", "NaN", ".", " na "]
    body = []
    for index, row in enumerate(rows):
        values = [row[name] for name in ATTRIBUTES]
        if index < len(markers):
            values[ATTRIBUTES.index("CreditScore")] = markers[index]
        body.append(values)
    body.append([rows[0][name] for name in ATTRIBUTES[:-1]] + ["N.A."])
    path = _write(tmp_path / "markers.csv", list(ATTRIBUTES), body)

    run = _build(tmp_path, path, max_rejected_share=0.5)

    assert run.returncode == 0, run.output[-3000:]
    # every marker means "no value"; a value that is none of them is still not a number
    assert dict(_reasons(run)) == {
        "credit_score: missing": len(markers),
        "support_calls: not a number": 1,
    }


def test_title_lines_before_the_header_are_skipped_and_said(tmp_path: Path) -> None:
    rows = _rows()
    lines = [
        "Customer export;;;",
        "",
        "Generated 2026-11-30 by CoreBanking (branch: all; currency: EUR)",
        ",".join(ATTRIBUTES),
        *(",".join(row[name] for name in ATTRIBUTES) for row in rows),
    ]
    path = tmp_path / "report.csv"
    path.write_text("\n".join(lines) + "\n")

    run = _build(tmp_path, path)

    _assert_all_valid(run, ROWS)
    assert (
        f"customers_path '{path}': skipping 3 line(s) before the header on line 4"
        ' (first: "Customer export;;;")'
    ) in run.output
    assert 'delimiter ","' in run.output  # found from the header, not from a title line
    with run.connect() as con:
        income = con.execute("select income from stg_customers order by source_row_number")
        assert income.fetchall()[0][0] == float(rows[0]["Income"])


def test_quoted_thousands_separators_parse(tmp_path: Path) -> None:
    rows = _rows()
    body = []
    for row in rows:
        income = float(row["Income"])
        row_values = [row[name] for name in ATTRIBUTES]
        row_values[ATTRIBUTES.index("Income")] = f'"{income:,.2f}"'
        body.append(row_values)
    path = _write(tmp_path / "thousands.csv", list(ATTRIBUTES), body)
    run = _build(tmp_path, path)
    _assert_all_valid(run, ROWS)
    with run.connect() as con:
        [(income,)] = con.execute(
            "select income from stg_customers where source_row_number = 1"
        ).fetchall()
    assert income == pytest.approx(round(float(rows[0]["Income"]), 2))


def test_utf8_bom_and_crlf(tmp_path: Path) -> None:
    rows = _rows()
    body = [[row[name] for name in ATTRIBUTES] for row in rows]
    path = _write(tmp_path / "bom.csv", ["\ufeffAge", *ATTRIBUTES[1:]], body, newline="\r\n")
    _assert_all_valid(_build(tmp_path, path), ROWS)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_latin1_and_utf16_files_are_read(tmp_path: Path, encoding: str) -> None:
    rows = _rows()
    body = [[row[name] for name in ATTRIBUTES] + ["Agência Lisboa"] for row in rows]
    path = _write(tmp_path / "enc.csv", [*ATTRIBUTES, "Filial"], body, encoding=encoding)
    run = _build(tmp_path, path)
    _assert_all_valid(run, ROWS)
    assert f"read as {encoding}" in run.output
    assert "ignoring column(s) Filial" in run.output


def test_column_names_in_any_case_or_spacing(tmp_path: Path) -> None:
    spellings = [
        "AGE",
        "income",
        "Credit Score",
        "account_tenure",
        "MONTHLY SPENDING",
        "transactionFrequency",
        "Avg Account Balance",
        "num_products",
        "App-Usage-Score",
        "SUPPORTCALLS",
    ]
    rows = _rows()
    body = [[row[name] for name in ATTRIBUTES] for row in rows]
    _assert_all_valid(_build(tmp_path, _write(tmp_path / "names.csv", spellings, body)), ROWS)


def test_parquet_with_decimal_and_string_typed_numbers(tmp_path: Path) -> None:
    table = generate_customers(ROWS, seed=21).customers
    columns = {}
    for name in ATTRIBUTES:
        values = table.column(name).to_numpy().astype(float)
        if name in ("Income", "AvgAccountBalance"):
            columns[name] = pa.array([round(v, 2) for v in values]).cast(pa.decimal128(18, 2))
        elif name in ("CreditScore", "Age"):
            columns[name] = pa.array([f"{v:.2f}" for v in values])
        else:
            columns[name] = pa.array(values)
    path = tmp_path / "typed.parquet"
    pq.write_table(pa.table(columns), path)
    _assert_all_valid(_build(tmp_path, path), ROWS)


@pytest.mark.parametrize(
    ("column", "values", "problem"),
    [
        (
            "SupportCalls",
            pa.array([i % 2 == 0 for i in range(ROWS)]),
            "column(s) SupportCalls (BOOLEAN) hold no numbers: every attribute must be a"
            " numeric column or text holding numbers",
        ),
        (
            "AccountTenure",
            pa.array([dt.date(2020, 1, 1)] * ROWS),
            "column(s) AccountTenure (DATE) hold no numbers",
        ),
        (
            "AppUsageScore",
            pa.nulls(ROWS),
            "column(s) AppUsageScore hold no values at all (typed null): export them with"
            " their values.",
        ),
    ],
    ids=["flag-for-a-count", "date-for-years", "all-null"],
)
def test_a_typed_column_that_holds_no_numbers_is_one_line(
    tmp_path: Path, column: str, values: pa.Array, problem: str
) -> None:
    table = generate_customers(ROWS, seed=21).customers
    table = table.set_column(table.schema.get_field_index(column), column, values)
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)

    output = _one_line_error(_build(tmp_path, path))

    assert f"customers_path '{path}': {problem}" in output


def test_text_in_a_parquet_number_column_is_explained_without_csv_advice(tmp_path: Path) -> None:
    table = generate_customers(ROWS, seed=21).customers
    index = table.schema.get_field_index("Income")
    table = table.set_column(index, "Income", pa.array(["on request"] * ROWS))
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)

    output = _one_line_error(_build(tmp_path, path))

    assert '100% of rows fail with \'income: not a number\' (e.g. "on request", "on request")' in (
        output
    )
    assert "check that the column holds plain numbers. This build's" in output
    assert "csv_delimiter" not in output


def test_notebook_shaped_file_quarantines_nothing_and_segments_like_the_demo(
    tmp_path: Path, demo_build: DbtRun
) -> None:
    """PascalCase, no id column, every number a long float, fractional credit scores."""
    rng = np.random.default_rng(5)
    with (REPO / "seeds" / "demo_customers.csv").open() as source:
        rows = list(csv.DictReader(source))
    body = []
    for row in rows:
        values = []
        for name in ATTRIBUTES:
            value = float(row[name])
            if name in ("NumProducts", "SupportCalls"):
                values.append(f"{value:.1f}")  # 3.0: a whole number written as a float
            elif name in ("CreditScore", "Age"):
                values.append(
                    repr(
                        min(value + rng.uniform(0, 0.9), 850.0 if name == "CreditScore" else 100.0)
                    )
                )
            else:
                # long floats, kept inside each range (app usage tops out at 10)
                values.append(repr(value * (1 - rng.uniform(0, 1e-9))))
        body.append(values)
    path = _write(tmp_path / "notebook.csv", list(ATTRIBUTES), body)
    run = run_dbt(tmp_path / "build", "build", dbt_vars={"customers_path": str(path)})
    assert run.returncode == 0, run.output[-4000:]
    read, valid, rejected = _counts(run)
    assert (read, valid, rejected) == (len(rows), len(rows), 0)
    with run.connect() as con:
        fractional = con.execute(
            "select count(*) from stg_customers where credit_score != floor(credit_score)"
        ).fetchone()[0]
        k, personas = con.execute(
            "select k, (select list(distinct persona_id order by persona_id)"
            " from customer_segments) from segment_model_summary"
        ).fetchone()
    assert fractional > len(rows) // 2
    with demo_build.connect() as con:
        demo_k, demo_personas = con.execute(
            "select k, (select list(distinct persona_id order by persona_id)"
            " from customer_segments) from segment_model_summary"
        ).fetchone()
    assert (k, personas) == (demo_k, demo_personas)


# ------------------------------------------------------------- refusal explains itself


def _fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_mostly_bad_file_on_a_good_build_explains_itself_and_keeps_the_good_build(
    tmp_path: Path, demo_build: DbtRun
) -> None:
    database = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_build.database, database)
    shutil.copytree(demo_build.database.parent / "exports", tmp_path / "exports")
    before = _fingerprint(tmp_path / "exports")
    with demo_build.connect_published() as con:
        good_segments = con.execute("select count(*) from customer_segments").fetchone()[0]
        good_invocation = con.execute(
            "select invocation_id from build_log where published"
        ).fetchone()[0]

    # a ';' file with decimal commas, read with a forced '.' decimal mark: every
    # fractional value is "not a number"
    rows = _rows(rows=300)
    body = [[row[name].replace(".", ",") for name in ATTRIBUTES] for row in rows]
    bad = _write(tmp_path / "eu.csv", list(ATTRIBUTES), body, delim=";")
    run = run_dbt(
        tmp_path,
        "build",
        database=database,
        dbt_vars={"customers_path": str(bad), "csv_decimal_separator": "."},
    )

    assert run.returncode != 0
    output = run.output
    assert "300 of 300 input rows (100.0%) were quarantined" in output
    assert "Top reasons: " in output
    assert "income: not a number (300 rows" in output
    assert "decimal commas" in output and "csv_decimal_separator" in output
    assert "stg_customers__rejected_summary" in output
    with run.connect() as con:
        assert con.execute("select count(*) from stg_customers__rejected").fetchone()[0] == 300
        summary = dict(
            con.execute(
                "select reason, rejected_rows from stg_customers__rejected_summary"
            ).fetchall()
        )
    assert summary["income: not a number"] == 300
    # what analysts query, the exports and the report: still the good build
    assert _fingerprint(tmp_path / "exports") == before
    with run.connect_published() as con:
        assert con.execute("select count(*) from customer_segments").fetchone()[0] == good_segments
        log = con.execute("select status, published from build_log order by finished_at").fetchall()
    assert log[-1] == ("failed", False)
    data = load_report_data(database)
    assert data.meta["invocation_id"] == good_invocation
    assert data.meta["later_failed"]
    assert data.quality["rows_read"] == good_segments + data.quality["rows_quarantined"]


def test_a_month_that_leaves_a_segment_empty_stops_in_one_line_and_refit_mends_it(
    tmp_path: Path, demo_build: DbtRun
) -> None:
    database = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_build.database, database)
    with demo_build.connect_published() as con:
        version, cluster, name = con.execute(
            "select model_version, cluster_id, persona_name from segment_profiles"
            " order by customers, cluster_id limit 1"
        ).fetchall()[0]
        segments = con.execute("select count(*) from segment_profiles").fetchall()[0][0]
        # the demo's customers without the smallest segment's, in shuffled order, as a
        # CSV another tool wrote: every other customer keeps the stored model's segment
        columns = ", ".join(["customer_id", *WAREHOUSE_ATTRIBUTES])
        table = con.sql(
            f"select {columns} from customer_segments where cluster_id <> {cluster}"
        ).to_arrow_table()
        table = table.take(np.random.default_rng(7).permutation(table.num_rows))
        published = con.execute("select invocation_id from build_log where published").fetchall()
    month = tmp_path / "month.csv"
    write_table(table, month)

    run = run_dbt(
        tmp_path / "scored", "build", database=database, dbt_vars={"customers_path": str(month)}
    )

    output = _one_line_error(run)
    assert (
        f"customers_path '{month}': no customer falls in segment {cluster} ({name}) of model"
        f" {version}, which this build scores with ({table.num_rows} customers in"
        f" {segments - 1} of its {segments} segments)"
    ) in output, output[-3000:]
    assert "refit (--vars '{refit: true}')" in output
    # the per-segment marts were not built on a month they cannot describe
    statuses = {r["unique_id"].split(".")[-1]: r["status"] for r in run.results()}
    assert statuses["assert_every_segment_has_customers"] == "error"
    assert statuses["segment_profiles"] == "skipped"
    assert sum(status in {"fail", "error"} for status in statuses.values()) == 1
    with run.connect_published() as con:
        assert (
            con.execute("select invocation_id from build_log where published").fetchall()
            == published
        )

    refit = run_dbt(
        tmp_path / "refit",
        "build",
        database=database,
        dbt_vars={"customers_path": str(month), "refit": True},
    )

    assert refit.returncode == 0, refit.output[-3000:]
    with refit.connect_published() as con:
        assert con.execute("select count(*) from customer_segments").fetchone()[0] == (
            table.num_rows
        )
        assert con.execute("select min(customers) from segment_profiles").fetchone()[0] > 0


def test_report_refuses_a_warehouse_never_published(tmp_path: Path) -> None:
    from bank_segments.cli import main

    path = _write(
        tmp_path / "few.csv", list(ATTRIBUTES), [[r[n] for n in ATTRIBUTES] for r in _rows(rows=3)]
    )
    run = run_dbt(tmp_path / "build", "build", dbt_vars={"customers_path": str(path)})
    assert run.returncode != 0
    assert main(["report", "--db", str(run.database), "--out", str(tmp_path / "r.html")]) == 2
    assert not (tmp_path / "r.html").exists()


# ------------------------------------------------------------------ audit points


def test_doubled_carriage_returns_name_the_cause_and_the_repair(tmp_path: Path) -> None:
    rows = _rows()
    body = [[row[name] for name in ATTRIBUTES] for row in rows]
    path = _write(tmp_path / "twice_converted.csv", list(ATTRIBUTES), body, newline="\r\r\n")
    output = _one_line_error(_build(tmp_path, path))
    assert f"customers_path '{path}': line 2 and others end in CR CR LF" in output
    assert "Error when sniffing" not in output
    # the repair the message prints, run as printed, makes the file load
    repair = f"sed -i 's/\\r\\r$/\\r/' '{path}'"
    assert repair in output
    subprocess.run(["sh", "-c", repair], check=True)
    _assert_all_valid(_build(tmp_path, path), ROWS)


def test_an_existing_table_is_read_like_a_file(tmp_path: Path) -> None:
    """var customers_table: a bank's table already in the warehouse, typed columns."""
    database = tmp_path / "build" / "warehouse.duckdb"
    database.parent.mkdir(parents=True)
    table = generate_customers(ROWS, seed=21).customers
    with duckdb.connect(str(database)) as con:
        con.register("generated", table)
        con.execute("create schema lake")
        con.execute(
            "create table lake.bank_customers as select * replace"
            " (cast(Income as decimal(12, 2)) as Income) from generated"
        )
    run = run_dbt(
        tmp_path / "build",
        "build",
        *DATA_LAYER,
        dbt_vars={"customers_table": "lake.bank_customers"},
        database=database,
    )
    _assert_all_valid(run, ROWS)
    assert "customers_table 'lake.bank_customers': 11 columns" in run.output
    with run.connect() as con:
        ids = con.execute("select customer_id from stg_customers order by 1").fetchall()
    assert [row[0] for row in ids] == sorted(str(v) for v in table.column("CustomerID").to_pylist())


@pytest.mark.parametrize(
    ("dbt_vars", "message"),
    [
        (
            {"customers_table": "lake.no_such_table"},
            "customers_table 'lake.no_such_table' does not exist: give an existing table",
        ),
        (
            {"customers_table": "lake.customers", "customers_path": "x.csv"},
            "customers_table 'lake.customers' and customers_path 'x.csv' are both set",
        ),
        (
            {"customers_table": "customers; drop table x"},
            'customers_table = "customers; drop table x" is not a table name',
        ),
    ],
)
def test_a_bad_customers_table_is_one_line(tmp_path: Path, dbt_vars: dict, message: str) -> None:
    run = run_dbt(tmp_path, "build", *DATA_LAYER, dbt_vars=dbt_vars)
    assert message in _one_line_error(run)


def test_two_columns_for_one_attribute_stop_the_build(tmp_path: Path) -> None:
    rows = _rows()
    header = [*ATTRIBUTES, "credit_score"]
    body = [[row[name] for name in ATTRIBUTES] + ["577"] for row in rows]
    run = _build(tmp_path, _write(tmp_path / "twice.csv", header, body))
    assert "has two columns for credit_score: 'CreditScore' and 'credit_score'" in _one_line_error(
        run
    )


def test_a_repeated_header_stops_the_build(tmp_path: Path) -> None:
    rows = _rows()
    header = [*ATTRIBUTES, "CreditScore"]
    body = [[row[name] for name in ATTRIBUTES] + ["577"] for row in rows]
    run = _build(tmp_path, _write(tmp_path / "twice.csv", header, body))
    assert "has two columns for credit_score: 'CreditScore' and 'CreditScore'" in _one_line_error(
        run
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (5, "max_rejected_share = 5 is not a share between 0 and 1"),
        (-0.1, "max_rejected_share = -0.1 is not a share between 0 and 1"),
        ("five percent", 'max_rejected_share = "five percent" is not a number'),
        ("1 or true", 'max_rejected_share = "1 or true" is not a number'),
    ],
)
def test_bad_vars_stop_the_build_before_anything_runs(
    tmp_path: Path, value: object, problem: str
) -> None:
    run = run_dbt(tmp_path, "build", dbt_vars={"max_rejected_share": value})
    output = _one_line_error(run)
    assert problem in output
    assert "A good value: --vars '{max_rejected_share: 0.05}'" in output
    assert not (tmp_path / "target" / "run_results.json").exists() or all(
        result["status"] != "success" for result in run.results()
    )


@pytest.mark.parametrize(
    ("dbt_vars", "problem"),
    [
        ({"csv_delimiter": ":"}, 'var csv_delimiter = ":" is not one of'),
        ({"as_of_date": "31/01/2026"}, 'var as_of_date = "31/01/2026" is not a date'),
        ({"plausibility_bounds": {"income": [5, 1]}}, "a low bound above its high bound"),
        (
            {"as_of_date": "2026-02-30"},
            'var as_of_date = "2026-02-30" is not a date: 2026-02 has 28',
        ),
        ({"k_min": 9, "k_max": 8}, "var k_min = 9 is above k_max = 8: the candidate K range is"),
        ({"fit_sample_size": 5}, "var fit_sample_size = 5 is not above the largest K (8)"),
        (
            {"segment_count": 4, "stability_sample_size": 4},
            "var stability_sample_size = 4 is not above the largest K (4)",
        ),
        ({"min_segment_share": 0.9}, "var min_segment_share = 0.9 leaves no K eligible"),
        ({"segment_features": []}, "var segment_features = [] lists fewer than two features"),
        ({"segment_features": ["age", "wealth"]}, 'names "wealth", not a feature of'),
        ({"segment_features": ["age", "age"]}, 'names "age" twice'),
        (
            {"log1p_features": ["income"], "segment_features": ["age", "credit_score"]},
            'var log1p_features = ["income"] names "income", which is not in segment_features',
        ),
        (
            {"refit": True, "model_version": "v0001-20260101"},
            'vars refit: true and model_version: "v0001-20260101" contradict each other',
        ),
    ],
)
def test_other_vars_are_checked_too(tmp_path: Path, dbt_vars: dict, problem: str) -> None:
    run = run_dbt(tmp_path, "build", dbt_vars=dbt_vars)
    output = _one_line_error(run)
    assert problem in output
    # nothing ran: the check is on-run-start's, not a node's
    assert "Python model failed" not in output
    assert not (tmp_path / "target" / "run_results.json").exists() or all(
        result["status"] != "success" for result in run.results()
    )


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("BANK_SEGMENTS_THREADS", "two", "BANK_SEGMENTS_THREADS=two is not a number of threads"),
        ("BANK_SEGMENTS_THREADS", "0", "BANK_SEGMENTS_THREADS=0 is not a number of threads"),
        (
            "BANK_SEGMENTS_MEMORY_LIMIT",
            "lots",
            "BANK_SEGMENTS_MEMORY_LIMIT=lots is not an amount of memory; set it to a size",
        ),
    ],
)
def test_bad_profile_environment_variables_are_one_line(
    tmp_path: Path, variable: str, value: str, problem: str
) -> None:
    run = run_dbt(tmp_path, "build", env={variable: value})
    output = _one_line_error(run)
    assert problem in output
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_bounds_written_in_short_exponent_form_are_numbers(tmp_path: Path) -> None:
    # YAML reads 5e10 (no dot, no exponent sign) as text; the README's example uses it
    run = run_dbt(
        tmp_path,
        "compile",
        "--select",
        "stg_customers__checked",
        dbt_vars={"plausibility_bounds": {"income": [1, "5e10"]}},
    )
    assert run.returncode == 0, run.output[-2000:]
    compiled = next((tmp_path / "target" / "compiled").rglob("stg_customers__checked.sql"))
    assert "50000000000" in compiled.read_text()


def test_absurd_finite_values_are_quarantined_as_implausible(tmp_path: Path) -> None:
    rows = _rows()
    rows[0]["Income"] = "1e308"
    rows[1]["Income"] = "1e-320"
    rows[2]["AvgAccountBalance"] = "5e15"
    body = [[row[name] for name in ATTRIBUTES] for row in rows]
    run = _build(tmp_path, _write(tmp_path / "absurd.csv", list(ATTRIBUTES), body))
    assert run.returncode == 0, run.output[-4000:]
    with run.connect() as con:
        rejected = con.execute(
            "select source_row_number, rejection_reasons from stg_customers__rejected order by 1"
        ).fetchall()
        infinite = con.execute(
            "select count(*) from int_customer_features where not isfinite(spending_ratio)"
            " or not isfinite(clv_proxy) or not isfinite(engagement_score)"
        ).fetchone()[0]
    assert rejected == [
        (1, ["income: implausible, outside 1 to 1000000000"]),
        (2, ["income: implausible, outside 1 to 1000000000"]),
        (3, ["avg_account_balance: implausible, outside 0 to 10000000000"]),
    ]
    assert infinite == 0
    assert sum(_counts(run)[1:]) == ROWS


def test_plausibility_bounds_are_overridable(tmp_path: Path) -> None:
    rows = _rows()
    rows[0]["Income"] = "5000000000"
    body = [[row[name] for name in ATTRIBUTES] for row in rows]
    path = _write(tmp_path / "rich.csv", list(ATTRIBUTES), body)
    run = _build(tmp_path, path, plausibility_bounds={"income": [1, 1e10]})
    _assert_all_valid(run, ROWS)


def test_wildcards_in_customers_path_are_refused(tmp_path: Path) -> None:
    run = _build(tmp_path, tmp_path / "*.csv")
    assert "contains a wildcard" in _one_line_error(run)


def test_a_file_named_with_brackets_is_read_and_not_taken_for_a_pattern(tmp_path: Path) -> None:
    # as a glob, customers[2026].csv would match customers2.csv: that file must not be read
    rows = _rows()
    body = [[row[name] for name in ATTRIBUTES] for row in rows]
    _write(tmp_path / "customers2.csv", list(ATTRIBUTES), body[:20])
    path = _write(tmp_path / "customers[2026].csv", list(ATTRIBUTES), body)
    run = _build(tmp_path, path)
    _assert_all_valid(run, ROWS)


def test_ids_are_trimmed_and_float_ids_become_integer_text(tmp_path: Path) -> None:
    table = generate_customers(ROWS, seed=21).customers
    ids = [1234567890123456.0 + i for i in range(ROWS)]
    table = table.set_column(0, "CustomerID", pa.array(ids))
    pq.write_table(table, tmp_path / "float_ids.parquet")
    run = _build(tmp_path, tmp_path / "float_ids.parquet")
    _assert_all_valid(run, ROWS)
    with run.connect() as con:
        first = con.execute(
            "select customer_id from stg_customers order by source_row_number limit 1"
        ).fetchone()[0]
    assert first == "1234567890123456"

    # ids padded with spaces, a tab, a no-break space: all of it is trimmed, and the
    # numbers beside them may be padded with a tab too
    rows = _rows()
    pads = ["  ", "\t", "\u00a0", " \t"]
    body = [
        [f"{pads[i % 4]}C{i}{pads[i % 4]}", f"\t{row[ATTRIBUTES[0]]}\t"]
        + [row[name] for name in ATTRIBUTES[1:]]
        for i, row in enumerate(rows)
    ]
    run = _build(tmp_path / "text", _write(tmp_path / "ids.csv", ["CustomerID", *ATTRIBUTES], body))
    _assert_all_valid(run, ROWS)
    with run.connect() as con:
        ids = con.execute("select customer_id from stg_customers order by source_row_number")
        assert [customer_id for (customer_id,) in ids.fetchall()] == [f"C{i}" for i in range(ROWS)]


@pytest.mark.parametrize("rows", [0, 1, 5])
def test_few_row_files_fail_in_one_line_with_the_counts(tmp_path: Path, rows: int) -> None:
    body = [[row[name] for name in ATTRIBUTES] for row in _rows(rows=max(rows, 1))][:rows]
    run = _build(tmp_path, _write(tmp_path / "few.csv", list(ATTRIBUTES), body))
    output = _one_line_error(run)
    assert f"has {rows} valid customer(s); segmentation needs at least 9" in output


def test_as_of_date_comes_from_the_file_the_var_or_the_build_date(tmp_path: Path) -> None:
    rows = _rows()
    body = [[row[name] for name in ATTRIBUTES] + ["2026-01-31"] for row in rows]
    body[3][-1] = "31.31.2026"
    run = _build(tmp_path, _write(tmp_path / "dated.csv", [*ATTRIBUTES, "Snapshot Date"], body))
    assert run.returncode == 0, run.output[-4000:]
    with run.connect() as con:
        dates = con.execute(
            "select distinct cast(as_of_date as varchar) from int_customer_features"
        ).fetchall()
        rejected = con.execute("select rejection_reasons from stg_customers__rejected").fetchall()
    assert dates == [("2026-01-31",)]
    assert rejected == [
        (
            [
                "as_of_date: not a date (2026-01-31, 20260131, 31.01.2026, Jan 31, 2026,"
                " January 31, 2026, 31 Jan 2026, 31 January 2026)"
            ],
        )
    ]

    plain = _write(
        tmp_path / "plain.csv", list(ATTRIBUTES), [[r[n] for n in ATTRIBUTES] for r in rows]
    )
    run = _build(tmp_path / "var", plain, as_of_date="2025-12-31")
    assert run.returncode == 0, run.output[-4000:]
    with run.connect() as con:
        assert con.execute(
            "select distinct cast(as_of_date as varchar) from stg_customers"
        ).fetchall() == [("2025-12-31",)]


def test_as_of_dates_parse_by_the_listed_formats_and_bad_ones_are_quarantined(
    tmp_path: Path,
) -> None:
    rows = _rows()
    written = ["2026-01-31", "2026-1-31", "20260131", "31.01.2026", "Jan 31, 2026"]
    written += ["31 Jan 2026", "January 31, 2026", "2026-01-31 00:00:00"]
    body = [
        [row[name] for name in ATTRIBUTES] + [written[i % len(written)]]
        for i, row in enumerate(rows)
    ]
    bad = {3: "", 4: "0001-01-01", 5: "9999-12-31", 6: "31/01/2026", 7: "2026-02-30"}
    for index, value in bad.items():
        body[index][-1] = value
    path = tmp_path / "dated.csv"
    path.write_text(
        "\n".join(
            [",".join([*ATTRIBUTES, "snapshot_date"])]
            + [",".join(f'"{value}"' for value in line) for line in body]
        )
        + "\n"
    )
    run = _build(tmp_path, path)
    assert run.returncode == 0, run.output[-4000:]
    with run.connect() as con:
        dates = con.execute("select distinct cast(as_of_date as varchar) from stg_customers")
        assert dates.fetchall() == [("2026-01-31",)]  # never the build's day
        rejected = dict(
            con.execute(
                "select source_row_number, rejection_summary from stg_customers__rejected"
            ).fetchall()
        )
    assert rejected[4] == "as_of_date: missing"
    assert rejected[5].startswith("as_of_date: implausible, outside 1990-01-01 to ")
    assert rejected[6].startswith("as_of_date: implausible, outside 1990-01-01 to ")
    assert rejected[7].startswith("as_of_date: not a date (")
    assert rejected[8].startswith("as_of_date: not a date (")
    assert len(rejected) == 5


# ------------------------------------------------- `bank-segments build` housekeeping


def _bank_segments_build(tmp_path: Path, database: Path, *dbt_args: str):
    import os
    import subprocess
    import sys

    command = [
        str(Path(sys.executable).with_name("bank-segments")),
        "build",
        *dbt_args,
        "--target-path",
        str(tmp_path / "target"),
        "--log-path",
        str(tmp_path / "logs"),
    ]
    env = {**os.environ, "BANK_SEGMENTS_DB": str(database)}
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)


def test_a_locked_warehouse_is_one_line(tmp_path: Path) -> None:
    import duckdb

    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)):  # another writer holds the lock
        done = _bank_segments_build(tmp_path, database, "--select", "stg_customers__input")
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.count("\n") == 1
    assert f"the warehouse {database} is in use by another process" in done.stderr


def test_an_interrupted_exports_temporary_file_is_removed_at_the_next_build(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    exports = tmp_path / "exports"
    exports.mkdir()
    # every mart's leftover, and a manifest's, not only those of some marts
    from tests.dbt_runner import MARTS

    stale = [exports / f"tmp_{mart}.parquet" for mart in MARTS]
    stale.append(exports / "tmp_customer_segments.manifest.json")
    for path in stale:
        path.write_bytes(b"")
    keep = exports / "notes.txt"
    keep.write_text("mine")
    done = _bank_segments_build(tmp_path, database, "--select", "feature_bands")
    assert done.returncode == 0, done.stdout[-3000:]
    assert [path for path in stale if path.exists()] == []
    assert keep.exists()
    for path in stale:
        assert f"removed {path}" in done.stdout
