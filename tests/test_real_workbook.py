"""The real workbook of the development set, and real 上海 tables read through the workbook reader.

`sh_putuo_sfj_2026_bmys.xlsx` beside the 司法局's 2026 PDF is not the workbook the PDF was printed
from: its one sheet ('2026年部门预算 ') is the district's 部门预算公开情况检查表, a checklist of that
disclosure (是/否 per part, notes, screenshots as pictures) and prints no budget table. So it must be
read by its content, identified (上海市普陀区司法局, 2026) and refused as `not_budget`, and must not
displace the PDF as the current disclosure. That the workbook reader gives a PDF's facts is shown on
the real tables themselves: each real 上海 PDF's tables printed into a one-sheet workbook, as WPS
stacks them (title row, 编制部门/单位 row, the grid; amounts stored as numbers under the number
format the PDF shows), must give the PDF's facts.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest

from extractors import ExtractedDocument, extract_document
from pipelines.cli import main
from tests.conftest import REAL, read_only
from tests.test_office_formats import fact_key
from transforms.document import normalize_document
from transforms.filing import identity_problem

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason=f"{REAL} is not present")

_MONEY = re.compile(r"-?[\d,]+\.\d+")


def test_the_development_workbook_is_a_checklist_read_by_content_and_refused(tmp_path: Path) -> None:
    renamed = tmp_path / "sfj_2026.pdf"
    renamed.write_bytes((REAL / "sh_putuo_sfj_2026_bmys.xlsx").read_bytes())
    extracted = extract_document(renamed)
    assert (extracted.source_format, extracted.pages) == ("xlsx", None)
    assert extracted.metadata["ModDate"] == "D:20260316063606"
    (table,) = extracted.tables
    assert table.page is None and table.position == "sheet 2026年部门预算, row 5"
    assert table.rows[0].cells == ("2026年度部门预算公开检查内容", "", "符合要求", "问题截图")
    normalized = normalize_document(extracted)
    assert (normalized.context.department_name, normalized.context.adcode, normalized.context.fiscal_year) == (
        "上海市普陀区司法局",
        "310107",
        2026,
    )
    assert normalized.facts.height == 0
    problem = identity_problem(normalized)
    assert problem is not None and problem[0] == "not_budget"
    assert "'2026年部门预算' headed '2026年度部门预算公开检查内容 | 符合要求 | 问题截图'" in problem[1]


def test_the_checklist_does_not_displace_its_pdf(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    names = ["sh_putuo_sfj_2026_bmys.pdf", "sh_putuo_sfj_2026_bmys.xlsx"]
    assert main(["ingest", *(str(REAL / n) for n in names), "--warehouse", str(warehouse)]) == 1
    with read_only(warehouse) as con:
        rows = con.execute(
            "SELECT file_name, source_format, status, is_current, facts_loaded, reason FROM dim_document ORDER BY 1"
        ).fetchall()
        mart = con.execute("SELECT DISTINCT document_id FROM mart_function_by_region_year").fetchall()
    (pdf, workbook) = rows
    assert pdf[:4] == ("sh_putuo_sfj_2026_bmys.pdf", "pdf", "loaded", True) and pdf[4] > 0
    assert workbook[:5] == ("sh_putuo_sfj_2026_bmys.xlsx", "xlsx", "not_budget", False, 0)
    assert "sh_putuo_sfj_2026_bmys.xlsx" in workbook[5]
    assert len(mart) == 1


def _as_workbook(document: ExtractedDocument) -> bytes:
    """The PDF's lines and tables stacked down one sheet, each table under its title and context."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "部门预算"
    lines = document.text.splitlines()
    first = document.tables[0].title
    for line in lines[: lines.index(first) if first in lines else 0]:
        sheet.append([line])
    for table in document.tables:
        if not table.after_table:
            sheet.append([])
        for line in [*([table.title] if table.title else []), *table.context]:
            sheet.append([line])
        for row in table.rows:
            sheet.append(list(row.cells))
            for cell, text in zip(sheet[sheet.max_row], row.cells, strict=False):
                if _MONEY.fullmatch(text):
                    cell.value = float(text.replace(",", ""))
                    cell.number_format = "#,##0.00" if "," in text else "0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("name", ["sh_putuo_sfj_2026_bmys.pdf", "sh_putuo_zfb_2025_bmys.pdf"])
def test_real_shanghai_tables_give_the_same_facts_from_a_workbook(tmp_path: Path, name: str) -> None:
    pdf = extract_document(REAL / name)
    path = tmp_path / "stacked.xlsx"
    path.write_bytes(_as_workbook(pdf))
    workbook = extract_document(path)
    expected = Counter(map(fact_key, normalize_document(pdf).facts.to_dicts()))
    found = Counter(map(fact_key, normalize_document(workbook).facts.to_dicts()))
    assert sum(expected.values()) > 200
    assert found == expected, (expected - found, found - expected)
