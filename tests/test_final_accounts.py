"""Final accounts (部门决算): read beside budgets, checked by their own balances, and compared with
the budget in mart_budget_execution."""

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from extractors import ExtractedDocument
from factory.disclosures import DisclosureSpec, build_disclosure
from factory.final_accounts import FINAL_PLANTS, TEMPLATES, FinalAccountSpec, Template, build_final_account
from factory.pdf import Ruling
from pipelines.cli import main
from tests.conftest import REAL, read_only
from transforms.document import normalize_document
from transforms.filing import identity_problem

FAMILY = {
    "income_expenditure_summary",
    "income_summary",
    "expenditure_summary",
    "fiscal_appropriation_summary",
    "general_budget_expenditure",
    "general_budget_basic_expenditure",
    "three_public_costs",
    "government_fund_expenditure",
    "state_capital_expenditure",
}


def _ingest(directory: Path, files: dict[str, bytes]) -> Path:
    directory.mkdir()
    for name, data in files.items():
        (directory / name).write_bytes(data)
    warehouse = directory / "warehouse.duckdb"
    main(["ingest", *(str(directory / name) for name in files), "--warehouse", str(warehouse)])
    return warehouse


@pytest.fixture(scope="module")
def planted_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {"original.pdf": build_final_account().pdf}
    files["national.pdf"] = build_final_account(FinalAccountSpec(template="national")).pdf
    files |= {f"{plant}.pdf": build_final_account(plant=plant).pdf for plant in FINAL_PLANTS}
    return _ingest(tmp_path_factory.mktemp("planted") / "files", files)


