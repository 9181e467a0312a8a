"""Loading into DuckDB: one transaction per document, so a re-run replaces and a failure leaves
the warehouse as it was."""

import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb
import polars as pl

DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")
WAREHOUSE_ENV = "YUSUAN_WAREHOUSE"
# Seconds to hold each load's transaction open before COMMIT: lets a crash test kill the process
# while a document is half-written. Unset in normal use.
PAUSE_BEFORE_COMMIT_ENV = "YUSUAN_PAUSE_BEFORE_COMMIT"
DOCUMENT_TABLES = (
    "fct_budget_amount",
    "mart_function_by_document",
    "fct_quality_finding",
    "stg_table",
    "stg_issue",
    "stg_expectation_result",
    "dim_document",
)


def warehouse_path(explicit: str | Path | None = None) -> Path:
    """--warehouse beats $YUSUAN_WAREHOUSE beats data/warehouse.duckdb."""
    return Path(explicit or os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE)


def _sql(name: str) -> str:
    return resources.files("warehouse").joinpath(name).read_text("utf-8")


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse with its schema and marts in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(_sql("schema.sql"))
    con.execute(_sql("marts.sql"))
    return con


def load_reference(con: duckdb.DuckDBPyConnection, regions: pl.DataFrame, subject_classes: pl.DataFrame) -> None:
    """Replace the reference dimensions; cheap enough to do on every run, so they never go stale."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM dim_region")
        con.execute("INSERT INTO dim_region BY NAME SELECT * FROM regions")
        con.execute("DELETE FROM ref_subject_class")
        con.execute("INSERT INTO ref_subject_class BY NAME SELECT * FROM subject_classes")
        con.execute(
            """INSERT OR REPLACE INTO dim_subject
               SELECT subject_scheme, subject_code, subject_name, subject_level(subject_code), NULL
               FROM ref_subject_class"""
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


@dataclass(frozen=True)
class DocumentLoad:
    """Everything the warehouse keeps of one document (facts empty for a rejected one)."""

    document: pl.DataFrame
    tables: pl.DataFrame
    issues: pl.DataFrame
    facts: pl.DataFrame
    findings: pl.DataFrame | None = None
    expectations: pl.DataFrame | None = None


def load_document(con: duckdb.DuckDBPyConnection, load: DocumentLoad) -> None:
    """Replace a document's rows in one transaction and rebuild the derived dimensions."""
    document_id = load.document["document_id"][0]
    document = load.document.with_columns(ingested_at=pl.lit(datetime.now(UTC).replace(tzinfo=None)))
    frames = {
        "fct_budget_amount": load.facts,
        "stg_table": load.tables,
        "stg_issue": load.issues,
        "fct_quality_finding": load.findings,
        "stg_expectation_result": load.expectations,
    }
    con.execute("BEGIN TRANSACTION")
    try:
        for table in DOCUMENT_TABLES:
            con.execute(f"DELETE FROM {table} WHERE document_id = ?", [document_id])
        con.register("incoming_document", document)
        con.execute("INSERT INTO dim_document BY NAME SELECT * FROM incoming_document")
        for table, frame in frames.items():
            if frame is not None and frame.height:
                con.register("incoming", frame)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
                con.unregister("incoming")
        con.execute(f"SET VARIABLE loading_document = '{document_id}'")
        con.execute(_sql("derived.sql"))
        if pause := os.environ.get(PAUSE_BEFORE_COMMIT_ENV):
            print(f"yusuan: holding the load of {document_id[:12]} open for {pause} s", file=sys.stderr, flush=True)
            time.sleep(float(pause))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("incoming_document")
