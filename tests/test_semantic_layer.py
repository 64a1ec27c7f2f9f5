"""The MetricFlow semantic layer answers the README's questions with the marts' numbers.

Each question in QUESTIONS is a `bank-segments-mf query` command quoted verbatim in the
README's "Semantic layer" section and an equivalent SQL query over the marts. The test
runs both on the demo warehouse (MetricFlow through dbt's profile, like an analyst) and
compares every row and value.
"""

from __future__ import annotations

import csv
import math
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from bank_segments.generator import generate_customers, write_table
from tests.dbt_runner import DbtRun, run_dbt

REPO = Path(__file__).resolve().parents[1]
MF = Path(sys.executable).with_name("bank-segments-mf")

QUESTIONS = {
    "average CLV by persona": (
        "bank-segments-mf query --metrics avg_clv --group-by customer__persona_name",
        """
        select persona_name, avg(clv_proxy) as avg_clv
        from customer_segments
        group by persona_name
        """,
    ),
    "size, share of the base and credit risk of each persona": (
        "bank-segments-mf query --metrics customers,segment_share,elevated_credit_risk_share"
        " --group-by customer__persona_name",
        """
        select persona_name, customers, share_of_customers, elevated_credit_risk_share
        from segment_profiles
        """,
    ),
    "digital adoption by age band and month, confidently segmented customers only": (
        "bank-segments-mf query --metrics digital_adoption_rate,customers"
        " --group-by metric_time__month,customer__age_band"
        " --where \"{{ Dimension('customer__is_low_confidence') }} = false\"",
        """
        select
            date_trunc('month', as_of_date) as month,
            age_band,
            avg(case when digital_adoption_band = 'High' then 1.0 else 0.0 end)
                as digital_adoption_rate,
            count(*) as customers
        from customer_segments
        where not is_low_confidence
        group by 1, 2
        """,
    ),
}


@pytest.fixture(scope="module")
def mf_project(demo_build: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dbt project root for mf: the repo's project and profile files, the demo build's
    semantic manifest in target/, and a copy of the demo warehouse."""
    return _mf_root(tmp_path_factory.mktemp("semantic"), demo_build)


def _mf_root(root: Path, demo_build: DbtRun) -> Path:
    root.mkdir(exist_ok=True)
    for name in ("dbt_project.yml", "profiles.yml"):
        (root / name).symlink_to(REPO / name)
    (root / "target").mkdir()
    shutil.copyfile(
        demo_build.target / "semantic_manifest.json", root / "target" / "semantic_manifest.json"
    )
    shutil.copyfile(demo_build.database, root / "warehouse.duckdb")
    return root


def _mf_rows(
    mf_project: Path, command: str, out: Path, database: Path | None = None
) -> list[tuple]:
    args = shlex.split(command)
    assert args[0] == "bank-segments-mf"
    database = database or mf_project / "warehouse.duckdb"
    done = subprocess.run(
        [str(MF), *args[1:], "--csv", str(out)],
        cwd=mf_project,
        env={**os.environ, "BANK_SEGMENTS_DB": str(database)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with out.open(newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return [tuple(_value(cell) for cell in row) for row in rows]


def _value(cell: str) -> object:
    try:
        return float(cell)
    except ValueError:
        return cell[:10] if cell[:4].isdigit() and cell[4:5] == "-" else cell


def _sql_rows(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(sql).fetchall()
    return [
        tuple(
            float(cell) if isinstance(cell, int | float) and not isinstance(cell, bool)
            else str(cell)[:10] if hasattr(cell, "isoformat") else cell
            for cell in row
        )
        for row in rows
    ]  # fmt: skip


def _same(left: list[tuple], right: list[tuple]) -> bool:
    if len(left) != len(right):
        return False
    for a, b in zip(sorted(left, key=str), sorted(right, key=str), strict=True):
        for x, y in zip(a, b, strict=True):
            if isinstance(x, float) and isinstance(y, float):
                if not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12):
                    return False
            elif x != y:
                return False
    return True


def test_readme_shows_every_question() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Semantic layer", 1)[1].split("\n## ", 1)[0]
    for question, (command, _) in QUESTIONS.items():
        assert command in section, question


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_mf_answers_like_sql_over_the_marts(
    question: str, mf_project: Path, tmp_path: Path
) -> None:
    command, sql = QUESTIONS[question]
    answer = _mf_rows(mf_project, command, tmp_path / "answer.csv")
    expected = _sql_rows(mf_project / "warehouse.duckdb", sql)
    assert answer, question
    assert _same(answer, expected), f"{question}\nmf:  {sorted(answer, key=str)}\nsql: " + str(
        sorted(expected, key=str)
    )


def test_segment_share_is_a_share_of_the_whole_base(mf_project: Path, tmp_path: Path) -> None:
    """Shares over personas sum to 1, and a filter narrows the slice, not the base."""
    by_persona = _mf_rows(
        mf_project,
        "bank-segments-mf query --metrics segment_share --group-by customer__persona_name",
        tmp_path / "shares.csv",
    )
    assert math.isclose(sum(row[1] for row in by_persona), 1.0, rel_tol=1e-12)
    filtered = _mf_rows(
        mf_project,
        "bank-segments-mf query --metrics segment_share"
        " --where \"{{ Dimension('customer__credit_risk_band') }} = 'Poor'\"",
        tmp_path / "poor.csv",
    )
    expected = _sql_rows(
        mf_project / "warehouse.duckdb",
        "select avg(case when credit_risk_band = 'Poor' then 1.0 else 0.0 end)"
        " from customer_segments",
    )
    assert _same(filtered, expected)
    assert 0 < filtered[0][0] < 1


def test_mf_answers_from_the_published_build_of_the_warehouse_it_is_given(
    demo_build: DbtRun, tmp_path: Path
) -> None:
    """A `dbt run` of another input is never published: mf still counts what main shows.

    The warehouse file has another name than the one dbt parsed with (DuckDB names the
    database after the file); bank-segments-mf points the manifest at it in one line.
    """
    database = tmp_path / "renamed.duckdb"
    shutil.copyfile(demo_build.database, database)
    other = tmp_path / "other.parquet"
    write_table(generate_customers(3_000, seed=11).customers, other)
    run = run_dbt(
        tmp_path / "run",
        "run",
        "--select",
        "+semantic_customer_segments+",
        database=database,
        dbt_vars={"customers_path": str(other)},
    )
    assert run.returncode == 0, run.output[-3000:]
    with run.connect() as con:
        assert con.execute("select count(*) from work.semantic_customer_segments").fetchone() == (
            3000,
        )
    project = _mf_root(tmp_path / "project", demo_build)
    counted = _mf_rows(
        project, "bank-segments-mf query --metrics customers", tmp_path / "n.csv", database
    )
    assert counted == [(1500.0,)]
    assert _sql_rows(database, "select count(*) from customer_segments") == [(1500.0,)]
