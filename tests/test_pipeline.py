"""The Dagster wiring, materialized in process over the seed disclosures."""

from pathlib import Path

import dagster as dg
import duckdb

from pipelines.definitions import (
    consistency_findings,
    defs,
    expectation_suite,
    extracted_disclosures,
    normalized_disclosures,
    validated_disclosures,
    warehouse_load,
)
from pipelines.resources import DataQuality, DisclosureSource, Warehouse
from tests.conftest import SEEDS


def test_assets_extract_normalize_validate_load_and_check(tmp_path: Path) -> None:
    warehouse = tmp_path / "dagster.duckdb"
    result = dg.materialize(
        [
            extracted_disclosures,
            normalized_disclosures,
            validated_disclosures,
            warehouse_load,
            expectation_suite,
            consistency_findings,
        ],
        resources={
            "source": DisclosureSource(paths=[str(SEEDS)]),
            "warehouse": Warehouse(path=str(warehouse)),
            "quality": DataQuality(data_docs=str(tmp_path / "docs")),
        },
    )
    assert result.success
    metadata = result.asset_materializations_for_node("warehouse_load")[0].metadata
    assert metadata["documents_loaded"].value == 2
    con = duckdb.connect(str(warehouse), read_only=True)
    facts, findings = con.execute(
        "SELECT (SELECT count(*) FROM fct_budget_amount), (SELECT count(*) FROM fct_quality_finding)"
    ).fetchone()
    assert facts == metadata["facts"].value > 0
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["expectation_suite"].passed
    assert checks["expectation_suite"].metadata["documents_validated"].value == 2
    assert (tmp_path / "docs" / "index.html").exists()
    assert checks["consistency_findings"].metadata["findings"].value == findings > 0
    assert "parts_sum_to_whole" in checks["consistency_findings"].metadata["table"].value


def test_definitions_load_as_the_workspace_does() -> None:
    repository = defs.get_repository_def()
    assert {k.to_user_string() for k in repository.asset_graph.get_all_asset_keys()} >= {
        "extracted_disclosures",
        "normalized_disclosures",
        "validated_disclosures",
        "warehouse_load",
    }
    assert defs.resolve_job_def("ingest_disclosures").name == "ingest_disclosures"
