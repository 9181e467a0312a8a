"""Performance targets (绩效目标表) are read into fct_performance_target, one row per indicator with
the project and money it is set for; they never become budget facts."""

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from extractors import ExtractedDocument, extract_document
from extractors.model import OcrCell
from factory.disclosures import (
    DEFAULT_PERFORMANCE_TARGETS,
    PERFORMANCE_LIST_HEADER,
    DisclosureSpec,
    build_disclosure,
)
from factory.pdf import DisclosurePdf, wide_grid
from pipelines.cli import main
from tests.conftest import CORPUS, GUIYANG_SEED, read_only
from tests.tables import raw_table
from transforms.document import normalize_document
from transforms.facts import DocumentContext, budget_facts
from transforms.tables import classify_tables
from transforms.targets import performance_targets
from warehouse.quality_site import render_document

CONTEXT = DocumentContext("doc", 2025, "322", "苍溪县农业农村局", "510824")
LIST_HEADER = list(PERFORMANCE_LIST_HEADER)
LISTED = [
    LIST_HEADER,
    ["322001-苍溪县农业农村局", "耕地保护补助", "120.50", "产出指标", "数量指标", "补助面积", "≥", "5000", "亩", "20"],
    ["", "", "", "", "时效指标", "资金拨付及时率", "=", "100", "%", "10"],
    ["", "", "", "满意度指标", "服务对象满意度指标", "农户满意度", "≥", "90", "%", "10"],
    ["", "农业技术推广", "30.00", "效益指标", "社会效益指标", "技术推广覆盖面", "定性", "明显提升", "", "20"],
]
COLUMNS = ["project_name", "amount_wan", "indicator_level1", "indicator_level2", "indicator_name"]
TARGET = ["comparator", "target_value", "target_number", "target_unit", "weight"]


def targets_of(*tables: tuple[str | None, list[list[str]]], unit: str | None = "万元") -> pl.DataFrame:
    raws = [raw_table(rows, title=title, unit=unit, after_table=title is None) for title, rows in tables]
    return performance_targets(classify_tables(raws, CONTEXT.fiscal_year), CONTEXT).targets


def test_a_listed_indicator_takes_its_project_money_and_levels_from_the_rows_above() -> None:
    targets = targets_of(("部门预算项目支出绩效目标表", LISTED))

    assert targets.select(COLUMNS).rows() == [
        ("耕地保护补助", Decimal("120.50"), "产出指标", "数量指标", "补助面积"),
        ("耕地保护补助", Decimal("120.50"), "产出指标", "时效指标", "资金拨付及时率"),
        ("耕地保护补助", Decimal("120.50"), "满意度指标", "服务对象满意度指标", "农户满意度"),
        ("农业技术推广", Decimal("30.00"), "效益指标", "社会效益指标", "技术推广覆盖面"),
    ]
    assert targets.select(TARGET).rows() == [
        ("≥", "5000", 5000.0, "亩", 20.0),
        ("=", "100", 100.0, "%", 10.0),
        ("≥", "90", 90.0, "%", 10.0),
        (None, "明显提升", None, None, 20.0),  # 定性: a qualitative target has no number
    ]
    assert set(targets["unit_name"]) == {"322001-苍溪县农业农村局"}
    assert set(targets["target_scope"]) == {"project"}
    assert targets["source_position"].to_list() == [f"page 1, row {n}" for n in (2, 3, 4, 5)]


def test_a_listed_projects_goal_and_a_weight_printed_as_a_share_are_read() -> None:
    header = ["项目名称", "预算数", "年度目标", "一级指标", "二级指标", "三级指标", "指标值", "权重(%)"]
    rows = [
        header,
        ["耕地保护补助", "120.50", "保护耕地5000亩", "产出指标", "数量指标", "补助面积", "≥5000亩", "20%"],
        ["", "", "", "", "时效指标", "资金拨付及时率", "=100%", "10%"],
        ["农业技术推广", "30.00", "", "效益指标", "社会效益指标", "技术推广覆盖面", "明显提升", "20%"],
    ]

    targets = targets_of(("项目支出绩效目标表", rows))

    assert targets.select("project_name", "annual_goal", "weight").rows() == [
        ("耕地保护补助", "保护耕地5000亩", 20.0),
        ("耕地保护补助", "保护耕地5000亩", 10.0),
        ("农业技术推广", None, 20.0),
    ]


