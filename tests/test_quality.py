"""Data quality: the seeds' own inconsistencies are found, clean rows are not, bad facts are kept out."""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from expectations.consistency import consistency_findings
from expectations.narrative import narrative_findings
from expectations.ocr_gate import gate_ocr_facts
from expectations.rules import default_rules, with_tolerance
from expectations.suite import validate_facts
from pipelines.cli import main
from tests.conftest import GUIYANG_SEED
from tests.tables import raw_table
from transforms.facts import DocumentContext, budget_facts
from transforms.tables import classify_tables

CONTEXT = DocumentContext("doc", 2025, "318", "旺苍县教育局", "510821")

# Every inconsistency the two corpus PDFs print, each checked by hand against the page:
# (file, rule, page, code or row label, measure, printed, expected).
KNOWN = {
    ("cangxi_2025_ybj.pdf", "tables_agree", 13, "2101102", "total", "8.69", "8.70"),
    ("cangxi_2025_ybj.pdf", "parts_sum_to_whole", 10, "2101102", "total", "8.70", "8.69"),
    ("cangxi_2025_ybj.pdf", "rows_sum_to_total", 10, "合计", "total", "1054.21", "1054.22"),
    ("cangxi_2025_ybj.pdf", "children_sum_to_parent", 15, "30112", "basic", "2.55", "2.56"),
    ("cangxi_2025_ybj.pdf", "children_sum_to_parent", 15, "30112", "personnel", "2.55", "2.56"),
    ("guiyang_2025_ybj.pdf", "parts_sum_to_whole", 17, "贵阳市医疗保障局", "basic", "371.27", "371.28"),
    ("guiyang_2025_ybj.pdf", "parts_sum_to_whole", 17, "合计", "basic", "371.27", "371.28"),
    ("guiyang_2025_ybj.pdf", "parts_sum_to_whole", 18, "贵阳市医疗保障局", "basic", "371.27", "371.28"),
    ("guiyang_2025_ybj.pdf", "parts_sum_to_whole", 19, "合计", "basic", "371.27", "371.28"),
    ("guiyang_2025_ybj.pdf", "parts_sum_to_whole", 20, "贵阳市医疗保障局", "basic", "371.27", "371.28"),
    ("guiyang_2025_ybj.pdf", "parts_sum_to_whole", 20, "合计", "basic", "371.27", "371.28"),
    ("guiyang_2025_ybj.pdf", "rows_sum_to_total", 17, "合计", "personnel", "330.47", "330.46"),
    ("guiyang_2025_ybj.pdf", "rows_sum_to_total", 19, "合计", "personnel", "330.47", "330.46"),
    ("guiyang_2025_ybj.pdf", "rows_sum_to_total", 20, "合计", "personnel", "330.47", "330.46"),
    ("guiyang_2025_ybj.pdf", "children_sum_to_parent", 20, "502", "basic", "54.67", "54.66"),
    ("guiyang_2025_ybj.pdf", "children_sum_to_parent", 20, "502", "public_operating", "37.81", "37.80"),
}


def test_corpus_findings_are_exactly_the_printed_inconsistencies(both_sources_warehouse: Path) -> None:
    con = duckdb.connect(str(both_sources_warehouse), read_only=True)
    rows = con.execute(
        """SELECT d.file_name, q.rule, q.page, coalesce(q.subject_code, q.subject_name), q.measure,
                  q.actual, q.expected, q.severity
           FROM fct_quality_finding q JOIN dim_document d USING (document_id) WHERE d.source_format = 'pdf'"""
    ).fetchall()
    found = {(f, r, p, c, m, a, e) for f, r, p, c, m, a, e, _ in rows}
    assert found == {(*where, Decimal(actual), Decimal(expected)) for *where, actual, expected in KNOWN}
    assert len(rows) == len(KNOWN)
    assert {severity for *_, severity in rows} == {"info"}


# What the text conversions alone show: 贵阳's lost the 1,954.47 of (一)一般公共预算拨款收入 in its
# 财政拨款收支预算总表 (the PDF prints it), so 一、本年收入 is not the sum of the items under it.
# (rule, row label, printed, expected)
TEXT_ONLY = {("children_sum_to_parent", "本年收入", "1954.47", "0.00")}


def test_text_conversions_yield_the_same_inconsistencies(both_sources_warehouse: Path) -> None:
    con = duckdb.connect(str(both_sources_warehouse), read_only=True)
    counts = dict(
        con.execute(
            """SELECT d.source_format, count(*) FROM fct_quality_finding q JOIN dim_document d USING (document_id)
               GROUP BY 1"""
        ).fetchall()
    )
    assert counts == {"pdf": len(KNOWN), "text": len(KNOWN) + len(TEXT_ONLY)}
    text_only = con.execute(
        """SELECT q.rule, q.subject_name, q.actual, q.expected FROM fct_quality_finding q
           JOIN dim_document d USING (document_id) WHERE d.source_format = 'text' AND q.severity = 'error'"""
    ).fetchall()
    assert set(text_only) == {(r, n, Decimal(a), Decimal(e)) for r, n, a, e in TEXT_ONLY}


def test_report_prints_the_findings_of_a_document(both_sources_warehouse: Path, capsys) -> None:
    assert main(["report", "cangxi_2025_ybj.pdf", "--warehouse", str(both_sources_warehouse)]) == 0
    out = capsys.readouterr().out
    assert "status: loaded" in out
    assert "[info] tables_agree (general_budget_expenditure, page 13)" in out
    assert "8.69" in out and "8.70" in out
    assert main(["report", "no-such-document", "--warehouse", str(both_sources_warehouse)]) == 2


def _facts(title: str, rows: list[list[str]], unit: str = "万元") -> pl.DataFrame:
    facts = budget_facts(classify_tables([raw_table(rows, title=title, unit=unit)], CONTEXT.fiscal_year), CONTEXT).facts
    return facts


FUNCTION_TABLE = [
    ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
    ["205", "教育支出", "30.00", "20.00", "10.00"],
    ["20502", "普通教育", "30.00", "20.00", "10.00"],
    ["2050201", "学前教育", "12.00", "12.00", ""],
    ["2050202", "小学教育", "18.00", "8.00", "10.00"],
    ["", "合计", "30.00", "20.00", "10.00"],
]


def test_a_clean_table_yields_no_finding() -> None:
    assert consistency_findings(_facts("一般公共预算支出预算表", FUNCTION_TABLE), "").is_empty()


@pytest.mark.parametrize(
    "labels", [("本页合计", "累计"), ("本页小计", "承上页")], ids=["page total, running total", "subtotal, brought on"]
)
def test_rows_summing_a_page_are_neither_facts_nor_inconsistencies(labels: tuple[str, str]) -> None:
    """Finance software prints a table's sum page by page (本页合计 at a page's foot, 累计 or 承上页
    carrying it on): sums of rows already loaded, which the table's 合计 states whole."""
    foot, carried = labels
    *rows, total = FUNCTION_TABLE
    printed = [*rows[:3], ["", foot, "12.00", "12.00", ""], ["", carried, "30.00", "20.00", "10.00"], *rows[3:], total]

    facts = _facts("一般公共预算支出预算表", printed)

    assert facts.filter(pl.col("subject_name").is_in(labels)).is_empty()
    assert facts.height == _facts("一般公共预算支出预算表", FUNCTION_TABLE).height
    assert consistency_findings(facts, "").is_empty()


@pytest.mark.parametrize("label", ["合计：", "合计(万元)", "总合计", "合计数", "部门合计", "预算合计"])
def test_a_total_row_printed_in_other_words_is_the_tables_total(label: str) -> None:
    """Loaded as an item, such a row would sit beside the classes it sums, and nothing would check it."""
    *rows, total = FUNCTION_TABLE
    facts = _facts("一般公共预算支出预算表", [*rows, ["", label, *total[2:]]])
    assert facts.filter(pl.col("subject_name") == label)["row_kind"].unique().to_list() == ["total"]
    assert consistency_findings(facts, "").is_empty()
    wrong = [["", label, "31.00", "20.00", "11.00"] if row is total else row for row in FUNCTION_TABLE]
    assert "rows_sum_to_total" in consistency_findings(_facts("一般公共预算支出预算表", wrong), "")["rule"].to_list()


def test_wrong_class_total_is_an_error_of_its_rule() -> None:
    rows = [list(r) for r in FUNCTION_TABLE]
    rows[1][2] = "31.00"
    findings = consistency_findings(_facts("一般公共预算支出预算表", rows), "")
    got = findings.select("rule", "severity", "subject_code", "measure", "expected", "actual", "difference").rows()
    assert (
        "children_sum_to_parent",
        "error",
        "205",
        "total",
        Decimal("30.00"),
        Decimal("31.00"),
        Decimal("1.00"),
    ) in got
    assert ("parts_sum_to_whole", "error", "205", "total", Decimal("30.00"), Decimal("31.00"), Decimal("1.00")) in got
    assert ("rows_sum_to_total", "error", None, "total", Decimal("31.00"), Decimal("30.00"), Decimal("-1.00")) in got
    assert len(got) == 3


@pytest.mark.parametrize("operating", ["10.00", "11.00"])
def test_a_units_business_spending_counts_toward_its_total_where_printed(operating: str) -> None:
    header = ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出"]
    rows = [header, ["2050201", "学前教育", "40.00", "20.00", "10.00", "", operating]]
    findings = consistency_findings(_facts("支出决算表", rows), "").filter(pl.col("rule") == "parts_sum_to_whole")
    expected = [] if operating == "10.00" else [(Decimal("41.00"), Decimal("40.00"))]
    assert findings.select("expected", "actual").rows() == expected


