"""Hostile files that attack memory or time, among good ones: each gets a status and a reason, the
machine stays safe, and the good files beside them load in full.

The bombs are a few hundred KB of compressed zeros that inflate to hundreds of MiB, built by
repeating one flushed deflate block, so making them costs milliseconds. They are sized so that
even readers without any bound stay under 3 GiB together, and the tests read them under a 512 MiB
limit per reader (about 1 GiB for the whole run).
"""

import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from extractors import ExtractedDocument, extract_document
from pipelines.cli import main
from pipelines.definitions import staged_disclosure
from pipelines.inbox import DISCLOSURE_PARTITIONS, partition_key, range_tags
from pipelines.resources import ReadingLimits
from pipelines.run import IngestOptions, file_document_id, read_documents
from tests import badfiles
from tests.conftest import CANGXI_SEED, CORPUS, GUIYANG_SEED
from tests.test_pipeline import resources

CANGXI_PDF = CORPUS / "cangxi_2025_ybj.pdf"
MAX_MEMORY_MIB = 512
BOMB_BYTES = 256 * 2**20
BACKSTOP_BOMB_BYTES = 384 * 2**20
TJ_OPERATORS = 600_000


def deflated_zeros(size: int) -> bytes:
    """A zlib stream of `size` zeros (a multiple of 16 MiB): one fully flushed block repeated."""
    block = 2**24
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = deflate.compress(bytes(block)) + deflate.flush(zlib.Z_FULL_FLUSH)
    adler32 = ((size % 65521) << 16) | 1
    return b"\x78\xda" + segment * (size // block) + b"\x03\x00" + adler32.to_bytes(4, "big")


def one_page_pdf(
    content: bytes, content_entries: bytes = b"/Filter /FlateDecode", metadata: bytes | None = None
) -> bytes:
    """A one-page PDF written by hand, with its xref: the content stream as given, Helvetica as F1
    and, when given, a FlateDecode XMP /Metadata stream the page never uses."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R" + (b" /Metadata 6 0 R" if metadata is not None else b"") + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        badfiles.pdf_stream(content, content_entries),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if metadata is not None:
        objects.append(badfiles.pdf_stream(metadata, b"/Type /Metadata /Subtype /XML /Filter /FlateDecode"))
    return badfiles.written_pdf(objects)


HELLO = zlib.compress(b"0 0 m 100 100 l S BT /F1 12 Tf 72 720 Td (hello) Tj ET\n")

HOSTILE = {
    "content-bomb.pdf": lambda: one_page_pdf(deflated_zeros(BOMB_BYTES)),
    "metadata-bomb.pdf": lambda: one_page_pdf(HELLO, metadata=deflated_zeros(BOMB_BYTES)),
    # Hex-encoded, the bomb escapes the count of Flate streams: the reader's memory limit stops it.
    "hex-bomb.pdf": lambda: one_page_pdf(
        deflated_zeros(BACKSTOP_BOMB_BYTES).hex().encode() + b">", b"/Filter [/ASCIIHexDecode /FlateDecode]"
    ),
    "many-tj.pdf": lambda: one_page_pdf(
        zlib.compress(b"0 0 m 100 100 l S BT /F1 1 Tf 10 10 Td " + b"(x) Tj " * TJ_OPERATORS + b"ET\n", 9)
    ),
}
EXPECTED = {
    "content-bomb.pdf": "object 4 inflates to more than 128 MiB",
    "metadata-bomb.pdf": "object 6 inflates to more than 128 MiB",
    "hex-bomb.pdf": f"needed more than the {MAX_MEMORY_MIB} MiB memory limit",
    "many-tj.pdf": f"needed more than the {MAX_MEMORY_MIB} MiB memory limit",
}
FACTS = """SELECT d.file_name, f.table_type, f.subject_code, f.measure, f.amount_wan, f.page
           FROM fct_budget_amount f JOIN dim_document d USING (document_id) ORDER BY ALL"""


def _rows(warehouse: Path, query: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def good_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], list[tuple]]:
    """Good disclosures, and their facts when ingested alone."""
    files = {"guiyang.txt": GUIYANG_SEED.read_bytes(), "cangxi.pdf": CANGXI_PDF.read_bytes()}
    folder = tmp_path_factory.mktemp("good")
    badfiles.write(folder / "inbox", files)
    assert main(["ingest", str(folder / "inbox"), "--warehouse", str(folder / "w.duckdb")]) == 0
    return files, _rows(folder / "w.duckdb", FACTS)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory, good_files) -> tuple[Path, int]:
    """Every hostile file beside the good ones, read two at a time under a 512 MiB limit each."""
    folder = tmp_path_factory.mktemp("hostile")
    badfiles.write(folder / "inbox", {**good_files[0], **{name: make() for name, make in HOSTILE.items()}})
    warehouse = folder / "w.duckdb"
    options = ["--workers", "2", "--max-memory", str(MAX_MEMORY_MIB), "--timeout", "30"]
    exit_code = main(["ingest", str(folder / "inbox"), "--warehouse", str(warehouse), *options])
    return warehouse, exit_code


def test_memory_bombs_are_too_large_with_a_reason_saying_what_to_do(hostile_run) -> None:
    warehouse, exit_code = hostile_run
    assert exit_code == 1
    rows = {
        name: (status, reason)
        for name, status, reason in _rows(warehouse, "SELECT file_name, status, reason FROM dim_document")
    }
    for name, words in EXPECTED.items():
        status, reason = rows[name]
        assert status == "too_large", (name, status, reason)
        assert reason.startswith(name) and words in reason and "--max-memory" in reason, (name, reason)


def test_good_files_beside_the_bombs_load_in_full(hostile_run, good_files) -> None:
    warehouse, _ = hostile_run
    statuses = dict(_rows(warehouse, "SELECT file_name, status FROM dim_document"))
    assert all(statuses[name] == "loaded" for name in good_files[0])
    assert _rows(warehouse, FACTS) == good_files[1]


def test_the_default_memory_limit_reads_every_sample_pdf() -> None:
    """The limit caps what a reader allocates, not the libraries it maps: real documents fit."""
    outcomes = read_documents(sorted(CORPUS.rglob("*.pdf")), IngestOptions(workers=2))
    assert [(o.path.name, o.reason) for o in outcomes if o.status in ("too_large", "failed", "timeout")] == []


def test_a_bomb_in_dagster_is_too_large_and_the_run_goes_on(tmp_path: Path) -> None:
    files = badfiles.write(tmp_path / "inbox", {"hex-bomb.pdf": HOSTILE["hex-bomb.pdf"]()})
    shutil.copy(GUIYANG_SEED, tmp_path / "inbox" / "guiyang.txt")
    bomb, good = files["hex-bomb.pdf"], tmp_path / "inbox" / "guiyang.txt"
    instance = dg.DagsterInstance.ephemeral()
    keys = [partition_key(bomb.name, file_document_id(bomb)), partition_key(good.name, file_document_id(good))]
    instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, keys)
    wiring = resources(tmp_path, bomb.parent) | {"reading": ReadingLimits(max_memory_megabytes=MAX_MEMORY_MIB)}
    result = dg.materialize([staged_disclosure], tags=range_tags(keys), instance=instance, resources=wiring)
    assert result.success
    events = [
        *result.asset_materializations_for_node("staged_disclosure"),
        *result.asset_observations_for_node("staged_disclosure"),
    ]
    statuses = {m.partition: m.metadata for m in events}
    assert statuses[keys[0]]["status"].value == "too_large"
    assert EXPECTED["hex-bomb.pdf"] in statuses[keys[0]]["reason"].value
    assert statuses[keys[1]]["status"].value == "loaded"


@pytest.fixture(scope="module")
def long_budget(tmp_path_factory: pytest.TempPathFactory) -> ExtractedDocument:
    """A budget whose 部门支出总表 prints one of its rows 20,000 times: normalizing it and
    validating its facts take seconds, far longer than the tiny timeouts below."""
    lines = CANGXI_SEED.read_text("utf-8").split("\n")
    row = next(index for index, line in enumerate(lines) if line.startswith("210\t13\t01\t"))
    path = tmp_path_factory.mktemp("long") / "long.txt"
    path.write_text("\n".join(lines[:row] + [lines[row]] * 20_000 + lines[row:]), "utf-8")
    return extract_document(path)


def test_dagster_reading_stops_at_the_timeout(tmp_path: Path, long_budget: ExtractedDocument) -> None:
    instance = dg.DagsterInstance.ephemeral()
    key = partition_key(long_budget.path.name, long_budget.document_id)
    instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, [key])
    wiring = resources(tmp_path, long_budget.path.parent) | {"reading": ReadingLimits(timeout_seconds=0.5)}
    result = dg.materialize([staged_disclosure], tags=range_tags([key]), instance=instance, resources=wiring)
    (observation,) = result.asset_observations_for_node("staged_disclosure")
    assert observation.metadata["status"].value == "timeout"
    assert observation.metadata["reason"].value.startswith("long.txt: not read within 0.5 s")


GRANT_AFTER_A_HIGHER_PEAK = """
import resource
from extractors.model import cap_data_memory, grant_fixed_memory

earlier = b"\\x01" * (400 << 20)  # an earlier document's peak, then freed
del earlier
cap_data_memory(2 << 30)
before = resource.getrlimit(resource.RLIMIT_DATA)[0]


def work():
    buffers = b"\\x01" * (200 << 20)  # OCR's page buffers: held, then freed
    del buffers


grant_fixed_memory(work, working=True)
print((resource.getrlimit(resource.RLIMIT_DATA)[0] - before) >> 20)
"""


def test_a_grant_for_working_memory_counts_what_the_work_held_after_a_higher_peak() -> None:
    """An earlier document's higher peak in the same worker must not hide what OCR's warm-up held:
    granted nothing, the next scan fails for want of memory its engine needs on every page."""
    done = subprocess.run(
        [sys.executable, "-c", GRANT_AFTER_A_HIGHER_PEAK],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert int(done.stdout) >= 180
