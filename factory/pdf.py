"""Small disclosure-like PDFs for extractor tests, drawn with fpdf2 the way Excel/WPS exports look.

Tables are ruled one line per grid rule, text is real text in an embedded CJK TrueType font, so
pdfplumber meets the same kind of page as in a published disclosure.
"""

from __future__ import annotations

import builtins
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from fpdf import FPDF

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
_LINE_HEIGHT = 4.2
# How deep the white bands of a banded cell are, in mm.
_BAND = 2.0
Ruling = Literal["grid", "horizontal", "none"]


@dataclass
class Grid:
    """A ruled table: `None` marks a cell covered by a span that `spans` gives as (rows, columns)."""

    rows: list[list[str | None]]
    widths: list[float]
    spans: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    row_height: float = 7.0
    heights: dict[int, float] = field(default_factory=dict)
    # Columns whose cells are filled white in three bands (top, middle, bottom), as 江苏's Word
    # exports pad them, or ruled in white where such bands would end (a spreadsheet's white
    # borders): nothing shows, but to a table finder the bands' edges are rules.
    banded: tuple[int, ...] = ()
    bands: Literal["fill", "rule"] = "fill"

    def height_of(self, row: int) -> float:
        return self.heights.get(row, self.row_height)


class DisclosurePdf:
    """A PDF built top to bottom; every method draws at the cursor and moves it down."""

    def __init__(self, title: str | None = None, author: str | None = None, ruling: Ruling = "grid") -> None:
        if not CJK_FONT.exists():
            raise FileNotFoundError(f"{CJK_FONT} is missing: install the Debian package fonts-wqy-microhei")
        self.pdf = FPDF()
        self.pdf.set_compression(False)
        self.pdf.set_auto_page_break(False)
        self.pdf.add_font("cjk", "", CJK_FONT)
        self.pdf.set_font("cjk", size=10)
        if title:
            self.pdf.set_title(title)
        if author:
            self.pdf.set_author(author)
        self.y = 0.0
        # How tables are ruled: every grid line, the row lines only (many 上海/江苏 prints), or none.
        self.ruling = ruling
        self._turned_pages: list[int] = []

    def page(self, footer: str | None = None, orientation: str = "P") -> DisclosurePdf:
        self.pdf.add_page(orientation=orientation)
        if footer:
            self.pdf.set_font_size(9)
            self.pdf.text(self.pdf.w / 2 - 8, self.pdf.h - 10, footer)
            self.pdf.set_font_size(10)
        self.y = 18.0
        return self

    @contextmanager
    def turned(self) -> Iterator[DisclosurePdf]:
        """Draw on a portrait page a quarter-turn round, shown upright by /Rotate 90.

        That is how some producers make landscape pages, as opposed to a landscape media box.
        """
        self._turned_pages.append(self.pdf.page - 1)
        with self.pdf.rotation(angle=90, x=self.pdf.w / 2, y=self.pdf.w / 2):
            yield self

    def line(self, text: str, size: float = 10, char_spacing: float = 0) -> DisclosurePdf:
        self.pdf.set_font_size(size)
        self.pdf.set_char_spacing(char_spacing)
        self.pdf.text(15, self.y + size * 0.35, text)
        self.pdf.set_char_spacing(0)
        self.pdf.set_font_size(10)
        self.y += size * 0.35 + 3
        return self

    def paragraph(self, text: str) -> DisclosurePdf:
        self.pdf.set_xy(15, self.y)
        self.pdf.multi_cell(self.pdf.w - 30, 6, text)
        self.y = self.pdf.get_y() + 2
        return self

    def rule(self) -> DisclosurePdf:
        """A lone horizontal rule, as under a letterhead: a path that is not a table."""
        self.pdf.line(15, self.y, self.pdf.w - 15, self.y)
        self.y += 3
        return self

    def table(self, grid: Grid, x: float = 15, char_spacing: float = 0) -> DisclosurePdf:
        """Rule each grid line once across the cells it separates, as spreadsheet exports do: the
        published disclosures draw ~90 lines on a page of 40 rows, not four borders per cell, and
        pdfplumber's table finder costs grow with the number of edges."""
        tops = [self.y]
        for r in range(len(grid.rows)):
            tops.append(tops[-1] + grid.height_of(r))
        lefts = [x]
        for width in grid.widths:
            lefts.append(lefts[-1] + width)
        owner = _cell_owners(grid)
        rows, columns = len(grid.rows), len(grid.widths)
        self._bands(grid, lefts, tops)
        for i in range(rows + 1) if self.ruling != "none" else ():
            breaks = [owner.get((i - 1, c)) != owner.get((i, c)) for c in range(columns)]
            for a, b in _runs(breaks, lefts):
                self.pdf.line(a, tops[i], b, tops[i])
        for j in range(columns + 1) if self.ruling == "grid" else ():
            breaks = [owner.get((r, j - 1)) != owner.get((r, j)) for r in range(rows)]
            for a, b in _runs(breaks, tops):
                self.pdf.line(lefts[j], a, lefts[j], b)
        for r, row in enumerate(grid.rows):
            for c, text in enumerate(row):
                if text is not None:
                    down, _ = grid.spans.get((r, c), (1, 1))
                    self._cell_text(text, lefts[c], tops[r], tops[r + down], char_spacing)
        self.y = tops[-1] + 4
        return self

    def _bands(self, grid: Grid, lefts: list[float], tops: list[float]) -> None:
        self.pdf.set_fill_color(255)
        self.pdf.set_draw_color(255)
        for r, row in enumerate(grid.rows):
            for c in grid.banded:
                if row[c] is None:
                    continue
                down, over = grid.spans.get((r, c), (1, 1))
                x0, x1, y0, y1 = lefts[c], lefts[c + over], tops[r], tops[r + down]
                band = min(_BAND, (y1 - y0) / 4)
                if grid.bands == "rule":
                    self.pdf.line(x0, y0 + band, x1, y0 + band)
                    self.pdf.line(x0, y1 - band, x1, y1 - band)
                    continue
                for top, bottom in ((y0, y0 + band), (y0 + band, y1 - band), (y1 - band, y1)):
                    self.pdf.rect(x0, top, x1 - x0, bottom - top, style="F")
        self.pdf.set_draw_color(0)

    def _cell_text(self, text: str, x0: float, y0: float, y1: float, char_spacing: float) -> None:
        lines = text.split("\n")
        first_baseline = (y0 + y1) / 2 - _LINE_HEIGHT * (len(lines) - 1) / 2 + 1.3
        self.pdf.set_char_spacing(char_spacing)
        for index, line in enumerate(lines):
            if line:
                self.pdf.text(x0 + 1.2, first_baseline + index * _LINE_HEIGHT, line)
        self.pdf.set_char_spacing(0)

    def image(self) -> DisclosurePdf:
        """A grey raster block standing in for a scanned page."""
        from PIL import Image, ImageDraw

        picture = Image.new("L", (400, 300), 255)
        ImageDraw.Draw(picture).rectangle((20, 20, 380, 280), outline=0, width=3)
        self.pdf.image(picture, x=15, y=self.y, w=150)
        self.y += 115
        return self

    def encrypt(self, user_password: str) -> DisclosurePdf:
        self.pdf.set_encryption(owner_password=user_password + "-owner", user_password=user_password)
        return self

    def bytes(self, radicals: dict[str, str] | None = None) -> bytes:
        """The file; `radicals` maps ideographs to the radical code points the text layer should claim.

        Some producers draw the ordinary glyph but map it to a Kangxi or supplement radical in the
        font's ToUnicode table; rewriting that table reproduces exactly such a file. The rewrite keeps
        every byte offset, so the cross-reference table stays valid.
        """
        buffer = io.BytesIO()
        self.pdf.output(buffer)
        data = buffer.getvalue()
        for ideograph, radical in (radicals or {}).items():
            pattern = re.compile(rb"(<[0-9A-F]{4}> )<%04X>" % ord(ideograph))
            data, count = pattern.subn(rb"\g<1><%04X>" % ord(radical), data)
            if not count:
                raise ValueError(f"{ideograph!r} is not in the PDF's ToUnicode table")
        return self._turn(data) if self._turned_pages else data

    def _turn(self, data: builtins.bytes) -> builtins.bytes:  # in the class, `bytes` is the method above
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(data)
        for index in self._turned_pages:
            document[index].set_rotation(90)
        buffer = io.BytesIO()
        document.save(buffer)
        document.close()
        return buffer.getvalue()


