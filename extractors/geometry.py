"""Tables printed without rules, read from where their words stand: rows from lines of text,
columns from the boxes of the data rows that line up, header cells and wrapped labels joined, so
that such a table becomes the grid a ruled print gives. Words come from OCR (a scan's readings,
each with its confidence) or from a PDF's text layer (exact, confidence 1); the measures are
shares of the words' own height, so pixels and points read alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from extractors.layout import AMOUNT_CELL, is_caption, is_furniture, printed_cell
from extractors.model import OcrCell
from extractors.textlayer import clean_line

Box = tuple[float, float, float, float]
# Readings overlapping vertically by this share of the smaller one's height are one line.
_SAME_LINE = 0.5
# Unruled tables: readings of a line closer than this share of their height are one cell's words;
# header readings of a column whose centres are less than _WRAP_PITCH of their height apart are
# one wrapped cell (a cell's lines are closer than an OCR box is high, rows further; see `unruled`
# for text layers); a line of one cell this share of a row's pitch from a data row is a wrapped
# part of it; lines further apart than this many pitches are not one table.
_WORD_GAP = 0.4
_WRAP_PITCH = 1.0
_WRAPPED = 0.5
_TABLE_GAP = 3.0
_HEADER_LINES = 5
# A reading whose characters stand further apart than this share of its height each is cells the
# detector ran together (款 项 under one box).
_SPREAD = 1.4


@dataclass(frozen=True)
class Word:
    """A run of text and where it stands: x0, top, x1, bottom (pixels of a straightened scan, or
    points), with the confidence it was read with."""

    text: str
    score: float
    box: Box


@dataclass(frozen=True)
class TextLine:
    """A line of text outside any table."""

    text: str
    top: float
    bottom: float


@dataclass(frozen=True)
class UnruledGrid:
    """A table printed without rules: rows as (row number, cells), each row's cells as read, its top."""

    rows: tuple[tuple[int, tuple[str, ...]], ...]
    cells: dict[int, tuple[OcrCell, ...]]
    top: float


# Reads a cell's one line again from the cell's left edge (OCR), given the cell's box and the line.
Reread = Callable[[Box, list[Word]], Word]


def unruled(
    readings: list[Word],
    scale: float,
    reread: Reread | None = None,
    accept: Callable[[UnruledGrid], bool] | None = None,
    wrap_pitch: float = _WRAP_PITCH,
) -> list[tuple[float, TextLine | UnruledGrid]]:
    """Readings outside ruled tables: runs of lines holding amounts in several columns are a table
    printed without rules (with the header lines above them), the rest lines of text. A grid that
    `accept` refuses stays lines of text, each where it was printed. Header lines of a column less
    than `wrap_pitch` of their height apart are one wrapped cell: a text layer's word boxes are the
    font's size, so its wrapped lines stand further apart in heights than OCR boxes' do."""
    lines = [_words_joined(line) for line in lines_of(readings)]
    items: list[tuple[float, TextLine | UnruledGrid]] = []
    taken: set[int] = set()
    for first, last in _table_runs(lines):
        start = _header_start(lines, first)
        grid = _unruled_grid(lines[start:first], lines[first : last + 1], scale, reread, wrap_pitch)
        if grid is not None and (accept is None or accept(grid)):
            items.append((grid.top, grid))
            taken.update(range(start, last + 1))
    for index, line in enumerate(lines):
        text = clean_line(" ".join(r.text for r in line))
        if text and index not in taken:
            top, bottom = min(r.box[1] for r in line) * scale, max(r.box[3] for r in line) * scale
            items.append((top, TextLine(text, top, bottom)))
    return items


def _height(reading: Word) -> float:
    return reading.box[3] - reading.box[1]


def _mid(reading: Word) -> float:
    return (reading.box[1] + reading.box[3]) / 2


def _words_joined(line: list[Word]) -> list[Word]:
    """A line's readings with those the detector split at a space inside one cell (合 计) joined."""
    joined = [line[0]]
    for reading in line[1:]:
        last = joined[-1]
        if reading.box[0] - last.box[2] < _WORD_GAP * min(_height(last), _height(reading)) and not (
            AMOUNT_CELL.fullmatch(last.text) or AMOUNT_CELL.fullmatch(reading.text)
        ):
            joined[-1] = Word(
                f"{last.text} {reading.text}", min(last.score, reading.score), union([last.box, reading.box])
            )
        else:
            joined.append(reading)
    return joined


