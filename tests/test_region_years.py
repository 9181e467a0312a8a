"""Regions whose codes changed, across years: each disclosure is filed under the code its region had
in its fiscal year, and region_lineage reads a region's years under the code it has now.

平果县 (451023) became 平果市 (451082) in 2019; 莱芜市 (371200) was dissolved into 济南市 at the end
of 2018, as 莱芜区 (370116) and 钢城区 (370117). The disclosures are printed by the factory and
ingested through the CLI, as a user would load downloads of several years."""

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from factory.disclosures import Disclosure, DisclosureSpec, build_disclosure
from pipelines.cli import main
from tests.conftest import read_only
from transforms.regions import region_lineage, region_reference

# department, fiscal year, the code of that year, the code the region has now
DISCLOSURES = [
    ("平果县教育局", 2018, "451023", "451082"),
    ("平果市教育局", 2021, "451082", "451082"),
    ("莱芜市教育局", 2018, "371200", "370116"),
    ("莱芜区教育局", 2020, "370116", "370116"),
]


@pytest.fixture(scope="module")
def disclosures() -> dict[str, Disclosure]:
    # amounts differ by year, so that a year filed under another's key would show in the sums
    return {
        f"{department}_{year}.pdf": build_disclosure(
            DisclosureSpec(
                department_name=department,
                fiscal_year=year,
                adcode=adcode,
                carry_over=Decimal("100.00") + year - 2000,
            )
        )
        for department, year, adcode, _ in DISCLOSURES
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, disclosures: dict[str, Disclosure]) -> Path:
    folder = tmp_path_factory.mktemp("region_years")
    for name, disclosure in disclosures.items():
        (folder / name).write_bytes(disclosure.pdf)
    target = folder / "warehouse.duckdb"
    assert main(["ingest", *(str(folder / name) for name in disclosures), "--warehouse", str(target)]) == 0
    return target


@pytest.fixture
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with read_only(warehouse) as connection:
        yield connection


def test_each_disclosure_is_filed_under_the_code_of_its_fiscal_year(
    con: duckdb.DuckDBPyConnection, disclosures: dict[str, Disclosure]
) -> None:
    documents = con.execute(
        "SELECT department_name, fiscal_year, status, adcode, region_name FROM dim_document ORDER BY fiscal_year"
    ).fetchall()
    names = dict(region_reference().select("adcode", "name").iter_rows())
    expected = [(d.spec.department_name, d.spec.fiscal_year, "loaded", d.spec.adcode) for d in disclosures.values()]
    assert sorted(documents, key=lambda d: (d[1], d[0])) == sorted(
        [(*e, names[e[3]]) for e in expected], key=lambda d: (d[1], d[0])
    )
    facts = con.execute("SELECT DISTINCT department_name, fiscal_year, adcode FROM fct_budget_amount").fetchall()
    assert sorted(facts) == sorted(
        (d.spec.department_name, d.spec.fiscal_year, d.spec.adcode) for d in disclosures.values()
    )


def test_dim_region_says_when_each_code_was_in_use_and_what_took_it_over(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        """SELECT adcode, name, level, city, valid_from, valid_to, successor_adcodes FROM dim_region
           WHERE adcode IN ('451023', '451082', '371200', '370116') ORDER BY adcode"""
    ).fetchall()
    assert rows == [
        ("370116", "莱芜区", "county", "济南市", 2018, None, None),
        ("371200", "莱芜市", "city", "莱芜市", 1992, 2018, "370116;370117"),
        ("451023", "平果县", "county", "百色市", 2002, 2019, "451082"),
        ("451082", "平果市", "county", "百色市", 2019, None, None),
    ]
    # the whole reference is loaded, one row per code
    assert con.execute("SELECT count(*), count(DISTINCT adcode) FROM dim_region").fetchone() == (
        region_reference().height,
        region_reference().height,
    )


def test_region_lineage_rolls_each_code_to_the_one_in_use(con: duckdb.DuckDBPyConnection) -> None:
    rows = {
        adcode: (current, approximate, lineage)
        for adcode, current, approximate, lineage in con.execute("SELECT * FROM region_lineage").fetchall()
    }
    assert set(rows) == {adcode for (adcode,) in con.execute("SELECT adcode FROM dim_region").fetchall()}
    assert rows["451023"][:2] == ("451082", False)
    assert rows["451082"][:2] == ("451082", False)
    assert rows["371200"][:2] == ("370116", True)
    assert "370117 钢城区" in rows["371200"][2]
    assert rows == {
        r["adcode"]: (r["current_adcode"], r["is_approximate"], r["lineage"]) for r in region_lineage().to_dicts()
    }


def test_a_region_over_the_years_is_one_key(con: duckdb.DuckDBPyConnection, disclosures: dict[str, Disclosure]) -> None:
    """Grouped by current_adcode, both years of 平果 fall under 451082 and both of 莱芜 under 370116,
    the earlier flagged approximate; each year's amounts are those its disclosure printed."""
    rows = con.execute(
        """SELECT l.current_adcode, f.fiscal_year, bool_or(l.is_approximate), count(*), sum(f.amount_wan)
           FROM fct_budget_amount f JOIN region_lineage l USING (adcode)
           GROUP BY ALL ORDER BY ALL"""
    ).fetchall()
    current = {(department, year): now for department, year, _, now in DISCLOSURES}
    expected = sorted(
        (
            current[(d.spec.department_name, d.spec.fiscal_year)],
            d.spec.fiscal_year,
            d.spec.adcode == "371200",
            len(d.amounts),
            sum((a.amount for a in d.amounts), Decimal(0)),
        )
        for d in disclosures.values()
    )
    assert rows == expected
    keys = {key: sorted(year for k, year, *_ in rows if k == key) for key, *_ in rows}
    assert keys == {"451082": [2018, 2021], "370116": [2018, 2020]}
