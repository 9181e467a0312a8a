"""Header meaning and row normalization on small tables shaped like real disclosures."""

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import polars as pl
import pytest

from expectations.ocr_gate import gate_ocr_facts
from expectations.rules import default_rules
from extractors import ExtractedDocument
from extractors.model import OcrCell, RawTable
from factory.pdf import DisclosurePdf, Grid
from tests.tables import raw_table
from transforms.facts import HELD_BACK_ROWS, DocumentContext, budget_facts
from transforms.tables import classify_tables, resolve_columns, split_header

Extract = Callable[[bytes], ExtractedDocument]
CONTEXT = DocumentContext("doc", 2025, "322", "苍溪县医疗保障局", "510824")


def facts_of(title: str, rows: list[list[str]], unit: str | None = "万元") -> pl.DataFrame:
    facts = budget_facts(classify_tables([raw_table(rows, title=title, unit=unit)], CONTEXT.fiscal_year), CONTEXT).facts
    return facts


def measures(rows: list[list[str]]) -> list[str | None]:
    header, data = split_header(raw_table(rows).rows)
    return [c.measure for c in resolve_columns(header, data, 2025)]


def test_grouped_header_gives_each_column_its_measure() -> None:
    rows = [
        ["科目编码", "单位(科目)名称", "总计", "基本支出", "", "", "项目支出", "", ""],
        ["", "", "", "小计", "人员经费", "公用经费", "小计", "本级资金项目支出", "上级资金项目支出"],
        ["2101301", "城乡医疗救助", "423.00", "0.00", "0.00", "0.00", "423.00", "423.00", "0.00"],
    ]
    assert measures(rows) == [
        None,
        None,
        "total",
        "basic",
        "personnel",
        "public_operating",
        "project",
        "project_own_level",
        "project_upper_level",
    ]


def test_unreadable_total_heading_over_the_first_amount_column_is_the_total() -> None:
    rows = [
        ["利日伯司", "单位(科目)名称", "光江.", "总计", "", "", "项目支出"],
        ["科目编码", "单位(科目)名称", "思订", "小计", "人员经费", "公用经费", "小计"],
        ["2101301", "城乡医疗救助", "423.00", "0.00", "0.00", "0.00", "423.00"],
    ]
    assert measures(rows)[2:] == ["total", "basic", "personnel", "public_operating", "project"]


def test_an_unreadable_heading_over_amounts_a_neighbour_exceeds_is_no_total_nor_a_year_alone() -> None:
    """A scan of a final account's fund table with 年初结转和结余 and 年末结转和结余 read as noise:
    the first column (12.00 beside 75.50) was loaded as the total, and 本年支出 > 小计, beside no
    period the vocabulary knew, as the total too. Each is left out, or keeps its year."""
    rows = [
        ["项目", "", "T4nI+++Tn4+A", "本年收入", "本年支出", "", "", "+1+++n1+A"],
        ["科目编码", "科目名称", "十ヤTH示", "", "小计", "基本支出", "项目支出", "十小ヤT示"],
        ["2120803", "城市基础设施配套费安排的支出", "12.00", "80.00", "75.50", "", "75.50", "16.50"],
    ]
    assert measures(rows)[2:] == [None, "current_year", "current_year", "basic", "project", None]
    assert measures([[row[0], row[1], *row[3:7]] for row in rows])[2:] == ["current_year", "total", "basic", "project"]


def test_subtotals_of_period_groups_take_the_period() -> None:
    rows = [
        ["", "", "本年收入", "", "", "上年结转结余", "", ""],
        ["部门(单位)名称", "收入总计", "合计", "财政拨款收入", "单位资金收入", "合计", "财政拨款收入", "单位资金收入"],
        ["某局", "10.00", "8.00", "8.00", "0.00", "2.00", "2.00", "0.00"],
    ]
    header, data = split_header(raw_table(rows).rows)
    columns = resolve_columns(header, data, 2025)
    assert [(c.measure, c.period) for c in columns[1:]] == [
        ("total", None),
        ("current_year", None),
        ("fiscal_appropriation", "current_year"),
        ("unit_funds", "current_year"),
        ("carry_over", None),
        ("fiscal_appropriation", "carry_over"),
        ("unit_funds", "carry_over"),
    ]


def test_top_level_heji_without_grand_total_is_the_row_total() -> None:
    rows = [
        ["项目", "", "合计", "当年财政拨款安排", "上年结转安排"],
        ["科目编码", "单位名称(科目)", "", "", ""],
        ["2101502", "一般行政管理事务", "52.00", "", "52.00"],
    ]
    assert measures(rows)[2:] == ["total", "current_year", "carry_over"]


def test_split_code_columns_join_and_unit_codes_are_kept_apart() -> None:
    facts = facts_of(
        "部门支出总表",
        [
            ["项 目", "", "", "", "", "合计", "基本支出", "项目支出"],
            ["科目编码", "", "", "单位代码", "单位名称(科目)", "", "", ""],
            ["类", "款", "项", "", "", "", "", ""],
            ["", "", "", "", "合 计", "1,054.21", "533.46", "520.75"],
            ["", "", "", "322001", "苍溪县医疗保障局", "1,054.21", "533.46", "520.75"],
            ["210", "11", "02", "322001", "事业单位医疗", "8.70", "8.69", ""],
        ],
    )
    row = facts.filter(pl.col("subject_code") == "2101102")
    assert row.select("measure", "amount_wan").rows() == [("total", Decimal("8.70")), ("basic", Decimal("8.69"))]
    assert row["department_code"].unique().to_list() == ["322001"]
    assert row["subject_scheme"].unique().to_list() == ["function"]
    kinds = facts.unique("source_position", maintain_order=True)["row_kind"].to_list()
    assert kinds == ["total", "unit", "subject"]
    assert facts.filter(pl.col("row_kind") == "total")["subject_name"].unique().to_list() == ["合计"]


@pytest.mark.parametrize("heading", ["单位编码", "部门编码", "单位代码"])
def test_a_units_code_column_ending_like_a_subject_code_heading_codes_units(heading: str) -> None:
    """单位编码 ends like 科目编码: read as the subject code, a department coded 101 loaded as revenue
    class 101 (税收收入)."""
    facts = facts_of(
        "收入预算总表",
        [
            [heading, "单位名称", "合计", "一般公共预算拨款"],
            ["", "合计", "150.00", "120.00"],
            ["101", "江苏省某某厅", "150.00", "120.00"],
            ["101001", "江苏省某某厅本级", "100.00", "90.00"],
            ["101002", "江苏省某某中心", "50.00", "30.00"],
        ],
    )
    rows = facts.unique("source_position", maintain_order=True)
    assert rows.select("row_kind", "subject_code").rows() == [("total", None), *[("unit", None)] * 3]


@pytest.mark.parametrize("heading", ["占比(%)", "比重", "增幅", "项目编号"])
def test_shares_growth_and_reference_numbers_are_no_amounts(heading: str) -> None:
    """A share of the total, a growth rate printed without its % sign, or a project's reference
    number: skipped, neither loaded nor reported as a column not understood (which counts the
    table as partly read)."""
    rows = [["科目编码", "科目名称", "金额", heading], ["201", "一般公共服务支出", "80.00", "80.00"]]
    read = budget_facts(classify_tables([raw_table(rows, title="一般公共预算支出预算表")], 2025), CONTEXT)
    assert read.facts.select("measure", "amount_wan").rows() == [("total", Decimal("80.00"))]
    assert not read.issues


def test_blank_cells_yield_no_fact_and_zero_cells_do() -> None:
    facts = facts_of(
        "一般公共预算支出预算表",
        [["科目编码", "科目名称", "合计", "基本支出", "项目支出"], ["2101301", "城乡医疗救助", "397.00", "0.00", ""]],
    )
    assert facts.select("measure", "amount_wan").rows() == [
        ("total", Decimal("397.00")),
        ("basic", Decimal("0.00")),
    ]


def test_full_code_printed_beside_its_class_wins() -> None:
    facts = facts_of(
        "一般公共预算基本支出预算表",
        [
            ["科目编码", "", "项目", "单位名称(科目)", "合计", "人员经费", "公用经费"],
            ["类", "款", "", "", "", "", ""],
            ["301", "02", "3010201", "93年工改保留补贴", "2.84", "2.84", ""],
            ["", "", "302", "商品和服务支出", "48.13", "", "48.13"],
        ],
    )
    assert facts["subject_code"].unique(maintain_order=True).to_list() == ["3010201", "302"]
    assert facts["subject_name"][0] == "93年工改保留补贴"
    assert set(facts["measure"]) == {"basic", "personnel", "public_operating"}


_UNHEADED_ROWS = [
    (["201", "一般公共服务支出"], ["100.00", "80.00", "20.00"]),
    (["20101", "人大事务"], ["100.00", "80.00", "20.00"]),
    (["2010101", "行政运行"], ["80.00", "80.00", ""]),
    (["2010102", "一般行政管理事务"], ["20.00", "", "20.00"]),
]


@pytest.mark.parametrize(
    "labels",
    [
        [label for label, _ in _UNHEADED_ROWS],
        [["201", "", ""], ["201", "01", ""], ["201", "01", "01"], ["201", "01", "02"]],
    ],
    ids=["one code column", "code over three columns"],
)
def test_a_table_read_without_its_header_takes_its_codes_from_the_codes(labels: list[list[str]]) -> None:
    """A grid whose heading was lost (left on the page before, or unread) prints codes the amounts
    must not swallow: 201 is no amount of 201.00."""
    names = [label[-1] for label, _ in _UNHEADED_ROWS]
    rows = [
        [*codes, *([names[i]] if len(codes) == 3 else []), *amounts]
        for i, (codes, (_, amounts)) in enumerate(zip(labels, _UNHEADED_ROWS, strict=True))
    ]
    facts = facts_of("一般公共预算支出预算表", rows)
    totals = facts.filter(pl.col("measure") == "total")
    assert totals["subject_code"].to_list() == ["201", "20101", "2010101", "2010102"]
    assert totals["subject_name"].to_list() == names
    assert totals["amount_wan"].to_list() == [Decimal(a) for a in ("100.00", "100.00", "80.00", "20.00")]


