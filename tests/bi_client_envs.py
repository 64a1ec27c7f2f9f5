"""Virtualenvs holding the DuckDB releases BI tools ship, for tests/test_bi_clients.py.

    python -m tests.bi_client_envs      # create the missing ones (`make bi-clients`)

Each client is one virtualenv under the cache folder, named after the client and a hash
of its pinned packages, so a new pin makes a new environment and an unchanged one is
created once per machine, not per test run or per clone. The folder is
$BANK_SEGMENTS_BI_CLIENTS_CACHE, else $XDG_CACHE_HOME/bank-segments/bi-clients, else
~/.cache/bank-segments/bi-clients. CI creates them in its install step (.ci/run), so
installing them is not counted as test time; a test run that finds one missing creates it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

CLIENTS = {
    # DuckDB 1.1: the oldest release the v1.1.0 storage format promises to serve.
    "duckdb-1.1": ("duckdb==1.1.3",),
    # DuckDB 1.4 with duckdb-engine and SQLAlchemy 1.4, as Superset pins them.
    "duckdb-1.4": ("duckdb==1.4.5", "duckdb-engine==0.17.0", "SQLAlchemy==1.4.54"),
}


class IndexUnreachable(RuntimeError):
    """The package index could not be reached, so a client cannot be installed."""


def cache_root() -> Path:
    """The folder holding one virtualenv per client and pin set."""
    explicit = os.environ.get("BANK_SEGMENTS_BI_CLIENTS_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bank-segments" / "bi-clients"


def env_dir(name: str) -> Path:
    """The virtualenv of one client: its name and a hash of its pinned packages."""
    key = hashlib.sha256("\n".join(CLIENTS[name]).encode()).hexdigest()[:12]
    return cache_root() / f"{name}-{key}"


def ensure(name: str) -> Path:
    """The Python of the client's virtualenv, created first when it is missing.

    The environment is built beside its final folder and renamed into place when every
    package is installed, so an interrupted install never looks finished.
    """
    env = env_dir(name)
    python = env / "bin" / "python"
    if python.exists():
        return python
    packages = CLIENTS[name]
    building = env.with_name(f"{env.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    building.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(building)], check=True)
    pip = [str(building / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    probe = subprocess.run(
        [*pip, "download", "--no-deps", "--only-binary=:all:", "-d", str(building / "probe"),
         packages[0]],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    if probe.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        raise IndexUnreachable(f"the package index is unreachable: {probe.stderr.strip()[-300:]}")
    install = subprocess.run(
        [*pip, "install", "--only-binary=:all:", *packages],
        capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    if install.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        raise RuntimeError(f"installing {' '.join(packages)} failed: {install.stderr[-2000:]}")
    shutil.rmtree(building / "probe", ignore_errors=True)
    try:
        building.rename(env)
    except OSError:  # another process finished the same environment first
        shutil.rmtree(building, ignore_errors=True)
    return python


def main() -> int:
    """Create every missing client environment; print where each one is."""
    for name in CLIENTS:
        try:
            python = ensure(name)
        except IndexUnreachable as error:
            print(f"bi-clients: {name}: {error}", file=sys.stderr)
            return 1
        print(f"bi-clients: {name}: {python.parent.parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
