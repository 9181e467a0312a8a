"""The `yusuan` command: ingest disclosures into the warehouse, report what their numbers are worth."""

import argparse
import contextlib
import signal
import sys
import traceback
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NoReturn, cast

import duckdb

from expectations.rules import Rules, default_rules, with_tolerance
from extractors import ExtractionLimits, display_name, document_id_of, not_a_regular_file
from pipelines.progress import Progress
from pipelines.run import (
    DocumentOutcome,
    IngestOptions,
    NarrativeCheck,
    QualitySettings,
    check_narratives_apart,
    discover,
    ingest,
    severity_counts,
)
from warehouse.load import WAREHOUSE_ENV, WarehouseError, connect, warehouse_path
from warehouse.quality_site import INDEX_PAGE, SITE_PORT, SiteServer, write_site
from warehouse.report import DocumentReport, document_report, find_documents, printable

# 1: the run went through but some input was not loaded; 3: the run itself could not go on.
EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3
EXIT_INTERRUPTED = 128 + 2
DATA_DOCS_DIR = "quality_docs"
SITE_DIR = "quality_site"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"yusuan: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _positive(kind: type):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"not a number: {text}") from error
        if value <= 0:
            raise argparse.ArgumentTypeError("must be positive")
        return value

    return parse


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a port number: {text}") from error
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be 0 to 65535 (0: any free port)")
    return value


