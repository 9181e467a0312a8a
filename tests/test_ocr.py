"""Scanned disclosures read by OCR, checked fact for fact against the text PDF they were scanned from.

The scans are the factory's PDFs rasterised grey at 150 dpi, tilted up to 1.5 degrees, speckled
and re-wrapped as image-only pages (factory/scan.py). OCR costs seconds a page, so each scan is
read once per module. The gate is also tested on its own, on the text PDF's facts marked as read
by OCR, with amounts misread on purpose.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Collection
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import cv2
import dagster as dg
import duckdb
import numpy as np
import polars as pl
import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from PIL import Image

from expectations.consistency import consistency_findings
from expectations.ocr_gate import Printing, gate_ocr_facts
from expectations.rules import default_rules
from extractors import ExtractionError, ExtractionLimits, extract_document
from extractors import pdf as pdf_extractor
from extractors.layout import Block
from extractors.model import SURE_READING, OcrCell
from extractors.ocr import (
    _GUESSED,
    POINTS_PER_INCH,
    RENDER_DPI,
    OcrGrid,
    OcrLine,
    _amounts_despecked,
    _codes_checked,
    _codes_despecked,
    _despecked_amount,
    _items,
    _labels_mended,
    _lead_ink,
    _ocr_text,
    _printed,
    _skew,
    _tables,
    _word,
    read_scanned_page,
)
from factory.disclosures import Disclosure, DisclosureSpec, Plant, build_disclosure, shanghai_spec
from factory.pdf import DisclosurePdf, Grid
from factory.producers import without_unicode_map
from factory.scan import SCAN_CONDITIONS, scanned_pdf
from pipelines.cli import main
from pipelines.definitions import staged_disclosure
from pipelines.inbox import DISCLOSURE_PARTITIONS, range_tags
from pipelines.resources import ReadingLimits
from pipelines.run import DocumentOutcome, QualitySettings, read_document, validate_step, worker_seconds
from tests.conftest import CORPUS, REAL
from tests.tables import cells
from tests.test_generated_layouts import label_key
from tests.test_pipeline import key_of, resources
from transforms.cleaning import amount_text
from warehouse.records import partly_read_reason, unread_page_issues

MIXED_PAGE_TYPE = "expenditure_summary"
ROOT = Path(__file__).resolve().parents[1]


def fact_key(fact: dict) -> tuple:
    """What a fact says, apart from where it was printed (OCR may number a table's rows otherwise)."""
    row = fact["subject_code"] or label_key(fact["row_label"]) or label_key(fact["subject_name"])
    return (fact["table_type"], fact["side"], row, fact["measure"], fact["amount_wan"])


def ingested(folder: Path, name: str, data: bytes) -> DocumentOutcome:
    path = folder / name
    path.write_bytes(data)
    return validate_step(read_document(path), QualitySettings())


@pytest.fixture(scope="module")
def disclosure() -> Disclosure:
    return build_disclosure()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scans")


@pytest.fixture(scope="module")
def text(folder: Path, disclosure: Disclosure) -> DocumentOutcome:
    return ingested(folder, "text.pdf", disclosure.pdf)


@pytest.fixture(scope="module")
def scan(folder: Path, disclosure: Disclosure) -> DocumentOutcome:
    return ingested(folder, "scan.pdf", scanned_pdf(disclosure.pdf, seed=18))


@pytest.fixture(scope="module")
def mixed(folder: Path, disclosure: Disclosure) -> DocumentOutcome:
    page = disclosure.pages[MIXED_PAGE_TYPE]
    return ingested(folder, "mixed.pdf", scanned_pdf(disclosure.pdf, pages={page}, seed=7))


def facts_of(outcome: DocumentOutcome) -> pl.DataFrame:
    assert outcome.load is not None
    return outcome.load.facts


def facts_on(path: Path, pages: Collection[int], gated: bool = False) -> Counter[tuple]:
    """What `path` loads on `pages`, read (and, when `gated`, through the OCR gate and the checks)."""
    outcome = read_document(path)
    if gated:
        outcome = validate_step(outcome, QualitySettings(rules=default_rules()))
    assert outcome.load is not None
    return Counter(fact_key(f) for f in outcome.load.facts.iter_rows(named=True) if f["page"] in pages)


def assert_read_by_ocr_as_printed(text: DocumentOutcome, read_by_ocr: DocumentOutcome) -> None:
    """Loaded, by OCR alone, nearly every amount the text PDF prints and none it does not."""
    assert read_by_ocr.status == "loaded", read_by_ocr.reason
    printed = Counter(fact_key(f) for f in facts_of(text).iter_rows(named=True))
    read = Counter(fact_key(f) for f in facts_of(read_by_ocr).iter_rows(named=True))
    assert read - printed == Counter(), "amounts loaded that the text PDF does not print"
    assert sum(read.values()) / sum(printed.values()) >= 0.95
    assert set(facts_of(read_by_ocr)["source_format"]) == {"ocr"}


def test_a_scan_loads_no_amount_wrong_and_nearly_all_of_them(text: DocumentOutcome, scan: DocumentOutcome) -> None:
    assert_read_by_ocr_as_printed(text, scan)
    assert facts_of(scan)["ocr_confidence"].is_not_null().all()
    assert scan.load is not None and scan.load.document["ocr_pages"][0] == scan.pages


def test_a_scan_says_what_it_left_out(text: DocumentOutcome, scan: DocumentOutcome) -> None:
    assert scan.load is not None
    document = scan.load.document.row(0, named=True)
    assert text.load is not None
    assert document["amount_cells"] == text.load.document["amount_cells"][0], "an amount cell not seen"
    assert document["amount_cells_loaded"] == facts_of(scan).height
    issues = scan.load.issues.filter(pl.col("kind").str.starts_with("ocr_"))
    refused = scan.load.tables.filter(pl.col("facts") == 0, pl.col("amount_cells") > 0)["table_index"].to_list()
    for table_index in refused:
        reasons = issues.filter(pl.col("table_index") == table_index)
        assert reasons["kind"].to_list() == ["ocr_table_unbalanced"]
        assert "do not close" in reasons["message"][0] and "page" in reasons["message"][0]


def test_a_mixed_file_reads_only_its_scanned_page_by_ocr(
    text: DocumentOutcome, mixed: DocumentOutcome, disclosure: Disclosure
) -> None:
    assert mixed.status == "loaded", mixed.reason
    facts = facts_of(mixed)
    page = disclosure.pages[MIXED_PAGE_TYPE]
    assert set(facts.filter(pl.col("page") == page)["source_format"]) == {"ocr"}
    assert set(facts.filter(pl.col("page") != page)["source_format"]) == {"pdf"}
    assert facts.filter(pl.col("source_format") == "pdf")["ocr_confidence"].is_null().all()
    by_text = facts_of(text)
    assert Counter(fact_key(f) for f in facts.filter(pl.col("page") != page).iter_rows(named=True)) == Counter(
        fact_key(f) for f in by_text.filter(pl.col("page") != page).iter_rows(named=True)
    )
    on_page = Counter(fact_key(f) for f in facts.filter(pl.col("page") == page).iter_rows(named=True))
    printed = Counter(fact_key(f) for f in by_text.filter(pl.col("page") == page).iter_rows(named=True))
    assert on_page == printed
    assert mixed.load is not None and mixed.load.document["ocr_pages"][0] == 1


def test_a_narrative_read_by_ocr_is_checked_and_its_findings_say_so(folder: Path) -> None:
    """A scanned 情况说明 whose share of basic spending and whose total are planted wrong: the
    narrative rules read it from OCR's text, find both slips, and say the sentences were read from a
    scan."""
    planted = build_disclosure(DisclosureSpec(), (Plant("narrative_share"), Plant("narrative_total")))
    plant = planted.plant("narrative_share")
    outcome = ingested(folder, "narrative_scan.pdf", scanned_pdf(planted.pdf, pages={plant.page}, seed=11))
    assert outcome.load is not None and outcome.load.findings is not None
    found = outcome.load.findings.filter(pl.col("rule") == "narrative_arithmetic")
    assert found.select("severity", "page").rows() == [("warning", plant.page)]
    assert f"not {plant.printed} %" in found["message"][0]
    caveat = "(read by OCR from a scan: check the sentence on the page)"
    assert found["message"][0].endswith(caveat)
    total = outcome.load.findings.filter(pl.col("rule") == "narrative_agrees")["message"].to_list()
    assert total and all(caveat in message for message in total), total


def test_without_ocr_a_scan_is_needs_ocr(folder: Path, disclosure: Disclosure) -> None:
    path = folder / "scan_no_ocr.pdf"
    path.write_bytes(scanned_pdf(disclosure.pdf, pages=None, seed=3))
    with pytest.raises(ExtractionError) as refused:
        extract_document(path, ExtractionLimits(ocr=False))
    assert refused.value.status == "needs_ocr"
    assert "--no-ocr" in refused.value.reason and path.name in refused.value.reason


def test_text_whose_fonts_map_to_no_unicode_is_read_by_ocr(
    folder: Path, disclosure: Disclosure, text: DocumentOutcome
) -> None:
    undecoded = ingested(folder, "undecoded.pdf", without_unicode_map(disclosure.pdf))

    assert_read_by_ocr_as_printed(text, undecoded)
    assert (
        undecoded.load is not None and undecoded.load.document["department_name"][0] == disclosure.spec.department_name
    )


def test_text_only_pdfminer_cannot_decode_is_read_by_ocr_cover_included(
    folder: Path, disclosure: Disclosure, text: DocumentOutcome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pdfium decodes some fonts through their own glyph maps where pdfminer gives (cid:N), so the
    scan passes such pages and the reading finds them undecoded: here pdfium's verdict is set aside
    as if it had decoded them. The cover, which pdfium alone reads, is then checked too, or the
    department it names would be read from pdfium's guess."""
    scan = pdf_extractor._scan
    monkeypatch.setattr(pdf_extractor, "_scan", lambda document, index: replace(scan(document, index), undecoded=False))

    undecoded = ingested(folder, "undecoded_for_pdfminer.pdf", without_unicode_map(disclosure.pdf))

    assert_read_by_ocr_as_printed(text, undecoded)
    assert (
        undecoded.load is not None and undecoded.load.document["department_name"][0] == disclosure.spec.department_name
    )


def test_without_ocr_text_whose_fonts_map_to_no_unicode_is_needs_ocr(folder: Path, disclosure: Disclosure) -> None:
    path = folder / "undecoded_no_ocr.pdf"
    path.write_bytes(without_unicode_map(disclosure.pdf))
    with pytest.raises(ExtractionError) as refused:
        extract_document(path, ExtractionLimits(ocr=False))
    assert refused.value.status == "needs_ocr"
    assert "does not decode" in refused.value.reason and "--no-ocr" in refused.value.reason


def test_the_command_reads_a_mixed_file_by_ocr_in_its_worker_and_a_rerun_changes_nothing(
    folder: Path, disclosure: Disclosure
) -> None:
    page = disclosure.pages[MIXED_PAGE_TYPE]
    path = folder / "cli" / "mixed.pdf"
    path.parent.mkdir()
    path.write_bytes(scanned_pdf(disclosure.pdf, pages={page}, seed=7))
    warehouse = folder / "cli.duckdb"
    snapshots = []
    for _ in range(2):
        assert main(["ingest", str(path), "--warehouse", str(warehouse)]) == 0
        with duckdb.connect(str(warehouse), read_only=True) as con:
            snapshots.append(
                con.execute(
                    """SELECT source_format, page, source_position, column_index, amount_wan, ocr_confidence, ocr_box
                       FROM fct_budget_amount ORDER BY ALL"""
                ).fetchall()
            )
            assert con.execute("SELECT ocr_pages FROM dim_document").fetchall() == [(1,)]
    assert snapshots[0] == snapshots[1]
    assert {row[1] for row in snapshots[0] if row[0] == "ocr"} == {page}


def test_the_command_with_no_ocr_leaves_a_scan_needs_ocr_and_reads_it_again_next_time(
    folder: Path, disclosure: Disclosure, capsys: pytest.CaptureFixture[str]
) -> None:
    path = folder / "cli_no_ocr" / "scan.pdf"
    path.parent.mkdir()
    path.write_bytes(scanned_pdf(disclosure.pdf, pages=None, seed=5))
    warehouse = folder / "cli_no_ocr.duckdb"
    for _ in range(2):
        assert main(["ingest", str(path), "--no-ocr", "--warehouse", str(warehouse)]) == 1
        assert "unchanged" not in capsys.readouterr().out, "a file OCR was off for is not read again"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        status, reason = con.execute("SELECT status, reason FROM dim_document").fetchone() or (None, None)
        assert con.execute("SELECT count(*) FROM fct_budget_amount").fetchone() == (0,)
    assert status == "needs_ocr" and "--no-ocr" in reason


def mixed_pdf(disclosure: Disclosure) -> bytes:
    return scanned_pdf(disclosure.pdf, pages={disclosure.pages[MIXED_PAGE_TYPE]}, seed=7)


def test_a_mixed_file_read_without_ocr_loads_its_text_pages_and_records_its_scan_unread(
    folder: Path, disclosure: Disclosure, text: DocumentOutcome
) -> None:
    page = disclosure.pages[MIXED_PAGE_TYPE]
    path = folder / "mixed_no_ocr.pdf"
    path.write_bytes(mixed_pdf(disclosure))
    outcome = validate_step(read_document(path, ExtractionLimits(ocr=False)), QualitySettings())
    assert outcome.status == "loaded", outcome.reason
    assert outcome.load is not None
    unread = outcome.load.issues.filter(pl.col("kind") == "needs_ocr")
    assert unread["page"].to_list() == [page]
    message = unread["message"][0]
    assert message.startswith(f"{path.name}: page {page} has no readable text layer") and "--no-ocr" in message
    document = outcome.load.document.row(0, named=True)
    assert (document["unread_pages"], document["ocr_pages"]) == (1, 0)
    assert document["reason"].startswith(f"{path.name}: only partly read: 1 of {disclosure.page_count} pages")
    assert f"(page {page}: no readable text layer)" in document["reason"]
    facts = facts_of(outcome)
    assert facts.filter(pl.col("page") == page).is_empty()
    printed = facts_of(text).filter(pl.col("page") != page)
    assert Counter(fact_key(f) for f in facts.iter_rows(named=True)) == Counter(
        fact_key(f) for f in printed.iter_rows(named=True)
    )


def test_the_command_warns_of_a_mixed_file_read_without_ocr_and_reads_it_whole_next_time(
    folder: Path, disclosure: Disclosure, capsys: pytest.CaptureFixture[str]
) -> None:
    page = disclosure.pages[MIXED_PAGE_TYPE]
    path = folder / "cli_mixed_no_ocr" / "mixed.pdf"
    path.parent.mkdir()
    path.write_bytes(mixed_pdf(disclosure))
    warehouse = path.parent / "w.duckdb"
    assert main(["ingest", str(path), "--no-ocr", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    warnings = [line for line in out.splitlines() if "WARNING" in line and "only partly read" in line]
    assert len(warnings) == 1 and "mixed.pdf" in warnings[0] and f"page {page}:" in warnings[0]
    assert "1 loaded (1 only partly read)" in out
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT status, unread_pages, ocr_pages FROM dim_document").fetchall() == [("loaded", 1, 0)]
        assert con.execute("SELECT page FROM stg_issue WHERE kind = 'needs_ocr'").fetchall() == [(page,)]
        assert con.execute("SELECT count(*) FROM fct_budget_amount WHERE page = ?", [page]).fetchone() == (0,)

    assert main(["ingest", str(path), "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "unchanged" not in out and "pages not read" not in out
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT unread_pages, ocr_pages, reason FROM dim_document").fetchall() == [(0, 1, None)]
        assert con.execute("SELECT count(*) FROM stg_issue WHERE kind = 'needs_ocr'").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM fct_budget_amount WHERE page = ?", [page]).fetchone()[0] > 0


def test_the_amounts_read_check_warns_of_a_mixed_file_read_without_ocr(folder: Path, disclosure: Disclosure) -> None:
    page = disclosure.pages[MIXED_PAGE_TYPE]
    root = folder / "dagster_no_ocr"
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    path = inbox / "mixed.pdf"
    path.write_bytes(mixed_pdf(disclosure))
    instance = dg.DagsterInstance.ephemeral()
    key = key_of(path)
    instance.add_dynamic_partitions(DISCLOSURE_PARTITIONS.name, [key])
    wiring = {**resources(root, inbox), "reading": ReadingLimits(ocr=False, workers=1)}
    result = dg.materialize([staged_disclosure], tags=range_tags([key]), instance=instance, resources=wiring)
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    read = checks["amounts_read"]
    assert not read.passed and read.severity == dg.AssetCheckSeverity.WARN
    assert "only partly read" in read.description and f"page {page}:" in read.description
    assert read.metadata["pages_not_read"].value == "1"
    assert f"page {page} has no readable text layer" in read.metadata["not_read"].value
    assert checks["expectation_suite"].passed


def without_rapidocr(lines: str, path: Path) -> str:
    """What `lines` print in a fresh Python where rapidocr cannot be imported, `path` its sys.argv[1]."""
    script = "import sys\nsys.modules['rapidocr'] = None\nfrom pathlib import Path\n" + lines
    run = subprocess.run(
        [sys.executable, "-c", script, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=True
    )
    return run.stdout


def test_where_rapidocr_cannot_be_imported_a_mixed_file_names_its_unread_page_and_how_to_install_it(
    folder: Path, disclosure: Disclosure
) -> None:
    page = disclosure.pages[MIXED_PAGE_TYPE]
    path = folder / "mixed_without_rapidocr.pdf"
    path.write_bytes(mixed_pdf(disclosure))
    read = json.loads(
        without_rapidocr(
            "import json\n"
            "from pipelines.run import read_document\n"
            "load = read_document(Path(sys.argv[1])).load\n"
            "issues = load.issues.filter(load.issues['kind'] == 'needs_ocr')\n"
            "read = {'document': load.document.row(0, named=True), 'issues': issues.to_dicts()}\n"
            "print(json.dumps(read, default=str))\n",
            path,
        )
    )
    document, issues = read["document"], read["issues"]
    assert (document["status"], document["unread_pages"], document["ocr_pages"]) == ("loaded", 1, 0)
    assert [issue["page"] for issue in issues] == [page]
    for said in (document["reason"], issues[0]["message"]):
        assert path.name in said and "rapidocr is not installed" in said
        assert "install yusuan's dependencies (rapidocr, onnxruntime) and ingest the file again" in said


@pytest.fixture(scope="module")
def unruled(folder: Path) -> tuple[Disclosure, DocumentOutcome]:
    """The same disclosure printed without any ruling line, scanned whole."""
    printed = build_disclosure(DisclosureSpec(ruling="none"))
    return printed, ingested(folder, "unruled_scan.pdf", scanned_pdf(printed.pdf, seed=18))


def test_a_scanned_table_without_ruling_lines_is_read_from_the_text_geometry(
    text: DocumentOutcome, unruled: tuple[Disclosure, DocumentOutcome]
) -> None:
    printed, scan = unruled
    assert scan.status == "loaded", scan.reason
    by_text = Counter(fact_key(f) for f in facts_of(text).iter_rows(named=True))
    read = Counter(fact_key(f) for f in facts_of(scan).iter_rows(named=True))
    assert read - by_text == Counter(), "amounts loaded that the ruled text PDF does not print"
    assert sum(read.values()) / sum(by_text.values()) >= 0.95
    assert scan.load is not None
    assert set(scan.load.tables["table_type"].drop_nulls()) == set(printed.pages) - {"cover", "narrative"}


def test_scanned_tables_ruled_by_rows_only_are_read_as_their_ruled_print(folder: Path, text: DocumentOutcome) -> None:
    """Two pages of a print that rules rows but no columns; its other pages keep their text layer,
    which the PDF reader reads by the same geometry: the whole file loads as the ruled print does."""
    printed = build_disclosure(DisclosureSpec(ruling="horizontal"))
    pages = {printed.pages[MIXED_PAGE_TYPE], printed.pages["three_public_costs"]}
    scan = ingested(folder, "row_rules.pdf", scanned_pdf(printed.pdf, pages=pages, seed=11))
    assert scan.status == "loaded", scan.reason
    on_pages = pl.col("page").is_in(list(pages))
    by_text = Counter(fact_key(f) for f in facts_of(text).filter(on_pages).iter_rows(named=True))
    read = Counter(fact_key(f) for f in facts_of(scan).filter(on_pages).iter_rows(named=True))
    assert read == by_text
    by_words = Counter(fact_key(f) for f in facts_of(scan).filter(~on_pages).iter_rows(named=True))
    assert by_words == Counter(fact_key(f) for f in facts_of(text).filter(~on_pages).iter_rows(named=True))


@pytest.fixture(scope="module")
def landscape(folder: Path) -> tuple[Disclosure, DocumentOutcome]:
    printed = build_disclosure(shanghai_spec())
    return printed, ingested(folder, "landscape.pdf", printed.pdf)


@pytest.mark.parametrize("quarter_turns", [1, 3])
def test_a_landscape_page_scanned_on_a_portrait_sheet_is_read_upright(
    folder: Path, landscape: tuple[Disclosure, DocumentOutcome], quarter_turns: int
) -> None:
    """Laid on a portrait scanner's glass, a landscape table lies a quarter turned on its scan,
    either way. Read as it lay, its columns of figures were lines of text, and 3 amounts loaded that
    the table does not print."""
    printed, text = landscape
    pages = {printed.pages[MIXED_PAGE_TYPE], printed.pages["three_public_costs"]}
    turned = scanned_pdf(printed.pdf, pages=pages, seed=5, quarter_turns=quarter_turns)
    assert_pages_read_as_printed(text, ingested(folder, f"landscape_turned_{quarter_turns}.pdf", turned), pages)


def assert_pages_read_as_printed(text: DocumentOutcome, scan: DocumentOutcome, pages: set[int]) -> None:
    """The scan loaded, and on `pages` (at least 20 amounts) loaded the text PDF's facts, no more."""
    assert scan.status == "loaded", scan.reason
    on_pages = pl.col("page").is_in(list(pages))
    by_text = Counter(fact_key(f) for f in facts_of(text).filter(on_pages).iter_rows(named=True))
    read = Counter(fact_key(f) for f in facts_of(scan).filter(on_pages).iter_rows(named=True))
    assert sum(by_text.values()) >= 20
    assert read == by_text


def test_a_page_fed_upside_down_is_read_upright(folder: Path, disclosure: Disclosure, text: DocumentOutcome) -> None:
    """A sheet fed the wrong way round lies upside down on its scan. Read as it lay, none of these
    two pages' 73 amounts loaded."""
    pages = {disclosure.pages[MIXED_PAGE_TYPE], disclosure.pages["general_budget_expenditure"]}
    scan = ingested(folder, "upside_down.pdf", scanned_pdf(disclosure.pdf, pages=pages, seed=9, quarter_turns=2))
    assert_pages_read_as_printed(text, scan, pages)


def test_a_cover_printing_its_title_in_columns_reads_each_column_as_a_line_in_reading_order() -> None:
    """Columns of characters run down the page, right to left, as a landscape table's lines do on a
    portrait scan: read upright, the four columns were one line, backwards."""
    title = ("贵阳市医疗保障局", "二〇二五年部门预算", "公开文本", "贵阳市财政局编")
    cover = DisclosurePdf().page()
    cover.pdf.set_font_size(28)
    for column, line in enumerate(title):
        for row, character in enumerate(line):
            cover.pdf.text(150 - column * 22, 40 + row * 12, character)
    scan = pdfium.PdfDocument(scanned_pdf(cover.bytes(), seed=1))
    try:
        lines = [item.text for item in read_scanned_page(scan, 0) if isinstance(item, OcrLine)]
    finally:
        scan.close()
    assert lines == list(title)


def test_the_factory_prints_tables_without_rules_or_with_row_rules_only() -> None:
    import pypdfium2.raw as pdfium_c

    def paths(ruling: str) -> int:
        disclosure = build_disclosure(DisclosureSpec(ruling=ruling))  # type: ignore[arg-type]
        document = pdfium.PdfDocument(disclosure.pdf)
        page = document[disclosure.pages[MIXED_PAGE_TYPE] - 1]
        return sum(obj.type == pdfium_c.FPDF_PAGEOBJ_PATH for obj in page.get_objects())

    grid, rows, none = paths("grid"), paths("horizontal"), paths("none")
    assert grid > rows > none == 0


def test_the_factory_scans_in_each_condition_as_its_name_says() -> None:
    """The conditions the benchmark measures OCR under (bench --ocr-scan) must spoil the scan as
    named, or its figures measure the office scan again under another name."""
    import pypdfium2.raw as pdfium_c

    page = DisclosurePdf().page()
    page.pdf.set_font_size(20)
    page.pdf.text(40, 60, "一般公共预算支出 2101301 1,234.56")
    scans = {}
    for name, condition in SCAN_CONDITIONS.items():
        document = pdfium.PdfDocument(scanned_pdf(page.bytes(), seed=1, condition=condition))
        image = next(o for o in document[0].get_objects() if o.type == pdfium_c.FPDF_PAGEOBJ_IMAGE)
        picture = image.get_bitmap().to_pil()
        scans[name] = (image.get_metadata().bits_per_pixel, picture.mode, np.asarray(picture.convert("L"), float))
        scans[name] += (len(image.get_data(decode_simple=False)),)
        document.close()

    def mid_greys(name: str) -> int:
        return int(((scans[name][2] > 60) & (scans[name][2] < 190)).sum())

    assert {name: scan[:2] for name, scan in scans.items() if name not in ("bilevel", "yellowed")} == dict.fromkeys(
        set(SCAN_CONDITIONS) - {"bilevel", "yellowed"}, (8, "L")
    )
    assert scans["bilevel"][0] == 1 and set(np.unique(scans["bilevel"][2])) == {0.0, 255.0}
    assert scans["yellowed"][1] == "RGB"
    assert np.median(scans["grey_paper"][2]) < 230 < np.median(scans["office"][2])
    assert (255 - scans["noisy"][2]).mean() > (255 - scans["office"][2]).mean() * 1.8
    assert mid_greys("blurred") > mid_greys("office") * 1.3
    assert scans["squeezed"][3] < scans["office"][3] * 0.8
    worn = scans["worn"]
    assert np.median(worn[2]) < 240 and mid_greys("worn") > mid_greys("office") * 1.3
    assert (255 - worn[2]).mean() > (255 - scans["office"][2]).mean() * 1.5 and worn[3] < scans["office"][3]


def image_pdf(width: float, height: float) -> bytes:
    """A one-page image-only PDF of the given size in points: a page no scanner makes, on which OCR fails."""
    writer = FPDF(unit="pt")
    writer.add_page(format=(width, height))
    picture = io.BytesIO()
    Image.new("L", (40, 40), 128).save(picture, format="PNG")
    writer.image(picture, x=0, y=0, w=width, h=height)
    return bytes(writer.output())


@pytest.mark.parametrize(("width", "height"), [(1, 1), (14400, 3)], ids=["speck", "strip"])
def test_a_page_ocr_fails_on_is_ocr_failed_naming_the_page_and_what_to_do(
    folder: Path, width: float, height: float
) -> None:
    path = folder / f"unreadable_{width}x{height}.pdf"
    path.write_bytes(image_pdf(width, height))
    with pytest.raises(ExtractionError) as refused:
        extract_document(path)
    assert refused.value.status == "ocr_failed"
    reason = refused.value.reason
    assert reason.startswith(f"{path.name}: page 1 has no readable text layer and OCR could not read it (")
    assert "--no-ocr" in reason and "read again" in reason


def test_where_rapidocr_cannot_be_imported_a_scan_stays_needs_ocr_saying_how_to_install_it(folder: Path) -> None:
    path = folder / "scan_without_rapidocr.pdf"
    path.write_bytes(scanned_pdf(build_disclosure().pdf, pages=None, seed=4))
    printed = without_rapidocr(
        "from extractors import ExtractionError, extract_document\n"
        "try:\n"
        "    extract_document(Path(sys.argv[1]))\n"
        "except ExtractionError as error:\n"
        "    print(error.status, error.reason, sep='\\n')\n",
        path,
    )
    status, reason = printed.strip().split("\n", 1)
    assert status == "needs_ocr"
    assert path.name in reason and "rapidocr is not installed" in reason
    assert "install yusuan's dependencies (rapidocr, onnxruntime)" in reason


def test_a_worker_gets_time_for_every_page_of_a_pdf_to_be_read_by_ocr(folder: Path, disclosure: Disclosure) -> None:
    pdf, text = folder / "pages.pdf", folder / "pages.txt"
    pdf.write_bytes(disclosure.pdf)
    text.write_text("部门支出总表", "utf-8")
    limits = ExtractionLimits(timeout_seconds=10, ocr_seconds_per_page=20)
    assert worker_seconds(pdf, limits) == 10 + 20 * disclosure.page_count
    assert worker_seconds(text, limits) == 10
    assert worker_seconds(pdf, ExtractionLimits(timeout_seconds=10, ocr=False)) == 10


@pytest.mark.parametrize(
    ("per_page", "status", "words"),
    [("120", "loaded", None), ("0.5", "timeout", "--ocr-seconds-per-page")],
)
def test_the_timeout_grows_with_the_pages_read_by_ocr(
    folder: Path, disclosure: Disclosure, per_page: str, status: str, words: str | None
) -> None:
    """Whether the reader stops itself after the OCR'd page (1 s plus 0.5 s for it) or its process is
    stopped during that page (1 s plus 0.5 s for each of the file's pages) depends on the machine's
    speed; either way the reason says which limit to raise."""
    path = folder / f"timed_{per_page}" / "mixed.pdf"
    path.parent.mkdir()
    path.write_bytes(scanned_pdf(disclosure.pdf, pages={disclosure.pages[MIXED_PAGE_TYPE]}, seed=7))
    warehouse = path.parent / "w.duckdb"
    options = ["--timeout", "1", "--ocr-seconds-per-page", per_page]
    main(["ingest", str(path), "--warehouse", str(warehouse), *options])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        recorded, reason = con.execute("SELECT status, reason FROM dim_document").fetchone() or (None, None)
    assert recorded == status, reason
    if words:
        assert words in reason and "not read within" in reason


# The gate on its own: the text PDF's facts, as if OCR had read them.


def as_read_by_ocr(facts: pl.DataFrame, confidence: float = 0.99) -> pl.DataFrame:
    return facts.with_columns(
        source_format=pl.lit("ocr"), ocr_confidence=pl.lit(confidence), ocr_box=pl.lit("10,20,60,32")
    )


def misread(facts: pl.DataFrame, where: dict, amount: str, confidence: float) -> pl.DataFrame:
    cell = (pl.col("table_index") == where["table_index"]) & (pl.col("source_position") == where["source_position"])
    cell &= pl.col("column_index") == where["column_index"]
    return facts.with_columns(
        amount_wan=pl.when(cell).then(pl.lit(Decimal(amount), pl.Decimal(18, 2))).otherwise("amount_wan"),
        amount_printed=pl.when(cell).then(pl.lit(amount)).otherwise("amount_printed"),
        source_unit=pl.when(cell).then(pl.lit("万元")).otherwise("source_unit"),
        ocr_confidence=pl.when(cell).then(pl.lit(confidence)).otherwise("ocr_confidence"),
    )


def a_subject_amount(facts: pl.DataFrame, table_type: str) -> dict:
    rows = facts.filter(
        (pl.col("table_type") == table_type) & (pl.col("row_kind") == "subject") & (pl.col("amount_wan") > 100)
    )
    return rows.row(0, named=True)


def gated(facts: pl.DataFrame):
    return gate_ocr_facts(facts, default_rules(), "budget")


def test_the_gate_loads_a_table_whose_sums_close(text: DocumentOutcome) -> None:
    facts = as_read_by_ocr(facts_of(text))
    result = gated(facts)
    assert result.issues == []
    assert result.facts.height == facts.height


def test_the_gate_holds_back_a_row_whose_code_was_read_doubtfully_after_its_sums(text: DocumentOutcome) -> None:
    """Left out before the sums, 贵阳's row coded 2080503 under σ 25 noise broke its 款's sum, and
    two tables loaded nothing (287 of 539 amounts). Its amounts count in the sums; only they stay out."""
    facts = as_read_by_ocr(facts_of(text))
    row = a_subject_amount(facts, MIXED_PAGE_TYPE)
    on_row = (pl.col("page") == row["page"]) & (pl.col("source_position") == row["source_position"])
    result = gate_ocr_facts(facts, default_rules(), "budget", [(row["page"], row["source_position"], None)])
    assert result.issues == []
    assert result.facts.filter(on_row).is_empty()
    assert result.facts.height == facts.height - facts.filter(on_row).height
    assert gated(facts.filter(~on_row)).issues, "the row's amounts are needed for the sums to close"


def test_the_gate_quarantines_a_doubtful_cell_that_breaks_a_sum(text: DocumentOutcome) -> None:
    facts = as_read_by_ocr(facts_of(text))
    wrong = a_subject_amount(facts, MIXED_PAGE_TYPE)
    result = gated(misread(facts, wrong, str(wrong["amount_wan"] + Decimal("500.00")), confidence=0.6))
    assert [i.kind for i in result.issues] == ["ocr_quarantined"]
    issue = result.issues[0]
    assert (issue.page, issue.position) == (wrong["page"], wrong["source_position"])
    assert "10,20,60,32" in issue.message and str(wrong["amount_wan"]) in issue.message
    assert result.facts.height == facts.height - 1
    assert (
        wrong["amount_wan"] + Decimal("500.00")
        not in result.facts.filter(pl.col("source_position") == wrong["source_position"])["amount_wan"].to_list()
    )


def test_the_gate_quarantines_a_surely_misread_cell_whose_value_alone_closes_the_table(
    text: DocumentOutcome,
) -> None:
    """Recognisers misread surely too: js_rd's 32.16 read as 3.16 at 0.9998 printed at 0.65."""
    facts = as_read_by_ocr(facts_of(text))
    wrong = a_subject_amount(facts, MIXED_PAGE_TYPE)
    result = gated(misread(facts, wrong, str(wrong["amount_wan"] + Decimal("500.00")), confidence=0.99))
    (said,) = result.issues
    assert said.kind == "ocr_quarantined" and said.position == wrong["source_position"]
    assert "confidence 0.99" in said.message and amount_text(wrong["amount_wan"]) in said.message
    assert at(result.facts, wrong).is_empty()
    assert result.facts.height == facts.height - 1


def printed_alone(facts: pl.DataFrame, table_type: str) -> pl.DataFrame:
    """One table of the facts: no other table prints its codes, to check what it read against."""
    return facts.filter(pl.col("table_type") == table_type)


def two_sure_misreadings(facts: pl.DataFrame) -> tuple[dict, dict, pl.DataFrame]:
    """Two amounts of a table misread surely, each in sums of its own: no one cell closes the table."""
    wrong = a_subject_amount(facts, MIXED_PAGE_TYPE)
    rows = facts.filter(
        (pl.col("table_index") == wrong["table_index"])
        & (pl.col("row_kind") == "subject")
        & (pl.col("source_position") != wrong["source_position"])
        & (pl.col("column_index") != wrong["column_index"])
        & (pl.col("amount_wan") > 0)
    )
    other = rows.row(0, named=True)
    twice = misread(facts, wrong, str(wrong["amount_wan"] + Decimal("500.00")), confidence=0.99)
    return wrong, other, misread(twice, other, str(other["amount_wan"] + Decimal("300.00")), confidence=0.99)


def test_the_gate_quarantines_sure_misreadings_one_by_one_where_no_one_cell_closes_the_table(
    text: DocumentOutcome,
) -> None:
    """苍溪 worn (seed 300) read its 基本支出 table's 合计 485.33 as 483.33 at 0.95 and a 5.76 as 3.76
    at 0.98, each in sums of its own: no one cell closed the table, and none of its 99 amounts
    loaded. Each misreading that closes sums of its own is quarantined in turn; the rest loads."""
    facts = printed_alone(as_read_by_ocr(facts_of(text)), MIXED_PAGE_TYPE)
    wrong, other, misread_twice = two_sure_misreadings(facts)
    result = gated(misread_twice)
    quarantined = {i.position for i in result.issues if i.kind == "ocr_quarantined"}
    assert quarantined == {wrong["source_position"], other["source_position"]}
    assert {i.kind for i in result.issues} <= {"ocr_quarantined", "ocr_unconfirmed"}
    assert at(result.facts, wrong).is_empty() and at(result.facts, other).is_empty()
    assert result.facts.height == facts.height - len(result.issues) > facts.height / 2


def test_the_gate_refuses_a_table_that_does_not_close(text: DocumentOutcome) -> None:
    """More misreadings, each in a row of its own, than the gate quarantines in a table."""
    facts = printed_alone(as_read_by_ocr(facts_of(text)), MIXED_PAGE_TYPE)
    rows = facts.filter((pl.col("row_kind") == "subject") & (pl.col("amount_wan") > 0)).unique(
        "source_position", keep="first", maintain_order=True
    )
    misread_often = facts
    for step, cell in enumerate(rows.head(default_rules().ocr_gate.max_quarantined_cells + 1).iter_rows(named=True)):
        misread_often = misread(misread_often, cell, str(cell["amount_wan"] + 100 * (step + 1)), confidence=0.99)
    result = gated(misread_often)
    assert [i.kind for i in result.issues] == ["ocr_table_unbalanced"]
    assert "none of its" in result.issues[0].message
    assert result.facts.is_empty()


def test_what_other_tables_print_for_a_code_corrects_what_the_sums_alone_cannot(text: DocumentOutcome) -> None:
    """贵阳's 财政拨款收支总表 read 54.50 as 54.30 under speckle, and its column of 类 was 0.20 off:
    none of its 28 amounts loaded. Its 一般公共预算支出表 printed 208 as 54.50."""
    facts = as_read_by_ocr(facts_of(text))
    wrong, other, misread_twice = two_sure_misreadings(facts)
    result = gated(misread_twice)
    assert [i.kind for i in result.issues] == ["ocr_quarantined", "ocr_quarantined"]
    assert {i.position for i in result.issues} == {wrong["source_position"], other["source_position"]}
    said = next(i.message for i in result.issues if i.position == wrong["source_position"])
    assert f"{amount_text(wrong['amount_wan'])} 万元 that" in said and f"prints for {wrong['subject_code']}" in said
    assert at(result.facts, wrong).is_empty() and at(result.facts, other).is_empty()
    assert result.facts.height == facts.height - 2


def test_a_last_digit_misread_is_corrected_by_what_another_table_prints_and_its_sums_confirm_the_rest(
    text: DocumentOutcome,
) -> None:
    facts = as_read_by_ocr(facts_of(text))
    wrong = a_subject_amount(facts, MIXED_PAGE_TYPE)
    result = gated(misread(facts, wrong, str(wrong["amount_wan"] - Decimal("0.20")), confidence=0.97))
    (said,) = result.issues
    assert said.kind == "ocr_quarantined" and said.position == wrong["source_position"]
    assert result.facts.height == facts.height - 1


def test_a_table_printing_another_amount_for_a_code_overrules_no_sum_that_closes(text: DocumentOutcome) -> None:
    """Tables may print a code differently (one covering fewer funds prints less): where the table's
    own sums close on what it read, they confirm it, whatever another table prints."""
    facts = as_read_by_ocr(facts_of(text))
    cell = a_subject_amount(facts, MIXED_PAGE_TYPE)
    elsewhere = facts.filter(
        (pl.col("table_index") != cell["table_index"])
        & (pl.col("subject_code") == cell["subject_code"])
        & (pl.col("measure") == cell["measure"])
    ).row(0, named=True)
    text_layer = pl.col("table_index") == elsewhere["table_index"]
    differing = misread(facts, elsewhere, str(elsewhere["amount_wan"] + Decimal("5.00")), confidence=0.99)
    differing = differing.with_columns(
        source_format=pl.when(text_layer).then(pl.lit("pdf")).otherwise("source_format"),
        ocr_confidence=pl.when(text_layer).then(None).otherwise("ocr_confidence"),
    )
    result = gated(differing)
    assert result.issues == []
    assert result.facts.height == facts.height


def a_table_of_its_own(facts: pl.DataFrame, cell: dict, amount: str, confidence: float) -> pl.DataFrame:
    """The facts and a table of one amount, the cell's row and column read as `amount`."""
    alone = at(misread(facts, cell, amount, confidence), cell)
    return pl.concat([facts, alone.with_columns(table_index=pl.lit(999, pl.Int32))])


def test_the_gate_leaves_out_a_doubtful_amount_no_sum_checks(text: DocumentOutcome) -> None:
    facts = as_read_by_ocr(facts_of(text))
    checked = a_subject_amount(facts, MIXED_PAGE_TYPE)
    result = gated(misread(facts, checked, str(checked["amount_wan"]), confidence=0.6))
    assert result.issues == [], "a doubtful reading the sums confirm loads"
    uncoded = a_table_of_its_own(facts, checked, str(checked["amount_wan"]), 0.6)
    result = gated(
        uncoded.with_columns(subject_code=pl.when(pl.col("table_index") == 999).then(None).otherwise("subject_code"))
    )
    assert [i.kind for i in result.issues] == ["ocr_unconfirmed"]
    assert 999 not in result.facts["table_index"].to_list()


@pytest.mark.parametrize(("printed", "loads"), [("30101", False), ("301.01", True)])
def test_a_sure_amount_no_sum_checks_printed_unlike_the_documents_is_left_out(
    text: DocumentOutcome, printed: str, loads: bool
) -> None:
    """js_rd printed at 0.8 and scanned at σ 25 lost its 合计 row into the header, its 科目编码 column
    became amounts, and 24 codes, read surely and in no sum, loaded as 301.00 to 30309.00 万元, in a
    document printing 万元 to two decimals."""
    facts = as_read_by_ocr(facts_of(text))
    cell = a_subject_amount(facts, MIXED_PAGE_TYPE)

    def unlabelled(row: int, amount: str) -> pl.DataFrame:
        return at(facts, cell).with_columns(
            table_index=pl.lit(999, pl.Int32),
            subject_code=None,
            subject_name=None,
            row_label=None,
            source_position=pl.lit(f"page 99, row {row}"),
            amount_printed=pl.lit(amount),
            amount_wan=pl.lit(Decimal(amount.replace(",", "")), pl.Decimal(18, 2)),
            ocr_confidence=pl.lit(1.0),
        )

    for amounts in (["6,481.41", "1.00", printed], [printed, printed]):  # with amounts, or codes alone
        table = [unlabelled(row, amount) for row, amount in enumerate(amounts, start=1)]
        result = gated(pl.concat([facts, *table]))
        unlike = amounts.count(printed) * (not loads)
        assert [i.kind for i in result.issues] == ["ocr_unconfirmed"] * unlike
        assert result.facts.height == facts.height + len(amounts) - unlike


def test_an_amount_no_sum_checks_is_confirmed_by_another_tables_printing_of_it(text: DocumentOutcome) -> None:
    facts = as_read_by_ocr(facts_of(text))
    printed = a_subject_amount(facts, MIXED_PAGE_TYPE)
    result = gated(a_table_of_its_own(facts, printed, str(printed["amount_wan"]), 0.6))
    assert result.issues == []
    assert result.facts.height == facts.height + 1


def test_a_sure_amount_no_sum_checks_is_left_out_where_another_table_prints_another(text: DocumentOutcome) -> None:
    facts = as_read_by_ocr(facts_of(text))
    printed = a_subject_amount(facts, MIXED_PAGE_TYPE)
    result = gated(a_table_of_its_own(facts, printed, str(printed["amount_wan"] + Decimal("0.20")), 0.999))
    (said,) = result.issues
    assert said.kind == "ocr_unconfirmed" and said.table_index == 999
    assert f"prints {amount_text(printed['amount_wan'])}" in said.message
    assert result.facts.height == facts.height


@pytest.mark.parametrize(("shift", "loads"), [("-5.00", True), ("5.00", False)], ids=["less", "more"])
def test_a_table_covering_fewer_funds_may_print_less_for_a_code_but_not_more(
    text: DocumentOutcome, shift: str, loads: bool
) -> None:
    """js_zx's 收支预算总表 prints 201 as 10,271.56, its 财政拨款支出预算表 10,191.56: the first
    counts 其他资金 too. Read at 0.9986 in no sum, the first was left out for the difference."""
    facts = printed_alone(as_read_by_ocr(facts_of(text)), MIXED_PAGE_TYPE)
    printed = a_subject_amount(facts, MIXED_PAGE_TYPE)
    assert default_rules().coverage.narrower("fiscal_appropriation_expenditure", MIXED_PAGE_TYPE)
    narrower = a_table_of_its_own(facts, printed, str(printed["amount_wan"] + Decimal(shift)), 0.999)
    result = gated(
        narrower.with_columns(
            table_type=pl.when(pl.col("table_index") == 999)
            .then(pl.lit("fiscal_appropriation_expenditure"))
            .otherwise("table_type")
        )
    )
    assert (result.issues == []) is loads
    assert (999 in result.facts["table_index"].to_list()) is loads


def test_another_tables_printing_is_held_to_a_cell_at_the_cells_last_printed_digit() -> None:
    """Steps come from the facts at 8 decimals (0.01000000): a printing in 元 (545,012 元) is 54.50
    万元 to a cell printed to the cent of 万元; one printed coarser cannot tell a finer cell's last digits."""
    in_yuan = Printing(Decimal("54.5012"), Decimal("0.0001"), "expenditure_summary", "a table in 元")
    assert in_yuan.for_cell(Decimal("0.01000000")) == Decimal("54.50")
    assert in_yuan.for_cell(Decimal("0.00010000")) == Decimal("54.5012")
    in_wan = Printing(Decimal("54.50"), Decimal("0.01000000"), "expenditure_summary", "a table in 万元")
    assert in_wan.for_cell(Decimal("0.00010000")) is None


def checked_by(facts: pl.DataFrame, cell: dict) -> set[tuple]:
    """The sums of its table that break when this amount moves by 1.00: the sums that check it."""
    table = facts.filter(pl.col("table_index") == cell["table_index"])
    moved = misread(table, cell, str(cell["amount_wan"] + Decimal("1.00")), confidence=cell["ocr_confidence"])
    errors = consistency_findings(moved, "", default_rules(), "budget").filter(pl.col("severity") == "error")
    return set(errors.select("rule", "measure", "source_position").iter_rows())


def two_amounts_one_sum_checks(facts: pl.DataFrame, table_type: str) -> tuple[dict, dict]:
    """Two amounts of a table, in printed order, that one sum checks and no other: as far as the sums
    can tell, a misreading of either is made up for by changing the other."""
    alike: dict[frozenset, list[dict]] = {}
    for cell in facts.filter(pl.col("table_type") == table_type).iter_rows(named=True):
        if len(sums := checked_by(facts, cell)) == 1:
            alike.setdefault(frozenset(sums), []).append(cell)
    first, second, *_ = next(cells for cells in alike.values() if len(cells) >= 2)
    return first, second


def at(facts: pl.DataFrame, cell: dict) -> pl.DataFrame:
    return facts.filter(
        (pl.col("table_index") == cell["table_index"])
        & (pl.col("source_position") == cell["source_position"])
        & (pl.col("column_index") == cell["column_index"])
    )


def test_a_sum_closed_by_a_value_the_gate_implied_confirms_no_amount(text: DocumentOutcome) -> None:
    """Both amounts doubtful, the second misread: the gate takes the first for the misreading (either
    closes the sum) and implies its value, which closes the sum around the second's wrong amount."""
    facts = as_read_by_ocr(facts_of(text))
    right, wrong = two_amounts_one_sum_checks(facts, "three_public_costs")
    misread_amount = wrong["amount_wan"] + Decimal("1.00")
    doubted = misread(facts, right, str(right["amount_wan"]), confidence=0.6)
    result = gated(misread(doubted, wrong, str(misread_amount), confidence=0.6))
    assert at(result.facts, wrong).is_empty(), "a misread amount loaded on a sum closed by the gate's own value"
    assert "ocr_quarantined" in {issue.kind for issue in result.issues}
    said = [issue for issue in result.issues if issue.position == wrong["source_position"]]
    assert [issue.kind for issue in said] == ["ocr_unconfirmed"]
    assert "no sum that closes as read checks this one" in said[0].message


def test_two_doubtful_misreadings_that_cancel_in_their_sum_are_left_out(text: DocumentOutcome) -> None:
    """js_rd's 303 1,189.41 and its part 30301 302.49, read under bilevel print as 1,189.11 and
    302.19 (0.95 and 0.93): their sum closed, and both loaded wrong. A sum with two doubtful
    amounts in it confirms neither; its sure amounts it does."""
    facts = as_read_by_ocr(facts_of(text))
    first, second = two_amounts_one_sum_checks(facts, "three_public_costs")
    raised = misread(facts, first, str(first["amount_wan"] + Decimal("1.00")), confidence=0.9)
    both = [
        misread(raised, second, str(second["amount_wan"] + shift), confidence=0.9)
        for shift in (Decimal("1.00"), Decimal("-1.00"))
    ]
    (cancelled,) = [table for table in both if consistency_findings(table, "", default_rules(), "budget").is_empty()]
    result = gated(cancelled)
    assert at(result.facts, first).is_empty() and at(result.facts, second).is_empty(), "misreadings that cancel loaded"
    said = {issue.position: issue.kind for issue in result.issues}
    assert said == {first["source_position"]: "ocr_unconfirmed", second["source_position"]: "ocr_unconfirmed"}
    assert result.facts.height == facts.height - 2


def test_in_a_table_the_gate_corrected_an_amount_no_closing_sum_checks_is_left_out_however_sure(
    text: DocumentOutcome,
) -> None:
    facts = as_read_by_ocr(facts_of(text))
    sure, doubtful = two_amounts_one_sum_checks(facts, "three_public_costs")
    result = gated(misread(facts, doubtful, str(doubtful["amount_wan"] + Decimal("1.00")), confidence=0.6))
    quarantined = [issue for issue in result.issues if issue.kind == "ocr_quarantined"]
    assert [issue.position for issue in quarantined] == [doubtful["source_position"]]
    assert at(result.facts, sure).is_empty(), "an amount no closing sum checks loaded from a misread table"
    (said,) = [issue for issue in result.issues if issue.position == sure["source_position"]]
    assert said.kind == "ocr_unconfirmed" and "confidence 0.99" in said.message and "misread" in said.message
    table = result.facts.filter(pl.col("table_index") == sure["table_index"])
    assert table.height > 0, "amounts a closing sum checks load"
    assert {issue.kind for issue in result.issues} == {"ocr_quarantined", "ocr_unconfirmed"}


def test_a_last_digit_misread_within_the_rounding_tolerance_is_left_out_however_sure(text: DocumentOutcome) -> None:
    """265.35 read as 265.33 with confidence 0.97 (贵阳 printed at 0.65): every sum checking it,
    of two parts or more, is within the tolerance of a cent per part, so the table closed and the
    misreading loaded."""
    facts = printed_alone(as_read_by_ocr(facts_of(text)), MIXED_PAGE_TYPE)
    wrong = a_subject_amount(facts, MIXED_PAGE_TYPE)
    result = gated(misread(facts, wrong, str(wrong["amount_wan"] - Decimal("0.02")), confidence=0.97))
    assert at(result.facts, wrong).is_empty(), "a misread last digit loaded"
    (said,) = [issue for issue in result.issues if issue.position == wrong["source_position"]]
    assert said.kind == "ocr_unconfirmed" and "misread last digit" in said.message
    assert result.facts.height == facts.height - 1


def a_total_of_two_parts_not_zero(facts: pl.DataFrame) -> dict:
    """A subject row's total in the mixed page's table whose row prints two parts or more not zero."""
    rows = facts.filter((pl.col("table_type") == MIXED_PAGE_TYPE) & (pl.col("row_kind") == "subject"))
    parts = rows.filter((pl.col("measure") != "total") & (pl.col("amount_wan") != 0))
    split = parts.group_by("source_position").len().filter(pl.col("len") >= 2)["source_position"]
    return rows.filter((pl.col("measure") == "total") & pl.col("source_position").is_in(split.implode())).row(
        0, named=True
    )


def test_a_table_off_by_the_rounding_of_one_last_digit_loads_whole(text: DocumentOutcome) -> None:
    """Published tables round: 贵阳 prints 371.27 for 330.47 + 40.81. A sum off by one unit of the
    last digit confirms its amounts as an exact one does, where two of its parts are not zero (a
    whole and its one part not zero are one amount)."""
    facts = as_read_by_ocr(facts_of(text))
    total = a_total_of_two_parts_not_zero(facts)
    rounded = misread(facts, total, str(total["amount_wan"] + Decimal("0.01")), confidence=0.99)
    result = gated(rounded)
    assert result.issues == []
    assert result.facts.height == facts.height


def a_cell_only_sums_of_three_parts_or_more_check(facts: pl.DataFrame) -> dict:
    """An amount whose every sum adds three parts or more: moved by two last digits, each is still
    within the rounding of its amounts (half a unit each, parts not zero and whole)."""
    for cell in facts.filter(pl.col("amount_wan") != 0).iter_rows(named=True):
        moved = misread(facts, cell, str(cell["amount_wan"] + Decimal("0.02")), cell["ocr_confidence"])
        table = moved.filter(pl.col("table_index") == cell["table_index"])
        found = consistency_findings(table, "", default_rules(), "budget")
        if found.height and found["rounded_terms"].min() >= 3:
            return cell
    raise AssertionError("no amount of the disclosure is checked by sums of three parts or more alone")


def test_a_sum_of_many_parts_off_by_their_rounding_loads_whole(text: DocumentOutcome) -> None:
    """czj's 基本支出决算表 prints a total 0.02 off its 12 items: each item and the total round by up
    to half a cent, so that is rounding, and the sum confirms its amounts as an exact one does."""
    facts = as_read_by_ocr(facts_of(text))
    cell = a_cell_only_sums_of_three_parts_or_more_check(facts)
    result = gated(misread(facts, cell, str(cell["amount_wan"] + Decimal("0.02")), confidence=0.99))
    assert result.issues == []
    assert result.facts.height == facts.height


@pytest.fixture(scope="module")
def zeros_printed(folder: Path) -> DocumentOutcome:
    """A disclosure printing 0.00 where it spends nothing, as 贵阳 does: its 收支总表 lists every 类."""
    return ingested(folder, "zeros.pdf", build_disclosure(DisclosureSpec(blank_zeros=False)).pdf)


def test_a_zero_misread_within_the_rounding_of_many_parts_is_left_out(zeros_printed: DocumentOutcome) -> None:
    """贵阳 printed at 0.8 read its 部门收支预算总表's (六)科学技术支出 0.00 as 0.09: its 本年支出 sums 25
    parts, whose rounding could be 13 cents, so the sum confirmed the 0.09. Zeros print exactly: of
    those parts only the few not zero can have been rounded."""
    facts = as_read_by_ocr(facts_of(zeros_printed))
    zero = facts.filter(
        (pl.col("table_type") == "income_expenditure_summary")
        & (pl.col("side") == "expenditure")
        & (pl.col("row_kind") == "subject")
        & (pl.col("amount_wan") == 0)
    ).row(0, named=True)
    moved = misread(facts, zero, "0.09", confidence=0.99)
    table = moved.filter(pl.col("table_index") == zero["table_index"])
    (found,) = consistency_findings(table, "", default_rules(), "budget").iter_rows(named=True)
    assert found["severity"] == "info" and found["terms"] > 18, "the misread is within the sum's rounding tolerance"
    result = gated(moved)
    assert at(result.facts, zero).is_empty()
    assert zero["source_position"] in {i.position for i in result.issues if i.kind == "ocr_unconfirmed"}
    assert gated(facts).facts.height == facts.height


def test_a_whole_and_its_one_part_not_zero_allow_no_rounding(text: DocumentOutcome) -> None:
    """苍溪 worn read 30101's 人员经费 156.19 as 156.18 beside its 基本支出 156.19 and a 0.00: a whole
    and its one part not zero are one amount, printed alike, so the cent between them is a misread,
    not rounding; read surely, such a cent loaded."""
    facts = as_read_by_ocr(facts_of(text))
    cell = facts.filter(
        (pl.col("table_type") == "general_budget_basic_expenditure") & (pl.col("measure") == "personnel")
    ).row(-1, named=True)
    result = gated(misread(facts, cell, str(cell["amount_wan"] + Decimal("0.01")), confidence=0.99))
    assert at(result.facts, cell).is_empty()
    assert [(i.kind, i.position) for i in result.issues] == [("ocr_unconfirmed", cell["source_position"])]


def test_text_layer_facts_pass_the_gate_untouched(text: DocumentOutcome) -> None:
    facts = facts_of(text)
    assert gated(facts).facts.equals(facts)


def test_a_real_scanned_page_whose_commas_read_as_points_loads_as_its_text_layer(tmp_path: Path) -> None:
    """At 150 dpi a thousands comma loses its tail and OCR reads 1,002.21 as 1.002.21, which is no
    amount: the 苍溪 budget's 收入总表 and 一般公共预算支出表 lost every total to it (none loaded)."""
    source = CORPUS / "cangxi_2025_ybj.pdf"
    scan = tmp_path / source.name
    scan.write_bytes(scanned_pdf(source.read_bytes(), pages=[9, 13], seed=0))

    def facts(path: Path) -> set[tuple]:
        load = read_document(path).load
        assert load is not None
        keys = ("page", "table_type", "subject_code", "row_label", "measure", "amount_wan")
        return {tuple(f[k] for k in keys) for f in load.facts.iter_rows(named=True) if f["page"] in (9, 13)}

    printed, read = facts(source), facts(scan)
    assert any(amount >= 1000 for *_, amount in printed)
    assert read == printed


@pytest.mark.parametrize(
    ("source", "pages", "print_scale", "seed"),
    [
        (CORPUS / "guiyang_2025_ybj.pdf", [18], 0.65, 0),
        (REAL / "sh_putuo_sfj_2026_bmys.pdf", [10, 21], 0.65, 0),
    ],
    ids=["贵阳 基本支出 by 类 | 款", "普陀 收支总表 and 三公, a lone 0"],
)
def test_real_pages_printed_small_and_scanned_load_as_their_text_layer(
    tmp_path: Path, source: Path, pages: list[int], print_scale: float, seed: int
) -> None:
    """Printed small (fit to page: 9 pt print at 0.65 is about 6 pt), the detector finds nothing in
    a cell holding a lone short reading: 贵阳's 款 heading (its codes were then loaded as amounts of
    30,299 万元), 普陀's lone 0; each such cell is now read from its own ink."""
    scan = tmp_path / source.name
    scan.write_bytes(scanned_pdf(source.read_bytes(), pages=pages, seed=seed, print_scale=print_scale))

    printed, read = facts_on(source, pages), facts_on(scan, pages)
    assert sum(printed.values()) >= 8
    assert read == printed


def test_a_real_heading_whose_yi_was_lost_to_noise_loads_as_its_text_layer(tmp_path: Path) -> None:
    """Scanned with σ 25 noise, js_rd's 政府采购 heading 一、货物A read as 、货物A. No longer a part
    of the total, it made the right total look misread: the total was quarantined and the 25 right
    amounts of the table and its continuation that only the total checks were left out. (A label
    can still lose a character to this noise, 二 of 第十三届人代会二次会议经费: the amounts are held
    against the text layer's, not the labels.)"""
    source = REAL / "js_rd_2019_tables.pdf"
    pages = [12, 13]
    scan = tmp_path / source.name
    scan.write_bytes(scanned_pdf(source.read_bytes(), pages=pages, seed=3, condition=SCAN_CONDITIONS["noisy"]))

    def amounts(path: Path) -> Counter[tuple]:
        return Counter(key[:2] + key[3:] for key in facts_on(path, pages, gated=True).elements())

    printed, read = amounts(source), amounts(scan)
    assert sum(printed.values()) >= 20
    assert read == printed


@pytest.mark.parametrize(
    ("read", "confidence", "settled"),
    [("2080505", 0.9, "sure"), ("2080503", 0.97, "doubtful"), ("1.00", 0.9, "untouched")],
    ids=["read right", "misread", "an amount"],
)
def test_a_doubtful_code_cell_is_settled_by_a_second_opinion(read: str, confidence: float, settled: str) -> None:
    """No sum checks a code, so a code read doubtfully is recognised again, cropped and enlarged
    otherwise: read alike each time it is sure; read otherwise once, it stays doubtful (and its row
    is left out). Amounts are left to the sums."""
    image = np.full((300, 800), 255, np.uint8)
    cv2.putText(image, "2080505", (100, 150), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
    rows, columns = np.nonzero(image < 128)
    box = (float(columns.min()), float(rows.min()), float(columns.max()), float(rows.max()))
    grid = OcrGrid(Block(((1, (read,)),), ocr={1: (OcrCell(read, confidence, box),)}), 0.0)
    (cell,) = _codes_checked(image, grid, 1.0).block.ocr[1]
    if settled == "sure":
        assert cell.confidence >= SURE_READING
    elif settled == "doubtful":
        assert cell.confidence <= confidence
    else:
        assert cell == grid.block.ocr[1][0]


def test_a_real_label_whose_closing_bracket_was_lost_loads_under_its_label(tmp_path: Path) -> None:
    """js_zx's 政府采购 item 便携式计算机(20万以下) wraps, and the scan lost the bracket that ends
    it, next to the rule: its amount loaded under 便携式计算机(20万以下, a label the table does not print."""
    source = REAL / "js_zx_2019_tables.pdf"
    scan = tmp_path / source.name
    scan.write_bytes(scanned_pdf(source.read_bytes(), pages=[12], seed=0))

    printed, read = facts_on(source, [12]), facts_on(scan, [12])
    assert any("便携式计算机(20万以下)" in key for key in printed)
    assert read == printed


def test_a_real_wrapped_labels_last_line_cut_by_the_rule_is_read(tmp_path: Path) -> None:
    """The same label's 下） is printed across its cell's bottom rule. In a salt-and-pepper scan the
    detector did not find it, and 12.00 loaded under 便携式计算机(20万以), a label no table prints."""
    source = REAL / "js_zx_2019_tables.pdf"
    loaded = page_alone(tmp_path, source, 12, "js_zx_procurement.pdf", seed=156, condition=SCAN_CONDITIONS["speckled"])
    printed, read = loaded["text"], loaded["scan"]
    assert any("便携式计算机(20万以下)" in key for key in read)
    assert read - printed == Counter()


def test_a_rules_edge_under_a_heading_adds_no_line_to_it() -> None:
    """Looking for last lines the detector missed, the first reader took the rule's edge under
    worn js_fy's "三公" headings 小计 and 公务接待费 for a line, 二: the headings no longer said what
    their columns hold, and the table lost 8 amounts."""
    source = REAL / "js_fy_2019_doc.pdf"
    scan = pdfium.PdfDocument(scanned_pdf(source.read_bytes(), seed=302, condition=SCAN_CONDITIONS["worn"]))
    grid = next(item for item in read_scanned_page(scan, 13) if isinstance(item, OcrGrid))
    headings = [cell for _, row in grid.block.rows[1:3] for cell in row if cell]
    assert headings == [
        "小计",
        "因公出\n国(境)\n费",
        "公务用车购置及运行维护费",
        "公务接\n待费",
        "小计",
        "公务用车购\n置费",
        "公务用车运\n行维护费",
    ]


def read_grid(rows: tuple[tuple[int, tuple[str, ...]], ...], confidence: float = 0.99) -> OcrGrid:
    """The rows as OCR reads them, every printed cell read alike at `confidence`."""
    ocr = {
        number: tuple(OcrCell(text, confidence, (0.0, 0.0, 1.0, 1.0)) for text in cells if text)
        for number, cells in rows
    }
    return OcrGrid(Block(rows, ocr=ocr), 0.0)


@pytest.mark.parametrize(
    ("column", "printed"),
    [
        (["、货物A", "(一)办公设备"], ["一、货物A", "(一)办公设备"]),
        (["一、本年收入", "小计", "、上年结转"], ["一、本年收入", "小计", "二、上年结转"]),
        (["项目", "、工资福利支出", "四、对个人和家庭的补助"], ["项目", "三、工资福利支出", "四、对个人和家庭的补助"]),
        (["九、其他收入", "、上年结转"], ["九、其他收入", "十、上年结转"]),
        (
            ["项目", "、一般公共预算资金", "、政府性基金", "三、国有资本经营预算"],
            ["项目", "一、一般公共预算资金", "二、政府性基金", "三、国有资本经营预算"],
        ),
        (["三、服务C", "货物、工程和服务"], ["三、服务C", "货物、工程和服务"]),
        (["收入", "、项目", "一、一般公共预算财政拨款"], ["收入", "项目", "一、一般公共预算财政拨款"]),
        (
            ["一、本年收入", "(一)财政拨款收入", "、一般公共预算", "2、政府性基金"],
            ["一、本年收入", "(一)财政拨款收入", "1、一般公共预算", "2、政府性基金"],
        ),
        (
            ["(一)财政拨款收入", "一般公共预算财政拨款收入", "2、政府性基金预算财政拨款收入"],
            ["(一)财政拨款收入", "1、一般公共预算财政拨款收入", "2、政府性基金预算财政拨款收入"],
        ),
        (
            ["一、工资福利支出", "商品和服务支出", "三、对个人和家庭的补助"],
            ["一、工资福利支出", "二、商品和服务支出", "三、对个人和家庭的补助"],
        ),
        (["1、一般公共预算", "财政拨款收入", "2、政府性基金"], ["1、一般公共预算", "财政拨款收入", "2、政府性基金"]),
        (["一、本年收入", "财政拨款收入", "二、上年结转"], ["一、本年收入", "财政拨款收入", "二、上年结转"]),
        (["一、本年收入", "财政拨款收入", "四、上年结转"], ["一、本年收入", "财政拨款收入", "四、上年结转"]),
        (
            ["一、本年收入", "一般公共预算", "政府性基金", "二、上年结转"],
            ["一、本年收入", "一般公共预算", "政府性基金", "二、上年结转"],
        ),
        (
            ["五、教育支出", "六. 科学技术支出", "七、文化旅游体育与传媒支出"],
            ["五、教育支出", "六. 科学技术支出", "七、文化旅游体育与传媒支出"],
        ),
        (
            ["(一)财政拨款收入", "、一般公共预算", "2政府性基金", "3国有资本经营预算", "(二)财政专户"],
            ["(一)财政拨款收入", "1、一般公共预算", "2、政府性基金", "3、国有资本经营预算", "(二)财政专户"],
        ),
        (["1.事业收入", "2事业单位经营收入"], ["1.事业收入", "2.事业单位经营收入"]),
        (["(三)单位资金", "3上级补助收入", "三、附属单位收入"], ["(三)单位资金", "3上级补助收入", "三、附属单位收入"]),
        (["1、甲", "2025年项目"], ["1、甲", "2025年项目"]),
        (
            ["一、本年收入", "(一)财政拨款收入", "、一般公共预算", "2政府性基金", "(二)财政专户"],
            ["一、本年收入", "(一)财政拨款收入", "1、一般公共预算", "2、政府性基金", "(二)财政专户"],
        ),
        (["一、本年收入", "(一)财政拨款", "、一般公共预算"], ["一、本年收入", "(一)财政拨款", "1、一般公共预算"]),
        (
            ["3、国有资本", "(三)单位资金", "事业收入", "经营收入", "3上级补助收入", "、附属单位上缴收入"],
            ["3、国有资本", "(三)单位资金", "1、事业收入", "2、经营收入", "3、上级补助收入", "4、附属单位上缴收入"],
        ),
        (["1、甲", "乙", "丙", "4、丁"], ["1、甲", "2、乙", "3、丙", "4、丁"]),
        (["1、甲", "乙", "丙", "3、丁"], ["1、甲", "乙", "丙", "3、丁"]),
        (["收入", "一一般公共预算拨款收入", "二、政府性基金"], ["收入", "一、一般公共预算拨款收入", "二、政府性基金"]),
        (["一、本年收入", "二上年结转"], ["一、本年收入", "二、上年结转"]),
        (["九、其他支出", "十一城乡社区支出"], ["九、其他支出", "十一城乡社区支出"]),
        (["一般公共预算", "二、政府性基金"], ["一般公共预算", "二、政府性基金"]),
        (
            ["因公出国(境)费", "、公务接待费", "、公务用车购置及运行维护费"],
            ["因公出国(境)费", "公务接待费", "公务用车购置及运行维护费"],
        ),
    ],
    ids=[
        "alone",
        "after one",
        "before four",
        "after nine",
        "two lost before three",
        "none lost",
        "a speck above one",
        "arabic, nearer below",
        "lost whole above two",
        "lost whole between",
        "a label's second line",
        "a part of one",
        "far from the one below",
        "parts of one",
        "numbered otherwise",
        "arabic marks lost, then a numeral nearer below",
        "a mark lost, the column's own",
        "a mark lost, no numbering to go on with",
        "a year",
        "under a heading in brackets",
        "under a heading in brackets, last",
        "two lost whole under a heading, a mark lost below",
        "two lost whole between",
        "two unnumbered where one number is missing",
        "its mark lost before 一般, over two",
        "its mark lost, under one",
        "no eleven after nine",
        "a word opening with one, over two",
        "no numeral in the column, under a row of amounts",
    ],
)
def test_an_enumeration_that_lost_its_numeral_is_given_the_one_its_column_says(
    column: list[str], printed: list[str]
) -> None:
    rows = tuple((number, (text, "1.00")) for number, text in enumerate(column, start=1))
    mended = _labels_mended(read_grid(rows)).block
    assert [cells[0] for _, cells in mended.rows] == printed
    assert [cells[0].text for cells in mended.ocr.values()] == printed
    amounts = [(cells[1], read[1].text) for (_, cells), read in zip(mended.rows, mended.ocr.values(), strict=True)]
    assert amounts == [("1.00", "1.00")] * len(column)


@pytest.mark.parametrize(
    ("first", "printed"),
    [
        ("本年收入", "一、本年收入"),
        ("一、本年收入", "一、本年收入"),
        ("一本年收入", "一、本年收入"),
        ("一一般公共预算收入", "一、一般公共预算收入"),
        ("一般公共预算收入", "一、一般公共预算收入"),
    ],
    ids=["lost whole", "printed", "its mark lost", "its mark lost before 一般", "lost whole before 一般"],
)
def test_the_first_item_above_two_under_the_header_is_one(first: str, printed: str) -> None:
    """贵阳's 财政拨款收支总表 speckled (seed 151) lost 本年收入's 一、 whole: read as a level below the
    top, it left 二、上年结转结余 alone to sum to the 收入总计, and the gate quarantined a right 0.00."""
    column = [("收入", ""), ("项目", "预算数"), (first, "9.00"), ("(一)一般公共预算", "9.00")]
    column += [("(二)政府性基金", "0.00"), ("二、上年结转结余", "0.00"), ("收入总计", "9.00")]
    rows = tuple((number, cells) for number, cells in enumerate(column, start=1))
    mended = _labels_mended(read_grid(rows)).block
    assert [cells[0] for _, cells in mended.rows] == ["收入", "项目", printed, *(text for text, _ in column[3:])]


def test_a_total_right_above_two_under_the_header_is_not_numbered() -> None:
    """js_rd's 政府采购 table speckled (seed 154) read 一、货物A as 二、货物A: the 合计 above it is no 一、."""
    column = [("项目", "金额"), ("合计", "9.00"), ("二、货物A", "9.00"), ("(一)办公设备", "9.00")]
    rows = tuple((number, cells) for number, cells in enumerate(column, start=1))
    mended = _labels_mended(read_grid(rows)).block
    assert [cells[0] for _, cells in mended.rows] == [text for text, _ in column]


def test_a_label_printed_twice_in_a_row_is_mended_where_it_lost_its_numeral() -> None:
    """Both sides of a two-sided table may print one text in a row, numbered on from different
    enumerations: each cell's reading takes its own side's numeral, not the other's."""
    rows = ((1, ("一、甲", "1.00", "三、甲", "1.00")), (2, ("、乙", "2.00", "、乙", "2.00")))
    mended = _labels_mended(read_grid(rows)).block
    assert mended.rows[1][1] == ("二、乙", "2.00", "四、乙", "2.00")
    assert [cell.text for cell in mended.ocr[2]] == ["二、乙", "2.00", "四、乙", "2.00"]


def test_a_real_enumeration_whose_numeral_faded_reads_as_printed(tmp_path: Path) -> None:
    """On grey paper, 苍溪's 财政拨款收支总表 (page 11) read 二、上年结转 as 、上年结转, both strokes
    of 二 lost, and 一 was given back: its 52.00 loaded under a label the table does not print."""
    source = CORPUS / "cangxi_2025_ybj.pdf"
    scanned = pdfium.PdfDocument(scanned_pdf(source.read_bytes(), seed=0, condition=SCAN_CONDITIONS["grey_paper"]))
    page = pdfium.PdfDocument.new()
    page.import_pages(scanned, [10])
    scan = tmp_path / "page11.pdf"
    page.save(str(scan))

    def enumerated(tables: list, number: int) -> list[str]:
        return [c for t in tables if t.page == number for r in t.rows for c in r.cells if "、" in c[:3]]

    printed = enumerated(extract_document(source).tables, 11)
    assert "二、上年结转" in printed
    assert enumerated(extract_document(scan).tables, 1) == printed


def page_alone(
    tmp_path: Path, source: Path, page: int, name: str, gated: bool = False, **scan: Any
) -> dict[str, Counter[tuple]]:
    """What one page of `source` loads alone, from the text PDF and from its scan: the whole document
    scanned with `scan` (so the page is spoilt as a scan of the whole file spoils it), the page
    kept. Each is saved under `name`, which says whose page it is."""
    documents = {
        "text": pdfium.PdfDocument(source),
        "scan": pdfium.PdfDocument(scanned_pdf(source.read_bytes(), **scan)),
    }
    loaded = {}
    for kind, document in documents.items():
        alone = pdfium.PdfDocument.new()
        alone.import_pages(document, [page - 1])
        path = tmp_path / kind / name
        path.parent.mkdir()
        alone.save(str(path))
        loaded[kind] = facts_on(path, [1], gated=gated)
    return loaded


def test_a_real_speck_left_of_a_heading_enumerates_nothing(tmp_path: Path) -> None:
    """czj's 财政拨款收入支出决算总表 (page 12) scanned at seed 37, as `bench --ocr --ocr-seed 30`
    scans it: a speck left of the income side's 项目 read as 、, which was given 一. As 一、项目 the
    heading row was no heading, and the table lost a column and 7 of its amounts."""
    source = REAL / "sh_putuo_czj_2024_bmjs.pdf"
    loaded = page_alone(tmp_path, source, 12, "上海市普陀区财政局2024年部门决算.pdf", seed=37)
    assert sum(loaded["text"].values()) == 7
    assert loaded["scan"] == loaded["text"]


@pytest.mark.parametrize(("page", "at_least"), [(10, 26), (16, 13)])
def test_real_code_cells_doubted_for_a_speck_are_judged_with_the_specks_filtered_out(
    tmp_path: Path, page: int, at_least: int
) -> None:
    """苍溪 speckled at seed 150, as `bench --ocr --ocr-scan speckled --ocr-seed 150` scans it: specks
    beside codes read as points (208. for 208, 30.110 for 30110), so every second opinion on the cell
    differed from it, and rows stayed out as `ocr_code_doubtful` (page 10 loaded 23 of its 33 amounts
    alone, page 16 11 of 15). Their second opinions are now taken from the crop with specks filtered.
    Page 10 loaded 27 until version 36: it prints 2101102's 合计 as 8.70 over a 基本支出 of 8.69 and
    no 项目支出, which a scan cannot tell from a misread cent."""
    scan = {"seed": 150, "condition": SCAN_CONDITIONS["speckled"]}
    name = "苍溪县医疗保障局2025年部门预算.pdf"
    loaded = page_alone(tmp_path, CORPUS / "cangxi_2025_ybj.pdf", page, name, gated=True, **scan)
    assert loaded["scan"] <= loaded["text"], "an amount loaded wrong"
    assert sum(loaded["scan"].values()) >= at_least


def test_a_real_reading_over_a_rule_leaves_no_sliver_and_a_lost_arabic_numeral_is_given_back(tmp_path: Path) -> None:
    """贵阳's 收支总表 (page 13) scanned under σ 25 at seed 31, as `bench --ocr --ocr-scan noisy
    --ocr-seed 30` scans it. Two misreadings cost the page 41 of its 45 amounts: 二、年终结转结余's box
    reached 5 px over the rule into the amount cell beside it, whose 0.00 then read '0.00 2'; and
    1、一般公共预算财政拨款收入 lost its 1, and was numbered 二 after 一、本年收入 above it, which made it
    a top-level row its total does not count. The gate found the table misread and left out every
    amount no sum checked. Now one amount is left out: 1,870.05, read at 0.95, which no sum on this
    page checks (the table's totals are on the next)."""
    source = CORPUS / "guiyang_2025_ybj.pdf"
    name = "贵阳市医疗保障局2025年部门预算.pdf"
    loaded = page_alone(tmp_path, source, 13, name, gated=True, seed=31, condition=SCAN_CONDITIONS["noisy"])
    assert sum(loaded["text"].values()) == 45
    assert loaded["scan"] <= loaded["text"]
    assert sum((loaded["text"] - loaded["scan"]).values()) <= 1


def test_a_real_misread_carry_over_is_checked_by_the_sources_of_income(tmp_path: Path) -> None:
    """苍溪's 部门收入总表 (page 9) scanned blurred at seed 0, as `bench --ocr --ocr-scan blurred` scans
    it: the 合计 row's 上年结转 52.00 read as 32.00 at 0.98. No sum checked an income table's 上年结转,
    so it loaded wrong. Now 合计 = 上年结转 + 一般公共预算拨款收入 finds it out: the 合计 row is left
    out. Of the unit's row, that sum confirms only the sure 1,002.21: its 1,054.21 and 52.00, read
    at 0.95 and 0.94, are two doubtful amounts in one sum, which a 5 read as 3 in both (as in the 合计
    row) would have closed as well."""
    source = CORPUS / "cangxi_2025_ybj.pdf"
    name = "苍溪县医疗保障局2025年部门预算.pdf"
    loaded = page_alone(tmp_path, source, 9, name, gated=True, seed=0, condition=SCAN_CONDITIONS["blurred"])
    assert sum(loaded["text"].values()) == 9
    assert loaded["scan"] <= loaded["text"]
    assert sum(loaded["scan"].values()) >= 4


def test_a_real_total_centred_in_noise_is_read_without_a_lead(tmp_path: Path) -> None:
    """wanli's "三公" table (page 31) scanned under σ 25 at seed 69, as `bench --ocr --ocr-scan noisy
    --ocr-seed 60` scans it: 合计, centred in its cell, was read again from the cell's left edge, and
    the noise there read as 一、. The heading '一、合计' was no heading, and the table lost its 7
    amounts (its 功能分类 table's 合计 read as 三合计 so)."""
    source = REAL / "sh_putuo_wanli_2024_bmys.pdf"
    name = "上海市普陀区人民政府万里街道办事处2024年部门预算.pdf"
    loaded = page_alone(tmp_path, source, 31, name, gated=True, seed=69, condition=SCAN_CONDITIONS["noisy"])
    assert sum(loaded["text"].values()) == 7
    assert loaded["scan"] == loaded["text"]


@pytest.mark.parametrize(
    ("source", "page", "seed", "name", "at_least"),
    [
        ("js_rd_2019_tables.pdf", 6, 4, "江苏省人大常委会办公厅2019年部门预算.pdf", 13),
        ("js_zx_2019_tables.pdf", 1, 6, "江苏省政协办公厅2019年部门预算.pdf", 12),
    ],
)
def test_a_real_rule_read_beside_an_amount_costs_no_amount(
    tmp_path: Path, source: str, page: int, seed: int, name: str, at_least: int
) -> None:
    """js_rd's and js_zx's first tables scanned 1-bit at seeds 4 and 6, as `bench --ocr --ocr-scan
    bilevel` scans them: the rule right of an amount read as part of it. js_zx's 201 '10,271.56 6'
    loaded as 10,271.57; js_rd's 301 '6,481.41]' was no amount, and its 303 and 30301, both misread
    alike (4 as 1), closed their sum and loaded wrong. js_zx's 201, now read right at 0.9898, is in
    no sum, and since version 30 an amount no sum checks loads only read at 0.99 or surer."""
    scan = {"seed": seed, "condition": SCAN_CONDITIONS["bilevel"]}
    loaded = page_alone(tmp_path, REAL / source, page, name, gated=True, **scan)
    assert loaded["scan"] <= loaded["text"], "an amount loaded wrong"
    assert sum(loaded["scan"].values()) >= at_least


@pytest.mark.parametrize(
    ("read", "printed", "doubtful"),
    [
        ("20,120,000,00", "20,120,000.00", True),
        ("-1,234,56", "-1,234.56", True),
        ("483,33", "483.33", False),
        ("1,234", "1,234", False),
        ("1,234,567", "1,234,567", False),
        ("1,95+.47", "1,954.47", True),
        ("1.954.+7", "1,954.47", True),
        ("8.++", "8.44", True),
        ("+12.50", "+12.50", False),
    ],
)
def test_an_amount_read_with_a_guessed_mark_or_digit_is_given_back_as_a_guess(
    read: str, printed: str, doubtful: bool
) -> None:
    """'20,120,000,00' is 20,120,000.00, or 20,120,000,00x with a digit lost; a 1-bit scan breaks a
    4 into a + (贵阳 scanned bilevel at seed 1 read 1,954.47 as 1,95+.47 and 1.954.+7, and 8.44 as
    8.++), and no amount prints a + after its first digit. Given back, each is scored doubtful, so
    that no amount so read loads unless a sum confirms it."""
    word = _word(read, 0.999, (0.0, 0.0, 10.0, 10.0))
    assert word.text == printed
    assert (word.score < default_rules().ocr_gate.low_confidence) == doubtful


def test_a_real_point_read_as_a_comma_after_thousands_commas_loads_when_its_sum_confirms_it(tmp_path: Path) -> None:
    """zfb's 一般公共预算支出功能分类预算表 (page 14) scanned 1-bit at seed 10, as `bench --ocr
    --ocr-scan bilevel` scans it: 20,120,000.00 read as '20,120,000,00', no amount, so the sums it
    stands in were broken and the table loaded none of its 30 amounts."""
    scan = {"seed": 10, "condition": SCAN_CONDITIONS["bilevel"]}
    source = REAL / "sh_putuo_zfb_2025_bmys.pdf"
    loaded = page_alone(tmp_path, source, 14, "上海市普陀区人民政府办公室2025年部门预算.pdf", gated=True, **scan)
    assert sum(loaded["text"].values()) == 30
    assert loaded["scan"] == loaded["text"]


@pytest.mark.parametrize(("lead", "starts_at"), [(None, None), ("rule", None), ("stroke", 30), ("stroke and rule", 30)])
def test_only_print_leads_a_line(lead: str | None, starts_at: int | None) -> None:
    """What lies between a cell's edge and its line: noise is no lead, nor is a rule down the
    cell's edge; a stroke is, from where it starts."""
    image = np.full((40, 200), 255.0)
    image[10:30, 120:180] = 0  # the line's own print
    if lead and "stroke" in lead:
        image[19:22, 30:50] = 0
    if lead and "rule" in lead:
        image[:, 6:8] = 0
    noisy = np.clip(image + np.random.default_rng(3).normal(0, 25, image.shape), 0, 255).astype(np.uint8)
    assert _lead_ink(noisy, (2.0, 0.0, 200.0, 40.0), (118.0, 8.0, 182.0, 32.0)) == starts_at


def test_a_real_blurred_rule_beside_print_still_parts_the_headings(tmp_path: Path) -> None:
    """苍溪's "三公" table (page 17) scanned blurred at seed 0, as `bench --ocr --ocr-scan blurred`
    scans it: beside the bold headings the rule under 当年财政拨款预算安排 read as paper for 56 px,
    the header's cells ran together, and the 合计 column's label became every heading in one."""
    source = CORPUS / "cangxi_2025_ybj.pdf"
    scan = pdfium.PdfDocument(scanned_pdf(source.read_bytes(), seed=0, condition=SCAN_CONDITIONS["blurred"]))
    alone = pdfium.PdfDocument.new()
    alone.import_pages(scan, [16])
    path = tmp_path / source.name
    alone.save(str(path))

    def headings(path: Path, page: int) -> list[tuple[str, ...]]:
        (table,) = [t for t in extract_document(path).tables if t.page == page]
        return [row.cells for row in table.rows[:3]]

    assert headings(path, 1) == headings(source, 17)


def test_a_rules_edge_is_read_as_no_part_of_a_heading(tmp_path: Path) -> None:
    """普陀's 收支总表 printed at 0.7: the re-read of 项目 from its cell's edge took the rule for
    _ (_项目), and at 0.65 for ___, which hid the income side's labels."""
    source = REAL / "sh_putuo_sfj_2026_bmys.pdf"
    scan = tmp_path / source.name
    scan.write_bytes(scanned_pdf(source.read_bytes(), pages=[10], seed=1, print_scale=0.7))

    def headings(path: Path) -> list[tuple[str, ...]]:
        (table,) = [t for t in extract_document(path).tables if t.page == 10]
        return [row.cells for row in table.rows[:2]]

    assert headings(scan) == headings(source)


# How a scanned ruled table splits into rows and columns, and how small print is read.

GROUPED_HEADER = Grid(
    rows=[
        ["科目编码", "科目名称", "合计", "基本支出", None, "项目支出", "事业支出", "其他支出"],
        [None, None, None, "人员经费", "公用经费", None, None, None],
        ["2010101", "行政运行", "1,065.53", "842.20", "223.33", "0.00", "0.00", "0.00"],
        ["2010102", "一般行政管理事务", "318.40", "0.00", "0.00", "318.40", "0.00", "0.00"],
        ["2080505", "基本养老保险缴费支出", "96.12", "96.12", "0.00", "0.00", "0.00", "0.00"],
        ["", "合计", "1,480.05", "938.32", "223.33", "318.40", "0.00", "0.00"],
    ],
    widths=[20, 46, 19, 19, 19, 19, 19, 19],
    spans={
        (0, 0): (2, 1),
        (0, 1): (2, 1),
        (0, 2): (2, 1),
        (0, 3): (1, 2),
        (0, 5): (2, 1),
        (0, 6): (2, 1),
        (0, 7): (2, 1),
    },
)


def test_a_scanned_table_splits_into_the_rows_and_columns_of_its_text_layer(tmp_path: Path) -> None:
    """The rule under 基本支出 spans two of eight columns, too short to be a row's rule across the
    table, yet its sub-headers are a row of their own; and every rule is several pixels thick."""
    doc = DisclosurePdf().page().line("2025年部门支出预算表").line("单位：万元")
    doc.pdf.set_line_width(0.6)
    printed = doc.table(GROUPED_HEADER).bytes()
    text, scan = tmp_path / "text.pdf", tmp_path / "scan.pdf"
    text.write_bytes(printed)
    scan.write_bytes(scanned_pdf(printed, seed=2))
    assert [cells(t) for t in extract_document(scan).tables] == [cells(t) for t in extract_document(text).tables]


def tiny_print_scan(folder: Path) -> Path:
    """A scan of a 部门支出总表 printed legibly, then its continuation printed at 4.5 pt in cells
    2.2 mm high; named as its department publishes it."""
    tiny = Grid(
        rows=[[cell or "" for cell in row] for row in GROUPED_HEADER.rows[2:]], widths=[10, 24, 10, 10, 10, 10, 10, 10]
    )
    doc = DisclosurePdf().page().line("2025年部门支出总表").line("单位：万元").table(GROUPED_HEADER)
    doc.pdf.set_font_size(4.5)
    printed = doc.line("2025年部门支出总表（续）").table(replace(tiny, row_height=2.2)).bytes()
    scan = folder / "贵阳市医疗保障局2025年部门预算.pdf"
    scan.write_bytes(scanned_pdf(printed, seed=1))
    return scan


def test_a_scanned_table_printed_too_small_to_read_loads_nothing_and_says_so(tmp_path: Path) -> None:
    """Print of about 5 pt is a few pixels in a 150 dpi scan: its misreadings pass the sums, so the
    table is left unread, and the document records it and counts the page as not wholly read."""
    extracted = extract_document(tiny_print_scan(tmp_path))
    assert len(extracted.illegible_tables) == 1 and extracted.illegible_tables[0][0] == 1
    assert extracted.illegible_tables[0][1] < 8
    assert len(extracted.tables) == 1
    issues = [i for i in unread_page_issues(extracted) if i.kind == "ocr_illegible"]
    assert [i.page for i in issues] == [1] and "too small to read" in issues[0].message
    reason = partly_read_reason(extracted)
    assert reason is not None and "only partly read" in reason and "ocr_illegible" in reason


def test_a_real_table_printed_too_small_and_scanned_blurred_is_recorded_unread(tmp_path: Path) -> None:
    """苍溪's 部门经济分类 table (page 12, 3.5 pt print) scanned blurred at seed 0, as `bench --ocr
    --ocr-scan blurred` scans it: the detector found no text in it, and its grey print held too few
    pixels darker than mid-grey to count as ink, so the page was lost (214 amounts) with no word
    of it, and the document looked wholly read."""
    scan = pdfium.PdfDocument(
        scanned_pdf((CORPUS / "cangxi_2025_ybj.pdf").read_bytes(), seed=0, condition=SCAN_CONDITIONS["blurred"])
    )
    alone = pdfium.PdfDocument.new()
    alone.import_pages(scan, [11])
    path = tmp_path / "苍溪县医疗保障局2025年部门预算.pdf"
    alone.save(str(path))
    extracted = extract_document(path)
    assert [page for page, _ in extracted.illegible_tables] == [1]
    assert partly_read_reason(extracted) is not None


def test_a_file_with_print_too_small_to_read_is_not_read_again_when_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A re-read would find the print as small: only pages left unread for want of OCR are retried."""
    scan = tiny_print_scan(tmp_path)
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(scan), "--warehouse", str(warehouse)]) == 0
    assert "only partly read" in capsys.readouterr().out
    assert main(["ingest", str(scan), "--warehouse", str(warehouse)]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines() if scan.name in line] == ["unchanged"]


def ruled_grid_image(inked: bool) -> np.ndarray:
    """A page image with one ruled grid of 12 rows of cells 12 px high (under 6 pt at 150 dpi), its
    cells printed in or empty."""
    image = np.full((800, 1200), 255, np.uint8)
    rows, columns = range(100, 245, 12), range(100, 901, 200)
    for y in rows:
        cv2.line(image, (columns[0], y), (columns[-1], y), 0, 1)
    for x in columns:
        cv2.line(image, (x, rows[0]), (x, rows[-1]), 0, 1)
    for y in rows[:-1] if inked else ():
        for x in columns[:-1]:
            cv2.putText(image, "1234.56", (x + 20, y + 10), cv2.FONT_HERSHEY_PLAIN, 0.6, 0, 1)
    return image


@pytest.mark.parametrize("blurred", [False, True], ids=["sharp", "blurred"])
@pytest.mark.parametrize("inked", [True, False], ids=["printed", "empty"])
def test_a_grid_too_small_for_any_reading_is_recorded_when_its_cells_hold_print(inked: bool, blurred: bool) -> None:
    """Print too small for the detector leaves no reading in the grid; the grid is still a table
    left unread. An empty grid is not. Blurred, with noise, print is grey, hardly darker than
    mid-grey anywhere (苍溪's 部门经济分类 table, scanned blurred, was lost without a word)."""
    image = ruled_grid_image(inked)
    if blurred:
        noise = np.random.default_rng(0).normal(0, 12, image.shape)
        image = np.clip(cv2.GaussianBlur(image.astype(float), (0, 0), 1.0) + noise, 0, 255).astype(np.uint8)
    ink = cv2.adaptiveThreshold(image, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    tables = _tables(ink)
    assert len(tables) == 1 and len(tables[0].cells) >= (44 if blurred else 48)
    items = _items(image, [], tables, POINTS_PER_INCH / RENDER_DPI)
    assert [type(item).__name__ for item in items] == (["OcrIllegible"] if inked else [])


@pytest.mark.parametrize("degrees", [-1.4, 0.3, 1.2])
def test_a_scanned_page_is_straightened_by_its_rules_to_a_hundredth_of_a_degree(
    disclosure: Disclosure, degrees: float
) -> None:
    """Turned as the scanner turns a page (counter-clockwise); rules measured slightly off tilt a
    tall table's cells off its columns."""
    document = pdfium.PdfDocument(disclosure.pdf)
    page = document[disclosure.pages[MIXED_PAGE_TYPE] - 1]
    picture = page.render(scale=RENDER_DPI / POINTS_PER_INCH, grayscale=True).to_pil().convert("L")
    turned = np.asarray(picture.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=255))
    ink = cv2.adaptiveThreshold(turned, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    measured = _skew(ink)
    assert measured is not None and abs(measured + degrees) < 0.01


@pytest.mark.parametrize(
    ("read", "printed"),
    [(".2101101", "2101101"), ("·50905", "50905"), (".50", ".50"), (".301", ".301"), ("0.50905", "0.50905")],
)
def test_a_speck_read_before_a_code_is_dropped(read: str, printed: str) -> None:
    """贵阳 scanned on grey paper: .2101101 and .50905 lost their rows' codes, the sums of their
    parents did not close, and two tables of 215 right amounts loaded nothing."""
    assert _ocr_text(read) == printed


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("事业单位经营收人", "事业单位经营收入"),
        ("一、财政拨款收人", "一、财政拨款收入"),
        ("接收人员经费", "接收人员经费"),
        ("个人", "个人"),
        ("本年收入 / 财政拨歉收入", "本年收入 / 财政拨款收入"),
        ("城乡医疗教助", "城乡医疗救助"),
        ("一、基木支出", "一、基本支出"),
        ("二、项H支出", "二、项目支出"),
        ("一般公共预算支出 / 项日支出", "一般公共预算支出 / 项目支出"),
        ("和赁费", "租赁费"),
        ("其他巩闲脱贫攻坚成果衔接乡村振兴支出", "其他巩固脱贫攻坚成果衔接乡村振兴支出"),
        ("含计", "合计"),
        ("介计", "合计"),
        ("包含计提", "包含计提"),
        ("一-一般公共预算资金", "一、一般公共预算资金"),
        ("十一.城乡社|区支出", "十一、城乡社区支出"),
        ("八:社会保障和就业支出", "八、社会保障和就业支出"),
        ("二十八,债务发行费用支出", "二十八、债务发行费用支出"),
        ("1.一般公共预算", "1.一般公共预算"),
        ("一般公共预算", "一般公共预算"),
    ],
)
def test_words_read_as_no_word_are_given_back(read: str, printed: str) -> None:
    assert _ocr_text(read) == printed


def test_a_real_heading_whose_ru_read_as_ren_is_understood(tmp_path: Path) -> None:
    """Blurred, 普陀司法局's 收入预算总表 heading 事业单位经营收入 read as 经营收人: the column was
    `unknown_column`, and its 22 amounts were not loaded."""
    source = REAL / "sh_putuo_sfj_2026_bmys.pdf"
    scan = tmp_path / source.name
    scan.write_bytes(scanned_pdf(source.read_bytes(), pages=[11], seed=2, condition=SCAN_CONDITIONS["blurred"]))

    printed, read = facts_on(source, [11]), facts_on(scan, [11])
    assert sum(key[3] == "operating_income" for key in printed.elements()) == 22
    assert read == printed


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("般公共预算基本支出预算表(经济科目)", "一般公共预算基本支出预算表(经济科目)"),
        ("2010102 般行政管理事务", "2010102 一般行政管理事务"),
        ("一般公共预算拨款", "一般公共预算拨款"),
        ("这般", "这般"),
    ],
)
def test_a_yi_dropped_before_ban_is_given_back(read: str, printed: str) -> None:
    """At 150 dpi with noise, js_fy's 一般公共预算基本支出预算表 read without its 一 and typed as
    another table (basic_expenditure): its 34 right amounts loaded under the wrong table."""
    assert _ocr_text(read) == printed


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("483,33", "483.33"),
        ("-12;50", "-12.50"),
        ("0:00", "0.00"),
        ("26、19", "26.19"),
        ("1,870、05", "1,870.05"),
        ("2、一般公共服务支出", "2、一般公共服务支出"),
        ("1,234", "1,234"),
        ("12,345.67", "12,345.67"),
        ("1,234,56", "1,234,56"),
    ],
)
def test_a_decimal_point_read_as_a_comma_is_given_back_where_no_thousands_comma_can_stand(
    read: str, printed: str
) -> None:
    assert _ocr_text(read) == printed


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("(→)财政拨款收入", "(一)财政拨款收入"),
        ("(-)财政拨款收入", "(一)财政拨款收入"),
        ("(-)", "(-)"),
        ("→、一般公共预算资金", "一、一般公共预算资金"),
        ("二)财政专户管理资金收入", "(二)财政专户管理资金收入"),
        ("二十三)预备费", "(二十三)预备费"),
        ("(二)财政专户管理资金收入", "(二)财政专户管理资金收入"),
        ("二、政府性基金", "二、政府性基金"),
        ("。合计", "合计"),
        (".合计", "合计"),
        ("、上年结转", "、上年结转"),
    ],
)
def test_a_label_a_speck_spoilt_is_given_back(read: str, printed: str) -> None:
    """贵阳's 收支总表 under salt-and-pepper noise (seed 150): (一) read as (→), and (二) as 二),
    its bracket lost; four right amounts loaded under labels the table does not print. czj's 合计
    read as 。合计 (seed 152) cost six. A lost numeral's 、 stays for its column to number."""
    assert _ocr_text(read) == printed


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("752..90", "752.90"),
        ("6;481.41", "6,481.41"),
        ("1:234:567.89", "1,234,567.89"),
        ("1,870:05", "1,870.05"),
        ("0..0.0", "0.0.0"),
    ],
)
def test_a_speck_beside_an_amounts_separators_is_taken_for_no_separator(read: str, printed: str) -> None:
    """Salt-and-pepper noise: a speck beside the decimal point reads as a second point, and one
    under a thousands comma turns it into a semicolon or a colon. js_rd's 752.90 and 6,481.41 were
    not amounts, and their table did not close."""
    assert _ocr_text(read) == printed


