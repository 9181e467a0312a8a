"""The Dagster wiring: the inbox sensor batches new documents into runs that stage them, checks name
their document, and the loader merges what was staged into the warehouse's assets, in process."""

import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from pipelines.definitions import (
    LOAD_JOB,
    STAGE_JOB,
    STAGED,
    defs,
    every_document_loaded,
    inbox_sensor,
    load_job,
    staged_disclosure,
    warehouse_tables,
)
from pipelines.inbox import (
    DISCLOSURE_PARTITIONS,
    RANGE_END_TAG,
    RANGE_START_TAG,
    content_digest,
    locate_in_inbox,
    partition_key,
    range_tags,
    scan_inbox,
)
from pipelines.resources import DataQuality, Inbox, ReadingLimits, Staging
from pipelines.run import file_document_id
from tests.conftest import CANGXI_SEED, GUIYANG_SEED
from tests.multiprocess_jobs import multiprocess_load_job, multiprocess_stage_job


def resources(tmp_path: Path, inbox: Path, batch_size: int = 25) -> dict:
    return {
        "inbox": Inbox(path=str(inbox), batch_size=batch_size),
        "reading": ReadingLimits(),
        "staging": Staging(path=str(tmp_path / "staging")),
        "warehouse": DuckDBResource(database=str(tmp_path / "dagster.duckdb")),
        "quality": DataQuality(data_docs=str(tmp_path / "docs"), docs_url="http://docs.test"),
    }


def stage(instance: dg.DagsterInstance, request: dg.RunRequest, resources: dict) -> dg.ExecuteInProcessResult:
    """Execute what the sensor asked for, the way the daemon would, but in this process."""
    return dg.materialize(
        [staged_disclosure], tags=request.tags, run_config=request.run_config, instance=instance, resources=resources
    )


def load(instance: dg.DagsterInstance, resources: dict) -> dg.ExecuteInProcessResult:
    """The load job as the workspace defines it (the loader and the roll-up check), on these resources."""
    wired = dg.Definitions(
        assets=[staged_disclosure, warehouse_tables],
        asset_checks=[every_document_loaded],
        jobs=[load_job],
        resources=resources,
    )
    return wired.resolve_job_def(LOAD_JOB).execute_in_process(instance=instance)


def key_of(path: Path) -> str:
    return partition_key(path.name, file_document_id(path))


def distinct_keys(inbox: Path) -> list[str]:
    """One key per content, named by the file the sensor finds first."""
    return [key_of(inbox / name) for name in ("broken.pdf", "cangxi.txt", "guiyang.txt")]


def check_partitions(instance: dg.DagsterInstance, check: str) -> dict[str, tuple[str, bool]]:
    """Each partition's latest status of a check, and whether it judged the partition's latest
    materialization: what the UI's check partitions list shows."""
    infos = instance.event_log_storage.get_asset_check_partition_info([dg.AssetCheckKey(dg.AssetKey(STAGED), check)])
    return {i.partition_key: (i.latest_execution_status.value, i.is_current) for i in infos if i.partition_key}


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(CANGXI_SEED, folder / "cangxi.txt")
    shutil.copy(CANGXI_SEED, folder / "sub" / "cangxi-again.txt")
    shutil.copy(GUIYANG_SEED, folder / "guiyang.txt")
    (folder / "broken.pdf").write_bytes(b"<html><body>404</body></html>")
    return folder


def _sensor(instance: dg.DagsterInstance, inbox: Path, tmp_path: Path, cursor: str | None = None):
    wiring = {"inbox": Inbox(path=str(inbox), batch_size=2), "staging": Staging(path=str(tmp_path / "staging"))}
    return inbox_sensor(dg.build_sensor_context(instance=instance, cursor=cursor, resources=wiring))


