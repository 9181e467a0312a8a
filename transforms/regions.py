"""GB/T 2260 regions and their history, from the project's own reference (`reference/regions.csv`,
rebuilt from the CC0 code history by `reference/build_regions.py`).

Divisions are renamed, upgraded (平果县 -> 平果市), merged and dissolved (莱芜市 -> 济南市 莱芜区,
钢城区) every year, and a disclosure is about its region as it was in its fiscal year: a 2018
平果县 budget files under 451023, a 2021 平果市 one under 451082. `region_lineage()` then says which
code each one lives on in today, so a region's years can be read under one key.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl

REFERENCE = "regions.csv"
_LONGEST_NAME = 20
_SHORTEST_STEM = 2
_NOT_IN_USE = 4

REGION_SCHEMA = {
    "adcode": pl.String,
    "name": pl.String,
    "level": pl.String,
    "province": pl.String,
    "city": pl.String,
    "county": pl.String,
    "valid_from": pl.Int32,
    "valid_to": pl.Int32,
    "successor_adcodes": pl.String,
}
REGION_HISTORY_SCHEMA = {**REGION_SCHEMA, "area_transfers": pl.String, "change": pl.String}
LINEAGE_SCHEMA = {
    "adcode": pl.String,
    "current_adcode": pl.String,
    "is_approximate": pl.Boolean,
    "lineage": pl.String,
}


@cache
def region_history() -> pl.DataFrame:
    """Every code in use since 1981, one row per code and period (name, parents, years, successors)."""
    source = resources.files("transforms.reference").joinpath(REFERENCE)
    raw = pl.read_csv(source.read_bytes(), infer_schema=False)  # codes are text: 110000, not 110000.0
    return (
        raw.with_columns(
            pl.col("valid_from", "valid_to").cast(pl.Int32),
            county=pl.when(pl.col("level") == "county").then(pl.col("name")),
        )
        .select(list(REGION_HISTORY_SCHEMA))
        .sort("adcode", "valid_from")
    )


@cache
def region_reference() -> pl.DataFrame:
    """`dim_region`: one row per code ever in use, as in its latest period. `valid_from` is the first
    year of its latest unbroken use (a rename under the same code does not break it, a code given up
    and reused later does); the periods themselves are `region_history()`."""
    history = region_history().with_columns(
        # a new run of use starts where a period does not begin the year the one before it ended
        run=(pl.col("valid_from") != pl.col("valid_to").shift(1))
        .fill_null(True)
        .cum_sum()
        .over("adcode", order_by="valid_from")
    )
    return (
        history.with_columns(run_start=pl.col("valid_from").min().over("adcode", "run"))
        .group_by("adcode")
        .agg(pl.all().sort_by("valid_from").last())
        .with_columns(valid_from=pl.col("run_start"))
        .select(list(REGION_SCHEMA))
        .sort("adcode")
    )


@dataclass(frozen=True)
class RegionMatch:
    adcode: str | None
    name: str | None
    reason: str


@dataclass(frozen=True)
class RegionSpan:
    """Where a name prints its region (上海市普陀区 in 上海市普陀区司法局), the name printed at its
    deepest level (普陀区), and which periods of which regions it can be: those of that name, and
    those whose name differs from it only by its level suffix (平果县 for 平果市)."""

    start: int
    end: int
    candidates: tuple[dict, ...]
    printed: str = ""


@cache
def level_suffixes() -> tuple[str, ...]:
    """The suffixes a division's name changes when its level does (`[regions]` in vocabulary.toml),
    longest first, so that 百色地区 loses 地区, not 区."""
    data = tomllib.loads(resources.files("transforms").joinpath("vocabulary.toml").read_text("utf-8"))
    return tuple(sorted(data["regions"]["level_suffixes"], key=len, reverse=True))


def _stem(name: str) -> str | None:
    for suffix in level_suffixes():
        if name.endswith(suffix) and len(name) - len(suffix) >= _SHORTEST_STEM:
            return name[: -len(suffix)]
    return None


@cache
def _regions_by_name() -> dict[str, tuple[dict, ...]]:
    by_name: dict[str, list[dict]] = defaultdict(list)
    for row in region_history().filter(pl.col("name").str.len_chars() >= 2).to_dicts():
        by_name[row["name"]].append(row)
    return {name: tuple(rows) for name, rows in by_name.items()}


@cache
def _regions_by_stem() -> dict[str, tuple[dict, ...]]:
    by_stem: dict[str, list[dict]] = defaultdict(list)
    for name, rows in _regions_by_name().items():
        if (stem := _stem(name)) is not None:
            by_stem[stem].extend(rows)
    return {stem: tuple(rows) for stem, rows in by_stem.items()}


def _within(row: dict, parents: tuple[dict, ...] | None) -> bool:
    if parents is None:
        return True
    for parent in parents:
        if parent["level"] == "province" and row["adcode"][:2] == parent["adcode"][:2]:
            return row["adcode"] != parent["adcode"]
        if parent["level"] == "city" and row["adcode"][:4] == parent["adcode"][:4]:
            return row["adcode"] != parent["adcode"]
    return False


@cache
def _periods_by_code() -> dict[str, tuple[dict, ...]]:
    by_code: dict[str, list[dict]] = defaultdict(list)
    for row in region_history().to_dicts():
        by_code[row["adcode"]].append(row)
    return {code: tuple(rows) for code, rows in by_code.items()}


def _in_use(row: dict, year: int | None) -> bool:
    if year is None:
        return row["valid_to"] is None
    return row["valid_from"] <= year and (row["valid_to"] is None or year < row["valid_to"])


def _period_at(code: str, year: int) -> dict | None:
    """The period of `code` in use in `year`, else its latest before it."""
    periods = _periods_by_code().get(code, ())
    in_use = [p for p in periods if _in_use(p, year)]
    if in_use:
        return in_use[0]
    before = [p for p in periods if p["valid_from"] <= year]
    return before[-1] if before else None


def region_at(adcode: str, year: int | None) -> str | None:
    """The name `adcode` had in `year` (its latest before it; without a year, its latest), None
    for a code that GB/T 2260 never used."""
    periods = _periods_by_code().get(adcode, ())
    if year is None or not periods:
        return periods[-1]["name"] if periods else None
    period = _period_at(adcode, year)
    return period["name"] if period else None


def _successors(row: dict) -> list[dict]:
    """The periods that took over a retired period's area, in the order the reference lists them."""
    year = row["valid_to"]
    if year is None or not row["successor_adcodes"]:
        return []
    found = (_period_at(code, year) for code in row["successor_adcodes"].split(";"))
    return [p for p in found if p is not None]


