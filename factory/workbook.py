"""A built disclosure printed as an Excel workbook: the tables of its PDF, cell for cell.

Two habits of the publishers: the 上海 one-sheet workbook (cover, narrative and every table
stacked in one sheet, a title row above each, the way the PDF is printed from it) and one table a
sheet (the sheet named by its title, which the sheet itself may not print). Amounts are stored as
numbers under the number format the PDF shows them in, or as the text it prints; the options plant
what a reader must see through: hidden rows, columns and a hidden sheet of bogus amounts, formulas
whose cached values are the amounts, zeros that an accounting format prints as '-'. `xls_bytes`
writes an Excel 97-2003 workbook (xlwt) of the same.

openpyxl and xlwt are test dependencies, imported when a workbook is written.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from decimal import Decimal
from typing import Literal

from factory.disclosures import Disclosure, PrintedCell, PrintedTable

MODIFIED = datetime(2025, 1, 21, 10, 0)
# A row a reader must not see: hidden inside a table, or a table on a hidden sheet.
BOGUS_CODE = "2999999"
BOGUS_NAME = "其他隐藏支出"
BOGUS_AMOUNT = Decimal("987654.32")
_SHEET_NAME_CHARS = re.compile(r"[\[\]:*?/\\]")


def workbook_bytes(
    disclosure: Disclosure,
    *,
    layout: Literal["one_sheet", "sheet_per_table"] = "one_sheet",
    titles: bool = True,
    amounts: Literal["numbers", "text"] = "numbers",
    formulas: bool = False,
    hidden: bool = False,
    modified: datetime = MODIFIED,
) -> bytes:
    """The disclosure as .xlsx. `titles=False` leaves the title rows out (sheet_per_table: the
    sheet's name is then the only title); `hidden` adds a hidden bogus row to every table, a hidden
    column and a hidden sheet holding a bogus table; `formulas` stores every amount as a formula
    with its cached value."""
    from openpyxl import Workbook

    printout = disclosure.printout
    if printout is None:
        raise ValueError("the disclosure has no printout")
    book = Workbook()
    book.properties.modified = modified
    book.properties.created = modified
    book.properties.title = printout.title
    cached: dict[str, dict[str, Decimal]] = {}
    first = book.worksheets[0]
    if layout == "one_sheet":
        first.title = f"{disclosure.spec.fiscal_year}年部门预算"
        width = max(table.width for table in printout.tables)
        writer = _SheetWriter(first, amounts, formulas, hidden, width + 1)
        for line in printout.prose:
            writer.line(line, width)
        for table in printout.tables:
            writer.row += 1
            writer.table(table, titles)
        cached[first.title] = writer.cached
    else:
        sheets = []
        if printout.prose:
            first.title = "说明"
            writer = _SheetWriter(first, amounts, formulas, hidden=False)
            for line in printout.prose:
                writer.line(line, 6)
        else:
            sheets.append(first)
        for table in printout.tables:
            sheet = sheets.pop() if sheets else book.create_sheet()
            sheet.title = _SheetWriter.sheet_name(table.title)
            writer = _SheetWriter(sheet, amounts, formulas, hidden, table.width + 1)
            writer.table(table, titles)
            cached[sheet.title] = writer.cached
    if hidden:
        sheet = book.create_sheet("备份")
        sheet.sheet_state = "hidden"
        bogus = _SheetWriter(sheet, amounts, formulas=False, hidden=False)
        bogus.table(_bogus_table(printout.tables[0]), titles=True)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    return _with_cached_values(data, book.sheetnames, cached) if formulas else data


def _bogus_table(model: PrintedTable) -> PrintedTable:
    """The first table again with every amount replaced: what a hidden sheet of a workbook holds."""
    rows = tuple(tuple(BOGUS_AMOUNT if isinstance(cell, Decimal) else cell for cell in row) for row in model.rows)
    return PrintedTable(model.table_type, model.title, model.above, rows, model.header_rows, model.spans)


def _planted_rows(
    table: PrintedTable, hidden: bool
) -> tuple[list[tuple[PrintedCell, ...]], dict[tuple[int, int], tuple[int, int]]]:
    """The table's rows and spans, with a bogus row (a code, a name, an amount in every amount
    column) after the first body row when `hidden`: the row a workbook hides."""
    rows = list(table.rows)
    if not hidden:
        return rows, dict(table.spans)
    bogus = tuple(
        BOGUS_CODE if i == 0 else BOGUS_NAME if i == 3 else BOGUS_AMOUNT if isinstance(cell, Decimal) else ""
        for i, cell in enumerate(rows[-1])
    )
    rows.insert(table.header_rows + 1, bogus)
    spans = {(r + (1 if r > table.header_rows else 0), c): span for (r, c), span in table.spans.items()}
    return rows, spans


class _SheetWriter:
    """Writes lines and tables down one sheet from `row` (1-based), one blank row after each table."""

    def __init__(self, sheet, amounts: str, formulas: bool, hidden: bool, hidden_column: int = 0) -> None:
        self.sheet = sheet
        self.amounts = amounts
        self.formulas = formulas
        self.hidden = hidden
        # Hidden columns hide their cells of every table in the sheet: right of the widest one.
        self.hidden_column = hidden_column
        self.row = 1
        self.cached: dict[str, Decimal] = {}

    @staticmethod
    def sheet_name(title: str) -> str:
        return _SHEET_NAME_CHARS.sub("", title)[:31]

    def line(self, text: str, width: int) -> None:
        """A line of prose in a cell merged across the table width, as the cover and narrative are."""
        self.sheet.cell(self.row, 1, text)
        if width > 1:
            self.sheet.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=width)
        self.row += 1

    def table(self, table: PrintedTable, titles: bool) -> None:
        from openpyxl.styles import Alignment, Border, Side

        width = table.width
        if titles:
            self.line(table.title, width)
        for fields in table.above:
            self.sheet.cell(self.row, 1, fields[0])
            if len(fields) > 1:
                self.sheet.cell(self.row, width, fields[-1])
            self.row += 1
        thin = Side(style="thin")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        top = self.row
        rows, spans = _planted_rows(table, self.hidden)
        for offset, cells in enumerate(rows):
            for column, cell in enumerate(cells, start=1):
                target = self.sheet.cell(top + offset, column)
                target.border = border
                if cell is None or cell == "":
                    continue
                if isinstance(cell, Decimal):
                    self._amount(target, cell, table)
                else:
                    target.value = cell
                    if "\n" in cell:
                        target.alignment = Alignment(wrap_text=True)
        for (r, c), (down, across) in spans.items():
            if down > 1 or across > 1:
                self.sheet.merge_cells(
                    start_row=top + r, start_column=c + 1, end_row=top + r + down - 1, end_column=c + across
                )
        if self.hidden:
            self.sheet.row_dimensions[top + table.header_rows + 1].hidden = True
            column = self.hidden_column
            self.sheet.cell(top, column, "备注")
            for offset in range(table.header_rows, len(rows)):
                self.sheet.cell(top + offset, column, float(BOGUS_AMOUNT))
            self.sheet.column_dimensions[self.sheet.cell(top, column).column_letter].hidden = True
        self.row = top + len(rows) + 1

    def _amount(self, target, amount: Decimal, table: PrintedTable) -> None:
        if self.amounts == "text":
            target.value = table.printed(amount)
            return
        target.number_format = table.amount_format
        if self.formulas:
            target.value = f"=ROUND({amount},2)"
            self.cached[target.coordinate] = amount
        else:
            target.value = float(amount)


def _with_cached_values(data: bytes, sheet_names: list[str], cached: dict[str, dict[str, Decimal]]) -> bytes:
    """openpyxl writes formulas without a value; Excel and WPS store the value they last computed
    beside each formula, which is what a reader reads. Put those values in."""
    parts = {f"xl/worksheets/sheet{index}.xml": name for index, name in enumerate(sheet_names, start=1)}
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            values = cached.get(parts.get(info.filename, ""), {})
            if values:
                text = content.decode("utf-8")
                for reference, value in values.items():
                    pattern = re.compile(rf'(<c r="{reference}"[^>]*><f>[^<]*</f>)<v\s*/?>(</v>)?')
                    text, count = pattern.subn(rf"\g<1><v>{value}</v>", text)
                    if count != 1:
                        raise ValueError(f"formula cell {reference} not found in {info.filename}")
                content = text.encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()


# Excel's accounting format as a Chinese-locale Excel or WPS writes it: a zero prints as '-'.
ACCOUNTING_FORMATS = {
    "#,##0.00": '_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ ',
    "#,##0": '_ * #,##0_ ;_ * -#,##0_ ;_ * "-"_ ;_ @_ ',
}


def xls_bytes(
    disclosure: Disclosure,
    *,
    layout: Literal["one_sheet", "sheet_per_table"] = "one_sheet",
    hidden: bool = False,
    accounting_zeros: bool = False,
) -> bytes:
    """The disclosure as an Excel 97-2003 workbook, amounts as numbers under their number format,
    and a hidden sheet holding a bogus table. `hidden` adds a hidden bogus row to every table and a
    hidden column of bogus amounts beside it, as `workbook_bytes` does; `accounting_zeros` stores
    every blank amount cell (an amount column's cell that the PDF leaves blank) as 0 under the
    accounting format, which prints it as '-': no fact, as the PDF's blank."""
    import xlwt

    printout = disclosure.printout
    if printout is None:
        raise ValueError("the disclosure has no printout")
    book = xlwt.Workbook(encoding="utf-8")
    styles: dict[str, object] = {}

    def style(amount_format: str) -> object:
        if amount_format not in styles:
            styles[amount_format] = xlwt.easyxf(num_format_str=amount_format)
        return styles[amount_format]

    def write_table(sheet, row: int, table: PrintedTable, hidden: bool, hidden_column: int) -> int:
        width = table.width
        sheet.write_merge(row, row, 0, width - 1, table.title)
        row += 1
        for fields in table.above:
            sheet.write(row, 0, fields[0])
            if len(fields) > 1:
                sheet.write(row, width - 1, fields[-1])
            row += 1
        rows, spans = _planted_rows(table, hidden)
        amount_columns = {c for cells in rows for c, cell in enumerate(cells) if isinstance(cell, Decimal)}
        for r, cells in enumerate(rows):
            for c, cell in enumerate(cells):
                span = spans.get((r, c))
                if cell is None:
                    continue
                value: object = float(cell) if isinstance(cell, Decimal) else cell
                cell_style = style(table.amount_format) if isinstance(cell, Decimal) else xlwt.Style.default_style
                if accounting_zeros and cell == "" and c in amount_columns and r >= table.header_rows and not span:
                    value, cell_style = 0.0, style(ACCOUNTING_FORMATS[table.amount_format])
                if span and span != (1, 1):
                    down, across = span
                    sheet.write_merge(row + r, row + r + down - 1, c, c + across - 1, value, cell_style)
                elif value != "":
                    sheet.write(row + r, c, value, cell_style)
        if hidden:
            sheet.row(row + table.header_rows + 1).hidden = True
            sheet.write(row, hidden_column, "备注")
            for r in range(table.header_rows, len(rows)):
                sheet.write(row + r, hidden_column, float(BOGUS_AMOUNT), style(table.amount_format))
            sheet.col(hidden_column).hidden = True
        return row + len(rows) + 1

    if layout == "one_sheet":
        sheet = book.add_sheet(f"{disclosure.spec.fiscal_year}年部门预算")
        width = max(table.width for table in printout.tables)
        row = 0
        for line in printout.prose:
            sheet.write(row, 0, line)
            row += 1
        for table in printout.tables:
            row = write_table(sheet, row + 1, table, hidden, width)
    else:
        if printout.prose:
            sheet = book.add_sheet("说明")
            for row, line in enumerate(printout.prose):
                sheet.write(row, 0, line)
        for table in printout.tables:
            write_table(book.add_sheet(_SheetWriter.sheet_name(table.title)), 0, table, hidden, table.width)
    backup = book.add_sheet("备份")
    backup.visibility = 1
    write_table(backup, 0, _bogus_table(printout.tables[0]), False, 0)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