@pytest.mark.parametrize("heading", ["科目编号", "利日伯司"], ids=["a heading the vocabulary lacks", "OCR-garbled"])
def test_codes_under_a_heading_not_understood_are_codes(heading: str) -> None:
    rows = [[heading, "科目名称", "合计", "基本支出", "项目支出"]]
    rows += [[codes[0], codes[1], *amounts] for codes, amounts in _UNHEADED_ROWS]
    facts = facts_of("一般公共预算支出预算表", rows)
    totals = facts.filter(pl.col("measure") == "total")
    assert totals["subject_code"].to_list() == ["201", "20101", "2010101", "2010102"]
    assert totals["amount_wan"].to_list() == [Decimal(a) for a in ("100.00", "100.00", "80.00", "20.00")]


def test_codes_whose_heading_was_not_read_beside_their_class_column_are_codes() -> None:
    """贵阳's 科目编码 prints 类 | 款: the class (302) in one column, the whole code (30299) in the
    next. Scanned small, OCR lost the 款 heading; 30299 was loaded as an amount of 30,299 万元."""
    facts = facts_of(
        "一般公共预算基本支出预算表",
        [
            ["科目编码", "", "单位(科目)名称", "基本支出", "", ""],
            ["类", "", "", "小计", "人员经费", "公用经费"],
            ["", "", "贵阳市医疗保障局", "63.37", "16.86", "46.51"],
            ["302", "", "商品和服务支出", "54.67", "16.86", "37.81"],
            ["", "30299", "其他商品和服务支出", "7.79", "0.00", "7.79"],
            ["", "30201", "办公费", "46.88", "16.86", "30.02"],
            ["303", "", "对个人和家庭的补助", "8.70", "", "8.70"],
            ["", "30302", "退休费", "8.70", "", "8.70"],
        ],
    )
    basic = facts.filter(pl.col("measure") == "basic")
    assert basic["subject_code"].to_list() == [None, "302", "30299", "30201", "303", "30302"]
    assert basic["amount_wan"].to_list() == [Decimal(a) for a in ("63.37", "54.67", "7.79", "46.88", "8.70", "8.70")]


def test_a_level_column_printing_codes_without_their_zero_is_codes_when_its_heading_was_not_read() -> None:
    """万里's 基本支出 table prints 类 | 款 as 301 | 01, and 301 | 2 for 30102. Scanned at 0.65, OCR
    lost the 款 heading; the column was not taken for codes, and its rows' amounts loaded under 301."""
    facts = facts_of(
        "一般公共预算基本支出预算表",
        [
            ["经济分类科目编码", "", "经济分类科目名称", "合计", "人员经费", "公用经费"],
            ["类", "", "", "", "", ""],
            ["301", "", "工资福利支出", "88,282,511", "88,282,511", "0"],
            ["301", "01", "基本工资", "5,873,551", "5,873,551", "0"],
            ["301", "2", "津贴补贴", "16,623,810", "16,623,810", "0"],
            ["301", "7", "绩效工资", "11,447,100", "11,447,100", "0"],
            ["301", "99", "其他工资福利支出", "54,338,050", "54,338,050", "0"],
        ],
        unit="元",
    )
    total = facts.filter(pl.col("measure") == "basic")
    assert total["subject_code"].to_list() == ["301", "30101", "30102", "30107", "30199"]


def test_a_scanned_row_coded_by_its_class_alone_takes_the_code_the_catalogue_gives_its_name() -> None:
    """万里's 基本支出 table printed at 0.65: OCR lost the 款 heading, the 款 column was no code column,
    and 基本工资, 津贴补贴 ... loaded under 301. A scanned row whose code the catalogue names otherwise,
    and whose name it gives to one code under it, has that code; as printed, a row keeps its code."""
    table = raw_table(
        [
            ["科目编码", "科目名称", "合计"],
            ["301", "工资福利支出", "30.00"],
            ["301", "基本工资", "10.00"],
            ["301", "津贴补贴", "20.00"],
            ["302", "行政运行", "0.00"],
        ],
        title="一般公共预算基本支出预算表",
    )
    read = _budget(scanned(table))
    assert read.facts["subject_code"].to_list() == ["301", "30101", "30102", "302"]
    assert [i.kind for i in read.issues] == ["repaired_code", "repaired_code"]
    assert _budget(table).facts["subject_code"].to_list() == ["301", "301", "301", "302"]


@pytest.mark.parametrize(
    "header", [[], [["项目", "行欢", "金额", "项目", "行次", "金额"]]], ids=["none", "OCR-garbled"]
)
def test_a_column_numbering_the_rows_is_no_amount(header: list[list[str]]) -> None:
    """A final account's 行次 (1, 2, 3 ... on each side), read without its heading, counts rows."""
    rows = [
        ["一、一般公共预算财政拨款收入", "1", "100.00", "一、一般公共服务支出", "4", "80.00"],
        ["二、事业收入", "2", "", "二、教育支出", "5", "20.00"],
        ["本年收入合计", "3", "100.00", "本年支出合计", "6", "100.00"],
    ]
    facts = facts_of("收入支出决算总表", [*header, *rows])
    assert facts.select("side", "subject_name", "amount_wan").rows() == [
        ("income", "一般公共预算财政拨款收入", Decimal("100.00")),
        ("expenditure", "一般公共服务支出", Decimal("80.00")),
        ("expenditure", "教育支出", Decimal("20.00")),
        ("income", "本年收入合计", Decimal("100.00")),
        ("expenditure", "本年支出合计", Decimal("100.00")),
    ]


def test_an_unheaded_column_of_whole_yuan_is_money_even_where_one_figure_opens_another() -> None:
    facts = facts_of(
        "一般公共预算支出预算表",
        [["一般公共服务支出", "100", "12"], ["人大事务", "10000", "35"], ["合计", "10100", "47"]],
        unit="元",
    )
    assert facts.filter(pl.col("measure") == "total")["amount_printed"].to_list() == ["100", "10000", "10100"]


def test_two_sided_table_splits_income_and_expenditure() -> None:
    facts = facts_of(
        "部门收支总表",
        [
            ["收 入", "", "支 出", ""],
            ["项 目", "预算数", "项 目", "预算数"],
            ["一、一般公共预算拨款收入", "1,002.21", "八、社会保障和就业支出", "54.47"],
            ["七、上年结转", "52.00", "十、卫生健康支出", "952.33"],
            ["收 入 总 计", "1,054.21", "支 出 总 计", "1,054.21"],
        ],
    )
    got = facts.select("side", "subject_scheme", "subject_code", "subject_name", "row_kind", "amount_wan").rows()
    assert got == [
        ("income", "revenue", None, "一般公共预算拨款收入", "item", Decimal("1002.21")),
        ("expenditure", "function", "208", "社会保障和就业支出", "subject", Decimal("54.47")),
        ("income", "revenue", None, "上年结转", "item", Decimal("52.00")),
        ("expenditure", "function", "210", "卫生健康支出", "subject", Decimal("952.33")),
        ("income", "revenue", None, "收入总计", "total", Decimal("1054.21")),
        ("expenditure", "function", None, "支出总计", "total", Decimal("1054.21")),
    ]


def scanned(table: RawTable) -> RawTable:
    """The table as OCR reads it, every printed cell read surely."""
    ocr = (replace(r, ocr=tuple(OcrCell(c, 0.99, (0, 0, 1, 1)) for c in r.cells if c)) for r in table.rows)
    return replace(table, rows=tuple(ocr))


def _summary_spending(spent: list[tuple[str, str]]) -> RawTable:
    """A 部门收支总表 whose 本年支出 is the `spent` rows' sum, beside an income of as much."""
    total = f"{sum(Decimal(amount) for _, amount in spent):.2f}"
    rows = [
        ["项目", "预算数", "项目", "预算数"],
        ["一、本年收入", total, "一、本年支出", total],
        *(["", "", name, amount] for name, amount in spent),
        ["收入总计", total, "支出总计", total],
    ]
    return raw_table(rows, title="部门收支总表")


def _spent_codes(table: RawTable) -> list[str | None]:
    return _budget(table).facts.filter(pl.col("side") == "expenditure")["subject_code"].to_list()


def test_a_scanned_class_name_one_character_short_is_that_class() -> None:
    """贵阳 printed at 0.8 read 三、国防支出 as 三.防支出: an item, not 203, its 一、本年支出 then summed
    its two 类 above it alone, and none of the table's 37 amounts loaded. Only a scan is read so:
    a printed name is what it says."""
    table = _summary_spending([("二、外交支出", "1.00"), ("三.防支出", "2.00"), ("育支出", "0.00"), ("预备", "0.00")])
    assert _spent_codes(scanned(table)) == [None, "202", "203", "205", None, None]
    assert _spent_codes(table) == [None, "202", None, None, None, None]


def test_a_scanned_class_name_with_one_character_misread_is_that_class() -> None:
    """A character read as another (国访支出, 教肓支出) leaves the row an item, and the 本年支出 above it
    no longer adds up, as one lost did (三.防支出). 外防支出 is one off 外交支出 and 国防支出 alike."""
    table = _summary_spending([("二、国访支出", "1.00"), ("三、教肓支出", "2.00"), ("外防支出", "3.00")])
    assert _spent_codes(scanned(table)) == [None, "203", "205", None, None]
    assert _spent_codes(table) == [None] * 5


