"""The 政府收支分类科目 across fiscal years: the project's own catalogue of names per year and crosswalk.

The classification changes every year (the 2018 reform renamed 210 医疗卫生与计划生育支出 to
卫生健康支出 in 2019 and merged three 款 into 20138 市场监督管理事务), and no machine-readable
catalogue is published. The project keeps its own, as data in `reference/`:

- `subject_classes.csv` and `subject_sections.csv`: today's national 类 and 款, of the functional
  and both economic classifications (a 款 list as far as established; `source` says whether the
  development set prints it so);
- `subject_crosswalk.csv`: each change, from a code and name in force until `from_year_last` to
  its successor from `to_year_first` (`rename`, `move`, `merge`, `split`, or `new` for a code with
  no predecessor), with the source of each entry in `note`;
- `subject_class_aliases.csv`: names printed for a 类 that no catalogue uses (`灾害防治及应急管理`
  without 支出), tolerated wherever the 类 has a name.

From these the catalogue derives which names a code carried in each year, so a printed name can be
held against the name of its year, and which later code continues a code, so amounts can be
compared across years. Everything here is pure: data files in, frozen values out.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources

import polars as pl

from transforms.cleaning import compact
from transforms.vocabulary import vocabulary

CROSSWALK_KINDS = ("rename", "move", "merge", "split", "new")
# Changes an amount follows to its successor. A split is recorded but not followed: one code's
# amount cannot be divided among several successors.
FOLLOWED_KINDS = ("rename", "move", "merge")
_LEVEL_MARK = re.compile(r"[(](类|款|项)[)]$")
_CHAIN_LIMIT = 50

SUBJECT_NAME_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "subject_scheme": pl.String,
    "subject_code": pl.String,
    "subject_name": pl.String,
    "first_year": pl.Int32,
    "last_year": pl.Int32,
}
CROSSWALK_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "subject_scheme": pl.String,
    "from_code": pl.String,
    "from_name": pl.String,
    "from_year_last": pl.Int32,
    "to_code": pl.String,
    "to_name": pl.String,
    "to_year_first": pl.Int32,
    "kind": pl.String,
    "note": pl.String,
    "applies_from": pl.Int32,
    "linked_code": pl.String,
    "followed": pl.Boolean,
}


def name_key(name: str) -> str:
    """A printed name as it is compared with the catalogue: without spacing, a leading enumeration
    (一、, (二), as the vocabulary reads one) or a trailing level mark ((款)), widths and quotes as
    NFKC and `compact` make them."""
    key = vocabulary().enumeration.sub("", compact(name))
    return _LEVEL_MARK.sub("", compact(unicodedata.normalize("NFKC", key)))


@dataclass(frozen=True)
class CrosswalkEntry:
    """One change of the classification: `from_code` named `from_name` until `from_year_last`, then
    `to_code` named `to_name` from `to_year_first`. Years between the two are years in which the
    change happened but which one is not established: both names are accepted there."""

    scheme: str
    from_code: str | None
    from_name: str | None
    from_year_last: int | None
    to_code: str
    to_name: str
    to_year_first: int
    kind: str
    note: str

    @property
    def followed(self) -> bool:
        return self.kind in FOLLOWED_KINDS


@dataclass(frozen=True)
class CatalogueName:
    """A name a code carried: in force from `first_year` to `last_year` (None: open-ended), and
    tolerated from `tolerated_first` to `tolerated_last`, which add the years of the change around
    it (a budget for the year of a rename is drafted the autumn before, under either name)."""

    scheme: str
    code: str
    name: str
    first_year: int | None
    last_year: int | None
    tolerated_first: int | None
    tolerated_last: int | None

    def in_force(self, year: int) -> bool:
        return _within(year, self.first_year, self.last_year)

    def tolerated(self, year: int) -> bool:
        return _within(year, self.tolerated_first, self.tolerated_last)

    @property
    def years(self) -> str:
        """'2014-2018', 'until 2018', 'from 2019' or 'every year', for messages."""
        if self.first_year is None and self.last_year is None:
            return "every year"
        if self.first_year is None:
            return f"until {self.last_year}"
        if self.last_year is None:
            return f"from {self.first_year}"
        return f"{self.first_year}-{self.last_year}"


def _within(year: int, first: int | None, last: int | None) -> bool:
    return (first is None or year >= first) and (last is None or year <= last)


@dataclass(frozen=True)
class SubjectCatalogue:
    """The names of each code per year and the crosswalk between years (build with `build_catalogue`)."""

    names: tuple[CatalogueName, ...]
    crosswalk: tuple[CrosswalkEntry, ...]
    variants: tuple[tuple[str, str, str], ...] = field(default=())

    @cached_property
    def _by_code(self) -> dict[tuple[str, str], list[CatalogueName]]:
        index: dict[tuple[str, str], list[CatalogueName]] = {}
        for name in self.names:
            index.setdefault((name.scheme, name.code), []).append(name)
        return index

    @cached_property
    def _by_key(self) -> dict[tuple[str, str], list[CatalogueName]]:
        index: dict[tuple[str, str], list[CatalogueName]] = {}
        for name in self.names:
            index.setdefault((name.scheme, name_key(name.name)), []).append(name)
        return index

    @cached_property
    def _variants(self) -> dict[tuple[str, str], set[str]]:
        index: dict[tuple[str, str], set[str]] = {}
        for scheme, code, name in self.variants:
            index.setdefault((scheme, code), set()).add(name_key(name))
        return index

    def names_of(self, scheme: str, code: str) -> list[CatalogueName]:
        """Every name the catalogue knows for the code, in any year."""
        return self._by_code.get((scheme, code), [])

    def accepted(self, scheme: str, code: str, year: int) -> set[str] | None:
        """The name keys (`name_key`) a document of `year` may print for the code, or None when the
        catalogue gives the code no name that year (a code it does not list, or not yet or no
        longer in use): nothing to hold a printed name against."""
        keys = {name_key(n.name) for n in self.names_of(scheme, code) if n.tolerated(year)}
        return keys | self._variants.get((scheme, code), set()) if keys else None

    def expected(self, scheme: str, code: str, year: int) -> list[str]:
        """The catalogue's names for the code in `year`: those in force, else (a year within a
        change whose exact year is not established) those tolerated."""
        names = self.names_of(scheme, code)
        return [n.name for n in names if n.in_force(year)] or [n.name for n in names if n.tolerated(year)]

    def codes_named(self, scheme: str, key: str, year: int) -> list[str]:
        """The codes whose name in `year` is `key` (a name_key)."""
        return sorted({n.code for n in self._by_key.get((scheme, key), []) if n.tolerated(year)})

    def current_name(self, scheme: str, code: str) -> str | None:
        return next((n.name for n in self.names_of(scheme, code) if n.last_year is None), None)

    def linked_code(self, entry: CrosswalkEntry) -> str:
        """Where the chain of followed changes starting at `entry` ends: the latest code that
        continues the entry's `from_code`."""
        code, year = entry.to_code, entry.to_year_first
        for _ in range(_CHAIN_LIMIT):
            successor = _successor(self.crosswalk, entry.scheme, code, year)
            if successor is None:
                return code
            code, year = successor.to_code, successor.to_year_first
        raise ValueError(f"the crosswalk of {entry.scheme} {entry.from_code} does not end: a cycle")

    def crosswalk_frame(self) -> pl.DataFrame:
        """The crosswalk as `ref_subject_crosswalk` holds it: each entry with the first year its
        `from_code` side covers (`applies_from`; the year after the code's previous followed change)
        and the code its chain ends at (`linked_code`), so SQL picks one entry per code and year."""
        rows = []
        for entry in self.crosswalk:
            earlier = [
                e.from_year_last
                for e in self.crosswalk
                if e.followed
                and e.scheme == entry.scheme
                and e.from_code == entry.from_code
                and e.from_year_last is not None
                and entry.from_year_last is not None
                and e.from_year_last < entry.from_year_last
            ]
            rows.append(
                {
                    "subject_scheme": entry.scheme,
                    "from_code": entry.from_code,
                    "from_name": entry.from_name,
                    "from_year_last": entry.from_year_last,
                    "to_code": entry.to_code,
                    "to_name": entry.to_name,
                    "to_year_first": entry.to_year_first,
                    "kind": entry.kind,
                    "note": entry.note,
                    "applies_from": max(earlier) + 1 if earlier else None,
                    "linked_code": self.linked_code(entry) if entry.followed else entry.to_code,
                    "followed": entry.followed,
                }
            )
        return pl.DataFrame(rows, schema=CROSSWALK_SCHEMA)

    def name_frame(self) -> pl.DataFrame:
        """The names per year as `ref_subject_name` holds them (the years each name was in force)."""
        rows = [
            {
                "subject_scheme": n.scheme,
                "subject_code": n.code,
                "subject_name": n.name,
                "first_year": n.first_year,
                "last_year": n.last_year,
            }
            for n in self.names
        ]
        return pl.DataFrame(rows, schema=SUBJECT_NAME_SCHEMA)


