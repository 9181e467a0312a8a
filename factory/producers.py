"""The factory's PDFs as other producers leave them: what a PDF writer does to fonts and text that
the printed page does not show, but a text layer does.

- `without_unicode_map`: fonts that map their glyphs to no Unicode (Ghostscript's re-distilling
  drops or garbles the map of some CJK fonts): the page looks the same, copied text is symbols.
- `with_font_descent`: fonts that declare the bottom of their bounding box as their descent
  (cairo writes Noto Sans CJK's -1048), which a reader uses to place every character's box.
- `without_font_box`: fonts that declare no bounding box (Chrome's print to PDF).
- `with_title_in_gbk`: the Title written in GBK (Chinese Windows printer drivers).
- `overprinted`: every page printed twice, a hair apart (bold faked by overprinting).
- `turned`: content drawn a quarter turn round on its page, with no /Rotate to turn it back.
- `with_stroked_text`: text drawn filled and stroked (bold faked by an outline), which cairo
  re-prints as the filled text plus each glyph's outline as paths (`reprinted_by_cairo`).
- `framed`: a rectangle drawn round each page (江苏's narrative files frame every page).

pypdf edits the PDFs (a test dependency); `reprinted_by_cairo` runs poppler's pdftocairo.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import (
    ByteStringObject,
    ContentStream,
    DictionaryObject,
    NameObject,
    NumberObject,
    PdfObject,
    RectangleObject,
)


def _dictionary(value: object) -> DictionaryObject:
    """A dictionary of the PDF, through its reference if it is one."""
    resolved = value.get_object() if isinstance(value, PdfObject) else value
    if not isinstance(resolved, DictionaryObject):
        raise TypeError(f"a dictionary was expected, not {type(resolved).__name__}")
    return resolved


def _fonts(writer: PdfWriter) -> Iterator[DictionaryObject]:
    """Every font of every page, descendant fonts of composite ones included."""
    for page in writer.pages:
        for reference in _dictionary(_dictionary(page["/Resources"]).get("/Font", DictionaryObject())).values():
            font = _dictionary(reference)
            yield font
            yield from (_dictionary(descendant) for descendant in font.get("/DescendantFonts", []))


def _descriptors(writer: PdfWriter) -> Iterator[DictionaryObject]:
    """Every font descriptor of every page's fonts."""
    for font in _fonts(writer):
        if "/FontDescriptor" in font:
            yield _dictionary(font["/FontDescriptor"])


def _contents(page: PageObject) -> bytes:
    contents = page.get_contents()
    return contents.get_data() if contents is not None else b""


def _replace_contents(writer: PdfWriter, page: PageObject, data: bytes) -> None:
    contents = ContentStream(None, writer)
    contents.set_data(data)
    page.replace_contents(contents)


def _edited(pdf: bytes, edit: Callable[[PdfWriter], None]) -> bytes:
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
        for descriptor in _descriptors(writer):
            descriptor[NameObject("/Descent")] = NumberObject(descent)

    return _edited(pdf, edit)


def without_font_box(pdf: bytes) -> bytes:
    """`pdf` with no font declaring its bounding box (as Chrome's Type 3 fonts declare none)."""

    def edit(writer: PdfWriter) -> None:
        for descriptor in _descriptors(writer):
            descriptor.pop(NameObject("/FontBBox"), None)

    return _edited(pdf, edit)


def with_stroked_text(pdf: bytes, line_width: float = 0.3) -> bytes:
    """`pdf` with all its text filled and stroked (text rendering mode 2)."""

    def edit(writer: PdfWriter) -> None:
        for page in writer.pages:
            _replace_contents(writer, page, f"2 Tr {line_width} w\n".encode() + _contents(page))

    return _edited(pdf, edit)


def framed(pdf: bytes, margin: float = 20.0) -> bytes:
    """`pdf` with a rectangle stroked `margin` points inside each page's edges."""

    def edit(writer: PdfWriter) -> None:
        for page in writer.pages:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            frame = f"q 0.5 w {margin} {margin} {width - 2 * margin} {height - 2 * margin} re S Q\n"
            _replace_contents(writer, page, _contents(page) + b"\n" + frame.encode())

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
            content = _contents(page)
            shifted = f"\nQ q 1 0 0 1 {offset} 0 cm\n".encode()
            _replace_contents(writer, page, b"q\n" + content + shifted + content + b"\nQ\n")

    return _edited(pdf, edit)


def with_title_in_gbk(pdf: bytes, hex_string: bool = False) -> bytes:
    """`pdf` with its Title written in GBK, as a Chinese Windows printer driver writes it (no PDF text
    encoding), as a literal string or, with `hex_string`, a hex one."""

    def edit(writer: PdfWriter) -> None:
        info = _dictionary(writer._info)
        gbk = str(info["/Title"]).encode("gb18030")
        info[NameObject("/Title")] = _HexBytes(gbk) if hex_string else ByteStringObject(gbk)

    return _edited(pdf, edit)


class _HexBytes(ByteStringObject):
    """Bytes pypdf writes as a hex string (<BDAD...>), as Distiller does."""

    def write_to_stream(self, stream, encryption_key=None) -> None:
        stream.write(b"<" + self.hex().upper().encode() + b">")


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
