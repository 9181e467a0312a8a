"""Reading a PDF page that has no text layer (a scan) with OCR, into the lines and grids the PDF
reader finds on a text page.

The page is rendered grey at RENDER_DPI, straightened by the angle of its ruling lines, and read by
rapidocr (PP-OCR models shipped in its wheel, run by onnxruntime on the CPU, offline). The table's
cells come from the ruling itself: the regions the horizontal and vertical rules enclose, a merged
cell being one region that pdfplumber would read into its top-left cell, so a scanned table
splits into the rows and columns its text-layer print would. Each cell keeps its reading's
confidence and its box, for the arithmetic to decide later what can be trusted.

rapidocr and OpenCV are imported on first use: where they are missing, text PDFs still read and a
scan is needs_ocr, saying why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pypdfium2 as pdfium

from extractors.layout import AMOUNT_CELL, Block, printed_cell
from extractors.model import OcrCell, grant_fixed_memory
from extractors.textlayer import clean_line, normalize_text

# PP-OCR's detector works on text 20-40 px high; 200 dpi gives a 9-10 pt table font about 28 px.
RENDER_DPI = 200
POINTS_PER_INCH = 72
_MAX_SKEW_DEGREES = 5.0
# A rule is at least this share of the page's width (horizontal) or a table row's height (vertical).
_RULE_SHARE = 40
_MIN_CELL_PX = 8
_SAME_LINE = 0.5
# Readings scored below this are recognised again from their own box.
_REREAD_BELOW = 0.95
_PAD = 4
# A page larger than A2 is rendered at a lower resolution, so one page's bitmap stays bounded.
_MAX_PIXELS = 4 * 1654 * 2339

_Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class _Reading:
    text: str
    score: float
    box: _Box  # x0, top, x1, bottom in pixels of the straightened page


@dataclass(frozen=True)
class OcrLine:
    """A line of text outside any table: what the PDF reader's text lines are."""

    text: str
    top: float


@dataclass(frozen=True)
class OcrGrid:
    """A ruled table read by OCR, as a layout Block (with each row's OCR'd cells) and its top."""

    block: Block
    top: float


class OcrUnavailable(Exception):
    """rapidocr or its models cannot be loaded here; the page stays unread (needs_ocr)."""


@cache
def _engine() -> Any:
    try:
        from rapidocr import RapidOCR
    except ImportError as error:
        raise OcrUnavailable(f"rapidocr is not installed ({error})") from error
    try:
        engine = RapidOCR(params={"Global.log_level": "error"})
    except Exception as error:  # a missing model file or a broken onnxruntime surfaces here in many forms
        raise OcrUnavailable(f"rapidocr cannot load its models ({error!r})") from error
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    return engine


def _recognise(crop: np.ndarray) -> Any:
    """Recognition alone on a crop; every call states its steps, as the engine keeps the last call's."""
    return _engine()(crop, use_det=False, use_cls=False, use_rec=True)


def ocr_available() -> str | None:
    """None when OCR can run, else why not (said in a needs_ocr reason)."""
    try:
        _engine()
    except OcrUnavailable as error:
        return str(error)
    return None


@cache
def _ocr_allowance() -> None:
    """The first OCR page in a worker: OCR's engine and onnxruntime's buffers (~500 MiB) are
    granted on top of the memory cap, like the expectation suite's."""
    grant_fixed_memory(
        lambda: _engine()(np.full((2339, 1654), 255, np.uint8), use_det=True, use_cls=False, use_rec=True)
    )