def _successor(crosswalk: tuple[CrosswalkEntry, ...], scheme: str, code: str, year: int) -> CrosswalkEntry | None:
    """The first followed change of `code` after `year`: the one whose from side covers that year."""
    candidates = [
        e
        for e in crosswalk
        if e.followed and e.scheme == scheme and e.from_code == code and (e.from_year_last or 0) >= year
    ]
    return min(candidates, key=lambda e: e.from_year_last or 0, default=None)


def _entry(row: dict[str, str]) -> CrosswalkEntry:
    def year(value: str) -> int | None:
        return int(value) if value.strip() else None

    entry = CrosswalkEntry(
        scheme=row["scheme"],
        from_code=row["from_code"] or None,
        from_name=row["from_name"] or None,
        from_year_last=year(row["from_year_last"]),
        to_code=row["to_code"],
        to_name=row["to_name"],
        to_year_first=int(row["to_year_first"]),
        kind=row["kind"],
        note=row["note"],
    )
    where = f"crosswalk entry {entry.from_code or '-'} -> {entry.to_code} ({entry.kind})"
    if entry.kind not in CROSSWALK_KINDS:
        raise ValueError(f"{where}: kind must be one of {', '.join(CROSSWALK_KINDS)}")
    if entry.kind == "new":
        if entry.from_code or entry.from_name or entry.from_year_last is not None:
            raise ValueError(f"{where}: a new code has no predecessor")
        return entry
    if not (entry.from_code and entry.from_name and entry.from_year_last is not None):
        raise ValueError(f"{where}: needs from_code, from_name and from_year_last")
    if entry.from_year_last >= entry.to_year_first:
        raise ValueError(f"{where}: from_year_last must come before to_year_first")
    if (entry.kind == "rename") != (entry.from_code == entry.to_code):
        raise ValueError(f"{where}: a rename keeps its code, and only a rename does")
    return entry


