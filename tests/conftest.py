"""Shared fixtures: the shared seeds and corpus read in place, and warehouses built from them."""

import inspect
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from extractors import ExtractedDocument, extract_document
from pipelines.cli import main

SHARED = Path(__file__).resolve().parents[2] / "shared"
# Set by .ci/run: CI always has ../shared, so a test that reads it and skips is a failure there.
REQUIRE_SHARED = os.environ.get("YUSUAN_REQUIRE_SHARED") == "1"
SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus"
# The two sample PDFs; corpus/real holds other provinces' disclosures, tested on their own.
SAMPLE_PDFS = sorted(CORPUS.glob("*.pdf"))
REAL = CORPUS / "real"
GUIYANG_SEED = SEEDS / "000_80b0a90830817b4c.txt"
CANGXI_SEED = SEEDS / "003_ff4bcb3d5afa9de0.txt"


_SHARED_NAMES = re.compile(r"\b(SHARED|SEEDS|CORPUS|REAL|SAMPLE_PDFS|GUIYANG_SEED|CANGXI_SEED|CANGXI_PDF)\b")


def _reads_shared(item: pytest.Item) -> bool:
    """Whether the test, or a fixture it uses, names a file of ../shared."""
    sources = [item.obj]
    for name in getattr(item, "fixturenames", ()):
        definitions = item.session._fixturemanager.getfixturedefs(name, item) or ()
        sources += [definition.func for definition in definitions]
    return any(_SHARED_NAMES.search(inspect.getsource(source)) for source in sources if inspect.isfunction(source))


def pytest_sessionstart(session: pytest.Session) -> None:
    if REQUIRE_SHARED and not SHARED.is_dir():
        message = f"YUSUAN_REQUIRE_SHARED=1 but {SHARED} is missing: CI must run every test that reads it"
        raise pytest.UsageError(message)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Under YUSUAN_REQUIRE_SHARED, a test that skips because a file of ../shared is missing (its
    reason names the path) fails instead, saying why it skipped. Skips for other reasons (running
    as root, no mount rights) stay skips."""
    report = yield
    if REQUIRE_SHARED and report.skipped and str(SHARED) in str(report.longrepr):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test reading {SHARED} must run: {report.longrepr}"
    return report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without ../shared beside the checkout, the tests that read it are skipped, saying why; the
    rest (generated disclosures, the factory's samples) still run."""
    if SHARED.is_dir():
        return
    skip = pytest.mark.skip(reason=f"{SHARED} is not beside this checkout")
    for item in items:
        if _reads_shared(item):
            item.add_marker(skip)


@pytest.fixture
def extract(tmp_path: Path) -> Callable[[bytes], ExtractedDocument]:
    """Write the bytes where the pipeline would find them and run the real entry point."""

    def run(data: bytes) -> ExtractedDocument:
        path = tmp_path / "disclosure.pdf"
        path.write_bytes(data)
        return extract_document(path)

    return run


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
