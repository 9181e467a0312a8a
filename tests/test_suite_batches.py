"""The expectation suite judges several documents in one validation: a union that passes passes
each document alike, and one that fails is judged document by document, so a bad document neither
hides among good ones nor takes them down with it. A validated batch loads in one transaction, and
a run reads its largest files first, so its readers finish together."""

import io
import sys
import time
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from pebble import ProcessExpired

from expectations.suite import passing_together, validate_facts
from extractors import ExtractionLimits
from factory.disclosures import DisclosureSpec, build_disclosure
from factory.scan import scanned_pdf
from factory.workbook import workbook_bytes
from pipelines.cli import main
from pipelines.run import (
    IngestOptions,
    QualitySettings,
    _loaded_together,
    _open_warehouse,
    _pool,
    _settle_suite,
    _validator_pool,
    check_step,
    ingest,
    largest_first,
    process_document,
    read_batches,
    read_document,
    read_documents,
    validate_documents,
)
from tests.conftest import read_only
from warehouse.load import PAUSE_BEFORE_COMMIT_ENV

ABSURD_WAN = 1e13  # beyond what the suite lets any amount be


def _workbook(department: str, year: int, absurd: bool = False) -> bytes:
    data = workbook_bytes(build_disclosure(DisclosureSpec(department_name=department, fiscal_year=year)))
    if not absurd:
        return data
    book = openpyxl.load_workbook(io.BytesIO(data))
    cell = next(c for row in book.active.iter_rows() for c in row if isinstance(c.value, int | float) and c.value)
    cell.value = ABSURD_WAN
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three workbooks in reading order: the first is validated alone, the other two together."""
    folder = tmp_path_factory.mktemp("inbox")
    (folder / "a_clean.xlsx").write_bytes(_workbook("旺苍县教育局", 2024))
    (folder / "b_absurd.xlsx").write_bytes(_workbook("旺苍县卫生健康局", 2025, absurd=True))
    (folder / "c_clean.xlsx").write_bytes(_workbook("旺苍县财政局", 2025))
    return folder


def _checked(path: Path):
    return check_step(read_document(path), QualitySettings())


def test_a_union_passes_each_document_as_validating_it_alone_would(inbox: Path) -> None:
    first, second = (_checked(inbox / name).load.facts for name in ("a_clean.xlsx", "c_clean.xlsx"))
    together = passing_together([first, second])
    assert together is not None and together.success
    assert together.results == validate_facts(first).results == validate_facts(second).results
    absurd = _checked(inbox / "b_absurd.xlsx").load.facts
    assert passing_together([first, absurd, second]) is None


def test_a_document_failing_the_suite_among_others_is_judged_alone(inbox: Path) -> None:
    outcomes = [_checked(inbox / name) for name in ("a_clean.xlsx", "b_absurd.xlsx", "c_clean.xlsx")]
    assert [o.status for o in outcomes] == ["loaded"] * 3
    together = validate_documents(outcomes, QualitySettings())
    alone = [validate_documents([o], QualitySettings())[0] for o in outcomes]
    assert [o.status for o in together] == ["loaded", "failed_validation", "loaded"]
    for batched, single in zip(together, alone, strict=True):
        assert batched.load.document.equals(single.load.document)
        assert batched.load.expectations.equals(single.load.expectations)
        assert batched.load.facts.equals(single.load.facts)
    failing = together[1].load.expectations.filter(~together[1].load.expectations["success"])
    assert failing.select("column_name", "unexpected_count").rows() == [("amount_wan", 1)]
    assert together[1].load.facts.is_empty() and together[1].load.findings is None


def test_an_ingest_validating_in_batches_loads_the_good_and_keeps_the_bad_out(inbox: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    expectations = len(validate_facts(_checked(inbox / "a_clean.xlsx").load.facts).results)
    assert main(["ingest", str(inbox), "--warehouse", str(warehouse)]) == 1
    with read_only(warehouse) as con:
        statuses = con.execute("SELECT file_name, status FROM dim_document ORDER BY file_name").fetchall()
        assert statuses == [
            ("a_clean.xlsx", "loaded"),
            ("b_absurd.xlsx", "failed_validation"),
            ("c_clean.xlsx", "loaded"),
        ]
        assert con.execute(
            """SELECT d.file_name, count(*), count(*) FILTER (WHERE NOT e.success), sum(e.unexpected_count)
               FROM stg_expectation_result e JOIN dim_document d USING (document_id) GROUP BY ALL ORDER BY 1"""
        ).fetchall() == [
            ("a_clean.xlsx", expectations, 0, 0),
            ("b_absurd.xlsx", expectations, 1, 1),
            ("c_clean.xlsx", expectations, 0, 0),
        ]
        facts = dict(
            con.execute(
                "SELECT d.file_name, count(f.document_id) FROM dim_document d "
                "LEFT JOIN fct_budget_amount f USING (document_id) GROUP BY ALL"
            ).fetchall()
        )
        assert facts["b_absurd.xlsx"] == 0 and facts["a_clean.xlsx"] > 100 and facts["c_clean.xlsx"] > 100
    index = (tmp_path / "quality_docs" / "index.html").read_text("utf-8")
    assert "b_absurd.xlsx" in index and "a_clean.xlsx" not in index and "c_clean.xlsx" not in index


def test_a_batch_whose_worker_died_is_recorded_failed_not_loaded(inbox: Path) -> None:
    outcomes = [_checked(inbox / name) for name in ("a_clean.xlsx", "c_clean.xlsx")]
    died: Future = Future()
    died.set_exception(ProcessExpired("Abnormal termination", code=-9, pid=1))
    settled = _settle_suite(outcomes, died)
    assert [o.status for o in settled] == ["failed", "failed"]
    assert all(o.load.facts.is_empty() for o in settled)
    assert all(o.path.name in o.reason and "validation failed" in o.reason for o in settled)


def gx_imported() -> bool:
    return "great_expectations" in sys.modules


def test_a_run_imports_gx_once_in_its_validator_not_in_each_reader(inbox: Path) -> None:
    """GX's import is the largest part of a worker's start (~2 s); paid by every reader, two readers
    on two cores would spend a core's two seconds on it twice."""
    quality = QualitySettings()
    with _pool(2) as readers, _validator_pool(quality) as validator:
        read = [
            readers.schedule(process_document, args=(inbox / n, ExtractionLimits(), quality))
            for n in ("a_clean.xlsx", "c_clean.xlsx")
        ]
        outcomes = [future.result() for future in read]
        assert [o.status for o in outcomes] == ["loaded", "loaded"]
        assert [o.status for o in validator.schedule(validate_documents, args=(outcomes, quality)).result()] == [
            "loaded",
            "loaded",
        ]
        assert validator.schedule(gx_imported).result()
        assert not any(readers.schedule(gx_imported).result() for _ in range(4))


