"""A fork server for dbt invocations: the `dbt` command without its start-up cost.

    python -m tests.dbt_forkserver      # started by tests/dbt_runner.py, one per worker

Starting `dbt` costs seconds before it reads a file: Python, dbt-core, the adapters,
agate, the JSON schemas of dbt's node classes, and for the dbt Python model NumPy,
pandas and scikit-learn. The suite runs about a hundred invocations, so this server
pays that once: it imports everything, then for each request forks a child that is the
`dbt` command (`dbt.cli.main.cli`, as the console script calls it) with the request's
arguments, working directory and environment, its stdout and stderr written to the
request's output file. Each invocation is still its own process, forked from the same
state, so nothing leaks from one invocation to the next.

Parsing is most of what an invocation costs, and most of parsing is Jinja reading the
same templates again: dbt's 400-odd macros, the project's macros and models, each generic
test's SQL. The server therefore parses this project once at start-up, through dbt's own
entry point (dbtRunner, which dbt supports calling several times in one process), with
dbt's test caching switched on (`dbt_common.tests.enable_test_caching`, what dbt-core's
own test suite uses: the Jinja syntax trees of macro blocks and the top-level blocks of
each file, keyed by their source text), with Jinja's compile step memoized by source
text and environment settings, and then fills dbt's process-wide cache of compiled
macro templates (`dbt_common.clients.jinja.template_cache`) with every macro. The
children inherit those caches, so a template is parsed and compiled once per worker
instead of once per invocation. Everything else (vars, profiles, files, the manifest)
each child still reads and parses itself: a child's manifest equals an uncached parse's
but for timestamps and invocation ids.

The server is single-threaded, which is what makes forking it safe. Protocol: one JSON
request per line on stdin, {"args": [...], "cwd": "...", "env": {...}, "output": "..."};
one JSON reply per line on stdout, {"returncode": n, "cpu_seconds": s} (the child's CPU time).
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

    import bank_segments.registry  # noqa: F401

    for module_name, names in SCHEMAS.items():
        module = importlib.import_module(module_name)
        for name in names:
            contract = getattr(module, name, None)
            if contract is not None:
                contract.json_schema()  # cached on the class for the children


def _memoize_jinja_compile() -> None:
    """Compile each template source once: Jinja's compile is a pure function of the source
    text and the environment's syntax, extensions, filters and tests, all in the key."""
    import jinja2

    original = jinja2.Environment.compile
    compiled: dict = {}

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        if not isinstance(source, str):
            return original(self, source, name, filename, raw, defer_init)
        key = (
            type(self), source, name, filename, raw, defer_init,
            tuple(sorted(self.extensions)), frozenset(self.filters), frozenset(self.tests),
            self.is_async, self.optimized, self.finalize, self.autoescape,
            self.block_start_string, self.block_end_string, self.variable_start_string,
            self.variable_end_string, self.comment_start_string, self.comment_end_string,
            self.line_statement_prefix, self.line_comment_prefix, self.trim_blocks,
            self.lstrip_blocks, self.newline_sequence, self.keep_trailing_newline,
        )  # fmt: skip
        if key not in compiled:
            compiled[key] = original(self, source, name, filename, raw, defer_init)
        return compiled[key]

    jinja2.Environment.compile = compile


def _memoize_schema_validation() -> None:
    """Validate each (class, config) pair once: dbt checks every node's config against its
    class's JSON schema at each parse, and the verdict is a pure function of the two. Only
    passes are kept, keyed by the pickled data (tuples and lists stay apart, as they do
    for the schema); data that cannot be pickled is validated every time."""
    import pickle

    from dbt_common.dataclass_schema import dbtClassMixin

    original = dbtClassMixin.validate.__func__
    passed: set = set()

    def validate(cls, data):
        try:
            key = (cls, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception:
            return original(cls, data)
        if key not in passed:
            original(cls, data)
            passed.add(key)

    dbtClassMixin.validate = classmethod(validate)


def _parse_once() -> None:
    """`dbt parse` of this project in this process, to fill the caches the children share.

    Without dbt's static parser: it is Rust code whose thread pool, once started, does
    not survive a fork (a child that uses it waits forever). The children start their own.
    """
    import shutil
    import tempfile

    from dbt.cli.main import dbtRunner
    from dbt_common.tests import enable_test_caching

    enable_test_caching()
    _memoize_jinja_compile()
    _memoize_schema_validation()
    scratch = tempfile.mkdtemp(prefix="bank-segments-dbt-parse-")
    saved = dict(os.environ)
    os.environ["BANK_SEGMENTS_DB"] = os.path.join(scratch, "parse.duckdb")
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    try:
        args = ["parse", "--no-partial-parse", "--no-static-parser", "--quiet"]
        result = dbtRunner().invoke([*args, "--target-path", scratch, "--log-path", scratch])
        if not result.success:
            raise RuntimeError(f"tests/dbt_forkserver.py: dbt parse failed: {result.exception}")
        # dbt keeps each macro's compiled template in a process-wide cache keyed by the
        # macro's text; fill it with every macro, materializations included
        from dbt_common.clients.jinja import template_cache

        for macro in result.result.macros.values():
            template_cache.get_node_template(macro)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(scratch, ignore_errors=True)


def _write_manifest_once() -> None:
    """Leave manifest.json to the end of the command: `dbt build`, `run`, `test` and
    `seed` write it again when they finish (with compiled SQL), so the copy written
    right after parsing is overwritten unread."""
    import dbt.cli.requires
    from dbt.parser.manifest import parse_manifest

    def parse_without_writing_json(runtime_config, write_perf_info, write, write_json, *rest):
        return parse_manifest(runtime_config, write_perf_info, write, False, *rest)

    dbt.cli.requires.parse_manifest = parse_without_writing_json


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
        if request["args"][:1] in (["build"], ["run"], ["test"], ["seed"]):
            _write_manifest_once()
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
    if os.environ.get("BANK_SEGMENTS_TEST_PARSE_ONCE", "1") != "0":
        _parse_once()
    replies = sys.stdout
    sys.stdout = sys.stderr  # nothing but replies on the reply stream
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        _, status, usage = os.wait4(pid, 0)
        returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime  # the child's and its waited-for children's
        replies.write(json.dumps({"returncode": returncode, "cpu_seconds": cpu}) + "\n")
        replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
