"""The cluster path run for real (deploy/): a redis broker, two dagster-celery workers started as
deploy/README.md says, staging runs whose one step each is a celery task, and the loader's merge,
which must leave the warehouse a CLI ingest of the same files leaves."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import dagster as dg
import pytest

from factory.disclosures import DisclosureSpec, build_disclosure, shanghai_spec
from pipelines.definitions import LOAD_JOB, MERGE_QUEUE, STAGE_JOB
from pipelines.inbox import DISCLOSURE_PARTITIONS, partition_key, range_tags
from pipelines.run import IngestOptions, QualitySettings, file_document_id, ingest
from tests.conftest import REQUIRE_SHARED, read_only
from tests.test_staging import COMPARED

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# The queues each worker takes: yusuan-b stands for the machine that holds the warehouse.
QUEUES = {"yusuan-a": ("dagster",), "yusuan-b": ("dagster", MERGE_QUEUE)}
WORKERS = tuple(QUEUES)
# CI installs redis-server and the cluster extra (.ci/run, scripts/test): there the test must run.
IN_CI = REQUIRE_SHARED or bool(os.environ.get("CI"))


def _absent(what: str) -> NoReturn:
    message = f"{what} is missing: `apt-get install redis-server` and `scripts/setup test,cluster` provide it"
    if IN_CI:
        pytest.fail(f"{message}; CI must run the celery deployment test")
    pytest.skip(message)


@dataclass
class Cluster:
    home: Path
    env: dict[str, str]
    workers: dict[str, subprocess.Popen]
    logs: dict[str, Path]
    runs: list[subprocess.Popen]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _running(group: int) -> bool:
    """Whether a process of the group is still running (zombies excluded: nobody here reaps orphans)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def _stop(process: subprocess.Popen) -> None:
    """Ends the process and every process of its session, celery's warm shutdown first: the
    command's own process exits at once, the worker it started a little later."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + 30
        while (process.poll() is None or _running(process.pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        if process.poll() is not None and not _running(process.pid):
            break
    process.wait(10)


def _wait_for(ready: Callable[[], bool], what: str, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not ready after {seconds} s; its log:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        _absent("the redis-server binary")
    port, log = _free_port(), tmp_path / "redis.log"
    # Loopback only, nothing written to disk.
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path)]
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*command, "--save", "", "--appendonly", "no"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def answers() -> bool:
            assert server.poll() is None, f"redis-server exited: {log.read_text(errors='replace')}"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as con:
                    con.sendall(b"PING\r\n")
                    return con.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        _wait_for(answers, "redis-server", log, 15)
        yield f"redis://127.0.0.1:{port}"
    finally:
        _stop(server)


@pytest.fixture
def cluster(tmp_path: Path, redis_url: str) -> Iterator[Cluster]:
    """Two workers as deploy/README.md starts them, on one temporary Dagster instance (sqlite)."""
    try:
        import dagster_celery  # noqa: F401
        import redis  # noqa: F401
    except ImportError:
        _absent("the cluster extra (dagster-celery, redis)")
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    # Created before the workers start: two processes creating one sqlite instance at once race.
    dg.DagsterInstance.from_config(str(home)).dispose()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CELERY_BROKER_URL": f"{redis_url}/0",
        "CELERY_RESULT_BACKEND": f"{redis_url}/1",
        "YUSUAN_INBOX": str(tmp_path / "inbox"),
        "YUSUAN_STAGING": str(tmp_path / "staging"),
        "YUSUAN_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "PYTHONPATH": str(ROOT),
        # The worker command starts `celery` by name.
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    workers: dict[str, subprocess.Popen] = {}
    runs: list[subprocess.Popen] = []
    logs = {name: tmp_path / f"{name}.log" for name in WORKERS}
    try:
        for name in WORKERS:
            with logs[name].open("wb") as out:
                workers[name] = subprocess.Popen(
                    [
                        str(BIN / "dagster-celery"),
                        *("worker", "start", "-A", "dagster_celery.app", "-y", "deploy/celery-worker.yaml"),
                        # One -q: celery keeps only the last of several -Q.
                        *("-n", name, "-q", ",".join(QUEUES[name])),
                        *("--", "--pool", "solo", "--concurrency", "1"),
                        *("--without-gossip", "--without-heartbeat"),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        for name, process in workers.items():

            def ready(name: str = name, process: subprocess.Popen = process) -> bool:
                assert process.poll() is None, f"worker {name} exited: {logs[name].read_text(errors='replace')}"
                return " ready." in logs[name].read_text(errors="replace")

            _wait_for(ready, f"celery worker {name}", logs[name])
        yield Cluster(home, env, workers, logs, runs)
    finally:
        for process in [*runs, *workers.values()]:
            _stop(process)


def _celery_process(pid: int) -> int:
    """`dagster-celery worker start` runs `celery worker` as its one child; the solo pool runs steps in it."""
    (child,) = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(child)


def _launch(cluster: Cluster, job: str, tags: dict[str, str] | None = None) -> subprocess.Popen:
    """A run as the run launcher starts one: a process that submits the run's steps to celery and
    waits for them."""
    command = [str(BIN / "dagster"), "job", "execute", "-f", "deploy/definitions.py", "-d", ".", "-j", job]
    command += ["-c", str(cluster.home / "run.yaml")] + (["--tags", json.dumps(tags)] if tags else [])
    run = subprocess.Popen(
        command,
        cwd=ROOT,
        env=cluster.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    cluster.runs.append(run)
    return run


def _finished(run: subprocess.Popen) -> None:
    output, _ = run.communicate(timeout=240)
    assert run.returncode == 0, output[-4000:]


def _inbox(folder: Path) -> list[Path]:
    folder.mkdir()
    documents = {
        "sichuan.pdf": build_disclosure().pdf,
        "guizhou.pdf": build_disclosure(
            DisclosureSpec(department_name="遵义市教育局", department_code="201", blank_zeros=False)
        ).pdf,
        "shanghai.pdf": build_disclosure(shanghai_spec()).pdf,
    }
    for name, data in documents.items():
        (folder / name).write_bytes(data)
    return sorted(folder.iterdir())


def test_staging_runs_are_celery_tasks_on_two_workers_and_the_merge_equals_the_cli(
    tmp_path: Path, cluster: Cluster
) -> None:
    files = _inbox(tmp_path / "inbox")
    keys = sorted(partition_key(path.name, file_document_id(path)) for path in files)
    # One reader process a step: two steps run at once on the two workers.
    (cluster.home / "run.yaml").write_text("resources:\n  reading:\n    config:\n      workers: 1\n")
    with dg.DagsterInstance.from_config(str(cluster.home)) as instance:
        instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, keys)
    staging = [_launch(cluster, STAGE_JOB, range_tags(batch)) for batch in (keys[:2], keys[2:])]
    for process in staging:
        _finished(process)
    assert len(list((tmp_path / "staging").glob("province=*/fiscal_year=*/*/facts.parquet"))) == 3
    assert not (tmp_path / "warehouse.duckdb").exists()
    _finished(_launch(cluster, LOAD_JOB))

    workers = {_celery_process(process.pid): name for name, process in cluster.workers.items()}
    ran_on = _where_steps_ran(cluster.home, workers)
    assert sorted(worker for job, worker, _ in ran_on if job == STAGE_JOB) == sorted(WORKERS)
    assert {(worker, queue) for job, worker, queue in ran_on if job == LOAD_JOB} == {("yusuan-b", MERGE_QUEUE)}
    for name, log in cluster.logs.items():
        text = log.read_text(errors="replace")
        assert text.count("Task execute_plan[") == 2 * text.count("succeeded in") > 0, name

    cli = tmp_path / "cli.duckdb"
    list(ingest(files, cli, IngestOptions(quality=QualitySettings())))
    merged, expected = _compared(tmp_path / "warehouse.duckdb"), _compared(cli)
    assert merged["fct_budget_amount"] and merged["mart_function_by_region_year"]
    assert merged == expected


def _where_steps_ran(home: Path, workers: dict[int, str]) -> list[tuple[str, str, str]]:
    """(job, worker, queue) of every run's steps: the worker the executor names as having taken each
    step's task, which must be the process the step's events come from, and the queue it was sent to."""
    ran_on = []
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for run in instance.get_runs():
            assert run.status == dg.DagsterRunStatus.SUCCESS, run.job_name
            events = [e.dagster_event for e in instance.all_logs(run.run_id) if e.dagster_event is not None]
            taken = {
                e.step_key: str(e.engine_event_data.metadata["Celery worker"].value).split("@")[0]
                for e in events
                if e.event_type == dg.DagsterEventType.ENGINE_EVENT and "Celery worker" in e.engine_event_data.metadata
            }
            started = {e.step_key: e.pid for e in events if e.event_type == dg.DagsterEventType.STEP_START}
            queues = {
                e.step_key: (e.message or "").rsplit(" to queue ", 1)[1].strip('".')
                for e in events
                if e.event_type == dg.DagsterEventType.ENGINE_EVENT and " to queue " in (e.message or "")
            }
            assert taken.keys() == started.keys() and taken, run.job_name
            for step, pid in started.items():
                assert pid is not None and workers.get(pid) == taken[step], (step, taken, workers)
                ran_on.append((run.job_name, taken[step], queues[step]))
    return ran_on


def _compared(warehouse: Path) -> dict[str, list]:
    with read_only(warehouse) as con:
        return {name: con.execute(query).fetchall() for name, query in COMPARED.items()}
