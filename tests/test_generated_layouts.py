"""Acceptance tests for the Shanghai district, Jiangsu provincial and Hunan (national template)
layouts, on generated PDFs.

Real disclosures of these provinces print landscape and /Rotate 90 pages, amounts in 元, titles
ruled inside the grid, three-sided 收支总表, tables running over pages without a header, and rows
whose codes were damaged in printing. The factory prints each feature from a data model, so every
test can name the exact amount, page and meaning it expects, and no test depends on one real file.

Expectations chosen where the contract leaves room (kept in one place so the implementation can
read them): a row is matched on its subject code, else on its printed label without leading
enumeration (一、基本支出 -> 基本支出); the 支出用途 lines of a Jiangsu 收支预算总表 are `total`
amounts on the expenditure side; a 小计 row of the Jiangsu 收入预算总表 is labelled by its merged
group cell (一般公共预算资金); "三公" columns are items named as the Sichuan layout names them
(公务用车购置费 for 购置费 under 公务用车购置及运行费), 合计 is the row total and 机关运行经费 is
the measure `operating_costs` of no item; 财政拨款基本支出 amounts are `basic` and 机关运行经费支出
amounts `operating_costs`.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pdfplumber
import pytest

from factory.disclosures import (
    DAMAGE_KINDS,
    Disclosure,
    DisclosureSpec,
    PrintedAmount,
    build_disclosure,
    hunan_spec,
    jiangsu_spec,
    shanghai_spec,
)
from pipelines.cli import main
from tests.conftest import read_only

SPECS: dict[str, DisclosureSpec] = {
    "shanghai": shanghai_spec(),
    "shanghai_damaged": shanghai_spec(
        whole_yuan=True, department_name="上海市普陀区市场监督管理局", fiscal_year=2024, damage=DAMAGE_KINDS
    ),
    "jiangsu": jiangsu_spec(),
    "hunan": hunan_spec(),
}
CLEAN = ("shanghai", "jiangsu", "hunan")
SHANGHAI_TABLES = (
    "income_expenditure_summary",
    "income_summary",
    "expenditure_summary",
    "fiscal_appropriation_summary",
    "general_budget_expenditure",
    "general_budget_basic_expenditure",
    "three_public_costs",
)
JIANGSU_TABLES = (
    "income_expenditure_summary",
    "income_summary",
    "fiscal_appropriation_expenditure",
    "fiscal_appropriation_basic_expenditure",
    "general_budget_operating_costs",
)
HUNAN_TABLES = (
    "income_expenditure_summary",
    "income_summary",
    "expenditure_summary",
    "basic_expenditure",
    "project_expenditure",
)
TABLES = {
    "shanghai": SHANGHAI_TABLES,
    "shanghai_damaged": SHANGHAI_TABLES,
    "jiangsu": JIANGSU_TABLES,
    "hunan": HUNAN_TABLES,
}
DOC_TABLES = [(doc, table_type) for doc, types in TABLES.items() for table_type in types]
SIDED = ("income_expenditure_summary", "fiscal_appropriation_summary")

_ENUMERATION = re.compile(r"^([(（][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.．、])")
_AMOUNT_CELL = re.compile(r"^(\d{1,3}(,\d{3})+(\.\d\d)?|\d+\.\d\d|0)$")


def label_key(text: str | None) -> str | None:
    """A printed label as compared: NFKC, no spaces, ASCII quotes, no leading enumeration."""
    if not text:
        return None
    compact = "".join(unicodedata.normalize("NFKC", text).split()).translate(str.maketrans("“”", '""'))
    return _ENUMERATION.sub("", compact) or None


def _item(table_type: str, name: str | None) -> str | None:
    key = label_key(name)
    return key if table_type == "three_public_costs" and key != "合计" else None


def printed_key(a: PrintedAmount) -> tuple:
    return (
        a.page,
        a.side,
        a.subject_code or label_key(a.row_label),
        a.measure,
        _item(a.table_type, a.subject_name),
        a.amount,
    )


def fact_key(f: dict) -> tuple:
    row = f["subject_code"] or label_key(f["row_label"])
    return (f["page"], f["side"], row, f["measure"], _item(f["table_type"], f["subject_name"]), f["amount_wan"])


@pytest.fixture(scope="module")
def built() -> dict[str, Disclosure]:
    return {name: build_disclosure(spec) for name, spec in SPECS.items()}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, built: dict[str, Disclosure]) -> Path:
    """All three documents loaded by one CLI run; a rejected one shows in its own tests."""
    inbox = tmp_path_factory.mktemp("layouts")
    for name, disclosure in built.items():
        (inbox / f"{name}_{disclosure.spec.fiscal_year}.pdf").write_bytes(disclosure.pdf)
    path = inbox / "warehouse.duckdb"
    main(["ingest", str(inbox), "--warehouse", str(path)])
    return path


@pytest.fixture
def con(warehouse: Path):
    with read_only(warehouse) as connection:
        yield connection


def facts(con: duckdb.DuckDBPyConnection, disclosure: Disclosure, table_type: str | None = None) -> list[dict]:
    query = "SELECT * FROM fct_budget_amount WHERE document_id = ?"
    params: list = [disclosure.document_id]
    if table_type:
        query += " AND table_type = ?"
        params.append(table_type)
    cursor = con.execute(query, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def rows(con: duckdb.DuckDBPyConnection, query: str, *params) -> list[dict]:
    cursor = con.execute(query, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _listing(missing: Counter, extra: Counter) -> str:
    return "\n".join([*(f"printed, not loaded: {k}" for k in missing), *(f"loaded, not printed: {k}" for k in extra)])


# ---------------------------------------------------------------------------------------------
# The factory itself: what it claims to print is what pdfplumber reads (these pass today).


@pytest.mark.parametrize("doc", SPECS)
def test_factory_prints_exactly_the_amounts_it_records(built: dict[str, Disclosure], doc: str) -> None:
    disclosure = built[doc]
    claimed = Counter((a.page, a.printed) for a in disclosure.amounts)
    read: Counter = Counter()
    with pdfplumber.open(io.BytesIO(disclosure.pdf)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            for table in page.extract_tables():
                read.update((number, c) for row in table for c in row if c and _AMOUNT_CELL.match(c))
            if number in disclosure.rotated_pages:
                assert page.rotation == 90
    assert read == claimed, _listing(claimed - read, read - claimed)


def test_factory_layout_features(built: dict[str, Disclosure]) -> None:
    shanghai, damaged, jiangsu = built["shanghai"], built["shanghai_damaged"], built["jiangsu"]
    assert {t for t, pages in shanghai.table_pages.items() if len(pages) > 1} >= {
        "income_summary",
        "expenditure_summary",
        "general_budget_expenditure",
        "general_budget_basic_expenditure",
    }
    assert jiangsu.rotated_pages and len(jiangsu.rotated_pages) < jiangsu.page_count
    assert {d.kind for d in damaged.damage} == set(DAMAGE_KINDS)
    assert all(a.unit == "万元" for a in shanghai.amounts_of("three_public_costs"))
    assert {a.unit for a in shanghai.amounts_of("income_summary")} == {"元"}
    with pytest.raises(ValueError, match="sichuan layout only"):
        build_disclosure(jiangsu.spec, "wrong_class_total")


# ---------------------------------------------------------------------------------------------
# Identity


@pytest.mark.parametrize("doc", SPECS)
def test_document_loads_under_its_department_and_region(
    con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure], doc: str
) -> None:
    disclosure = built[doc]
    spec = disclosure.spec
    found = rows(
        con,
        "SELECT status, reason, adcode, department_name, fiscal_year FROM dim_document WHERE document_id = ?",
        disclosure.document_id,
    )
    assert found and found[0]["status"] == "loaded", found
    assert (found[0]["department_name"], found[0]["adcode"], found[0]["fiscal_year"]) == (
        spec.department_name,
        spec.adcode,
        spec.fiscal_year,
    )


# ---------------------------------------------------------------------------------------------
# Amounts: recall per table, precision per document


@pytest.mark.parametrize(("doc", "table_type"), DOC_TABLES)
def test_every_printed_amount_is_one_fact(
    con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure], doc: str, table_type: str
) -> None:
    """Multisets of (page, side, code or label, measure, item, 万元): a row read twice, a side or
    measure mixed up, or 元 converted wrongly all show, naming the cell."""
    disclosure = built[doc]
    printed = Counter(printed_key(a) for a in disclosure.amounts_of(table_type) if a.fact)
    loaded = Counter(fact_key(f) for f in facts(con, disclosure, table_type))
    assert printed
    assert loaded == printed, _listing(printed - loaded, loaded - printed)


@pytest.mark.parametrize("doc", SPECS)
def test_no_fact_is_unprinted(con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure], doc: str) -> None:
    disclosure = built[doc]
    printed = Counter((a.table_type, *printed_key(a)) for a in disclosure.amounts if a.fact)
    loaded = Counter((f["table_type"], *fact_key(f)) for f in facts(con, disclosure))
    assert loaded, "no facts loaded"
    assert not loaded - printed, _listing(Counter(), loaded - printed)


@pytest.mark.parametrize("doc", CLEAN)
def test_amounts_in_yuan_round_half_up_to_wan(
    con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure], doc: str
) -> None:
    disclosure = built[doc]
    expected = {(a.table_type, a.page, a.printed): (a.amount, a.unit) for a in disclosure.amounts if a.fact}
    loaded = {
        (f["table_type"], f["page"], f["amount_printed"]): (f["amount_wan"], f["source_unit"])
        for f in facts(con, disclosure)
    }
    wrong = {k: (loaded[k], v) for k, v in expected.items() if k in loaded and loaded[k] != v}
    assert not wrong, wrong
    if doc == "shanghai":
        # 1,234,450.00 元 is 123.445 万元: half-up, not half-even.
        key = ("general_budget_basic_expenditure", disclosure.pages["general_budget_basic_expenditure"], "1,234,450.00")
        assert loaded.get(key, (None,))[0] == Decimal("123.45")


# ---------------------------------------------------------------------------------------------
# Sides


@pytest.mark.parametrize("doc", SPECS)
def test_sided_tables_give_every_fact_a_side(
    con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure], doc: str
) -> None:
    disclosure = built[doc]
    for table_type in SIDED:
        if table_type not in disclosure.pages:
            continue
        found = facts(con, disclosure, table_type)
        assert found, f"no facts from {table_type}"
        assert {f["side"] for f in found} <= {"income", "expenditure"}, table_type
        assert {f["side"] for f in found} == {"income", "expenditure"}, table_type


def test_shanghai_expenditure_side_rows_are_classes(
    con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure]
) -> None:
    """The 支出 side prints class names without codes (二、卫生健康支出): they resolve to 类 codes."""
    disclosure = built["shanghai"]
    found = {
        (f["subject_code"], label_key(f["row_label"]))
        for f in facts(con, disclosure, "income_expenditure_summary")
        if f["side"] == "expenditure" and f["row_kind"] == "subject"
    }
    assert found == {("208", "社会保障和就业支出"), ("210", "卫生健康支出"), ("221", "住房保障支出")}


def test_hunan_projects_keep_their_names_and_the_unit_row_its_code(
    con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure]
) -> None:
    disclosure = built["hunan"]
    printed = Counter(
        (a.subject_code, a.subject_name, a.measure, a.amount)
        for a in disclosure.amounts
        if a.table_type == "project_expenditure" and a.row_kind == "subject"
    )
    loaded = Counter(
        (f["subject_code"], f["subject_name"], f["measure"], f["amount_wan"])
        for f in facts(con, disclosure, "project_expenditure")
        if f["row_kind"] == "subject"
    )
    units = {
        (f["department_code"], f["row_label"])
        for f in facts(con, disclosure, "income_summary")
        if f["row_kind"] == "unit"
    }
    assert loaded == printed and {name for _, name, _, _ in printed} == {
        "农业生产发展专项经费",
        "农村社会事业专项经费",
        "农田建设专项经费",
        "行政运行专项经费",
    }
    assert units == {(disclosure.spec.unit_code, disclosure.spec.department_name)}


def test_jiangsu_three_sided_summary(con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure]) -> None:
    """收入 | 支出 (功能分类 | 支出用途): the 支出用途 lines are expenditure-side totals of their own
    rows, the 功能分类 lines are 类 codes, and the closing 支出 cells merged over four columns keep
    their labels."""
    disclosure = built["jiangsu"]
    spec = disclosure.spec
    found = facts(con, disclosure, "income_expenditure_summary")
    by_label = {(f["side"], label_key(f["row_label"]), f["measure"]): f for f in found}
    for label, value in (
        ("基本支出", spec.basic),
        ("项目支出", spec.project - spec.reserve),
        ("单位预留机动经费", spec.reserve),
    ):
        fact = by_label.get(("expenditure", label, "total"))
        assert fact is not None, f"{label}: {sorted(by_label)}"
        assert (fact["amount_wan"], fact["subject_code"]) == (value, None)
    for label in ("当年支出小计", "支出合计"):
        assert by_label[("expenditure", label, "total")]["amount_wan"] == spec.total
    for label in ("当年收入小计", "收入合计"):
        assert by_label[("income", label, "total")]["amount_wan"] == spec.total
    classes = {f["subject_code"]: f["amount_wan"] for f in found if f["side"] == "expenditure" and f["subject_code"]}
    assert classes == {code: spec.function_totals(code)[0] for code in spec.function_classes()}


# ---------------------------------------------------------------------------------------------
# Tables over pages, totals and classes kept, new types


@pytest.mark.parametrize("doc", SPECS)
def test_continuation_pages_join_their_table(
    con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure], doc: str
) -> None:
    """A page that runs straight into rows (no title, no header) or repeats the header belongs to
    the table before it: no untyped table is left, and each broken table counts its segments."""
    disclosure = built[doc]
    tables = rows(
        con,
        "SELECT table_type, title, page, segments, facts FROM stg_table WHERE document_id = ?",
        disclosure.document_id,
    )
    assert tables
    assert [t for t in tables if t["table_type"] is None] == []
    segments = {t["table_type"]: t["segments"] for t in tables}
    for table_type, pages in disclosure.table_pages.items():
        assert segments.get(table_type) == len(pages), (table_type, pages, tables)


@pytest.mark.parametrize("doc", SPECS)
def test_total_and_class_rows_are_kept(con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure], doc: str) -> None:
    disclosure = built[doc]
    wanted = Counter(
        (a.table_type, *printed_key(a))
        for a in disclosure.amounts
        if a.fact and (a.row_kind == "total" or (a.subject_code and len(a.subject_code) == 3))
    )
    loaded = Counter((f["table_type"], *fact_key(f)) for f in facts(con, disclosure))
    assert not wanted - loaded, _listing(wanted - loaded, Counter())


@pytest.mark.parametrize("doc", SPECS)
def test_every_table_is_classified(con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure], doc: str) -> None:
    disclosure = built[doc]
    found = rows(con, "SELECT table_type, title FROM stg_table WHERE document_id = ?", disclosure.document_id)
    assert sorted(t["table_type"] or f"None: {t['title']}" for t in found) == sorted(TABLES[doc])


def test_three_public_operating_costs_column(con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure]) -> None:
    disclosure = built["shanghai"]
    found = [
        (f["measure"], f["subject_name"], f["amount_wan"], f["source_unit"])
        for f in facts(con, disclosure, "three_public_costs")
        if f["measure"] == "operating_costs"
    ]
    assert found == [("operating_costs", None, disclosure.spec.operating_costs, "万元")]


# ---------------------------------------------------------------------------------------------
# Damaged rows


def test_econ_code_that_lost_its_zero_is_repaired(con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure]) -> None:
    disclosure = built["shanghai_damaged"]
    damage = next(d for d in disclosure.damage if d.kind == "econ_code_lost_zero")
    found = facts(con, disclosure, damage.table_type)
    codes = {f["subject_code"] for f in found if f["page"] == damage.page}
    assert damage.subject_code in codes
    assert "3012" not in codes
    issues = rows(
        con,
        "SELECT page, kind, message FROM stg_issue WHERE document_id = ? AND page = ?",
        disclosure.document_id,
        damage.page,
    )
    # The issue names the repaired code, or the printed parts it was repaired from.
    mentions = (damage.subject_code, f"'{damage.printed_code[-1]}'", "".join(damage.printed_code))
    assert any(any(m in i["message"] for m in mentions) for i in issues), issues


def test_garbled_class_is_quarantined_not_loaded(con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure]) -> None:
    disclosure = built["shanghai_damaged"]
    damage = next(d for d in disclosure.damage if d.kind == "garbled_class")
    status = rows(con, "SELECT status FROM dim_document WHERE document_id = ?", disclosure.document_id)
    assert status == [{"status": "loaded"}]
    on_page = [f for f in facts(con, disclosure, damage.table_type) if f["page"] == damage.page]
    assert on_page
    quarantined = {(a.measure, a.amount) for a in damage.amounts}
    assert not [f for f in on_page if label_key(f["row_label"]) == damage.subject_name], "the garbled row became facts"
    assert not [f for f in on_page if f["subject_code"] in ("71102", "7", "7110")]
    assert quarantined
    issues = rows(
        con,
        "SELECT page, kind, message FROM stg_issue WHERE document_id = ? AND page = ?",
        disclosure.document_id,
        damage.page,
    )
    printed = [a.printed for a in damage.amounts]
    assert any(damage.subject_name in i["message"] or any(p in i["message"] for p in printed) for i in issues), issues


# ---------------------------------------------------------------------------------------------
# Coverage counts


@pytest.mark.parametrize("doc", CLEAN)
def test_clean_document_loads_every_amount_cell(
    con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure], doc: str
) -> None:
    disclosure = built[doc]
    found = rows(
        con, "SELECT amount_cells, amount_cells_loaded FROM dim_document WHERE document_id = ?", disclosure.document_id
    )
    assert found == [{"amount_cells": len(disclosure.amounts), "amount_cells_loaded": len(disclosure.amounts)}]


def test_quarantined_cells_are_counted_not_loaded(con: duckdb.DuckDBPyConnection, built: dict[str, Disclosure]) -> None:
    disclosure = built["shanghai_damaged"]
    quarantined = sum(1 for a in disclosure.amounts if not a.fact)
    found = rows(
        con, "SELECT amount_cells, amount_cells_loaded FROM dim_document WHERE document_id = ?", disclosure.document_id
    )
    assert found == [
        {"amount_cells": len(disclosure.amounts), "amount_cells_loaded": len(disclosure.amounts) - quarantined}
    ]
