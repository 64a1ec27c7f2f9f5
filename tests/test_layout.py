"""The project's folders are the DAG's steps, read top-down in the README's layout table.

A model refs only models in its own folder or in a folder listed above it; a seed comes
first. The folders and their order are read from the README's "Layout" table, so the
table and the tree cannot drift apart without this failing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.dbt_runner import DbtRun

REPO = Path(__file__).resolve().parents[1]


def layout_folders() -> list[str]:
    """The model folders of the README's layout table, in its order (seeds/ first)."""
    section = REPO.joinpath("README.md").read_text().split("## Layout", 1)[1].split("\n## ")[0]
    folders = re.findall(r"^\| `([^`]+/)` \|", section, flags=re.MULTILINE)
    return [f for f in folders if f == "seeds/" or f == "python_models/" or "/models/" in f]


def step_of(path: str, folders: list[str]) -> int:
    """The index of the step folder holding ``path`` (the longest matching prefix)."""
    matches = [i for i, folder in enumerate(folders) if path.startswith(folder)]
    assert matches, f"{path} is in no folder of the README's layout table"
    return max(matches, key=lambda i: len(folders[i]))


def refs_pointing_down(manifest: dict, folders: list[str]) -> list[str]:
    nodes = manifest["nodes"]
    down = []
    for node in nodes.values():
        if node["resource_type"] != "model":
            continue
        step = step_of(node["original_file_path"], folders)
        for parent in node["depends_on"]["nodes"]:
            if parent not in nodes or nodes[parent]["resource_type"] not in {"model", "seed"}:
                continue
            parent_step = step_of(nodes[parent]["original_file_path"], folders)
            if parent_step > step:
                down.append(
                    f"{node['name']} ({folders[step]}) refs {nodes[parent]['name']} "
                    f"({folders[parent_step]})"
                )
    return down


def test_the_layout_table_lists_every_step_in_dag_order() -> None:
    assert layout_folders() == [
        "seeds/",
        "dbt_project/models/staging/",
        "dbt_project/models/intermediate/",
        "dbt_project/models/eda/",
        "dbt_project/models/fit_sample/",
        "python_models/",
        "dbt_project/models/registry/",
        "dbt_project/models/marts/",
        "dbt_project/models/explanations/",
        "dbt_project/models/review/",
        "dbt_project/models/history/",
        "dbt_project/models/semantic/",
    ]


def test_no_model_refs_a_folder_below_its_own(demo_build: DbtRun) -> None:
    manifest = json.loads((demo_build.target / "manifest.json").read_text())
    folders = layout_folders()
    assert refs_pointing_down(manifest, folders) == []
    # every model folder on disk is a step of the table
    on_disk = {
        f"{p.parent.relative_to(REPO).as_posix()}/"
        for p in (REPO / "dbt_project" / "models").glob("*/*.sql")
    }
    assert on_disk <= set(folders), on_disk - set(folders)


def test_a_ref_down_the_list_is_found() -> None:
    """The check can fail: a fitted-registry view reading a mart is reported."""
    folders = layout_folders()
    manifest = {
        "nodes": {
            "model.p.segment_scaler": {
                "resource_type": "model",
                "name": "segment_scaler",
                "original_file_path": "dbt_project/models/registry/segment_scaler.sql",
                "depends_on": {"nodes": ["model.p.customer_segments", "seed.p.bands"]},
            },
            "model.p.customer_segments": {
                "resource_type": "model",
                "name": "customer_segments",
                "original_file_path": "dbt_project/models/marts/customer_segments.sql",
                "depends_on": {"nodes": []},
            },
            "seed.p.bands": {
                "resource_type": "seed",
                "name": "bands",
                "original_file_path": "seeds/bands.csv",
                "depends_on": {"nodes": []},
            },
        }
    }
    assert refs_pointing_down(manifest, folders) == [
        "segment_scaler (dbt_project/models/registry/) refs customer_segments "
        "(dbt_project/models/marts/)"
    ]


#: Dispatch macros that are not helpers but a step's own engine-specific behaviour.
ENGINE_STEPS = {"publish_build", "export_marts"}


def macro_definitions() -> dict[str, Path]:
    """Every macro of the project (tests excluded) and the file defining it."""
    found = {}
    for path in (REPO / "dbt_project" / "macros").rglob("*.sql"):
        for name in re.findall(r"\{%-?\s*macro\s+(\w+)\s*\(", path.read_text()):
            found[name] = path
    return found


def test_every_engine_difference_is_a_cross_db_macro_in_one_folder() -> None:
    folder = REPO / "dbt_project" / "macros" / "cross_db"
    misplaced = []
    for name, path in macro_definitions().items():
        base = re.sub(r"^(default|spark|duckdb)__", "", name)
        dispatched = base != name or "adapter.dispatch" in path.read_text().split(name, 1)[1][:400]
        if base in ENGINE_STEPS or base == "persist_constraints":  # dbt-spark's own, overridden
            continue
        if dispatched and not (base.startswith("cross_db_") and path.parent == folder):
            misplaced.append(f"{name} ({path.relative_to(REPO)})")
        if base.startswith("cross_db_") and path.parent != folder:
            misplaced.append(f"{name} ({path.relative_to(REPO)})")
    assert misplaced == []


def test_no_column_description_is_repeated_verbatim() -> None:
    """A description several columns share is a docs block (dbt_project/docs/columns.md)."""
    import yaml

    seen: dict[str, list[str]] = {}
    for path in [
        *(REPO / "dbt_project" / "models").rglob("*.yml"),
        *REPO.glob("python_models/*.yml"),
    ]:
        for model in yaml.safe_load(path.read_text()).get("models") or []:
            for column in model.get("columns") or []:
                text = (column.get("description") or "").strip()
                if text and "{{" not in text:
                    seen.setdefault(text, []).append(f"{model['name']}.{column['name']}")
    assert {text: where for text, where in seen.items() if len(where) > 1} == {}


MEASURED = re.compile(
    r"\b\d+(\.\d+)? ?(s|ms|seconds|minutes)\b(?! ?%)|\b\d+(\.\d+)?x (faster|slower)\b"
)


def test_no_measured_figure_in_code_or_its_comments() -> None:
    """Timings go stale in code; they belong in BENCHMARKS.md."""
    sources = [
        *(REPO / "dbt_project").rglob("*.sql"),
        *(REPO / "dbt_project").rglob("*.yml"),
        *(REPO / "dbt_project").rglob("*.md"),
        *(REPO / "bank_segments").rglob("*.py"),
        *(REPO / "python_models").iterdir(),
        REPO / "dbt_project.yml",
        REPO / "profiles.yml",
    ]
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sources
        if path.is_file()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if MEASURED.search(line) and "%s" not in line
    ]
    assert found == []
