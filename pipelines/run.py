"""One ingest run: discover files, then per document extract -> normalize -> validate -> load.

Extraction and normalization run in worker processes, each document under a timeout, so one
hostile file can neither hang nor crash the run. Validation and loading stay in this process, one
transaction per document: a document that fails is recorded with its reason, nothing of it enters
the facts, and documents loaded before are untouched.
"""

import errno
import hashlib
import importlib
import multiprocessing
import os
import resource
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import polars as pl
from pebble import ProcessExpired, ProcessPool

from expectations.consistency import Rules, consistency_findings, default_rules
from expectations.ocr_gate import gate_ocr_facts
from expectations.suite import result_records, validate_facts, write_data_docs_index
from extractors import (
    ExtractedDocument,
    ExtractionError,
    ExtractionLimits,
    display_name,
    extract_document,
    file_modified_at,
    not_a_regular_file,
)
from transforms.document import normalize_document
from transforms.facts import subject_classes
from transforms.filing import identity_problem
from transforms.regions import region_tables
from transforms.subjects import subject_catalogue
from warehouse.load import (
    DocumentLoad,
    WarehouseError,
    connect,
    load_document,
    load_reference,
    load_subject_reference,
)
from warehouse.records import (
    ISSUE_SCHEMA,
    TABLE_SCHEMA,
    document_record,
    empty_facts,
    issue_records,
    issues_frame,
    table_records,
)

