"""Hostile file names, encodings, dates and a hostile environment: each gets its status or a one-line
reason and a distinct exit code, and the good files beside them load in full."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from io import BytesIO
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader, PdfWriter

from extractors import ExtractedDocument, ExtractionLimits, file_modified_at
from factory.disclosures import build_disclosure
from pipelines import cli
from pipelines import run as ingest_module
from pipelines.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, EXIT_USAGE, main
from tests import badfiles
from tests.conftest import CANGXI_SEED, GUIYANG_SEED, read_only
from transforms.filing import published_at
from warehouse.load import LOCK_WAIT_ENV, PAUSE_BEFORE_COMMIT_ENV

BAD_NAME = os.fsdecode(b"\xff\xfe\xb2.txt")
FACTS = "SELECT d.file_name, count(*) FROM fct_budget_amount JOIN dim_document d USING (document_id) GROUP BY 1"
FACT_ROWS = """SELECT table_type, subject_code, measure, amount_wan FROM fct_budget_amount
               JOIN dim_document d USING (document_id) WHERE d.file_name = ? ORDER BY ALL"""


def _documents(warehouse: Path) -> dict[str, tuple[str, str | None]]:
    with read_only(warehouse) as con:
        return {
            name: (status, reason)
            for name, status, reason in con.execute("SELECT file_name, status, reason FROM dim_document").fetchall()
        }


def _facts(warehouse: Path) -> dict[str, int]:
    with read_only(warehouse) as con:
        return dict(con.execute(FACTS).fetchall())


@pytest.fixture(scope="module")
def seed_facts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """Facts each seed yields in a plain run, under its own name: what a good file must keep."""
    warehouse = tmp_path_factory.mktemp("reference") / "w.duckdb"
    assert main(["ingest", str(CANGXI_SEED), str(GUIYANG_SEED), "--warehouse", str(warehouse)]) == EXIT_OK
    return _facts(warehouse)


def _ingest_cli(args: list[str], env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ingest", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        **popen,
    )


# --- hostile names ---------------------------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_loaded_stored_and_printed_safely(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seed_facts: dict[str, int]
) -> None:
    inbox = tmp_path / "inbox"
    badfiles.write(inbox, {GUIYANG_SEED.name: GUIYANG_SEED.read_bytes(), BAD_NAME: CANGXI_SEED.read_bytes()})
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(inbox), "--warehouse", str(warehouse)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "loaded   " + str(inbox / "\\xff\\xfe\\xb2.txt") in out
    facts = _facts(warehouse)
    assert facts == {
        GUIYANG_SEED.name: seed_facts[GUIYANG_SEED.name],
        "\\xff\\xfe\\xb2.txt": seed_facts[CANGXI_SEED.name],
    }
    with read_only(warehouse) as con:
        assert con.execute("SELECT source_path FROM dim_document WHERE file_name LIKE '\\x%'").fetchone() == (
            str(inbox / "\\xff\\xfe\\xb2.txt"),
        )


def test_an_unexpected_error_while_validating_fails_that_document_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error no rule foresaw, raised by the consistency rules for one document, becomes its
    `failed` status with the error's text. The rules run in the reader worker; here the worker's
    own function runs in this process, where the error can be planted."""
    broken = tmp_path / "a-validate.txt"
    broken.write_text(CANGXI_SEED.read_text("utf-8").replace("397.00", "397.01"), "utf-8")
    real_findings = ingest_module.consistency_findings

    def findings(facts, narrative, rules, document_kind, places):
        if "397.01" in {str(v) for v in facts["amount_wan"].to_list()}:
            raise ZeroDivisionError("a rule divided by zero")
        return real_findings(facts, narrative, rules, document_kind, places)

    monkeypatch.setattr(ingest_module, "consistency_findings", findings)
    quality = ingest_module.QualitySettings()
    failed = ingest_module.process_document(broken, ExtractionLimits(), quality)
    assert failed.status == "failed"
    assert "a-validate.txt: validation failed" in (failed.reason or "") and "ZeroDivisionError" in (failed.reason or "")
    assert failed.load is not None and failed.load.facts.is_empty()
    good = ingest_module.process_document(GUIYANG_SEED, ExtractionLimits(), quality)
    assert good.status == "loaded"