def test_a_row_shifted_past_its_headings_is_quarantined_not_misread() -> None:
    """苍溪's text conversion prints a project's rows a column to the right: read under the headings
    its 预算数 would be the 一级指标 and its 一级指标 the 二级指标."""
    shifted = [
        "",
        "",
        "综合定额公用经费(事业单位)",
        "",
        "17.28",
        "效益指标",
        "社会效益指标",
        "运转保障率",
        "=",
        "100",
        "%",
    ]
    tables = classify_tables([raw_table([*LISTED, shifted], title="部门预算项目支出绩效目标表")], CONTEXT.fiscal_year)

    read = performance_targets(tables, CONTEXT)

    assert read.targets.height == 4 and "17.28" not in read.targets["indicator_level1"].to_list()
    assert [(i.kind, i.position) for i in read.issues] == [("quarantined_target", "page 1, row 6")]


def test_a_list_continued_under_a_repeated_header_on_the_next_page_is_one_table() -> None:
    second_page = [LIST_HEADER, ["", "信息化运维", "8.00", "产出指标", "质量指标", "系统可用率", "≥", "99", "%", "30"]]

    targets = targets_of(("部门预算项目支出绩效目标表", LISTED), (None, second_page))

    assert targets["table_index"].n_unique() == 1
    assert targets["project_name"].to_list()[-1] == "信息化运维"
    assert targets["unit_name"].to_list()[-1] == "322001-苍溪县农业农村局"


PROJECT_FORM = [
    ["项目名称", "", "城乡医疗救助", "", "", ""],
    ["主管部门及代码", "", "[622]某市医疗保障局", "", "实施单位", "某市医疗保障局"],
    ["资金来源(元)", "", "项目", "", "年度资金情况", ""],
    ["", "", "资金总额", "", "4,000,000.00", ""],
    ["", "", "财政拨款", "", "4,000,000.00", ""],
    ["年度总体目标", "", "资助困难群众参加城乡居民基本医疗保险", "", "", ""],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "说明"],
    ["", "产出指标", "数量指标", "资助困难群众参保人数", "≥100000人", "评分标准:..."],
    ["", "", "", "住院救助人次数", "≥28000人/次", ""],
    ["", "", "成本指标", "项目成本控制总金额", "≤310.94万元", ""],
    ["", "", "时效指标", "参保征收工作完成时间", "2025.12.31", ""],
    ["", "效益指标", "社会效益指标", "困难群众就医方便程度", "明显提高", ""],
    ["", "满意度指标", "满意度指标", "救助对象满意度", "不低于85%", ""],
]


def test_a_form_gives_its_indicators_the_project_and_money_its_fields_print() -> None:
    targets = targets_of(("2025年项目支出绩效目标批复表", PROJECT_FORM), unit=None)

    assert set(targets["project_name"]) == {"城乡医疗救助"}
    assert set(targets["unit_name"]) == {"某市医疗保障局"}
    assert set(targets["annual_goal"]) == {"资助困难群众参加城乡居民基本医疗保险"}
    # the money block says 元 (资金来源(元)) where the table states no unit
    assert set(targets["amount_wan"]) == {Decimal("400.00")} and set(targets["source_unit"]) == {"元"}
    assert targets.select(["indicator_level1", "indicator_level2", "indicator_name"]).rows()[:3] == [
        ("产出指标", "数量指标", "资助困难群众参保人数"),
        ("产出指标", "数量指标", "住院救助人次数"),
        ("产出指标", "成本指标", "项目成本控制总金额"),
    ]
    assert targets.select(["comparator", "target_number", "target_unit"]).rows() == [
        ("≥", 100000.0, "人"),
        ("≥", 28000.0, "人/次"),
        ("≤", 310.94, "万元"),
        (None, None, None),  # a date is no number
        (None, None, None),
        ("≥", 85.0, "%"),
    ]


