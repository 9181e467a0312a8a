"""Complete synthetic 部门预算 disclosures, printed from a small data model so every total is known.

Real disclosures cannot tell a test whether a mismatch is the pipeline's fault or the publisher's;
these can. Every printed total is computed from the spec's items, so a clean document is consistent
down to the cent, and a *plant* changes exactly one printed number so a test knows which check must
fire, where, and by how much. The layout follows the Sichuan county disclosures (苍溪县: two-sided
部门收支总表, split 类|款|项 code columns, one table a page under a "部门：318-…" line) with the
贵阳 city habit of printing 类 and 款 rows with their own amounts in the 一般公共预算支出预算表.

    disclosure = build_disclosure(DisclosureSpec(), plant="wrong_class_total")
    disclosure.pdf                                  # the file's bytes
    disclosure.plant("wrong_class_total").page       # where the planted number was printed
    disclosure.amounts                               # every amount printed, with its page and meaning
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

from tests.pdfgen import DisclosurePdf, Grid

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# The 支出功能分类 类 in the order a Sichuan 部门收支总表 enumerates them (苍溪县 2025 prints these 28).
FUNCTION_CLASSES: tuple[tuple[str, str], ...] = (
    ("201", "一般公共服务支出"),
    ("202", "外交支出"),
    ("203", "国防支出"),
    ("204", "公共安全支出"),
    ("205", "教育支出"),
    ("206", "科学技术支出"),
    ("207", "文化旅游体育与传媒支出"),
    ("208", "社会保障和就业支出"),
    ("209", "社会保险基金支出"),
    ("210", "卫生健康支出"),
    ("211", "节能环保支出"),
    ("212", "城乡社区支出"),
    ("213", "农林水支出"),
    ("214", "交通运输支出"),
    ("215", "资源勘探工业信息等支出"),
    ("216", "商业服务业等支出"),
    ("217", "金融支出"),
    ("219", "援助其他地区支出"),
    ("220", "自然资源海洋气象等支出"),
    ("221", "住房保障支出"),
    ("222", "粮油物资储备支出"),
    ("223", "国有资本经营预算支出"),
    ("224", "灾害防治及应急管理支出"),
    ("229", "其他支出"),
    ("231", "债务还本支出"),
    ("232", "债务付息支出"),
    ("233", "债务发行费用支出"),
    ("234", "抗疫特别国债安排的支出"),
)

# Names of 款 (and economic 类) that the tables print on their subtotal rows; a spec adds its own
# through `subject_names` when its items fall under other 款.
SUBJECT_NAMES: MappingProxyType[str, str] = MappingProxyType(
    {
        **dict(FUNCTION_CLASSES),
        "20101": "人大事务",
        "20103": "政府办公厅(室)及相关机构事务",
        "20501": "教育管理事务",
        "20502": "普通教育",
        "20503": "职业教育",
        "20507": "特殊教育",
        "20508": "进修及培训",
        "20509": "教育费附加安排的支出",
        "20599": "其他教育支出",
        "20805": "行政事业单位养老支出",
        "20808": "抚恤",
        "21011": "行政事业单位医疗",
        "21013": "医疗救助",
        "21015": "医疗保障管理事务",
        "21305": "巩固脱贫攻坚成果衔接乡村振兴",
        "22102": "住房改革支出",
        "301": "工资福利支出",
        "302": "商品和服务支出",
        "303": "对个人和家庭的补助",
    }
)
ECONOMIC_CLASSES = ("301", "302", "303")

_INCOME_LINES = (
    "一、一般公共预算拨款收入",
    "二、政府性基金预算拨款收入",
    "三、国有资本经营预算拨款收入",
    "四、事业收入",
    "五、事业单位经营收入",
    "六、其他收入",
)
_NUMERALS = "一二三四五六七八九十"


def chinese_ordinal(number: int) -> str:
    """一 … 二十八: the enumeration printed before each line of a 收支总表 side."""
    if number <= 10:
        return _NUMERALS[number - 1]
    tens, units = divmod(number, 10)
    return ("" if tens == 1 else _NUMERALS[tens - 1]) + "十" + (_NUMERALS[units - 1] if units else "")


def money(value: Decimal | str | int) -> Decimal:
    """An amount in 万元 to the cent; floats are refused because they cannot hold cents exactly."""
    if isinstance(value, float):
        raise TypeError(f"amount {value!r} is a float: write it as Decimal or str")
    amount = Decimal(value)
    if amount != amount.quantize(CENT):
        raise ValueError(f"amount {value!r} has more than two decimals")
    if amount < 0:
        raise ValueError(f"amount {value!r} is negative")
    return amount.quantize(CENT)


def table_amount(value: Decimal) -> str:
    """How the tables print money: thousands separators and two decimals (1,054.21)."""
    return f"{value:,.2f}"


def narrative_amount(value: Decimal) -> str:
    """How the narrative states money: no separators, trailing zeros dropped (1054.21, 52, 1.6)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True)
