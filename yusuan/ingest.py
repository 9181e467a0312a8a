"""One ingest run: discover files, then per document extract -> normalize -> validate -> load.

Extraction and normalization run in worker processes, each document under a timeout, so one
hostile file can neither hang nor crash the run. Validation and loading stay in this process, one
transaction per document: a document that fails is recorded with its reason, nothing of it enters
the facts, and documents loaded before are untouched.
"""

import hashlib
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl
from pebble import ProcessExpired, ProcessPool

from expectations.consistency import Rules, consistency_findings, default_rules
from expectations.suite import result_records, validate_facts, write_data_docs_index
from extractors import ExtractedDocument, ExtractionError, ExtractionLimits, extract_document
from transforms.document import normalize_document
from transforms.facts import subject_classes
from transforms.records import (
    ISSUE_SCHEMA,
    TABLE_SCHEMA,
    document_record,
    empty_facts,
    identity_problem,
    issue_records,
    table_records,
)
from transforms.regions import region_reference
from warehouse.load import DocumentLoad, connect, load_document, load_reference

DISCLOSURE_SUFFIXES = (".pdf", ".txt", ".md")
IN_FLIGHT_PER_WORKER = 2


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files named on the command line, and disclosure files under named directories, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in DISCLOSURE_SUFFIXES)
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def file_document_id(path: Path) -> str:
    """sha256 of the file, streamed: the document key, computed before any parsing."""
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
            document_id = hashlib.sha256(str(path.resolve()).encode()).hexdigest()
    return ExtractedDocument(document_id, path, "unknown", None, "", ())


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
    except Exception as error:  # a malformed file must not stop the run: record it and go on
        reason = f"{path.name}: the file could not be parsed ({error!r}); re-download it or re-export it as PDF"
        return rejected_outcome(path, "corrupt", reason)


def normalize_step(extracted: ExtractedDocument) -> DocumentOutcome:
    """Normalize an extracted document into what the warehouse keeps of it."""
    try:
        normalized = normalize_document(extracted)
    except Exception as error:  # a layout no rule foresaw must not stop the run: record it and go on
        reason = f"{extracted.path.name}: normalization failed ({error!r}); please report this file to yusuan"
        return DocumentOutcome(extracted.path, _rejected(extracted, "failed", reason))
    tables_by_type: dict[str, int] = {}
    for table in normalized.tables:
        key = table.table_type or "unknown"
        tables_by_type[key] = tables_by_type.get(key, 0) + 1
    problem = identity_problem(normalized)
    status, reason = (problem[0], f"{extracted.path.name}: {problem[1]}") if problem else ("loaded", None)
    amount_cells = sum(normalized.amount_cells.values())
    load = DocumentLoad(
        document=document_record(extracted, normalized, status, reason).with_columns(
            amount_cells=pl.lit(amount_cells, pl.Int32),
            amount_cells_loaded=pl.lit(normalized.facts.height if problem is None else 0, pl.Int32),
        ),
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
    document_id = outcome.load.document["document_id"][0]
    suite = validate_facts(outcome.load.facts, quality.data_docs, outcome.path.name)
    expectations = result_records(document_id, suite)
    if not suite.success:
        reason = f"{outcome.path.name}: the expectation suite failed: " + "; ".join(suite.failures)
        document = outcome.load.document.with_columns(
            status=pl.lit("failed_validation"),
            reason=pl.lit(reason),
            facts_loaded=pl.lit(0, pl.Int32),
            amount_cells_loaded=pl.lit(0, pl.Int32),
        )
        load = replace(outcome.load, document=document, facts=empty_facts(), expectations=expectations)
        return replace(outcome, load=load)
    findings = consistency_findings(outcome.load.facts, outcome.narrative, quality.rules)
    return replace(outcome, load=replace(outcome.load, findings=findings, expectations=expectations))


@dataclass(frozen=True)
class IngestOptions:
    limits: ExtractionLimits = field(default_factory=ExtractionLimits)
    workers: int = 1
    quality: QualitySettings = field(default_factory=QualitySettings)


def _timed_out(path: Path, limits: ExtractionLimits) -> DocumentOutcome:
    reason = (
        f"{path.name}: not read within {limits.timeout_seconds:g} s and stopped; "
        "check the file (very long or malformed), or raise the limit (--timeout)."
    )
    return rejected_outcome(path, "timeout", reason)


def _settle(path: Path, future, limits: ExtractionLimits):
    """A worker's result, or the outcome of a worker that ran out of time or died."""
    try:
        return future.result()
    except FutureTimeout:
        return _timed_out(path, limits)
    except ProcessExpired as error:
        reason = f"{path.name}: the reader process died ({error}); the file may be malformed or too big"
        return rejected_outcome(path, "failed", reason)


def _warm_up() -> None:
    """Import and cache what every document needs before the worker takes one, so a document's
    timeout measures reading it, not starting Python."""
    import extractors.pdf  # noqa: F401

    region_reference()
    subject_classes()


def _pool(workers: int) -> ProcessPool:
    # forkserver: workers never inherit an open DuckDB connection or GX state from this process
    return ProcessPool(
        max_workers=max(1, workers), initializer=_warm_up, context=multiprocessing.get_context("forkserver")
    )


def extract_in_worker(path: Path, limits: ExtractionLimits) -> ExtractedDocument | DocumentOutcome:
    """extract_step in a worker process under the timeout (for one-document runs, as in Dagster)."""
    with _pool(1) as pool:
        return _settle(path, pool.schedule(extract_step, args=(path, limits), timeout=limits.timeout_seconds), limits)


def read_documents(paths: Iterable[Path], options: IngestOptions) -> Iterator[DocumentOutcome]:
    """Read documents in worker processes, each under the timeout, yielding in the given order.

    Identical bytes under two names are read once. At most a few documents per worker are in
    flight, so memory stays flat however many files there are.
    """
    limits = options.limits
    seen: dict[str, Path] = {}
    window = max(1, options.workers) * IN_FLIGHT_PER_WORKER
    with _pool(options.workers) as pool:
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
    """Write outcomes to the warehouse (reference data first), one transaction per document."""
    con = connect(warehouse)
    try:
        load_reference(con, region_reference(), subject_class_frame())
        for outcome in outcomes:
            if outcome.load is not None:
                load_document(con, outcome.load)
            yield outcome
    finally:
        con.close()


def subject_class_frame() -> pl.DataFrame:
    return pl.DataFrame(
        [{"subject_scheme": s, "subject_code": c, "subject_name": n} for (s, c), n in subject_classes().items()]
    )
