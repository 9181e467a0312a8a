"""Extractor for workbooks (.xlsx and .xls) through python-calamine, the PDF reader's rules after it.

Each visible worksheet is a page without a page number: its rows are cut into lines (a cell alone
in its row, or a row of captions such as '编制部门：X | 单位：元') and grids (rows of several cells,
with the rows of one cell between them), which extractors.layout titles as it titles a PDF's. A
sheet holding one table without a title is titled by the sheet's name. Cells read as printed: a
merged area's text stands in its top-left cell and the cells it covers are blank (as pdfplumber
reads a merged cell), formulas give their cached values, numbers print through their cells' number
formats, hidden sheets, rows and columns are left out. Calamine reads the cells but tells neither
formats nor hidden rows and columns: for .xlsx they are read from the package's XML, for .xls from
its BIFF records through xlrd (formatting_info); an .xls that xlrd cannot read so is still read,
without them.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from extractors.layout import Block, Page, assemble, block_lines, grid_block, is_caption, printed_cell
from extractors.model import ExtractedDocument, ExtractionError, ExtractionLimits, display_name
from extractors.numformat import BUILTIN_FORMATS, format_number
from extractors.office import (
    encrypted,
    local,
    not_read,
    ole_kind,
    open_package,
    package_metadata,
    xml_parser,
)
from extractors.textlayer import run_on

if TYPE_CHECKING:
    import xlrd
    import xlrd.sheet

_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d+)")
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# Bytes a cell costs the reader at most (calamine's dense grid, then the Python row): bounds the
# sheet size read within the memory limit.
_BYTES_PER_CELL = 256
_TRUE = ("1", "true")


@dataclass
class _SheetLayout:
    """What calamine does not tell of a sheet: hidden rows and columns (0-based), the number format
    of each cell that has one other than General, and how far its cells reach."""

    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    rows: int = 0
    columns: int = 0


def extract_workbook_document(
    path: Path, data: bytes, document_id: str, source_format: str, limits: ExtractionLimits
) -> ExtractedDocument:
    """Tables of every visible sheet in workbook order, titled as a PDF's; the rest is narrative."""
    import python_calamine

    layouts: dict[str, _SheetLayout] = {}
    if source_format == "xls":
        kind, metadata = ole_kind(path, data)
        if kind == "encrypted":
            raise encrypted(path, "Office file (an encrypted .xlsx or .docx comes as an OLE file)")
        if kind != "xls":
            raise _not_a_workbook(path, kind)
    else:
        with open_package(path, data, limits, "Excel workbook (.xlsx)") as package:
            metadata = package_metadata(package)
            layouts = _sheet_layouts(path, package, limits)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as error:
        raise encrypted(path, "workbook") from error
    except (python_calamine.CalamineError, ValueError, OSError) as error:
        raise _unreadable(path, source_format, error) from error
    worksheets = [s.name for s in workbook.sheets_metadata if s.typ == python_calamine.SheetTypeEnum.WorkSheet]
    xls = _XlsLayouts(data, worksheets) if source_format == "xls" else None
    try:
        pages = []
        for sheet in workbook.sheets_metadata:
            if sheet.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            if sheet.visible != python_calamine.SheetVisibleEnum.Visible:
                continue
            try:
                cells = workbook.get_sheet_by_name(sheet.name)
                if xls is None:
                    layout = layouts.get(sheet.name, _SheetLayout())
                else:
                    # Read the sheet's records only once calamine's cells are known to fit the limit.
                    _check_size(path, cells, limits)
                    layout = xls.layout(sheet.name)
                rows = _sheet_rows(path, cells, layout, limits)
            except python_calamine.CalamineError as error:
                raise _unreadable(path, source_format, error) from error
            pages.append(Page(sheet_items(rows, clean_name(sheet.name)), None, sheet.name))
    finally:
        workbook.close()
        if xls is not None:
            xls.close()
    if not any(page.items for page in pages):
        raise ExtractionError(
            "empty",
            f"{display_name(path.name)}: the workbook's visible sheets print nothing; "
            "re-download it from the publisher, or unhide the sheet that holds the disclosure.",
        )
    return assemble(path, document_id, source_format, pages, metadata)


def clean_name(name: str) -> str:
    return printed_cell(name).replace("\n", " ")


def _not_a_workbook(path: Path, kind: str) -> ExtractionError:
    what = {
        "doc": ("a Word 97-2003 document (.doc)", "save it as .docx or PDF, or load the disclosure's PDF"),
        "ppt": ("a PowerPoint 97-2003 presentation", "load the disclosure's PDF or workbook instead"),
    }.get(kind, ("an OLE compound file that is no Excel workbook", "load the disclosure's PDF or workbook instead"))
    return not_read(path, *what)