def test_a_scanned_name_near_a_class_but_no_class_is_held_back_on_its_side_alone() -> None:
    """Worn 贵阳 read 一.一般公共服务支出 as 股公共服务支出 (two characters off it, three off 公共安全支出)
    and loaded its 0.00 as an item of that name; 外防支出 is one off 外交支出 and 国防支出 alike. Each
    counts in the sums but loads nothing, while the income printed beside it loads. 经营支出 is two
    off 其他支出, too short a name to doubt."""
    rows = [
        ["收入", "预算数", "支出", "预算数"],
        ["一、本年收入", "6.00", "一、本年支出", "6.00"],
        ["一般公共预算拨款收入", "6.00", "股公共服务支出", "0.00"],
        ["", "", "外防支出", "2.00"],
        ["", "", "经营支出", "4.00"],
        ["收入总计", "6.00", "支出总计", "6.00"],
    ]
    table = raw_table(rows, title="部门收支总表")
    read = _budget(scanned(table))
    doubted = [(i.kind, i.position, i.side) for i in read.issues]
    assert doubted == [("ocr_label_doubtful", f"page 1, row {n}", "expenditure") for n in (3, 4)]
    held = [(i.page, i.position, i.side) for i in read.issues if i.kind in HELD_BACK_ROWS]
    gated = gate_ocr_facts(read.facts, default_rules(), "budget", held)
    assert gated.issues == []
    rows_read = gated.facts.filter(pl.col("source_position").is_in([f"page 1, row {n}" for n in (3, 4, 5)]))
    loaded = [("income", "一般公共预算拨款收入"), ("expenditure", "经营支出")]
    assert rows_read.select("side", "subject_name").rows() == loaded
    assert _budget(table).issues == []


def test_a_scanned_line_keeps_its_name_without_the_numerals_ocr_left_unpunctuated() -> None:
    """苍溪 under salt-and-pepper noise read (一)一般公共预算拨款收入 as 一一般公共预算拨款收入 and filed
    its 1,002.21 under that name. Only numerals before a line the vocabulary knows go, and only on
    a scan: 三公经费 and 一般公共预算拨款收入 as printed keep theirs."""
    rows = [
        ["收入", "预算数", "支出", "预算数"],
        ["一、本年收入", "3.00", "一、本年支出", "3.00"],
        ["一一般公共预算拨款收入", "2.00", "(一)外交支出", "3.00"],
        ["二事业收入", "1.00", "", ""],
        ["一般公共预算拨款收入", "2.00", "", ""],
        ["三公经费", "0.00", "二十年终结转结余", "0.00"],
        ["收入总计", "3.00", "支出总计", "3.00"],
    ]
    table = raw_table(rows, title="部门收支总表")
    names = ["本年收入", "一般公共预算拨款收入", "事业收入", "一般公共预算拨款收入", "三公经费", "收入总计"]
    income = pl.col("side") == "income"
    read = _budget(scanned(table)).facts
    assert read.filter(income)["subject_name"].to_list() == names
    assert read.filter(~income)["subject_name"].to_list() == ["本年支出", "外交支出", "年终结转结余", "支出总计"]
    printed = _budget(table).facts
    assert printed.filter(income)["subject_name"].to_list()[1:3] == ["一一般公共预算拨款收入", "二事业收入"]
    assert "二十年终结转结余" in printed["subject_name"].to_list()


def test_brackets_whose_numeral_was_lost_enumerate_nothing() -> None:
    """贵阳 scanned 1-bit read (八)财政专户管理资金收入 as ()财政专户管理资金收入, and filed its 0.00 under
    that name: brackets left empty before a name are an enumeration whose numeral was lost."""
    rows = [
        ["收入", "预算数", "支出", "预算数"],
        ["一、本年收入", "3.00", "一、本年支出", "3.00"],
        ["(一)一般公共预算拨款收入", "3.00", "(一)外交支出", "3.00"],
        ["()财政专户管理资金收入", "0.00", "（）国防支出", "0.00"],
        ["收入总计", "3.00", "支出总计", "3.00"],
    ]
    facts = _budget(scanned(raw_table(rows, title="部门收支总表"))).facts
    names = facts.filter(pl.col("source_position") == "page 1, row 4")["subject_name"].to_list()
    assert names == ["财政专户管理资金收入", "国防支出"]


def test_a_scanned_row_named_by_one_character_counts_in_its_sums_but_is_held_back() -> None:
    """贵阳 printed at 0.65 read its department's row of the 基本支出 table as 画, and loaded 371.27
    under that name: no row prints a name so short, so OCR read none."""
    rows = [
        ["单位名称", "合计", "基本支出", "项目支出"],
        ["合计", "30.00", "20.00", "10.00"],
        ["画", "20.00", "15.00", "5.00"],
        ["苍溪县医保中心", "10.00", "5.00", "5.00"],
    ]
    table = raw_table(rows, title="部门支出总表")
    read = _budget(scanned(table))
    held = [(i.page, i.position, i.side) for i in read.issues if i.kind in HELD_BACK_ROWS]
    assert [(i.kind, i.position) for i in read.issues] == [("ocr_label_unread", "page 1, row 3")]
    gated = gate_ocr_facts(read.facts, default_rules(), "budget", held)
    assert gated.facts["source_position"].unique(maintain_order=True).to_list() == ["page 1, row 2", "page 1, row 4"]
    assert gated.issues == []
    assert _budget(table).issues == []


def test_a_scanned_unit_row_naming_the_department_one_character_off_is_the_department() -> None:
    """贵阳 printed at 0.65 read its unit row 贵阳市医疗保障局 as 治阳市医疗保障局: loaded as an item of
    that name, its 1,954.47 was filed under no unit. A name whose last character, the kind of body,
    differs names another unit, and a printed name is what it says."""
    rows = [
        ["单位名称", "合计", "基本支出", "项目支出"],
        ["合计", "30.00", "20.00", "10.00"],
        ["治溪县医疗保障局", "20.00", "15.00", "5.00"],
        ["苍溪县医疗保障所", "6.00", "3.00", "3.00"],
        ["苍溪县医保局", "4.00", "2.00", "2.00"],
    ]
    table = raw_table(rows, title="部门支出总表")
    read = _budget(scanned(table))
    rows_read = read.facts.unique("source_position", maintain_order=True)
    assert rows_read.select("row_kind", "subject_name", "row_label").rows() == [
        ("total", "合计", "合计"),
        ("unit", "苍溪县医疗保障局", "治溪县医疗保障局"),
        ("item", "苍溪县医疗保障所", "苍溪县医疗保障所"),
        ("item", "苍溪县医保局", "苍溪县医保局"),
    ]
    assert [(i.kind, i.position) for i in read.issues] == [("repaired_label", "page 1, row 3")]
    printed = _budget(table).facts.unique("source_position", maintain_order=True)
    assert printed["row_kind"].to_list() == ["total", "item", "item", "item"]


@pytest.mark.parametrize("tail", ["：", "(万元)"])
def test_side_totals_with_a_colon_or_unit_after_them_still_split_the_sides(tail: str) -> None:
    """项目 | 金额 | 项目 | 金额 prints no side labels: the 收入总计 left of the 支出总计 tells the sides."""
    facts = facts_of(
        "部门收支总表",
        [
            ["项目", "金额", "项目", "金额"],
            ["一、一般公共预算拨款", "100.00", "一、一般公共服务支出", "100.00"],
            [f"收入总计{tail}", "100.00", f"支出总计{tail}", "100.00"],
        ],
    )
    assert facts.select("side", "row_kind").rows() == [
        ("income", "item"),
        ("expenditure", "subject"),
        ("income", "total"),
        ("expenditure", "total"),
    ]


def test_three_public_costs_by_year_columns() -> None:
    facts = facts_of(
        '2025年财政拨款"三公"经费支出预算表',
        [
            [
                "单位(项目)名称",
                '2024年财政拨款"三公"经费预算支出',
                '2025年财政拨款"三公"经费预算支出',
                "增减变化额",
                "变化率",
            ],
            ["二、公务接待费", "1.20", "1.00", "-0.20", "-16.67%"],
        ],
    )
    assert facts.select("subject_scheme", "subject_name", "measure", "amount_wan").rows() == [
        ("item", "公务接待费", "prior_year_budget", Decimal("1.20")),
        ("item", "公务接待费", "total", Decimal("1.00")),
        ("item", "公务接待费", "change_from_prior_year", Decimal("-0.20")),
    ]


def test_three_public_costs_with_one_column_per_item() -> None:
    facts = facts_of(
        "一般公共预算“三公”经费支出预算表",
        [
            ["单位编码", "单位名称(科目)", "当年财政拨款预算安排", "", "", "", "", ""],
            ["", "", "合计", "因公出国(境)费用", "公务用车购置及运行费", "", "", "公务接待费"],
            ["", "", "", "", "小计", "公务用车购置费", "公务用车运行费", ""],
            ["322001", "苍溪县医疗保障局", "1.60", "", "0.30", "", "0.30", "1.30"],
        ],
    )
    # 当年 qualifies nothing in a table that prints no other period
    got = facts.select("subject_name", "measure", "period", "amount_wan").rows()
    assert got == [
        ("苍溪县医疗保障局", "total", None, Decimal("1.60")),
        ("公务用车购置及运行费", "total", None, Decimal("0.30")),
        ("公务用车运行费", "total", None, Decimal("0.30")),
        ("公务接待费", "total", None, Decimal("1.30")),
    ]


def test_tables_in_yuan_are_converted_and_keep_their_unit() -> None:
    facts = facts_of(
        "一般公共预算支出预算表",
        [["科目编码", "科目名称", "合计"], ["2101301", "城乡医疗救助", "4,000,000.00"]],
        unit="元",
    )
    assert facts.select("amount_wan", "amount_printed", "source_unit").row(0) == (
        Decimal("400.00"),
        "4,000,000.00",
        "元",
    )


