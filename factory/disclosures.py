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
import re
import unicodedata
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from factory.pdf import DisclosurePdf, Grid, Ruling

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

# Printing styles: "sichuan" (the default described above), "shanghai" (上海市普陀区 district
# disclosures: landscape, 元, split 类|款|项 columns, tables running over pages), "hunan" (the
# national template's 总体情况表 wording, with unit rows and a table of projects) and "jiangsu"
# (省级 disclosures: title ruled inside the grid, /Rotate 90 pages, a three-sided 收支预算总表).
Layout = Literal["sichuan", "shanghai", "jiangsu", "hunan"]
LAYOUTS: tuple[Layout, ...] = ("sichuan", "shanghai", "jiangsu", "hunan")
# econ_code_lost_zero: 30102 printed "301 | 2" (recoverable); garbled_class: 2101102 printed
# "7 | 11 | 02" (unrecoverable: the amounts must be quarantined).
DamageKind = Literal["econ_code_lost_zero", "garbled_class"]
DAMAGE_KINDS: tuple[DamageKind, ...] = ("econ_code_lost_zero", "garbled_class")

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


def share_of(part: Decimal, whole: Decimal) -> Decimal:
    """A part's share of a whole in per cent, as a narrative prints it (占50.60%)."""
    return (part / whole * 100).quantize(CENT, ROUND_HALF_UP) if whole else ZERO


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

    if TYPE_CHECKING:  # amounts may be given as str or int: __post_init__ makes them Decimal

        def __init__(
            self, code: str, name: str, basic: Decimal | str | int = ZERO, project: Decimal | str | int = ZERO
        ) -> None: ...

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

    if TYPE_CHECKING:  # amounts may be given as str or int: __post_init__ makes them Decimal

        def __init__(
            self,
            code: str,
            name: str,
            personnel: Decimal | str | int = ZERO,
            public_operating: Decimal | str | int = ZERO,
        ) -> None: ...

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

    if TYPE_CHECKING:  # amounts may be given as str or int: __post_init__ makes them Decimal

        def __init__(
            self,
            name: str,
            prior_year: Decimal | str | int = ZERO,
            current_year: Decimal | str | int = ZERO,
            part_of: str | None = None,
        ) -> None: ...

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
class PerformanceTarget:
    """One indicator of a project's 绩效目标, printed in the 苍溪 list layout (单位名称 | 项目名称 |
    预算数 | 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 | 权重): the project's name and
    money on its first indicator's row only, the 一级指标 only where it changes."""

    project: str
    budget: Decimal
    level1: str
    level2: str
    indicator: str
    comparator: str  # ≥, ≤, =, or 定性 for a target that is no number
    value: str
    unit: str = ""
    weight: int = 10


