"""Classified tables to `fct_budget_amount` rows: one fact per printed amount, traceable to its cell."""

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

import polars as pl

from extractors.model import RawRow
from transforms.cleaning import clean_label, compact, is_blank_amount, parse_amount, to_wan
from transforms.tables import ClassifiedTable, Column, resolve_columns, split_header
from transforms.vocabulary import vocabulary

_DIGITS = re.compile(r"^\d+$")
_CODE_THEN_NAME = re.compile(r"^(\d{3,9})\s*(\D.*)$")
_BROKEN_DECIMAL = re.compile(r"^\d[\d,]*\.$")
_DECIMALS_THEN_TEXT = re.compile(r"^(\d{1,2})\s+(\S.*)$")
_PERCENT = re.compile(r"%$")
UNIT_CODE_LENGTH = 6
SCHEME_BY_FIRST_DIGIT = {"1": "revenue", "2": "function", "3": "econ_dept", "5": "econ_gov"}

FACT_SCHEMA = {
    "document_id": pl.String,
    "adcode": pl.String,
    "fiscal_year": pl.Int32,
    "department_code": pl.String,
    "department_name": pl.String,
    "table_type": pl.String,
    "table_index": pl.Int32,
    "table_title": pl.String,
    "subject_scheme": pl.String,
    "subject_code": pl.String,
    "subject_name": pl.String,
    "row_label": pl.String,
    "row_kind": pl.String,
    "side": pl.String,
    "measure": pl.String,
    "period": pl.String,
    "fund": pl.String,
    "column_label": pl.String,
    "amount_wan": pl.Decimal(18, 2),
    "amount_printed": pl.String,
    "source_unit": pl.String,
    "page": pl.Int32,
    "source_position": pl.String,
    "column_index": pl.Int32,
}


@dataclass(frozen=True)
class DocumentContext:
    """What normalization needs to know about the document a table comes from."""

    document_id: str
    fiscal_year: int | None
    department_code: str | None
    department_name: str | None
    adcode: str | None


@dataclass(frozen=True)
class Issue:
    """Something printed that could not be turned into a fact, said so a person can check it."""

    table_index: int
    table_title: str | None
    page: int | None
    position: str
    kind: str
    message: str


@cache
def subject_classes() -> dict[tuple[str, str], str]:
    """(scheme, code) -> name of each 类 of the national classification shipped as reference data."""
    text = resources.files("transforms.reference").joinpath("subject_classes.csv").read_text("utf-8")
    return {(r["scheme"], r["code"]): r["name"] for r in csv.DictReader(text.splitlines())}


@cache
def _function_class_by_name() -> dict[str, str]:
    return {compact(name): code for (scheme, code), name in subject_classes().items() if scheme == "function"}


def repair_row(cells: Sequence[str]) -> list[str]:
    """Mend a cell boundary OCR moved into an amount: '0.' | '00 二、年终结转结余' -> '0.00' | '二、...'."""
    repaired = list(cells)
    for i in range(len(repaired) - 1):
        match = _DECIMALS_THEN_TEXT.match(repaired[i + 1].strip())
        if match and _BROKEN_DECIMAL.match(compact(repaired[i])):
            repaired[i] = compact(repaired[i]) + match.group(1)
            repaired[i + 1] = match.group(2)
    return repaired


def _is_unit_code(value: str, column_role: str, context: DocumentContext) -> bool:
    if len(value) == UNIT_CODE_LENGTH or value == context.department_code:
        return True
    known_class = any(code == value for (_, code) in subject_classes())
    return column_role == "unit_code" and len(value) == 3 and not known_class


def _join_code(parts: Sequence[str]) -> str:
    """类 | 款 | 项 printed apart become one code; a later column that repeats the prefix wins."""
    code = ""
    for part in parts:
        if code and part.startswith(code):
            code = part
        elif not code or len(part) == 2:
            code += part
        else:
            code = part
    return code


@dataclass(frozen=True)
class _RowLabel:
    subject_code: str | None
    unit_code: str | None
    name: str


def _row_label(cells: Sequence[str], columns: Sequence[Column], context: DocumentContext) -> _RowLabel:
    code_parts: list[str] = []
    unit_code = None
    name = ""
    for column in columns:
        if column.role not in ("code", "unit_code", "name", "text") or column.index >= len(cells):
            continue
        text = compact(cells[column.index])
        if not text:
            continue
        if match := _CODE_THEN_NAME.match(cells[column.index].strip()):
            code_parts.append(match.group(1))
            name = name or match.group(2)
        elif _DIGITS.match(text):
            if len(text) != 2 and _is_unit_code(text, column.role, context):
                unit_code = text
            else:
                code_parts.append(text)
        elif not name:
            name = cells[column.index]
    return _RowLabel(_join_code(code_parts) or None, unit_code, clean_label(name))


def _is_department(name: str, context: DocumentContext) -> bool:
    if not context.department_name or not name:
        return False
    own = compact(context.department_name)
    return compact(name).removesuffix("部门").removesuffix("(本级)") in (own, own + "机关")