def _unreadable(path: Path, source_format: str, error: Exception) -> ExtractionError:
    what = "Excel 97-2003 workbook (.xls)" if source_format == "xls" else "Excel workbook (.xlsx)"
    return ExtractionError(
        "corrupt",
        f"{display_name(path.name)}: a damaged {what} that cannot be read ({error}); "
        "re-download it from the publisher or re-save it in Excel or WPS.",
    )


def _sheet_rows(path: Path, sheet, layout: _SheetLayout, limits: ExtractionLimits) -> list[tuple[int, list[str]]]:
    """The sheet's visible rows as (row number, printed cells), merged areas blank but their top-left."""
    start = sheet.start
    if start is None:
        return []
    height, width = _check_size(path, sheet, limits)
    top, left = start
    covered = _covered(path, sheet, (top, left, top + height - 1, left + width - 1), limits)
    rows = []
    # to_python() starts at the sheet's first cell, `start` (iter_rows() does not, in every version).
    for offset, values in enumerate(sheet.to_python()):
        row = top + offset
        if row in layout.hidden_rows:
            continue
        spans = covered.get(row, ())
        cells = [
            "" if any(c0 <= column <= c1 for c0, c1 in spans) else _printed(value, layout.formats.get((row, column)))
            for column, value in enumerate(values, start=left)
            if column not in layout.hidden_columns
        ]
        rows.append((row + 1, cells))
    return rows


def _check_size(path: Path, sheet, limits: ExtractionLimits) -> tuple[int, int]:
    """The sheet's height and width, if its cells can be read within the memory limit."""
    height, width = sheet.height, sheet.width
    if height * width > limits.max_memory_bytes // _BYTES_PER_CELL:
        raise _too_many_cells(path, sheet.name, height, width, limits)
    return height, width


def _covered(
    path: Path, sheet, extent: tuple[int, int, int, int], limits: ExtractionLimits
) -> dict[int, list[tuple[int, int]]]:
    """Row -> column intervals (inclusive) that merged areas cover but do not print in: all of the
    area's cells but its top-left one. Areas are clipped to the sheet's cells."""
    top, left, bottom, right = extent
    covered: dict[int, list[tuple[int, int]]] = {}
    count = 0
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ():
        first_row, first_column, last_row, last_column = max(r0, top), max(c0, left), min(r1, bottom), min(c1, right)
        for row in range(first_row, last_row + 1):
            start = c0 + 1 if (row, first_column) == (r0, c0) else first_column
            if start <= last_column:
                covered.setdefault(row, []).append((start, last_column))
        count += max(0, last_row - first_row + 1)
        if count > limits.max_memory_bytes // _BYTES_PER_CELL:
            raise _too_many_cells(path, sheet.name, bottom - top + 1, right - left + 1, limits)
    return covered


def _too_many_cells(path: Path, name: str, height: int, width: int, limits: ExtractionLimits) -> ExtractionError:
    return ExtractionError(
        "too_large",
        f"{display_name(path.name)}: sheet '{display_name(name)}' spans {height} rows by {width} columns, more "
        f"cells than can be read within the {limits.max_memory_bytes / 2**20:.0f} MiB memory limit; check it is a "
        "single disclosure, or raise the limit (--max-memory).",
    )


