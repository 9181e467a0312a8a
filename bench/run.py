"""Benchmarks of the whole ingest and of warehouse queries; run by hand, not in CI.

    python -m bench.run                      # everything (~8 min on 2 cores, plus --reingest's 5 ingests)
    python -m bench.run --throughput --scaling --documents 16
    python -m bench.run --warehouse --facts 2000000

Sub-benchmarks (each prints its figures; all are written to bench/results/latest.json):

  --throughput  pages/s of the whole ingest (pipelines.run.ingest into a fresh DuckDB file: extract,
                normalize, GX suite, consistency rules, load; Data Docs as the CLI writes them) against
                bare pdfplumber `page.extract_tables()` on every page of the same files, both on one
                core (the measuring process and every process it starts pinned to CPU 0).
  --scaling     paired rounds of the same ingest: 1 worker on one core, 1 and 2 workers on all cores.
  --memory      peak RSS of a process tree ingesting one document of 20 pages, then one of 200.
  --page-cost   the extractor's seconds per page on a document of only narrative pages against one of
                only table pages.
  --warehouse   mart_function_by_region_year and analyst queries on a warehouse of 10 million facts
                generated in DuckDB: median latency; plus one document's load into that warehouse.
  --profile     where the ingest's time goes: stage timings and cProfile's top functions per stage.
  --reingest    `yusuan ingest` of the corpus into a fresh warehouse, then of the same files again
                (unchanged: skipped unread), then with --force: seconds of each and the warehouse
                file's size after each repeat.
  --dagster     a backlog of --backlog documents through Dagster (staging runs of --batch-size, then
                the loader, each a fresh process) against `yusuan ingest --workers 2` on the same
                files; the loader's documents merged per second; workers for a national year in 24 h.
  --ocr         scanned disclosures (factory PDFs rasterised at 150 dpi, noise, skew up to 1.5 degrees):
                OCR'd table pages per second on one core, and the share of the printed amounts that
                load (against the text PDF's facts; amounts loaded wrong counted apart). Opt-in:
                not part of a run without section flags (--ocr-documents 4, one per layout: minutes).
                --ocr-print-scale 0.65 scans the real PDFs printed smaller (9 pt print at ~6 pt);
                --ocr-scan noisy scans every page in one of factory.scan's SCAN_CONDITIONS (noisier,
                blurred, grey paper, bilevel ...); --ocr-files picks real PDFs by name;
                --ocr-documents 0 leaves the factory's disclosures out; --ocr-cpu 1 pins it to CPU 1.

Every measurement runs in a fresh child process (`--child`), so caches, imported modules, pinned
CPUs and forkservers never leak from one into the next. Keep this module's top-level imports to
the standard library: reader workers started by the forkserver import the main module again, and
whatever it imports (great_expectations: seconds) would be paid again by every pool.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.dagster import section_dagster

if TYPE_CHECKING:  # the modules are imported where used, in the children (see above)
    from extractors import ExtractedDocument
    from pipelines.run import DocumentOutcome
    from warehouse.load import DocumentLoad

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK = RESULTS / "work"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
SECTIONS = ("throughput", "scaling", "memory", "page_cost", "profile", "warehouse", "reingest", "dagster", "ocr")
# Sections run only when asked for by their flag.
OPT_IN = ("ocr",)
TARGETS = {
    "ingest_vs_bare_one_core": 1.0,
    "reingest_speedup": 20.0,
    "speedup_two_cores": 1.8,
    "narrative_vs_table_page_cost": 0.2,
    "memory_growth_20_to_200_pages": 0.10,
    "mart_query_seconds": 1.0,
    "dagster_backlog_vs_cli": 0.8,
}


# ---------------------------------------------------------------------------------------------
# Children: each measurement in its own process


def _pin(cpus: list[int] | None) -> list[int]:
    if cpus:
        os.sched_setaffinity(0, set(cpus))
    return sorted(os.sched_getaffinity(0))


def _import_gx() -> float:
    started = time.perf_counter()
    import great_expectations  # noqa: F401

    return round(time.perf_counter() - started, 2)


def _extracted(path: Path) -> ExtractedDocument:
    """extract_step's document: the bench's files all extract, so a rejected one stops the benchmark."""
    from pipelines.run import DocumentOutcome, extract_step

    extracted = extract_step(path)
    if isinstance(extracted, DocumentOutcome):
        raise RuntimeError(f"{path.name} did not extract: {extracted.reason}")
    return extracted


def _loaded(outcome: DocumentOutcome) -> DocumentLoad:
    """The outcome's rows: only a duplicate (the same bytes twice in one run) has none."""
    if outcome.load is None:
        raise RuntimeError(f"{outcome.path.name} was not read: {outcome.reason}")
    return outcome.load


def _bare_pdfplumber(files: list[Path]) -> dict:
    """page.extract_tables() on every page: the reference engine, no title, no text, no checks."""
    import pdfplumber

    pages = tables = 0
    table_page_seconds: list[float] = []
    other_page_seconds: list[float] = []
    started = time.perf_counter()
    for path in files:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page_started = time.perf_counter()
                found = page.extract_tables()
                (table_page_seconds if found else other_page_seconds).append(time.perf_counter() - page_started)
                tables += len(found)
                pages += 1
                page.close()
    seconds = time.perf_counter() - started
    return {
        "documents": len(files),
        "pages": pages,
        "tables": tables,
        "seconds": round(seconds, 2),
        "pages_per_second": round(pages / seconds, 2),
        "seconds_per_table_page": round(statistics.fmean(table_page_seconds), 4) if table_page_seconds else None,
        "seconds_per_other_page": round(statistics.fmean(other_page_seconds), 4) if other_page_seconds else None,
    }


