"""Real published disclosures of other provinces (shared/corpus/real): what a new user gets.

The development set: 上海市普陀区 budgets (WPS, landscape, tables broken across pages, amounts in 元),
江苏省 province-level budgets (Word, Excel and Distiller; titles ruled into the grid, pages turned by
/Rotate 90, narrative and tables published as two files). Acceptance runs on other documents of the
same provinces, so these tests hold the pipeline to the targets, not to one file's numbers.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from expectations.rules import default_rules
from extractors import extract_document
from pipelines.cli import main
from pipelines.run import check_narratives_apart
from tests.conftest import REAL, read_only

BUDGETS = sorted(p.name for p in REAL.glob("*.pdf") if "bmys" in p.name or p.name.endswith(("_doc.pdf", "tables.pdf")))
NARRATIVE_ONLY = ["js_rd_2019_doc.pdf", "js_zx_2019_doc.pdf"]
LOADED = [name for name in BUDGETS if name not in NARRATIVE_ONLY]
TWO_SIDED = ["income_expenditure_summary", "fiscal_appropriation_summary"]

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason=f"{REAL} is not present")


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("real") / "warehouse.duckdb"
    main(["ingest", *(str(REAL / name) for name in BUDGETS), "--warehouse", str(path)])
    return path


@pytest.fixture
def db(real_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with read_only(real_warehouse) as con:
        yield con


def test_every_budget_loads_and_narratives_are_told_apart(db: duckdb.DuckDBPyConnection) -> None:
    statuses = dict(db.execute("SELECT file_name, status FROM dim_document").fetchall())
    assert {name: statuses[name] for name in LOADED} == dict.fromkeys(LOADED, "loaded")
    assert {name: statuses[name] for name in NARRATIVE_ONLY} == dict.fromkeys(NARRATIVE_ONLY, "narrative_only")


@pytest.mark.parametrize("name", LOADED)
def test_amounts_printed_in_ruled_tables_become_facts(db: duckdb.DuckDBPyConnection, name: str) -> None:
    cells, loaded, facts = db.execute(
        "SELECT amount_cells, amount_cells_loaded, facts_loaded FROM dim_document WHERE file_name = ?", [name]
    ).fetchone()
    assert loaded == facts and cells > 0
    assert loaded / cells >= 0.98, f"{name}: {loaded} of {cells} amounts read"


def test_most_documents_are_read_whole(db: duckdb.DuckDBPyConnection) -> None:
    partly = db.execute(
        "SELECT file_name FROM dim_document WHERE status = 'loaded' AND amount_cells_loaded < amount_cells"
    ).fetchall()
    assert len(partly) <= 1, partly


def test_two_sided_facts_all_have_a_side_and_their_own_label(db: duckdb.DuckDBPyConnection) -> None:
    sides = db.execute(
        "SELECT side, count(*), count(row_label) FROM fct_budget_amount WHERE table_type IN (?, ?) GROUP BY 1",
        TWO_SIDED,
    ).fetchall()
    assert {side for side, _, _ in sides} == {"income", "expenditure"}
    assert all(count == labelled for _, count, labelled in sides)


def test_expenditure_class_names_resolve_to_class_codes(db: duckdb.DuckDBPyConnection) -> None:
    uncoded = db.execute(
        """SELECT DISTINCT row_label FROM fct_budget_amount
           WHERE table_type IN (?, ?) AND side = 'expenditure' AND row_kind = 'item' AND row_label LIKE '%支出'
             AND row_label NOT SIMILAR TO '.*(基本|项目)支出'""",
        TWO_SIDED,
    ).fetchall()
    assert uncoded == []


def test_tables_broken_across_pages_are_one_table(db: duckdb.DuckDBPyConnection) -> None:
    unknown = db.execute(
        """SELECT d.file_name, t.page FROM stg_table t JOIN dim_document d USING (document_id)
           WHERE d.status = 'loaded' AND t.table_type IS NULL"""
    ).fetchall()
    assert unknown == []
    assert db.execute("SELECT max(segments) FROM stg_table").fetchone()[0] >= 4


def test_few_errors_are_raised(db: duckdb.DuckDBPyConnection) -> None:
    errors = db.execute("SELECT rule, message FROM fct_quality_finding WHERE severity = 'error'").fetchall()
    assert len(errors) <= 2, errors


# The narratives' own arithmetic slips, each checked by hand; the 江苏 narratives' 93 changes and
# shares add up, as do the other 上海 paragraphs.
NARRATIVE_SLIPS = [
    ("sh_putuo_sfj_2026_bmys.pdf", "预算执行数为43269.3万元", "is a decrease of 91.11 %, not an increase of 17.62 %"),
    ("sh_putuo_sfj_2026_bmys.pdf", "预算执行数为77.99万元", "is an increase of 17.93 %, not an increase of 17.66 %"),
    ("sh_putuo_sfj_2026_bmys.pdf", "预算安排201.50万元", "as 208.80 万元, then as 201.50 万元; the 5.27 % it states"),
    ("sh_putuo_wanli_2024_bmys.pdf", "预算安排352.67万元", "as 350.35 万元, then as 352.67 万元; the 0.53 % it states"),
]


def test_the_narratives_arithmetic_slips_are_warnings(db: duckdb.DuckDBPyConnection) -> None:
    found = db.execute(
        """SELECT d.file_name, f.severity, f.message FROM fct_quality_finding f JOIN dim_document d USING (document_id)
           WHERE f.rule = 'narrative_arithmetic'"""
    ).fetchall()
    assert {severity for _, severity, _ in found} == {"warning"}
    pages = db.execute("SELECT DISTINCT page FROM fct_quality_finding WHERE rule = 'narrative_arithmetic'").fetchall()
    assert pages == [(9,)]  # both 编制说明 print their 项 on page 9
    matched = [
        [message for name, _, message in found if name == slip_name and quoted in message and said in message]
        for slip_name, quoted, said in NARRATIVE_SLIPS
    ]
    assert [len(messages) for messages in matched] == [1] * len(NARRATIVE_SLIPS), found
    assert len(found) == len(NARRATIVE_SLIPS), found


def test_the_narratives_slips_the_districts_own_review_lists_are_found(db: duckdb.DuckDBPyConnection) -> None:
    """普陀's review of the 司法局's 2026 budget (the workbook beside it) lists five comparisons with
    2026 that should be with 2025, and 210 named 医疗卫生与计划生育支出 where the tables print
    卫生健康支出 (its name until 2018); the other 74 comparisons of the 上海 budgets name the year before."""
    years = db.execute(
        """SELECT d.file_name, f.severity, count(*) FROM fct_quality_finding f JOIN dim_document d USING (document_id)
           WHERE f.rule = 'narrative_year' GROUP BY ALL"""
    ).fetchall()
    assert years == [("sh_putuo_sfj_2026_bmys.pdf", "warning", 5)]
    names = db.execute(
        """SELECT d.file_name, f.severity, f.subject_code, f.page FROM fct_quality_finding f
           JOIN dim_document d USING (document_id)
           WHERE f.rule = 'subject_name_matches_catalogue' AND f.message LIKE '% in the narrative;%'"""
    ).fetchall()
    assert names == [("sh_putuo_sfj_2026_bmys.pdf", "info", "210", 9)]


def test_the_one_subject_a_narrative_misnames_is_held_against_the_subject_its_tables_print(
    db: duckdb.DuckDBPyConnection,
) -> None:
    """江苏's 法院 writes 法院(款)一般行政事务管理(项) 5,804.83 万元 where its tables print 2040502
    一般行政管理事务; every other subject a dev narrative names, its tables print."""
    named = db.execute(
        """SELECT d.file_name, f.rule, f.severity, f.subject_code, f.page FROM fct_quality_finding f
           JOIN dim_document d USING (document_id) WHERE f.rule LIKE 'narrative_subject_%'"""
    ).fetchall()
    assert named == [("js_fy_2019_doc.pdf", "narrative_subject_misnamed", "info", "2040502", 20)]
    assert db.execute(
        """SELECT count(*) FROM fct_quality_finding f JOIN dim_document d USING (document_id)
           WHERE d.file_name = 'js_fy_2019_doc.pdf' AND f.rule = 'narrative_agrees'"""
    ).fetchone() == (0,)


def test_a_code_that_lost_its_leading_zero_is_mended_and_recorded(db: duckdb.DuckDBPyConnection) -> None:
    mended = db.execute("SELECT page, message FROM stg_issue WHERE kind = 'repaired_code'").fetchall()
    assert mended and all(page is not None for page, _ in mended)
    assert db.execute(
        "SELECT count(*) FROM fct_budget_amount WHERE subject_scheme LIKE 'econ%' AND length(subject_code) < 3"
    ).fetchone() == (0,)


def test_amounts_in_cells_padded_with_white_bands_keep_their_label(db: duckdb.DuckDBPyConnection) -> None:
    """江苏's Word exports pad label cells with white bands (204 公共安全支出, then 27,488.23 a row
    lower, when their edges were taken for rules). Amounts without a label are left only in tables
    printing no label column at all: one row of amounts under column headings (a "三公" table, a
    summary line)."""
    mixed = db.execute(
        """SELECT d.file_name, f.page, f.table_index FROM fct_budget_amount f JOIN dim_document d USING (document_id)
           GROUP BY ALL
           HAVING count(*) FILTER (row_kind = 'unlabeled') > 0
              AND (count(*) FILTER (row_kind <> 'unlabeled') > 0 OR count(DISTINCT f.source_position) > 1)"""
    ).fetchall()
    assert mixed == []


def test_a_title_distiller_wrote_as_gbk_hex_reads_as_chinese() -> None:
    """The 人大 tables file's Title is the hex of GBK bytes, written by Distiller as the string's text."""
    document = extract_document(REAL / "js_rd_2019_tables.pdf")

    assert document.metadata["Title"] == "江苏省人大常委会办公厅2019年部门预算公开表.xls"


def test_the_two_file_narratives_are_held_against_their_tables(real_warehouse: Path, tmp_path: Path) -> None:
    """江苏's 说明 published apart state their 类 by name (一般公共服务(类)支出13907.78万元), some 款
    marked (类), one 项 without the 支出 its table's name ends in (其他人大事务), their totals, all
    funds' 基本支出 and 项目支出 (the 支出预算总表's one row), their income by source, 机关运行经费, the "三公"
    items, 会议费, 培训费, 政府采购 (by kind too) and the parts listed after a whole: 41 and 38 figures, all
    as the tables file prints them.
    Table amounts changed in a copy of the warehouse are found by the next check, at each sentence
    stating them (js_zx states its 基本支出 twice)."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(real_warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        ids = [row[0] for row in con.execute("SELECT document_id FROM dim_document").fetchall()]
        checks = check_narratives_apart(con, ids, default_rules())
        assert {(c.file_name, c.tables_files, c.compared, c.findings.height, c.error) for c in checks} == {
            ("js_rd_2019_doc.pdf", ("js_rd_2019_tables.pdf",), 41, 0, None),
            ("js_zx_2019_doc.pdf", ("js_zx_2019_tables.pdf",), 38, 0, None),
        }
        con.execute(
            """UPDATE fct_budget_amount SET amount_wan = amount_wan + 1
               WHERE document_id = (SELECT document_id FROM dim_document WHERE file_name = 'js_rd_2019_tables.pdf')
                 AND subject_code = '2010101'"""
        )
        con.execute(
            """UPDATE fct_budget_amount SET amount_wan = amount_wan + 1
               WHERE document_id = (SELECT document_id FROM dim_document WHERE file_name = 'js_zx_2019_tables.pdf')
                 AND row_kind = 'total'
                 AND (table_type, measure, coalesce(subject_name, '')) IN (
                     ('expenditure_summary', 'basic', ''), ('three_public_costs', 'total', '公务接待费'))"""
        )
        checks = check_narratives_apart(con, ids, default_rules())
        found = {c.file_name: set(c.findings.select("table_type", "subject_code", "measure").rows()) for c in checks}
        assert found == {
            "js_rd_2019_doc.pdf": {("general_budget_expenditure", "2010101", "total")},
            "js_zx_2019_doc.pdf": {("expenditure_summary", None, "basic"), ("three_public_costs", None, "total")},
        }
        (message,) = next(c for c in checks if c.file_name == "js_rd_2019_doc.pdf").findings["message"]
        assert "'人大事务(款)行政运行(项)支出7448.2万元'" in message and "but js_rd_2019_tables.pdf: " in message
        assert con.execute("SELECT count(*) FROM fct_quality_finding WHERE rule = 'narrative_agrees'").fetchall() == [
            (4,)
        ]
    finally:
        con.close()
