"""Title, unit and continuation layouts of real provincial disclosures, against the PDF extractor.

Captions ruled into the grid, number labels, wrapped titles and fields, turned pages and bare
continuation pages, each in a generated PDF; then the 江苏 development files in shared/corpus/real.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Literal

import polars as pl
import pytest

from expectations.consistency import consistency_findings
from extractors import ExtractedDocument, extract_document
from extractors.textlayer import is_title, lines_unit
from factory.pdf import DisclosurePdf, Grid, wide_grid
from tests.conftest import REAL
from tests.tables import cells
from transforms.document import normalize_document

Extract = Callable[[bytes], ExtractedDocument]


def captioned(caption: str, height: float = 16) -> Grid:
    """A grid whose first row is one cell spanning it whole, as Excel exports of 江苏 print it."""
    return Grid(
        rows=[
            [caption, None, None],
            ["科目编码", "科目名称", "金额"],
            ["2010101", "行政运行", "1,054.21"],
        ],
        widths=[35, 45, 35],
        spans={(0, 0): (1, 3)},
        heights={0: height},
    )


def spending(*rows: list[str]) -> Grid:
    return wide_grid([["科目编码", "科目名称", "金额"], *(rows or [["2010101", "行政运行", "1,054.21"]])], 40)


def test_caption_cell_of_title_label_and_fields_is_split_into_its_lines(extract: Extract) -> None:
    doc = DisclosurePdf().page().table(captioned("收支预算总表\n公开表一\n部门：江苏省某某厅 单位：万元"))

    (table,) = extract(doc.bytes()).tables

    assert table.title == "收支预算总表"
    assert table.unit == "万元"
    assert table.context == ("公开表一", "部门:江苏省某某厅 单位:万元")
    assert cells(table) == [("科目编码", "科目名称", "金额"), ("2010101", "行政运行", "1,054.21")]
    assert [row.position for row in table.rows] == ["page 1, row 2", "page 1, row 3"]


@pytest.mark.parametrize(
    "page",
    [
        lambda doc: doc.line("收支预算总表").line("公开01表").line("部门：某厅 单位：万元").table(spending()),
        lambda doc: doc.line("公开01表").table(captioned("收支预算总表\n部门：某厅 单位：万元", 11)),
    ],
    ids=["label-line-after-title", "label-line-above-caption-cell"],
)
def test_number_label_is_not_the_title_and_starts_a_new_table(
    extract: Extract, page: Callable[[DisclosurePdf], DisclosurePdf]
) -> None:
    doc = DisclosurePdf().page().line("部门收入预算总表").line("单位：万元").table(spending())
    page(doc.page())

    first, second = extract(doc.bytes()).tables

    assert (second.title, second.unit, second.after_table) == ("收支预算总表", "万元", False)
    assert "公开01表" not in (first.title, second.title)


def test_title_wrapped_over_two_lines_is_one_title(extract: Extract) -> None:
    doc = DisclosurePdf().page().line("2025年部门一般公共预算基本支出部门预算经济分类").line("预算表")
    doc.line("编制部门：上海市普陀区某局").line("单位：元").table(spending(["30101", "基本工资", "12.00"]))

    (table,) = extract(doc.bytes()).tables

    assert table.title == "2025年部门一般公共预算基本支出部门预算经济分类预算表"
    assert (table.unit, table.context) == ("元", ("编制部门:上海市普陀区某局", "单位:元"))


def test_department_field_wrapped_over_two_grid_rows_is_one_line(extract: Extract) -> None:
    grid = Grid(
        rows=[
            ["部门名称：某某县医疗保", None, None],
            ["障局", None, "单位：万元"],
            ["科目编码", "科目名称", "金额"],
            ["2101101", "行政单位医疗", "8.96"],
        ],
        widths=[35, 45, 35],
        spans={(0, 0): (1, 3), (1, 0): (1, 2)},
    )
    doc = DisclosurePdf().page().line("公开07表").line("一般公共预算支出预算表（功能科目）").table(grid)

    (table,) = extract(doc.bytes()).tables

    assert table.title == "一般公共预算支出预算表(功能科目)"
    assert (table.unit, table.context) == ("万元", ("部门名称:某某县医疗保障局 单位:万元",))
    assert cells(table)[0] == ("科目编码", "科目名称", "金额")


def test_turned_and_upright_pages_mix_in_one_file(extract: Extract) -> None:
    doc = DisclosurePdf().page(footer="- 1 -").line("部门收支总表").line("单位：万元").table(spending())
    doc.page()
    with doc.turned():
        doc.table(captioned("一般公共预算支出预算表\n公开表七\n部门：某厅 单位：万元"))
    doc.page()
    with doc.turned():
        doc.line("- 3 -").table(spending(["2010102", "一般行政管理事务", "3.00"]))
    doc.page()
    with doc.turned():
        doc.line("三、财政拨款支出预算情况说明").line("2025年财政拨款支出预算1,054.21万元。")

    document = extract(doc.bytes())

    upright, turned, continued = document.tables
    assert (upright.page, upright.title) == (1, "部门收支总表")
    assert (turned.page, turned.title, turned.unit, turned.after_table) == (2, "一般公共预算支出预算表", "万元", False)
    assert cells(turned)[1] == ("2010101", "行政运行", "1,054.21")
    assert (continued.page, continued.title, continued.after_table) == (3, None, True)
    assert "三、财政拨款支出预算情况说明\n2025年财政拨款支出预算1,054.21万元。" in document.text


@pytest.mark.parametrize("number", ["- 12 -", "─ 12 ─", "━12━", "第 12 页"])
def test_a_sentence_running_over_a_page_break_reads_without_the_pages_number(extract: Extract, number: str) -> None:
    """江苏's Word exports number their pages ─ 12 ─; a sentence broken there must not read
    离退─12─休支出, or the narrative's figure for that 项 is lost."""
    doc = DisclosurePdf().page().line("3.行政事业单位离退休(类)未归口管理的行政单位离退")
    doc.pdf.text(doc.pdf.w / 2 - 8, doc.pdf.h - 10, number)  # the foot printed last, as Word writes it
    doc.page().line("休支出(项)271.45万元,与上年相比增加14.69万元。")

    text = "".join(extract(doc.bytes()).text.split())

    assert "未归口管理的行政单位离退休支出(项)271.45万元" in text


