from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from tests.conftest import CANGXI_SEED


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as no_paths:
        main(["ingest"])
    assert no_paths.value.code == 2
    assert main(["ingest", str(tmp_path / "missing.pdf")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["ingest", str(tmp_path)]) == 2


def test_rejected_documents_exit_1_with_reason_and_leave_others_loaded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "notes.txt").write_text("会议纪要\n今天讨论了食堂菜单。\n", "utf-8")
    (inbox / "cangxi.txt").write_bytes(CANGXI_SEED.read_bytes())
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(inbox), "--warehouse", str(warehouse)]) == 1
    out = capsys.readouterr().out
    assert "REJECTED" in out and "empty" in out and "not_budget" in out
    con = duckdb.connect(str(warehouse), read_only=True)
    statuses = dict(con.execute("SELECT file_name, status FROM dim_document").fetchall())
    assert statuses == {"empty.txt": "empty", "notes.txt": "not_budget", "cangxi.txt": "loaded"}
    reasons = con.execute("SELECT reason FROM dim_document WHERE status <> 'loaded'").fetchall()
    assert all(reason and len(reason) > 20 for (reason,) in reasons)
    facts = con.execute(
        "SELECT d.file_name, count(*) FROM fct_budget_amount JOIN dim_document d USING (document_id) GROUP BY 1"
    ).fetchall()
    assert [name for name, _ in facts] == ["cangxi.txt"]


def test_warehouse_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "env.duckdb"
    monkeypatch.setenv("YUSUAN_WAREHOUSE", str(target))
    assert main(["ingest", str(CANGXI_SEED)]) == 0
    assert target.exists()


def test_sql_prints_a_query_and_refuses_to_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warehouse = tmp_path / "w.duckdb"
    assert main(["sql", "SELECT 1", "--warehouse", str(warehouse)]) == 2
    assert "run `yusuan ingest` first" in capsys.readouterr().err
    assert main(["ingest", str(CANGXI_SEED), "--warehouse", str(warehouse)]) == 0
    capsys.readouterr()

    query = "SELECT department_name, count(*) AS facts FROM fct_budget_amount GROUP BY 1"
    assert main(["sql", query, "--warehouse", str(warehouse)]) == 0
    printed = capsys.readouterr().out
    assert "苍溪县医疗保障局" in printed and "facts" in printed

    assert main(["sql", "DELETE FROM fct_budget_amount", "--warehouse", str(warehouse)]) == 2
    assert "read-only" in capsys.readouterr().err
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM fct_budget_amount").fetchone()[0] > 0
