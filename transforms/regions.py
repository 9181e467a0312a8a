"""GB/T 2260 regions from a maintained reference: the code list shipped by the `cpca` package."""

from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl

PROVINCE_SUFFIX = "0000"
CITY_SUFFIX = "00"
_LONGEST_NAME = 20


@cache
def region_reference() -> pl.DataFrame:
    """Every province, city and county with its parents, keyed by the 6-digit adcode."""
    source = resources.files("cpca").joinpath("resources/adcodes.csv")
    raw = pl.read_csv(source.read_bytes(), schema_overrides={"adcode": pl.String})
    regions = (
        raw.filter(pl.col("adcode").str.slice(6) == "000000")
        .with_columns(adcode=pl.col("adcode").str.slice(0, 6))
        .filter(pl.col("name") != "市辖区")
        .unique("adcode", keep="first")
        .with_columns(
            level=pl.when(pl.col("adcode").str.ends_with(PROVINCE_SUFFIX))
            .then(pl.lit("province"))
            .when(pl.col("adcode").str.ends_with(CITY_SUFFIX))
            .then(pl.lit("city"))
            .otherwise(pl.lit("county")),
            province_code=pl.col("adcode").str.slice(0, 2) + PROVINCE_SUFFIX,
            city_code=pl.col("adcode").str.slice(0, 4) + CITY_SUFFIX,
        )
    )
    names = regions.select(pl.col("adcode").alias("code"), pl.col("name").alias("parent_name"))
    return (
        regions.join(names.rename({"code": "province_code", "parent_name": "province"}), on="province_code", how="left")
        .join(names.rename({"code": "city_code", "parent_name": "city"}), on="city_code", how="left")
        .with_columns(
            city=pl.when(pl.col("level") == "province").then(None).otherwise(pl.col("city")),
            county=pl.when(pl.col("level") == "county").then(pl.col("name")).otherwise(None),
        )
        .select("adcode", "name", "level", "province", "city", "county")
        .sort("adcode")
    )


@dataclass(frozen=True)
class RegionMatch:
    adcode: str | None
    name: str | None
    reason: str


@dataclass(frozen=True)
class RegionSpan:
    """Where a name prints its region (上海市普陀区 in 上海市普陀区司法局) and which regions it can be."""

    start: int
    end: int
    candidates: tuple[dict, ...]


@cache
def _regions_by_name() -> dict[str, tuple[dict, ...]]:
    by_name: dict[str, list[dict]] = {}
    for row in region_reference().filter(pl.col("name").str.len_chars() >= 2).to_dicts():
        by_name.setdefault(row["name"], []).append(row)
    return {name: tuple(rows) for name, rows in by_name.items()}


def _within(row: dict, parents: tuple[dict, ...] | None) -> bool:
    if parents is None:
        return True
    for parent in parents:
        if parent["level"] == "province" and row["adcode"][:2] == parent["adcode"][:2]:
            return row["adcode"] != parent["adcode"]
        if parent["level"] == "city" and row["adcode"][:4] == parent["adcode"][:4]:
            return row["adcode"] != parent["adcode"]
    return False


def _step(name: str, at: int, parents: tuple[dict, ...] | None) -> tuple[str, tuple[dict, ...]] | None:
    by_name = _regions_by_name()
    for end in range(min(len(name), at + _LONGEST_NAME), at + 1, -1):
        rows = tuple(r for r in by_name.get(name[at:end], ()) if _within(r, parents))
        if rows:
            return name[at:end], rows
    return None


def region_span(name: str, inside_min: int = 3) -> RegionSpan | None:
    """The regions a name prints, read top-down: a province, then a city or county inside it, so
    that 上海市普陀区人民政府办公室 is 普陀区 of 上海市. A name that does not start with a region
    (中共江苏省委办公厅) is searched for the first full region name of `inside_min` characters
    or more printed inside it."""
    starts = [0, *range(1, max(len(name) - inside_min + 1, 1))]
    for start in starts:
        first = _step(name, start, None)
        if first is None or (start > 0 and len(first[0]) < inside_min):
            continue
        end, candidates = start + len(first[0]), first[1]
        while (deeper := _step(name, end, candidates)) is not None:
            end, candidates = end + len(deeper[0]), deeper[1]
        return RegionSpan(start, end, candidates)
    return None


def resolve_region(department_name: str, document_text: str) -> RegionMatch:
    """The region a department name prints, at its deepest level; same-named regions are told
    apart by the province or city names the document mentions, and left unresolved when it
    mentions neither."""
    span = region_span(department_name)
    if span is None:
        return RegionMatch(None, None, f"no GB/T 2260 region name in '{department_name}'")
    rows = list(span.candidates)
    if len(rows) > 1:
        scored = sorted(rows, key=lambda r: -_mentions(r, document_text))
        if _mentions(scored[0], document_text) == _mentions(scored[1], document_text):
            names = ", ".join(f"{r['province']}{r['city'] or ''}{r['name']} ({r['adcode']})" for r in rows)
            return RegionMatch(None, None, f"'{rows[0]['name']}' is ambiguous: {names}; the document names no parent")
        rows = scored
    return RegionMatch(rows[0]["adcode"], rows[0]["name"], "resolved")


def _mentions(region: dict, text: str) -> int:
    return sum(text.count(name) for name in (region["province"], region["city"]) if name)
