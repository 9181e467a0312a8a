"""Dagster wiring: readers stage documents as Parquet, one loader merges them into DuckDB.

`staged_disclosure` has one dynamic partition per file content; a run covers a range of them (the
sensor's batches, or a backfill: single-run policy), so a run pays the imports and the reader pool
once for many documents. Its readers never open DuckDB, which allows one writer per file: they
write each document's rows under the staging folder (warehouse/staging.py), and the
`warehouse_tables` loader merges what is new, on one machine or after workers on many
(deploy/README.md). Each document's quality is shown as partitioned asset checks, so a result names
its document, and one unpartitioned check after each merge says whether any document was not
loaded; the warehouse's tables and marts are assets with their schemas and row counts, the marts
with checks of their own.
"""

import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

# Not exported by Dagster 1.13, and needed to name what a partition's check judged (_judging_latest).
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData as TargetMaterialization,
)
from dagster_duckdb import DuckDBResource
from dagster_shared.record import copy
from pydantic import Field

from pipelines.inbox import (
    DISCLOSURE_PARTITIONS,
    DISCLOSURE_PARTITIONS_NAME,
    InboxScan,
    content_digest,
    locate_in_inbox,
    range_tags,
    scan_inbox,
)
from pipelines.resources import DataQuality, Inbox, ReadingLimits, Staging
from pipelines.run import (
    DocumentOutcome,
    IngestOptions,
    check_narratives_apart,
    load_reference_data,
    read_documents,
)
from warehouse.load import prepare, warehouse_path
from warehouse.report import (
    documents_missing_from_function_mart,
    documents_not_loaded,
    duplicate_current_tables,
    findings_markdown,
    frame_markdown,
    markdown_cell,
    printable,
    row_count,
    table_columns,
)
from warehouse.staging import merge_staged, stage_document, staging_stamp

STAGED = "staged_disclosure"
STAGE_JOB = "stage_disclosures"
LOAD_JOB = "load_warehouse"
WRITER_POOL = "duckdb_writer"
# Where a dagster-celery deployment sends the steps that open the warehouse: the queue only the
# machine holding the DuckDB file listens on (deploy/README.md). Other executors ignore the tag.
MERGE_QUEUE = "yusuan_merge"
DOCUMENT_CHECKS = {
    "expectation_suite": "The GX suite passed, so the document's facts were kept.",
    "consistency_findings": "Sums, balances, tables and narrative agree (no error finding).",
    "amounts_read": "Every page was read and every amount printed in the document's tables became a fact.",
}
# Each table: what it holds, and the tables it is made from (besides the staged documents).
WAREHOUSE_TABLES: dict[str, tuple[str, list[str]]] = {
    "dim_region": ("GB/T 2260 regions since 1981, from the reference files.", []),
    "dim_document": ("One row per document: identity, status and reason, facts loaded.", [STAGED]),
    "fct_budget_amount": ("Every amount printed in a budget table, traced to page, row and column.", [STAGED]),
    "fct_quality_finding": (
        "Consistency findings of every document, and of each narrative published apart against its tables.",
        [STAGED],
    ),
    "fct_performance_target": ("Every indicator of a 绩效目标表, with the money it is set for.", [STAGED]),
    "mart_function_by_document": (
        "Spending by function subject per document, levels rolled up.",
        ["fct_budget_amount", "dim_document"],
    ),
    "mart_function_by_region_year": (
        "Budgeted spending by function subject, current budgets only.",
        ["mart_function_by_document", "dim_document", "dim_region"],
    ),
    "mart_budget_execution": (
        "Budgets against final accounts per region, department, year and subject.",
        ["mart_function_by_document", "dim_document"],
    ),
    "mart_subject_by_year": (
        "Function subjects across years, linked through the crosswalk.",
        ["mart_function_by_document", "dim_document", "dim_region"],
    ),
}
FUNCTION_MART = "mart_function_by_region_year"
# stg_issue kinds that name printed amounts, or whole pages, that did not become facts.
NOT_READ_ISSUES = (
    "unknown_table",
    "unknown_column",
    "quarantined_row",
    "malformed_amount",
    "needs_ocr",
    "ocr_quarantined",
    "ocr_unconfirmed",
    "ocr_code_doubtful",
    "ocr_code_unread",
    "ocr_label_unread",
    "ocr_label_doubtful",
    "ocr_table_unbalanced",
    "ocr_illegible",
)

