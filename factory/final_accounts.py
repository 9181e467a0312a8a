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
from factory.pdf import DisclosurePdf, Grid, Ruling

FinalPlant = Literal["final_amount", "carry_over"]
FINAL_PLANTS: tuple[FinalPlant, ...] = ("final_amount", "carry_over")
# "county": 四川's county print (codes in 类 | 款 | 项, 编制部门). "national": the national template
# (公开01-09表) as 江苏 and most provinces print it: one code column, 行次 columns, a 栏次 row
# numbering the columns, and a "三公" table with 预算数 | 决算数 over the items.
Template = Literal["county", "national"]
TEMPLATES: tuple[Template, ...] = ("county", "national")
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
    template: Template = "county"
    # How the tables are ruled (factory.pdf.Ruling): every line, row lines only, or none.
    ruling: Ruling = "grid"

    @property
    def spent(self) -> Decimal:
        """The year's general budget spending, every item."""
        return sum((item.total for item in self.items), ZERO)

    @property
    def appropriation(self) -> Decimal:
        """The year's general budget appropriation: what was spent and carried out, less what came in."""
        return self.spent + self.closing - self.opening

    def class_totals(self) -> list[tuple[str, Decimal]]:
        """(类 code, spent) of every class the items fall under."""
        return [(code, values[0]) for code, values in _levels(self.items, lambda i: (i.total,)) if len(code) == 3]

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
class ExpectedItem:
    """One "三公" amount: an item's (or, with item None, all items') budget or final spending."""

    item: str | None
    measure: str
    amount_wan: Decimal