class FunctionItem:
    """A 项 of the 支出功能分类 (7-digit code) with its basic and project spending."""

    code: str
    name: str
    basic: Decimal = ZERO
    project: Decimal = ZERO

    def __post_init__(self) -> None:
        if len(self.code) != 7 or not self.code.isdigit() or not self.code.startswith("2"):
            raise ValueError(f"function item code {self.code!r} is not a 7-digit 项 code")
        object.__setattr__(self, "basic", money(self.basic))
        object.__setattr__(self, "project", money(self.project))

    @property
    def total(self) -> Decimal:
        return self.basic + self.project


@dataclass(frozen=True)
class EconomicItem:
    """A 款 of the 部门预算支出经济分类 (5-digit code under 301/302/303) split personnel/public."""

    code: str
    name: str
    personnel: Decimal = ZERO
    public_operating: Decimal = ZERO

    def __post_init__(self) -> None:
        if len(self.code) != 5 or not self.code.isdigit() or self.code[:3] not in ECONOMIC_CLASSES:
            raise ValueError(f"economic item code {self.code!r} is not a 5-digit code under 301/302/303")
        object.__setattr__(self, "personnel", money(self.personnel))
        object.__setattr__(self, "public_operating", money(self.public_operating))

    @property
    def total(self) -> Decimal:
        return self.personnel + self.public_operating


@dataclass(frozen=True)
class ThreePublicItem:
    """A "三公" line; items sharing `part_of` are printed under a subtotal line of that name."""

    name: str
    prior_year: Decimal = ZERO
    current_year: Decimal = ZERO
    part_of: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "prior_year", money(self.prior_year))
        object.__setattr__(self, "current_year", money(self.current_year))


DEFAULT_FUNCTION_ITEMS = (
    FunctionItem("2050101", "行政运行", "312.45"),
    FunctionItem("2050102", "一般行政管理事务", project="86.30"),
    FunctionItem("2050201", "学前教育", "148.20", "245.00"),
    FunctionItem("2050202", "小学教育", "1523.67", "410.25"),
    FunctionItem("2050203", "初中教育", "1208.34", "265.80"),
    FunctionItem("2080505", "机关事业单位基本养老保险缴费支出", "236.18"),
    FunctionItem("2080506", "机关事业单位职业年金缴费支出", "94.47"),
    FunctionItem("2101101", "行政单位医疗", "38.26"),
    FunctionItem("2101102", "事业单位医疗", "102.55"),
    FunctionItem("2210201", "住房公积金", "187.92"),
)
DEFAULT_ECONOMIC_ITEMS = (
    EconomicItem("30101", "基本工资", "1512.65"),
    EconomicItem("30102", "津贴补贴", "612.40"),
    EconomicItem("30103", "奖金", "298.75"),
    EconomicItem("30107", "绩效工资", "523.18"),
    EconomicItem("30108", "机关事业单位基本养老保险缴费", "236.18"),
    EconomicItem("30109", "职业年金缴费", "94.47"),
    EconomicItem("30110", "职工基本医疗保险缴费", "140.81"),
    EconomicItem("30113", "住房公积金", "187.92"),
    EconomicItem("30201", "办公费", public_operating="42.30"),
    EconomicItem("30205", "水费", public_operating="8.60"),
    EconomicItem("30206", "电费", public_operating="21.45"),
    EconomicItem("30211", "差旅费", public_operating="18.90"),
    EconomicItem("30217", "公务接待费", public_operating="2.86"),
    EconomicItem("30228", "工会经费", public_operating="31.27"),
    EconomicItem("30231", "公务用车运行维护费", public_operating="4.50"),
    EconomicItem("30239", "其他交通费用", "10.80", "36.00"),
    EconomicItem("30302", "退休费", "56.40"),
    EconomicItem("30305", "生活补助", "12.60"),
)
_VEHICLES = "公务用车购置及运行费"
DEFAULT_THREE_PUBLIC_ITEMS = (
    # Budgeted last year, not this year: a line printing one amount beside a blank.
    ThreePublicItem("因公出国（境）费", "2.00", "0.00"),
    ThreePublicItem("公务用车购置费", part_of=_VEHICLES),
    ThreePublicItem("公务用车运行费", "5.20", "4.50", part_of=_VEHICLES),
    ThreePublicItem("公务接待费", "3.00", "2.86"),
)