def build_catalogue(
    current: list[tuple[str, str, str]],
    crosswalk: list[dict[str, str]],
    variants: Sequence[tuple[str, str, str]] = (),
) -> SubjectCatalogue:
    """The catalogue of today's names (`current`: scheme, code, name) and the crosswalk rows (as the
    CSV reads them). A name is in force from the latest change into its code until the change out
    of it; a crosswalk that contradicts itself or today's names raises ValueError naming the entry."""
    entries = tuple(_entry(row) for row in crosswalk)
    today = {(scheme, code): name for scheme, code, name in current}
    names: list[CatalogueName] = []

    def into(scheme: str, code: str, until: int | None = None) -> CrosswalkEntry | None:
        """The latest change that brought `code` (and its name) into use, up to the year `until`."""
        changes = [
            e
            for e in entries
            if e.scheme == scheme and e.to_code == code and (until is None or e.to_year_first <= until)
        ]
        return max(changes, key=lambda e: e.to_year_first, default=None)

    def tolerated_from(change: CrosswalkEntry | None) -> int | None:
        if change is None:
            return None
        return change.to_year_first if change.from_year_last is None else change.from_year_last

    for (scheme, code), name in today.items():
        latest = into(scheme, code)
        if latest is not None and name_key(latest.to_name) != name_key(name):
            raise ValueError(f"crosswalk names {scheme} {code} '{latest.to_name}', today's list '{name}'")
        first = latest.to_year_first if latest else None
        names.append(CatalogueName(scheme, code, name, first, None, tolerated_from(latest), None))
    for entry in entries:
        if entry.from_code is None or entry.from_name is None or entry.from_year_last is None:
            continue
        before = into(entry.scheme, entry.from_code, entry.from_year_last)
        if before is not None and name_key(before.to_name) != name_key(entry.from_name):
            raise ValueError(
                f"crosswalk names {entry.scheme} {entry.from_code} '{before.to_name}' from {before.to_year_first} "
                f"but '{entry.from_name}' until {entry.from_year_last}"
            )
        first = before.to_year_first if before else None
        old = CatalogueName(
            entry.scheme,
            entry.from_code,
            entry.from_name,
            first,
            entry.from_year_last,
            tolerated_from(before),
            entry.to_year_first,
        )
        if old not in names:
            names.append(old)
    catalogue = SubjectCatalogue(tuple(names), entries, tuple(variants))
    for entry in entries:
        end = catalogue.linked_code(entry) if entry.followed else entry.to_code
        if (entry.scheme, end) not in today:
            raise ValueError(f"crosswalk entry {entry.from_code} -> {entry.to_code} ends at {end}, not in today's list")
    _check_one_change_a_year(entries)
    _check_one_name_a_year(catalogue)
    return catalogue


