"""A pdfplumber page whose objects PLAYA parses from the page's content.

pdfplumber lays a page out with pdfminer, whose content-stream parser, pure Python, is two thirds
of reading a table page. PLAYA (playa-pdf, compiled) parses the same content in half the time and
builds pdfminer's boxes and shapes on purpose; pdfplumber's table finder, words and crops then work
on its objects as on pdfminer's. tests/test_pdf_extractor.py checks that both give equal objects.

Differences meant:
- a character printed again over itself is kept once (`unique_chars`);
- a font that declares the floor of its bounding box as its descent (cairo: Noto Sans CJK's
  -1.048 em) has its characters placed by a text font's descent, as if it declared that; pdfminer
  would move every character of that font a line down, out of its cell;
- a font named in bytes that are not UTF-8 (GBK: 宋体) is named by them read as Latin-1, where
  pdfminer gives their Python repr;
- a path's line width and dash start as PDF says, 1 and solid (pdfminer: 0 and none); nothing
  reads them.
"""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from unicodedata import normalize as normalize_unicode

import pdfplumber
import playa
from pdfplumber.page import Page
from playa.color import Color
from playa.content import ContentObject, GlyphObject, TextObject, XObjectObject
from playa.font import CIDFont, Font, Type3Font
from playa.miner import LTChar, LTComponent, LTContainer, LTCurve, LTImage, LTLine, LTRect, process_object
from playa.pdftypes import resolve1

# Font descents, in ems: deeper than the first is a bounding box's floor, read as the second
# (SimSun's, the common face of government documents).
_DEEPEST_DESCENT = -0.5
_USUAL_DESCENT = -0.141
# pdfminer's scale of a font's declared metrics (thousandths of an em), but a Type 3 font's.
_GLYPH_SPACE = 0.001

# How close (points) a character printed again must stand to count as the same one.
_OVERPRINT = 1.0

_KINDS: dict[type, str] = {LTRect: "rect", LTLine: "line", LTCurve: "curve", LTImage: "image"}


class ContentError(Exception):
    """A page's content that cannot be parsed: the file is malformed there."""


def unique_chars(chars: list[dict]) -> list[dict]:
    """The characters, less those printed again over themselves (same text, font and size, within
    a point): bold faked by printing a line twice, a hair apart, would otherwise read 公公开开.
    pdfplumber's `dedupe_chars` does the same in quadratic time."""

    def identity(char: dict) -> tuple:
        return char["text"], char["upright"], char["fontname"], char["size"]

    dropped: set[int] = set()
    by_position = sorted(range(len(chars)), key=lambda i: (identity(chars[i]), chars[i]["doctop"], chars[i]["x0"]))
    kept: deque[dict] = deque()
    for index in by_position:
        char = chars[index]
        while kept and (identity(kept[0]) != identity(char) or char["doctop"] - kept[0]["doctop"] > _OVERPRINT):
            kept.popleft()
        if any(abs(char["x0"] - other["x0"]) <= _OVERPRINT for other in kept):
            dropped.add(index)
        else:
            kept.append(char)
    return [char for index, char in enumerate(chars) if index not in dropped] if dropped else chars


class TablePages:
    """One PDF open twice: in pdfplumber for its pages' boxes and tables, in PLAYA for their content."""

    def __init__(self, data: bytes) -> None:
        self.plumber = pdfplumber.open(io.BytesIO(data))
        try:
            self.content = playa.Document(data, space="page")
        except Exception as error:
            self.plumber.close()
            raise ContentError(repr(error)) from error
        self._fonts: dict[int, _FontReading] = {}

    def page(self, index: int, rotation: int | None = None) -> TablePage:
        """The page, turned to `rotation` (its /Rotate) when given."""
        page = self.plumber.pages[index]
        content = self.content.pages[index]
        if rotation is not None:
            page.page_obj.attrs["Rotate"] = page.page_obj.rotate = rotation
            content.set_initial_ctm("page", rotation)
        return TablePage.of(page, content, self)

    def font(self, font: Font) -> _FontReading:
        """How the font's characters are placed and decoded as pdfminer would, worked out once."""
        reading = self._fonts.get(id(font))
        if reading is None:
            reading = self._fonts[id(font)] = _FontReading(font, _shift(font), _mapped_cids(font))
        return reading

    def close(self) -> None:
        self.plumber.close()
        self.content.close()

    def __enter__(self) -> TablePages:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


@dataclass(frozen=True)
class _FontReading:
    """A font (kept, so that its id stays its own) and how pdfminer reads its characters:
    `descent_shift`, how far (ems) to move one up from where PLAYA places it, to stand where
    pdfminer places it by the font's declared descent (none: 0), or by a text font's when that is
    deeper than any text font's; `mapped_cids`, see `_mapped_cids`."""

    font: Font
    descent_shift: float
    mapped_cids: frozenset[int] | None

    def mapped(self, glyph: GlyphObject) -> bool:
        """Whether the font maps the glyph to a character, as pdfminer finds it. Where it does not,
        PLAYA gives a simple font's glyph no text and a CID font's the character its code is;
        pdfminer gives both as `(cid:N)`, the sign by which `is_undecoded` sends a page to OCR."""
        return bool(glyph.text) and (self.mapped_cids is None or glyph.cid in self.mapped_cids)


def _shift(font: Font) -> float:
    if font.vertical:
        return 0.0
    placed = font.descent * font.matrix[3]
    if isinstance(font, Type3Font):
        declared = placed
    else:
        value = resolve1(font.descriptor.get("Descent", 0))
        declared = -abs(value) * _GLYPH_SPACE if isinstance(value, (int, float)) else 0.0
    return (_USUAL_DESCENT if declared < _DEEPEST_DESCENT else declared) - placed