def test_a_field_label_split_over_two_cells_still_names_its_value() -> None:
    form = [["项目", "名称", "城乡医疗救助", ""], *PROJECT_FORM[1:]]

    targets = targets_of(("项目支出绩效目标表", form), unit=None)

    assert set(targets["project_name"]) == {"城乡医疗救助"} and targets.height == 6


def test_the_national_templates_department_form_reads_its_money_from_its_total_row() -> None:
    form = [
        ["部门(单位)名称", "某县农业农村局", "", "", "", ""],
        ["年度主要任务", "任务名称", "主要内容", "预算金额(万元)", "", ""],
        ["", "", "", "总额", "财政拨款", "其他资金"],
        ["", "耕地保护", "落实耕地保护补助", "120.50", "120.50", ""],
        ["金额合计", "", "", "150.50", "150.50", ""],
        ["年度绩效指标", "一级指标", "二级指标", "三级指标", "指标值", ""],
        ["", "产出指标", "数量指标", "补助面积", "≥5000亩", ""],
    ]

    targets = targets_of(("部门整体支出绩效目标表", form), unit=None)

    assert targets.select("target_scope", "amount_wan", "source_unit", "indicator_name", "target_number").rows() == [
        ("department", Decimal("150.50"), "万元", "补助面积", 5000.0)
    ]


def test_a_second_form_continuing_the_table_starts_its_own_project() -> None:
    """Its field rows print wider than the first form's indicator block, and a field may stand
    under the block's 三级指标 column: neither is an indicator, nor a shifted row."""
    second = [
        ["项目名称", "", "医疗保障信息化建设", "", "", "", "主管部门", "某市医疗保障局"],
        ["", "", "资金总额", "", "1,500,000.00", "", "", ""],
        ["", "", "", "年度总体目标", "建成信息平台", "", "", ""],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "说明"],
        ["", "产出指标", "数量指标", "接入机构数量", "≥36家", ""],
    ]

    targets = targets_of(("项目支出绩效目标表", PROJECT_FORM), (None, second), unit=None)

    assert targets.group_by("project_name", maintain_order=True).len().rows() == [
        ("城乡医疗救助", 6),
        ("医疗保障信息化建设", 1),
    ]
    assert targets.filter(pl.col("project_name") == "医疗保障信息化建设").select(
        "amount_wan", "annual_goal", "indicator_name"
    ).row(0) == (Decimal("150.00"), "建成信息平台", "接入机构数量")


def test_a_form_stating_no_unit_takes_an_earlier_target_tables_or_keeps_its_money_as_printed() -> None:
    unstated = [row for row in PROJECT_FORM if not row[0].startswith("资金来源")]
    earlier = [
        ["资金总额", "19,544,744.50"],
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "培训", "≥1次"],
    ]
    raws = [
        raw_table(earlier, title="部门整体支出绩效目标表", unit="元"),
        raw_table(unstated, title="项目支出绩效目标表", unit=None),
    ]

    alone = targets_of(("项目支出绩效目标表", unstated), unit=None)
    after = performance_targets(classify_tables(raws, CONTEXT.fiscal_year), CONTEXT).targets

    assert set(alone["amount_wan"]) == {None} and set(alone["amount_printed"]) == {"4,000,000.00"}
    assert after.group_by("target_scope").agg(pl.col("amount_wan").unique()).sort("target_scope").rows() == [
        ("department", [Decimal("1954.47")]),
        ("project", [Decimal("400.00")]),
    ]