@dataclass(frozen=True)
class DisclosureSpec:
    """What one department budgets; everything the document prints is derived from this.

    `department_name` must begin with a GB/T 2260 region name for the pipeline to file it (a
    name that does not is how a bad-input test gets an unidentified document). The basic
    spending of the function items must equal the personnel plus public operating spending of the
    economic items: both tables print the same 基本支出, and a spec that disagrees with itself
    could not be printed consistently.
    """

    department_name: str = "旺苍县教育局"
    fiscal_year: int = 2025
    department_code: str = "318"
    function_items: tuple[FunctionItem, ...] = DEFAULT_FUNCTION_ITEMS
    economic_items: tuple[EconomicItem, ...] = DEFAULT_ECONOMIC_ITEMS
    three_public_items: tuple[ThreePublicItem, ...] = DEFAULT_THREE_PUBLIC_ITEMS
    # 上年结转: part of the income, spent through the same function items.
    carry_over: Decimal = Decimal("120.00")
    # Extra (code, name) pairs for 款 codes not in SUBJECT_NAMES.
    subject_names: tuple[tuple[str, str], ...] = ()
    # Cangxi prints nothing where an amount is zero; 贵阳 prints 0.00.
    blank_zeros: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "carry_over", money(self.carry_over))
        object.__setattr__(self, "function_items", tuple(self.function_items))
        object.__setattr__(self, "economic_items", tuple(self.economic_items))
        object.__setattr__(self, "three_public_items", tuple(self.three_public_items))
        object.__setattr__(self, "subject_names", tuple(self.subject_names))
        for kind, items in (("function", self.function_items), ("economic", self.economic_items)):
            codes = [item.code for item in items]
            if not codes or len(set(codes)) != len(codes):
                raise ValueError(f"{kind} items need distinct codes and at least one item: {codes}")
        names = self.names
        missing = sorted({code for item in self.function_items for code in (item.code[:3], item.code[:5])} - set(names))
        unlisted = sorted({item.code[:3] for item in self.function_items} - {code for code, _ in FUNCTION_CLASSES})
        if unlisted:
            raise ValueError(f"classes {unlisted} are not among the 部门收支总表's FUNCTION_CLASSES")
        if missing:
            raise ValueError(f"no printed name for subject codes {missing}: add them to subject_names")
        if self.basic != self.personnel + self.public_operating:
            raise ValueError(
                f"function items' basic spending {self.basic} differs from the economic items' "
                f"personnel + public operating {self.personnel} + {self.public_operating}"
            )
        if self.carry_over > self.total:
            raise ValueError(f"carry-over {self.carry_over} exceeds the total {self.total}")
        parents = {item.part_of for item in self.three_public_items if item.part_of}
        if parents & {item.name for item in self.three_public_items}:
            raise ValueError(f"three-public group names {parents} must not also be items")

    @property
    def names(self) -> dict[str, str]:
        return {**SUBJECT_NAMES, **dict(self.subject_names)}

    @property
    def unit_code(self) -> str:
        """The 单位代码 of the department's own unit (318 -> 318001), printed on each 项 row."""
        return f"{self.department_code}001"

    @property
    def basic(self) -> Decimal:
        return sum((item.basic for item in self.function_items), ZERO)

    @property
    def project(self) -> Decimal:
        return sum((item.project for item in self.function_items), ZERO)

    @property
    def total(self) -> Decimal:
        return self.basic + self.project

    @property
    def general_budget_income(self) -> Decimal:
        """The year's own 一般公共预算拨款收入: what the total needs beyond the carry-over."""
        return self.total - self.carry_over

    @property
    def personnel(self) -> Decimal:
        return sum((item.personnel for item in self.economic_items), ZERO)

    @property
    def public_operating(self) -> Decimal:
        return sum((item.public_operating for item in self.economic_items), ZERO)

    @property
    def three_public_total(self) -> Decimal:
        return sum((item.current_year for item in self.three_public_items), ZERO)

    def function_totals(self, code: str) -> tuple[Decimal, Decimal, Decimal]:
        """(total, basic, project) of a 类, 款 or 项 code: the sum of the items under it."""
        items = [item for item in self.function_items if item.code.startswith(code)]
        basic = sum((item.basic for item in items), ZERO)
        project = sum((item.project for item in items), ZERO)
        return basic + project, basic, project

    def economic_totals(self, code: str) -> tuple[Decimal, Decimal, Decimal]:
        """(total, personnel, public_operating) of an economic 类 or 款 code."""
        items = [item for item in self.economic_items if item.code.startswith(code)]
        personnel = sum((item.personnel for item in items), ZERO)
        public = sum((item.public_operating for item in items), ZERO)
        return personnel + public, personnel, public

    def function_classes(self) -> list[str]:
        """The 类 codes the items fall under, in the order of the national list."""
        used = {item.code[:3] for item in self.function_items}
        return sorted(used)


# ---------------------------------------------------------------------------------------------
# Plants