@pytest.mark.parametrize("specific", ["6.00", "7.00"])
def test_a_budget_by_project_class_is_read_by_class_and_checked(specific: str) -> None:
    """预算管理一体化: 基本支出 = 人员类 + 运转类 projects, 项目支出 = 其他运转类 + 特定目标类 projects."""
    header = [
        ["科目编码", "科目名称", "合计", "基本支出", "", "", "项目支出", "", ""],
        ["", "", "", "小计", "人员类项目", "运转类项目", "小计", "其他运转类项目", "特定目标类项目"],
    ]
    rows = [*header, ["2050201", "学前教育", "20.00", "12.00", "9.00", "3.00", "8.00", "2.00", specific]]
    facts = _facts("一般公共预算支出预算表", rows)
    assert facts["measure"].to_list() == [
        "total",
        "basic",
        "personnel",
        "public_operating",
        "project",
        "project_other_operating",
        "project_specific_purpose",
    ]
    findings = consistency_findings(facts, "").filter(pl.col("rule") == "parts_sum_to_whole")
    expected = [] if specific == "6.00" else [("project", Decimal("9.00"), Decimal("8.00"))]
    assert findings.select("measure", "expected", "actual").rows() == expected


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        # 苍溪: 合计 | 上年结转 | 一般公共预算拨款收入 (52.00 read as 32.00 loaded unchecked before).
        (
            ["合计", "上年结转", "一般公共预算拨款收入", "政府性基金预算拨款收入"],
            ["1,054.21", "32.00", "1,002.21", ""],
            [("1034.21", "1054.21")],
        ),
        (
            ["合计", "上年结转", "一般公共预算拨款收入", "政府性基金预算拨款收入"],
            ["1,054.21", "52.00", "1,002.21", ""],
            [],
        ),
        # 上海: 合计 | 财政拨款收入 | 事业收入 | 事业单位经营收入 | 其他收入.
        (
            ["合计", "财政拨款收入", "事业收入", "事业单位经营收入", "其他收入"],
            ["100.00", "90.00", "", "", "11.00"],
            [("101.00", "100.00")],
        ),
        # A source beside its own part would count twice: not checked.
        (["合计", "财政拨款收入", "一般公共预算拨款收入", "事业收入"], ["100.00", "90.00", "90.00", "10.00"], []),
        # A column that is no source of money (上年预算数): the row's split is not known, not checked.
        (["合计", "财政拨款收入", "事业收入", "上年预算数"], ["100.00", "90.00", "5.00", "80.00"], []),
    ],
    ids=["carry-over misread", "carry-over as printed", "source misprinted", "nested sources", "other column"],
)
def test_an_income_tables_total_is_the_sum_of_its_sources(header: list[str], row: list[str], expected: list) -> None:
    rows = [["单位代码", "单位名称", *header], ["", "合计", *row], ["322001", "某某局", *row]]
    facts = _facts("部门收入总表", rows)
    assert set(facts["table_type"]) == {"income_summary"}
    findings = consistency_findings(facts, "").filter(pl.col("rule") == "parts_sum_to_whole")
    got = findings.select("expected", "actual").unique(maintain_order=True).rows()
    assert got == [(Decimal(e), Decimal(a)) for e, a in expected]
    assert findings.height == 2 * len(expected)


STAGES = ["本年收入", "", "", "", "上年结转结余", "", "", ""]
SOURCES = ["合计", "财政拨款收入", "财政专户管理资金收入", "单位资金收入"]