@pytest.mark.parametrize(
    "above",
    [["第 2 页", "编制部门：上海市普陀区某局"], ["会议费 110.05"], ["- 2 -", "编制部门：某局 单位：元"]],
    ids=["page-number-and-department", "row-spilled-above-the-ruling", "repeated-field-line"],
)
def test_page_starting_at_a_data_row_continues_the_table_before(extract: Extract, above: list[str]) -> None:
    doc = DisclosurePdf().page().line("2025年部门一般公共预算支出功能分类预算表").line("编制部门：某局 单位：元")
    doc.table(spending(["208", "社会保障和就业支出", "30.00"], ["20805", "行政事业单位养老支出", "30.00"]))
    doc.page()
    for text in above:
        doc.line(text)
    grid = Grid(
        rows=[["208", "05", "06", "机关事业单位职业年金缴费支出"], ["", "", "", "合计"]], widths=[15, 15, 15, 70]
    )
    doc.table(grid)

    first, second = extract(doc.bytes()).tables

    assert first.title == "2025年部门一般公共预算支出功能分类预算表"
    assert (second.title, second.after_table, second.page) == (None, True, 2)
    assert cells(second)[0] == ("208", "05", "06", "机关事业单位职业年金缴费支出")


def test_a_table_under_its_heading_printed_on_every_page_is_one_table(extract: Extract) -> None:
    """Excel's print titles: the caption (title, label, department and unit) and the header ruled
    into the top of every page's grid. Read as a new table each page, the first page's 合计 would
    total half the rows, and the function mart would take one page only."""
    caption = "一般公共预算支出预算表(功能科目)\n公开表七\n部门：江苏省某某厅 单位：万元"
    pages = [  # three pages: a heading printed on every page is no running head either
        [["合计", "", "300.00"], ["201", "一般公共服务支出", "200.00"], ["20101", "人大事务", "200.00"]],
        [["2010101", "行政运行", "200.00"], ["208", "社会保障和就业支出", "100.00"]],
        [["20805", "养老支出", "100.00"]],
    ]
    doc = DisclosurePdf()
    for rows in pages:
        grid = Grid(
            rows=[[caption, None, None], ["科目编码", "科目名称", "金额"], *rows],
            widths=[35, 45, 35],
            spans={(0, 0): (1, 3)},
            heights={0: 16},
        )
        doc.page().table(grid)

    normalized = normalize_document(extract(doc.bytes()))

    assert [(t.table_type, len(t.segments)) for t in normalized.tables] == [("general_budget_expenditure", 3)]
    codes = normalized.facts.filter(pl.col("row_kind") == "subject")["subject_code"].to_list()
    assert codes == ["201", "20101", "2010101", "208", "20805"]
    assert consistency_findings(normalized.facts, "").filter(pl.col("severity") == "error").is_empty()


