"""Dagster wiring: extract -> normalize -> validate -> load, each asset a thin call into its stage.

The data-quality verdicts are asset checks on the load, rendered for people: counts per rule, a
table of findings, and a link to the GX Data Docs.
"""

import dagster as dg
import duckdb

from extractors import ExtractedDocument
from pipelines.resources import DataQuality, DisclosureSource, Warehouse
from warehouse.report import findings_by_rule, findings_markdown
from yusuan.ingest import DocumentOutcome, discover, extract_step, load_outcomes, normalize_step, validate_step


@dg.asset(description="Raw tables (cells, title, unit, page) of every disclosure, or why a file was rejected.")
def extracted_disclosures(context: dg.AssetExecutionContext, source: DisclosureSource) -> list:
    """Each item is an ExtractedDocument, or the DocumentOutcome of a file rejected on reading."""
    paths = discover(source.as_paths())
    results = []
    for number, path in enumerate(paths, start=1):
        context.log.info(f"extracting {number}/{len(paths)}: {path}")
        results.append(extract_step(path))
    context.add_output_metadata(
        {
            "documents": len(results),
            "rejected": sum(isinstance(r, DocumentOutcome) for r in results),
            "raw_tables": sum(len(r.tables) for r in results if isinstance(r, ExtractedDocument)),
        }
    )
    return results


@dg.asset(description="Classified tables and fct_budget_amount rows per document.")
def normalized_disclosures(context: dg.AssetExecutionContext, extracted_disclosures: list) -> list[DocumentOutcome]:
    outcomes = [normalize_step(r) if isinstance(r, ExtractedDocument) else r for r in extracted_disclosures]
    context.add_output_metadata({"facts": sum(o.load.facts.height for o in outcomes)})
    return outcomes


@dg.asset(description="Documents after the GX suite (failures kept out) and the consistency rules (findings).")
def validated_disclosures(
    context: dg.AssetExecutionContext,
    normalized_disclosures: list[DocumentOutcome],
    quality: DataQuality,
    warehouse: Warehouse,
) -> list[DocumentOutcome]:
    settings = quality.settings(warehouse)
    outcomes = []
    for number, outcome in enumerate(normalized_disclosures, start=1):
        context.log.info(f"validating {number}/{len(normalized_disclosures)}: {outcome.path}")
        outcomes.append(validate_step(outcome, settings))
    context.add_output_metadata(
        {
            "documents": dg.MetadataValue.md(_document_table(outcomes)),
            "data_docs": dg.MetadataValue.path(str(settings.data_docs / "index.html")),
        }
    )
    return outcomes


@dg.asset(description="The DuckDB warehouse: each document replaced in one transaction.")
def warehouse_load(
    context: dg.AssetExecutionContext, validated_disclosures: list[DocumentOutcome], warehouse: Warehouse
) -> dg.MaterializeResult:
    loaded = list(load_outcomes(validated_disclosures, warehouse.location()))
    context.log.info(f"loaded {len(loaded)} documents into {warehouse.location()}")
    return dg.MaterializeResult(
        metadata={
            "warehouse": str(warehouse.location()),
            "documents_loaded": sum(o.status == "loaded" for o in loaded),
            "documents_rejected": sum(o.status != "loaded" for o in loaded),
            "facts": sum(o.load.facts.height for o in loaded if o.status == "loaded"),
        }
    )


@dg.asset_check(asset=warehouse_load, description="Every loaded document passed the GX expectation suite.")
def expectation_suite(warehouse: Warehouse, quality: DataQuality) -> dg.AssetCheckResult:
    con = duckdb.connect(str(warehouse.location()), read_only=True)
    try:
        failed = con.sql(
            """SELECT d.file_name, r.expectation, r.column_name, r.row_condition, r.unexpected_count,
                      r.unexpected_examples
               FROM stg_expectation_result r JOIN dim_document d USING (document_id) WHERE NOT r.success"""
        ).pl()
        validated = con.execute("SELECT count(DISTINCT document_id) FROM stg_expectation_result").fetchone()[0]
    finally:
        con.close()
    lines = ["| file | expectation | column | condition | rows | examples |", "|---|---|---|---|---|---|"]
    lines += [
        f"| {r['file_name']} | {r['expectation']} | {r['column_name']} | {r['row_condition'] or ''} | "
        f"{r['unexpected_count']} | {r['unexpected_examples']} |"
        for r in failed.iter_rows(named=True)
    ]
    docs = quality.settings(warehouse).data_docs / "index.html"
    return dg.AssetCheckResult(
        passed=failed.is_empty(),
        metadata={
            "documents_validated": validated,
            "failed_expectations": failed.height,
            "failures": dg.MetadataValue.md("\n".join(lines) if failed.height else "all expectations met"),
            "data_docs": dg.MetadataValue.path(str(docs)),
            "data_docs_url": dg.MetadataValue.url(docs.resolve().as_uri()),
        },
    )


@dg.asset_check(asset=warehouse_load, description="Consistency findings: sums, balances, cross-table and narrative.")
def consistency_findings(warehouse: Warehouse) -> dg.AssetCheckResult:
    con = duckdb.connect(str(warehouse.location()), read_only=True)
    try:
        counts = findings_by_rule(con)
        findings = con.sql(
            """SELECT * FROM fct_quality_finding
               ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, document_id, page"""
        ).pl()
    finally:
        con.close()
    errors = findings.filter(findings["severity"] == "error").height
    per_rule = {f"{r['rule']} ({r['severity']})": r["findings"] for r in counts.iter_rows(named=True)}
    return dg.AssetCheckResult(
        passed=errors == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "findings": findings.height,
            "errors": errors,
            "per_rule": dg.MetadataValue.json(per_rule),
            "table": dg.MetadataValue.md(findings_markdown(findings) if findings.height else "no findings"),
        },
    )


def _document_table(outcomes: list[DocumentOutcome]) -> str:
    lines = ["| file | status | facts | findings | reason |", "|---|---|---|---|---|"]
    for o in outcomes:
        facts = o.load.facts.height if o.status == "loaded" else 0
        findings = o.load.findings.height if o.load.findings is not None else 0
        lines.append(f"| {o.path.name} | {o.status} | {facts} | {findings} | {o.reason or ''} |")
    return "\n".join(lines)


ingest_job = dg.define_asset_job("ingest_disclosures", selection=dg.AssetSelection.all())

defs = dg.Definitions(
    assets=[extracted_disclosures, normalized_disclosures, validated_disclosures, warehouse_load],
    asset_checks=[expectation_suite, consistency_findings],
    jobs=[ingest_job],
    resources={"source": DisclosureSource(), "warehouse": Warehouse(), "quality": DataQuality()},
    executor=dg.in_process_executor,
)
