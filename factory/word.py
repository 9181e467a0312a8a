"""A built disclosure printed as a Word document (.docx, python-docx): prose as paragraphs, each
table under its title and header fields, merged cells where the PDF merges them, amounts as the PDF
prints them."""

from __future__ import annotations

import io
from datetime import datetime

from factory.disclosures import Disclosure, PrintedTable

MODIFIED = datetime(2025, 1, 21, 10, 0)


def docx_bytes(disclosure: Disclosure, *, title_in_table: bool = False, modified: datetime = MODIFIED) -> bytes:
    from docx import Document

    printout = disclosure.printout
    if printout is None:
        raise ValueError("the disclosure has no printout")
    document = Document()
    properties = document.core_properties
    properties.modified = modified
    properties.created = modified
    properties.title = printout.title or ""
    properties.author = "yusuan factory"
    for line in printout.prose:
        document.add_paragraph(line)
    for table in printout.tables:
        if not title_in_table:
            document.add_paragraph(table.title)
            for cells in table.above:
                document.add_paragraph("    ".join(cells))
        _table(document, table, title_in_table)
        document.add_paragraph("")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _table(document, table: PrintedTable, title_in_table: bool) -> None:
    width = table.width
    offset = 1 if title_in_table else 0
    grid = document.add_table(rows=len(table.rows) + offset, cols=width)
    grid.style = "Table Grid"
    if title_in_table:
        lines = [table.title, *("    ".join(cells) for cells in table.above)]
        caption = grid.cell(0, 0).merge(grid.cell(0, width - 1))
        caption.text = "\n".join(lines)
    for r, cells in enumerate(table.rows):
        for c, cell in enumerate(cells):
            if cell is None:
                continue
            target = grid.cell(r + offset, c)
            down, across = table.spans.get((r, c), (1, 1))
            if down > 1 or across > 1:
                target = target.merge(grid.cell(r + offset + down - 1, c + across - 1))
            target.text = table.printed(cell) or ""
