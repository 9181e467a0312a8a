import pytest

from tests.tables import raw_table
from transforms.tables import classify_table, classify_tables, resolve_columns, split_header


@pytest.mark.parametrize(
    ("title", "table_type", "scheme"),
    [
        ("2025年部门收支预算总表", "income_expenditure_summary", "function"),
        ("部门收支总表", "income_expenditure_summary", "function"),
        ("部门收入总表", "income_summary", "revenue"),
        ("2025年部门支出预算总表", "expenditure_summary", "function"),
        ("财政拨款收支预算总表", "fiscal_appropriation_summary", "function"),
        ("财政拨款支出预算表(部门经济分类科目)", "fiscal_appropriation_by_econ", "econ_dept"),
        ("2025年一般公共预算支出预算表", "general_budget_expenditure", "function"),
        ("2025年一般公共预算基本支出预算表(按部门预算经济科目)", "general_budget_basic_expenditure", "econ_dept"),
        ("2025年一般公共预算基本支出预算表(按政府预算经济科目)", "general_budget_basic_expenditure", "econ_gov"),
        ("一般公共预算财政拨款基本支出决算表", "general_budget_basic_expenditure", "econ_dept"),
        ("财政拨款基本支出预算表(经济科目)", "fiscal_appropriation_basic_expenditure", "econ_dept"),
        ("一般公共预算项目支出预算表", "general_budget_project_expenditure", "function"),
        ("一般公共预算财政拨款项目支出决算表", "general_budget_project_expenditure", "function"),
        ("一般公共预算“三公”经费支出预算表", "three_public_costs", "item"),
        ('2025年财政拨款"三公"经费支出预算表', "three_public_costs", "item"),
        ("政府性基金预算“三公”经费支出预算表", "government_fund_three_public_costs", "item"),
        ("2025年政府性基金预算支出预算表", "government_fund_expenditure", "function"),
        ("2025年国有资本经营预算支出预算表", "state_capital_expenditure", "function"),
        ("2025年政府采购预算表", "government_procurement", "item"),
        ("2025年市对下转移支付预算表", "transfer_payment", "function"),
        ("2025年部门整体支出绩效目标批复表", "performance_targets", "item"),
        ("部门预算项目支出绩效目标表(2025 年度)", "performance_targets", "item"),
    ],
)
def test_titles_classify_into_the_contract_vocabulary(title: str, table_type: str, scheme: str) -> None:
    assert classify_table(raw_table([["a"]], title=title)) == (table_type, scheme)


