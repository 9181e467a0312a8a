"""The consistency rules as data: `rules.toml` read into the settings each rule takes (what must add
up, how far rounding may go, which narrative sentences to read, which names the catalogue holds)."""

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, partial
from importlib import resources
from itertools import combinations

from transforms.subjects import SubjectCatalogue, subject_catalogue


@dataclass(frozen=True)
class NarrativeFigure:
    """A total the narrative states and the table figure it must equal (rules.toml). `subjects`, for
    a figure that is one column or row of its table ("三公" items), name it: the first of them the
    table prints is the figure."""

    name: str
    pattern: re.Pattern[str]
    table_types: tuple[str, ...]
    measure: str
    subjects: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class NarrativeSubject:
    """An amount the narrative states for a subject code it prints in pieces (rules.toml), printed
    in the first of `measures` a table prints for that subject."""

    name: str
    pattern: re.Pattern[str]
    measures: tuple[str, ...]
    table_types: tuple[str, ...]


@dataclass(frozen=True)
class NarrativeParts:
    """The parts a narrative lists after a whole it states, and the measure each part's name is
    (rules.toml [narrative_parts])."""

    opening: re.Pattern[str]
    part: re.Pattern[str]
    measures: dict[str, str]


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
class NamedSum:
    """Items that make up a whole by their names, in tables of `table_types` (rules.toml [[named_sums]])."""

    table_types: tuple[str, ...]
    whole: re.Pattern[str]
    parts: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class OcrGate:
    """How far an amount read by OCR is trusted (see rules.toml [ocr_gate] and expectations/ocr_gate.py)."""

    low_confidence: float
    unchecked_confidence: float
    max_quarantined_cells: int
    probe: Decimal


@dataclass(frozen=True)
class IncomeSources:
    """An income table's whole and the sources of money that add up to it (rules.toml [income_sources])."""

    whole: str
    sources: frozenset[str]
    # A source's own parts: printed beside it, they would count twice.
    parts: dict[str, frozenset[str]]

    def checkable(self, measures: set[str]) -> bool:
        """Whether a row printing `measures` is its whole and two or more sources, none part of another."""
        printed = measures - {self.whole}
        return (
            self.whole in measures
            and len(printed) >= 2
            and printed <= self.sources
            and not any(source in printed and printed & parts for source, parts in self.parts.items())
        )


@dataclass(frozen=True)
class Rules:
    tolerance_per_term: Decimal
    parts_sum_to_whole: tuple[tuple[str, tuple[str, ...]], ...]
    income_sources: IncomeSources
    severity: dict[str, str]
    codes_repeat_in: tuple[str, ...]
    enumeration_levels: tuple[re.Pattern[str], ...]
    partial_breakdown: re.Pattern[str]
    grand_total: re.Pattern[str]
    subtotal_column: re.Pattern[str]
    named_sums: tuple[NamedSum, ...]
    narrative: tuple[NarrativeFigure, ...]
    narrative_subjects: tuple[NarrativeSubject, ...]
    narrative_parts: NarrativeParts
    narrative_arithmetic: NarrativeArithmetic
    narrative_names: re.Pattern[str]
    narrative_years: re.Pattern[str]
    amount_measures: tuple[str, ...]
    income_tables: tuple[str, ...]
    carry_overs: CarryOvers
    subject_names: SubjectNames
    ocr_gate: OcrGate
    coverage: Coverage

    @property
    def top_level_item(self) -> re.Pattern[str]:
        """How a top-level item is enumerated (一、 二、): the outermost of the enumeration levels."""
        return self.enumeration_levels[0]


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
        income_sources=IncomeSources(
            data["income_sources"]["whole"],
            frozenset(data["income_sources"]["sources"]),
            {source: frozenset(parts) for source, parts in data["income_sources"]["parts"].items()},
        ),
        severity=data["severity"],
        codes_repeat_in=tuple(data["rows"]["codes_repeat_in"]),
        enumeration_levels=tuple(re.compile(level) for level in data["rows"]["enumeration_levels"]),
        partial_breakdown=re.compile(data["rows"]["partial_breakdown"]),
        grand_total=re.compile(data["rows"]["grand_total"]),
        subtotal_column=re.compile(data["rows"]["subtotal_column"]),
        named_sums=tuple(
            NamedSum(tuple(n["table_types"]), re.compile(n["whole"]), tuple(map(re.compile, n["parts"])))
            for n in data["named_sums"]
        ),
        narrative=tuple(figure for n in data["narrative"] for figure in _narrative_figures(n)),
        narrative_subjects=tuple(
            NarrativeSubject(
                n["name"],
                _narrative_pattern(n["pattern"]),
                (n["measure"],) if isinstance(n["measure"], str) else tuple(n["measure"]),
                tuple(n["table_types"]),
            )
            for n in data["narrative_subjects"]
        ),
        narrative_parts=NarrativeParts(
            re.compile(data["narrative_parts"]["opening"]),
            _narrative_pattern(data["narrative_parts"]["part"]),
            dict(data["narrative_parts"]["measures"]),
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
            unchecked_confidence=float(data["ocr_gate"]["unchecked_confidence"]),
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


def _narrative_pattern(pattern: str, direction: str = "") -> re.Pattern[str]:
    """A narrative pattern of rules.toml with its `{amount}` (and `{direction}`) spelled out."""
    return re.compile(pattern.replace("{amount}", _NARRATIVE_AMOUNT).replace("{direction}", direction))


def _narrative_figures(entry: dict) -> list[NarrativeFigure]:
    """A [[narrative]] entry's figure, or one per name of its `each` (the "三公" items), the name
    standing for `{each}` in its pattern and subjects."""

    def figure(name: str, each: str) -> NarrativeFigure:
        return NarrativeFigure(
            name,
            _narrative_pattern(entry["pattern"].replace("{each}", each)),
            tuple(entry["table_types"]),
            entry["measure"],
            tuple(re.compile(subject.replace("{each}", each)) for subject in entry.get("subjects", ())),
        )

    if "each" in entry:
        return [figure(each, each) for each in entry["each"]]
    return [figure(entry["name"], "")]


def _narrative_arithmetic_rules(data: dict) -> NarrativeArithmetic:
    signs = {word: sign for key, sign in (("increase", 1), ("decrease", -1), ("unchanged", 0)) for word in data[key]}
    direction = "|".join(sorted((word for word, sign in signs.items() if sign), key=len, reverse=True))

    compiled = partial(_narrative_pattern, direction=direction)
    return NarrativeArithmetic(
        claims=tuple(NarrativeClaim(c["name"], c["kind"], compiled(c["pattern"])) for c in data["claims"]),
        shares=tuple(NarrativeShares(s["name"], compiled(s["whole"]), compiled(s["part"])) for s in data["shares"]),
        signs=signs,
    )


def with_tolerance(rules: Rules, tolerance_per_term: Decimal) -> Rules:
    """The same rules with another rounding tolerance (e.g. from the command line)."""
    return Rules(**{**rules.__dict__, "tolerance_per_term": tolerance_per_term})