def _mapped_cids(font: Font) -> frozenset[int] | None:
    """The CIDs a CID font's ToUnicode map gives a character (None: all it decodes); for other
    fonts, None."""
    if not isinstance(font, CIDFont):
        return None
    if font.tounicode is None:
        return None if font.unicode_map is not None else frozenset()
    return frozenset(cid for code in font.tounicode.bytes2unicode for _, cid in font.cmap.decode(code))


def _color(color: Color) -> tuple:
    """A character's colour as pdfplumber gives it: its components, and its pattern's name."""
    return (*color.values, color.pattern) if color.pattern is not None else tuple(color.values)


def _path_color(color: Color) -> object:
    """A path's colour as pdfminer gives it: one component alone, not in a tuple."""
    components = _color(color)
    return components[0] if len(components) == 1 else components


class TablePage(Page):
    """pdfplumber's Page, with its objects from PLAYA."""

    content: playa.Page
    opened: TablePages

    @classmethod
    def of(cls, page: Page, content: playa.Page, pages: TablePages) -> TablePage:
        """The same page of the same open PDF, `content` its PLAYA page."""
        table_page = cls(page.pdf, page.page_obj, page_number=page.page_number, initial_doctop=page.initial_doctop)
        table_page.content = content
        table_page.opened = pages
        return table_page

    def parse_objects(self) -> dict[str, list[dict]]:
        objects: dict[str, list[dict]] = {}
        try:
            for obj in self._objects_of(self.content):
                objects.setdefault(obj["object_type"], []).append(obj)
        except MemoryError:
            raise
        except Exception as error:
            raise ContentError(repr(error)) from error
        if "char" in objects:
            objects["char"] = unique_chars(objects["char"])
        return objects

    def _objects_of(self, items: Iterable[ContentObject], drawing: tuple[int, ...] = ()) -> Iterator[dict]:
        """The objects `items` draw; a form drawn inside itself (`drawing`: the forms being drawn)
        is drawn once, as pdfminer does, not until the stack runs out."""
        for item in items:
            if isinstance(item, TextObject):
                yield from (self._char(glyph) for glyph in item if isinstance(glyph, GlyphObject))
            elif isinstance(item, XObjectObject):
                form = item.stream.objid if item.stream.objid is not None else id(item.stream)
                if form not in drawing:
                    yield from self._objects_of(item, (*drawing, form))
            else:
                yield from map(self._shape, _flat(process_object(item)))

    def _char(self, glyph: GlyphObject) -> dict:
        char = LTChar(glyph)
        font = self.opened.font(glyph.font)
        _, _, c, d, _, _ = glyph.matrix
        dx, dy = c * font.descent_shift, d * font.descent_shift
        text = char.get_text() if font.mapped(glyph) else f"(cid:{glyph.cid})"
        norm = self.pdf.unicode_norm
        marked = char.mcstack[-1] if char.mcstack else None
        attr: dict[str, object] = {
            "fontname": char.fontname,
            "adv": char.adv,
            "upright": char.upright,
            "matrix": char.matrix,
            "mcid": marked.mcid if marked else None,
            "tag": marked.tag if marked else None,
            "width": char.width,
            "height": char.height,
            "size": char.size,
            "text": normalize_unicode(norm, text) if norm is not None else text,
            "stroking_color": _color(char.stroking_color),
            "non_stroking_color": _color(char.non_stroking_color),
            "ncs": char.ncs.name,
            "object_type": "char",
            "page_number": self.page_number,
        }
        return self._placed(attr, (char.x0 + dx, char.y0 + dy, char.x1 + dx, char.y1 + dy))

    def _shape(self, obj: LTComponent) -> dict:
        marked = obj.mcstack[-1] if obj.mcstack else None
        attr: dict[str, object] = {
            "width": obj.width,
            "height": obj.height,
            "mcid": marked.mcid if marked else None,
            "tag": marked.tag if marked else None,
            "object_type": _KINDS[obj.__class__],
            "page_number": self.page_number,
        }
        if isinstance(obj, LTCurve):
            attr.update(
                pts=list(map(self.point2coord, obj.pts)),
                linewidth=obj.linewidth,
                stroke=obj.stroke,
                fill=obj.fill,
                evenodd=obj.evenodd,
                stroking_color=_path_color(obj.stroking_color),
                non_stroking_color=_path_color(obj.non_stroking_color),
                path=[(command, *map(self.point2coord, points)) for command, *points in obj.original_path],
                dash=(list(obj.dashing_style.dash), obj.dashing_style.phase),
            )
        elif isinstance(obj, LTImage):
            attr.update(
                name=obj.name,
                srcsize=obj.srcsize,
                imagemask=obj.imagemask,
                bits=obj.bits,
                colorspace=obj.colorspace,
                stream=obj.stream,
            )
        return self._placed(attr, (obj.x0, obj.y0, obj.x1, obj.y1))

    def _placed(self, attr: dict[str, object], box: tuple[float, float, float, float]) -> dict[str, object]:
        """The object at `box` (x0, y0, x1, y1 in PDF space) as pdfplumber places it on the page."""
        x0, y0, x1, y1 = box
        box_x0, box_top = self.mediabox[:2]
        top = (self.height - y1) + box_top
        attr.update(x0=x0 + box_x0, y0=y0, x1=x1 + box_x0, y1=y1, top=top, bottom=(self.height - y0) + box_top)
        attr["doctop"] = self.initial_doctop + top
        return attr


def _flat(items: Iterable[LTComponent]) -> Iterator[LTComponent]:
    """A figure's shapes and images (pdfminer wraps each image in one), without the figure."""
    for item in items:
        if isinstance(item, LTContainer):
            yield from _flat(item)
        else:
            yield item
