"""One ingest run: discover files, then per document extract -> normalize -> validate -> load.

Extraction, normalization and validation run in worker processes, each document under a timeout,
so one hostile file can neither hang nor crash the run, and this process, which only loads, never
holds the cores back. Loading stays here, one transaction per validated batch: a document that
fails is recorded with its reason, nothing of it enters the facts, and documents loaded before are
untouched.
A file whose content this pipeline version has already loaded is not read again.
"""

import errno
import hashlib
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import polars as pl
from pebble import ProcessExpired, ProcessPool

from expectations.consistency import consistency_findings
from expectations.findings import FINDING_SCHEMA
from expectations.narrative import AGAINST_TABLES, narrative_against_tables, narrative_findings
from expectations.ocr_gate import gate_ocr_facts
from expectations.rules import Rules, default_rules
from expectations.suite import (
    DocsPage,
    SuiteResult,
    passing_together,
    prepare_suite,
    result_records,
    validate_facts,
    write_data_docs_index,
)
from extractors import (
    TIMEOUT_ADVICE,
    ExtractedDocument,
    ExtractionError,
    ExtractionLimits,
    NarrativePlace,
    cap_data_memory,
    deadline,
    display_name,
    extract_document,
    file_modified_at,
    grant_fixed_memory,
    not_a_regular_file,
    page_count,
)
from transforms import PIPELINE_VERSION
from transforms.document import normalize_document
from transforms.facts import HELD_BACK_ROWS, subject_classes
from transforms.filing import identity_problem
from transforms.regions import region_history, region_reference, region_tables
from transforms.subjects import subject_catalogue
from warehouse.load import (
    DocumentLoad,
    WarehouseError,
    connect,
    load_document,
    load_documents,
    load_reference,
    load_subject_reference,
    loaded_documents,
    narratives_apart,
    replace_findings,
)
from warehouse.records import (
    ISSUE_SCHEMA,
    TABLE_SCHEMA,
    document_record,
    empty_facts,
    issue_records,
    issues_frame,
    narrative_record,
    partly_read_reason,
    table_records,
)

# Files a folder is searched for; each is read by its content, whatever its name says.
DISCLOSURE_SUFFIXES = (".pdf", ".txt", ".md", ".xlsx", ".xlsm", ".xls", ".docx", ".html", ".htm", ".shtml")
# Documents in flight (queued, being read, or read and waiting their turn) per worker: outcomes are
# yielded in input order, so while a slow document holds the head of the line the other workers
# keep reading what is queued behind it.
IN_FLIGHT_PER_WORKER = 4
# Documents the expectation suite judges in one validation, at most: the first batch is one
# document, each next one twice the last, so the first outcomes come at once and a long run
# validates about one time in eight.
SUITE_BATCH = 8


def discover(paths: Iterable[Path], on_unreadable: Callable[[Path, OSError], None] | None = None) -> list[Path]:
    """Files named on the command line, and disclosure files under named directories, sorted.

    A directory that cannot be listed is passed to `on_unreadable`: its files would otherwise be
    missing from the run without a word."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in _walk(path, on_unreadable) if p.suffix.lower() in DISCLOSURE_SUFFIXES)
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _walk(folder: Path, on_unreadable: Callable[[Path, OSError], None] | None) -> list[Path]:
    def unreadable(error: OSError) -> None:
        if on_unreadable is not None:
            on_unreadable(Path(error.filename), error)

    files = (Path(parent, name) for parent, _, names in os.walk(folder, onerror=unreadable) for name in names)
    return sorted(p for p in files if p.is_file())


def file_document_id(path: Path) -> str:
    """sha256 of the file, streamed: the document key, computed before any parsing. A FIFO or a
    device is refused before it is opened: reading one would block or never end."""
    if kind := not_a_regular_file(path):
        raise OSError(errno.EINVAL, f"{kind}, not a regular file", display_name(path))
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass(frozen=True)
class DocumentOutcome:
    """What happened to one file, ready to load and to print. A file whose bytes were already seen
    in this run carries `duplicate_of` and nothing to load; one the warehouse already holds from
    this pipeline version carries `unchanged` (the status recorded then), its `unchanged_id`, and
    nothing to load. `docs_page` is the Data Docs page of a document that failed the suite, for the run's index."""

    path: Path
    load: DocumentLoad | None
    tables_by_type: dict[str, int] = field(default_factory=dict)
    narrative: str = ""
    pages: int | None = None
    narrative_places: tuple[NarrativePlace, ...] = ()
    duplicate_of: Path | None = None
    unchanged: str | None = None
    unchanged_id: str | None = None
    docs_page: DocsPage | None = None

    @property
    def status(self) -> str:
        if self.load is None:
            return "unchanged" if self.unchanged else "duplicate"
        return self.load.document["status"][0]

    @property
    def reason(self) -> str | None:
        if self.unchanged:
            return (
                f"unchanged since pipeline version {PIPELINE_VERSION} recorded it as {self.unchanged}; "
                "not read again (`yusuan ingest --force` re-reads it)"
            )
        if self.load is None:
            return f"same content as {self.duplicate_of}; ingested once"
        return self.load.document["reason"][0]


