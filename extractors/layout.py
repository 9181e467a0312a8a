"""From what a reader found (lines of text and grids of cells, in reading order) to RawTables.

Every reader ends here, so a table is titled, given its unit and context lines, told apart from a
continuation, and stripped of the captions ruled into its top rows by one set of rules, whatever the
file's format: the rules of the text extractor, with the PDF reader's one addition that a title
counts only when printed on its table's own page (a workbook's sheet is such a page).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from extractors.model import ExtractedDocument, OcrCell, RawRow, RawTable, narrative_places
from extractors.textlayer import (
    clean_cell,
    heading_key,
    is_header_field,
    is_label,
    is_narrative,
    is_title,
    lines_unit,
    repeats_heading,
    run_on,
    spacing_aside,
    stated_unit,
    title_and_fields,
    wraps_onto,
)

_PAGE_NUMBER = re.compile(
    r"[-—–―─━_·•.\s]*\d{1,4}[-—–―─━_·•.\s]*"
    r"|第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|共\s*\d+\s*页\s*[,，/]?\s*第\s*\d+\s*页"
    r"|\d+\s*/\s*\d+"
    r"|page\s*\d+(\s*of\s*\d+)?",
    re.IGNORECASE,
)
AMOUNT = re.compile(r"[-+]?[\d,]*\.?\d+%?")
AMOUNT_CELL = re.compile(r"-?\d{1,3}(,\d{3})*(\.\d+)?|-?\d+\.\d+")
_CAPTION_ROWS = 4
# A line printed at the top or foot of this many pages is a running head or foot.
_RUNNING_PAGES = 3
_NUMBER = re.compile(r"\d+")
# Sheet names that say nothing of what the sheet holds (Sheet1, 工作表2, 表3).
_GENERIC_SHEET = re.compile(r"(sheet|工作表|表|chart|图表)\s*\d*", re.IGNORECASE)

Rows = tuple[tuple[int, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Block:
    """A grid found in the file, before titling: rows as (row number as the file counts them,
    cells), each cell's lines joined by newlines. `where` names it for provenance ('sheet 表1',
    'table 3'); None gives a PDF page's naming ('page 4', 'page 4, table 2'). `by_row` makes the
    table's position its first row's, for sources where one name covers many tables (a sheet).
    `ocr` gives, by row number, the cells OCR read (a scanned page's grid)."""

    rows: Rows
    where: str | None = None
    by_row: bool = False
    ocr: Mapping[int, tuple[OcrCell, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    """What one page (a PDF page, a sheet, a whole web page or Word document) holds, top to bottom:
    lines of text and grids. `number` is the printed page, None where the format has no pages;
    `name` (a sheet's) titles the page's one table when it prints no title of its own;
    `read_by_ocr` says its text came from a scan."""

    items: Sequence[str | Block]
    number: int | None = None
    name: str | None = None
    read_by_ocr: bool = False


def printed_cell(text: str | None) -> str:
    """A cell's lines as printed, each cleaned; they are joined once the cell is known to be data."""
    if not text:
        return ""
    return "\n".join(
        line
        for line in (clean_cell(part) for part in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
        if line
    )


def grid_block(rows: Sequence[tuple[int, Sequence[str]]], where: str, by_row: bool = False) -> Block | None:
    """A grid of printed cells (spans blank but in their top-left cell) as a Block: rows and columns
    blank throughout dropped, as nothing printed them; None when too little is left to be a table
    (fewer than two columns, or a single row printing no amount), like a PDF grid of one caption."""
    width = max((len(cells) for _, cells in rows), default=0)
    padded = [(number, [*cells, *[""] * (width - len(cells))]) for number, cells in rows]
    filled = [(number, cells) for number, cells in padded if any(cells)]
    columns = [index for index in range(width) if any(cells[index] for _, cells in filled)]
    kept = tuple((number, tuple(cells[index] for index in columns)) for number, cells in filled)
    one_amount_row = len(kept) == 1 and any(AMOUNT_CELL.fullmatch(cell) for cell in kept[0][1])
    if (len(kept) < 2 and not one_amount_row) or len(columns) < 2:
        return None
    return Block(kept, where, by_row)


def block_lines(rows: Sequence[tuple[int, Sequence[str]]]) -> list[str]:
    """A grid too small to be a table read as the lines it prints: one line a row, cells run on."""
    lines = []
    for _, cells in rows:
        filled = [cell for cell in cells if cell]
        if len(filled) == 1:
            lines.extend(filled[0].split("\n"))
        elif filled:
            lines.append(" ".join(run_on(cell.split("\n")) for cell in filled))
    return lines


def captions(rows: Rows, untitled: bool) -> tuple[list[str], list[tuple[int, tuple[str, ...]]]]:
    """Split off the title, label and header fields that the producer ruled into the top of the grid.

    They come as a row spanning the grid (one cell, maybe of several lines: title, '公开表一',
    '部门：XX 单位：万元') or as a row of a few field cells; they read like the lines above a table,
    so they are returned as lines and titled alike. The longest run of leading rows that holds
    nothing else is taken.
    """
    rows_ = list(rows)
    for count in range(min(len(rows_) - 1, _CAPTION_ROWS), 0, -1):
        lines = _caption_lines(rows_[:count], untitled)
        if lines is not None:
            return lines, _data_rows(rows_[count:], rows_[:count])
    return [], _data_rows(rows_, [])


def _data_rows(
    rows: list[tuple[int, tuple[str, ...]]], caption_rows: list[tuple[int, tuple[str, ...]]]
) -> list[tuple[int, tuple[str, ...]]]:
    """Cells joined, less the columns that only the captions filled."""
    joined = [(number, tuple(run_on(cell.split("\n")) for cell in cells)) for number, cells in rows]
    width = len(joined[0][1]) if joined else 0
    captioned = {index for _, cells in caption_rows for index, cell in enumerate(cells) if cell}
    kept = [index for index in range(width) if index not in captioned or any(cells[index] for _, cells in joined)]
    if len(kept) == width:
        return joined
    return [(number, tuple(cells[index] for index in kept)) for number, cells in joined]


def _caption_lines(rows: list[tuple[int, tuple[str, ...]]], untitled: bool) -> list[str] | None:
    """The rows' lines if they hold only captions, else None.

    Word tables sometimes break a field line over two rows of narrow cells ('单位：万' above '元'):
    when no line then states the unit, the fields are read column by column instead.
    """
    lines: list[str] = []
    for _, cells in rows:
        filled = [cell for cell in cells if cell]
        if any(AMOUNT.fullmatch(line) for cell in filled for line in cell.split("\n")):
            return None
        texts = filled[0].split("\n") if len(filled) == 1 else [" ".join(run_on(c.split("\n")) for c in filled)]
        for text in texts:
            if lines and wraps_onto(lines[-1], text):
                lines[-1] = run_on([lines[-1], text])
            else:
                lines.append(text)
    titles = [line for line in lines if is_title(line)]
    if len(titles) > (1 if untitled else 0) or not (titles or any(map(is_header_field, lines))):
        return None
    if not all(
        is_title(line) or is_label(line) or (is_header_field(line) and not is_narrative(line)) for line in lines
    ):
        return None
    if not titles and not any(map(stated_unit, lines)):
        by_column = " ".join(run_on([cells[i] for _, cells in rows if cells[i]]) for i in range(len(rows[0][1])))
        if stated_unit(by_column):
            return [" ".join(by_column.split())]
    return lines


def is_caption(text: str) -> bool:
    """A line that belongs above a table, never in it: a title, a number label, a header field
    (部门：, 单位：万元) or prose."""
    return is_title(text) or is_label(text) or is_header_field(text) or is_narrative(text)


def _spilled_row(text: str) -> bool:
    """A line ending in an amount: a table row printed above the ruling of its continuation page."""
    return bool(AMOUNT.fullmatch(text.rsplit(maxsplit=1)[-1]))


def is_furniture(text: str) -> bool:
    """A page's number (- 3 -, 第3页): printed on the page, part of nothing."""
    return bool(_PAGE_NUMBER.fullmatch(text))


def _running_lines(pages: Sequence[Page]) -> set[str]:
    """Lines printed alike at the top or the foot of several pages, a running head or foot (the
    department and the year, the document's name, with or without the page's number): page
    furniture, as page numbers are. Never a title, number label, header field or row, which a table
    continued under its heading prints on every page too. Keyed by `_running_key`."""
    printed: Counter[str] = Counter()
    for page in pages:
        items = [item for item in page.items if not (isinstance(item, str) and is_furniture(item))]
        ends = {
            _running_key(item)
            for item in items[:1] + items[-1:]
            if isinstance(item, str)
            and not (is_title(item) or is_label(item) or is_header_field(item) or _spilled_row(item))
        }
        printed.update(ends)
    return {key for key, pages_printed in printed.items() if pages_printed >= _RUNNING_PAGES}


def _running_key(text: str) -> str:
    """Spacing aside and every number alike: 某局2025年部门预算 第3页 runs on as 第4页."""
    return _NUMBER.sub("#", spacing_aside(text))


def _opens_a_table(rows: Sequence[tuple[int, tuple[str, ...]]], lines: Sequence[str]) -> bool:
    """Whether a grid at the top of a page starts the table a title left at the foot of the page
    before names: a header field stands between them and the grid opens with its header (no
    amount in its first row). A grid opening with rows goes on from a header printed above, which
    the title's table needs to be read."""
    return any(map(is_header_field, lines)) and not any(AMOUNT_CELL.fullmatch(cell) for cell in rows[0][1])


def sheet_title(name: str | None) -> str | None:
    """A sheet's name as the title of the one table it holds, unless it names nothing (Sheet1, 表2)."""
    text = clean_cell(name)
    if not text or _GENERIC_SHEET.fullmatch(text) or is_label(text) or is_narrative(text):
        return None
    return text


def assemble(
    path: Path,
    document_id: str,
    source_format: str,
    pages: Sequence[Page],
    metadata: dict[str, str] | None = None,
    page_count: int | None = None,
) -> ExtractedDocument:
    """Title each grid from the lines above it on its page, mirroring extract_text_document.

    A title left at the foot of a page (a word processor's widow) titles the grid that opens the
    next page with its header, when a header field (单位：万元, 部门：…) stands between them: a
    contents page's last entry has none."""
    tables: list[RawTable] = []
    narrative: list[str] = []
    only_furniture_since_table = False
    labelled = False  # a number label since the last table: an untitled grid after it starts a table
    heading: tuple[str, ...] = ()
    running = _running_lines(pages)
    widowed: tuple[str, list[str]] | None = None
    starts: list[tuple[int, int | None, str, bool]] = []
    for page in pages:
        if place := (f"page {page.number}" if page.number is not None else f"sheet {page.name}" if page.name else ""):
            starts.append((len(narrative), page.number, place, page.read_by_ocr))
        title: str | None = None
        context: list[str] = []
        first_on_page = len(tables)
        for item in page.items:
            if isinstance(item, str) and _running_key(item) in running:
                narrative.append(item)  # it may name the department and year: identity reads it
                continue
            if isinstance(item, str):
                texts = [] if is_furniture(item) else [item]
                rows: list[tuple[int, tuple[str, ...]]] = []
            else:
                texts, rows = captions(item.rows, title is None)
            for text in (line for printed in texts for line in title_and_fields(printed)):
                narrative.append(text)
                if is_title(text):
                    # the table's title printed again at the top of the next page heads no new table
                    repeated = first_on_page == len(tables) and heading[:1] == heading_key(text, [])
                    title, context, only_furniture_since_table = text, [], only_furniture_since_table and repeated
                    widowed = None
                elif is_narrative(text):
                    title, context, only_furniture_since_table, widowed = None, [], False, None
                else:
                    context.append(text)
                    if title is None and is_label(text):
                        labelled = True
                    elif title is None and not (is_header_field(text) or _spilled_row(text)):
                        only_furniture_since_table = False
            if not rows or isinstance(item, str):
                continue
            if title is None and widowed is not None and _opens_a_table(rows, [*widowed[1], *context]):
                title, context = widowed[0], [*widowed[1], *context]
            widowed = None
            where, position = _where(item, page, len(tables) - first_on_page + 1, rows[0][0])
            repeats = title is not None and repeats_heading(heading_key(title, context), heading)
            if title is not None and not repeats:
                heading = heading_key(title, context)
            tables.append(
                RawTable(
                    title=title,
                    unit=lines_unit([title or "", *context]),
                    rows=tuple(
                        RawRow(cells, page.number, f"{where}, row {number}", item.ocr.get(number, ()))
                        for number, cells in rows
                    ),
                    page=page.number,
                    position=position,
                    context=tuple(context),
                    after_table=bool(tables)
                    and only_furniture_since_table
                    and (repeats if title is not None else not labelled),
                )
            )
            title, context, only_furniture_since_table, labelled = None, [], True, False
        widowed = (title, context) if title is not None and page.number is not None else None
        named = sheet_title(page.name) if len(tables) == first_on_page + 1 else None
        if named and tables[-1].title is None:
            table = tables[-1]
            unit = lines_unit([named, *table.context])
            tables[-1] = replace(table, title=named, unit=unit, after_table=False)
    return ExtractedDocument(
        document_id=document_id,
        path=path,
        source_format=source_format,
        pages=page_count,
        text="\n".join(narrative),
        tables=tuple(tables),
        metadata=metadata or {},
        narrative_places=narrative_places(narrative, starts),
    )


def _where(block: Block, page: Page, on_page: int, first_row: int) -> tuple[str, str]:
    """(what a row's position starts with, the table's position)."""
    if block.where is None:
        where = f"page {page.number}" if on_page == 1 else f"page {page.number}, table {on_page}"
        return where, where
    return block.where, f"{block.where}, row {first_row}" if block.by_row else block.where
