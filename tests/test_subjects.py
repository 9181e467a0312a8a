"""Subject codes across years: the catalogue of names per fiscal year, the crosswalk between years,
the check of printed names against the catalogue, and mart_subject_by_year on generated budgets of
one department before (2018) and after (2020) the 2018 reform's renames took effect."""

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from expectations.consistency import consistency_findings
from factory.disclosures import DisclosureSpec, EconomicItem, FunctionItem, build_disclosure
from pipelines.cli import main
from tests.conftest import read_only
from tests.tables import raw_table
from transforms.facts import DocumentContext, budget_facts
from transforms.subjects import build_catalogue, name_key, reference_rows, subject_catalogue
from transforms.tables import classify_tables

RULE = "subject_name_matches_catalogue"
DEPARTMENT = "旺苍县卫生健康局"
PLANTED_DEPARTMENT = "旺苍县医疗保障局"


def _crosswalk(*rows: tuple[str, str, str, str, str, str, str, str]) -> list[dict[str, str]]:
    keys = ("scheme", "from_code", "from_name", "from_year_last", "to_code", "to_name", "to_year_first", "kind")
    return [dict(zip(keys, row, strict=True)) | {"note": "test"} for row in rows]


# ---------------------------------------------------------------------------------------------
# The catalogue


def test_the_reference_catalogue_names_each_code_as_its_year_did() -> None:
    catalogue = subject_catalogue()
    crosswalk = reference_rows("subject_crosswalk.csv")
    for row in crosswalk:
        if row["kind"] == "new":
            assert catalogue.accepted(row["scheme"], row["to_code"], int(row["to_year_first"]) - 1) is None
            continue
        last, first = int(row["from_year_last"]), int(row["to_year_first"])
        before = catalogue.expected(row["scheme"], row["from_code"], last)
        after = catalogue.expected(row["scheme"], row["to_code"], first)
        assert row["from_name"] in before, row
        assert row["to_name"] in after, row
        # Documents of the years of a change may print either name; a year later only the new one.
        for year in range(last, first + 1):
            accepted = catalogue.accepted(row["scheme"], row["from_code"], year) or set()
            assert name_key(row["from_name"]) in accepted
        if row["kind"] == "rename":
            assert name_key(row["from_name"]) not in (
                catalogue.accepted(row["scheme"], row["to_code"], first + 1) or ()
            )


def test_the_crosswalk_links_the_reform_of_2018() -> None:
    catalogue = subject_catalogue()
    assert catalogue.expected("function", "210", 2018) == ["医疗卫生与计划生育支出"]
    assert catalogue.expected("function", "210", 2020) == ["卫生健康支出"]
    merged = [e for e in catalogue.crosswalk if e.to_code == "20138"]
    assert {e.from_code for e in merged} >= {"21010", "20115"}
    assert {catalogue.linked_code(e) for e in merged} == {"20138"}
    # A code that left the classification has no name to hold a later document against.
    assert catalogue.accepted("function", "21010", 2021) is None


def test_a_chain_of_changes_ends_at_the_latest_code() -> None:
    catalogue = build_catalogue(
        [("function", "999", "今天的名字")],
        _crosswalk(
            ("function", "111", "最早的名字", "2010", "222", "中间的名字", "2011", "move"),
            ("function", "222", "中间的名字", "2015", "999", "今天的名字", "2016", "merge"),
        ),
    )
    assert [catalogue.linked_code(e) for e in catalogue.crosswalk] == ["999", "999"]
    frame = catalogue.crosswalk_frame()
    assert frame["linked_code"].to_list() == ["999", "999"]
    assert catalogue.expected("function", "222", 2013) == ["中间的名字"]
    assert catalogue.accepted("function", "222", 2009) is None


def test_years_between_the_two_sides_of_a_change_accept_either_name() -> None:
    catalogue = build_catalogue(
        [("function", "20805", "行政事业单位养老支出")],
        _crosswalk(
            ("function", "20805", "行政事业单位离退休", "2019", "20805", "行政事业单位养老支出", "2024", "rename")
        ),
    )
    assert catalogue.accepted("function", "20805", 2021) == {"行政事业单位离退休", "行政事业单位养老支出"}
    assert catalogue.accepted("function", "20805", 2018) == {"行政事业单位离退休"}
    assert catalogue.accepted("function", "20805", 2025) == {"行政事业单位养老支出"}


