"""Consistency rules: does a disclosure add up, agree with itself and with its narrative?

Published budgets carry their own errors. Every rule compares an amount the document prints with
what other printed amounts say it should be; a difference becomes a finding with a severity, so
users can see which numbers to trust. Findings never block loading.
"""

import re
import tomllib
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher
from functools import cache, partial
from importlib import resources
from itertools import accumulate, combinations, pairwise, product

import polars as pl

from transforms.cleaning import CENT, amount_text, amount_text_in, as_printed_in_wan, compact, to_wan
from transforms.facts import CLASS_CODE_LENGTH
from transforms.subjects import SubjectCatalogue, name_key, subject_catalogue

FINDING_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "document_id": pl.String,
    "rule": pl.String,
    "severity": pl.String,
    "table_type": pl.String,
    "table_index": pl.Int32,
    "subject_code": pl.String,
    "subject_name": pl.String,
    "measure": pl.String,
    "expected": pl.Decimal(22, 6),
    "actual": pl.Decimal(22, 6),
    "difference": pl.Decimal(22, 6),
    "terms": pl.Int32,
    "page": pl.Int32,
    "source_position": pl.String,
    "message": pl.String,
}
QUALIFIERS = ["side", "period", "fund"]
# Amounts as printed, in 万元: to the 元 cent (0.000001 万元), with room for the largest fact.
PRINTED_AMOUNT = pl.Decimal(28, 8)
# The step of the last digit of an amount in 万元 printed to the cent, which the rounding tolerance is given for.
_CENT_OF_WAN = Decimal("0.01")
# What fct_quality_finding's DECIMAL(22, 6) columns hold: 1 元 per 0.0001, up to 10^16 万元.
_RECORDED = Decimal("0.000001")
_RECORDED_LIMIT = Decimal(10) ** 16


@dataclass(frozen=True)
class NarrativeFigure:
    name: str
    pattern: re.Pattern[str]
    table_types: tuple[str, ...]
    measure: str


@dataclass(frozen=True)
class NarrativeSubject:
    """An amount the narrative states for a subject code it prints in pieces (rules.toml)."""

    name: str
    pattern: re.Pattern[str]
    measure: str
    table_types: tuple[str, ...]


@dataclass(frozen=True)
class NarrativeClaim:
    """A sentence of the narrative whose figures must agree with each other (rules.toml)."""

    name: str
    kind: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class NarrativeShares:
    """A whole the narrative states, then the parts it lists with the share of it each makes."""

    name: str
    whole: re.Pattern[str]
    part: re.Pattern[str]


@dataclass(frozen=True)
class NarrativeArithmetic:
    claims: tuple[NarrativeClaim, ...]
    shares: tuple[NarrativeShares, ...]
    # Each word of a change (增加, 下降, 持平) and its sign.
    signs: dict[str, int]


@dataclass(frozen=True)
class CarryOvers:
    opening: str
    closing: str
    flow: str
    income_heading: str
    expenditure_heading: str


@dataclass(frozen=True)
class SubjectNames:
    """Which printed subject names are held against the catalogue of names per year, and how a name
    that is not the year's but no wrong code's either is recorded (see rules.toml)."""

    schemes: tuple[str, ...]
    code_lengths: tuple[int, ...]
    tolerated_severity: str
    variant_similarity: float
    catalogue: SubjectCatalogue


@dataclass(frozen=True)
class Coverage:
    """Which funds each table type's amounts cover, and which coverage lies within which (rules.toml)."""

    of_table: dict[str, str]
    within: dict[str, str]

    def narrower(self, table_type: str, other: str) -> bool:
        """Whether `table_type` covers part of the funds `other` covers."""
        coverage, wider = self.of_table.get(table_type), self.of_table.get(other)
        if wider is None:
            return False
        while coverage is not None:
            coverage = self.within.get(coverage)
            if coverage == wider:
                return True
        return False


@dataclass(frozen=True)
class OcrGate:
    """How far an amount read by OCR is trusted (see rules.toml [ocr_gate] and expectations/ocr_gate.py)."""

    low_confidence: float
    max_quarantined_cells: int
    probe: Decimal


@dataclass(frozen=True)
class Rules:
    tolerance_per_term: Decimal
    parts_sum_to_whole: tuple[tuple[str, tuple[str, ...]], ...]
    severity: dict[str, str]
    codes_repeat_in: tuple[str, ...]
    top_level_item: re.Pattern[str]
    grand_total: re.Pattern[str]
    subtotal_column: re.Pattern[str]
    narrative: tuple[NarrativeFigure, ...]
    narrative_subjects: tuple[NarrativeSubject, ...]
    narrative_arithmetic: NarrativeArithmetic
    narrative_names: re.Pattern[str]
    narrative_years: re.Pattern[str]
    amount_measures: tuple[str, ...]
    income_tables: tuple[str, ...]
    carry_overs: CarryOvers
    subject_names: SubjectNames
    ocr_gate: OcrGate
    coverage: Coverage


def _splits(rule: dict) -> list[tuple[str, tuple[str, ...]]]:
    """A whole and its parts, once with each combination of the optional parts a table may print
    beside them (a unit with 经营支出 but no 上缴上级支出): the finest split printed is checked."""
    optional = rule.get("optional", [])
    return [
        (rule["whole"], (*rule["parts"], *extra))
        for size in range(len(optional) + 1)
        for extra in combinations(optional, size)
    ]


