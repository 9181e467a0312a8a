"""Disclosures as workbooks (.xlsx, .xls), web pages (.html) and Word documents (.docx).

The factory prints one disclosure as a PDF and, from the same tables, as each of these formats, in
the habits publishers have: the 上海 one-sheet workbook (cover, narrative and every table stacked),
one table a sheet named by its title, amounts stored as numbers under a number format or as text,
formulas with cached values, hidden rows, columns and sheets of bogus amounts, zeros an accounting
format prints as '-' (.xls); web pages with
rowspan/colspan, the title ruled into the table, CSS-hidden rows and tables, GBK; Word tables with
merged cells. Each must give the PDF's facts (table type, side, code or label, measure, item,
amount), the PDF's identity (department, region, year, scope, kind), its provenance without pages,
and nothing of what is hidden.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from extractors import ExtractedDocument, extract_document
from extractors.numformat import format_number
from factory.disclosures import Disclosure, DisclosureSpec, build_disclosure, hunan_spec, jiangsu_spec, shanghai_spec
from factory.html import BOGUS_AMOUNT as HTML_BOGUS
from factory.html import html_bytes
from factory.word import docx_bytes
from factory.workbook import BOGUS_AMOUNT, workbook_bytes, xls_bytes
from pipelines.cli import main
from tests import badfiles
from tests.conftest import read_only
from tests.test_generated_layouts import label_key
from transforms.document import NormalizedDocument, normalize_document

SPECS: dict[str, DisclosureSpec] = {
    "sichuan": DisclosureSpec(),
    "shanghai": shanghai_spec(),
    "jiangsu": jiangsu_spec(),
    "hunan": hunan_spec(),
}
Writer = Callable[[Disclosure], bytes]
FORMATS: dict[str, tuple[str, Writer]] = {
    "xlsx_one_sheet": ("xlsx", workbook_bytes),
    "xlsx_sheet_per_table_untitled": ("xlsx", lambda d: workbook_bytes(d, layout="sheet_per_table", titles=False)),
    "xlsx_hidden_and_formulas": ("xlsx", lambda d: workbook_bytes(d, hidden=True, formulas=True)),
    "xlsx_amounts_as_text": ("xlsx", lambda d: workbook_bytes(d, amounts="text", hidden=True)),
    "xls_one_sheet": ("xls", xls_bytes),
    "xls_sheet_per_table": ("xls", lambda d: xls_bytes(d, layout="sheet_per_table")),
    "xls_hidden_and_accounting_zeros": ("xls", lambda d: xls_bytes(d, hidden=True, accounting_zeros=True)),
    "xls_sheet_per_table_hidden": ("xls", lambda d: xls_bytes(d, layout="sheet_per_table", hidden=True)),
    "html": ("html", html_bytes),
    "html_gbk_titles_in_table_hidden": (
        "html",
        lambda d: html_bytes(d, encoding="gbk", title_in_table=True, hidden=True, layout_table=True),
    ),
    "html_amounts_with_currency_and_unit": ("html", lambda d: html_bytes(d, currency="￥", units_in_cells=True)),
    "docx": ("docx", docx_bytes),
    "docx_titles_in_table": ("docx", lambda d: docx_bytes(d, title_in_table=True)),
}
CASES = [(doc, fmt) for doc in SPECS for fmt in FORMATS]
BOGUS = {f"{BOGUS_AMOUNT:,.2f}", f"{BOGUS_AMOUNT}", f"{BOGUS_AMOUNT:.2f}", HTML_BOGUS}


def fact_key(fact: dict) -> tuple:
    """What must agree between formats: everything a fact says but where it was printed."""
    item = label_key(fact["subject_name"]) if fact["table_type"] == "three_public_costs" else None
    row = fact["subject_code"] or label_key(fact["row_label"])
    return (fact["table_type"], fact["side"], row, fact["measure"], item, fact["amount_wan"])


def identity(normalized: NormalizedDocument) -> tuple:
    context = normalized.context
    return (
        context.department_name,
        context.adcode,
        context.fiscal_year,
        normalized.budget_scope,
        normalized.document_kind,
    )


def read(folder: Path, name: str, data: bytes) -> tuple[ExtractedDocument, NormalizedDocument]:
    path = folder / name
    path.write_bytes(data)
    extracted = extract_document(path)
    return extracted, normalize_document(extracted)


@pytest.fixture(scope="module")
def built() -> dict[str, Disclosure]:
    return {name: build_disclosure(spec) for name, spec in SPECS.items()}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory, built: dict[str, Disclosure]) -> dict[str, NormalizedDocument]:
    folder = tmp_path_factory.mktemp("pdfs")
    return {name: read(folder, f"{name}.pdf", disclosure.pdf)[1] for name, disclosure in built.items()}


@pytest.fixture(scope="module")
def other_formats(
    tmp_path_factory: pytest.TempPathFactory, built: dict[str, Disclosure]
) -> dict[tuple[str, str], tuple[ExtractedDocument, NormalizedDocument]]:
    """Every disclosure in every format, each written under a name that says nothing of its format."""
    folder = tmp_path_factory.mktemp("formats")
    return {(doc, fmt): read(folder, f"{doc}-{fmt}.download", FORMATS[fmt][1](built[doc])) for doc, fmt in CASES}


@pytest.mark.parametrize(("doc", "fmt"), CASES)
def test_same_facts_as_the_pdf(pdfs, other_formats, doc: str, fmt: str) -> None:
    expected = Counter(map(fact_key, pdfs[doc].facts.to_dicts()))
    found = Counter(map(fact_key, other_formats[(doc, fmt)][1].facts.to_dicts()))
    assert expected
    missing, extra = expected - found, found - expected
    assert not missing and not extra, "\n".join(
        [*(f"in the PDF only: {k}" for k in missing), *(f"in the {fmt} only: {k}" for k in extra)]
    )


@pytest.mark.parametrize(("doc", "fmt"), CASES)
def test_same_tables_and_identity_as_the_pdf(pdfs, other_formats, doc: str, fmt: str) -> None:
    extracted, normalized = other_formats[(doc, fmt)]
    assert extracted.source_format == FORMATS[fmt][0]
    assert {t.table_type for t in normalized.tables} == {t.table_type for t in pdfs[doc].tables}
    assert None not in {t.table_type for t in normalized.tables}
    if fmt.startswith("xls_") and doc == "jiangsu":
        # The year of this layout is printed only in the PDF's document title, which xlwt cannot write.
        assert identity(normalized)[:2] == identity(pdfs[doc])[:2]
    else:
        assert identity(normalized) == identity(pdfs[doc])


@pytest.mark.parametrize(("doc", "fmt"), CASES)
def test_provenance_without_pages_and_nothing_hidden(other_formats, doc: str, fmt: str) -> None:
    extracted, _ = other_formats[(doc, fmt)]
    where = "sheet " if fmt.startswith("xls") else "table "
    assert extracted.pages is None
    for table in extracted.tables:
        assert table.page is None and table.position.startswith(where)
        for row in table.rows:
            assert row.page is None and row.position.startswith(where) and ", row " in row.position
            assert not BOGUS & set(row.cells), (row.position, row.cells)
    assert not any(bogus in extracted.text for bogus in BOGUS)


def test_sheet_names_title_the_tables_they_alone_hold(other_formats, built) -> None:
    extracted, _ = other_formats[("shanghai", "xlsx_sheet_per_table_untitled")]
    titles = [t.title for t in built["shanghai"].printout.tables]
    assert [t.title for t in extracted.tables] == titles
    assert extracted.tables[0].position == f"sheet {titles[0]}, row 2"


def test_one_sheet_workbook_positions_name_sheet_and_row(other_formats, built) -> None:
    extracted, _ = other_formats[("shanghai", "xlsx_one_sheet")]
    sheet = f"{built['shanghai'].spec.fiscal_year}年部门预算"
    rows = [r.position for t in extracted.tables for r in t.rows]
    assert all(p.startswith(f"sheet {sheet}, row ") for p in rows)
    numbers = [int(p.rsplit(" ", 1)[1]) for p in rows]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def test_amounts_print_as_their_number_format_shows_them(other_formats) -> None:
    def cells(fmt: str) -> set[str]:
        return {c for t in other_formats[("shanghai", fmt)][0].tables for r in t.rows for c in r.cells}

    stored, as_text = cells("xlsx_one_sheet"), cells("xlsx_amounts_as_text")
    assert "1,234,450.00" in stored and stored == as_text
    # .xls: the formats are read from the BIFF records (xlrd); the amounts are stored as numbers.
    assert cells("xls_one_sheet") == as_text
    assert cells("xls_sheet_per_table_hidden") == as_text
    # Blank amount cells stored as 0 under the accounting format print '-', as a PDF printed from
    # the workbook shows them; a '-' is no fact, as the PDF's blank is none.
    assert cells("xls_hidden_and_accounting_zeros") == as_text | {"-"}


@pytest.mark.parametrize(
    ("value", "code", "printed"),
    [
        (1234450.0, "#,##0.00", "1,234,450.00"),
        (1234.5, None, "1234.5"),
        (2010101.0, None, "2010101"),
        (0.1 + 0.2, "General", "0.3"),
        (96282213.44000001, "0.00", "96282213.44"),
        (0.0, '_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ ', "-"),
        (0.0, "0.00;-0.00;", ""),
        (-1234.5, "#,##0.00", "-1,234.50"),
        (-1234.5, "#,##0.00;(#,##0.00)", "(1,234.50)"),
        (0.1762, "0.00%", "17.62%"),
        (2.675, "0.00", "2.68"),
        (1e20, None, "100000000000000000000"),
    ],
)
def test_numbers_print_as_excel_shows_them(value: float, code: str | None, printed: str) -> None:
    assert format_number(value, code) == printed


def _stored_under_merge(data: bytes, reference: str, text: str) -> bytes:
    """The workbook with a value stored in a cell that a merged area covers: Excel keeps such values
    (a merge made over filled cells) without showing them; openpyxl drops them, so it is put back."""
    source = zipfile.ZipFile(io.BytesIO(data))
    cell = f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb"(<c r=\"A1\"[^>]*>.*?</c>)", lambda m: m.group(1) + cell, content, count=1)
            target.writestr(info, content)
    return out.getvalue()


def test_merged_cells_print_in_their_top_left_cell_only(tmp_path: Path) -> None:
    """As pdfplumber reads a merged cell; a value stored under the merge (never shown) is not read,
    nor is a hidden column."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "表1部门收支总表"
    rows = [
        ["项目", "", "预算数", ""],
        ["科目编码", "科目名称", "合计", "基本支出"],
        ["201", "一般公共服务支出", 12.5, 12.5],
    ]
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A1:B1")
    sheet.merge_cells("C1:D1")
    sheet.column_dimensions["E"].hidden = True
    sheet["E3"] = 99.0
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "merged.xlsx"
    path.write_bytes(_stored_under_merge(buffer.getvalue(), "B1", "stored under the merge"))
    (table,) = extract_document(path).tables
    assert table.title == "表1部门收支总表"
    assert [r.cells for r in table.rows] == [
        ("项目", "", "预算数", ""),
        ("科目编码", "科目名称", "合计", "基本支出"),
        ("201", "一般公共服务支出", "12.5", "12.5"),
    ]


