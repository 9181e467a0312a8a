"""Bad files among good ones: each gets a status and a reason, harms nothing, stops nothing."""

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from extractors import ExtractionLimits, deadline
from pipelines.cli import main
from pipelines.run import _pool, _settle
from tests import badfiles
from tests.conftest import CANGXI_SEED, CORPUS, GUIYANG_SEED

CANGXI_PDF = CORPUS / "cangxi_2025_ybj.pdf"

EXPECTED = {
    "truncated.pdf": ("corrupt", "re-download"),
    "random-after-header.pdf": ("corrupt", "not a readable PDF"),
    "zero-bytes.pdf": ("empty", "empty"),
    "download-error.pdf": ("not_pdf", "HTML page"),
    "user-password.pdf": ("encrypted", "password"),
    "timetable.pdf": ("not_budget", "部门预算"),
    "scanned.pdf": ("empty", "OCR found no text"),
}


def _counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return dict(con.execute("SELECT document_id, count(*) FROM fct_budget_amount GROUP BY 1").fetchall())
    finally:
        con.close()


@pytest.fixture(scope="module")
def mixed_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = CANGXI_PDF.read_bytes()
    folder = tmp_path_factory.mktemp("mixed") / "inbox"
    badfiles.write(
        folder,
        {
            "truncated.pdf": badfiles.truncated(source),
            "random-after-header.pdf": badfiles.random_after_header(),
            "zero-bytes.pdf": b"",
            "download-error.pdf": badfiles.html_page(),
            "user-password.pdf": badfiles.encrypted(source, user_password="secret"),
            "owner-password-only.pdf": badfiles.encrypted(source, user_password=""),
            "timetable.pdf": badfiles.ruled_non_budget(),
            "scanned.pdf": badfiles.image_only(),
            "guiyang.txt": GUIYANG_SEED.read_bytes(),
        },
    )
    return folder


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, mixed_inbox: Path) -> tuple[Path, dict, int]:
    """A warehouse that already holds two documents, then takes the mixed inbox."""
    warehouse = tmp_path_factory.mktemp("wh") / "w.duckdb"
    assert main(["ingest", str(CANGXI_SEED), str(CANGXI_PDF), "--warehouse", str(warehouse)]) == 0
    before = _counts(warehouse)
    exit_code = main(["ingest", str(mixed_inbox), "--warehouse", str(warehouse)])
    return warehouse, before, exit_code


def test_every_bad_file_has_its_status_and_a_reason_naming_it(ingested) -> None:
    warehouse, _, exit_code = ingested
    assert exit_code == 1
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = {
        name: (status, reason)
        for name, status, reason in con.execute("SELECT file_name, status, reason FROM dim_document").fetchall()
    }
    for name, (status, words) in EXPECTED.items():
        assert rows[name][0] == status, (name, rows[name])
        assert name in rows[name][1] and words in rows[name][1], (name, rows[name])
    bad_facts = con.execute(
        "SELECT count(*) FROM fct_budget_amount JOIN dim_document d USING (document_id) WHERE d.status <> 'loaded'"
    ).fetchone()
    assert bad_facts == (0,)


def test_good_files_among_them_are_fully_loaded(ingested) -> None:
    warehouse, _, _ = ingested
    con = duckdb.connect(str(warehouse), read_only=True)
    statuses = dict(con.execute("SELECT file_name, status FROM dim_document").fetchall())
    assert statuses["guiyang.txt"] == "loaded"
    assert statuses["owner-password-only.pdf"] == "loaded"
    query = """SELECT table_type, subject_code, measure, amount_wan, page FROM fct_budget_amount
               JOIN dim_document d USING (document_id) WHERE d.file_name = ? ORDER BY ALL"""
    assert (
        con.execute(query, ["owner-password-only.pdf"]).fetchall()
        == con.execute(query, ["cangxi_2025_ybj.pdf"]).fetchall()
    )


def test_documents_loaded_before_are_untouched(ingested) -> None:
    warehouse, before, _ = ingested
    after = _counts(warehouse)
    assert {k: after[k] for k in before} == before


@pytest.mark.parametrize(
    ("options", "status", "words"),
    [
        (["--max-megabytes", "0.1"], "too_large", "MiB limit"),
        (["--max-pages", "5"], "too_large", "page limit"),
    ],
)
def test_limits_reject_with_a_reason(tmp_path: Path, options: list[str], status: str, words: str) -> None:
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(CANGXI_PDF), str(GUIYANG_SEED), "--warehouse", str(warehouse), *options]) == 1
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = dict(con.execute("SELECT file_name, status || ': ' || reason FROM dim_document").fetchall())
    assert rows[CANGXI_PDF.name].startswith(status) and words in rows[CANGXI_PDF.name]
    assert con.execute("SELECT status FROM dim_document WHERE file_name = ?", [GUIYANG_SEED.name]).fetchone() == (
        "loaded",
    )


