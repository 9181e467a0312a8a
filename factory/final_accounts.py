"""Final accounts (部门决算) printed by the factory: what a department spent in a year, beside what
it budgeted, in the table family every province publishes.

One spec gives every figure: each 项's budget at the start of the year, its adjusted budget and
what was spent (basic | project); the carry-overs at either end of the year; a government fund
item; the "三公" budget and spending. The tables are printed from it, so every row, column and
balance closes, unless a plant alters one printed figure on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from factory.disclosures import (
    DEFAULT_FUNCTION_ITEMS,
    FUNCTION_CLASSES,
    SUBJECT_NAMES,
    ZERO,
    FunctionItem,
    money,
    table_amount,
)
from factory.pdf import DisclosurePdf, Grid

FinalPlant = Literal["final_amount", "carry_over"]
FINAL_PLANTS: tuple[FinalPlant, ...] = ("final_amount", "carry_over")
_PLANTED_BY = Decimal("10.00")
_CLASS_NAMES = dict(FUNCTION_CLASSES)
_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class FundItem:
    """A government fund 项 of a final account: carried in, received, spent and carried out."""

    code: str = "2120803"
    name: str = "城市基础设施配套费安排的支出"
    opening: Decimal = Decimal("12.00")
    income: Decimal = Decimal("80.00")
    basic: Decimal = ZERO
    project: Decimal = Decimal("75.50")

    @property
    def spent(self) -> Decimal:
        return self.basic + self.project

    @property
    def closing(self) -> Decimal:
        return self.opening + self.income - self.spent


@dataclass(frozen=True)
class FinalAccountSpec:
    """What one department spent in `fiscal_year`; `items` hold the year's final spending."""

    department_name: str = "旺苍县教育局"
    fiscal_year: int = 2024
    items: tuple[FunctionItem, ...] = DEFAULT_FUNCTION_ITEMS
    # The budget passed at the start of the year and the adjusted one, as shares of what was spent.
    initial_share: Decimal = Decimal("0.96")
    adjusted_share: Decimal = Decimal("1.02")
    # 年初结转和结余 and 年末结转和结余 of the general budget appropriation.
    opening: Decimal = Decimal("56.20")
    closing: Decimal = Decimal("31.45")
    fund: FundItem = field(default_factory=FundItem)
    # "三公" items: (name, budget, final).
    three_public: tuple[tuple[str, Decimal, Decimal], ...] = (
        ("因公出国(境)费", ZERO, ZERO),
        ("公务用车购置及运行费", Decimal("12.00"), Decimal("10.85")),
        ("公务接待费", Decimal("3.00"), Decimal("1.20")),
    )
    # Print 年初预算数 | 调整预算数 | 决算数 in the 一般公共预算财政拨款支出决算表 (some provinces do).
    prints_budget_columns: bool = True
    subject_names: tuple[tuple[str, str], ...] = (("21208", "国有土地使用权出让收入安排的支出"),)

    def initial_budget(self, item: FunctionItem) -> Decimal:
        return money((item.total * self.initial_share).quantize(Decimal("0.01")))

    def adjusted_budget(self, item: FunctionItem) -> Decimal:
        return money((item.total * self.adjusted_share).quantize(Decimal("0.01")))

    def name_of(self, code: str) -> str:
        items = {item.code: item.name for item in self.items} | {self.fund.code: self.fund.name}
        return items.get(code) or dict(self.subject_names).get(code) or SUBJECT_NAMES.get(code) or _CLASS_NAMES[code]


@dataclass(frozen=True)
class ExpectedFact:
    """One coded amount the final account prints: what the pipeline must read from it."""

    table_type: str
    subject_code: str
    measure: str
    amount_wan: Decimal


@dataclass(frozen=True)
class FinalAccount:
    spec: FinalAccountSpec
    pdf: bytes
    facts: tuple[ExpectedFact, ...]
    plant: FinalPlant | None = None


