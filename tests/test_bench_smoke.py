"""Smoke test of the benchmark harness at 1,500 rows: it runs end to end and reports.

Measurement, not a timed test: nothing here asserts how long anything took.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_harness_runs_at_1500_rows_and_renders_its_results(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    results = tmp_path / "results.json"
    completed = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "run.py"),
            "--sizes",
            "1500",
            "--skip-seed-build",
            "--peers",
            "sklearn,dbt_refit,floor,duckdb_script",
            "--out",
            str(out),
            "--results",
            str(results),
            "--work-dir",
            str(tmp_path / "work"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr

    payload = json.loads(results.read_text())
    (size,) = payload["sizes"]
    assert size["rows"] == 1500
    for name in ("fit_build", "scoring_build"):
        build = size[name]
        assert build["ok"], build["log"]
        assert build["peak_rss_bytes"] > 0
        # Node timings come from run_results.json: ids, statuses and times.
        assert build["node_count"] > 0 and not build["failed"]
        assert all(node["unique_id"].count(".") >= 2 for node in build["slowest_nodes"])
        assert build["summary"]["k"] == 4
    for name in ("sklearn",):
        assert size["peers"][name]["ok"], size["peers"][name]["log"]
        assert size["peers"][name]["result"]["rows"] == 1500
        assert 2 <= size["peers"][name]["result"]["k"] <= 8
    # the dbt refit peer built twice, each time refitting K-Means on every customer
    for name in ("dbt_refit", "dbt_refit_warm"):
        refit = size["peers"][name]
        assert refit["ok"], refit["log"]
        assert refit["result"] == {"rows": 1500, "k": 4}
        assert refit["node_count"] > 0 and not refit["failed"]
    assert "spark_mllib" not in size["peers"]  # not asked for
    assert size["floor"]["result"]["rows"] == 1500
    assert sum(size["floor"]["result"]["customers_per_cluster"]) == 1500
    # the hand-written script wrote every valid customer, twice replacing one snapshot
    script = size["duckdb_script"]
    assert script["ok"], script["log"]
    assert script["result"]["rows_valid"] + script["result"]["rows_rejected"] == 1500
    assert script["result"]["history_rows"] == script["result"]["rows_valid"]
    stages = script["result"]["stages_seconds"]
    assert stages["total"] == sum(v for k, v in stages.items() if k != "total")

    # The markdown is rendered from the results file alone, and says what it measured.
    markdown = out.read_text()
    again = tmp_path / "again.md"
    render = [sys.executable, str(REPO / "bench" / "render.py"), "--results", str(results)]
    subprocess.run([*render, "--out", str(again)], cwd=REPO, check=True)
    assert again.read_text() == markdown
    assert "## Targets" in markdown
    assert "| 1,500 |" in markdown
    assert "What the outputs alone cost" in markdown
    assert "| 1M: dbt refit peer (next build) / our scoring build > 1x | n/a | not measured |" in (
        markdown
    )
    slowest = size["scoring_build"]["slowest_nodes"][0]["unique_id"]
    assert f"`{slowest}`" in markdown
