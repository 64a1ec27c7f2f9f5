"""Shared fixtures, and how the suite is spread over pytest-xdist workers.

`make test` runs the suite on three pytest-xdist workers (`-n 3`). A test that uses a
module-scoped fixture runs in its module's xdist group, so the fixture is built once, on
one worker; modules that share such a fixture form one group (GROUPS). Every other test is
a group of its own and goes to whichever worker is free. Builds that several modules read
(the demo warehouse, the generated months, the Spark run) are made once per session by
whichever worker asks first (tests.dbt_runner.shared); the others wait for it and read the
same files. Groups are handed out longest first (RUN_FIRST), so the long Spark run starts
at once and overlaps everything else.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.dbt_runner import DbtRun, run_dbt, shared

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Several workers share two cores: one BLAS / OpenMP thread each (inherited by the
    # dbt processes), so idle BLAS threads do not spin against the other workers.
    for _threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_threads, "1")

#: The environment variable naming the file where workers write each test's group.
GROUPS_FILE = "BANK_SEGMENTS_XDIST_GROUPS"

#: Modules whose module-scoped fixtures must be built on one worker together.
GROUPS = {
    # one Spark session (Derby admits one process): every Spark assertion reads one run
    "test_spark": "spark",
    "test_spark_csv": "spark",
}

#: Groups scheduled before the others, longest first; the rest follow in file order.
RUN_FIRST = (
    "spark",
    "test_model_registry",
    "test_segments_over_time",
    "test_model_review",
    "test_sampling_agreement",
    "test_exports",
    "test_bench_smoke",
)


def _group(item: pytest.Item) -> str:
    """The module (or GROUPS entry) when the test uses a module-scoped fixture, else itself."""
    module = item.path.stem
    if module in GROUPS:
        return GROUPS[module]
    fixtures = getattr(item, "_fixtureinfo", None)
    definitions = fixtures.name2fixturedefs.values() if fixtures else ()
    if any(d.scope in {"module", "class", "package"} for defs in definitions for d in defs):
        return module
    return item.nodeid


def pytest_configure(config: pytest.Config) -> None:
    """On the xdist controller: where the workers write the test -> group map."""
    if getattr(config.option, "numprocesses", None) and not os.environ.get("PYTEST_XDIST_WORKER"):
        folder = Path(tempfile.mkdtemp(prefix="bank-segments-groups-"))
        os.environ[GROUPS_FILE] = str(folder / "groups.json")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the tests long groups first; on a worker, write each test's group down."""
    groups = {item.nodeid: _group(item) for item in items}

    def rank(item: pytest.Item) -> int:
        # a test of its own group ranks with its module
        key = groups[item.nodeid] if groups[item.nodeid] in RUN_FIRST else item.path.stem
        return RUN_FIRST.index(key) if key in RUN_FIRST else len(RUN_FIRST)

    items.sort(key=rank)  # stable: file and test order are kept within a rank
    path = os.environ.get(GROUPS_FILE)
    if path and os.environ.get("PYTEST_XDIST_WORKER"):
        partial = Path(f"{path}.{os.environ['PYTEST_XDIST_WORKER']}")
        partial.write_text(json.dumps(groups))
        partial.replace(path)  # every worker writes the same map


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """xdist's scope scheduling with this suite's groups as the scopes.

    (xdist's own `--dist loadgroup` reads `xdist_group` marks, but under pytest 9 it
    leaves every test a group of its own: the marks never reach the scheduler.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if not hasattr(self, "_groups"):
                self._groups = json.loads(Path(os.environ[GROUPS_FILE]).read_text())
            return self._groups.get(nodeid, nodeid)

    return GroupScheduling(config, log)


def _demo(folder: Path) -> DbtRun:
    run = run_dbt(folder, "build", unit_tests=True)
    assert run.returncode == 0, run.output[-4000:]
    return run


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """`dbt build` of the shipped demo seed into a temporary DuckDB file (read it only)."""
    return shared(tmp_path_factory, "demo", _demo)


@pytest.fixture(scope="session")
def spark_suite(spark_engine: None, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every Spark step of the suite in one Spark process (tests/spark_suite.py)."""
    from tests import spark_suite

    return shared(tmp_path_factory, "spark", spark_suite.run)


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