def read_scanned_page(document: pdfium.PdfDocument, index: int) -> list[OcrLine | OcrGrid]:
    """The page's lines and grids top to bottom, positions in PDF points from the page's top."""
    import cv2

    _ocr_allowance()
    page = document[index]
    try:
        width, height = page.get_size()
        scale = min(RENDER_DPI / POINTS_PER_INCH, (_MAX_PIXELS / max(1.0, width * height)) ** 0.5)
        pixels = page.render(scale=scale, grayscale=True, may_draw_forms=False).to_numpy()
        image = np.ascontiguousarray(pixels[:, :, 0] if pixels.ndim == 3 else pixels)
    finally:
        page.close()
    ink = cv2.adaptiveThreshold(image, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    angle = _skew(ink)
    if angle:
        image = _rotated(image, angle, 255)
        ink = cv2.adaptiveThreshold(image, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    readings = _read(image)
    grids = _tables(ink)
    return _items(image, readings, grids, 1 / scale)


def _skew(ink: np.ndarray) -> float:
    """The page's tilt in degrees from its long near-horizontal rules (0 on a page without any)."""
    import cv2

    width = ink.shape[1]
    lines = cv2.HoughLinesP(ink, 1, np.pi / 1800, threshold=width // 4, minLineLength=width // 4, maxLineGap=8)
    if lines is None:
        return 0.0
    angles = [
        float(np.degrees(np.arctan2(y1 - y0, x1 - x0)))
        for x0, y0, x1, y1 in lines.reshape(-1, 4)
        if abs(np.degrees(np.arctan2(y1 - y0, x1 - x0))) < _MAX_SKEW_DEGREES
    ]
    return float(np.median(angles)) if angles else 0.0


def _rotated(image: np.ndarray, angle: float, fill: int) -> np.ndarray:
    import cv2

    height, width = image.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=fill)


def _read(image: np.ndarray) -> list[_Reading]:
    result = _engine()(image, use_det=True, use_cls=False, use_rec=True)
    if result.boxes is None:
        return []
    readings = []
    for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
        xs, ys = [float(p[0]) for p in quad], [float(p[1]) for p in quad]
        reading = _Reading(normalize_text(text).strip(), float(score), (min(xs), min(ys), max(xs), max(ys)))
        if reading.score < _REREAD_BELOW:
            reading = _reread(image, reading)
        if reading.text:
            readings.append(reading)
    return readings


def _reread(image: np.ndarray, reading: _Reading) -> _Reading:
    """A doubtful reading recognised again from its box alone, a little padded: on the whole page
    the detector's crop can clip a glyph (0 read as ε); the better-scored reading is kept."""
    x0, top, x1, bottom = (int(v) for v in reading.box)
    crop = image[max(0, top - _PAD) : bottom + _PAD, max(0, x0 - _PAD) : x1 + _PAD]
    result = _recognise(crop)
    if not result.txts or float(result.scores[0]) <= reading.score:
        return reading
    return _Reading(normalize_text(result.txts[0]).strip(), float(result.scores[0]), reading.box)


@dataclass(frozen=True)
class _Table:
    box: _Box
    rows: list[float]  # y of each horizontal rule, top to bottom
    columns: list[float]  # x of each vertical rule, left to right
    cells: list[_Box]  # the regions the rules enclose (a merged cell is one)


def _tables(ink: np.ndarray) -> list[_Table]:
    """Ruled tables on the page: rules found by opening the ink with long thin kernels, cells as the
    connected regions between them."""
    import cv2

    width = ink.shape[1]
    long_across = cv2.getStructuringElement(cv2.MORPH_RECT, (width // _RULE_SHARE, 1))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, long_across)
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 25)))
    rules = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    tables = []
    for label in range(1, count):
        x, y, w, h, _ = stats[label]
        if w < width // 4 or h < 3 * _MIN_CELL_PX:
            continue
        region = rules[y : y + h, x : x + w]
        tables.append(_table(region, horizontal[y : y + h, x : x + w], vertical[y : y + h, x : x + w], x, y))
    return [t for t in tables if len(t.rows) >= 2 and len(t.columns) >= 2]


def _table(region: np.ndarray, horizontal: np.ndarray, vertical: np.ndarray, x: int, y: int) -> _Table:
    import cv2

    height, width = region.shape
    rows = [y + v for v in _rule_positions(horizontal.sum(axis=1) / 255, width / 3)]
    columns = [x + v for v in _rule_positions(vertical.sum(axis=0) / 255, _MIN_CELL_PX * 2)]
    count, _, stats, _ = cv2.connectedComponentsWithStats(255 - region, connectivity=4)
    cells = [
        (float(x + cx), float(y + cy), float(x + cx + cw), float(y + cy + ch))
        for cx, cy, cw, ch, _ in stats[1:count]
        if cw >= _MIN_CELL_PX and ch >= _MIN_CELL_PX and cx > 0 and cy > 0 and cx + cw < width and cy + ch < height
    ]
    return _Table((float(x), float(y), float(x + width), float(y + height)), rows, columns, cells)


def _rule_positions(profile: np.ndarray, least: float) -> list[float]:
    """Centres of the runs of a projection profile at least `least` strong: one per rule."""
    strong = profile >= least
    positions: list[float] = []
    start = None
    for index, on in enumerate([*strong, False]):
        if on and start is None:
            start = index
        elif not on and start is not None:
            positions.append((start + index - 1) / 2)
            start = None
    return positions


def _items(image: np.ndarray, readings: list[_Reading], tables: list[_Table], scale: float) -> list[OcrLine | OcrGrid]:
    items: list[tuple[float, OcrLine | OcrGrid]] = []
    outside = list(readings)
    for table in sorted(tables, key=lambda t: t.box[1]):
        inside = [r for r in outside if _centre_in(r.box, table.box)]
        outside = [r for r in outside if not _centre_in(r.box, table.box)]
        grid = _grid(image, table, inside, scale)
        if grid is not None:
            items.append((grid.top, grid))
    for line in _lines(outside):
        text = clean_line(" ".join(r.text for r in line))
        if text:
            top = min(r.box[1] for r in line) * scale
            items.append((top, OcrLine(text, top)))
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]


