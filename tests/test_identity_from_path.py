"""A disclosure that does not print whose or which year it is (a scan of its table pages, a bare
workbook) is filed by its file's name or folder, says so in dim_document.identity_source, and
stays `unidentified` when neither names it; the document's own text wins, a disagreement is
recorded."""

from pathlib import Path

import duckdb
import pytest

from extractors import extract_document
from factory.disclosures import DisclosureSpec, build_disclosure
from factory.workbook import workbook_bytes
from pipelines.cli import main
from transforms.document import NormalizedDocument, normalize_document, path_identity
from transforms.filing import identity_problem

# The 贵阳 department's tables alone: no cover, no narrative, no department line above a table.
TABLES_ONLY = DisclosureSpec(department_name="贵阳市医疗保障局", fiscal_year=2024, tables_only=True)
SCAN_NAME = "贵阳市医疗保障局2024年部门预算(扫描件).pdf"


def _normalized(path: Path, data: bytes) -> NormalizedDocument:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return normalize_document(extract_document(path))


def _identity(normalized: NormalizedDocument) -> tuple:
    context = normalized.context
    return context.department_name, context.adcode, context.fiscal_year, normalized.identity_source


def _issues(normalized: NormalizedDocument, kind: str) -> list[str]:
    return [f"{issue.position}: {issue.message}" for issue in normalized.issues if issue.kind == kind]


def test_the_tables_alone_print_neither_department_nor_year(tmp_path: Path) -> None:
    normalized = _normalized(tmp_path / "scan.pdf", build_disclosure(TABLES_ONLY).pdf)
    assert _identity(normalized) == (None, None, None, None)
    assert [t.table_type for t in normalized.tables if t.table_type] and normalized.facts.height > 100
    problem = identity_problem(normalized)
    assert problem is not None and problem[0] == "unidentified" and "file's name" in problem[1]


def test_a_pdf_is_filed_by_its_file_name(tmp_path: Path) -> None:
    normalized = _normalized(tmp_path / SCAN_NAME, build_disclosure(TABLES_ONLY).pdf)
    assert _identity(normalized) == ("贵阳市医疗保障局", "520100", 2024, "file_name")
    assert identity_problem(normalized) is None
    taken = _issues(normalized, "identity_from_path")
    assert any("department 贵阳市医疗保障局" in issue for issue in taken)
    assert any("year 2024" in issue for issue in taken)
    assert not _issues(normalized, "identity_conflict")


def test_a_workbook_is_filed_by_its_file_name_and_its_year_folder(tmp_path: Path) -> None:
    workbook = workbook_bytes(build_disclosure(TABLES_ONLY), layout="sheet_per_table")
    normalized = _normalized(tmp_path / "inbox" / "2024" / "贵阳市医疗保障局.xlsx", workbook)
    assert _identity(normalized) == ("贵阳市医疗保障局", "520100", 2024, "file_name+folder")
    assert identity_problem(normalized) is None
    assert any(issue.startswith("folder '2024'") for issue in _issues(normalized, "identity_from_path"))


def test_a_region_code_folder_places_a_department_printed_without_its_region(tmp_path: Path) -> None:
    """The tables name 医疗保障局 (no region) and the year; inbox/520100/ says where."""
    pdf = build_disclosure(DisclosureSpec(department_name="医疗保障局", fiscal_year=2024)).pdf
    unplaced = _normalized(tmp_path / "tables.pdf", pdf)
    assert _identity(unplaced) == ("医疗保障局", None, 2024, "document")
    assert identity_problem(unplaced) is not None

    placed = _normalized(tmp_path / "inbox" / "520100" / "tables.pdf", pdf)
    assert _identity(placed) == ("医疗保障局", "520100", 2024, "document+folder")
    assert placed.region_name == "贵阳市" and identity_problem(placed) is None


def test_the_document_wins_over_its_path_and_the_disagreement_is_recorded(tmp_path: Path) -> None:
    """The factory's 旺苍县教育局 2025 budget, filed as another department's 2024 budget under a
    folder of another region."""
    path = tmp_path / "inbox" / "520100" / "成都市教育局2024年部门预算.pdf"
    normalized = _normalized(path, build_disclosure().pdf)
    assert _identity(normalized) == ("旺苍县教育局", "510821", 2025, "document")
    conflicts = _issues(normalized, "identity_conflict")
    assert len(conflicts) == 3
    assert any("旺苍县教育局" in c and "成都市教育局" in c for c in conflicts)
    assert any("2025" in c and "2024" in c for c in conflicts)
    assert any("510821" in c and "folder '520100'" in c for c in conflicts)


def test_a_district_inside_its_city_folder_agrees(tmp_path: Path) -> None:
    """旺苍县 (510821) lies in 广元市 (510800): the folder agrees with the document."""
    normalized = _normalized(tmp_path / "510800" / "2025" / "budget.pdf", build_disclosure().pdf)
    assert _identity(normalized) == ("旺苍县教育局", "510821", 2025, "document")
    assert not _issues(normalized, "identity_conflict") and not _issues(normalized, "identity_from_path")


@pytest.mark.parametrize(
    ("relative", "department", "year", "adcode"),
    [
        ("贵阳市医疗保障局2025年部门预算(扫描件).pdf", "贵阳市医疗保障局", 2025, None),
        ("inbox/520100/2025/tables.pdf", None, 2025, "520100"),
        ("inbox/2025年度/x.xlsx", None, 2025, None),
        # a date is not a budget year, a number that no code was is not a region, a folder no department
        ("downloads/20250115/贵阳市财政局/公开 2025-01-15.pdf", None, None, None),
        ("inbox/999999/x.pdf", None, None, None),
    ],
)
def test_what_a_path_names(relative: str, department: str | None, year: int | None, adcode: str | None) -> None:
    named = path_identity(Path(relative))
    found = [(n.value if n else None) for n in (named.department_name, named.fiscal_year, named.adcode)]
    assert found == [department, year, adcode]


def test_the_warehouse_records_where_the_identity_came_from(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / SCAN_NAME).write_bytes(build_disclosure(TABLES_ONLY).pdf)
    (inbox / "scan.pdf").write_bytes(
        build_disclosure(DisclosureSpec(department_name="旺苍县卫生健康局", tables_only=True)).pdf
    )
    (inbox / "wangcang.pdf").write_bytes(build_disclosure().pdf)
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(inbox), "--warehouse", str(warehouse)]) == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT file_name, status, department_name, fiscal_year, identity_source FROM dim_document ORDER BY 1"
        ).fetchall()
        issues = con.execute(
            "SELECT d.file_name, i.kind FROM stg_issue i JOIN dim_document d USING (document_id) "
            "WHERE i.kind LIKE 'identity%' ORDER BY 1"
        ).fetchall()
    assert rows == [
        ("scan.pdf", "unidentified", None, None, None),
        ("wangcang.pdf", "loaded", "旺苍县教育局", 2025, "document"),
        (SCAN_NAME, "loaded", "贵阳市医疗保障局", 2024, "file_name"),
    ]
    assert issues == [(SCAN_NAME, "identity_from_path")] * 2