def _main_successor(row: dict, successors: list[dict]) -> dict:
    """Of several successors, the one that carries most of the name (莱芜市 -> 莱芜区, not 钢城区);
    the first listed when none carries more than another."""
    own = set(_stem(row["name"]) or row["name"])
    return max(successors, key=lambda s: len(own & set(_stem(s["name"]) or s["name"])))


@cache
def _reached(adcode: str, valid_from: int) -> frozenset[str]:
    """The codes a period's area went to, following successors to today."""
    start = next(p for p in _periods_by_code()[adcode] if p["valid_from"] == valid_from)
    found: set[str] = set()
    seen: set[tuple[str, int]] = set()
    pending = _successors(start)
    while pending:
        period = pending.pop()
        if (period["adcode"], period["valid_from"]) not in seen:
            seen.add((period["adcode"], period["valid_from"]))
            found.add(period["adcode"])
            pending.extend(_successors(period))
    return frozenset(found)


def _succeeds(later: dict, earlier: dict) -> bool:
    return later["adcode"] in _reached(earlier["adcode"], earlier["valid_from"])


def _namesake(row: dict, exact: tuple[dict, ...]) -> bool:
    """Whether a division named like a printed one under another level suffix is the printed one
    under another level: under the same parent (the same province; for two counties the same
    prefecture) and either of the same level (平果县, 平果市 of 百色市) or one the other's successor
    (莱芜市 -> 莱芜区). 大同县 is not 大同市: it became 云州区 of 大同市."""
    for other in exact:
        if row["adcode"][:2] != other["adcode"][:2]:
            continue
        if row["level"] == other["level"] == "county" and row["adcode"][:4] != other["adcode"][:4]:
            continue
        if row["level"] == other["level"] or _succeeds(row, other) or _succeeds(other, row):
            return True
    return False


@cache
def _named(printed: str) -> tuple[dict, ...]:
    """The periods of regions named `printed`, then their namesakes of another level (`_namesake`;
    any region so named when none is named `printed`)."""
    exact = _regions_by_name().get(printed, ())
    stem = _stem(printed)
    variants = tuple(
        row
        for row in (_regions_by_stem().get(stem, ()) if stem is not None else ())
        if row["name"] != printed and (not exact or _namesake(row, exact))
    )
    return exact + variants


