"""GB/T 2260 regions from a maintained reference: the code list shipped by the `cpca` package."""

from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl

PROVINCE_SUFFIX = "0000"
CITY_SUFFIX = "00"


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


def resolve_region(department_name: str, document_text: str) -> RegionMatch:
    """The region a department name starts with; same-named regions are told apart by the
    province or city names the document mentions, and left unresolved when it mentions neither."""
    regions = region_reference()
    candidates = regions.filter(
        pl.lit(department_name).str.starts_with(pl.col("name")) & (pl.col("name").str.len_chars() >= 2)
    )
    if candidates.is_empty():
        return RegionMatch(None, None, f"no GB/T 2260 region name starts '{department_name}'")
    longest = candidates.filter(pl.col("name").str.len_chars() == pl.col("name").str.len_chars().max())
    rows = longest.to_dicts()
    if len(rows) > 1:
        scored = sorted(rows, key=lambda r: -_mentions(r, document_text))
        if _mentions(scored[0], document_text) == _mentions(scored[1], document_text):
            names = ", ".join(f"{r['province']}{r['city'] or ''}{r['name']} ({r['adcode']})" for r in rows)
            return RegionMatch(None, None, f"'{rows[0]['name']}' is ambiguous: {names}; the document names no parent")
        rows = scored
    return RegionMatch(rows[0]["adcode"], rows[0]["name"], "resolved")


def _mentions(region: dict, text: str) -> int:
    return sum(text.count(name) for name in (region["province"], region["city"]) if name)
