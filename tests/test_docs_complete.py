"""Every model and seed in the project, and every column they hold, has a description.

Runs `dbt docs generate` against a copy of the demo warehouse, then compares the
catalog (the columns that really exist) with the manifest (the descriptions written
in yml). The failure message lists each undocumented model, seed or column.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.dbt_runner import MARTS, DbtRun, run_dbt

PROJECT = "bank_segments"


@pytest.fixture(scope="module")
def docs_run(demo_build: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """`dbt docs generate` on a copy of the demo warehouse, as CI runs it."""
    workdir = tmp_path_factory.mktemp("docs")
    database = workdir / "warehouse.duckdb"
    shutil.copyfile(demo_build.database, database)
    run = run_dbt(workdir, "docs", "generate", database=database)
    assert run.returncode == 0, run.output[-4000:]
    return run


@pytest.fixture(scope="module")
def docs(docs_run: DbtRun) -> tuple[dict, dict]:
    """manifest.json and catalog.json of `dbt docs generate` on the demo warehouse."""
    run = docs_run
    manifest = json.loads((run.target / "manifest.json").read_text())
    catalog = json.loads((run.target / "catalog.json").read_text())
    return manifest, catalog


def _missing_descriptions(manifest: dict, catalog: dict, resource_types: set[str]) -> list[str]:
    missing = []
    built = {**catalog["nodes"], **catalog.get("sources", {})}
    for unique_id, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] not in resource_types or node["package_name"] != PROJECT:
            continue
        if not node.get("description", "").strip():
            missing.append(f"{unique_id}: no description")
        documented = {
            name.lower(): column.get("description", "").strip()
            for name, column in node.get("columns", {}).items()
        }
        columns = built.get(unique_id, {}).get("columns", {})
        for name in sorted(columns, key=lambda c: columns[c]["index"]):
            if not documented.get(name.lower()):
                missing.append(f"{unique_id}.{name}: no description")
    return missing


def test_docs_generate_builds_a_catalog_of_every_model(docs: tuple[dict, dict]) -> None:
    manifest, catalog = docs
    models = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == PROJECT
    }
    assert models
    assert models <= set(catalog["nodes"])


def test_every_model_seed_and_column_has_a_description(docs: tuple[dict, dict]) -> None:
    manifest, catalog = docs
    missing = _missing_descriptions(manifest, catalog, {"model", "seed"})
    assert not missing, f"{len(missing)} missing description(s):\n" + "\n".join(missing)


def test_marts_and_analyses_are_fully_documented(docs: tuple[dict, dict]) -> None:
    manifest, catalog = docs
    missing = [
        item
        for item in _missing_descriptions(manifest, catalog, {"model", "seed", "analysis"})
        if any(f".{mart}" in item for mart in MARTS)
        or ".strategy_playbook" in item
        or item.startswith("analysis.")
    ]
    assert not missing, missing
    analyses = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "analysis" and node["package_name"] == PROJECT
    ]
    assert len(analyses) >= 5
    assert all(node["description"].strip() and node["columns"] for node in analyses)


def test_exposures_list_the_marts_they_read(docs: tuple[dict, dict]) -> None:
    manifest, _ = docs
    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    assert {"bank_segments_report", "segment_dashboard"} <= set(exposures)
    # the report draws the risk mix from segment_band_distribution, the dashboard from
    # segment_risk_distribution (its credit_risk slice)
    for name, bands in (
        ("bank_segments_report", "segment_band_distribution"),
        ("segment_dashboard", "segment_risk_distribution"),
    ):
        reads = set(exposures[name]["depends_on"]["nodes"])
        for mart in ("customer_segments", "segment_profiles", bands, "segment_strategies"):
            assert f"model.{PROJECT}.{mart}" in reads, (name, mart)


def test_docs_generate_prints_no_warning(docs_run: DbtRun) -> None:
    """Deprecations, unused config paths, bad doc blocks: dbt prints them as warnings."""
    warnings = [line for line in docs_run.output.splitlines() if "warn" in line.lower()]
    assert not warnings, "\n".join(warnings)


def test_readme_layout_table_names_every_layer_folder() -> None:
    """The README's layout table maps each DAG layer to its folder, one row a folder."""
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    readme = (repo / "README.md").read_text()
    table = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1].strip().strip("`") for line in table.splitlines() if "| `" in line]
    layers = sorted(
        f"{path.relative_to(repo)}/" for path in (repo / "dbt_project" / "models").iterdir()
    )
    assert [layer for layer in layers if layer not in rows] == []
    assert len(rows) == len(set(rows)), "a folder is listed twice"
    missing_folders = [row for row in rows if not (repo / row).exists()]
    assert missing_folders == []