def _step(name: str, at: int, parents: tuple[dict, ...] | None) -> tuple[str, tuple[dict, ...]] | None:
    for end in range(min(len(name), at + _LONGEST_NAME), at + 1, -1):
        rows = tuple(r for r in _named(name[at:end]) if _within(r, parents))
        if rows:
            return name[at:end], rows
    return None


def region_span(name: str, inside_min: int = 3) -> RegionSpan | None:
    """The regions a name prints, read top-down: a province, then a city or county inside it, so
    that 上海市普陀区人民政府办公室 is 普陀区 of 上海市. A name that does not start with a region
    (中共江苏省委办公厅) is searched for the first full region name of `inside_min` characters
    or more printed inside it. Every period of every region so named is a candidate; which one a
    document means depends on its year (`resolve_region`)."""
    starts = [0, *range(1, max(len(name) - inside_min + 1, 1))]
    for start in starts:
        first = _step(name, start, None)
        if first is None or (start > 0 and len(first[0]) < inside_min):
            continue
        printed, candidates = first
        end = start + len(printed)
        while (deeper := _step(name, end, candidates)) is not None:
            printed, candidates = deeper
            end += len(printed)
        return RegionSpan(start, end, candidates, printed)
    return None


def _rank(row: dict, printed: str, year: int | None) -> int:
    """How well a period fits a document of `year` printing `printed` (lower is better).

    The code in use in the fiscal year comes first, and the printed name before a namesake of
    another level. A code retired during the year (its `valid_to`) fits next: the reference
    gives the state on 31 December, and a budget printed early that year still names it (莱芜市's
    2018 budget, 莱芜市 retired in December 2018). Without a year, only codes in use today fit."""
    exact = row["name"] == printed
    if _in_use(row, year):
        return 0 if exact else 2
    if year is not None and row["valid_to"] == year:
        return 1 if exact else 3
    return _NOT_IN_USE


def _successor_in(row: dict, year: int | None) -> dict | None:
    """The period in use in `year` (None: today) that a period retired before it lives on in,
    following its main successors (`_main_successor`)."""
    seen: set[tuple[str, int]] = set()
    while not _in_use(row, year):
        key = (row["adcode"], row["valid_from"])
        not_yet_retired = row["valid_to"] is None or (year is not None and row["valid_to"] > year)
        if not_yet_retired or key in seen or not (successors := _successors(row)):
            return None
        seen.add(key)
        row = _main_successor(row, successors)
    return row


def _distinct(rows: list[dict]) -> list[dict]:
    return list({r["adcode"]: r for r in rows}.values())


def _fitting(span: RegionSpan, year: int | None) -> tuple[list[dict], str]:
    """The candidates that fit the year best, one period per code, and how they were chosen: by
    `_rank`; else, for a name retired before the year, the code that took it over (钢城区 of 莱芜市
    printed in 2020: 370117 of 济南市); else the periods nearest to the year."""
    ranked = sorted(span.candidates, key=lambda r: _rank(r, span.printed, year))
    best = _rank(ranked[0], span.printed, year)
    if best < _NOT_IN_USE:
        return _distinct([r for r in ranked if _rank(r, span.printed, year) == best]), "resolved"
    when = "today" if year is None else f"in {year}"
    for rows in ([r for r in ranked if r["name"] == span.printed], ranked):
        if carried := [s for r in rows if (s := _successor_in(r, year)) is not None]:
            return _distinct(carried), f"resolved: {span.printed} no longer in use {when}, filed under its successor"

    def distance(row: dict) -> int:
        if year is None:
            return -(row["valid_to"] or 0)
        return row["valid_from"] - year if row["valid_from"] > year else year - (row["valid_to"] or year)

    nearest = min(map(distance, ranked))
    return _distinct([r for r in ranked if distance(r) == nearest]), f"resolved: {span.printed} was not in use {when}"


def resolve_region(department_name: str, document_text: str, fiscal_year: int | None = None) -> RegionMatch:
    """The region a department name prints, at its deepest level, as it was in `fiscal_year` (the
    code in use then; a name printed with another level suffix finds its namesake; a region retired
    before that year, its successor in use then). Without a year, the region as it is today.
    Same-named regions are told apart by the province or city names the document mentions, and left
    unresolved when it mentions neither."""
    span = region_span(department_name)
    if span is None:
        return RegionMatch(None, None, f"no GB/T 2260 region name in '{department_name}'")
    rows, reason = _fitting(span, fiscal_year)
    if len(rows) > 1:
        scored = sorted(rows, key=lambda r: -_mentions(r, document_text))
        if _mentions(scored[0], document_text) == _mentions(scored[1], document_text):
            names = ", ".join(f"{r['province']}{r['city'] or ''}{r['name']} ({r['adcode']})" for r in rows)
            return RegionMatch(None, None, f"'{span.printed}' is ambiguous: {names}; the document names no parent")
        rows = scored
    return RegionMatch(rows[0]["adcode"], rows[0]["name"], reason)