# Titles printed by real disclosures of other provinces (湖南, 云南, 甘肃, 江西, 河北, 广西 ...), budgets
# and final accounts: the national template's wordings and their local variants.
@pytest.mark.parametrize(
    ("title", "table_type"),
    [
        ("部门收支总体情况表", "income_expenditure_summary"),
        ("单位收支预算总体情况表", "income_expenditure_summary"),
        ("市政协收支总体情况表", "income_expenditure_summary"),
        ("收支决算总表", "income_expenditure_summary"),
        ("收入支出决算表", "income_expenditure_summary"),
        ("收入支出总表", "income_expenditure_summary"),
        ("2024年度部门决算收入支出总表", "income_expenditure_summary"),
        ("部门收入预算总体情况表", "income_summary"),
        ("2016 年收入预算表", "income_summary"),
        ("收入预算按单位分类汇总表", "income_summary"),
        ("部门支出总体情况表", "expenditure_summary"),
        ("部门支出预算表", "expenditure_summary"),
        ("支出预算按单位分类汇总表", "expenditure_summary"),
        ("财政拨款收支总体情况表", "fiscal_appropriation_summary"),
        ("财政预算拨款收支总体情况表", "fiscal_appropriation_summary"),
        ("2016 年财政拨款收支预算表", "fiscal_appropriation_summary"),
        ("财政拨款收入支出决算表", "fiscal_appropriation_summary"),
        ("财政拨款预算收支总表", "fiscal_appropriation_summary"),
        ("财政拨款预算表(部门经济分类科目)", "fiscal_appropriation_by_econ"),
        ("财政拨款安排的基本支出预算表", "fiscal_appropriation_basic_expenditure"),
        ("一般公共预算财政拨款收入支出决算表", "general_budget_expenditure"),
        ("一般公共预算拨款支出预算表", "general_budget_expenditure"),
        ("一般公共预算拨款基本支出预算表", "general_budget_basic_expenditure"),
        ("一般公共预算拨款项目支出预算表", "general_budget_project_expenditure"),
        ("政府性基金预算财政拨款收支决算表", "government_fund_expenditure"),
        ("国有资本经营支出预算表", "state_capital_expenditure"),
        ("国有资本经营预算预算支出表", "state_capital_expenditure"),
        ("2023年度一般公共预算及政府性基金财政拨款“三公”经费支出决算表", "three_public_costs"),
        ("财政拨款“三公”经费、会议费和培训费支出情况", "three_public_costs"),
        ("项目支出表", "project_expenditure"),
        ("部门项目支出预算表(其他运转类、特定目标类项目)", "project_expenditure"),
        ("上级补助项目支出预算表", "project_expenditure"),
        ("项目支出决算表", "project_expenditure"),
        ("部门基本支出预算表(人员类、运转类公用经费项目)", "basic_expenditure"),
        ("基本支出预算情况表", "basic_expenditure"),
        ("政府购买服务预算财政拨款明细表", "government_purchased_services"),
        ("政府购买服务决算公开情况表", "government_purchased_services"),
        ("财政专户管理资金预算支出表", "special_account_expenditure"),
        ("财政专户管理资金收入支出决算表", "special_account_expenditure"),
        ("部门管理转移支付表", "transfer_payment"),
        ("区对镇(街)转移支付项目支出预算表", "transfer_payment"),
        ("项目支出绩效自评表", "performance_evaluation"),
        ("2024年市本级部门项目支出绩效表", "performance_targets"),
        ("项目支出绩效目标表(本级下达)", "performance_targets"),
        ("新增资产配置表", "state_assets"),
        ("国有资产使用情况表", "state_assets"),
        ("收入预算汇总表", "income_summary"),
        ("支出预算汇总表", "expenditure_summary"),
        ("部门支出经济分类预算表", "expenditure_summary"),
        ("部门基本支出经济分类预算表", "basic_expenditure"),
        ("基本支出决算明细表", "basic_expenditure"),
        ("部门预算支出经济分类汇总表", "expenditure_summary"),
        ("项目支出明细表", "project_expenditure"),
        ("部门预算项目支出明细表", "project_expenditure"),
        ("机关运行经费情况表", "general_budget_operating_costs"),
        ("行政参公单位机关运行经费情况表", "general_budget_operating_costs"),
        ("财政拨款“三公”经费、行政参公单位机关运行经费情况表", "three_public_costs"),
    ],
)
def test_titles_of_other_provinces_classify(title: str, table_type: str) -> None:
    assert classify_table(raw_table([["a"]], title=title))[0] == table_type


def test_unknown_and_untitled_tables_are_kept_as_unknown() -> None:
    tables = classify_tables([raw_table([["序号", "预算单位名称"], ["1", "某局机关"]], title=None)], 2025)
    assert [(t.table_type, t.rows) for t in tables] == [(None, 2)]


def test_untitled_table_right_after_a_table_with_the_same_header_is_stitched() -> None:
    header = [["科目编码", "单位名称", "合计", "人员经费", "公用经费"]]
    first = raw_table([*header, ["30101", "基本工资", "1.00", "1.00", ""]], title="一般公共预算基本支出预算表")
    second = raw_table([*header, ["30201", "办公费", "2.00", "", "2.00"]], title=None, after_table=True, page=2)
    tables = classify_tables([first, second], 2025)
    assert len(tables) == 1
    assert tables[0].table_type == "general_budget_basic_expenditure"
    assert len(tables[0].segments) == 2


HEADER = ["科目编码", "科目名称", "合计"]


@pytest.mark.parametrize(
    ("title", "after_table", "again_header", "segments"),
    [
        ("一般公共预算支出预算表", True, HEADER, [2]),
        ("一般公共预算支出预算表", False, HEADER, [1, 1]),
        # a header of its own under the same title: another table
        ("一般公共预算支出预算表", True, ["科目编码", "科目名称", "基本支出"], [1, 1]),
        # forms printed one to a page under one title (a project each) hold no amounts to continue
        ("项目支出绩效目标表", True, HEADER, [1, 1]),
    ],
)
def test_a_segment_under_its_tables_heading_printed_again_is_stitched(
    title: str, after_table: bool, again_header: list[str], segments: list[int]
) -> None:
    """The extractor says whether the heading was printed again right above (`after_table`)."""
    first = raw_table([HEADER, ["201", "一般公共服务支出", "1.00"]], title=title)
    again_rows = [again_header, ["208", "社会保障和就业支出", "2.00"]]
    again = raw_table(again_rows, title=title, after_table=after_table, page=2)

    assert [len(t.segments) for t in classify_tables([first, again], 2025)] == segments