@cache
def default_rules() -> Rules:
    data = tomllib.loads(resources.files("expectations").joinpath("rules.toml").read_text("utf-8"))
    return Rules(
        tolerance_per_term=Decimal(data["rounding_tolerance_per_term"]),
        parts_sum_to_whole=tuple(rule for r in data["parts_sum_to_whole"] for rule in _splits(r)),
        severity=data["severity"],
        codes_repeat_in=tuple(data["rows"]["codes_repeat_in"]),
        top_level_item=re.compile(data["rows"]["top_level_item"]),
        grand_total=re.compile(data["rows"]["grand_total"]),
        subtotal_column=re.compile(data["rows"]["subtotal_column"]),
        narrative=tuple(
            NarrativeFigure(n["name"], re.compile(n["pattern"]), tuple(n["table_types"]), n["measure"])
            for n in data["narrative"]
        ),
        narrative_subjects=tuple(
            NarrativeSubject(
                n["name"],
                re.compile(n["pattern"].replace("{amount}", _NARRATIVE_AMOUNT)),
                n["measure"],
                tuple(n["table_types"]),
            )
            for n in data["narrative_subjects"]
        ),
        narrative_arithmetic=_narrative_arithmetic_rules(data["narrative_arithmetic"]),
        narrative_names=re.compile(data["narrative_names"]["pattern"]),
        narrative_years=re.compile(data["narrative_years"]["pattern"]),
        amount_measures=tuple(data["balance"]["measures"]),
        income_tables=tuple(data["balance"]["income_tables"]),
        carry_overs=CarryOvers(**data["carry_overs"]),
        subject_names=SubjectNames(
            schemes=tuple(data["subject_names"]["schemes"]),
            code_lengths=tuple(data["subject_names"]["code_lengths"]),
            tolerated_severity=data["subject_names"]["tolerated_severity"],
            variant_similarity=float(data["subject_names"]["variant_similarity"]),
            catalogue=subject_catalogue(),
        ),
        ocr_gate=OcrGate(
            low_confidence=float(data["ocr_gate"]["low_confidence"]),
            max_quarantined_cells=int(data["ocr_gate"]["max_quarantined_cells"]),
            probe=Decimal(data["ocr_gate"]["probe"]),
        ),
        coverage=Coverage(
            of_table={table: name for name, tables in data["coverage"].items() for table in tables},
            within=data["coverage_within"],
        ),
    )


# A printed amount in the narrative: 1,234.56 or 1234.56.
_NARRATIVE_AMOUNT = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"


def _narrative_arithmetic_rules(data: dict) -> NarrativeArithmetic:
    signs = {word: sign for key, sign in (("increase", 1), ("decrease", -1), ("unchanged", 0)) for word in data[key]}
    direction = "|".join(sorted((word for word, sign in signs.items() if sign), key=len, reverse=True))

    def compiled(pattern: str) -> re.Pattern[str]:
        return re.compile(pattern.replace("{amount}", _NARRATIVE_AMOUNT).replace("{direction}", direction))

    return NarrativeArithmetic(
        claims=tuple(NarrativeClaim(c["name"], c["kind"], compiled(c["pattern"])) for c in data["claims"]),
        shares=tuple(NarrativeShares(s["name"], compiled(s["whole"]), compiled(s["part"])) for s in data["shares"]),
        signs=signs,
    )


def with_tolerance(rules: Rules, tolerance_per_term: Decimal) -> Rules:
    """The same rules with another rounding tolerance (e.g. from the command line)."""
    return Rules(**{**rules.__dict__, "tolerance_per_term": tolerance_per_term})


_LOCATION = ("table_type", "table_index", "subject_code", "subject_name", "page", "source_position")


class _Findings:
    """Collects findings for one document, deciding severity from the tolerance."""

    def __init__(self, document_id: str, rules: Rules) -> None:
        self.document_id = document_id
        self.rules = rules
        self.rows: list[dict] = []

    def compare(
        self,
        rule: str,
        where: dict,
        expected: Decimal,
        actual: Decimal,
        terms: int,
        message: str,
        explained: str | None = None,
        step: Decimal | None = None,
    ) -> None:
        """A finding when `actual` is not `expected`: info within the rounding tolerance, or where
        `explained` says why the two may differ, else of the rule's severity. The tolerance is given
        for amounts printed to the cent of 万元; amounts printed to a finer `step` (the last digit of
        a table in 元) may be off by as many of their own last digits."""
        difference = actual - expected
        if difference == 0:
            return
        scale = min(step or _CENT_OF_WAN, _CENT_OF_WAN) / _CENT_OF_WAN
        within = abs(difference) <= self.rules.tolerance_per_term * scale * max(terms, 1)
        severity = "info" if within or explained else self.rules.severity[rule]
        note = " (within rounding tolerance)" if within else f" ({explained})" if explained else ""
        unit = where.get("source_unit")
        amounts = (actual, expected, difference)
        if step is not None and unit is not None and unit != "万元":
            shown = [amount_text_in(amount, unit, step) for amount in amounts]
        else:
            shown = [amount_text(amount) for amount in amounts]
        self._add(
            rule,
            severity,
            where,
            f"{message}: printed {shown[0]}, expected {shown[1]}, difference {shown[2]}{note}",
            measure=where.get("measure"),
            expected=_recorded(expected),
            actual=_recorded(actual),
            difference=_recorded(difference),
            terms=terms,
        )

    def note(self, rule: str, severity: str, where: dict, message: str) -> None:
        """A finding that compares no amounts (a printed name), with the severity decided by the rule."""
        self._add(rule, severity, where, message)

    def _add(self, rule: str, severity: str, where: dict, message: str, **amounts: object) -> None:
        located = {key: where.get(key) for key in _LOCATION}
        finding = {"document_id": self.document_id, "rule": rule, "severity": severity, "message": message}
        self.rows.append(finding | located | amounts)

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows, schema=FINDING_SCHEMA)


def _recorded(amount: Decimal) -> Decimal | None:
    """The amount as the finding's column holds it; None past what it holds (a sum of hostile amounts),
    which the message still states."""
    return amount.quantize(_RECORDED) if abs(amount) < _RECORDED_LIMIT else None


