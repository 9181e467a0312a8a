import polars as pl

from transforms.regions import region_reference, resolve_region


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
