"""The warehouse's record of a document: its dim_document row, its tables and its issues."""

import re
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime

import polars as pl

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
    "status": pl.String,
    "reason": pl.String,
    "tables_found": pl.Int32,
    "tables_unknown": pl.Int32,
    "facts_loaded": pl.Int32,
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


def published_at(extracted: ExtractedDocument) -> datetime | None:
    """When the disclosure was made: the PDF's own dates (modified, else created), else the file's
    modification time. Decides which of two disclosures for one department and year is current."""
    for key in ("ModDate", "CreationDate"):
        if match := _PDF_DATE.match(extracted.metadata.get(key, "")):
            parts = [int(p) if p else d for p, d in zip(match.groups(), (0, 1, 1, 0, 0, 0), strict=True)]
            try:
                return datetime(*parts)
            except ValueError:
                continue
    try:
        return datetime.fromtimestamp(extracted.path.stat().st_mtime, UTC).replace(tzinfo=None)
    except OSError:
        return None


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
    row = {
        "document_id": extracted.document_id,
        "file_name": extracted.path.name,
        "source_path": str(extracted.path),
        "source_format": extracted.source_format,
        "pages": extracted.pages,
        "adcode": context.adcode if context else None,
        "region_name": normalized.region_name if normalized else None,
        "department_code": context.department_code if context else None,
        "department_name": context.department_name if context else None,
        "fiscal_year": context.fiscal_year if context else None,
        "budget_scope": normalized.budget_scope if normalized else None,
        "document_kind": normalized.document_kind if normalized else None,
        "published_at": published_at(extracted),
        "status": status,
        "reason": reason,
        "tables_found": len(tables),
        "tables_unknown": sum(t.table_type is None for t in tables),
        "facts_loaded": normalized.facts.height if normalized and loaded else 0,
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
