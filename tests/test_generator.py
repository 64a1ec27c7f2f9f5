"""The generator: deterministic, keeps its planted truth apart; the seed is its output."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from bank_segments.cli import main
from bank_segments.generator import ATTRIBUTES, ID_COLUMN, generate_customers

REPO = Path(__file__).resolve().parents[1]
SEED_FILE = REPO / "seeds" / "demo_customers.csv"


def test_shipped_seed_is_reproduced_by_the_generator(tmp_path: Path) -> None:
    out = tmp_path / "demo_customers.csv"
    assert main(["generate", "--rows", "1500", "--seed", "42", "--out", str(out)]) == 0
    assert filecmp.cmp(out, SEED_FILE, shallow=False)


def test_same_seed_same_data_other_seed_other_data() -> None:
    first = generate_customers(2_000, seed=7).customers
    again = generate_customers(2_000, seed=7).customers
    other = generate_customers(2_000, seed=8).customers
    assert first.equals(again)
    assert not first.equals(other)


def test_truth_is_kept_out_of_the_customer_table() -> None:
    generated = generate_customers(500, seed=1)
    assert generated.customers.column_names == [ID_COLUMN, *ATTRIBUTES]
    assert "persona_id" not in generated.customers.column_names
    assert generated.truth.column("persona_id").null_count == 0
    ids = generated.customers.column(ID_COLUMN).to_pylist()
    assert ids == generated.truth.column(ID_COLUMN).to_pylist()
    assert len(set(ids)) == len(ids)


def test_values_stay_in_plausible_ranges() -> None:
    customers = generate_customers(50_000, seed=3).customers
    column = {name: customers.column(name).to_numpy() for name in ATTRIBUTES}
    assert column["Age"].min() >= 18 and column["Age"].max() <= 90
    assert column["CreditScore"].min() >= 300 and column["CreditScore"].max() <= 850
    assert column["AppUsageScore"].min() >= 0 and column["AppUsageScore"].max() <= 10
    assert column["NumProducts"].min() >= 1
    assert column["Income"].min() > 0
    for name in ("AccountTenure", "MonthlySpending", "AvgAccountBalance", "SupportCalls"):
        assert column[name].min() >= 0, name


def test_parquet_output_and_truth_file(tmp_path: Path) -> None:
    out, truth = tmp_path / "c.parquet", tmp_path / "truth.parquet"
    args = ["generate", "--rows", "300", "--seed", "5", "--out", str(out), "--truth", str(truth)]
    assert main(args) == 0
    table = pq.read_table(out)
    assert table.num_rows == 300
    assert np.array_equal(
        table.column(ID_COLUMN).to_numpy(), pq.read_table(truth).column(ID_COLUMN).to_numpy()
    )


def test_unknown_extension_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["generate", "--rows", "10", "--out", str(tmp_path / "c.xlsx")]) == 2
    assert "unsupported output extension" in capsys.readouterr().err