def _tolerance(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from error
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="yusuan", description="Chinese budget disclosures into a DuckDB warehouse.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    warehouse_help = f"DuckDB file (default: ${WAREHOUSE_ENV} or data/warehouse.duckdb)"
    ingest_cmd = commands.add_parser("ingest", help="load disclosure files (PDF or text conversions)")
    ingest_cmd.add_argument("paths", nargs="+", type=Path, help="files, or directories to walk")
    ingest_cmd.add_argument("--warehouse", type=Path, help=warehouse_help)
    ingest_cmd.add_argument(
        "--rounding-tolerance",
        type=_tolerance,
        help=f"万元 a summed term printed to the cent of 万元 may be off by before a finding is more than info; "
        f"a table printed to a finer digit (元) scales it (default {default_rules().tolerance_per_term})",
    )
    ingest_cmd.add_argument(
        "--data-docs", type=Path, help=f"folder for GX Data Docs (default: {DATA_DOCS_DIR}/ beside the warehouse)"
    )
    defaults = ExtractionLimits()
    ingest_cmd.add_argument("--workers", type=_positive(int), default=1, help="reader processes (default 1)")
    ingest_cmd.add_argument(
        "--force", action="store_true", help="re-read files already loaded with the same content and pipeline version"
    )
    ingest_cmd.add_argument(
        "--timeout",
        type=_positive(float),
        default=defaults.timeout_seconds,
        help=f"seconds one document may take to read (default {defaults.timeout_seconds:g})",
    )
    ingest_cmd.add_argument(
        "--ocr-seconds-per-page",
        type=_positive(float),
        default=defaults.ocr_seconds_per_page,
        help="seconds each page read by OCR adds to --timeout "
        f"(default {defaults.ocr_seconds_per_page:g}; OCR takes seconds a page)",
    )
    ingest_cmd.add_argument(
        "--max-megabytes",
        type=_positive(float),
        default=defaults.max_bytes / 2**20,
        help=f"largest file accepted, MiB (default {defaults.max_bytes / 2**20:g})",
    )
    ingest_cmd.add_argument(
        "--max-pages", type=_positive(int), default=defaults.max_pages, help=f"default {defaults.max_pages}"
    )
    ingest_cmd.add_argument(
        "--max-memory",
        type=_positive(int),
        default=defaults.max_memory_bytes // 2**20,
        help=f"memory one reader process may use, MiB (default {defaults.max_memory_bytes // 2**20})",
    )
    ingest_cmd.add_argument(
        "--no-ocr",
        action="store_true",
        help="leave pages without a text layer (scans) unread: an image-only PDF is needs_ocr, "
        "a file with text pages too loads them and names the pages it left unread",
    )
    report_cmd = commands.add_parser("report", help="print a document's data-quality findings")
    report_cmd.add_argument("document", help="document id (or prefix), file name, or path of an ingested file")
    report_cmd.add_argument("--warehouse", type=Path, help=warehouse_help)
    docs_cmd = commands.add_parser("docs", help="write the data-quality pages (or serve them with --serve)")
    docs_cmd.add_argument("--warehouse", type=Path, help=warehouse_help)
    docs_cmd.add_argument("--out", type=Path, help=f"folder for the pages (default: {SITE_DIR}/ beside the warehouse)")
    docs_cmd.add_argument(
        "--data-docs", type=Path, help=f"GX Data Docs folder to link (default: {DATA_DOCS_DIR}/ beside the warehouse)"
    )
    docs_cmd.add_argument("--serve", action="store_true", help="serve the pages on localhost, always current")
    docs_cmd.add_argument("--port", type=_port, default=SITE_PORT, help=f"port to serve on (default {SITE_PORT})")
    sql_cmd = commands.add_parser("sql", help="run a query on the warehouse (read-only) and print the result")
    sql_cmd.add_argument("query", help='SQL, e.g. "SELECT * FROM mart_budget_execution LIMIT 5"')
    sql_cmd.add_argument("--warehouse", type=Path, help=warehouse_help)
    sql_cmd.add_argument("--max-rows", type=_positive(int), default=40, help="rows printed at most (default 40)")
    return parser


_KIND_WORDS = {"final_account": " 部门决算 (final account)"}


def _describe(outcome: DocumentOutcome) -> str:
    path = printable(display_name(outcome.path))
    reason = printable(display_name(outcome.reason or ""))
    if outcome.unchanged:
        return f"unchanged {path}: {reason}"
    if outcome.load is None:
        return f"skipped  {path}\n  {reason}"
    record = {k: printable(v) if isinstance(v, str) else v for k, v in outcome.load.document.row(0, named=True).items()}
    identity = (
        f"  {record['region_name']} ({record['adcode']}) {record['department_name']} {record['fiscal_year']}"
        f"{_KIND_WORDS.get(record['document_kind'] or '', '')}  document {record['document_id'][:12]}\n"
    )
    quality = severity_counts(outcome.load.findings)
    if outcome.status == "narrative_only":
        return f"narrative {path}\n{identity}  {reason}\n  findings on the narrative itself: {quality}"
    if outcome.status != "loaded":
        return f"REJECTED {path}\n  status: {outcome.status}\n  reason: {reason}"
    tables = ", ".join(f"{t} {n}" for t, n in sorted(outcome.tables_by_type.items()))
    targets = f"  performance targets: {n}" if (n := outcome.load.targets_loaded) else ""
    return (
        f"loaded   {path}\n"
        f"{identity}"
        f"  tables: {tables}\n"
        f"  facts: {record['facts_loaded']}{targets}  issues: {outcome.load.issues.height}  findings: {quality}\n"
        f"  {_coverage(record)}" + (f"\n  WARNING {reason}" if record.get("unread_pages") else "")
    )


def _amounts(record: dict) -> tuple[int, int]:
    """(amount cells printed in its tables, how many became facts) of a document's record."""
    return record.get("amount_cells") or 0, record.get("amount_cells_loaded") or 0


def _coverage(record: dict) -> str:
    """How many amounts printed in its tables became facts; a partly read document must say so."""
    cells, loaded = _amounts(record)
    if loaded >= cells:
        where = " on the pages read" if record.get("unread_pages") else ""
        return f"amounts read: {loaded} of {cells} (100 %){where}"
    return (
        f"WARNING amounts read: {loaded} of {cells} ({100 * loaded / cells:.1f} %): "
        f"{cells - loaded} printed amounts are not facts; `yusuan report FILE` lists the tables and rows"
    )


def _partly_read(outcome: DocumentOutcome) -> bool:
    """Some printed amount is not a fact, or some page was not read at all (its amounts are in no count)."""
    record = outcome.load.document.row(0, named=True) if outcome.load is not None else {}
    cells, loaded = _amounts(record)
    return loaded < cells or bool(record.get("unread_pages"))


def _ingest(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(f"yusuan: no such file or directory: {', '.join(map(display_name, missing))}", file=sys.stderr)
        return EXIT_USAGE
    special = [(p, kind) for p in args.paths if not p.is_dir() and (kind := not_a_regular_file(p))]
    for path, kind in special:
        print(f"yusuan: {display_name(path)} is {kind}, not a file; name disclosure files or folders", file=sys.stderr)
    if special:
        return EXIT_USAGE
    unreadable: list[str] = []
    files = discover(args.paths, lambda path, error: unreadable.append(f"{display_name(path)} ({error.strerror})"))
    for folder in unreadable:
        print(f"yusuan: cannot read folder {folder}: its files are not ingested; fix its permissions", file=sys.stderr)
    if not files:
        print("yusuan: no disclosure files (.pdf, .txt, .md) under the given paths", file=sys.stderr)
        return EXIT_REJECTED if unreadable else EXIT_USAGE
    target = warehouse_path(args.warehouse)
    data_docs: Path = args.data_docs or target.parent / DATA_DOCS_DIR
    rules = (
        default_rules() if args.rounding_tolerance is None else with_tolerance(default_rules(), args.rounding_tolerance)
    )
    options = IngestOptions(
        limits=ExtractionLimits(
            max_bytes=int(args.max_megabytes * 2**20),
            max_pages=args.max_pages,
            timeout_seconds=args.timeout,
            max_memory_bytes=args.max_memory * 2**20,
            ocr=not args.no_ocr,
            ocr_seconds_per_page=args.ocr_seconds_per_page,
        ),
        workers=args.workers,
        quality=QualitySettings(data_docs=data_docs, rules=rules),
    )
    rejected = facts = loaded = partly = unchanged = 0
    read: list[str] = []
    with Progress(files, enabled=sys.stderr.isatty()) as progress:
        for outcome in ingest(files, target, options, force=args.force):
            progress.write(_describe(outcome))
            progress.advance(outcome)
            recorded = outcome.unchanged or outcome.status
            rejected += recorded not in ("loaded", "duplicate", "narrative_only")
            unchanged += outcome.status == "unchanged"
            loaded += outcome.status == "loaded"
            partly += outcome.status == "loaded" and _partly_read(outcome)
            facts += outcome.load.document["facts_loaded"][0] if outcome.load is not None else 0
            read += [outcome.load.document["document_id"][0]] if outcome.load is not None else []
            read += [outcome.unchanged_id] if outcome.unchanged == "narrative_only" and outcome.unchanged_id else []
    checks = _narratives_checked(target, read, rules)
    waiting = sum(not check.tables_files for check in checks)
    rejected += waiting
    partly_note = f" ({partly} only partly read)" if partly else ""
    waiting_note = f", {waiting} without their tables" if waiting else ""
    apart_note = f", narratives published apart: {len(checks)}{waiting_note}" if checks else ""
    unread_note = f", {len(unreadable)} folders not readable" if unreadable else ""
    unchanged_note = f", {unchanged} unchanged (not read; --force re-reads)" if unchanged else ""
    print(
        f"{len(files)} files, {loaded} loaded{partly_note}{unchanged_note}{apart_note}, {rejected} rejected"
        f"{unread_note}, "
        f"{facts} facts -> {target}"
    )
    print(
        f"data-quality pages: yusuan docs --serve, then open http://localhost:{SITE_PORT}/ "
        f"(or yusuan docs writes {target.parent / SITE_DIR / INDEX_PAGE}); one document: yusuan report FILE"
    )
    return EXIT_REJECTED if rejected or unreadable else EXIT_OK


def _narratives_checked(target: Path, document_ids: list[str], rules: Rules) -> list[NarrativeCheck]:
    """The narratives published apart that this run's documents belong to, held against their tables,
    each said in a line. A run that read nothing (all unchanged) does not open the warehouse again."""
    if not document_ids:
        return []
    con = connect(target)
    try:
        checks = check_narratives_apart(con, document_ids, rules)
    finally:
        con.close()
    for check in checks:
        print(printable(check.said()))
    return checks


def _read_only(target: Path) -> duckdb.DuckDBPyConnection | None:
    """The warehouse opened for reading, or None (said on stderr) when there is none yet."""
    if not target.exists():
        print(f"yusuan: no warehouse at {target}; run `yusuan ingest` first", file=sys.stderr)
        return None
    try:
        return duckdb.connect(str(target), read_only=True)
    except duckdb.Error as error:
        raise WarehouseError(f"cannot read warehouse {target} ({error}); if another run is writing it, wait") from error


def _report(args: argparse.Namespace) -> int:
    key = args.document
    if Path(key).is_file():
        key = document_id_of(Path(key).read_bytes())
    con = _read_only(warehouse_path(args.warehouse))
    if con is None:
        return EXIT_USAGE
    try:
        documents = find_documents(con, key)
        if not documents:
            print(f"yusuan: no ingested document matches '{args.document}'", file=sys.stderr)
            return EXIT_USAGE
        for document_id in documents:
            print(_format_report(document_report(con, document_id)))
    finally:
        con.close()
    return EXIT_OK


def _docs(args: argparse.Namespace) -> int:
    target = warehouse_path(args.warehouse)
    data_docs: Path = args.data_docs or target.parent / DATA_DOCS_DIR
    if args.serve:
        if not target.exists():
            print(f"yusuan: no warehouse at {target}; run `yusuan ingest` first", file=sys.stderr)
            return EXIT_USAGE
        try:
            server = SiteServer(target, data_docs, port=args.port)
        except OSError as error:
            print(f"yusuan: cannot serve on port {args.port} ({error.strerror}); try --port N", file=sys.stderr)
            return EXIT_USAGE
        print(f"data-quality pages of {target} at {server.url} (Ctrl-C stops)", flush=True)
        # SIGTERM stops it like Ctrl-C, even where the parent left SIGTERM ignored (Dagster copies an
        # ignored SIGINT, as in a background job, onto SIGTERM, and children inherit it).
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        with server, contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
        return EXIT_OK
    con = _read_only(target)
    if con is None:
        return EXIT_USAGE
    try:
        index = write_site(con, args.out or target.parent / SITE_DIR, data_docs)
    finally:
        con.close()
    print(f"data-quality pages: {index}")
    return EXIT_OK


def _sql(args: argparse.Namespace) -> int:
    """Queries as the README prints them, without installing the duckdb command-line tool."""
    con = _read_only(warehouse_path(args.warehouse))
    if con is None:
        return EXIT_USAGE
    try:
        # A statement that makes no relation (SET, PRAGMA) returns None, which DuckDB's stubs leave out.
        result = cast("duckdb.DuckDBPyRelation | None", con.sql(args.query))
        if result is None:
            print("yusuan: the statement ran but returns no table to print", file=sys.stderr)
            return EXIT_USAGE
        result.show(max_rows=args.max_rows, max_width=200)
    except duckdb.Error as error:
        print(f"yusuan: the query failed: {printable(str(error).splitlines()[0])}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        con.close()
    return EXIT_OK


def _format_report(report: DocumentReport) -> str:
    d = report.document
    lines = [
        f"{d['file_name']}  ({d['document_id'][:12]})",
        f"  {d['region_name'] or '?'} ({d['adcode'] or '?'}) {d['department_name'] or '?'} {d['fiscal_year'] or '?'}",
        f"  status: {d['status']}" + (f"  reason: {d['reason']}" if d["reason"] else ""),
    ]
    for row in report.failed_expectations.iter_rows(named=True):
        where = f" where {row['row_condition']}" if row["row_condition"] else ""
        lines.append(
            f"  expectation failed: {row['expectation']} on {row['column_name']}{where}: "
            f"{row['unexpected_count']} rows, e.g. {row['unexpected_examples']}"
        )
    if report.findings.is_empty():
        lines.append("  findings: none")
    for row in report.findings.iter_rows(named=True):
        page = f"page {row['page']}" if row["page"] else row["source_position"]
        table = row["table_type"] or "narrative"
        lines.append(f"  [{row['severity']}] {row['rule']} ({table}, {page}): {row['message']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run a command; what stops a run (the warehouse, Ctrl-C) ends it with one line, not a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = _parser().parse_args(argv)
    try:
        commands = {"report": _report, "sql": _sql, "ingest": _ingest, "docs": _docs}
        return commands[args.command](args)
    except WarehouseError as error:
        print(f"yusuan: {error}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as error:
        print(f"yusuan: the run stopped: {display_name(str(error))}; fix that and run again", file=sys.stderr)
        return EXIT_FAILED
    except Exception as error:  # a bug: the traceback is for the report, the exit code must not say "rejected"
        traceback.print_exc()
        print(f"yusuan: the run failed ({error!r}); please report this to yusuan with the output", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(
            "yusuan: interrupted; the documents loaded so far are kept and none is half-written. "
            "Run the same command again to finish.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