def _rejected(extracted: ExtractedDocument, status: str, reason: str) -> DocumentLoad:
    return DocumentLoad(
        document=document_record(extracted, None, status, reason),
        tables=pl.DataFrame(schema=TABLE_SCHEMA),
        issues=pl.DataFrame(schema=ISSUE_SCHEMA),
        facts=empty_facts(),
    )


def _placeholder(path: Path, document_id: str | None = None) -> ExtractedDocument:
    if document_id is None:
        try:
            document_id = file_document_id(path)
        except OSError:
            document_id = hashlib.sha256(os.fsencode(path.resolve())).hexdigest()
    return ExtractedDocument(document_id, path, "unknown", None, "", (), modified_at=file_modified_at(path))


def rejected_outcome(path: Path, status: str, reason: str, document_id: str | None = None) -> DocumentOutcome:
    return DocumentOutcome(path, _rejected(_placeholder(path, document_id), status, reason))


def extract_step(path: Path, limits: ExtractionLimits | None = None) -> ExtractedDocument | DocumentOutcome:
    """The extracted document, or the outcome of a file rejected before any table was read."""
    try:
        return extract_document(path, limits)
    except ExtractionError as error:
        return rejected_outcome(path, error.status, error.reason)
    except OSError as error:
        reason = f"{path.name}: cannot be read ({error}); check the file's permissions and that it still exists"
        return rejected_outcome(path, "corrupt", reason)
    except MemoryError:  # the worker pool reports it against the memory limit
        raise
    except Exception as error:  # a malformed file must not stop the run: record it and go on
        reason = f"{path.name}: the file could not be parsed ({error!r}); re-download it or re-export it as PDF"
        return rejected_outcome(path, "corrupt", reason)


def _failed(path: Path, load: DocumentLoad, step: str, error: Exception) -> DocumentLoad:
    """The document's `failed` record, with the error's text, in place of what the step would have
    made of it: an error no rule foresaw stops that document, never the run."""
    reason = display_name(f"{path.name}: {step} failed ({error!r}); please report this file to yusuan with the error")
    document = load.document.with_columns(
        status=pl.lit("failed"),
        reason=pl.lit(reason),
        facts_loaded=pl.lit(0, pl.Int32),
        amount_cells_loaded=pl.lit(0, pl.Int32),
    )
    tables, issues = pl.DataFrame(schema=TABLE_SCHEMA), pl.DataFrame(schema=ISSUE_SCHEMA)
    return DocumentLoad(document, tables, issues, empty_facts())


def normalize_step(extracted: ExtractedDocument) -> DocumentOutcome:
    """Normalize an extracted document into what the warehouse keeps of it."""
    try:
        return _normalized(extracted)
    except MemoryError:  # the worker pool reports it against the memory limit
        raise
    except Exception as error:  # a layout no rule foresaw must not stop the run: record it and go on
        return DocumentOutcome(
            extracted.path, _failed(extracted.path, _rejected(extracted, "failed", ""), "normalization", error)
        )


