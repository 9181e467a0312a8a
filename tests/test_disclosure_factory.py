"""The disclosure factory and the pipeline must agree on every generated number.

The factory is only useful as ground truth (for quality rules, benchmarks, bad-input tests) if
what it claims to print is exactly what the pipeline reads back: same table, page, subject code,
measure and amount. Any disagreement is either a generator bug or a pipeline misread, and the
comparison below names the cell either way.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from extractors import extract_document
from factory.disclosures import (
    TABLE_TYPES,
    Disclosure,
    DisclosureSpec,
    EconomicItem,
    FunctionItem,
    Plant,
    ThreePublicItem,
    build_disclosure,
    normalized_name,
)
from pipelines.cli import main
from tests.conftest import read_only
from transforms.regions import region_reference


@pytest.fixture(scope="session")
def clean() -> Disclosure:
    return build_disclosure(DisclosureSpec())


@pytest.fixture(scope="session")
def clean_warehouse(tmp_path_factory: pytest.TempPathFactory, clean: Disclosure) -> Path:
    """The clean disclosure ingested through the CLI, exactly as a user would load a download."""
    folder = tmp_path_factory.mktemp("factory")
    pdf = folder / "wangcang_2025_jyj.pdf"
    pdf.write_bytes(clean.pdf)
    warehouse = folder / "warehouse.duckdb"
    assert main(["ingest", str(pdf), "--warehouse", str(warehouse)]) == 0
    return warehouse


@pytest.fixture
def con(clean_warehouse: Path):
    with read_only(clean_warehouse) as connection:
        yield connection


def _facts(con: duckdb.DuckDBPyConnection, table_type: str) -> list[dict]:
    cursor = con.execute(
        """SELECT page, side, row_kind, subject_code, subject_name, measure, amount_wan, department_code
           FROM fct_budget_amount WHERE table_type = ?""",
        [table_type],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_clean_disclosure_loads_under_its_region(con: duckdb.DuckDBPyConnection, clean: Disclosure) -> None:
    regions = region_reference()
    wangcang = regions.filter(pl.col("name") == "旺苍县").row(0, named=True)
    document = con.execute(
        """SELECT document_id, status, adcode, region_name, department_code, department_name, fiscal_year, pages,
                  tables_found, tables_unknown
           FROM dim_document"""
    ).fetchall()
    assert document == [
        (
            clean.document_id,
            "loaded",
            wangcang["adcode"],
            "旺苍县",
            clean.spec.department_code,
            clean.spec.department_name,
            clean.spec.fiscal_year,
            clean.page_count,
            len(TABLE_TYPES),
            0,
        )
    ]


@pytest.mark.parametrize("table_type", TABLE_TYPES)
def test_every_printed_amount_comes_back_as_one_fact(
    con: duckdb.DuckDBPyConnection, clean: Disclosure, table_type: str
) -> None:
    """Multisets, not sets: a row read twice or an amount read under the wrong measure both show."""

    def key(page, side, kind, code, name, measure, amount) -> tuple:
        return (page, side, kind, code, normalized_name(name or ""), measure, amount)

    printed = Counter(
        key(a.page, a.side, a.row_kind, a.subject_code, a.subject_name, a.measure, a.amount)
        for a in clean.amounts_of(table_type)
    )
    loaded = Counter(
        key(f["page"], f["side"], f["row_kind"], f["subject_code"], f["subject_name"], f["measure"], f["amount_wan"])
        for f in _facts(con, table_type)
    )
    listing = "\n".join(
        [
            *(f"printed, not loaded: {k}" for k in printed - loaded),
            *(f"loaded, not printed: {k}" for k in loaded - printed),
        ]
    )
    assert printed, f"the factory printed no amount in {table_type}"
    assert loaded == printed, listing


def test_class_and_section_rows_are_the_sums_of_their_items(con: duckdb.DuckDBPyConnection, clean: Disclosure) -> None:
    spec = clean.spec
    rows = con.execute(
        """SELECT subject_code, measure, amount_wan FROM fct_budget_amount
           WHERE table_type = 'general_budget_expenditure' AND length(subject_code) IN (3, 5)"""
    ).fetchall()
    loaded = {(code, measure): amount for code, measure, amount in rows}
    for code in {c for item in spec.function_items for c in (item.code[:3], item.code[:5])}:
        total, basic, project = spec.function_totals(code)
        assert loaded[(code, "total")] == total == basic + project
        for measure, value in (("basic", basic), ("project", project)):
            assert loaded.get((code, measure), Decimal(0)) == value, (code, measure)
    summary = dict(
        con.execute(
            """SELECT subject_code, amount_wan FROM fct_budget_amount
               WHERE table_type = 'income_expenditure_summary' AND side = 'expenditure' AND row_kind = 'subject'"""
        ).fetchall()
    )
    assert summary == {code: spec.function_totals(code)[0] for code in spec.function_classes()}


def test_summary_balances_and_basic_spending_splits(con: duckdb.DuckDBPyConnection, clean: Disclosure) -> None:
    spec = clean.spec
    totals = dict(
        con.execute(
            """SELECT table_type || ':' || coalesce(side, '') || ':' || subject_name || ':' || measure, amount_wan
               FROM fct_budget_amount WHERE row_kind = 'total'"""
        ).fetchall()
    )
    assert totals["income_expenditure_summary:income:收入总计:total"] == spec.total
    assert totals["income_expenditure_summary:expenditure:支出总计:total"] == spec.total
    assert totals["income_expenditure_summary:income:本年收入合计:total"] == spec.general_budget_income
    assert totals["expenditure_summary::合计:basic"] == spec.basic
    assert totals["general_budget_basic_expenditure::合计:basic"] == spec.basic
    assert totals["general_budget_basic_expenditure::合计:personnel"] == spec.personnel
    assert totals["general_budget_basic_expenditure::合计:public_operating"] == spec.public_operating
    assert spec.basic == spec.personnel + spec.public_operating


def test_three_public_items_come_back_by_name(con: duckdb.DuckDBPyConnection, clean: Disclosure) -> None:
    rows = con.execute(
        """SELECT subject_name, measure, amount_wan FROM fct_budget_amount
           WHERE table_type = 'three_public_costs' AND row_kind = 'item'"""
    ).fetchall()
    loaded = {(name, measure): amount for name, measure, amount in rows}
    for item in clean.spec.three_public_items:
        name = normalized_name(item.name)
        for measure, value in (("total", item.current_year), ("prior_year_budget", item.prior_year)):
            assert loaded.get((name, measure), Decimal(0)) == value, (name, measure)
    total = con.execute(
        """SELECT amount_wan FROM fct_budget_amount
           WHERE table_type = 'three_public_costs' AND row_kind = 'total' AND measure = 'total'"""
    ).fetchall()
    assert total == [(clean.spec.three_public_total,)]


def test_item_rows_carry_the_unit_code_printed_beside_them(con: duckdb.DuckDBPyConnection, clean: Disclosure) -> None:
    codes = con.execute(
        """SELECT DISTINCT department_code FROM fct_budget_amount
           WHERE table_type = 'expenditure_summary' AND row_kind = 'subject'"""
    ).fetchall()
    assert codes == [(clean.spec.unit_code,)]


def test_narrative_sentences_survive_extraction_whole(tmp_path: Path, clean: Disclosure) -> None:
    """The narrative breaks lines only after punctuation, so no stated figure is cut in two."""
    path = tmp_path / "clean.pdf"
    path.write_bytes(clean.pdf)
    text = normalized_name(extract_document(path).text)
    for sentence in clean.narrative:
        assert normalized_name(sentence) in text


def test_plants_change_exactly_one_printed_number(clean: Disclosure) -> None:
    for kind in ("wrong_class_total", "unbalanced_summary"):
        planted = build_disclosure(clean.spec, kind)
        record = planted.plant(kind)
        changed = set(planted.amounts) ^ set(clean.amounts)
        assert len(changed) == 2, changed
        assert record.difference == Plant(kind).delta
        assert record.page == planted.pages[record.table_type]
        assert planted.narrative == clean.narrative
    narrated = build_disclosure(clean.spec, "narrative_total")
    assert narrated.amounts == clean.amounts
    assert [s for s in narrated.narrative if s not in clean.narrative] == [narrated.plant("narrative_total").label]
    assert narrated.plant("narrative_total").printed_text in narrated.plant("narrative_total").label


def test_spec_refuses_what_cannot_be_printed_consistently() -> None:
    with pytest.raises(ValueError, match="basic spending"):
        DisclosureSpec(economic_items=(EconomicItem("30101", "基本工资", "1.00"),))
    with pytest.raises(TypeError, match="float"):
        FunctionItem("2050101", "行政运行", 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="subject_names"):
        DisclosureSpec(
            function_items=(FunctionItem("2059801", "其他", "1.00"),),
            economic_items=(EconomicItem("30101", "基本工资", "1.00"),),
            carry_over=Decimal("0.00"),
        )


def test_long_tables_continue_under_a_repeated_header(tmp_path: Path) -> None:
    """A spec too long for one page prints continuation pages; facts keep the page they are on."""
    items = tuple(FunctionItem(f"20502{n:02d}", f"普通教育项目{n}", f"{n}.00", "1.00") for n in range(1, 41))
    spec = DisclosureSpec(
        function_items=items,
        economic_items=(EconomicItem("30101", "基本工资", f"{sum(range(1, 41))}.00"),),
        carry_over=Decimal("0.00"),
    )
    disclosure = build_disclosure(spec)
    pages = {a.page for a in disclosure.amounts_of("general_budget_expenditure")}
    assert len(pages) >= 2
    pdf, warehouse = tmp_path / "long.pdf", tmp_path / "w.duckdb"
    pdf.write_bytes(disclosure.pdf)
    assert main(["ingest", str(pdf), "--warehouse", str(warehouse)]) == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        query = """SELECT page, subject_code, measure, amount_wan FROM fct_budget_amount
                   WHERE table_type = 'general_budget_expenditure'"""
        loaded = Counter(con.execute(query).fetchall())
    printed = Counter(
        (a.page, a.subject_code, a.measure, a.amount) for a in disclosure.amounts_of("general_budget_expenditure")
    )
    assert loaded == printed


def test_three_public_table_whose_first_item_is_blank(tmp_path: Path) -> None:
    """Sichuan prints zeros as blanks, so the first 三公 line may print no amount at all; it is still
    a data row, not a header row (the pipeline once read it as a heading and lost every row label)."""
    spec = DisclosureSpec(
        three_public_items=(ThreePublicItem("因公出国（境）费"), *DisclosureSpec().three_public_items[1:])
    )
    pdf, warehouse = tmp_path / "blank_first.pdf", tmp_path / "w.duckdb"
    pdf.write_bytes(build_disclosure(spec).pdf)
    assert main(["ingest", str(pdf), "--warehouse", str(warehouse)]) == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        query = "SELECT subject_name FROM fct_budget_amount WHERE table_type = 'three_public_costs'"
        names = {name for (name,) in con.execute(query).fetchall()}
    assert names == {"公务用车购置及运行费", "公务用车运行费", "公务接待费", "合计"}
