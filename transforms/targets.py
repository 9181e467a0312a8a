"""Performance targets (绩效目标): the indicators a 绩效目标表 sets for a project, or for the department
as a whole, with the money they are set for.

Their figures are targets (≥800种, =100%, 有效保障), not amounts, so they become rows of a fact
table of their own, fct_performance_target, never budget facts. Two layouts are read, both by
their headings: a list (单位名称 | 项目名称 | 预算数 | 一级指标 | ... one row per indicator, the project
printed on its first row) and a form (项目名称 | X, 资金总额 | 4,000,000.00, then the indicator
block under its own header row).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from extractors.model import RawRow
from transforms.cleaning import clean_label, compact, parse_amount, read_amount, to_wan
from transforms.facts import DocumentContext, Issue
from transforms.tables import ASSUMED, ClassifiedTable
from transforms.vocabulary import performance_vocabulary, vocabulary

TABLE_TYPE = "performance_targets"
TARGET_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "document_id": pl.String,
    "adcode": pl.String,
    "fiscal_year": pl.Int32,
    "department_code": pl.String,
    "department_name": pl.String,
    "table_index": pl.Int32,
    "table_title": pl.String,
    "target_scope": pl.String,
    "unit_name": pl.String,
    "project_name": pl.String,
    "amount_wan": pl.Decimal(18, 2),
    "amount_printed": pl.String,
    "source_unit": pl.String,
    "annual_goal": pl.String,
    "indicator_level1": pl.String,
    "indicator_level2": pl.String,
    "indicator_name": pl.String,
    "comparator": pl.String,
    "target_value": pl.String,
    "target_number": pl.Float64,
    "target_unit": pl.String,
    "weight": pl.Float64,
    "direction": pl.String,
    "page": pl.Int32,
    "source_position": pl.String,
    "source_format": pl.String,
}
_LEVELS = ("level1", "level2", "indicator")
_NUMBER = re.compile(r"[+-]?\d+(?:,\d{3})*(?:\.\d+)?")


@dataclass
class _Money:
    printed: str
    stated_unit: str | None  # by the table or the field's label

    @property
    def unit(self) -> str | None:
        """The unit the amount itself prints (400.00万元), else the one stated for it."""
        amount = read_amount(self.printed)
        return (amount and amount.unit) or self.stated_unit

    @property
    def wan(self) -> Decimal | None:
        amount, unit = read_amount(self.printed), self.unit
        return None if amount is None or unit is None else to_wan(amount.value, unit)


@dataclass
class _Reading:
    """Where the reading of one table stands: the indicator header's columns once seen, and what the
    rows above an indicator said that it inherits (its project, its money, its upper levels)."""

    columns: dict[str, int]
    amount_heading: str = ""  # may state the unit of the money column (预算数(元))
    table_unit: str | None = None  # None: neither this table nor an earlier 绩效目标表 states one
    unit_name: str | None = None
    project_name: str | None = None
    goal: str | None = None
    money: _Money | None = None
    money_below: tuple[int, str | None] | None = None
    money_unit: str | None = None  # a form's label stating it (资金来源(元))
    level1: str | None = None
    level2: str | None = None


@dataclass(frozen=True)
class DocumentTargets:
    """A document's performance targets, and an issue for each 绩效目标表 that gave none."""

    targets: pl.DataFrame
    issues: list[Issue]


def performance_targets(tables: Sequence[ClassifiedTable], context: DocumentContext) -> DocumentTargets:
    """Every indicator of the document's 绩效目标表, one row each.

    Their money is often printed in 元 where the budget tables print 万元, so a 绩效目标表 stating
    no unit takes the one an earlier 绩效目标表 of the document stated, and without one its money
    is kept as printed with no amount in 万元: a guess would put a project at 10,000 times its size."""
    rows: list[dict[str, object]] = []
    issues: list[Issue] = []
    stated: str | None = None
    for table in tables:
        if table.table_type != TABLE_TYPE:
            continue
        stated = table.unit if table.unit_source != ASSUMED else stated
        rows.extend(_table_targets(table, context, stated, issues))
    return DocumentTargets(pl.DataFrame(rows, schema=TARGET_SCHEMA), issues)