def test_the_sensor_batches_new_contents_into_range_runs_and_then_merges(tmp_path: Path, inbox: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    result = _sensor(instance, inbox, tmp_path)
    keys = set(distinct_keys(inbox))
    added = result.dynamic_partitions_requests[0].partition_keys
    assert set(added) == keys
    batches = [(r.tags[RANGE_START_TAG], r.tags[RANGE_END_TAG]) for r in result.run_requests]
    assert batches == [(added[0], added[1]), (added[2], added[2])]
    assert {r.job_name for r in result.run_requests} == {STAGE_JOB}

    instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, list(added))
    runs = [stage(instance, r, resources(tmp_path, inbox)) for r in result.run_requests]
    assert all(r.success for r in runs)
    staged = {m.partition for run in runs for m in run.get_asset_materialization_events() for m in [m.materialization]}
    assert staged == keys - {key_of(inbox / "broken.pdf")}
    evaluations = [e for run in runs for e in run.get_asset_check_evaluations()]
    assert {(e.partition, e.check_name) for e in evaluations} == {
        (k, c) for k in keys for c in ("expectation_suite", "consistency_findings", "amounts_read")
    }
    assert not (tmp_path / "dagster.duckdb").exists()

    again = _sensor(instance, inbox, tmp_path, result.cursor)
    assert [(r.job_name, r.run_key is not None) for r in again.run_requests] == [(LOAD_JOB, True)]
    merged = load(instance, resources(tmp_path, inbox))
    assert merged.success
    con = duckdb.connect(str(tmp_path / "dagster.duckdb"), read_only=True)
    statuses = dict(con.execute("SELECT file_name, status FROM dim_document").fetchall())
    con.close()
    assert statuses["guiyang.txt"] == "loaded" and statuses["broken.pdf"] == "not_pdf"
    assert statuses.get("cangxi.txt", statuses.get("cangxi-again.txt")) == "loaded"
    assert _sensor(instance, inbox, tmp_path, again.cursor).run_requests == again.run_requests


def test_a_partition_names_its_document_and_its_checks_link_its_page(tmp_path: Path, inbox: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    key = key_of(inbox / "cangxi.txt")
    instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, [key])
    result = dg.materialize(
        [staged_disclosure], tags=range_tags([key]), instance=instance, resources=resources(tmp_path, inbox)
    )
    (materialization,) = result.asset_materializations_for_node(staged_disclosure.op.name)
    metadata = materialization.metadata
    assert materialization.partition == key
    assert metadata["region"].value == "苍溪县 (510824)" and metadata["fiscal_year"].value == "2025"
    assert metadata["file"].value in ("cangxi.txt", "cangxi-again.txt") and metadata["department"].value
    assert re.fullmatch(r"[1-9]\d* indicators \(绩效目标\)", metadata["performance_targets"].value)
    assert not [
        name for name, value in metadata.items() if isinstance(value, dg.IntMetadataValue | dg.FloatMetadataValue)
    ]
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert all(e.partition == key for e in checks.values())
    named = metadata["file"].value
    assert all(e.metadata["file"].value == named and e.description.startswith(f"{named}: ") for e in checks.values())
    assert checks["expectation_suite"].passed
    document_id = file_document_id(inbox / "cangxi.txt")
    assert checks["expectation_suite"].metadata["data_quality_page"].value == (
        f"http://docs.test/documents/{document_id}.html"
    )
    findings = checks["consistency_findings"]
    assert findings.metadata["findings"].value.startswith("5 ")
    assert "tables_agree" in findings.metadata["table"].value
    read = checks["amounts_read"]
    assert read.passed == read.metadata["amounts_read"].value.endswith("(100.0 %)")
    assert check_partitions(instance, "expectation_suite") == {key: ("SUCCEEDED", True)}