def test_a_cell_printing_its_own_unit_or_currency_is_read_in_that_unit() -> None:
    """Web pages and Word tables print 12.50万元 or ￥1,200.00 in their cells; such a table used to
    load none of them (each was a malformed_amount)."""
    read = budget_facts(
        classify_tables(
            [
                raw_table(
                    [
                        ["科目编码", "科目名称", "合计", "基本支出"],
                        ["2101301", "城乡医疗救助", "12.50万元", "￥30,000.00"],
                    ],
                    title="一般公共预算支出预算表",
                    unit="元",
                )
            ],
            CONTEXT.fiscal_year,
        ),
        CONTEXT,
    )
    assert read.issues == []
    assert read.facts.select("measure", "amount_wan", "amount_printed", "source_unit").rows() == [
        ("total", Decimal("12.50"), "12.50万元", "万元"),
        ("basic", Decimal("3.00"), "￥30,000.00", "元"),
    ]


@pytest.mark.parametrize("cell", ["1,954.", "12.3.4", "9" * 40, "1" + "0" * 15 + ".00"])
def test_malformed_amounts_are_reported_not_guessed(cell: str) -> None:
    """More whole digits than any budget prints is no amount either (40 nines used to stop the
    document's normalization, losing every other fact)."""
    tables = classify_tables(
        [
            raw_table(
                [["科目编码", "科目名称", "合计"], ["2101301", "城乡医疗救助", cell]], title="一般公共预算支出预算表"
            )
        ],
        CONTEXT.fiscal_year,
    )
    read = budget_facts(tables, CONTEXT)
    facts, issues = read.facts, read.issues
    assert facts.is_empty()
    assert [(i.kind, i.position) for i in issues] == [("malformed_amount", "page 1, row 2")]


def test_an_amount_the_warehouse_cannot_hold_is_reported_and_the_rest_loads() -> None:
    """13 whole digits in 亿元 are 10^16 万元, past DECIMAL(18, 2): before, building the facts failed
    and took the whole document with it."""
    rows = [
        ["科目编码", "科目名称", "合计"],
        ["2010101", "行政运行", "9" * 13],
        ["2010102", "一般行政管理事务", "5.00"],
    ]
    tables = classify_tables([raw_table(rows, title="一般公共预算支出预算表", unit="亿元")], CONTEXT.fiscal_year)

    read = budget_facts(tables, CONTEXT)

    assert read.facts["amount_wan"].to_list() == [Decimal("50000.00")]
    assert [(i.kind, i.position) for i in read.issues] == [("malformed_amount", "page 1, row 2")]


def _budget(*tables):
    return budget_facts(classify_tables(list(tables), CONTEXT.fiscal_year), CONTEXT)


def test_a_wide_table_printed_down_then_over_takes_its_row_labels_in_order() -> None:
    """Pages 1-2 print codes, names and the first columns; a '（续）' page prints the rest, unlabelled."""
    left = raw_table(
        [["科目编码", "科目名称", "合计"], ["201", "一般公共服务支出", "30.00"], ["20101", "人大事务", "30.00"]],
        title="一般公共预算支出预算表",
    )
    more_left = raw_table([["2010101", "行政运行", "30.00"]], title=None, after_table=True, page=2)
    right = raw_table(
        [["基本支出", "项目支出"], ["20.00", "10.00"], ["20.00", "10.00"], ["20.00", "10.00"]],
        title="一般公共预算支出预算表（续）",
        page=3,
    )
    read = _budget(left, more_left, right)
    assert read.issues == [] and read.amount_cells == {0: 9}
    over = read.facts.filter(pl.col("page") == 3).select("subject_code", "measure", "amount_wan").rows()
    assert over == [
        ("201", "basic", Decimal("20.00")),
        ("201", "project", Decimal("10.00")),
        ("20101", "basic", Decimal("20.00")),
        ("20101", "project", Decimal("10.00")),
        ("2010101", "basic", Decimal("20.00")),
        ("2010101", "project", Decimal("10.00")),
    ]


def test_a_total_row_whose_label_spans_the_code_columns_continues_its_table() -> None:
    table = raw_table(
        [["类", "款", "项", "科目名称", "合计", "基本支出"], ["201", "01", "01", "行政运行", "5.00", "5.00"]],
        title="一般公共预算支出预算表",
    )
    last_page = raw_table([["合计", "5.00", "5.00"]], title=None, after_table=True, page=2)
    read = _budget(table, last_page)
    totals = read.facts.filter(pl.col("row_kind") == "total").select("measure", "column_index").rows()
    assert totals == [("total", 4), ("basic", 5)]
    assert read.amount_cells == {0: 4}


def test_a_lost_leading_zero_is_mended_and_a_garbled_class_quarantined() -> None:
    rows = [
        ["类", "款", "科目名称", "合计"],
        ["301", "2", "津贴补贴", "16.00"],
        ["7", "11", "行政单位医疗", "3.00"],
        ["302", "01", "办公费", "1.00"],
    ]
    read = _budget(raw_table(rows, title="一般公共预算基本支出预算表"))
    assert read.facts["subject_code"].to_list() == ["30102", "30201"]
    assert [(i.kind, i.position) for i in read.issues] == [
        ("repaired_code", "page 1, row 2"),
        ("quarantined_row", "page 1, row 3"),
    ]
    assert read.amount_cells == {0: 3}


def test_levels_merged_over_the_rows_they_head_are_taken_from_the_code_above() -> None:
    """A 类 (and 款) cell merged down over the rows it heads prints once: a row printing only its
    款 or 项 is coded under the code above it. A 项 under a row coded to its 类 alone cannot be."""
    rows = [
        ["类", "款", "项", "科目名称", "合计"],
        ["208", "", "", "社会保障和就业支出", "9.00"],
        ["", "05", "", "行政事业单位养老支出", "9.00"],
        ["", "", "05", "机关事业单位基本养老保险缴费支出", "6.00"],
        ["", "", "06", "机关事业单位职业年金缴费支出", "3.00"],
        ["210", "", "", "卫生健康支出", "2.00"],
        ["", "", "11", "行政单位医疗", "2.00"],
    ]
    read = _budget(raw_table(rows, title="一般公共预算支出预算表"))
    assert read.facts["subject_code"].to_list() == ["208", "20805", "2080505", "2080506", "210"]
    assert [(i.kind, i.position) for i in read.issues] == [("quarantined_row", "page 1, row 7")]

    rows = [
        ["类", "款", "单位代码", "单位名称(科目)", "合计"],
        ["301", "01", "322001", "基本工资", "1.00"],
        ["", "02", "322001", "津贴补贴", "2.00"],
        ["302", "01", "322001", "办公费", "3.00"],
        ["", "11", "322001", "差旅费", "4.00"],
    ]
    read = _budget(raw_table(rows, title="一般公共预算基本支出预算表"))
    assert read.facts["subject_code"].to_list() == ["30101", "30102", "30201", "30211"]
    assert read.issues == []

    # A scan's blank 类 may be one OCR missed: the catalogue's name, not the row above, says it.
    read = _budget(scanned(raw_table(rows, title="一般公共预算基本支出预算表")))
    assert read.facts["subject_code"].to_list() == ["30101", "30102", "30201", "30211"]
    assert [(i.kind, i.position) for i in read.issues] == [
        ("repaired_code", "page 1, row 3"),
        ("repaired_code", "page 1, row 5"),
    ]


def test_a_scanned_code_read_blank_is_the_one_the_catalogue_gives_its_name() -> None:
    """贵阳 printed at 0.8 read 30111's cell as nothing: 公务员医疗补助缴费 became an item, 301 fell
    9.00 short of its parts, and the table loaded none of its amounts. A printed blank stays blank,
    and so does a name the catalogue gives several codes or none."""
    rows = [
        ["科目编码", "科目名称", "合计"],
        ["301", "工资福利支出", "10.00"],
        ["", "公务员医疗补助缴费", "9.00"],
        ["", "行政运行", "1.00"],
        ["", "某某局", "10.00"],
        ["", "基本工资(30101)", "1.00"],
        ["30102 津贴补贴", "", "1.00"],
    ]
    table = raw_table(rows, title="一般公共预算基本支出预算表")
    read = _budget(scanned(table))
    assert read.facts["subject_code"].to_list() == ["301", "30111", None, None, "30101", "30102"]
    assert [(i.kind, i.position) for i in read.issues] == [("repaired_code", "page 1, row 3")]
    assert _budget(table).facts["subject_code"].to_list() == ["301", None, None, None, "30101", "30102"]


_BASIC = "一般公共预算基本支出预算表"


@pytest.mark.parametrize(
    ("levels", "name", "title", "coded"),
    [
        (("302", ""), "差旅费", _BASIC, "30211"),
        (("302", "H1"), "差旅费", _BASIC, "30211"),  # speckle made the 款 11 H1 (上海 sfj, seed 158)
        (("302", ""), "商品和服务支出", _BASIC, None),  # a 类's row prints no 款
        (("302", "H1"), "商品和服务支出", _BASIC, None),  # the name is 302's: what reads as a 款 is noise
        (("", "11"), "差旅费", _BASIC, "30211"),
        (("", "11"), "邮电费", _BASIC, "11"),  # the 款 read names another subject: left as read
        (("", "05"), "行政事业单位养老支出", "一般公共预算支出预算表", "20805"),
        (("", "01"), "房屋建筑物购建", _BASIC, "01"),  # 30901 and 31001 alike
        (("210", "13", ""), "医疗救助", "一般公共预算支出预算表", None),  # a 款's row prints no 项
        (("210", "13", ""), "县医保局城乡医疗救助(2025)", "一般公共预算项目支出预算表", "unread"),
        (("210", "13", "H1"), "县医保局城乡医疗救助(2025)", "一般公共预算项目支出预算表", "unread"),
    ],
)
def test_a_scanned_code_level_ocr_did_not_read_is_the_one_the_catalogue_names_the_row(
    levels: tuple[str, ...], name: str, title: str, coded: str | None
) -> None:
    """`coded`: the code given the row, where it is not the one read; a code read as a 款 alone is
    no code, and the row is quarantined; a 项 left unread under a name the catalogue does not know
    leaves the row's code unread: it counts in the sums, and is held back."""
    header = [*("类", "款", "项")[: len(levels)], "科目名称", "合计"]
    read = _budget(_scanned([header, [*levels, name, "1.00"]], title, page=1))
    if coded == "unread":
        assert [i.kind for i in read.issues] == ["ocr_code_unread"]
    elif coded and len(coded) > 2:
        assert read.facts["subject_code"].to_list() == [coded]
        assert [i.kind for i in read.issues] == ["repaired_code"]
        assert f"OCR read its code cells as {' | '.join(v or '(blank)' for v in levels)}" in read.issues[0].message
    elif coded:
        assert (read.facts.height, [i.kind for i in read.issues]) == (0, ["quarantined_row"])
    else:
        assert (read.facts["subject_code"].to_list(), read.issues) == (["".join(filter(str.isdigit, levels))], [])


