"""Command line entry point: ``bank-segments <command>``."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bank_segments.generator import generate_customers, write_table


def _cmd_generate(args: argparse.Namespace) -> int:
    if args.months is not None or args.start is not None:
        return _generate_months(args)
    planted = [name for name in ("move", "drift", "churn", "arrivals") if getattr(args, name)]
    if planted:
        raise ValueError(f"--{planted[0]} needs --months and --start (monthly snapshots)")
    generated = generate_customers(args.rows, seed=args.seed)
    write_table(generated.customers, args.out)
    if args.truth:
        write_table(generated.truth, args.truth)
    print(f"wrote {generated.customers.num_rows:,} customers to {args.out}")
    return 0


def _generate_months(args: argparse.Namespace) -> int:
    from bank_segments.generator_months import generate_months, parse_drift, parse_move

    if args.months is None or args.start is None:
        raise ValueError("monthly snapshots need both --months N and --start YYYY-MM-DD")
    try:
        start = dt.date.fromisoformat(args.start)
    except ValueError:
        raise ValueError(f"--start {args.start!r} is not a date: use YYYY-MM-DD") from None
    drift = dict(parse_drift(spec) for spec in args.drift)
    snapshots = generate_months(
        args.rows,
        args.months,
        start,
        seed=args.seed,
        moves=[parse_move(spec) for spec in args.move],
        drift=drift,
        month_noise=args.month_noise,
        churn=args.churn,
        arrivals=args.arrivals,
    )
    for snapshot in snapshots:
        out = write_table(snapshot.customers, month_path(args.out, snapshot.as_of))
        if args.truth:
            write_table(snapshot.truth, month_path(args.truth, snapshot.as_of))
        print(f"wrote {snapshot.customers.num_rows:,} customers as of {snapshot.as_of} to {out}")
    return 0


def month_path(path: str | Path, as_of: dt.date) -> Path:
    """``customers.csv`` -> ``customers_2026-01-31.csv``: one file per as-of date."""
    path = Path(path)
    return path.with_name(f"{path.stem}_{as_of.isoformat()}{path.suffix}")


def _cmd_report(args: argparse.Namespace) -> int:
    from bank_segments.report import build_report, load_report_data

    _check_out_file(args.out)
    data = load_report_data(args.db)  # matplotlib loads only when needed
    out = build_report(args.db, args.out, data=data)
    meta = data.meta
    print(f"wrote the segmentation report to {out} (build {meta['invocation_id']})")
    if meta.get("exports_written") is False:
        print(
            f"bank-segments report: warning: the Parquet exports are not build "
            f"{meta['invocation_id']}'s: its export did not finish (main.build_log exports"
            f" 'pending'); run `bank-segments build` again",
            file=sys.stderr,
        )
    if meta.get("later_failed"):
        latest = meta["later_failed"][0]
        print(
            f"bank-segments report: warning: it shows the last green build "
            f"{meta['invocation_id']}; the later build {latest['invocation_id']} "
            f"(finished {latest['finished_at']}) failed and published nothing",
            file=sys.stderr,
        )
    return 0


def _check_out_file(out: str) -> None:
    """Raise ``ValueError`` (one line, with the fix) when ``out`` cannot be a file."""
    path = Path(out)
    if path.is_dir():
        raise ValueError(
            f"--out {out} is a folder: give a file name, e.g. {path / 'segments.html'}"
        )
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise ValueError(f"--out {out}: {parent} is a file, not a folder; choose another --out")
        if parent.exists():
            break


def export_model_version(db: str, version: str | None, out: str, schema: str = "main") -> Path:
    """Write one segment model version (its registry row) to ``out/segment_model_<v>.parquet``.

    The file is what another engine imports (var ``segment_model_import_path`` on the
    spark target), so both score with the same fitted parameters. ``version`` None takes
    the champion (the newest version in a warehouse from before champions).
    """
    import duckdb

    if not Path(db).exists():
        raise FileNotFoundError(f"{db}: no such warehouse; run `dbt build` first")
    with duckdb.connect(db, read_only=True) as con:
        found = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = 'segment_model_fit'",
            [schema],
        ).fetchone()[0]
        if not found:
            raise ValueError(
                f"{db}: no {schema}.segment_model_fit table; run a green `dbt build` first"
            )
        table = f'"{schema}".segment_model_fit'
        if version is None:
            version = con.execute(
                f"select model_version from {table} order by version_number desc limit 1"
            ).fetchone()[0]
            champion = []
            if _has_column(con, schema, "segment_model_versions", "status"):
                champion = con.execute(
                    f'select model_version from "{schema}".segment_model_versions '
                    "where status = 'champion'"
                ).fetchall()
            if champion:
                version = champion[0][0]
        rows = con.execute(f"select count(*) from {table} where model_version = ?", [version])
        if rows.fetchone()[0] != 1:
            known = [r[0] for r in con.execute(f"select model_version from {table}").fetchall()]
            raise ValueError(f"{db}: no model version {version!r}; known: {', '.join(known)}")
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"segment_model_{version}.parquet"
        con.execute(
            f"copy (select * from {table} where model_version = $v) to '{path}' (format parquet)",
            {"v": version},
        )
    return path


def _has_column(con: Any, schema: str, table: str, column: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.columns "
        "where table_schema = ? and table_name = ? and column_name = ?",
        [schema, table, column],
    ).fetchone()
    return bool(found and found[0])


def _cmd_model_export(args: argparse.Namespace) -> int:
    path = export_model_version(args.db, args.version, args.out, schema=args.schema)
    print(f"wrote model version to {path}")
    print(f"on Spark: dbt build --target spark --vars '{{segment_model_import_path: {path}}}'")
    return 0


def _cmd_model_card(args: argparse.Namespace) -> int:
    from bank_segments.model_card import write_model_card

    if args.out is not None:
        _check_out_file(args.out)
    markdown = write_model_card(args.db, args.version, args.out)
    if args.out is None:
        print(markdown, end="")
    else:
        print(f"wrote the model card to {args.out}")
    return 0


def _cmd_fit(args: argparse.Namespace) -> int:
    from bank_segments.spark_fit import fit_on_spark

    done = fit_on_spark(args.target, args.dbt_args, args.out, build=args.build)
    row = done.row
    print(
        f"bank-segments fit: fitted {row['model_version']} on {args.target} "
        f"(K={row['k']}, {row['fit_sample_rows']:,} of {row['training_rows']:,} customers, "
        f"content_hash {row['content_hash'][:12]}) and wrote {done.path}"
    )
    if done.identical_to is not None:
        print(
            f"bank-segments fit: same content_hash as {done.identical_to} "
            "(identical sample and parameters)"
        )
    if done.built:
        print(
            f"bank-segments fit: built the project on {args.target} with it: {done.build_command}"
        )
    else:
        print(f"score with it: {done.build_command}")
    return 0


LOCK_MESSAGE = "Could not set lock on file"

#: DuckDB's errors for an input file that is damaged, not one the project can repair:
#: (text in DuckDB's message, what is wrong, what to do)
DAMAGED_INPUT = (
    (
        "No magic bytes found at end of file",
        "is not a complete Parquet file (its end is missing: a copy or download was cut short)",
        "export or copy it again",
    ),
    (
        "Unexpected end of GZIP stream",
        "is a gzip file that ends too early (a copy or download was cut short)",
        "export or copy it again",
    ),
    (
        "Input is not a GZIP stream",
        "is named .gz but is not gzip-compressed",
        "rename it without .gz, or compress it with gzip",
    ),
)


def damaged_input_message(line: str, customers_path: str) -> str | None:
    """One line naming customers_path, the damage and the fix, when ``line`` of dbt's
    output is DuckDB's error for a damaged input file; else None."""
    for needle, problem, fix in DAMAGED_INPUT:
        if needle in line:
            return f"bank-segments build: error: customers_path {customers_path} {problem}; {fix}"
    return None