def test_batches_validated_while_the_last_document_is_read_are_given_out_before_it(tmp_path: Path) -> None:
    """Seven workbooks, then a PDF whose one scanned page OCR reads for seconds: the batch of the
    fourth to seventh (batches of 1, 2 and 4) is validated while the scan is read, and is loaded
    then, not after it."""
    names = [f"{n}.xlsx" for n in "abcdefg"]
    for number, name in enumerate(names):
        (tmp_path / name).write_bytes(_workbook("旺苍县教育局", 2018 + number))
    disclosure = build_disclosure(DisclosureSpec(department_name="旺苍县财政局"))
    scanned = scanned_pdf(disclosure.pdf, pages={disclosure.pages["expenditure_summary"]}, seed=3)
    (tmp_path / "h_scan.pdf").write_bytes(scanned)
    paths = [tmp_path / name for name in [*names, "h_scan.pdf"]]

    given: list[tuple[str, str, float]] = []
    for outcome in read_documents(paths, IngestOptions(workers=1)):
        given.append((outcome.path.name, outcome.status, time.monotonic()))

    assert [(name, status) for name, status, _ in given] == [(p.name, "loaded") for p in paths]
    seventh, scan = given[-2][2], given[-1][2]
    assert scan - seventh > 1.0


def test_once_a_reader_has_nothing_left_what_is_read_goes_to_the_suite(tmp_path: Path) -> None:
    """Six workbooks, two readers: batches of 1 and 2, then the fourth and fifth go to the suite
    when the sixth is the only one left to read, so only the sixth waits for the suite after it."""
    paths = []
    for number in range(6):
        paths.append(tmp_path / f"{number}.xlsx")
        paths[-1].write_bytes(_workbook("旺苍县教育局", 2018 + number))

    batches = [[o.path.name for o in batch] for batch in read_batches(paths, IngestOptions(workers=2))]

    assert batches == [["0.xlsx"], ["1.xlsx", "2.xlsx"], ["3.xlsx", "4.xlsx"], ["5.xlsx"]]


