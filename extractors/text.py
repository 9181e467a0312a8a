"""Extractor for text conversions of disclosures (markdown-ish headings, tab-separated rows).

Such files carry no pages, so every row's page is None and its position is a line number.
"""

import re
from pathlib import Path

from extractors.model import ExtractedDocument, RawRow, RawTable
from extractors.textlayer import clean_cell, is_narrative, is_title, normalize_text, stated_unit

_MARKUP = re.compile(r"^[#\-*>\s]+|</?[a-zA-Z][^>]*>|\*\*")


def _plain(line: str) -> str:
    return normalize_text(_MARKUP.sub("", line)).strip()


def extract_text_document(path: Path, data: bytes, document_id: str) -> ExtractedDocument:
    """Read tab-separated blocks as tables; the title is the last title-like line above a block."""
    lines = data.decode("utf-8-sig").splitlines()
    tables: list[RawTable] = []
    narrative: list[str] = []
    title: str | None = None
    context: list[str] = []
    only_blank_since_table = False
    block: list[RawRow] = []

    def close_block() -> None:
        nonlocal title, context, only_blank_since_table
        if block:
            unit = next((u for u in map(stated_unit, [title or "", *context]) if u), None)
            tables.append(
                RawTable(
                    title=title,
                    unit=unit,
                    rows=tuple(block),
                    page=None,
                    position=block[0].position,
                    context=tuple(context),
                    after_table=bool(tables) and only_blank_since_table and title is None,
                )
            )
            block.clear()
            title, context, only_blank_since_table = None, [], True

    for number, line in enumerate(lines, start=1):
        if "\t" in line:
            block.append(RawRow(tuple(clean_cell(c) for c in line.split("\t")), None, f"line {number}"))
            continue
        close_block()
        text = _plain(line)
        if not text:
            continue
        narrative.append(text)
        if is_title(text):
            title, context, only_blank_since_table = text, [], False
        elif is_narrative(text):
            title, context, only_blank_since_table = None, [], False
        elif title is not None:
            context.append(text)
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
    )