@pytest.mark.parametrize("where", ["head", "foot", "foot and page number"])
def test_a_running_head_or_foot_does_not_break_a_table_across_pages(extract: Extract, where: str) -> None:
    """A line printed at the top or foot of every page (Word's 页眉 and 页脚: the department and year,
    with the page's number or not) is page furniture, as page numbers are: the rows of the next
    page still continue the table."""
    running = "上海市普陀区某局2025年部门预算"
    doc = DisclosurePdf()
    numbers = iter(range(1, 10))

    def page() -> DisclosurePdf:
        number = f" 第{next(numbers)}页" if where == "foot and page number" else ""
        doc.page(footer=running + number if where.startswith("foot") else None)
        if where == "head":
            doc.line(running, size=9)
            doc.y += 8
            doc.rule()
        return doc

    page().paragraph("一、主要职能。本部门负责全区有关工作的组织实施，本段较长，以便读作叙述，并说明预算编制的情况。")
    page().line("2025年部门一般公共预算支出功能分类预算表").line("编制部门：上海市普陀区某局 单位：元")
    doc.table(spending(["201", "一般公共服务支出", "300.00"], ["20101", "人大事务", "300.00"]))
    page().table(wide_grid([["2010101", "行政运行", "200.00"]], 40))
    page().table(wide_grid([["2010102", "一般行政管理事务", "100.00"], ["", "合计", "300.00"]], 40))

    normalized = normalize_document(extract(doc.bytes()))

    assert [(t.title, len(t.segments)) for t in normalized.tables] == [("2025年部门一般公共预算支出功能分类预算表", 3)]
    assert normalized.facts["subject_code"].to_list() == ["201", "20101", "2010101", "2010102", None]
    assert (normalized.context.department_name, normalized.context.fiscal_year) == ("上海市普陀区某局", 2025)


@pytest.mark.parametrize("unit_line_on", ["foot", "next page"])
def test_a_title_left_at_the_foot_of_a_page_titles_the_table_opening_the_next(
    extract: Extract, unit_line_on: str
) -> None:
    """A word processor's widow: the title (and its unit line) printed at the foot of one page, the
    table at the top of the next."""
    doc = DisclosurePdf().page().line("收支预算总表").line("部门：江苏省某某厅 单位：万元")
    doc.table(wide_grid([["项目", "金额"], ["一、一般公共预算", "300.00"], ["收入总计", "300.00"]], 40))
    doc.y = 250
    doc.line("一般公共预算支出预算表(功能科目)")
    if unit_line_on == "foot":
        doc.line("部门：江苏省某某厅 单位：万元")
    doc.page()
    if unit_line_on == "next page":
        doc.line("部门：江苏省某某厅 单位：万元")
    doc.table(spending(["201", "一般公共服务支出", "300.00"], ["", "合计", "300.00"]))

    second = extract(doc.bytes()).tables[1]

    assert (second.title, second.page, second.unit) == ("一般公共预算支出预算表(功能科目)", 2, "万元")
    assert second.context == ("部门:江苏省某某厅 单位:万元",)