@pytest.mark.parametrize(
    ("marks", "printed"),
    [
        ([], False),
        ([(10, 10, 1, 1), (20, 30, 2, 2), (5, 50, 1, 2)], False),
        ([(10, 10, 1, 8)], True),
        ([(10, 10, 1, 1), (12, 30, 12, 2)], True),
    ],
    ids=["paper", "specks", "a stroke", "a speck and a stroke"],
)
def test_print_runs_as_a_stroke_a_speck_does_not(marks: list[tuple[int, int, int, int]], printed: bool) -> None:
    """A speck in a blank cell read as 服, B or 34022 (czj's 收支总表 under salt-and-pepper noise),
    which broke the table's sums: a reading holds print only where ink runs as a glyph's strokes."""
    crop = np.clip(np.full((60, 80), 245.0) + np.random.default_rng(1).normal(0, 12, (60, 80)), 0, 255)
    for x, y, width, height in marks:
        crop[y : y + height, x : x + width] = 40
    assert _printed(crop.astype(np.uint8)) == printed


def test_a_code_a_speck_broke_is_given_back_as_a_guess_in_a_column_of_codes() -> None:
    """贵阳's 2101103 read as 21011.03 and 21015 as 21015. under salt-and-pepper noise: the rows
    loaded without their codes. In a column of codes they are codes, read doubtfully; in a
    column of amounts 21011.03 is an amount."""
    column = ["210", "21011", "21011.03", "21015.", "2101501"]
    rows = tuple((number, (code, "21011.03")) for number, code in enumerate(column, start=1))
    mended = _codes_despecked(read_grid(rows)).block
    assert [cells for _, cells in mended.rows] == [
        (code, "21011.03") for code in ["210", "21011", "2101103", "21015", "2101501"]
    ]
    read = [[(cell.text, cell.confidence < SURE_READING) for cell in cells] for cells in mended.ocr.values()]
    assert [cells[0] for cells in read] == [
        ("210", False),
        ("21011", False),
        ("2101103", True),
        ("21015", True),
        ("2101501", False),
    ]
    assert {cells[1] for cells in read} == {("21011.03", False)}


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("1:954:47", "1,954.47"),
        ("1.70.00", "170.00"),
        ("0.0.0", "0.00"),
        (".0.00", "0.00"),
        ("0.0:0", "0.00"),
        ("-1.5:00", "-15.00"),
        ("12.3", None),
        ("1.2.3", "1.23"),
        ("2025", None),
        ("合计", None),
    ],
    ids=[
        "thousands and point",
        "in the digits",
        "in the fraction",
        "before",
        "two marks",
        "negative",
        "no point",
        "specks",
        "no mark",
        "a word",
    ],
)
def test_an_amount_specks_broke_makes_one_amount_or_none(read: str, printed: str | None) -> None:
    """贵阳's tables under salt-and-pepper noise read 1,954.47 as 1:954:47 and 0.00 as .0.00, 0.0.0
    and 0.0:0 (`malformed_amount`): its 功能分类 table lost 170.00 so (1.70.00), and with it its sums.
    A reading with no mark where the column's decimal point stands makes no amount."""
    assert _despecked_amount(read, 2) == printed


