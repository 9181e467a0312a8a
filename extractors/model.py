"""The raw-table representation every extractor produces.

Downstream stages see only these types, never the source format, so a text conversion and a PDF
of the same disclosure flow through identical normalization.
"""

from __future__ import annotations

import resource
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

# A reading no sum can check (a subject code) is trusted from this confidence up.
SURE_READING = 0.99


@dataclass(frozen=True)
class OcrCell:
    """A cell read by OCR: its text as the row's cell prints it, the recogniser's confidence (0-1)
    and its box (x0, top, x1, bottom in PDF points from the page's top left, deskewed)."""

    text: str
    confidence: float
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class RawRow:
    """One printed table row: cells as printed (strings, '' for blank), where it was printed.

    `ocr` holds the row's filled cells left to right when the page was read by OCR (empty for a
    text layer): later stages move cells about, so a cell is found again by its text and order."""

    cells: tuple[str, ...]
    page: int | None
    position: str
    ocr: tuple[OcrCell, ...] = ()


@dataclass(frozen=True)
class RawTable:
    """A table as printed: `unit` is the unit stated above it ('万元', '元', '千元' ...), None if none was.

    `after_table` says that nothing but blank space or a page break separates this table from the
    previous one, which makes an untitled table a candidate continuation of it; so does a titled
    one whose title and context lines repeat those of the table before (a spreadsheet's print
    titles, printed again at the top of each page).
    """

    title: str | None
    unit: str | None
    rows: tuple[RawRow, ...]
    page: int | None
    position: str
    context: tuple[str, ...] = ()
    after_table: bool = False


class NarrativePlace(NamedTuple):
    """Where the narrative text from `offset` on was printed (a page, a sheet, a line of a text
    file), so a finding about a sentence can say where to find it, and whether OCR read it there
    (a scan), so it can say that the scan may have been misread."""

    offset: int
    page: int | None
    position: str
    read_by_ocr: bool = False


def narrative_places(
    lines: Sequence[str], starts: Sequence[tuple[int, int | None, str, bool]]
) -> tuple[NarrativePlace, ...]:
    """The places of narrative lines joined by newlines, from (first line's index, page, position,
    read by OCR)."""
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    return tuple(NarrativePlace(offsets[index], page, position, ocr) for index, page, position, ocr in starts)


@dataclass(frozen=True)
class ExtractedDocument:
    """A disclosure after extraction: its tables plus the narrative text around them."""

    document_id: str
    path: Path
    source_format: str
    pages: int | None
    text: str
    tables: tuple[RawTable, ...]
    metadata: dict[str, str] = field(default_factory=dict)
    modified_at: datetime | None = None
    # Pages without a text layer that were read by OCR.
    ocr_pages: int = 0
    # Pages without a text layer left unread (OCR off or unavailable), numbered from 1, and why,
    # with what to do: their amounts are in no count, so the document must say it was partly read.
    unread_pages: tuple[int, ...] = ()
    unread_because: str | None = None
    # Where each stretch of `text` was printed.
    narrative_places: tuple[NarrativePlace, ...] = ()
    # Ruled tables of scanned pages printed too small to read by OCR (page, cells' height in points):
    # left unread rather than read wrong, and counted the same way.
    illegible_tables: tuple[tuple[int, float], ...] = ()


# What a document stopped at its time limit is told to do, whichever of the limit's keepers stopped it.
TIMEOUT_ADVICE = "check the file (very long or malformed), or raise the limit (--timeout, --ocr-seconds-per-page)."


@dataclass(frozen=True)
class ExtractionLimits:
    """Bounds on one document, so a hostile or broken file costs a known amount and no more."""

    max_bytes: int = 100 * 2**20
    max_pages: int = 2000
    timeout_seconds: float = 300.0
    max_memory_bytes: int = 2048 * 2**20
    # Read pages without a text layer by OCR; off, a scan is needs_ocr as before.
    ocr: bool = True
    # What each page read by OCR adds to timeout_seconds: OCR takes seconds a page, text a fraction.
    ocr_seconds_per_page: float = 30.0

    def reading_seconds(self, ocr_pages: int) -> float:
        """The time a document may take when `ocr_pages` of its pages are read by OCR."""
        return self.timeout_seconds + (self.ocr_seconds_per_page * ocr_pages if self.ocr else 0.0)

    @property
    def max_stream_bytes(self) -> int:
        """Largest a single PDF stream may inflate to: readers hold a decoded stream two to three
        times over, so a stream of a quarter of the memory limit is as big as can be read within it."""
        return self.max_memory_bytes // 4


def data_bytes() -> int:
    """This process's RLIMIT_DATA usage (VmData), the memory the limit counts; 0 where /proc does
    not say."""
    return _status_bytes("VmData:")


def _status_bytes(field: str) -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cap_data_memory(limit: int) -> None:
    """Cap this process's RLIMIT_DATA at `limit` (within the hard limit)."""
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    resource.setrlimit(resource.RLIMIT_DATA, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def grant_fixed_memory(work: Callable[[], object], *, working: bool = False) -> None:
    """Run `work` with the memory cap lifted, then raise the cap by what it kept: a library's own
    fixed memory (the expectation suite, OCR's engine) is not a document's, and the cap goes on
    bounding the rest. With `working`, by the most it held at once (its peak resident growth),
    for work whose buffers are freed and taken again on every call (OCR's, page after page).
    Without a cap, just run it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if soft == resource.RLIM_INFINITY:
        work()
        return
    resource.setrlimit(resource.RLIMIT_DATA, (hard, hard))
    before, peak_before = data_bytes(), _fresh_peak_resident_bytes() if working else 0
    try:
        work()
    finally:
        kept = max(0, data_bytes() - before)
        held = max(0, _peak_resident_bytes() - peak_before) if working else 0
        cap_data_memory(soft + max(kept, held))


def _fresh_peak_resident_bytes() -> int:
    """The resident size, with the kernel's peak count (VmHWM) started afresh from it, so a peak an
    earlier document set does not hide what the work holds (Linux 4.0+: /proc/self/clear_refs);
    where that cannot be done, the peak so far."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return _peak_resident_bytes()
    return _status_bytes("VmRSS:") or _peak_resident_bytes()


def _peak_resident_bytes() -> int:
    return _status_bytes("VmHWM:") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def display_name(name: str | Path) -> str:
    """A file name or path as text that can be printed and stored: bytes that are not UTF-8 (a
    name written by another system's encoding) appear as \\xNN escapes instead of crashing the run."""
    return str(name).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class ExtractionError(Exception):
    """A document that cannot be extracted; `status` is a dim_document status word."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