PlantKind = Literal["wrong_class_total", "unbalanced_summary", "narrative_total"]
PLANT_KINDS: tuple[PlantKind, ...] = ("wrong_class_total", "unbalanced_summary", "narrative_total")
_DEFAULT_DELTA = {
    "wrong_class_total": Decimal("1.00"),
    "unbalanced_summary": Decimal("10.00"),
    "narrative_total": Decimal("100.00"),
}
_RULE = {
    "wrong_class_total": "children_sum_to_parent",
    "unbalanced_summary": "income_equals_expenditure",
    "narrative_total": "narrative_agrees",
}


@dataclass(frozen=True)
class Plant:
    """One planted error: `kind` says which number changes, `code` which 类 (wrong_class_total
    only; default the first class printed), `delta` by how much (default 1.00 / 10.00 / 100.00)."""

    kind: PlantKind
    code: str | None = None
    delta: Decimal | None = None

    def __post_init__(self) -> None:
        if self.kind not in PLANT_KINDS:
            raise ValueError(f"unknown plant {self.kind!r}; known: {', '.join(PLANT_KINDS)}")
        if self.code is not None and self.kind != "wrong_class_total":
            raise ValueError(f"plant {self.kind!r} takes no code")
        delta = _DEFAULT_DELTA[self.kind] if self.delta is None else Decimal(self.delta)
        object.__setattr__(self, "delta", delta.quantize(CENT))


@dataclass(frozen=True)
class PlantedError:
    """Where a plant landed: what consistency demanded (`expected`) and what was printed.

    `rule` names the quality rule that must catch it; `difference` is printed - expected.
    """

    kind: PlantKind
    rule: str
    table_type: str | None
    page: int
    subject_code: str | None
    measure: str
    label: str
    expected: Decimal
    printed: Decimal
    printed_text: str

    @property
    def difference(self) -> Decimal:
        return self.printed - self.expected


@dataclass(frozen=True)
class PrintedAmount:
    """One amount as printed in a table, with the meaning the warehouse contract gives it.

    `subject_name` is the row's name without its enumeration (一、, 1、); `measure` the canonical
    measure of its column (in the 基本支出 table the row total is `basic`, as the contract says).
    """

    table_type: str
    page: int
    row: int
    side: str | None
    row_kind: str
    subject_code: str | None
    subject_name: str
    measure: str
    amount: Decimal
    printed: str


@dataclass(frozen=True)
class Disclosure:
    """A built disclosure: the PDF and everything a test needs to know about what it prints."""

    spec: DisclosureSpec
    pdf: bytes
    # First page of the cover, the narrative and each table type.
    pages: MappingProxyType[str, int]
    amounts: tuple[PrintedAmount, ...]
    narrative: tuple[str, ...]
    page_count: int
    plants: tuple[PlantedError, ...] = ()

    @property
    def document_id(self) -> str:
        """The warehouse's document_id: the sha256 of the file's bytes."""
        return hashlib.sha256(self.pdf).hexdigest()

    def plant(self, kind: PlantKind) -> PlantedError:
        matches = [p for p in self.plants if p.kind == kind]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} plants of kind {kind!r} in this disclosure")
        return matches[0]

    def amounts_of(self, table_type: str) -> list[PrintedAmount]:
        return [a for a in self.amounts if a.table_type == table_type]


# ---------------------------------------------------------------------------------------------
# Table layouts: rows of labels and amounts, before they meet a page.


@dataclass(frozen=True)
class _Money:
    """An amount cell and what it means; `blank` cells print nothing and yield no fact."""

    value: Decimal
    measure: str
    row_kind: str
    subject_code: str | None
    subject_name: str
    side: str | None = None
    blank: bool = False


_Cell = str | _Money


@dataclass
class _Table:
    table_type: str
    title: str
    widths: list[float]
    header: list[list[str | None]]
    spans: dict[tuple[int, int], tuple[int, int]]
    body: list[list[_Cell]] = field(default_factory=list)


_TITLES = {
    "income_expenditure_summary": "部门收支总表",
    "expenditure_summary": "部门支出总表",
    "general_budget_expenditure": "一般公共预算支出预算表",
    "general_budget_basic_expenditure": "一般公共预算基本支出预算表",
    "three_public_costs": "一般公共预算“三公”经费支出预算表",
}
TABLE_TYPES = tuple(_TITLES)