@pytest.mark.parametrize("next_page", ["rows", "header again, then rows"])
def test_a_header_row_left_at_the_foot_of_a_page_heads_the_rows_on_the_next(extract: Extract, next_page: str) -> None:
    """A word processor breaking a table after its header row: title, unit line and the one ruled
    row of headings end the page, the rows open the next (with the header repeated or not)."""
    header = [["科目编码", "科目名称", "合计", "基本支出", "项目支出"]]
    doc = DisclosurePdf().page().line("一般公共预算支出预算表(功能科目)").line("单位：万元")
    doc.table(wide_grid(header, 35)).line("- 1 -")
    rows = [["201", "一般公共服务支出", "300.00", "200.00", "100.00"], ["", "合计", "300.00", "200.00", "100.00"]]
    doc.page().table(wide_grid([*(header if next_page != "rows" else []), *rows], 35))

    normalized = normalize_document(extract(doc.bytes()))

    assert [t.table_type for t in normalized.tables] == ["general_budget_expenditure"]
    got = normalized.facts.filter(pl.col("subject_code") == "201").select("measure", "amount_wan").rows()
    assert got == [("total", Decimal("300.00")), ("basic", Decimal("200.00")), ("project", Decimal("100.00"))]


def test_a_ruled_row_of_fields_left_with_its_title_at_a_pages_foot_is_no_header(extract: Extract) -> None:
    """编制单位 | 某局 | 金额单位 | 万元 ruled into one row under a widowed title: the table's fields,
    not its headings, so the title still goes to the table opening the next page."""
    doc = DisclosurePdf().page().line("收支预算总表").line("单位：万元")
    doc.table(wide_grid([["项目", "金额"], ["一、一般公共预算", "300.00"], ["收入总计", "300.00"]], 40))
    doc.y = 250
    doc.line("一般公共预算支出预算表").table(wide_grid([["编制单位", "上海市普陀区某局", "金额单位", "万元"]], 35))
    doc.page().table(spending(["201", "一般公共服务支出", "300.00"], ["", "合计", "300.00"]))

    normalized = normalize_document(extract(doc.bytes()))

    assert [t.table_type for t in normalized.tables] == ["income_expenditure_summary", "general_budget_expenditure"]
    assert normalized.facts.filter(pl.col("subject_code") == "201")["amount_wan"].to_list() == [Decimal("300.00")]


def test_a_row_of_headings_with_more_printed_below_it_on_its_page_is_no_header(extract: Extract) -> None:
    """Only a page's foot leaves a header for the next page: a ruled row of labels with prose under it
    is read as a line, as before, and the next page's rows title nothing from it."""
    doc = DisclosurePdf().page().line("一般公共预算支出预算表(功能科目)").line("单位：万元")
    doc.table(wide_grid([["科目编码", "科目名称", "合计", "基本支出"]], 35))
    doc.line("本表反映部门一般公共预算支出情况。")
    doc.page().table(wide_grid([["201", "一般公共服务支出", "300.00", "300.00"], ["", "合计", "300.00", "300.00"]], 35))

    document = extract(doc.bytes())

    assert [(t.title, t.page) for t in document.tables] == [(None, 2)]
    assert "科目编码 科目名称 合计 基本支出" in document.text


@pytest.mark.parametrize(
    ("stated", "unit", "wan"),
    [("单位：千元", "千元", "300.00"), ("金额单位：亿元", "亿元", "30000000.00")],
    ids=["thousands", "hundred millions"],
)
def test_a_table_in_thousands_or_hundred_millions_of_yuan_loads_in_wan(
    extract: Extract, stated: str, unit: str, wan: str
) -> None:
    """Read as 万元, a table stating 千元 would load ten times too much, and one in 亿元 far too little."""
    doc = DisclosurePdf().page().line("一般公共预算支出预算表").line(f"部门：上海市普陀区某局 {stated}")
    doc.table(spending(["201", "一般公共服务支出", "3000.00"], ["", "合计", "3000.00"]))

    facts = normalize_document(extract(doc.bytes())).facts

    assert facts.select("amount_wan", "amount_printed", "source_unit").row(0) == (Decimal(wan), "3000.00", unit)


