"""Extractor for Word documents (.docx) through python-docx, the PDF reader's rules after it.

A document is one page without a page number: paragraphs are lines, tables are grids in the order
the body holds them (a merged cell's text in its top-left cell, the cells it covers blank, as
pdfplumber reads a PDF's merged cell). A table holding other tables, or of one column, lays out the
page: its cells are read as lines.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from extractors.layout import Block, Page, assemble, block_lines, grid_block, printed_cell
from extractors.model import ExtractedDocument, ExtractionError, ExtractionLimits, display_name
from extractors.office import local, open_package, package_metadata


def extract_word_document(path: Path, data: bytes, document_id: str, limits: ExtractionLimits) -> ExtractedDocument:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    with open_package(path, data, limits, "Word document (.docx)") as package:
        metadata = package_metadata(package)
    try:
        document = docx.Document(io.BytesIO(data))
        reader = _BodyReader(document)
        reader.walk(document.element.body)
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError) as error:
        raise ExtractionError(
            "corrupt",
            f"{display_name(path.name)}: a damaged Word document (.docx) that cannot be read ({error!r}); "
            "re-download it from the publisher or re-save it in Word or WPS.",
        ) from error
    return assemble(path, document_id, "docx", [Page(reader.items)], metadata)


class _BodyReader:
    def __init__(self, document) -> None:
        self.document = document
        self.items: list[str | Block] = []
        self.tables = 0

    def walk(self, container) -> None:
        """Paragraphs and tables of a body, a cell or a content control, in order."""
        for child in container.iterchildren():
            tag = local(child.tag)
            if tag == "p":
                self.items.extend(_paragraph_lines(child))
            elif tag == "tbl":
                self.table(child)
            elif tag in ("sdt", "sdtContent", "customXml", "ins", "smartTag"):
                self.walk(child)

    def table(self, element) -> None:
        from docx.table import Table

        self.tables += 1
        number = self.tables
        table = Table(element, self.document)
        rows = list(table.rows)
        nested = any(local(e.tag) == "tbl" for e in element.iterdescendants() if e is not element)
        if nested or max((len(row.cells) for row in rows), default=0) < 2:
            seen: set = set()
            for row in rows:
                for cell in row.cells:
                    if cell._tc not in seen:
                        seen.add(cell._tc)
                        self.walk(cell._tc)
            return
        grid = _grid(rows)
        numbered = list(enumerate(grid, start=1))
        block = grid_block(numbered, f"table {number}")
        self.items.extend([block] if block is not None else block_lines(numbered))


def _grid(rows) -> list[list[str]]:
    """Cells on the table's grid: a merged cell's text where it starts, '' where it reaches over."""
    printed: set = set()  # the cells' elements, held so that each keeps its identity
    grid = []
    for row in rows:
        cells = []
        for cell in row.cells:
            if cell._tc in printed:
                cells.append("")
                continue
            printed.add(cell._tc)
            lines = [line for p in cell._tc.iterchildren() if local(p.tag) == "p" for line in _paragraph_lines(p)]
            cells.append(printed_cell("\n".join(lines)))
        grid.append(cells)
    return grid


def _paragraph_lines(paragraph) -> list[str]:
    """A paragraph's text as lines (a line break inside it starts a new one)."""
    from docx.text.paragraph import Paragraph

    text = Paragraph(paragraph, None).text.replace("\t", " ")  # type: ignore[arg-type]  # .text needs no story part
    return [line for line in (printed_cell(part) for part in text.split("\n")) if line]