def test_a_crosswalk_at_odds_with_itself_or_todays_names_is_refused() -> None:
    today = [("function", "210", "卫生健康支出")]
    with pytest.raises(ValueError, match="today's list"):
        build_catalogue(today, _crosswalk(("function", "210", "旧名", "2018", "210", "别的名字", "2019", "rename")))
    with pytest.raises(ValueError, match="rename keeps its code"):
        build_catalogue(today, _crosswalk(("function", "209", "旧名", "2018", "210", "卫生健康支出", "2019", "rename")))
    with pytest.raises(ValueError, match="before to_year_first"):
        build_catalogue(today, _crosswalk(("function", "210", "旧名", "2019", "210", "卫生健康支出", "2019", "rename")))
    # A code the crosswalk merged away cannot also be in today's list under a name of its own.
    merged_away = [("function", "20138", "市场监督管理事务"), ("function", "20115", "工商行政管理事务")]
    merge = ("function", "20115", "工商行政管理事务", "2018", "20138", "市场监督管理事务", "2019", "merge")
    with pytest.raises(ValueError, match="named both"):
        build_catalogue(merged_away, _crosswalk(merge))
    with pytest.raises(ValueError, match="not in today's list"):
        build_catalogue(today, _crosswalk(("function", "210", "卫生健康支出", "2020", "211", "新类", "2021", "move")))


def test_names_compare_without_spacing_width_enumeration_or_level_mark() -> None:
    assert name_key("（二） 卫生 健康支出（类）") == name_key("卫生健康支出")
    assert name_key("政府办公厅（室）及相关机构事务") == name_key("政府办公厅(室)及相关机构事务")
    assert name_key("一般公共服务支出") == "一般公共服务支出"


# ---------------------------------------------------------------------------------------------
# The check, on facts of a function table


def _findings(year: int, rows: list[list[str]]) -> pl.DataFrame:
    context = DocumentContext("doc", year, "318", DEPARTMENT, "510821")
    tables = classify_tables(
        [raw_table([["科目编码", "科目名称", "合计"], *rows], title="一般公共预算支出预算表")], year
    )
    findings = consistency_findings(budget_facts(tables, context).facts, "")
    return findings.filter(pl.col("rule") == RULE)


def _rows(names: dict[str, str]) -> list[list[str]]:
    amounts = {"210": "30.00", "21011": "20.00", "2101101": "20.00", "21013": "10.00", "2101301": "10.00"}
    return [[code, names.get(code, name), amounts[code]] for code, name in _PRINTED_2020.items()]


_PRINTED_2020 = {
    "210": "卫生健康支出",
    "21011": "行政事业单位医疗",
    "2101101": "行政单位医疗",
    "21013": "医疗救助",
    "2101301": "城乡医疗救助",
}


def test_names_of_their_year_raise_no_finding() -> None:
    assert _findings(2020, _rows({})).is_empty()
    assert _findings(2018, _rows({"210": "医疗卫生与计划生育支出"})).is_empty()


def test_a_name_printed_against_another_codes_code_is_a_warning() -> None:
    found = _findings(2020, _rows({"21011": "医疗救助"}))
    assert found.select("severity", "subject_code", "subject_name").rows() == [("warning", "21011", "医疗救助")]
    assert "21013" in found["message"][0] and "行政事业单位医疗" in found["message"][0]


def test_a_name_the_code_never_had_is_a_warning() -> None:
    found = _findings(2020, _rows({"21011": "住房公积金"}))
    assert found.select("severity", "subject_code").rows() == [("warning", "21011")]


def test_an_earlier_name_or_a_variant_is_recorded_as_info() -> None:
    stale = _findings(2021, _rows({"210": "医疗卫生与计划生育支出"}))
    assert stale.select("severity", "subject_code").rows() == [("info", "210")]
    assert "2014-2018" in stale["message"][0]
    variant = _findings(2020, _rows({"21011": "行政事业单位的医疗"}))
    assert variant.select("severity", "subject_code").rows() == [("info", "21011")]