def _printed(value: object, number_format: str | None) -> str:
    """A cell's value as the sheet prints it."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return format_number(value, number_format)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return printed_cell(str(value)) if value is not None else ""


def sheet_items(rows: list[tuple[int, list[str]]], name: str) -> list[str | Block]:
    """A sheet's rows as lines and grids, top to bottom.

    A grid runs from a row of two or more cells to the last such row before a caption line (a
    title, a number label, a header field, prose) breaks it; rows of one cell and blank rows between
    belong to it (a label row whose amounts are blank). Rows of one cell outside grids, and rows
    whose every cell is a caption ('编制部门：X | 单位：元'), are lines.
    """
    items: list[str | Block] = []
    run: list[tuple[int, list[str]]] = []
    pending: list[tuple[int, list[str]]] = []

    def close() -> None:
        if run:
            block = grid_block(run, f"sheet {name}", by_row=True)
            items.extend([block] if block is not None else block_lines(run))
            run.clear()
        for _, cells in pending:
            items.extend(_lines(cells))
        pending.clear()

    for number, cells in rows:
        filled = [cell for cell in cells if cell]
        if _is_caption_row(filled):
            close()
            items.extend(_lines(cells))
        elif len(filled) >= 2:
            run.extend(pending)
            pending.clear()
            run.append((number, cells))
        elif run:
            pending.append((number, cells))
        else:
            items.extend(_lines(cells))
    close()
    return items


def _is_caption_row(filled: list[str]) -> bool:
    """A row to read as lines above a table: captions in every cell, or prose in its only cell."""
    if not filled:
        return False
    if len(filled) == 1:
        lines = filled[0].split("\n")
        return any(map(is_caption, lines))
    return all(is_caption(run_on(cell.split("\n"))) for cell in filled)


def _lines(cells: list[str]) -> list[str]:
    filled = [cell for cell in cells if cell]
    if len(filled) == 1:
        return filled[0].split("\n")
    return [" ".join(run_on(cell.split("\n")) for cell in filled)] if filled else []


# ---------------------------------------------------------------------------------------------
# .xlsx: what the package says that calamine does not


def _sheet_layouts(path: Path, package: zipfile.ZipFile, limits: ExtractionLimits) -> dict[str, _SheetLayout]:
    """Each worksheet's layout by sheet name; a part that cannot be read costs its layout, not the file."""
    try:
        parts = _sheet_parts(package)
    except (KeyError, etree.XMLSyntaxError, ValueError):
        return {}
    formats = _cell_formats(package)
    layouts = {}
    for name, part in parts.items():
        try:
            layout = _sheet_layout(package.open(part), formats)
        except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError, EOFError):
            continue
        if layout.rows * layout.columns > limits.max_memory_bytes // _BYTES_PER_CELL:
            raise _too_many_cells(path, name, layout.rows, layout.columns, limits)
        layouts[name] = layout
    return layouts


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the package part holding the sheet's XML."""
    workbook = etree.fromstring(package.read("xl/workbook.xml"), xml_parser())
    rels = etree.fromstring(package.read("xl/_rels/workbook.xml.rels"), xml_parser())
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels if local(rel.tag) == "Relationship"}
    parts = {}
    for sheet in workbook.iter():
        if local(sheet.tag) != "sheet":
            continue
        target = targets.get(sheet.get(_RELATIONSHIP_ID) or "", "")
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        parts[sheet.get("name", "")] = part
    return parts


def _cell_formats(package: zipfile.ZipFile) -> list[str | None]:
    """The number format of each cell style (cellXfs), None for General."""
    try:
        styles = etree.fromstring(package.read("xl/styles.xml"), xml_parser())
    except (KeyError, etree.XMLSyntaxError, ValueError):
        return []
    custom = {}
    for element in styles.iter():
        if local(element.tag) == "numFmt":
            try:
                custom[int(element.get("numFmtId", ""))] = element.get("formatCode", "")
            except ValueError:
                continue
    formats: list[str | None] = []
    for element in styles.iter():
        if local(element.tag) == "cellXfs":
            for xf in element:
                if local(xf.tag) != "xf":
                    continue
                try:
                    number = int(xf.get("numFmtId", "0"))
                except ValueError:
                    number = 0
                code = custom.get(number, BUILTIN_FORMATS.get(number))
                formats.append(None if code in (None, "General") else code)
            break
    return formats


def _sheet_layout(stream, formats: list[str | None]) -> _SheetLayout:
    """One pass over a sheet's XML, element by element, so that a large sheet costs little memory."""
    layout = _SheetLayout()
    row = -1
    column = -1
    for event, element in etree.iterparse(stream, events=("start", "end"), resolve_entities=False, no_network=True):
        tag = local(element.tag)
        if event == "start":
            if tag == "row":
                row = _index(element.get("r"), row + 1, 1)
                column = -1
                if element.get("hidden", "").lower() in _TRUE or _zero(element.get("ht"), element.get("customHeight")):
                    layout.hidden_rows.add(row)
                layout.rows = max(layout.rows, row + 1)
            elif tag == "c":
                reference = _CELL_REF.fullmatch(element.get("r", ""))
                if reference:
                    column, row = _column(reference.group(1)), int(reference.group(2)) - 1
                else:
                    column += 1
                layout.columns = max(layout.columns, column + 1)
                layout.rows = max(layout.rows, row + 1)
                style = _index(element.get("s"), 0, 0)
                if 0 < style < len(formats) and formats[style]:
                    layout.formats[(row, column)] = formats[style]  # type: ignore[assignment]
            elif tag == "col" and (
                element.get("hidden", "").lower() in _TRUE or _zero(element.get("width"), element.get("customWidth"))
            ):
                first = _index(element.get("min"), 1, 0)
                last = min(_index(element.get("max"), first, 0), 16384)
                layout.hidden_columns.update(range(first - 1, last))
            continue
        if tag in ("c", "row", "col"):
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    return layout


def _index(text: str | None, default: int, base: int) -> int:
    try:
        return int(text) - base if text is not None else default
    except ValueError:
        return default


