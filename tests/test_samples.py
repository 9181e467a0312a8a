"""The samples a checkout without ../shared ingests (scripts/ingest-samples) load as a user expects."""

import re
from pathlib import Path

import pytest

from factory.samples import write_samples
from pipelines.cli import EXIT_OK, main
from tests.conftest import read_only

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def samples_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    folder = tmp_path_factory.mktemp("samples")
    written = write_samples(folder / "samples")
    warehouse = folder / "w.duckdb"
    assert main(["ingest", str(folder / "samples"), "--warehouse", str(warehouse)]) == EXIT_OK
    return written, warehouse


def _readme_queries() -> list[str]:
    blocks = re.findall(r"```sql\n(.*?)```", README.read_text("utf-8"), re.DOTALL)
    return [q.strip() for block in blocks for q in block.split(";") if q.strip()]


@pytest.mark.parametrize("query", _readme_queries())
def test_the_readme_queries_run_as_printed(samples_warehouse: tuple[list[Path], Path], query: str) -> None:
    assert main(["sql", query, "--warehouse", str(samples_warehouse[1])]) == 0


def test_factory_samples_load_whole_and_the_narrative_file_is_told_apart(
    samples_warehouse: tuple[list[Path], Path],
) -> None:
    written, warehouse = samples_warehouse
    with read_only(warehouse) as con:
        rows = con.execute(
            "SELECT file_name, status, adcode, amount_cells, amount_cells_loaded FROM dim_document ORDER BY 1"
        ).fetchall()
    assert [name for name, *_ in rows] == sorted(p.name for p in written)
    statuses = {name: status for name, status, *_ in rows}
    assert statuses.pop("jiangsu_province_budget_narrative.pdf") == "narrative_only"
    assert set(statuses.values()) == {"loaded"}
    loaded = [row for row in rows if row[1] == "loaded"]
    assert {adcode for _, _, adcode, _, _ in loaded} >= {"310107", "320000", "430104", "510821", "520300"}
    assert all(cells == read and cells > 0 for *_, cells, read in loaded)
    with read_only(warehouse) as con:
        executed = con.execute("SELECT count(*) FROM mart_budget_execution WHERE execution_rate IS NOT NULL").fetchone()
    assert executed[0] > 0


def test_the_planted_error_is_reported_and_the_county_has_two_years(
    samples_warehouse: tuple[list[Path], Path],
) -> None:
    _, warehouse = samples_warehouse
    with read_only(warehouse) as con:
        rules = con.execute(
            "SELECT d.file_name, q.rule FROM fct_quality_finding q JOIN dim_document d USING (document_id) "
            "WHERE q.severity = 'error'"
        ).fetchall()
        years = con.execute(
            "SELECT list(DISTINCT fiscal_year ORDER BY fiscal_year) FROM dim_document "
            "WHERE adcode = '510821' AND document_kind = 'budget' AND status = 'loaded'"
        ).fetchone()
    assert {name for name, _ in rules} == {"sichuan_county_budget_previous_year.pdf"}
    assert "children_sum_to_parent" in {rule for _, rule in rules}
    assert years is not None and len(years[0]) == 2
