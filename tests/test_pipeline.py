"""The Dagster wiring: partitions per document, the inbox sensor and its runs, in process."""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import (
    defs,
    extracted_disclosure,
    inbox_sensor,
    loaded_disclosure,
    normalized_disclosure,
    validated_disclosure,
)
from pipelines.inbox import DISCLOSURE_PARTITIONS, PATH_TAG, partition_key
from pipelines.resources import DataQuality, Inbox, ReadingLimits, Warehouse
from pipelines.run import file_document_id
from tests.conftest import CANGXI_SEED, GUIYANG_SEED

ASSETS = [extracted_disclosure, normalized_disclosure, validated_disclosure, loaded_disclosure]


def resources(tmp_path: Path, inbox: Path) -> dict:
    return {
        "inbox": Inbox(path=str(inbox)),
        "reading": ReadingLimits(),
        "warehouse": Warehouse(path=str(tmp_path / "dagster.duckdb")),
        "quality": DataQuality(data_docs=str(tmp_path / "docs")),
    }


def run_request(instance: dg.DagsterInstance, request: dg.RunRequest, resources: dict) -> dg.ExecuteInProcessResult:
    """Execute what the sensor asked for, the way the daemon would, but in this process."""
    return dg.materialize(
        ASSETS, partition_key=request.partition_key, tags=request.tags, instance=instance, resources=resources
    )


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(CANGXI_SEED, folder / "cangxi.txt")
    shutil.copy(CANGXI_SEED, folder / "sub" / "cangxi-again.txt")
    shutil.copy(GUIYANG_SEED, folder / "guiyang.txt")
    (folder / "broken.pdf").write_bytes(b"<html><body>404</body></html>")
    return folder


def test_sensor_registers_each_content_once_and_its_runs_load_them(tmp_path: Path, inbox: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    context = dg.build_sensor_context(instance=instance, resources={"inbox": Inbox(path=str(inbox))})
    result = inbox_sensor(context)
    keys = {partition_key(file_document_id(p)) for p in inbox.rglob("*.*")}
    assert len(keys) == 3
    assert {r.partition_key for r in result.run_requests} == keys
    assert set(result.dynamic_partitions_requests[0].partition_keys) == keys

    instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, sorted(keys))
    runs = [run_request(instance, r, resources(tmp_path, inbox)) for r in result.run_requests]
    assert all(r.success for r in runs)

    con = duckdb.connect(str(tmp_path / "dagster.duckdb"), read_only=True)
    statuses = dict(con.execute("SELECT file_name, status FROM dim_document").fetchall())
    assert statuses["guiyang.txt"] == "loaded" and statuses["broken.pdf"] == "not_pdf"
    assert statuses.get("cangxi.txt", statuses.get("cangxi-again.txt")) == "loaded"
    assert con.execute("SELECT count(DISTINCT document_id) FROM fct_budget_amount").fetchone() == (2,)

    assert {e.check_name for e in runs[-1].get_asset_check_evaluations()} == {
        "expectation_suite",
        "consistency_findings",
        "amounts_read",
    }

    again = inbox_sensor(
        dg.build_sensor_context(instance=instance, cursor=result.cursor, resources={"inbox": Inbox(path=str(inbox))})
    )
    assert again.run_requests == []


def test_a_loaded_partition_reports_its_checks(tmp_path: Path, inbox: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    key = partition_key(file_document_id(inbox / "cangxi.txt"))
    instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, [key])
    result = dg.materialize(
        ASSETS,
        partition_key=key,
        tags={PATH_TAG: str(inbox / "cangxi.txt")},
        instance=instance,
        resources=resources(tmp_path, inbox),
    )
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["expectation_suite"].passed
    assert (tmp_path / "docs" / "index.html").exists()
    findings = checks["consistency_findings"]
    assert findings.metadata["findings"].value == 5
    assert "tables_agree" in findings.metadata["table"].value
    metadata = result.asset_materializations_for_node("loaded_disclosure")[0].metadata
    assert metadata["status"].value == "loaded" and metadata["facts"].value > 0
    read = checks["amounts_read"]
    con = duckdb.connect(str(tmp_path / "dagster.duckdb"), read_only=True)
    cells, loaded = con.execute("SELECT amount_cells, amount_cells_loaded FROM dim_document").fetchone()
    assert (read.metadata["amount_cells"].value, read.metadata["amount_cells_loaded"].value) == (cells, loaded)
    assert loaded == metadata["facts"].value and read.passed == (loaded == cells)


def test_a_partition_without_its_path_tag_is_found_in_the_inbox(tmp_path: Path, inbox: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    key = partition_key(file_document_id(inbox / "guiyang.txt"))
    instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, [key])
    result = dg.materialize(ASSETS, partition_key=key, instance=instance, resources=resources(tmp_path, inbox))
    assert result.success
    assert result.asset_materializations_for_node("loaded_disclosure")[0].metadata["status"].value == "loaded"


def test_definitions_load_as_the_workspace_does() -> None:
    repository = defs.get_repository_def()
    assert {k.to_user_string() for k in repository.asset_graph.get_all_asset_keys()} == {
        "extracted_disclosure",
        "normalized_disclosure",
        "validated_disclosure",
        "loaded_disclosure",
    }
    assert defs.resolve_job_def("ingest_disclosure").partitions_def == DISCLOSURE_PARTITIONS
    assert defs.resolve_sensor_def("inbox_sensor") and defs.resolve_schedule_def("daily_inbox_sweep")
    assert loaded_disclosure.op.pool == "duckdb_writer"
