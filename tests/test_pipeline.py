"""The Dagster wiring, materialized in process over the seed disclosures."""

from pathlib import Path

import dagster as dg
import duckdb

from pipelines.definitions import defs, extracted_disclosures, normalized_disclosures, warehouse_load
from pipelines.resources import DisclosureSource, Warehouse
from tests.conftest import SEEDS


def test_assets_extract_normalize_and_load(tmp_path: Path) -> None:
    warehouse = tmp_path / "dagster.duckdb"
    result = dg.materialize(
        [extracted_disclosures, normalized_disclosures, warehouse_load],
        resources={"source": DisclosureSource(paths=[str(SEEDS)]), "warehouse": Warehouse(path=str(warehouse))},
    )
    assert result.success
    metadata = result.asset_materializations_for_node("warehouse_load")[0].metadata
    assert metadata["documents_loaded"].value == 2
    con = duckdb.connect(str(warehouse), read_only=True)
    facts = con.execute("SELECT count(*) FROM fct_budget_amount").fetchone()[0]
    assert facts == metadata["facts"].value > 0


def test_definitions_load_as_the_workspace_does() -> None:
    repository = defs.get_repository_def()
    assert {k.to_user_string() for k in repository.asset_graph.get_all_asset_keys()} >= {
        "extracted_disclosures",
        "normalized_disclosures",
        "warehouse_load",
    }
    assert defs.resolve_job_def("ingest_disclosures").name == "ingest_disclosures"
