"""Which loaded documents are current: a disclosure re-published replaces the earlier printing, a
disclosure published as several files keeps every part, and the function marts count each subject once."""

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pypdf
import pytest

from factory.disclosures import build_pdf, shanghai_spec
from pipelines.cli import main
from warehouse.report import documents_missing_from_function_mart, duplicate_current_tables

MART = "SELECT subject_code, measure, amount_wan FROM mart_function_by_region_year ORDER BY ALL"


def _pages(data: bytes, pages: list[int], published: int, path: Path) -> Path:
    """A file of some of the PDF's pages (1-based), published (its modification time) at `published`."""
    reader, writer = pypdf.PdfReader(io.BytesIO(data)), pypdf.PdfWriter()
    for page in pages:
        writer.add_page(reader.pages[page - 1])
    writer.add_metadata({"/Subject": path.stem})
    writer.write(path)
    os.utime(path, (published, published))
    return path


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, int], int, list[tuple]]:
    """The factory's 上海 budget, where each table type starts, its page count and its function mart."""
    folder = tmp_path_factory.mktemp("whole")
    data = build_pdf(shanghai_spec())
    (folder / "whole.pdf").write_bytes(data)
    assert main(["ingest", str(folder / "whole.pdf"), "--warehouse", str(folder / "w.duckdb")]) == 0
    with duckdb.connect(str(folder / "w.duckdb"), read_only=True) as con:
        starts = dict(con.execute("SELECT table_type, page FROM stg_table WHERE table_type IS NOT NULL").fetchall())
        ((pages,),) = con.execute("SELECT pages FROM dim_document").fetchall()
        mart = con.execute(MART).fetchall()
    return data, starts, pages, mart


@contextmanager
def _ingested(
    folder: Path, data: bytes, files: dict[str, tuple[list[int], int]]
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Files of some of the PDF's pages each (name: pages, publication time), ingested together."""
    inbox = folder / "inbox"
    inbox.mkdir()
    for name, (pages, published) in files.items():
        _pages(data, pages, published, inbox / name)
    warehouse = folder / "w.duckdb"
    assert main(["ingest", str(inbox), "--warehouse", str(warehouse)]) == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        yield con


def _current(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT file_name, is_current FROM dim_document ORDER BY 1").fetchall()


def test_a_disclosure_published_as_two_files_of_different_tables_keeps_both_current(tmp_path: Path, whole) -> None:
    """Before, the later file replaced the earlier one: its summaries (收支总表, 支出总表) left the marts."""
    data, starts, pages, mart = whole
    first_table, split = min(starts.values()), starts["general_budget_expenditure"]
    cover = list(range(1, first_table))
    files = {
        "表1-4.pdf": ([*cover, *range(first_table, split)], 1_740_000_000),
        "表5-7.pdf": ([*cover, *range(split, pages + 1)], 1_750_000_000),
    }
    with _ingested(tmp_path, data, files) as con:
        assert _current(con) == [("表1-4.pdf", True), ("表5-7.pdf", True)]
        assert con.execute(MART).fetchall() == mart
        assert con.execute("SELECT count(DISTINCT document_id) FROM mart_function_by_region_year").fetchall() == [(1,)]
        assert duplicate_current_tables(con).is_empty()
        assert documents_missing_from_function_mart(con).is_empty()


def test_a_later_file_printing_a_few_of_the_tables_replaces_nothing(tmp_path: Path, whole) -> None:
    """A narrative published after the tables, printing their "三公" table again, is kept beside them;
    the table both print is reported, and the marts read the file that prints the function breakdown."""
    data, starts, pages, mart = whole
    cover = list(range(1, min(starts.values())))
    files = {
        "tables.pdf": (list(range(1, pages + 1)), 1_740_000_000),
        "narrative.pdf": ([*cover, starts["three_public_costs"]], 1_750_000_000),
    }
    with _ingested(tmp_path, data, files) as con:
        assert _current(con) == [("narrative.pdf", True), ("tables.pdf", True)]
        assert con.execute(MART).fetchall() == mart
        assert duplicate_current_tables(con)["table_type"].to_list() == ["three_public_costs"]


def test_a_later_printing_of_the_same_tables_replaces_the_earlier(tmp_path: Path, whole) -> None:
    data, _, pages, mart = whole
    files = {
        "first.pdf": (list(range(1, pages + 1)), 1_740_000_000),
        "again.pdf": (list(range(1, pages + 1)), 1_750_000_000),
    }
    with _ingested(tmp_path, data, files) as con:
        assert _current(con) == [("again.pdf", True), ("first.pdf", False)]
        assert con.execute(MART).fetchall() == mart
        assert duplicate_current_tables(con).is_empty()