def _is_row(line: list[Word]) -> bool:
    """A line a table prints: several cells, one of them an amount, and no caption or page number.
    A line ending in an amount is a row however long (一、一般公共预算资金 96,744,694.82
    一、社会保障和就业支出 ... reads as long as prose); prose ends in words."""
    text = " ".join(r.text for r in line)
    return (
        len(line) >= 2
        and any(AMOUNT_CELL.fullmatch(r.text) for r in line)
        and not is_furniture(text)
        and (AMOUNT_CELL.fullmatch(line[-1].text) is not None or not is_caption(text))
    )


def _pitch(lines: list[list[Word]]) -> float:
    """The usual distance between the centres of consecutive lines."""
    centres = [_centre(line) for line in lines]
    gaps = [b - a for a, b in pairwise(centres)]
    heights = [_height(r) for line in lines for r in line]
    return float(np.median(gaps)) if gaps else 2 * float(np.median(heights))


def _centre(line: list[Word]) -> float:
    return (min(r.box[1] for r in line) + max(r.box[3] for r in line)) / 2


def _table_runs(lines: list[list[Word]]) -> list[tuple[int, int]]:
    """(first, last) line of each run of table rows: lines between two rows belong to the run unless
    they are captions or prose, or a gap of several rows' pitch parts them."""
    rows = [index for index, line in enumerate(lines) if _is_row(line)]
    if not rows:
        return []
    pitch = _pitch([lines[i] for i in rows])
    runs: list[tuple[int, int]] = []
    first = last = rows[0]
    for index in rows[1:]:
        between = lines[last + 1 : index]
        apart = _centre(lines[index]) - _centre(lines[last]) > _TABLE_GAP * pitch * (len(between) + 1)
        if apart or any(is_caption(" ".join(r.text for r in line)) for line in between):
            runs.append((first, last))
            first = index
        last = index
    runs.append((first, last))
    return runs


def _header_start(lines: list[list[Word]], first: int) -> int:
    """The first header line above a run's first row: lines going up until a caption, a row of a
    table above, or a gap wider than a few lines."""
    start = first
    while start > 0 and first - start < _HEADER_LINES:
        line = lines[start - 1]
        if _is_row(line) or is_caption(" ".join(r.text for r in line)):
            break
        if _centre(lines[start]) - _centre(line) > _TABLE_GAP * max(_height(r) for r in line):
            break
        start -= 1
    return start


def _overlaps(box: Box, span: tuple[float, float]) -> bool:
    return min(box[2], span[1]) - max(box[0], span[0]) > 0


def _column_spans(body: list[Word], header: list[Word]) -> list[tuple[float, float]]:
    """The columns' x ranges: the body's boxes that overlap, narrowest first, so that a label
    spanning columns (a 合计 over the code columns) joins none; then header boxes over no column
    (a column this page leaves blank)."""
    spans: list[tuple[float, float]] = []
    for group in (body, header):
        for reading in sorted(group, key=lambda r: r.box[2] - r.box[0]):
            hits = [i for i, span in enumerate(spans) if _overlaps(reading.box, span)]
            if not hits:
                spans.append((reading.box[0], reading.box[2]))
            elif len(hits) == 1 and group is body:
                x0, x1 = spans[hits[0]]
                spans[hits[0]] = (min(x0, reading.box[0]), max(x1, reading.box[2]))
    return sorted(spans)


def _placed(reading: Word, spans: list[tuple[float, float]]) -> list[tuple[int, Word]]:
    """The column(s) a reading belongs to: the one it overlaps, or the first of several (a merged
    cell reads into its left cell), unless its words or spread-out characters fall one to each
    (cells the detector ran together)."""
    hits = [i for i, span in enumerate(spans) if _overlaps(reading.box, span)]
    if not hits:
        centre = (reading.box[0] + reading.box[2]) / 2
        hits = [min(range(len(spans)), key=lambda i: abs((spans[i][0] + spans[i][1]) / 2 - centre))]
    words = reading.text.split()
    if len(words) != len(hits):
        spread = reading.box[2] - reading.box[0] > _SPREAD * len(hits) * _height(reading)
        words = list(reading.text) if spread and len(reading.text) == len(hits) else []
    if len(hits) < 2 or not words:
        return [(hits[0], reading)]
    x0, top, x1, bottom = reading.box
    return [
        (i, Word(word, reading.score, (max(x0, spans[i][0]), top, min(x1, spans[i][1]), bottom)))
        for i, word in zip(hits, words, strict=True)
    ]


