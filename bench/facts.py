"""A warehouse of millions of facts, generated directly in DuckDB (no PDFs) for the query benchmark.

A few disclosures (the shared real ones and some of the benchmark corpus) are read, validated and
loaded by the pipeline itself, so their facts, dimensions and mart rows are what a real ingest
writes. DuckDB then stamps out copies with range(): each gets a new document_id, a real GB/T 2260
region (counties and cities from 四川 onwards, in adcode order), a department named after its
region, a fiscal year 2021-2025 and its template's amounts scaled by a random factor. The copies'
mart rows are derived by the warehouse's own `function_mart_rows` macro, as a warehouse created
over existing facts fills its mart.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    import duckdb

YEARS = 5


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple[Any, ...]:
    """The row a query must return: a count, a setting, a row of the warehouse the bench just filled."""
    row = con.execute(sql, params).fetchone()
    if row is None:
        raise RuntimeError(f"the benchmark warehouse returned no row for {sql!r}")
    return row


def _template_loads(paths: list[Path]) -> list:
    """The pipeline's DocumentLoad of each path that loads cleanly, one per department name."""
    from pipelines.run import QualitySettings, read_document, validate_step

    loads, departments = [], set()
    for path in paths:
        outcome = validate_step(read_document(path), QualitySettings())
        if outcome.status != "loaded" or outcome.load is None:
            continue
        record = outcome.load.document.row(0, named=True)
        suffix = record["department_name"].removeprefix(record["region_name"] or "")
        if suffix in departments:
            continue
        departments.add(suffix)
        loads.append(outcome.load)
    if not loads:
        raise RuntimeError("no template document loaded")
    return loads


def build_fact_warehouse(path: Path, target_facts: int, template_paths: list[Path], seed: float = 0.42) -> dict:
    """Create the warehouse at `path` with about `target_facts` facts; returns what was built and timings."""
    from pipelines.run import subject_class_frame
    from transforms.regions import region_reference, region_tables
    from transforms.subjects import subject_catalogue
    from warehouse.load import connect, load_document, load_reference, load_subject_reference

    timings: dict[str, float] = {}
    started = time.perf_counter()
    path.unlink(missing_ok=True)
    con = connect(path)
    load_reference(con, region_tables(), subject_class_frame())
    load_subject_reference(con, subject_catalogue().name_frame(), subject_catalogue().crosswalk_frame())
    loads = _template_loads(template_paths)
    for load in loads:
        load_document(con, load)
    timings["templates_seconds"] = round(time.perf_counter() - started, 2)

    per_document = sum(load.facts.height for load in loads) / len(loads)
    cycle = YEARS * len(loads)
    documents = math.ceil(target_facts / per_document / cycle) * cycle
    regions = (
        region_reference()
        .filter(
            pl.col("level").is_in(["county", "city"]) & (pl.col("adcode") >= "510000") & pl.col("valid_to").is_null()
        )
        .sort("adcode")
        .head(documents // cycle)
        .with_row_index("region_index")
        .select(pl.col("region_index").cast(pl.Int64), "adcode", "name")
    )
    if regions.height < documents // cycle:
        raise ValueError(f"{target_facts} facts need {documents // cycle} regions; only {regions.height} available")
    templates = pl.DataFrame(
        {
            "template_index": list(range(len(loads))),
            "template_id": [load.document["document_id"][0] for load in loads],
            "suffix": [
                load.document["department_name"][0].removeprefix(load.document["region_name"][0] or "")
                for load in loads
            ],
        },
        schema_overrides={"template_index": pl.Int64},
    )
    con.register("bench_regions", regions)
    con.register("bench_templates", templates)
    con.execute("SELECT setseed(?)", [seed])
    step = time.perf_counter()
    con.execute(
        f"""
        CREATE TEMP TABLE bench_copies AS
        SELECT sha256('yusuan-bench-' || i) AS document_id, t.template_id, 2021 + i % {YEARS} AS fiscal_year,
               g.adcode, g.name AS region_name, g.name || t.suffix AS department_name, 0.5 + random() AS factor,
               'bench_' || i || '.pdf' AS file_name
        FROM range({documents}) r(i)
        JOIN bench_regions g ON g.region_index = i // {cycle}
        JOIN bench_templates t ON t.template_index = (i // {YEARS}) % {len(loads)}
        """
    )
    con.execute(
        """
        INSERT INTO dim_document BY NAME
        SELECT c.document_id, c.file_name, NULL AS source_path, d.source_format, d.pages, c.adcode, c.region_name,
               d.department_code, c.department_name, c.fiscal_year,
               make_timestamp(c.fiscal_year - 1, 12, 20, 9, 0, 0) AS published_at, true AS is_current, d.status,
               d.reason, d.tables_found, d.tables_unknown, d.facts_loaded, now()::TIMESTAMP AS ingested_at
        FROM bench_copies c JOIN dim_document d ON d.document_id = c.template_id
        """
    )
    con.execute(
        """
        INSERT INTO fct_budget_amount BY NAME
        SELECT f.* REPLACE (
                   c.document_id AS document_id, c.adcode AS adcode, c.fiscal_year AS fiscal_year,
                   c.department_name AS department_name,
                   CAST(round(f.amount_wan * c.factor, 2) AS DECIMAL(18, 2)) AS amount_wan,
                   format('{:,.2f}', round(f.amount_wan * c.factor, 2)) AS amount_printed
               )
        FROM bench_copies c JOIN fct_budget_amount f ON f.document_id = c.template_id
        """
    )
    timings["stamp_facts_seconds"] = round(time.perf_counter() - step, 2)
    step = time.perf_counter()
    con.execute(
        """
        INSERT INTO mart_function_by_document
        SELECT * FROM function_mart_rows(NULL) WHERE document_id IN (SELECT document_id FROM bench_copies)
        """
    )
    con.execute(
        """
        INSERT INTO stg_subject_name
        SELECT * FROM subject_name_rows(NULL) WHERE document_id IN (SELECT document_id FROM bench_copies)
        """
    )
    timings["mart_from_facts_seconds"] = round(time.perf_counter() - step, 2)
    con.execute("CHECKPOINT")
    counts = {
        table: one_row(con, f"SELECT count(*) FROM {table}")[0]
        for table in ("fct_budget_amount", "dim_document", "dim_subject", "mart_function_by_document")
    }
    con.close()
    timings["total_seconds"] = round(time.perf_counter() - started, 2)
    return {
        "templates": [
            {"file": load.document["file_name"][0], "facts": load.facts.height, "department": suffix}
            for load, suffix in zip(loads, templates["suffix"], strict=True)
        ],
        "documents": documents + len(loads),
        "regions": regions.height,
        "rows": counts,
        "file_mib": round(path.stat().st_size / 2**20, 1),
        "timings": timings,
    }