def _normalized(extracted: ExtractedDocument) -> DocumentOutcome:
    normalized = normalize_document(extracted)
    tables_by_type: dict[str, int] = {}
    for table in normalized.tables:
        key = table.table_type or "unknown"
        tables_by_type[key] = tables_by_type.get(key, 0) + 1
    problem = identity_problem(normalized)
    reason: str | None
    if problem:
        status, reason = problem[0], f"{extracted.path.name}: {problem[1]}"
    else:
        status, reason = "loaded", partly_read_reason(extracted)
    load = DocumentLoad(
        document=document_record(extracted, normalized, status, reason),
        tables=table_records(normalized),
        issues=issue_records(normalized, extracted),
        facts=normalized.facts if problem is None else empty_facts(),
        targets=normalized.targets if problem is None else None,
        narrative=narrative_record(extracted) if status == "narrative_only" else None,
    )
    return DocumentOutcome(
        extracted.path,
        load,
        tables_by_type,
        extracted.text,
        extracted.pages,
        narrative_places=extracted.narrative_places,
    )


def read_document(path: Path, limits: ExtractionLimits | None = None) -> DocumentOutcome:
    """Extract and normalize one file."""
    extracted = extract_step(path, limits)
    return normalize_step(extracted) if isinstance(extracted, ExtractedDocument) else extracted


@dataclass(frozen=True)
class QualitySettings:
    """Where GX Data Docs go (None: not written) and the consistency rules with their tolerance."""

    data_docs: Path | None = None
    rules: Rules = field(default_factory=default_rules)


def validate_step(outcome: DocumentOutcome, quality: QualitySettings) -> DocumentOutcome:
    """One document checked and validated, as `read_documents` does for several at a time."""
    return validate_documents([check_step(outcome, quality)], quality)[0]


def _suite_load(outcome: DocumentOutcome) -> DocumentLoad | None:
    """What the checks and the suite judge of a document: its load, if it was read and filed."""
    return outcome.load if outcome.status == "loaded" else None


def check_step(outcome: DocumentOutcome, quality: QualitySettings) -> DocumentOutcome:
    """The OCR'd amounts their sums do not confirm set aside, and the consistency rules' findings
    (recorded, never blocking); the expectation suite comes after (`validate_documents`). A narrative
    published apart from its tables has what it says of itself checked (`narrative_findings`)."""
    apart = outcome.load if outcome.status == "narrative_only" else None
    if (read := apart or _suite_load(outcome)) is None:
        return outcome
    try:
        if apart is not None:
            document = apart.document.row(0, named=True)
            findings = narrative_findings(
                document["document_id"],
                outcome.narrative,
                quality.rules,
                outcome.narrative_places,
                document["fiscal_year"],
                document["document_kind"],
            )
            return replace(outcome, load=replace(apart, findings=findings))
        load = _gated(read, quality.rules)
        kind = load.document["document_kind"][0]
        return replace(
            outcome,
            load=replace(
                load,
                findings=consistency_findings(
                    load.facts, outcome.narrative, quality.rules, kind, outcome.narrative_places
                ),
            ),
        )
    except MemoryError:  # the worker pool reports it against the memory limit
        raise
    except Exception as error:  # a check that breaks on one document must not stop the run
        return replace(outcome, load=_failed(outcome.path, read, "validation", error))


def validate_documents(outcomes: Sequence[DocumentOutcome], quality: QualitySettings) -> list[DocumentOutcome]:
    """Checked outcomes with the expectation suite's verdict: one that fails it keeps its facts out
    (and its findings, which assumed them sound). The suite runs once on all of them together and
    again on each alone only if that fails (`passing_together`): most documents pass, and GX costs
    about as much per validation whatever the rows."""
    due = [load.facts for o in outcomes if (load := _suite_load(o)) is not None]
    together = None
    if len(due) > 1:
        try:
            together = passing_together(due, quality.data_docs)
        except MemoryError:
            raise
        except Exception:  # each is validated alone, so the error is told against the one it belongs to
            together = None
    return [_validated(o, load, quality, together) if (load := _suite_load(o)) is not None else o for o in outcomes]


