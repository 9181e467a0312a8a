"""Extractor for text-based PDFs: ruled tables via pdfplumber, everything else as narrative lines.

Parsing a page's content into the characters and rules pdfplumber needs (PLAYA, in
extractors.plumber_page) costs far more than finding tables, so a quick pypdfium2 pass first sorts
pages: pages without a single vector path cannot hold a ruled table and are read with pdfium alone;
only the rest are parsed for pdfplumber. The same pass tells
image-only scans and password-locked files apart before any expensive work.

Titles, context lines and `after_table` follow the rules of the text extractor, so a disclosure
and its text conversion produce comparable RawTables; the one difference is that a title counts
only when printed on the table's own page.
"""

from __future__ import annotations

import io
import logging
import re
import time
import zlib
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from math import degrees as degrees_of
from math import isnan
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFException, resolve1
from pdfminer.psparser import PSException
from pdfplumber.utils import extract_text
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

from extractors import deadline
from extractors.geometry import TextLine, UnruledGrid, Word, unruled
from extractors.layout import AMOUNT_CELL, Block, Page, assemble, is_caption, is_furniture, printed_cell
from extractors.model import TIMEOUT_ADVICE, ExtractedDocument, ExtractionError, ExtractionLimits
from extractors.ocr import OcrFailed, OcrGrid, OcrIllegible, OcrLine, ocr_available, read_scanned_page
from extractors.plumber_page import ContentError, TablePage, TablePages
from extractors.textlayer import (
    clean_line,
    is_header_field,
    is_title,
    is_undecoded,
    normalize_text,
    run_on,
    wraps_onto,
)

# pdfminer and PLAYA warn on stderr of each font quirk they work around (a page printed by Chrome:
# one warning per character); what they cannot read raises, and is reported as the file's.
logging.getLogger("pdfminer").setLevel(logging.ERROR)
logging.getLogger("playa").setLevel(logging.ERROR)

MIN_COLUMN_WIDTH = 20.0
# A one-row grid of this many headings at a page's foot is a table's header (see _heading_row).
_HEADING_CELLS = 3
_PDFIUM_PASSWORD_ERRORS = (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY)
_PARSE_ERRORS = (PdfminerException, MalformedPDFException, PDFException, PSException, ContentError)
_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")
_OBJECT = re.compile(rb"(\d+)\s+\d+\s+obj\b")
_INFLATE_CHUNK = 2**20
# A fill in these colours on a white page draws nothing: grey, RGB and CMYK white.
_WHITE = ((1,), (1, 1, 1), (0, 0, 0, 0))
# A page with no ruled table is read for tables printed without rules when this many of its lines
# end in money after another cell (prose ends in 万元 or a full stop, not in a figure).
_UNRULED_ROWS = 2
# A header cell's wrapped lines stand at the font's line spacing, ~1.2 of a word's height apart
# (the text layer's boxes are the font's size); header rows stand a row's pitch apart, 1.5 or more.
_WRAPPED_LINE_PITCH = 1.3
# Sentence punctuation (a comma before no digit: 3,226.63 is an amount); a grid with more than
# one row in _PROSE_SHARE holding it is prose.
_SENTENCE = re.compile(r"[。；;：:]|,(?!\d)")
_PROSE_SHARE = 4
# Money as tables print it, with thousands separators or decimals (a page number is none).
_MONEY_CELL = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?|-?\d+\.\d+")
# pdfplumber's word tolerances (points): characters of a cell touch, cells stand apart.
_WORD_X_TOLERANCE = 1.5
_WORD_Y_TOLERANCE = 2
# A PDF string pdfium could not decode, given as its bytes' hex digits; Chinese characters.
_HEX_STRING = re.compile(r"<(?:[0-9A-Fa-f]{2})+>")
_CHINESE = re.compile(r"[\u4e00-\u9fff]{2}")
# Characters sampled a page to tell which way its text stands; how far (degrees) from a quarter
# turn one may lean; the share that must stand alike.
_ANGLE_SAMPLE = 200
_ANGLE_TOLERANCE = 5
_UPRIGHT_SHARE = 0.6
# How far (points) a glyph's outline may reach past its character's box.
_IN_GLYPH = 0.5
# The fewest path segments that rule a grid of two rows and two columns (a frame, 5 as pdfium
# counts a rectangle, and a line each way, 2 each): fewer frame a page or underline a heading.
_RULING_SEGMENTS = 8