def test_a_validated_batch_loads_in_one_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Five workbooks, one reader: validated in batches of 1, 2, 1 and 1, each loaded in one
    transaction (each names the documents it holds before it commits)."""
    for number in range(5):
        (tmp_path / f"{number}.xlsx").write_bytes(_workbook("旺苍县教育局", 2018 + number))
    monkeypatch.setenv(PAUSE_BEFORE_COMMIT_ENV, "0")

    assert main(["ingest", str(tmp_path), "--workers", "1", "--warehouse", str(tmp_path / "w.duckdb")]) == 0

    held = [line.split(" open ")[0] for line in capsys.readouterr().err.splitlines() if "holding the load of" in line]
    assert [line.count(",") + 1 for line in held] == [1, 2, 1, 1]


def test_a_document_the_warehouse_refuses_in_a_batch_fails_alone(inbox: Path, tmp_path: Path) -> None:
    """Facts whose amounts DuckDB cannot store (text in a DECIMAL column): the batch's transaction is
    rolled back, and each document is loaded again on its own, so only that one is failed."""
    outcomes = [_checked(inbox / name) for name in ("a_clean.xlsx", "c_clean.xlsx")]
    broken = replace(outcomes[1].load, facts=outcomes[1].load.facts.with_columns(amount_wan=pl.lit("not an amount")))
    outcomes[1] = replace(outcomes[1], load=broken)
    warehouse = tmp_path / "w.duckdb"

    con = _open_warehouse(warehouse)
    try:
        loaded = _loaded_together(con, outcomes)
    finally:
        con.close()

    assert [o.status for o in loaded] == ["loaded", "failed"]
    assert "c_clean.xlsx" in loaded[1].reason and "loading" in loaded[1].reason
    with read_only(warehouse) as con:
        facts = dict(
            con.execute(
                "SELECT d.file_name, count(f.document_id) FROM dim_document d "
                "LEFT JOIN fct_budget_amount f USING (document_id) GROUP BY ALL"
            ).fetchall()
        )
    assert facts == {"a_clean.xlsx": outcomes[0].load.facts.height, "c_clean.xlsx": 0}


def test_an_ingest_reads_the_largest_files_first(tmp_path: Path) -> None:
    """The run ends on its smallest documents, so two readers finish together. The files are named
    the other way round, and a copy of the smallest (same size) goes after it, by name."""
    books = sorted(
        (_workbook(department, 2020) for department in ("旺苍县教育局", "旺苍县卫生健康局", "旺苍县财政局")), key=len
    )
    assert len({len(book) for book in books}) == 3
    for name, book in zip(("a.xlsx", "b.xlsx", "c.xlsx"), books, strict=True):
        (tmp_path / name).write_bytes(book)
    (tmp_path / "d.xlsx").write_bytes(books[0])

    outcomes = list(ingest([tmp_path], tmp_path / "w.duckdb", IngestOptions()))

    assert [o.path.name for o in outcomes] == ["c.xlsx", "b.xlsx", "a.xlsx", "d.xlsx"]
    assert [o.status for o in outcomes] == ["loaded", "loaded", "loaded", "duplicate"]
    assert largest_first([tmp_path / "missing.xlsx", tmp_path / "d.xlsx"])[-1].name == "missing.xlsx"