def _validated(
    outcome: DocumentOutcome, load: DocumentLoad, quality: QualitySettings, passed: SuiteResult | None
) -> DocumentOutcome:
    """The outcome under the suite's result, `passed` if the suite passed it among others."""
    try:
        suite = passed or validate_facts(load.facts, quality.data_docs, display_name(outcome.path.name))
    except MemoryError:
        raise
    except Exception as error:
        return replace(outcome, load=_failed(outcome.path, load, "validation", error))
    document_id = load.document["document_id"][0]
    expectations = result_records(document_id, suite)
    if suite.success:
        return replace(outcome, load=replace(load, expectations=expectations))
    reason = display_name(f"{outcome.path.name}: the expectation suite failed: " + "; ".join(suite.failures))
    document = load.document.with_columns(
        status=pl.lit("failed_validation"),
        reason=pl.lit(reason),
        facts_loaded=pl.lit(0, pl.Int32),
        amount_cells_loaded=pl.lit(0, pl.Int32),
    )
    failed = replace(
        load, document=document, facts=empty_facts(), findings=None, expectations=expectations, targets=None
    )
    return replace(outcome, load=failed, docs_page=suite.page)


def _gated(load: DocumentLoad, rules: Rules) -> DocumentLoad:
    """The load less the OCR'd amounts their tables' sums do not confirm, with the reasons recorded."""
    doubtful = load.issues.filter(pl.col("kind").is_in(HELD_BACK_ROWS)).select("page", "source_position", "side")
    gated = gate_ocr_facts(load.facts, rules, load.document["document_kind"][0], list(doubtful.iter_rows()))
    if not gated.issues and gated.facts.height == load.facts.height:
        return load
    document_id = load.document["document_id"][0]
    per_table = gated.facts.group_by("table_index").agg(pl.len().cast(pl.Int32).alias("facts"))
    tables = (
        load.tables.drop("facts")
        .join(per_table, on="table_index", how="left")
        .with_columns(pl.col("facts").fill_null(0))
        .select(load.tables.columns)
    )
    loaded = pl.lit(gated.facts.height, pl.Int32)
    return replace(
        load,
        document=load.document.with_columns(facts_loaded=loaded, amount_cells_loaded=loaded),
        tables=tables,
        issues=pl.concat([load.issues, issues_frame(document_id, gated.issues)]),
        facts=gated.facts,
    )


@dataclass(frozen=True)
class IngestOptions:
    limits: ExtractionLimits = field(default_factory=ExtractionLimits)
    workers: int = 1
    quality: QualitySettings = field(default_factory=QualitySettings)


def process_document(path: Path, limits: ExtractionLimits, quality: QualitySettings) -> DocumentOutcome:
    """A worker's part of one document but the suite: extract, normalize, check. The suite runs on
    several of these at a time (`validate_documents`), also in a worker, so the process that loads
    them does no more than load."""
    deadline.arm(limits.timeout_seconds)
    try:
        return check_step(read_document(path, limits), quality)
    finally:
        deadline.disarm()


def _timed_out(path: Path, seconds: float, step: str) -> DocumentOutcome:
    reason = f"{path.name}: not {step} within {seconds:g} s and stopped; " + TIMEOUT_ADVICE
    return rejected_outcome(path, "timeout", reason)


def _past_deadline(path: Path, limits: ExtractionLimits) -> DocumentOutcome:
    """The worker ended itself at the document's deadline (extractors/deadline.py)."""
    scans = " (plus --ocr-seconds-per-page for each page read by OCR)" if limits.ocr else ""
    reason = (
        f"{path.name}: not read within {limits.timeout_seconds:g} s{scans} and stopped, stuck inside a parser; "
        + TIMEOUT_ADVICE
    )
    return rejected_outcome(path, "timeout", reason)