def test_a_rejected_document_fails_its_checks_and_is_not_a_materialized_partition(tmp_path: Path, inbox: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    key = key_of(inbox / "broken.pdf")
    instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, [key])
    result = dg.materialize(
        [staged_disclosure], tags=range_tags([key]), instance=instance, resources=resources(tmp_path, inbox)
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 3
    for check in checks:
        assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
        assert check.metadata["status"].value == "not_pdf" and "broken.pdf" in check.description
    assert result.asset_materializations_for_node(staged_disclosure.op.name) == []
    (observation,) = result.asset_observations_for_node(staged_disclosure.op.name)
    assert observation.partition == key and observation.metadata["status"].value == "not_pdf"
    assert instance.get_materialized_partitions(dg.AssetKey(STAGED)) == set()
    assert check_partitions(instance, "amounts_read") == {key: ("FAILED", True)}
    assert list((tmp_path / "staging").glob("province=unknown/fiscal_year=unknown/*/document.parquet"))


def test_a_partition_whose_file_is_gone_fails_its_checks_and_the_rest_stage(tmp_path: Path, inbox: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    gone, kept = inbox / "guiyang.txt", inbox / "broken.pdf"
    keys = [key_of(gone), key_of(kept)]
    instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, keys)
    gone.unlink()
    result = dg.materialize(
        [staged_disclosure], tags=range_tags(keys), instance=instance, resources=resources(tmp_path, inbox)
    )
    assert result.success
    assert [m.partition for m in result.asset_observations_for_node(staged_disclosure.op.name)] == [keys[1]]
    missing = [e for e in result.get_asset_check_evaluations() if e.partition == keys[0]]
    assert len(missing) == 3 and not any(e.passed for e in missing)
    assert all("moved or deleted" in e.description for e in missing)


def test_the_loader_materializes_the_tables_with_schemas_row_counts_and_mart_checks(
    tmp_path: Path, inbox: Path
) -> None:
    instance = dg.DagsterInstance.ephemeral()
    keys = distinct_keys(inbox)
    instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, keys)
    wiring = resources(tmp_path, inbox)
    assert dg.materialize([staged_disclosure], tags=range_tags(keys), instance=instance, resources=wiring).success
    first = load(instance, wiring)
    tables = {
        m.asset_key.to_user_string(): m.metadata
        for m in first.get_asset_materialization_events()
        for m in [m.materialization]
    }
    assert set(tables) == {
        "dim_region",
        "dim_document",
        "fct_budget_amount",
        "fct_quality_finding",
        "fct_performance_target",
        "mart_function_by_document",
        "mart_function_by_region_year",
        "mart_budget_execution",
        "mart_subject_by_year",
    }
    con = duckdb.connect(str(tmp_path / "dagster.duckdb"), read_only=True)
    facts = con.execute("SELECT count(*) FROM fct_budget_amount").fetchone()[0]
    before = con.execute("SELECT document_id, ingested_at FROM dim_document ORDER BY 1").fetchall()
    con.close()
    assert tables["fct_budget_amount"]["dagster/row_count"].value == facts > 0
    assert tables["dim_document"]["merged"].value == 3
    columns = [c.name for c in tables["fct_budget_amount"]["dagster/column_schema"].value.columns]
    assert columns[:2] == ["document_id", "adcode"] and "amount_wan" in columns
    checks = {e.check_name: e for e in first.get_asset_check_evaluations()}
    assert checks["every_current_document_contributes"].passed
    assert checks["one_current_document_per_table"].passed
    rollup = checks["every_document_loaded"]
    assert not rollup.passed and rollup.severity == dg.AssetCheckSeverity.ERROR and rollup.partition is None
    assert rollup.description.startswith("1 of 3 documents not loaded: broken.pdf")
    assert "| broken.pdf | not_pdf |" in rollup.metadata["documents"].value

    instance.delete_dynamic_partition(DISCLOSURE_PARTITIONS.name, keys[0])
    second = load(instance, wiring)
    assert second.success
    (rollup,) = [e for e in second.get_asset_check_evaluations() if e.check_name == "every_document_loaded"]
    assert rollup.passed and rollup.metadata["not_loaded"].value == 0
    dim_document = [m.materialization for m in second.get_asset_materialization_events()]
    assert next(m for m in dim_document if m.asset_key.to_user_string() == "dim_document").metadata["merged"].value == 0
    con = duckdb.connect(str(tmp_path / "dagster.duckdb"), read_only=True)
    assert con.execute("SELECT document_id, ingested_at FROM dim_document ORDER BY 1").fetchall() == before
    con.close()


def test_definitions_load_as_the_workspace_does() -> None:
    repository = defs.get_repository_def()
    keys = {k.to_user_string() for k in repository.asset_graph.get_all_asset_keys()}
    assert {"staged_disclosure", "dim_document", "fct_budget_amount", "mart_function_by_region_year"} <= keys
    assert defs.resolve_job_def(STAGE_JOB).partitions_def == DISCLOSURE_PARTITIONS
    assert staged_disclosure.backfill_policy == dg.BackfillPolicy.single_run()
    assert defs.resolve_sensor_def("inbox_sensor") and defs.resolve_schedule_def("daily_inbox_sweep")
    assert warehouse_tables.op.pool == "duckdb_writer"