def test_a_document_past_the_timeout_is_stopped_and_the_others_load(tmp_path: Path) -> None:
    """A budget printing one row 200,000 times takes a reader tens of seconds; the seed beside it a
    fraction of one: the 2 s limit stops the first whatever else the machine is doing."""
    lines = CANGXI_SEED.read_text("utf-8").split("\n")
    row = next(index for index, line in enumerate(lines) if line.startswith("210\t13\t01\t"))
    long = tmp_path / "long.txt"
    long.write_text("\n".join(lines[:row] + [lines[row]] * 200_000 + lines[row:]), "utf-8")
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(long), str(GUIYANG_SEED), "--warehouse", str(warehouse), "--timeout", "2"]) == 1
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = {
        name: (status, reason)
        for name, status, reason in con.execute("FROM dim_document SELECT file_name, status, reason").fetchall()
    }
    assert rows["long.txt"][0] == "timeout" and rows["long.txt"][1].startswith("long.txt: not read within 2 s")
    assert rows[GUIYANG_SEED.name][0] == "loaded"


def stuck_in_c_code(seconds: float) -> None:
    """A reader inside C code that does not return (time.sleep's), past its 0.5 s deadline."""
    deadline.arm(0.5)
    time.sleep(seconds)


def test_a_worker_stuck_in_c_code_ends_at_its_deadline_not_at_the_pool_s_limit(tmp_path: Path) -> None:
    """The pool's limit allows a PDF the time of OCR'ing every page; the deadline is the document's own."""
    stuck = tmp_path / "stuck.pdf"
    stuck.write_bytes(b"%PDF-1.4 never read")
    limits = ExtractionLimits(timeout_seconds=0.5)
    with _pool(1, limits) as pool:
        started = time.monotonic()
        outcome = _settle(stuck, pool.schedule(stuck_in_c_code, args=(300,), timeout=240), limits, 240)
        took = time.monotonic() - started
    assert outcome.status == "timeout"
    assert outcome.reason.startswith("stuck.pdf: not read within 0.5 s (plus --ocr-seconds-per-page")
    assert took < 60, "stopped by the pool's 240 s limit, not by the worker's deadline"


def test_a_reader_extends_its_deadline_by_what_its_ocr_pages_may_take() -> None:
    script = (
        "import time\n"
        "from extractors import deadline\n"
        "deadline.watch(); deadline.arm(0.3); deadline.extend(1.5)\n"
        "time.sleep(0.9); print('alive after 0.9 s', flush=True)\n"
        "time.sleep(30); print('alive after 30 s', flush=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == deadline.EXIT_CODE, done.stderr
    assert done.stdout.splitlines() == ["alive after 0.9 s"]


def test_identical_content_under_two_names_is_ingested_once(tmp_path: Path, capsys) -> None:
    inbox = tmp_path / "inbox"
    badfiles.write(inbox, {"a.txt": CANGXI_SEED.read_bytes(), "b.txt": CANGXI_SEED.read_bytes()})
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(inbox), "--warehouse", str(warehouse)]) == 0
    assert "same content as" in capsys.readouterr().out
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*), min(file_name) FROM dim_document").fetchone() == (1, "a.txt")


def test_a_newer_disclosure_is_kept_beside_the_older_and_marked_current(tmp_path: Path) -> None:
    older, newer = tmp_path / "2025-first.txt", tmp_path / "2025-revised.txt"
    older.write_bytes(CANGXI_SEED.read_bytes())
    newer.write_text(CANGXI_SEED.read_text("utf-8").replace("397.00", "398.00"), "utf-8")
    import os

    os.utime(older, (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_750_000_000, 1_750_000_000))
    warehouse = tmp_path / "w.duckdb"
    main(["ingest", str(newer), "--warehouse", str(warehouse)])
    main(["ingest", str(older), "--warehouse", str(warehouse)])
    con = duckdb.connect(str(warehouse), read_only=True)
    current = dict(con.execute("SELECT file_name, is_current FROM dim_document").fetchall())
    assert current == {"2025-first.txt": False, "2025-revised.txt": True}
    mart = con.execute(
        "SELECT amount_wan FROM mart_function_by_region_year WHERE subject_code = '2101301' AND measure = 'total'"
    ).fetchall()
    assert [str(v) for (v,) in mart] == ["398.00"]
    facts = con.execute("SELECT count(DISTINCT document_id) FROM fct_budget_amount").fetchone()
    assert facts == (2,)


def test_a_line_padded_with_a_million_spaces_is_read_not_timed_out(tmp_path: Path) -> None:
    """Spaces are matched a whole run at a time: a label padded with a million of them between
    Latin letters (a hostile file, or a producer's filler) costs its length, where a pattern retried
    inside the run cost its square (hours: the reader's timeout would end it)."""
    padding = " " * 1_000_000
    padded = tmp_path / "padded.txt"
    lines = [
        "上海市普陀区司法局2025年部门预算",
        "部门：" + padding + "上海市普陀区司法局",
        "单位：万元" + padding + "A",
        "部门收支总表",
        "项目\t预算数",
    ]
    padded.write_text(
        "\n".join([*lines, "合计\t1.00", "一、一般公共预算拨款收入(A" + padding + "B)\t1.00"]) + "\n", "utf-8"
    )
    warehouse = tmp_path / "w.duckdb"
    main(["ingest", str(padded), "--warehouse", str(warehouse), "--timeout", "30"])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        document = con.execute("FROM dim_document SELECT status, department_name, facts_loaded").fetchone()
    assert document == ("loaded", "上海市普陀区司法局", 2)