def _out_of_memory(path: Path, limits: ExtractionLimits, cause: str) -> DocumentOutcome:
    reason = (
        f"{path.name}: needed more than the {limits.max_memory_bytes / 2**20:.0f} MiB memory limit and was "
        f"stopped ({cause}); it may be a decompression bomb or a page of millions of objects; "
        "if the file is a genuine disclosure, raise the limit (--max-memory)."
    )
    return rejected_outcome(path, "too_large", reason)


# What a worker dies of when it outgrows its memory limit: C libraries (pdfium, polars) abort when
# an allocation fails, and the kernel's OOM killer sends SIGKILL.
_OUT_OF_MEMORY_SIGNALS = {signal.SIGABRT, signal.SIGKILL}


def worker_seconds(path: Path, limits: ExtractionLimits) -> float:
    """How long a worker may take over `path`. Which pages of a PDF OCR will read is known only once
    their content is parsed, which is the worker's job (a hostile file must not be parsed here), so
    the pool gives the worker time for every page of a PDF to be OCR'd (its page count is read from
    the page tree alone); the worker's own deadline (extractors/deadline.py) ends it at the limits'
    time for the pages it actually OCRs, even inside C code."""
    return limits.reading_seconds(page_count(path) or 0) if limits.ocr else limits.timeout_seconds


def _settle(path: Path, future, limits: ExtractionLimits, seconds: float, step: str = "read"):
    """A worker's result, or the outcome of a worker that ran out of time or memory, or died."""
    try:
        return future.result()
    except FutureTimeout:
        return _timed_out(path, seconds, step)
    except MemoryError:
        return _out_of_memory(path, limits, "MemoryError in the reader")
    except ProcessExpired as error:
        if error.exitcode == deadline.EXIT_CODE:
            return _past_deadline(path, limits)
        if -error.exitcode in _OUT_OF_MEMORY_SIGNALS:
            return _out_of_memory(path, limits, f"the reader process died of {signal.Signals(-error.exitcode).name}")
        reason = f"{path.name}: the reader process died ({error}); the file may be malformed or too big"
        return rejected_outcome(path, "failed", reason)
    except Exception as error:  # the worker pool itself failed: this document is recorded, the run goes on
        reason = f"{path.name}: the reader process could not {step} it ({error!r}); please report this to yusuan"
        return rejected_outcome(path, "failed", reason)


def _warm_up() -> None:
    """Import and cache what every document needs before the worker takes one, so a document's
    timeout measures reading it, not starting Python. NumPy, which normalizing imports, starts
    OpenBLAS's thread buffers here too, before the worker's memory is capped. The regions' lineage
    (0.2-0.4 s to build) is the warehouse's, built by the process that loads, not by readers."""
    import docx  # noqa: F401
    import lxml.html  # noqa: F401
    import numpy  # noqa: F401
    import python_calamine  # noqa: F401

    import extractors.html
    import extractors.pdf
    import extractors.word
    import extractors.workbook  # noqa: F401

    region_reference()
    region_history()
    subject_classes()
    subject_catalogue()


def _start_reader(max_memory_bytes: int) -> None:
    """A reader's initializer: warm up, then cap the memory the worker may allocate.

    The cap is RLIMIT_DATA, the private writable memory (heap and anonymous mappings) that a
    decoded stream or a page's objects fill; RLIMIT_AS would also count the ~1.2 GiB of libraries
    and reserved address space a warmed-up worker maps without using, and fail normal documents.
    """
    _warm_up()
    deadline.watch()
    cap_data_memory(max_memory_bytes)


def _start_validator(max_memory_bytes: int, quality: QualitySettings) -> None:
    """The validator's initializer: the expectation suite built (GX imported, ~2 s) once per run,
    in the one process that validates, not in every reader. What the suite holds (GX and pandas:
    ~250 MiB) is added to the memory cap, so `--max-memory` bounds the documents' share alone."""
    cap_data_memory(max_memory_bytes)
    grant_fixed_memory(lambda: prepare_suite(quality.data_docs))