@pytest.mark.parametrize("fiscal", ["100.00", "90.00"])
@pytest.mark.parametrize(
    ("title", "header", "row"),
    [
        # 贵阳's 收入总表: each stage of the year prints its own 合计 over its sources.
        (
            "部门收入预算总表",
            [["部门(单位)名称", "收入总计", *STAGES], ["", "", *SOURCES, *SOURCES]],
            ["某某局", "100.00", "100.00", "{fiscal}", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"],
        ),
        # 贵阳's 市对下转移支付预算表: an expenditure table split by source.
        (
            "市对下转移支付预算表",
            [
                ["科目编码", "单位(科目)名称", "市对下转移支付支出", "", "", ""],
                ["", "", "合计", "一般公共预算支出", "政府性基金预算支出", "国有资本经营预算支出"],
            ],
            ["", "", "100.00", "{fiscal}", "0.00", "0.00"],
        ),
    ],
    ids=["stages of the year", "by source"],
)
def test_any_tables_total_is_the_sum_of_the_sources_printed_beside_it(
    title: str, header: list[list[str]], row: list[str], fiscal: str
) -> None:
    """Before, only income tables' sources were summed, and only to the row's total: a scan's misread
    of these amounts loaded unchecked, and right ones read doubtfully were left out."""
    facts = _facts(title, [*header, [cell.format(fiscal=fiscal) for cell in row]])
    findings = consistency_findings(facts, "").filter(pl.col("rule") == "parts_sum_to_whole")
    expected = [] if fiscal == "100.00" else [(Decimal("90.00"), Decimal("100.00"))]
    assert findings.select("expected", "actual").rows() == expected


def _summary(income: list[tuple[str, str]]) -> pl.DataFrame:
    """A 收支总表 with `income` (label, amount) on its left side, and as much spent on the right."""
    total = sum((Decimal(a.replace(",", "")) for label, a in income if label.startswith(("一、", "二、"))), Decimal(0))
    rows = [["项目", "预算数", "项目", "预算数"]]
    rows += [
        [label, amount, "一、本年支出" if i == 0 else "", f"{total:.2f}" if i == 0 else ""]
        for i, (label, amount) in enumerate(income)
    ]
    rows.append(["收入总计", f"{total:.2f}", "支出总计", f"{total:.2f}"])
    return _facts("部门收支总表", rows)


GUIYANG_INCOME = [
    ("一、本年收入", "100.00"),
    ("(一)财政拨款收入", "90.00"),
    ("1、一般公共预算财政拨款收入", "80.00"),
    ("2、政府性基金预算财政拨款收入", "10.00"),
    ("(二)单位资金收入", "10.00"),
    ("二、上年结转结余", "5.00"),
]


@pytest.mark.parametrize(
    ("income", "expected"),
    [
        (GUIYANG_INCOME, []),
        # 1、 misread: (一) is no longer the sum of its items; 一、 still is of (一) and (二).
        ([*GUIYANG_INCOME[:2], ("1、一般公共预算财政拨款收入", "30.00"), *GUIYANG_INCOME[3:]], [("90.00", "40.00")]),
        # 苍溪: unnumbered items under an enumerated one.
        (
            [
                ("一、本年收入", "100.00"),
                ("一般公共预算拨款收入", "100.00"),
                ("二、上年结转", "5.00"),
                ("一般公共预算拨款收入", "5.00"),
            ],
            [],
        ),
        (
            [
                ("一、本年收入", "100.00"),
                ("一般公共预算拨款收入", "100.00"),
                ("二、上年结转", "5.00"),
                ("一般公共预算拨款收入", "3.00"),
            ],
            [("5.00", "3.00")],
        ),
        # A partial breakdown is no sum.
        ([("一、本年收入", "100.00"), ("其中：一般公共预算", "60.00"), ("二、上年结转", "5.00")], []),
    ],
    ids=["as printed", "item misread", "unnumbered items", "unnumbered item misread", "其中"],
)
def test_an_enumerated_item_is_the_sum_of_the_items_printed_under_it(income: list, expected: list) -> None:
    """Without this check 1、一般公共预算财政拨款收入 was in no sum, and a scan's sure misread of it loaded."""
    findings = consistency_findings(_summary(income), "").filter(pl.col("rule") == "children_sum_to_parent")
    assert findings.select("actual", "expected").rows() == [(Decimal(a), Decimal(e)) for a, e in expected]


@pytest.mark.parametrize("housing", ["60.00", "50.00"])
@pytest.mark.parametrize("label", ["十九.住房保障支出", "十九住房保障支出"], ids=["numbered", "point lost"])
def test_the_classes_under_an_enumerated_item_sum_to_it(label: str, housing: str) -> None:
    """贵阳's 财政拨款收支总表 numbers its 类 一. 二. …: they are the parts of 一、本年支出 above them,
    not headings of what follows. A scan that lost the point of 十九.住房保障支出 made it an item
    under 十八., whose 0.00 the check took for a misread 29.92; the numerals dropped, it is the 类
    the catalogue names, and in the sum (贵阳 speckled read 三国防支出, and a sure misread 54.30
    for 54.50 under 八 loaded, its column in no sum)."""
    spending = [
        ("一、本年支出", "100.00"),
        ("一.一般公共服务支出", "0.00"),
        ("八.社会保障和就业支出", "40.00"),
        ("十八.自然资源海洋气象等支出", "0.00"),
        (label, housing),
        ("二、年终结转结余", "0.00"),
    ]
    rows = [["项目", "预算数", "项目", "预算数"], *(["", "", name, amount] for name, amount in spending)]
    rows[1][:2] = ["一、本年收入", "100.00"]
    rows.append(["收入总计", "100.00", "支出总计", "100.00"])
    findings = consistency_findings(_facts("部门收支总表", rows), "").filter(pl.col("rule") == "children_sum_to_parent")
    misread = housing == "50.00"
    assert findings.select("actual", "expected").rows() == ([(Decimal("100.00"), Decimal("90.00"))] if misread else [])


def test_rounding_tolerance_is_configurable() -> None:
    rows = [list(r) for r in FUNCTION_TABLE]
    rows[1][2] = "30.02"
    facts = _facts("一般公共预算支出预算表", rows)
    default = consistency_findings(facts, "").filter(pl.col("rule") == "parts_sum_to_whole")
    assert default["severity"].to_list() == ["info"]
    strict = consistency_findings(facts, "", with_tolerance(default_rules(), Decimal("0.001")))
    assert strict.filter(pl.col("rule") == "parts_sum_to_whole")["severity"].to_list() == ["error"]


# Printed in whole 元, as 上海's tables are: every amount rounds to cents of 万元 one way or the other.
YUAN_TABLE = [
    ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
    ["205", "教育支出", "300,003", "200,002", "100,001"],
    ["20502", "普通教育", "300,003", "200,002", "100,001"],
    ["2050201", "学前教育", "120,051", "120,051", ""],
    ["2050202", "小学教育", "179,952", "79,951", "100,001"],
    ["", "合计", "300,003", "200,002", "100,001"],
]


def test_a_table_in_yuan_that_adds_up_as_printed_yields_no_finding() -> None:
    """Rounded to cents of 万元 its rows do not add up (12.01 + 18.00 is not 30.00); as printed they do,
    and no finding should say otherwise (a 上海 budget in 元 had 25 such findings)."""
    facts = _facts("一般公共预算支出预算表", YUAN_TABLE, unit="元")
    assert set(facts.filter(pl.col("subject_code") == "2050201")["amount_wan"]) == {Decimal("12.01")}
    assert consistency_findings(facts, "").is_empty()


def test_a_table_in_yuan_may_be_off_by_its_own_last_digit_not_by_cents_of_wan() -> None:
    """50 元 is half a cent of 万元, well within the old tolerance of a cent of 万元 a term: a misread
    tens digit (3 for 8) passed as rounding. A 元 table may differ by 1 元 a term, and by no more."""
    rows = [list(r) for r in YUAN_TABLE]
    rows[3][2] = "120,101"
    findings = consistency_findings(_facts("一般公共预算支出预算表", rows, unit="元"), "")
    got = findings.select("rule", "severity", "subject_code", "expected", "actual", "difference").rows()
    assert ("parts_sum_to_whole", "error", "2050201", Decimal("12.0051"), Decimal("12.0101"), Decimal("0.005")) in got
    parent = ("children_sum_to_parent", "error", "20502", Decimal("30.0053"), Decimal("30.0003"), Decimal("-0.005"))
    assert parent in got
    assert "printed 120,101 元, expected 120,051 元, difference 50 元" in "\n".join(findings["message"])
    rows[3][2] = "120,052"
    rounding = consistency_findings(_facts("一般公共预算支出预算表", rows, unit="元"), "")
    assert set(rounding["severity"]) == {"info"}


@pytest.mark.parametrize("confidence", [0.99, 0.6])
def test_an_ocr_misreading_of_a_tens_digit_in_yuan_is_not_loaded(confidence: float) -> None:
    """Read with low confidence or surely, the misread cell is the one whose implied amount alone
    closes the table's sums: it is left out and says what they imply."""
    rows = [list(r) for r in YUAN_TABLE]
    rows[3][2] = "120,101"  # printed 120,051
    scanned = _facts("一般公共预算支出预算表", rows, unit="元").with_columns(
        source_format=pl.lit("ocr"), ocr_box=pl.lit("10,20,60,32"), ocr_confidence=pl.lit(0.99)
    )
    misread = (pl.col("subject_code") == "2050201") & (pl.col("measure") == "total")
    scanned = scanned.with_columns(ocr_confidence=pl.when(misread).then(confidence).otherwise("ocr_confidence"))

    gated = gate_ocr_facts(scanned, default_rules(), "budget")

    assert "120,101" not in gated.facts["amount_printed"].to_list()
    (said,) = [issue.message for issue in gated.issues if issue.kind == "ocr_quarantined"]
    assert "which close with 120,051 元" in said


@pytest.mark.parametrize(
    ("doubtful", "negative", "loaded"),
    [
        (["2050201", "2050203"], False, True),
        (["2050201", "2050203"], True, False),
        (["2050201", "2050202"], False, False),
    ],
    ids=["zeros", "a negative printed", "a zero beside another"],
)
def test_doubtful_zeros_alone_in_a_sum_that_closes_load(doubtful: list[str], negative: bool, loaded: bool) -> None:
    """Where no amount is below zero, a zero is read no higher than printed, so doubtful zeros cannot
    cancel in their sum (贵阳's 0.00 of two 类, read at 0.89 and 0.92, were left out); beside
    another doubtful amount, or in a table printing a negative one, they can."""
    rows = [["科目编码", "科目名称", "合计"], ["205", "教育支出", "30.00"], ["20502", "普通教育", "30.00"]]
    rows += [["2050201", "学前教育", "0.00"], ["2050202", "小学教育", "35.00" if negative else "30.00"]]
    rows += [["2050203", "初中教育", "0.00"], *([["2050204", "高中教育", "-5.00"]] if negative else [])]
    rows.append(["", "合计", "30.00"])
    scanned = _facts("一般公共预算支出预算表", rows).with_columns(
        source_format=pl.lit("ocr"),
        ocr_box=pl.lit("10,20,60,32"),
        ocr_confidence=pl.when(pl.col("subject_code").is_in(doubtful)).then(0.9).otherwise(0.99),
    )
    assert consistency_findings(scanned, "").filter(pl.col("severity") == "error").is_empty()

    gated = gate_ocr_facts(scanned, default_rules(), "budget")

    assert ("2050201" in set(gated.facts["subject_code"])) == loaded
    left_out = {issue.kind for issue in gated.issues}
    assert left_out == (set() if loaded else {"ocr_unconfirmed"})


@pytest.mark.parametrize(("confidence", "loaded"), [(0.97, False), (0.995, True)])
def test_an_amount_no_sum_checks_loads_only_read_surely(confidence: float, loaded: bool) -> None:
    """贵阳 speckled: 54.50 read as 54.30 at 0.97, in a column a garbled label had left in no sum,
    loaded. Nothing but the recogniser vouches for such an amount, and it misreads at 0.97."""
    rows = [["科目编码", "科目名称", "合计"], ["205", "教育支出", "30.00"]]
    scanned = _facts("一般公共预算支出预算表", rows).with_columns(
        source_format=pl.lit("ocr"), ocr_box=pl.lit("10,20,60,32"), ocr_confidence=pl.lit(confidence)
    )
    gated = gate_ocr_facts(scanned, default_rules(), "budget")
    assert gated.facts.height == (1 if loaded else 0)
    assert [issue.kind for issue in gated.issues] == ([] if loaded else ["ocr_unconfirmed"])


_THREE_PUBLIC = "2025年一般公共预算“三公”经费支出预算表"


@pytest.mark.parametrize(
    ("labels", "car", "rules"),
    [
        (
            ["一、因公出国(境)费", "二、公务接待费", "三、公务用车购置及运行维护费", "1、公务用车运行维护费"],
            "1.93",
            set(),
        ),
        # 贵阳 speckled (seed 150): 一、 lost, 二、 and 三、 their 、, 1、 read as 一、
        (["因公出国(境)费", "二公务接待费", "三公务用车购置及运行维护费", "一、公务用车运行维护费"], "1.93", set()),
        (["因公出国(境)费", "二公务接待费", "三公务用车购置及运行维护费", "一、公务用车运行维护费"], "2.93", None),
    ],
    ids=["as printed", "numbering garbled", "numbering garbled, a part off"],
)
def test_three_public_items_sum_to_their_total_by_name_however_numbered(
    labels: list[str], car: str, rules: set[str] | None
) -> None:
    """Numbered 一、 二、 三、, the items sum to the 合计 by their numbering; a scan that garbles it left
    贵阳's table without a sum that closed, and none of its 18 amounts loaded."""
    abroad, reception, cars, running = labels
    rows = [
        ["项目", "2025年预算数"],
        [abroad, "0.00"],
        [reception, "1.00"],
        [cars, "1.93"],
        [running, car],
        ["2、公务用车购置费", "0.00"],
        ["合计", "2.93"],
    ]
    findings = consistency_findings(_facts(_THREE_PUBLIC, rows), "")
    errors = set(findings.filter(pl.col("severity") == "error")["rule"])
    assert errors == (rules if rules is not None else {"children_sum_to_parent"})


def test_a_scanned_three_public_table_whose_numbering_is_garbled_loads_what_its_names_sum() -> None:
    rows = [["项目", "2025年预算数"], ["因公出国(境)费", "0.00"], ["二公务接待费", "1.00"]]
    rows += [["三公务用车购置及运行维护费", "1.93"], ["一、公务用车运行维护费", "1.93"], ["公务用车购置费", "0.00"]]
    scanned = _facts(_THREE_PUBLIC, [*rows, ["合计", "2.93"]]).with_columns(
        source_format=pl.lit("ocr"), ocr_box=pl.lit("10,20,60,32"), ocr_confidence=pl.lit(0.99)
    )
    gated = gate_ocr_facts(scanned, default_rules(), "budget")
    assert (gated.facts.height, gated.issues) == (6, [])


def test_a_total_of_more_than_the_named_items_is_not_summed_by_their_names() -> None:
    """江苏's 合计 covers 会议费 and 培训费 as well: summed by their names, the three items would not close."""
    rows = [
        ["项目", "2019年预算数"],
        ["一、因公出国(境)费", "1.00"],
        ["二、公务接待费", "1.00"],
        ["三、公务用车购置及运行维护费", "1.00"],
        ["四、会议费", "1.00"],
        ["合计", "4.00"],
    ]
    assert consistency_findings(_facts(_THREE_PUBLIC, rows), "").filter(pl.col("severity") == "error").is_empty()


def test_sums_past_what_a_finding_records_are_stated_not_a_failed_document() -> None:
    """Twenty amounts of 10^15 万元 (hostile, but each one loadable) sum past a finding's DECIMAL(22, 6):
    building the findings raised, and the document failed with every fact lost."""
    huge = "999,999,999,999,999.99"
    rows = [["科目编码", "科目名称", "合计"], ["201", "一般公共服务支出", "1.00"]]
    rows += [[f"201{i:02d}", "事务", huge] for i in range(1, 21)]
    findings = consistency_findings(_facts("一般公共预算支出预算表", rows), "")
    (parent,) = findings.filter(pl.col("subject_code") == "201").rows(named=True)
    assert (parent["expected"], parent["actual"]) == (None, Decimal("1.00"))
    assert "expected 19,999,999,999,999,999.80" in parent["message"]


def _tables_agree(first_title: str, second_title: str, second_amount: str) -> pl.DataFrame:
    """The tables_agree findings of 201 printed as 10,271.56 in one table and `second_amount` in another."""
    header = ["科目编码", "科目名称", "合计"]
    tables = [
        raw_table([header, ["201", "一般公共服务支出", "10,271.56"]], title=first_title),
        raw_table([header, ["201", "一般公共服务支出", second_amount]], title=second_title, page=2),
    ]
    facts = budget_facts(classify_tables(tables, CONTEXT.fiscal_year), CONTEXT).facts
    return consistency_findings(facts, "").filter(pl.col("rule") == "tables_agree")


@pytest.mark.parametrize(
    ("narrower", "severity"),
    [("10,191.56", "info"), ("10,351.56", "warning")],
    ids=["fewer-funds-print-less", "fewer-funds-print-more"],
)
def test_a_table_covering_fewer_funds_may_print_less_than_one_covering_all(narrower: str, severity: str) -> None:
    """江苏's 财政拨款支出预算表 prints 201 without the 80.00 of 其他资金 its 支出预算总表 counts."""
    findings = _tables_agree("支出预算总表", "财政拨款支出预算表", narrower)

    assert findings["severity"].to_list() == [severity]
    assert ("fewer funds" in findings["message"][0]) == (severity == "info")


def test_tables_covering_the_same_funds_must_agree() -> None:
    findings = _tables_agree("财政拨款支出预算表", "财政拨款支出预算表", "10,191.56")

    assert findings["severity"].to_list() == ["warning"]


def test_unbalanced_two_sided_summary() -> None:
    facts = _facts(
        "部门收支总表",
        [
            ["收入", "", "支出", ""],
            ["项目", "预算数", "项目", "预算数"],
            ["一、一般公共预算拨款收入", "100.00", "五、教育支出", "100.00"],
            ["收入总计", "100.00", "支出总计", "110.00"],
        ],
    )
    findings = consistency_findings(facts, "")
    assert findings.select("rule", "severity", "expected", "actual").rows() == [
        ("rows_sum_to_total", "error", Decimal("100.00"), Decimal("110.00")),
        ("income_equals_expenditure", "error", Decimal("100.00"), Decimal("110.00")),
    ]


def test_each_side_of_a_three_sided_summary_sums_to_its_own_totals() -> None:
    """收入 | 支出 by function | 支出 by use, with subtotals, carry-overs and a merged total label."""
    rows = [
        ["收入", "", "支出", "", "", ""],
        ["项目名称", "金额", "功能分类", "", "支出用途", ""],
        ["", "", "功能科目名称", "金额", "项目名称", "金额"],
        ["一、财政拨款", "90.00", "一、一般公共服务支出", "70.00", "一、基本支出", "60.00"],
        ["1.一般公共预算", "90.00", "二、教育支出", "30.00", "二、项目支出", "40.00"],
        ["二、其他资金", "10.00", "", "", "", ""],
        ["当年收入小计", "100.00", "当年支出小计", "", "", "100.00"],
        ["上年结转资金", "5.00", "结转下年资金", "", "", "5.00"],
        ["收入合计", "105.00", "支出合计", "", "", "106.00"],
    ]
    findings = consistency_findings(_facts("收支预算总表", rows), "")
    assert findings.select("rule", "expected", "actual").rows() == [
        ("rows_sum_to_total", Decimal("105.00"), Decimal("106.00")),
        ("income_equals_expenditure", Decimal("105.00"), Decimal("106.00")),
    ]
    assert findings["source_position"].to_list() == ["page 1, row 9", "page 1, row 9"]


# 上海's "三公" table: the items one column each, 机关运行经费 beside them, one row of amounts.
SHANGHAI_THREE_PUBLIC_HEADER = [
    ['"三公"经费预算数', "", "", "", "", "", "机关运行经费预算数"],
    ["合计", "因公出国(境)费", "公务接待费", "公务用车购置及运行费", "", "", ""],
    ["", "", "", "小计", "购置费", "运行费", ""],
]


def test_three_public_costs_columns_sum_to_their_subtotals() -> None:
    rows = [*SHANGHAI_THREE_PUBLIC_HEADER, ["60.00", "10.00", "5.00", "45.00", "25.00", "21.00", "400.00"]]
    findings = consistency_findings(_facts('2025年部门"三公"经费和机关运行经费预算表', rows), "")
    assert findings.select("rule", "expected", "actual").rows() == [
        ("parts_sum_to_whole", Decimal("46.00"), Decimal("45.00"))
    ]


def test_narrative_figure_that_differs_from_the_table() -> None:
    facts = _facts(
        "一般公共预算“三公”经费支出预算表",
        [["项目", "2025年预算数"], ["一、公务接待费", "1.60"], ["合计", "1.60"]],
    )
    agreeing = "2025 年“三公”经费财政拨款预算数 1.6 万元。"
    assert consistency_findings(facts, agreeing).is_empty()
    differing = consistency_findings(facts, "2025年“三公”经费财政拨款预算数 2.6 万元。")
    assert differing.select("rule", "severity", "expected", "actual").rows() == [
        ("narrative_agrees", "warning", Decimal("2.6"), Decimal("1.60"))
    ]
    assert "'\"三公\"经费财政拨款预算数2.6万元'" in differing["message"][0]


@pytest.mark.parametrize(("stated", "found"), [("12", False), ("12.00", False), ("13.20", True)])
def test_an_amount_the_narrative_states_for_a_coded_subject_is_held_against_the_tables(
    stated: str, found: bool
) -> None:
    facts = _facts("一般公共预算支出预算表", FUNCTION_TABLE)
    coded = f"1、教育支出（205类）普通教育（02款）学前教育（01项）{stated}万元。主要用于：学前教育。"
    named = f"（一）教育支出（类）1.普通教育（款）学前教育（项）支出{stated}万元，与上年持平。"
    for narrative in (coded, named):
        findings = consistency_findings(facts, narrative)
        rows = findings.select("rule", "severity", "subject_code", "expected", "actual").rows()
        assert rows == (
            [("narrative_agrees", "warning", "2050201", Decimal(stated), Decimal("12.00"))] if found else []
        )
        if found:
            assert "for 2050201 but 一般公共预算支出预算表" in findings["message"][0]


JIANGSU_FUNCTIONS = [
    ["科目编码", "科目名称", "合计"],
    ["201", "一般公共服务支出", "10.00"],
    ["20101", "人大事务", "10.00"],
    ["2010199", "其他人大事务支出", "10.00"],
    ["221", "住房保障支出", "10.00"],
    ["22102", "住房改革支出", "10.00"],
    ["2210201", "住房公积金", "10.00"],
    ["", "合计", "20.00"],
]


@pytest.mark.parametrize(
    ("narrative", "code"),
    [
        ("1.一般公共服务(类)支出10万元,与上年相比增加1万元。", "201"),
        ("2.住房改革支出(类)住房公积金(项)10万元,与上年相比增加1万元。", "2210201"),
        ("9.人大事务(款)其他人大事务(项)支出10万元,与上年相比增加1万元。", "2010199"),
    ],
    ids=["类 named", "款 marked (类)", "项 named without its closing 支出"],
)
def test_jiangsus_ways_of_naming_a_subject_are_checked(narrative: str, code: str) -> None:
    """江苏's 说明 names its 类 (一般公共服务(类)支出), marks some 款 (类), and names 2010199
    其他人大事务(项) where its tables print 其他人大事务支出."""
    facts = _facts("一般公共预算支出预算表", JIANGSU_FUNCTIONS)
    assert consistency_findings(facts, narrative).is_empty()
    findings = consistency_findings(facts, narrative.replace("10万元", "11万元"))
    assert findings.select("rule", "subject_code", "expected").rows() == [("narrative_agrees", code, Decimal("11"))]


@pytest.mark.parametrize(
    "narrative",
    [
        "普通教育（款）幼儿教育（项）支出99万元。",
        "高等教育（款）学前教育（项）支出99万元。",
        "普通教育（款）初中教育（项）支出18万元。",
    ],
    ids=["another 项", "another 款", "a 项 one character from another"],
)
def test_a_subject_no_table_prints_is_not_compared_and_says_so(narrative: str) -> None:
    findings = consistency_findings(_facts("一般公共预算支出预算表", FUNCTION_TABLE), narrative)
    assert findings.select("rule", "severity").rows() == [("narrative_subject_unprinted", "info")]
    assert f"'{narrative.removesuffix('。')}'" in findings["message"][0]
    assert "not compared" in findings["message"][0]


def test_no_subject_is_said_unprinted_when_the_tables_print_none() -> None:
    facts = _facts("一般公共预算“三公”经费支出预算表", [["项目", "2025年预算数"], ["一、公务接待费", "1.60"]])
    assert consistency_findings(facts, "普通教育（款）幼儿教育（项）支出99万元。").is_empty()


@pytest.mark.parametrize(
    ("narrative", "findings"),
    [
        ("法院（款）一般行政事务管理（项）支出5804.83万元，与上年相比减少245.14万元。", []),
        (
            "法院（款）一般行政事务管理（项）支出5904.83万元，与上年相比减少145.14万元。",
            [("narrative_agrees", "warning", Decimal("5904.83"))],
        ),
        ("法院（款）一般行政管理事物（项）支出5804.83万元，与上年相比减少245.14万元。", []),
    ],
    ids=["two characters swapped, agreeing", "swapped, differing", "one character wrong in a long name"],
)
def test_a_subject_named_by_a_misprint_is_held_against_the_subject_so_named(
    narrative: str, findings: list[tuple[str, str, Decimal]]
) -> None:
    """江苏's 2019 法院 说明 names 2040502 一般行政管理事务 as 一般行政事务管理."""
    table = [
        ["科目编码", "科目名称", "合计"],
        ["204", "公共安全支出", "23084.12"],
        ["20405", "法院", "23084.12"],
        ["2040501", "行政运行", "17279.29"],
        ["2040502", "一般行政管理事务", "5804.83"],
        ["", "合计", "23084.12"],
    ]
    found = consistency_findings(_facts("一般公共预算支出预算表", table), narrative)
    misnamed = found.filter(pl.col("rule") == "narrative_subject_misnamed")
    assert misnamed.select("severity", "subject_code").rows() == [("info", "2040502")]
    assert "print as 2040502 '一般行政管理事务'" in misnamed["message"][0]
    others = found.filter(pl.col("rule") != "narrative_subject_misnamed")
    assert others.select("rule", "severity", "expected").rows() == findings


FISCAL_SUMMARY = [
    ["收入", "", "支出", ""],
    ["项目", "预算数", "项目", "预算数"],
    ["一、一般公共预算拨款", "100.00", "一、一般公共服务支出", "100.00"],
    ["收入总计", "100.00", "支出总计", "100.00"],
]


@pytest.mark.parametrize(
    ("narrative", "stated"),
    [
        ("2025年财政拨款收支预算总额为100万元。", None),
        ("2025年度财政拨款收、支总预算100万元。", None),
        ("2024年度财政拨款收入支出总计0.3万元。与2023年度相比，财政拨款收入支出总计持平。", "0.3"),
    ],
)
def test_the_fiscal_appropriation_total_the_narrative_states_is_the_tables(narrative: str, stated: str | None) -> None:
    findings = consistency_findings(_facts("财政拨款收支总表", FISCAL_SUMMARY), narrative)
    expected = [("narrative_agrees", "warning", Decimal(stated), Decimal("100.00"))] if stated else []
    assert findings.select("rule", "severity", "expected", "actual").rows() == expected


# 上海's 财政拨款收支预算总表: each side under a heading naming the table's own fund.
SHANGHAI_FISCAL_SUMMARY = [
    ["财政拨款收入", "", "财政拨款支出", "", "", "", ""],
    ["项目", "预算数", "项目", "合计", "一般公共预算", "政府性基金", "国有资本经营预算"],
    ["一、一般公共预算", "100.00", "一、公共安全支出", "100.00", "100.00", "", ""],
    ["收入总计", "100.00", "支出总计", "100.00", "100.00", "", ""],
]


INCOME_SUMMARY = [
    ["项目", "预算数"],
    ["一、一般公共预算拨款收入", "100.00"],
    ["二、其他资金收入", "20.00"],
    ["收入总计", "120.00"],
]


@pytest.mark.parametrize(
    ("narrative", "stated"),
    [
        ("(一)收入预算总计120万元。", None),
        ("(一)收入预算总计110万元。", "110"),
        # 江苏's 说明 states each part's 收入预算 and its 政府采购支出预算总额: a part, not the whole
        (
            "1.财政拨款收入预算总计100万元。(1)一般公共预算收入预算100万元。(2)政府性基金收入预算0万元。"
            "2.财政专户管理资金收入预算总计0万元。3.其他资金收入预算总计20万元。",
            None,
        ),
    ],
)
def test_a_total_the_narrative_states_is_the_whole_not_a_part_it_names(narrative: str, stated: str | None) -> None:
    findings = consistency_findings(_facts("收入预算总表", INCOME_SUMMARY), narrative)
    expected = [("narrative_agrees", "warning", Decimal(stated), Decimal("120.00"))] if stated else []
    assert findings.select("rule", "severity", "expected", "actual").rows() == expected


# 江苏's 支出预算总表: the department's whole, one row under its headings.
JIANGSU_EXPENDITURE_SUMMARY = [
    ["合计", "基本支出", "项目支出", "单位预留机动经费"],
    ["60.00", "30.00", "20.00", "10.00"],
]

# 江苏's "三公" table: one row under its headings, 合计 covering 会议费 and 培训费 too.
JIANGSU_THREE_PUBLIC = [
    ["合计", '"三公"经费', "", "", "", "", "会议费", "培训费"],
    ["", "小计", "因公出国(境)费", "公务用车购置及运行维护费", "", "公务接待费", "", ""],
    ["", "", "", "小计", "公务用车运行维护费", "", "", ""],
    ["40.00", "25.00", "10.00", "12.00", "12.00", "3.00", "5.00", "10.00"],
]


def test_the_one_row_of_a_table_printing_no_labels_is_its_total() -> None:
    """江苏's 支出预算总表 and "三公" table print one row of amounts under their headings and no label
    column: the department's totals, which a query for the total row must find."""
    summary = _facts("支出预算总表", JIANGSU_EXPENDITURE_SUMMARY)
    three_public = _facts("“三公”经费、会议费、培训费支出预算表", JIANGSU_THREE_PUBLIC)
    assert set(summary["row_kind"]) == set(three_public["row_kind"]) == {"total"}
    assert dict(summary.select("measure", "amount_wan").rows())["basic"] == Decimal("30.00")


@pytest.mark.parametrize(
    ("narrative", "stated", "printed"),
    [
        ('"三公"经费预算数为25万元。', "25", None),
        ('"三公"经费预算数为40万元。', "40", "25.00"),
        ("因公出国(境)费支出10万元,占“三公”经费的40%。", "10", None),
        ("1.因公出国（境）费预算支出11万元,比上年预算减少1万元。", "11", "10.00"),
        ("2.公务用车购置及运行费预算支出12万元。(2)公务用车运行维护费预算支出12万元。", "12", None),
        ("2.公务用车购置及运行费预算支出13万元。", "13", "12.00"),
        ("3.公务接待费预算支出4万元,比上年预算减少1万元。", "4", "3.00"),
        ("一般公共预算拨款安排的会议费预算支出5万元。一般公共预算拨款安排的培训费预算支出10万元。", "5", None),
        ("一般公共预算拨款安排的会议费预算支出6万元,比上年预算减少1万元。", "6", "5.00"),
        ("一般公共预算拨款安排的培训费预算支出9万元。", "9", "10.00"),
    ],
)
def test_each_three_public_figure_the_narrative_states_is_held_against_its_own_column(
    narrative: str, stated: str, printed: str | None
) -> None:
    """The "三公" total is its own column, not 合计 (which adds 会议费 and 培训费); each item is held
    against the column of its name, whether the narrative writes 运行费 or 运行维护费."""
    findings = consistency_findings(_facts("“三公”经费、会议费、培训费支出预算表", JIANGSU_THREE_PUBLIC), narrative)
    expected = [("narrative_agrees", Decimal(stated), Decimal(printed))] if printed else []
    assert findings.select("rule", "expected", "actual").rows() == expected
    if printed:
        assert f"prints {printed} under '" in findings["message"][0]


FINAL_THREE_PUBLIC = [
    ["财政拨款“三公”经费", "", "", "", "", "", "", "", "", "", "", ""],
    ["合计", "", "因公出国(境)费", "", "公务用车购置及运行维护费", "", "", "", "", "", "公务接待费", ""],
    ["", "", "", "", "小计", "", "公务用车购置费", "", "公务用车运行维护费", "", "", ""],
    ["预算数", "决算数"] * 6,
    ["3.95", "2.10", "", "", "3.00", "1.50", "", "", "3.00", "1.50", "0.95", "0.60"],
]
FINAL_THREE_PUBLIC_SAID = (
    '"三公"经费财政拨款支出年初预算为{}万元,支出决算为{}万元,其中:因公出国(境)费决算为0.00万元;'
    "公务用车购置及运行维护费支出决算为1.50万元;公务接待费支出决算为{}万元。"
)


@pytest.mark.parametrize(
    ("said", "found"),
    [
        (("3.95", "2.10", "0.60"), []),
        (("3.95", "2.20", "0.60"), [("final", Decimal("2.20"), Decimal("2.10"))]),
        (
            ("4.95", "2.10", "0.70"),
            [("total", Decimal("4.95"), Decimal("3.95")), ("final", Decimal("0.70"), Decimal("0.60"))],
        ),
    ],
)
def test_a_final_accounts_three_public_figures_are_its_budget_and_final_columns(
    said: tuple[str, str, str], found: list[tuple[str, Decimal, Decimal]]
) -> None:
    """Its "三公" table (财政拨款"三公"经费 over each item's 预算数 | 决算数) is the appropriations' own:
    its amounts carry no fund, and the narrative's 年初预算 and 决算 are held against them."""
    facts = _facts("财政拨款“三公”经费支出决算表", FINAL_THREE_PUBLIC)
    assert set(facts["fund"]) == {None}
    findings = consistency_findings(facts, FINAL_THREE_PUBLIC_SAID.format(*said))
    agrees = findings.filter(pl.col("rule") == "narrative_agrees")
    assert agrees.select("measure", "expected", "actual").rows() == found


def test_a_three_public_total_without_its_own_column_is_the_tables_total() -> None:
    rows = [*SHANGHAI_THREE_PUBLIC_HEADER, ["46.00", "0", "1.00", "45.00", "25.00", "20.00", "400.00"]]
    facts = _facts('2026年部门"三公"经费和机关运行经费预算表', rows)
    said = '2026年"三公"经费预算数为{}万元。其中:公务用车购置费25万元;公务用车运行费{}万元。'
    assert consistency_findings(facts, said.format("46", "20")).is_empty()
    findings = consistency_findings(facts, said.format("47", "21"))
    assert findings.select("rule", "expected", "actual").rows() == [
        ("narrative_agrees", Decimal("47"), Decimal("46.00")),
        ("narrative_agrees", Decimal("21"), Decimal("20.00")),
    ]


SHANGHAI_INCOME = [
    ["项目", "收入预算", "", "", ""],
    ["", "合计", "财政拨款收入", "事业收入", "其他收入"],
    ["合计", "120.00", "100.00", "0", "20.00"],
]


FINAL_SPENDING = [
    ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"],
    ["221", "住房保障支出", "187.19", "187.19", ""],
    ["", "合计", "187.19", "187.19", ""],
]


# 江苏's 收入预算总表: a row per source of income.
JIANGSU_INCOME = [["项目名称", "金额"], ["收入总计", "120.00"], ["一般公共预算资金", "100.00"], ["其他资金", "20.00"]]


# 江苏's 政府采购支出预算表: items under their class (货物A, 工程B, 服务C).
JIANGSU_PROCUREMENT = [
    ["采购项目", "总计"],
    ["合计", "100.00"],
    ["货物A", "60.00"],
    ["台式计算机", "60.00"],
    ["工程B", "10.00"],
    ["修缮工程", "10.00"],
    ["服务C", "30.00"],
    ["会议服务", "30.00"],
]


def _agreement(facts: pl.DataFrame, narrative: str) -> list[tuple[str, Decimal, Decimal]]:
    """The narrative_agrees findings of a narrative beside `facts`: (measure, stated, printed)."""
    findings = consistency_findings(facts, narrative).filter(pl.col("rule") == "narrative_agrees")
    return findings.select("measure", "expected", "actual").rows()


@pytest.mark.parametrize(
    ("title", "table", "said", "measure", "printed"),
    [
        ("财政拨款支出预算表(功能科目)", FUNCTION_TABLE, "某厅2019年财政拨款预算支出{}万元,占100%。", "total", "30.00"),
        (
            "一般公共预算支出预算表",
            FUNCTION_TABLE,
            "一般公共预算财政拨款支出预算{}万元,与上年相比增加1万元。",
            "total",
            "30.00",
        ),
        (
            "一般公共预算支出预算表",
            FUNCTION_TABLE,
            "财政拨款支出预算中,一般公共预算拨款支出预算{}万元。",
            "total",
            "30.00",
        ),
        (
            "财政拨款收支预算总表",
            SHANGHAI_FISCAL_SUMMARY,
            "支出预算100万元,其中:财政拨款支出预算{}万元。",
            "total",
            "100.00",
        ),
        (
            "部门收入预算总表",
            SHANGHAI_INCOME,
            "收入预算120万元,其中:财政拨款收入{}万元,比上年预算增加1万元;事业收入0万元。",
            "fiscal_appropriation",
            "100.00",
        ),
        ("支出预算总表", JIANGSU_EXPENDITURE_SUMMARY, "此外,基本支出预算数为{}万元。", "basic", "30.00"),
        ("支出预算总表", JIANGSU_EXPENDITURE_SUMMARY, "项目支出预算数为{}万元。", "project", "20.00"),
        ("支出预算总表", JIANGSU_EXPENDITURE_SUMMARY, "单位预留机动经费预算为{}万元。", "unit_reserve", "10.00"),
        ("收入预算总表", JIANGSU_INCOME, "(1)一般公共预算收入预算{}万元,与上年相比增加1万元。", "total", "100.00"),
        ("收入预算总表", JIANGSU_INCOME, "3.其他资金收入预算总计{}万元,与上年数一致。", "total", "20.00"),
        (
            "部门“三公”经费和机关运行经费预算表",
            [*SHANGHAI_THREE_PUBLIC_HEADER, ["46.00", "0", "1.00", "45.00", "25.00", "20.00", "400.00"]],
            "下属1家机关和1家参公事业单位财政拨款的机关运行经费预算为{}万元。",
            "operating_costs",
            "400.00",
        ),
        ("部门政府性基金预算支出功能分类预算表", FUNCTION_TABLE, "政府性基金拨款支出预算{}万元。", "total", "30.00"),
        (
            "政府采购支出预算表",
            JIANGSU_PROCUREMENT,
            "政府采购预算总金额为100万元。其中拟采购货物支出{}万元;",
            "total",
            "60.00",
        ),
        ("政府采购支出预算表", JIANGSU_PROCUREMENT, "拟采购工程支出10万元;拟购买服务支出{}万元。", "total", "30.00"),
        ("支出决算表", FINAL_SPENDING, "三、支出决算情况说明本年支出合计{}万元。", "total", "187.19"),
        ("一般公共预算财政拨款支出决算表", FINAL_SPENDING, "一般公共预算财政拨款支出{}万元。", "total", "187.19"),
    ],
    ids=[
        "江苏 财政拨款预算支出",
        "江苏 一般公共预算财政拨款支出预算",
        "上海 一般公共预算拨款支出预算",
        "上海 财政拨款支出预算",
        "上海 财政拨款收入",
        "江苏 all funds' 基本支出",
        "江苏 all funds' 项目支出",
        "江苏 单位预留机动经费",
        "江苏 一般公共预算收入预算",
        "江苏 其他资金收入预算",
        "上海 机关运行经费 beside the 三公 items",
        "上海 政府性基金拨款支出预算",
        "江苏 拟采购货物",
        "江苏 拟购买服务",
        "final account's 本年支出合计",
        "final account's 一般公共预算财政拨款支出",
    ],
)
def test_a_total_the_narrative_states_is_held_against_its_table(
    title: str, table: list[list[str]], said: str, measure: str, printed: str
) -> None:
    facts = _facts(title, table)
    assert _agreement(facts, said.format(printed)) == []
    wrong = str(Decimal(printed) + 1)
    assert _agreement(facts, said.format(wrong)) == [(measure, Decimal(wrong), Decimal(printed))]


@pytest.mark.parametrize(
    ("title", "table", "narrative"),
    [
        # the general budget's and the appropriations' 基本支出 are other tables' figures; a change is no figure
        (
            "支出预算总表",
            JIANGSU_EXPENDITURE_SUMMARY,
            "财政拨款基本支出预算25万元。一般公共预算财政拨款基本支出预算数为25万元。增减相抵后项目支出预算数增加5万元。",
        ),
        # a fund's part of the appropriations
        ("部门收入预算总表", SHANGHAI_INCOME, "一般公共预算财政拨款收入90万元。"),
    ],
)
def test_a_figure_of_another_table_is_not_held_against_this_one(
    title: str, table: list[list[str]], narrative: str
) -> None:
    assert _agreement(_facts(title, table), narrative) == []


def test_shanghais_appropriations_summary_carries_no_fund_of_its_own() -> None:
    """Its 财政拨款支出 > 合计 and 财政拨款收入 > 预算数 are the row totals, as every province's."""
    facts = _facts("2026年部门财政拨款收支预算总表", SHANGHAI_FISCAL_SUMMARY)
    assert set(facts.filter(pl.col("measure") == "total")["fund"]) == {None}


@pytest.mark.parametrize(
    ("title", "table", "narrative", "finding"),
    [
        (
            "支出预算总表",
            JIANGSU_EXPENDITURE_SUMMARY,
            "本年支出预算合计60万元,其中:基本支出30万元,占50%;项目支出{}万元,占35%;单位预留机动经费10万元。",
            ("project", "20.00"),
        ),
        (
            "2026年部门收入预算总表",
            SHANGHAI_INCOME,
            "收入预算120万元,其中:财政拨款收入100万元,比上年预算增加1万元;事业收入0万元;其他收入{}万元。",
            ("other_income", "20.00"),
        ),
        (
            "一般公共预算支出预算表",
            FUNCTION_TABLE,
            "一般公共预算支出总额为30万元,其中:基本支出20万元,项目支出{}万元。",
            ("project", "10.00"),
        ),
    ],
    ids=["江苏 支出预算总表", "上海 收入预算总表", "parts listed without shares"],
)
def test_the_parts_a_narrative_lists_after_a_whole_are_its_tables(
    title: str, table: list[list[str]], narrative: str, finding: tuple[str, str]
) -> None:
    """The parts after 其中 are held against the whole's own table row, each in the measure its
    name says; a change stated among them (比上年预算增加1万元) is no part."""
    measure, printed = finding
    facts = _facts(title, table)
    assert consistency_findings(facts, narrative.format(printed.removesuffix(".00"))).is_empty()
    findings = consistency_findings(facts, narrative.format("21")).filter(pl.col("rule") == "narrative_agrees")
    assert findings.select("measure", "expected", "actual").rows() == [(measure, Decimal("21"), Decimal(printed))]
    assert f"prints {printed} under '" in findings["message"][0]


def test_a_part_whose_measure_its_row_prints_twice_is_not_held_against_either() -> None:
    table = [["合计", "基本支出", "项目支出", "基本支出"], ["60.00", "30.00", "20.00", "31.00"]]
    facts = _facts("支出预算总表", table)
    said = "本年支出预算合计60万元,其中:基本支出30万元,占50%;项目支出{}万元,占33.33%。"
    assert _agreement(facts, said.format("20")) == []
    assert _agreement(facts, said.format("21")) == [("project", Decimal("21"), Decimal("20.00"))]


def _narrative_findings(narrative: str) -> list[str]:
    """The narrative_arithmetic findings of a narrative beside a clean table (the messages); its
    subjects are none the table prints (`narrative_subject_unprinted`)."""
    findings = consistency_findings(_facts("一般公共预算支出预算表", FUNCTION_TABLE), narrative)
    assert set(findings.filter(pl.col("rule") != "narrative_subject_unprinted")["severity"]) <= {"warning"}
    return findings.filter(pl.col("rule") == "narrative_arithmetic")["message"].to_list()


# 上海's paragraph per 项: the year's amount, the year before's 执行数, and the change in per cent.
SHANGHAI_ITEM = (
    "12、住房保障支出（221类）住房改革支出（02款）住房公积金（01项）{stated}万元。主要用于：住房公积金。\n"
    "2025年当年预算执行数为{before}万元，2026年预算安排{after}万元，比2025年预算执行数{direction}{percent}%。"
)


@pytest.mark.parametrize(
    ("before", "after", "direction", "percent"),
    [
        ("198.34", "208.80", "增加", "5.27"),
        ("1690.69", "1672.67", "减少", "1.07"),
        ("156.34", "183.95", "增加", "17.66"),  # 17.6602: printed to its last digit
        ("679.12", "686", "增加", "1.01"),  # a whole 万元 may be 685.5 to 686.5
        ("0.50", "0.64", "增加", "28"),
        ("0.00", "25.00", "增加", "100.00"),  # a change from nothing has no per cent
    ],
)
def test_a_narrative_change_that_fits_its_amounts_yields_no_finding(
    before: str, after: str, direction: str, percent: str
) -> None:
    narrative = SHANGHAI_ITEM.format(stated=after, before=before, after=after, direction=direction, percent=percent)
    assert _narrative_findings(narrative) == []


@pytest.mark.parametrize(
    ("before", "direction", "percent", "said"),
    [
        ("43269.3", "增加", "17.62", "from 43,269.30 万元 to 3,845.49 万元 is a decrease of 91.11 %, not an increase"),
        ("3269.3", "增加", "17.66", "is an increase of 17.62 %, not an increase of 17.66 %"),
        ("3269.3", "减少", "17.62", "is an increase of 17.62 %, not a decrease of 17.62 %"),
    ],
)
def test_a_narrative_change_its_amounts_do_not_give_is_a_warning(
    before: str, direction: str, percent: str, said: str
) -> None:
    amounts = {"stated": "3845.49", "before": before, "after": "3845.49"}
    narrative = SHANGHAI_ITEM.format(**amounts, direction=direction, percent=percent)
    [message] = _narrative_findings(narrative)
    assert said in message and "预算执行数为" + before in message


def test_a_paragraph_stating_the_years_amount_twice_says_which_its_change_fits() -> None:
    narrative = SHANGHAI_ITEM.format(stated="208.8", before="198.34", after="201.50", direction="增加", percent="5.27")
    [message] = _narrative_findings(narrative)
    assert "gives the year's amount as 208.80 万元, then as 201.50 万元" in message
    assert "the 5.27 % it states is the change to 208.80 万元" in message
    neither = SHANGHAI_ITEM.format(stated="208.8", before="198.34", after="201.50", direction="增加", percent="9.99")
    assert len(_narrative_findings(neither)) == 2


@pytest.mark.parametrize(
    ("change", "percent", "found"),
    [("1287.35", "4.91", False), ("1287.35", "4.19", True), ("1287.35", "4.9", False), ("1387.35", "4.91", True)],
)
def test_a_change_stated_with_its_amount_and_per_cent_is_checked_against_the_years_amount(
    change: str, percent: str, found: bool
) -> None:
    narrative = (
        "1．公共安全（类）支出 27488.23 万元，主要用于人员支出、日常公用支出。与上年相比增加 "
        f"{change} 万元，增长 {percent}%。主要原因是增加人员经费。"
    )
    messages = _narrative_findings(narrative)
    assert len(messages) == found
    assert len(_narrative_findings(f"机关运行经费支出27488.23万元，同比增加{change}万元，增长{percent}%。")) == found
    if found:
        before = Decimal("27488.23") - Decimal(change)
        assert f"from {before:,} 万元 (27,488.23 万元 less the change of {Decimal(change):,} 万元)" in messages[0]


def test_a_change_called_an_increase_and_a_decrease_is_a_warning() -> None:
    [message] = _narrative_findings("支出预算数为 10208.94 万元。与上年相比增加 1134.33 万元，下降 10%。")
    assert "both 增加 and 下降" in message


def test_unchanged_amounts_must_be_equal() -> None:
    flat = "2025年当年预算执行数为{}万元，2026年预算安排12.00万元，比2025年预算执行数持平。"
    assert _narrative_findings(flat.format("12.00")) == []
    [message] = _narrative_findings(flat.format("11.00"))
    assert "is an increase of 9.09 %, not no change" in message


def test_a_final_accounts_completion_rate_is_checked() -> None:
    completed = "一般公共预算财政拨款支出年初预算为2993.92万元，支出决算为2940.05万元，完成年初预算的{}%。"
    assert _narrative_findings(completed.format("98.20")) == []
    [message] = _narrative_findings(completed.format("96.20"))
    assert "2,940.05 万元 of 2,993.92 万元 is 98.20 %, not 96.20 %" in message


FINAL_TABLE = [
    ["科目编码", "科目名称", "决算数", "基本支出", "项目支出"],
    ["221", "住房保障支出", "187.19", "187.19", ""],
    ["22102", "住房改革支出", "187.19", "187.19", ""],
    ["2210201", "住房公积金", "187.19", "187.19", ""],
    ["", "合计", "187.19", "187.19", ""],
]
FINAL_ITEM = (
    "10、住房保障支出（类）住房改革支出（款）住房公积金（项）。主要用于：缴纳在职人员住房公积金。"
    "年初预算为{budget}万元，支出决算为{final}万元。决算数{relation}"
)


@pytest.mark.parametrize(
    ("budget", "final", "relation", "said"),
    [
        ("187.75", "187.19", "小于预算数的主要原因：预算按周全保障测算。", None),
        ("187.19", "187.19", "与预算数持平。", None),
        ("187.20", "187.19", "与预算数基本持平。", None),  # about the same, not held to equality
        ("187.75", "187.19", "大于预算数的主要原因：增人增资。", "187.19 万元 is less than 187.75 万元, not more"),
        ("187.19", "187.19", "小于预算数的主要原因：。", "187.19 万元 is the same as 187.19 万元, not less"),
        ("180.00", "187.19", "与预算数持平。", "187.19 万元 is more than 180.00 万元, not the same"),
    ],
)
def test_a_final_account_says_rightly_whether_it_spent_more_or_less_than_budgeted(
    budget: str, final: str, relation: str, said: str | None
) -> None:
    findings = consistency_findings(
        _facts("一般公共预算财政拨款支出决算表", FINAL_TABLE),
        FINAL_ITEM.format(budget=budget, final=final, relation=relation),
    )
    messages = findings.filter(pl.col("rule") == "narrative_arithmetic")["message"].to_list()
    assert len(messages) == (said is not None) and all(said in message for message in messages), messages
    assert findings.filter(pl.col("rule") == "narrative_agrees").is_empty()


@pytest.mark.parametrize(("heading", "measure"), [("决算数", "final"), ("合计", "total")])
def test_a_final_accounts_item_is_held_against_its_final_amount(heading: str, measure: str) -> None:
    """The 决算 is the table's 决算数, or, in a table printing only what was spent (上海: 合计 | 基本支出
    | 项目支出), its row total."""
    table = [[heading if cell == "决算数" else cell for cell in row] for row in FINAL_TABLE]
    facts = _facts("一般公共预算财政拨款支出决算表", table)
    agreeing = FINAL_ITEM.format(budget="187.75", final="187.19", relation="小于预算数的主要原因：。")
    assert consistency_findings(facts, agreeing).is_empty()
    narrative = FINAL_ITEM.format(budget="187.75", final="178.19", relation="小于预算数的主要原因：。")
    findings = consistency_findings(facts, narrative)
    assert findings.select("rule", "subject_code", "measure", "expected", "actual").rows() == [
        ("narrative_agrees", "2210201", measure, Decimal("178.19"), Decimal("187.19"))
    ]


def test_each_share_of_a_whole_is_checked() -> None:
    listed = (
        "一般公共预算财政拨款支出2940.05万元，主要用于以下方面：一般公共服务支出（类）2106.66万元，占{}%；"
        "社会保障和就业支出（类）326.72万元，占11.11%；卫生健康支出（类）60.99万元，占2.07%；"
        "住房保障支出（类）445.69万元，占15.16%。"
    )
    assert _narrative_findings(listed.format("71.65")) == []
    [message] = _narrative_findings(listed.format("71.73"))
    assert "2,106.66 万元 of 2,940.05 万元 is 71.65 %, not 71.73 %" in message
    assert "一般公共服务支出（类）2106.66万元，占71.73%" in message


def test_a_narrative_finding_says_where_its_sentence_was_printed() -> None:
    """The place of the sentence's start, whatever spaces and line breaks stood before it."""
    first = "一、收支预算总体情况 说明\n本部门 2025 年收支预算 如下。"
    second = "年初预算为 100 万元，支出决算为 90 万元，完成年初预算的 80%。"
    narrative = f"{first}\n{second}"
    places = [(0, 3, "page 3", False), (len(first) + 1, 4, "page 4", False)]
    found = narrative_findings("doc", narrative, places=places)
    assert found.select("rule", "page", "source_position").rows() == [("narrative_arithmetic", 4, "page 4")]
    assert "OCR" not in found["message"][0]
    scanned = [(0, 3, "page 3", False), (len(first) + 1, 4, "page 4", True)]
    assert narrative_findings("doc", narrative, places=scanned)["message"][0].endswith(
        "(read by OCR from a scan: check the sentence on the page)"
    )
    lines = [(0, None, "line 7", False), (len(first) + 1, None, "line 9", False)]
    assert narrative_findings("doc", narrative, places=lines).select("page", "source_position").rows() == [
        (None, "line 9")
    ]
    assert narrative_findings("doc", narrative).select("page", "source_position").rows() == [(None, None)]


@pytest.mark.parametrize(
    ("sentence", "kind", "found"),
    [
        ("财政拨款收入9628.22万元，比2026年预算增加793.14万元；", "budget", True),
        ("政府性基金拨款支出预算0万元，与2026年预算持平；", "budget", True),
        (
            "2025年当年预算执行数为1690.69万元，2026年预算安排1672.67万元，比2025年预算执行数减少1.07%。",
            "budget",
            False,
        ),
        ("一般公共预算财政拨款支出决算为2940.05万元，与2026年年初预算相比减少。", "final_account", False),
    ],
)
def test_a_budgets_narrative_that_compares_the_year_with_itself_is_a_warning(
    sentence: str, kind: str, found: bool
) -> None:
    findings = narrative_findings("doc", sentence, fiscal_year=2026, document_kind=kind)
    rows = findings.filter(pl.col("rule") == "narrative_year")
    assert rows.height == found
    if found:
        assert rows["severity"][0] == "warning" and "compares with 2026" in rows["message"][0]
        assert "the year before is 2025" in rows["message"][0]
        assert f"('{sentence.rstrip('；')}')" in rows["message"][0]  # the clause and the one before it


def test_a_hostile_narrative_repeating_a_slip_yields_findings_of_bounded_size() -> None:
    """One clause without punctuation, 3,000 slips long: each finding quotes a few dozen characters
    of it, not the whole narrative, so the findings stay as small as the narrative."""
    findings = narrative_findings("doc", "比2026年预算" * 3000, fiscal_year=2026)
    assert findings.height == 3000
    assert findings["message"].str.len_chars().max() < 200


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("11、卫生健康支出（210类）行政事业单位医疗（11款）行政单位医疗（01项）114.97万元。", None),
        ("主要用于卫生健康支出（210类）的支出。", None),  # the sentence runs into the name
        (
            "11、医疗卫生与计划生育支出（210类）行政事业单位医疗（11款）行政单位医疗（01项）114.97万元。",
            ("info", "210"),
        ),
        ("11、卫生健康支出（210类）行政事业单位养老支出（11款）114.97万元。", ("warning", "21011")),
        ("11、社会保障和就业支出（210类）行政事业单位医疗（11款）114.97万元。", ("warning", "210")),
    ],
)
def test_names_the_narrative_prints_beside_codes_are_held_against_the_catalogue(
    sentence: str, expected: tuple[str, str] | None
) -> None:
    findings = narrative_findings("doc", sentence, fiscal_year=2026)
    rows = findings.filter(pl.col("rule") == "subject_name_matches_catalogue").select("severity", "subject_code").rows()
    assert rows == ([expected] if expected else [])