@dataclass(frozen=True)
class FinalAccount:
    spec: FinalAccountSpec
    pdf: bytes
    facts: tuple[ExpectedFact, ...]
    plant: FinalPlant | None = None
    items: tuple[ExpectedItem, ...] = ()


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
        self.national = spec.template == "national"
        self.pdf = DisclosurePdf(title=f"{spec.department_name}{spec.fiscal_year}年度部门决算", ruling=spec.ruling)
        self.facts: list[ExpectedFact] = []
        self.items: list[ExpectedItem] = []

    def cover(self) -> None:
        self.pdf.page()
        self.pdf.line(self.spec.department_name, size=18)
        self.pdf.line(f"{self.spec.fiscal_year}年度部门决算", size=18)

    def table(self, title: str, grid: Grid, number: int) -> None:
        self.pdf.page(orientation="L")
        self.pdf.line(title, size=14)
        if self.national:
            self.pdf.line(f"公开{number:02d}表")
            self.pdf.line(f"部门：{self.spec.department_name}        金额单位：万元")
        else:
            self.pdf.line(f"编制部门：{self.spec.department_name}        单位：万元")
        self.pdf.table(grid)

    def coded_table(
        self,
        title: str,
        number: int,
        table_type: str,
        columns: tuple[list[str], list[str], Callable[[FunctionItem], tuple[Decimal, ...]]],
        altered: tuple[str, int] | None = None,
        group: str | None = None,
        blank_headings: Sequence[str] = (),
    ) -> None:
        """A table by function code under a 合计 row, one column per measure: the code in 类 | 款 | 项
        columns (county) or in one (national, under `group` if given, blank columns after)."""
        headings, measures, amounts = columns
        levels = _levels(self.spec.items, amounts)
        totals = [sum((values[i] for code, values in levels if len(code) == 3), ZERO) for i in range(len(measures))]
        blanks = [""] * len(blank_headings)
        rows: list[list[str | None]]
        if self.national:
            header, spans, widths = self._national_header(headings, blank_headings, group)
            rows = [*header, ["", "合计", *(table_amount(t) for t in totals), *blanks]]
        else:
            rows = [
                ["项目", None, None, None, *headings],
                ["支出功能分类科目编码", None, None, "科目名称", *([""] * len(headings))],
                ["类", "款", "项", "", *([""] * len(headings))],
                ["", "", "", "合计", *(table_amount(t) for t in totals)],
            ]
            spans, widths = {(0, 0): (1, 4), (1, 0): (1, 3)}, [14, 14, 14, 70, *([32] * len(headings))]
        for code, values in levels:
            printed = list(values)
            if altered and code == altered[0]:
                printed[altered[1]] += _PLANTED_BY
            code_cells = [code] if self.national else _split_code(code)
            rows.append([*code_cells, self.spec.name_of(code), *(table_amount(v) for v in printed), *blanks])
            self.facts.extend(
                ExpectedFact(table_type, code, measure, value) for measure, value in zip(measures, printed, strict=True)
            )
        self.table(title, Grid(rows, widths, spans, heights={1: 11} if self.national else {}), number)

    @staticmethod
    def _national_header(
        headings: Sequence[str], blank_headings: Sequence[str], group: str | None
    ) -> tuple[list[list[str | None]], dict[tuple[int, int], tuple[int, int]], list[float]]:
        """项目 over 支出功能分类科目编码 | 科目名称, the headings (under their group, or each over two
        rows), and the 栏次 row numbering the amount columns."""
        printed = [*headings, *blank_headings]
        spans: dict[tuple[int, int], tuple[int, int]] = {(0, 0): (1, 2)}
        if group:
            top: list[str | None] = [group, *([None] * (len(headings) - 1)), *blank_headings]
            second: list[str | None] = [*headings, *([None] * len(blank_headings))]
            spans[(0, 2)] = (1, len(headings))
            spans |= {(0, 2 + len(headings) + i): (2, 1) for i in range(len(blank_headings))}
        else:
            top, second = list(printed), [None] * len(printed)
            spans |= {(0, 2 + i): (2, 1) for i in range(len(printed))}
        rows: list[list[str | None]] = [
            ["项目", None, *top],
            ["支出功能分类\n科目编码", "科目名称", *second],
            ["栏次", "", *(str(i + 1) for i in range(len(printed)))],
        ]
        return rows, spans, [30, 70, *([26] * len(printed))]

    def summary(self) -> None:
        spec, fund = self.spec, self.spec.fund
        spent, income = spec.spent, spec.appropriation
        left: list[tuple[str, Sequence[Decimal | None]]] = [
            ("一、一般公共预算财政拨款收入", (income,)),
            ("二、政府性基金预算财政拨款收入", (fund.income,)),
            ("本年收入合计", (income + fund.income,)),
            ("年初结转和结余", (spec.opening + fund.opening,)),
            ("总计", (income + fund.income + spec.opening + fund.opening,)),
        ]
        classes = [*spec.class_totals(), (fund.code[:3], fund.spent)]
        right: list[tuple[str, Sequence[Decimal | None]]] = [
            (f"{_NUMERALS[i]}、{spec.name_of(code)}", (value,)) for i, (code, value) in enumerate(classes)
        ]
        right += [
            ("本年支出合计", (spent + fund.spent,)),
            ("年末结转和结余", (spec.closing + fund.closing,)),
            ("总计", (spent + fund.spent + spec.closing + fund.closing,)),
        ]
        padding: list[tuple[str, Sequence[Decimal | None]]] = [("", (None,))] * (len(right) - len(left))
        left = [*left[:3], *padding, *left[3:]]
        if self.national:
            rows: list[list[str | None]] = [
                ["收入", None, None, "支出", None, None],
                ["项目", "行次", "金额", "项目", "行次", "金额"],
                ["栏次", "", "1", "栏次", "", "2"],
            ]
            grid = Grid(
                rows + _side_rows(left, right, True), [70, 14, 32, 70, 14, 32], {(0, 0): (1, 3), (0, 3): (1, 3)}
            )
        else:
            rows = [["收入", None, "支出", None], ["项目", "决算数", "项目", "决算数"]]
            grid = Grid(rows + _side_rows(left, right, False), [80, 35, 80, 35], {(0, 0): (1, 2), (0, 2): (1, 2)})
        self.table("收入支出决算总表", grid, 1)

    def fiscal_summary(self) -> None:
        """财政拨款收入支出决算总表 (公开04表): the appropriations received beside what each class spent of
        them, by fund, with 行次 on either side and a 栏次 row."""
        spec, fund = self.spec, self.spec.fund
        spent, income = spec.spent, spec.appropriation
        by_class = [(code, value, ZERO) for code, value in spec.class_totals()]
        by_class.append((fund.code[:3], ZERO, fund.spent))
        left: list[tuple[str, Sequence[Decimal | None]]] = [
            ("一、一般公共预算财政拨款", (income,)),
            ("二、政府性基金预算财政拨款", (fund.income,)),
            ("三、国有资本经营预算财政拨款", (None,)),
        ]
        right: list[tuple[str, Sequence[Decimal | None]]] = []
        for i, (code, general, government) in enumerate(by_class):
            right.append(
                (
                    f"{_NUMERALS[i]}、{spec.name_of(code)}",
                    (general + government, general or None, government or None, None),
                )
            )
            printed = [("total", general + government), ("general_budget", general), ("government_fund", government)]
            self.facts += [ExpectedFact("fiscal_appropriation_summary", code, m, v) for m, v in printed if v]
        left += [("", (None,))] * (len(right) - len(left))
        left += [
            ("本年收入合计", (income + fund.income,)),
            ("年初财政拨款结转和结余", (spec.opening + fund.opening,)),
            ("  一般公共预算财政拨款", (spec.opening,)),
            ("  政府性基金预算财政拨款", (fund.opening,)),
            ("总计", (income + fund.income + spec.opening + fund.opening,)),
        ]
        blank: tuple[Decimal | None, ...] = (None, None, None, None)
        right += [
            ("本年支出合计", (spent + fund.spent, spent, fund.spent, None)),
            ("年末财政拨款结转和结余", (spec.closing + fund.closing, spec.closing, fund.closing, None)),
            ("", blank),
            ("", blank),
            (
                "总计",
                (
                    spent + fund.spent + spec.closing + fund.closing,
                    spent + spec.closing,
                    fund.spent + fund.closing,
                    None,
                ),
            ),
        ]
        headings = ["合计", "一般公共预算\n财政拨款", "政府性基金预算\n财政拨款", "国有资本经营\n预算财政拨款"]
        rows: list[list[str | None]] = [
            ["收入", None, None, "支出", None, None, None, None, None],
            ["项目", "行次", "金额", "项目", "行次", *headings],
            ["栏次", "", "1", "栏次", "", "2", "3", "4", "5"],
        ]
        widths: list[float] = [56, 12, 26, 56, 12, 26, 30, 30, 30]
        grid = Grid(rows + _side_rows(left, right, True), widths, {(0, 0): (1, 3), (0, 3): (1, 6)}, heights={1: 11})
        self.table("财政拨款收入支出决算总表", grid, 4)

    def fund_table(self, plant: FinalPlant | None) -> None:
        fund = self.spec.fund
        closing = fund.closing + (_PLANTED_BY if plant == "carry_over" else ZERO)
        values = [fund.opening, fund.income, fund.spent, fund.basic, fund.project, closing]
        codes = (fund.code[:3], fund.code[:5], fund.code)
        spent_group = ["小计", "基本支出", "项目支出"]
        if self.national:
            rows: list[list[str | None]] = [
                ["项目", None, "年初结转和结余", "本年收入", "本年支出", None, None, "年末结转和结余"],
                ["支出功能分类\n科目编码", "科目名称", None, None, *spent_group, None],
                ["栏次", "", *(str(i) for i in range(1, 7))],
            ]
            for code in codes:
                rows.append([code, self.spec.name_of(code), *(table_amount(v) if v else "" for v in values)])
            spans = {(0, 0): (1, 2), (0, 4): (1, 3), (0, 2): (2, 1), (0, 3): (2, 1), (0, 7): (2, 1)}
            grid = Grid(rows, [30, 60, 28, 24, 24, 24, 24, 28], spans, heights={1: 11})
        else:
            rows = [
                ["项目", None, None, None, "年初结转和结余", "本年收入", "本年支出", None, None, "年末结转和结余"],
                ["支出功能分类科目编码", None, None, "科目名称", None, None, *spent_group, None],
                ["类", "款", "项", "", "", "", "", "", "", ""],
            ]
            for code in codes:
                rows.append(
                    [*_split_code(code), self.spec.name_of(code), *(table_amount(v) if v else "" for v in values)]
                )
            spans = {(0, 0): (1, 4), (1, 0): (1, 3), (0, 6): (1, 3), (0, 4): (2, 1), (0, 5): (2, 1), (0, 9): (2, 1)}
            grid = Grid(rows, [12, 12, 12, 60, 28, 24, 24, 24, 24, 28], spans)
        self.table("政府性基金预算财政拨款收入支出决算表", grid, 8)

    def three_public(self) -> None:
        items = self.spec.three_public
        budget = sum((b for _, b, _ in items), ZERO)
        final = sum((f for _, _, f in items), ZERO)
        self.items += [ExpectedItem(None, "total", budget), ExpectedItem(None, "final", final)]
        for name, b, f in items:
            self.items += [ExpectedItem(name, "total", b), ExpectedItem(name, "final", f)]
        if self.national:
            self._national_three_public(budget, final)
            return
        header: list[str | None] = ["合计", None]
        for name, _, _ in items:
            header += [name, None]
        figures: list[str | None] = [table_amount(budget), table_amount(final)]
        for _, b, f in items:
            figures += [table_amount(b), table_amount(f)]
        rows: list[list[str | None]] = [header, ["预算数", "决算数"] * (len(items) + 1), figures]
        spans = {(0, 2 * i): (1, 2) for i in range(len(items) + 1)}
        self.table('财政拨款"三公"经费支出决算表', Grid(rows, [22] * (2 * len(items) + 2), spans), 7)

    def _national_three_public(self, budget: Decimal, final: Decimal) -> None:
        """预算数 | 决算数 over 合计 and the items, and a row of bare column numbers (1 | 2 | ... | n)."""
        items = self.spec.three_public
        width = len(items) + 1
        names: list[str | None] = ["合计", *(_wrapped(name) for name, _, _ in items)]
        budgets = [table_amount(budget), *(table_amount(b) for _, b, _ in items)]
        finals = [table_amount(final), *(table_amount(f) for _, _, f in items)]
        rows: list[list[str | None]] = [
            ["预算数", *([None] * (width - 1)), "决算数", *([None] * (width - 1))],
            [*names, *names],
            [str(i + 1) for i in range(2 * width)],
            [*budgets, *finals],
        ]
        spans = {(0, 0): (1, width), (0, width): (1, width)}
        self.table(
            '一般公共预算财政拨款"三公"经费支出决算表', Grid(rows, [30] * (2 * width), spans, heights={1: 11}), 7
        )