def test_two_staging_runs_in_their_own_processes_then_one_merge(tmp_path: Path, inbox: Path) -> None:
    """Two batches staged, each step in a process of its own (the multiprocess executor, as celery
    workers run them; execute_job from threads hangs, so one after the other), then the loader
    merges both into DuckDB."""
    keys = distinct_keys(inbox)
    config = {
        "resources": {
            "inbox": {"config": {"path": str(inbox)}},
            "reading": {"config": {"workers": 1}},
            "staging": {"config": {"path": str(tmp_path / "staging")}},
            "warehouse": {"config": {"database": str(tmp_path / "dagster.duckdb")}},
            "quality": {"config": {"data_docs": str(tmp_path / "docs")}},
        },
        "execution": {"config": {"max_concurrent": 2}},
    }
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, keys)
        for batch in (keys[:2], keys[2:]):
            with dg.execute_job(
                dg.reconstructable(multiprocess_stage_job), instance=instance, run_config=config, tags=range_tags(batch)
            ) as staged:
                assert staged.success
        assert len(list((tmp_path / "staging").glob("*/*/*/facts.parquet"))) == 3
        assert not (tmp_path / "dagster.duckdb").exists()
        checks = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey(STAGED), "expectation_suite"), limit=10
        )
        assert {record.partition for record in checks} == set(keys)
        with dg.execute_job(dg.reconstructable(multiprocess_load_job), instance=instance, run_config=config) as merged:
            assert merged.success
    con = duckdb.connect(str(tmp_path / "dagster.duckdb"), read_only=True)
    assert con.execute("SELECT count(*), count(*) FILTER (status = 'loaded') FROM dim_document").fetchall() == [(3, 2)]
    con.close()


def test_partition_keys_name_their_file_and_stay_one_per_content(tmp_path: Path) -> None:
    """Keys Dagster accepts, read as the file's name; the same bytes under a second name are the first
    name's partition; the same name with other bytes is a partition of its own; a run launched
    without paths (a backfill from the UI) finds the file by content after it was renamed."""
    inbox = tmp_path / "inbox"
    (inbox / "other").mkdir(parents=True)
    guiyang, odd = inbox / "贵阳市医疗保障局2025年部门预算.txt", inbox / "2025 预算 [final], v2...draft.txt"
    shutil.copy(GUIYANG_SEED, guiyang)
    shutil.copy(GUIYANG_SEED, inbox / "贵阳市医疗保障局2025年部门预算（副本）.txt")
    odd.write_bytes(b"not a budget")
    (inbox / "other" / guiyang.name).write_bytes(b"another text")
    instance = dg.DagsterInstance.ephemeral()
    scan = scan_inbox(inbox, set(), None)
    assert len(scan.new_keys) == 3
    named = {Path(path).relative_to(inbox).as_posix(): key for key, path in scan.paths.items()}
    digest = file_document_id(guiyang)[:12]
    assert named[guiyang.name] == f"贵阳市医疗保障局2025年部门预算-{digest}"
    assert named[odd.name].startswith("2025_预算_final_v2_draft-")
    assert content_digest(named[f"other/{guiyang.name}"]) != digest
    assert content_digest(named[guiyang.name]) == digest
    instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, scan.new_keys)
    assert scan_inbox(inbox, set(scan.new_keys), None).new_keys == []

    key = named[guiyang.name]
    guiyang.rename(inbox / "renamed.txt")
    assert locate_in_inbox(inbox, {key}) == {key: inbox / "renamed.txt"}
    result = dg.materialize(
        [staged_disclosure], tags=range_tags([key]), instance=instance, resources=resources(tmp_path, inbox)
    )
    (materialization,) = result.asset_materializations_for_node(staged_disclosure.op.name)
    assert materialization.partition == key and materialization.metadata["status"].value == "loaded"
