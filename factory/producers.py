"""The factory's PDFs as other producers leave them: what a PDF writer does to fonts and text that
the printed page does not show, but a text layer does.

- `without_unicode_map`: fonts that map their glyphs to no Unicode (Ghostscript's re-distilling
  drops or garbles the map of some CJK fonts): the page looks the same, copied text is symbols.
- `with_font_descent`: fonts that declare the bottom of their bounding box as their descent
  (cairo writes Noto Sans CJK's -1048), which a reader uses to place every character's box.
- `without_font_box`: fonts that declare no bounding box (Chrome's print to PDF).
- `overprinted`: every page printed twice, a hair apart (bold faked by overprinting).
- `turned`: content drawn a quarter turn round on its page, with no /Rotate to turn it back.
- `with_stroked_text`: text drawn filled and stroked (bold faked by an outline), which cairo
  re-prints as the filled text plus each glyph's outline as paths (`reprinted_by_cairo`).

pypdf edits the PDFs (a test dependency); `reprinted_by_cairo` runs poppler's pdftocairo.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject, RectangleObject


def _fonts(writer: PdfWriter) -> Iterator[DictionaryObject]:
    """Every font of every page, descendant fonts of composite ones included."""
    for page in writer.pages:
        for reference in page["/Resources"].get_object().get("/Font", {}).values():
            font = reference.get_object()
            yield font
            yield from (descendant.get_object() for descendant in font.get("/DescendantFonts", []))


def _edited(pdf: bytes, edit) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    edit(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def without_unicode_map(pdf: bytes) -> bytes:
    """`pdf` with every font's ToUnicode map removed."""

    def edit(writer: PdfWriter) -> None:
        for font in _fonts(writer):
            font.pop(NameObject("/ToUnicode"), None)

    return _edited(pdf, edit)


def with_font_descent(pdf: bytes, descent: int) -> bytes:
    """`pdf` with every font declaring `descent` (glyph units, 1000 an em)."""

    def edit(writer: PdfWriter) -> None:
        for font in _fonts(writer):
            if "/FontDescriptor" in font:
                font["/FontDescriptor"].get_object()[NameObject("/Descent")] = NumberObject(descent)

    return _edited(pdf, edit)


def without_font_box(pdf: bytes) -> bytes:
    """`pdf` with no font declaring its bounding box (as Chrome's Type 3 fonts declare none)."""

    def edit(writer: PdfWriter) -> None:
        for font in _fonts(writer):
            if "/FontDescriptor" in font:
                font["/FontDescriptor"].get_object().pop(NameObject("/FontBBox"), None)

    return _edited(pdf, edit)


def with_stroked_text(pdf: bytes, line_width: float = 0.3) -> bytes:
    """`pdf` with all its text filled and stroked (text rendering mode 2)."""

    def edit(writer: PdfWriter) -> None:
        for page in writer.pages:
            stream = DecodedStreamObject()
            stream.set_data(f"2 Tr {line_width} w\n".encode() + page.get_contents().get_data())
            page.replace_contents(stream)

    return _edited(pdf, edit)


def turned(pdf: bytes, clockwise: bool = False) -> bytes:
    """`pdf` with each page's content drawn a quarter turn round (counter-clockwise unless
    `clockwise`) on a page of swapped width and height, which no /Rotate turns back: a landscape
    sheet printed onto a portrait page, or the reverse. The matrix is exact, as producers write it."""

    def edit(writer: PdfWriter) -> None:
        for page in writer.pages:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            matrix = (0, -1, 1, 0, 0, width) if clockwise else (0, 1, -1, 0, height, 0)
            page.add_transformation(Transformation(matrix))
            page.mediabox = page.cropbox = RectangleObject([0, 0, height, width])

    return _edited(pdf, edit)


def overprinted(pdf: bytes, offset: float = 0.3) -> bytes:
    """`pdf` with each page printed twice, the second time `offset` points to the right: bold faked
    as word processors fake it for a face without a bold weight."""

    def edit(writer: PdfWriter) -> None:
        for page in writer.pages:
            content = page.get_contents().get_data()
            stream = DecodedStreamObject()
            stream.set_data(b"q\n" + content + f"\nQ q 1 0 0 1 {offset} 0 cm\n".encode() + content + b"\nQ\n")
            page.replace_contents(stream)

    return _edited(pdf, edit)


def cairo_missing() -> str | None:
    """Why `reprinted_by_cairo` cannot run here, or None."""
    return None if shutil.which("pdftocairo") else "poppler's pdftocairo is missing (apt-get install poppler-utils)"


def reprinted_by_cairo(pdf: bytes) -> bytes:
    """`pdf` printed again to PDF by cairo, as Linux desktops' print-to-PDF and poppler do."""
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder, "in.pdf"), Path(folder, "out.pdf")
        source.write_bytes(pdf)
        subprocess.run(["pdftocairo", "-pdf", str(source), str(target)], check=True, capture_output=True, timeout=120)
        return target.read_bytes()