def _side_rows(
    left: Sequence[tuple[str, Sequence[Decimal | None]]],
    right: Sequence[tuple[str, Sequence[Decimal | None]]],
    numbered: bool,
) -> list[list[str | None]]:
    """The rows of a two-sided summary, income beside spending, each side a label and its amounts
    (blank for None); `numbered` puts a 行次 after each label, numbering the left side, then the right."""

    def side(label: str, amounts: Sequence[Decimal | None], number: int) -> list[str | None]:
        return [label, *([str(number)] if numbered else []), *("" if a is None else table_amount(a) for a in amounts)]

    return [
        [*side(a, x, line + 1), *side(b, y, len(left) + line + 1)]
        for line, ((a, x), (b, y)) in enumerate(zip(left, right, strict=True))
    ]


def _wrapped(heading: str, per_line: int = 6) -> str:
    """A heading broken over lines as a narrow cell wraps it."""
    return "\n".join(heading[i : i + per_line] for i in range(0, len(heading), per_line))


def _spending(total_heading: str) -> tuple[list[str], list[str], Callable[[FunctionItem], tuple[Decimal, ...]]]:
    """The columns of a table of what was spent: its total under `total_heading`, basic, project."""
    return [total_heading, "基本支出", "项目支出"], ["total", "basic", "project"], _spent


