"""schema.sql is the one source of the warehouse's tables: each Polars schema a stage builds its
rows with must name the same columns with the same types, or a load would fail or cast silently."""

from decimal import Decimal
from importlib import resources
from pathlib import Path

import duckdb
import polars as pl
import pytest

from expectations.findings import FINDING_SCHEMA
from expectations.suite import EXPECTATION_SCHEMA
from transforms.facts import FACT_SCHEMA
from transforms.regions import LINEAGE_SCHEMA, REGION_HISTORY_SCHEMA, REGION_SCHEMA, region_tables
from transforms.subjects import CROSSWALK_SCHEMA, SUBJECT_NAME_SCHEMA
from transforms.targets import TARGET_SCHEMA
from warehouse.load import connect
from warehouse.records import DOCUMENT_SCHEMA, ISSUE_SCHEMA, TABLE_SCHEMA

# Columns the warehouse fills itself when it loads a document.
FILLED_BY_THE_WAREHOUSE = {"dim_document": {"ingested_at", "is_current"}}
SCHEMAS = {
    "dim_document": DOCUMENT_SCHEMA,
    "stg_table": TABLE_SCHEMA,
    "stg_issue": ISSUE_SCHEMA,
    "fct_budget_amount": FACT_SCHEMA,
    "fct_quality_finding": FINDING_SCHEMA,
    "fct_performance_target": TARGET_SCHEMA,
    "stg_expectation_result": EXPECTATION_SCHEMA,
    "ref_subject_name": SUBJECT_NAME_SCHEMA,
    "ref_subject_crosswalk": CROSSWALK_SCHEMA,
    "dim_region": REGION_SCHEMA,
    "dim_region_history": REGION_HISTORY_SCHEMA,
    "ref_region_lineage": LINEAGE_SCHEMA,
}


@pytest.fixture(scope="module")
def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(resources.files("warehouse").joinpath("schema.sql").read_text("utf-8"))
    return con


def _types(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {name: kind for name, kind, *_ in con.execute(f"DESCRIBE {relation}").fetchall()}


@pytest.mark.parametrize("table", SCHEMAS)
def test_polars_schema_matches_schema_sql(warehouse: duckdb.DuckDBPyConnection, table: str) -> None:
    warehouse.register("built", pl.DataFrame(schema=SCHEMAS[table]))
    built, declared = _types(warehouse, "built"), _types(warehouse, table)
    warehouse.unregister("built")
    assert set(built) == set(declared) - FILLED_BY_THE_WAREHOUSE.get(table, set())
    assert {name: kind for name, kind in declared.items() if name in built} == built


def test_region_frames_are_built_with_their_schemas() -> None:
    tables = region_tables()
    assert dict(tables.regions.schema) == REGION_SCHEMA
    assert dict(tables.history.schema) == REGION_HISTORY_SCHEMA
    assert dict(tables.lineage.schema) == LINEAGE_SCHEMA


def test_a_warehouse_of_an_earlier_version_has_its_findings_columns_widened_in_place(tmp_path: Path) -> None:
    """Warehouses made before version 16 hold findings' amounts in DECIMAL(18, 2): opened again they
    take 1 元 (0.0001 万元) and keep what they held; a second opening changes nothing."""
    path = tmp_path / "earlier.duckdb"
    schema = resources.files("warehouse").joinpath("schema.sql").read_text("utf-8")
    with duckdb.connect(str(path)) as con:
        con.execute(schema.replace("DECIMAL(22, 6)", "DECIMAL(18, 2)"))
        con.execute(
            "INSERT INTO fct_quality_finding (document_id, rule, severity, expected, message) "
            "VALUES ('d', 'r', 'info', 4200.01, 'm')"
        )
    amounts = ("expected", "actual", "difference")
    for _ in range(2):
        with connect(path) as con:
            types = _types(con, "fct_quality_finding")
            assert {types[name] for name in amounts} == {"DECIMAL(22,6)"}
            assert con.execute("SELECT expected FROM fct_quality_finding").fetchall() == [(Decimal("4200.01"),)]
