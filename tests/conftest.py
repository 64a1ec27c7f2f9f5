"""Shared fixtures: one demo warehouse per test session, built by a real `dbt build`."""

from __future__ import annotations

import importlib.util
import os
import shutil
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


@pytest.fixture(scope="session")
def spark_engine() -> None:
    """Local Spark for `-m spark` tests: Java and the spark extra (pyspark, dbt-spark).

    Skips on a developer's machine without them; fails in CI (CI=true), which installs
    both, so a missing engine can never pass as a skipped test there.
    """
    missing = [
        name
        for name, found in (
            ("java (Debian: openjdk-17-jre-headless)", shutil.which("java")),
            ("pyspark", importlib.util.find_spec("pyspark")),
            ("dbt-spark", importlib.util.find_spec("dbt.adapters.spark")),
        )
        if not found
    ]
    if missing:
        message = "local Spark is not installed: missing " + ", ".join(missing)
        message += "; run `make install-spark` (and install Java 17)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
