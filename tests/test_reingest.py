"""Re-ingesting: a file whose content this pipeline version has loaded is skipped unread, `--force`
re-reads it, an older version's rows are read again, and repeats leave the warehouse file's size
where it was. The Data Docs index, written by the run's validator process, lists every failing
document of a run."""

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from tests.conftest import CANGXI_SEED, GUIYANG_SEED, read_only
from transforms import PIPELINE_VERSION

DOCUMENT_ROWS = "SELECT document_id, file_name, status, ingested_at, pipeline_version FROM dim_document ORDER BY 1"
FACTS = "SELECT document_id, count(*), sum(amount_wan) FROM fct_budget_amount GROUP BY 1 ORDER BY 1"


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(CANGXI_SEED, folder / "cangxi.txt")
    shutil.copy(GUIYANG_SEED, folder / "guiyang.txt")
    (folder / "notice.txt").write_text("会议通知\n请各单位准时参加。\n", "utf-8")
    return folder


def _ingest(inbox: Path, warehouse: Path, *extra: str) -> int:
    return main(["ingest", str(inbox), "--warehouse", str(warehouse), *extra])


def _rows(warehouse: Path, query: str) -> list[tuple]:
    with read_only(warehouse) as con:
        return con.execute(query).fetchall()


def test_an_unchanged_file_is_skipped_unread_and_its_rows_stay(
    tmp_path: Path, inbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "w.duckdb"
    assert _ingest(inbox, warehouse) == 1  # notice.txt is not a budget
    documents, facts = _rows(warehouse, DOCUMENT_ROWS), _rows(warehouse, FACTS)
    assert {row[4] for row in documents} == {PIPELINE_VERSION} and len(facts) == 2
    index = tmp_path / "quality_docs" / "index.html"
    index.unlink()
    capsys.readouterr()

    assert _ingest(inbox, warehouse) == 1  # still not loaded, though not read again
    out = capsys.readouterr().out
    skipped = [line for line in out.splitlines() if line.startswith("unchanged ")]
    assert len(skipped) == 3 and all("--force" in line for line in skipped)
    assert "recorded it as not_budget" in out and "0 loaded, 3 unchanged" in out
    assert _rows(warehouse, DOCUMENT_ROWS) == documents and _rows(warehouse, FACTS) == facts
    assert not index.exists()  # the index is written by the validator: none started


def test_force_and_a_new_pipeline_version_read_again(
    tmp_path: Path, inbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "w.duckdb"
    _ingest(inbox, warehouse)
    documents, facts = _rows(warehouse, DOCUMENT_ROWS), _rows(warehouse, FACTS)
    capsys.readouterr()

    assert _ingest(inbox, warehouse, "--force") == 1
    assert capsys.readouterr().out.count("loaded   ") == 2
    forced = _rows(warehouse, DOCUMENT_ROWS)
    assert [row[3] > before[3] for row, before in zip(forced, documents, strict=True)] == [True] * 3
    assert _rows(warehouse, FACTS) == facts

    con = duckdb.connect(str(warehouse))
    con.execute("UPDATE dim_document SET pipeline_version = ? WHERE file_name = 'cangxi.txt'", [PIPELINE_VERSION - 1])
    con.close()
    _ingest(inbox, warehouse)
    out = capsys.readouterr().out
    said = [line.split()[:2] for line in out.splitlines() if line.startswith(("loaded ", "unchanged "))]
    assert sorted((Path(path.rstrip(":")).name, status) for status, path in said) == [
        ("cangxi.txt", "loaded"),
        ("guiyang.txt", "unchanged"),
        ("notice.txt", "unchanged"),
    ]
    assert {row[1]: row[4] for row in _rows(warehouse, DOCUMENT_ROWS)}["cangxi.txt"] == PIPELINE_VERSION


def test_a_file_stopped_by_a_limit_is_read_again(tmp_path: Path, inbox: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    assert _ingest(inbox, warehouse, "--max-megabytes", "0.001") == 1
    assert sorted(row[2] for row in _rows(warehouse, DOCUMENT_ROWS)) == ["not_budget", "too_large", "too_large"]
    _ingest(inbox, warehouse)
    assert sorted(row[2] for row in _rows(warehouse, DOCUMENT_ROWS)) == ["loaded", "loaded", "not_budget"]


def test_repeated_ingests_do_not_grow_the_warehouse(tmp_path: Path, inbox: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    _ingest(inbox, warehouse)
    first = warehouse.stat().st_size
    for _ in range(2):
        _ingest(inbox, warehouse)
        assert warehouse.stat().st_size == first
    forced = []
    for _ in range(3):
        _ingest(inbox, warehouse, "--force")
        forced.append(warehouse.stat().st_size)
    # A checkpoint writes a table's new blocks before it frees the old ones, so the file may stand
    # one copy of the replaced rows larger after a run, but never more.
    assert max(forced) == forced[0] and min(forced) >= first


def _failing(folder: Path, name: str, amount: str) -> None:
    """The 贵阳 seed with an amount no department budgets, which fails the expectation suite."""
    row = "2101301\t城乡医疗救助\t"
    text = GUIYANG_SEED.read_text("utf-8")
    assert row + "423.00" in text
    (folder / name).write_text(text.replace(row + "423.00", row + amount, 1), "utf-8")


def test_the_data_docs_index_lists_every_failing_document_of_a_two_worker_run(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    names = [f"absurd_{n}.txt" for n in range(4)]
    for n, name in enumerate(names):
        _failing(inbox, name, f"100000000000{n}.00")
    shutil.copy(CANGXI_SEED, inbox / "cangxi.txt")
    assert _ingest(inbox, tmp_path / "w.duckdb", "--workers", "2") == 1

    docs = tmp_path / "quality_docs"
    assert len(list((docs / "validations").rglob("*.html"))) == len(names)
    index = (docs / "index.html").read_text("utf-8")
    assert sorted(re.findall(r"'run_name': '([^']*)'", index)) == names
    statuses = _rows(tmp_path / "w.duckdb", "SELECT file_name, status FROM dim_document ORDER BY 1")
    assert statuses == [*((name, "failed_validation") for name in names), ("cangxi.txt", "loaded")]