@dataclass(frozen=True)
class _Grid:
    """A found table before titling: rows as (printed row number, cells), cells keeping their line breaks."""

    rows: tuple[tuple[int, tuple[str, ...]], ...]
    top: float


@dataclass(frozen=True)
class _PageScan:
    chars: int
    images: int
    paths: int
    undecoded: bool = False
    # Whether its paths are enough to rule a table (_RULING_SEGMENTS): only then is it parsed for one.
    ruled: bool = False
    # The /Rotate under which a ruled page stands upright, when it is not the page's own.
    upright_rotation: int | None = None
    # pdfium's text of a page that is not ruled, which is read from it.
    text: str = ""

    @property
    def text_layer(self) -> bool:
        """Whether the page's text can be read from its text layer."""
        return bool(self.chars) and not self.undecoded


def extract_pdf_document(path: Path, data: bytes, document_id: str, limits: ExtractionLimits) -> ExtractedDocument:
    """Tables in reading order with the title and unit printed above each; the rest is narrative.
    Pages without a text layer are read by OCR (`limits.ocr`), text pages of the same file by their
    text; reading stops once it has taken the limits' time for the pages OCR reads. Where OCR is off
    or cannot run, a file's scanned pages are listed as unread: a partly read file must say so."""
    started = time.monotonic()
    _refuse_inflating_past(path, data, limits.max_stream_bytes)
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if error.err_code in _PDFIUM_PASSWORD_ERRORS:
            raise ExtractionError(
                "encrypted",
                f"{path.name}: the PDF is encrypted and needs a password to open; "
                "ask the publisher for an unprotected copy or remove the password before loading it.",
            ) from error
        raise ExtractionError(
            "corrupt", f"{path.name}: not a readable PDF ({error}); re-download it from the publisher."
        ) from error
    try:
        if len(document) > limits.max_pages:
            raise ExtractionError(
                "too_large",
                f"{path.name}: {len(document)} pages is over the {limits.max_pages}-page limit; "
                "check it is a single disclosure, or raise the limit (--max-pages).",
            )
        metadata = _metadata(document, data)
        scans = [_scan(document, index) for index in range(len(document))]
        ocr = _OcrPages(path, limits, scans)
        for number, scan in enumerate(scans, start=1):
            if _needs_ocr(scan):
                ocr.add(number)
        if not ocr.read:
            _reject_without_text_layer(path, scans)
        pages = _read_pages(path, data, document, scans, ocr, started)
        if not any(scan.text_layer for scan in scans) and not any(pages):
            raise ExtractionError(
                "empty",
                f"{path.name}: {_without_text(scans)} in which OCR found no text; check that it "
                "is the disclosure and its pages are legible, or supply a text-based PDF.",
            )
    finally:
        document.close()
    extracted = _assemble(path, document_id, pages, metadata)
    illegible = tuple(
        (number, item.cell_points)
        for number, items in enumerate(pages, start=1)
        for item in items
        if isinstance(item, OcrIllegible)
    )
    return replace(
        extracted,
        ocr_pages=ocr.read,
        unread_pages=ocr.unread,
        unread_because=ocr.why_not,
        illegible_tables=illegible,
    )


def _metadata(document: pdfium.PdfDocument, data: bytes) -> dict[str, str]:
    """The document properties as their author wrote them. Chinese Windows printer drivers write the
    title in GBK, which is no PDF text encoding: pdfium then gives its bytes as hex digits
    (<BDADCBD5...>; Distiller even writes them so, as the string's text) or through PDFDocEncoding,
    which loses some bytes (Íú²ÔÏØ...): those are read again from the file. Bytes that read as
    Chinese in UTF-8 or GB18030 are taken so; the title is where a tables-only file may name its
    department and year."""
    metadata = {key: normalize_text(value) for key, value in document.get_metadata_dict(skip_empty=True).items()}
    for key, value in metadata.items():
        if _HEX_STRING.fullmatch(value) and (text := _chinese(bytes.fromhex(value[1:-1]))) is not None:
            metadata[key] = normalize_text(text)
    if garbled := [key for key, value in metadata.items() if not value.isascii() and not _CHINESE.search(value)]:
        written = _info_bytes(data)
        for key in garbled:
            if (text := _chinese(written.get(key, b""))) is not None:
                metadata[key] = normalize_text(text)
    return metadata