def test_an_unexpected_error_while_loading_fails_that_document_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed_facts: dict[str, int]
) -> None:
    """An error no rule foresaw, raised by the warehouse for one document, becomes its `failed`
    status with the error's text; the others load."""
    inbox = tmp_path / "inbox"
    broken = CANGXI_SEED.read_text("utf-8")
    badfiles.write(
        inbox, {"b-load.txt": broken.replace("397.00", "397.02").encode(), "c-good.txt": GUIYANG_SEED.read_bytes()}
    )
    real_load = ingest_module.load_document

    def load(con, load):
        if load.document["file_name"][0] == "b-load.txt" and load.document["status"][0] == "loaded":
            raise duckdb.ConversionException("Conversion Error: a value no column takes")
        return real_load(con, load)

    monkeypatch.setattr(ingest_module, "load_document", load)
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(inbox), "--warehouse", str(warehouse)]) == EXIT_REJECTED
    documents = _documents(warehouse)
    assert documents["b-load.txt"][0] == "failed"
    assert (
        "b-load.txt: loading failed" in documents["b-load.txt"][1]
        and "a value no column takes" in (documents["b-load.txt"][1])
    )
    assert documents["c-good.txt"] == ("loaded", None)
    assert _facts(warehouse) == {"c-good.txt": seed_facts[GUIYANG_SEED.name]}


# --- dates -----------------------------------------------------------------------------------------


def _with_dates(pdf: bytes, **dates: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    writer.add_metadata({f"/{key}": value for key, value in dates.items()})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_modification_date_in_the_future_does_not_make_a_copy_current(tmp_path: Path) -> None:
    pdf = build_disclosure().pdf
    inbox = tmp_path / "inbox"
    badfiles.write(
        inbox,
        {
            "a-year-9999.pdf": _with_dates(pdf, ModDate="D:99991231235959Z", CreationDate="D:20250120090000Z"),
            "b-revised.pdf": _with_dates(pdf, ModDate="D:20250301090000Z", CreationDate="D:20250120090000Z"),
            "guiyang.txt": GUIYANG_SEED.read_bytes(),
        },
    )
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(inbox), "--warehouse", str(warehouse)]) == EXIT_OK
    with read_only(warehouse) as con:
        rows = con.execute(
            "SELECT file_name, published_at, published_at_source, is_current FROM dim_document ORDER BY 1"
        ).fetchall()
        facts = dict(con.execute(FACTS).fetchall())
        mart = con.execute("SELECT DISTINCT document_id FROM mart_function_by_region_year").fetchall()
        current = con.execute("SELECT document_id FROM dim_document WHERE is_current ORDER BY 1").fetchall()
    assert rows[:2] == [
        ("a-year-9999.pdf", datetime(2025, 1, 20, 9), "CreationDate", False),
        ("b-revised.pdf", datetime(2025, 3, 1, 9), "ModDate", True),
    ]
    assert rows[2][0] == "guiyang.txt" and rows[2][2] == "file_mtime" and rows[2][3]
    assert facts["a-year-9999.pdf"] == facts["b-revised.pdf"] > 0 and facts["guiyang.txt"] > 0
    assert sorted(mart) == current


def test_dates_years_before_the_fiscal_year_or_after_now_fall_back_to_the_next_source(tmp_path: Path) -> None:
    path = tmp_path / "d.pdf"
    path.write_bytes(b"%PDF-1.7")
    os.utime(path, (1_740_000_000, 1_740_000_000))
    now = datetime(2025, 6, 1)

    def dated(**metadata: str) -> tuple[datetime | None, str | None]:
        document = ExtractedDocument("id", path, "pdf", 1, "", (), metadata, file_modified_at(path))
        return published_at(document, 2025, now)

    assert dated(ModDate="D:20250301", CreationDate="D:20250101") == (datetime(2025, 3, 1), "ModDate")
    assert dated(ModDate="D:20260101", CreationDate="D:20250101") == (datetime(2025, 1, 1), "CreationDate")
    assert dated(ModDate="D:19991231", CreationDate="D:19700101") == (datetime(2025, 2, 19, 21, 20), "file_mtime")
    os.utime(path, (4_000_000_000, 4_000_000_000))
    assert dated(ModDate="D:99991231") == (None, None)


# --- encodings -------------------------------------------------------------------------------------


