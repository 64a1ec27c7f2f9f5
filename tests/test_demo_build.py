"""The main job on the shipped demo data builds a complete warehouse."""

from __future__ import annotations

from tests.dbt_runner import DbtRun


def test_demo_build_has_every_valid_customer(demo_build: DbtRun) -> None:
    with demo_build.connect() as con:
        assert con.execute("select count(*) from stg_customers").fetchone()[0] == 1500
        assert con.execute("select count(*) from stg_customers__rejected").fetchone()[0] == 0


def test_demo_build_runs_every_node_successfully(demo_build: DbtRun) -> None:
    statuses = {result["unique_id"]: result["status"] for result in demo_build.results()}
    failed = {
        node: status
        for node, status in statuses.items()
        if status not in {"success", "pass", "no-op"}
    }
    assert not failed, failed
