"""The samples a checkout without ../shared ingests (scripts/ingest-samples) load as a user expects."""

from pathlib import Path

from factory.samples import write_samples
from pipelines.cli import EXIT_REJECTED, main
from tests.conftest import read_only


def test_factory_samples_load_whole_and_the_narrative_file_is_told_apart(tmp_path: Path) -> None:
    written = write_samples(tmp_path / "samples")
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(tmp_path / "samples"), "--warehouse", str(warehouse)]) == EXIT_REJECTED
    with read_only(warehouse) as con:
        rows = con.execute(
            "SELECT file_name, status, adcode, amount_cells, amount_cells_loaded FROM dim_document ORDER BY 1"
        ).fetchall()
    assert [name for name, *_ in rows] == sorted(p.name for p in written)
    statuses = {name: status for name, status, *_ in rows}
    assert statuses.pop("jiangsu_province_budget_narrative.pdf") == "narrative_only"
    assert set(statuses.values()) == {"loaded"}
    loaded = [row for row in rows if row[1] == "loaded"]
    assert {adcode for _, _, adcode, _, _ in loaded} >= {"310107", "320000"}
    assert all(cells == read and cells > 0 for *_, cells, read in loaded)
    with read_only(warehouse) as con:
        executed = con.execute("SELECT count(*) FROM mart_budget_execution WHERE execution_rate IS NOT NULL").fetchone()
    assert executed[0] > 0