def _check_one_change_a_year(entries: tuple[CrosswalkEntry, ...]) -> None:
    """A code leaves by one followed change a year, so an amount has one successor."""
    seen: set[tuple[str, str | None, int | None]] = set()
    for entry in entries:
        if not entry.followed:
            continue
        key = (entry.scheme, entry.from_code, entry.from_year_last)
        if key in seen:
            raise ValueError(f"{entry.scheme} {entry.from_code} has two followed changes after {entry.from_year_last}")
        seen.add(key)


def _check_one_name_a_year(catalogue: SubjectCatalogue) -> None:
    """A code has one name in force in any year (the years of a change may tolerate two)."""
    for (scheme, code), names in catalogue._by_code.items():
        for i, one in enumerate(names):
            for other in names[i + 1 :]:
                starts = max(one.first_year or 0, other.first_year or 0)
                ends = min(one.last_year or 9999, other.last_year or 9999)
                if starts <= ends:
                    raise ValueError(f"{scheme} {code} is named both '{one.name}' and '{other.name}' in {starts}")


def reference_rows(file_name: str) -> list[dict[str, str]]:
    """The rows of a CSV file of `transforms/reference`."""
    text = resources.files("transforms.reference").joinpath(file_name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def subject_catalogue() -> SubjectCatalogue:
    """The catalogue of the reference files shipped with the project."""
    current = [(r["scheme"], r["code"], r["name"]) for r in reference_rows("subject_classes.csv")]
    current += [(r["scheme"], r["code"], r["name"]) for r in reference_rows("subject_sections.csv")]
    variants = [(r["scheme"], r["code"], r["name"]) for r in reference_rows("subject_class_aliases.csv")]
    return build_catalogue(current, reference_rows("subject_crosswalk.csv"), variants)