def as_printed(facts: pl.DataFrame) -> pl.DataFrame:
    """The facts with each amount as printed (`amount_exact`: in 万元, unrounded) and the step of its
    last printed digit (`step`), which the rules that sum one table's amounts compare: a table printed
    in 元 adds up in 元, not in its amounts rounded to cents of 万元."""
    columns = (facts["amount_printed"], facts["source_unit"], facts["amount_wan"])
    read = [_printed(*cell) for cell in zip(*columns, strict=True)]
    return facts.with_columns(
        amount_exact=pl.Series([amount for amount, _ in read], dtype=PRINTED_AMOUNT),
        step=pl.Series([step for _, step in read], dtype=PRINTED_AMOUNT),
    )


def _printed(printed: str, unit: str, loaded: Decimal) -> tuple[Decimal, Decimal]:
    """An amount as printed and the step of its last digit; a printed text that does not give the
    amount loaded is not trusted over it, which is then compared as loaded."""
    read = as_printed_in_wan(printed, unit)
    return read if read is not None and to_wan(read[0], "万元") == loaded else (loaded, _CENT_OF_WAN)


def _where(row: dict) -> str:
    return f"{row['table_title'] or row['table_type']} ({row['source_position']})"


def _label(row: dict) -> str:
    return " ".join(p for p in (row.get("subject_code"), row.get("subject_name")) if p) or row.get("row_label") or "row"


