"""The warehouse's record of a document: its dim_document row, its tables and its issues."""

import re
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import polars as pl

from extractors import display_name
from extractors.model import ExtractedDocument
from transforms.document import NormalizedDocument
from transforms.facts import FACT_SCHEMA

DOCUMENT_SCHEMA = {
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
ISSUE_SCHEMA = {
    "document_id": pl.String,
    "table_index": pl.Int32,
    "table_title": pl.String,
    "page": pl.Int32,
    "source_position": pl.String,
    "kind": pl.String,
    "message": pl.String,
}


_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?")
# PDF dates carry their own time zone (China: +08'00) and are compared with UTC, hence a day's grace.
_CLOCK_SLACK = timedelta(days=1)
# A budget is drafted the year before its fiscal year; a date years earlier is a template's or a clock's.
_YEARS_BEFORE_FISCAL = 3
_EARLIEST = datetime(1993, 1, 1)


def _pdf_date(text: str) -> datetime | None:
    if match := _PDF_DATE.match(text):
        parts = [int(p) if p else d for p, d in zip(match.groups(), (0, 1, 1, 0, 0, 0), strict=True)]
        try:
            return datetime(*parts)
        except ValueError:
            return None
    return None


def _file_mtime(extracted: ExtractedDocument) -> datetime | None:
    try:
        return datetime.fromtimestamp(extracted.path.stat().st_mtime, UTC).replace(tzinfo=None)
    except (OSError, OverflowError, ValueError):
        return None


def published_at(
    extracted: ExtractedDocument, fiscal_year: int | None = None, now: datetime | None = None
) -> tuple[datetime | None, str | None]:
    """When the disclosure was made and where that date came from: the PDF's own dates (ModDate,
    else CreationDate), else the file's modification time (`file_mtime`); (None, None) when none is
    believable. Decides which of two disclosures for one department and year is current, so a date
    after the ingest (ModDate 9999 would stay current for good) or years before the fiscal year is
    not trusted and the next source is used."""
    latest = (now or datetime.now(UTC).replace(tzinfo=None)) + _CLOCK_SLACK
    year = (fiscal_year or 0) - _YEARS_BEFORE_FISCAL
    earliest = datetime(year, 1, 1) if _EARLIEST.year < year <= datetime.max.year else _EARLIEST
    candidates = [(key, _pdf_date(extracted.metadata.get(key, ""))) for key in ("ModDate", "CreationDate")]
    candidates.append(("file_mtime", _file_mtime(extracted)))
    for source, when in candidates:
        if when is not None and earliest <= when <= latest:
            return when, source
    return None, None


def _what(normalized: NormalizedDocument, kind: str) -> str:
    context = normalized.context
    whose = f"{context.department_name}'s " if context.department_name else "a "
    year = f"{context.fiscal_year} " if context.fiscal_year else ""
    return f"{whose}{year}{kind}"


def identity_problem(normalized: NormalizedDocument) -> tuple[str, str] | None:
    """(status, reason) when the document cannot be filed under a region, year and budget tables.

    A template or a narrative without tables is a file a user downloaded by mistake or only half
    of: the reason says what it is and what to load instead, rather than that it is broken."""
    context = normalized.context
    known = [t for t in normalized.tables if t.table_type]
    if normalized.placeholders:
        marks = ", ".join(f"'{mark}'" for mark in normalized.placeholders[:5])
        return "template", (
            f"an unfilled template, not a disclosure: it prints placeholders ({marks}) where a department's "
            "name, the year and amounts belong; load the department's published disclosure instead"
        )
    if normalized.document_kind == "final_account":
        return "not_budget", (
            f"{_what(normalized, '部门决算')} (final accounts), not a 部门预算: "
            "yusuan loads budgets only; load the department's 部门预算 disclosure instead"
        )
    if not known:
        if normalized.reads_as_budget_narrative:
            return "narrative_only", (
                f"the narrative of {_what(normalized, '部门预算')} without its tables; "
                "load the tables file published beside it (it loads on its own)"
            )
        found = f"{len(normalized.tables)} tables, none" if normalized.tables else "no table at all"
        return "not_budget", (
            f"not a 部门预算 disclosure: {found} titled like 部门收支总表, 一般公共预算支出表, ...; "
            "if it is one, add its table titles to transforms/vocabulary.toml"
        )
    if context.department_name is None:
        return "unidentified", (
            "no department name found: no label line such as '部门：苍溪县医疗保障局' or '编制部门：…' "
            "above the tables, and no cover line naming a department with its region; "
            "if the document prints its department under another label, add it to [identity] in "
            "transforms/vocabulary.toml"
        )
    if context.adcode is None:
        return "unidentified", f"region of '{context.department_name}' not resolved: {normalized.region_reason}"
    if context.fiscal_year is None:
        return (
            "unidentified",
            "budget year not found (expected e.g. '2025年部门预算' near the start or in table titles)",
        )
    return None


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


def issue_records(normalized: NormalizedDocument) -> pl.DataFrame:
    rows = [
        {**{k: v for k, v in asdict(i).items() if k != "position"}, "source_position": i.position}
        | {"document_id": normalized.context.document_id}
        for i in normalized.issues
    ]
    return pl.DataFrame(rows, schema=ISSUE_SCHEMA)


def empty_facts() -> pl.DataFrame:
    return pl.DataFrame(schema=FACT_SCHEMA)