def _spent(item: FunctionItem) -> tuple[Decimal, ...]:
    return item.total, item.basic, item.project


# What a unit of the national template's 支出决算表 pays beside 基本支出 and 项目支出 (a department
# with no business activities prints them blank).
_OTHER_SPENDING = ("上缴上级支出", "经营支出", "对附属单位\n补助支出")


def build_final_account(spec: FinalAccountSpec | None = None, plant: FinalPlant | None = None) -> FinalAccount:
    """The spec's final account as a PDF, with the coded facts it prints; `plant` alters one figure:
    a 项's spending total (`final_amount`, so its row, parents and 合计 no longer add up) or the
    government fund's year-end carry-over (`carry_over`, so the fund row no longer balances)."""
    spec = spec or FinalAccountSpec()
    printer = _Printer(spec)
    printer.cover()
    printer.summary()
    altered = (spec.items[0].code, 0) if plant == "final_amount" else None
    others = _OTHER_SPENDING if printer.national else ()
    printer.coded_table(
        "支出决算表", 3, "expenditure_summary", _spending("本年支出合计"), altered, blank_headings=others
    )
    if printer.national:
        printer.fiscal_summary()
    if spec.prints_budget_columns:
        budget_columns = (
            ["年初预算数", "调整预算数", "决算数"],
            ["initial_budget", "adjusted_budget", "final"],
            lambda item: (spec.initial_budget(item), spec.adjusted_budget(item), item.total),
        )
        printer.coded_table("一般公共预算财政拨款支出决算表", 5, "general_budget_expenditure", budget_columns)
    elif printer.national:
        spending = (["小计", "基本支出", "项目支出"], ["total", "basic", "project"], _spent)
        printer.coded_table(
            "一般公共预算财政拨款支出决算表", 5, "general_budget_expenditure", spending, group="本年支出"
        )
    else:
        printer.coded_table("一般公共预算财政拨款支出决算表", 5, "general_budget_expenditure", _spending("合计"))
    # The national template numbers the "三公" table 07 and the fund's 08; the county prints the fund's first.
    if printer.national:
        printer.three_public()
        printer.fund_table(plant)
    else:
        printer.fund_table(plant)
        printer.three_public()
    return FinalAccount(spec, printer.pdf.bytes(), tuple(printer.facts), plant, tuple(printer.items))
