"""Data-quality findings against disclosures with one known error planted in each.

A consistency rule is only trustworthy if it stays silent on a document that adds up and speaks,
precisely, about the one number that does not. The factory knows where it planted each error and
what the consistent value would have been, so these tests can demand the rule, the severity, the
subject, the page and the size of the difference, not merely "some finding".
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from factory.disclosures import PLANT_KINDS, Disclosure, DisclosureSpec, Plant, build_disclosure
from pipelines.cli import main
from tests.conftest import read_only
from warehouse.quality_site import render_document
from warehouse.report import findings_markdown

FINDING_COLUMNS = (
    "document_id",
    "rule",
    "severity",
    "table_type",
    "subject_code",
    "measure",
    "expected",
    "actual",
    "difference",
    "page",
    "message",
)
SEVERITIES = {"info", "warning", "error"}
ROUNDING = "rounding"  # a class total planted off by one cent: inside the tolerance


@pytest.fixture(scope="session")
def disclosures() -> dict[str, Disclosure]:
    """The clean document, one per planted error, and one off by a rounding cent; built once."""
    spec = DisclosureSpec()
    built = {"clean": build_disclosure(spec)}
    built |= {kind: build_disclosure(spec, kind) for kind in PLANT_KINDS}
    built[ROUNDING] = build_disclosure(spec, Plant("wrong_class_total", delta=Decimal("0.01")))
    return built


@pytest.fixture(scope="session")
def quality_warehouse(tmp_path_factory: pytest.TempPathFactory, disclosures: dict[str, Disclosure]) -> Path:
    """All the documents in one warehouse, loaded by one CLI run: findings must not block a load."""
    inbox = tmp_path_factory.mktemp("planted")
    for name, disclosure in disclosures.items():
        (inbox / f"{name}.pdf").write_bytes(disclosure.pdf)
    warehouse = inbox / "warehouse.duckdb"
    assert main(["ingest", str(inbox), "--warehouse", str(warehouse)]) == 0
    return warehouse


@pytest.fixture
def con(quality_warehouse: Path):
    with read_only(quality_warehouse) as connection:
        yield connection


def findings(con: duckdb.DuckDBPyConnection, disclosure: Disclosure, **where: str) -> list[dict]:
    conditions = "".join(f" AND {column} = ?" for column in where)
    cursor = con.execute(
        f"SELECT * FROM fct_quality_finding WHERE document_id = ?{conditions}",
        [disclosure.document_id, *where.values()],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def the_finding(con: duckdb.DuckDBPyConnection, disclosure: Disclosure, **where: str) -> dict:
    """The one finding matching `where`; failing, the document's findings are listed."""
    rows = findings(con, disclosure, **where)
    assert len(rows) == 1, _listing(findings(con, disclosure))
    return rows[0]


def _listing(rows: list[dict]) -> str:
    return "\n".join(f"{r['rule']} {r['severity']} {r['table_type']} {r['subject_code']}: {r['message']}" for r in rows)


def test_findings_table_has_the_contract_columns(con: duckdb.DuckDBPyConnection) -> None:
    columns = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'fct_quality_finding'"
        ).fetchall()
    )
    assert set(FINDING_COLUMNS) <= set(columns), sorted(set(FINDING_COLUMNS) - set(columns))
    assert {columns[c] for c in ("expected", "actual", "difference")} == {"DECIMAL(22,6)"}


def test_planted_documents_still_load(con: duckdb.DuckDBPyConnection, disclosures: dict[str, Disclosure]) -> None:
    statuses = dict(con.execute("SELECT document_id, status FROM dim_document").fetchall())
    assert {name: statuses.get(d.document_id) for name, d in disclosures.items()} == dict.fromkeys(
        disclosures, "loaded"
    )


def test_clean_document_yields_no_finding(con: duckdb.DuckDBPyConnection, disclosures: dict[str, Disclosure]) -> None:
    rows = findings(con, disclosures["clean"])
    assert rows == [], _listing(rows)


def test_every_finding_has_a_known_severity(con: duckdb.DuckDBPyConnection, disclosures: dict[str, Disclosure]) -> None:
    rows = [row for d in disclosures.values() for row in findings(con, d)]
    assert rows
    assert {row["severity"] for row in rows} <= SEVERITIES


def test_wrong_class_total_is_a_children_sum_to_parent_error(
    con: duckdb.DuckDBPyConnection, disclosures: dict[str, Disclosure]
) -> None:
    disclosure = disclosures["wrong_class_total"]
    plant = disclosure.plant("wrong_class_total")
    row = the_finding(con, disclosure, rule="children_sum_to_parent", subject_code=plant.subject_code)
    assert row["severity"] == "error"
    assert row["table_type"] == "general_budget_expenditure" == plant.table_type
    assert row["measure"] == plant.measure
    assert (row["expected"], row["actual"]) == (plant.expected, plant.printed)
    assert row["difference"] == Decimal("1.00") == plant.difference
    assert row["page"] == plant.page


