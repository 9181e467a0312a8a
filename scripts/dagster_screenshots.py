"""Ingest the factory's samples and an empty .pdf through a real Dagster instance the way the inbox
sensor does (evaluate it, add its partitions, run its requests, evaluate it again for the merge),
start the webserver on that instance and screenshot what an analyst opens. Run through
scripts/dagster-screenshots, which sets up the interpreter and the font."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
VIEWPORT = {"width": 1680, "height": 1000}
# Files of factory.samples the screenshots open, and the hostile file added beside them.
PLANTED_ERROR = "sichuan_county_budget_previous_year.pdf"
NARRATIVE_ONLY = "jiangsu_province_budget_narrative.pdf"
EMPTY = "empty.pdf"


def ingest(work: Path) -> dict[str, str]:
    """Partition key of each inbox file name (the name first found with its content), after staging
    and merging them all."""
    import dagster as dg

    from factory.samples import write_samples
    from pipelines.definitions import LOAD_JOB, STAGE_JOB, defs, inbox_sensor
    from pipelines.inbox import DISCLOSURE_PARTITIONS_NAME, content_digest
    from pipelines.resources import Inbox, Staging
    from pipelines.run import file_document_id

    inbox = work / "data" / "inbox"
    write_samples(inbox)
    (inbox / EMPTY).write_bytes(b"")
    sensor_resources = {"inbox": Inbox(), "staging": Staging()}
    with dg.DagsterInstance.get() as instance:
        cursor = None
        for _ in range(3):
            context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=sensor_resources)
            result = inbox_sensor(context)
            for request in result.dynamic_partitions_requests or []:
                instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS_NAME, list(request.partition_keys))
            for run in result.run_requests or []:
                job = defs.resolve_job_def(run.job_name or STAGE_JOB)
                outcome = job.execute_in_process(
                    run_config=run.run_config, tags=run.tags, instance=instance, raise_on_error=False
                )
                print(f"{run.job_name} {run.run_key}: {'success' if outcome.success else 'FAILED'}")
            cursor = result.cursor
            if any(run.job_name == LOAD_JOB for run in result.run_requests or []):
                break
        keys = instance.get_dynamic_partitions(DISCLOSURE_PARTITIONS_NAME)
    ids = {path.name: file_document_id(path) for path in inbox.iterdir()}
    return {name: next(key for key in keys if id_.startswith(content_digest(key))) for name, id_ in ids.items()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the webserver exited ({process.returncode}) before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"the webserver did not answer at {url} within {seconds:.0f} s")


def settle(page: Page, text: str) -> None:
    """Waits for the single-page app to render `text` and for its queries to finish."""
    page.get_by_text(text, exact=False).filter(visible=True).first.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)


def shoot(page: Page, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


def open_check_partition(page: Page, base: str, check: str, key: str, file: str) -> None:
    """The check's result for one partition. The list middle-truncates long keys, so the key is
    typed into its filter, the row found by the digest the key ends with, and the filter cleared
    to show every partition's status again."""
    page.goto(f"{base}/assets/staged_disclosure?view=checks&checkDetail={check}")
    settle(page, "Latest execution")
    page.get_by_text("Partitions", exact=True).filter(visible=True).last.click()
    search = page.get_by_placeholder("Filter by partition")
    search.fill(key)
    digest = key.rsplit("-", 1)[-1]
    settle(page, digest)
    page.get_by_text(digest).filter(visible=True).first.click()
    search.fill("")
    page.mouse.move(0, 0)
    settle(page, file)


def show_markdown(page: Page) -> None:
    page.get_by_text("[Show Markdown]").filter(visible=True).last.click()
    page.get_by_role("dialog").wait_for(timeout=60_000)
    page.wait_for_timeout(1000)


def screenshots(base: str, keys: dict[str, str], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT)
        # Dagster's "Join the Dagster community" prompt on localhost stays away once this is set.
        page.add_init_script("window.localStorage.setItem('communityNux', '\"1\"')")
        page.goto(f"{base}/asset-groups")
        settle(page, "mart_function_by_region_year")
        shoot(page, out, "lineage")
        planted, rejected = keys[PLANTED_ERROR], keys[NARRATIVE_ONLY]
        page.goto(f"{base}/assets/staged_disclosure?view=partitions&partition={planted}")
        settle(page, PLANTED_ERROR)
        shoot(page, out, "partitions")
        page.goto(f"{base}/assets/staged_disclosure?view=events&partition={rejected}")
        settle(page, "narrative_only")
        shoot(page, out, "rejected_partition")
        page.goto(f"{base}/assets/staged_disclosure?view=checks&checkDetail=every_document_loaded")
        settle(page, "documents not loaded")
        shoot(page, out, "documents_not_loaded")
        show_markdown(page)
        shoot(page, out, "documents_not_loaded_table")
        open_check_partition(page, base, "consistency_findings", planted, PLANTED_ERROR)
        shoot(page, out, "planted_error_checks")
        show_markdown(page)
        shoot(page, out, "planted_error_findings")
        open_check_partition(page, base, "expectation_suite", rejected, NARRATIVE_ONLY)
        shoot(page, out, "rejected_checks")
        page.goto(f"{base}/assets/mart_function_by_region_year?view=overview")
        settle(page, "Columns")
        shoot(page, out, "warehouse_table")
        page.goto(f"{base}/assets/mart_function_by_region_year?view=checks")
        settle(page, "Checks (2)")
        shoot(page, out, "mart_checks")
        browser.close()


def main(out: Path) -> None:
    out = out.resolve()
    with tempfile.TemporaryDirectory(prefix="yusuan-dagster-") as temp:
        work = Path(temp)
        home = work / "dagster_home"
        home.mkdir()
        shutil.copy(REPO / "dagster_home" / "dagster.yaml", home)
        workspace = work / "workspace.yaml"
        workspace.write_text(
            "load_from:\n  - python_module:\n      module_name: pipelines.definitions\n"
            f"      working_directory: {REPO}\n      location_name: yusuan\n"
        )
        os.environ["DAGSTER_HOME"] = str(home)
        os.chdir(work)
        sys.path.insert(0, str(REPO))
        keys = ingest(work)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "dagster_webserver", "-w", str(workspace), "-h", "127.0.0.1", "-p", str(port)],
            cwd=work,
            env=os.environ | {"PYTHONPATH": str(REPO)},
            stdout=subprocess.DEVNULL,
            stderr=open(work / "webserver.log", "w"),  # noqa: SIM115 (closed with the process)
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/server_info", server)
            screenshots(base, keys, out)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots")