def _centre_in(box: _Box, area: _Box) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return area[0] <= x <= area[2] and area[1] <= y <= area[3]


def _index(position: float, rules: list[float]) -> int:
    """The band between rules that `position` (a cell's top or left edge) starts in."""
    return max(0, sum(rule <= position + _MIN_CELL_PX / 2 for rule in rules) - 1)


def _grid(image: np.ndarray, table: _Table, readings: list[_Reading], scale: float) -> OcrGrid | None:
    width = len(table.columns) - 1
    cells: dict[tuple[int, int], list[_Reading]] = {}
    for cell in table.cells:
        held = [r for r in readings if _centre_in(r.box, cell)]
        if held and len(lines := _lines(held)) == 1:
            held = [_with_lead(image, cell, lines[0])]
        if held:
            cells[(_index(cell[1], table.rows), _index(cell[0], table.columns))] = held
    rows: list[tuple[int, tuple[str, ...]]] = []
    ocr: dict[int, tuple[OcrCell, ...]] = {}
    for row in sorted({r for r, _ in cells}):
        number = int(row) + 1
        texts = [""] * width
        read: list[OcrCell] = []
        for column in range(width):
            held = cells.get((row, column), [])
            if not held:
                continue
            text = printed_cell("\n".join(" ".join(r.text for r in line) for line in _lines(held)))
            texts[column] = text
            box = tuple(round(v * scale, 1) for v in _union(r.box for r in held))
            read.append(OcrCell(text, round(min(r.score for r in held), 4), box))  # type: ignore[arg-type]
        if any(texts):
            rows.append((number, tuple(texts)))
            ocr[number] = tuple(read)
    if len(rows) < 2 or width < 2:
        return None
    top = min(r.box[1] for held in cells.values() for r in held) * scale
    return OcrGrid(Block(tuple(rows), ocr=ocr), top)


def _with_lead(image: np.ndarray, cell: _Box, line: list[_Reading]) -> _Reading:
    """A cell's one line of readings as one, re-read from the cell's left edge when the detector
    may have missed or split its start (an enumeration such as 一、, whose stroke reads as a rule,
    or 三 apart from its 、); the re-reading is kept when it ends as the line did and adds to it.
    Amounts are read whole and kept as read."""
    x0, top, x1, bottom = _union(r.box for r in line)
    joined = _Reading("".join(r.text for r in line), min(r.score for r in line), (x0, top, x1, bottom))
    if AMOUNT_CELL.fullmatch(joined.text) or (len(line) == 1 and x0 - cell[0] < bottom - top):
        return line[0] if len(line) == 1 else _Reading(" ".join(r.text for r in line), joined.score, joined.box)
    crop = image[max(0, int(top) - _PAD) : int(bottom) + _PAD, int(cell[0]) + _PAD : int(x1) + _PAD]
    result = _recognise(crop)
    text = normalize_text(result.txts[0]).strip() if result.txts else ""
    if len(text) < len(joined.text) or not text.endswith(line[-1].text):
        return line[0] if len(line) == 1 else _Reading(" ".join(r.text for r in line), joined.score, joined.box)
    return _Reading(text, min(joined.score, float(result.scores[0])), (cell[0] + _PAD, top, x1, bottom))


def _union(boxes: Any) -> _Box:
    listed = list(boxes)
    return (
        min(b[0] for b in listed),
        min(b[1] for b in listed),
        max(b[2] for b in listed),
        max(b[3] for b in listed),
    )


def _lines(readings: list[_Reading]) -> list[list[_Reading]]:
    """Readings grouped into lines (boxes overlapping vertically by half their height), each left to right."""
    lines: list[list[_Reading]] = []
    for reading in sorted(readings, key=lambda r: (r.box[1] + r.box[3]) / 2):
        if lines:
            last = lines[-1]
            top, bottom = min(r.box[1] for r in last), max(r.box[3] for r in last)
            overlap = min(bottom, reading.box[3]) - max(top, reading.box[1])
            if overlap >= _SAME_LINE * min(bottom - top, reading.box[3] - reading.box[1]):
                last.append(reading)
                continue
        lines.append([reading])
    return [sorted(line, key=lambda r: r.box[0]) for line in lines]