def test_a_scanned_code_missing_a_level_between_two_read_is_held_back_not_joined() -> None:
    """苍溪's 一般公共预算项目支出预算表 printed at 0.65 and scanned with σ 25 noise read 210 | 13 | 01
    as 210 | | 01, under a project's name the catalogue does not know. Joined, the levels read made
    21001, a 款 the table does not print, and its 397.00 loaded under it. The row below, 2100102 by
    its levels, looks like 21001's child, which settles a code only misread, not one missing a level."""
    header = ["类", "款", "项", "单位名称(科目)", "金额"]
    rows = [header, ["210", "", "01", "县医保局城乡医疗救助(2025)", "397.00"], ["210", "01", "02", "项目", "1.00"]]
    read = _budget(_scanned(rows, "一般公共预算项目支出预算表", page=1))
    assert read.facts["subject_code"].to_list() == ["21001", "2100102"]  # counted in the sums
    assert [(i.kind, i.position) for i in read.issues] == [("ocr_code_unread", "page 1, row 2")]
    assert "code cells read by OCR as 210 | (blank) | 01" in read.issues[0].message


def test_a_scanned_row_whose_code_reads_doubtfully_is_said_to() -> None:
    """No sum checks a code: 贵阳 scanned with σ 25 noise read 2080505 as 2080503 at 0.97, every sum
    still closed, and the row's amounts loaded under a subject the table does not print."""
    printed = [
        ("208", "社会保障和就业支出", "9.00"),
        ("20805", "行政事业单位养老支出", "9.00"),
        ("2080503", "机关事业单位基本养老保险缴费支出", "6.00"),
        ("2080506", "机关事业单位职业年金缴费支出", "3.00"),
    ]
    rows = [["科目编码", "科目名称", "合计"], *([code, name, amount] for code, name, amount in printed)]
    read = _budget(_scanned(rows, "一般公共预算支出预算表", page=1, doubtful="2080503"))
    assert read.facts["subject_code"].to_list() == ["208", "20805", "2080503", "2080506"]  # for the sums
    assert [(i.kind, i.position) for i in read.issues] == [("ocr_code_doubtful", "page 1, row 4")]
    assert "code 2080503 read by OCR with confidence 0.97" in read.issues[0].message


def _scanned(rows: list[list[str]], title: str, page: int, doubtful: str | None = None) -> RawTable:
    """The table as OCR reads it: every cell sure but the `doubtful` code, read at 0.97."""
    table = raw_table(rows, title=title, page=page)

    def read(cell: str) -> OcrCell:
        return OcrCell(cell, 0.97 if cell == doubtful else 0.999, (0, 0, 1, 1))

    return replace(table, rows=tuple(replace(r, ocr=tuple(map(read, filter(None, r.cells)))) for r in table.rows))


_PENSION = "机关事业单位基本养老保险缴费支出"


@pytest.mark.parametrize(
    ("read_as", "elsewhere", "settled"),
    [
        ("2080505", [("2080505", _PENSION)], True),
        ("2080503", [("2080505", _PENSION)], False),
        ("2080505", [], False),
        # one name, two codes elsewhere: the name cannot say which the row prints
        ("2080505", [("2080505", _PENSION), ("2080599", _PENSION)], False),
    ],
)
def test_a_doubtful_code_is_settled_by_sure_readings_of_its_name_elsewhere_giving_only_it(
    read_as: str, elsewhere: list[tuple[str, str]], settled: bool
) -> None:
    header = ["科目编码", "科目名称", "合计"]
    doubtful = [header, ["20805", "行政事业单位养老支出", "9.00"], [read_as, _PENSION, "9.00"]]
    other = [header, ["20805", "行政事业单位养老支出", "9.00"], *([code, name, "9.00"] for code, name in elsewhere)]
    read = _budget(
        _scanned(other, "一般公共预算基本支出预算表", page=1),
        _scanned(doubtful, "一般公共预算支出预算表", page=2, doubtful=read_as),
    )
    assert read_as in read.facts.filter(pl.col("page") == 2)["subject_code"].to_list()
    held_back = [(i.kind, i.position) for i in read.issues]
    assert held_back == ([] if settled else [("ocr_code_doubtful", "page 2, row 3")])


@pytest.mark.parametrize(
    ("read_as", "name", "settled"),
    [
        ("30103", "奖金", True),
        ("30108", "奖金", False),  # 3 read as 8: the catalogue names 30108 otherwise
        ("30103", "公务员年度绩效奖", False),  # a line of the county's own under 30103
        ("30901", "房屋建筑物购建", False),  # the catalogue gives the name to 31001 too
    ],
)
def test_a_doubtful_code_is_settled_where_the_catalogue_names_only_it_as_printed(
    read_as: str, name: str, settled: bool
) -> None:
    rows = [["科目编码", "科目名称", "合计"], ["301", "工资福利支出", "5.00"], [read_as, name, "5.00"]]
    read = _budget(_scanned(rows, "一般公共预算基本支出预算表", page=1, doubtful=read_as))
    assert [i.kind for i in read.issues] == ([] if settled else ["ocr_code_doubtful"])


@pytest.mark.parametrize(
    ("read_as", "child_read_as", "child_doubtful", "settled"),
    [
        ("21208", "2120803", False, True),
        ("21207", "2120803", False, False),
        ("21208", "2120803", True, False),
    ],
)
def test_a_doubtful_code_is_settled_by_the_sure_child_printed_below_it(
    read_as: str, child_read_as: str, child_doubtful: bool, settled: bool
) -> None:
    """The catalogue does not list the 款 21208: only its child can settle it."""
    rows = [
        ["科目编码", "科目名称", "合计"],
        [read_as, "国有土地使用权出让收入安排的支出", "75.50"],
        [child_read_as, "城市基础设施配套费安排的支出", "75.50"],
    ]
    table = _scanned(rows, "一般公共预算支出预算表", page=1, doubtful=read_as)
    if child_doubtful:
        ocr = tuple(replace(c, confidence=0.97) if c.text == child_read_as else c for c in table.rows[2].ocr)
        table = replace(table, rows=(*table.rows[:2], replace(table.rows[2], ocr=ocr)))
    read = _budget(table)
    held = {i.position for i in read.issues if i.kind == "ocr_code_doubtful"}
    assert held == (set() if settled else {"page 1, row 2"}) | ({"page 1, row 3"} if child_doubtful else set())


def test_a_merged_level_printed_below_the_rows_it_heads_is_not_guessed_from_the_rows_above() -> None:
    """Ruled by rows only, a 类 merged over three rows prints in the middle one: the first row's
    code would not follow the code above it, so that row is left out and reported, not coded 30101."""
    rows = [
        ["类", "款", "科目名称", "合计"],
        ["301", "01", "基本工资", "1.00"],
        ["301", "99", "其他工资福利支出", "2.00"],
        ["", "01", "办公费", "3.00"],
        ["302", "02", "印刷费", "4.00"],
        ["", "05", "水费", "5.00"],
    ]
    read = _budget(raw_table(rows, title="一般公共预算基本支出预算表"))
    assert read.facts["subject_code"].to_list() == ["30101", "30199", "30202", "30205"]
    assert [(i.kind, i.position) for i in read.issues] == [("quarantined_row", "page 1, row 4")]


def test_a_class_cell_merged_down_a_printed_table_codes_the_rows_it_spans(extract: Extract) -> None:
    grid = Grid(
        rows=[
            ["类", "款", "科目名称", "合计"],
            ["301", "01", "基本工资", "1.00"],
            [None, "02", "津贴补贴", "2.00"],
            [None, "07", "绩效工资", "3.00"],
            ["302", "01", "办公费", "4.00"],
        ],
        widths=[14, 14, 40, 25],
        spans={(1, 0): (3, 1)},
    )
    printed = DisclosurePdf().page().line("一般公共预算基本支出预算表").line("单位：万元").table(grid).bytes()
    tables = classify_tables(list(extract(printed).tables), CONTEXT.fiscal_year)
    read = budget_facts(tables, CONTEXT)
    assert read.facts.select("subject_code", "amount_wan").rows() == [
        ("30101", Decimal("1.00")),
        ("30102", Decimal("2.00")),
        ("30107", Decimal("3.00")),
        ("30201", Decimal("4.00")),
    ]


@pytest.mark.parametrize(
    "printed",
    [
        "[201]一般公共服务支出",
        "【201】一般公共服务支出",
        "[201] 一般公共服务支出",
        " [201]一般公共服务支出",
        "（201）一般公共服务支出",
        "(201)一般公共服务支出",
    ],
)
def test_a_code_printed_in_brackets_before_its_name_is_its_code(printed: str) -> None:
    facts = facts_of("一般公共预算支出预算表", [["科目名称", "合计"], [printed, "3.00"]])
    assert facts.select("subject_code", "subject_name").rows() == [("201", "一般公共服务支出")]
    facts = facts_of("一般公共预算基本支出预算表", [["科目编码", "科目名称", "合计"], ["[30101]", "基本工资", "1.00"]])
    assert facts.select("subject_code", "subject_name").rows() == [("30101", "基本工资")]