class _Layout:
    """The five tables and the narrative of a spec, each amount derived from the items."""

    def __init__(self, spec: DisclosureSpec) -> None:
        self.spec = spec
        self.names = spec.names

    def money(self, value: Decimal, measure: str, kind: str, code: str | None, name: str, side=None) -> _Money:
        blank = self.spec.blank_zeros and value == 0
        return _Money(value, measure, kind, code, name, side, blank)

    def income_expenditure_summary(self) -> _Table:
        spec = self.spec
        table = _Table(
            "income_expenditure_summary",
            _TITLES["income_expenditure_summary"],
            [58, 30, 62, 30],
            [["收 入", None, "支 出", None], ["项 目", "预算数", "项 目", "预算数"]],
            {(0, 0): (1, 2), (0, 2): (1, 2)},
        )
        income: list[tuple[str, str, Decimal]] = [
            (label, label[2:], spec.general_budget_income if i == 0 else ZERO) for i, label in enumerate(_INCOME_LINES)
        ]
        used = set(spec.function_classes())
        expenditure = []
        for number, (code, name) in enumerate(FUNCTION_CLASSES, start=1):
            value = spec.function_totals(code)[0] if code in used else ZERO
            expenditure.append((f"{chinese_ordinal(number)}、{name}", code, name, value))
        for i in range(max(len(income), len(expenditure))):
            row: list[_Cell] = ["", "", "", ""]
            if i < len(income):
                label, name, value = income[i]
                row[0:2] = [label, self.money(value, "total", "item", None, name, "income")]
            if i < len(expenditure):
                label, code, name, value = expenditure[i]
                row[2:4] = [label, self.money(value, "total", "subject", code, name, "expenditure")]
            table.body.append(row)
        own_income = self.money(spec.general_budget_income, "total", "total", None, "本年收入合计", "income")
        own_spending = self.money(spec.total, "total", "total", None, "本年支出合计", "expenditure")
        table.body.append(["本年收入合计", own_income, "本年支出合计", own_spending])
        carry = f"{chinese_ordinal(len(_INCOME_LINES) + 1)}、上年结转"
        table.body.append([carry, self.money(spec.carry_over, "total", "item", None, "上年结转", "income"), "", ""])
        table.body.append(
            [
                "收 入 总 计",
                self.money(spec.total, "total", "total", None, "收入总计", "income"),
                "支 出 总 计",
                self.money(spec.total, "total", "total", None, "支出总计", "expenditure"),
            ]
        )
        return table

    def expenditure_summary(self) -> _Table:
        spec = self.spec
        table = _Table(
            "expenditure_summary",
            _TITLES["expenditure_summary"],
            [12, 10, 10, 18, 58, 24, 24, 24],
            [
                ["项 目", None, None, None, None, "合计", "基本支出", "项目支出"],
                ["科目编码", None, None, "单位代码", "单位名称（科目）", None, None, None],
                ["类", "款", "项", None, None, None, None, None],
            ],
            {
                (0, 0): (1, 5),
                (0, 5): (3, 1),
                (0, 6): (3, 1),
                (0, 7): (3, 1),
                (1, 0): (1, 3),
                (1, 3): (2, 1),
                (1, 4): (2, 1),
            },
        )
        table.body.append(["", "", "", "", "合 计", *self._split(spec.total, spec.basic, spec.project, "total", None)])
        for item in sorted(spec.function_items, key=lambda i: i.code):
            code = item.code
            amounts = self._split(item.total, item.basic, item.project, "subject", code, item.name)
            table.body.append([code[:3], code[3:5], code[5:], spec.unit_code, item.name, *amounts])
        return table

    def _split(self, total, basic, project, kind, code, name="合计") -> list[_Cell]:
        return [
            self.money(total, "total", kind, code, name),
            self.money(basic, "basic", kind, code, name),
            self.money(project, "project", kind, code, name),
        ]

    def general_budget_expenditure(self) -> _Table:
        spec = self.spec
        table = _Table(
            "general_budget_expenditure",
            _TITLES["general_budget_expenditure"],
            [24, 72, 28, 28, 28],
            [["科目编码", "科目名称", "合计", "基本支出", "项目支出"]],
            {},
        )
        items = {item.code: item.name for item in spec.function_items}
        for class_code in spec.function_classes():
            codes = sorted({c[:5] for c in items if c.startswith(class_code)})
            for code in [class_code, *(x for k in codes for x in (k, *sorted(c for c in items if c[:5] == k)))]:
                name = items.get(code) or self.names[code]
                table.body.append([code, name, *self._split(*spec.function_totals(code), "subject", code, name)])
        table.body.append(["", "合计", *self._split(spec.total, spec.basic, spec.project, "total", None)])
        return table

    def general_budget_basic_expenditure(self) -> _Table:
        spec = self.spec
        table = _Table(
            "general_budget_basic_expenditure",
            _TITLES["general_budget_basic_expenditure"],
            [16, 24, 68, 24, 24, 24],
            [
                ["科目编码", None, "科目名称", "基本支出", None, None],
                ["类", "款", None, "合计", "人员经费", "公用经费"],
            ],
            {(0, 0): (1, 2), (0, 2): (2, 1), (0, 3): (1, 3)},
        )

        def amounts(code: str | None, name: str, kind: str, totals) -> list[_Cell]:
            total, personnel, public = totals
            return [
                self.money(total, "basic", kind, code, name),
                self.money(personnel, "personnel", kind, code, name),
                self.money(public, "public_operating", kind, code, name),
            ]

        totals = (spec.basic, spec.personnel, spec.public_operating)
        table.body.append(["", "", "合 计", *amounts(None, "合计", "total", totals)])
        for class_code in ECONOMIC_CLASSES:
            items = sorted((i for i in spec.economic_items if i.code.startswith(class_code)), key=lambda i: i.code)
            if not items:
                continue
            name = self.names[class_code]
            class_totals = spec.economic_totals(class_code)
            table.body.append([class_code, "", name, *amounts(class_code, name, "subject", class_totals)])
            for item in items:
                split = (item.total, item.personnel, item.public_operating)
                table.body.append(["", item.code, item.name, *amounts(item.code, item.name, "subject", split)])
        return table

    def three_public_costs(self) -> _Table:
        spec = self.spec
        prior, current = spec.fiscal_year - 1, spec.fiscal_year
        table = _Table(
            "three_public_costs",
            _TITLES["three_public_costs"],
            [90, 45, 45],
            [["项 目", f"{prior}年预算数", f"{current}年预算数"]],
            {},
        )

        def line(label: str, name: str, kind: str, prior_value: Decimal, current_value: Decimal) -> list[_Cell]:
            return [
                label,
                self.money(prior_value, "prior_year_budget", kind, None, name),
                self.money(current_value, "total", kind, None, name),
            ]

        number = 0
        groups_done: set[str] = set()
        for item in spec.three_public_items:
            if item.part_of in groups_done:
                continue
            number += 1
            label = f"{chinese_ordinal(number)}、{item.part_of or item.name}"
            if item.part_of is None:
                table.body.append(line(label, item.name, "item", item.prior_year, item.current_year))
                continue
            groups_done.add(item.part_of)
            members = [i for i in spec.three_public_items if i.part_of == item.part_of]
            group_prior = sum((m.prior_year for m in members), ZERO)
            group_current = sum((m.current_year for m in members), ZERO)
            table.body.append(line(label, item.part_of, "item", group_prior, group_current))
            for index, m in enumerate(members, start=1):
                table.body.append(line(f"{index}、{m.name}", m.name, "item", m.prior_year, m.current_year))
        prior_total = sum((i.prior_year for i in spec.three_public_items), ZERO)
        table.body.append(line("合计", "合计", "total", prior_total, spec.three_public_total))
        return table

    def tables(self) -> list[_Table]:
        return [getattr(self, table_type)() for table_type in TABLE_TYPES]

    def narrative(self, stated_total: Decimal) -> list[tuple[str, str]]:
        """(style, text) lines of the 情况说明 page: headings and the sentences stating totals.

        `stated_total` is the figure of the 收支预算总数 sentence, which the narrative plant moves.
        """
        spec = self.spec
        who, year = spec.department_name, f"{spec.fiscal_year}年"

        def n(value: Decimal) -> str:
            return narrative_amount(value)

        classes = "、".join(f"{self.names[c]}{n(spec.function_totals(c)[0])}万元" for c in spec.function_classes())
        groups: dict[str, Decimal] = {}
        for item in spec.three_public_items:
            key = item.part_of or item.name
            groups[key] = groups.get(key, ZERO) + item.current_year
        three_public = "，".join(f"{name}{n(value)}万元" for name, value in groups.items())
        return [
            ("heading", f"{who}{year}部门预算情况说明"),
            ("section", "一、收支预算情况说明"),
            ("prose", f"按照综合预算的原则，{who}所有收入和支出均纳入部门预算管理。"),
            ("total", f"{who}{year}收支预算总数{n(stated_total)}万元。"),
            ("section", "（一）收入预算情况"),
            (
                "prose",
                f"{who}{year}收入预算{n(spec.total)}万元，其中：上年结转{n(spec.carry_over)}万元，"
                f"一般公共预算拨款收入{n(spec.general_budget_income)}万元。",
            ),
            ("section", "（二）支出预算情况"),
            (
                "prose",
                f"{who}{year}支出预算{n(spec.total)}万元，其中：基本支出{n(spec.basic)}万元，"
                f"项目支出{n(spec.project)}万元。",
            ),
            ("section", "二、财政拨款支出预算情况说明"),
            ("prose", f"支出包括：{classes}。"),
            ("section", "三、一般公共预算基本支出情况说明"),
            (
                "prose",
                f"{who}{year}一般公共预算基本支出{n(spec.basic)}万元，其中：人员经费{n(spec.personnel)}万元，"
                f"公用经费{n(spec.public_operating)}万元。",
            ),
            ("section", "四、“三公”经费财政拨款预算情况说明"),
            (
                "prose",
                f"{who}{year}“三公”经费财政拨款预算数{n(spec.three_public_total)}万元，其中：{three_public}。",
            ),
        ]


