"""Extractor for text conversions of disclosures (markdown-ish headings, tab-separated rows).

Such files carry no pages, so every row's page is None and its position is a line number.
"""

import re
from pathlib import Path

from charset_normalizer import from_bytes

from extractors.model import ExtractedDocument, ExtractionError, RawRow, RawTable, display_name, narrative_places
from extractors.textlayer import (
    clean_cell,
    heading_key,
    is_label,
    is_narrative,
    is_title,
    lines_unit,
    normalize_text,
    repeats_heading,
    stated_unit,
    title_and_fields,
)

_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xfe\xff", "utf-16"),
    (b"\xff\xfe", "utf-16"),
)
_MARKUP = re.compile(r"^[#\-*>\s]+|</?[a-zA-Z][^>]*>|\*\*")


def _plain(line: str) -> str:
    return normalize_text(_MARKUP.sub("", line)).strip()


def decode_text(path: Path, data: bytes) -> str:
    """The text of a conversion in whichever encoding Chinese government files come in: a BOM's
    (UTF-8, UTF-16, UTF-32), else strict UTF-8, else strict GB18030 (a superset of GBK and GB2312),
    else what charset-normalizer recognises; raise ExtractionError when none fits."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise ExtractionError(
                    "corrupt",
                    f"{display_name(path.name)}: starts with a {encoding} byte-order mark but is not {encoding} "
                    f"(byte {error.start}); re-export it as UTF-8 or supply the PDF.",
                ) from error
    encodings = ("utf-8", "gb18030") if b"\x00" not in data else ()
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    guess = from_bytes(data).best()
    if guess is not None:
        return str(guess)
    raise ExtractionError(
        "corrupt",
        f"{display_name(path.name)}: not text in any encoding recognised (UTF-8, UTF-16, GB18030/GBK, ...); "
        "convert it to UTF-8 or supply the PDF.",
    )


def extract_text_document(path: Path, data: bytes, document_id: str) -> ExtractedDocument:
    """Read tab-separated blocks as tables; the title is the last title-like line above a block."""
    lines = decode_text(path, data).splitlines()
    tables: list[RawTable] = []
    narrative: list[str] = []
    starts: list[tuple[int, int | None, str, bool]] = []
    title: str | None = None
    context: list[str] = []
    only_blank_since_table = False
    labelled = False  # a number label since the last table: an untitled block after it starts a table
    heading: tuple[str, ...] = ()
    block: list[RawRow] = []

    def close_block() -> None:
        nonlocal title, context, only_blank_since_table, labelled, heading
        if block:
            unit = lines_unit([title or "", *context])
            repeats = title is not None and repeats_heading(heading_key(title, context), heading)
            if title is not None and not repeats:
                heading = heading_key(title, context)
            tables.append(
                RawTable(
                    title=title,
                    unit=unit,
                    rows=tuple(block),
                    page=None,
                    position=block[0].position,
                    context=tuple(context),
                    after_table=bool(tables)
                    and only_blank_since_table
                    and (repeats if title is not None else not labelled),
                )
            )
            block.clear()
            title, context, only_blank_since_table, labelled = None, [], True, False

    for number, line in enumerate(lines, start=1):
        if "\t" in line:
            block.append(RawRow(tuple(clean_cell(c) for c in line.split("\t")), None, f"line {number}"))
            continue
        close_block()
        plain = _plain(line)
        for text in title_and_fields(plain) if plain else ():
            starts.append((len(narrative), None, f"line {number}", False))
            narrative.append(text)
            if is_title(text):
                repeated = heading[:1] == heading_key(text, [])
                title, context, only_blank_since_table = text, [], only_blank_since_table and repeated
            elif is_narrative(text):
                title, context, only_blank_since_table = None, [], False
            elif title is not None:
                context.append(text)
            elif is_label(text):
                labelled = True
            elif stated_unit(text) is None:
                only_blank_since_table = False
    close_block()
    return ExtractedDocument(
        document_id=document_id,
        path=path,
        source_format="text",
        pages=None,
        text="\n".join(narrative),
        tables=tuple(tables),
        narrative_places=narrative_places(narrative, starts),
    )
