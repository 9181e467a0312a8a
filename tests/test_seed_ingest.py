"""Acceptance over the two real seed disclosures: every printed amount lands as a fact."""

import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from tests.conftest import CANGXI_SEED, GUIYANG_SEED, SEEDS
from warehouse.load import connect

_AMOUNT = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)\.\d{2}$")
_TAG = re.compile(r"<[^>]+>")

REQUIRED_TABLES = [
    (GUIYANG_SEED, "2025年部门收支预算总表", "income_expenditure_summary"),
    (GUIYANG_SEED, "2025年部门支出预算总表", "expenditure_summary"),
    (GUIYANG_SEED, "2025年一般公共预算支出预算表", "general_budget_expenditure"),
    (GUIYANG_SEED, "2025年一般公共预算基本支出预算表(按部门预算经济科目)", "general_budget_basic_expenditure"),
    (GUIYANG_SEED, "2025年一般公共预算基本支出预算表(按政府预算经济科目)", "general_budget_basic_expenditure"),
    (GUIYANG_SEED, '2025年财政拨款"三公"经费支出预算表', "three_public_costs"),
    (CANGXI_SEED, "部门收支总表", "income_expenditure_summary"),
    (CANGXI_SEED, "部门支出总表", "expenditure_summary"),
    (CANGXI_SEED, "一般公共预算支出预算表", "general_budget_expenditure"),
    (CANGXI_SEED, "一般公共预算基本支出预算表", "general_budget_basic_expenditure"),
    (CANGXI_SEED, "一般公共预算“三公”经费支出预算表", "three_public_costs"),
]


