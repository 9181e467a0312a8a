"""Text from a disclosure (its file name, its cells) is shown as text wherever it is rendered: GX Data
Docs (HTML), Dagster metadata (Markdown) and the terminal never run it as markup or escapes."""

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from extractors.textlayer import clean_cell
from pipelines.cli import main
from pipelines.definitions import staged_disclosure
from pipelines.inbox import DISCLOSURE_PARTITIONS, partition_key, range_tags
from pipelines.run import file_document_id
from tests.conftest import CANGXI_SEED, GUIYANG_SEED
from tests.test_pipeline import resources
from warehouse.report import markdown_cell

HTML_NAME = "<img src=x onerror=alert(1)>.txt"
TERMINAL_NAME = "\x1b[2J\x1b[31mcangxi\u202etxt.exe.txt"
NESTED_SCRIPT = "<<script>script>alert(1)<</script>/script>"
MARKDOWN_CELL = "0.26`code`|[点击](javascript:alert(1))&amp;"


class _Elements(HTMLParser):
    """The elements a browser would build from a page, with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def _hostile_guiyang(folder: Path) -> Path:
    """The 贵阳 seed named like an HTML tag, failing the suite (an amount of 10^12 万元), with a cell
    of nested script tags and one of Markdown link, code and column syntax."""
    text = GUIYANG_SEED.read_text("utf-8")
    for printed, altered in [
        ("2101301\t城乡医疗救助\t423.00", "2101301\t城乡医疗救助\t1000000000000.00"),
        ("险缴费支出\t30.00\t30.00\t30.00", f"险缴费支出\t30.00\t30.00\t{NESTED_SCRIPT}"),
        ("54. 24\t0.26", f"54. 24\t{MARKDOWN_CELL}"),
    ]:
        assert printed in text
        text = text.replace(printed, altered, 1)
    path = folder / HTML_NAME
    path.write_text(text, "utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "inbox"
    folder.mkdir()
    _hostile_guiyang(folder)
    shutil.copy(CANGXI_SEED, folder / TERMINAL_NAME)
    return folder


@pytest.fixture(scope="module")
def hostile_warehouse(hostile_inbox: Path) -> Path:
    warehouse = hostile_inbox.parent / "w.duckdb"
    assert main(["ingest", str(hostile_inbox), "--warehouse", str(warehouse)]) == 1
    return warehouse


@pytest.mark.parametrize(
    ("printed", "cleaned"),
    [
        (NESTED_SCRIPT, "alert(1)"),
        ("<b>合计</b>", "合计"),
        ("＜script＞alert(1)＜/script＞", "alert(1)"),
        ("<img src=x onerror=alert(1)", "img src=x onerror=alert(1)"),
        ("城乡\x1b[31m医疗\u202e救助\x00", "城乡[31m医疗救助"),
    ],
)
def test_a_cell_keeps_no_markup_nor_control_characters(printed: str, cleaned: str) -> None:
    assert clean_cell(printed) == cleaned


def test_a_markdown_cell_renders_as_the_text_printed() -> None:
    cell = markdown_cell("a|b <script>x</script> [点击](javascript:alert(1)) `c` *d* &amp; \\\nnext\x1b[31m")
    assert cell == (
        r"a\|b &lt;script&gt;x&lt;/script&gt; \[点击\](javascript:alert(1)) \`c\` \*d\* &amp;amp; \\ next?\[31m"
    )


def test_data_docs_show_a_hostile_file_name_as_text(hostile_warehouse: Path) -> None:
    docs = hostile_warehouse.parent / "quality_docs"
    (page,) = (docs / "validations").rglob("*.html")
    parsed = _parse(page.read_text("utf-8"))
    assert not [attrs for _, attrs in parsed.elements if "onerror" in attrs]
    assert HTML_NAME in "".join(parsed.text)
    index = (docs / "index.html").read_text("utf-8")
    assert "<img src=x" not in index
    (run_name,) = re.findall(r"'run_name': '([^']*)'", index)
    rendered = _parse(run_name)
    assert rendered.elements == [] and "".join(rendered.text) == HTML_NAME
    con = duckdb.connect(str(hostile_warehouse), read_only=True)
    messages = [m for (m,) in con.execute("SELECT message FROM stg_issue WHERE kind = 'malformed_amount'").fetchall()]
    assert any("'alert(1)'" in m for m in messages) and not any("<" in m or ">" in m for m in messages)


def test_the_report_prints_no_terminal_escapes(hostile_warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["report", TERMINAL_NAME, "--warehouse", str(hostile_warehouse)]) == 0
    out = capsys.readouterr().out
    assert "?[2J?[31mcangxi?txt.exe.txt" in out and "tables_agree" in out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)


def test_dagster_metadata_shows_hostile_text_as_text(tmp_path: Path, hostile_inbox: Path) -> None:
    path = hostile_inbox / HTML_NAME
    instance = dg.DagsterInstance.ephemeral()
    key = partition_key(path.name, file_document_id(path))
    instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, [key])
    result = dg.materialize(
        [staged_disclosure],
        tags=range_tags([key]),
        run_config={"ops": {"staged_disclosure": {"config": {"paths": {key: str(path)}}}}},
        instance=instance,
        resources=resources(tmp_path, hostile_inbox),
    )
    (observation,) = result.asset_observations_for_node("staged_disclosure")
    assert observation.metadata["status"].value == "failed_validation"
    assert observation.metadata["file"].value == HTML_NAME
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks["expectation_suite"].passed
    assert "failed_validation" in checks["amounts_read"].description
    assert r"\[点击\](javascript:alert(1))" in checks["amounts_read"].metadata["not_read"].value
    markdown = [
        value.value
        for metadata in [observation.metadata, *(e.metadata for e in checks.values())]
        for value in metadata.values()
        if isinstance(value, dg.MarkdownMetadataValue)
    ]
    assert len(markdown) >= 2
    for text in markdown:
        assert not re.search(r"[<>]|(?<!\\)[\[\]`]|&(?!lt;|gt;|amp;)", text), text
        header, _, *rows = text.splitlines()
        columns = len(re.findall(r"(?<!\\)\|", header))
        assert all(len(re.findall(r"(?<!\\)\|", row)) == columns for row in rows), text
