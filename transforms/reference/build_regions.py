"""Rebuild `regions.csv` from the GB/T 2260 code history (`codes.json`, CC0, see REGIONS.md).

    python -m transforms.reference.build_regions ../shared/reference/gbt2260/codes.json

Disclosures are filed under the code their region had in their fiscal year, and a region's years
are read together under the code it has now; both need every code's name, parents, years in use
and successors, not only today's list. The CSV keeps that much of codes.json, one row per code and
period (a code renamed, or given up and later reused, has one row per name and period), and is
committed, so the project needs neither the source file nor this script to run.

Columns: `adcode`, `name`, `level` (province / city / county, from the code as GB/T 2260 builds
it), `province` and `city` (the names of its parents in that period; a county directly under a
province or municipality has no city), `valid_from` and `valid_to` (first year in use, the year it
was changed or retired: in use from `valid_from` inclusive to `valid_to` exclusive, as of 31
December; empty = still in use), `successor_adcodes` (the codes that took over its area when it
was retired, `;`-separated), `area_transfers` (`year:code` of parts of its area handed to another
code while it stayed in use) and `change` (the title and number of the decision that retired it).

codes.json lists no successors for some prefectures it retires (莱芜市 2018, 百色地区 2002): their
counties name theirs. Those go to one new prefecture (百色地区 -> 百色市) or, for a prefecture
dissolved into others, are the successors themselves (莱芜市 -> 莱芜区, 钢城区 of 济南市).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COLUMNS = (
    "adcode",
    "name",
    "level",
    "province",
    "city",
    "valid_from",
    "valid_to",
    "successor_adcodes",
    "area_transfers",
    "change",
)
OUTPUT = Path(__file__).with_name("regions.csv")
_CHANGE_LENGTH = 80
_HEADING = re.compile(r"^#\s*(.+?)(?:（节选）)?\s*$")
_NUMBER = re.compile(r"^文号：\s*(\S+)")


@dataclass
class _Period:
    code: str
    name: str
    start: int
    end: int | None
    parents: tuple[str, ...]
    successors: list[str]
    transfers: list[str]
    change: str
    children: list[_Period] = field(default_factory=list)


def _level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "county"


def _change(descriptions: dict[str, list[str]], year: int | None, index: int | None) -> str:
    """A decision's heading and number (国函〔2018〕163号), or its first line when it has no heading."""
    if year is None or index is None:
        return ""
    texts = descriptions.get(str(year), [])
    if not 0 <= index < len(texts):
        return ""
    lines = [line.strip() for line in texts[index].splitlines() if line.strip()]
    heading = next((m[1] for line in lines if (m := _HEADING.match(line))), None)
    number = next((m[1] for line in lines if (m := _NUMBER.match(line))), None)
    if heading is None:
        return lines[0][:_CHANGE_LENGTH] if lines else ""
    return f"{heading} ({number})" if number else heading


def _periods(item: dict[str, Any], parents: tuple[str, ...], descriptions: dict[str, list[str]]) -> _Period:
    succ = item.get("succ", [])
    at_end = [s for s in succ if "time" not in s]
    period = _Period(
        code=str(item["code"]),
        name=item["name"],
        start=item["start"],
        end=item.get("end"),
        parents=parents,
        successors=list(dict.fromkeys(str(s["code"]) for s in at_end)),
        transfers=[f"{s['time']}:{s['code']}" for s in succ if "time" in s],
        change=_change(descriptions, item.get("end"), at_end[0].get("desc") if at_end else None),
    )
    period.children = [_periods(child, (*parents, item["name"]), descriptions) for child in item.get("children", [])]
    return period


def _flatten(periods: list[_Period]) -> list[_Period]:
    return [p for period in periods for p in (period, *_flatten(period.children))]


def _in_use(periods: list[_Period], code: str, year: int) -> _Period | None:
    return next((p for p in periods if p.code == code and p.start <= year and (p.end is None or year < p.end)), None)


def _derive_successors(periods: list[_Period]) -> None:
    """Successors of retired prefectures codes.json leaves without: those of their counties."""
    for period in periods:
        if period.end is None or period.successors or not period.children:
            continue
        retired = [c for c in period.children if c.end == period.end]
        counties = list(dict.fromkeys(s for c in retired for s in c.successors))
        prefectures = {code[:4] + "00" for code in counties}
        if len(prefectures) == 1:
            prefecture = _in_use(periods, prefectures.pop(), period.end)
            if prefecture is not None and prefecture.start == period.end:
                period.successors = [prefecture.code]
        if not period.successors:
            period.successors = counties
        if not period.change:
            period.change = next((c.change for c in retired if c.change), "")


def build(source: Path) -> list[dict[str, str]]:
    """The CSV's rows, sorted by code and period."""
    data = json.loads(source.read_text("utf-8"))
    descriptions = data.get("descriptions", {})
    periods = _flatten([_periods(item, (), descriptions) for item in data["items"]])
    _derive_successors(periods)
    rows = []
    for p in sorted(periods, key=lambda p: (p.code, p.start)):
        level = _level(p.code)
        province = p.parents[0] if p.parents else p.name
        city = p.name if level == "city" else (p.parents[1] if len(p.parents) > 1 else "")
        rows.append(
            {
                "adcode": p.code,
                "name": p.name,
                "level": level,
                "province": province,
                "city": city,
                "valid_from": str(p.start),
                "valid_to": "" if p.end is None else str(p.end),
                "successor_adcodes": ";".join(p.successors),
                "area_transfers": ";".join(p.transfers),
                "change": p.change,
            }
        )
    return rows


def write(rows: list[dict[str, str]], target: Path) -> None:
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("codes_json", type=Path, help="codes.json of the GB/T 2260 code history")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"CSV to write (default {OUTPUT})")
    args = parser.parse_args(argv)
    rows = build(args.codes_json)
    write(rows, args.output)
    codes = len({row["adcode"] for row in rows})
    in_use = sum(1 for row in rows if not row["valid_to"])
    print(f"{args.output}: {len(rows)} periods of {codes} codes, {in_use} in use", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