@pytest.mark.parametrize(
    "printed", [("一般公共预算支出预算表", "（元）"), ("一般公共预算支出预算表（元）",)], ids=["line", "title"]
)
def test_a_unit_printed_alone_in_brackets_is_the_tables_unit(extract: Extract, printed: tuple[str, ...]) -> None:
    """(元) on a line of its own, or ending the title: the other tables' 万元 is not this one's."""
    doc = DisclosurePdf().page().line("收支预算总表").line("单位：万元")
    doc.table(wide_grid([["项目", "金额"], ["一、一般公共预算", "0.30"], ["收入总计", "0.30"]], 40))
    doc.page()
    for line in printed:
        doc.line(line)
    doc.table(spending(["201", "一般公共服务支出", "3,000.00"], ["", "合计", "3,000.00"]))

    facts = normalize_document(extract(doc.bytes())).facts.filter(pl.col("table_type") == "general_budget_expenditure")

    assert facts.select("amount_wan", "source_unit").row(0) == (Decimal("0.30"), "元")


def test_a_contents_pages_last_entry_titles_no_table_on_the_next_page(extract: Extract) -> None:
    doc = DisclosurePdf().page().line("目 录")
    for entry in ("一、收支预算总表", "二、收入预算总表", "三、支出预算总表"):
        doc.line(entry)
    doc.page().table(spending())

    (table,) = extract(doc.bytes()).tables

    assert (table.title, table.context) == (None, ())


@pytest.mark.parametrize(
    ("mark", "header_again"),
    [
        ("一般公共预算支出预算表（续1）", True),
        ("一般公共预算支出预算表（续上表）", True),
        ("续表1", False),
        ("接上表", False),
    ],
    ids=["numbered", "worded", "numbered alone", "worded alone"],
)
def test_a_continuation_marked_in_other_words_continues_its_table(
    extract: Extract, mark: str, header_again: bool
) -> None:
    """Read as a table of its own, the second page's rows would be checked against no total and
    the function mart, which reads one table a document, would drop them."""
    doc = DisclosurePdf().page().line("一般公共预算支出预算表").line("单位：万元")
    doc.table(spending(["201", "一般公共服务支出", "300.00"], ["20101", "人大事务", "300.00"]))
    doc.page().line(mark)
    rows = [["205", "教育支出", "100.00"], ["", "合计", "400.00"]]
    doc.table(spending(*rows) if header_again else wide_grid(rows, 40))

    normalized = normalize_document(extract(doc.bytes()))

    assert [(t.table_type, len(t.segments)) for t in normalized.tables] == [("general_budget_expenditure", 2)]
    assert normalized.facts["subject_code"].to_list() == ["201", "20101", "205", None]


def test_continued_title_keeps_its_continued_mark(extract: Extract) -> None:
    doc = DisclosurePdf().page().line("一般公共预算支出预算表").line("单位：万元").table(spending())
    doc.page().line("一般公共预算支出预算表").line("（续）").line("单位：万元").table(spending())

    second = extract(doc.bytes()).tables[1]

    assert (second.title, second.after_table) == ("一般公共预算支出预算表(续)", False)


def _real(name: str) -> ExtractedDocument:
    path = REAL / name
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return extract_document(path)


JIANGSU_TITLES = [
    "收支预算总表",
    "收入预算总表",
    "支出预算总表",
    "财政拨款收支预算总表",
    "财政拨款支出预算表(功能科目)",
    "财政拨款基本支出预算表(经济科目)",
    "一般公共预算支出预算表(功能科目)",
    "一般公共预算基本支出预算表(经济科目)",
    "“三公”经费、会议费、培训费支出预算表",
    "财政拨款政府性基金支出预算表",
    "一般公共预算机关运行经费支出预算表",
    "2019年政府采购预算表",
]


@pytest.mark.parametrize("name", ["js_rd_2019_tables.pdf", "js_zx_2019_tables.pdf"])
def test_jiangsu_table_files_title_every_table(name: str) -> None:
    document = _real(name)

    titled = [table for table in document.tables if not table.after_table]
    assert [table.title for table in titled] == JIANGSU_TITLES
    assert all(is_title(table.title or "") for table in titled)
    assert {table.unit for table in titled} == {"万元"}
    assert all(table.title is None for table in document.tables if table.after_table)


