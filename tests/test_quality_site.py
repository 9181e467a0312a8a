"""`yusuan docs`: the data-quality pages, written as files and served, for every document ingested
(failing and hostile-named ones included), readable with nothing fetched from elsewhere."""

import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from decimal import Decimal
from functools import partial
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from factory.disclosures import DisclosureSpec, EconomicItem, FunctionItem, build_disclosure
from factory.samples import write_samples
from pipelines.cli import main
from warehouse.quality_site import SITE_PORT, SiteServer, document_page, document_url

HOSTILE_NAME = "<img src=x onerror=alert(1)>苍溪县水利局.pdf"
# An amount no department budgets: the suite fails the document, so it is not loaded.
ABSURD = Decimal("20000000000.00")


class _Page(HTMLParser):
    """What a browser would build from a page: its elements with their attributes, and its text."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.title = ""
        self._in_title = False
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_title:
            self.title += data

    def links(self) -> list[str]:
        return [attrs["href"] or "" for tag, attrs in self.elements if tag == "a" and "href" in attrs]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The factory's samples and a budget that fails the suite under a file name made of markup."""
    root = tmp_path_factory.mktemp("site")
    inbox = root / "inbox"
    write_samples(inbox)
    failing = DisclosureSpec(
        department_name="苍溪县水利局",
        function_items=(FunctionItem("2050101", "行政运行", ABSURD),),
        economic_items=(EconomicItem("30101", "基本工资", ABSURD),),
    )
    (inbox / HOSTILE_NAME).write_bytes(build_disclosure(failing).pdf)
    target = root / "w.duckdb"
    assert main(["ingest", str(inbox), "--warehouse", str(target)]) == 1
    return target


def _documents(warehouse: Path) -> dict[str, tuple[str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT document_id, file_name, status FROM dim_document").fetchall()
    return {document_id: (name, status) for document_id, name, status in rows}


def _assert_self_contained(page: _Page) -> None:
    """Nothing is loaded from elsewhere, and no element came from a file name or a cell."""
    for tag, attrs in page.elements:
        assert tag not in ("img", "link", "iframe", "object", "embed"), (tag, attrs)
        assert "src" not in attrs and not any(name.startswith("on") for name in attrs), (tag, attrs)
    assert not [link for link in page.links() if re.match(r"[a-z]+:", link)]


def test_ingest_says_where_the_pages_are(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["ingest", str(warehouse.parent / "inbox" / "sichuan_county_budget.pdf"), "--warehouse", str(warehouse)])
        == 0
    )
    assert f"yusuan docs --serve, then open http://localhost:{SITE_PORT}/" in capsys.readouterr().out


def test_docs_writes_an_index_and_a_page_per_document(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert main(["docs", "--warehouse", str(warehouse), "--out", str(out)]) == 0
    documents = _documents(warehouse)
    statuses = {status for _, status in documents.values()}
    assert {"loaded", "failed_validation", "narrative_only"} <= statuses

    index = _Page((out / "index.html").read_text("utf-8"))
    _assert_self_contained(index)
    assert sorted(index.links()) == sorted(document_page(document_id) for document_id in documents)
    index_text = "".join(index.text)
    for name, status in documents.values():
        assert name in index_text and status in index_text

    for document_id, (name, status) in documents.items():
        page = _Page((out / document_page(document_id)).read_text("utf-8"))
        _assert_self_contained(page)
        assert page.title == f"{name}: data quality"
        text = "".join(page.text)
        assert name in text and status in text and document_id in text
        assert "Tables found" in text and "Expectation suite" in text and "Consistency findings" in text


def test_a_failing_document_shows_its_failed_expectation_first_and_its_data_docs(
    warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    assert main(["docs", "--warehouse", str(warehouse), "--out", str(out)]) == 0
    (document_id,) = [i for i, (name, _) in _documents(warehouse).items() if name == HOSTILE_NAME]
    page_path = out / document_page(document_id)
    page = _Page(page_path.read_text("utf-8"))
    text = "".join(page.text)
    assert "failed_validation" in text and "expect_column_values_to_be_between" in text
    assert text.count("FAILED") == 1 and text.index("FAILED") < text.index("passed")
    (data_docs,) = [link for link in page.links() if "validations" in link]
    assert (page_path.parent / urllib.request.url2pathname(data_docs)).is_file()


def test_a_second_run_changes_nothing_and_drops_pages_of_documents_gone(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert main(["docs", "--warehouse", str(warehouse), "--out", str(out)]) == 0
    stale = out / document_page("0" * 64)
    stale.write_text("old", "utf-8")
    written = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in out.rglob("*.html") if path != stale}
    assert main(["docs", "--warehouse", str(warehouse), "--out", str(out)]) == 0
    assert not stale.exists()
    assert {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in out.rglob("*.html")} == written


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_served_pages_are_the_documents_pages_and_nothing_else(warehouse: Path) -> None:
    assert document_url("ab" * 32) == f"http://localhost:{SITE_PORT}/documents/{'ab' * 32}.html"
    documents = _documents(warehouse)
    with SiteServer(warehouse, warehouse.parent / "quality_docs", port=0) as server:
        server.start()
        try:
            status, index = _get(server.url)
            assert status == 200 and all(document_page(i) in index for i in documents)
            for document_id, (name, _) in documents.items():
                status, page = _get(f"{server.url}{document_page(document_id)}")
                assert status == 200 and _Page(page).title == f"{name}: data quality"
            (failing,) = [i for i, (name, _) in documents.items() if name == HOSTILE_NAME]
            (data_docs,) = [
                link
                for link in _Page(_get(f"{server.url}{document_page(failing)}")[1]).links()
                if "validations" in link
            ]
            status, gx_page = _get(f"{server.url}{data_docs.lstrip('/')}")
            assert status == 200 and "amount_wan" in gx_page and "Great Expectations" in gx_page
            assert _get(f"{server.url}{document_page('0' * 64)}")[0] == 404
            assert _get(f"{server.url}data-docs/..%2F..%2Fw.duckdb")[0] == 404
            assert _get(f"{server.url}etc/passwd")[0] == 404
        finally:
            server.shutdown()


def test_the_serve_command_prints_its_url_and_serves_until_stopped(warehouse: Path) -> None:
    command = [sys.executable, "-m", "pipelines.cli", "docs", "--serve", "--port", "0", "--warehouse", str(warehouse)]
    # started as a background job's child whose parent ran Dagster in process: SIGTERM ignored
    ignoring_sigterm = partial(signal.signal, signal.SIGTERM, signal.SIG_IGN)
    server = subprocess.Popen(
        command, cwd=Path(__file__).parents[1], stdout=subprocess.PIPE, text=True, preexec_fn=ignoring_sigterm
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        url = re.search(r"http://localhost:\d+/", line)
        assert url is not None, line
        status, index = _get(url.group(0))
        assert status == 200 and HOSTILE_NAME.replace("<", "&lt;").replace(">", "&gt;") in index
    finally:
        server.terminate()
        server.wait(timeout=30)