# The headings of the 苍溪 list layout of a 项目支出绩效目标表.
PERFORMANCE_LIST_HEADER = (
    "单位名称",
    "项目名称",
    "预算数",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标性质",
    "指标值",
    "度量单位",
    "权重",
)
DEFAULT_PERFORMANCE_TARGETS = (
    PerformanceTarget(
        "学生资助补助经费", Decimal("86.40"), "产出指标", "数量指标", "资助学生人数", "≥", "1200", "人", 20
    ),
    PerformanceTarget("学生资助补助经费", Decimal("86.40"), "产出指标", "时效指标", "资金发放及时率", "=", "100", "%"),
    PerformanceTarget(
        "学生资助补助经费", Decimal("86.40"), "满意度指标", "服务对象满意度指标", "受助学生满意度", "≥", "95", "%"
    ),
    PerformanceTarget("校舍维修改造", Decimal("42.00"), "产出指标", "质量指标", "工程验收合格率", "=", "100", "%", 30),
    PerformanceTarget(
        "校舍维修改造", Decimal("42.00"), "效益指标", "社会效益指标", "办学条件改善", "定性", "明显改善", "", 20
    ),
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
    department_code: str | None = "318"
    function_items: tuple[FunctionItem, ...] = DEFAULT_FUNCTION_ITEMS
    economic_items: tuple[EconomicItem, ...] = DEFAULT_ECONOMIC_ITEMS
    three_public_items: tuple[ThreePublicItem, ...] = DEFAULT_THREE_PUBLIC_ITEMS
    # 上年结转: part of the income, spent through the same function items.
    carry_over: Decimal = Decimal("120.00")
    # (code, name) pairs for 款 codes not in SUBJECT_NAMES, or to print a 类 or 款 under another
    # name (a year's: 210 医疗卫生与计划生育支出 in 2018), in every table that names it.
    subject_names: tuple[tuple[str, str], ...] = ()
    # Cangxi prints nothing where an amount is zero; 贵阳 prints 0.00.
    blank_zeros: bool = True
    # The printing style (LAYOUTS); "sichuan" is the layout described at the top of this module.
    layout: Layout = "sichuan"
    # GB/T 2260 code the department files under, for tests to compare with; None: not stated.
    adcode: str | None = None
    # Unit of the amount tables; amounts of a "元" spec are in 元 (the "三公" table stays in 万元).
    unit: Literal["万元", "元"] = "万元"
    # Print amounts without decimals (156,211,123), as some WPS exports do; needs whole amounts.
    integer_amounts: bool = False
    # 机关运行经费 in 万元 (Shanghai prints it in the "三公" table).
    operating_costs: Decimal = ZERO
    # 其他资金 income besides the appropriation (Jiangsu 收支预算总表).
    other_income: Decimal = ZERO
    # 单位预留机动经费: the part of the project spending Jiangsu prints as its own 支出用途 line.
    reserve: Decimal = ZERO
    # Rows printed damaged as in real files (DAMAGE_KINDS); split-code layouts only.
    damage: tuple[DamageKind, ...] = ()
    # Jiangsu: publish the narrative as a second, narrative-only file (Disclosure.companion_pdf).
    two_files: bool = False
    # The table pages alone, as a scan of them often is: no cover, no narrative and no department
    # line above the tables (sichuan layout), so only the file's name or folder can say whose they are.
    tables_only: bool = False
    # How the tables are ruled (factory.pdf.Ruling): a scan of a table printed without its grid
    # lines must be read from the text's geometry alone.
    ruling: Ruling = "grid"
    # Indicators of a 项目支出绩效目标表 printed after the amount tables (sichuan layout); none: no such table.
    performance_targets: tuple[PerformanceTarget, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "carry_over", money(self.carry_over))
        for name in ("operating_costs", "other_income", "reserve"):
            object.__setattr__(self, name, money(getattr(self, name)))
        object.__setattr__(self, "damage", tuple(self.damage))
        if self.layout not in LAYOUTS:
            raise ValueError(f"unknown layout {self.layout!r}; known: {', '.join(LAYOUTS)}")
        if set(self.damage) - set(DAMAGE_KINDS) or len(set(self.damage)) != len(self.damage):
            raise ValueError(f"damage {self.damage} must be distinct kinds among {DAMAGE_KINDS}")
        if self.damage and self.layout != "shanghai":
            raise ValueError("damaged rows are printed by the split-code shanghai layout only")
        if self.layout == "sichuan" and (
            self.unit != "万元" or self.integer_amounts or self.reserve or self.other_income
        ):
            raise ValueError("the sichuan layout prints 万元 to the cent, without reserve or other income")
        if self.tables_only and self.layout != "sichuan":
            raise ValueError("tables_only is printed by the sichuan layout only")
        if self.reserve > self.project:
            raise ValueError(f"reserve {self.reserve} exceeds the project spending {self.project}")
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
        if self.carry_over + self.other_income > self.total:
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
        """The year's own 一般公共预算拨款收入: what the total needs beyond carry-over and other income."""
        return self.total - self.carry_over - self.other_income

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

PlantKind = Literal["wrong_class_total", "unbalanced_summary", "narrative_total", "narrative_share"]
PLANT_KINDS: tuple[PlantKind, ...] = ("wrong_class_total", "unbalanced_summary", "narrative_total", "narrative_share")
_DEFAULT_DELTA = {
    "wrong_class_total": Decimal("1.00"),
    "unbalanced_summary": Decimal("10.00"),
    "narrative_total": Decimal("100.00"),
    # percentage points added to the share of basic spending the narrative states
    "narrative_share": Decimal("1.00"),
}
_RULE = {
    "wrong_class_total": "children_sum_to_parent",
    "unbalanced_summary": "income_equals_expenditure",
    "narrative_total": "narrative_agrees",
    "narrative_share": "narrative_arithmetic",
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
    # The row's label as printed (styled layouts; None in the sichuan layout).
    row_label: str | None = None
    # The unit the table printed in; `amount` is always 万元 (元 rounded half-up to the cent).
    unit: str = "万元"
    # False for an amount printed on a row the pipeline cannot place (a garbled code): it must be
    # quarantined in stg_issue, never loaded as a fact.
    fact: bool = True


@dataclass(frozen=True)
class DamagedRow:
    """A row printed damaged on purpose: what was printed, and what the pipeline should make of it.

    `subject_code` is the code a careful reader recovers (None: unrecoverable, quarantine it).
    """

    kind: DamageKind
    table_type: str
    page: int
    printed_code: tuple[str, ...]
    subject_code: str | None
    subject_name: str
    amounts: tuple[PrintedAmount, ...]


PrintedCell = str | Decimal | None


@dataclass(frozen=True)
class PrintedTable:
    """A table as the disclosure prints it, for the writers of other formats (factory.workbook,
    factory.html, factory.word) to print the same table again.

    `above` are the lines printed between the title and the grid, each as its cells (a field line
    printed at the left and the right, '编制部门：X' ... '单位：元', is two cells). `rows` are the
    header rows, then the body: text, an amount (a Decimal, printed as `amount_format` says), ''
    for a blank cell, None for a cell that a span covers; `spans` gives (rows, columns) by the
    (row, column) of each span's top-left cell in `rows`. Labels keep the line breaks the PDF
    prints them with ('事业单位\n经营收入')."""

    table_type: str
    title: str
    above: tuple[tuple[str, ...], ...]
    rows: tuple[tuple[PrintedCell, ...], ...]
    header_rows: int
    spans: MappingProxyType[tuple[int, int], tuple[int, int]]
    amount_format: str = "#,##0.00"
    unit: str = "万元"  # the one `above` states

    @property
    def width(self) -> int:
        return max(len(row) for row in self.rows)

    def printed(self, cell: PrintedCell) -> str | None:
        """A cell's text as the PDF prints it."""
        if isinstance(cell, Decimal):
            return f"{cell:,.0f}" if self.amount_format == "#,##0" else table_amount(cell)
        return cell


@dataclass(frozen=True)
class Printout:
    """What the disclosure prints, in order, apart from the page it lands on: the cover and
    narrative lines, then the tables; `title` is the document title its PDF carries (None: none)."""

    prose: tuple[str, ...]
    tables: tuple[PrintedTable, ...]
    title: str | None = None


def _printed_rows(
    header: Sequence[Sequence[str | None]], body: Sequence[Sequence[object]]
) -> tuple[tuple[PrintedCell, ...], ...]:
    def cell(value: object) -> PrintedCell:
        if isinstance(value, _Money):
            return "" if value.blank else value.value
        return value  # type: ignore[return-value]

    return tuple(tuple(row) for row in header) + tuple(tuple(cell(value) for value in row) for row in body)


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
    damage: tuple[DamagedRow, ...] = ()
    # Pages each table type was printed over (a table broken across pages has more than one).
    table_pages: MappingProxyType[str, tuple[int, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # Pages shown turned by /Rotate 90.
    rotated_pages: tuple[int, ...] = ()
    # The narrative-only second file of a two-file disclosure.
    companion_pdf: bytes | None = None
    # What the PDF prints, for printing the same disclosure as a workbook, a web page or a Word file.
    printout: Printout | None = None

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
    row_label: str | None = None
    fact: bool = True


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
        for number, (code, _) in enumerate(FUNCTION_CLASSES, start=1):
            value = spec.function_totals(code)[0] if code in used else ZERO
            name = self.names[code]
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

    def narrative(self, stated_total: Decimal, share_shift: Decimal = ZERO) -> list[tuple[str, str]]:
        """(style, text) lines of the 情况说明 page: headings and the sentences stating totals and
        the share of each part.

        `stated_total` is the figure of the 收支预算总数 sentence, which the narrative_total plant
        moves; `share_shift` moves the share of basic spending (the narrative_share plant).
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
                "share",
                f"{who}{year}支出预算{n(spec.total)}万元，其中：基本支出{n(spec.basic)}万元，"
                f"占{share_of(spec.basic, spec.total) + share_shift}%；"
                f"项目支出{n(spec.project)}万元，占{share_of(spec.project, spec.total)}%。",
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
        self.doc = DisclosurePdf(ruling=spec.ruling)
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
                self.doc.line((" " * 8).join(_above_tables(self.spec)))
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
    if spec.layout != "sichuan":
        apart = spec.layout == "jiangsu" and spec.two_files
        if any(p.kind != "narrative_total" or not apart for p in plants):
            raise ValueError(
                f"plants are printed by the sichuan layout only, not {spec.layout!r} (a two-file jiangsu "
                "disclosure takes narrative_total, in its narrative file)"
            )
        return _build_styled(spec, plants[0] if plants else None)
    layout = _Layout(spec)
    tables = {table.table_type: table for table in layout.tables()}
    landed: list[tuple[Plant, str, int, _Money, Decimal]] = []
    stated_total = spec.total
    share_shift = sum((p.delta or ZERO for p in plants if p.kind == "narrative_share"), ZERO)
    for p in plants:
        delta = p.delta or ZERO
        if p.kind == "narrative_share":
            continue
        if p.kind == "wrong_class_total":
            code = p.code or spec.function_classes()[0]
            if code not in spec.function_classes():
                raise ValueError(f"class {code} is not printed; printed classes: {spec.function_classes()}")
            table = tables["general_budget_expenditure"]
            r, c, target = _find(table, lambda m, code=code: m.subject_code == code and m.measure == "total")
        elif p.kind == "unbalanced_summary":
            table = tables["income_expenditure_summary"]
            r, c, target = _find(table, lambda m: m.subject_name == "支出总计")
        else:
            stated_total = spec.total + delta
            continue
        table.body[r][c] = replace(target, value=target.value + delta, blank=False)
        landed.append((p, table.table_type, r, target, target.value + delta))

    printer = _Printer(spec)
    pages: dict[str, int] = {}
    narrative: list[str] = []
    narrative_page = 0
    if spec.tables_only and any(p.kind.startswith("narrative") for p in plants):
        raise ValueError("a tables_only disclosure prints no narrative to plant an error in")
    if not spec.tables_only:
        printer.cover()
        pages["cover"] = 1
        narrative_page = printer.page_number + 1
        narrative = printer.narrative(layout.narrative(stated_total, share_shift))
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
    share = share_of(spec.basic, spec.total)
    narrated = {  # a narrative plant: the line it lands in, what consistency demands, what is printed
        "narrative_total": ("total", spec.total, stated_total, narrative_amount(stated_total)),
        "narrative_share": ("share", share, share + share_shift, f"{share + share_shift}"),
    }
    lines = layout.narrative(stated_total, share_shift)
    for p in plants:
        if p.kind in narrated:
            style, expected, printed, printed_text = narrated[p.kind]
            sentence = next(text for line_style, text in lines if line_style == style)
            records.append(
                PlantedError(
                    p.kind, _RULE[p.kind], None, narrative_page, None, style, sentence, expected, printed, printed_text
                )
            )
    if spec.performance_targets:
        pages["performance_targets"] = printer.table(_performance_table(spec))[0]
    printed_tables = tuple(
        PrintedTable(
            table.table_type,
            table.title,
            (_above_tables(spec),),
            _printed_rows(table.header, table.body),
            len(table.header),
            MappingProxyType(dict(table.spans)),
        )
        for table in tables.values()
    )
    narrative_lines = (text for _, text in layout.narrative(stated_total))
    prose = () if spec.tables_only else (spec.department_name, f"{spec.fiscal_year}年部门预算", *narrative_lines)
    return Disclosure(
        spec=spec,
        pdf=printer.bytes(),
        pages=MappingProxyType(pages),
        amounts=tuple(amounts),
        narrative=tuple(narrative),
        page_count=printer.page_number,
        plants=tuple(records),
        printout=Printout(prose, printed_tables),
    )


def _performance_table(spec: DisclosureSpec) -> _Table:
    """The 项目支出绩效目标表 of the spec's targets: not an amount table, so it prints text only."""
    table = _Table(
        "performance_targets",
        "部门预算项目支出绩效目标表",
        [22, 24, 15, 16, 20, 27, 15, 17, 14, 10],
        [list(PERFORMANCE_LIST_HEADER)],
        {},
    )
    unit = f"{spec.department_code or ''}001-{spec.department_name}"
    previous: PerformanceTarget | None = None
    for target in spec.performance_targets:
        first = previous is None or previous.project != target.project
        printed_level1 = first or previous is None or previous.level1 != target.level1
        table.body.append(
            [
                unit if previous is None else "",
                target.project if first else "",
                table_amount(target.budget) if first else "",
                target.level1 if printed_level1 else "",
                target.level2,
                target.indicator,
                target.comparator,
                target.value,
                target.unit,
                str(target.weight),
            ]
        )
        previous = target
    return table


def _above_tables(spec: DisclosureSpec) -> tuple[str, ...]:
    """The line printed between a table's title and its grid: whose it is, and its unit."""
    unit = "金额单位：万元"
    return (unit,) if spec.tables_only else (f"部门：{spec.department_code}-{spec.department_name}部门", unit)


def build_pdf(spec: DisclosureSpec | None = None, plant: Plants = None) -> bytes:
    """The PDF bytes alone, for callers that need no map of what was printed where."""
    return build_disclosure(spec, plant).pdf


def normalized_name(name: str) -> str:
    """A row name as the warehouse stores it, for comparing: NFKC, no spaces, ASCII quotes."""
    text = unicodedata.normalize("NFKC", name)
    return "".join(text.split()).translate(str.maketrans("“”", '""'))


# ---------------------------------------------------------------------------------------------
# Styled layouts: the Shanghai district and Jiangsu provincial disclosures.

_YUAN_PER_WAN = Decimal(10000)
_ENUMERATION = re.compile(r"^([(（][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.．、]\s*)")


def in_wan(value: Decimal, unit: str) -> Decimal:
    """What the warehouse must store for a printed amount: 万元, 元 rounded half-up to the cent."""
    if unit == "元":
        return (value / _YUAN_PER_WAN).quantize(CENT, rounding=ROUND_HALF_UP)
    return value


def _unnumbered(label: str) -> str:
    return _ENUMERATION.sub("", label).strip()


@dataclass
class _Sheet:
    """A styled table before it meets a page. `body_spans` merge body cells (row index in `body`);
    `continuation` says what a page the table runs onto repeats: its "header", or nothing ("bare",
    straight into data rows, as WPS exports of Shanghai disclosures do)."""

    table_type: str
    title: str
    widths: list[float]
    header: list[list[str | None]]
    spans: dict[tuple[int, int], tuple[int, int]]
    unit: str
    body: list[list[_Cell | None]] = field(default_factory=list)
    body_spans: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    continuation: Literal["header", "bare"] = "header"
    label: str | None = None
    label_inside: bool = True
    rotated: bool = False
    header_heights: dict[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Damage:
    kind: DamageKind
    table_type: str
    row: int
    printed_code: tuple[str, ...]
    subject_code: str | None
    subject_name: str


class _StyledLayout:
    """What the Shanghai and Jiangsu layouts share: money cells and the subject rows of the spec."""

    def __init__(self, spec: DisclosureSpec) -> None:
        self.spec = spec
        self.names = spec.names
        self.damage: list[_Damage] = []

    def money(
        self,
        value: Decimal,
        measure: str,
        kind: str,
        code: str | None,
        name: str,
        side: str | None = None,
        label: str | None = None,
        fact: bool = True,
    ) -> _Money:
        blank = self.spec.blank_zeros and value == 0
        return _Money(value, measure, kind, code, name, side, blank, label, fact)

    def function_rows(self) -> list[tuple[str, str, tuple[Decimal, Decimal, Decimal]]]:
        """(code, name, (total, basic, project)) of every 类, 款 and 项 in print order."""
        spec = self.spec
        items = {item.code: item.name for item in spec.function_items}
        rows = []
        for class_code in spec.function_classes():
            codes = sorted({c[:5] for c in items if c.startswith(class_code)})
            for code in [class_code, *(x for k in codes for x in (k, *sorted(c for c in items if c[:5] == k)))]:
                rows.append((code, items.get(code) or self.names[code], spec.function_totals(code)))
        return rows

    def economic_rows(self, classes: Sequence[str] = ECONOMIC_CLASSES) -> list[tuple[str, str, tuple]]:
        """(code, name, (total, personnel, public_operating)) of economic 类 and 款 in print order."""
        spec = self.spec
        rows = []
        for class_code in classes:
            items = sorted((i for i in spec.economic_items if i.code.startswith(class_code)), key=lambda i: i.code)
            if items:
                rows.append((class_code, self.names[class_code], spec.economic_totals(class_code)))
                rows.extend((i.code, i.name, (i.total, i.personnel, i.public_operating)) for i in items)
        return rows

    def used_classes(self) -> list[tuple[str, str]]:
        used = set(self.spec.function_classes())
        return [(code, self.names[code]) for code, _ in FUNCTION_CLASSES if code in used]

    def coded_sheet(
        self,
        table_type: str,
        title: str,
        widths: list[float],
        leaves: list[str],
        measures: Sequence[str],
        totals: Sequence[Decimal],
        rows: Sequence[tuple[str, str, Sequence[Decimal]]],
    ) -> _Sheet:
        """A 合计 row (its label over the code and name columns), then a row per code, each printing
        an amount per measure, in 万元."""
        sheet = _Sheet(table_type, title, widths, [[*leaves]], {}, "万元")
        sheet.body_spans[(0, 0)] = (1, 2)
        sheet.body.append(
            [
                "合计",
                None,
                *(self.money(v, m, "total", None, "合计", None, "合计") for m, v in zip(measures, totals, strict=True)),
            ]
        )
        for code, name, values in rows:
            sheet.body.append(
                [
                    code,
                    name,
                    *(
                        self.money(v, m, "subject", code, name, None, name)
                        for m, v in zip(measures, values, strict=True)
                    ),
                ]
            )
        return sheet

    def sheets(self) -> list[_Sheet]:
        """Every table of the layout in print order."""
        raise NotImplementedError


def _two_sides(
    left: Sequence[Sequence[_Cell | None]], right: Sequence[Sequence[_Cell | None]], padding: int = 0
) -> list[list[_Cell | None]]:
    """Rows of a two-sided table: each side's lines top-aligned, blanks where a side has run out."""
    width_left, width_right = len(left[0]), len(right[0])
    rows: list[list[_Cell | None]] = []
    for i in range(max(len(left), len(right)) + padding):
        row: list[_Cell | None] = []
        row += left[i] if i < len(left) else [""] * width_left
        row += right[i] if i < len(right) else [""] * width_right
        rows.append(row)
    return rows


class _ShanghaiLayout(_StyledLayout):
    """上海市普陀区 部门预算: amounts in 元 (the "三公" table in 万元), 类|款|项 in three columns."""

    def titles(self) -> dict[str, str]:
        year = self.spec.fiscal_year
        return {
            "income_expenditure_summary": f"{year}年部门财务收支预算总表",
            "income_summary": f"{year}年部门收入预算总表",
            "expenditure_summary": f"{year}年部门支出预算总表",
            "fiscal_appropriation_summary": f"{year}年部门财政拨款收支预算总表",
            "general_budget_expenditure": f"{year}年部门一般公共预算支出功能分类预算表",
            "general_budget_basic_expenditure": f"{year}年部门一般公共预算基本支出部门预算经济分类预算表",
            "three_public_costs": f"{year}年部门“三公”经费和机关运行经费预算表",
        }

    def sheets(self) -> list[_Sheet]:
        return [getattr(self, table_type)() for table_type in self.titles()]

    def _sheet(self, table_type: str, widths: list[float], header, spans, **kwargs) -> _Sheet:
        unit = kwargs.pop("unit", self.spec.unit)
        return _Sheet(table_type, self.titles()[table_type], widths, header, spans, unit, **kwargs)

    def _closing(self, label: str, value: Decimal, side: str) -> list[_Cell]:
        return [label, self.money(value, "total", "total", None, label, side, label)]

    def income_expenditure_summary(self) -> _Sheet:
        spec = self.spec
        sheet = self._sheet(
            "income_expenditure_summary",
            [70, 45, 90, 45],
            [["本年收入", None, "本年支出", None], ["项目", "预算数", "项目", "预算数"]],
            {(0, 0): (1, 2), (0, 2): (1, 2)},
        )
        appropriation = spec.general_budget_income
        income = [
            ("一、财政拨款收入", appropriation),
            ("1. 一般公共预算资金", appropriation),
            ("2. 政府性基金", ZERO),
            ("3. 国有资本经营预算", ZERO),
            ("二、事业收入", ZERO),
            ("三、事业单位经营收入", ZERO),
            ("四、其他收入", spec.other_income),
        ]
        left: list[list[_Cell]] = [
            [label, self.money(v, "total", "item", None, _unnumbered(label), "income", label)] for label, v in income
        ]
        right: list[list[_Cell]] = []
        for number, (code, name) in enumerate(self.used_classes(), start=1):
            label = f"{chinese_ordinal(number)}、{name}"
            value = spec.function_totals(code)[0]
            right.append([label, self.money(value, "total", "subject", code, name, "expenditure", label)])
        sheet.body = _two_sides(left, right, padding=2)
        sheet.body.append(
            [*self._closing("收入总计", spec.total, "income"), *self._closing("支出总计", spec.total, "expenditure")]
        )
        return sheet

    def _function_header(self, group: str, leaves: list[str]) -> tuple[list, dict]:
        width = 4 + len(leaves)
        header: list[list[str | None]] = [
            ["项目", None, None, None, group, *[None] * (len(leaves) - 1)],
            ["功能分类科目编码", None, None, "功能分类科目名称", *leaves],
            ["类", "款", "项", *[None] * (width - 3)],
        ]
        spans = {(0, 0): (1, 4), (0, 4): (1, len(leaves)), (1, 0): (1, 3)}
        spans |= {(1, c): (2, 1) for c in range(3, width)}
        return header, spans

    def _coded(self, code: str) -> list[str]:
        return [code[:3], code[3:5], code[5:7]]

    def _total_row(self, sheet: _Sheet, label_columns: int, amounts: list[_Cell]) -> None:
        sheet.body_spans[(len(sheet.body), 0)] = (1, label_columns)
        sheet.body.append(["合计", *[None] * (label_columns - 1), *amounts])

    def income_summary(self) -> _Sheet:
        leaves = ["合计", "财政拨款收入", "事业收入", "事业单位\n经营收入", "其他收入"]
        measures = ["total", "fiscal_appropriation", "business_income", "operating_income", "other_income"]
        header, spans = self._function_header("收入预算", leaves)
        sheet = self._sheet("income_summary", [14, 14, 14, 84, 34, 34, 26, 26, 26], header, spans, continuation="bare")

        def amounts(code: str | None, name: str, kind: str, total: Decimal) -> list[_Cell]:
            values = [total, total, ZERO, ZERO, ZERO]
            return [self.money(v, m, kind, code, name, None, name) for v, m in zip(values, measures, strict=True)]

        for code, name, (total, _, _) in self.function_rows():
            sheet.body.append([*self._coded(code), name, *amounts(code, name, "subject", total)])
        self._total_row(sheet, 4, amounts(None, "合计", "total", self.spec.total))
        return sheet

    def _function_sheet(self, table_type: str, group: str, continuation: Literal["header", "bare"]) -> _Sheet:
        header, spans = self._function_header(group, ["合计", "基本支出", "项目支出"])
        sheet = self._sheet(table_type, [14, 14, 14, 100, 36, 36, 36], header, spans, continuation=continuation)

        def amounts(code: str | None, name: str, kind: str, totals, fact: bool = True) -> list[_Cell]:
            return [
                self.money(v, m, kind, code, name, None, name, fact)
                for v, m in zip(totals, ("total", "basic", "project"), strict=True)
            ]

        garble = table_type == "general_budget_expenditure" and "garbled_class" in self.spec.damage
        for code, name, totals in self.function_rows():
            printed = self._coded(code)
            if garble and code == _DAMAGED["garbled_class"]:
                garble = False
                printed = ["7", code[3:5], code[5:7]]
                self.damage.append(_Damage("garbled_class", table_type, len(sheet.body), tuple(printed), None, name))
                sheet.body.append([*printed, name, *amounts(None, name, "subject", totals, fact=False)])
                continue
            sheet.body.append([*printed, name, *amounts(code, name, "subject", totals)])
        if garble:
            raise ValueError(f"garbled_class damage needs the function item {_DAMAGED['garbled_class']}")
        spec = self.spec
        self._total_row(sheet, 4, amounts(None, "合计", "total", (spec.total, spec.basic, spec.project)))
        return sheet

    def expenditure_summary(self) -> _Sheet:
        return self._function_sheet("expenditure_summary", "支出预算", "bare")

    def general_budget_expenditure(self) -> _Sheet:
        return self._function_sheet("general_budget_expenditure", "一般公共预算支出", "header")

    def fiscal_appropriation_summary(self) -> _Sheet:
        spec = self.spec
        sheet = self._sheet(
            "fiscal_appropriation_summary",
            [46, 32, 56, 30, 28, 28, 32],
            [
                ["财政拨款收入", None, "财政拨款支出", None, None, None, None],
                ["项目", "预算数", "项目", "合计", "一般公共预算", "政府性基金预算", "国有资本经营预算"],
            ],
            {(0, 0): (1, 2), (0, 2): (1, 5)},
        )
        appropriation = spec.general_budget_income
        income = [("一、一般公共预算资金", appropriation), ("二、政府性基金", ZERO), ("三、国有资本经营预算", ZERO)]
        left: list[list[_Cell]] = [
            [label, self.money(v, "total", "item", None, _unnumbered(label), "income", label)] for label, v in income
        ]
        measures = ("total", "general_budget", "government_fund", "state_capital")

        def spending(code: str | None, name: str, kind: str, label: str, total: Decimal) -> list[_Cell]:
            values = (total, total, ZERO, ZERO)
            return [
                self.money(v, m, kind, code, name, "expenditure", label) for v, m in zip(values, measures, strict=True)
            ]

        right: list[list[_Cell]] = []
        for number, (code, name) in enumerate(self.used_classes(), start=1):
            label = f"{chinese_ordinal(number)}、{name}"
            right.append([label, *spending(code, name, "subject", label, spec.function_totals(code)[0])])
        sheet.body = _two_sides(left, right, padding=2)
        sheet.body.append(
            [
                *self._closing("收入总计", appropriation, "income"),
                "支出总计",
                *spending(None, "支出总计", "total", "支出总计", spec.total),
            ]
        )
        return sheet

    def general_budget_basic_expenditure(self) -> _Sheet:
        header: list[list[str | None]] = [
            ["项目", None, None, "一般公共预算基本支出", None, None],
            ["部门预算经济分类科目\n编码", None, "经济分类科目名称", "合计", "人员经费", "公用经费"],
            ["类", "款", None, None, None, None],
        ]
        spans = {(0, 0): (1, 3), (0, 3): (1, 3), (1, 0): (1, 2)} | {(1, c): (2, 1) for c in range(2, 6)}
        sheet = self._sheet(
            "general_budget_basic_expenditure",
            [22, 22, 94, 36, 36, 36],
            header,
            spans,
            continuation="bare",
            header_heights={1: 10.5},
        )

        def amounts(code: str | None, name: str, kind: str, totals) -> list[_Cell]:
            measures = ("basic", "personnel", "public_operating")
            return [self.money(v, m, kind, code, name, None, name) for v, m in zip(totals, measures, strict=True)]

        lose_zero = "econ_code_lost_zero" in self.spec.damage
        for code, name, totals in self.economic_rows():
            printed = [code[:3], code[3:5]]
            if lose_zero and code == _DAMAGED["econ_code_lost_zero"]:
                lose_zero = False
                printed = [code[:3], code[4]]
                self.damage.append(
                    _Damage("econ_code_lost_zero", sheet.table_type, len(sheet.body), tuple(printed), code, name)
                )
            sheet.body.append([*printed, name, *amounts(code, name, "subject", totals)])
        if lose_zero:
            raise ValueError(f"econ_code_lost_zero damage needs the economic item {_DAMAGED['econ_code_lost_zero']}")
        spec = self.spec
        self._total_row(sheet, 3, amounts(None, "合计", "total", (spec.basic, spec.personnel, spec.public_operating)))
        return sheet

    def three_public_costs(self) -> _Sheet:
        """One data row under a two-row header, in 万元 whatever the unit of the other tables.

        Items are named as the sichuan layout names them; 合计 is the row total (row_kind total),
        and 机关运行经费 is the measure `operating_costs` of no item.
        """
        spec = self.spec
        header: list[list[str | None]] = [
            ["“三公”经费预算数", None, None, None, None, None, "机关运行经费预算\n数"],
            ["合计", "因公出国(境)费", "公务接待费", "公务用车购置及运行费", None, None, None],
            [None, None, None, "小计", "购置费", "运行费", None],
        ]
        spans = {(0, 0): (1, 6), (0, 6): (3, 1), (1, 0): (2, 1), (1, 1): (2, 1), (1, 2): (2, 1), (1, 3): (1, 3)}
        sheet = self._sheet(
            "three_public_costs", [34, 36, 34, 34, 30, 30, 40], header, spans, unit="万元", header_heights={0: 10.5}
        )

        def current(*words: str) -> Decimal:
            chosen = [i for i in spec.three_public_items if all(w in i.name for w in words)]
            return sum((i.current_year for i in chosen), ZERO)

        vehicles_bought, vehicles_run = current("公务用车", "购置"), current("公务用车", "运行")
        row: list[_Cell | None] = [
            self.money(spec.three_public_total, "total", "total", None, "合计"),
            self.money(current("出国"), "total", "item", None, "因公出国(境)费"),
            self.money(current("接待"), "total", "item", None, "公务接待费"),
            self.money(vehicles_bought + vehicles_run, "total", "item", None, "公务用车购置及运行费"),
            self.money(vehicles_bought, "total", "item", None, "公务用车购置费"),
            self.money(vehicles_run, "total", "item", None, "公务用车运行费"),
            self.money(spec.operating_costs, "operating_costs", "item", None, ""),
        ]
        if sum((c.value for c in row[1:4] if isinstance(c, _Money)), ZERO) != spec.three_public_total:
            raise ValueError("the three-public items must be 出国, 接待 and 公务用车 购置/运行 lines only")
        sheet.body.append(row)
        return sheet


# The rows damaged as in the real files: 30102 printed "301 | 2", 2101102 printed "7 | 11 | 02".
_DAMAGED = {"econ_code_lost_zero": "30102", "garbled_class": "2101102"}
_JIANGSU_LABELS = ("公开表一", "公开02表", "公开表三", "公开04表", "公开表五")


class _JiangsuLayout(_StyledLayout):
    """江苏省 省级 部门预算: titles ruled inside the grid, whole codes, 合计 on top, 万元."""

    TABLES = (
        ("income_expenditure_summary", "收支预算总表"),
        ("income_summary", "收入预算总表"),
        ("fiscal_appropriation_expenditure", "财政拨款支出预算表（功能科目）"),
        ("fiscal_appropriation_basic_expenditure", "财政拨款基本支出预算表（经济科目）"),
        ("general_budget_operating_costs", "一般公共预算机关运行经费支出预算表"),
    )

    def sheets(self) -> list[_Sheet]:
        """Odd tables on pages turned by /Rotate 90 with the 公开表 label in the grid, even ones on
        landscape pages with the label printed above the grid: one file shows both habits."""
        sheets = []
        for index, (table_type, title) in enumerate(self.TABLES):
            sheet: _Sheet = getattr(self, table_type)(title)
            sheet.label = _JIANGSU_LABELS[index]
            sheet.rotated = sheet.label_inside = index % 2 == 0
            sheets.append(sheet)
        return sheets

    def income_expenditure_summary(self, title: str) -> _Sheet:
        """收入 | 支出 split into 功能分类 and 支出用途: three sides of two columns each.

        The 支出用途 lines (基本支出, 项目支出, 单位预留机动经费) are `total` amounts of uncoded
        expenditure rows: the column is 金额, the row says what it is an amount of.
        """
        spec = self.spec
        if spec.carry_over:
            raise ValueError("the jiangsu layout prints no carry-over income")
        sheet = _Sheet(
            "income_expenditure_summary",
            title,
            [56, 30, 62, 30, 52, 30],
            [
                ["收入", None, "支出", None, None, None],
                ["项目名称", "金额", "功能分类", None, "支出用途", None],
                [None, None, "功能科目名称", "金额", "项目名称", "金额"],
            ],
            {(0, 0): (1, 2), (0, 2): (1, 4), (1, 0): (2, 1), (1, 1): (2, 1), (1, 2): (1, 2), (1, 4): (1, 2)},
            "万元",
        )
        appropriation = spec.general_budget_income

        def line(
            label: str, value: Decimal, side: str, code: str | None = None, name: str | None = None
        ) -> list[_Cell]:
            kind = "subject" if code else "item"
            return [label, self.money(value, "total", kind, code, name or _unnumbered(label), side, label)]

        income = [
            line("一、财政拨款", appropriation, "income"),
            line("1.一般公共预算", appropriation, "income"),
            line("2.政府性基金预算", ZERO, "income"),
            line("二、财政专户管理资金", ZERO, "income"),
            line("三、其他资金", spec.other_income, "income"),
        ]
        used = set(spec.function_classes())
        printed = [(c, self.names[c]) for i, (c, _) in enumerate(FUNCTION_CLASSES) if i < 20 or c in used]
        function = []
        for number, (code, name) in enumerate(printed, start=1):
            value = spec.function_totals(code)[0] if code in used else ZERO
            function.append(line(f"{chinese_ordinal(number)}、{name}", value, "expenditure", code, name))
        uses = [
            line("一、基本支出", spec.basic, "expenditure"),
            line("二、项目支出", spec.project - spec.reserve, "expenditure"),
            line("三、单位预留机动经费", spec.reserve, "expenditure"),
        ]
        left = _two_sides(income, function)
        sheet.body = _two_sides(left, uses)
        closing = [
            ("当年收入小计", spec.total, "当年支出小计", spec.total),
            ("上年结转资金", ZERO, "结转下年资金", ZERO),
            ("收入合计", spec.total, "支出合计", spec.total),
        ]
        for income_label, income_value, spending_label, spending_value in closing:
            kind = "item" if income_label == "上年结转资金" else "total"
            sheet.body_spans[(len(sheet.body), 2)] = (1, 3)
            sheet.body.append(
                [
                    income_label,
                    self.money(income_value, "total", kind, None, income_label, "income", income_label),
                    spending_label,
                    None,
                    None,
                    self.money(spending_value, "total", kind, None, spending_label, "expenditure", spending_label),
                ]
            )
        return sheet

    def income_summary(self, title: str) -> _Sheet:
        """Row groups whose name cell is merged down over their 小计 and item rows.

        A 小计 row is the subtotal of its group and is labelled by it: row_label 一般公共预算资金.
        """
        spec = self.spec
        sheet = _Sheet("income_summary", title, [56, 84, 40], [["项目名称", None, "金额"]], {(0, 0): (1, 2)}, "万元")
        appropriation = spec.general_budget_income
        groups = [
            ("一般公共预算资金", [("公共财政拨款(补助)资金", appropriation), ("专项收入", ZERO)]),
            ("政府性基金", []),
            ("财政专户管理资金", [("专户管理教育收费", ZERO), ("其他非税收入", ZERO)]),
            ("其他资金", [("事业收入", ZERO), ("经营收入", ZERO), ("其他收入", spec.other_income)]),
            ("上年结转和结余资金", [("其中：动用上年结转和结余资金", ZERO)]),
        ]
        sheet.body_spans[(0, 0)] = (1, 2)
        sheet.body.append(
            ["收入总计", None, self.money(spec.total, "total", "total", None, "收入总计", None, "收入总计")]
        )
        for group, items in groups:
            subtotal = sum((value for _, value in items), ZERO)
            if items:
                sheet.body_spans[(len(sheet.body), 0)] = (1 + len(items), 1)
            sheet.body.append([group, "小计", self.money(subtotal, "total", "total", None, group, None, group)])
            for name, value in items:
                sheet.body.append([None, name, self.money(value, "total", "item", None, name, None, name)])
        return sheet

    def _coded_sheet(
        self, table_type: str, title: str, leaves: list[str], measure: str, rows: list[tuple[str, str, Decimal]], total
    ) -> _Sheet:
        one = [(code, name, (value,)) for code, name, value in rows]
        return self.coded_sheet(table_type, title, [40, 110, 45], leaves, (measure,), (total,), one)

    def fiscal_appropriation_expenditure(self, title: str) -> _Sheet:
        rows = [(code, name, totals[0]) for code, name, totals in self.function_rows()]
        leaves = ["功能科目编码", "功能科目名称", "金额"]
        return self._coded_sheet("fiscal_appropriation_expenditure", title, leaves, "total", rows, self.spec.total)

    def fiscal_appropriation_basic_expenditure(self, title: str) -> _Sheet:
        """Every amount here is 基本支出, so the 金额 column is the measure `basic` (as the contract
        says of 基本支出 tables)."""
        rows = [(code, name, totals[0]) for code, name, totals in self.economic_rows()]
        leaves = ["科目编码", "科目名称", "金额"]
        return self._coded_sheet(
            "fiscal_appropriation_basic_expenditure", title, leaves, "basic", rows, self.spec.basic
        )

    def general_budget_operating_costs(self, title: str) -> _Sheet:
        """The 302 商品和服务支出 lines, in the measure `operating_costs` the "三公" tables use."""
        rows = [(code, name, totals[2]) for code, name, totals in self.economic_rows(("302",))]
        total = self.spec.economic_totals("302")[2]
        leaves = ["科目编码", "科目名称", "机关运行经费支出"]
        return self._coded_sheet("general_budget_operating_costs", title, leaves, "operating_costs", rows, total)


# Widths of a 湖南 coded table: code, name and three amounts.
_HUNAN_CODED = [30.0, 90.0, 34.0, 34.0, 34.0]


class _HunanLayout(_StyledLayout):
    """The national template as 湖南 prints it: titles 部门收支总体情况表 ..., printed above the grid,
    the department's own unit as a row under 合计 (单位代码 | 单位名称), a 部门基本支出预算表 of all
    funds and a 项目支出预算表 naming each project beside its function code, 万元."""

    TABLES = (
        ("income_expenditure_summary", "部门收支总体情况表"),
        ("income_summary", "部门收入总体情况表"),
        ("expenditure_summary", "部门支出总体情况表"),
        ("basic_expenditure", "部门基本支出预算表（人员类、运转类公用经费项目）"),
        ("project_expenditure", "项目支出预算表（其他运转类、特定目标类项目）"),
    )

    def sheets(self) -> list[_Sheet]:
        year = self.spec.fiscal_year
        return [getattr(self, table_type)(f"{year}年{title}") for table_type, title in self.TABLES]

    def income_expenditure_summary(self, title: str) -> _Sheet:
        """收入 | 支出, each 项目 | 预算数; the expenditure side lists the 类 of the items."""
        spec = self.spec
        if spec.carry_over:
            raise ValueError("the hunan layout prints no carry-over income")
        sheet = _Sheet(
            "income_expenditure_summary",
            title,
            [70, 34, 80, 34],
            [["收入", None, "支出", None], ["项目", "预算数", "项目", "预算数"]],
            {(0, 0): (1, 2), (0, 2): (1, 2)},
            "万元",
        )

        def line(label: str, value: Decimal, side: str, code: str | None = None, kind: str = "item") -> list[_Cell]:
            name = _unnumbered(label)
            return [label, self.money(value, "total", "subject" if code else kind, code, name, side, label)]

        income = [
            line("一、一般公共预算拨款收入", spec.general_budget_income, "income"),
            line("二、政府性基金预算拨款收入", ZERO, "income"),
            line("三、国有资本经营预算拨款收入", ZERO, "income"),
            line("四、财政专户管理资金收入", ZERO, "income"),
            line("五、单位资金", spec.other_income, "income"),
        ]
        spending = [
            line(f"{chinese_ordinal(n)}、{name}", spec.function_totals(code)[0], "expenditure", code)
            for n, (code, name) in enumerate(self.used_classes(), start=1)
        ]
        sheet.body = _two_sides(income, spending)
        sheet.body.append(
            [
                *line("本年收入合计", spec.total, "income", kind="total"),
                *line("本年支出合计", spec.total, "expenditure", kind="total"),
            ]
        )
        return sheet

    def income_summary(self, title: str) -> _Sheet:
        """合计, then the department's own unit by 单位代码 and name: one row per unit."""
        spec = self.spec
        sheet = _Sheet(
            "income_summary",
            title,
            [24, 70, 34, 40, 34],
            [["单位代码", "单位名称", "合计", "一般公共预算拨款", "单位资金"]],
            {},
            "万元",
        )
        values = [
            ("total", spec.total),
            ("general_budget", spec.general_budget_income),
            ("unit_funds", spec.other_income),
        ]
        for code, name, kind in (("", "合计", "total"), (spec.unit_code, spec.department_name, "unit")):
            label = "合计" if kind == "total" else name
            sheet.body.append([code, name, *(self.money(v, m, kind, None, label, None, label) for m, v in values)])
        return sheet

    def expenditure_summary(self, title: str) -> _Sheet:
        leaves = ["科目编码", "科目名称", "合计", "基本支出", "项目支出"]
        measures = ("total", "basic", "project")
        totals = self.spec.function_totals("")
        return self.coded_sheet(
            "expenditure_summary", title, _HUNAN_CODED, leaves, measures, totals, self.function_rows()
        )

    def basic_expenditure(self, title: str) -> _Sheet:
        """Every amount is 基本支出: its 合计 column is the measure `basic`."""
        spec = self.spec
        leaves = ["科目编码", "科目名称", "合计", "人员经费", "公用经费"]
        measures = ("basic", "personnel", "public_operating")
        totals = (spec.basic, spec.personnel, spec.public_operating)
        return self.coded_sheet(
            "basic_expenditure", title, _HUNAN_CODED, leaves, measures, totals, self.economic_rows()
        )

    def project_expenditure(self, title: str) -> _Sheet:
        """One project per function item that has project spending, printed under its code and named
        in the last column of names (项目名称); every amount is 项目支出."""
        spec = self.spec
        sheet = _Sheet(
            "project_expenditure",
            title,
            [30, 30, 96, 34, 40],
            [["项目分类", "科目编码", "项目名称", "合计", "一般公共预算拨款"]],
            {},
            "万元",
        )
        projects = [item for item in spec.function_items if item.project]
        total = sum((item.project for item in projects), ZERO)
        sheet.body.append(
            [
                "",
                "",
                "合计",
                *(self.money(total, m, "total", None, "合计", None, "合计") for m in ("project", "general_budget")),
            ]
        )
        for item in projects:
            name = f"{item.name}专项经费"
            sheet.body.append(
                [
                    "特定目标类",
                    item.code,
                    name,
                    *(self.money(item.project, m, "subject", item.code, name) for m in ("project", "general_budget")),
                ]
            )
        return sheet


# The 万元 table of a Shanghai disclosure prints an ASCII colon, as its WPS template does.
_SHANGHAI_UNITS = {"元": "单位：元", "万元": "单位:万元"}
_STYLED_ROW_HEIGHT = {"shanghai": 7.5, "jiangsu": 6.0, "hunan": 6.5}
_LANDSCAPE_BOTTOM = 196.0


class _StyledPrinter:
    """Landscape pages (or portrait pages turned by /Rotate 90), one table a page, long tables
    running onto the next page under their header or straight into rows."""

    def __init__(self, spec: DisclosureSpec, title: str | None = None) -> None:
        self.spec = spec
        self.doc = DisclosurePdf(title=title, ruling=spec.ruling)
        self.doc.pdf.set_creation_date(_CREATED)
        self.page_number = 0
        self.rotated: list[int] = []
        self.row_height = _STYLED_ROW_HEIGHT[spec.layout]

    def _page(self, rotated: bool):
        """Start a page; draw inside the returned context, from the returned left margin."""
        self.page_number += 1
        self.doc.y = 18.0
        if not rotated:
            self.doc.page(orientation="L")
            return nullcontext(), 15.0
        self.doc.page()
        self.rotated.append(self.page_number)
        return self.doc.turned(), 15.0 - (self.doc.pdf.h - self.doc.pdf.w)

    def _text(self, x: float, text: str, size: float = _LINE_FONT, right: str | None = None) -> None:
        pdf = self.doc.pdf
        pdf.set_font_size(size)
        if pdf.get_string_width(text) > 265:
            raise ValueError(f"line too wide for a landscape page: {text}")
        baseline = self.doc.y + size * 0.35
        pdf.text(x, baseline, text)
        if right:
            pdf.text(x + 215, baseline, right)
        pdf.set_font_size(_LINE_FONT)
        self.doc.y += size * 0.35 + 3

    def prose_page(self, lines: Sequence[tuple[float, str]]) -> None:
        context, x = self._page(False)
        with context:
            for size, text in lines:
                self._text(x, text, size)

    def _cell(self, sheet: _Sheet, cell: _Cell | None) -> str | None:
        if cell is None or isinstance(cell, str):
            return cell
        if cell.blank:
            return ""
        if self.spec.integer_amounts and sheet.unit == "元":
            if cell.value != cell.value.to_integral_value():
                raise ValueError(f"{cell.value} has cents: integer_amounts needs whole 元")
            return f"{cell.value:,.0f}"
        return table_amount(cell.value)

    def _check_widths(self, sheet: _Sheet, rows: list[list[str | None]], spans) -> None:
        self.doc.pdf.set_font_size(_TABLE_FONT)
        try:
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    width = sum(sheet.widths[c : c + spans.get((r, c), (1, 1))[1]])
                    for line in (text or "").split("\n"):
                        if self.doc.pdf.get_string_width(line) > width - 2.4:
                            raise ValueError(f"'{line}' is wider than its column in {sheet.title}")
        finally:
            self.doc.pdf.set_font_size(_LINE_FONT)

    def _title_row(self, sheet: _Sheet) -> list[str]:
        who = f"部门：{self.spec.department_name}    单位：{sheet.unit}"
        return [sheet.title, *([sheet.label] if sheet.label_inside and sheet.label else []), who]

    def sheet(self, sheet: _Sheet) -> list[int]:
        """Print a table and return the page of each body row."""
        width = len(sheet.widths)
        header, spans, heights = list(sheet.header), dict(sheet.spans), dict(sheet.header_heights)
        if self.spec.layout == "jiangsu":
            lines = self._title_row(sheet)
            header = [["\n".join(lines), *[None] * (width - 1)], *header]
            spans = {(0, 0): (1, width)} | {(r + 1, c): span for (r, c), span in spans.items()}
            heights = {0: len(lines) * _WRAPPED_LINE + 3} | {r + 1: h for r, h in heights.items()}
        body = [[self._cell(sheet, cell) for cell in row] for row in sheet.body]
        self._check_widths(
            sheet, [*header, *body], spans | {(r + len(header), c): s for (r, c), s in sheet.body_spans.items()}
        )
        header_height = sum(heights.get(r, self.row_height) for r in range(len(header)))
        pages: list[int] = []
        start = 0
        while start < len(body):
            context, x = self._page(sheet.rotated)
            with context:
                repeat = start == 0 or sheet.continuation == "header"
                if start == 0 and self.spec.layout == "shanghai":
                    self._text(x, sheet.title, 14)
                    self._text(x, f"编制部门：{self.spec.department_name}", right=_SHANGHAI_UNITS[sheet.unit])
                elif start == 0 and self.spec.layout == "hunan":
                    self._text(x, sheet.title, 14)
                    self._text(x, f"单位名称：{self.spec.department_name}", right=f"单位：{sheet.unit}")
                if start == 0 and sheet.label and not sheet.label_inside:
                    self._text(x, sheet.label)
                room = _LANDSCAPE_BOTTOM - self.doc.y - (header_height if repeat else 0)
                end = start
                while end < len(body) and room >= self.row_height:
                    room -= self.row_height
                    end += 1
                for (r, _), (down, _) in sheet.body_spans.items():
                    if start <= r < end < r + down:
                        end = r
                if end == start:
                    raise ValueError(f"no row of {sheet.title} fits on a page")
                top = header if repeat else []
                grid_spans = (spans if repeat else {}) | {
                    (r - start + len(top), c): s for (r, c), s in sheet.body_spans.items() if start <= r < end
                }
                grid = Grid(
                    rows=[*top, *body[start:end]],
                    widths=sheet.widths,
                    spans=grid_spans,
                    row_height=self.row_height,
                    heights=heights if repeat else {},
                )
                self.doc.pdf.set_font_size(_TABLE_FONT)
                self.doc.table(grid, x=x)
                self.doc.pdf.set_font_size(_LINE_FONT)
            pages.extend([self.page_number] * (end - start))
            start = end
        return pages

    def bytes(self) -> bytes:
        return self.doc.bytes()


def _styled_narrative(spec: DisclosureSpec, stated_shift: Decimal = ZERO) -> list[tuple[float, str]]:
    """A short 编制说明 stating the figures the narrative rule compares with the tables; the totals
    stated `stated_shift` 万元 off (the narrative_total plant)."""
    who, year = spec.department_name, spec.fiscal_year
    total = narrative_amount(in_wan(spec.total, spec.unit) + stated_shift)
    appropriation = narrative_amount(in_wan(spec.general_budget_income, spec.unit))
    lines = [
        (14.0, f"{year}年部门预算编制说明"),
        (_LINE_FONT, f"{year}年，{who}收入预算{total}万元，其中：财政拨款收入{appropriation}万元。"),
        (_LINE_FONT, f"支出预算{total}万元。"),
        (
            _LINE_FONT,
            f"财政拨款支出中，基本支出{narrative_amount(in_wan(spec.basic, spec.unit))}万元，"
            f"项目支出{narrative_amount(in_wan(spec.project, spec.unit))}万元。",
        ),
    ]
    if spec.layout == "shanghai":
        three = narrative_amount(spec.three_public_total)
        lines.append((_LINE_FONT, f"{year}年“三公”经费预算数为{three}万元。"))
    return lines


def _build_styled(spec: DisclosureSpec, plant: Plant | None = None) -> Disclosure:
    document_title = None
    prose: tuple[str, ...] = ()
    if spec.layout == "shanghai":
        if spec.carry_over or spec.other_income or spec.reserve:
            raise ValueError("the shanghai layout prints no carry-over, other income or reserve")
        layout: _StyledLayout = _ShanghaiLayout(spec)
        printer = _StyledPrinter(spec)
        cover = [
            (20.0, f"上海市普陀区{spec.fiscal_year}年区级部门预算"),
            (14.0, f"预算主管部门：{spec.department_name}"),
        ]
        printer.prose_page(cover)
        printer.prose_page(_styled_narrative(spec))
        prose = tuple(text for _, text in [*cover, *_styled_narrative(spec)])
        pages = {"cover": 1, "narrative": 2}
        sheets = layout.sheets()
    else:
        layout = _HunanLayout(spec) if spec.layout == "hunan" else _JiangsuLayout(spec)
        document_title = f"{spec.department_name}{spec.fiscal_year}年部门预算"
        printer = _StyledPrinter(spec, title=document_title)
        pages = {}
        sheets = layout.sheets()
    amounts: list[PrintedAmount] = []
    table_pages: dict[str, tuple[int, ...]] = {}
    row_pages: dict[str, list[int]] = {}
    for sheet in sheets:
        row_pages[sheet.table_type] = printer.sheet(sheet)
        pages[sheet.table_type] = row_pages[sheet.table_type][0]
        table_pages[sheet.table_type] = tuple(dict.fromkeys(row_pages[sheet.table_type]))
        for r, row in enumerate(sheet.body):
            for cell in row:
                if isinstance(cell, _Money) and not cell.blank:
                    amounts.append(
                        PrintedAmount(
                            sheet.table_type,
                            row_pages[sheet.table_type][r],
                            r,
                            cell.side,
                            cell.row_kind,
                            cell.subject_code,
                            cell.subject_name,
                            cell.measure,
                            in_wan(cell.value, sheet.unit),
                            printer._cell(sheet, cell) or "",
                            cell.row_label,
                            sheet.unit,
                            cell.fact,
                        )
                    )
    damage = tuple(
        DamagedRow(
            d.kind,
            d.table_type,
            row_pages[d.table_type][d.row],
            d.printed_code,
            d.subject_code,
            d.subject_name,
            tuple(a for a in amounts if a.table_type == d.table_type and a.row == d.row),
        )
        for d in layout.damage
    )
    companion = None
    narrative: tuple[str, ...] = ()
    plants: tuple[PlantedError, ...] = ()
    if spec.layout == "jiangsu" and spec.two_files:
        narrative_printer = _StyledPrinter(spec, title=f"{spec.department_name}{spec.fiscal_year}年部门预算公开")
        narrative_printer.prose_page([(20.0, f"{spec.department_name}"), (16.0, f"{spec.fiscal_year}年度部门预算公开")])
        lines = _styled_narrative(spec, plant.delta or ZERO if plant else ZERO)
        narrative_printer.prose_page(lines)
        companion = narrative_printer.bytes()
        narrative = tuple(text for _, text in lines[1:])
        plants = _companion_plant(spec, plant, lines[1][1]) if plant else ()
    elif spec.layout == "shanghai":
        narrative = tuple(text for _, text in _styled_narrative(spec)[1:])
    printed_tables = tuple(_printed_sheet(spec, sheet) for sheet in sheets)
    return Disclosure(
        spec=spec,
        pdf=printer.bytes(),
        pages=MappingProxyType(pages),
        amounts=tuple(amounts),
        narrative=narrative,
        page_count=printer.page_number,
        damage=damage,
        table_pages=MappingProxyType(table_pages),
        rotated_pages=tuple(printer.rotated),
        companion_pdf=companion,
        plants=plants,
        printout=Printout(prose, printed_tables, document_title),
    )


def _companion_plant(spec: DisclosureSpec, plant: Plant, sentence: str) -> tuple[PlantedError, ...]:
    """The narrative_total plant in a two-file disclosure's narrative file, on its second page (the
    first is its cover): the totals it states against the tables file's."""
    total = in_wan(spec.total, spec.unit)
    stated = total + (plant.delta or ZERO)
    return (
        PlantedError(
            plant.kind, _RULE[plant.kind], None, 2, None, "total", sentence, total, stated, narrative_amount(stated)
        ),
    )


def _printed_sheet(spec: DisclosureSpec, sheet: _Sheet) -> PrintedTable:
    """A styled table as PrintedTable: the lines _StyledPrinter prints above (or ruled into) its grid."""
    if spec.layout == "shanghai":
        above: tuple[tuple[str, ...], ...] = ((f"编制部门：{spec.department_name}", _SHANGHAI_UNITS[sheet.unit]),)
    elif spec.layout == "hunan":
        above = ((f"单位名称：{spec.department_name}", f"单位：{sheet.unit}"),)
    else:
        above = ((sheet.label,),) if sheet.label else ()
        above += ((f"部门：{spec.department_name}", f"单位：{sheet.unit}"),)
    spans = dict(sheet.spans) | {(r + len(sheet.header), c): span for (r, c), span in sheet.body_spans.items()}
    amount_format = "#,##0" if spec.integer_amounts and sheet.unit == "元" else "#,##0.00"
    return PrintedTable(
        sheet.table_type,
        sheet.title,
        above,
        _printed_rows(sheet.header, sheet.body),
        len(sheet.header),
        MappingProxyType(spans),
        amount_format,
        sheet.unit,
    )


# ---------------------------------------------------------------------------------------------
# Specs for the styled layouts: departments unlike the development files', amounts that exercise
# rounding (1,234,450.00 元 is 123.445 万元: half-up gives 123.45, half-even would give 123.44).

_SHANGHAI_ECONOMIC = (
    ("30101", "基本工资", "3125408.00", "0"),
    ("30102", "津贴补贴", "6231745.00", "0"),
    ("30103", "奖金", "412650.00", "0"),
    ("30107", "绩效工资", "2718344.00", "0"),
    ("30108", "机关事业单位基本养老保险缴费", "1604213.52", "0"),
    ("30109", "职业年金缴费", "802106.76", "0"),
    ("30110", "职工基本医疗保险缴费", "1234450.00", "0"),
    ("30113", "住房公积金", "1512820.00", "0"),
    ("30201", "办公费", "0", "286400.00"),
    ("30205", "水费", "0", "35000.00"),
    ("30206", "电费", "0", "120000.00"),
    ("30211", "差旅费", "0", "45000.00"),
    ("30217", "公务接待费", "0", "12000.00"),
    ("30228", "工会经费", "0", "198217.54"),
    ("30231", "公务用车运行维护费", "0", "25000.00"),
    ("30301", "离休费", "114940.00", "0"),
    ("30302", "退休费", "1188720.00", "0"),
)
# The first item's basic spending is whatever the economic items leave (None below).
_SHANGHAI_FUNCTION = (
    ("2100101", "行政运行", None, "110000.00"),
    ("2080501", "行政单位离退休", "1303660.00", "0"),
    ("2080505", "机关事业单位基本养老保险缴费支出", "1604213.52", "0"),
    ("2080506", "机关事业单位职业年金缴费支出", "802106.76", "0"),
    ("2100102", "一般行政管理事务", "0", "46140000.00"),
    ("2100199", "其他卫生健康管理事务支出", "0", "20120000.00"),
    ("2100401", "疾病预防控制机构", "3767295.58", "40000.00"),
    ("2100408", "基本公共卫生服务", "0", "8800000.00"),
    ("2101101", "行政单位医疗", "782855.28", "0"),
    ("2101102", "事业单位医疗", "451594.72", "0"),
    ("2210201", "住房公积金", "1512820.00", "0"),
    ("2210203", "购房补贴", "0", "1867680.00"),
)


def _whole(value: str, whole_yuan: bool) -> Decimal:
    amount = Decimal(value)
    return amount.to_integral_value(rounding="ROUND_DOWN") if whole_yuan else amount


def shanghai_spec(whole_yuan: bool = False, **changes) -> DisclosureSpec:
    """A 上海市普陀区 department budget in 元 with tables long enough to run over pages.

    `whole_yuan` drops the cents of every item (for `integer_amounts=True`); `changes` replace
    any other field (department_name, fiscal_year, damage, ...).
    """
    economic = tuple(
        EconomicItem(code, name, _whole(p, whole_yuan), _whole(o, whole_yuan))
        for code, name, p, o in _SHANGHAI_ECONOMIC
    )
    basic = sum((item.total for item in economic), ZERO)
    given = sum((_whole(b, whole_yuan) for _, _, b, _ in _SHANGHAI_FUNCTION if b is not None), ZERO)
    function = tuple(
        FunctionItem(code, name, basic - given if b is None else _whole(b, whole_yuan), _whole(p, whole_yuan))
        for code, name, b, p in _SHANGHAI_FUNCTION
    )
    fields = {
        "department_name": "上海市普陀区卫生健康委员会",
        "department_code": None,
        "adcode": "310107",
        "layout": "shanghai",
        "unit": "元",
        "integer_amounts": whole_yuan,
        "blank_zeros": not whole_yuan,
        "function_items": function,
        "economic_items": economic,
        "carry_over": ZERO,
        "operating_costs": Decimal("71.66"),
        "subject_names": (("21001", "卫生健康管理事务"), ("21004", "公共卫生")),
        "three_public_items": (
            ThreePublicItem("因公出国（境）费", current_year="3.00"),
            ThreePublicItem("公务用车购置费", part_of=_VEHICLES),
            ThreePublicItem("公务用车运行费", current_year="2.50", part_of=_VEHICLES),
            ThreePublicItem("公务接待费", current_year="1.20"),
        ),
    }
    return DisclosureSpec(**(fields | changes))


def jiangsu_spec(**changes) -> DisclosureSpec:
    """A 江苏省 provincial department budget in 万元 with a 单位预留机动经费 reserve.

    No other income by default: the 财政拨款 tables would then print less than the function items.
    """
    economic = (
        EconomicItem("30101", "基本工资", "612.34"),
        EconomicItem("30102", "津贴补贴", "1408.20"),
        EconomicItem("30103", "奖金", "52.10"),
        EconomicItem("30108", "机关事业单位基本养老保险缴费", "298.45"),
        EconomicItem("30109", "职业年金缴费", "119.38"),
        EconomicItem("30113", "住房公积金", "356.60"),
        EconomicItem("30201", "办公费", public_operating="210.00"),
        EconomicItem("30205", "水费", public_operating="18.00"),
        EconomicItem("30206", "电费", public_operating="46.50"),
        EconomicItem("30211", "差旅费", public_operating="88.00"),
        EconomicItem("30228", "工会经费", public_operating="40.12"),
        EconomicItem("30231", "公务用车运行维护费", public_operating="36.80"),
        EconomicItem("30302", "退休费", "402.77"),
    )
    basic = sum((item.total for item in economic), ZERO)
    function = (
        FunctionItem("2070201", "行政运行", basic - Decimal("1176.60"), "35.00"),
        FunctionItem("2070204", "文物保护", project="1820.50"),
        FunctionItem("2070205", "博物馆", "0", "642.18"),
        FunctionItem("2080505", "机关事业单位基本养老保险缴费支出", "298.45"),
        FunctionItem("2080506", "机关事业单位职业年金缴费支出", "119.38"),
        FunctionItem("2101101", "行政单位医疗", "402.77"),
        FunctionItem("2210201", "住房公积金", "356.00"),
    )
    fields = {
        "department_name": "江苏省文物局",
        "department_code": None,
        "adcode": "320000",
        "layout": "jiangsu",
        "function_items": function,
        "economic_items": economic,
        "carry_over": ZERO,
        "reserve": Decimal("300.00"),
        "subject_names": (("20702", "文物"),),
    }
    return DisclosureSpec(**(fields | changes))


def hunan_spec(**changes) -> DisclosureSpec:
    """A 湖南 county-level department budget in the national template's wording, with 单位资金
    income beside the appropriation and four projects."""
    economic = (
        EconomicItem("30101", "基本工资", "186.24"),
        EconomicItem("30102", "津贴补贴", "240.60"),
        EconomicItem("30108", "机关事业单位基本养老保险缴费", "58.31"),
        EconomicItem("30113", "住房公积金", "43.70"),
        EconomicItem("30201", "办公费", public_operating="22.50"),
        EconomicItem("30211", "差旅费", public_operating="9.80"),
        EconomicItem("30228", "工会经费", public_operating="6.15"),
        EconomicItem("30305", "生活补助", "12.00"),
    )
    basic = sum((item.total for item in economic), ZERO)
    function = (
        FunctionItem("2130101", "行政运行", basic - Decimal("102.01"), "12.00"),
        FunctionItem("2130122", "农业生产发展", project="315.40"),
        FunctionItem("2130126", "农村社会事业", project="88.25"),
        FunctionItem("2130153", "农田建设", project="1024.00"),
        FunctionItem("2080505", "机关事业单位基本养老保险缴费支出", "58.31"),
        FunctionItem("2210201", "住房公积金", "43.70"),
    )
    spec = DisclosureSpec(
        department_name="长沙市岳麓区农业农村局",
        department_code="107",
        adcode="430104",
        layout="hunan",
        function_items=function,
        economic_items=economic,
        carry_over=ZERO,
        other_income=Decimal("36.50"),
        subject_names=(("21301", "农业农村"),),
    )
    return replace(spec, **changes)