def test_gbk_gb18030_and_utf16_text_load_like_utf8_and_pdf_mentions_stay_text(
    tmp_path: Path, seed_facts: dict[str, int]
) -> None:
    text = CANGXI_SEED.read_text("utf-8")
    inbox = tmp_path / "inbox"
    badfiles.write(
        inbox,
        {
            "gbk.txt": text.replace("\xa0", " ").encode("gbk"),
            "gb18030.txt": text.encode("gb18030"),
            "utf16-bom.txt": text.encode("utf-16"),
            "utf16le-no-bom.txt": text.encode("utf-16-le"),
            "mentions-pdf.txt": ("原件见 cangxi.pdf（%PDF-1.7）\n" + text).encode("utf-8"),
            "utf8.txt": CANGXI_SEED.read_bytes(),
            "binary.txt": bytes(range(256)) * 40,
            "guiyang.txt": GUIYANG_SEED.read_bytes(),
        },
    )
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(inbox), "--warehouse", str(warehouse)]) == EXIT_REJECTED
    documents = _documents(warehouse)
    status, reason = documents.pop("binary.txt")
    assert status == "corrupt" and "binary.txt" in reason and "GB18030" in reason and "UTF-8" in reason
    assert {name: status for name, (status, _) in documents.items()} == dict.fromkeys(documents, "loaded")
    assert _facts(warehouse)["guiyang.txt"] == seed_facts[GUIYANG_SEED.name]
    with read_only(warehouse) as con:
        expected = con.execute(FACT_ROWS, ["utf8.txt"]).fetchall()
        assert len(expected) == seed_facts[CANGXI_SEED.name]
        for name in ("gbk.txt", "gb18030.txt", "utf16-bom.txt", "utf16le-no-bom.txt", "mentions-pdf.txt"):
            assert con.execute(FACT_ROWS, [name]).fetchall() == expected, name


# --- the warehouse ---------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 32 MiB tmpfs: a disk that can be filled and made read-only for real (needs mount rights)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}); the disk tests need mount rights")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_stops_the_run_with_the_real_error_and_keeps_what_was_loaded(
    small_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], seed_facts: dict[str, int]
) -> None:
    warehouse = small_disk / "w.duckdb"
    assert main(["ingest", str(CANGXI_SEED), "--warehouse", str(warehouse)]) == EXIT_OK
    with (small_disk / "filler").open("wb", buffering=0) as filler, pytest.raises(OSError, match="No space"):
        while True:
            filler.write(b"\0" * 2**16)
    capsys.readouterr()
    assert main(["ingest", str(GUIYANG_SEED), "--warehouse", str(warehouse)]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert "No space left on device" in err and str(warehouse) in err, err
    assert "no transaction is active" not in err
    (small_disk / "filler").unlink()
    assert _facts(warehouse) == {CANGXI_SEED.name: seed_facts[CANGXI_SEED.name]}


def test_a_read_only_disk_stops_the_run_with_a_one_line_reason(
    small_disk: Path, capsys: pytest.CaptureFixture[str], seed_facts: dict[str, int]
) -> None:
    warehouse = small_disk / "w.duckdb"
    assert main(["ingest", str(CANGXI_SEED), "--warehouse", str(warehouse)]) == EXIT_OK
    remounted = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True, text=True)
    assert remounted.returncode == 0, remounted.stderr
    capsys.readouterr()
    assert main(["ingest", str(GUIYANG_SEED), "--warehouse", str(warehouse)]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(warehouse) in err and "Read-only file system" in err, err
    assert _facts(warehouse) == {CANGXI_SEED.name: seed_facts[CANGXI_SEED.name]}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions; the tmpfs tests cover root")
def test_a_warehouse_file_without_write_permission_stops_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(CANGXI_SEED), "--warehouse", str(warehouse)]) == EXIT_OK
    warehouse.chmod(0o444)
    assert main(["ingest", str(GUIYANG_SEED), "--warehouse", str(warehouse)]) == EXIT_FAILED
    assert "cannot open warehouse" in capsys.readouterr().err


