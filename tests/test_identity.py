"""Who a disclosure is for: department, region at its level, year, scope and kind, and the files
that are not one (a narrative without its tables, an unfilled template)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb
import pytest

from extractors import extract_document
from factory.pdf import DisclosurePdf, wide_grid
from pipelines.cli import main
from tests.conftest import SHARED
from transforms.document import NormalizedDocument, normalize_document, path_identity
from transforms.filing import identity_problem
from transforms.regions import resolve_region

REAL = SHARED / "corpus" / "real"

# file: department, adcode, year, scope, kind (the identities README.md of corpus/real gives)
DEV_SET = {
    "sh_putuo_wanli_2024_bmys.pdf": ("上海市普陀区人民政府万里街道办事处", "310107", 2024, "department", "budget"),
    "sh_putuo_zfb_2025_bmys.pdf": ("上海市普陀区人民政府办公室", "310107", 2025, "department", "budget"),
    "sh_putuo_sfj_2026_bmys.pdf": ("上海市普陀区司法局", "310107", 2026, "department", "budget"),
    "sh_putuo_czj_2024_bmjs.pdf": ("上海市普陀区财政局", "310107", 2024, "department", "final_account"),
    "js_fy_2019_doc.pdf": ("江苏省高级人民法院", "320000", 2019, "department", "budget"),
    "js_rd_2019_tables.pdf": ("江苏省人大常委会办公厅", "320000", 2019, "department", "budget"),
    "js_zx_2019_tables.pdf": ("江苏省政协办公厅", "320000", 2019, "department", "budget"),
    "js_rd_2019_doc.pdf": ("江苏省人大常委会办公厅", "320000", 2019, "department", "budget"),
    "js_zx_2019_doc.pdf": ("江苏省政协办公厅", "320000", 2019, "department", "budget"),
}
NARRATIVES = {"js_rd_2019_doc.pdf", "js_zx_2019_doc.pdf"}


@cache
def _real(name: str) -> NormalizedDocument:
    return normalize_document(extract_document(REAL / name))


@pytest.mark.parametrize("name", sorted(DEV_SET))
def test_dev_set_identity(name: str) -> None:
    if not (REAL / name).exists():
        pytest.skip(f"{REAL / name} is not present")
    normalized = _real(name)
    department, adcode, year, scope, kind = DEV_SET[name]

    context = normalized.context
    assert (context.department_name, context.adcode, context.fiscal_year) == (department, adcode, year)
    assert (normalized.budget_scope, normalized.document_kind) == (scope, kind)
    problem = identity_problem(normalized)
    if name in NARRATIVES:
        assert problem is not None and problem[0] == "narrative_only"
        assert department in problem[1] and str(year) in problem[1] and "tables" in problem[1]
    else:
        assert problem is None or problem[0] not in ("unidentified", "narrative_only", "template", "not_budget")


# ---------------------------------------------------------------------------------------------
# Generated disclosures: a label line, a printer's line, a template, a narrative on its own.


def _text(tmp_path: Path, *lines: str, name: str = "disclosure.txt") -> NormalizedDocument:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return normalize_document(extract_document(path))


def _table(title: str, *context: str) -> list[str]:
    return ["", title, *context, "项目\t预算数", "合计\t100.00", "一、一般公共预算拨款收入\t100.00", ""]


def test_labelled_department_files_under_its_district_not_the_city(tmp_path: Path) -> None:
    normalized = _text(
        tmp_path,
        "上海市普陀区2025年区级部门预算",
        "预算主管部门：上海市普陀区市场监督管理局",
        *_table("2025年部门收入预算总表", "编制部门：上海市普陀区市场监督管理局 单位：元"),
        *_table("2025年部门支出预算总表", "编制部门：上海市普陀区市场监督管理局 单位：元"),
    )

    assert normalized.context.department_name == "上海市普陀区市场监督管理局"
    assert (normalized.context.adcode, normalized.region_name) == ("310107", "普陀区")
    assert normalized.context.fiscal_year == 2025
    assert (normalized.budget_scope, normalized.document_kind) == ("department", "budget")
    assert identity_problem(normalized) is None


def test_name_without_a_leading_region_beats_a_printers_line(tmp_path: Path) -> None:
    doc = DisclosurePdf().page().line("江苏省财政厅印制").line("2019年度部门预算")
    grid = wide_grid([["项目", "预算数"], ["合计", "100.00"], ["一、一般公共预算拨款", "100.00"]], width=40)
    for title in ("收支预算总表", "收入预算总表"):
        doc.page().line(title).line("部门：中共江苏省委办公厅 单位：万元").line("预算单位：省级单位").table(grid)
    path = tmp_path / "disclosure.pdf"
    path.write_bytes(doc.bytes())

    normalized = normalize_document(extract_document(path))

    assert normalized.context.department_name == "中共江苏省委办公厅"
    assert (normalized.context.adcode, normalized.context.fiscal_year) == ("320000", 2019)


@pytest.mark.parametrize(
    ("title", "line", "identity"),
    [
        # 河北: the unit's code and name unlabelled, the year as a field
        (
            "部门预算收支总表",
            "920平山县下口镇财政所    预算年度:2025    单位:万元",
            ("平山县下口镇财政所", "130131", 2025, "920", "budget"),
        ),
        # 甘肃's 公开01表: a bare 单位： names the unit, a bare 2024年度 between fields is the year
        (
            "收入支出决算总表",
            "单位:张家川回族自治县龙山镇四方中学    2024年度    金额单位:万元",
            ("张家川回族自治县龙山镇四方中学", "620525", 2024, None, "final_account"),
        ),
    ],
)
def test_unit_and_year_printed_as_fields_above_the_tables(
    tmp_path: Path, title: str, line: str, identity: tuple[str, str, int, str | None, str]
) -> None:
    rows = [["项目", "金额"], ["一、一般公共预算财政拨款收入", "100.00"], ["本年收入合计", "100.00"]]
    doc = DisclosurePdf()
    for table_title in (title, "收入决算表" if "决算" in title else "部门收入总表"):
        doc.page().line(table_title).line(line).table(wide_grid(rows, width=40))
    path = tmp_path / "disclosure.pdf"
    path.write_bytes(doc.bytes())

    normalized = normalize_document(extract_document(path))

    context = normalized.context
    printed = (context.department_name, context.adcode, context.fiscal_year, context.department_code)
    assert (*printed, normalized.document_kind) == identity


@pytest.mark.parametrize(
    ("titles", "identity"),
    [
        (
            ["贵阳市医疗保障局2025年部门收支总表", "贵阳市医疗保障局2025年部门收入总表"],
            ("贵阳市医疗保障局", "520100", 2025),
        ),
        (
            ["上海市普陀区司法局2026年部门财政拨款收支预算总表", "上海市普陀区司法局2026年“三公”经费支出预算表（续）"],
            ("上海市普陀区司法局", "310107", 2026),
        ),
        (
            ["2025年贵阳市医疗保障局部门收支总表", "2025年贵阳市医疗保障局部门收入总表"],
            ("贵阳市医疗保障局", "520100", 2025),
        ),
        (
            ["2025年中共苍溪县委组织部部门收支总表", "2025年中共苍溪县委组织部一般公共预算支出表"],
            ("中共苍溪县委组织部", "510824", 2025),
        ),
        (
            ["2026年上海市普陀区预算评审中心单位收支预算总表", "2026年上海市普陀区预算评审中心单位收入预算总表"],
            ("上海市普陀区预算评审中心", "310107", 2026),
        ),
    ],
)
def test_a_department_printed_in_its_table_titles_is_named_without_the_title(
    tmp_path: Path, titles: list[str], identity: tuple[str, str, int]
) -> None:
    """A file of tables alone whose titles print the department before or after the year: the name
    is the department's, not the name with the table's title glued on; where the titles do not say
    预算, the column headings (预算数) say it is a budget."""
    doc = DisclosurePdf()
    grid = wide_grid([["项目", "预算数"], ["合计", "100.00"], ["一、一般公共预算拨款", "100.00"]], width=40)
    for title in titles:
        doc.page().line(title).line("单位：万元").table(grid)
    path = tmp_path / "tables.pdf"
    path.write_bytes(doc.bytes())

    normalized = normalize_document(extract_document(path))
    context = normalized.context

    assert (context.department_name, context.adcode, context.fiscal_year) == identity
    assert (normalized.document_kind, normalized.budget_scope) == (
        "budget",
        "unit" if "单位" in titles[0] else "department",
    )


def test_most_consistent_label_wins_over_variants_and_fragments(tmp_path: Path) -> None:
    normalized = _text(
        tmp_path,
        *_table("收支预算总表", "部门：江苏省高级 单位：万元"),
        *_table("收入预算总表", "部门：江苏省高级人民法院 单位：万元"),
        *_table("支出预算总表", "部门：江苏省高级人民法院 单位：万元"),
        *_table("2019年政府采购预算表", "部门名称：江苏省高级人民法院"),
    )
    assert normalized.context.department_name == "江苏省高级人民法院"

    variants = _text(
        tmp_path,
        *_table("收支预算总表", "部门：江苏省政协办公厅 单位：万元"),
        *_table("收入预算总表", "部门：政协江苏省委员会办公厅 单位：万元"),
        *_table("2019年支出预算总表", "部门：江苏省政协办公厅 单位：万元"),
        name="variants.txt",
    )
    assert (variants.context.department_name, variants.context.adcode) == ("江苏省政协办公厅", "320000")


def test_a_name_read_with_a_character_too_many_once_does_not_win(tmp_path: Path) -> None:
    """OCR read one label's 部门 as 部 (苍溪县医疗保障局部门 -> 苍溪县医疗保障局部): the name printed
    on every other table is no fragment of that misreading."""
    normalized = _text(
        tmp_path,
        *_table("部门收支总表", "部门:322-苍溪县医疗保障局部门 金额单位:万元"),
        *_table("部门收入总表", "部门:322-苍溪县医疗保障局部 金额单位:万元"),
        *_table("部门支出总表", "部门:322-苍溪县医疗保障局部门 金额单位:万元"),
        *_table("一般公共预算支出表", "部门:322-苍溪县医疗保障局部门 金额单位:万元"),
        name="misread.txt",
    )
    assert normalized.context.department_name == "苍溪县医疗保障局"


@pytest.mark.parametrize(
    ("name", "adcode"),
    [
        ("中国共产党江苏省委员会办公厅", "320000"),
        ("政协江苏省委员会办公厅", "320000"),
        ("江苏省人大常委会办公厅", "320000"),
        ("上海市普陀区人民政府办公室", "310107"),
        ("四川省广元市苍溪县医疗保障局", "510824"),
        ("苍溪县医疗保障局", "510824"),
    ],
)
def test_region_is_read_top_down_at_its_deepest_level(name: str, adcode: str) -> None:
    assert resolve_region(name, "").adcode == adcode


def test_same_named_district_needs_a_parent_the_document_names() -> None:
    assert resolve_region("普陀区司法局", "").adcode is None
    assert resolve_region("普陀区司法局", "上海市普陀区司法局是区政府工作部门").adcode == "310107"


def test_unit_budget_scope_comes_from_the_cover(tmp_path: Path) -> None:
    normalized = _text(
        tmp_path,
        "上海市普陀区业余大学",
        "2025年单位预算公开",
        *_table("2025年收入预算总表", "单位名称：上海市普陀区业余大学 单位：元"),
    )

    assert normalized.context.department_name == "上海市普陀区业余大学"
    assert (normalized.budget_scope, normalized.context.adcode) == ("unit", "310107")


def test_final_accounts_are_filed_under_the_year_they_account_for(tmp_path: Path) -> None:
    normalized = _text(
        tmp_path,
        "上海市普陀区某某局",
        "2024年度部门决算",
        *_table("收入支出决算总表", "编制部门：上海市普陀区某某局 单位：万元"),
    )

    assert (normalized.context.fiscal_year, normalized.document_kind) == (2024, "final_account")
    assert identity_problem(normalized) is None


NARRATIVE = [
    "江苏省某某厅",
    "2019年度部门预算公开",
    "第三部分 2019年度部门预算情况说明",
    "江苏省某某厅2019年度收入、支出预算总计1,000.00万元，与上年相比增加10.00万元。",
    "江苏省某某厅本年收入预算合计1,000.00万元，其中财政拨款收入1,000.00万元。",
    "江苏省某某厅本年支出预算合计1,000.00万元，其中基本支出800.00万元，项目支出200.00万元。",
    "江苏省某某厅2019年度一般公共预算拨款安排的“三公”经费预算支出10.00万元。",
]


def test_narrative_without_tables_is_narrative_only(tmp_path: Path) -> None:
    normalized = _text(tmp_path, *NARRATIVE)

    problem = identity_problem(normalized)

    assert problem is not None and problem[0] == "narrative_only"
    assert "江苏省某某厅" in problem[1] and "2019" in problem[1] and "tables" in problem[1]


def test_tables_file_with_titles_only_is_not_a_narrative(tmp_path: Path) -> None:
    titles = [
        "收入预算总表",
        "财政拨款支出预算表",
        "一般公共预算基本支出预算表",
        "项目支出预算表",
        '"三公"经费支出预算表',
    ]
    normalized = _text(tmp_path, *(line for title in titles for line in (title, "部门：江苏省某某厅 单位：万元")))

    problem = identity_problem(normalized)

    assert problem is not None and problem[0] == "not_budget"


TEMPLATE = [
    "上海市XX局",
    "XXXX年区级部门预算",
    "预算主管部门：上海市XX局",
    "上海市XX局XXXX年收入预算XX万元，支出预算XX万元。",
    *_table("XXXX年部门收入预算总表", "编制部门：上海市XX局 单位：元"),
]


def test_unfilled_template_is_rejected_as_a_template(tmp_path: Path) -> None:
    normalized = _text(tmp_path, *TEMPLATE)

    problem = identity_problem(normalized)

    assert problem is not None and problem[0] == "template"
    assert "template" in problem[1] and "XX" in problem[1]


def test_warehouse_records_new_statuses_scope_and_kind_without_facts(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "template.txt").write_text("\n".join(TEMPLATE), "utf-8")
    (inbox / "narrative.txt").write_text("\n".join(NARRATIVE), "utf-8")
    warehouse = tmp_path / "w.duckdb"

    assert main(["ingest", str(inbox), "--warehouse", str(warehouse)]) == 1

    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute(
        "SELECT file_name, status, budget_scope, document_kind, facts_loaded FROM dim_document ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("narrative.txt", "narrative_only", "department", "budget", 0),
        ("template.txt", "template", "department", "budget", 0),
    ]
    assert con.execute("SELECT count(*) FROM fct_budget_amount").fetchone() == (0,)


@pytest.mark.parametrize(
    "label",
    [
        "部门（单位）：江苏省财政厅",
        "填报单位：江苏省财政厅",
        "编制部门：江苏省财政厅本级",
        "编制单位：江苏省财政厅（汇总）",
    ],
)
def test_department_labels_in_other_words_name_the_department(tmp_path: Path, label: str) -> None:
    normalized = _text(
        tmp_path,
        "2025年部门预算",
        *_table("收支预算总表", label, "单位：万元"),
        *_table("收入预算总表", label, "单位：万元"),
    )

    assert (normalized.context.department_name, normalized.context.adcode) == ("江苏省财政厅", "320000")
    assert identity_problem(normalized) is None


def test_a_year_printed_in_chinese_numerals_is_the_budget_year(tmp_path: Path) -> None:
    normalized = _text(
        tmp_path,
        "江苏省财政厅",
        "二〇二四年度部门决算",
        *_table("收入支出决算总表", "单位：万元"),
        *_table("收入决算表", "单位：万元"),
    )

    assert (normalized.context.department_name, normalized.context.fiscal_year) == ("江苏省财政厅", 2024)
    assert normalized.document_kind == "final_account"
    assert identity_problem(normalized) is None

    year = path_identity(tmp_path / "江苏省财政厅二○二五年部门预算.txt").fiscal_year
    assert year is not None and year.value == 2025