def test_figures_of_different_things_are_not_held_against_each_other() -> None:
    """A change stated after another subject's amount (基本支出, 项目支出, then 一般公共预算) is not
    taken for that amount's change, and a share naming its own base (占"三公"经费的) is not a part."""
    narrative = (
        "2025年一般公共预算支出总额为1954.47万元，其中：基本支出371.27万元，项目支出1583.2万元，"
        "一般公共预算比2024年减少2049.03万元，下降51.18%。因公出国（境）费支出160万元，占“三公”经费的31.14%。"
    )
    assert _narrative_findings(narrative) == []


def test_items_sum_to_the_total_by_their_enumeration() -> None:
    facts = _facts(
        '2025年财政拨款"三公"经费支出预算表',
        [
            ["项目", "2025年预算数"],
            ["一、因公出国(境)费", "0.00"],
            ["二、公务接待费", "1.00"],
            ["三、公务用车购置及运行维护费", "1.93"],
            ["1、公务用车运行维护费", "1.93"],
            ["合计", "3.93"],
        ],
    )
    findings = consistency_findings(facts, "")
    assert findings.select("rule", "expected", "actual").rows() == [
        ("rows_sum_to_total", Decimal("2.93"), Decimal("3.93"))
    ]


def test_suite_rejects_malformed_codes_and_unknown_vocabulary() -> None:
    facts = _facts("一般公共预算支出预算表", FUNCTION_TABLE)
    assert validate_facts(facts).success
    broken = facts.with_columns(
        subject_code=pl.when(pl.col("subject_code") == "2050201").then(pl.lit("20502011")).otherwise("subject_code"),
        measure=pl.when(pl.col("measure") == "basic").then(pl.lit("basics")).otherwise("measure"),
    )
    result = validate_facts(broken)
    assert not result.success
    failed = {(r.expectation, r.column): r for r in result.results if not r.success}
    assert failed.keys() == {
        ("expect_column_values_to_match_regex", "subject_code"),
        ("expect_column_values_to_be_in_set", "measure"),
    }
    # a failing document's results say how many rows and which values, as the warehouse records them
    wrong_codes = broken.filter(pl.col("subject_code") == "20502011").height
    wrong_measures = broken.filter(pl.col("measure") == "basics").height
    assert failed["expect_column_values_to_match_regex", "subject_code"].unexpected_count == wrong_codes > 0
    assert failed["expect_column_values_to_be_in_set", "measure"].unexpected_examples.startswith("basics")
    assert failed["expect_column_values_to_be_in_set", "measure"].unexpected_count == wrong_measures > 0
    assert all(r.unexpected_count == 0 for r in result.results if r.success)


