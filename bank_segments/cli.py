"""Command line entry point: ``bank-segments <command>``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bank_segments.generator import generate_customers, write_table


def _cmd_generate(args: argparse.Namespace) -> int:
    generated = generate_customers(args.rows, seed=args.seed)
    write_table(generated.customers, args.out)
    if args.truth:
        write_table(generated.truth, args.truth)
    print(f"wrote {generated.customers.num_rows:,} customers to {args.out}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from bank_segments.report import build_report  # matplotlib loads only when needed

    out = build_report(args.db, args.out)
    print(f"wrote the segmentation report to {out}")
    return 0


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
    generate.set_defaults(handler=_cmd_generate)

    report = commands.add_parser(
        "report",
        help="write the segmentation report (one self-contained HTML page)",
        description="Render the segmentation report from a built warehouse: one HTML file "
        "with inline charts, no network requests and no JavaScript.",
    )
    report.add_argument(
        "--db",
        default=os.environ.get("BANK_SEGMENTS_DB", "bank_segments.duckdb"),
        help="DuckDB warehouse (default: $BANK_SEGMENTS_DB or bank_segments.duckdb)",
    )
    report.add_argument(
        "--out", default="reports/segments.html", help="output file (default reports/segments.html)"
    )
    report.set_defaults(handler=_cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (ValueError, FileNotFoundError, PermissionError) as error:
        print(f"bank-segments {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
