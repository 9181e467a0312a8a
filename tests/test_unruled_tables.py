"""Text PDFs whose tables print without rules (WPS and Word exports without borders) or with row
rules only (三线表): the grids come from where the words stand, as a scan's unruled tables do, and
every printed amount loads as the ruled print of the same disclosure loads it."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from extractors import extract_document
from factory.disclosures import Disclosure, DisclosureSpec, build_disclosure, hunan_spec, jiangsu_spec, shanghai_spec
from pipelines.cli import main
from tests.conftest import SHARED, read_only
from tests.test_generated_layouts import fact_key, printed_key

SPECS = {"sichuan": DisclosureSpec(), "hunan": hunan_spec(), "jiangsu": jiangsu_spec(), "shanghai": shanghai_spec()}
CASES = [(doc, ruling) for doc in SPECS for ruling in ("horizontal", "none")]


def _key(key: tuple) -> tuple:
    """Page, side, code, measure and amount: uncoded rows are told apart by amount, not label (the
    sichuan layout records no labels, and a merged group label has no place in an unruled print)."""
    page, side, row, measure, _, amount = key
    return (page, side, row if (row or "").isdigit() else None, measure, amount)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[tuple[str, str], Disclosure], Path]:
    inbox = tmp_path_factory.mktemp("unruled")
    built = {}
    for doc, ruling in CASES:
        disclosure = build_disclosure(replace(SPECS[doc], ruling=ruling))
        (inbox / f"{doc}_{ruling}_{disclosure.spec.fiscal_year}.pdf").write_bytes(disclosure.pdf)
        built[(doc, ruling)] = disclosure
    warehouse = inbox / "warehouse.duckdb"
    main(["ingest", "--no-ocr", str(inbox), "--warehouse", str(warehouse)])
    return built, warehouse


@pytest.mark.parametrize(("doc", "ruling"), CASES)
def test_every_amount_of_an_unruled_table_loads(loaded, doc: str, ruling: str) -> None:
    built, warehouse = loaded
    disclosure = built[(doc, ruling)]
    with read_only(warehouse) as con:
        cursor = con.execute("SELECT * FROM fct_budget_amount WHERE document_id = ?", [disclosure.document_id])
        names = [d[0] for d in cursor.description]
        facts = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        status = con.execute(
            "SELECT status, amount_cells, amount_cells_loaded FROM dim_document WHERE document_id = ?",
            [disclosure.document_id],
        ).fetchone()
    printed = Counter(_key(printed_key(a)) for a in disclosure.amounts if a.fact)
    found = Counter(_key(fact_key(f)) for f in facts)
    assert found == printed
    assert status == ("loaded", len(facts), len(facts))


NARRATIVE = SHARED / "corpus" / "real" / "js_zx_2019_doc.pdf"


@pytest.mark.skipif(not NARRATIVE.exists(), reason=f"{NARRATIVE} is not present")
def test_justified_prose_ending_lines_in_figures_is_no_table() -> None:
    assert extract_document(NARRATIVE).tables == ()