def _unruled_grid(
    header: list[list[Word]], body: list[list[Word]], scale: float, reread: Reread | None, wrap_pitch: float
) -> UnruledGrid | None:
    """The grid of a table printed without rules. Body rows are the lines with several cells, a line
    of one cell near one of them being a wrapped part of its label; header rows are the header's
    lines, a header cell's wrapped lines being one cell. A cell starting right of its column's left
    edge is read again from that edge by `reread`, as a ruled cell is (a leading 一、 the detector
    missed)."""
    spans = _column_spans([r for line in body if _is_row(line) for r in line], [r for line in header for r in line])
    if len(spans) < 2:
        return None
    pitch = _pitch([line for line in body if len(line) > 1] or body)
    rows: list[list[list[Word]]] = []
    anchors: list[float] = []
    for line in body:
        centre = _centre(line)
        near = min(range(len(anchors)), key=lambda i: abs(anchors[i] - centre), default=None)
        if len(line) == 1 and near is not None and abs(anchors[near] - centre) < _WRAPPED * pitch:
            rows[near].append(line)
            continue
        rows.append([line])
        anchors.append(centre)
    grid_rows = [*_header_rows(header, spans, wrap_pitch), *([r for line in row for r in line] for row in rows)]
    numbered: list[tuple[int, tuple[str, ...]]] = []
    ocr: dict[int, tuple[OcrCell, ...]] = {}
    for number, readings in enumerate(grid_rows, start=1):
        cells: dict[int, list[Word]] = {}
        for reading in readings:
            for column, part in _placed(reading, spans):
                cells.setdefault(column, []).append(part)
        texts = [""] * len(spans)
        read: list[OcrCell] = []
        for column in sorted(cells):
            held = cells[column]
            if reread is not None and len(lines := lines_of(held)) == 1:
                _, top, x1, bottom = union(r.box for r in held)
                held = [reread((spans[column][0], top, x1, bottom), lines[0])]
            texts[column] = printed_cell("\n".join(" ".join(r.text for r in line) for line in lines_of(held)))
            box = tuple(round(v * scale, 1) for v in union(r.box for r in held))
            read.append(OcrCell(texts[column], round(min(r.score for r in held), 4), box))  # type: ignore[arg-type]
        if any(texts):
            numbered.append((number, tuple(texts)))
            ocr[number] = tuple(read)
    top = min(r.box[1] for line in [*header, *body] for r in line) * scale
    return UnruledGrid(tuple(numbered), ocr, top)


def _header_rows(header: list[list[Word]], spans: list[tuple[float, float]], wrap_pitch: float) -> list[list[Word]]:
    return lines_of(_wraps_joined([r for line in header for r in line], spans, wrap_pitch))


def _wraps_joined(readings: list[Word], spans: list[tuple[float, float]], wrap_pitch: float) -> list[Word]:
    """Header readings of one column a wrapped line apart joined into one cell, its lines kept."""
    joined: list[Word] = []
    for reading in sorted(readings, key=lambda r: r.box[1]):
        column = _placed(reading, spans)[0][0]
        above = next(
            (
                i
                for i, other in enumerate(joined)
                if _placed(other, spans)[0][0] == column
                and 0 < _mid(reading) - _mid(other) < wrap_pitch * _height(reading)
                and _overlaps(reading.box, (other.box[0], other.box[2]))
            ),
            None,
        )
        if above is None:
            joined.append(reading)
        else:
            other = joined[above]
            joined[above] = Word(
                f"{other.text}\n{reading.text}", min(other.score, reading.score), union([other.box, reading.box])
            )
    return joined


def union(boxes: Iterable[Box]) -> Box:
    listed = list(boxes)
    return (
        min(b[0] for b in listed),
        min(b[1] for b in listed),
        max(b[2] for b in listed),
        max(b[3] for b in listed),
    )


def lines_of(readings: list[Word]) -> list[list[Word]]:
    """Readings grouped into lines (boxes overlapping vertically by half their height), each left to right."""
    lines: list[list[Word]] = []
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
