"""The same disclosure as other PDF producers leave it reads as printed: what a producer does to
fonts and lettering changes no figure on the page, so it may change no fact."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from extractors import ExtractedDocument
from extractors.plumber_page import TablePage
from extractors.textlayer import is_undecoded
from factory.disclosures import DisclosureSpec, build_disclosure, jiangsu_spec
from factory.pdf import DisclosurePdf, Grid
from factory.producers import (
    cairo_missing,
    framed,
    overprinted,
    reprinted_by_cairo,
    turned,
    with_font_descent,
    with_stroked_text,
    with_title_in_gbk,
    without_font_box,
)
from tests.conftest import REQUIRE_SHARED
from tests.tables import cells
from transforms.document import normalize_document

Extract = Callable[[bytes], ExtractedDocument]
ROOT = Path(__file__).resolve().parents[1]
IN_CI = REQUIRE_SHARED or bool(os.environ.get("CI"))
WHAT_A_FACT_SAYS = ["table_type", "subject_code", "row_label", "side", "measure", "period", "fund", "amount_wan"]


def facts(document: ExtractedDocument) -> pl.DataFrame:
    return normalize_document(document).facts.select(WHAT_A_FACT_SAYS).sort(WHAT_A_FACT_SAYS, nulls_last=True)


@pytest.fixture(scope="module")
def printed() -> bytes:
    return build_disclosure().pdf


def test_bold_lettering_reprinted_by_cairo_as_outlines_is_no_ruling(extract: Extract, printed: bytes) -> None:
    if (missing := cairo_missing()) is not None:
        if IN_CI:
            pytest.fail(f"{missing}; CI must run this test (.ci/run installs it)")
        pytest.skip(missing)
    reprinted = reprinted_by_cairo(with_stroked_text(printed))

    expected, read = facts(extract(printed)), facts(extract(reprinted))

    assert expected.height > 100
    assert read.equals(expected)


def test_a_font_declaring_its_bounding_box_as_descent_keeps_its_characters_in_their_cells(extract: Extract) -> None:
    grid = Grid(
        rows=[["项目", "预算数"], ["一般公共服务支出", "1,954.47"], ["教育支出", "370.00"], ["合计", "2,324.47"]],
        widths=[50, 30],
        row_height=4.6,
    )
    pdf = DisclosurePdf().page().line("部门支出总表").line("单位：万元").table(grid).bytes()

    as_declared = extract(with_font_descent(pdf, -1048)).tables

    assert [cells(table) for table in as_declared] == [cells(table) for table in extract(pdf).tables]
    assert cells(as_declared[0])[1] == ("一般公共服务支出", "1,954.47")


def test_a_disclosure_printed_twice_over_itself_reads_once(extract: Extract, printed: bytes) -> None:
    read = facts(extract(overprinted(printed)))

    assert read.equals(facts(extract(printed)))


@pytest.mark.parametrize("clockwise", [False, True])
def test_a_table_drawn_turned_on_its_page_reads_as_printed(extract: Extract, printed: bytes, clockwise: bool) -> None:
    read = facts(extract(turned(printed, clockwise)))

    assert read.equals(facts(extract(printed)))


@pytest.mark.parametrize("ruling", ["grid", "none"])
def test_pages_in_a_frame_read_as_printed(extract: Extract, ruling: str) -> None:
    printed = build_disclosure(DisclosureSpec(ruling=ruling)).pdf  # type: ignore[arg-type]

    read = facts(extract(framed(printed)))

    assert read.height > 100
    assert read.equals(facts(extract(printed)))


def test_a_narrative_in_a_frame_is_not_parsed_for_tables(extract: Extract, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rectangle round a page rules no table: the page is read from pdfium's text, as an unframed
    one is, without parsing its content for cells."""
    narrative = build_disclosure(jiangsu_spec(two_files=True)).companion_pdf
    assert narrative is not None
    unframed = extract(narrative)
    parsed: list[int] = []
    parse = TablePage.of
    monkeypatch.setattr(TablePage, "of", lambda page, *rest: parsed.append(page.page_number) or parse(page, *rest))

    read = extract(framed(narrative))

    assert parsed == []
    assert read.text.split() == unframed.text.split() and "部门" in read.text


@pytest.mark.parametrize("hex_string", [False, True])
def test_a_title_written_in_gbk_names_a_tables_files_department_and_year(extract: Extract, hex_string: bool) -> None:
    """The 江苏 tables file prints its year only in its Title."""
    disclosure = build_disclosure(jiangsu_spec())

    document = extract(with_title_in_gbk(disclosure.pdf, hex_string))
    normalized = normalize_document(document)

    assert document.metadata["Title"] == f"{disclosure.spec.department_name}{disclosure.spec.fiscal_year}年部门预算"
    assert normalized.context.fiscal_year == disclosure.spec.fiscal_year
    assert normalized.facts.height == normalize_document(extract(disclosure.pdf)).facts.height > 0


def test_fonts_without_a_bounding_box_read_as_printed_and_quietly(
    extract: Extract, printed: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "boxless.pdf"
    path.write_bytes(without_font_box(printed))

    assert facts(extract(path.read_bytes())).equals(facts(extract(printed)))
    script = f"from pathlib import Path; from extractors import extract_document; extract_document(Path({str(path)!r}))"
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""


@pytest.mark.parametrize(
    ("text", "undecoded"),
    [
        ("功能科目名称 金额 项目名称 金额 一、财政拨款 18,330.37", False),
        ("(cid:18)(cid:27)(cid:12)(cid:20) 2024", True),
        ("ß能科目名Ā 金额 项目名Ā 金额 一、¯政拨款 18,330.37 一、一般|共服务支出", True),
        ("\x12\x1b\x0c\x14 \x01\x04\x05\x06\x07\x08\t2024", True),
        ("第二部分 概况 " + "本部门预算收支情况说明" * 30 + " Zürich", False),
    ],
)
def test_text_that_does_not_decode_is_told_from_text(text: str, undecoded: bool) -> None:
    assert is_undecoded(text) is undecoded