def test_an_amount_specks_broke_is_given_back_as_a_guess_in_a_column_of_amounts() -> None:
    """Only in a column that prints amounts (a heading over 1,954.47 and 1:954:47 is one): a date
    such as 2025.01.01 in a column of words stays."""
    rows = ((1, ("收入总计", "2025.01.01")), (2, ("1,954.47", "项目")), (3, ("1:954:47", "合计")))
    mended = _amounts_despecked(read_grid(rows)).block
    assert [cells for _, cells in mended.rows] == [
        ("收入总计", "2025.01.01"),
        ("1,954.47", "项目"),
        ("1,954.47", "合计"),
    ]
    read = [(cell.text, cell.confidence) for cells in mended.ocr.values() for cell in cells]
    assert read.count(("1,954.47", _GUESSED)) == 1 and ("2025.01.01", 0.99) in read


def test_a_whole_amount_whose_commas_read_as_points_is_given_them_back_as_a_guess() -> None:
    """万里 printed at 0.65 and scanned at σ 25 read 9,721,800 and 156,211,123 元 as 9,721.800 and
    156,211.123: the tables' sums broke, and one loaded none of its 200 amounts. Only in a column of
    whole amounts: 1,234.50 among amounts in 元 and 分 stays, as does a point two digits from the end."""
    rows = (
        (1, ("9,721.800", "1,234.50")),
        (2, ("156,211.123", "2,000.00")),
        (3, ("3,500", "1,000.00")),
        (4, ("1.234,56", "3.00")),
        (5, ("120,000", "12.500")),
        (6, ("0", "0.00")),
    )
    mended = _amounts_despecked(read_grid(rows)).block
    assert [cells for _, cells in mended.rows] == [
        ("9,721,800", "1,234.50"),
        ("156,211,123", "2,000.00"),
        ("3,500", "1,000.00"),
        ("1.234,56", "3.00"),
        ("120,000", "12.500"),
        ("0", "0.00"),
    ]
    assert ("9,721,800", _GUESSED) in [(cell.text, cell.confidence) for cell in mended.ocr[1]]


