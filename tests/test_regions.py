import csv
import io
import json
from importlib import resources
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import SHARED
from transforms.reference import build_regions
from transforms.regions import region_history, region_lineage, region_reference, resolve_region


def test_county_resolves_with_its_city_and_province_though_the_document_names_neither() -> None:
    match = resolve_region("苍溪县医疗保障局", "苍溪县医疗保障局 2025年部门预算")
    assert match.adcode == "510824"
    row = region_reference().filter(pl.col("adcode") == "510824").row(0, named=True)
    assert (row["province"], row["city"], row["county"], row["level"]) == ("四川省", "广元市", "苍溪县", "county")


def test_city_resolves_at_city_level() -> None:
    assert resolve_region("贵阳市医疗保障局", "").adcode == "520100"


def test_same_named_regions_need_a_parent_in_the_text() -> None:
    assert resolve_region("朝阳区教育局", "").adcode is None
    assert "ambiguous" in resolve_region("朝阳区教育局", "").reason
    assert resolve_region("朝阳区教育局", "吉林省长春市朝阳区教育局").adcode == "220104"


def test_unknown_region_is_not_guessed() -> None:
    assert resolve_region("某某局", "").adcode is None


def test_reference_is_the_full_code_list() -> None:
    regions = region_reference()
    assert regions.height > 3000
    assert regions["adcode"].str.len_chars().unique().to_list() == [6]


# ---------------------------------------------------------------------------------------------
# The code history: a document is filed under the code its region had in its fiscal year.

CHANGED_SINCE_2018 = {
    "451082": "平果市",
    "330113": "临平区",
    "330114": "钱塘区",
    "370116": "莱芜区",
    "411603": "淮阳区",
    "410783": "长垣市",
    "140215": "云州区",
}


def test_reference_holds_the_divisions_created_since_2018_and_those_they_replaced() -> None:
    regions = region_reference()
    current = dict(regions.filter(pl.col("valid_to").is_null()).select("adcode", "name").iter_rows())
    assert {code: current.get(code) for code in CHANGED_SINCE_2018} == CHANGED_SINCE_2018
    retired = {row["adcode"]: row for row in regions.filter(pl.col("adcode").is_in(["371200", "451023"])).to_dicts()}
    assert (retired["451023"]["name"], retired["451023"]["valid_to"], retired["451023"]["successor_adcodes"]) == (
        "平果县",
        2019,
        "451082",
    )
    assert (retired["371200"]["name"], retired["371200"]["valid_to"], retired["371200"]["successor_adcodes"]) == (
        "莱芜市",
        2018,
        "370116;370117",
    )


def test_dim_region_keeps_one_row_per_code_and_the_history_every_period() -> None:
    regions, history = region_reference(), region_history()
    assert regions["adcode"].is_unique().all()
    assert set(regions["adcode"]) == set(history["adcode"])
    # renamed under the same code (东郊区 -> 东丽区 in 1992): one unbroken period, latest name
    dongli = regions.filter(pl.col("adcode") == "120110").row(0, named=True)
    assert (dongli["name"], dongli["valid_from"], dongli["valid_to"]) == ("东丽区", 1981, None)
    assert history.filter(pl.col("adcode") == "120110")["name"].to_list() == ["东郊区", "东丽区"]
    # given up in 1989 and reused in 1992: dim_region describes the period in use
    assert regions.filter(pl.col("adcode") == "130107")["valid_from"].item() == 1992


@pytest.mark.parametrize(
    ("department", "year", "adcode"),
    [
        ("平果县教育局", 2018, "451023"),
        ("平果市教育局", 2021, "451082"),
        # the level suffix printed is not the one of that year: found either way
        ("平果市教育局", 2018, "451023"),
        ("平果县教育局", 2021, "451082"),
        # 平果县 was retired during 2019: a budget of that year was printed under it
        ("平果县教育局", 2019, "451023"),
        ("莱芜市教育局", 2018, "371200"),
        ("莱芜区教育局", 2020, "370116"),
        ("莱芜市教育局", 2020, "370116"),
        ("莱芜区教育局", 2017, "371200"),
        ("山东省莱芜市教育局", 2018, "371200"),
        ("济南市莱芜区教育局", 2020, "370116"),
        ("淮阳县教育局", 2020, "411603"),
        ("长垣县教育局", 2018, "410728"),
        ("长垣市教育局", 2020, "410783"),
        # a name retired before the year goes to its successor, not to a namesake: 大同县 became
        # 云州区 of 大同市, it is not 大同市
        ("大同县教育局", 2020, "140215"),
        ("莱芜市钢城区教育局", 2020, "370117"),
        # no year: the region as it is today
        ("平果县教育局", None, "451082"),
        ("莱城区教育局", None, "370116"),
        ("苍溪县医疗保障局", None, "510824"),
    ],
)
def test_region_is_resolved_as_of_the_fiscal_year(department: str, year: int | None, adcode: str) -> None:
    match = resolve_region(department, "", year)
    assert match.adcode == adcode, match.reason


def test_a_code_is_filed_only_in_the_years_it_was_in_use() -> None:
    """Over every year of the reference, whatever the level suffix printed, the code a name is
    filed under was in use that year (or retired during it)."""
    history = region_history()
    for department in ("平果县教育局", "平果市教育局", "莱芜市教育局", "莱芜区教育局", "余杭区教育局"):
        for year in range(2010, 2026):
            adcode = resolve_region(department, "", year).adcode
            periods = history.filter(pl.col("adcode") == adcode).to_dicts()
            assert any(p["valid_from"] <= year and (p["valid_to"] is None or year <= p["valid_to"]) for p in periods), (
                department,
                year,
                adcode,
            )