# Partitioned asset checks are a preview feature in Dagster 1.13 and warn when declared; they are
# what lets each check result name its document, so the warning is silenced here and only here.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.PreviewWarning)
    DOCUMENT_CHECK_SPECS = [
        dg.AssetCheckSpec(name, asset=STAGED, description=text, partitions_def=DISCLOSURE_PARTITIONS)
        for name, text in DOCUMENT_CHECKS.items()
    ]


class StagingRun(dg.Config):
    """Partition key -> inbox file, as the sensor found them; keys left out are searched for."""

    paths: dict[str, str] = Field(default_factory=dict)


@dg.multi_asset(
    name=STAGED,
    specs=[
        dg.AssetSpec(
            STAGED,
            skippable=True,
            partitions_def=DISCLOSURE_PARTITIONS,
            description="One disclosure read, normalized and validated, its rows staged as Parquet.",
        )
    ],
    check_specs=DOCUMENT_CHECK_SPECS,
    partitions_def=DISCLOSURE_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def staged_disclosure(
    context: dg.AssetExecutionContext,
    config: StagingRun,
    inbox: Inbox,
    reading: ReadingLimits,
    staging: Staging,
    quality: DataQuality,
    warehouse: DuckDBResource,
) -> Iterator:
    """Each partition's materialization and checks are its own events: a run covers many documents,
    and each one's metadata and verdicts must name it."""
    keys = list(context.partition_keys)
    paths = {key: Path(path) for key, path in config.paths.items() if key in keys and Path(path).is_file()}
    if missing := set(keys) - set(paths):
        paths |= locate_in_inbox(inbox.location(), missing)
    for key in keys:
        if key not in paths:
            reason = (
                f"no file in {inbox.location()} has content key {key}; it was moved or deleted since it was "
                "registered. Put it back, or delete the partition."
            )
            context.log.warning(reason)
            yield from _judging_latest(context.instance, key, [_not_run(key, name, reason) for name in DOCUMENT_CHECKS])
    found = [key for key in keys if key in paths]
    settings = quality.settings(Path(warehouse.database))
    options = IngestOptions(limits=reading.limits(), workers=reading.workers, quality=settings)
    outcomes = read_documents([paths[key] for key in found], options)
    for key, outcome in zip(found, outcomes, strict=True):
        yield from _staged(context.instance, key, outcome, staging.location(), quality)
    for check_key in context.selected_asset_check_keys:
        yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(check_key))


def _staged(
    instance: dg.DagsterInstance, key: str, outcome: DocumentOutcome, root: Path, quality: DataQuality
) -> Iterator:
    """A rejected document is staged, so the warehouse records why, but is observed rather than
    materialized: a partition shown as materialized would call it loaded."""
    folder = stage_document(root, outcome.load) if outcome.load is not None else None
    metadata = partition_metadata(outcome, folder)
    if outcome.status == "loaded":
        yield dg.AssetMaterialization(asset_key=STAGED, partition=key, metadata=metadata)
    else:
        description = printable(f"{outcome.status}: {outcome.reason}")
        yield dg.AssetObservation(asset_key=STAGED, partition=key, metadata=metadata, description=description)
    if outcome.load is None:
        checks = [_not_run(key, name, outcome.reason or "not read", outcome.path.name) for name in DOCUMENT_CHECKS]
    else:
        record = outcome.load.document.row(0, named=True)
        page = quality.document_page(record["document_id"])
        checks = [check(key, outcome, record, page) for check in (_suite_check, _findings_check, _amounts_read_check)]
    yield from _judging_latest(instance, key, checks)