def test_a_warehouse_under_a_regular_file_stops_the_run_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data").write_text("not a folder")
    assert main(["ingest", str(CANGXI_SEED), "--warehouse", str(tmp_path / "data" / "w.duckdb")]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("yusuan: cannot create the warehouse's folder") and "--warehouse" in err, err


def _hold_open(warehouse: Path, seconds: float) -> subprocess.Popen:
    """Another process with the warehouse open for writing, as a second `yusuan ingest` would have."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('open', flush=True); "
            "time.sleep(float(sys.argv[2]))",
            str(warehouse),
            str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "open"
    return holder


def test_a_second_writer_is_waited_for_a_bounded_time_then_the_run_stops_with_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "w.duckdb"
    holder = _hold_open(warehouse, 120)
    try:
        monkeypatch.setenv(LOCK_WAIT_ENV, "2")
        started = time.monotonic()
        assert main(["ingest", str(CANGXI_SEED), "--warehouse", str(warehouse)]) == EXIT_FAILED
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert 2 <= waited < 20
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "in use by another process" in err and LOCK_WAIT_ENV in err, err


def test_a_writer_that_finishes_within_the_wait_lets_the_run_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed_facts: dict[str, int]
) -> None:
    warehouse = tmp_path / "w.duckdb"
    holder = _hold_open(warehouse, 2)
    monkeypatch.setenv(LOCK_WAIT_ENV, "60")
    try:
        assert main(["ingest", str(CANGXI_SEED), "--warehouse", str(warehouse)]) == EXIT_OK
    finally:
        holder.wait()
    assert _facts(warehouse) == {CANGXI_SEED.name: seed_facts[CANGXI_SEED.name]}


# --- the process and the paths ---------------------------------------------------------------------


def test_ctrl_c_ends_the_run_with_one_line_exit_130_and_the_warehouse_intact(
    tmp_path: Path, seed_facts: dict[str, int]
) -> None:
    """SIGINT to the whole process group, as a terminal's Ctrl-C sends it, while a load is open."""
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(CANGXI_SEED), "--warehouse", str(warehouse)]) == EXIT_OK
    run = _ingest_cli(
        [str(GUIYANG_SEED), "--warehouse", str(warehouse)], {PAUSE_BEFORE_COMMIT_ENV: "60"}, start_new_session=True
    )
    for line in run.stderr:
        if "holding the load of" in line:
            break
    os.killpg(run.pid, signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert run.returncode == EXIT_INTERRUPTED
    assert "Traceback" not in err and err.strip().count("\n") == 0 and "interrupted" in err, err
    assert _facts(warehouse) == {CANGXI_SEED.name: seed_facts[CANGXI_SEED.name]}


class _InterruptedInsert:
    """A connection whose INSERT into dim_document is cut short as DuckDB cuts a query on Ctrl-C:
    it swallows the signal and raises RuntimeError('Query interrupted')."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def execute(self, sql: str, *args):
        if sql.startswith("INSERT INTO dim_document"):
            raise RuntimeError("Query interrupted")
        return self.con.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self.con, name)


def test_ctrl_c_inside_a_duckdb_query_stops_the_run_and_fails_no_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], seed_facts: dict[str, int]
) -> None:
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(CANGXI_SEED), "--warehouse", str(warehouse)]) == EXIT_OK
    real_load = ingest_module.load_document
    monkeypatch.setattr(ingest_module, "load_document", lambda con, load: real_load(_InterruptedInsert(con), load))
    assert main(["ingest", str(GUIYANG_SEED), "--warehouse", str(warehouse)]) == EXIT_INTERRUPTED
    assert "interrupted" in capsys.readouterr().err
    assert _documents(warehouse) == {CANGXI_SEED.name: ("loaded", None)}
    assert _facts(warehouse) == {CANGXI_SEED.name: seed_facts[CANGXI_SEED.name]}


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_a_fifo_or_device_named_on_the_command_line_is_refused_before_it_is_opened(
    tmp_path: Path, special: str
) -> None:
    if special == "fifo":
        special = str(tmp_path / "disclosure.pdf")
        os.mkfifo(special)
    run = _ingest_cli([str(CANGXI_SEED), special, "--warehouse", str(tmp_path / "w.duckdb")])
    try:
        _, err = run.communicate(timeout=60)
    finally:
        run.kill()
    assert run.returncode == EXIT_USAGE
    assert special in err and "not a file" in err and "Traceback" not in err, err


def test_an_unreadable_sub_directory_is_reported_and_the_rest_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], seed_facts: dict[str, int]
) -> None:
    inbox = tmp_path / "inbox"
    badfiles.write(inbox, {"guiyang.txt": GUIYANG_SEED.read_bytes()})
    locked = inbox / "locked"
    badfiles.write(locked, {"cangxi.txt": CANGXI_SEED.read_bytes()})
    if os.geteuid() == 0:  # root lists any directory: refuse this one, while files are found, as for a user
        real_scandir, real_discover = os.scandir, cli.discover

        def scandir(path=".") -> Iterator[os.DirEntry]:
            if Path(path) == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)

        def discover(paths, on_unreadable=None) -> list[Path]:
            with monkeypatch.context() as patch:
                patch.setattr(os, "scandir", scandir)
                return real_discover(paths, on_unreadable)

        monkeypatch.setattr(cli, "discover", discover)
    else:
        locked.chmod(0)
    try:
        exit_code = main(["ingest", str(inbox), "--warehouse", str(tmp_path / "w.duckdb")])
    finally:
        locked.chmod(0o755)
    assert exit_code == EXIT_REJECTED
    err = capsys.readouterr().err
    assert f"cannot read folder {locked} (Permission denied)" in err, err
    assert _facts(tmp_path / "w.duckdb") == {"guiyang.txt": seed_facts[GUIYANG_SEED.name]}