def _pool(workers: int, limits: ExtractionLimits | None = None) -> ProcessPool:
    """The reader workers: each extracts, normalizes and checks one document at a time."""
    # forkserver: workers never inherit an open DuckDB connection or GX state from this process
    return ProcessPool(
        max_workers=max(1, workers),
        initializer=_start_reader,
        initargs=((limits or ExtractionLimits()).max_memory_bytes,),
        context=multiprocessing.get_context("forkserver"),
    )


def _validator_pool(quality: QualitySettings, limits: ExtractionLimits | None = None) -> ProcessPool:
    """The one worker that runs the expectation suite on batches of read documents and writes their
    Data Docs, beside the readers: with two readers, GX is imported once instead of twice."""
    return ProcessPool(
        max_workers=1,
        initializer=_start_validator,
        initargs=((limits or ExtractionLimits()).max_memory_bytes, quality),
        context=multiprocessing.get_context("forkserver"),
    )


def read_documents(
    paths: Iterable[Path], options: IngestOptions, unchanged: Mapping[str, str] | None = None
) -> Iterator[DocumentOutcome]:
    """Read and validate documents in worker processes (`read_batches`), one outcome at a time."""
    for outcomes in read_batches(paths, options, unchanged):
        yield from outcomes


def read_batches(
    paths: Iterable[Path], options: IngestOptions, unchanged: Mapping[str, str] | None = None
) -> Iterator[list[DocumentOutcome]]:
    """Read and validate documents in worker processes, each under the timeout, yielding finished
    outcomes in the given order, a validated batch at a time; the Data Docs index, listing every
    document of the run that failed the suite, is written when the last is taken.

    Each file is hashed once, here: identical bytes under two names are read once, and a file whose
    document_id is in `unchanged` (document_id: status recorded) is not read at all (no worker
    starts for a run of such files). At most a few documents per worker are in flight, so memory
    stays flat however many files there are, and each worker has the next document waiting when it
    finishes one. Documents read go to the suite in batches (up to SUITE_BATCH), to a validator
    process of its own beside the readers (`_validator_pool`), each batch awaited only once the next
    is scheduled, so no reader waits for it. Once every file is handed out, reads and validated
    batches are taken as each finishes: a batch validated while a long last document is read loads
    then, not after it. And once a reader has no document left, what is read goes to the suite on
    the core it frees, so the batch left to validate after the last read is the last few documents.
    """
    limits, quality = options.limits, options.quality
    unchanged = unchanged or {}
    seen: dict[str, Path] = {}
    pages: list[DocsPage] = []
    window = max(1, options.workers) * IN_FLIGHT_PER_WORKER
    with ExitStack() as stack:
        pools: list[ProcessPool] = []

        def pool() -> ProcessPool:
            if not pools:
                pools.append(stack.enter_context(_pool(options.workers, limits)))
                pools.append(stack.enter_context(_validator_pool(quality, limits)))
            return pools[0]

        def validator() -> ProcessPool:
            pool()
            return pools[1]

        reading: deque[tuple[Path, object, float]] = deque()
        batch: list[DocumentOutcome] = []
        validating: deque[tuple[list[DocumentOutcome], Future | None]] = deque()
        batch_size = 1

        def read_one() -> None:
            path, future, seconds = reading.popleft()
            batch.append(future if isinstance(future, DocumentOutcome) else _settle(path, future, limits, seconds))
            if len(batch) >= batch_size:
                close_batch()

        def close_batch() -> None:
            nonlocal batch_size
            outcomes, future = batch.copy(), None  # the pool pickles a task's arguments later, in a thread
            if due := sum(_suite_load(o) is not None for o in outcomes):
                seconds = limits.timeout_seconds * due  # each document's validation alone, if the union fails
                future = validator().schedule(validate_documents, args=(outcomes, quality), timeout=seconds)
            validating.append((outcomes, future))
            batch.clear()
            batch_size = min(SUITE_BATCH, 2 * batch_size)

        def validated() -> list[DocumentOutcome]:
            outcomes, future = validating.popleft()
            if future is not None:
                outcomes = _settle_suite(outcomes, future)
            pages.extend(o.docs_page for o in outcomes if o.docs_page is not None)
            return outcomes

        for path in paths:
            try:
                document_id = file_document_id(path)
            except OSError as error:
                reading.append((path, rejected_outcome(path, "corrupt", f"{path.name}: cannot be read ({error})"), 0))
                continue
            if document_id in unchanged:
                skipped = DocumentOutcome(path, None, unchanged=unchanged[document_id], unchanged_id=document_id)
                reading.append((path, skipped, 0))
            elif document_id in seen:
                reading.append((path, DocumentOutcome(path, None, duplicate_of=seen[document_id]), 0))
            else:
                seen[document_id] = path
                seconds = worker_seconds(path, limits)
                future = pool().schedule(process_document, args=(path, limits, quality), timeout=seconds)
                reading.append((path, future, seconds))
            while len(reading) > window:
                read_one()
            while len(validating) > 1 or (validating and _done(validating[0][1])):
                yield validated()
        last_reads = max(1, options.workers - 1)
        while reading:  # the last reads and the batches validating, each taken as it finishes
            if len(reading) == last_reads and batch:
                close_batch()
            suite = validating[0][1] if validating else None
            if suite is not None and not suite.done() and isinstance(read := reading[0][1], Future):
                wait([read, suite], return_when=FIRST_COMPLETED)
            if validating and _done(validating[0][1]):
                yield validated()
            else:
                read_one()
        if batch:
            close_batch()
        while validating:
            yield validated()
        if pools and quality.data_docs is not None:
            try:
                validator().schedule(write_data_docs_index, args=(quality.data_docs, pages)).result()
            except Exception as error:  # the documents are loaded; only the index of their GX pages is missing
                print(
                    f"yusuan: the Data Docs index in {quality.data_docs} was not written ({error!r}); every document "
                    "of the run is recorded and its GX page, if any, written; the next run writes the index again.",
                    file=sys.stderr,
                )