def test_items_and_codes_the_catalogue_does_not_name_are_not_checked() -> None:
    # 项 names are not compared; 20138 was no code before 2018, 21016 is not in the catalogue.
    assert _findings(2020, _rows({"2101101": "医疗救助"})).is_empty()
    early = [["201", "一般公共服务支出", "5.00"], ["20138", "别的名字", "5.00"], ["2013801", "行政运行", "5.00"]]
    assert _findings(2016, early).is_empty()
    unlisted = [["210", "卫生健康支出", "5.00"], ["21016", "别的名字", "5.00"], ["2101601", "老龄卫生健康事务", "5.00"]]
    assert _findings(2020, unlisted).is_empty()
    assert not _findings(
        2020, [*unlisted[:1], ["21011", "别的名字", "5.00"], ["2101101", "行政单位医疗", "5.00"]]
    ).is_empty()


# ---------------------------------------------------------------------------------------------
# Generated budgets of 2018 and 2020 through the warehouse

ECONOMIC = (EconomicItem("30101", "基本工资", "420.00"), EconomicItem("30201", "办公费", public_operating="110.00"))
SPEC_2018 = DisclosureSpec(
    department_name=DEPARTMENT,
    fiscal_year=2018,
    function_items=(
        FunctionItem("2011501", "行政运行", "40.00"),
        FunctionItem("2080505", "机关事业单位基本养老保险缴费支出", "80.00"),
        FunctionItem("2100101", "行政运行", "300.00", "25.00"),
        FunctionItem("2101001", "行政运行", "60.00"),
        FunctionItem("2101101", "行政单位医疗", "20.00"),
        FunctionItem("2210201", "住房公积金", "30.00"),
    ),
    economic_items=ECONOMIC,
    carry_over=Decimal("10.00"),
    subject_names=(
        ("210", "医疗卫生与计划生育支出"),
        ("21001", "医疗卫生与计划生育管理事务"),
        ("21010", "食品和药品监督管理事务"),
        ("20115", "工商行政管理事务"),
        ("20805", "行政事业单位离退休"),
    ),
)
SPEC_2020 = DisclosureSpec(
    department_name=DEPARTMENT,
    fiscal_year=2020,
    function_items=(
        FunctionItem("2013801", "行政运行", "95.00"),
        FunctionItem("2080505", "机关事业单位基本养老保险缴费支出", "85.00"),
        FunctionItem("2100101", "行政运行", "298.00", "40.00"),
        FunctionItem("2101101", "行政单位医疗", "22.00"),
        FunctionItem("2210201", "住房公积金", "30.00"),
    ),
    economic_items=ECONOMIC,
    carry_over=Decimal("10.00"),
    subject_names=(("21001", "卫生健康管理事务"), ("20138", "市场监督管理事务")),
)
# Another department's 2020 budget printing the name of 21013 医疗救助 against 21011.
SPEC_PLANTED = DisclosureSpec(
    department_name=PLANTED_DEPARTMENT,
    fiscal_year=2020,
    function_items=(
        FunctionItem("2101101", "行政单位医疗", "420.00"),
        FunctionItem("2101301", "城乡医疗救助", "110.00"),
    ),
    economic_items=ECONOMIC,
    carry_over=Decimal("10.00"),
    subject_names=(("21011", "医疗救助"),),
)


