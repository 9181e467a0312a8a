"""The expectation suite judges several documents in one validation: a union that passes passes
each document alike, and one that fails is judged document by document, so a bad document neither
hides among good ones nor takes them down with it."""

import io
import sys
import time
from concurrent.futures import Future
from pathlib import Path

import openpyxl
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
    _pool,
    _settle_suite,
    _validator_pool,
    check_step,
    process_document,
    read_document,
    read_documents,
    validate_documents,
)
from tests.conftest import read_only

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