def _unread(table: ClassifiedTable) -> Issue:
    where = f"page {table.page}" if table.page is not None else table.position
    message = (
        f"{table.title} ({where}): no row of indicator headings (一级指标 | 二级指标 | 三级指标) was found, so "
        "none of its indicators is in fct_performance_target; if it heads them otherwise, add the headings "
        "to [performance.columns] in transforms/vocabulary.toml"
    )
    return Issue(table.index, table.title, table.page, table.position, "unread_targets", message)


def _misaligned(table: ClassifiedTable, row: RawRow) -> Issue:
    message = (
        f"a row of {table.title} prints cells past its headings (shifted by a column?): its indicator "
        "is left out of fct_performance_target; check the table"
    )
    return Issue(table.index, table.title, row.page, row.position, "quarantined_target", message)


def _table_targets(
    table: ClassifiedTable, context: DocumentContext, unit: str | None, issues: list[Issue]
) -> list[dict[str, object]]:
    """The table's indicators; what it prints that cannot be read as one goes to `issues`."""
    vocab = performance_vocabulary()
    scope = "department" if vocab.department_scope.search(compact(table.title or "")) else "project"
    reading = _Reading({}, table_unit=unit)
    headed = 0  # cells the latest indicator header heads: a row printing past them is shifted
    targets: list[dict[str, object]] = []
    for segment in table.segments:
        for row in segment.raw.rows:
            cells = [clean_label(cell) for cell in row.cells]
            roles = [vocab.column_role(compact(cell)) for cell in cells]
            if sum(role in _LEVELS for role in roles) >= vocab.header_min_levels:
                reading.columns = {role: i for i, role in reversed(list(enumerate(roles))) if role}
                reading.amount_heading = cells[reading.columns["amount"]] if "amount" in reading.columns else ""
                reading.level1 = reading.level2 = None
                headed = max(i for i, cell in enumerate(cells) if cell) + 1
                continue
            fields = [_field(cells, i) for i in range(len(cells))]
            labelled = any(field for field, _ in fields)
            if reading.columns and not labelled and any(cells[headed:]):
                issues.append(_misaligned(table, row))
                continue
            target = _indicator(cells, reading) if reading.columns and not labelled else None
            if target is None:
                _read_fields(cells, fields, reading)
                continue
            targets.append(
                {
                    "document_id": context.document_id,
                    "adcode": context.adcode,
                    "fiscal_year": context.fiscal_year,
                    "department_code": context.department_code,
                    "department_name": context.department_name,
                    "table_index": table.index,
                    "table_title": table.title,
                    "target_scope": scope,
                    "unit_name": reading.unit_name,
                    "project_name": reading.project_name if scope == "project" else None,
                    "amount_wan": reading.money.wan if reading.money else None,
                    "amount_printed": reading.money.printed if reading.money else None,
                    "source_unit": reading.money.unit if reading.money else None,
                    "annual_goal": reading.goal,
                    **target,
                    "page": row.page,
                    "source_position": row.position,
                    "source_format": "ocr" if row.ocr else None,
                }
            )
    if not headed:
        issues.append(_unread(table))
    return targets


def _cell(cells: Sequence[str], reading: _Reading, role: str) -> str:
    index = reading.columns.get(role)
    return cells[index] if index is not None and index < len(cells) else ""


def _indicator(cells: Sequence[str], reading: _Reading) -> dict[str, object] | None:
    """The indicator a row under the header prints, inheriting its project and upper levels from
    the rows above; None for a row that prints no indicator (a form's next field)."""
    if project := _cell(cells, reading, "project_name"):
        reading.project_name, reading.level1, reading.level2 = project, None, None
        reading.goal = _cell(cells, reading, "goal") or None
        printed = _cell(cells, reading, "amount")
        reading.money = _Money(printed, _unit(reading.amount_heading, reading)) if printed else None
    if unit_name := _cell(cells, reading, "unit_name"):
        reading.unit_name = unit_name
    name, printed = _cell(cells, reading, "indicator"), _cell(cells, reading, "target")
    if not (name if "indicator" in reading.columns else printed):
        return None
    if level1 := _cell(cells, reading, "level1"):
        reading.level1, reading.level2 = level1, None
    reading.level2 = _cell(cells, reading, "level2") or reading.level2
    return {
        "indicator_level1": reading.level1,
        "indicator_level2": reading.level2,
        "indicator_name": name or None,
        **_target(printed, _cell(cells, reading, "comparator"), _cell(cells, reading, "target_unit")),
        "weight": _number(_cell(cells, reading, "weight")),
        "direction": _cell(cells, reading, "direction") or None,
    }