@pytest.mark.parametrize("printed", ["201-01-01 行政运行", "201-01-01行政运行", "201-01-01", "（2010101）行政运行"])
def test_a_code_printed_in_dashed_segments_or_round_brackets_is_its_code(printed: str) -> None:
    facts = facts_of("一般公共预算支出预算表", [["科目", "合计"], [printed, "3.00"]])
    assert facts["subject_code"].to_list() == ["2010101"]


@pytest.mark.parametrize(
    ("printed", "code", "name"),
    [
        ("行政运行(2010101)", "2010101", "行政运行"),
        ("行政运行 （2010101）", "2010101", "行政运行"),
        ("一般公共服务支出[201]", "201", "一般公共服务支出"),
        ("人大事务【20101】", "20101", "人大事务"),
    ],
)
def test_a_code_printed_in_brackets_after_its_name_is_its_code(printed: str, code: str, name: str) -> None:
    facts = facts_of("一般公共预算支出预算表", [["科目名称", "合计"], [printed, "3.00"]])
    assert facts.select("subject_code", "subject_name").rows() == [(code, name)]
    facts = facts_of("一般公共预算基本支出预算表", [["科目名称", "合计"], ["基本工资(30101)", "1.00"]])
    assert facts.select("subject_code", "subject_name").rows() == [("30101", "基本工资")]


@pytest.mark.parametrize("printed", ["城乡医疗救助项目(2025001)", "信息化运维(2024)", "培训(100)", "第(1)批"])
def test_a_number_after_a_name_that_no_catalogue_class_starts_is_part_of_the_name(printed: str) -> None:
    """A project's number (2025001: no 类 202 50) or a year in brackets names the row, as printed."""
    read = _budget(raw_table([["项目名称", "合计"], [printed, "3.00"]], title="项目支出预算表"))
    assert read.facts.select("subject_code", "subject_name").rows() == [(None, printed)]


def test_a_code_column_wins_over_a_code_repeated_after_the_name_and_a_blank_one_does_not() -> None:
    rows = [
        ["科目编码", "科目名称", "合计"],
        ["2010101", "行政运行(2010101)", "3.00"],
        ["", "一般行政管理事务(2010102)", "1.00"],
    ]
    assert facts_of("一般公共预算支出预算表", rows).select("subject_code", "subject_name").rows() == [
        ("2010101", "行政运行(2010101)"),
        ("2010102", "一般行政管理事务"),
    ]


def test_a_name_opening_with_a_year_names_its_row() -> None:
    """2025年法治宣传项目 prints a year, not a code: its amounts load under it. A row labelled by a
    year and a measure alone (2024年预算数: years printed as rows) over columns that name measures of
    their own (基本支出, 项目支出) is left out and said so."""
    rows = [
        ["项目分类", "功能科目编码", "功能科目名称", "项目名称", "合计"],
        ["特定目标类", "2040101", "行政运行", "2025年法治宣传项目", "200.00"],
        ["其他运转类", "2040101", "行政运行", "2025年度信息系统运维", "100.00"],
    ]
    read = _budget(raw_table(rows, title="项目支出预算表"))
    assert read.facts.select("subject_code", "subject_name").rows() == [
        ("2040101", "2025年法治宣传项目"),
        ("2040101", "2025年度信息系统运维"),
    ]
    assert read.issues == []

    rows = [["项目", "合计", "基本支出", "项目支出"], ["2024年预算数", "3.00", "1.00", "2.00"]]
    read = _budget(raw_table(rows, title="一般公共预算支出预算表"))
    assert read.facts.is_empty()
    assert [(i.kind, i.message.split(":")[0]) for i in read.issues] == [
        ("quarantined_row", "row '2024年预算数' names a measure, not a subject, over columns that name their own")
    ]


def test_years_printed_as_rows_over_items_printed_as_columns_give_the_items_their_measure() -> None:
    """A "三公" table turned round: the items head the columns and each row names what its amounts
    report (the year before's budget, this year's, the change); before, all were loaded as `total`."""
    rows = [
        ["项目", "合计", "因公出国(境)费", "公务用车购置及运行费", "公务接待费"],
        ["2024年预算数", "3.00", "1.00", "1.50", "0.50"],
        ["本年预算数", "2.80", "1.00", "1.30", "0.50"],
        ["增减额", "-0.20", "0.00", "-0.20", "0.00"],
        ["增减率", "-6.67%", "0.00%", "-13.33%", "0.00%"],
    ]
    read = _budget(raw_table(rows, title="一般公共预算“三公”经费支出预算表"))
    assert read.issues == []
    by_measure = read.facts.group_by("measure", maintain_order=True).agg("subject_name", "amount_wan")
    assert by_measure.rows() == [
        (
            "prior_year_budget",
            [None, "因公出国(境)费", "公务用车购置及运行费", "公务接待费"],
            [Decimal(v) for v in ("3.00", "1.00", "1.50", "0.50")],
        ),
        (
            "total",
            [None, "因公出国(境)费", "公务用车购置及运行费", "公务接待费"],
            [Decimal(v) for v in ("2.80", "1.00", "1.30", "0.50")],
        ),
        (
            "change_from_prior_year",
            [None, "因公出国(境)费", "公务用车购置及运行费", "公务接待费"],
            [Decimal(v) for v in ("-0.20", "0.00", "-0.20", "0.00")],
        ),
    ]
    assert set(read.facts["row_kind"]) == {"measure"}
    assert read.facts["row_label"].unique(maintain_order=True).to_list() == ["2024年预算数", "本年预算数", "增减额"]


@pytest.mark.parametrize(
    "printed", ["2010101-行政运行", "2010101：行政运行", "2010101．行政运行", "201 01 01 行政运行", "201.01.01行政运行"]
)
def test_a_code_and_name_in_one_cell_are_told_apart_however_separated(printed: str) -> None:
    facts = facts_of("一般公共预算支出预算表", [["科目", "合计"], [printed, "3.00"]])
    assert facts.select("subject_code", "subject_name").rows() == [("2010101", "行政运行")]
    facts = facts_of("一般公共预算支出预算表", [["科目编码", "科目名称", "合计"], ["201.01.01", "行政运行", "3.00"]])
    assert facts.select("subject_code", "subject_name").rows() == [("2010101", "行政运行")]


def test_a_part_printed_under_its_whole_is_named_without_its_of_which() -> None:
    rows = [
        ["项目", "预算数"],
        ["一、一般公共预算拨款收入", "10.00"],
        ["其中：教育收费", "2.00"],
        ["收入总计", "10.00"],
    ]
    read = _budget(raw_table(rows, title="部门收入总表"))
    assert read.facts.select("subject_name", "row_label").rows() == [
        ("一般公共预算拨款收入", "一、一般公共预算拨款收入"),
        ("教育收费", "其中：教育收费"),
        ("收入总计", "收入总计"),
    ]


def test_figures_printed_a_cell_left_of_their_headings_take_those_headings() -> None:
    rows = [["", "合计", "", "基本支出", "", "项目支出", ""], ["30.00", "", "20.00", "", "10.00", "", ""]]
    read = _budget(raw_table(rows, title="支出预算总表"))
    assert read.facts.select("measure", "amount_wan").rows() == [
        ("total", Decimal("30.00")),
        ("basic", Decimal("20.00")),
        ("project", Decimal("10.00")),
    ]


def test_project_table_rows_are_named_by_their_project_and_every_amount_is_project_spending() -> None:
    facts = facts_of(
        "项目支出预算表",
        [
            ["项目分类", "功能科目编码", "功能科目名称", "项目名称", "合计", "一般公共预算", "政府性基金"],
            ["", "", "", "合计", "300.00", "250.00", "50.00"],
            ["特定目标类", "2101301", "城乡医疗救助", "城乡医疗救助资金", "200.00", "150.00", "50.00"],
            ["其他运转类", "2101301", "城乡医疗救助", "救助系统运维", "100.00", "100.00", ""],
        ],
    )
    rows = facts.filter(pl.col("row_kind") == "subject").select("subject_code", "subject_name", "measure", "amount_wan")
    assert facts["table_type"].unique().to_list() == ["project_expenditure"]
    assert rows.rows() == [
        ("2101301", "城乡医疗救助资金", "project", Decimal("200.00")),
        ("2101301", "城乡医疗救助资金", "general_budget", Decimal("150.00")),
        ("2101301", "城乡医疗救助资金", "government_fund", Decimal("50.00")),
        ("2101301", "救助系统运维", "project", Decimal("100.00")),
        ("2101301", "救助系统运维", "general_budget", Decimal("100.00")),
    ]


def test_a_general_budget_project_table_totals_its_rows_as_project_spending() -> None:
    facts = facts_of(
        "一般公共预算项目支出预算表",
        [["科目编码", "项目名称", "金额"], ["", "合计", "56.00"], ["2101506", "医保管理专项业务经费", "56.00"]],
    )
    assert facts.select("row_kind", "measure", "amount_wan").rows() == [
        ("total", "project", Decimal("56.00")),
        ("subject", "project", Decimal("56.00")),
    ]


def test_a_row_printing_no_name_is_named_by_its_other_text() -> None:
    facts = facts_of("项目支出表", [["项目分类", "项目名称", "合计"], ["特定目标类", "", "80.00"]])
    assert facts.select("row_label", "measure", "amount_wan").rows() == [("特定目标类", "project", Decimal("80.00"))]