def _coded(facts: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """One amount per table, qualifiers, measure and code: projects sharing a code add up; in other
    tables a repeated code details the first row that printed it, which stands for all."""
    keys = ["table_index", *QUALIFIERS, "measure", "subject_code"]
    repeats = pl.col("table_type").first().is_in(list(rules.codes_repeat_in))
    return (
        facts.filter((pl.col("row_kind") == "subject") & pl.col("subject_code").is_not_null())
        .group_by(keys, maintain_order=True)
        .agg(
            pl.when(repeats).then(pl.col("amount_wan").sum()).otherwise(pl.col("amount_wan").first()),
            pl.col(
                ["table_type", "table_title", "subject_name", "page", "source_position", "source_unit", "step"]
            ).first(),
        )
    )


def _nearest_parents(coded: pl.DataFrame) -> pl.DataFrame:
    """Each coded row with the longest printed code in its table that is a proper prefix of it
    (null for a root), so a 9-digit item whose 7-digit parent is not printed sums into its 5-digit one.

    Each code proposes its own proper prefixes (at most 8) and keeps those printed in its group: linear
    in the rows, where pairing every code of a group with every other would grow with its square.
    """
    group = ["table_index", *QUALIFIERS, "measure"]
    codes = coded.select(*group, "subject_code")
    printed = codes.rename({"subject_code": "parent_code"}).unique()
    ancestors = (
        codes.with_columns(length=pl.int_ranges(1, pl.col("subject_code").str.len_chars()))
        .explode("length", empty_as_null=False)
        .with_columns(parent_code=pl.col("subject_code").str.slice(0, pl.col("length")))
        .join(printed, on=[*group, "parent_code"], nulls_equal=True)
        .group_by([*group, "subject_code"])
        .agg(pl.col("parent_code").sort_by("length").last())
    )
    return coded.join(ancestors, on=[*group, "subject_code"], how="left", nulls_equal=True)


def _children_sum_to_parent(found: _Findings, coded: pl.DataFrame, linked: pl.DataFrame) -> None:
    group = ["table_index", *QUALIFIERS, "measure"]
    sums = (
        linked.filter(pl.col("parent_code").is_not_null())
        .group_by([*group, "parent_code"])
        .agg(pl.col("amount_wan").sum().alias("children"), pl.len().alias("terms"))
    )
    pairs = coded.join(
        sums.rename({"parent_code": "subject_code"}), on=[*group, "subject_code"], how="inner", nulls_equal=True
    )
    for row in pairs.iter_rows(named=True):
        found.compare(
            "children_sum_to_parent",
            row,
            row["children"],
            row["amount_wan"],
            row["terms"],
            f"{_label(row)} in {_where(row)} is not the sum of its {row['terms']} printed sub-items ({row['measure']})",
            step=row["step"],
        )


def _rows_sum_to_total(found: _Findings, facts: pl.DataFrame, linked: pl.DataFrame) -> None:
    group = ["table_index", *QUALIFIERS, "measure"]
    one_sided = facts.filter(pl.col("side").is_null())
    roots = linked.filter(pl.col("parent_code").is_null() & pl.col("side").is_null())
    items = one_sided.filter(
        (pl.col("row_kind") == "item") & pl.col("row_label").str.contains(found.rules.top_level_item.pattern)
    )
    parts = pl.concat(
        [
            roots.group_by(group).agg(pl.col("amount_wan").sum().alias("rows_sum"), pl.len().alias("terms")),
            items.filter(~pl.col("table_index").is_in(roots["table_index"].unique().implode()))
            .group_by(group)
            .agg(pl.col("amount_wan").sum().alias("rows_sum"), pl.len().alias("terms")),
        ]
    )
    totals = one_sided.filter(pl.col("row_kind") == "total").join(parts, on=group, how="inner", nulls_equal=True)
    for row in totals.iter_rows(named=True):
        found.compare(
            "rows_sum_to_total",
            row,
            row["rows_sum"],
            row["amount_wan"],
            row["terms"],
            f"{row['row_label']} row of {_where(row)} is not the sum of the {row['terms']} rows it totals"
            f" ({row['measure']})",
            step=row["step"],
        )


def _sides_sum_to_totals(found: _Findings, facts: pl.DataFrame) -> None:
    """Each side of a two-sided table, column by column in print order: a total row equals the total
    before it (if any) plus the rows since. Which rows are the top level is read two ways, as layouts
    differ: the enumerated items (一、本年收入, 二、上年结转), or the 类 rows beside the enumerated items
    that are no 类 (一、一般公共服务支出 ... 二、年终结转结余); the closer reading is compared."""
    top_level = found.rules.top_level_item
    sided = facts.filter(pl.col("side").is_not_null())
    for _, column in sided.group_by(["table_index", "side", "column_index"], maintain_order=True):
        previous_total: Decimal | None = None
        span: list[dict] = []
        for row in column.iter_rows(named=True):
            if row["row_kind"] != "total":
                span.append(row)
                continue
            readings = _top_level_readings(span, top_level, after_total=previous_total is not None)
            if readings:
                base = previous_total or Decimal(0)
                terms, expected = min(readings, key=lambda r: abs(row["amount_wan"] - base - r[1]))
                found.compare(
                    "rows_sum_to_total",
                    row,
                    base + expected,
                    row["amount_wan"],
                    terms + (previous_total is not None),
                    f"{row['row_label']} ({row['side']}) of {_where(row)} is not the sum of the {terms} rows above it"
                    + (" and the total before them" if previous_total is not None else ""),
                    step=row["step"],
                )
            previous_total, span = row["amount_wan"], []


def _top_level_readings(span: list[dict], top_level: re.Pattern[str], after_total: bool) -> list[tuple[int, Decimal]]:
    """(terms, sum) of each reading of which rows of a span are its top level; after a total, every item."""
    is_class = [r["row_kind"] == "subject" and len(r["subject_code"] or "") == CLASS_CODE_LENGTH for r in span]
    enumerated = [bool(top_level.search(r["row_label"] or "")) for r in span]
    readings = [
        [r for r, c, e in zip(span, is_class, enumerated, strict=True) if e and not c],
        [r for r, c, e in zip(span, is_class, enumerated, strict=True) if c or e],
    ]
    if after_total:
        rows = [r for r in span if r["row_kind"] in ("item", "subject")]
        readings += [rows, _without_breakdowns(rows)]
    return [(len(rows), sum((r["amount_wan"] for r in rows), Decimal(0))) for rows in readings if rows]


def _without_breakdowns(rows: list[dict]) -> list[dict]:
    """The rows with each row's breakdown left out: the rows right under it that sum to it
    (年初财政拨款结转和结余, then its 一般公共预算 | 政府性基金 | 国有资本经营 parts)."""
    kept: list[dict] = []
    position = 0
    while position < len(rows):
        row = rows[position]
        kept.append(row)
        running, parts = Decimal(0), 0
        for part in rows[position + 1 :]:
            running += part["amount_wan"]
            parts += 1
            if running == row["amount_wan"]:
                break
        position += 1 + (parts if parts and running == row["amount_wan"] else 0)
    return kept


def _item_columns_sum_to_subtotal(found: _Findings, facts: pl.DataFrame) -> None:
    """In tables printed one column per item ("三公" 经费), a 合计/小计 column equals the columns of its
    group one level down (a nested group by its own 小计), as the header prints them."""
    items = facts.filter(pl.col("subject_scheme") == "item")
    for _, row_facts in items.group_by(["table_index", "source_position"], maintain_order=True):
        paths = {r["column_index"]: (r["column_label"] or "").split(" / ") for r in row_facts.iter_rows(named=True)}
        amounts = dict(zip(row_facts["column_index"], row_facts["amount_wan"], strict=True))
        subtotals = {i: p[:-1] for i, p in paths.items() if found.rules.subtotal_column.search(p[-1])}
        members = {i: [o for o, p in paths.items() if o != i and p[: len(g)] == g] for i, g in subtotals.items()}
        if any(not found_members for found_members in members.values()):
            continue  # a subtotal heading over no columns: the header's groups were not read whole
        for index, path in paths.items():
            if not found.rules.subtotal_column.search(path[-1]):
                continue
            group = path[:-1]
            parts = [
                other
                for other, other_path in paths.items()
                if other != index
                and other_path[: len(group)] == group
                and (
                    len(other_path) == len(group) + 1
                    or (len(other_path) == len(group) + 2 and found.rules.subtotal_column.search(other_path[-1]))
                )
            ]
            if len(parts) < 2:
                continue
            row = row_facts.filter(pl.col("column_index") == index).row(0, named=True)
            found.compare(
                "parts_sum_to_whole",
                row,
                sum((amounts[p] for p in parts), Decimal(0)),
                amounts[index],
                len(parts),
                f"{' / '.join(path)} in {_where(row)} is not the sum of the {len(parts)} columns it totals",
                step=row["step"],
            )


def _parts_sum_to_whole(found: _Findings, facts: pl.DataFrame) -> None:
    """Within a row, a whole equals the sum of its parts, when the table prints every part's column;
    where a table prints a finer split of the same whole (基本 + 项目 + 预留机动), that one is checked."""
    row_keys = ["table_index", "source_position", *QUALIFIERS]
    group_keys = ["table_index", "period", "fund"]
    cells = (
        facts.with_row_index("order")
        .with_columns(pl.col("order").min().over(row_keys))
        .unique(subset=[*row_keys, "measure"], keep="last", maintain_order=True)
    )
    columns = facts.group_by(group_keys).agg(pl.col("measure").unique())
    checks = []
    rules = found.rules.parts_sum_to_whole

    def printing(parts: tuple[str, ...]) -> pl.DataFrame:
        return columns.filter(pl.col("measure").list.set_intersection(list(parts)).list.len() == len(parts))

    for rank, (whole, parts) in enumerate(rules):
        printing_parts = printing(parts)
        for other_whole, other_parts in rules:
            if other_whole == whole and set(parts) < set(other_parts):
                printing_parts = printing_parts.join(printing(other_parts), on=group_keys, how="anti", nulls_equal=True)
        sums = (
            cells.filter(pl.col("measure").is_in(parts))
            .group_by(row_keys)
            .agg(pl.col("amount_wan").sum().alias("parts_sum"))
        )
        checks.append(
            cells.filter(pl.col("measure") == whole)
            .join(printing_parts.select(group_keys), on=group_keys, how="semi", nulls_equal=True)
            .join(sums, on=row_keys, how="left", nulls_equal=True)
            .with_columns(
                pl.col("parts_sum").fill_null(0), rank=pl.lit(rank), parts=pl.lit(" + ".join(parts)), terms=len(parts)
            )
        )
    differing = pl.concat(checks).filter(pl.col("parts_sum") != pl.col("amount_wan"))
    for row in differing.sort("order", "rank").iter_rows(named=True):
        found.compare(
            "parts_sum_to_whole",
            row,
            row["parts_sum"],
            row["amount_wan"],
            row["terms"],
            f"{_label(row)} in {_where(row)}: {row['measure']} is not {row['parts']}",
            step=row["step"],
        )


def _income_equals_expenditure(found: _Findings, facts: pl.DataFrame) -> None:
    totals = facts.filter(
        (pl.col("row_kind") == "total")
        & pl.col("side").is_not_null()
        & pl.col("measure").is_in(list(found.rules.amount_measures))
        & pl.col("subject_name").str.contains(found.rules.grand_total.pattern)
    )
    for (_,), table in totals.group_by(["table_index"], maintain_order=True):
        income = table.filter(pl.col("side") == "income")
        expenditure = table.filter(pl.col("side") == "expenditure")
        if income.height and expenditure.height:
            row = expenditure.row(0, named=True)
            found.compare(
                "income_equals_expenditure",
                row,
                income["amount_wan"][0],
                row["amount_wan"],
                1,
                f"{_where(row)}: {row['subject_name']} does not balance {income['subject_name'][0]}",
                step=row["step"],
            )


def _tables_agree(found: _Findings, coded: pl.DataFrame, document_kind: str | None) -> None:
    """Each amount that another table printed first, compared with that first printing. Only rows
    whose code and measure appear in two tables or more leave polars."""
    comparable = coded.filter(pl.col("period").is_null() & pl.col("fund").is_null()).with_row_index("row")
    if document_kind == "final_account":
        income = pl.col("table_type").is_in(list(found.rules.income_tables))
        groups = [comparable.filter(income), comparable.filter(~income)]
    else:
        groups = [comparable]
    keys = ["subject_code", "measure"]
    for tables in groups:
        repeated = (
            tables.with_columns(first=pl.col("row").first().over(keys))
            .filter(pl.col("table_index").n_unique().over(keys) > 1)
            .sort("first", "row")
        )
        rows = {row["row"]: row for row in repeated.iter_rows(named=True)}
        for row in rows.values():
            first = rows[row["first"]]
            if row["table_index"] != first["table_index"]:
                found.compare(
                    "tables_agree",
                    row,
                    first["amount_wan"],
                    row["amount_wan"],
                    1,
                    f"{_label(row)} ({row['measure']}) in {_where(row)} differs from {_where(first)}",
                    _fewer_funds(found.rules.coverage, row, first),
                )


def _fewer_funds(coverage: Coverage, row: dict, first: dict) -> str | None:
    """Why two printings of an amount may differ: the smaller is in a table covering fewer funds."""
    smaller, larger = (row, first) if row["amount_wan"] < first["amount_wan"] else (first, row)
    if coverage.narrower(smaller["table_type"], larger["table_type"]):
        return "the smaller is printed in a table covering fewer funds, which may print less"
    return None


def _carry_overs_balance(found: _Findings, facts: pl.DataFrame) -> None:
    """年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余 on each row that prints all four. Rows are
    paired by joins, not visited one by one: the check runs on every document, budgets included."""
    rule = found.rules.carry_overs
    row = ["table_index", "source_position"]
    unqualified = facts.filter(pl.col("period").is_null() & pl.col("fund").is_null() & pl.col("side").is_null())
    flows = unqualified.filter(pl.col("measure") == rule.flow).sort("column_index", maintain_order=True)

    def first(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        return frame.group_by(row, maintain_order=True).agg(pl.col("amount_wan").first().alias(name))

    closing = unqualified.filter(pl.col("measure") == rule.closing).group_by(row, maintain_order=True).first()
    balanced = (
        closing.join(first(unqualified.filter(pl.col("measure") == rule.opening), "opening"), on=row)
        .join(first(flows.filter(pl.col("column_label").str.contains(rule.income_heading)), "income"), on=row)
        .join(first(flows.filter(pl.col("column_label").str.contains(rule.expenditure_heading)), "spent"), on=row)
    )
    for closed in balanced.iter_rows(named=True):
        found.compare(
            "carry_overs_balance",
            closed,
            closed["opening"] + closed["income"] - closed["spent"],
            closed["amount_wan"],
            3,
            f"{_label(closed)} in {_where(closed)}: the year-end carry-over is not the opening one plus the year's "
            "income less its spending",
            step=closed["step"],
        )


def _narrative_agrees(found: _Findings, facts: pl.DataFrame, narrative: str) -> None:
    text = compact(narrative)
    totals = facts.filter(
        (pl.col("row_kind") == "total") & pl.col("period").is_null() & pl.col("fund").is_null()
    ).filter(pl.col("side").is_null() | (pl.col("side") == "income") | (pl.col("measure") != "total"))
    for figure in found.rules.narrative:
        stated = {m.group("amount").replace(",", ""): m.group(0) for m in figure.pattern.finditer(text)}
        if not stated:
            continue
        target = None
        for table_type in figure.table_types:
            candidates = totals.filter((pl.col("table_type") == table_type) & (pl.col("measure") == figure.measure))
            if candidates.height:
                target = candidates.sort("amount_wan", descending=True).row(0, named=True)
                break
        if target is None:
            continue
        for amount, sentence in stated.items():
            found.compare(
                "narrative_agrees",
                target,
                Decimal(amount),
                target["amount_wan"],
                1,
                f"the narrative states '{sentence}' but {_where(target)} prints {target['amount_printed']}",
            )


def _narrative_subjects_agree(found: _Findings, facts: pl.DataFrame, narrative: str) -> None:
    """Each amount the narrative states for a subject against the tables printing it: one printing
    it agrees; none is a finding against the table the rule names first. A subject named, not
    coded, is the 项 of that name under the 款 of that name; one the tables do not print is left."""
    text = compact(narrative)
    for subject in found.rules.narrative_subjects:
        measured = facts.filter(
            (pl.col("measure") == subject.measure)
            & pl.col("period").is_null()
            & pl.col("fund").is_null()
            & pl.col("subject_code").is_not_null()
        )
        order = {table_type: rank for rank, table_type in enumerate(subject.table_types)}
        for match in subject.pattern.finditer(text):
            printed = _stated_subject(measured, match.groupdict())
            stated = Decimal(match["amount"].replace(",", ""))
            if not printed or stated in {row["amount_wan"] for row in printed}:
                continue
            target = min(printed, key=lambda row: order.get(row["table_type"], len(order)))
            found.compare(
                "narrative_agrees",
                target,
                stated,
                target["amount_wan"],
                1,
                f"the narrative states '{match.group(0)}' for {target['subject_code']} but {_where(target)} prints "
                f"{target['amount_printed']}",
            )


def _stated_subject(facts: pl.DataFrame, named: dict[str, str | None]) -> list[dict]:
    """The rows printing the subject a narrative sentence names: by its code printed in pieces
    (类, 款, 项), or by the names of its 款 and 项."""
    if named.get("class"):
        code = f"{named['class']}{named['section']}{named['item']}"
        return [row for row in facts.iter_rows(named=True) if row["subject_code"] == code]
    section, item = name_key(named["section_name"] or ""), name_key(named["item_name"] or "")
    rows = list(facts.iter_rows(named=True))
    sections = {
        row["subject_code"]
        for row in rows
        if len(row["subject_code"]) == 5 and name_key(row["subject_name"] or "") == section
    }
    return [
        row
        for row in rows
        if len(row["subject_code"]) == 7
        and row["subject_code"][:5] in sections
        and name_key(row["subject_name"] or "") == item
    ]


@dataclass(frozen=True)
class _Stated:
    """A figure as the narrative prints it, and half its last digit: as far as it may be off."""

    value: Decimal
    half: Decimal

    @classmethod
    def of(cls, printed: str) -> "_Stated":
        value = Decimal(printed.replace(",", ""))
        return cls(value, Decimal(5).scaleb(int(value.as_tuple().exponent) - 1))

    @property
    def text(self) -> str:
        return f"{amount_text(self.value)} 万元"


_Percent = Callable[..., Decimal | None]
# Where the narrative from an offset on was printed: (offset, page, position), as extraction records it.
Place = tuple[int, int | None, str]


def _narrative_own(
    found: _Findings, narrative: str, places: Sequence[Place], year: int | None, document_kind: str | None
) -> None:
    """What the narrative says that needs no table: its arithmetic, the years it compares and the
    names it prints beside function codes."""
    text, where = _placed(narrative, places)
    _narrative_arithmetic(found, text, where)
    if year is not None:
        _narrative_names(found, text, where, year)
        if document_kind == "budget":
            _narrative_years(found, text, where, year)


def _narrative_years(found: _Findings, text: str, where: Callable[[int], dict], year: int) -> None:
    """A budget's narrative compares the year with the year before (比2025年预算执行数); naming its
    own year or a later one (比2026年预算增加 in the 2026 budget) is a template not updated."""
    rule = "narrative_year"
    for match in found.rules.narrative_years.finditer(text):
        if int(match["year"]) >= year:
            sentence = text[max(0, match.start() - 30) : match.end() + 20]
            message = (
                f"the narrative of the {year} budget compares with {match['year']} ('...{sentence}...'); "
                f"the year before is {year - 1}"
            )
            found.note(rule, found.rules.severity[rule], where(match.start()), message)


def _narrative_names(found: _Findings, text: str, where: Callable[[int], dict], year: int) -> None:
    """Names the narrative prints beside function codes (卫生健康支出（210类）, 住房改革支出（02款）) against
    the catalogue. Only a name the catalogue knows is judged: the code's name in another year
    (info, as in the tables) or another code's name that year; other words before the code are
    left, since a sentence runs into the name."""
    config, rule = found.rules.subject_names, "subject_name_matches_catalogue"
    catalogue, scheme = config.catalogue, config.schemes[0]
    for match in found.rules.narrative_names.finditer(text):
        named = [(match["name"], match["class"])]
        if match["section"]:
            named.append((match["section_name"], match["class"] + match["section"]))
        for printed, code in named:
            accepted = catalogue.accepted(scheme, code, year)
            if accepted is None:
                continue
            carried = {name_key(n.name): n for n in catalogue.names_of(scheme, code)}
            key = name_key(printed)
            for start in range(len(key) - 1):
                name = key[start:]
                if name in accepted:
                    break
                owners = [c for c in catalogue.codes_named(scheme, name, year) if c != code and len(c) == len(code)]
                if name not in carried and not owners:
                    continue
                expected = " or ".join(f"'{n}'" for n in catalogue.expected(scheme, code, year))
                said = f"{code} printed as '{name}' in the narrative; the catalogue's name in {year} is {expected}"
                at = where(match.start()) | {"subject_code": code, "subject_name": name}
                if owners:
                    found.note(
                        rule, found.rules.severity[rule], at, f"{said}: the name of {', '.join(owners)} that year"
                    )
                else:
                    found.note(
                        rule, config.tolerated_severity, at, f"{said}; '{name}' is its name {carried[name].years}"
                    )
                break


def _narrative_arithmetic(found: _Findings, text: str, where: Callable[[int], dict]) -> None:
    config = found.rules.narrative_arithmetic
    for claim in config.claims:
        for match in claim.pattern.finditer(text):
            groups = {k: v for k, v in match.groupdict().items() if v}
            _check_claim(found, claim, groups, match.group(0), where(match.start()))
    for share in config.shares:
        for whole in share.whole.finditer(text):
            _check_shares(found, share, whole, text, where)


def _placed(narrative: str, places: Sequence[Place]) -> tuple[str, Callable[[int], dict]]:
    """The narrative as the patterns read it (spaces removed), and where a position in that text was
    printed, as a finding locates it (page, source_position)."""
    starts = list(places)
    if not starts or starts[0][0] > 0:
        starts.insert(0, (0, None, ""))
    bounds = [start for start, _, _ in starts] + [len(narrative)]
    pieces = [compact(narrative[start:end]) for start, end in pairwise(bounds)]
    offsets = list(accumulate((len(piece) for piece in pieces), initial=0))

    def where(position: int) -> dict:
        _, page, printed = starts[bisect_right(offsets, position, hi=len(pieces)) - 1]
        return {"page": page, "source_position": printed or None}

    return "".join(pieces), where


def _check_claim(found: _Findings, claim: NarrativeClaim, groups: dict[str, str], sentence: str, at: dict) -> None:
    """One sentence's figures against each other. Where the paragraph states the year's amount
    twice, differently, and its per cent fits the first, one finding says so."""
    signs = found.rules.narrative_arithmetic.signs
    said = f"the narrative states '{sentence}'"
    words = [groups[key] for key in ("direction", "percent_direction") if key in groups]
    if len({signs[word] for word in words}) > 1:
        _narrated(found, at, f"{said}: it calls one change both {words[0]} and {words[1]}")
        return
    percent = _Stated.of(groups["percent"]) if "percent" in groups else _Stated(Decimal(0), Decimal(0))
    after = _Stated.of(groups["after"])
    since = ""
    if claim.kind == "comparison":
        _check_comparison(found, at, said, _Stated.of(groups["before"]), after, signs[words[-1]] if words else 0)
        return
    if claim.kind == "completion":
        before = _Stated.of(groups["before"])
        figures, of = [before, after], _completed
        printed = percent.value
    elif "before" in groups:
        before = _Stated.of(groups["before"])
        figures, of = [before, after], _changed
        printed = (signs[words[-1]] if words else 0) * percent.value
    else:
        turn, change = signs[groups["direction"]], _Stated.of(groups["change"])
        before = _Stated(after.value - turn * change.value, Decimal(0))
        figures, of = [change, after], partial(_changed_by, turn)
        printed = turn * percent.value
        since = f" ({after.text} {'less' if turn > 0 else 'plus'} the change of {change.text})"
    if "stated" in groups and _differ(stated := _Stated.of(groups["stated"]), after):
        fits = _disagreement(of, [*figures[:-1], stated], printed, percent) is None
        found._add(
            "narrative_arithmetic",
            found.rules.severity["narrative_arithmetic"],
            at,
            f"{said}: the paragraph gives the year's amount as {stated.text}, then as {after.text}"
            + (f"; the {abs(printed)} % it states is the change to {stated.text}" if fits else ""),
            expected=_recorded(stated.value),
            actual=_recorded(after.value),
            difference=_recorded(after.value - stated.value),
            terms=1,
        )
        if fits:
            return
    if (expected := _disagreement(of, figures, printed, percent)) is None:
        return
    if claim.kind == "completion":
        _narrated(found, at, f"{said}: {after.text} of {before.text} is {expected.quantize(CENT)} %, not {printed} %")
    else:
        changed = f"from {before.text}{since} to {after.text} is {_change_text(expected)}"
        _narrated(found, at, f"{said}: {changed}, not {_change_text(printed)}")


def _check_comparison(found: _Findings, at: dict, said: str, before: _Stated, after: _Stated, sign: int) -> None:
    """A final amount said to be more or less than its budget (决算数小于预算数), or the same."""
    difference = after.value - before.value
    if (sign > 0 and difference <= 0) or (sign < 0 and difference >= 0) or (sign == 0 and _differ(before, after)):
        actually = "more than" if difference > 0 else "less than" if difference < 0 else "the same as"
        stated = {1: "more", -1: "less", 0: "the same"}[sign]
        _narrated(found, at, f"{said}: {after.text} is {actually} {before.text}, not {stated}")


def _check_shares(
    found: _Findings, share: NarrativeShares, whole_match: re.Match[str], text: str, where: Callable[[int], dict]
) -> None:
    """Each part listed after a whole (其中: A万元, 占P%; B万元, 占Q%) against the share it states."""
    whole = _Stated.of(whole_match["whole"])
    position = whole_match.end()
    while part_match := share.part.match(text, position):
        position = part_match.end()
        part, percent = _Stated.of(part_match["part"]), _Stated.of(part_match["percent"])
        if (expected := _disagreement(_completed, [whole, part], percent.value, percent)) is not None:
            sentence = text[whole_match.start() : whole_match.end()] + "..." + part_match.group(0)
            _narrated(
                found,
                where(part_match.start()),
                f"the narrative states '{sentence}': {part.text} of {whole.text} is {expected.quantize(CENT)} %, "
                f"not {percent.value} %",
            )


def _narrated(found: _Findings, at: dict, message: str) -> None:
    found.note("narrative_arithmetic", found.rules.severity["narrative_arithmetic"], at, message)


def _completed(before: Decimal, after: Decimal) -> Decimal | None:
    return after / before * 100 if before > 0 else None


def _changed(before: Decimal, after: Decimal) -> Decimal | None:
    return (after - before) / before * 100 if before > 0 else None


def _changed_by(turn: int, change: Decimal, after: Decimal) -> Decimal | None:
    return _changed(after - turn * change, after)


def _differ(first: _Stated, second: _Stated) -> bool:
    return abs(first.value - second.value) > first.half + second.half


def _disagreement(of: _Percent, figures: list[_Stated], printed: Decimal, percent: _Stated) -> Decimal | None:
    """The per cent the figures give, where no reading of them within half their last digits gives
    the printed one within its last digit; None where they agree, or where a figure may be nothing
    (a change from nothing has no per cent)."""
    corners = [of(*corner) for corner in product(*((f.value - f.half, f.value + f.half) for f in figures))]
    expected = of(*(f.value for f in figures))
    if expected is None or None in corners:
        return None
    lowest, highest = min(c for c in corners if c is not None), max(c for c in corners if c is not None)
    slack = 2 * percent.half
    return expected if printed + slack < lowest or printed - slack > highest else None


def _change_text(percent: Decimal) -> str:
    shown = abs(percent).quantize(CENT)
    return f"an increase of {shown} %" if percent > 0 else f"a decrease of {shown} %" if percent < 0 else "no change"


def _subject_names_match_catalogue(found: _Findings, facts: pl.DataFrame) -> None:
    """Each subject row's printed name against the catalogue's name for its code in the document's
    fiscal year. A name the catalogue gives another code that year is a name printed against the
    wrong code: the rule's severity. A name the code carried in another year (a template not
    updated), or a variant of the year's name (社会保障与就业支出, a name cut short), is recorded
    with the tolerated severity. A code the catalogue does not name that year is not checked."""
    config = found.rules.subject_names
    years = facts["fiscal_year"].drop_nulls()
    if years.is_empty():
        return
    year = int(years[0])
    rows = (
        facts.filter(
            (pl.col("row_kind") == "subject")
            & pl.col("subject_scheme").is_in(list(config.schemes))
            & pl.col("subject_code").str.len_chars().is_in(list(config.code_lengths))
            & pl.col("subject_name").is_not_null()
        )
        .group_by(["table_index", "source_position", "subject_code", "subject_name"], maintain_order=True)
        .agg(pl.col(["table_type", "table_title", "subject_scheme", "page"]).first())
    )
    catalogue = config.catalogue
    rule = "subject_name_matches_catalogue"
    for row in rows.iter_rows(named=True):
        scheme, code, printed = row["subject_scheme"], row["subject_code"], row["subject_name"]
        accepted = catalogue.accepted(scheme, code, year)
        key = name_key(printed)
        if accepted is None or key in accepted:
            continue
        expected = " or ".join(f"'{name}'" for name in catalogue.expected(scheme, code, year))
        said = f"{code} printed as '{printed}' in {_where(row)}; the catalogue's name in {year} is {expected}"
        owners = [c for c in catalogue.codes_named(scheme, key, year) if c != code and len(c) == len(code)]
        carried = [n for n in catalogue.names_of(scheme, code) if name_key(n.name) == key]
        similarity = max(SequenceMatcher(None, key, other).ratio() for other in accepted)
        if owners:
            found.note(rule, found.rules.severity[rule], row, f"{said}: the name of {', '.join(owners)} that year")
        elif carried:
            found.note(rule, config.tolerated_severity, row, f"{said}; '{printed}' is its name {carried[0].years}")
        elif similarity >= config.variant_similarity:
            found.note(rule, config.tolerated_severity, row, f"{said}; printed as a variant of it")
        else:
            found.note(rule, found.rules.severity[rule], row, f"{said}: a name the code never had")


def narrative_findings(
    document_id: str,
    narrative: str,
    rules: Rules | None = None,
    places: Sequence[Place] = (),
    fiscal_year: int | None = None,
    document_kind: str | None = "budget",
) -> pl.DataFrame:
    """The narrative's own arithmetic, which needs no table: a narrative published apart from its
    tables (narrative_only) is checked too. `places` say where stretches of it were printed."""
    found = _Findings(document_id, rules or default_rules())
    _narrative_own(found, narrative, places, fiscal_year, document_kind)
    return found.frame()


def consistency_findings(
    facts: pl.DataFrame,
    narrative: str,
    rules: Rules | None = None,
    document_kind: str | None = "budget",
    places: Sequence[Place] = (),
) -> pl.DataFrame:
    """Every inconsistency of one document's facts, as fct_quality_finding rows. A final account
    balances carry-overs where a budget balances income against spending; subject names are held
    against the catalogue of the facts' fiscal year."""
    rules = rules or default_rules()
    if facts.is_empty():
        return pl.DataFrame(schema=FINDING_SCHEMA)
    found = _Findings(facts["document_id"][0], rules)
    printed = facts if "amount_exact" in facts.columns else as_printed(facts)
    exact = printed.with_columns(amount_wan=pl.col("amount_exact"))
    coded = _coded(exact, rules)
    linked = _nearest_parents(coded)
    _children_sum_to_parent(found, coded, linked)
    _rows_sum_to_total(found, exact, linked)
    _sides_sum_to_totals(found, exact)
    _parts_sum_to_whole(found, exact)
    _item_columns_sum_to_subtotal(found, exact)
    _income_equals_expenditure(found, exact)
    _carry_overs_balance(found, exact)
    # Tables of one document may print in different units: they are compared as loaded, in 万元.
    _tables_agree(found, _coded(printed, rules), document_kind)
    _narrative_agrees(found, printed, narrative)
    _narrative_subjects_agree(found, printed, narrative)
    years = facts["fiscal_year"].drop_nulls()
    _narrative_own(found, narrative, places, int(years[0]) if len(years) else None, document_kind)
    _subject_names_match_catalogue(found, printed)
    return found.frame()