def _formatted_xls() -> bytes:
    """A one-table .xls whose amounts are printed by their cells' number formats, with a hidden row
    and a hidden column of bogus amounts."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("表1部门收支总表")
    money, whole = xlwt.easyxf(num_format_str="#,##0.00"), xlwt.easyxf(num_format_str="#,##0")
    accounting = xlwt.easyxf(num_format_str='_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ ')
    percent = xlwt.easyxf(num_format_str="0.00%")
    rows = [
        ["科目编码", "科目名称", "合计", "基本支出", "比上年", "隐藏"],
        [201, "一般公共服务支出", (1234.5, money), (0.0, accounting), (0.1762, percent), (987654.32, money)],
        ["2999999", "其他隐藏支出", (987654.32, money), (987654.32, money), "", (987654.32, money)],
        [2010101, "行政运行", (1234450.0, whole), (-1234.5, money), (0.0, accounting), ""],
    ]
    for r, cells in enumerate(rows):
        for c, cell in enumerate(cells):
            if isinstance(cell, tuple):
                sheet.write(r, c, *cell)
            elif cell != "":
                sheet.write(r, c, cell)
    sheet.row(2).hidden = True
    sheet.col(5).hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xls_numbers_print_as_their_formats_show_them_and_hidden_cells_are_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "formatted.xls"
    path.write_bytes(_formatted_xls())
    (table,) = extract_document(path).tables
    assert [r.cells for r in table.rows] == [
        ("科目编码", "科目名称", "合计", "基本支出", "比上年"),
        ("201", "一般公共服务支出", "1,234.50", "-", "17.62%"),
        ("2010101", "行政运行", "1,234,450", "-1,234.50", "-"),
    ]
    assert [r.position for r in table.rows][-1] == "sheet 表1部门收支总表, row 4"
    assert capsys.readouterr().out == ""  # xlrd's log of odd records goes nowhere


def test_an_xls_that_xlrd_cannot_read_is_read_without_formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Some producers' .xls files open in calamine but not in xlrd with formatting_info: they are
    read as calamine alone reads them, every row and column, numbers as General prints them."""
    import xlrd

    def refuse(*args, **kwargs):
        raise xlrd.XLRDError("formatting_info not readable")

    monkeypatch.setattr(xlrd, "open_workbook", refuse)
    path = tmp_path / "formatted.xls"
    path.write_bytes(_formatted_xls())
    (table,) = extract_document(path).tables
    assert [r.cells for r in table.rows] == [
        ("科目编码", "科目名称", "合计", "基本支出", "比上年", "隐藏"),
        ("201", "一般公共服务支出", "1234.5", "0", "0.1762", "987654.32"),
        ("2999999", "其他隐藏支出", "987654.32", "987654.32", "", "987654.32"),
        ("2010101", "行政运行", "1234450", "-1234.5", "0", ""),
    ]