def test_the_heading_printed_again_after_a_page_without_header_still_continues_the_table() -> None:
    title = "一般公共预算支出预算表"
    first = raw_table([HEADER, ["201", "一般公共服务支出", "1.00"]], title=title)
    rows_only = raw_table([["20101", "人大事务", "1.00"]], title=None, after_table=True, page=2)
    again = raw_table([HEADER, ["208", "社会保障和就业支出", "2.00"]], title=title, after_table=True, page=3)

    assert [len(t.segments) for t in classify_tables([first, rows_only, again], 2025)] == [3]


def test_untitled_table_with_a_different_header_is_not_stitched() -> None:
    first = raw_table([["科目编码", "合计"], ["208", "1.00"]], title="一般公共预算支出预算表")
    second = raw_table([["序号", "预算单位名称"], ["1", "某局"]], title=None, after_table=True)
    assert len(classify_tables([first, second], 2025)) == 2


def test_unit_from_header_then_from_the_document_default() -> None:
    stated = raw_table([["项目", "金额"], ["x", "1.00"]], title="部门收支总表", unit="元")
    in_header = raw_table([["项目", "预算数(万元)"], ["x", "1.00"]], title="部门收入总表", unit=None)
    silent = raw_table([["项目", "预算数"], ["x", "1.00"]], title="部门支出总表", unit=None)
    units = [(t.unit, t.unit_source) for t in classify_tables([stated, in_header, silent], 2025)]
    assert units == [("元", "stated"), ("万元", "header"), ("元", "assumed")]


def test_column_numbers_and_row_numbers_of_final_accounts_are_no_amounts() -> None:
    rows = [
        ["项目", "行次", "年初预算数", "决算数"],
        ["栏次", "", "1", "2"],
        ["一、一般公共预算财政拨款收入", "1", "1,200.00", "1,180.50"],
    ]
    header, data = split_header(raw_table(rows).rows)
    columns = resolve_columns(header, data, 2024)

    assert [r.cells[0] for r in data] == ["一、一般公共预算财政拨款收入"]
    assert [(c.role, c.measure) for c in columns] == [
        ("name", None),
        ("skip", None),
        ("amount", "initial_budget"),
        ("amount", "final"),
    ]


@pytest.mark.parametrize(
    ("total_row", "data_from"),
    [
        (["合计", "", "9. 312.90"], "合计"),  # a scan's 9,312.90, its comma read as a point and a space
        (["合计", "", "9,312.90"], "合计"),
        (["合计", "2024年", "2025年"], "301"),  # headings
    ],
)
def test_a_total_row_beside_figures_read_as_no_amount_is_data(total_row: list[str], data_from: str) -> None:
    """js_rd printed at 0.8 and scanned at σ 25 (seed 204): as header, the 合计 row made its
    科目编码 column 科目编码 / 合计, a column of amounts, and 24 codes loaded as amounts (30101.00)."""
    rows = [["科目编码", "科目名称", "金额"], total_row, ["301", "工资福利支出", "6,481.41"]]
    header, data = split_header(raw_table(rows).rows)
    assert data[0].cells[0] == data_from
    if data_from == "合计":
        assert [c.role for c in resolve_columns(header, data, 2019)] == ["code", "name", "amount"]


def test_non_fiscal_money_and_changes_are_measures_of_their_own() -> None:
    """非财政拨款 contains 财政拨款 and 本年预算比上年预算增减 contains 本年: read by their words alone,
    the first would double the fiscal appropriation and the second load a change as the year's budget."""
    rows = [
        ["科目编码", "科目名称", "合计", "财政拨款", "非财政拨款", "纳入专户管理的非税收入", "比上年增减"],
        ["201", "一般公共服务支出", "10.00", "6.00", "4.00", "1.00", "-2.00"],
    ]
    header, data = split_header(raw_table(rows).rows)
    assert [c.measure for c in resolve_columns(header, data, 2025)][2:] == [
        "total",
        "fiscal_appropriation",
        "non_fiscal_appropriation",
        "special_account",
        "change_from_prior_year",
    ]

    rows = [
        ["项目", "2025年预算数", "2024年预算数", "本年预算比上年预算增减"],
        ["一、一般公共预算", "10.00", "8.00", "2.00"],
    ]
    header, data = split_header(raw_table(rows).rows)
    assert [c.measure for c in resolve_columns(header, data, 2025)][1:] == [
        "total",
        "prior_year_budget",
        "change_from_prior_year",
    ]