# ---------------------------------------------------------------------------------------------
# Printing

_TABLE_FONT = 9.0
_LINE_FONT = 10.0
_ROW_HEIGHT = 6.5
_WRAPPED_LINE = 4.2
_PAGE_BOTTOM = 272.0
_TEXT_WIDTH = 180.0
_CREATED = datetime(2025, 1, 20, 9, 0, tzinfo=UTC)


class _Printer:
    """Puts layouts on pages: one table a page (continued under a repeated header when long)."""

    def __init__(self, spec: DisclosureSpec) -> None:
        self.spec = spec
        self.doc = DisclosurePdf()
        self.doc.pdf.set_creation_date(_CREATED)
        self.page_number = 0

    def new_page(self) -> None:
        self.page_number += 1
        self.doc.page(footer=f"- {self.page_number} -")

    def cover(self) -> None:
        self.new_page()
        self.doc.y = 90
        self.doc.line(self.spec.department_name, size=24)
        self.doc.y += 6
        self.doc.line(f"{self.spec.fiscal_year}年部门预算", size=20)

    def narrative(self, lines: Sequence[tuple[str, str]]) -> list[str]:
        """Print the narrative, breaking lines only after punctuation so no figure is split."""
        self.new_page()
        printed = []
        sizes = {"heading": 14.0, "section": 11.0}
        for style, text in lines:
            size = sizes.get(style, _LINE_FONT)
            for part in self._break(text, size):
                if self.doc.y > _PAGE_BOTTOM:
                    raise ValueError("the narrative does not fit on one page; shorten the spec's class list")
                self.doc.line(part, size=size)
            printed.append(text)
        return printed

    def _break(self, text: str, size: float) -> list[str]:
        self.doc.pdf.set_font_size(size)
        try:
            lines, current, pending = [], "", ""
            for char in text:
                pending += char
                if char in "，：、。；":
                    if current and self.doc.pdf.get_string_width(current + pending) > _TEXT_WIDTH:
                        lines.append(current)
                        current = ""
                    current += pending
                    pending = ""
            current += pending
            if current:
                lines.append(current)
            too_wide = [line for line in lines if self.doc.pdf.get_string_width(line) > _TEXT_WIDTH]
            if too_wide:
                raise ValueError(f"narrative line too wide for the page and no punctuation to break at: {too_wide}")
            return lines
        finally:
            self.doc.pdf.set_font_size(_LINE_FONT)

    def table(self, table: _Table) -> list[int]:
        """Print a table and return the page of each body row."""
        body = [self._row_texts(table, row) for row in table.body]
        heights = [self._height(texts) for texts in body]
        header_height = _ROW_HEIGHT * len(table.header)
        pages: list[int] = []
        start = 0
        while True:
            self.new_page()
            if start == 0:
                self.doc.line(table.title, size=14)
                who = f"部门：{self.spec.department_code}-{self.spec.department_name}部门"
                self.doc.line(f"{who}{' ' * 8}金额单位：万元")
            room = _PAGE_BOTTOM - self.doc.y - header_height
            end = start
            while end < len(body) and room >= heights[end]:
                room -= heights[end]
                end += 1
            if end == start:
                raise ValueError(f"a row of {table.title} does not fit on a page")
            rows = [*table.header, *body[start:end]]
            row_heights = {len(table.header) + i: h for i, h in enumerate(heights[start:end]) if h != _ROW_HEIGHT}
            grid = Grid(rows=rows, widths=table.widths, spans=table.spans, row_height=_ROW_HEIGHT, heights=row_heights)
            self.doc.pdf.set_font_size(_TABLE_FONT)
            self.doc.table(grid)
            self.doc.pdf.set_font_size(_LINE_FONT)
            pages.extend([self.page_number] * (end - start))
            start = end
            if start == len(body):
                break
        return pages

    def _row_texts(self, table: _Table, row: list[_Cell]) -> list[str | None]:
        texts: list[str | None] = []
        for width, cell in zip(table.widths, row, strict=True):
            text = cell if isinstance(cell, str) else ("" if cell.blank else table_amount(cell.value))
            texts.append(self._wrap(text, width))
        return texts

    def _wrap(self, text: str, width: float) -> str:
        """Wrap a label to its column the way spreadsheet exports do, so no text crosses a rule."""
        self.doc.pdf.set_font_size(_TABLE_FONT)
        try:
            lines, current = [], ""
            for char in text:
                if current and self.doc.pdf.get_string_width(current + char) > width - 2.6:
                    lines.append(current)
                    current = ""
                current += char
            return "\n".join([*lines, current])
        finally:
            self.doc.pdf.set_font_size(_LINE_FONT)

    @staticmethod
    def _height(texts: list[str | None]) -> float:
        lines = max((text or "").count("\n") + 1 for text in texts)
        return _ROW_HEIGHT if lines == 1 else lines * _WRAPPED_LINE + 2.8

    def bytes(self) -> bytes:
        return self.doc.bytes()