def test_unbalanced_summary_is_an_income_equals_expenditure_error(
    con: duckdb.DuckDBPyConnection, disclosures: dict[str, Disclosure]
) -> None:
    disclosure = disclosures["unbalanced_summary"]
    plant = disclosure.plant("unbalanced_summary")
    row = the_finding(con, disclosure, rule="income_equals_expenditure")
    assert row["severity"] == "error"
    assert row["table_type"] == "income_expenditure_summary" == plant.table_type
    assert row["page"] == plant.page
    # Which side counts as "expected" is the rule's choice; the two totals and the gap are not.
    assert {row["expected"], row["actual"]} == {plant.expected, plant.printed}
    assert abs(row["difference"]) == Decimal("10.00")


def test_narrative_total_is_a_narrative_agrees_finding_quoting_the_figure(
    con: duckdb.DuckDBPyConnection, disclosures: dict[str, Disclosure]
) -> None:
    disclosure = disclosures["narrative_total"]
    plant = disclosure.plant("narrative_total")
    rows = findings(con, disclosure, rule="narrative_agrees")
    stated = {plant.printed_text, f"{plant.printed:.2f}", f"{plant.printed:,.2f}"}
    quoting = [row for row in rows if any(figure in row["message"] for figure in stated)]
    assert quoting, f"no narrative_agrees finding quotes {plant.printed_text}:\n{_listing(findings(con, disclosure))}"
    assert all(abs(row["difference"]) == Decimal("100.00") for row in quoting), _listing(quoting)


def test_narrative_share_is_a_narrative_arithmetic_warning_on_the_narratives_page(
    con: duckdb.DuckDBPyConnection, disclosures: dict[str, Disclosure]
) -> None:
    disclosure = disclosures["narrative_share"]
    plant = disclosure.plant("narrative_share")
    row = the_finding(con, disclosure, rule="narrative_arithmetic")
    assert (row["severity"], row["page"], row["table_type"]) == ("warning", plant.page, None)
    assert f"占{plant.printed_text}%" in row["message"]
    recorded = con.sql("SELECT * FROM fct_quality_finding WHERE document_id = ?", params=[disclosure.document_id])
    assert f"| warning | narrative_arithmetic | narrative | {plant.page} |" in findings_markdown(recorded.pl())
    assert "<td>narrative</td>" in (render_document(con, disclosure.document_id) or "")
    assert f"is {plant.expected} %, not {plant.printed} %" in row["message"], row["message"]


def test_each_planted_error_is_reported_only_by_rules_that_see_its_number(
    con: duckdb.DuckDBPyConnection, disclosures: dict[str, Disclosure]
) -> None:
    """One changed number may break several equations, but never one it does not take part in."""
    allowed = {
        "wrong_class_total": {"children_sum_to_parent", "rows_sum_to_total", "parts_sum_to_whole", "tables_agree"},
        "unbalanced_summary": {"income_equals_expenditure", "rows_sum_to_total"},
        "narrative_total": {"narrative_agrees"},
        "narrative_share": {"narrative_arithmetic"},
    }
    for kind, rules in allowed.items():
        rows = findings(con, disclosures[kind])
        assert {row["rule"] for row in rows} <= rules, _listing(rows)


def test_a_difference_within_rounding_tolerance_is_info(
    con: duckdb.DuckDBPyConnection, disclosures: dict[str, Disclosure]
) -> None:
    """A class total one cent above its two 款 rows is what rounding each row does, not an error."""
    disclosure = disclosures[ROUNDING]
    plant = disclosure.plant("wrong_class_total")
    rows = findings(con, disclosure, rule="children_sum_to_parent", subject_code=plant.subject_code)
    assert [(row["severity"], row["difference"]) for row in rows] == [("info", Decimal("0.01"))]
    assert {row["severity"] for row in findings(con, disclosure)} == {"info"}


def test_a_findings_amounts_show_as_printed_not_in_the_columns_six_decimals(
    con: duckdb.DuckDBPyConnection, disclosures: dict[str, Disclosure]
) -> None:
    """The columns hold 1 元 (0.0001 万元) since tables in 元 are checked in 元; a cent of 万元 still
    reads 0.01 on the page and in the Dagster UI, not 0.010000."""
    disclosure = disclosures[ROUNDING]
    recorded = con.sql("SELECT * FROM fct_quality_finding WHERE document_id = ?", params=[disclosure.document_id])
    shown = findings_markdown(recorded.pl())
    page = render_document(con, disclosure.document_id) or ""
    for text in (shown, page):
        assert "0.01" in text and "0.010000" not in text
