"""One ingest run: discover files, then per document extract -> normalize -> validate -> load.

A document that fails is recorded with its reason and the run goes on; nothing of it enters the
facts, and documents loaded before are untouched.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from expectations.consistency import Rules, consistency_findings, default_rules
from expectations.suite import result_records, validate_facts
from extractors import ExtractedDocument, ExtractionError, document_id_of, extract_document
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


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files named on the command line, and disclosure files under named directories, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in DISCLOSURE_SUFFIXES)
        else:
            found.append(path)
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class DocumentOutcome:
    """What happened to one file, ready to load and to print."""

    path: Path
    load: DocumentLoad
    tables_by_type: dict[str, int]
    narrative: str = ""

    @property
    def status(self) -> str:
        return self.load.document["status"][0]

    @property
    def reason(self) -> str | None:
        return self.load.document["reason"][0]


def _rejected(extracted: ExtractedDocument, status: str, reason: str) -> DocumentLoad:
    return DocumentLoad(
        document=document_record(extracted, None, status, reason),
        tables=pl.DataFrame(schema=TABLE_SCHEMA),
        issues=pl.DataFrame(schema=ISSUE_SCHEMA),
        facts=empty_facts(),
    )


def extract_step(path: Path) -> ExtractedDocument | DocumentOutcome:
    """The extracted document, or the outcome of a file rejected before any table was read."""
    try:
        return extract_document(path)
    except ExtractionError as error:
        return DocumentOutcome(path, _rejected(_placeholder(path), error.status, error.reason), {})
    except OSError as error:
        reason = f"{path.name}: cannot be read ({error}); check the file's permissions and that it still exists"
        return DocumentOutcome(path, _rejected(_placeholder(path), "corrupt", reason), {})
    except Exception as error:  # a malformed file must not stop the run: record it and go on
        reason = f"{path.name}: the file could not be parsed ({error!r}); re-download it or re-export it as PDF"
        return DocumentOutcome(path, _rejected(_placeholder(path), "corrupt", reason), {})


def normalize_step(extracted: ExtractedDocument) -> DocumentOutcome:
    """Normalize an extracted document into what the warehouse keeps of it."""
    try:
        normalized = normalize_document(extracted)
    except Exception as error:  # a layout no rule foresaw must not stop the run: record it and go on
        reason = f"{extracted.path.name}: normalization failed ({error!r}); please report this file to yusuan"
        return DocumentOutcome(extracted.path, _rejected(extracted, "failed", reason), {})
    tables_by_type: dict[str, int] = {}
    for table in normalized.tables:
        key = table.table_type or "unknown"
        tables_by_type[key] = tables_by_type.get(key, 0) + 1
    problem = identity_problem(normalized)
    status, reason = problem if problem else ("loaded", None)
    load = DocumentLoad(
        document=document_record(extracted, normalized, status, reason),
        tables=table_records(normalized),
        issues=issue_records(normalized),
        facts=normalized.facts if problem is None else empty_facts(),
    )
    return DocumentOutcome(extracted.path, load, tables_by_type, extracted.text)


@dataclass(frozen=True)
class QualitySettings:
    """Where GX Data Docs go (None: not written) and the consistency rules with their tolerance."""

    data_docs: Path | None = None
    rules: Rules = field(default_factory=default_rules)


def validate_step(outcome: DocumentOutcome, quality: QualitySettings) -> DocumentOutcome:
    """Run the expectation suite (a failure keeps the document's facts out) and the consistency
    rules (findings are recorded, never block)."""
    if outcome.status != "loaded":
        return outcome
    document_id = outcome.load.document["document_id"][0]
    suite = validate_facts(outcome.load.facts, quality.data_docs)
    expectations = result_records(document_id, suite)
    if not suite.success:
        reason = f"{outcome.path.name}: the expectation suite failed: " + "; ".join(suite.failures)
        document = outcome.load.document.with_columns(
            status=pl.lit("failed_validation"), reason=pl.lit(reason), facts_loaded=pl.lit(0, pl.Int32)
        )
        load = replace(outcome.load, document=document, facts=empty_facts(), expectations=expectations)
        return replace(outcome, load=load)
    findings = consistency_findings(outcome.load.facts, outcome.narrative, quality.rules)
    return replace(outcome, load=replace(outcome.load, findings=findings, expectations=expectations))


def prepare_document(path: Path, quality: QualitySettings) -> DocumentOutcome:
    """Extract, normalize and validate one file; never raises for a bad document, it records why."""
    extracted = extract_step(path)
    if not isinstance(extracted, ExtractedDocument):
        return extracted
    return validate_step(normalize_step(extracted), quality)


def _placeholder(path: Path) -> ExtractedDocument:
    data = path.read_bytes() if path.is_file() else b""
    return ExtractedDocument(document_id_of(data), path, "unknown", None, "", ())


def ingest(paths: Iterable[Path], warehouse: Path, quality: QualitySettings) -> Iterator[DocumentOutcome]:
    """Load every discovered document, one transaction each, yielding outcomes as they land."""
    yield from load_outcomes((prepare_document(path, quality) for path in discover(paths)), warehouse)


def load_outcomes(outcomes: Iterable[DocumentOutcome], warehouse: Path) -> Iterator[DocumentOutcome]:
    """Write outcomes to the warehouse (reference data first), one transaction per document."""
    con = connect(warehouse)
    try:
        load_reference(con, region_reference(), subject_class_frame())
        for outcome in outcomes:
            load_document(con, outcome.load)
            yield outcome
    finally:
        con.close()


def subject_class_frame() -> pl.DataFrame:
    return pl.DataFrame(
        [{"subject_scheme": s, "subject_code": c, "subject_name": n} for (s, c), n in subject_classes().items()]
    )
