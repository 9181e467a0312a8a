"""Loads the controlled vocabularies (vocabulary.toml) once and answers label look-ups."""

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class TableType:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    scheme: str
    amounts: bool
    total_measure: str
    fund: str | None


@dataclass(frozen=True)
class Measure:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    kind: str


@dataclass(frozen=True)
class Vocabulary:
    table_types: tuple[TableType, ...]
    scheme_in_title: dict[str, re.Pattern[str]]
    header: dict[str, tuple[re.Pattern[str], ...]]
    measures: tuple[Measure, ...]
    total_row: tuple[re.Pattern[str], ...]
    count_row: tuple[re.Pattern[str], ...]
    page_total_row: tuple[re.Pattern[str], ...]
    enumeration: re.Pattern[str]
    numerals_unpunctuated: re.Pattern[str]
    part_of: re.Pattern[str]
    column_numbers: re.Pattern[str]
    measure_row: re.Pattern[str]
    income_side: re.Pattern[str]
    expenditure_side: re.Pattern[str]
    income_total: re.Pattern[str]
    expenditure_total: re.Pattern[str]
    composites: tuple[tuple[frozenset[str], str], ...]
    continuation_title: re.Pattern[str]
    code_formats: dict[str, re.Pattern[str]]
    item_names: dict[str, str]
    wan_per_unit: dict[str, Decimal]
    # A unit of wan_per_unit in brackets, as amount headings print it (预算数(万元)).
    bracketed_unit: re.Pattern[str]
    # What may follow a total's label in its cell: a colon, the unit in brackets (合计：, 合计(万元)).
    label_tail: re.Pattern[str]
    # An amount cell's figure between a currency sign and a unit, either printed or not.
    amount_cell: re.Pattern[str]

    def table_type(self, name: str) -> TableType:
        return next(t for t in self.table_types if t.name == name)

    def measure_of(self, label: str) -> Measure | None:
        return next((m for m in self.measures if _matches(m.patterns, label)), None)

    def kind_of(self, measure: str | None) -> str | None:
        """A measure's kind (part, total, period, fund, stage); None for no measure."""
        return next((m.kind for m in self.measures if m.name == measure), None)

    def counts(self, label: str) -> bool:
        """Whether a row's label says its figures count things (团组数(个)), not money."""
        return _matches(self.count_row, label)

    def totals(self, label: str) -> bool:
        """Whether a row's label says it totals the table or one side of it."""
        return _matches(self.total_row, self.label_tail.sub("", label))

    def side_total(self, label: str) -> str | None:
        """The side of a two-sided table a row's label totals (收入总计, 支出合计：), or None."""
        key = self.label_tail.sub("", label)
        if self.income_total.match(key):
            return "income"
        return "expenditure" if self.expenditure_total.match(key) else None

    def totals_a_page(self, label: str) -> bool:
        """Whether a row's label says it sums rows printed above it page by page (本页合计, 承上页)."""
        return _matches(self.page_total_row, label)

    def header_role(self, label: str, role: str) -> bool:
        return _matches(self.header[role], label)


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def _matches(patterns: tuple[re.Pattern[str], ...], label: str) -> bool:
    return any(p.search(label) for p in patterns)