def test_html_spans_fill_the_grid_as_the_page_shows_it(tmp_path: Path) -> None:
    page = (
        "<html><body><p>2025年部门支出总表</p><p>单位：万元</p><table>"
        "<tr><th rowspan=2>科目编码</th><th rowspan=2>科目名称</th><th colspan=2>支出</th></tr>"
        "<tr><th>基本支出</th><th>项目支出</th></tr>"
        "<tr><td>201</td><td>一般公共<br>服务支出</td><td>1,234.50</td><td>0.00</td></tr>"
        "</table></body></html>"
    )
    path = tmp_path / "page.htm"
    path.write_text(page, "utf-8")
    (table,) = extract_document(path).tables
    assert (table.title, table.unit, table.position) == ("2025年部门支出总表", "万元", "table 1")
    assert [r.cells for r in table.rows] == [
        ("科目编码", "科目名称", "支出", ""),
        ("", "", "基本支出", "项目支出"),
        ("201", "一般公共服务支出", "1,234.50", "0.00"),
    ]


# ---------------------------------------------------------------------------------------------
# Bad files of each format: a status and a reason naming the file, nothing loaded


@pytest.fixture(scope="module")
def bad_inbox(tmp_path_factory: pytest.TempPathFactory, built: dict[str, Disclosure]) -> Path:
    disclosure = built["shanghai"]
    workbook, document = workbook_bytes(disclosure), docx_bytes(disclosure)
    folder = tmp_path_factory.mktemp("bad") / "inbox"
    badfiles.write(
        folder,
        {
            "truncated.xlsx": badfiles.truncated(workbook),
            "truncated.docx": badfiles.truncated(document),
            "truncated.xls": badfiles.truncated(xls_bytes(disclosure)),
            "password.xlsx": badfiles.encrypted_office(workbook),
            "password.docx": badfiles.encrypted_office(document),
            "error-page.html": badfiles.html_page(),
            "login.html": badfiles.login_page(),
            "timetable.xlsx": badfiles.timetable_workbook(),
            "workbook-named.pdf": workbook,
        },
    )
    return folder