def _zero(size: str | None, custom: str | None) -> bool:
    """A row height or column width of 0 set by hand hides the row or column as surely as hidden="1"."""
    try:
        return (custom or "").lower() in _TRUE and float(size or "1") == 0
    except ValueError:
        return False


def _column(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number - 1


# ---------------------------------------------------------------------------------------------
# .xls: what the BIFF records say that calamine does not, read through xlrd


class _XlsLayouts:
    """The layouts of an .xls's worksheets, each read when asked for (xlrd on demand: a sheet's
    records are parsed only for a visible sheet whose cells calamine has read within the limit, and
    let go after). xlrd's worksheets are calamine's: by name, or by order where the names differ
    (an old BIFF5 file whose codepage the two decode differently) but their count agrees.

    Some producers write .xls files that xlrd cannot read with formatting_info (or at all) though
    calamine reads their cells: such a file, or sheet, is read as it was before xlrd was used,
    without hidden rows and columns and with numbers printed plainly (General)."""

    def __init__(self, data: bytes, worksheets: list[str]) -> None:
        self._data: bytes | None = data
        self._worksheets = worksheets
        self._book: xlrd.Book | None = None
        self._index: dict[str, int] = {}
        self._formats: list[str | None] = []

    def layout(self, name: str) -> _SheetLayout:
        book = self._open()
        index = self._index.get(name)
        if book is None or index is None:
            return _SheetLayout()
        try:
            return _xls_sheet_layout(book.sheet_by_index(index), self._formats)
        except MemoryError:
            raise
        except Exception:  # a sheet xlrd cannot parse costs its layout, not the file (see above)
            return _SheetLayout()
        finally:
            book.unload_sheet(index)

    def close(self) -> None:
        if self._book is not None:
            self._book.release_resources()
            self._book = None
        self._data = None

    def _open(self) -> xlrd.Book | None:
        if self._data is None:
            return self._book
        data, self._data = self._data, None
        import xlrd

        try:
            book = xlrd.open_workbook(
                file_contents=data,
                formatting_info=True,
                on_demand=True,
                ragged_rows=True,
                ignore_workbook_corruption=True,
                logfile=_Discard(),
            )
        except MemoryError:
            raise
        except Exception:  # not readable with formatting_info: read as before (see the class)
            return None
        names = book.sheet_names()
        if len(names) == len(self._worksheets) and not set(self._worksheets) <= set(names):
            self._index = {name: index for index, name in enumerate(self._worksheets)}
        else:
            self._index = {name: index for index, name in enumerate(names)}
        self._formats = _xls_formats(book)
        self._book = book
        return book


class _Discard:
    """xlrd's log: it reports what it makes of odd records on stdout unless given another file."""

    def write(self, text: str) -> int:
        return len(text)


def _xls_formats(book: xlrd.Book) -> list[str | None]:
    """The number format of each XF (cell style) record, None for General. A format that the file's
    FORMAT records define is as written; a built-in one that the file leaves to the reader is the
    one the .xlsx reader takes (BUILTIN_FORMATS), not xlrd's US-English guess."""
    written = {fmt.format_key: fmt.format_str for fmt in book.format_list}
    formats: list[str | None] = []
    for xf in book.xf_list:
        code = written.get(xf.format_key, BUILTIN_FORMATS.get(xf.format_key))
        formats.append(None if code is None or code.strip().lower() in ("general", "") else code)
    return formats


def _xls_sheet_layout(sheet: xlrd.sheet.Sheet, formats: list[str | None]) -> _SheetLayout:
    """Hidden rows (the ROW record's hidden flag), hidden columns (COLINFO's) and the format of
    each number cell. Cells under a date format are xlrd's XL_CELL_DATE, not numbers: calamine
    gives them as dates. Unlike the .xlsx reader's, no height or width of 0 hides a row or column:
    the BIFF records say that with the flag (Excel sets it), and a producer's 0 may mean 'default'."""
    from xlrd import XL_CELL_NUMBER

    layout = _SheetLayout(rows=sheet.nrows, columns=sheet.ncols)
    layout.hidden_rows.update(row for row, info in sheet.rowinfo_map.items() if info.hidden)
    layout.hidden_columns.update(column for column, info in sheet.colinfo_map.items() if info.hidden)
    if not any(formats):
        return layout
    for row in range(sheet.nrows):
        for column, kind in enumerate(sheet.row_types(row)):
            if kind == XL_CELL_NUMBER:
                code = formats[xf] if 0 <= (xf := sheet.cell_xf_index(row, column)) < len(formats) else None
                if code is not None:
                    layout.formats[(row, column)] = code
    return layout