def _levels(items: Sequence[FunctionItem], amounts) -> list[tuple[str, tuple[Decimal, ...]]]:
    """(code, amounts) for every 类, 款 and 项 the items fall under, parents first, summed up."""
    rows: dict[str, list[Decimal]] = {}
    for item in items:
        values = amounts(item)
        for code in (item.code[:3], item.code[:5], item.code):
            sums = rows.setdefault(code, [ZERO] * len(values))
            rows[code] = [a + b for a, b in zip(sums, values, strict=True)]
    return [(code, tuple(values)) for code, values in rows.items()]


def _split_code(code: str) -> list[str]:
    return [code[:3], code[3:5], code[5:7]]


class _Printer:
    def __init__(self, spec: FinalAccountSpec) -> None:
        self.spec = spec
        self.pdf = DisclosurePdf(title=f"{spec.department_name}{spec.fiscal_year}年度部门决算")
        self.facts: list[ExpectedFact] = []

    def cover(self) -> None:
        self.pdf.page()
        self.pdf.line(self.spec.department_name, size=18)
        self.pdf.line(f"{self.spec.fiscal_year}年度部门决算", size=18)

    def table(self, title: str, grid: Grid) -> None:
        self.pdf.page(orientation="L")
        self.pdf.line(title, size=14)
        self.pdf.line(f"编制部门：{self.spec.department_name}        单位：万元")
        self.pdf.table(grid)

    def coded_table(
        self, title: str, table_type: str, headings: Sequence[str], measures: Sequence[str], amounts, altered=None
    ) -> None:
        """A table by function code in 类 | 款 | 项 columns under a 合计 row, one column per measure."""
        levels = _levels(self.spec.items, amounts)
        totals = [sum((values[i] for code, values in levels if len(code) == 3), ZERO) for i in range(len(measures))]
        rows: list[list[str | None]] = [
            ["项目", None, None, None, *headings],
            ["支出功能分类科目编码", None, None, "科目名称", *([""] * len(headings))],
            ["类", "款", "项", "", *([""] * len(headings))],
            ["", "", "", "合计", *(table_amount(t) for t in totals)],
        ]
        for code, values in levels:
            printed = list(values)
            if altered and code == altered[0]:
                printed[altered[1]] += _PLANTED_BY
            rows.append([*_split_code(code), self.spec.name_of(code), *(table_amount(v) for v in printed)])
            self.facts.extend(
                ExpectedFact(table_type, code, measure, value) for measure, value in zip(measures, printed, strict=True)
            )
        spans = {(0, 0): (1, 4), (1, 0): (1, 3)}
        self.table(title, Grid(rows, [14, 14, 14, 70, *([32] * len(headings))], spans))

    def summary(self) -> None:
        spec = self.spec
        spent = sum((item.total for item in spec.items), ZERO)
        income = spent + spec.closing - spec.opening
        fund = spec.fund
        classes = [(code, values[0]) for code, values in _levels(spec.items, lambda i: (i.total,)) if len(code) == 3]
        left: list[tuple[str, Decimal | None]] = [
            ("一、一般公共预算财政拨款收入", income),
            ("二、政府性基金预算财政拨款收入", fund.income),
            ("本年收入合计", income + fund.income),
            ("年初结转和结余", spec.opening + fund.opening),
            ("总计", income + fund.income + spec.opening + fund.opening),
        ]
        classes.append((fund.code[:3], fund.spent))
        right = [(f"{_NUMERALS[i]}、{spec.name_of(code)}", value) for i, (code, value) in enumerate(classes)]
        right += [
            ("本年支出合计", spent + fund.spent),
            ("年末结转和结余", spec.closing + fund.closing),
            ("总计", spent + fund.spent + spec.closing + fund.closing),
        ]
        padding: list[tuple[str, Decimal | None]] = [("", None)] * (len(right) - len(left))
        left = [*left[:3], *padding, *left[3:]]
        rows: list[list[str | None]] = [["收入", None, "支出", None], ["项目", "决算数", "项目", "决算数"]]
        for (a, x), (b, y) in zip(left, right, strict=True):
            rows.append([a, "" if x is None else table_amount(x), b, table_amount(y)])
        self.table("收入支出决算总表", Grid(rows, [80, 35, 80, 35], {(0, 0): (1, 2), (0, 2): (1, 2)}))

    def fund_table(self, plant: FinalPlant | None) -> None:
        fund = self.spec.fund
        closing = fund.closing + (_PLANTED_BY if plant == "carry_over" else ZERO)
        values = [fund.opening, fund.income, fund.spent, fund.basic, fund.project, closing]
        rows: list[list[str | None]] = [
            ["项目", None, None, None, "年初结转和结余", "本年收入", "本年支出", None, None, "年末结转和结余"],
            ["支出功能分类科目编码", None, None, "科目名称", "", "", "小计", "基本支出", "项目支出", ""],
            ["类", "款", "项", "", "", "", "", "", "", ""],
        ]
        for code in (fund.code[:3], fund.code[:5], fund.code):
            rows.append([*_split_code(code), self.spec.name_of(code), *(table_amount(v) if v else "" for v in values)])
        spans = {(0, 0): (1, 4), (1, 0): (1, 3), (0, 6): (1, 3), (0, 4): (2, 1), (0, 5): (2, 1), (0, 9): (2, 1)}
        self.table("政府性基金预算财政拨款收入支出决算表", Grid(rows, [12, 12, 12, 60, 28, 24, 24, 24, 24, 28], spans))

    def three_public(self) -> None:
        items = self.spec.three_public
        budget = sum((b for _, b, _ in items), ZERO)
        final = sum((f for _, _, f in items), ZERO)
        header: list[str | None] = ["合计", None]
        for name, _, _ in items:
            header += [name, None]
        figures: list[str | None] = [table_amount(budget), table_amount(final)]
        for _, b, f in items:
            figures += [table_amount(b), table_amount(f)]
        rows: list[list[str | None]] = [header, ["预算数", "决算数"] * (len(items) + 1), figures]
        spans = {(0, 2 * i): (1, 2) for i in range(len(items) + 1)}
        self.table('财政拨款"三公"经费支出决算表', Grid(rows, [22] * (2 * len(items) + 2), spans))