def printed_amounts(seed: Path, title: str) -> set[tuple[str, Decimal]]:
    """(line, amount) of every well-formed amount printed in the table under `title`, read
    straight from the file: the table runs from the title over tab-separated blocks (blank lines
    between blocks are page breaks) to the next line of prose."""
    lines = seed.read_text("utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip("# ").strip() == title)
    amounts = set()
    seen_table = False
    for number, line in enumerate(lines[start + 1 :], start=start + 2):
        if "\t" in line:
            seen_table = True
            for cell in line.split("\t"):
                text = re.sub(r"\s+", "", _TAG.sub("", cell))
                if _AMOUNT.match(text):
                    amounts.add((f"line {number}", Decimal(text.replace(",", ""))))
        elif line.strip() and seen_table:
            break
    return amounts


@pytest.mark.parametrize(("seed", "title", "table_type"), REQUIRED_TABLES, ids=lambda v: getattr(v, "name", v))
def test_every_printed_amount_is_a_fact(seed_db: duckdb.DuckDBPyConnection, seed: Path, title: str, table_type: str):
    expected = printed_amounts(seed, title)
    assert expected, f"no amounts read under {title}"
    facts = set(
        seed_db.execute(
            """SELECT f.source_position, f.amount_wan FROM fct_budget_amount f
               JOIN dim_document d USING (document_id)
               WHERE d.file_name = ? AND f.table_type = ?""",
            [seed.name, table_type],
        ).fetchall()
    )
    missing = sorted(expected - facts)
    assert not missing, f"{len(missing)} printed amounts of {title} have no fact: {missing[:10]}"


SPOT_CHECKS = [
    (GUIYANG_SEED, "general_budget_expenditure", "2101301", "total", "423.00"),
    (GUIYANG_SEED, "general_budget_expenditure", "2101301", "project_own_level", "423.00"),
    (GUIYANG_SEED, "general_budget_expenditure", "21015", "basic", "265.35"),
    (GUIYANG_SEED, "general_budget_expenditure", "2101599", "project_upper_level", "512.26"),
    (GUIYANG_SEED, "general_budget_expenditure", "208", "personnel", "54.24"),
    (GUIYANG_SEED, "general_budget_basic_expenditure", "30239", "personnel", "16.86"),
    (GUIYANG_SEED, "general_budget_basic_expenditure", "30239", "public_operating", "1.69"),
    (GUIYANG_SEED, "general_budget_basic_expenditure", "50201", "basic", "43.05"),
    (GUIYANG_SEED, "income_expenditure_summary", "210", "total", "1870.05"),
    (CANGXI_SEED, "expenditure_summary", "2101102", "total", "8.70"),
    (CANGXI_SEED, "expenditure_summary", "2101102", "basic", "8.69"),
    (CANGXI_SEED, "expenditure_summary", "2101301", "project", "397.00"),
    (CANGXI_SEED, "general_budget_expenditure", "2101102", "total", "8.69"),
    (CANGXI_SEED, "general_budget_expenditure", "2101502", "carry_over", "52.00"),
    (CANGXI_SEED, "general_budget_expenditure", "2080505", "current_year", "54.47"),
    (CANGXI_SEED, "general_budget_basic_expenditure", "30101", "personnel", "156.19"),
    (CANGXI_SEED, "general_budget_basic_expenditure", "3011002", "personnel", "8.69"),
    (CANGXI_SEED, "general_budget_basic_expenditure", "302", "public_operating", "48.13"),
    (CANGXI_SEED, "general_budget_basic_expenditure", "30299", "basic", "2.66"),
    (CANGXI_SEED, "income_expenditure_summary", "208", "total", "54.47"),
]


@pytest.mark.parametrize(("seed", "table_type", "code", "measure", "value"), SPOT_CHECKS, ids=str)
def test_coded_amounts_have_the_right_code_measure_and_value(seed_db, seed, table_type, code, measure, value):
    got = seed_db.execute(
        """SELECT f.amount_wan FROM fct_budget_amount f JOIN dim_document d USING (document_id)
           WHERE d.file_name = ? AND f.table_type = ? AND f.subject_code = ? AND f.measure = ?""",
        [seed.name, table_type, code, measure],
    ).fetchall()
    assert got == [(Decimal(value),)]


@pytest.mark.parametrize(
    ("seed", "name", "measure", "value"),
    [
        (GUIYANG_SEED, "公务接待费", "total", "1.00"),
        (GUIYANG_SEED, "公务接待费", "prior_year_budget", "1.00"),
        (GUIYANG_SEED, "公务用车运行维护费", "total", "1.93"),
        (GUIYANG_SEED, "合计", "total", "2.93"),
        (CANGXI_SEED, "公务接待费", "total", "1.60"),
    ],
    ids=str,
)
def test_three_public_costs_items(seed_db, seed, name, measure, value):
    got = seed_db.execute(
        """SELECT DISTINCT f.amount_wan FROM fct_budget_amount f JOIN dim_document d USING (document_id)
           WHERE d.file_name = ? AND f.table_type = 'three_public_costs' AND f.subject_name = ? AND f.measure = ?""",
        [seed.name, name, measure],
    ).fetchall()
    assert got == [(Decimal(value),)]


def test_documents_are_identified(seed_db):
    rows = seed_db.execute(
        """SELECT d.file_name, d.adcode, r.name, r.province, r.city, d.department_name, d.department_code,
                  d.fiscal_year, d.status
           FROM dim_document d JOIN dim_region r USING (adcode) ORDER BY d.file_name"""
    ).fetchall()
    assert rows == [
        (GUIYANG_SEED.name, "520100", "贵阳市", "贵州省", "贵阳市", "贵阳市医疗保障局", "622", 2025, "loaded"),
        (CANGXI_SEED.name, "510824", "苍溪县", "四川省", "广元市", "苍溪县医疗保障局", "322", 2025, "loaded"),
    ]


def test_fact_columns_follow_the_contract(seed_db):
    types = dict(seed_db.execute("SELECT column_name, column_type FROM (DESCRIBE fct_budget_amount)").fetchall())
    assert types["amount_wan"] == "DECIMAL(18,2)"
    assert types["fiscal_year"] == "INTEGER"
    assert types["page"] == "INTEGER"
    vocab = seed_db.execute("SELECT DISTINCT subject_scheme FROM fct_budget_amount").fetchall()
    assert {v for (v,) in vocab} <= {"function", "econ_dept", "econ_gov", "revenue", "item"}
    bad_codes = seed_db.execute(
        "SELECT count(*) FROM fct_budget_amount"
        " WHERE subject_code IS NOT NULL AND NOT regexp_matches(subject_code, '^\\d{3}(\\d{2}){0,3}$')"
    ).fetchone()
    assert bad_codes == (0,)


def test_mart_rolls_up_cangxi_class_210_from_its_items(seed_db):
    items = seed_db.execute(
        """SELECT sum(amount_wan) FROM mart_function_by_region_year
           WHERE adcode = '510824' AND fiscal_year = 2025 AND level = '项' AND subject_code LIKE '210%'
             AND measure = 'total'"""
    ).fetchone()[0]
    class_row = seed_db.execute(
        """SELECT amount_wan, is_derived, subject_name, level FROM mart_function_by_region_year
           WHERE adcode = '510824' AND fiscal_year = 2025 AND subject_code = '210' AND measure = 'total'"""
    ).fetchall()
    assert class_row == [(items, True, "卫生健康支出", "类")]
    assert items == Decimal("952.34")


def test_mart_keeps_printed_levels_as_printed(seed_db):
    rows = seed_db.execute(
        """SELECT subject_code, amount_wan, is_derived FROM mart_function_by_region_year
           WHERE adcode = '520100' AND subject_code IN ('210', '21013') AND measure = 'total' ORDER BY 1"""
    ).fetchall()
    assert rows == [("210", Decimal("1870.05"), False), ("21013", Decimal("423.00"), False)]


def test_stored_mart_rows_equal_a_fresh_roll_up_of_the_facts(seed_db):
    stored = seed_db.execute("SELECT count(*) FROM mart_function_by_document").fetchone()[0]
    missing = seed_db.execute(
        "SELECT count(*) FROM (FROM function_mart_rows(NULL) EXCEPT ALL FROM mart_function_by_document)"
    ).fetchone()[0]
    extra = seed_db.execute(
        "SELECT count(*) FROM (FROM mart_function_by_document EXCEPT ALL FROM function_mart_rows(NULL))"
    ).fetchone()[0]
    assert stored > 0
    assert (missing, extra) == (0, 0)


def test_a_warehouse_without_stored_mart_rows_gets_them_on_connect(seed_warehouse: Path, tmp_path: Path):
    older = tmp_path / "older.duckdb"
    shutil.copy(seed_warehouse, older)
    con = duckdb.connect(str(older))
    expected = sorted(con.execute("FROM mart_function_by_region_year").fetchall())
    con.execute("DROP VIEW mart_function_by_region_year")
    con.execute("DROP TABLE mart_function_by_document")
    con.close()
    con = connect(older)
    try:
        assert sorted(con.execute("FROM mart_function_by_region_year").fetchall()) == expected
    finally:
        con.close()
    assert expected


def _counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [n for (n,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        return {n: con.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}
    finally:
        con.close()


def test_ingesting_twice_changes_no_counts(tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(SEEDS), "--warehouse", str(warehouse)]) == 0
    first = _counts(warehouse)
    assert main(["ingest", str(SEEDS), "--warehouse", str(warehouse)]) == 0
    assert _counts(warehouse) == first
    assert first["fct_budget_amount"] > 0


def test_mart_takes_a_documents_breakdown_from_a_whole_table_not_from_its_projects(tmp_path: Path):
    con = connect(tmp_path / "warehouse.duckdb")
    try:
        con.execute("CREATE TEMP TABLE facts AS FROM fct_budget_amount LIMIT 0")
        rows = [
            (0, "expenditure_summary", "21015", "total", "120.00"),
            (1, "project_expenditure", "2101506", "project", "30.00"),
            (1, "project_expenditure", "2101506", "project", "20.00"),
        ]
        for index, table_type, code, measure, amount in rows:
            con.execute(
                """INSERT INTO facts (document_id, table_type, table_index, subject_scheme, subject_code, row_kind,
                       measure, amount_wan, amount_printed, source_unit, source_position, column_index)
                   VALUES ('doc', ?, ?, 'function', ?, 'subject', ?, ?, ?, '万元', ?, 0)""",
                [table_type, index, code, measure, amount, amount, f"row {len(code)}{amount}"],
            )
        mart = con.execute(
            "SELECT source_table_type, level, subject_code, measure, amount_wan "
            "FROM function_mart_rows(NULL, facts := 'facts') ORDER BY level"
        ).fetchall()
    finally:
        con.close()
    assert mart == [
        ("expenditure_summary", "款", "21015", "total", Decimal("120.00")),
        ("expenditure_summary", "类", "210", "total", Decimal("120.00")),
    ]