def test_a_name_not_in_use_in_the_year_says_so() -> None:
    match = resolve_region("临平区教育局", "", 2010)
    assert match.adcode == "330113"
    assert "not in use in 2010" in match.reason


def test_lineage_rolls_a_retired_code_forward_to_the_code_in_use() -> None:
    lineage = {row["adcode"]: row for row in region_lineage().to_dicts()}
    assert set(lineage) == set(region_reference()["adcode"])
    assert (lineage["451023"]["current_adcode"], lineage["451023"]["is_approximate"]) == ("451082", False)
    assert (lineage["451082"]["current_adcode"], lineage["451082"]["is_approximate"]) == ("451082", False)
    # two steps: 百色地区's 平果县 (452624) was recoded in 2002, then became 平果市 in 2019
    assert (lineage["452624"]["current_adcode"], lineage["452624"]["is_approximate"]) == ("451082", False)
    # split: 莱芜市 went to 莱芜区 and 钢城区 of 济南市; the main successor carries its name
    laiwu = lineage["371200"]
    assert (laiwu["current_adcode"], laiwu["is_approximate"]) == ("370116", True)
    assert "370117" in laiwu["lineage"] and "split" in laiwu["lineage"]
    # merged into a region that also covers other areas: 崇文区 into 东城区
    assert (lineage["110103"]["current_adcode"], lineage["110103"]["is_approximate"]) == ("110101", True)


def test_every_lineage_ends_at_a_code_in_use() -> None:
    in_use = set(region_reference().filter(pl.col("valid_to").is_null())["adcode"])
    lineage = region_lineage()
    assert set(lineage["current_adcode"]) <= in_use
    assert lineage.filter(pl.col("adcode").is_in(list(in_use)))["is_approximate"].sum() == 0
    assert (
        lineage.filter(pl.col("adcode").is_in(list(in_use)) & (pl.col("current_adcode") != pl.col("adcode"))).height
        == 0
    )


# ---------------------------------------------------------------------------------------------
# The rebuild script


def _county(code: int, name: str, start: int, end: int | None = None, succ: list[int] | None = None) -> dict:
    item: dict = {"code": code, "name": name, "start": start}
    if end is not None:
        item["end"] = end
    if succ:
        item["succ"] = [{"code": c, "desc": 0} for c in succ]
    return item


def test_build_derives_the_successors_of_a_dissolved_prefecture_from_its_counties(tmp_path: Path) -> None:
    codes = {
        "descriptions": {"2018": ["# 国务院关于同意调整的批复（节选）\n文号：国函〔2018〕1号\n\n正文"]},
        "items": [
            {
                "code": 370000,
                "name": "山东省",
                "start": 1981,
                "children": [
                    {
                        "code": 370100,
                        "name": "济南市",
                        "start": 1981,
                        "children": [_county(370116, "莱芜区", 2018), _county(370117, "钢城区", 2018)],
                    },
                    {
                        # dissolved into an existing prefecture: its successors are its counties'
                        "code": 371200,
                        "name": "莱芜市",
                        "start": 1992,
                        "end": 2018,
                        "children": [
                            _county(371202, "莱城区", 1992, 2018, [370116]),
                            _county(371203, "钢城区", 1992, 2018, [370117]),
                        ],
                    },
                    {
                        # all its counties went to one new prefecture: that prefecture
                        "code": 372900,
                        "name": "菏泽地区",
                        "start": 1981,
                        "end": 2000,
                        "children": [_county(372901, "菏泽市", 1981, 2000, [371702])],
                    },
                    {
                        "code": 371700,
                        "name": "菏泽市",
                        "start": 2000,
                        "children": [_county(371702, "牡丹区", 2000)],
                    },
                ],
            }
        ],
    }
    source = tmp_path / "codes.json"
    source.write_text(json.dumps(codes, ensure_ascii=False), "utf-8")
    target = tmp_path / "regions.csv"
    assert build_regions.main([str(source), "--output", str(target)]) == 0
    rows = {row["adcode"]: row for row in csv.DictReader(target.open(encoding="utf-8"))}
    assert rows["371200"]["successor_adcodes"] == "370116;370117"
    assert rows["372900"]["successor_adcodes"] == "371700"
    assert rows["371202"] | {"change": ""} == {
        "adcode": "371202",
        "name": "莱城区",
        "level": "county",
        "province": "山东省",
        "city": "莱芜市",
        "valid_from": "1992",
        "valid_to": "2018",
        "successor_adcodes": "370116",
        "area_transfers": "",
        "change": "",
    }
    assert rows["371202"]["change"] == "国务院关于同意调整的批复 (国函〔2018〕1号)"
    assert rows["370000"]["level"] == "province" and rows["370100"]["level"] == "city"


def test_shipped_reference_is_what_the_script_builds_from_the_shared_history() -> None:
    source = SHARED / "reference" / "gbt2260" / "codes.json"
    shipped = resources.files("transforms.reference").joinpath("regions.csv").read_text("utf-8")
    rebuilt = io.StringIO()
    writer = csv.DictWriter(rebuilt, fieldnames=build_regions.COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(build_regions.build(source))
    assert rebuilt.getvalue() == shipped