def test_unknown_tables_count_their_amounts_as_not_read() -> None:
    read = _budget(raw_table([["项目", "金额"], ["某事项", "1,234.50"], ["另一事项", "7.25"]], title="某某情况表"))
    assert read.facts.is_empty() and read.amount_cells == {0: 2}
    assert [i.kind for i in read.issues] == ["unknown_table"]


@pytest.mark.parametrize(
    "header",
    [
        [["本年收入", "", "本年支出", ""], ["项目", "预算数", "项目", "预算数"]],
        [["收入项目", "预算数", "支出项目", "预算数"]],
        [["收 入", "", "支 出", ""], ["项 目", "预算数", "项 目", "预算数"]],
        # 河北: a 序号 column before the sides, and a 栏次 row numbering the columns
        [["序号", "收入", "", "支出", ""], ["", "项 目", "预算数", "项 目", "预算数"], ["栏次", "1", "2", "3", "4"]],
    ],
)
def test_side_headings_of_every_layout_split_the_table(header: list[list[str]]) -> None:
    numbered = len(header[0]) == 5
    body = [["一、财政拨款收入", "10.00", "一、教育支出", "10.00"], ["收入总计", "10.00", "支出总计", "10.00"]]
    rows = [*header, *([str(n), *row] if numbered else row for n, row in enumerate(body, start=1))]
    facts = _budget(raw_table(rows, title="部门收支预算总表")).facts
    assert facts.select("side", "subject_code", "row_kind").rows() == [
        ("income", None, "item"),
        ("expenditure", "205", "subject"),
        ("income", None, "total"),
        ("expenditure", None, "total"),
    ]


def test_the_tables_own_fund_in_a_group_heading_qualifies_none_of_its_columns() -> None:
    facts = facts_of(
        "政府性基金预算支出表",
        [
            ["科目编码", "科目名称", "本年政府性基金预算支出", "", ""],
            ["", "", "合计", "基本支出", "项目支出"],
            ["2296002", "用于社会福利的彩票公益金支出", "50.00", "10.00", "40.00"],
        ],
    )
    assert facts.select("measure", "fund").rows() == [("total", None), ("basic", None), ("project", None)]


def test_procurement_rows_are_named_by_what_is_bought_and_quantities_are_no_amounts() -> None:
    read = _budget(
        raw_table(
            [
                ["预算单位", "采购项目", "数量", "计量单位", "预算金额"],
                ["合计", "", "", "", "45.00"],
                ["某县教育局", "台式计算机", "20", "台", "12.00"],
            ],
            title="政府采购预算表",
        )
    )
    assert read.facts.select("row_label", "amount_wan").rows() == [
        ("合计", Decimal("45.00")),
        ("台式计算机", Decimal("12.00")),
    ]
    assert read.issues == [] and read.amount_cells == {0: 2}


def test_a_column_of_words_under_a_spending_heading_names_and_does_not_pay() -> None:
    read = _budget(
        raw_table(
            [["项目名称", "服务类别", "预算金额"], ["合计", "", "80.00"], ["校园安保服务", "社会管理性服务", "80.00"]],
            title="政府购买服务预算表",
        )
    )
    assert read.facts.select("row_label", "measure", "amount_wan").rows() == [
        ("合计", "total", Decimal("80.00")),
        ("校园安保服务", "total", Decimal("80.00")),
    ]
    assert read.issues == []


def test_rows_that_count_things_are_no_amounts() -> None:
    rows = [
        ["项目", "2017年预算数"],
        ["一、支出合计", "250000"],
        ["1、公务接待费", "250000"],
        ["二、相关统计数", ""],
        ["1.因公出国(境)团组数(个)", "0"],
        ["2.公务接待人数(人)", "500"],
    ]
    read = _budget(raw_table(rows, title="部门“三公”经费预算情况表", unit="元"))
    assert read.facts.select("row_label", "amount_wan").rows() == [
        ("一、支出合计", Decimal("25.00")),
        ("1、公务接待费", Decimal("25.00")),
    ]
    assert read.amount_cells == {0: 2} and read.issues == []


def test_a_header_naming_income_columns_alone_is_one_sided() -> None:
    rows = [["科目名称", "合计", "财政拨款收入", "事业收入"], ["教育支出", "10.00", "10.00", ""]]
    assert _budget(raw_table(rows, title="部门收入预算总表")).facts["side"].to_list() == [None, None]


def test_three_public_items_keep_their_names_however_the_header_nests_budget_and_final() -> None:
    items_over_measures = facts_of(
        '财政拨款"三公"经费支出决算表',
        [
            ["合计", "", "因公出国(境)费", "", "公务用车购置及运行费", "", "", "", "", "", "公务接待费", ""],
            ["", "", "", "", "小计", "", "公务用车购置费", "", "公务用车运行费", "", "", ""],
            ["预算数", "决算数"] * 6,
            ["3.95", "2.10", "", "", "3.00", "1.50", "", "", "3.00", "1.50", "0.95", "0.60"],
        ],
    )
    measures_over_items = facts_of(
        '一般公共预算财政拨款"三公"经费支出决算表',
        [
            ["预算数", "", "", "", "决算数", "", "", ""],
            ["合计", "因公出国(境)费", "公务用车购置及运行费", "公务接待费"] * 2,
            [str(n) for n in range(1, 9)],
            ["3.95", "", "3.00", "0.95", "2.10", "", "1.50", "0.60"],
        ],
    )
    for facts in (items_over_measures, measures_over_items):
        read = {(r["subject_name"], r["measure"], r["amount_wan"]) for r in facts.iter_rows(named=True)}
        assert {(n, m, a) for n, m, a in read if n != "公务用车运行费"} == {
            (None, "total", Decimal("3.95")),
            (None, "final", Decimal("2.10")),
            ("公务用车购置及运行费", "total", Decimal("3.00")),
            ("公务用车购置及运行费", "final", Decimal("1.50")),
            ("公务接待费", "total", Decimal("0.95")),
            ("公务接待费", "final", Decimal("0.60")),
        }


def test_the_year_qualifies_spending_only_beside_carry_overs() -> None:
    header = [["科目编码", "科目名称", "本年支出", "", ""], ["", "", "小计", "基本支出", "项目支出"]]
    data = [["2010101", "行政运行", "50.00", "50.00", ""]]
    alone = facts_of("一般公共预算财政拨款支出决算表", [*header, ["栏次", "", "1", "2", "3"], *data])
    assert alone.select("measure", "period").rows() == [("total", None), ("basic", None)]

    fund_header = [
        ["科目编码", "科目名称", "年初结转和结余", "本年收入", "本年支出", "", "", "年末结转和结余"],
        ["", "", "", "", "小计", "基本支出", "项目支出", ""],
    ]
    fund = facts_of(
        "政府性基金预算财政拨款收入支出决算表",
        [*fund_header, ["2120803", "城市基础设施配套费安排的支出", "12.00", "80.00", "75.50", "", "75.50", "16.50"]],
    )
    assert fund.select("measure", "period").rows() == [
        ("carry_over", None),
        ("current_year", None),
        ("current_year", None),
        ("project", "current_year"),
        ("year_end_carry_forward", None),
    ]


def test_a_final_accounts_other_spending_columns_are_amounts() -> None:
    facts = facts_of(
        "支出决算表",
        [
            [
                "科目编码",
                "科目名称",
                "本年支出合计",
                "基本支出",
                "项目支出",
                "上缴上级支出",
                "经营支出",
                "对附属单位补助支出",
            ],
            ["2050201", "学前教育", "60.00", "30.00", "10.00", "5.00", "10.00", "5.00"],
        ],
    )
    assert facts["measure"].to_list() == [
        "total", "basic", "project", "upper_remittance", "operating_expenditure", "affiliated_subsidy"
    ]  # fmt: skip


def test_three_public_items_printed_for_two_years_keep_each_years_amount() -> None:
    facts = facts_of(
        '"三公"经费预算表',
        [
            ["项目", "因公出国(境)费", "", "公务接待费", ""],
            ["", "2024年预算数", "2025年预算数", "2024年预算数", "2025年预算数"],
            ["合计", "2.00", "1.50", "3.00", "2.80"],
        ],
    )
    assert facts.select("subject_name", "measure", "amount_wan").rows() == [
        ("因公出国(境)费", "prior_year_budget", Decimal("2.00")),
        ("因公出国(境)费", "total", Decimal("1.50")),
        ("公务接待费", "prior_year_budget", Decimal("3.00")),
        ("公务接待费", "total", Decimal("2.80")),
    ]


def test_three_public_subtotal_beside_meetings_and_training_is_named_and_the_years_operating_costs_kept() -> None:
    jiangsu = facts_of(
        '一般公共预算"三公"经费、会议费、培训费支出预算表',
        [
            ["合计", "“三公”经费", "", "", "", "", "", "会议费", "培训费"],
            ["", "小计", "因公出国(境)费", "公务用车购置及运行维护费", "", "", "公务接待费", "", ""],
            ["", "", "", "小计", "公务用车购置费", "公务用车运行维护费", "", "", ""],
            ["2,600.71", "767.60", "199.25", "183.60", "", "183.60", "384.75", "1,469.73", "363.38"],
        ],
    )
    assert jiangsu.select("subject_name", "amount_wan").rows()[:2] == [
        (None, Decimal("2600.71")),
        ('"三公"经费', Decimal("767.60")),
    ]
    shanghai = facts_of(
        '"三公"经费和机关运行经费预算表',
        [
            ["2025年“三公”经费预算数", "", "", "2025年机关运行经费预算数"],
            ["合计", "因公出国(境)费", "公务接待费", ""],
            ["47.91", "46.56", "1.35", "443.18"],
        ],
    )
    assert shanghai.select("subject_name", "measure").rows() == [
        (None, "total"),
        ("因公出国(境)费", "total"),
        ("公务接待费", "total"),
        (None, "operating_costs"),
    ]