@pytest.mark.parametrize("bands", ["fill", "rule"])
def test_cells_padded_with_white_bands_keep_their_label_and_amount_in_one_row(
    extract: Extract, bands: Literal["fill", "rule"]
) -> None:
    """江苏's Word exports fill each label cell white in bands, and spreadsheets rule in white; such
    edges are no rules, or the label would sit in a row below its amount and take the next row's."""
    grid = Grid(
        rows=[
            ["项目名称", None, "金额"],
            ["一般公共预算资金", "小计", "37,188.34"],
            [None, "公共财政拨款(补助)资金", "36,000.00"],
            [None, "专项收入", "1,188.34"],
        ],
        widths=[40, 60, 35],
        spans={(0, 0): (1, 2), (1, 0): (3, 1)},
        row_height=9,
        banded=(1,),
        bands=bands,
    )

    (table,) = extract(DisclosurePdf().page().line("收入预算总表").table(grid).bytes()).tables

    assert cells(table)[1:] == [
        ("一般公共预算资金", "小计", "37,188.34"),
        ("", "公共财政拨款(补助)资金", "36,000.00"),
        ("", "专项收入", "1,188.34"),
    ]


def test_caption_cell_reaching_over_the_header_is_read_once() -> None:
    document = _real("js_rd_2019_tables.pdf")

    table = next(t for t in document.tables if t.title == "一般公共预算机关运行经费支出预算表")

    assert table.context == ("公开表十一", "部门: 江苏省人大常委会办公厅 单位:万元")
    assert cells(table)[0] == ("科目编码", "科目名称", "机关运行经费支出")


def test_a_wide_table_printed_down_then_over_loads_every_column_under_its_rows(extract: Extract) -> None:
    """Pages 1-2 print the codes, names and 合计 (the second page bare); page 3, titled '（续）',
    prints 基本支出 | 项目支出 for the same rows without their labels."""
    rows = [("201", "一般公共服务支出", "30.00", "20.00", "10.00"), ("20101", "人大事务", "30.00", "20.00", "10.00")]
    rows += [
        ("2010101", "行政运行", "18.00", "18.00", "0.00"),
        ("2010102", "一般行政管理事务", "12.00", "2.00", "10.00"),
    ]
    doc = DisclosurePdf().page().line("2025年部门预算", size=16).line("编制部门：苍溪县医疗保障局")
    doc.page().line("一般公共预算支出预算表").line("单位：万元")
    doc.table(wide_grid([["科目编码", "科目名称", "合计"], *[list(r[:3]) for r in rows[:2]]], width=45))
    doc.page().table(wide_grid([list(r[:3]) for r in rows[2:]], width=45))
    doc.page().line("一般公共预算支出预算表（续）").line("单位：万元")
    doc.table(wide_grid([["基本支出", "项目支出"], *[list(r[3:]) for r in rows]], width=45))

    normalized = normalize_document(extract(doc.bytes()))

    assert [t.table_type for t in normalized.tables] == ["general_budget_expenditure"]
    loaded = normalized.facts.select("subject_code", "measure", "amount_printed").rows()
    printed = [
        (code, measure, amount) for code, _, *amounts in rows for measure, amount in zip(MEASURES, amounts, strict=True)
    ]
    assert sorted(loaded) == sorted(printed)
    assert normalized.amount_cells == {0: len(printed)}


MEASURES = ("total", "basic", "project")


def test_a_unit_wrapped_onto_the_department_line_is_stated() -> None:
    """js_fy's "三公" table prints 单位：万 over 元, which ends the line of 部门名称：..."""
    document = _real("js_fy_2019_doc.pdf")

    titled = [table for table in document.tables if table.title]
    assert {table.unit for table in titled} == {"万元"}
    assert lines_unit(["“三公”经费支出预算表", "单位:万", "部门名称:江苏省某厅 元"]) == "万元"
    assert lines_unit(["“三公”经费支出预算表", "部门名称:江苏省某厅 元"]) is None


@pytest.mark.parametrize(
    ("line", "unit"),
    [
        ("单位：人民币元", "元"),
        ("单位：人民币万元", "万元"),
        ("金额单位： 万 元", "万元"),
        ("单位(元)", "元"),
        ("（单位：万元）", "万元"),
        ("单位名称：某局", None),
        ("单位：千元", "千元"),
        ("金额单位：亿元", "亿元"),
        ("（万元）", "万元"),
        ("一般公共预算支出预算表(元)", "元"),
        ("收入合计(万元)", None),
    ],
)
def test_units_stated_in_other_words(line: str, unit: str | None) -> None:
    assert lines_unit([line]) == unit
