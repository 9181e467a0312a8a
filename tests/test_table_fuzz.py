"""Tables put together at random from headings, labels and cells that real layouts print (and a few
no budget prints) never stop a document's normalization or its checks: whatever a cell holds, it
becomes a fact, an issue or nothing. A seeded run, so a failure is repeated by its seed."""

import random

import pytest

from expectations.consistency import consistency_findings
from tests.tables import raw_table
from transforms.facts import DocumentContext, budget_facts
from transforms.tables import classify_tables
from transforms.targets import performance_targets

CONTEXT = DocumentContext("doc", 2025, "1", "苍溪县农业农村局", "510824")
# The consistency rules cost ten times what reading a table does: every fifth table set is checked.
CHECKED_EVERY = 5
TITLES = [
    "一般公共预算支出表",
    "部门收支总表",
    "收入支出决算总表",
    "一般公共预算基本支出表",
    '"三公"经费支出预算表',
    "项目支出绩效目标表",
    "部门整体支出绩效目标表",
    "政府采购预算表",
    "财政拨款收支总表",
    "支出决算表",
    None,
]
HEADINGS = [
    *("科目编码", "科目名称", "合计", "基本支出", "项目支出", "类", "款", "项", "项目", "金额", "预算数"),
    *("决算数", "行次", "栏次", "一级指标", "二级指标", "三级指标", "指标值", "项目名称", "资金总额"),
    *("资金总额(元)", "收入", "支出", "本年收入", "合计：", "小计", "其中：", "单位：万元", "%", "占比"),
    *("年初预算数", "年末结转和结余"),
]
CELLS = [
    *("", "", "", "2010101", "201", "01", "20101", "30101", "1,054.21", "0.00", "-", "(1.00)", "+0.50"),
    *("9" * 40, "9" * 13, "9,999,999,999,999.00", "-" + "9" * 15, "1e5", "NaN", "∞", "١٢٣", "１２３"),
    *("合计", "总计", "本页合计", "一、一般公共服务支出", "行政运行", "≥100%", "定性", "栏次", "1", "2"),
    *("续表", "1,2,3", "12.3.4", "\x00", "a" * 500, "（2010101）行政运行", "201-01-01", "收入总计："),
    *("支出合计(万元)", "元", "万元", "亿元", "999,999,999,999,999.99", "12.50万元", "￥1,200.00"),
]
UNITS = ["万元", "元", None, "千元", "亿元"]


def _random_tables(rng: random.Random) -> list:
    width = rng.randint(1, 9)
    rows = [
        [rng.choice(HEADINGS if r < 2 and rng.random() < 0.7 else CELLS) for _ in range(width)]
        for r in range(rng.randint(1, 12))
    ]
    unit = rng.choice(UNITS)
    tables = [raw_table(rows, title=rng.choice(TITLES), unit=unit, after_table=rng.random() < 0.3)]
    if rng.random() < 0.3:
        more = [[rng.choice(CELLS) for _ in range(width)] for _ in range(3)]
        tables.append(raw_table(more, title=rng.choice(TITLES), unit=unit, after_table=True, page=2))
    return tables


@pytest.mark.parametrize("seed", range(4))
def test_no_table_stops_normalization(seed: int) -> None:
    rng = random.Random(seed)
    for run in range(1500):
        tables = classify_tables(_random_tables(rng), CONTEXT.fiscal_year)
        read = budget_facts(tables, CONTEXT)
        assert read.facts["amount_wan"].abs().max() is None or read.facts["amount_wan"].abs().max() < 10**16
        performance_targets(tables, CONTEXT)
        if run % CHECKED_EVERY == 0:
            consistency_findings(read.facts, "")
