"""The `yusuan` command: ingest disclosures into the warehouse and say what was loaded."""

import argparse
import sys
from pathlib import Path

from warehouse.load import WAREHOUSE_ENV, warehouse_path
from yusuan.ingest import DocumentOutcome, discover, ingest

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        self.print_usage(sys.stderr)
        print(f"yusuan: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="yusuan", description="Chinese budget disclosures into a DuckDB warehouse.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ingest_cmd = commands.add_parser("ingest", help="load disclosure files (PDF or text conversions)")
    ingest_cmd.add_argument("paths", nargs="+", type=Path, help="files, or directories to walk")
    ingest_cmd.add_argument(
        "--warehouse", type=Path, help=f"DuckDB file (default: ${WAREHOUSE_ENV} or data/warehouse.duckdb)"
    )
    return parser


def _describe(outcome: DocumentOutcome) -> str:
    record = outcome.load.document.row(0, named=True)
    if outcome.status != "loaded":
        return f"REJECTED {outcome.path}\n  status: {outcome.status}\n  reason: {outcome.reason}"
    tables = ", ".join(f"{t} {n}" for t, n in sorted(outcome.tables_by_type.items()))
    issues = outcome.load.issues.height
    return (
        f"loaded   {outcome.path}\n"
        f"  {record['region_name']} ({record['adcode']}) {record['department_name']} {record['fiscal_year']}"
        f"  document {record['document_id'][:12]}\n"
        f"  tables: {tables}\n"
        f"  facts: {record['facts_loaded']}  issues: {issues}"
    )


def _ingest(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(f"yusuan: no such file or directory: {', '.join(map(str, missing))}", file=sys.stderr)
        return EXIT_USAGE
    if not discover(args.paths):
        print("yusuan: no disclosure files (.pdf, .txt, .md) under the given paths", file=sys.stderr)
        return EXIT_USAGE
    target = warehouse_path(args.warehouse)
    rejected = 0
    facts = 0
    count = 0
    for outcome in ingest(args.paths, target):
        print(_describe(outcome), flush=True)
        count += 1
        rejected += outcome.status != "loaded"
        facts += outcome.load.document["facts_loaded"][0]
    print(f"{count} documents, {count - rejected} loaded, {rejected} rejected, {facts} facts -> {target}")
    return EXIT_REJECTED if rejected else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return _ingest(args)


if __name__ == "__main__":
    sys.exit(main())