Plants = PlantKind | Plant | Iterable[PlantKind | Plant] | None


def _plants(plant: Plants) -> tuple[Plant, ...]:
    if plant is None:
        return ()
    if isinstance(plant, str | Plant):
        plant = [plant]
    plants = tuple(p if isinstance(p, Plant) else Plant(p) for p in plant)
    kinds = [p.kind for p in plants]
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"each plant kind may be planted once: {kinds}")
    return plants


def _find(table: _Table, predicate) -> tuple[int, int, _Money]:
    for r, row in enumerate(table.body):
        for c, cell in enumerate(row):
            if isinstance(cell, _Money) and predicate(cell):
                return r, c, cell
    raise ValueError(f"no cell of {table.title} to plant in")


def build_disclosure(spec: DisclosureSpec | None = None, plant: Plants = None) -> Disclosure:
    """Print the spec as a disclosure PDF, with the given plants (a kind, a Plant, or several).

    Pages: 1 cover, 2 narrative (情况说明), then one table a page (more when a table runs long) in
    the order of TABLE_TYPES; `Disclosure.pages` says where each landed, so tests never hard-code
    page numbers. The output is deterministic (fixed creation date), so it is memoized: test
    modules asking for the same document share one build, and its document_id is stable.
    """
    return _build(spec or DisclosureSpec(), _plants(plant))