@pytest.fixture
def planted(planted_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with read_only(planted_warehouse) as con:
        yield con


def test_a_final_account_is_filed_under_the_year_it_accounts_for(
    extract: Callable[[bytes], ExtractedDocument],
) -> None:
    normalized = normalize_document(extract(build_final_account(FinalAccountSpec(fiscal_year=2023)).pdf))

    assert (normalized.document_kind, normalized.context.fiscal_year) == ("final_account", 2023)
    assert normalized.context.adcode == "510821"
    assert identity_problem(normalized) is None


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("prints_budget_columns", [True, False])
def test_every_coded_amount_is_read_with_its_measure(
    extract: Callable[[bytes], ExtractedDocument], prints_budget_columns: bool, template: Template
) -> None:
    account = build_final_account(FinalAccountSpec(prints_budget_columns=prints_budget_columns, template=template))
    facts = normalize_document(extract(account.pdf)).facts
    read = {
        (row["table_type"], row["subject_code"], row["measure"], row["amount_wan"])
        for row in facts.filter(
            facts["table_type"].is_in(
                ["expenditure_summary", "general_budget_expenditure", "fiscal_appropriation_summary"]
            )
            & (facts["row_kind"] == "subject")
        ).iter_rows(named=True)
    }
    expected = {(f.table_type, f.subject_code, f.measure, f.amount_wan) for f in account.facts}
    assert read == expected
    measures = {m for _, _, m, _ in read}
    assert ({"initial_budget", "adjusted_budget", "final"} <= measures) == prints_budget_columns


@pytest.mark.parametrize(
    ("template", "ruling"),
    [*((template, "grid") for template in TEMPLATES), ("national", "horizontal"), ("national", "none")],
)
def test_every_three_public_amount_is_read_under_its_item(
    extract: Callable[[bytes], ExtractedDocument], template: Template, ruling: Ruling
) -> None:
    """Whichever way the header nests 预算数 | 决算数 and the items, and however the table is ruled
    (an unruled print wraps 公务用车购置及运行费 over two lines of one cell)."""
    account = build_final_account(FinalAccountSpec(template=template, ruling=ruling))
    facts = normalize_document(extract(account.pdf)).facts.filter(pl.col("table_type") == "three_public_costs")

    read = {(row["subject_name"], row["measure"], row["amount_wan"]) for row in facts.iter_rows(named=True)}
    assert read == {(item.item, item.measure, item.amount_wan) for item in account.items}
    assert facts.height == len(account.items)


def test_the_national_templates_row_and_column_numbers_are_no_amounts(
    extract: Callable[[bytes], ExtractedDocument],
) -> None:
    normalized = normalize_document(extract(build_final_account(FinalAccountSpec(template="national")).pdf))

    assert normalized.issues == []
    # money prints two decimals; 行次 (1, 2 ... 16) and 栏次 (1 | 2 | 3) print none
    assert normalized.facts.height > 0 and all("." in printed for printed in normalized.facts["amount_printed"])
    summary = normalized.facts.filter(pl.col("table_type") == "income_expenditure_summary")
    assert summary.group_by("side").len().sort("side").rows() == [("expenditure", 8), ("income", 5)]


def test_an_altered_final_account_raises_more_errors_than_the_original(planted: duckdb.DuckDBPyConnection) -> None:
    errors = dict(
        planted.execute(
            """SELECT d.file_name, count(f.rule) FROM dim_document d
               LEFT JOIN fct_quality_finding f ON f.document_id = d.document_id AND f.severity = 'error'
               GROUP BY 1"""
        ).fetchall()
    )
    assert errors["original.pdf"] == errors["national.pdf"] == 0
    assert all(errors[f"{plant}.pdf"] > errors["original.pdf"] for plant in FINAL_PLANTS)
    error_rules = planted.execute("SELECT DISTINCT rule FROM fct_quality_finding WHERE severity = 'error'")
    rules = {r for (r,) in error_rules.fetchall()}
    assert "carry_overs_balance" in rules


@pytest.mark.parametrize(("prints_budget_columns", "source"), [(True, "final_account"), (False, "budget")])
def test_execution_compares_the_final_amount_with_the_budget(
    tmp_path: Path, prints_budget_columns: bool, source: str
) -> None:
    account = build_final_account(FinalAccountSpec(fiscal_year=2024, prints_budget_columns=prints_budget_columns))
    budget = build_disclosure(DisclosureSpec(fiscal_year=2024))
    warehouse = _ingest(tmp_path / "files", {"budget.pdf": budget.pdf, "final.pdf": account.pdf})
    spec = account.spec
    item = spec.items[0]

    with read_only(warehouse) as db:
        current = db.execute("SELECT document_kind FROM dim_document WHERE is_current ORDER BY 1").fetchall()
        row = db.execute(
            """SELECT budget_wan, budget_source, adjusted_budget_wan, final_wan, final_source, execution_rate
               FROM mart_budget_execution WHERE subject_code = ?""",
            [item.code],
        ).fetchone()
        kinds = db.execute("SELECT DISTINCT document_kind FROM mart_function_by_document ORDER BY 1").fetchall()
        budget_only = db.execute("SELECT count(*) FROM mart_function_by_region_year").fetchone()[0]
        budget_rows = db.execute(
            "SELECT count(*) FROM mart_function_by_document WHERE document_kind = 'budget'"
        ).fetchone()[0]

    assert current == [("budget",), ("final_account",)]
    assert kinds == [("budget",), ("final_account",)]
    assert budget_only == budget_rows
    budgeted = spec.initial_budget(item) if prints_budget_columns else item.total
    adjusted = spec.adjusted_budget(item) if prints_budget_columns else None
    assert row[:5] == (budgeted, source, adjusted, item.total, "final_account")
    assert row[5] == round(item.total / (adjusted or budgeted), 4)


PUTUO_FINAL = "sh_putuo_czj_2024_bmjs.pdf"


@pytest.mark.skipif(not (REAL / PUTUO_FINAL).exists(), reason=f"{REAL / PUTUO_FINAL} is not present")
def test_the_real_final_account_loads_whole_and_consistent(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    main(["ingest", str(REAL / PUTUO_FINAL), "--warehouse", str(warehouse)])

    with read_only(warehouse) as db:
        document = db.execute(
            "SELECT document_kind, fiscal_year, status, amount_cells, amount_cells_loaded FROM dim_document"
        ).fetchone()
        found = db.execute("SELECT DISTINCT table_type FROM stg_table WHERE table_type IS NOT NULL").fetchall()
        types = {t for (t,) in found}
        errors = db.execute("SELECT count(*) FROM fct_quality_finding WHERE severity = 'error'").fetchone()[0]
        finals = db.execute("SELECT count(*) FROM mart_budget_execution WHERE final_wan IS NOT NULL").fetchone()[0]
        narrated = db.execute("SELECT message FROM fct_quality_finding WHERE rule = 'narrative_arithmetic'").fetchall()
        stated = db.execute(
            "SELECT expected, actual FROM fct_quality_finding WHERE rule = 'narrative_agrees' AND severity = 'warning'"
        ).fetchall()

    kind, year, status, cells, loaded = document
    assert (kind, year, status) == ("final_account", 2024, "loaded")
    assert cells > 150 and loaded == cells
    assert types == FAMILY
    assert errors == 0
    assert finals > 0
    # Its narrative gives 财政拨款收入支出总计 as 0.3 万元, its table 2,961.68.
    assert stated == [(Decimal("0.3"), Decimal("2961.68"))]
    # Its narrative's one slip, checked by hand: 2106.66 / 2940.05 is 71.65 %; the four shares printed add to 100.07.
    assert [m for (m,) in narrated] == [
        "the narrative states '支出2940.05万元,主要用于以下方面:...一般公共服务支出(类)2106.66万元,占71.73%;': "
        "2,106.66 万元 of 2,940.05 万元 is 71.65 %, not 71.73 %"
    ]
