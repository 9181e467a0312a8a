"""The warehouse's record of a document: its dim_document row, its tables, its issues, and the
narrative of one published apart from its tables."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict

import polars as pl

from extractors import ExtractedDocument, display_name
from transforms import PIPELINE_VERSION
from transforms.document import NormalizedDocument
from transforms.facts import FACT_SCHEMA, Issue
from transforms.filing import published_at

DOCUMENT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "document_id": pl.String,
    "file_name": pl.String,
    "source_path": pl.String,
    "source_format": pl.String,
    "pages": pl.Int32,
    "adcode": pl.String,
    "region_name": pl.String,
    "department_code": pl.String,
    "department_name": pl.String,
    "fiscal_year": pl.Int32,
    "identity_source": pl.String,
    "budget_scope": pl.String,
    "document_kind": pl.String,
    "published_at": pl.Datetime("us"),
    "published_at_source": pl.String,
    "status": pl.String,
    "reason": pl.String,
    "tables_found": pl.Int32,
    "tables_unknown": pl.Int32,
    "facts_loaded": pl.Int32,
    "amount_cells": pl.Int32,
    "amount_cells_loaded": pl.Int32,
    "pipeline_version": pl.Int32,
    "ocr_pages": pl.Int32,
    "unread_pages": pl.Int32,
}
TABLE_SCHEMA = {
    "document_id": pl.String,
    "table_index": pl.Int32,
    "table_type": pl.String,
    "title": pl.String,
    "page": pl.Int32,
    "source_position": pl.String,
    "unit": pl.String,
    "unit_source": pl.String,
    "segments": pl.Int32,
    "printed_rows": pl.Int32,
    "amount_cells": pl.Int32,
    "facts": pl.Int32,
}
NARRATIVE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "document_id": pl.String,
    "narrative": pl.String,
    "places": pl.List(
        pl.Struct({"offset": pl.Int32, "page": pl.Int32, "position": pl.String, "read_by_ocr": pl.Boolean})
    ),
}
ISSUE_SCHEMA = {
    "document_id": pl.String,
    "table_index": pl.Int32,
    "table_title": pl.String,
    "page": pl.Int32,
    "source_position": pl.String,
    "kind": pl.String,
    "message": pl.String,
    "side": pl.String,
}


def document_record(
    extracted: ExtractedDocument, normalized: NormalizedDocument | None, status: str, reason: str | None
) -> pl.DataFrame:
    context = normalized.context if normalized else None
    tables = normalized.tables if normalized else []
    loaded = status == "loaded"
    published, published_source = published_at(extracted, context.fiscal_year if context else None)
    row = {
        "document_id": extracted.document_id,
        "file_name": display_name(extracted.path.name),
        "source_path": display_name(extracted.path),
        "source_format": extracted.source_format,
        "pages": extracted.pages,
        "adcode": context.adcode if context else None,
        "region_name": normalized.region_name if normalized else None,
        "department_code": context.department_code if context else None,
        "department_name": context.department_name if context else None,
        "fiscal_year": context.fiscal_year if context else None,
        "identity_source": normalized.identity_source if normalized else None,
        "budget_scope": normalized.budget_scope if normalized else None,
        "document_kind": normalized.document_kind if normalized else None,
        "published_at": published,
        "published_at_source": published_source,
        "status": status,
        "reason": None if reason is None else display_name(reason),
        "tables_found": len(tables),
        "tables_unknown": sum(t.table_type is None for t in tables),
        "facts_loaded": normalized.facts.height if normalized and loaded else 0,
        "amount_cells": sum(normalized.amount_cells.values()) if normalized else None,
        "amount_cells_loaded": (normalized.facts.height if loaded else 0) if normalized else None,
        "pipeline_version": PIPELINE_VERSION,
        "ocr_pages": extracted.ocr_pages,
        "unread_pages": len(_pages_not_wholly_read(extracted)),
    }
    return pl.DataFrame([row], schema=DOCUMENT_SCHEMA)


def table_records(normalized: NormalizedDocument) -> pl.DataFrame:
    facts_per_table = Counter(normalized.facts["table_index"].to_list())
    rows = [
        {
            "document_id": normalized.context.document_id,
            "table_index": t.index,
            "table_type": t.table_type,
            "title": t.title,
            "page": t.page,
            "source_position": t.position,
            "unit": t.unit,
            "unit_source": t.unit_source,
            "segments": len(t.segments),
            "printed_rows": t.rows,
            "amount_cells": normalized.amount_cells.get(t.index, 0),
            "facts": facts_per_table.get(t.index, 0),
        }
        for t in normalized.tables
    ]
    return pl.DataFrame(rows, schema=TABLE_SCHEMA)


def issue_records(normalized: NormalizedDocument, extracted: ExtractedDocument) -> pl.DataFrame:
    return issues_frame(normalized.context.document_id, [*normalized.issues, *unread_page_issues(extracted)])


def unread_page_issues(extracted: ExtractedDocument) -> list[Issue]:
    """One needs_ocr issue per page left unread: what it printed is in no count of the document."""
    name = display_name(extracted.path.name)
    return [
        Issue(
            None,
            None,
            page,
            f"page {page}",
            "needs_ocr",
            f"{name}: page {page} has no readable text layer (a scan, or text that does not decode to "
            "characters) and was not read, so no amount printed on it is a "
            f"fact: {extracted.unread_because}",
        )
        for page in extracted.unread_pages
    ] + [
        Issue(
            None,
            None,
            page,
            f"page {page}",
            "ocr_illegible",
            f"{name}: page {page} is a scan with a ruled table printed too small to read (cells {points:g} pt high), "
            "so none of its amounts is a fact rather than some read wrong: get a text-based copy of the "
            "document, or a scan at 300 dpi or more",
        )
        for page, points in extracted.illegible_tables
    ]


def _pages_not_wholly_read(extracted: ExtractedDocument) -> list[int]:
    return sorted({*extracted.unread_pages, *(page for page, _ in extracted.illegible_tables)})


def partly_read_reason(extracted: ExtractedDocument) -> str | None:
    """What the record of a document loaded without some of its pages or tables says (None: all was read)."""
    if not _pages_not_wholly_read(extracted):
        return None
    said = []
    if unread := extracted.unread_pages:
        said.append(
            f"{len(unread)} of {extracted.pages} pages not read ({_pages(unread)}: no readable text layer), so no "
            f"amount printed there is a fact (stg_issue needs_ocr): {extracted.unread_because}"
        )
    if illegible := sorted({page for page, _ in extracted.illegible_tables}):
        said.append(
            f"{len(extracted.illegible_tables)} scanned table(s) printed too small to read ({_pages(illegible)}), "
            "so none of their amounts is a fact (stg_issue ocr_illegible): get a text-based copy or a scan at 300 dpi"
        )
    return f"{display_name(extracted.path.name)}: only partly read: " + "; ".join(said)


def _pages(pages: Sequence[int]) -> str:
    """page 3, or pages 3, 5-9, 12."""
    return f"page {pages[0]}" if len(pages) == 1 else f"pages {_page_ranges(pages)}"


def _page_ranges(pages: Sequence[int]) -> str:
    """3, 5-9, 12: page numbers, runs joined."""
    runs: list[list[int]] = []
    for page in pages:
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return ", ".join(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)


def issues_frame(document_id: str, issues: Sequence[Issue]) -> pl.DataFrame:
    rows = [
        {**{k: v for k, v in asdict(i).items() if k != "position"}, "source_position": i.position}
        | {"document_id": document_id}
        for i in issues
    ]
    return pl.DataFrame(rows, schema=ISSUE_SCHEMA)


def empty_facts() -> pl.DataFrame:
    return pl.DataFrame(schema=FACT_SCHEMA)


def narrative_record(extracted: ExtractedDocument) -> pl.DataFrame:
    """The narrative kept for a document published apart from its tables, to be checked against them
    once they are loaded (pipelines.run.check_narratives_apart)."""
    places = [place._asdict() for place in extracted.narrative_places]
    return pl.DataFrame(
        [{"document_id": extracted.document_id, "narrative": extracted.text, "places": places}], schema=NARRATIVE_SCHEMA
    )
