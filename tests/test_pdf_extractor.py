"""The PDF extractor against generated disclosures and the two real ones in shared/corpus."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pdfplumber
import pytest

from extractors import ExtractedDocument, ExtractionError, ExtractionLimits, RawTable, extract_document
from extractors.pdf import _CharIndex
from extractors.plumber_page import TablePages
from factory.pdf import DisclosurePdf, Grid, wide_grid
from factory.producers import without_unicode_map
from tests.badfiles import self_drawing_form
from tests.conftest import CORPUS, REAL
from tests.tables import cells

Extract = Callable[[bytes], ExtractedDocument]


# A two-row header: a cell spanning two rows, one spanning three columns.
MERGED_HEADER_GRID = Grid(
    rows=[
        ["部门(单位)名称", "收入总计", "本年收入", None, None],
        [None, None, "合计", "财政拨款收入", "单位资金收入"],
        ["某局", "1,954.47", "1,954.47", "1,954.47", "0.00"],
    ],
    widths=[32, 25, 25, 30, 30],
    spans={(0, 0): (2, 1), (0, 1): (2, 1), (0, 2): (1, 3)},
)


def only_table(document: ExtractedDocument) -> RawTable:
    assert len(document.tables) == 1, [t.title for t in document.tables]
    return document.tables[0]


def income_table(rows: int = 3) -> Grid:
    body = [[f"{i}、收入{i}", f"{i}.00"] for i in range(1, rows + 1)]
    return wide_grid([["项目", "预算数"], *body], width=40)


def test_document_carries_format_pages_and_metadata(extract: Extract) -> None:
    doc = DisclosurePdf(title="某局2025年部门预算", author="某局").page(footer="- 1 -").line("第一部分 概况")
    doc.page(footer="- 2 -").line("部门收支总表").table(income_table())

    document = extract(doc.bytes())

    assert document.source_format == "pdf"
    assert document.pages == 2
    assert document.metadata["Title"] == "某局2025年部门预算"
    assert document.metadata["Author"] == "某局"
    assert len(document.document_id) == 64


def test_merged_header_cells_leave_empty_strings_and_rows_keep_their_width(extract: Extract) -> None:
    grid = MERGED_HEADER_GRID
    doc = DisclosurePdf().page().line("2025年部门收入预算总表").line("单位：万元").table(grid)

    table = only_table(extract(doc.bytes()))

    assert cells(table) == [
        ("部门(单位)名称", "收入总计", "本年收入", "", ""),
        ("", "", "合计", "财政拨款收入", "单位资金收入"),
        ("某局", "1,954.47", "1,954.47", "1,954.47", "0.00"),
    ]


def test_two_row_header_keeps_group_label_above_its_columns(extract: Extract) -> None:
    grid = Grid(
        rows=[
            ["科目编码", "科目名称", "总计", "基本支出", None, None],
            [None, None, None, "小计", "人员经费", "公用经费"],
            ["2101501", "行政运行", "265.35", "265.35", "224.80", "40.55"],
        ],
        widths=[22, 30, 22, 22, 22, 22],
        spans={(0, 0): (2, 1), (0, 1): (2, 1), (0, 2): (2, 1), (0, 3): (1, 3)},
    )
    doc = DisclosurePdf().page().line("一般公共预算支出预算表").table(grid)

    rows = cells(only_table(extract(doc.bytes())))

    assert rows[0] == ("科目编码", "科目名称", "总计", "基本支出", "", "")
    assert rows[1] == ("", "", "", "小计", "人员经费", "公用经费")
    assert rows[2] == ("2101501", "行政运行", "265.35", "265.35", "224.80", "40.55")


def test_three_row_header_with_class_and_section_columns(extract: Extract) -> None:
    grid = Grid(
        rows=[
            ["项 目", None, None, None, "合计", "当年财政拨款安排"],
            ["科目编码", None, "单位代码", "单位名称(科目)", None, None],
            ["类", "款", None, None, None, None],
            ["210", "11", "322001", "行政单位医疗", "8.96", "8.96"],
        ],
        widths=[14, 14, 20, 40, 22, 30],
        spans={
            (0, 0): (1, 4),
            (0, 4): (3, 1),
            (0, 5): (3, 1),
            (1, 0): (1, 2),
            (1, 2): (2, 1),
            (1, 3): (2, 1),
        },
    )
    doc = DisclosurePdf().page().line("一般公共预算支出预算表").table(grid)

    rows = cells(only_table(extract(doc.bytes())))

    assert rows == [
        ("项 目", "", "", "", "合计", "当年财政拨款安排"),
        ("科目编码", "", "单位代码", "单位名称(科目)", "", ""),
        ("类", "款", "", "", "", ""),
        ("210", "11", "322001", "行政单位医疗", "8.96", "8.96"),
    ]


def test_wrapped_cell_text_is_joined_without_the_line_break(extract: Extract) -> None:
    grid = Grid(
        rows=[
            ["科目", "财政专户管理资金\n收入", "Note"],
            ["机关事业单位基本养老保险\n缴费支出", "30.00", "annual\nbudget"],
        ],
        widths=[48, 34, 22],
        heights={0: 11, 1: 11},
    )
    doc = DisclosurePdf().page().line("部门收入总表").table(grid)

    rows = cells(only_table(extract(doc.bytes())))

    assert rows[0] == ("科目", "财政专户管理资金收入", "Note")
    assert rows[1] == ("机关事业单位基本养老保险缴费支出", "30.00", "annual budget")


def test_landscape_page_table_is_read_with_its_title(extract: Extract) -> None:
    wide = wide_grid([["项目", *[f"列{i}" for i in range(1, 11)]], ["合计", *[f"{i}.00" for i in range(1, 11)]]], 23)
    doc = DisclosurePdf().page(footer="第 1 页").line("部门支出总表").table(income_table())
    doc.page(footer="第 2 页", orientation="L").line("财政拨款支出预算表(部门经济分类科目)").line("单位：万元")
    doc.table(wide)

    document = extract(doc.bytes())

    landscape = document.tables[1]
    assert landscape.title == "财政拨款支出预算表(部门经济分类科目)"
    assert landscape.page == 2
    assert landscape.unit == "万元"
    assert cells(landscape)[1] == ("合计", *[f"{i}.00" for i in range(1, 11)])


def test_page_turned_by_rotate_entry_is_read_upright(extract: Extract) -> None:
    doc = DisclosurePdf().page()
    with doc.turned():
        doc.line("财政拨款支出预算表").line("单位：万元")
        doc.table(wide_grid([["项目", "金额", "备注"], ["合计", "1,054.21", "无"]], 40))

    table = only_table(extract(doc.bytes()))

    assert (table.title, table.unit) == ("财政拨款支出预算表", "万元")
    assert cells(table) == [("项目", "金额", "备注"), ("合计", "1,054.21", "无")]


def test_continuation_with_repeated_header_is_untitled_and_after_table(extract: Extract) -> None:
    header = ["科目编码", "科目名称", "金额"]
    doc = DisclosurePdf().page(footer="第 1 页").line("一般公共预算基本支出预算表").line("单位：万元")
    doc.table(wide_grid([header, ["30101", "基本工资", "156.19"], ["30102", "津贴补贴", "42.00"]], 40))
    doc.page(footer="第 2 页").line("单位：万元")
    doc.table(wide_grid([header, ["30103", "奖金", "119.82"], ["", "合计", "318.01"]], 40))

    first, second = extract(doc.bytes()).tables

    assert first.title == "一般公共预算基本支出预算表"
    assert first.after_table is False
    assert second.title is None
    assert second.after_table is True
    assert (second.page, second.unit) == (2, "万元")
    assert cells(second)[0] == tuple(header)


def _printed_under_one_heading(*contexts: str) -> bytes:
    """A table broken over pages, each page printing the title, the context line and the header again
    (a spreadsheet's print titles)."""
    header = ["科目编码", "科目名称", "金额"]
    pages = [[["201", "一般公共服务支出", "100.00"]], [["208", "社会保障和就业支出", "50.00"]]]
    doc = DisclosurePdf()
    for context, rows in zip(contexts, pages, strict=True):
        doc.page().line("一般公共预算支出预算表").line(context).table(wide_grid([header, *rows], 40))
    return doc.bytes()


def test_a_page_printing_its_tables_heading_again_is_after_table(extract: Extract) -> None:
    first, second = extract(_printed_under_one_heading("部门：某局 单位：万元", "部门：某局 单位：万元")).tables

    assert (first.title, first.after_table) == ("一般公共预算支出预算表", False)
    assert (second.title, second.after_table, second.page) == ("一般公共预算支出预算表", True, 2)


@pytest.mark.parametrize(("context", "after_table"), [("部门：某局 单位：万元", True), ("部门：某中心", False)])
def test_a_text_conversion_of_such_a_print_reads_alike(tmp_path: Path, context: str, after_table: bool) -> None:
    lines: list[str] = []
    for row in ("201\t一般公共服务支出\t100.00", "208\t社会保障和就业支出\t50.00"):
        heading = ["一般公共预算支出预算表", context if lines else "部门：某局 单位：万元"]
        lines += [*heading, "科目编码\t科目名称\t金额", row, ""]
    path = tmp_path / "disclosure.txt"
    path.write_text("\n".join(lines), "utf-8")

    first, second = extract_document(path).tables

    assert (first.after_table, second.title, second.after_table) == (False, "一般公共预算支出预算表", after_table)


@pytest.mark.parametrize(
    "again",
    [["一般公共预算支出预算表"], ["公开表五", "一般公共预算支出预算表", "单位：万元"]],
    ids=["title alone", "under its number label"],
)
def test_a_page_printing_fewer_of_its_heading_lines_or_its_label_first_is_after_table(
    extract: Extract, again: list[str]
) -> None:
    """Print titles that repeat the title row only, or the label row above the title: the page
    still goes on with the table, which a new table of the same type would cut in two."""
    header = ["科目编码", "科目名称", "金额"]
    doc = DisclosurePdf().page()
    for line in ("公开表五", "一般公共预算支出预算表", "部门：某局", "单位：万元"):
        doc.line(line)
    doc.table(wide_grid([header, ["201", "一般公共服务支出", "100.00"]], 40)).page()
    for line in again:
        doc.line(line)
    doc.table(wide_grid([header, ["208", "社会保障和就业支出", "50.00"]], 40))

    _first, second = extract(doc.bytes()).tables

    assert (second.title, second.after_table, second.page) == ("一般公共预算支出预算表", True, 2)


def test_an_untitled_grid_under_a_number_label_starts_a_table(extract: Extract) -> None:
    doc = DisclosurePdf().page().line("一般公共预算支出预算表").line("单位：万元")
    grid = wide_grid([["科目编码", "科目名称", "金额"], ["201", "一般公共服务支出", "1.00"]], 40)
    doc.table(grid).page().line("公开表六").table(grid)

    _first, second = extract(doc.bytes()).tables

    assert (second.title, second.after_table) == (None, False)


def test_a_text_conversion_repeating_its_heading_under_its_label_reads_alike(tmp_path: Path) -> None:
    lines = [
        "公开表五",
        "一般公共预算支出预算表",
        "单位：万元",
        "科目编码\t科目名称\t金额",
        "201\t一般公共服务支出\t1.00",
        "",
    ]
    lines += ["公开表五", "一般公共预算支出预算表", "科目编码\t科目名称\t金额", "208\t社会保障和就业支出\t2.00", ""]
    lines += ["公开表六", "201\t一般公共服务支出\t1.00"]
    path = tmp_path / "disclosure.txt"
    path.write_text("\n".join(lines), "utf-8")

    _first, second, third = extract_document(path).tables

    assert [(t.title, t.after_table) for t in (second, third)] == [("一般公共预算支出预算表", True), (None, False)]


def test_the_same_title_over_another_context_heads_a_table_of_its_own(extract: Extract) -> None:
    """Each unit's table under one title: the context line names whose table it is."""
    tables = extract(_printed_under_one_heading("单位：某局机关 单位：万元", "单位：某局所属中心 单位：万元")).tables

    assert [t.after_table for t in tables] == [False, False]


def test_the_same_title_after_narrative_heads_a_table_of_its_own(extract: Extract) -> None:
    header = ["科目编码", "科目名称", "金额"]
    doc = DisclosurePdf().page().line("一般公共预算支出预算表").line("单位：万元")
    doc.table(wide_grid([header, ["201", "一般公共服务支出", "100.00"]], 40))
    doc.page().paragraph("以下为调整后的支出预算，本段文字较长以便作为叙述性段落被识别出来，说明下表与上表的不同之处。")
    doc.line("一般公共预算支出预算表").line("单位：万元")
    doc.table(wide_grid([header, ["208", "社会保障和就业支出", "50.00"]], 40))

    assert [t.after_table for t in extract(doc.bytes()).tables] == [False, False]


def test_continuation_without_header_is_untitled_and_after_table(extract: Extract) -> None:
    doc = DisclosurePdf().page(footer="- 7 -").line("部门收支总表").line("金额单位：万元")
    doc.table(wide_grid([["项目", "预算数"], ["一、本年收入", "1,002.21"]], 50))
    doc.page(footer="- 8 -").table(wide_grid([["二、上年结转", "52.00"], ["收入总计", "1,054.21"]], 50))

    second = extract(doc.bytes()).tables[1]

    assert (second.title, second.after_table, second.page) == (None, True, 2)
    assert cells(second) == [("二、上年结转", "52.00"), ("收入总计", "1,054.21")]


def test_untitled_table_after_narrative_is_not_a_continuation(extract: Extract) -> None:
    doc = DisclosurePdf().page().line("部门收支总表").table(income_table())
    doc.paragraph("以上为部门收支总体情况，下表列示其他事项，本段文字较长以便作为叙述性段落被识别出来。")
    doc.page().table(income_table())

    second = extract(doc.bytes()).tables[1]

    assert second.title is None
    assert second.after_table is False


def test_two_sided_income_expenditure_table_keeps_blank_left_half(extract: Extract) -> None:
    grid = Grid(
        rows=[
            ["收 入", None, "支 出", None],
            ["项 目", "预算数", "项 目", "预算数"],
            ["一、本年收入", "1,954.47", "一、本年支出", "1,954.47"],
            ["", "", "(十九)住房保障支出", "29.92"],
            ["收入总计", "1,954.47", "支出总计", "1,954.47"],
        ],
        widths=[45, 25, 45, 25],
        spans={(0, 0): (1, 2), (0, 2): (1, 2)},
    )
    doc = DisclosurePdf().page().line("2025年部门收支预算总表").line("单位：万元").table(grid)

    rows = cells(only_table(extract(doc.bytes())))

    assert rows[0] == ("收 入", "", "支 出", "")
    assert rows[3] == ("", "", "(十九)住房保障支出", "29.92")
    assert rows[4] == ("收入总计", "1,954.47", "支出总计", "1,954.47")


def test_letter_spaced_labels_stay_in_one_cell(extract: Extract) -> None:
    doc = DisclosurePdf().page().line("部门支出总表")
    doc.table(wide_grid([["项目", "金额"], ["合 计", "1,054.21"]], 40))
    doc.table(wide_grid([["项目", "金额"], ["合计", "1,054.21"]], 40), char_spacing=4)

    spaced, tracked = extract(doc.bytes()).tables

    assert cells(spaced)[1] == ("合 计", "1,054.21")
    assert len(cells(tracked)[1]) == 2
    assert cells(tracked)[1][0] == "合 计"


def test_amounts_keep_thousands_separators_as_printed(extract: Extract) -> None:
    grid = wide_grid([["项目", "金额"], ["资金总额", "19,544,744.50"], ["合计", "1,954.47"]], 40)
    doc = DisclosurePdf().page().line("部门收入总表").table(grid)

    rows = cells(only_table(extract(doc.bytes())))

    assert [row[1] for row in rows[1:]] == ["19,544,744.50", "1,954.47"]


def test_blank_cells_and_zero_cells_stay_distinct(extract: Extract) -> None:
    grid = wide_grid([["项目", "一般公共预算", "政府性基金"], ["一、本年支出", "0.00", ""], ["二、结转", "", "0.00"]])
    doc = DisclosurePdf().page().line("财政拨款收支预算总表").table(grid)

    rows = cells(only_table(extract(doc.bytes())))

    assert rows[1:] == [("一、本年支出", "0.00", ""), ("二、结转", "", "0.00")]


def test_each_table_takes_the_unit_printed_above_it(extract: Extract) -> None:
    doc = DisclosurePdf().page().line("部门收支总表").line("部门：322-某局 单位：万元").table(income_table())
    doc.line("部门整体支出绩效目标表").line("部门(单位)名称：某局  金额单位：元").table(income_table())

    wan, yuan = extract(doc.bytes()).tables

    assert (wan.title, wan.unit, wan.position) == ("部门收支总表", "万元", "page 1")
    assert wan.context == ("部门:322-某局 单位:万元",)
    assert (yuan.title, yuan.unit, yuan.position) == ("部门整体支出绩效目标表", "元", "page 1, table 2")
    assert yuan.after_table is False


def test_a_title_printing_its_unit_and_department_on_its_line_titles_its_table(extract: Extract) -> None:
    doc = DisclosurePdf().page().line("2025年部门收入预算总表                单位：万元").table(income_table())
    doc.line("表2 部门支出总表   编制部门：某局   金额单位：元").table(income_table())

    wan, yuan = extract(doc.bytes()).tables

    assert (wan.title, wan.unit, wan.context) == ("2025年部门收入预算总表", "万元", ("单位:万元",))
    assert (yuan.title, yuan.unit, yuan.context) == ("表2 部门支出总表", "元", ("编制部门:某局 金额单位:元",))


def test_a_title_printing_its_unit_on_its_line_in_a_text_conversion(tmp_path: Path) -> None:
    path = tmp_path / "converted.txt"
    path.write_text("部门收入总表  单位：元\n项目\t预算数\n合计\t1.00\n", "utf-8")

    (table,) = extract_document(path).tables

    assert (table.title, table.unit) == ("部门收入总表", "元")


def test_title_and_unit_ruled_into_the_grid_are_read_as_lines_above_it(extract: Extract) -> None:
    grid = Grid(
        rows=[
            ["部门收支总表", None, None],
            ["金额单位：万元", None, None],
            ["项目", "预算数", "备注"],
            ["合计", "1.00", ""],
        ],
        widths=[40, 30, 30],
        spans={(0, 0): (1, 3), (1, 0): (1, 3)},
    )
    doc = DisclosurePdf().page().table(grid)

    table = only_table(extract(doc.bytes()))

    assert (table.title, table.context, table.unit) == ("部门收支总表", ("金额单位:万元",), "万元")
    assert [row.position for row in table.rows] == ["page 1, row 3", "page 1, row 4"]
    assert cells(table)[0] == ("项目", "预算数", "备注")


def test_radical_code_points_in_the_text_layer_are_normalized(extract: Extract) -> None:
    doc = DisclosurePdf().page().line("一般公共预算支出表").table(wide_grid([["项目", "金额"], ["门诊", "1.00"]], 40))

    document = extract(doc.bytes(radicals={"一": "\u2f00", "支": "\u2f40", "门": "\u2ed4"}))

    table = only_table(document)
    assert table.title == "一般公共预算支出表"
    assert cells(table)[1] == ("门诊", "1.00")
    assert "一般公共预算支出表" in document.text


def test_narrative_pages_yield_text_but_no_table(extract: Extract) -> None:
    prose = "2025年部门收入预算总额1954.47万元，其中：本年收入1954.47万元，上年结转结余0万元。"
    doc = DisclosurePdf().page(footer="- 1 -").line("一、部门收支总体情况").paragraph(prose)
    doc.page(footer="- 2 -").rule().line("二、财政拨款收支总体情况").paragraph(prose)

    document = extract(doc.bytes())

    assert document.tables == ()
    assert "一、部门收支总体情况" in document.text
    assert "二、财政拨款收支总体情况" in document.text
    assert "上年结转结余0万元" in document.text.replace("\n", "")
    assert "- 1 -" not in document.text


def test_rows_name_their_page_and_printed_row(extract: Extract) -> None:
    doc = DisclosurePdf().page().line("目录").page().line("部门收支总表").table(income_table(rows=2))

    table = only_table(extract(doc.bytes()))

    assert table.page == 2
    assert [(row.page, row.position) for row in table.rows] == [
        (2, "page 2, row 1"),
        (2, "page 2, row 2"),
        (2, "page 2, row 3"),
    ]


def test_a_form_that_draws_itself_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / "disclosure.pdf"
    path.write_bytes(self_drawing_form())

    document = extract_document(path)

    assert document.text.count("Drawn once") == 1


def test_image_only_pdf_needs_ocr_when_ocr_is_off(tmp_path: Path) -> None:
    path = tmp_path / "disclosure.pdf"
    path.write_bytes(DisclosurePdf().page().image().page().image().bytes())

    with pytest.raises(ExtractionError) as raised:
        extract_document(path, ExtractionLimits(ocr=False))

    assert raised.value.status == "needs_ocr"
    assert "disclosure.pdf" in raised.value.reason
    assert "2 pages" in raised.value.reason
    assert "--no-ocr" in raised.value.reason


def test_image_only_pdf_in_which_ocr_reads_nothing_is_empty(extract: Extract) -> None:
    doc = DisclosurePdf().page().image().page().image()

    with pytest.raises(ExtractionError) as raised:
        extract(doc.bytes())

    assert raised.value.status == "empty"
    assert "disclosure.pdf" in raised.value.reason
    assert "2 pages" in raised.value.reason
    assert "OCR found no text" in raised.value.reason


def test_pdf_with_nothing_printed_is_empty(extract: Extract) -> None:
    with pytest.raises(ExtractionError) as raised:
        extract(DisclosurePdf().page().page().bytes())

    assert raised.value.status == "empty"
    assert "disclosure.pdf" in raised.value.reason


def test_password_protected_pdf_is_reported_as_encrypted(extract: Extract) -> None:
    doc = DisclosurePdf().page().line("部门收支总表").table(income_table()).encrypt("secret")

    with pytest.raises(ExtractionError) as raised:
        extract(doc.bytes())

    assert raised.value.status == "encrypted"
    assert "disclosure.pdf" in raised.value.reason


def test_truncated_pdf_is_reported_as_corrupt(extract: Extract) -> None:
    with pytest.raises(ExtractionError) as raised:
        extract(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R")

    assert raised.value.status == "corrupt"
    assert "disclosure.pdf" in raised.value.reason


def _corpus_document(name: str) -> ExtractedDocument:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return extract_document(path)


def _titled(document: ExtractedDocument, title: str) -> RawTable:
    return next(table for table in document.tables if table.title == title)


def test_guiyang_disclosure() -> None:
    document = _corpus_document("guiyang_2025_ybj.pdf")

    assert document.pages == 29
    assert len(document.tables) == 17
    assert [t.page for t in document.tables] == list(range(13, 30))
    spending = _titled(document, "2025年一般公共预算支出预算表")
    assert spending.page == 17
    assert spending.unit == "万元"
    assert len(spending.rows) == 25
    assert any("2101301" in row.cells and "423.00" in row.cells for row in spending.rows)
    assert cells(_titled(document, "2025年部门收入预算总表"))[1][4] == "财政专户管理资金收入"
    continued = next(t for t in document.tables if t.page == 19)
    assert (continued.title, continued.after_table) == (None, True)
    basic = _titled(document, "2025年一般公共预算基本支出预算表(按部门预算经济科目)")
    assert (basic.page, len(basic.rows) + len(continued.rows)) == (18, 34)
    overall = _titled(document, "2025年部门整体支出绩效目标批复表")
    assert (overall.page, overall.unit) == (26, "元")
    # page 28's project form prints page 27's heading again: after_table, though no continuation (it holds
    # no amounts, so classification keeps it a table of its own)
    assert [t.page for t in document.tables if t.after_table] == [19, 28]


def test_cangxi_disclosure() -> None:
    document = _corpus_document("cangxi_2025_ybj.pdf")

    assert document.pages == 32
    assert len(document.tables) == 17
    summary = _titled(document, "部门收支总表")
    assert (summary.page, summary.unit, len(summary.rows)) == (8, "万元", 33)
    assert summary.context == ("部门:322-苍溪县医疗保障局部门 金额单位:万元",)
    assert cells(summary)[0] == ("收 入", "", "支 出", "")
    economic = _titled(document, "财政拨款支出预算表(部门经济分类科目)")
    assert economic.page == 12
    assert len({len(row.cells) for row in economic.rows}) == 1
    assert [t.page for t in document.tables if t.after_table] == [15, 22, 23]
    assert all(t.title is None for t in document.tables if t.after_table)
    basic = _titled(document, "一般公共预算基本支出预算表")
    assert 20 <= len(basic.rows) <= 30
    assert "合 计" in {cell for row in basic.rows for cell in row.cells}
    assert "备注:因数据取舍" in document.text


def _read(table: pdfplumber.table.Table, chars: _CharIndex) -> list[list[str | None]]:
    return [[None if cell is None else chars.text_within(cell) for cell in row.cells] for row in table.rows]


def _compared_with_pdfplumber(data: bytes) -> tuple[int, list[tuple[int, int]]]:
    """How many ruled tables were compared, and (page, table) of each one whose cells the reader
    reads otherwise than pdfplumber's own Table.extract, which it replaces by a cheaper lookup."""
    compared, differing = 0, []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            chars = _CharIndex(page.chars)
            for number, table in enumerate(page.find_tables(), start=1):
                compared += 1
                if _read(table, chars) != table.extract():
                    differing.append((page.page_number, number))
            page.close()
    return compared, differing


def test_a_char_centred_on_a_cell_edge_goes_where_pdfplumber_puts_it() -> None:
    doc = DisclosurePdf().page().line("部门收入预算总表").table(income_table(3))
    with pdfplumber.open(io.BytesIO(doc.bytes())) as pdf:
        page = pdf.pages[0]
        xs = sorted({(char["x0"] + char["x1"]) / 2 for char in page.chars})
        ys = sorted({(char["top"] + char["bottom"]) / 2 for char in page.chars})
        edges_through_every_char = [(x0, top, x1, bottom) for top, bottom in pairwise(ys) for x0, x1 in pairwise(xs)]
        table = pdfplumber.table.Table(page, edges_through_every_char)
        expected = table.extract()

        assert sum(bool(text) for row in expected for text in row) > 20
        assert _read(table, _CharIndex(page.chars)) == expected


def test_cells_are_read_as_pdfplumber_reads_them_in_generated_grids() -> None:
    merged = MERGED_HEADER_GRID
    wrapped = Grid(
        rows=[["科目", "财政专户管理资金\n收入"], ["机关事业单位基本养老保险\n缴费支出", "30.00"]],
        widths=[48, 34],
        heights={0: 11, 1: 11},
    )
    doc = DisclosurePdf().page().line("部门收入预算总表").table(merged).table(income_table(10))
    doc.page(orientation="L").line("支出表").table(wrapped, char_spacing=2)
    with doc.page().turned():
        doc.table(wide_grid([["项目", "金额", "备注"], ["合计", "1,054.21", "无"]], 40))

    assert _compared_with_pdfplumber(doc.bytes()) == (4, [])


# One file of each producer whose grids are odd: turned pages (Distiller), an Excel export, WPS
# 表格 with captions ruled into the grid, ONLYOFFICE.
@pytest.mark.parametrize(
    "name",
    ["js_rd_2019_tables.pdf", "js_zx_2019_tables.pdf", "sh_putuo_sfj_2026_bmys.pdf", "sh_putuo_czj_2024_bmjs.pdf"],
)
def test_cells_are_read_as_pdfplumber_reads_them_in_real_pdfs(name: str) -> None:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"{path} is not present")

    compared, differing = _compared_with_pdfplumber(path.read_bytes())

    assert compared > 0
    assert differing == []


def _objects_both_ways(data: bytes, pages: int) -> list[tuple[dict, dict]]:
    """Each page's objects as pdfplumber builds them (pdfminer) and as TablePage does (PLAYA)."""
    with TablePages(data) as opened:
        return [(opened.plumber.pages[i].objects, opened.page(i).objects) for i in range(pages)]


# What TablePage gives otherwise and nothing reads, as its docstring says (font names: `fonts`).
_UNREAD = {"linewidth", "dash"}


def _assert_same_objects(theirs: dict, mine: dict, fonts: dict[str, str]) -> None:
    """The same objects in the same order, their positions to within float rounding; each font's
    name the same for all its characters (`fonts`: pdfminer's name to TablePage's)."""
    assert mine.keys() == theirs.keys()
    for kind, objects in theirs.items():
        assert len(mine[kind]) == len(objects), kind
        for their, my in zip(objects, mine[kind], strict=True):
            assert my.keys() == their.keys(), kind
            for key, value in their.items():
                if key == "fontname":
                    assert fonts.setdefault(value, my[key]) == my[key]
                elif key not in _UNREAD:
                    assert _close(my[key], value), (kind, key, value, my[key])


def _close(mine: object, theirs: object) -> bool:
    """Equal, numbers to within float rounding, however nested in tuples and lists."""
    if isinstance(theirs, (tuple, list)) and isinstance(mine, (tuple, list)):
        return len(mine) == len(theirs) and all(map(_close, mine, theirs))
    if isinstance(theirs, (int, float)) and isinstance(mine, (int, float)) and not isinstance(theirs, bool):
        return math.isclose(mine, theirs, rel_tol=1e-9, abs_tol=1e-9)
    return mine == theirs


@pytest.mark.parametrize("unicode_map", [True, False])
def test_table_page_builds_the_objects_pdfplumber_builds(unicode_map: bool) -> None:
    """Without its fonts' ToUnicode maps, a glyph their TrueType programs map to no character is
    `(cid:N)`, as pdfminer gives it, not the character its code is."""
    doc = DisclosurePdf().page().line("2025年部门收入预算总表").line("单位：万元").table(MERGED_HEADER_GRID)
    doc.page(orientation="L").line("部门收支总表").table(income_table(40))
    data = doc.bytes() if unicode_map else without_unicode_map(doc.bytes())

    compared = _objects_both_ways(data, pages=2)

    fonts: dict[str, str] = {}
    for theirs, mine in compared:
        _assert_same_objects(theirs, mine, fonts)
    assert sum(len(objects["char"]) for objects, _ in compared) > 300
    assert all(theirs == mine for theirs, mine in fonts.items())
    unmapped = sum(char["text"].startswith("(cid:") for objects, _ in compared for char in objects["char"])
    assert (unmapped == 0) is unicode_map


@pytest.mark.parametrize(
    "name",
    ["js_rd_2019_tables.pdf", "sh_putuo_wanli_2024_bmys.pdf", "js_fy_2019_doc.pdf", "sh_putuo_czj_2024_bmjs.pdf"],
)
def test_table_page_builds_the_objects_pdfplumber_builds_on_real_pages(name: str) -> None:
    """A rotated Distiller file, a landscape WPS one, one whose fonts are named in GBK and an
    ONLYOFFICE one: other producers, other object attributes."""
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"{path} is not present")

    fonts: dict[str, str] = {}
    for theirs, mine in _objects_both_ways(path.read_bytes(), pages=12):
        _assert_same_objects(theirs, mine, fonts)
    assert len(set(fonts.values())) == len(fonts) > 0
