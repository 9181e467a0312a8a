"""Dagster wiring: extract -> normalize -> load, each asset a thin call into the stage's functions."""

import dagster as dg

from extractors import ExtractedDocument
from pipelines.resources import DisclosureSource, Warehouse
from yusuan.ingest import DocumentOutcome, discover, extract_step, load_outcomes, normalize_step


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
    context.add_output_metadata(
        {
            "facts": sum(o.load.facts.height for o in outcomes),
            "documents": dg.MetadataValue.md(_document_table(outcomes)),
        }
    )
    return outcomes


@dg.asset(description="The DuckDB warehouse: each document replaced in one transaction.")
def warehouse_load(
    context: dg.AssetExecutionContext, normalized_disclosures: list[DocumentOutcome], warehouse: Warehouse
) -> dg.MaterializeResult:
    loaded = list(load_outcomes(normalized_disclosures, warehouse.location()))
    context.log.info(f"loaded {len(loaded)} documents into {warehouse.location()}")
    return dg.MaterializeResult(
        metadata={
            "warehouse": str(warehouse.location()),
            "documents_loaded": sum(o.status == "loaded" for o in loaded),
            "documents_rejected": sum(o.status != "loaded" for o in loaded),
            "facts": sum(o.load.facts.height for o in loaded if o.status == "loaded"),
        }
    )


def _document_table(outcomes: list[DocumentOutcome]) -> str:
    lines = ["| file | status | facts | reason |", "|---|---|---|---|"]
    for o in outcomes:
        facts = o.load.facts.height if o.status == "loaded" else 0
        lines.append(f"| {o.path.name} | {o.status} | {facts} | {o.reason or ''} |")
    return "\n".join(lines)


ingest_job = dg.define_asset_job("ingest_disclosures", selection=dg.AssetSelection.all())

defs = dg.Definitions(
    assets=[extracted_disclosures, normalized_disclosures, warehouse_load],
    jobs=[ingest_job],
    resources={"source": DisclosureSource(), "warehouse": Warehouse()},
    executor=dg.in_process_executor,
)