def test_an_amount_whose_point_was_lost_is_given_the_columns_decimals_as_a_guess() -> None:
    """苍溪 speckled read its 397.00 as 39700, at 0.9993 under 城乡医疗救助 in its 项目支出表, where no
    sum checks it: it loaded a hundred times too large. In a column of integers (行次, or a table
    printed in whole 元) digits stay as read, and so do digits too few to hold the decimals."""
    rows = (
        (1, ("1", "1,054.21", "120,000")),
        (2, ("2", "39700", "3,500")),
        (3, ("3", "12.00", "0")),
        (4, ("4", "0", "2500")),
    )
    mended = _amounts_despecked(read_grid(rows, 0.9993)).block
    assert [cells for _, cells in mended.rows] == [
        ("1", "1,054.21", "120,000"),
        ("2", "397.00", "3,500"),
        ("3", "12.00", "0"),
        ("4", "0", "2500"),
    ]
    assert ("397.00", _GUESSED) in [(cell.text, cell.confidence) for cell in mended.ocr[2]]


@pytest.mark.parametrize(
    ("source", "page", "name", "seed", "printed"),
    [
        ("sh_putuo_czj_2024_bmjs.pdf", 12, "上海市普陀区财政局2024年部门决算.pdf", 5, 7),
        ("js_rd_2019_tables.pdf", 6, "江苏省人大常委会办公厅2019年部门预算.pdf", 5, 25),
        ("js_rd_2019_tables.pdf", 12, "江苏省人大常委会办公厅2019年部门预算.pdf", 151, 15),
    ],
)
def test_real_pages_speckled_load_as_their_text_layer(
    tmp_path: Path, source: str, page: int, name: str, seed: int, printed: int
) -> None:
    """Salt-and-pepper noise (1 % of pixels): czj's 收支总表 read specks in blank cells as
    characters and loaded none of its 7 amounts; js_rd's 一般公共预算基本支出表 read 752..90 and
    6;481.41 and loaded 15 of 25; its 政府采购 table lost the 二 that starts the second line of
    江苏省第十三届人代会二次会议经费 (the detector took it for specks), and its 1,035.00 loaded
    under a label the table does not print."""
    scan = {"seed": seed, "condition": SCAN_CONDITIONS["speckled"]}
    loaded = page_alone(tmp_path, REAL / source, page, name, gated=True, **scan)
    assert sum(loaded["text"].values()) == printed
    assert loaded["scan"] == loaded["text"]