def _target(printed: str, comparator: str, unit: str) -> dict[str, object]:
    """A target as printed (≥800种, or 800 beside ≥ and 种 in columns of their own): its comparator,
    its number and the unit that number counts in. A qualitative target (定性) has no number."""
    vocab = performance_vocabulary()
    qualitative = bool(vocab.qualitative.search(compact(comparator)))
    symbol = None if qualitative else _comparator(compact(comparator))[0]
    rest = compact(printed)
    word_symbol, rest = _comparator(rest)
    number, tail = None, None
    if (match := _NUMBER.match(rest)) and not qualitative and not re.search(r"[\d.]", rest[match.end() :]):
        number, tail = float(match[0].replace(",", "")), rest[match.end() :] or None
    return {
        "comparator": symbol or word_symbol,
        "target_value": printed or None,
        "target_number": number,
        "target_unit": unit or tail,
    }


def _comparator(text: str) -> tuple[str | None, str]:
    """The comparator a text starts with, and what follows it."""
    for word, symbol in performance_vocabulary().comparators:
        if text.startswith(word):
            return symbol, text[len(word) :]
    return None, text


def _number(text: str) -> float | None:
    """A plain number, or a weight printed as a share (20%)."""
    key = compact(text).removesuffix("%")
    return float(key.replace(",", "")) if _NUMBER.fullmatch(key) else None


def _stated_unit(label: str) -> str | None:
    stated = vocabulary().bracketed_unit.search(compact(label))
    return stated.group(1) if stated else None


def _unit(label: str, reading: _Reading) -> str | None:
    """The unit a heading or field label states (资金总额(元)), else the one the form's money block
    states (资金来源(元)), else the table's."""
    return _stated_unit(label) or reading.money_unit or reading.table_unit


def _field(cells: Sequence[str], i: int) -> tuple[str | None, int]:
    """The field a label names and how many cells it takes: one, or two when a conversion split
    the label over two cells (项目 | 名称)."""
    vocab = performance_vocabulary()
    if field := vocab.field(compact(cells[i])):
        return field, 1
    if cells[i] and i + 1 < len(cells) and (field := vocab.field(compact(cells[i] + cells[i + 1]))):
        return field, 2
    return None, 1


def _read_fields(cells: Sequence[str], fields: Sequence[tuple[str | None, int]], reading: _Reading) -> None:
    """A form's fields (`fields`: each cell's, by `_field`): 项目名称 starts a new project (and a new
    indicator block); 资金总额 prints its amount in the next filled cell, or in the cell below it."""
    if reading.money_below is not None:
        index, unit = reading.money_below
        reading.money_below = None
        if index < len(cells) and parse_amount(cells[index]) is not None:
            reading.money = _Money(cells[index], unit)
    for i, (cell, (field, width)) in enumerate(zip(cells, fields, strict=True)):
        if field is None:
            reading.money_unit = _stated_unit(cell) or reading.money_unit
            continue
        value = next((c for c in cells[i + width :] if c), "")
        if field == "project_name":
            reading.columns, reading.amount_heading = {}, ""
            reading.project_name, reading.unit_name, reading.goal = value or None, None, None
            reading.money = reading.money_unit = None
        elif field == "unit_name":
            reading.unit_name = value or None
        elif field == "goal":
            reading.goal = value or None
        elif parse_amount(value) is not None:
            reading.money = _Money(value, _unit(cell, reading))
        else:
            reading.money_below = (i, _unit(cell, reading))
