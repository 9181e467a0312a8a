"""Staging: documents written as Parquet by province and year, merged into DuckDB by one loader."""

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.run import IngestOptions, QualitySettings, ingest, load_reference_data, read_documents, validate_step
from tests.conftest import CANGXI_SEED, GUIYANG_SEED
from warehouse.load import connect
from warehouse.staging import merge_staged, pending, stage_document, staging_stamp

COMPARED = {
    "dim_document": "SELECT * EXCLUDE (ingested_at) FROM dim_document ORDER BY document_id",
    "fct_budget_amount": "SELECT * FROM fct_budget_amount ORDER BY ALL",
    "fct_quality_finding": "SELECT * FROM fct_quality_finding ORDER BY ALL",
    "stg_expectation_result": "SELECT * FROM stg_expectation_result ORDER BY ALL",
    "stg_issue": "SELECT * FROM stg_issue ORDER BY ALL",
    "fct_performance_target": "SELECT * FROM fct_performance_target ORDER BY ALL",
    "mart_function_by_region_year": "SELECT * FROM mart_function_by_region_year ORDER BY ALL",
}


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(CANGXI_SEED, folder / "cangxi.txt")
    shutil.copy(GUIYANG_SEED, folder / "guiyang.txt")
    (folder / "broken.pdf").write_bytes(b"<html><body>404</body></html>")
    return sorted(folder.iterdir())


def _stage(files: list[Path], root: Path) -> list[Path]:
    quality = QualitySettings()
    outcomes = [validate_step(o, quality) for o in read_documents(files, IngestOptions(workers=2, quality=quality))]
    return [stage_document(root, o.load) for o in outcomes if o.load is not None]


def _tables(path: Path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {name: con.execute(query).fetchall() for name, query in COMPARED.items()}
    finally:
        con.close()


def test_documents_are_filed_by_province_and_year_rejected_ones_under_unknown(tmp_path: Path, files: list[Path]):
    folders = _stage(files, tmp_path / "staging")
    relative = sorted(str(f.relative_to(tmp_path / "staging").parent) for f in folders)
    assert relative == [
        "province=51/fiscal_year=2025",
        "province=52/fiscal_year=2025",
        "province=unknown/fiscal_year=unknown",
    ]
    assert all((f / "facts.parquet").exists() and (f / "document.parquet").exists() for f in folders)


def test_a_merge_equals_the_cli_ingest_and_a_second_merge_changes_nothing(tmp_path: Path, files: list[Path]):
    root = tmp_path / "staging"
    _stage(files, root)
    merged_path = tmp_path / "merged.duckdb"
    con = connect(merged_path)
    load_reference_data(con)
    first = merge_staged(con, root)
    assert len(first.merged) == 3 and first.unreadable == []
    before = con.execute("SELECT document_id, ingested_at FROM dim_document ORDER BY 1").fetchall()
    second = merge_staged(con, root)
    assert second.merged == [] and second.already_merged == 3
    assert con.execute("SELECT document_id, ingested_at FROM dim_document ORDER BY 1").fetchall() == before
    con.close()

    cli_path = tmp_path / "cli.duckdb"
    list(ingest(files, cli_path, IngestOptions(quality=QualitySettings())))
    merged, cli = _tables(merged_path), _tables(cli_path)
    assert merged["fct_budget_amount"] and merged["mart_function_by_region_year"] and merged["fct_performance_target"]
    assert merged == cli


def test_restaging_replaces_the_earlier_folder_and_is_merged_again(tmp_path: Path, files: list[Path]):
    root = tmp_path / "staging"
    _stage(files, root)
    con = connect(tmp_path / "w.duckdb")
    merge_staged(con, root)
    stamp = staging_stamp(root)
    _stage(files[:1], root)
    assert staging_stamp(root) != stamp
    assert len(list(root.glob("*/*/*/document.parquet"))) == 3 and not list(root.glob(".*"))
    folders, already = pending(con, root)
    assert (len(folders), already) == (1, 2)
    assert merge_staged(con, root).merged == [folders[0].name]
    con.close()


def test_an_unreadable_staged_document_is_named_and_the_others_merge(tmp_path: Path, files: list[Path]):
    root = tmp_path / "staging"
    broken, *others = _stage(files, root)
    (broken / "facts.parquet").write_bytes(b"not parquet")
    con = connect(tmp_path / "w.duckdb")
    summary = merge_staged(con, root)
    con.close()
    assert sorted(summary.merged) == sorted(f.name for f in others)
    assert len(summary.unreadable) == 1 and str(broken) in summary.unreadable[0]


def test_a_document_the_warehouse_refuses_is_named_and_the_rest_of_its_batch_merges(tmp_path: Path, files: list[Path]):
    root = tmp_path / "staging"
    folders = _stage(files, root)
    refused = max(folders, key=lambda folder: pl.read_parquet(folder / "facts.parquet").height)
    facts = pl.read_parquet(refused / "facts.parquet")
    facts.with_columns(amount_wan=pl.lit("not an amount")).write_parquet(refused / "facts.parquet")
    con = connect(tmp_path / "w.duckdb")
    summary = merge_staged(con, root)
    loaded = {row[0] for row in con.execute("SELECT document_id FROM dim_document").fetchall()}
    con.close()
    assert sorted(summary.merged) == sorted(f.name for f in folders if f != refused)
    assert loaded == set(summary.merged)
    assert len(summary.unreadable) == 1 and str(refused) in summary.unreadable[0]
    assert "the warehouse refused its rows" in summary.unreadable[0]