def test_money_printed_with_its_unit_needs_no_unit_stated_elsewhere() -> None:
    form = [
        ["项目名称", "城乡医疗救助"],
        ["资金总额", "400.00万元"],
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "资助困难群众参保人数", "≥100000人"],
    ]
    targets = targets_of(("项目支出绩效目标表", form), unit=None)

    assert targets.select("amount_wan", "amount_printed", "source_unit").rows() == [
        (Decimal("400.00"), "400.00万元", "万元")
    ]


def test_a_whole_department_table_reads_the_amount_printed_under_its_label() -> None:
    form = [
        ["部门名称", "苍溪县农业农村局", "", "", "", "", "", ""],
        ["年度部门整体支出预算", "资金总额", "", "", "财政拨款", "", "其他资金", ""],
        ["", "1,054.21", "", "", "1,054.21", "", "", ""],
        ["年度绩效指标", "一级指标", "二级指标", "三级指标", "绩效指标性质", "绩效指标值", "绩效度量单位", "权重"],
        ["", "产出指标", "数量指标", "城乡居民参保人数", "≥", "50", "万人", "10"],
        ["", "", "", "检查覆盖面", "=", "100", "%", "10"],
        ["", "", "质量指标", "医保报销质量", "定性", "严格按政策文件执行", "", "10"],
    ]

    targets = targets_of(("部门整体支出绩效目标表", form))

    assert set(targets["target_scope"]) == {"department"}
    assert targets["project_name"].null_count() == targets.height
    assert set(targets["amount_wan"]) == {Decimal("1054.21")}
    assert targets.select(["indicator_level2", "indicator_name", "comparator", "target_number"]).rows() == [
        ("数量指标", "城乡居民参保人数", "≥", 50.0),
        ("数量指标", "检查覆盖面", "=", 100.0),
        ("质量指标", "医保报销质量", None, None),
    ]


def test_an_indicator_read_by_ocr_says_so() -> None:
    raw = raw_table(LISTED, title="部门预算项目支出绩效目标表")
    scanned = replace(raw.rows[-1], ocr=(OcrCell("农业技术推广", 0.97, (0.0, 0.0, 10.0, 10.0)),))
    raw = replace(raw, rows=(*raw.rows[:-1], scanned))

    targets = performance_targets(classify_tables([raw], CONTEXT.fiscal_year), CONTEXT).targets

    assert targets["source_format"].to_list() == [None, None, None, "ocr"]


def test_the_factorys_targets_load_as_it_printed_them(extract: Callable[[bytes], ExtractedDocument]) -> None:
    spec = DisclosureSpec(performance_targets=DEFAULT_PERFORMANCE_TARGETS)

    targets = normalize_document(extract(build_disclosure(spec).pdf)).targets

    printed = [
        (t.project, t.budget, t.level1, t.level2, t.indicator, t.comparator, t.value, t.unit or None, t.weight)
        for t in spec.performance_targets
    ]
    read = targets.select(*COLUMNS, "comparator", "target_value", "target_unit", "weight").rows()
    assert [(*row[:5], row[5] or "定性", *row[6:8], int(row[8])) for row in read] == printed
    assert set(targets["unit_name"]) == {f"{spec.department_code}001-{spec.department_name}"}


def test_targets_are_no_budget_facts() -> None:
    tables = classify_tables([raw_table(LISTED, title="部门预算项目支出绩效目标表")], CONTEXT.fiscal_year)

    assert budget_facts(tables, CONTEXT).facts.height == 0
    assert performance_targets(tables, CONTEXT).targets.height == 4


def test_a_target_table_whose_indicator_headings_are_not_understood_says_so() -> None:
    rows = [["项目", "考核维度", "考核要点", "目标"], ["耕地保护补助", "产出", "补助面积", "≥5000亩"]]
    tables = classify_tables([raw_table(rows, title="项目支出绩效目标表")], CONTEXT.fiscal_year)

    read = performance_targets(tables, CONTEXT)

    assert read.targets.height == 0
    ((kind, page, message),) = [(i.kind, i.page, i.message) for i in read.issues]
    assert kind == "unread_targets" and page == 1
    assert "项目支出绩效目标表 (page 1)" in message and "[performance.columns]" in message