def test_three_public_meetings_and_training_under_budget_and_final_keep_item_and_measure() -> None:
    items = ["合计", "“三公”经费", "", "", "", "", "", "会议费", "培训费"]
    parts = ["", "小计", "因公出国(境)费", "公务用车购置及运行费", "", "", "公务接待费", "", ""]
    cars = ["", "", "", "小计", "购置费", "运行费", "", "", ""]
    budget = ["30.00", "20.00", "5.00", "10.00", "", "10.00", "5.00", "4.00", "6.00"]
    final = ["25.00", "16.00", "3.00", "9.00", "", "9.00", "4.00", "3.00", "6.00"]
    facts = facts_of(
        "财政拨款“三公”经费、会议费、培训费支出决算表",
        [["预算数", *[""] * 8, "决算数", *[""] * 8], items * 2, parts * 2, cars * 2, budget + final],
    )
    read = {(r["subject_name"], r["measure"]): r["amount_wan"] for r in facts.iter_rows(named=True)}
    assert len(read) == facts.height == 16
    assert read[('"三公"经费', "total")] == Decimal("20.00") and read[('"三公"经费', "final")] == Decimal("16.00")
    assert read[("公务用车运行费", "final")] == Decimal("9.00") and read[("培训费", "total")] == Decimal("6.00")
    assert read[(None, "final")] == Decimal("25.00")


def test_budget_and_final_headings_over_basic_and_project_tell_their_parts_apart() -> None:
    facts = facts_of(
        "一般公共预算财政拨款支出决算表",
        [
            ["科目编码", "科目名称", "年初预算数", "", "", "决算数", "", ""],
            ["", "", "小计", "基本支出", "项目支出", "小计", "基本支出", "项目支出"],
            ["2010101", "行政运行", "50.00", "40.00", "10.00", "48.00", "39.00", "9.00"],
        ],
    )
    assert facts.select("measure", "period").rows() == [
        ("initial_budget", None),
        ("basic", "initial_budget"),
        ("project", "initial_budget"),
        ("final", None),
        ("basic", "final"),
        ("project", "final"),
    ]


def test_two_columns_read_with_one_meaning_are_reported() -> None:
    header = ["科目编码", "科目名称", "年初预算", "", "决算", ""]
    rows = [
        header,
        ["", "", "基本支出", "项目支出", "基本支出", "项目支出"],
        ["2010101", "行政运行", "4.00", "1.00", "3.00", "1.00"],
    ]
    read = _budget(raw_table(rows, title="一般公共预算财政拨款支出决算表"))
    assert [i.kind for i in read.issues] == []
    unread_stage = [["科目编码", "科目名称", "甲", "", "乙", ""], *rows[1:]]
    read = _budget(raw_table(unread_stage, title="一般公共预算财政拨款支出决算表"))
    assert [i.kind for i in read.issues] == ["same_meaning_columns", "same_meaning_columns"]
    assert "columns 3 '甲 / 基本支出' and 5 '乙 / 基本支出'" in read.issues[0].message


def test_a_final_accounts_business_spending_printed_as_an_institutions_is_its_business_spending() -> None:
    rows = [
        ["项目", "合计", "基本支出", "项目支出", "事业单位经营支出"],
        ["一、一般公共服务支出", "4.00", "2.00", "1.00", "1.00"],
    ]
    assert measures(rows)[1:] == ["total", "basic", "project", "operating_expenditure"]


def test_a_summary_heading_both_sides_alike_takes_its_sides_from_its_totals() -> None:
    """项目 | 金额 | 项目 | 金额 with no 收入 | 支出 row above: the row printing 收入总计 left of 支出总计
    says where the expenditure side starts."""
    rows = [
        ["项目", "金额", "项目", "金额"],
        ["一、一般公共预算拨款收入", "10.00", "一、一般公共服务支出", "10.00"],
        ["收入总计", "10.00", "支出总计", "10.00"],
    ]
    facts = facts_of("部门收支总表", rows)
    assert facts.select("side", "subject_scheme", "subject_name").rows() == [
        ("income", "revenue", "一般公共预算拨款收入"),
        ("expenditure", "function", "一般公共服务支出"),
        ("income", "revenue", "收入总计"),
        ("expenditure", "function", "支出总计"),
    ]


def test_a_heading_the_vocabulary_does_not_know_is_reported_not_lent_its_neighbours_meaning() -> None:
    """A department without 政府性基金 prints that column empty; the 其他资金 beside it is no fund of it."""
    rows = [
        ["项目名称", "合计", "一般公共预算拨款", "政府性基金", "其他资金"],
        ["法治宣传", "3.00", "3.00", "", ""],
        ["信息化运维", "2.00", "1.00", "", "1.00"],
    ]
    read = budget_facts(classify_tables([raw_table(rows, title="项目支出明细表")], 2025), CONTEXT)
    assert sorted(set(read.facts["measure"])) == ["general_budget", "project"]
    assert [i.kind for i in read.issues] == ["unknown_column"]
    assert "column 5 heading '其他资金' not understood; its 1 amounts are not loaded" in read.issues[0].message


def test_figures_printed_beside_their_unheaded_column_still_take_its_heading() -> None:
    rows = [
        ["科目编码", "科目名称", "合计", ""],
        ["201", "一般公共服务支出", "", "3.00"],
        ["20101", "人大事务", "", "1.00"],
    ]
    assert measures(rows)[2:] == ["total", "total"]


@pytest.mark.parametrize(
    ("fiscal_year", "headings", "expected"),
    [
        (2025, ["2024年预算数", "2025年预算数"], ["prior_year_budget", "total"]),
        (2025, ["上年预算数", "本年预算数"], ["prior_year_budget", "total"]),
        (2025, ["2024年预计执行数", "2025年预算数"], ["prior_year_execution", "total"]),
        (2025, ["上年预计执行数", "本年预算数"], ["prior_year_execution", "total"]),
        (2024, ["2024年预算数", "2024年决算数"], ["total", "final"]),
        (2024, ["2023年决算数", "2024年决算数"], ["prior_year_execution", "final"]),
        (
            2024,
            ["2024年年初预算数", "2024年调整预算数", "2024年决算数"],
            ["initial_budget", "adjusted_budget", "final"],
        ),
    ],
)
def test_a_heading_naming_a_year_keeps_what_it_says_of_that_year(
    fiscal_year: int, headings: list[str], expected: list[str]
) -> None:
    rows = [["项目", *headings], ["公务接待费", *(f"{n}.00" for n in range(1, len(headings) + 1))]]
    header, data = split_header(raw_table(rows).rows)
    assert [c.measure for c in resolve_columns(header, data, fiscal_year)][1:] == expected


def test_a_year_of_final_accounts_over_basic_and_project_is_their_stage() -> None:
    rows = [
        ["科目编码", "科目名称", "2024年决算数", "", ""],
        ["", "", "小计", "基本支出", "项目支出"],
        ["201", "一般公共服务支出", "3.00", "2.00", "1.00"],
    ]
    header, data = split_header(raw_table(rows).rows)
    columns = resolve_columns(header, data, 2024)[2:]
    assert [(c.measure, c.period) for c in columns] == [("final", None), ("basic", "final"), ("project", "final")]


def test_a_decrease_printed_in_parentheses_is_a_negative_amount() -> None:
    """Accounting formats print a negative as (0.20): a change from the year before, not a malformed cell."""
    rows = [["项目", "上年预算数", "本年预算数", "比上年增减"], ["公务接待费", "1.20", "1.00", "(0.20)"]]
    read = budget_facts(classify_tables([raw_table(rows, title="“三公”经费预算表")], 2025), CONTEXT)
    assert read.issues == []
    assert read.facts.select("measure", "amount_wan").rows()[-1] == ("change_from_prior_year", Decimal("-0.20"))


def test_columns_breaking_a_group_down_by_headings_it_does_not_know_are_reported_not_read_as_the_group() -> None:
    """项目支出 | 小计 | 商品和服务支出 | 资本性支出 (a final account's breakdown by economic class):
    before, each part was loaded as `project` again beside the 小计. A lone such column still takes
    its group's meaning."""
    rows = [
        ["科目编码", "科目名称", "合计", "基本支出", "项目支出", "", ""],
        ["", "", "", "", "小计", "商品和服务支出", "资本性支出"],
        ["20101", "人大事务", "10.00", "6.00", "4.00", "3.00", "1.00"],
    ]
    assert measures(rows)[2:] == ["total", "basic", "project", None, None]
    read = budget_facts(classify_tables([raw_table(rows, title="财政拨款支出决算明细表")], 2025), CONTEXT)
    assert read.facts["measure"].to_list() == ["total", "basic", "project"]
    assert [i.kind for i in read.issues] == ["unknown_column", "unknown_column"]
    alone = [["科目编码", "科目名称", "项目支出"], ["", "", "本级项目"], ["20101", "人大事务", "4.00"]]
    assert measures(alone)[2:] == ["project"]


def test_a_header_printed_again_inside_a_table_is_no_row_of_it() -> None:
    """Pages pasted into one sheet, or a text conversion, print the header again mid-table: its
    headings are neither amounts nor rows."""
    header = [
        ["功能分类科目编码", "功能分类科目名称", "一般公共预算支出", "", ""],
        ["", "", "合计", "基本支出", "项目支出"],
    ]
    rows = [
        *header,
        ["201", "一般公共服务支出", "30.00", "20.00", "10.00"],
        *header,
        ["20101", "人大事务", "30.00", "20.00", "10.00"],
        ["", "合计", "30.00", "20.00", "10.00"],
    ]
    table = classify_tables([raw_table(rows, title="一般公共预算支出功能分类预算表")], 2025)[0]
    normalized = budget_facts([table], CONTEXT)
    assert (list(normalized.issues), normalized.facts.height) == ([], 9)