def _done(future: Future | None) -> bool:
    return future is None or future.done()


def _settle_suite(outcomes: list[DocumentOutcome], future: Future) -> list[DocumentOutcome]:
    """The batch validated, or, if its worker failed it (died, ran out of time or memory), each of
    its documents due for the suite recorded as failed with why: unvalidated facts never load."""
    try:
        return future.result()
    except Exception as error:
        return [
            replace(o, load=_failed(o.path, load, "validation", error)) if (load := _suite_load(o)) is not None else o
            for o in outcomes
        ]


def ingest(
    paths: Iterable[Path], warehouse: Path, options: IngestOptions, force: bool = False
) -> Iterator[DocumentOutcome]:
    """Load every discovered document, largest file first, a validated batch in one transaction,
    yielding outcomes as they land. Files this pipeline version has loaded before are skipped unread
    unless `force`. DuckDB checkpoints when the connection closes, which frees the blocks of the rows
    replaced, so re-ingesting the same files does not grow the warehouse."""
    con = _open_warehouse(warehouse)
    try:
        unchanged = {} if force else loaded_documents(con, PIPELINE_VERSION)
        for outcomes in read_batches(largest_first(discover(paths)), options, unchanged):
            yield from _loaded_together(con, outcomes)
    finally:
        con.close()


def largest_first(paths: Iterable[Path]) -> list[Path]:
    """The files by size, largest first (then by name): a run ends on its smallest documents, so the
    readers finish together instead of one reading a large last document while the others wait.
    A file whose size cannot be read goes last, where reading it says why."""

    def size(path: Path) -> int:
        try:
            return path.stat().st_size
        except OSError:
            return -1

    return sorted(paths, key=lambda path: (-size(path), str(path)))