@dataclass(frozen=True)
class _RowMeaning:
    """What one side of a printed row is: its kind, subject and the label it printed."""

    kind: str
    scheme: str
    code: str | None
    name: str
    label: _RowLabel
    side: str | None


def _row_meaning(label: _RowLabel, side: str | None, table: ClassifiedTable, context: DocumentContext) -> _RowMeaning:
    vocab = vocabulary()
    name = vocab.enumeration.sub("", label.name).strip()
    side_scheme = "revenue" if side == "income" or table.table_type == "income_summary" else table.scheme

    def meaning(kind: str, scheme: str, code: str | None = None) -> _RowMeaning:
        return _RowMeaning(kind, scheme, code, name, label, side)

    if any(p.search(compact(label.name)) for p in vocab.total_row):
        return meaning("total", side_scheme)
    if label.subject_code:
        return meaning("subject", SCHEME_BY_FIRST_DIGIT.get(label.subject_code[0], table.scheme), label.subject_code)
    if label.unit_code or _is_department(name, context):
        return meaning("unit", side_scheme)
    if not name:
        return meaning("unlabeled", side_scheme)
    if side_scheme == "revenue":
        return meaning("item", "revenue")
    if table.scheme == "function" and (code := _function_class_by_name().get(compact(name))):
        return meaning("subject", "function", code)
    return meaning("item", "item")


@dataclass(frozen=True)
class TableFacts:
    facts: list[dict]
    issues: list[Issue]


def table_facts(table: ClassifiedTable, context: DocumentContext) -> TableFacts:
    """Every printed amount of one classified table as a fact row, plus what could not be read."""
    facts: list[dict] = []
    issues: list[Issue] = []

    def issue(row: RawRow | None, kind: str, message: str) -> None:
        page = row.page if row else table.page
        position = row.position if row else table.position
        issues.append(Issue(table.index, table.title, page, position, kind, message))

    columns: list[Column] = []
    for segment in table.segments:
        header, data = split_header(segment.rows)
        if header or not columns:
            columns = resolve_columns(header, data, context.fiscal_year)
            for column in columns:
                if column.role == "unknown":
                    issue(None, "unknown_column", f"column {column.index + 1} heading '{column.label}' not understood")
        for row in data:
            cells = repair_row(row.cells)
            for side in dict.fromkeys(c.side for c in columns):
                side_columns = [c for c in columns if c.side == side]
                meaning = _row_meaning(_row_label(cells, side_columns, context), side, table, context)
                for column in side_columns:
                    if column.role not in ("amount", "item") or column.index >= len(cells):
                        continue
                    printed = cells[column.index]
                    if is_blank_amount(printed):
                        continue
                    amount = parse_amount(printed)
                    if amount is None:
                        if not _PERCENT.search(compact(printed)):
                            issue(row, "malformed_amount", f"'{printed}' under '{column.label}' is not an amount")
                        continue
                    facts.append(_fact(table, context, column, meaning, amount, printed, row))
    return TableFacts(facts, issues)


def _fact(
    table: ClassifiedTable,
    context: DocumentContext,
    column: Column,
    meaning: _RowMeaning,
    amount: Decimal,
    printed: str,
    row: RawRow,
) -> dict:
    scheme, code, name = meaning.scheme, meaning.code, meaning.name
    if column.role == "item":
        scheme, code, name = "item", None, column.item
    measure = column.measure
    if measure == "total" and table.table_type:
        measure = vocabulary().table_type(table.table_type).total_measure
    return {
        "document_id": context.document_id,
        "adcode": context.adcode,
        "fiscal_year": context.fiscal_year,
        "department_code": meaning.label.unit_code or context.department_code,
        "department_name": context.department_name,
        "table_type": table.table_type,
        "table_index": table.index,
        "table_title": table.title,
        "subject_scheme": scheme,
        "subject_code": code,
        "subject_name": name or None,
        "row_label": meaning.label.name or None,
        "row_kind": meaning.kind,
        "side": meaning.side,
        "measure": measure,
        "period": column.period,
        "fund": column.fund,
        "column_label": column.label,
        "amount_wan": to_wan(amount, table.unit),
        "amount_printed": printed,
        "source_unit": table.unit,
        "page": row.page,
        "source_position": row.position,
        "column_index": column.index,
    }


def budget_facts(tables: Sequence[ClassifiedTable], context: DocumentContext) -> tuple[pl.DataFrame, list[Issue]]:
    """The fact frame of a document: tables of known types that carry amounts, nothing else."""
    vocab = vocabulary()
    rows: list[dict] = []
    issues: list[Issue] = []
    for table in tables:
        if table.table_type is None:
            issues.append(
                Issue(
                    table.index, table.title, table.page, table.position, "unknown_table", "table type not recognized"
                )
            )
            continue
        if not vocab.table_type(table.table_type).amounts:
            continue
        result = table_facts(table, context)
        rows.extend(result.facts)
        issues.extend(result.issues)
    return pl.DataFrame(rows, schema=FACT_SCHEMA), issues
