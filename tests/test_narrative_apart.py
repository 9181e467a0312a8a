"""A disclosure published as two files (江苏: the 说明 apart from its tables): the narrative's totals
and per-项 amounts are held against the tables once both are in the warehouse, whichever came first
and in whichever run, through the CLI and through Dagster's loader alike."""

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from expectations.rules import default_rules
from factory.disclosures import PlantedError, build_disclosure, jiangsu_spec
from pipelines.cli import main
from pipelines.definitions import LOAD_JOB, every_document_loaded, load_job, staged_disclosure, warehouse_tables
from pipelines.inbox import DISCLOSURE_PARTITIONS, partition_key, range_tags
from pipelines.resources import DataQuality, Inbox, ReadingLimits, Staging
from pipelines.run import check_narratives_apart, file_document_id
from transforms.cleaning import amount_text
from warehouse.load import connect

AGREES = """SELECT d.file_name, f.severity, f.table_type, f.page, f.message
            FROM fct_quality_finding f JOIN dim_document d USING (document_id)
            WHERE f.rule = 'narrative_agrees' ORDER BY ALL"""
NARRATIVE, TABLES = "narrative.pdf", "tables.pdf"


def _published(folder: Path, planted: bool) -> PlantedError | None:
    """The factory's two-file 江苏 budget in `folder`, its narrative stating the totals 100 万元 off
    when `planted`."""
    disclosure = build_disclosure(jiangsu_spec(two_files=True), plant="narrative_total" if planted else None)
    assert disclosure.companion_pdf is not None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TABLES).write_bytes(disclosure.pdf)
    (folder / NARRATIVE).write_bytes(disclosure.companion_pdf)
    return disclosure.plant("narrative_total") if planted else None


def _agreement(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(AGREES).fetchall()


def _held_against_the_tables(found: list[tuple], plant: PlantedError) -> None:
    """Both totals the narrative states (收入预算, 支出预算) differ from the tables file's, and the
    finding is the narrative's, at its sentence."""
    assert [(name, severity, page) for name, severity, _, page, _ in found] == [(NARRATIVE, "warning", plant.page)] * 2
    assert {table for _, _, table, _, _ in found} == {"income_summary", "income_expenditure_summary"}
    for said in ("收入预算", "支出预算"):
        (message,) = [m for *_, m in found if f"'{said}{plant.printed_text}万元'" in m]
        assert f"but {TABLES}: " in message and f"prints {amount_text(plant.expected)}" in message


@pytest.mark.parametrize("first", [NARRATIVE, TABLES])
def test_a_narrative_is_held_against_its_tables_loaded_in_another_run(tmp_path: Path, first: str, capsys) -> None:
    plant = _published(tmp_path / "in", planted=True)
    assert plant is not None
    warehouse = tmp_path / "w.duckdb"
    second = TABLES if first == NARRATIVE else NARRATIVE

    code = main(["ingest", str(tmp_path / "in" / first), "--warehouse", str(warehouse)])
    out = capsys.readouterr().out
    if first == NARRATIVE:  # the user has something to do (load its tables), and a re-run says so again
        again = main(["ingest", str(tmp_path / "in" / first), "--warehouse", str(warehouse)])
        again_out = capsys.readouterr().out
        assert "unchanged" in again_out
        for said_code, said in ((code, out), (again, again_out)):
            assert said_code == 1 and "narrative narrative.pdf: its tables are not loaded" in said
            assert "narratives published apart: 1, 1 without their tables, 1 rejected" in said
    else:
        assert code == 0 and "narrative narrative.pdf" not in out and "published apart" not in out
    assert _agreement(warehouse) == []

    assert main(["ingest", str(tmp_path / "in" / second), "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "narrative narrative.pdf held against tables.pdf: 2 figures compared, findings 2 warning" in out
    assert "narratives published apart: 1, 0 rejected" in out
    found = _agreement(warehouse)
    _held_against_the_tables(found, plant)

    assert main(["ingest", str(tmp_path / "in"), "--warehouse", str(warehouse)]) == 0
    assert "held against tables.pdf: 2 figures compared, findings 2 warning" in capsys.readouterr().out
    assert main(["ingest", str(tmp_path / "in"), "--warehouse", str(warehouse), "--force"]) == 0
    assert _agreement(warehouse) == found


def test_a_narrative_agreeing_with_its_tables_has_no_finding(tmp_path: Path, capsys) -> None:
    _published(tmp_path / "in", planted=False)
    assert main(["ingest", str(tmp_path / "in"), "--warehouse", str(tmp_path / "w.duckdb")]) == 0
    said = "narrative narrative.pdf held against tables.pdf: 2 figures compared, findings none"
    assert said in capsys.readouterr().out
    assert _agreement(tmp_path / "w.duckdb") == []


def test_dagsters_loader_holds_a_narrative_against_its_tables(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    plant = _published(inbox, planted=True)
    assert plant is not None
    keys = [partition_key(name, file_document_id(inbox / name)) for name in (NARRATIVE, TABLES)]
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, keys)
    wiring = {
        "inbox": Inbox(path=str(inbox)),
        "reading": ReadingLimits(),
        "staging": Staging(path=str(tmp_path / "staging")),
        "warehouse": DuckDBResource(database=str(tmp_path / "dagster.duckdb")),
        "quality": DataQuality(data_docs=str(tmp_path / "docs")),
    }
    assert dg.materialize([staged_disclosure], tags=range_tags(keys), instance=instance, resources=wiring).success
    job = dg.Definitions(
        assets=[staged_disclosure, warehouse_tables],
        asset_checks=[every_document_loaded],
        jobs=[load_job],
        resources=wiring,
    )
    result = job.resolve_job_def(LOAD_JOB).execute_in_process(instance=instance, raise_on_error=False)
    (documents,) = [
        m.materialization.metadata
        for m in result.get_asset_materialization_events()
        if m.materialization.asset_key.to_user_string() == "dim_document"
    ]
    assert "narrative.pdf held against tables.pdf: 2 figures compared, findings 2 warning" in (
        documents["narratives_apart"].value
    )
    _held_against_the_tables(_agreement(tmp_path / "dagster.duckdb"), plant)
    (loaded,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "every_document_loaded"]
    assert loaded.passed, loaded.description  # the narrative counts as loaded: its tables are


def test_a_narrative_none_of_whose_figures_its_tables_print_says_nothing_was_compared(tmp_path: Path) -> None:
    """All agree and none compared must not look alike: the narrative states only the totals of the
    two summaries, whose facts are taken out here."""
    _published(tmp_path / "in", planted=True)
    warehouse = tmp_path / "w.duckdb"
    main(["ingest", str(tmp_path / "in"), "--warehouse", str(warehouse)])
    con = connect(warehouse)
    try:
        summaries = "'income_summary', 'income_expenditure_summary'"
        con.execute(f"DELETE FROM fct_budget_amount WHERE table_type IN ({summaries})")
        ids = [row[0] for row in con.execute("SELECT document_id FROM dim_document").fetchall()]
        (check,) = check_narratives_apart(con, ids, default_rules())
    finally:
        con.close()
    assert (check.compared, check.findings.height) == (0, 0)
    assert check.said() == (
        "narrative narrative.pdf held against tables.pdf: none of the figures it states was found in them "
        "(nothing compared)"
    )
