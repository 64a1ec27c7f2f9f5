"""The analyst queries in analyses/ compile with dbt and run on the demo warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.dbt_runner import DbtRun, run_dbt

REPO = Path(__file__).resolve().parents[1]
ANALYSES = REPO / "analyses"
DOCUMENTED = {
    analysis["name"]: [column["name"] for column in analysis["columns"]]
    for analysis in yaml.safe_load((ANALYSES / "_analyses__docs.yml").read_text())["analyses"]
}


@pytest.fixture(scope="module")
def compiled(demo_build: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Compile every analysis against a copy of the demo warehouse (no lock on the original)."""
    workdir = tmp_path_factory.mktemp("analyses")
    database = workdir / "warehouse.duckdb"
    shutil.copyfile(demo_build.database, database)
    run = run_dbt(workdir, "compile", "--select", "resource_type:analysis", database=database)
    assert run.returncode == 0, run.output[-4000:]
    return run.target / "compiled" / "bank_segments" / "analyses", database


def test_every_analysis_is_documented_with_a_header() -> None:
    files = sorted(path.stem for path in ANALYSES.glob("*.sql"))
    assert len(files) >= 5
    assert files == sorted(DOCUMENTED)
    for name in files:
        header = (ANALYSES / f"{name}.sql").read_text().splitlines()[:4]
        assert all(line.startswith("--") for line in header), name
        assert any("Answers:" in line for line in header), name


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_analysis_runs_on_demo_with_documented_columns(
    name: str, compiled: tuple[Path, Path]
) -> None:
    folder, database = compiled
    sql = (folder / f"{name}.sql").read_text()
    with duckdb.connect(str(database), read_only=True) as con:
        result = con.execute(sql)
        columns = [column[0] for column in result.description]
        rows = result.fetchall()
    assert columns == DOCUMENTED[name]
    assert rows, f"{name} returned no rows on the demo data"


def test_analyses_pick_personas_by_id_not_cluster_number() -> None:
    for path in ANALYSES.glob("*.sql"):
        assert "cluster_id" not in path.read_text(), path.name


def test_persona_lists_hold_only_their_persona(compiled: tuple[Path, Path]) -> None:
    folder, database = compiled
    expected = {
        "lifestyle_spenders_cross_sell": "Lifestyle Spenders",
        "credit_dependent_early_warning": "Credit Dependent",
        "premium_wealth_targets": "Premium Investors",
    }
    with duckdb.connect(str(database), read_only=True) as con:
        for name, persona_name in expected.items():
            sql = (folder / f"{name}.sql").read_text()
            names = con.execute(f"select distinct persona_name from ({sql}\n)").fetchall()
            assert names == [(persona_name,)], name
        warning = (folder / "credit_dependent_early_warning.sql").read_text()
        bands = con.execute(f"select distinct credit_risk_band from ({warning}\n)").fetchall()
        assert bands == [("Poor",)]


def test_readme_lists_the_question_each_analysis_answers() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## For SQL analysts", 1)[1].split("\n## ", 1)[0]
    for name in DOCUMENTED:
        rows = [line for line in section.splitlines() if line.startswith(f"| `{name}` |")]
        assert len(rows) == 1, f"README lists no question for analyses/{name}.sql"
        assert len(rows[0].split("|")[2].strip()) > 20, name


def test_compile_produces_every_analysis_and_nothing_else(compiled: tuple[Path, Path]) -> None:
    folder, _ = compiled
    assert sorted(path.stem for path in folder.glob("*.sql")) == sorted(DOCUMENTED)