@pytest.fixture(scope="module")
def across_years(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("across_years")
    paths = []
    for name, spec in (("2018.pdf", SPEC_2018), ("2020.pdf", SPEC_2020), ("planted.pdf", SPEC_PLANTED)):
        (folder / name).write_bytes(build_disclosure(spec).pdf)
        paths.append(str(folder / name))
    warehouse = folder / "warehouse.duckdb"
    assert main(["ingest", *paths, "--warehouse", str(warehouse)]) == 0
    return warehouse


@pytest.fixture
def db(across_years: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with read_only(across_years) as con:
        yield con


def test_dim_subject_name_keeps_the_names_printed_each_year(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(
        """SELECT subject_code, fiscal_year, subject_name, catalogue_name FROM dim_subject_name
           WHERE subject_code IN ('210', '21001', '20805') ORDER BY 1, 2"""
    ).fetchall()
    printed = {(code, year): name for code, year, name, _ in rows}
    for spec in (SPEC_2018, SPEC_2020):
        for code in ("210", "21001", "20805"):
            assert printed[(code, spec.fiscal_year)] == spec.names[code]
    catalogue = {(code, year): name for code, year, _, name in rows}
    assert all(catalogue[key] == name for key, name in printed.items() if key != ("20805", 2020))
    # 2020 lies between the last year of 行政事业单位离退休 and the first of 行政事业单位养老支出 that the
    # crosswalk establishes: the catalogue has no single name for it.
    assert catalogue[("20805", 2020)] is None
    # dim_subject keeps one name per code: today's.
    assert db.execute("SELECT subject_name FROM dim_subject WHERE subject_code = '210'").fetchone() == ("卫生健康支出",)


def _mart(db: duckdb.DuckDBPyConnection, department: str, code: str) -> dict[int, tuple]:
    rows = db.execute(
        """SELECT fiscal_year, amount_wan, printed_code, printed_name, link, current_adcode
           FROM mart_subject_by_year
           WHERE department_name = ? AND subject_code = ? AND measure = 'total' ORDER BY fiscal_year""",
        [department, code],
    ).fetchall()
    return {year: rest for year, *rest in rows}


def test_the_mart_links_both_years_under_one_subject(db: duckdb.DuckDBPyConnection) -> None:
    old, new = SPEC_2018, SPEC_2020
    # A rename keeps the code: the earlier year is linked through the crosswalk.
    health = _mart(db, DEPARTMENT, "210")
    assert health == {
        2018: [old.function_totals("210")[0], "210", old.names["210"], "crosswalk", "510821"],
        2020: [new.function_totals("210")[0], "210", new.names["210"], "same_code", "510821"],
    }
    assert _mart(db, DEPARTMENT, "21001")[2018][3] == "crosswalk"
    # Two 款 of 2018 merged into 20138: their amounts meet under today's code.
    market = _mart(db, DEPARTMENT, "20138")
    merged = old.function_totals("20115")[0] + old.function_totals("21010")[0]
    assert market[2018][:4] == [merged, "20115;21010", "工商行政管理事务;食品和药品监督管理事务", "crosswalk"]
    assert market[2020][:4] == [new.function_totals("20138")[0], "20138", "市场监督管理事务", "same_code"]
    # Codes that did not change are linked by the same code in every year.
    housing = _mart(db, DEPARTMENT, "22102")
    assert {year: row[3] for year, row in housing.items()} == {2018: "same_code", 2020: "same_code"}
    assert not _mart(db, DEPARTMENT, "21010") and not _mart(db, DEPARTMENT, "20115")


def test_the_mart_counts_each_amount_once(db: duckdb.DuckDBPyConnection) -> None:
    mart, source = db.execute(
        """SELECT (SELECT sum(amount_wan) FROM mart_subject_by_year),
                  (SELECT sum(amount_wan) FROM mart_function_by_region_year)"""
    ).fetchone()
    assert mart == source


def test_a_wrong_name_is_a_warning_and_correct_documents_raise_none(db: duckdb.DuckDBPyConnection) -> None:
    findings = db.execute(
        """SELECT d.department_name, d.fiscal_year, q.severity, q.subject_code, q.subject_name
           FROM fct_quality_finding q JOIN dim_document d USING (document_id) WHERE q.rule = ?""",
        [RULE],
    ).fetchall()
    assert set(findings) == {(PLANTED_DEPARTMENT, 2020, "warning", "21011", "医疗救助")}
    # One finding per row that prints the wrong name.
    printed = db.execute(
        """SELECT sum(printed_rows) FROM stg_subject_name JOIN dim_document USING (document_id)
           WHERE department_name = ? AND subject_code = '21011'""",
        [PLANTED_DEPARTMENT],
    ).fetchone()
    assert printed is not None and len(findings) == printed[0]