def _dbt_vars(dbt_args: Sequence[str]) -> dict:
    """The --vars mapping among dbt arguments (YAML or JSON), or {}."""
    import yaml

    for index, arg in enumerate(dbt_args):
        if arg == "--vars" and index + 1 < len(dbt_args):
            loaded = yaml.safe_load(dbt_args[index + 1])
            return loaded if isinstance(loaded, dict) else {}
    return {}


def exports_folder(db_path: str, dbt_args: Sequence[str]) -> Path:
    """Where the build exports: var exports_path, else `exports/` next to the warehouse."""
    configured = _dbt_vars(dbt_args).get("exports_path")
    if isinstance(configured, str) and configured.strip():
        return Path(configured.strip())
    return Path(db_path).parent / "exports"


def remove_stale_export_files(folder: Path) -> list[Path]:
    """Delete the temporary files a killed export left: DuckDB writes each export as
    ``tmp_<name>`` beside it and renames it over ``<name>`` when complete, so any
    ``tmp_*.parquet`` or ``tmp_*.manifest.json`` in the exports folder is a leftover,
    whichever mart it was for."""
    removed = []
    for pattern in ("tmp_*.parquet", "tmp_*.manifest.json"):
        for stale in sorted(folder.glob(pattern)):
            if stale.is_file():
                stale.unlink()
                removed.append(stale)
    return removed


