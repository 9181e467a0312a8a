"""Shared fixtures: the shared seeds and corpus read in place, and warehouses built from them."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from yusuan.cli import main

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus"
# The two sample PDFs; corpus/real holds other provinces' disclosures, tested on their own.
SAMPLE_PDFS = sorted(CORPUS.glob("*.pdf"))
REAL = CORPUS / "real"
GUIYANG_SEED = SEEDS / "000_80b0a90830817b4c.txt"
CANGXI_SEED = SEEDS / "003_ff4bcb3d5afa9de0.txt"


@pytest.fixture(scope="session")
def seed_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding both seed disclosures, ingested through the CLI as a user would."""
    path = tmp_path_factory.mktemp("seeds") / "warehouse.duckdb"
    assert main(["ingest", str(SEEDS), "--warehouse", str(path)]) == 0
    return path


@contextmanager
def read_only(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for assertions that cannot change what it checks."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        yield con
    finally:
        con.close()


@pytest.fixture
def seed_db(seed_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with read_only(seed_warehouse) as con:
        yield con


@pytest.fixture(scope="session")
def both_sources_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus PDFs and the seed texts of the same two disclosures, in one warehouse."""
    path = tmp_path_factory.mktemp("both") / "warehouse.duckdb"
    assert main(["ingest", *map(str, SAMPLE_PDFS), str(SEEDS), "--warehouse", str(path)]) == 0
    return path