def _judging_latest(
    instance: dg.DagsterInstance, key: str, checks: list[dg.AssetCheckEvaluation]
) -> Iterator[dg.AssetCheckEvaluation]:
    """The checks, naming the partition's latest materialization as what they judged. Dagster does so
    only for AssetCheckResult, which cannot name a partition of a range run; without it the UI takes
    every result for stale and lists the check's partitions as missing."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(STAGED), asset_partitions=[key]), limit=1
    ).records
    target = (
        TargetMaterialization(
            storage_id=records[0].storage_id, run_id=records[0].run_id, timestamp=records[0].timestamp
        )
        if records
        else None
    )
    yield from (copy(check, target_materialization_data=target) for check in checks)


def partition_metadata(outcome: DocumentOutcome, folder: Path | None) -> dict[str, dg.MetadataValue]:
    """What names the partition where partitions are listed. Text only: numbers on a partitioned
    asset are plotted as one series, and different documents' counts are not a series."""
    record = outcome.load.document.row(0, named=True) if outcome.load is not None else {}
    text = {
        "file": outcome.path.name,
        "status": outcome.status,
        "reason": outcome.reason or "",
        "region": f"{record.get('region_name') or '?'} ({record.get('adcode') or '?'})",
        "department": record.get("department_name") or "?",
        "fiscal_year": str(record.get("fiscal_year") or "?"),
        "facts": f"{record.get('facts_loaded') or 0} facts",
        "performance_targets": f"{outcome.load.targets_loaded if outcome.load else 0} indicators (绩效目标)",
    }
    staged = {"staged": dg.MetadataValue.path(str(folder))} if folder is not None else {}
    return {**{name: dg.MetadataValue.text(printable(value)) for name, value in text.items()}, **staged}


def _evaluation(
    key: str, name: str, passed: bool, severity: dg.AssetCheckSeverity, file: str | None, **metadata
) -> dg.AssetCheckEvaluation:
    """Leads with the file name, so a result read on its own names its document."""
    description = metadata.pop("description", None)
    if file is not None:
        description = description if file in (description or "") else printable(f"{file}: {description}")
        metadata = {"file": dg.MetadataValue.text(printable(file)), **metadata}
    return dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey(STAGED),
        check_name=name,
        passed=passed,
        severity=severity,
        partition=key,
        description=description,
        metadata=metadata,
    )


def _not_run(key: str, name: str, reason: str, file: str | None = None) -> dg.AssetCheckEvaluation:
    """A check that had nothing to check fails: 'passed, 0 findings' would call a rejected file good."""
    return _evaluation(
        key,
        name,
        False,
        dg.AssetCheckSeverity.ERROR,
        file,
        description=printable(f"not checked: {reason}"),
        reason=dg.MetadataValue.text(printable(reason)),
    )


def _rejected(key: str, name: str, outcome: DocumentOutcome, page: str) -> dg.AssetCheckEvaluation:
    return _evaluation(
        key,
        name,
        False,
        dg.AssetCheckSeverity.ERROR,
        outcome.path.name,
        description=printable(f"{outcome.status}: {outcome.reason}"),
        status=dg.MetadataValue.text(outcome.status),
        reason=dg.MetadataValue.text(printable(outcome.reason)),
        data_quality_page=dg.MetadataValue.url(page),
    )