def _mentions(region: dict, text: str) -> int:
    return sum(text.count(name) for name in (region["province"], region["city"]) if name)


def _contains(outer: dict, inner: dict) -> bool:
    """Whether `outer` is a province or prefecture that `inner` lies in."""
    if outer["adcode"] == inner["adcode"] or outer["level"] == "county":
        return False
    digits = 2 if outer["level"] == "province" else 4
    return outer["adcode"][:digits] == inner["adcode"][:digits]


@cache
def _predecessors() -> dict[tuple[str, int], tuple[dict, ...]]:
    """(code, year) -> the periods whose area went to that code that year: retired into it, or
    handing it part of their area while staying in use."""
    found: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for row in region_history().to_dicts():
        if row["valid_to"] is not None and row["successor_adcodes"]:
            for code in row["successor_adcodes"].split(";"):
                found[(code, row["valid_to"])].append(row)
        for transfer in (row["area_transfers"] or "").split(";"):
            if transfer:
                year, code = transfer.split(":")
                found[(code, int(year))].append(row)
    return {key: tuple(rows) for key, rows in found.items()}


def _label(row: dict, before: dict | None = None) -> str:
    """'451082 平果市'; a county under another prefecture than the one before it names that one too."""
    moved = before is not None and row["level"] == "county" and row["city"] and row["city"] != before["city"]
    return f"{row['adcode']} {row['city'] if moved else ''}{row['name']}"


def _rolled_forward(latest: dict) -> tuple[str, bool, str]:
    """The code a retired code's area is under today, whether that is only approximately the same
    area (split among several, or merged into a region that covers more), and the path taken."""
    row, approximate, path = latest, False, _label(latest)
    seen: set[tuple[str, int]] = set()
    while row["valid_to"] is not None and (row["adcode"], row["valid_from"]) not in seen:
        seen.add((row["adcode"], row["valid_from"]))
        year, successors = row["valid_to"], _successors(row)
        if not successors:
            path += f" (retired {year}, no successor listed)"
            break
        main = _main_successor(row, successors)
        notes = [str(year)]
        if len(successors) > 1:
            approximate = True
            notes.append("split: " + ", ".join(f"{s['adcode']} {s['name']}" for s in successors))
        others = [
            p
            for p in _predecessors().get((main["adcode"], year), ())
            if p["adcode"] != row["adcode"] and not _contains(p, row) and not _contains(row, p)
        ]
        if main["adcode"] != row["adcode"] and (others or main["valid_from"] < year):
            approximate = True
            merged = ", ".join(f"{p['adcode']} {p['name']}" for p in others[:3]) + (", ..." if len(others) > 3 else "")
            notes.append(f"merged with {merged}" if others else "merged into a region already in use")
        path += f" -> {_label(main, row)} ({'; '.join(notes)})"
        row = main
    return row["adcode"], approximate, path


@cache
def region_lineage() -> pl.DataFrame:
    """One row per code of `region_reference()`: the code it is under today (`current_adcode`: itself
    while in use; a retired code's successors followed to codes in use, the main one where it was
    split), whether that is approximate (split, or merged into a region that also covers other
    areas), and the path in words ('451023 平果县 -> 451082 平果市 (2019)'). A query grouping by
    `current_adcode` reads a region's years under one key."""
    rows = []
    for latest in region_reference().to_dicts():
        if latest["valid_to"] is None:
            rows.append((latest["adcode"], latest["adcode"], False, _label(latest)))
            continue
        rows.append((latest["adcode"], *_rolled_forward(latest)))
    return pl.DataFrame(rows, schema=LINEAGE_SCHEMA, orient="row")


@dataclass(frozen=True)
class RegionTables:
    """The reference the warehouse loads: `dim_region`, `dim_region_history`, `ref_region_lineage`."""

    regions: pl.DataFrame
    history: pl.DataFrame
    lineage: pl.DataFrame


def region_tables() -> RegionTables:
    return RegionTables(region_reference(), region_history(), region_lineage())
