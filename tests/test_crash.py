"""A process killed while it writes leaves the warehouse as it was; the next run completes it."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.conftest import CANGXI_SEED, GUIYANG_SEED
from warehouse.load import PAUSE_BEFORE_COMMIT_ENV

HOLD_SECONDS = "60"


def _state(warehouse: Path) -> tuple:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        documents = con.execute("SELECT file_name, status FROM dim_document ORDER BY 1").fetchall()
        facts = con.execute("SELECT document_id, count(*) FROM fct_budget_amount GROUP BY 1 ORDER BY 1").fetchall()
        findings = con.execute("SELECT count(*) FROM fct_quality_finding").fetchone()[0]
        return documents, facts, findings
    finally:
        con.close()


def _ingest(paths: list[Path], warehouse: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ingest", *map(str, paths), "--warehouse", str(warehouse)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_sigkill_during_a_load_leaves_the_warehouse_consistent_and_rerun_completes(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    first = _ingest([CANGXI_SEED], warehouse)
    assert first.wait(timeout=300) == 0
    before = _state(warehouse)

    victim = _ingest([GUIYANG_SEED], warehouse, {PAUSE_BEFORE_COMMIT_ENV: HOLD_SECONDS})
    for line in victim.stderr:
        if "holding the load of" in line:
            break
    victim.send_signal(signal.SIGKILL)
    assert victim.wait(timeout=60) == -signal.SIGKILL

    assert _state(warehouse) == before

    rerun = _ingest([CANGXI_SEED, GUIYANG_SEED], warehouse)
    assert rerun.wait(timeout=300) == 0
    documents, facts, _ = _state(warehouse)
    assert documents == sorted([(CANGXI_SEED.name, "loaded"), (GUIYANG_SEED.name, "loaded")])
    assert len(facts) == 2
    assert dict(facts)[before[1][0][0]] == before[1][0][1]