VALIDATE_IN_A_NEW_PROCESS = """
import json, sys
import polars as pl
from expectations.suite import validate_facts
result = validate_facts(pl.read_parquet(sys.argv[1]))
json.dump({
    "results": [[r.expectation, r.column, r.condition, r.success, r.unexpected_count] for r in result.results],
    "sqlalchemy_imported": "sqlalchemy" in sys.modules,
    "deferred_not_run": [type(sys.modules[m]).__name__ == "_LazyModule" for m in ("scipy.stats", "altair")],
}, sys.stdout)
"""


def test_a_fresh_process_validates_alike_without_gx_s_unused_imports(tmp_path: Path) -> None:
    """A reader worker imports GX without SQLAlchemy and with its statistics and plotting modules
    deferred: the suite's verdicts and counts are the same as where GX was imported in full."""
    facts = _facts("一般公共预算支出预算表", FUNCTION_TABLE).with_columns(
        measure=pl.when(pl.col("measure") == "basic").then(pl.lit("basics")).otherwise("measure")
    )
    facts.write_parquet(tmp_path / "facts.parquet")
    run = subprocess.run(
        [sys.executable, "-c", VALIDATE_IN_A_NEW_PROCESS, str(tmp_path / "facts.parquet")],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    fresh = json.loads(run.stdout)
    here = validate_facts(facts)
    assert fresh["results"] == [
        [r.expectation, r.column, r.condition, r.success, r.unexpected_count] for r in here.results
    ]
    assert not all(r[3] for r in fresh["results"])
    assert fresh["sqlalchemy_imported"] is False
    assert fresh["deferred_not_run"] == [True, True]


def _altered(seed: Path, tmp_path: Path, name: str, printed: str, altered: str) -> Path:
    """A seed with one printed row altered, alone in an inbox folder."""
    path = tmp_path / "inbox" / name
    path.parent.mkdir()
    text = seed.read_text("utf-8")
    assert printed in text
    path.write_text(text.replace(printed, altered), "utf-8")
    return path


@pytest.fixture
def garbled_code_guiyang(tmp_path: Path) -> Path:
    return _altered(GUIYANG_SEED, tmp_path, "guiyang_garbled.txt", "2101301\t城乡医疗救助", "21013011\t城乡医疗救助")


def test_a_garbled_code_quarantines_its_row_and_the_rest_loads(tmp_path: Path, garbled_code_guiyang: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(garbled_code_guiyang.parent), "--warehouse", str(warehouse)]) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT status FROM dim_document").fetchall() == [("loaded",)]
    assert con.execute("SELECT count(*) FROM fct_budget_amount WHERE subject_code = '21013011'").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM fct_budget_amount").fetchone()[0] > 500
    quarantined = con.execute("SELECT message FROM stg_issue WHERE kind = 'quarantined_row'").fetchall()
    assert quarantined and all("21013011" in message for (message,) in quarantined)


