"""Dagster wiring: one dynamic partition per disclosure, extract -> normalize -> validate -> load.

Each asset is a thin call into its stage. Reading, normalizing and validating each run in a worker
process under the timeout and the memory limit (`reading`), so a hostile file stops with a status
instead of hanging the run or exhausting the machine, and runs for different documents read in
parallel; the load is in the `duckdb_writer` pool (limit 1 in dagster_home/dagster.yaml), so only
one run writes the DuckDB file at a time. The data-quality verdicts are asset checks on the load,
rendered for people: a table of failed expectations with a link to the GX Data Docs, and counts
per rule with a table of findings.
"""

from pathlib import Path

import dagster as dg

from extractors import ExtractedDocument, display_name
from pipelines.inbox import DISCLOSURE_PARTITIONS, DISCLOSURE_PARTITIONS_NAME, PATH_TAG, find_in_inbox, scan_inbox
from pipelines.resources import DataQuality, Inbox, ReadingLimits, Warehouse
from pipelines.run import (
    DocumentOutcome,
    extract_in_worker,
    load_outcomes,
    normalize_in_worker,
    validate_in_worker,
)
from warehouse.report import findings_markdown, markdown_cell, printable

WRITER_POOL = "duckdb_writer"


def _document_path(context: dg.AssetExecutionContext, inbox: Inbox) -> Path:
    tagged = context.run.tags.get(PATH_TAG)
    if tagged and Path(tagged).is_file():
        return Path(tagged)
    found = find_in_inbox(inbox.location(), context.partition_key)
    if found is None:
        raise dg.Failure(
            f"no file in {inbox.location()} has content key {context.partition_key}; "
            "it was moved or deleted since it was registered. Put it back or delete the partition."
        )
    return found


@dg.asset(
    partitions_def=DISCLOSURE_PARTITIONS,
    description="Raw tables (cells, title, unit, page) of one disclosure, or why the file was rejected.",
)
def extracted_disclosure(context: dg.AssetExecutionContext, inbox: Inbox, reading: ReadingLimits):
    path = _document_path(context, inbox)
    result = extract_in_worker(path, reading.limits())
    if isinstance(result, ExtractedDocument):
        context.add_output_metadata({"file": str(path), "pages": result.pages or 0, "raw_tables": len(result.tables)})
    else:
        context.add_output_metadata({"file": str(path), "status": result.status, "reason": result.reason or ""})
    return result


@dg.asset(partitions_def=DISCLOSURE_PARTITIONS, description="Classified tables and fct_budget_amount rows.")
def normalized_disclosure(
    context: dg.AssetExecutionContext, extracted_disclosure, reading: ReadingLimits
) -> DocumentOutcome:
    outcome = (
        normalize_in_worker(extracted_disclosure, reading.limits())
        if isinstance(extracted_disclosure, ExtractedDocument)
        else extracted_disclosure
    )
    facts = outcome.load.facts.height if outcome.load is not None else 0
    context.add_output_metadata({"status": outcome.status, "facts": facts, "tables": outcome.tables_by_type})
    return outcome


@dg.asset(
    partitions_def=DISCLOSURE_PARTITIONS,
    description="The GX suite (a failure keeps the facts out) and the consistency rules (findings).",
)
def validated_disclosure(
    context: dg.AssetExecutionContext,
    normalized_disclosure: DocumentOutcome,
    quality: DataQuality,
    warehouse: Warehouse,
    reading: ReadingLimits,
) -> DocumentOutcome:
    settings = quality.settings(warehouse)
    outcome = validate_in_worker(normalized_disclosure, settings, reading.limits())
    findings = outcome.load.findings if outcome.load is not None else None
    context.add_output_metadata({"status": outcome.status, "findings": findings.height if findings is not None else 0})
    return outcome


@dg.asset(
    partitions_def=DISCLOSURE_PARTITIONS,
    pool=WRITER_POOL,
    description="The document's rows in the DuckDB warehouse, replaced in one transaction.",
    check_specs=[
        dg.AssetCheckSpec("expectation_suite", asset="loaded_disclosure", description="The GX suite passed."),
        dg.AssetCheckSpec(
            "consistency_findings", asset="loaded_disclosure", description="Sums, balances, tables and narrative agree."
        ),
        dg.AssetCheckSpec(
            "amounts_read", asset="loaded_disclosure", description="Every amount printed in its tables became a fact."
        ),
    ],
)
def loaded_disclosure(
    context: dg.AssetExecutionContext, validated_disclosure: DocumentOutcome, warehouse: Warehouse, quality: DataQuality
):
    outcome = next(load_outcomes([validated_disclosure], warehouse.location()))
    record = outcome.load.document.row(0, named=True) if outcome.load is not None else {}
    context.log.info(printable(f"{display_name(outcome.path)}: {outcome.status} {outcome.reason or ''}"))
    yield dg.MaterializeResult(
        metadata={
            "warehouse": str(warehouse.location()),
            "file": printable(outcome.path),
            "status": outcome.status,
            "reason": printable(outcome.reason),
            "region": printable(f"{record.get('region_name')} ({record.get('adcode')})"),
            "department": printable(record.get("department_name")),
            "fiscal_year": str(record.get("fiscal_year")),
            "facts": int(record.get("facts_loaded") or 0),
        },
        check_results=[
            _suite_check(outcome, quality.settings(warehouse).data_docs),
            _findings_check(outcome),
            _amounts_read_check(outcome, record),
        ],
    )


