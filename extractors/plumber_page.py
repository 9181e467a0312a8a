"""A pdfplumber page that turns pdfminer's layout objects into pdfplumber's dicts faster.

pdfplumber passes every attribute of every object (a table page has thousands of characters, each
with a dozen attributes) through `resolve_all`, which only ever changes PDF object references, and
re-derives the object's kind with a regular expression each time: a third of reading a table page.
`TablePage` skips both for plain values and known classes, decodes a colour space's name once, and
is otherwise pdfplumber's own `Page.process_object` (pdfplumber 0.11); tests/test_pdf_extractor.py
checks that both give equal objects.

One difference is meant: a character printed again over itself is kept once (`unique_chars`).
"""

from __future__ import annotations

import re
from collections import deque
from functools import lru_cache
from unicodedata import normalize as normalize_unicode

from pdfminer.layout import LTChar, LTCurve, LTItem, LTTextContainer
from pdfplumber.page import ALL_ATTRS, Page, fix_fontname_bytes, lt_pat
from pdfplumber.utils import resolve_all, resolve_and_decode

_PLAIN = frozenset({int, float, str, bool, type(None)})
_KINDS: dict[type, str] = {}


def _plain_tuple(value: object) -> bool:
    """A character's matrix: `resolve_all` would give it back as it is."""
    return isinstance(value, tuple) and all(item.__class__ in _PLAIN for item in value)


@lru_cache(maxsize=256)
def _decoded(name: object) -> object:
    return resolve_and_decode(name)


# How close (points) a character printed again must stand to count as the same one.
_OVERPRINT = 1.0


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


class TablePage(Page):
    """pdfplumber's Page, with the same objects built faster."""

    def parse_objects(self) -> dict[str, list[dict]]:
        objects = super().parse_objects()
        if "char" in objects:
            objects["char"] = unique_chars(objects["char"])
        return objects

    @classmethod
    def of(cls, page: Page) -> TablePage:
        """The same page of the same open PDF."""
        return cls(page.pdf, page.page_obj, page_number=page.page_number, initial_doctop=page.initial_doctop)

    def process_object(self, obj: LTItem) -> dict:
        kind = _KINDS.get(obj.__class__)
        if kind is None:
            kind = _KINDS[obj.__class__] = re.sub(lt_pat, "", obj.__class__.__name__).lower()
        attr = {}
        for key, value in obj.__dict__.items():
            if key in ALL_ATTRS:
                attr[key] = value if value.__class__ in _PLAIN or _plain_tuple(value) else resolve_all(value)
        attr["object_type"] = kind
        attr["page_number"] = self.page_number
        for space in ("ncs", "scs"):
            if hasattr(obj, space):
                attr[space] = _decoded(getattr(obj, space).name)
        if isinstance(obj, (LTChar, LTTextContainer)):
            text = obj.get_text()
            norm = self.pdf.unicode_norm
            attr["text"] = normalize_unicode(norm, text) if norm is not None else text
        if isinstance(obj, LTChar):
            state = obj.graphicstate
            attr["stroking_color"] = state.scolor if isinstance(state.scolor, tuple) else (state.scolor,)
            attr["non_stroking_color"] = state.ncolor if isinstance(state.ncolor, tuple) else (state.ncolor,)
            if isinstance(attr["fontname"], bytes):
                attr["fontname"] = fix_fontname_bytes(attr["fontname"])
        elif isinstance(obj, LTCurve):
            attr["pts"] = list(map(self.point2coord, attr["pts"]))
            attr["path"] = [(command, *map(self.point2coord, points)) for command, *points in obj.original_path]  # type: ignore[union-attr]
            attr["dash"] = obj.dashing_style
        box_x0, box_top = self.mediabox[:2]
        if "y0" in attr:
            attr["top"] = (self.height - attr["y1"]) + box_top
            attr["bottom"] = (self.height - attr["y0"]) + box_top
            attr["doctop"] = self.initial_doctop + attr["top"]
        if "x0" in attr and box_x0 != 0:
            attr["x0"] = attr["x0"] + box_x0
            attr["x1"] = attr["x1"] + box_x0
        return attr