# Files a folder is searched for; each is read by its content, whatever its name says.
DISCLOSURE_SUFFIXES = (".pdf", ".txt", ".md", ".xlsx", ".xlsm", ".xls", ".docx", ".html", ".htm", ".shtml")
IN_FLIGHT_PER_WORKER = 2


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
    in this run carries `duplicate_of` and nothing to load."""

    path: Path
    load: DocumentLoad | None
    tables_by_type: dict[str, int] = field(default_factory=dict)
    narrative: str = ""
    pages: int | None = None
    duplicate_of: Path | None = None

    @property
    def status(self) -> str:
        return "duplicate" if self.load is None else self.load.document["status"][0]

    @property
    def reason(self) -> str | None:
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
    status, reason = (problem[0], f"{extracted.path.name}: {problem[1]}") if problem else ("loaded", None)
    load = DocumentLoad(
        document=document_record(extracted, normalized, status, reason),
        tables=table_records(normalized),
        issues=issue_records(normalized),
        facts=normalized.facts if problem is None else empty_facts(),
    )
    return DocumentOutcome(extracted.path, load, tables_by_type, extracted.text, extracted.pages)


def read_document(path: Path, limits: ExtractionLimits | None = None) -> DocumentOutcome:
    """Extract and normalize one file: the part of the work that runs in a worker process."""
    extracted = extract_step(path, limits)
    return normalize_step(extracted) if isinstance(extracted, ExtractedDocument) else extracted


@dataclass(frozen=True)
class QualitySettings:
    """Where GX Data Docs go (None: not written) and the consistency rules with their tolerance."""

    data_docs: Path | None = None
    rules: Rules = field(default_factory=default_rules)


def validate_step(outcome: DocumentOutcome, quality: QualitySettings) -> DocumentOutcome:
    """Run the expectation suite (a failure keeps the document's facts out) and the consistency
    rules (findings are recorded, never block)."""
    if outcome.status != "loaded" or outcome.load is None:
        return outcome
    try:
        return _validated(outcome, outcome.load, quality)
    except MemoryError:  # the worker pool reports it against the memory limit
        raise
    except Exception as error:  # a check that breaks on one document must not stop the run
        return replace(outcome, load=_failed(outcome.path, outcome.load, "validation", error))


def _validated(outcome: DocumentOutcome, load: DocumentLoad, quality: QualitySettings) -> DocumentOutcome:
    """The outcome validated; `load` is outcome.load, there since validate_step passes no duplicate."""
    document_id = load.document["document_id"][0]
    load = _gated(load, quality.rules)
    suite = validate_facts(load.facts, quality.data_docs, display_name(outcome.path.name))
    expectations = result_records(document_id, suite)
    if not suite.success:
        reason = display_name(f"{outcome.path.name}: the expectation suite failed: " + "; ".join(suite.failures))
        document = load.document.with_columns(
            status=pl.lit("failed_validation"),
            reason=pl.lit(reason),
            facts_loaded=pl.lit(0, pl.Int32),
            amount_cells_loaded=pl.lit(0, pl.Int32),
        )
        return replace(outcome, load=replace(load, document=document, facts=empty_facts(), expectations=expectations))
    findings = consistency_findings(load.facts, outcome.narrative, quality.rules, load.document["document_kind"][0])
    return replace(outcome, load=replace(load, findings=findings, expectations=expectations))


def _gated(load: DocumentLoad, rules: Rules) -> DocumentLoad:
    """The load less the OCR'd amounts their tables' sums do not confirm, with the reasons recorded."""
    gated = gate_ocr_facts(load.facts, rules, load.document["document_kind"][0])
    if not gated.issues:
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


def _timed_out(path: Path, limits: ExtractionLimits, step: str) -> DocumentOutcome:
    reason = (
        f"{path.name}: not {step} within {limits.timeout_seconds:g} s and stopped; "
        "check the file (very long or malformed), or raise the limit (--timeout)."
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


def _settle(path: Path, future, limits: ExtractionLimits, step: str = "read"):
    """A worker's result, or the outcome of a worker that ran out of time or memory, or died."""
    try:
        return future.result()
    except FutureTimeout:
        return _timed_out(path, limits, step)
    except MemoryError:
        return _out_of_memory(path, limits, "MemoryError in the reader")
    except ProcessExpired as error:
        if -error.exitcode in _OUT_OF_MEMORY_SIGNALS:
            return _out_of_memory(path, limits, f"the reader process died of {signal.Signals(-error.exitcode).name}")
        reason = f"{path.name}: the reader process died ({error}); the file may be malformed or too big"
        return rejected_outcome(path, "failed", reason)
    except Exception as error:  # the worker pool itself failed: this document is recorded, the run goes on
        reason = f"{path.name}: the reader process could not {step} it ({error!r}); please report this to yusuan"
        return rejected_outcome(path, "failed", reason)


def _warm_up(*modules: str) -> None:
    """Import and cache what every document needs (and `modules`, what a step needs besides) before
    the worker takes one, so a document's timeout measures reading it, not starting Python (Great
    Expectations takes seconds to import). NumPy, which normalizing imports, starts OpenBLAS's
    thread buffers here too, before the worker's memory is capped."""
    import docx  # noqa: F401
    import lxml.html  # noqa: F401
    import numpy  # noqa: F401
    import python_calamine  # noqa: F401

    import extractors.html
    import extractors.pdf
    import extractors.word
    import extractors.workbook  # noqa: F401

    for module in modules:
        importlib.import_module(module)
    region_tables()
    subject_classes()
    subject_catalogue()


def _start_worker(max_memory_bytes: int, modules: tuple[str, ...]) -> None:
    """A worker's initializer: warm up, then cap the memory the worker may allocate.

    The cap is RLIMIT_DATA, the private writable memory (heap and anonymous mappings) that a
    decoded stream or a page's objects fill; RLIMIT_AS would also count the ~1.2 GiB of libraries
    and reserved address space a warmed-up worker maps without using, and fail normal documents.
    """
    _warm_up(*modules)
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    soft = max_memory_bytes if hard == resource.RLIM_INFINITY else min(max_memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _pool(workers: int, limits: ExtractionLimits | None = None, modules: tuple[str, ...] = ()) -> ProcessPool:
    # forkserver: workers never inherit an open DuckDB connection or GX state from this process
    return ProcessPool(
        max_workers=max(1, workers),
        initializer=_start_worker,
        initargs=((limits or ExtractionLimits()).max_memory_bytes, modules),
        context=multiprocessing.get_context("forkserver"),
    )


def _in_worker(path: Path, limits: ExtractionLimits, step: str, function: Callable, *args, warm: tuple[str, ...] = ()):
    """One step of one document in a worker process under the timeout and the memory limit."""
    with _pool(1, limits, warm) as pool:
        return _settle(path, pool.schedule(function, args=args, timeout=limits.timeout_seconds), limits, step)


def extract_in_worker(path: Path, limits: ExtractionLimits) -> ExtractedDocument | DocumentOutcome:
    """extract_step in a worker process (for one-document runs, as in Dagster)."""
    return _in_worker(path, limits, "read", extract_step, path, limits)


def normalize_in_worker(extracted: ExtractedDocument, limits: ExtractionLimits) -> DocumentOutcome:
    """normalize_step in a worker process: rules meeting a layout no one foresaw cannot hang a run."""
    return _in_worker(extracted.path, limits, "normalized", normalize_step, extracted)


def validate_in_worker(outcome: DocumentOutcome, quality: QualitySettings, limits: ExtractionLimits) -> DocumentOutcome:
    """validate_step in a worker process, for one-document runs: the suite and the consistency rules
    on a hostile document's facts are bounded like reading it. The worker also indexes the Data Docs
    it wrote, as the end of a run does (GX keeps what it wrote in the process that wrote it).
    Rejected documents have nothing to validate."""
    if outcome.status != "loaded":
        return outcome
    return _in_worker(outcome.path, limits, "validated", _validate_one, outcome, quality, warm=("great_expectations",))


def _validate_one(outcome: DocumentOutcome, quality: QualitySettings) -> DocumentOutcome:
    try:
        return validate_step(outcome, quality)
    finally:
        finish_quality_docs(quality)


def read_documents(paths: Iterable[Path], options: IngestOptions) -> Iterator[DocumentOutcome]:
    """Read documents in worker processes, each under the timeout, yielding in the given order.

    Identical bytes under two names are read once. At most a few documents per worker are in
    flight, so memory stays flat however many files there are.
    """
    limits = options.limits
    seen: dict[str, Path] = {}
    window = max(1, options.workers) * IN_FLIGHT_PER_WORKER
    with _pool(options.workers, limits) as pool:
        pending: deque[tuple[Path, object]] = deque()

        def settle() -> DocumentOutcome:
            path, future = pending.popleft()
            return future if isinstance(future, DocumentOutcome) else _settle(path, future, limits)

        for path in paths:
            try:
                document_id = file_document_id(path)
            except OSError as error:
                pending.append((path, rejected_outcome(path, "corrupt", f"{path.name}: cannot be read ({error})")))
                continue
            if document_id in seen:
                pending.append((path, DocumentOutcome(path, None, duplicate_of=seen[document_id])))
            else:
                seen[document_id] = path
                future = pool.schedule(read_document, args=(path, limits), timeout=limits.timeout_seconds)
                pending.append((path, future))
            while len(pending) > window:
                yield settle()
        while pending:
            yield settle()


def ingest(paths: Iterable[Path], warehouse: Path, options: IngestOptions) -> Iterator[DocumentOutcome]:
    """Load every discovered document, one transaction each, yielding outcomes as they land; the
    Data Docs index follows the last."""
    outcomes = read_documents(discover(paths), options)
    yield from load_outcomes((validate_step(o, options.quality) for o in outcomes), warehouse)
    finish_quality_docs(options.quality)


def finish_quality_docs(quality: QualitySettings) -> None:
    """Index the Data Docs pages written since the last index."""
    if quality.data_docs is not None:
        write_data_docs_index(quality.data_docs)


def load_outcomes(outcomes: Iterable[DocumentOutcome], warehouse: Path) -> Iterator[DocumentOutcome]:
    """Write outcomes to the warehouse (reference data first), one transaction per document.

    A document whose rows the warehouse refuses is recorded as `failed` and the run goes on; a
    warehouse that cannot be written at all (locked, read-only, disk full) raises WarehouseError."""
    con = connect(warehouse)
    try:
        load_reference(con, region_tables(), subject_class_frame())
        load_subject_reference(con, subject_catalogue().name_frame(), subject_catalogue().crosswalk_frame())
        for outcome in outcomes:
            yield _loaded(con, outcome)
    finally:
        con.close()


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


def subject_class_frame() -> pl.DataFrame:
    return pl.DataFrame(
        [{"subject_scheme": s, "subject_code": c, "subject_name": n} for (s, c), n in subject_classes().items()]
    )