BAD = {
    "truncated.xlsx": ("corrupt", "truncated or damaged zip"),
    "truncated.docx": ("corrupt", "truncated or damaged zip"),
    "truncated.xls": ("corrupt", "re-download"),
    "password.xlsx": ("encrypted", "password"),
    "password.docx": ("encrypted", "password"),
    "error-page.html": ("not_pdf", "error or login page"),
    "login.html": ("not_pdf", "login form"),
    "timetable.xlsx": ("not_budget", "1 table ('2025年春季学期课程表' headed '节次 | 星期一 | 星期二')"),
}


@pytest.fixture(scope="module")
def bad_warehouse(tmp_path_factory: pytest.TempPathFactory, bad_inbox: Path) -> tuple[Path, int]:
    warehouse = tmp_path_factory.mktemp("bad-wh") / "w.duckdb"
    return warehouse, main(["ingest", str(bad_inbox), "--warehouse", str(warehouse)])


def test_bad_files_of_each_format_get_a_status_and_a_reason(bad_warehouse) -> None:
    warehouse, exit_code = bad_warehouse
    assert exit_code == 1
    with read_only(warehouse) as con:
        rows = {n: (s, r) for n, s, r in con.execute("SELECT file_name, status, reason FROM dim_document").fetchall()}
        loaded_bad = con.execute(
            "SELECT count(*) FROM fct_budget_amount JOIN dim_document d USING (document_id) WHERE d.status <> 'loaded'"
        ).fetchone()
    for name, (status, words) in BAD.items():
        assert rows[name][0] == status, (name, rows[name])
        assert name in rows[name][1] and words in rows[name][1], (name, rows[name])
    assert loaded_bad == (0,)


