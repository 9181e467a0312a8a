"""Write sample disclosures printed by the disclosure factory, for a checkout without ../shared.

    python -m factory.samples DIR

Three layouts, each consistent to the cent: a 四川 county budget (the factory's default) and the
same department's final account of that year, a 上海 district budget in 元 with tables broken across
pages, and a 江苏 province budget with titles ruled into the grid, turned pages and its narrative
published as a second file.
"""

import sys
from pathlib import Path

from factory.disclosures import DisclosureSpec, build_disclosure, jiangsu_spec, shanghai_spec
from factory.final_accounts import FinalAccountSpec, build_final_account


def write_samples(folder: Path) -> list[Path]:
    """The sample files written into `folder` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    jiangsu = build_disclosure(jiangsu_spec(two_files=True))
    files = {
        "sichuan_county_budget.pdf": build_disclosure().pdf,
        "sichuan_county_final_account.pdf": build_final_account(
            FinalAccountSpec(fiscal_year=DisclosureSpec().fiscal_year)
        ).pdf,
        "shanghai_district_budget.pdf": build_disclosure(shanghai_spec()).pdf,
        "jiangsu_province_budget_tables.pdf": jiangsu.pdf,
        "jiangsu_province_budget_narrative.pdf": jiangsu.companion_pdf,
    }
    written = []
    for name, data in files.items():
        if data is not None:
            path = folder / name
            path.write_bytes(data)
            written.append(path)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m factory.samples DIR", file=sys.stderr)
        return 2
    for path in write_samples(Path(argv[0])):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