@pytest.fixture
def absurd_amount_guiyang(tmp_path: Path) -> Path:
    """An amount no department budgets (10^12 万元): the unit or the reading of the file is wrong."""
    row = "2101301\t城乡医疗救助\t"
    return _altered(GUIYANG_SEED, tmp_path, "guiyang_absurd.txt", row + "423.00", row + "1000000000000.00")


def test_document_failing_the_suite_is_not_loaded_and_says_why(tmp_path: Path, absurd_amount_guiyang: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(absurd_amount_guiyang.parent), "--warehouse", str(warehouse)]) == 1
    con = duckdb.connect(str(warehouse), read_only=True)
    status, reason, facts_loaded = con.execute("SELECT status, reason, facts_loaded FROM dim_document").fetchone()
    assert status == "failed_validation" and facts_loaded == 0
    assert "guiyang_absurd.txt" in reason and "amount_wan" in reason
    assert con.execute("SELECT count(*) FROM fct_budget_amount").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM fct_performance_target").fetchone() == (0,)  # its 绩效目标 too
    failed = con.execute("SELECT column_name FROM stg_expectation_result WHERE NOT success").fetchall()
    assert failed == [("amount_wan",)]
    assert (tmp_path / "quality_docs" / "index.html").exists()


def test_a_data_docs_index_that_cannot_be_written_leaves_the_run_s_documents_recorded(
    tmp_path: Path, absurd_amount_guiyang: Path, capsys
) -> None:
    """The index is written last, after every document is in the warehouse: its failure is told, not raised."""
    warehouse = tmp_path / "w.duckdb"
    (tmp_path / "quality_docs" / "index.html").mkdir(parents=True)

    assert main(["ingest", str(absurd_amount_guiyang.parent), "--warehouse", str(warehouse)]) == 1

    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT status FROM dim_document").fetchall() == [("failed_validation",)]
    assert con.execute("SELECT count(*) FROM stg_expectation_result WHERE NOT success").fetchone() == (1,)
    error = capsys.readouterr().err
    assert (
        "Data Docs index" in error
        and str(tmp_path / "quality_docs") in error
        and "the next run writes the index again" in error
    )


@pytest.mark.parametrize(("abroad", "expected"), [("1.00", []), ("1.10", [("prior_year_budget", Decimal("3.10"))])])
def test_a_three_public_table_printing_its_years_as_rows_is_checked_row_by_row(
    abroad: str, expected: list[tuple[str, Decimal]]
) -> None:
    rows = [
        ["项目", "合计", "因公出国(境)费", "公务用车购置及运行费", "", "", "公务接待费"],
        ["", "", "", "小计", "购置费", "运行费", ""],
        ["2024年预算数", "3.00", abroad, "1.50", "0.00", "1.50", "0.50"],
        ["2025年预算数", "2.80", "1.00", "1.30", "0.00", "1.30", "0.50"],
    ]
    findings = consistency_findings(_facts("“三公”经费预算表", rows), "")
    assert findings.select("measure", "expected").rows() == expected
