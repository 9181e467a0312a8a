"""Loads the controlled vocabularies (vocabulary.toml) once and answers label look-ups."""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class TableType:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    scheme: str
    amounts: bool
    total_measure: str


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
    enumeration: re.Pattern[str]
    income_side: re.Pattern[str]
    expenditure_side: re.Pattern[str]
    composites: tuple[tuple[frozenset[str], str], ...]

    def table_type(self, name: str) -> TableType:
        return next(t for t in self.table_types if t.name == name)

    def measure_of(self, label: str) -> Measure | None:
        return next((m for m in self.measures if _matches(m.patterns, label)), None)

    def header_role(self, label: str, role: str) -> bool:
        return _matches(self.header[role], label)


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def _matches(patterns: tuple[re.Pattern[str], ...], label: str) -> bool:
    return any(p.search(label) for p in patterns)


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary shipped with the package; cached because every table consults it."""
    data = tomllib.loads(resources.files("transforms").joinpath("vocabulary.toml").read_text("utf-8"))
    return Vocabulary(
        table_types=tuple(
            TableType(
                t["name"], _compile(t["patterns"]), t["scheme"], t.get("amounts", True), t.get("total_measure", "total")
            )
            for t in data["table_type"]
        ),
        scheme_in_title={k: re.compile(v) for k, v in data["scheme_in_title"].items()},
        header={k: _compile(v) for k, v in data["header"].items()},
        measures=tuple(Measure(m["name"], _compile(m["patterns"]), m.get("kind", "part")) for m in data["measure"]),
        total_row=_compile(data["row"]["total"]),
        enumeration=re.compile(data["row"]["enumeration"]),
        income_side=re.compile(data["two_sided"]["income"]),
        expenditure_side=re.compile(data["two_sided"]["expenditure"]),
        composites=tuple((frozenset(c["parts"]), c["whole"]) for c in data["composite"]),
    )