def test_a_workbook_named_pdf_is_read_by_its_content(bad_warehouse) -> None:
    warehouse, _ = bad_warehouse
    with read_only(warehouse) as con:
        found = con.execute(
            "SELECT status, source_format, pages, facts_loaded FROM dim_document WHERE file_name = 'workbook-named.pdf'"
        ).fetchone()
    assert found[:3] == ("loaded", "xlsx", None) and found[3] > 0


# ---------------------------------------------------------------------------------------------
# One disclosure, two formats: one current document, amounts counted once


def test_pdf_and_workbook_of_one_disclosure_are_one_current_document(tmp_path: Path, built) -> None:
    disclosure = built["shanghai"]
    inbox = tmp_path / "inbox"
    files = badfiles.write(
        inbox, {"budget.pdf": disclosure.pdf, "budget.xlsx": workbook_bytes(disclosure, formulas=True)}
    )
    alone, both = tmp_path / "alone.duckdb", tmp_path / "both.duckdb"
    assert main(["ingest", str(files["budget.pdf"]), "--warehouse", str(alone)]) == 0
    assert main(["ingest", str(inbox), "--warehouse", str(both)]) == 0
    mart = "SELECT level, subject_code, measure, amount_wan FROM mart_function_by_region_year ORDER BY ALL"
    with read_only(alone) as con:
        expected = con.execute(mart).fetchall()
    with read_only(both) as con:
        documents = con.execute(
            "SELECT file_name, source_format, status, is_current, published_at_source FROM dim_document ORDER BY 1"
        ).fetchall()
        found = con.execute(mart).fetchall()
        facts = dict(con.execute("SELECT document_id, count(*) FROM fct_budget_amount GROUP BY 1").fetchall())
    assert [(n, f, s) for n, f, s, _, _ in documents] == [
        ("budget.pdf", "pdf", "loaded"),
        ("budget.xlsx", "xlsx", "loaded"),
    ]
    assert [current for *_, current, _ in documents].count(True) == 1
    # The workbook's own modification date (docProps/core.xml) is a day after the PDF's creation.
    assert documents[1][3:] == (True, "ModDate")
    assert expected and found == expected
    assert len(facts) == 2 and len(set(facts.values())) == 1


def test_a_unit_budget_is_not_replaced_by_its_department_budget(tmp_path: Path, built) -> None:
    """Scope is part of a disclosure's identity: a department's 部门预算 and the 单位预算 of its own
    unit, same department name and year, are both current."""
    from dataclasses import replace

    disclosure = built["shanghai"]
    unit = replace(disclosure.printout, prose=("上海市普陀区2025年区级单位预算", *disclosure.printout.prose[1:]))
    inbox = tmp_path / "inbox"
    badfiles.write(
        inbox,
        {
            "department.pdf": disclosure.pdf,
            "unit.html": html_bytes(replace(disclosure, printout=unit)),
        },
    )
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(inbox), "--warehouse", str(warehouse)]) == 0
    with read_only(warehouse) as con:
        rows = con.execute("SELECT file_name, budget_scope, is_current FROM dim_document ORDER BY 1").fetchall()
    assert rows == [("department.pdf", "department", True), ("unit.html", "unit", True)]


def test_formats_are_recorded_in_dim_document(tmp_path: Path, built) -> None:
    disclosure = built["sichuan"]
    inbox = tmp_path / "inbox"
    badfiles.write(
        inbox,
        {
            "a.xls": xls_bytes(disclosure),
            "b.htm": html_bytes(disclosure),
            "c.docx": docx_bytes(disclosure),
        },
    )
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(inbox), "--warehouse", str(warehouse)]) == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT file_name, source_format, pages, status FROM dim_document ORDER BY file_name"
        ).fetchall()
        current = con.execute("SELECT count(*) FROM dim_document WHERE is_current").fetchone()
    assert rows == [
        ("a.xls", "xls", None, "loaded"),
        ("b.htm", "html", None, "loaded"),
        ("c.docx", "docx", None, "loaded"),
    ]
    assert current == (1,)
