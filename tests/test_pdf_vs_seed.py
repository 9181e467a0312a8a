"""The PDFs and their text conversions must give the same facts, table by table.

The text conversions have defects of their own (a lost label, a cut-off amount, a table kept only
in part); those, and only those, are allowed as differences, each listed with what was seen.
"""

from collections import Counter
from decimal import Decimal

import duckdb
import pytest

COLUMNS = "f.table_type, f.subject_scheme, f.subject_code, f.subject_name, f.row_kind, f.side, f.measure, f.period, f.fund, f.amount_wan"  # noqa: E501

# The seed keeps 11 of the 52 rows of this 32-column table, with its header columns shifted.
PARTIAL_IN_SEED = {"fiscal_appropriation_by_econ"}

# Each defect: (table_type, subject_scheme, subject_name, row_kind, side, amount); all are uncoded
# row totals (measure total, no period or fund).
TEXT_DEFECTS = {
    "贵阳市": {
        # The seed's last 部门收支预算总表 row lost its labels and cut 1,954.47 to '1,954.'.
        "pdf_only": [
            ("income_expenditure_summary", "revenue", "收入总计", "total", "income", "1954.47"),
            ("income_expenditure_summary", "function", "支出总计", "total", "expenditure", "1954.47"),
            # The seed prints no amount beside 一般公共预算拨款收入 in the 财政拨款收支预算总表.
            ("fiscal_appropriation_summary", "revenue", "一般公共预算拨款收入", "item", "income", "1954.47"),
        ],
        "text_only": [("income_expenditure_summary", "function", None, "unlabeled", "expenditure", "1954.47")],
    },
    "苍溪县": {"pdf_only": [], "text_only": []},
}


def _facts(con: duckdb.DuckDBPyConnection, source_format: str, region: str) -> Counter:
    rows = con.execute(
        f"""SELECT {COLUMNS} FROM fct_budget_amount f JOIN dim_document d USING (document_id)
            WHERE d.source_format = ? AND d.region_name = ? AND f.table_type NOT IN (SELECT unnest(?))""",
        [source_format, region, sorted(PARTIAL_IN_SEED)],
    ).fetchall()
    return Counter(rows)


def _expected(defects: list[tuple]) -> Counter:
    return Counter(
        (table_type, scheme, None, name, kind, side, "total", None, None, Decimal(amount))
        for table_type, scheme, name, kind, side, amount in defects
    )


@pytest.mark.parametrize("region", sorted(TEXT_DEFECTS))
def test_pdf_and_text_conversion_give_the_same_facts(both_sources_warehouse, region: str) -> None:
    con = duckdb.connect(str(both_sources_warehouse), read_only=True)
    pdf, text = _facts(con, "pdf", region), _facts(con, "text", region)
    assert sum(pdf.values()) > 100
    pdf_only, text_only = pdf - text, text - pdf
    listing = "\n".join([*(f"only in PDF:  {k}" for k in pdf_only), *(f"only in text: {k}" for k in text_only)])
    assert pdf_only == _expected(TEXT_DEFECTS[region]["pdf_only"]), listing
    assert text_only == _expected(TEXT_DEFECTS[region]["text_only"]), listing


def test_partial_seed_table_is_contained_in_the_pdf(both_sources_warehouse) -> None:
    con = duckdb.connect(str(both_sources_warehouse), read_only=True)
    query = """SELECT f.subject_code, f.amount_wan FROM fct_budget_amount f JOIN dim_document d USING (document_id)
               WHERE d.source_format = ? AND f.table_type = 'fiscal_appropriation_by_econ'
                 AND f.measure = 'total' AND f.fund IS NULL AND f.period IS NULL AND f.row_kind = 'subject'"""
    pdf = set(con.execute(query, ["pdf"]).fetchall())
    text = set(con.execute(query, ["text"]).fetchall())
    assert text and text <= pdf


def test_every_pdf_fact_carries_its_page(both_sources_warehouse) -> None:
    con = duckdb.connect(str(both_sources_warehouse), read_only=True)
    missing, total = con.execute(
        """SELECT count(*) FILTER (WHERE f.page IS NULL), count(*) FROM fct_budget_amount f
           JOIN dim_document d USING (document_id) WHERE d.source_format = 'pdf'"""
    ).fetchone()
    assert total > 0 and missing == 0


@pytest.mark.parametrize(
    ("file_name", "code", "table_type", "measure", "page", "value"),
    [
        ("guiyang_2025_ybj.pdf", "2101301", "general_budget_expenditure", "total", 17, "423.00"),
        ("guiyang_2025_ybj.pdf", "30110", "general_budget_basic_expenditure", "basic", 19, "12.50"),
        ("cangxi_2025_ybj.pdf", "2101102", "expenditure_summary", "total", 10, "8.70"),
        ("cangxi_2025_ybj.pdf", "2101102", "general_budget_expenditure", "total", 13, "8.69"),
        ("cangxi_2025_ybj.pdf", "3011002", "general_budget_basic_expenditure", "personnel", 15, "8.69"),
    ],
)
def test_pdf_facts_point_at_the_page_that_prints_them(
    both_sources_warehouse, file_name, code, table_type, measure, page, value
):
    con = duckdb.connect(str(both_sources_warehouse), read_only=True)
    rows = con.execute(
        """SELECT f.page, f.amount_wan FROM fct_budget_amount f JOIN dim_document d USING (document_id)
           WHERE d.file_name = ? AND f.subject_code = ? AND f.table_type = ? AND f.measure = ?""",
        [file_name, code, table_type, measure],
    ).fetchall()
    assert rows == [(page, Decimal(value))]