@lru_cache(maxsize=64)
def _build(spec: DisclosureSpec, plants: tuple[Plant, ...]) -> Disclosure:
    layout = _Layout(spec)
    tables = {table.table_type: table for table in layout.tables()}
    landed: list[tuple[Plant, str, int, _Money, Decimal]] = []
    stated_total = spec.total
    for p in plants:
        delta = p.delta or ZERO
        if p.kind == "wrong_class_total":
            code = p.code or spec.function_classes()[0]
            if code not in spec.function_classes():
                raise ValueError(f"class {code} is not printed; printed classes: {spec.function_classes()}")
            table = tables["general_budget_expenditure"]
            r, c, cell = _find(table, lambda m, code=code: m.subject_code == code and m.measure == "total")
        elif p.kind == "unbalanced_summary":
            table = tables["income_expenditure_summary"]
            r, c, cell = _find(table, lambda m: m.subject_name == "支出总计")
        else:
            stated_total = spec.total + delta
            continue
        table.body[r][c] = replace(cell, value=cell.value + delta, blank=False)
        landed.append((p, table.table_type, r, cell, cell.value + delta))

    printer = _Printer(spec)
    printer.cover()
    pages = {"cover": 1}
    narrative_page = printer.page_number + 1
    narrative = printer.narrative(layout.narrative(stated_total))
    pages["narrative"] = narrative_page
    amounts: list[PrintedAmount] = []
    row_pages: dict[str, list[int]] = {}
    for table_type, table in tables.items():
        row_pages[table_type] = printer.table(table)
        pages[table_type] = row_pages[table_type][0]
        for r, row in enumerate(table.body):
            for cell in row:
                if isinstance(cell, _Money) and not cell.blank:
                    amounts.append(
                        PrintedAmount(
                            table_type,
                            row_pages[table_type][r],
                            r,
                            cell.side,
                            cell.row_kind,
                            cell.subject_code,
                            cell.subject_name,
                            cell.measure,
                            cell.value,
                            table_amount(cell.value),
                        )
                    )
    records = [
        PlantedError(
            p.kind,
            _RULE[p.kind],
            table_type,
            row_pages[table_type][r],
            cell.subject_code,
            cell.measure,
            cell.subject_name,
            cell.value,
            printed,
            table_amount(printed),
        )
        for p, table_type, r, cell, printed in landed
    ]
    for p in plants:
        if p.kind == "narrative_total":
            sentence = next(text for style, text in layout.narrative(stated_total) if style == "total")
            records.append(
                PlantedError(
                    p.kind,
                    _RULE[p.kind],
                    None,
                    narrative_page,
                    None,
                    "total",
                    sentence,
                    spec.total,
                    stated_total,
                    narrative_amount(stated_total),
                )
            )
    return Disclosure(
        spec=spec,
        pdf=printer.bytes(),
        pages=MappingProxyType(pages),
        amounts=tuple(amounts),
        narrative=tuple(narrative),
        page_count=printer.page_number,
        plants=tuple(records),
    )


def build_pdf(spec: DisclosureSpec | None = None, plant: Plants = None) -> bytes:
    """The PDF bytes alone, for callers that need no map of what was printed where."""
    return build_disclosure(spec, plant).pdf


def normalized_name(name: str) -> str:
    """A row name as the warehouse stores it, for comparing: NFKC, no spaces, ASCII quotes."""
    text = unicodedata.normalize("NFKC", name)
    return "".join(text.split()).translate(str.maketrans({"“": '"', "”": '"'}))