@cache
def _data() -> dict[str, Any]:
    return tomllib.loads(resources.files("transforms").joinpath("vocabulary.toml").read_text("utf-8"))


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary shipped with the package; cached because every table consults it."""
    data = _data()
    units = "|".join(map(re.escape, sorted(data["units"], key=len, reverse=True)))
    return Vocabulary(
        table_types=tuple(
            TableType(
                t["name"],
                _compile(t["patterns"]),
                t["scheme"],
                t.get("amounts", True),
                t.get("total_measure", "total"),
                t.get("fund"),
            )
            for t in data["table_type"]
        ),
        scheme_in_title={k: re.compile(v) for k, v in data["scheme_in_title"].items()},
        header={k: _compile(v) for k, v in data["header"].items() if isinstance(v, list)},
        measures=tuple(Measure(m["name"], _compile(m["patterns"]), m.get("kind", "part")) for m in data["measure"]),
        total_row=_compile(data["row"]["total"]),
        count_row=_compile(data["row"]["count"]),
        page_total_row=_compile(data["row"]["page_total"]),
        enumeration=re.compile(data["row"]["enumeration"]),
        numerals_unpunctuated=re.compile(data["row"]["numerals_unpunctuated"]),
        part_of=re.compile(data["row"]["part_of"]),
        column_numbers=re.compile(data["row"]["column_numbers"]),
        measure_row=re.compile(data["row"]["measure"]),
        income_side=re.compile(data["two_sided"]["income"]),
        expenditure_side=re.compile(data["two_sided"]["expenditure"]),
        income_total=re.compile(data["two_sided"]["income_total"]),
        expenditure_total=re.compile(data["two_sided"]["expenditure_total"]),
        composites=tuple((frozenset(c["parts"]), c["whole"]) for c in data["composite"]),
        continuation_title=re.compile(data["continuation"]["title"]),
        code_formats={k: re.compile(v) for k, v in data["subject_code_format"].items()},
        item_names=data["header"].get("item_names", {}),
        wan_per_unit={unit: Decimal(wan) for unit, wan in data["units"].items()},
        bracketed_unit=re.compile(rf"[(（]({units})[)）]"),
        label_tail=re.compile(rf"([:：]|[(（](?:{units})[)）])+$"),
        amount_cell=re.compile(
            rf"^(?:{'|'.join(map(re.escape, data['printed_amount']['currency']))})?(?P<figure>.*?)(?P<unit>{units})?$"
        ),
    )


@dataclass(frozen=True)
class IdentityVocabulary:
    """The [identity] section: how a disclosure says who published it, for which year, of which
    scope and kind; kept as data so that a new province's label wording is a one-line change."""

    label_line: re.Pattern[str]
    department_labels: frozenset[str]
    field_end: re.Pattern[str]
    name_prefix: re.Pattern[str]
    coded_name_line: re.Pattern[str]
    year_field: re.Pattern[str]
    self_level: re.Pattern[str]
    trailing_words: re.Pattern[str]
    table_title_end: re.Pattern[str]
    table_title_start: re.Pattern[str]
    label_trailing: re.Pattern[str]
    not_a_name: tuple[re.Pattern[str], ...]
    name_starts: tuple[str, ...]
    narrative_subject: re.Pattern[str]
    title_phrase: re.Pattern[str]
    final_account: re.Pattern[str]
    scope: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    narrative_markers: tuple[re.Pattern[str], ...]
    narrative_min: int
    placeholder: re.Pattern[str]
    template_min: int

    def is_name(self, name: str) -> bool:
        return bool(name) and not _matches(self.not_a_name, name)


@cache
def identity_vocabulary() -> IdentityVocabulary:
    """The [identity] section, cached like the rest of the vocabulary."""
    data = _data()["identity"]
    labels = sorted(data["department_labels"] + data["unit_labels"], key=len, reverse=True)
    return IdentityVocabulary(
        label_line=re.compile(rf"{data['label_start']}(?P<label>{'|'.join(labels)})\s*[:：]\s*(?P<value>.*)$"),
        department_labels=frozenset(re.sub(r"\\(.)", r"\1", label) for label in data["department_labels"]),
        field_end=re.compile(data["field_end"]),
        name_prefix=re.compile(data["name_prefix"]),
        coded_name_line=re.compile(data["coded_name_line"]),
        year_field=re.compile(data["year_field"]),
        self_level=re.compile(data["self_level"]),
        trailing_words=re.compile(data["trailing_words"]),
        table_title_end=re.compile(data["table_title_end"]),
        table_title_start=re.compile(data["table_title_start"]),
        label_trailing=re.compile(data["label_trailing"]),
        not_a_name=_compile(data["not_a_name"]),
        name_starts=tuple(data["name_starts"]),
        narrative_subject=re.compile(data["narrative_subject"]),
        title_phrase=re.compile(data["title_phrase"]),
        final_account=re.compile(data["final_account"]),
        scope=(("unit", _compile(data["scope_unit"])), ("department", _compile(data["scope_department"]))),
        narrative_markers=_compile(data["narrative_markers"]),
        narrative_min=data["narrative_min"],
        placeholder=re.compile(data["placeholder"]),
        template_min=data["template_min"],
    )


@dataclass(frozen=True)
class PerformanceVocabulary:
    """The [performance] section: how a 绩效目标表 heads its indicator columns and its form fields,
    and how it prints a target's comparator."""

    department_scope: re.Pattern[str]
    header_min_levels: int
    qualitative: re.Pattern[str]
    columns: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    fields: tuple[tuple[str, re.Pattern[str]], ...]
    # (printed word, symbol), longest word first: 大于等于 is tried before 大于.
    comparators: tuple[tuple[str, str], ...]

    def column_role(self, label: str) -> str | None:
        return next((role for role, patterns in self.columns if _matches(patterns, label)), None)

    def field(self, label: str) -> str | None:
        return next((name for name, pattern in self.fields if pattern.search(label)), None)


@cache
def performance_vocabulary() -> PerformanceVocabulary:
    """The [performance] section, cached like the rest of the vocabulary."""
    data = _data()["performance"]
    words = [(word, symbol) for symbol, printed in data["comparators"].items() for word in printed]
    return PerformanceVocabulary(
        department_scope=re.compile(data["department_scope"]),
        header_min_levels=data["header_min_levels"],
        qualitative=re.compile(data["qualitative"]),
        columns=tuple((role, _compile(patterns)) for role, patterns in data["columns"].items()),
        fields=tuple((name, re.compile(pattern)) for name, pattern in data["fields"].items()),
        comparators=tuple(sorted(words, key=lambda pair: len(pair[0]), reverse=True)),
    )