def _spending(total_heading: str) -> tuple[list[str], list[str], Callable[[FunctionItem], tuple[Decimal, ...]]]:
    """The columns of a table of what was spent: its total under `total_heading`, basic, project."""
    return [total_heading, "基本支出", "项目支出"], ["total", "basic", "project"], _spent


def _spent(item: FunctionItem) -> tuple[Decimal, ...]:
    return item.total, item.basic, item.project


def build_final_account(spec: FinalAccountSpec | None = None, plant: FinalPlant | None = None) -> FinalAccount:
    """The spec's final account as a PDF, with the coded facts it prints; `plant` alters one figure:
    a 项's spending total (`final_amount`, so its row, parents and 合计 no longer add up) or the
    government fund's year-end carry-over (`carry_over`, so the fund row no longer balances)."""
    spec = spec or FinalAccountSpec()
    printer = _Printer(spec)
    printer.cover()
    printer.summary()
    altered = (spec.items[0].code, 0) if plant == "final_amount" else None
    printer.coded_table("支出决算表", "expenditure_summary", *_spending("本年支出合计"), altered)
    budget_columns = (
        (
            ["年初预算数", "调整预算数", "决算数"],
            ["initial_budget", "adjusted_budget", "final"],
            lambda item: (spec.initial_budget(item), spec.adjusted_budget(item), item.total),
        )
        if spec.prints_budget_columns
        else _spending("合计")
    )
    printer.coded_table("一般公共预算财政拨款支出决算表", "general_budget_expenditure", *budget_columns)
    printer.fund_table(plant)
    printer.three_public()
    return FinalAccount(spec, printer.pdf.bytes(), tuple(printer.facts), plant)
