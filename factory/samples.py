"""Write sample disclosures printed by the disclosure factory, for a checkout without ../shared.

    python -m factory.samples DIR

Both shared layouts and two more: a 四川 county budget (the 苍溪 layout: blanks for zeros, and a
项目支出绩效目标表 after its amount tables), the same
department's budget of the year before with a planted error (a 类 total 1.00 off, which the
consistency rules must report) and its final account of the latest year; a 贵州 city budget printing
zeros as 0.00 (as 贵阳 does); a 上海 district budget in 元 with tables broken across pages; and a 江苏
province budget with titles ruled into the grid, turned pages and its narrative published as a
second file, and a 江苏 department's final account in the national template (公开01-09表: 行次
columns, 栏次 rows, a "三公" table with 预算数 | 决算数 over its items); and a 湖南 county budget in
the national template's wording (部门收支总体情况表, a 项目支出预算表 naming each project) printed
without table rules.
"""

import sys
from pathlib import Path

from factory.disclosures import (
    DEFAULT_PERFORMANCE_TARGETS,
    DisclosureSpec,
    Plant,
    build_disclosure,
    hunan_spec,
    jiangsu_spec,
    shanghai_spec,
)
from factory.final_accounts import FinalAccountSpec, build_final_account


def write_samples(folder: Path) -> list[Path]:
    """The sample files written into `folder` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    jiangsu = build_disclosure(jiangsu_spec(two_files=True))
    latest = DisclosureSpec().fiscal_year
    files = {
        "sichuan_county_budget.pdf": build_disclosure(
            DisclosureSpec(performance_targets=DEFAULT_PERFORMANCE_TARGETS)
        ).pdf,
        "sichuan_county_budget_previous_year.pdf": build_disclosure(
            DisclosureSpec(fiscal_year=latest - 1), plant=Plant("wrong_class_total")
        ).pdf,
        "guizhou_city_budget.pdf": build_disclosure(
            DisclosureSpec(department_name="遵义市教育局", department_code="201", blank_zeros=False)
        ).pdf,
        "sichuan_county_final_account.pdf": build_final_account(FinalAccountSpec(fiscal_year=latest)).pdf,
        "jiangsu_province_final_account.pdf": build_final_account(
            FinalAccountSpec(
                department_name="江苏省教育厅", fiscal_year=latest, template="national", prints_budget_columns=False
            )
        ).pdf,
        "shanghai_district_budget.pdf": build_disclosure(shanghai_spec()).pdf,
        "jiangsu_province_budget_tables.pdf": jiangsu.pdf,
        "jiangsu_province_budget_narrative.pdf": jiangsu.companion_pdf,
        "hunan_county_budget_without_rules.pdf": build_disclosure(hunan_spec(ruling="none")).pdf,
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
