"""Extractor for web pages (.html/.htm): tables from <table>, everything else as lines, via lxml.

A page is one page without a page number. Its visible text is read in document order: block
elements (p, div, h1-h6, li, br, ...) end lines, a <table> is a grid (rowspan/colspan give a
merged cell's text to its top-left cell and blank the cells it covers, as pdfplumber reads a PDF's
merged cell) unless it only lays out the page (it holds other tables, or one column), in which case
its cells are read as lines. Scripts, styles and elements hidden by CSS or the hidden attribute are
left out. A page without any table and with hardly any text is a download portal's error or login
page, rejected with a reason; other pages without tables go on to be told a narrative or no budget.
"""

from __future__ import annotations

import re
from pathlib import Path

from extractors.layout import Block, Page, assemble, block_lines, grid_block, printed_cell
from extractors.model import ExtractedDocument, ExtractionError, display_name
from extractors.text import decode_text
from extractors.textlayer import clean_cell

_BLOCKS = frozenset(
    (
        *("address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog"),
        *("div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5"),
        *("h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody"),
        *("td", "tfoot", "th", "thead", "tr", "ul"),
    )
)
_SKIPPED = frozenset(
    ("script", "style", "noscript", "template", "head", "iframe", "object", "embed", "svg", "canvas", "select")
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
_GB = ("gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn")
_PUBLISHED = ("pubdate", "publishdate", "publish_date", "dcterms.modified", "dc.date", "article:modified_time")
_DATE = re.compile(r"(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
# Fewer visible characters than this, and no table: an error or login page, not a disclosure.
_ERROR_PAGE_CHARS = 200
_MAX_SPAN = 1000


def extract_html_document(path: Path, data: bytes, document_id: str) -> ExtractedDocument:
    import lxml.html
    from lxml import etree

    text = _decoded(path, data)
    try:
        root = lxml.html.document_fromstring(text, parser=lxml.html.HTMLParser(remove_comments=True, no_network=True))
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError(
            "corrupt", f"{display_name(path.name)}: an HTML page that cannot be parsed ({error}); download it again."
        ) from error
    metadata = _metadata(root)
    reader = _PageReader()
    body = root.find("body")
    reader.walk(body if body is not None else root)
    reader.flush()
    if not any(isinstance(item, Block) for item in reader.items):
        _refuse_error_page(path, root, reader.items, metadata.get("Title", ""))
    return assemble(path, document_id, "html", [Page(reader.items)], metadata)


def _decoded(path: Path, data: bytes) -> str:
    """The page's text: in the charset its <meta> declares (GB2312 and GBK read as their superset
    GB18030), else as a text conversion is decoded (BOM, UTF-8, GB18030, detection). An XML
    declaration is dropped, as lxml refuses one in a decoded string."""
    declared = _CHARSET.search(data[:4096])
    if declared and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        name = declared.group(1).decode("ascii", "ignore").lower()
        try:
            text = data.decode("gb18030" if name in _GB else name)
        except (LookupError, UnicodeDecodeError):
            text = decode_text(path, data)
    else:
        text = decode_text(path, data)
    return re.sub(r"^\ufeff?\s*<\?xml[^>]*>", "", text)


def _metadata(root) -> dict[str, str]:
    metadata: dict[str, str] = {}
    title = root.find(".//title")
    if title is not None and (text := clean_cell(title.text_content())):
        metadata["Title"] = text
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").lower()
        if name in _PUBLISHED and (match := _DATE.search(meta.get("content") or "")):
            parts = [int(part) if part else 0 for part in match.groups()]
            metadata.setdefault("ModDate", "D:{:04d}{:02d}{:02d}{:02d}{:02d}{:02d}".format(*parts))
    return metadata


def _refuse_error_page(path: Path, root, items: list, title: str) -> None:
    printed = "".join(item for item in items if isinstance(item, str))
    password = any((field.get("type") or "").lower() == "password" for field in root.iter("input"))
    if len(printed) >= _ERROR_PAGE_CHARS and not password:
        return
    what = "a login form" if password else f"only {len(printed)} characters of text"
    titled = f" titled '{title}'" if title else ""
    raise ExtractionError(
        "not_pdf",
        f"{display_name(path.name)}: an HTML page{titled} with no table and {what}, not a disclosure: a download "
        "portal's error or login page saved under the disclosure's name; download the disclosure again.",
    )


def _hidden(element) -> bool:
    return element.get("hidden") is not None or bool(_HIDDEN_STYLE.search(element.get("style") or ""))


def _tag(element) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


class _PageReader:
    """Walks the page, collecting lines and grids in document order."""

    def __init__(self) -> None:
        self.items: list[str | Block] = []
        self.tables = 0
        self.inline: list[str] = []

    def flush(self) -> None:
        """End the line being read; HTML collapses white space (line breaks in the source too) to one space."""
        text = clean_cell(" ".join("".join(self.inline).split()))
        self.inline.clear()
        if text:
            self.items.append(text)

    def walk(self, element) -> None:
        tag = _tag(element)
        if tag in _SKIPPED or _hidden(element):
            return
        if tag == "table":
            self.flush()
            self.table(element)
            return
        block = tag in _BLOCKS
        if block:
            self.flush()
        if tag == "br":
            self.flush()
        if element.text:
            self.inline.append(element.text)
        for child in element:
            self.walk(child)
            if child.tail:
                self.inline.append(child.tail)
        if block:
            self.flush()

    def table(self, table) -> None:
        self.tables += 1
        number = self.tables
        rows = _rows(table)
        if table.find(".//table") is not None or max((len(cells) for cells in rows), default=0) < 2:
            for row in rows:
                for cell in row:
                    self.walk(cell)
                    self.flush()
            return
        caption = table.find("caption")
        if caption is not None and not _hidden(caption):
            self.walk(caption)
            self.flush()
        grid = _grid(rows)
        where = f"table {number}"
        block = grid_block(list(enumerate(grid, start=1)), where)
        if block is None:
            self.items.extend(block_lines(list(enumerate(grid, start=1))))
        else:
            self.items.append(block)


def _rows(table) -> list[list]:
    """The table's own visible rows (not those of tables nested in it) as lists of their cells."""
    rows = []
    for row in table.iterchildren():
        tag = _tag(row)
        candidates = list(row.iterchildren()) if tag in ("thead", "tbody", "tfoot") else [row]
        if _hidden(row) and tag != "tr":
            continue
        for candidate in candidates:
            if _tag(candidate) == "tr" and not _hidden(candidate):
                rows.append([cell for cell in candidate.iterchildren() if _tag(cell) in ("td", "th")])
    return rows


def _grid(rows: list[list]) -> list[list[str]]:
    """Cells laid out on the table's grid: a spanned cell's text in its top-left position, '' elsewhere."""
    grid: list[list[str]] = []
    taken: set[tuple[int, int]] = set()
    for r, cells in enumerate(rows):
        while len(grid) <= r:
            grid.append([])
        column = 0
        for cell in cells:
            while (r, column) in taken:
                column += 1
            across = _span(cell.get("colspan"))
            down = min(_span(cell.get("rowspan")), len(rows) - r)
            text = "" if _hidden(cell) else _cell_text(cell)
            for dr in range(down):
                for dc in range(across):
                    taken.add((r + dr, column + dc))
            row = grid[r]
            while len(row) < column + across:
                row.append("")
            row[column] = text
            column += across
    width = max((c for _, c in taken), default=-1) + 1
    return [row + [""] * (width - len(row)) for row in grid]


def _span(text: str | None) -> int:
    try:
        return max(1, min(int((text or "1").strip()), _MAX_SPAN))
    except ValueError:
        return 1


def _cell_text(cell) -> str:
    """A cell's lines: <br> and block children break lines, as the page shows them."""
    reader = _PageReader()
    reader.walk(cell)
    reader.flush()
    lines = [line for item in reader.items if isinstance(item, str) for line in item.split("\n")]
    return printed_cell("\n".join(lines))
