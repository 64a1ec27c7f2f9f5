"""Shared fixtures: one demo warehouse per test session, built by a real `dbt build`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dbt_runner import DbtRun, run_dbt


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """`dbt build` of the shipped demo seed into a temporary DuckDB file."""
    run = run_dbt(tmp_path_factory.mktemp("demo"), "build")
    assert run.returncode == 0, run.output[-4000:]
    return run


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]
