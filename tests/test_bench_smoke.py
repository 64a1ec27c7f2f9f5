"""Smoke test of the benchmark harness at 1,500 rows: it runs end to end and reports.

Measurement, not a timed test: nothing here asserts how long anything took.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_harness_runs_at_1500_rows_and_writes_its_report(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    results = tmp_path / "results.json"
    completed = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "run.py"),
            "--sizes",
            "1500",
            "--out",
            str(out),
            "--json",
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

    markdown = out.read_text()
    assert "## How to run" in markdown
    assert "| rows | dbt build wall time | dbt build peak memory |" in markdown
    assert "| 1,500 |" in markdown
    assert "### Targets" in markdown
    assert "default build on the 1,500-row seed" in markdown

    payload = json.loads(results.read_text())
    (size,) = payload["sizes"]
    assert size["rows"] == 1500
    for build in (payload["seed_build"], size["build"]):
        assert build["measurement"]["returncode"] == 0, build["measurement"]["log_path"]
        assert build["measurement"]["peak_rss_bytes"] > 0
        # Node timings come from run_results.json: every node has an id, a status, a time.
        nodes = build["nodes"]
        assert nodes, "no node timings parsed from run_results.json"
        assert all(node["unique_id"].count(".") >= 2 for node in nodes)
        assert all(node["execution_time"] >= 0 for node in nodes)
        assert {"success", "pass"} & {node["status"] for node in nodes}
    # The per-node profile in the markdown lists parsed nodes by unique_id.
    assert "### Per-node profile" in markdown
    slowest = max(size["build"]["nodes"], key=lambda node: node["execution_time"])
    assert f"`{slowest['unique_id']}`" in markdown

    # Both references ran in their own process and reported a result.
    for name in ("baseline", "floor"):
        reference = size[name]
        assert reference["measurement"]["returncode"] == 0, reference["measurement"]["log_path"]
        assert reference["result"]["rows"] == 1500
    assert 2 <= size["baseline"]["result"]["k"] <= 8
