"""A fork server for dbt invocations: the `dbt` command without its start-up cost.

    python -m tests.dbt_forkserver      # started by tests/dbt_runner.py, one per worker

Starting `dbt` costs seconds before it reads a file: Python, dbt-core, the adapters,
agate, the JSON schemas of dbt's node classes, and for the dbt Python model NumPy,
pandas and scikit-learn. The suite runs about a hundred invocations, so this server
pays that once: it imports everything, then for each request forks a child that is the
`dbt` command (`dbt.cli.main.cli`, as the console script calls it) with the request's
arguments, working directory and environment, its stdout and stderr written to the
request's output file. Each invocation is still its own process, started from a state
in which no dbt command has run, so nothing leaks from one invocation to the next.

The server is single-threaded, which is what makes forking it safe. Protocol: one JSON
request per line on stdin, {"args": [...], "cwd": "...", "env": {...}, "output": "..."};
one JSON reply per line on stdout, {"returncode": n}.
"""

from __future__ import annotations

import atexit
import json
import os
import sys

#: The classes whose JSON schema dbt builds while parsing this project (dbt caches each
#: in an LRU cache of 128 entries: warming more classes would evict these).
SCHEMAS = {
    "dbt.artifacts.resources": (
        "AnalysisConfig", "Contract", "ExposureConfig", "MetricConfig", "ModelConfig",
        "NodeConfig", "SavedQueryConfig", "SeedConfig", "SemanticModelConfig", "TestConfig",
        "UnitTestConfig",
    ),
    "dbt.contracts.graph.nodes": (
        "AnalysisNode", "GenericTestNode", "HookNode", "ModelNode", "SeedNode",
        "SingularTestNode",
    ),
    "dbt.contracts.graph.unparsed": (
        "UnparsedAnalysisUpdate", "UnparsedExposure", "UnparsedMacroUpdate", "UnparsedMetric",
        "UnparsedModelUpdate", "UnparsedNodeUpdate", "UnparsedSavedQuery",
        "UnparsedSemanticModel", "UnparsedSingularTestUpdate", "UnparsedUnitTest",
    ),
    "dbt.contracts.project": ("Configuration", "PackageConfig", "Project", "ProfileConfig",
                              "ProjectFlags"),
    "dbt.contracts.selection": ("SelectorFile",),
    "dbt.adapters.duckdb.credentials": ("DuckDBCredentials",),
}  # fmt: skip


def _warm() -> None:
    """Import what every dbt invocation imports, and build dbt's JSON schemas once."""
    import importlib

    import agate  # noqa: F401
    import dbt.cli.main
    import dbt.parser.manifest  # noqa: F401
    import duckdb  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401
    import sklearn.cluster
    import sklearn.decomposition  # noqa: F401

    import bank_segments.segment_models  # noqa: F401

    for module_name, names in SCHEMAS.items():
        module = importlib.import_module(module_name)
        for name in names:
            contract = getattr(module, name, None)
            if contract is not None:
                contract.json_schema()  # cached on the class for the children


def _child(request: dict) -> None:
    """Become `dbt <args>`: never returns."""
    code = 1
    try:
        output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(output)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        sys.stdout = sys.__stdout__  # the server's reply stream, now the output file
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["dbt", *request["args"]]
        from dbt.cli.main import cli

        try:
            cli.main(args=request["args"], prog_name="dbt")
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()  # what a normal exit runs: dbt's and multiprocessing's
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def main() -> int:
    """Serve requests from stdin until it closes."""
    _warm()
    replies = sys.stdout
    sys.stdout = sys.stderr  # nothing but replies on the reply stream
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        _, status = os.waitpid(pid, 0)
        returncode = os.waitstatus_to_exitcode(status)
        replies.write(json.dumps({"returncode": returncode}) + "\n")
        replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