def test_a_real_heading_line_centred_under_a_wider_one_is_read_as_printed(tmp_path: Path) -> None:
    """贵阳's "三公" table (page 23) scanned under σ 25 at seed 121, as `bench --ocr --ocr-scan noisy
    --ocr-seed 120` scans it: its heading 2025年较2024年增减变化额 wraps 化额 centred under the first
    line. Re-read from where print starts left of it, with the foot of the line above, 化额 read
    2025年化额: the column was taken for another total, and the table lost 14 amounts."""
    loaded = page_alone(
        tmp_path,
        CORPUS / "guiyang_2025_ybj.pdf",
        23,
        "贵阳市医疗保障局2025年部门预算.pdf",
        gated=True,
        seed=121,
        condition=SCAN_CONDITIONS["noisy"],
    )
    assert sum(loaded["text"].values()) > 0
    assert loaded["scan"] == loaded["text"]


def test_a_real_code_missing_a_level_loads_no_amount_under_the_levels_read(tmp_path: Path) -> None:
    """苍溪's 一般公共预算项目支出预算表 (page 16) printed at 0.65 and scanned at σ 25, seed 120, as
    `bench --ocr --ocr-print-scale 0.65 --ocr-scan noisy --ocr-seed 120` scans it: 210 | 13 | 01 read
    as 210 | | 01, and 397.00 loaded under 21001, a code the page does not print."""
    loaded = page_alone(
        tmp_path,
        CORPUS / "cangxi_2025_ybj.pdf",
        16,
        "苍溪县医疗保障局2025年部门预算.pdf",
        gated=True,
        seed=120,
        print_scale=0.65,
        condition=SCAN_CONDITIONS["noisy"],
    )
    assert sum(loaded["text"].values()) == 15
    assert loaded["scan"] & loaded["text"]
    assert [key for key in loaded["scan"] - loaded["text"] if key[2][:1].isdigit()] == []


def test_a_real_sure_misread_among_classes_is_not_loaded(tmp_path: Path) -> None:
    """贵阳's 财政拨款收支总表 (page 16) scanned speckled at seed 150, as `bench --ocr --ocr-seed 150`
    scans it: 54.50 read as 54.30 at 0.97, and 八.社会保障和就业支出 as 八:…, 三.国防支出 as 三国防支出.
    As items they left the column's 类 in no sum, and 54.30 loaded. As 类 they sum to 一、本年支出,
    and short of it by more than rounding, none of them loads."""
    loaded = page_alone(
        tmp_path,
        CORPUS / "guiyang_2025_ybj.pdf",
        16,
        "贵阳市医疗保障局2025年部门预算.pdf",
        gated=True,
        seed=150,
        condition=SCAN_CONDITIONS["speckled"],
    )
    assert sum(loaded["text"].values()) == 37
    assert loaded["scan"] - loaded["text"] == Counter()
    assert loaded["scan"]