def _open_warehouse(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, its reference data replaced from the reference files."""
    con = connect(warehouse)
    try:
        load_reference_data(con)
    except BaseException:
        con.close()
        raise
    return con


def load_reference_data(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the reference tables (regions, subject classes and names) from the reference files."""
    load_reference(con, region_tables(), subject_class_frame())
    load_subject_reference(con, subject_catalogue().name_frame(), subject_catalogue().crosswalk_frame())


def _loaded_together(con: duckdb.DuckDBPyConnection, outcomes: list[DocumentOutcome]) -> list[DocumentOutcome]:
    """A validated batch loaded in one transaction: what every load pays (which document is
    current, the department list, the COMMIT) is paid once for the batch, not once per document.
    Where the warehouse refuses a document's rows, each is loaded alone, and only that one is
    recorded failed."""
    loads = [outcome.load for outcome in outcomes if outcome.load is not None]
    if len(loads) > 1:
        try:
            load_documents(con, loads)
        except WarehouseError:
            raise
        except Exception:  # one document's rows refused: loaded one by one below, to say which
            pass
        else:
            return outcomes
    return [_loaded(con, outcome) for outcome in outcomes]


def _loaded(con: duckdb.DuckDBPyConnection, outcome: DocumentOutcome) -> DocumentOutcome:
    if outcome.load is None:
        return outcome
    try:
        load_document(con, outcome.load)
        return outcome
    except WarehouseError:
        raise
    except Exception as error:  # rows no rule foresaw: record the document as failed and go on
        failed_load = _failed(outcome.path, outcome.load, "loading", error)
    failed = replace(outcome, load=failed_load)
    try:
        load_document(con, failed_load)
    except WarehouseError:
        raise
    except Exception as error:
        raise WarehouseError(f"cannot record {failed.reason} in the warehouse ({error!r})") from error
    return failed


@dataclass(frozen=True)
class NarrativeCheck:
    """A narrative published apart from its tables, held against them: `error` when the check broke."""

    file_name: str
    tables_files: tuple[str, ...]
    findings: pl.DataFrame
    compared: int = 0
    error: str | None = None

    def said(self) -> str:
        """The check in a line, for the CLI and the Dagster log."""
        if self.error:
            return f"narrative {self.file_name}: {self.error}"
        if not self.tables_files:
            return (
                f"narrative {self.file_name}: its tables are not loaded; ingest the tables file published beside it "
                "and the narrative's figures are checked against them then"
            )
        against = f"narrative {self.file_name} held against {', '.join(self.tables_files)}"
        if not self.compared:
            return f"{against}: none of the figures it states was found in them (nothing compared)"
        return f"{against}: {self.compared} figures compared, findings {severity_counts(self.findings)}"


def severity_counts(findings: pl.DataFrame | None) -> str:
    """Findings counted by severity, most first ("2 warning, 1 info"), or "none"."""
    severities = findings["severity"].value_counts(sort=True).rows() if findings is not None else []
    return ", ".join(f"{count} {severity}" for severity, count in severities) or "none"


def check_narratives_apart(
    con: duckdb.DuckDBPyConnection, document_ids: Sequence[str], rules: Rules
) -> list[NarrativeCheck]:
    """The narratives published apart (江苏's 说明 beside its tables file) that the documents just
    loaded complete or belong to, held against the tables of their disclosure in the warehouse, in
    whatever run those were loaded. Their earlier findings of these rules are replaced, so a re-run
    adds nothing; one whose tables are not loaded keeps none."""
    checks = []
    for apart in narratives_apart(con, document_ids):
        error = None
        try:
            findings, compared = narrative_against_tables(
                apart.document_id, apart.narrative, apart.places, apart.facts, rules
            )
        except Exception as problem:  # a check that breaks on one narrative must not stop the run
            findings, compared = pl.DataFrame(schema=FINDING_SCHEMA), 0
            error = (
                f"{apart.file_name}: checking its narrative against its tables failed ({problem!r}); "
                "please report this file to yusuan"
            )
        replace_findings(con, apart.document_id, AGAINST_TABLES, findings)
        checks.append(NarrativeCheck(apart.file_name, apart.tables_files, findings, compared, error))
    return checks


def subject_class_frame() -> pl.DataFrame:
    return pl.DataFrame(
        [{"subject_scheme": s, "subject_code": c, "subject_name": n} for (s, c), n in subject_classes().items()]
    )