def _ingest(files: list[Path], workdir: Path, workers: int, expected: dict[str, int] | None = None) -> dict:
    """The whole ingest as `yusuan ingest FILES --warehouse W --workers N` runs it (same options)."""
    from bench.monitor import TreeMonitor
    from expectations.rules import default_rules
    from extractors import ExtractionLimits
    from pipelines.run import IngestOptions, QualitySettings, ingest

    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / "warehouse.duckdb"
    for stale in (target, target.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    options = IngestOptions(
        limits=ExtractionLimits(),
        workers=workers,
        quality=QualitySettings(data_docs=workdir / "quality_docs", rules=default_rules()),
    )
    statuses: Counter[str] = Counter()
    facts = pages = 0
    mismatched: list[str] = []
    stamps: list[tuple[float, int]] = []
    with TreeMonitor(os.getpid(), interval=0.25) as monitor:
        started = time.perf_counter()
        for outcome in ingest(files, target, options):
            statuses[outcome.status] += 1
            record = outcome.load.document.row(0, named=True) if outcome.load is not None else {}
            facts += record.get("facts_loaded") or 0
            pages += record.get("pages") or 0
            stamps.append((time.perf_counter() - started, record.get("pages") or 0))
            if expected is not None and record.get("facts_loaded") != expected.get(outcome.path.name):
                wanted = expected.get(outcome.path.name)
                mismatched.append(f"{outcome.path.name}: {record.get('facts_loaded')} facts, {wanted} printed")
        seconds = time.perf_counter() - started
    first_seconds = stamps[0][0] if stamps else 0.0
    steady_pages = sum(p for _, p in stamps[1:])
    return {
        "workers": workers,
        "documents": len(files),
        "pages": pages,
        "facts": facts,
        "statuses": dict(statuses),
        "facts_match_printed": None if expected is None else not mismatched,
        "mismatches": mismatched[:5],
        "seconds": round(seconds, 2),
        "pages_per_second": round(pages / seconds, 2),
        "first_document_seconds": round(first_seconds, 2),
        "steady_pages_per_second": round(steady_pages / (seconds - first_seconds), 2) if len(stamps) > 1 else None,
        "cpu_by_role": monitor.by_role(),
    }


def _pool_start_seconds(workdir: Path) -> float:
    """What starting a run's workers costs, once per run: the forkserver, a reader's imports and
    warm-up, and the validator's (the GX suite built), started together as a run starts them."""
    from expectations.rules import default_rules
    from pipelines.run import QualitySettings, _pool, _validator_pool

    quality = QualitySettings(data_docs=workdir / "quality_docs", rules=default_rules())
    started = time.perf_counter()
    with _pool(1) as readers, _validator_pool(quality) as validator:
        started_readers = readers.schedule(os.getpid)
        validator.schedule(os.getpid).result()
        started_readers.result()
    return round(time.perf_counter() - started, 2)


def _cached(names: list[str]) -> list[Path]:
    """The files, each read once so that the OS page cache holds it before any engine reads it."""
    files = [Path(name) for name in names]
    for path in files:
        path.read_bytes()
    return files


def child_throughput(args: dict) -> dict:
    cpus = _pin(args["cpus"])
    gx = _import_gx()
    files = _cached(args["files"])
    if args.get("ingest_first"):
        ingest = _ingest(files, Path(args["workdir"]), 1, args.get("expected"))
        bare = _bare_pdfplumber(files)
    else:
        bare = _bare_pdfplumber(files)
        ingest = _ingest(files, Path(args["workdir"]), 1, args.get("expected"))
    return {
        "cpus": cpus,
        "order": "ingest, bare" if args.get("ingest_first") else "bare, ingest",
        "gx_import_seconds": gx,
        "pool_start_seconds": _pool_start_seconds(Path(args["workdir"])),
        "bare_pdfplumber": bare,
        "ingest": ingest,
        "ratio": round(ingest["pages_per_second"] / bare["pages_per_second"], 3),
        "steady_ratio": round((ingest["steady_pages_per_second"] or 0) / bare["pages_per_second"], 3),
    }


def child_bare(args: dict) -> dict:
    cpus = _pin(args["cpus"])
    return {"cpus": cpus, **_bare_pdfplumber(_cached(args["files"]))}


def child_ingest(args: dict) -> dict:
    cpus = _pin(args.get("cpus"))
    gx = _import_gx()
    files = _cached(args["files"])
    result = _ingest(files, Path(args["workdir"]), args["workers"], args.get("expected"))
    return {"cpus": cpus, "gx_import_seconds": gx, **result}


def child_memory_ingest(args: dict) -> dict:
    """Ingest one document; the parent watches this process tree's memory."""
    from expectations.rules import default_rules
    from pipelines.run import IngestOptions, QualitySettings, ingest

    _import_gx()
    path, workdir = Path(args["file"]), Path(args["workdir"])
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / "warehouse.duckdb"
    target.unlink(missing_ok=True)
    options = IngestOptions(quality=QualitySettings(data_docs=workdir / "quality_docs", rules=default_rules()))
    started = time.perf_counter()
    outcomes = list(ingest([path], target, options))
    record = _loaded(outcomes[0]).document.row(0, named=True)
    return {
        "status": outcomes[0].status,
        "pages": record["pages"],
        "facts": record["facts_loaded"],
        "seconds": round(time.perf_counter() - started, 2),
    }


def _own_mib(field: str) -> float:
    """A field of this process's /proc status (VmRSS, VmHWM) in MiB."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child_memory_extract(args: dict) -> dict:
    """The reader's share alone: RSS after the worker's imports and warm-up, then the peak while
    extracting and normalizing one document (what a reader worker does)."""
    from pipelines.run import _warm_up, read_document

    _warm_up()
    before = _own_mib("VmRSS")
    outcome = read_document(Path(args["file"]))
    peak = _own_mib("VmHWM")
    return {
        "status": outcome.status,
        "rss_after_warm_up_mib": round(before, 1),
        "peak_mib": round(peak, 1),
        "document_mib": round(peak - before, 1),
    }


def child_page_cost(args: dict) -> dict:
    """Seconds per page of the extractor on a narrative-only and a table-only document (one core)."""
    import pdfplumber

    from extractors import extract_document

    cpus = _pin(args["cpus"])
    runs = args.get("runs", 3)
    result: dict = {"cpus": cpus}
    paths = {kind: Path(p) for kind, p in args["files"].items()}
    for path in paths.values():
        extract_document(path)  # warm: imports, fonts, page cache
    timings: dict[str, list[float]] = {kind: [] for kind in paths}
    for _ in range(runs):
        for kind, path in paths.items():
            started = time.perf_counter()
            extracted = extract_document(path)
            timings[kind].append(time.perf_counter() - started)
            result.setdefault(kind, {})["pages"] = extracted.pages
            result[kind]["tables"] = len(extracted.tables)
    for kind, path in paths.items():
        pages = result[kind]["pages"]
        result[kind]["extractor_seconds_per_page"] = round(statistics.median(timings[kind]) / pages, 5)
        started = time.perf_counter()
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.close()
        result[kind]["bare_pdfplumber_seconds_per_page"] = round((time.perf_counter() - started) / pages, 5)
    result["ratio"] = round(
        result["narrative"]["extractor_seconds_per_page"] / result["table"]["extractor_seconds_per_page"], 3
    )
    return result


def _top_functions(profile, stage_seconds: float, limit: int = 12) -> dict[str, list[dict]]:
    import pstats

    stats = pstats.Stats(profile)
    rows = []
    # typeshed's Stats leaves out `stats`, the raw table every report of pstats is made from
    for (filename, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        short = filename.replace(str(ROOT) + "/", "")
        if "site-packages/" in short:
            short = short.split("site-packages/", 1)[1]
        rows.append(
            {
                "function": f"{short}:{line}({name})",
                "calls": calls,
                "tottime": round(tottime, 3),
                "cumtime": round(cumtime, 3),
                "cum_share": round(cumtime / stage_seconds, 3) if stage_seconds else None,
            }
        )
    by_cum = sorted(rows, key=lambda r: -r["cumtime"])
    by_tot = sorted(rows, key=lambda r: -r["tottime"])
    return {"by_cumtime": by_cum[: limit * 2], "by_tottime": by_tot[:limit]}


def child_profile(args: dict) -> dict:
    """Stage timings (no profiler) per page, then cProfile per stage, one core, in one process."""
    import cProfile

    cpus = _pin(args["cpus"])
    gx = _import_gx()
    from expectations.consistency import consistency_findings
    from expectations.rules import default_rules
    from expectations.suite import validate_facts
    from pipelines.run import (
        QualitySettings,
        _warm_up,
        extract_step,
        normalize_step,
        subject_class_frame,
        validate_step,
    )
    from transforms.regions import region_tables
    from transforms.subjects import subject_catalogue
    from warehouse.load import connect, load_document, load_reference, load_subject_reference

    files = [Path(f) for f in args["files"]]
    workdir = Path(args["workdir"])
    workdir.mkdir(parents=True, exist_ok=True)
    quality = QualitySettings(data_docs=workdir / "quality_docs", rules=default_rules())
    _warm_up()
    # one-time costs of the main process, then the warm stages
    started = time.perf_counter()
    warm = normalize_step(_extracted(files[0]))
    validate_facts(_loaded(warm).facts, quality.data_docs)
    gx_context_seconds = time.perf_counter() - started

    stages = {
        "extract": 0.0,
        "normalize": 0.0,
        "gx_suite": 0.0,
        "gx_data_docs": 0.0,
        "consistency": 0.0,
        "load": 0.0,
    }
    pages = 0
    outcomes: list[DocumentOutcome] = []
    for path in files:
        t0 = time.perf_counter()
        extracted = _extracted(path)
        t1 = time.perf_counter()
        outcome = normalize_step(extracted)
        t2 = time.perf_counter()
        validate_facts(_loaded(outcome).facts, None)  # the suite alone
        t3 = time.perf_counter()
        validate_facts(_loaded(outcome).facts, quality.data_docs)  # the suite and the Data Docs, as the CLI runs it
        t4 = time.perf_counter()
        consistency_findings(_loaded(outcome).facts, outcome.narrative, quality.rules)
        t5 = time.perf_counter()
        stages["extract"] += t1 - t0
        stages["normalize"] += t2 - t1
        stages["gx_suite"] += t3 - t2
        stages["gx_data_docs"] += max(0.0, (t4 - t3) - (t3 - t2))
        stages["consistency"] += t5 - t4
        pages += extracted.pages or 0
        outcomes.append(outcome)
    validated = [validate_step(o, quality) for o in outcomes]
    target = workdir / "profile.duckdb"
    target.unlink(missing_ok=True)
    con = connect(target)
    load_reference(con, region_tables(), subject_class_frame())
    load_subject_reference(con, subject_catalogue().name_frame(), subject_catalogue().crosswalk_frame())
    t0 = time.perf_counter()
    for outcome in validated:
        load_document(con, _loaded(outcome))
    stages["load"] = time.perf_counter() - t0
    total = sum(stages.values())
    bare = _bare_pdfplumber(files)

    def projected(*without: str) -> float:
        return round(bare["seconds"] / (total - sum(stages[name] for name in without)), 3)

    result: dict = {
        "cpus": cpus,
        "documents": len(files),
        "pages": pages,
        "gx_import_seconds": gx,
        "first_document_one_time_seconds": round(gx_context_seconds, 2),
        "stages": {
            name: {
                "seconds": round(seconds, 2),
                "share": round(seconds / total, 3),
                "ms_per_page": round(1000 * seconds / pages, 1),
                "ms_per_document": round(1000 * seconds / len(files), 1),
            }
            for name, seconds in stages.items()
        },
        "pages_per_second_all_stages_serial": round(pages / total, 2),
        "bare_pdfplumber": bare,
        "ratio_to_bare": {
            "all_stages": projected(),
            "without_data_docs": projected("gx_data_docs"),
            "without_gx_suite_and_data_docs": projected("gx_data_docs", "gx_suite"),
            "extract_and_normalize_only": projected("gx_data_docs", "gx_suite", "consistency", "load"),
            "extract_only": round(bare["seconds"] / stages["extract"], 3),
        },
    }

    profiles: dict[str, dict] = {}

    def profiled(name: str, work) -> None:
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        work()
        profile.disable()
        profiles[name] = _top_functions(profile, time.perf_counter() - started)
        profiles[name]["seconds_under_profiler"] = round(time.perf_counter() - started, 2)

    profiled("extract", lambda: [extract_step(p) for p in files])
    extracted_all = [_extracted(p) for p in files]
    profiled("normalize", lambda: [normalize_step(e) for e in extracted_all])
    profiled("gx_suite", lambda: [validate_facts(_loaded(o).facts, quality.data_docs) for o in outcomes])
    profiled(
        "consistency", lambda: [consistency_findings(_loaded(o).facts, o.narrative, quality.rules) for o in outcomes]
    )

    def load_all() -> None:
        for o in validated:
            load_document(con, _loaded(o))

    profiled("load", load_all)
    con.close()
    result["profiles"] = profiles
    return result


def _fact_key(fact: dict, row_by: str = "subject_name") -> tuple:
    """A fact as a user finds it: by the subject the warehouse files it under (its code, else its
    name: a row label's numbering, 3、 or (三), says nothing of what it is), or `row_by` another
    column, such as the label as printed (`row_label`)."""
    row = fact["subject_code"] or "".join((fact[row_by] or fact["subject_name"] or "").split())
    return (fact["table_type"], fact["side"], row, fact["measure"], str(fact["amount_wan"]))


def _keys(outcome: DocumentOutcome, row_by: str = "subject_name") -> Counter[tuple]:
    loaded = outcome.load
    return Counter(_fact_key(f, row_by) for f in loaded.facts.iter_rows(named=True)) if loaded else Counter()


def scan_against_text(printed: Counter[tuple], read: Counter[tuple]) -> tuple[Counter[tuple], int, int]:
    """The facts a scan loads as its text layer does, and how many of the others are wrong and how
    many are right amounts filed under a subject name OCR misread (counted apart: the amount is
    right, and a code is never so excused). Keys are `_fact_key`s; each fact counts once, however
    many share a key."""
    alike = read & printed
    missed = Counter(key[:2] + key[3:] for key in (printed - alike).elements())
    labelled = Counter(key[:2] + key[3:] for key in (read - alike).elements() if not key[2].isdigit())
    relabelled = sum((labelled & missed).values())
    return alike, sum((read - alike).values()) - relabelled, relabelled


# What files a document's facts under a region, a department and a year: a scan that reads any of
# them otherwise than its text layer files every amount it loads wrongly.
IDENTITY = ("adcode", "region_name", "department_name", "fiscal_year")


def _identity_misread(text: DocumentOutcome, scan: DocumentOutcome) -> dict[str, list]:
    """The identity fields the scan reads otherwise than the text layer: {field: [text's, scan's]}."""
    if text.load is None or scan.load is None:
        return {}
    printed, read = text.load.document.row(0, named=True), scan.load.document.row(0, named=True)
    return {field: [printed[field], read[field]] for field in IDENTITY if printed[field] != read[field]}


def child_ocr(args: dict) -> dict:
    """Each disclosure scanned whole: its table pages OCR'd one by one on one core (timed), then the
    scan ingested (read, normalized, gated, validated) and its facts and identity held against the
    text PDF's."""
    import pypdfium2 as pdfium

    from expectations.rules import default_rules
    from extractors.ocr import ocr_available, read_scanned_page
    from factory.disclosures import (
        LAYOUTS,
        DisclosureSpec,
        build_disclosure,
        hunan_spec,
        jiangsu_spec,
        shanghai_spec,
    )
    from factory.scan import SCAN_CONDITIONS, scanned_pdf
    from pipelines.run import QualitySettings, read_document, validate_step

    cpus = _pin(args["cpus"])
    if problem := ocr_available():
        raise RuntimeError(problem)
    specs = {"sichuan": DisclosureSpec(), "shanghai": shanghai_spec(), "jiangsu": jiangsu_spec(), "hunan": hunan_spec()}
    workdir = Path(args["workdir"])
    workdir.mkdir(parents=True, exist_ok=True)
    quality = QualitySettings(rules=default_rules())
    documents: list[dict] = []
    page_seconds: list[float] = []
    for number in range(args["documents"]):
        layout = LAYOUTS[number % len(LAYOUTS)]
        disclosure = build_disclosure(specs[layout])
        table_pages = {p for kind, p in disclosure.pages.items() if kind not in ("cover", "narrative")}
        table_pages |= {p for pages in disclosure.table_pages.values() for p in pages}
        scan = scanned_pdf(disclosure.pdf, seed=number, condition=SCAN_CONDITIONS[args["scan"]])
        document = pdfium.PdfDocument(scan)
        read_scanned_page(document, min(table_pages) - 1)  # warm: models loaded, first inference
        for page in sorted(table_pages):
            started = time.perf_counter()
            read_scanned_page(document, page - 1)
            page_seconds.append(time.perf_counter() - started)
        document.close()
        outcomes = {}
        spec = specs[layout]
        for kind, data in (("text", disclosure.pdf), ("scan", scan)):
            # Named as a publisher names a scan: the department and year (see path_identity).
            path = workdir / f"{number}_{layout}_{kind}" / f"{spec.department_name}{spec.fiscal_year}年部门预算.pdf"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            outcomes[kind] = validate_step(read_document(path), quality)
        printed = Counter(_fact_key(f) for f in _loaded(outcomes["text"]).facts.iter_rows(named=True))
        read = Counter(_fact_key(f) for f in _loaded(outcomes["scan"]).facts.iter_rows(named=True))
        issues = _loaded(outcomes["scan"]).issues
        misread = _identity_misread(outcomes["text"], outcomes["scan"])
        alike = Counter() if misread else read & printed
        documents.append(
            {
                "layout": layout,
                "pages": disclosure.page_count,
                "table_pages": len(table_pages),
                "status": outcomes["scan"].status,
                "identity_misread": misread,
                "amounts_printed": sum(printed.values()),
                "amounts_loaded": sum(alike.values()),
                "amounts_loaded_wrong": sum((read - alike).values()),
                "gate_issues": dict(Counter(k for k in issues["kind"].to_list() if k.startswith("ocr_"))),
            }
        )
    printed_total = sum(d["amounts_printed"] for d in documents)
    return {
        "cpus": cpus,
        "documents": documents,
        "table_pages": len(page_seconds),
        "seconds_per_table_page": _percentiles(page_seconds),
        "table_pages_per_second_one_core": round(len(page_seconds) / sum(page_seconds), 4),
        "amounts_loaded_share": round(sum(d["amounts_loaded"] for d in documents) / printed_total, 4),
        "amounts_loaded_wrong": sum(d["amounts_loaded_wrong"] for d in documents),
        "documents_misidentified": sum(bool(d["identity_misread"]) for d in documents),
    }


def child_ocr_real(args: dict) -> dict:
    """Each real PDF rasterised whole as a scanner would (150 dpi, skew up to 1.5 degrees, spoilt as
    the `scan` condition says; printed at `print_scale` first) and ingested by OCR, its facts held against its own text
    layer's: per file, the amounts the text layer loads, those OCR loads alike, and those it loads
    wrong (none may be), told apart from a right amount under a misread subject name (an amount
    the text layer prints in the same table, side and measure under another name), and the amounts
    loaded alike whose printed row label OCR read otherwise (3、 for 4、). An amount under a misread
    subject code is wrong: the code says what it was spent on, and so is every amount of a scan that
    reads its region, department or year otherwise (IDENTITY)."""
    from expectations.rules import default_rules
    from factory.scan import SCAN_CONDITIONS, scanned_pdf
    from pipelines.run import QualitySettings, read_document, validate_step

    cpus = _pin(args["cpus"])
    workdir = Path(args["workdir"])
    quality = QualitySettings(rules=default_rules())
    files = []
    totals: Counter[str] = Counter()
    printed_at = args.get("print_scale", 1.0)
    for number, source in enumerate(map(Path, args["files"])):
        outcomes, seconds = {}, 0.0
        data = source.read_bytes()
        for kind in ("text", "scan"):
            folder = workdir / kind
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / source.name  # the same name: a name that says the year says it for both
            seed = args.get("seed", 0) + number
            condition = SCAN_CONDITIONS[args["scan"]]
            path.write_bytes(
                data if kind == "text" else scanned_pdf(data, seed=seed, print_scale=printed_at, condition=condition)
            )
            started = time.perf_counter()
            outcomes[kind] = validate_step(read_document(path), quality)
            seconds = time.perf_counter() - started
        text, scan = outcomes["text"], outcomes["scan"]
        printed, read = (_keys(outcome) for outcome in (text, scan))
        issues = scan.load.issues["kind"].to_list() if scan.load else []
        misread = _identity_misread(text, scan)
        if misread:  # every amount is filed under the wrong document
            alike, wrong, relabelled, labels_otherwise = Counter[tuple](), sum(read.values()), 0, 0
        else:
            alike, wrong, relabelled = scan_against_text(printed, read)
            labels_alike = _keys(text, "row_label") & _keys(scan, "row_label")
            labels_otherwise = sum(alike.values()) - sum(labels_alike.values())
        files.append(
            {
                "file": source.name,
                "pages": text.pages,
                "text_status": text.status,
                "scan_status": scan.status,
                "scan_reason": None if scan.status == "loaded" else scan.reason,
                "amounts_text_layer": sum(printed.values()),
                "identity_misread": misread,
                "amounts_loaded_by_ocr": sum(alike.values()),
                "amounts_loaded_wrong": wrong,
                "subjects_misread": relabelled,
                "row_labels_read_otherwise": labels_otherwise,
                "wrong": [[str(v) for v in key] for key in (read - alike)][:20],
                "gate_issues": dict(Counter(k for k in issues if k.startswith("ocr_"))),
                "scan_seconds": round(seconds, 1),
            }
        )
        print(json.dumps(files[-1], ensure_ascii=False), flush=True)
        totals.update(
            text=sum(printed.values()),
            ocr=sum(alike.values()),
            wrong=wrong,
            relabelled=relabelled,
            labels_otherwise=labels_otherwise,
        )
    return {
        "cpus": cpus,
        "print_scale": printed_at,
        "scan": args["scan"],
        "files": files,
        "amounts_text_layer": totals["text"],
        "amounts_loaded_by_ocr": totals["ocr"],
        "amounts_loaded_wrong": totals["wrong"],
        "subjects_misread": totals["relabelled"],
        "row_labels_read_otherwise": totals["labels_otherwise"],
        "documents_misidentified": sum(bool(f["identity_misread"]) for f in files),
        "amounts_loaded_share": round(totals["ocr"] / max(1, totals["text"]), 4),
    }


def _percentiles(samples: list[float]) -> dict:
    return {
        "median_seconds": round(statistics.median(samples), 4),
        "min_seconds": round(min(samples), 4),
        "max_seconds": round(max(samples), 4),
        "runs": len(samples),
    }


def _profile_query(con, sql: str, params: list, path: Path) -> dict:
    """DuckDB's own profile of one run: totals and the most expensive operators (self time)."""
    con.execute("PRAGMA enable_profiling = 'json'")
    con.execute(f"PRAGMA profiling_output = '{path}'")
    con.execute(sql, params).fetchall()
    con.execute("PRAGMA disable_profiling")
    try:
        tree = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    operators: list[dict] = []
    keep = ("Table", "Join Type", "Conditions", "Groups", "Aggregates", "Filters")

    def walk(node: dict) -> None:
        name = node.get("operator_name") or node.get("operator_type") or node.get("type")
        timing = node.get("operator_timing", node.get("timing"))
        if name and timing is not None:
            info = node.get("extra_info") or {}
            operators.append(
                {
                    "operator": str(name).strip(),
                    "seconds": round(timing, 4),
                    "rows": node.get("operator_cardinality", node.get("intermediate_rows")),
                    "detail": {k: v for k, v in info.items() if k in keep} if isinstance(info, dict) else None,
                }
            )
        for child in node.get("children", []):
            walk(child)

    roots = tree["operator"] if isinstance(tree.get("operator"), list) else [tree]
    for root in roots:
        walk(root)
    query = tree.get("query") or {}
    system = tree.get("system") or {}
    return {
        "total_seconds": query.get("total_time"),
        "cpu_seconds": query.get("cpu_time"),
        "rows_scanned": query.get("total_rows_scanned"),
        "intermediate_rows": query.get("total_intermediate_rows"),
        "peak_buffer_mib": round(system["peak_buffer_memory"] / 2**20) if "peak_buffer_memory" in system else None,
        "slowest_operators": sorted(operators, key=lambda o: -o["seconds"])[:8],
    }


def child_warehouse(args: dict) -> dict:
    import duckdb

    from bench.facts import build_fact_warehouse, one_row
    from pipelines.run import QualitySettings, read_document, validate_step
    from warehouse.load import load_document

    workdir = Path(args["workdir"])
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "facts.duckdb"
    built = build_fact_warehouse(path, args["facts"], [Path(p) for p in args["templates"]])

    con = duckdb.connect(str(path), read_only=True)
    threads = one_row(con, "SELECT current_setting('threads')")[0]
    region, year = one_row(
        con,
        """SELECT adcode, fiscal_year FROM dim_document ORDER BY document_id
           LIMIT 1 OFFSET (SELECT count(*) // 2 FROM dim_document)""",
    )
    department = one_row(
        con, "SELECT department_name FROM dim_document WHERE adcode = ? ORDER BY department_name LIMIT 1", [region]
    )[0]
    queries = {
        "mart_region_year": (
            "mart_function_by_region_year for one region and year (every level, measure, department)",
            "SELECT * FROM mart_function_by_region_year WHERE adcode = ? AND fiscal_year = ?",
            [region, year],
        ),
        "mart_full_aggregate": (
            "the whole mart aggregated: 类/款/项 totals by province and year",
            """SELECT province, fiscal_year, level, measure, count(*) AS rows, sum(amount_wan) AS amount_wan
               FROM mart_function_by_region_year GROUP BY ALL""",
            [],
        ),
        "analyst_department_code_years": (
            "one department's 行政事业单位医疗 (21011) across years, from the mart",
            """SELECT fiscal_year, level, subject_code, subject_name, measure, amount_wan, is_derived
               FROM mart_function_by_region_year
               WHERE department_name = ? AND subject_code = '21011'
               ORDER BY fiscal_year, measure""",
            [department],
        ),
        "analyst_top_regions_210": (
            "top 20 regions by 卫生健康支出 (类 210) in one year, from the mart",
            """SELECT region_name, province, sum(amount_wan) AS amount_wan,
                      count(DISTINCT department_name) AS departments
               FROM mart_function_by_region_year
               WHERE level = '类' AND subject_code = '210' AND measure = 'total' AND fiscal_year = ?
               GROUP BY ALL ORDER BY amount_wan DESC LIMIT 20""",
            [year],
        ),
        "facts_code_all_departments": (
            "README's first query on the fact table: every department's 2101102 (事业单位医疗) with its tables",
            """SELECT department_name, fiscal_year, table_type, measure, amount_wan, page, source_position
               FROM fct_budget_amount WHERE subject_code = '2101102'
               ORDER BY department_name, table_type, measure""",
            [],
        ),
    }
    results = _time_queries(con, queries, args["runs"], workdir)
    mart_rows = one_row(con, "SELECT count(*) FROM mart_function_by_region_year")[0]
    con.close()

    # One more document loaded into the full warehouse as the pipeline loads it (one transaction:
    # its old rows deleted, facts inserted, dimensions and mart rows derived): what every document
    # of a large province pays once the warehouse is big.
    sample = Path(args["load_sample"])
    outcome = validate_step(read_document(sample), QualitySettings())
    con = duckdb.connect(str(path))
    load_samples = []
    for _ in range(3):
        started = time.perf_counter()
        load_document(con, _loaded(outcome))
        load_samples.append(time.perf_counter() - started)
    con.close()
    if not args.get("keep"):
        path.unlink(missing_ok=True)
    return {
        "built": built,
        "duckdb_threads": threads,
        "mart_rows": mart_rows,
        "parameters": {"adcode": region, "fiscal_year": year, "department": department},
        "queries": results,
        "load_one_document_into_full_warehouse": {
            "document": sample.name,
            "facts": _loaded(outcome).facts.height,
            **_percentiles(load_samples),
        },
    }


def _time_queries(con, queries: dict, runs: int, workdir: Path, profile: bool = True) -> dict:
    results: dict = {}
    for key, (description, sql, params) in queries.items():
        first = time.perf_counter()
        rows = len(con.execute(sql, params).fetchall())
        cold = time.perf_counter() - first
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            con.execute(sql, params).fetchall()
            samples.append(time.perf_counter() - started)
        results[key] = {"description": description, "rows": rows, "first_run_seconds": round(cold, 4)}
        results[key] |= _percentiles(samples)
        if profile:
            results[key]["duckdb_profile"] = _profile_query(con, sql, params, workdir / f"profile_{key}.json")
    return results


CHILDREN = {
    "throughput": child_throughput,
    "bare": child_bare,
    "ingest": child_ingest,
    "memory_ingest": child_memory_ingest,
    "memory_extract": child_memory_extract,
    "page_cost": child_page_cost,
    "ocr": child_ocr,
    "ocr_real": child_ocr_real,
    "profile": child_profile,
    "warehouse": child_warehouse,
}


def _child_main(name: str, args_path: Path, out_path: Path) -> int:
    result = CHILDREN[name](json.loads(args_path.read_text()))
    out_path.write_text(json.dumps(result, ensure_ascii=False))
    return 0


def run_child(name: str, args: dict, monitor_interval: float | None = None) -> dict:
    """Run a child measurement in a fresh interpreter; with `monitor_interval`, watch its memory."""
    with tempfile.TemporaryDirectory(prefix="yusuan-bench-") as tmp:
        args_path, out_path = Path(tmp) / "args.json", Path(tmp) / "out.json"
        args_path.write_text(json.dumps(args, ensure_ascii=False))
        command = [sys.executable, "-m", "bench.run", "--child", name, str(args_path), str(out_path)]
        process = subprocess.Popen(command, cwd=ROOT)
        monitor = None
        if monitor_interval:
            from bench.monitor import TreeMonitor

            monitor = TreeMonitor(process.pid, interval=monitor_interval)
            with monitor:
                code = process.wait()
        else:
            code = process.wait()
        if code != 0:
            raise RuntimeError(f"benchmark child {name} failed with exit code {code}")
        result = json.loads(out_path.read_text())
        if monitor is not None:
            result["tree"] = {
                "peak_tree_rss_mib": round(monitor.peak_tree_rss_kb / 1024, 1),
                "by_role": monitor.by_role(),
                "samples": monitor.samples,
            }
        return result


# ---------------------------------------------------------------------------------------------
# Sections


def _corpus(options: argparse.Namespace) -> tuple[list[Path], dict[str, int]]:
    from bench.corpus import build_corpus

    folder = options.corpus_dir or WORK / f"corpus_{options.documents}_{options.seed}"
    started = time.perf_counter()
    built = build_corpus(folder, options.documents, options.seed)
    seconds = time.perf_counter() - started
    pages = sum(b.pages for b in built)
    table_pages = sum(b.table_pages for b in built)
    print(
        f"corpus: {len(built)} documents, {pages} pages ({table_pages} with tables), "
        f"{sum(b.amounts for b in built)} printed amounts, in {folder} ({seconds:.0f} s)"
    )
    options.corpus_summary = {
        "folder": str(folder),
        "documents": len(built),
        "pages": pages,
        "table_pages": table_pages,
        "layouts": dict(Counter(b.layout for b in built)),
        "years": dict(sorted(Counter(b.year for b in built).items())),
        "regions": len({b.adcode for b in built}),
        "departments": len({b.department_name for b in built}),
        "printed_amounts": sum(b.amounts for b in built),
        "pages_per_document": [min(b.pages for b in built), max(b.pages for b in built)],
    }
    return [folder / b.path for b in built], {b.path: b.amounts for b in built}


def _best(runs: list[dict], key: str = "pages_per_second") -> float:
    return max(run[key] for run in runs)


def section_throughput(options, files, expected) -> dict:
    """The benchmark corpus, then the real PDFs beside the checkout (../shared/corpus), if there."""
    summary = _throughput(options, files, expected, "benchmark corpus")
    real = sorted(SHARED_CORPUS.glob("*.pdf")) + sorted((SHARED_CORPUS / "real").glob("*.pdf"))
    if real:
        summary["real_pdfs"] = _throughput(options, real, None, f"{len(real)} real PDFs of ../shared/corpus")
        summary["real_pdfs"]["files"] = [p.name for p in real]
    return summary


def _throughput(options, files, expected, label: str) -> dict:
    rounds = []
    for index in range(options.rounds):
        ingest_first = index % 2 == 1
        order = "ingest, then bare pdfplumber" if ingest_first else "bare pdfplumber, then ingest"
        print(f"throughput, {label}, round {index + 1}/{options.rounds}: {order}, on CPU 0 only ...", flush=True)
        result = run_child(
            "throughput",
            {
                "cpus": [0],
                "files": [str(f) for f in files],
                "workdir": str(WORK / "throughput"),
                "expected": expected,
                "ingest_first": ingest_first,
            },
        )
        bare, ingest = result["bare_pdfplumber"], result["ingest"]
        per_document_seconds = ingest["seconds"] - result["pool_start_seconds"]
        result["ratio_without_pool_start"] = round(bare["seconds"] / per_document_seconds, 3)
        print(
            f"  bare pdfplumber extract_tables(): {bare['pages']} pages in {bare['seconds']} s = "
            f"{bare['pages_per_second']} pages/s ({bare['seconds_per_table_page']} s a table page, "
            f"{bare['seconds_per_other_page']} s another page)"
        )
        print(
            f"  whole ingest (1 worker, 1 core):  {ingest['pages']} pages in {ingest['seconds']} s = "
            f"{ingest['pages_per_second']} pages/s ({ingest['steady_pages_per_second']} after the first document); "
            f"statuses {ingest['statuses']}, {ingest['facts']} facts, facts = printed amounts: "
            f"{ingest['facts_match_printed']}"
        )
        print(
            f"  ratio {result['ratio']} ({result['ratio_without_pool_start']} without the once-per-run reader pool "
            f"start); one-time: import great_expectations here {result['gx_import_seconds']} s "
            f"(excluded), reader pool start with its GX import {result['pool_start_seconds']} s (included); "
            f"{_cpu_by_role(ingest)}"
        )
        rounds.append(result)
    bare_best = _best([r["bare_pdfplumber"] for r in rounds])
    ingest_best = _best([r["ingest"] for r in rounds])
    steady_best = _best([r["ingest"] for r in rounds], "steady_pages_per_second")
    summary = {
        "rounds": rounds,
        "bare_pages_per_second": bare_best,
        "ingest_pages_per_second": ingest_best,
        "ingest_steady_pages_per_second": steady_best,
        "ratio": round(statistics.median(r["ratio"] for r in rounds), 3),
        "ingest_vs_bare_median": round(statistics.median(r["ratio"] for r in rounds), 3),
        "without_pool_start_median": round(statistics.median(r["ratio_without_pool_start"] for r in rounds), 3),
        "best_of_each_ratio": round(ingest_best / bare_best, 3),
        "steady_ratio": round(steady_best / bare_best, 3),
        "ratio_per_round": [r["ratio"] for r in rounds],
        "gx_import_seconds": [r["gx_import_seconds"] for r in rounds],
    }
    print(
        f"  {label}: median of {len(rounds)} paired rounds: ratio {summary['ratio']} (target >= "
        f"{TARGETS['ingest_vs_bare_one_core']}; per round {summary['ratio_per_round']}); without the pool start "
        f"{summary['without_pool_start_median']}; best of each engine: bare "
        f"{bare_best} pages/s, ingest {ingest_best} pages/s -> {summary['best_of_each_ratio']}; after the first "
        f"document {summary['steady_ratio']}"
    )
    return summary


def _ingest_child(files: list[Path], expected: dict, workers: int, cpus: list[int] | None, workdir: Path) -> dict:
    args = {"cpus": cpus, "files": [str(f) for f in files], "workdir": str(workdir), "workers": workers}
    return run_child("ingest", {**args, "expected": expected})


def _cpu_by_role(ingest: dict) -> str:
    return "CPU s by role: " + ", ".join(f"{role} {v['cpu_seconds']}" for role, v in ingest["cpu_by_role"].items())


def section_scaling(options, files, expected) -> dict:
    """Paired rounds: one worker pinned to one core, one worker with both cores, two workers with
    both, back to back in an order that alternates; the speed-ups are medians of each round's."""
    setups = {"one_core": (1, [0]), "workers_1": (1, None), "workers_2": (2, None)}
    runs: dict[str, list[dict]] = {name: [] for name in setups}
    for index in range(options.rounds):
        for name in list(setups) if index % 2 == 0 else list(reversed(setups)):
            workers, cpus = setups[name]
            where = "CPU 0 only" if cpus else "all cores"
            print(f"scaling round {index + 1}/{options.rounds}: {workers} worker(s), {where} ...", flush=True)
            r = _ingest_child(files, expected, workers, cpus=cpus, workdir=WORK / f"scaling_{name}")
            runs[name].append(r)
            print(
                f"  {workers} worker(s), {where}: {r['pages_per_second']} pages/s ({r['seconds']} s), "
                f"statuses {r['statuses']}; " + _cpu_by_role(r)
            )

    ceilings = [_bare_two_processes(files) for _ in range(options.rounds)]

    def speedup(over: str) -> tuple[float, list[float]]:
        each = [
            two["pages_per_second"] / one["pages_per_second"]
            for two, one in zip(runs["workers_2"], runs[over], strict=True)
        ]
        return round(statistics.median(each), 3), [round(r, 3) for r in each]

    two_cores, two_cores_rounds = speedup("one_core")
    two_workers, two_workers_rounds = speedup("workers_1")
    result = {
        "runs": runs,
        "bare_two_processes": ceilings,
        "bare_speedup_2_processes": round(statistics.median(c["speedup"] for c in ceilings), 3),
        "speedup_2_cores_vs_1_core": two_cores,
        "speedup_2_cores_vs_1_core_rounds": two_cores_rounds,
        "speedup_2_workers_vs_1_worker": two_workers,
        "speedup_2_workers_vs_1_worker_rounds": two_workers_rounds,
    }
    print(
        f"  median of {options.rounds} paired rounds: 2 workers on 2 cores over 1 worker on 1 core "
        f"{two_cores} (per round {two_cores_rounds}; target >= {TARGETS['speedup_two_cores']}); "
        f"2 workers over 1 worker, both with 2 cores: {two_workers} (per round {two_workers_rounds}); "
        f"bare pdfplumber in 2 processes over 1: {result['bare_speedup_2_processes']} "
        f"(per round {[c['speedup'] for c in ceilings]})"
    )
    return result


def _bare_two_processes(files: list[Path]) -> dict:
    """What two cores give the reference engine itself, with nothing serial to hold it back: bare
    `extract_tables()` over all the files on CPU 0, then over two halves (balanced by pages) in two
    processes at once, one on each CPU. The ceiling of the scaling target on this machine."""
    from concurrent.futures import ThreadPoolExecutor

    from extractors import page_count

    counts = {path: page_count(path) or 0 for path in files}
    halves: list[list[Path]] = [[], []]
    pages = [0, 0]
    for path in sorted(files, key=counts.__getitem__, reverse=True):
        lighter = pages.index(min(pages))
        halves[lighter].append(path)
        pages[lighter] += counts[path]
    print("scaling: bare pdfplumber, 1 process on CPU 0, then 2 processes on CPUs 0 and 1 ...", flush=True)
    one = run_child("bare", {"cpus": [0], "files": [str(f) for f in files]})
    with ThreadPoolExecutor(2) as threads:
        two = list(
            threads.map(
                lambda part: run_child("bare", {"cpus": [part], "files": [str(f) for f in halves[part]]}), (0, 1)
            )
        )
    slowest = max(half["seconds"] for half in two)
    print(f"  1 process {one['seconds']} s; 2 processes {[half['seconds'] for half in two]} s (pages {pages})")
    return {
        "one_process_seconds": one["seconds"],
        "two_processes_seconds": [half["seconds"] for half in two],
        "pages": pages,
        "speedup": round(one["seconds"] / slowest, 3),
    }


def section_memory(options) -> dict:
    from bench.corpus import build_documents, length_plan

    plans = [length_plan(20), length_plan(200)]
    folder = WORK / "length"
    built = build_documents(plans, folder)
    result: dict = {}
    for plan, document in zip(plans, built, strict=True):
        path = folder / plan.name
        print(f"memory: ingesting one document of {document.pages} pages ...", flush=True)
        ingest = run_child(
            "memory_ingest",
            {"file": str(path), "workdir": str(WORK / f"memory_{document.pages}")},
            monitor_interval=0.01,
        )
        extract = run_child("memory_extract", {"file": str(path)})
        roles = ingest["tree"]["by_role"]
        result[f"pages_{document.pages}"] = {
            "pages": document.pages,
            "table_pages": document.table_pages,
            "file_mib": round(path.stat().st_size / 2**20, 2),
            "ingest": ingest,
            "reader_alone": extract,
            "peak_tree_rss_mib": ingest["tree"]["peak_tree_rss_mib"],
            "peak_main_mib": roles.get("main", {}).get("peak_mib"),
            "peak_worker_mib": roles.get("worker", {}).get("peak_mib"),
        }
        r = result[f"pages_{document.pages}"]
        print(
            f"  {document.pages} pages ({ingest['facts']} facts, {ingest['status']}, {ingest['seconds']} s): "
            f"process tree peak {r['peak_tree_rss_mib']} MiB; main (load) {r['peak_main_mib']} MiB; "
            f"reader worker {r['peak_worker_mib']} MiB; reader alone: {extract['peak_mib']} MiB peak, "
            f"{extract['document_mib']} MiB above its warmed-up {extract['rss_after_warm_up_mib']} MiB"
        )
    small, large = result["pages_20"], result["pages_200"]

    def growth(key: str) -> float | None:
        a, b = small[key], large[key]
        return round(b / a - 1, 3) if a and b else None

    result["growth"] = {
        "tree": growth("peak_tree_rss_mib"),
        "main": growth("peak_main_mib"),
        "worker": growth("peak_worker_mib"),
        "reader_alone": round(large["reader_alone"]["peak_mib"] / small["reader_alone"]["peak_mib"] - 1, 3),
        "reader_document_mib": [small["reader_alone"]["document_mib"], large["reader_alone"]["document_mib"]],
    }
    print(
        f"  growth 20 -> 200 pages: tree {result['growth']['tree']:+.1%}, main {result['growth']['main']:+.1%}, "
        f"worker {result['growth']['worker']:+.1%}, reader alone {result['growth']['reader_alone']:+.1%} "
        f"(target < {TARGETS['memory_growth_20_to_200_pages']:.0%})"
    )
    return result


def section_page_cost(options) -> dict:
    from bench.corpus import page_kind_documents

    print("page cost: extractor on narrative-only vs table-only documents, CPU 0 ...", flush=True)
    files = page_kind_documents(WORK / "page_kinds", pages=30)
    result = run_child("page_cost", {"cpus": [0], "files": {k: str(v) for k, v in files.items()}, "runs": 5})
    for kind in ("table", "narrative"):
        r = result[kind]
        print(
            f"  {kind}: {r['pages']} pages, {r['extractor_seconds_per_page'] * 1000:.1f} ms a page "
            f"(bare pdfplumber {r['bare_pdfplumber_seconds_per_page'] * 1000:.1f} ms)"
        )
    print(
        f"  narrative page / table page = {result['ratio']:.3f} (target <= {TARGETS['narrative_vs_table_page_cost']})"
    )
    return result


def section_ocr(options) -> dict:
    result: dict = {"scan": options.ocr_scan}
    if options.ocr_documents:
        cpu = options.ocr_cpu
        print(f"ocr: {options.ocr_documents} scanned disclosures ({options.ocr_scan}), CPU {cpu} ...", flush=True)
        workdir = str(WORK / f"ocr_cpu{cpu}")  # apart from a second --ocr's on the other CPU
        args = {"cpus": [cpu], "documents": options.ocr_documents, "workdir": workdir, "scan": options.ocr_scan}
        result |= run_child("ocr", args)
        print(
            f"  {result['table_pages']} table pages: {result['table_pages_per_second_one_core']:.3f} pages/s on one "
            f"core (median {result['seconds_per_table_page']['median_seconds']:.1f} s a page)"
        )
        print(
            f"  amounts loaded: {result['amounts_loaded_share']:.1%} of those printed; "
            f"loaded wrong: {result['amounts_loaded_wrong']}; region, department or year misread in "
            f"{result['documents_misidentified']} of {len(result['documents'])}"
        )
    real = sorted(SHARED_CORPUS.glob("*.pdf")) + sorted((SHARED_CORPUS / "real").glob("*.pdf"))
    if options.ocr_files:
        real = [f for f in real if f.name in options.ocr_files]
    if real:
        print(
            f"ocr: {len(real)} real PDFs of ../shared/corpus rasterised whole ({options.ocr_scan}, seed "
            f"{options.ocr_seed}, printed at {options.ocr_print_scale}), CPU {options.ocr_cpu} ...",
            flush=True,
        )
        args = {
            "cpus": [options.ocr_cpu],
            "files": [str(f) for f in real],
            "workdir": str(WORK / f"ocr_real_cpu{options.ocr_cpu}"),
            "seed": options.ocr_seed,
            "print_scale": options.ocr_print_scale,
            "scan": options.ocr_scan,
        }
        measured = result["real"] = run_child("ocr_real", args)
        print(
            f"  amounts: {measured['amounts_loaded_by_ocr']} of the text layer's {measured['amounts_text_layer']} "
            f"loaded by OCR; loaded wrong: {measured['amounts_loaded_wrong']}, "
            f"right amounts under a misread subject name: {measured['subjects_misread']} (and"
            f" {measured['row_labels_read_otherwise']} under their subject, their printed label read otherwise);"
            " region, department or year "
            f"misread in {measured['documents_misidentified']} of {len(measured['files'])} files"
        )
    return result


def section_profile(options, files) -> dict:
    sample = files[: options.profile_documents]
    print(f"profile: stages and cProfile on {len(sample)} documents, CPU 0 ...", flush=True)
    result = run_child("profile", {"cpus": [0], "files": [str(f) for f in sample], "workdir": str(WORK / "profile")})
    print(f"  {result['pages']} pages; one-time first-document cost {result['first_document_one_time_seconds']} s")
    for name, stage in result["stages"].items():
        print(
            f"  {name:12s} {stage['seconds']:7.2f} s  {stage['share']:6.1%}  {stage['ms_per_page']:7.1f} ms/page  "
            f"{stage['ms_per_document']:8.1f} ms/document"
        )
    print(
        f"  bare pdfplumber on the same pages: {result['bare_pdfplumber']['pages_per_second']} pages/s; "
        f"ratio to it: {result['ratio_to_bare']}"
    )
    for name, profile in result["profiles"].items():
        top = ", ".join(f"{r['function']} {r['tottime']}s" for r in profile["by_tottime"][:4])
        print(f"  {name} top self time: {top}")
    return result


def section_warehouse(options, files) -> dict:
    print(f"warehouse: {options.facts:,} facts generated in DuckDB, then the queries ...", flush=True)
    templates = [str(p) for p in sorted(SHARED_CORPUS.glob("*.pdf"))] + [str(f) for f in files[:6]]
    result = run_child(
        "warehouse",
        {
            "workdir": str(WORK / "warehouse"),
            "facts": options.facts,
            "templates": templates,
            "runs": options.query_runs,
            "load_sample": str(files[0]),
            "keep": options.keep_work,
        },
    )
    built = result["built"]
    print(
        f"  built {built['rows']['fct_budget_amount']:,} facts, {built['documents']:,} documents over "
        f"{built['regions']} regions x 5 years ({built['file_mib']} MiB) in {built['timings']['total_seconds']} s; "
        f"mart rows derived from the stamped facts in {built['timings']['mart_from_facts_seconds']} s; "
        f"current mart rows {result['mart_rows']:,}"
    )
    for key, q in result["queries"].items():
        print(
            f"  {key:32s} median {q['median_seconds']:.3f} s (min {q['min_seconds']:.3f}, max {q['max_seconds']:.3f}, "
            f"first {q['first_run_seconds']:.3f}), {q['rows']} rows"
        )
    load = result["load_one_document_into_full_warehouse"]
    print(
        f"  loading one more document ({load['facts']} facts) into it: median {load['median_seconds']:.2f} s "
        "(its old rows deleted, facts inserted, dimensions and mart rows derived, in one transaction)"
    )
    return result


def _cli_ingest(files: list[Path], warehouse: Path, *extra: str) -> dict:
    """`yusuan ingest FILES` as a user runs it, in a fresh interpreter: seconds, exit code, the
    summary line and the warehouse file's size after it."""
    command = [sys.executable, "-m", "pipelines.cli", "ingest", *map(str, files), "--warehouse", str(warehouse)]
    started = time.perf_counter()
    done = subprocess.run([*command, *extra], cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"yusuan ingest failed with exit code {done.returncode}: {done.stderr[-2000:]}")
    summary = next((line for line in done.stdout.splitlines() if " files, " in line), "")
    return {
        "seconds": round(seconds, 2),
        "exit_code": done.returncode,
        "summary": summary,
        "warehouse_bytes": warehouse.stat().st_size,
    }


def section_reingest(options, files) -> dict:
    workdir = WORK / "reingest"
    workdir.mkdir(parents=True, exist_ok=True)
    warehouse = workdir / "warehouse.duckdb"
    for stale in (warehouse, warehouse.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    print(f"reingest: yusuan ingest of {len(files)} files into a fresh warehouse ...", flush=True)
    first = _cli_ingest(files, warehouse)
    print(f"  first ingest: {first['seconds']} s, {first['warehouse_bytes']:,} bytes; {first['summary']}")
    unchanged, forced = [], []
    for repeat in range(options.rounds + 1):
        unchanged.append(_cli_ingest(files, warehouse))
        print(
            f"  unchanged re-ingest {repeat + 1}: {unchanged[-1]['seconds']} s, "
            f"{unchanged[-1]['warehouse_bytes']:,} bytes; {unchanged[-1]['summary']}"
        )
    for repeat in range(3):
        forced.append(_cli_ingest(files, warehouse, "--force"))
        print(f"  --force {repeat + 1}: {forced[-1]['seconds']} s, {forced[-1]['warehouse_bytes']:,} bytes")
    after = _cli_ingest(files, warehouse)
    median_unchanged = statistics.median(r["seconds"] for r in unchanged)
    result = {
        "documents": len(files),
        "first": first,
        "unchanged": unchanged,
        "forced": forced,
        "unchanged_after_forced": after,
        "reingest_speedup": round(first["seconds"] / median_unchanged, 1),
        "warehouse_bytes": {
            "first": first["warehouse_bytes"],
            "unchanged": [r["warehouse_bytes"] for r in unchanged],
            "forced": [r["warehouse_bytes"] for r in forced],
            "unchanged_after_forced": after["warehouse_bytes"],
        },
    }
    print(
        f"  first ingest {first['seconds']} s / median unchanged re-ingest {median_unchanged} s = "
        f"{result['reingest_speedup']}x (target >= {TARGETS['reingest_speedup']:g}x); warehouse bytes: "
        f"{result['warehouse_bytes']}"
    )
    return result


# ---------------------------------------------------------------------------------------------
# Results


def machine() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    packages: dict[str, str | None] = {}
    for name in ("pdfplumber", "pdfminer.six", "pypdfium2", "duckdb", "polars", "great_expectations", "pebble"):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "memory_gib": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": packages,
        "bytecode_cached": _bytecode_cached(),
    }


def _bytecode_cached() -> bool:
    """Every reader worker and Dagster run is a new process: without cached bytecode (scripts/setup
    compiles it) each one compiles its imports again, seconds of fixed cost the figures would carry."""
    import importlib.util

    specs = [importlib.util.find_spec(name) for name in ("dagster", "great_expectations", "pipelines.run")]
    origins = [spec.origin if spec else None for spec in specs]
    return all(origin and Path(importlib.util.cache_from_source(origin)).is_file() for origin in origins)


def _verdict(value: float | None, comparison: str, target: float) -> dict:
    met = value is not None and {">=": value >= target, "<=": value <= target, "<": value < target}[comparison]
    return {"value": value, "target": f"{comparison} {target}", "met": met}


def verdicts(results: dict) -> dict:
    """Each target against the latest figure measured for it."""
    measured = {
        ("throughput", "ingest_vs_bare_one_core", ">="): lambda r: r.get("ingest_vs_bare_median", r["ratio"]),
        ("scaling", "speedup_two_cores", ">="): lambda r: r["speedup_2_cores_vs_1_core"],
        ("page_cost", "narrative_vs_table_page_cost", "<="): lambda r: r["ratio"],
        ("memory", "memory_growth_20_to_200_pages", "<"): lambda r: r["growth"]["tree"],
        ("reingest", "reingest_speedup", ">="): lambda r: r["reingest_speedup"],
        ("dagster", "dagster_backlog_vs_cli", ">="): lambda r: r["dagster_backlog_vs_cli"],
    }
    out = {
        target: _verdict(figure(results[section]), comparison, TARGETS[target])
        for (section, target, comparison), figure in measured.items()
        if section in results
    }
    for key, query in results.get("warehouse", {}).get("queries", {}).items():
        if key.startswith(("mart_", "analyst_")):
            out[f"query_{key}"] = _verdict(query["median_seconds"], "<", TARGETS["mart_query_seconds"])
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child_main(argv[1], Path(argv[2]), Path(argv[3]))
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    for section in SECTIONS:
        parser.add_argument(f"--{section.replace('_', '-')}", action="store_true", help=f"run the {section} benchmark")
    parser.add_argument("--documents", type=int, default=20, help="documents in the throughput corpus (default 20)")
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating rounds of the throughput and scaling runs (default 2)"
    )
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--corpus-dir", type=Path, help="where to build (or reuse) the corpus")
    parser.add_argument("--facts", type=int, default=10_000_000, help="facts in the query warehouse (default 10M)")
    parser.add_argument("--query-runs", type=int, default=5, help="timed runs per query (default 5)")
    parser.add_argument("--profile-documents", type=int, default=4, help="documents profiled (default 4)")
    parser.add_argument("--ocr-documents", type=int, default=4, help="scanned disclosures in --ocr (default 4)")
    parser.add_argument(
        "--ocr-seed", type=int, default=0, help="noise and skew of the real PDFs' scans in --ocr: file n uses seed+n"
    )
    parser.add_argument(
        "--ocr-print-scale",
        type=float,
        default=1.0,
        help="the real PDFs of --ocr printed at this scale before they are scanned (default 1.0: as published)",
    )
    parser.add_argument(
        "--ocr-scan", default="office", help="how --ocr's scans are spoilt: a name of factory.scan's SCAN_CONDITIONS"
    )
    parser.add_argument("--ocr-files", nargs="+", help="the real PDFs --ocr scans, by file name (default: all)")
    parser.add_argument(
        "--ocr-cpu", type=int, default=0, help="the CPU --ocr runs on (default 0; 1 runs a second --ocr beside it)"
    )
    parser.add_argument("--results", type=Path, default=RESULTS / "latest.json", help="results file")
    parser.add_argument("--keep-work", action="store_true", help="keep the 10M-fact warehouse file")
    parser.add_argument("--backlog", type=int, default=50, help="documents of the Dagster backlog (default 50)")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="documents per Dagster staging run (default: the sensor's, inbox.batch_size)",
    )
    options = parser.parse_args(argv)
    from factory.scan import SCAN_CONDITIONS  # here, not at the top: see the module's docstring

    if options.ocr_scan not in SCAN_CONDITIONS:
        parser.error(f"--ocr-scan {options.ocr_scan!r}: not one of {', '.join(SCAN_CONDITIONS)}")
    chosen = [s for s in SECTIONS if getattr(options, s)] or [s for s in SECTIONS if s not in OPT_IN]

    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    previous = json.loads(options.results.read_text()) if options.results.exists() else {}
    results: dict = dict(previous.get("results", {}))
    stamped: dict = dict(previous.get("measured_at", {}))
    info = machine()
    print(
        f"machine: {info['cpu']}, {info['cpus']} CPUs, {info['memory_gib']} GiB, Python {info['python']}, "
        f"bytecode {'cached' if info['bytecode_cached'] else 'NOT cached (run scripts/setup)'}"
    )

    files: list[Path] = []
    expected: dict[str, int] = {}
    if set(chosen) & {"throughput", "scaling", "profile", "warehouse", "reingest", "dagster"}:
        if "dagster" in chosen:
            options.documents = max(options.documents, options.backlog)
        files, expected = _corpus(options)
    sections_run = []
    for section in chosen:
        section_started = time.perf_counter()
        if section == "throughput":
            results[section] = section_throughput(options, files, expected)
        elif section == "scaling":
            results[section] = section_scaling(options, files, expected)
        elif section == "memory":
            results[section] = section_memory(options)
        elif section == "page_cost":
            results[section] = section_page_cost(options)
        elif section == "profile":
            results[section] = section_profile(options, files)
        elif section == "warehouse":
            results[section] = section_warehouse(options, files)
        elif section == "reingest":
            results[section] = section_reingest(options, files)
        elif section == "dagster":
            results[section] = section_dagster(options, files, WORK)
        elif section == "ocr":
            results[section] = section_ocr(options)
        results[section]["section_seconds"] = round(time.perf_counter() - section_started, 1)
        if section in ("throughput", "scaling", "profile", "reingest", "dagster"):
            results[section]["corpus"] = options.corpus_summary
        stamped[section] = datetime.now(UTC).isoformat(timespec="seconds")
        sections_run.append(section)
        _write(options.results, info, results, stamped)  # after each section: a crash keeps what ran
    judged = verdicts(results)
    _write(options.results, info, results, stamped)
    print(f"\ntargets ({', '.join(sections_run)} run now; others from {options.results.name} if measured before):")
    for name, verdict in judged.items():
        print(f"  {'met   ' if verdict['met'] else 'MISSED'} {name}: {verdict['value']} (target {verdict['target']})")
    print(f"results: {options.results}  ({time.perf_counter() - started:.0f} s)")
    return 0


def _write(path: Path, info: dict, results: dict, stamped: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    throughput = results.get("throughput", {})
    payload = {
        "machine": info,
        "measured_at": stamped,
        "targets": verdicts(results),
        "ingest_vs_bare_median": throughput.get("ingest_vs_bare_median"),
        "ingest_vs_bare_median_real_pdfs": throughput.get("real_pdfs", {}).get("ingest_vs_bare_median"),
        "dagster_backlog_vs_cli": results.get("dagster", {}).get("dagster_backlog_vs_cli"),
        "results": results,
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    sys.exit(main())