def test_every_target_table_read_raises_no_issue() -> None:
    assert performance_targets(classify_tables([raw_table(LISTED, title="绩效目标表")], 2025), CONTEXT).issues == []


def test_a_table_of_other_kind_gives_no_targets() -> None:
    assert (
        targets_of(("一般公共预算支出表", [["科目编码", "科目名称", "金额"], ["2010101", "行政运行", "1.00"]])).height
        == 0
    )


def _disclosure(department: str, year: str = "2025年") -> bytes:
    return (
        DisclosurePdf()
        .page()
        .line(f"{department}{year}部门预算")
        .line("一般公共预算支出表")
        .line(f"部门：{department} 单位：万元")
        .table(wide_grid([["科目编码", "科目名称", "金额"], ["2130101", "行政运行", "150.50"]], 40))
        .page(orientation="L")
        .line("部门预算项目支出绩效目标表")
        .line("单位：万元")
        .table(wide_grid([LISTED[0], ["本级", *LISTED[1][1:]], *LISTED[2:]], 60))
        .bytes()
    )


TARGET_ROWS = """SELECT d.file_name, t.project_name, t.amount_wan, t.indicator_name, t.target_number, t.page
                 FROM fct_performance_target t JOIN dim_document d USING (document_id) ORDER BY ALL"""


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., list[tuple]]:
    """Ingest a folder and return the warehouse's target rows."""

    def run(inbox: Path, *extra: str) -> list[tuple]:
        warehouse = inbox.parent / "w.duckdb"
        main(["ingest", str(inbox), "--warehouse", str(warehouse), *extra])
        with read_only(warehouse) as con:
            return con.execute(TARGET_ROWS).fetchall()

    return run


def test_a_pdfs_targets_load_beside_its_facts_and_a_rerun_changes_nothing(
    tmp_path: Path, ingested: Callable[..., list[tuple]], capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "nongye.pdf").write_bytes(_disclosure("苍溪县农业农村局"))

    first = ingested(inbox)

    assert [row[1:] for row in first] == [
        ("农业技术推广", Decimal("30.00"), "技术推广覆盖面", None, 2),
        ("耕地保护补助", Decimal("120.50"), "农户满意度", 90.0, 2),
        ("耕地保护补助", Decimal("120.50"), "补助面积", 5000.0, 2),
        ("耕地保护补助", Decimal("120.50"), "资金拨付及时率", 100.0, 2),
    ]
    assert "facts: 1  performance targets: 4" in capsys.readouterr().out
    assert ingested(inbox) == first
    assert ingested(inbox, "--force") == first
    with read_only(inbox.parent / "w.duckdb") as con:
        (document_id,) = con.execute("SELECT document_id FROM dim_document").fetchone()
        page = render_document(con, document_id) or ""
    (row,) = [row for row in page.split("<tr>") if row.startswith("<td>performance_targets<")]
    assert row.split("</tr>")[0].endswith('<td class="n">4</td>')  # its data-quality page counts them


def test_a_rejected_document_loads_no_targets(tmp_path: Path, ingested: Callable[..., list[tuple]]) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "no_year.pdf").write_bytes(_disclosure("苍溪县农业农村局", year=""))

    assert ingested(inbox) == []
    with read_only(tmp_path / "w.duckdb") as con:
        assert con.execute("SELECT status FROM dim_document").fetchall() != [("loaded",)]


@pytest.mark.parametrize("sample", [CORPUS / "cangxi_2025_ybj.pdf", GUIYANG_SEED], ids=["cangxi-pdf", "guiyang-text"])
def test_the_samples_targets_each_come_from_their_own_row(sample: Path) -> None:
    targets = normalize_document(extract_document(sample)).targets

    assert targets.height > 30
    assert targets.select("table_index", "source_position").is_duplicated().sum() == 0
    assert targets["indicator_name"].null_count() == 0