def _amounts_read_check(outcome: DocumentOutcome, record: dict) -> dg.AssetCheckResult:
    """Warns when a loaded document left printed amounts out (unknown tables, quarantined rows)."""
    cells, loaded = int(record.get("amount_cells") or 0), int(record.get("amount_cells_loaded") or 0)
    issues = outcome.load.issues if outcome.load is not None else None
    kinds = ["unknown_table", "quarantined_row", "malformed_amount"]
    unread = issues.filter(issues["kind"].is_in(kinds)) if issues is not None else None
    lines = ["| page | where | what |", "|---|---|---|"] + [
        f"| {markdown_cell(row['page'])} | {markdown_cell(row['source_position'])} | {markdown_cell(row['message'])} |"
        for row in (unread.iter_rows(named=True) if unread is not None else [])
    ]
    return dg.AssetCheckResult(
        check_name="amounts_read",
        passed=outcome.status == "loaded" and loaded >= cells,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "amount_cells": cells,
            "amount_cells_loaded": loaded,
            "percent_read": dg.MetadataValue.float(round(100 * loaded / cells, 1) if cells else 100.0),
            "not_read": dg.MetadataValue.md("\n".join(lines)),
        },
    )


def _suite_check(outcome: DocumentOutcome, data_docs: Path | None) -> dg.AssetCheckResult:
    expectations = outcome.load.expectations if outcome.load is not None else None
    if expectations is None:
        return dg.AssetCheckResult(
            check_name="expectation_suite",
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"status": outcome.status, "reason": printable(outcome.reason or "not validated")},
        )
    failed = expectations.filter(~expectations["success"])
    columns = ["expectation", "column_name", "row_condition", "unexpected_count", "unexpected_examples"]
    lines = ["| expectation | column | condition | rows | examples |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(markdown_cell(r[c]) for c in columns) + " |" for r in failed.iter_rows(named=True)]
    metadata: dict[str, dg.MetadataValue | int] = {
        "expectations": expectations.height,
        "failed": failed.height,
        "failures": dg.MetadataValue.md("\n".join(lines) if failed.height else "all expectations met"),
    }
    if data_docs is not None:
        index = data_docs / "index.html"
        metadata["data_docs"] = dg.MetadataValue.path(str(index))
        metadata["data_docs_url"] = dg.MetadataValue.url(index.resolve().as_uri())
    return dg.AssetCheckResult(check_name="expectation_suite", passed=failed.is_empty(), metadata=metadata)


def _findings_check(outcome: DocumentOutcome) -> dg.AssetCheckResult:
    findings = outcome.load.findings if outcome.load is not None else None
    if findings is None or findings.is_empty():
        return dg.AssetCheckResult(check_name="consistency_findings", passed=True, metadata={"findings": 0})
    counts = findings.group_by("rule", "severity").len().sort("rule", "severity")
    per_rule = {f"{r['rule']} ({r['severity']})": r["len"] for r in counts.iter_rows(named=True)}
    errors = findings.filter(findings["severity"] == "error").height
    return dg.AssetCheckResult(
        check_name="consistency_findings",
        passed=errors == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "findings": findings.height,
            "errors": errors,
            "per_rule": dg.MetadataValue.json(per_rule),
            "table": dg.MetadataValue.md(findings_markdown(findings)),
        },
    )


ingest_job = dg.define_asset_job("ingest_disclosure", selection=dg.AssetSelection.all())


@dg.sensor(job=ingest_job, minimum_interval_seconds=30, description="Registers new inbox files and runs them.")
def inbox_sensor(context: dg.SensorEvaluationContext, inbox: Inbox) -> dg.SensorResult:
    known = set(context.instance.get_dynamic_partitions(DISCLOSURE_PARTITIONS_NAME))
    scan = scan_inbox(inbox.location(), known, context.cursor)
    return dg.SensorResult(
        run_requests=scan.run_requests,
        dynamic_partitions_requests=[DISCLOSURE_PARTITIONS.build_add_request(scan.new_keys)] if scan.new_keys else [],
        cursor=scan.cursor,
    )


@dg.schedule(job=ingest_job, cron_schedule="0 3 * * *", description="Daily sweep of the inbox, sensor or not.")
def daily_inbox_sweep(context: dg.ScheduleEvaluationContext, inbox: Inbox) -> list[dg.RunRequest]:
    known = set(context.instance.get_dynamic_partitions(DISCLOSURE_PARTITIONS_NAME))
    scan = scan_inbox(inbox.location(), known, None)
    if scan.new_keys:
        context.instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS_NAME, scan.new_keys)
    return scan.run_requests


defs = dg.Definitions(
    assets=[extracted_disclosure, normalized_disclosure, validated_disclosure, loaded_disclosure],
    jobs=[ingest_job],
    sensors=[inbox_sensor],
    schedules=[daily_inbox_sweep],
    resources={
        "inbox": Inbox(),
        "reading": ReadingLimits(),
        "warehouse": Warehouse(),
        "quality": DataQuality(),
    },
    executor=dg.in_process_executor,
)