def _cmd_build(args: argparse.Namespace) -> int:
    """`dbt build` with housekeeping first and one-line errors for a locked warehouse."""
    db_path = default_db()
    for stale in remove_stale_export_files(exports_folder(db_path, args.dbt_args)):
        print(f"bank-segments build: removed {stale}, left by an interrupted export")
    dbt = shutil.which("dbt", path=str(Path(sys.executable).parent)) or "dbt"
    process = subprocess.Popen(
        [dbt, "build", *args.dbt_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    locked = None
    damaged = None
    customers_path = _dbt_vars(args.dbt_args).get("customers_path")
    assert process.stdout is not None
    for line in process.stdout:
        if LOCK_MESSAGE in line and locked is None:
            locked = line.strip().split("IO Error: ", 1)[-1]
        if customers_path and damaged is None:
            damaged = damaged_input_message(line, customers_path)
        if locked is None:
            sys.stdout.write(line)
    returncode = process.wait()
    if damaged is not None and returncode != 0:
        print(damaged, file=sys.stderr)
        return returncode
    if locked is not None:
        print(
            f"bank-segments build: error: the warehouse {db_path} is in use by another "
            f"process (another build, or an open connection); wait for it or close it. "
            f"DuckDB said: {locked.split(' See also')[0]}",
            file=sys.stderr,
        )
        return 2
    return returncode


def default_db() -> str:
    """The DuckDB warehouse the commands use: $BANK_SEGMENTS_DB, else bank_segments.duckdb."""
    return os.environ.get("BANK_SEGMENTS_DB", "bank_segments.duckdb")


def _add_db_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--db",
        default=default_db(),
        help="DuckDB warehouse (default: $BANK_SEGMENTS_DB or bank_segments.duckdb)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bank-segments",
        description="Customer segmentation for a bank, in a dbt + DuckDB warehouse.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser(
        "generate",
        help="write synthetic customers with four planted personas",
        description="Write synthetic customers (CSV or Parquet, by extension). "
        "The data is synthetic with planted structure; the same seed gives the same file.",
    )
    generate.add_argument("--rows", type=int, required=True, help="number of customers")
    generate.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    generate.add_argument("--out", required=True, help="output file, .csv or .parquet")
    generate.add_argument(
        "--truth", help="optional file for the planted persona of each customer (for tests)"
    )
    months = generate.add_argument_group(
        "monthly snapshots",
        "With --months and --start: one file per month, named <out stem>_<YYYY-MM-DD><ext>, "
        "each with a snapshot_date column; the same customers every month (month 1 equals the "
        "single-file output), with planted moves, churn, arrivals and drift.",
    )
    months.add_argument("--months", type=int, help="number of monthly snapshots")
    months.add_argument(
        "--start", help="as-of date of the first month, YYYY-MM-DD (a month end gives month ends)"
    )
    months.add_argument(
        "--move",
        action="append",
        default=[],
        metavar="FROM:TO:SHARE",
        help="each month redraw SHARE of persona FROM as persona TO, e.g. "
        "growth_segment:lifestyle_spenders:0.05 (repeatable)",
    )
    months.add_argument(
        "--drift",
        action="append",
        default=[],
        metavar="ATTRIBUTE:FACTOR",
        help="multiply ATTRIBUTE by FACTOR from month 2 on, e.g. income:1.3 (repeatable)",
    )
    months.add_argument(
        "--month-noise",
        type=float,
        default=0.1,
        help="monthly wobble of each customer's attributes in persona standard deviations "
        "(AR(1), distribution unchanged; default 0.1, 0 = identical)",
    )
    months.add_argument(
        "--churn", type=float, default=0.0, help="share of customers gone each month (default 0)"
    )
    months.add_argument(
        "--arrivals",
        type=float,
        default=0.0,
        help="new customers each month as a share of --rows (default 0)",
    )
    generate.set_defaults(handler=_cmd_generate)

    report = commands.add_parser(
        "report",
        help="write the segmentation report (one self-contained HTML page)",
        description="Render the segmentation report from a built warehouse: one HTML file "
        "with inline charts, no network requests and no JavaScript.",
    )
    _add_db_argument(report)
    report.add_argument(
        "--out", default="reports/segments.html", help="output file (default reports/segments.html)"
    )
    report.set_defaults(handler=_cmd_report)

    build = commands.add_parser(
        "build",
        help="run `dbt build` (any dbt arguments follow), with housekeeping and clear errors",
        description="Run `dbt build` with the given dbt arguments. First removes the "
        "temporary Parquet files an interrupted export left behind; a warehouse locked by "
        "another process is reported in one line instead of a traceback.",
    )
    # every argument after `build` goes to dbt (collected by main)
    build.set_defaults(handler=_cmd_build, dbt_args=[])

    fit = commands.add_parser(
        "fit",
        help="fit a new segment model version through Spark (any dbt arguments follow)",
        description="On a Spark target (dbt-spark runs dbt Python models only on "
        "Databricks): build the fixed-seed fit sample with `dbt build --select "
        "+segment_fit_sample`, read it through the same Spark session, fit it with the "
        "package's core and the fit vars of dbt_project.yml (as the Python model does on "
        "DuckDB), and write the version as OUT/segment_model_<version>.parquet, numbered "
        "after the versions already in OUT. `dbt build --target spark --vars "
        "'{segment_model_import_path: OUT/segment_model_*.parquet}'` then scores with it "
        "and keeps the earlier versions; --build runs that build in the same process. "
        "Other arguments (e.g. --vars '{customers_path: customers.parquet}') go to every "
        "dbt invocation. Needs `make install-spark` and Java 17. On DuckDB fit with "
        "`bank-segments build --vars '{refit: true}'`.",
    )
    fit.add_argument("--target", required=True, help="a Spark output of profiles.yml (spark)")
    fit.add_argument(
        "--out",
        default="models",
        help="folder of model version files, the Spark registry (default models/)",
    )
    fit.add_argument(
        "--build",
        action="store_true",
        help="then run `dbt build --target TARGET` importing every version in OUT",
    )
    # every other argument goes to dbt (collected by main)
    fit.set_defaults(handler=_cmd_fit, dbt_args=[])

    model = commands.add_parser(
        "model", help="a segment model version: export it to another engine, or its model card"
    )
    model_commands = model.add_subparsers(dest="model_command", required=True)
    export = model_commands.add_parser(
        "export",
        help="write one model version (its registry row) as Parquet, for import on Spark",
        description="Write one row of segment_model_fit to OUT/segment_model_<version>.parquet. "
        "Import it on the spark target with --vars '{segment_model_import_path: FILE}'.",
    )
    _add_db_argument(export)
    export.add_argument("--version", default=None, help="model_version (default: the champion)")
    export.add_argument("--schema", default="main", help="schema holding segment_model_fit")
    export.add_argument("--out", required=True, help="output folder")
    export.set_defaults(handler=_cmd_model_export)
    card = model_commands.add_parser(
        "card",
        help="write a model card (Markdown) for one version, from the warehouse",
        description="Render the model card of a segment model version from what the last "
        "green build published: intended use, training data, parameters, how K was chosen, "
        "quality, limitations, drift since the fit and activation history.",
    )
    _add_db_argument(card)
    card.add_argument("--version", default=None, help="model_version (default: the champion)")
    card.add_argument("--out", default=None, help="Markdown file to write (default: print)")
    card.set_defaults(handler=_cmd_model_card)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command not in {"build", "fit"}:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command in {"build", "fit"}:
        args.dbt_args = extra
    try:
        return args.handler(args)
    except ValueError as error:
        print(f"bank-segments {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a file or folder that cannot be read or written, in one line
        where = f": {error.filename}" if error.filename else ""
        print(
            f"bank-segments {args.command}: error: {error.strerror or error}{where}",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