def _suite_check(key: str, outcome: DocumentOutcome, record: dict, page: str) -> dg.AssetCheckEvaluation:
    expectations = outcome.load.expectations if outcome.load is not None else None
    if expectations is None:
        return _rejected(key, "expectation_suite", outcome, page)
    failed = expectations.filter(~expectations["success"])
    columns = ["expectation", "column_name", "row_condition", "unexpected_count", "unexpected_examples"]
    lines = ["| expectation | column | condition | rows | examples |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(markdown_cell(r[c]) for c in columns) + " |" for r in failed.iter_rows(named=True)]
    return _evaluation(
        key,
        "expectation_suite",
        failed.is_empty(),
        dg.AssetCheckSeverity.ERROR,
        outcome.path.name,
        description=printable(outcome.reason) if failed.height else "all expectations met",
        expectations=dg.MetadataValue.text(f"{expectations.height - failed.height} of {expectations.height} met"),
        failures=dg.MetadataValue.md("\n".join(lines) if failed.height else "all expectations met"),
        data_quality_page=dg.MetadataValue.url(page),
    )


def _findings_check(key: str, outcome: DocumentOutcome, record: dict, page: str) -> dg.AssetCheckEvaluation:
    findings = outcome.load.findings if outcome.load is not None else None
    if outcome.status != "loaded" or findings is None:
        return _rejected(key, "consistency_findings", outcome, page)
    counts = findings.group_by("rule", "severity").len().sort("rule", "severity")
    per_rule = "\n".join(f"- {r['rule']} ({r['severity']}): {r['len']}" for r in counts.iter_rows(named=True))
    errors = findings.filter(findings["severity"] == "error").height
    return _evaluation(
        key,
        "consistency_findings",
        errors == 0,
        dg.AssetCheckSeverity.WARN,
        outcome.path.name,
        description=f"{findings.height} findings, {errors} errors",
        findings=dg.MetadataValue.text(f"{findings.height} ({errors} errors)"),
        per_rule=dg.MetadataValue.md(per_rule or "no findings"),
        table=dg.MetadataValue.md(findings_markdown(findings) if findings.height else "no findings"),
        data_quality_page=dg.MetadataValue.url(page),
    )


def _amounts_read_check(key: str, outcome: DocumentOutcome, record: dict, page: str) -> dg.AssetCheckEvaluation:
    """Warns when a loaded document left printed amounts out (unknown tables, quarantined rows, OCR
    readings its sums do not confirm) or pages unread (scans, OCR off): a partly read document must
    not look like a success. A document read but not loaded (its suite failed) fails it, with what
    was not read."""
    if outcome.load is None or record.get("amount_cells") is None:
        return _rejected(key, "amounts_read", outcome, page)
    cells, loaded = int(record["amount_cells"]), int(record.get("amount_cells_loaded") or 0)
    unread_pages = int(record.get("unread_pages") or 0)
    issues = outcome.load.issues
    unread = issues.filter(issues["kind"].is_in(NOT_READ_ISSUES))
    lines = ["| page | where | what |", "|---|---|---|"] + [
        f"| {markdown_cell(row['page'])} | {markdown_cell(row['source_position'])} | {markdown_cell(row['message'])} |"
        for row in unread.iter_rows(named=True)
    ]
    share = f"{loaded} of {cells} ({100 * loaded / cells:.1f} %)" if cells else "no amount printed"
    kept = outcome.status == "loaded"
    said = "" if kept else f"; {outcome.status}: {outcome.reason}"
    said += f"; {outcome.reason}" if kept and unread_pages else ""
    return _evaluation(
        key,
        "amounts_read",
        kept and loaded >= cells and not unread_pages,
        dg.AssetCheckSeverity.WARN if kept else dg.AssetCheckSeverity.ERROR,
        outcome.path.name,
        description=printable(f"amounts read: {share}{said}"),
        status=dg.MetadataValue.text(outcome.status),
        amounts_read=dg.MetadataValue.text(share),
        pages_not_read=dg.MetadataValue.text(str(unread_pages)),
        not_read=dg.MetadataValue.md("\n".join(lines) if unread.height else "every amount was read"),
        data_quality_page=dg.MetadataValue.url(page),
    )


MART_CHECK_SPECS = [
    dg.AssetCheckSpec(
        "every_current_document_contributes",
        asset=FUNCTION_MART,
        description="Every current loaded budget printing function subjects has rows in the mart, its own or"
        " another current part's of its disclosure.",
    ),
    dg.AssetCheckSpec(
        "one_current_document_per_table",
        asset=FUNCTION_MART,
        description="No table type printed by two current documents of one region, department, scope, kind and year.",
    ),
]


@dg.multi_asset(
    name="warehouse_tables",
    specs=[
        dg.AssetSpec(table, description=text, deps=deps, kinds={"duckdb"})
        for table, (text, deps) in WAREHOUSE_TABLES.items()
    ],
    check_specs=MART_CHECK_SPECS,
    pool=WRITER_POOL,
    op_tags={"dagster-celery/queue": MERGE_QUEUE},
)
def warehouse_tables(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, staging: Staging, quality: DataQuality
) -> Iterator:
    """Merges every staged document not yet merged, in batches (warehouse.staging), then holds the
    narratives published apart that they complete against their tables; merging the same staged
    documents again changes nothing."""
    Path(warehouse.database).parent.mkdir(parents=True, exist_ok=True)
    with warehouse.get_connection() as con:
        prepare(con)
        load_reference_data(con)
        started = time.perf_counter()
        summary = merge_staged(con, staging.location())
        merge_seconds = time.perf_counter() - started
        for problem in summary.unreadable:
            context.log.warning(printable(problem))
        rules = quality.settings(Path(warehouse.database)).rules
        narratives = check_narratives_apart(con, summary.merged, rules)
        for check in narratives:
            context.log.info(printable(check.said()))
        context.log.info(f"merged {len(summary.merged)} documents, {summary.already_merged} merged before")
        for table in WAREHOUSE_TABLES:
            schema = dg.TableSchema(columns=[dg.TableColumn(n, t) for n, t in table_columns(con, table)])
            metadata: dict[str, dg.RawMetadataValue] = {
                "dagster/column_schema": schema,
                "dagster/row_count": row_count(con, table),
                "dagster/table_name": table,
            }
            if table == "dim_document":
                metadata |= {
                    "merged": len(summary.merged),
                    "merge_seconds": round(merge_seconds, 3),
                    "unreadable": dg.MetadataValue.md(
                        "\n".join(f"- {markdown_cell(p)}" for p in summary.unreadable) or "none"
                    ),
                    "narratives_apart": dg.MetadataValue.md(
                        "\n".join(f"- {markdown_cell(c.said())}" for c in narratives) or "none"
                    ),
                }
            yield dg.MaterializeResult(asset_key=table, metadata=metadata)
        missing, duplicates = documents_missing_from_function_mart(con), duplicate_current_tables(con)
    yield dg.AssetCheckResult(
        asset_key=FUNCTION_MART,
        check_name="every_current_document_contributes",
        passed=missing.is_empty(),
        metadata={"missing": missing.height, "documents": dg.MetadataValue.md(frame_markdown(missing))},
    )
    yield dg.AssetCheckResult(
        asset_key=FUNCTION_MART,
        check_name="one_current_document_per_table",
        passed=duplicates.is_empty(),
        metadata={"duplicated": duplicates.height, "groups": dg.MetadataValue.md(frame_markdown(duplicates))},
    )


@dg.asset_check(
    asset=STAGED,
    additional_deps=["dim_document"],
    pool=WRITER_POOL,
    op_tags={"dagster-celery/queue": MERGE_QUEUE},
    description="Every registered document was loaded: none rejected, none failed its suite.",
)
def every_document_loaded(context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """The whole asset's verdict: its header shows the latest partition's checks alone, which pass
    while documents before it were rejected. Read from the warehouse the loader has just merged."""
    keys = context.instance.get_dynamic_partitions(DISCLOSURE_PARTITIONS_NAME)
    with warehouse.get_connection() as con:
        failing = documents_not_loaded(con, [content_digest(key) for key in keys])
    files = ", ".join(failing["file_name"].head(5).to_list()) + (" ..." if failing.height > 5 else "")
    return dg.AssetCheckResult(
        passed=failing.is_empty(),
        severity=dg.AssetCheckSeverity.ERROR,
        description=printable(f"{failing.height} of {len(keys)} documents not loaded: {files}")
        if failing.height
        else f"every merged document of the {len(keys)} registered was loaded",
        metadata={
            "not_loaded": failing.height,
            "documents": dg.MetadataValue.md(frame_markdown(failing) if failing.height else "every document loaded"),
        },
    )


stage_job = dg.define_asset_job(STAGE_JOB, selection=dg.AssetSelection.assets(staged_disclosure))
load_job = dg.define_asset_job(
    LOAD_JOB, selection=dg.AssetSelection.assets(warehouse_tables) | dg.AssetSelection.checks(every_document_loaded)
)
_IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def staging_requests(scan: InboxScan, batch_size: int) -> list[dg.RunRequest]:
    """One run per batch of consecutive new partitions, told where each file is."""
    return [
        dg.RunRequest(
            job_name=STAGE_JOB,
            run_key=f"{batch[0]}..{batch[-1]}",
            tags=range_tags(batch),
            run_config={"ops": {STAGED: {"config": {"paths": {key: scan.paths[key] for key in batch}}}}},
        )
        for batch in scan.batches(batch_size)
    ]


@dg.sensor(
    jobs=[stage_job, load_job],
    minimum_interval_seconds=30,
    description=(
        "Registers new inbox files and stages them in batches; merges what is staged once no staging run is left."
    ),
)
def inbox_sensor(context: dg.SensorEvaluationContext, inbox: Inbox, staging: Staging) -> dg.SensorResult:
    known = set(context.instance.get_dynamic_partitions(DISCLOSURE_PARTITIONS_NAME))
    scan = scan_inbox(inbox.location(), known, context.cursor)
    requests = staging_requests(scan, inbox.batch_size)
    staging_left = context.instance.get_run_records(dg.RunsFilter(job_name=STAGE_JOB, statuses=_IN_FLIGHT), limit=1)
    if not requests and not staging_left and (stamp := staging_stamp(staging.location())):
        requests = [dg.RunRequest(job_name=LOAD_JOB, run_key=f"merge {stamp}")]
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[DISCLOSURE_PARTITIONS.build_add_request(scan.new_keys)] if scan.new_keys else [],
        cursor=scan.cursor,
    )


@dg.schedule(job=stage_job, cron_schedule="0 3 * * *", description="Daily sweep of the inbox, sensor or not.")
def daily_inbox_sweep(context: dg.ScheduleEvaluationContext, inbox: Inbox) -> list[dg.RunRequest]:
    known = set(context.instance.get_dynamic_partitions(DISCLOSURE_PARTITIONS_NAME))
    scan = scan_inbox(inbox.location(), known, None)
    if scan.new_keys:
        context.instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS_NAME, scan.new_keys)
    return staging_requests(scan, inbox.batch_size)


daily_merge = dg.ScheduleDefinition(
    name="daily_merge", job=load_job, cron_schedule="0 5 * * *", description="Merges what the daily sweep staged."
)

defs = dg.Definitions(
    assets=[staged_disclosure, warehouse_tables],
    asset_checks=[every_document_loaded],
    jobs=[stage_job, load_job],
    sensors=[inbox_sensor],
    schedules=[daily_inbox_sweep, daily_merge],
    resources={
        "inbox": Inbox(),
        "reading": ReadingLimits(),
        "staging": Staging(),
        "warehouse": DuckDBResource(database=str(warehouse_path())),
        "quality": DataQuality(),
    },
    executor=dg.in_process_executor,
)