def _chinese(raw: bytes) -> str | None:
    for encoding in ("utf-8", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text if _CHINESE.search(text) else None
    return None


def _info_bytes(data: bytes) -> dict[str, bytes]:
    """The Info dictionary's strings as bytes (pdfminer's reading: the trailer and cross-reference
    table only, no page); nothing when it cannot read them."""
    try:
        parsed = PDFDocument(PDFParser(io.BytesIO(data)))
        entries = [{key: resolve1(value) for key, value in entry.items()} for entry in parsed.info]
    except Exception:  # a damaged or hostile trailer only costs the property its second reading
        return {}
    return {key: value for entry in entries for key, value in entry.items() if isinstance(value, bytes)}


@dataclass
class _OcrPages:
    """The pages only their image tells, and whether OCR reads them: found by the scan (no text
    layer, or text that does not decode), or while reading, where PLAYA cannot decode a font that
    pdfium could. OCR's availability is settled at the first such page; each page it reads
    extends the reader's deadline by the time OCR may take over it."""

    path: Path
    limits: ExtractionLimits
    scans: list[_PageScan]
    numbers: list[int] = field(default_factory=list)
    why_not: str | None = None

    def add(self, number: int) -> bool:
        """Record page `number` as one to OCR; whether OCR reads it. The first page's time is
        granted before OCR's availability is settled: that loads its engine (seconds, more on a
        busy machine), which is OCR's time, not the base timeout's; it is taken back if OCR
        cannot run."""
        allowance = self.limits.reading_seconds(1) - self.limits.timeout_seconds
        if not self.numbers:
            deadline.extend(allowance)
            self.why_not = _why_ocr_cannot_read(self.path, self.scans, self.limits)
            if self.why_not is not None:
                deadline.extend(-allowance)
        elif self.why_not is None:
            deadline.extend(allowance)
        self.numbers.append(number)
        return self.why_not is None

    @property
    def found_late(self) -> bool:
        """Whether PLAYA could not decode a page pdfium could: its text on the pages pdfium read
        (those not ruled) is then suspect, and each such page is checked with PLAYA too."""
        return any(not _needs_ocr(self.scans[number - 1]) for number in self.numbers)

    @property
    def read(self) -> int:
        """How many pages OCR reads."""
        return 0 if self.why_not else len(self.numbers)

    @property
    def unread(self) -> tuple[int, ...]:
        return tuple(self.numbers) if self.why_not else ()


def _needs_ocr(scan: _PageScan) -> bool:
    """A scanned page, or one whose text does not decode: only its image tells what it prints."""
    return bool(scan.images and not scan.chars) or scan.undecoded


def _why_ocr_cannot_read(path: Path, scans: list[_PageScan], limits: ExtractionLimits) -> str | None:
    """None when OCR reads the pages without a text layer, else why not and what to do, for the
    pages left unread; an image-only file OCR cannot run on is refused saying why."""
    if not limits.ocr:
        return "OCR is off (--no-ocr); ingest the file again with OCR on"
    problem = ocr_available()
    if problem is None:
        return None
    if not any(scan.text_layer for scan in scans):
        raise ExtractionError(
            "needs_ocr",
            f"{path.name}: {_without_text(scans)} and OCR cannot run here: {problem}; "
            "install yusuan's dependencies (rapidocr, onnxruntime) or supply a text-based PDF.",
        )
    return (
        f"OCR cannot run here ({problem}); install yusuan's dependencies (rapidocr, onnxruntime) "
        "and ingest the file again"
    )


def _refuse_inflating_past(path: Path, data: bytes, bound: int) -> None:
    """Raise too_large for a Flate stream that inflates past `bound`, counted in chunks before any
    reader inflates it whole: pdfium and PLAYA hold a stream in memory at once, so a few MB of
    compressed zeros (a content or XMP metadata bomb) would otherwise take gigabytes. Streams
    under other filters or encryption are not counted here; the reader's memory limit bounds those."""
    for match in _STREAM_START.finditer(data):
        if _inflated_size(data, match.end(), bound) > bound:
            objects = _OBJECT.findall(data, max(0, match.start() - 4096), match.start())
            which = f"object {int(objects[-1])}" if objects else f"the stream at byte {match.end()}"
            raise ExtractionError(
                "too_large",
                f"{path.name}: {which} inflates to more than {bound / 2**20:.0f} MiB, more than a reader can "
                "decode within its memory limit (a decompression bomb, or an unusually large image or page); "
                "if the file is a genuine disclosure, raise the limit (--max-memory).",
            )


def _inflated_size(data: bytes, start: int, bound: int) -> int:
    """Bytes the zlib stream at `start` inflates to, counted up to just past `bound` (0 if none is there)."""
    inflater = zlib.decompressobj()
    view = memoryview(data)
    offset, size = start, 0
    pending: bytes | memoryview = b""
    try:
        while size <= bound and not inflater.eof:
            if not pending:
                if offset >= len(data):
                    break
                pending, offset = view[offset : offset + _INFLATE_CHUNK], offset + _INFLATE_CHUNK
            size += len(inflater.decompress(pending, _INFLATE_CHUNK))
            pending = inflater.unconsumed_tail
    except zlib.error:
        pass
    return size


def _scan(document: pdfium.PdfDocument, index: int) -> _PageScan:
    page = document[index]
    try:
        images = paths = segments = 0
        for obj in page.get_objects():
            if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                images += 1
            elif obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
                paths += 1
                if segments < _RULING_SEGMENTS:
                    segments += max(0, pdfium_c.FPDFPath_CountSegments(obj.raw))
        ruled = segments >= _RULING_SEGMENTS
        text_page = page.get_textpage()
        try:
            chars = text_page.count_chars()
            text = text_page.get_text_range() if chars else ""
            upright = _upright_rotation(text_page, chars, page.get_rotation()) if ruled else None
        finally:
            text_page.close()
        return _PageScan(
            chars=chars,
            images=images,
            paths=paths,
            undecoded=is_undecoded(text),
            ruled=ruled,
            upright_rotation=upright,
            text="" if ruled else text,
        )
    finally:
        page.close()


def _upright_rotation(text_page: pdfium.PdfTextPage, count: int, rotation: int) -> int | None:
    """The /Rotate under which most of the page's characters stand upright, when it is not
    `rotation`, the page's own: a table drawn turned on a page that does not say so (a landscape
    sheet printed onto a portrait page), of its `count` characters. A watermark or a stamp is too few
    characters to count."""
    quarters: Counter[int] = Counter()
    for index in range(0, count, max(1, count // _ANGLE_SAMPLE)):
        if chr(pdfium_c.FPDFText_GetUnicode(text_page.raw, index)).isspace():
            continue
        degrees = degrees_of(pdfium_c.FPDFText_GetCharAngle(text_page.raw, index))
        quarter = round(degrees / 90)
        if abs(degrees - 90 * quarter) <= _ANGLE_TOLERANCE:
            quarters[quarter % 4] += 1
    if not quarters:
        return None
    quarter, standing = quarters.most_common(1)[0]
    upright = (360 - 90 * quarter) % 360
    return upright if standing >= _UPRIGHT_SHARE * quarters.total() and upright != rotation % 360 else None


def _without_text(scans: list[_PageScan]) -> str:
    """What a PDF none of whose pages has a readable text layer is, for messages."""
    if any(scan.undecoded for scan in scans):
        return (
            f"PDF whose text does not decode to characters ({len(scans)} pages: its fonts map their glyphs "
            "to no Unicode, so copied text comes out as symbols)"
        )
    return f"image-only PDF ({len(scans)} pages, no text layer)"


def _reject_without_text_layer(path: Path, scans: list[_PageScan]) -> None:
    if any(scan.text_layer for scan in scans):
        return
    count = len(scans)
    if any(scan.undecoded for scan in scans):
        raise ExtractionError(
            "needs_ocr",
            f"{path.name}: {_without_text(scans)} and OCR is off (--no-ocr); ingest it with OCR on, or supply "
            "a PDF whose text can be copied.",
        )
    if any(scan.images for scan in scans):
        raise ExtractionError(
            "needs_ocr",
            f"{path.name}: image-only PDF ({count} pages, no text layer) and OCR is off (--no-ocr); "
            "ingest it with OCR on, or supply a text-based PDF.",
        )
    if any(scan.paths for scan in scans):
        raise ExtractionError(
            "needs_ocr",
            f"{path.name}: PDF with text drawn as outlines ({count} pages, no text layer); "
            "run OCR first or supply a text-based PDF.",
        )
    raise ExtractionError(
        "empty", f"{path.name}: PDF with nothing printed on its {count} pages; re-download it from the publisher."
    )


def _read_pages(
    path: Path,
    data: bytes,
    document: pdfium.PdfDocument,
    scans: list[_PageScan],
    ocr: _OcrPages,
    started: float,
) -> list[Sequence[TextLine | _Grid | OcrLine | OcrGrid | OcrIllegible]]:
    """Each page's lines and grids, top to bottom; pdfplumber opens only for a page ruled enough for a
    table or whose lines look like a table printed without rules. Reading stops when the time the
    limits allow since `started` (for the pages OCR reads) is up."""
    opened: TablePages | None = None

    def table_page(index: int) -> TablePage:
        nonlocal opened
        if opened is None:
            opened = TablePages(data)
        return opened.page(index, scans[index].upright_rotation)

    def by_ocr(index: int) -> Sequence[OcrLine | OcrGrid | OcrIllegible]:
        try:
            return read_scanned_page(document, index)
        except OcrFailed as error:
            raise ExtractionError(
                "ocr_failed",
                f"{path.name}: page {index + 1} has no readable text layer and OCR could not read it "
                f"({error}); nothing of the file is loaded. It is read again by the next ingest; if it fails "
                "again, check that the page opens and shows a legible scan, or ingest the file "
                "with --no-ocr to record it as needs_ocr.",
            ) from error

    pages: list[Sequence[TextLine | _Grid | OcrLine | OcrGrid | OcrIllegible]] = []
    try:
        for index, scan in enumerate(scans):
            if _needs_ocr(scan):
                pages.append(by_ocr(index) if not ocr.why_not else [])
            elif scan.ruled:
                page = table_page(index)
                try:
                    if _chars_undecoded(page):
                        pages.append(by_ocr(index) if ocr.add(index + 1) else [])
                    else:
                        items = _ruled_page(page)
                        pages.append(_unruled_page(page) if _unruled_tables_likely(items) else items)
                finally:
                    page.close()
            else:
                lines = _plain_page(scan.text)
                if _unruled_tables_likely(lines):
                    page = table_page(index)
                    try:
                        lines = _unruled_page(page)
                    finally:
                        page.close()
                pages.append(lines)
            _within(path, started, ocr, index, len(scans))
        for index, scan in enumerate(scans if ocr.found_late else []):
            if not scan.text_layer or scan.ruled:
                continue
            page = table_page(index)
            try:
                undecoded = _chars_undecoded(page)
            finally:
                page.close()
            if undecoded:
                pages[index] = by_ocr(index) if ocr.add(index + 1) else []
                _within(path, started, ocr, index, len(scans))
    except _PARSE_ERRORS as error:
        raise ExtractionError(
            "corrupt",
            f"{path.name}: page {len(pages) + 1} cannot be parsed ({error!r}); "
            "re-download the PDF or re-export it from the source document.",
        ) from error
    finally:
        if opened is not None:
            opened.close()
    return pages


def _chars_undecoded(page: pdfplumber.page.Page) -> bool:
    """Whether PLAYA cannot decode the page's text although pdfium could (pdfium falls back on an
    embedded font's own glyph map; PLAYA, as pdfminer, gives such a glyph as (cid:N))."""
    return is_undecoded("".join(char["text"] for char in page.chars))


def _within(path: Path, started: float, ocr: _OcrPages, index: int, count: int) -> None:
    """Raise timeout once reading has taken longer than the limits allow a document with this many
    OCR'd pages: the worker's own clock, as the process running it was given time for every page."""
    limits, ocr_pages = ocr.limits, ocr.read
    allowed = limits.reading_seconds(ocr_pages)
    if time.monotonic() - started > allowed:
        each = limits.ocr_seconds_per_page
        scanned = f" ({limits.timeout_seconds:g} s, plus {each:g} s for each page read by OCR: {ocr_pages})"
        scanned = scanned if ocr_pages else ""
        raise ExtractionError(
            "timeout",
            f"{path.name}: not read within {allowed:g} s{scanned} and stopped after page {index + 1} of {count}; "
            + TIMEOUT_ADVICE,
        )


def _plain_page(text: str) -> list[TextLine | _Grid]:
    """Lines of a page that has no ruling, in content-stream order (pdfium's, good for prose)."""
    lines = (clean_line(line) for line in text.splitlines())
    return [TextLine(line, float(number), float(number)) for number, line in enumerate(lines) if line]


def _unruled_tables_likely(items: Sequence[TextLine | _Grid]) -> bool:
    """Whether a page that printed no ruled table prints rows of one without rules: lines ending in
    money after another cell (a contents page's numbers are no money), or one such line under a
    table's title (a "三公" table prints one row)."""
    if any(isinstance(item, _Grid) for item in items):
        return False
    lines = [item.text for item in items if isinstance(item, TextLine)]
    rows = sum(1 for line in lines if len(cells := line.split()) >= 2 and _MONEY_CELL.fullmatch(cells[-1]))
    return rows >= _UNRULED_ROWS or (rows > 0 and any(map(is_title, lines)))


def _unruled_page(page: pdfplumber.page.Page) -> list[TextLine | _Grid]:
    """A page whose tables are printed without rules (or with row rules only): their grids from
    where the words stand, as a scan's are built (extractors.geometry), the rest its lines."""
    words = page.extract_words(x_tolerance=_WORD_X_TOLERANCE, y_tolerance=_WORD_Y_TOLERANCE)
    placed = [Word(normalize_text(w["text"]), 1.0, (w["x0"], w["top"], w["x1"], w["bottom"])) for w in words]
    found = sorted(unruled(placed, 1.0, accept=_a_table, wrap_pitch=_WRAPPED_LINE_PITCH), key=lambda pair: pair[0])
    return _unwrap([_Grid(item.rows, top) if isinstance(item, UnruledGrid) else item for top, item in found])


def _a_table(grid: UnruledGrid) -> bool:
    """Whether a grid the geometry found is a table. Justified prose whose lines end in figures
    lines up like one, but its cells are sentences; a grid printing no money at all (本表(公开 04
    表)反映...) is none either."""
    rows = [cells for _, cells in grid.rows]
    sentences = sum(any(_SENTENCE.search(cell) for cell in cells) for cells in rows)
    money = any(_MONEY_CELL.fullmatch(cell) for cells in rows for cell in cells)
    return money and sentences * _PROSE_SHARE <= len(rows)


def _ruled_page(page: pdfplumber.page.Page) -> list[TextLine | _Grid]:
    """Grids and the lines outside them; a grid's box starts at its first filled row, since some
    producers rule an empty row above the title and print the table's label in it, outside any cell."""
    grids: list[tuple[tuple[float, float, float, float], _Grid]] = []
    headings: list[tuple[tuple[float, float, float, float], _Grid]] = []
    chars = _CharIndex(page.chars)
    for table in _rules_only(page, chars).find_tables():
        rows = table.rows
        extracted = [[None if cell is None else chars.text_within(cell) for cell in row.cells] for row in rows]
        for row, column, box in _overlapping_cells(rows):
            extracted[row][column] = chars.text_within(box)
        x0, top, x1, bottom = table.bbox
        grid = _grid(extracted, [row.bbox[1] for row in rows], _column_widths(rows))
        if grid is not None:
            grids.append(((x0, grid.top, x1, bottom), grid))
        elif (heading := _heading_row(extracted, top)) is not None:
            headings.append(((x0, top, x1, bottom), heading))
    items = _items_outside(page, grids)
    last = max(headings, key=lambda pair: pair[0][3], default=None)
    if last is not None and all(isinstance(i, TextLine) and is_furniture(i.text) for i in items if i.top > last[0][3]):
        return _items_outside(page, [*grids, last])
    return items


def _heading_row(extracted: list[list[str | None]], top: float) -> _Grid | None:
    """A grid of one row of column headings, nothing else: the header of a table whose rows the
    page left for the next one (with its title above: a word processor breaking a table after its
    header row). Kept as a grid only when it ends its page (see _ruled_page)."""
    if len(extracted) != 1:
        return None
    cells = [printed_cell(cell) for cell in extracted[0]]
    filled = [cell for cell in cells if cell]
    if len(filled) < _HEADING_CELLS or any(AMOUNT_CELL.fullmatch(c) or is_caption(c) for c in filled):
        return None
    if is_header_field(" ".join(filled)):  # 编制单位 | 某局 | 金额单位 | 万元: the table's fields, ruled
        return None
    return _Grid(rows=((1, tuple(cells)),), top=top)


def _items_outside(
    page: pdfplumber.page.Page, grids: list[tuple[tuple[float, float, float, float], _Grid]]
) -> list[TextLine | _Grid]:
    """The grids, and the page's lines outside them, top to bottom."""
    boxes = [box for box, _ in grids]

    def outside_tables(obj: dict) -> bool:
        if obj.get("object_type") != "char":
            return True
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    lines = page.filter(outside_tables).extract_text_lines(return_chars=False) if boxes else page.extract_text_lines()
    items: list[TextLine | _Grid] = [grid for _, grid in grids]
    for line in lines:
        text = normalize_text(line["text"]).strip()
        if text:
            items.append(TextLine(text, line["top"], line["bottom"]))
    return _unwrap(sorted(items, key=lambda item: item.top))


def _rules_only(page: pdfplumber.page.Page, chars: _CharIndex) -> pdfplumber.page.Page:
    """The page without the paths that are no rules, whose edges would split cells.

    - Paths that draw nothing: some producers pad each cell with white-filled bands (江苏's
      收入预算总表), which pdfplumber would take for rules splitting a row in three, the label in one
      part, the amount in another; a spreadsheet's borders set to white hide rules the same way.
    - Paths within a character's box: the outline of a glyph printed bold by stroking it, which a
      producer that cannot stroke text (cairo) redraws as paths beside the text, dozens a header.
    """
    paths = (*page.rects, *page.lines, *page.curves)
    dropped = {id(path) for path in paths if not _draws(path) or chars.covers(_box(path))}
    return page.filter(lambda obj: id(obj) not in dropped) if dropped else page


def _box(obj: dict) -> tuple[float, float, float, float]:
    return obj["x0"], obj["top"], obj["x1"], obj["bottom"]


def _draws(path: dict) -> bool:
    """Whether a path shows on a white page: stroked or filled in a colour other than white."""
    return bool(
        (path.get("stroke") and not _white(path.get("stroking_color")))
        or (path.get("fill") and not _white(path.get("non_stroking_color")))
    )


def _white(colour: object) -> bool:
    colour = colour if isinstance(colour, (tuple, list)) else (colour,)
    return tuple(colour) in _WHITE


def _unwrap(items: list[TextLine | _Grid]) -> list[TextLine | _Grid]:
    """Join a title or header field that wrapped onto the next line, judged by the words and by the
    lines being one line-height apart at most."""
    joined: list[TextLine | _Grid] = []
    for item in items:
        previous = joined[-1] if joined else None
        if (
            isinstance(item, TextLine)
            and isinstance(previous, TextLine)
            and item.top - previous.bottom <= 1.2 * (previous.bottom - previous.top)
            and wraps_onto(previous.text, item.text)
        ):
            joined[-1] = TextLine(run_on([previous.text, item.text]), previous.top, item.bottom)
        else:
            joined.append(item)
    return joined


def _overlapping_cells(
    rows: list[pdfplumber.table.CellGroup],
) -> list[tuple[int, int, tuple[float, float, float, float]]]:
    """Cells reaching down over the cells of later rows, each cut at the first of them.

    A caption merged across the grid sometimes lacks the rule under it in a blank margin column,
    so its cell swallows the header rows below, which then would be read twice.
    """
    cut: list[tuple[int, int, tuple[float, float, float, float]]] = []
    for index, row in enumerate(rows):
        for column, cell in enumerate(row.cells):
            if cell is None:
                continue
            x0, top, x1, bottom = cell
            for later in rows[index + 1 :]:
                later_top = later.bbox[1]
                if later_top >= bottom - 1:
                    break
                if later_top > top + 1 and any(
                    other is not None and min(x1, other[2]) - max(x0, other[0]) > 1 for other in later.cells
                ):
                    cut.append((index, column, (x0, top, x1, later_top)))
                    break
    return cut


class _CharIndex:
    """A page's chars sorted by their vertical centre, so that a cell's text is found by bisection.

    pdfplumber's Table.extract scans every char of the page for every row and every cell, which
    costs about a third of reading a table page; the chars chosen, their order and the text laid
    out from them are the same here.
    """

    def __init__(self, chars: list[dict]) -> None:
        self._chars = chars
        middles = (((char["top"] + char["bottom"]) / 2, index) for index, char in enumerate(chars))
        by_middle = sorted(pair for pair in middles if not isnan(pair[0]))  # a NaN is in no cell
        self._middles = [middle for middle, _ in by_middle]
        self._order = [index for _, index in by_middle]
        self._tallest = max((chars[index]["bottom"] - chars[index]["top"] for index in self._order), default=0.0)
        self._widest = max((chars[index]["x1"] - chars[index]["x0"] for index in self._order), default=0.0)

    def covers(self, box: tuple[float, float, float, float]) -> bool:
        """Whether `box` lies within one character's box (to half a point)."""
        x0, top, x1, bottom = box
        if bottom - top > self._tallest or x1 - x0 > self._widest:
            return False
        chars = self._chars
        start = bisect_left(self._middles, top - self._tallest)
        end = bisect_left(self._middles, bottom + self._tallest)
        return any(
            chars[index]["x0"] - _IN_GLYPH <= x0
            and x1 <= chars[index]["x1"] + _IN_GLYPH
            and chars[index]["top"] - _IN_GLYPH <= top
            and bottom <= chars[index]["bottom"] + _IN_GLYPH
            for index in self._order[start:end]
        )

    def text_within(self, box: tuple[float, float, float, float]) -> str:
        """The text of the chars centred in `box` (left and top edges in, right and bottom out), laid
        out as pdfplumber lays out a cell."""
        x0, top, x1, bottom = box
        if not top < bottom:  # empty, or NaN
            return ""
        chars = self._chars
        band = self._order[bisect_left(self._middles, top) : bisect_left(self._middles, bottom)]
        inside = sorted(index for index in band if x0 <= (chars[index]["x0"] + chars[index]["x1"]) / 2 < x1)
        return extract_text([chars[index] for index in inside]) if inside else ""


def _column_widths(rows: list[pdfplumber.table.CellGroup]) -> list[float]:
    """Each grid column's width, from its unmerged cells (0 when every cell of it is merged)."""
    widths: list[list[float]] = []
    for row in rows:
        for index, cell in enumerate(row.cells):
            while len(widths) <= index:
                widths.append([])
            if cell is not None:
                widths[index].append(cell[2] - cell[0])
    return [min(found, default=0.0) for found in widths]


def _grid(extracted: list[list[str | None]], tops: list[float], widths: list[float]) -> _Grid | None:
    """Cells as printed, spans as ''. Rows blank throughout, and blank columns too narrow to print a
    figure in, are ruling artefacts; a blank column of full width is a column with nothing to say on
    this page (事业收入 on a continuation page), kept so that columns line up with the page before.
    A single row that prints an amount (a 合计 alone on its page) is a table row too."""
    width = max((len(row) for row in extracted), default=0)
    rows = [[printed_cell(cell) for cell in row] + [""] * (width - len(row)) for row in extracted]
    kept_columns = [
        index
        for index in range(width)
        if any(row[index] for row in rows) or (index < len(widths) and widths[index] >= MIN_COLUMN_WIDTH)
    ]
    kept = tuple(
        (number, tuple(row[index] for index in kept_columns)) for number, row in enumerate(rows, start=1) if any(row)
    )
    single_amount_row = len(kept) == 1 and any(AMOUNT_CELL.fullmatch(cell) for cell in kept[0][1])
    if (len(kept) < 2 and not single_amount_row) or len(kept_columns) < 2:
        return None
    return _Grid(rows=kept, top=tops[kept[0][0] - 1])


def _assemble(
    path: Path,
    document_id: str,
    pages: list[Sequence[TextLine | _Grid | OcrLine | OcrGrid | OcrIllegible]],
    metadata: dict[str, str],
) -> ExtractedDocument:
    """Title each grid from the lines above it on its page (see extractors.layout)."""
    laid_out = [
        Page(
            [_laid_out(item) for item in items if not isinstance(item, OcrIllegible)],
            number,
            read_by_ocr=any(isinstance(item, OcrLine | OcrGrid) for item in items),
        )
        for number, items in enumerate(pages, start=1)
    ]
    return assemble(path, document_id, "pdf", laid_out, metadata, len(pages))


def _laid_out(item: TextLine | _Grid | OcrLine | OcrGrid) -> str | Block:
    if isinstance(item, TextLine | OcrLine):
        return item.text
    if isinstance(item, OcrGrid):
        return item.block
    return Block(item.rows)