def _cell_owners(grid: Grid) -> dict[tuple[int, int], tuple[int, int]]:
    """Each grid position -> the cell printed there (a span's top-left cell covers its whole area)."""
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for r, row in enumerate(grid.rows):
        for c, text in enumerate(row):
            if text is not None:
                down, across = grid.spans.get((r, c), (1, 1))
                for dr in range(down):
                    for dc in range(across):
                        owner[(r + dr, c + dc)] = (r, c)
    for r in range(len(grid.rows)):
        for c in range(len(grid.widths)):
            owner.setdefault((r, c), (r, c))
    return owner


def _runs(ruled: list[bool], stops: list[float]) -> list[tuple[float, float]]:
    """Maximal runs of ruled segments, as (start, end) coordinates: segment k spans stops[k]..stops[k+1]."""
    runs, start = [], None
    for index, on in enumerate([*ruled, False]):
        if on and start is None:
            start = index
        elif not on and start is not None:
            runs.append((stops[start], stops[index]))
            start = None
    return runs


def wide_grid(rows: list[list[str | None]], width: float = 25.0, **kwargs) -> Grid:
    """A grid whose columns all have one width: most test tables need no more."""
    columns = max(len(row) for row in rows)
    return Grid(rows=rows, widths=[width] * columns, **kwargs)
