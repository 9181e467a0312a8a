"""Synthetic disclosures for benchmarking (not for correctness tests).

Each document is a consistent 部门预算 disclosure printed by `factory.disclosures` (every total
computed from its items, so the pipeline loads it cleanly), enlarged to a realistic length and
arranged in one of the two shared layouts:

- `cangxi` (四川 county, like ../shared/corpus/cangxi_2025_ybj.pdf): cover, 目录, 第一部分 概况
  (prose pages), 第二部分 预算表 (ruled tables, nothing printed where an amount is zero), 情况说明
  (the factory's narrative, with the figures the consistency rules check), 名词解释 (prose pages).
- `guiyang` (贵州 city, like guiyang_2025_ybj.pdf): a "(本级)" cover naming the 市级部门预算公开信息,
  目录, the 情况说明 prose up front, then the tables, zeros printed as 0.00.

Regions are real GB/T 2260 names from `transforms.regions.region_reference()`, in use in every
year the corpus prints, that resolve without ambiguity (counties for cangxi, prefecture cities for
guiyang); departments, years (2021-2025) and the function items they budget vary. Tables grow by
budgeting more 项 (up to a few thousand rows for the 200-page documents), prose pages fill the
rest of the requested length.

The factory's PDF and the prose pages are printed separately and put together with pypdf.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from functools import cache
from pathlib import Path

import polars as pl
from pypdf import PdfReader, PdfWriter

from factory.disclosures import (
    SUBJECT_NAMES,
    DisclosureSpec,
    EconomicItem,
    FunctionItem,
    ThreePublicItem,
    build_disclosure,
)
from factory.pdf import DisclosurePdf
from transforms.regions import region_reference, resolve_region

LAYOUTS = ("cangxi", "guiyang")
YEARS = (2021, 2022, 2023, 2024, 2025)
CORPUS_VERSION = 2

# Real 支出功能分类 项 (2025 科目) per 款; more 项 than these are made up under the same 款 (and
# more 款 under the class) when a document needs many rows.
REAL_KUAN: dict[str, str] = {
    "20101": "人大事务",
    "20103": "政府办公厅(室)及相关机构事务",
    "20106": "财政事务",
    "20129": "群众团体事务",
    "20402": "公安",
    "20406": "司法",
    "20501": "教育管理事务",
    "20502": "普通教育",
    "20503": "职业教育",
    "20507": "特殊教育",
    "20508": "进修及培训",
    "20601": "科学技术管理事务",
    "20604": "技术研究与开发",
    "20701": "文化和旅游",
    "20708": "广播电视",
    "20801": "人力资源和社会保障管理事务",
    "20802": "民政管理事务",
    "20805": "行政事业单位养老支出",
    "20808": "抚恤",
    "20810": "社会福利",
    "21001": "卫生健康管理事务",
    "21003": "基层医疗卫生机构",
    "21004": "公共卫生",
    "21011": "行政事业单位医疗",
    "21013": "医疗救助",
    "21015": "医疗保障管理事务",
    "21101": "环境保护管理事务",
    "21103": "污染防治",
    "21201": "城乡社区管理事务",
    "21203": "城乡社区公共设施",
    "21301": "农业农村",
    "21302": "林业和草原",
    "21303": "水利",
    "21305": "巩固脱贫攻坚成果衔接乡村振兴",
    "21401": "公路水路运输",
    "21602": "商业流通事务",
    "22001": "自然资源事务",
    "22102": "住房改革支出",
    "22401": "应急管理事务",
}
REAL_XIANG: dict[str, str] = {
    "2010101": "行政运行",
    "2010102": "一般行政管理事务",
    "2010104": "人大会议",
    "2010301": "行政运行",
    "2010302": "一般行政管理事务",
    "2010350": "事业运行",
    "2010601": "行政运行",
    "2010602": "一般行政管理事务",
    "2012901": "行政运行",
    "2040201": "行政运行",
    "2040220": "执法办案",
    "2040601": "行政运行",
    "2050101": "行政运行",
    "2050102": "一般行政管理事务",
    "2050201": "学前教育",
    "2050202": "小学教育",
    "2050203": "初中教育",
    "2050204": "高中教育",
    "2050302": "中等职业教育",
    "2050701": "特殊学校教育",
    "2050803": "培训支出",
    "2060101": "行政运行",
    "2060404": "科技成果转化与扩散",
    "2070101": "行政运行",
    "2070109": "群众文化",
    "2070808": "广播电视事务",
    "2080101": "行政运行",
    "2080201": "行政运行",
    "2080501": "行政单位离退休",
    "2080502": "事业单位离退休",
    "2080505": "机关事业单位基本养老保险缴费支出",
    "2080506": "机关事业单位职业年金缴费支出",
    "2080801": "死亡抚恤",
    "2081002": "老年福利",
    "2100101": "行政运行",
    "2100302": "乡镇卫生院",
    "2100401": "疾病预防控制机构",
    "2100409": "重大公共卫生服务",
    "2101101": "行政单位医疗",
    "2101102": "事业单位医疗",
    "2101103": "公务员医疗补助",
    "2101301": "城乡医疗救助",
    "2101501": "行政运行",
    "2101505": "医疗保障政策管理",
    "2101550": "事业运行",
    "2110101": "行政运行",
    "2110301": "大气",
    "2120101": "行政运行",
    "2120104": "城管执法",
    "2120303": "小城镇基础设施建设",
    "2130101": "行政运行",
    "2130104": "事业运行",
    "2130201": "行政运行",
    "2130301": "行政运行",
    "2130599": "其他巩固脱贫攻坚成果衔接乡村振兴支出",
    "2140101": "行政运行",
    "2160201": "行政运行",
    "2200101": "行政运行",
    "2210201": "住房公积金",
    "2210203": "购房补贴",
    "2240101": "行政运行",
}
_XIANG_WORDS = (
    "行政运行",
    "一般行政管理事务",
    "机关服务",
    "事业运行",
    "专项业务",
    "信息化建设",
    "业务培训",
    "监督检查",
    "宣传教育",
    "规划编制",
    "项目管理",
    "设施维护",
    "安全管理",
    "统计调查",
    "标准制定",
    "科研管理",
    "应急保障",
    "人才发展",
    "资产管理",
    "档案管理",
    "对外交流",
    "综合执法",
    "公共服务",
    "基础建设",
    "技术推广",
)
_KUAN_WORDS = ("管理事务", "专项业务", "公共服务", "综合事务", "改革发展", "监督管理", "保障服务", "能力建设")
_CLASS_THEMES = {
    "201": "政务",
    "204": "公安",
    "205": "教育",
    "206": "科技",
    "207": "文化",
    "208": "社会保障",
    "210": "卫生",
    "211": "环保",
    "212": "城乡社区",
    "213": "农业",
    "214": "交通",
    "216": "商贸",
    "220": "自然资源",
    "221": "住房",
    "224": "应急",
}

# 部门预算支出经济分类 款 under 301/302/303: (code, name, kind) with kind personnel/public/both.
ECONOMIC_CATALOG: tuple[tuple[str, str, str], ...] = (
    ("30101", "基本工资", "personnel"),
    ("30102", "津贴补贴", "personnel"),
    ("30103", "奖金", "personnel"),
    ("30106", "伙食补助费", "personnel"),
    ("30107", "绩效工资", "personnel"),
    ("30108", "机关事业单位基本养老保险缴费", "personnel"),
    ("30109", "职业年金缴费", "personnel"),
    ("30110", "职工基本医疗保险缴费", "personnel"),
    ("30111", "公务员医疗补助缴费", "personnel"),
    ("30112", "其他社会保障缴费", "personnel"),
    ("30113", "住房公积金", "personnel"),
    ("30114", "医疗费", "personnel"),
    ("30199", "其他工资福利支出", "personnel"),
    ("30201", "办公费", "public"),
    ("30202", "印刷费", "public"),
    ("30203", "咨询费", "public"),
    ("30204", "手续费", "public"),
    ("30205", "水费", "public"),
    ("30206", "电费", "public"),
    ("30207", "邮电费", "public"),
    ("30208", "取暖费", "public"),
    ("30209", "物业管理费", "public"),
    ("30211", "差旅费", "public"),
    ("30213", "维修(护)费", "public"),
    ("30214", "租赁费", "public"),
    ("30215", "会议费", "public"),
    ("30216", "培训费", "public"),
    ("30217", "公务接待费", "public"),
    ("30218", "专用材料费", "public"),
    ("30226", "劳务费", "public"),
    ("30227", "委托业务费", "public"),
    ("30228", "工会经费", "public"),
    ("30229", "福利费", "public"),
    ("30231", "公务用车运行维护费", "public"),
    ("30239", "其他交通费用", "both"),
    ("30299", "其他商品和服务支出", "public"),
    ("30301", "离休费", "personnel"),
    ("30302", "退休费", "personnel"),
    ("30305", "生活补助", "personnel"),
    ("30307", "医疗费补助", "personnel"),
    ("30309", "奖励金", "personnel"),
    ("30399", "其他对个人和家庭的补助", "personnel"),
)


@dataclass(frozen=True)
class Department:
    suffix: str
    code: str
    classes: tuple[str, ...]  # the department's own class first, then the ones every department budgets


_COMMON = ("208", "210", "221")
DEPARTMENTS: tuple[Department, ...] = (
    Department("教育局", "318", ("205", *_COMMON)),
    Department("卫生健康局", "336", ("210", "208", "221")),
    Department("医疗保障局", "352", ("210", "208", "221")),
    Department("农业农村局", "325", ("213", *_COMMON)),
    Department("交通运输局", "327", ("214", *_COMMON)),
    Department("民政局", "309", ("208", "210", "221")),
    Department("公安局", "305", ("204", *_COMMON)),
    Department("财政局", "312", ("201", *_COMMON)),
    Department("住房和城乡建设局", "322", ("212", *_COMMON)),
    Department("生态环境局", "341", ("211", *_COMMON)),
    Department("文化广播电视和旅游局", "330", ("207", *_COMMON)),
    Department("科学技术局", "316", ("206", *_COMMON)),
    Department("自然资源局", "338", ("220", *_COMMON)),
    Department("应急管理局", "345", ("224", *_COMMON)),
    Department("商务局", "331", ("216", *_COMMON)),
)


# ---------------------------------------------------------------------------------------------
# Subjects


def _kuan_name(code: str) -> str:
    if code in REAL_KUAN:
        return REAL_KUAN[code]
    theme = _CLASS_THEMES.get(code[:3], "综合")
    return theme + _KUAN_WORDS[int(code[3:5]) % len(_KUAN_WORDS)]


def _xiang_name(code: str) -> str:
    if code in REAL_XIANG:
        return REAL_XIANG[code]
    word = _XIANG_WORDS[(int(code[5:7]) + int(code[3:5])) % len(_XIANG_WORDS)]
    return _CLASS_THEMES.get(code[:3], "") + word


@cache
def function_catalog(class_code: str) -> tuple[str, ...]:
    """Every 项 code of a class a document may budget: the real ones first, then made-up ones
    (款 01-39, 项 01-49) in code order."""
    real = sorted(code for code in REAL_XIANG if code.startswith(class_code))
    made_up = [f"{class_code}{kuan:02d}{xiang:02d}" for kuan in range(1, 40) for xiang in range(1, 50)]
    return tuple(dict.fromkeys([*real, *made_up]))


# ---------------------------------------------------------------------------------------------
# Regions


@cache
def region_pool(level: str) -> tuple[tuple[str, str], ...]:
    """(adcode, name) of regions at `level`, in use in every year of YEARS, whose name resolves to
    exactly that region."""
    regions = region_reference().filter(pl.col("valid_to").is_null())
    counts = regions.group_by("name").len()
    unique = regions.join(counts, on="name").filter(
        (pl.col("len") == 1)
        & (pl.col("level") == level)
        & (pl.col("name").str.len_chars() >= 2)
        & (pl.col("valid_from") <= min(YEARS))
    )
    names = region_reference()["name"].to_list()
    pool = []
    for adcode, name in unique.select("adcode", "name").sort("adcode").iter_rows():
        # a longer region name starting with this one would win the prefix match: skip those
        if any(other != name and other.startswith(name) for other in names):
            continue
        pool.append((adcode, name))
    return tuple(pool)


# ---------------------------------------------------------------------------------------------
# Specs


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def _split(total: Decimal, parts: int, rng: random.Random) -> list[Decimal]:
    """`total` split into `parts` positive amounts to the cent that add up exactly."""
    cents = int(total * 100)
    if parts == 1:
        return [total]
    weights = [rng.random() + 0.05 for _ in range(parts)]
    scale = sum(weights)
    shares = [max(1, int(cents * w / scale)) for w in weights]
    shares[-1] = cents - sum(shares[:-1])
    if shares[-1] <= 0:  # pathological weights: fall back to an even split
        base, rest = divmod(cents, parts)
        shares = [base + (1 if i < rest else 0) for i in range(parts)]
    return [Decimal(s) / 100 for s in shares]


def _function_codes(department: Department, items: int, rng: random.Random) -> list[str]:
    """`items` 项 codes: most in the department's own class, a few in the common ones."""
    common = department.classes[1:]
    per_common = {
        "208": ["2080505", "2080506", "2080501", "2080502", "2080801"],
        "210": ["2101101", "2101102", "2101103"],
        "221": ["2210201", "2210203"],
    }
    chosen: list[str] = []
    for code in common:
        wanted = per_common.get(code, list(function_catalog(code)[:3]))
        chosen.extend(wanted[: max(1, min(len(wanted), items // 10))])
    own = function_catalog(department.classes[0])
    remaining = max(1, items - len(chosen))
    if remaining > len(own):
        raise ValueError(f"{items} items are more than the catalog of class {department.classes[0]} holds")
    # the real 项 first, then made-up ones: a contiguous run keeps 款 groups realistic
    chosen.extend(own[:remaining])
    return sorted(set(chosen))


def make_spec(
    department_name: str,
    department: Department,
    year: int,
    function_items: int,
    economic_items: int,
    blank_zeros: bool,
    rng: random.Random,
) -> DisclosureSpec:
    """A consistent spec: the function items' basic spending equals the economic items' total."""
    econ_rows = sorted(rng.sample(ECONOMIC_CATALOG, min(economic_items, len(ECONOMIC_CATALOG))))
    econ: list[EconomicItem] = []
    for code, name, kind in econ_rows:
        personnel = _cents(rng, 5, 900) if kind in ("personnel", "both") else Decimal("0.00")
        public = _cents(rng, 1, 80) if kind in ("public", "both") else Decimal("0.00")
        econ.append(EconomicItem(code, name, personnel, public))
    basic_total = sum((e.total for e in econ), Decimal("0.00"))

    codes = _function_codes(department, function_items, rng)
    with_basic = [code for code in codes if rng.random() < 0.6] or codes[:1]
    basic_amounts = dict(zip(with_basic, _split(basic_total, len(with_basic), rng), strict=True))
    items = []
    for code in codes:
        basic = basic_amounts.get(code, Decimal("0.00"))
        project = _cents(rng, 1, 600) if (code not in basic_amounts or rng.random() < 0.4) else Decimal("0.00")
        items.append(FunctionItem(code, _xiang_name(code), basic, project))

    names = {code[:5] for code in codes} - set(SUBJECT_NAMES)
    total = sum((i.total for i in items), Decimal("0.00"))
    carry_over = (total * Decimal(rng.choice(("0.00", "0.02", "0.05", "0.08")))).quantize(Decimal("0.01"))
    three_public = (
        ThreePublicItem("因公出国（境）费", _cents(rng, 0, 3), Decimal("0.00")),
        ThreePublicItem("公务用车购置费", Decimal("0.00"), _cents(rng, 0, 30), part_of="公务用车购置及运行费"),
        ThreePublicItem("公务用车运行费", _cents(rng, 1, 12), _cents(rng, 1, 12), part_of="公务用车购置及运行费"),
        ThreePublicItem("公务接待费", _cents(rng, 1, 6), _cents(rng, 1, 6)),
    )
    return DisclosureSpec(
        department_name=department_name,
        fiscal_year=year,
        department_code=department.code,
        function_items=tuple(items),
        economic_items=tuple(econ),
        three_public_items=three_public,
        carry_over=carry_over,
        subject_names=tuple(sorted((code, _kuan_name(code)) for code in names)),
        blank_zeros=blank_zeros,
    )


def function_items_for(table_pages: int, economic_items: int) -> int:
    """Function items that make the factory print about `table_pages` table pages.

    Calibrated on the factory's layout: 部门收支总表 and 三公 one page each, ~42 rows a page, the
    部门支出总表 one row per 项 and the 一般公共预算支出表 about 1.25 rows per 项 (类 and 款 rows)."""
    basic_pages = 1 + (economic_items + 4) // 36
    room = max(2, table_pages - 2 - basic_pages)
    return max(6, int(room * 42 / 2.3))


# ---------------------------------------------------------------------------------------------
# Prose pages

_PROSE = (
    "负责贯彻执行国家、省、市有关{topic}的方针政策和法律法规，拟订{region}{topic}发展规划并组织实施和监督检查。",
    "按照综合预算的原则，{dept}所有收入和支出均纳入部门预算管理，收支预算按照零基预算的要求编制。",
    "坚持以人民为中心的发展思想，围绕{region}中心工作，推动{topic}事业高质量发展，着力提升公共服务水平。",
    "加强预算绩效管理，建立健全全过程预算绩效管理链条，强化绩效目标管理，做好绩效运行监控和绩效评价。",
    "严格落实过紧日子要求，从严控制一般性支出，压减非刚性、非重点项目支出，集中财力保障重点领域支出。",
    "深化放管服改革，优化办事流程，推行一窗受理、集成服务，提升群众办事的便利度和满意度。",
    "统筹推进{topic}领域重点项目建设，完善项目储备机制，加强项目前期工作，确保资金及时拨付、有效使用。",
    "强化内部控制，完善财务管理制度，规范资金使用审批程序，确保财政资金安全、规范、高效运行。",
    "财政拨款收入：指本级财政当年拨付的资金，包括一般公共预算拨款收入、政府性基金预算拨款收入。",
    "事业收入：指事业单位开展专业业务活动及辅助活动所取得的收入。",
    "上年结转：指以前年度尚未完成、结转到本年按有关规定继续使用的资金。",
    "基本支出：指为保障机构正常运转、完成日常工作任务而发生的人员经费和公用经费。",
    "项目支出：指在基本支出之外为完成特定行政任务和事业发展目标所发生的支出。",
    "机关运行经费：为保障行政单位运行用于购买货物和服务的各项资金，包括办公及印刷费、邮电费、差旅费等。",
    "“三公”经费：纳入财政预决算管理的“三公”经费，是指用财政拨款安排的因公出国（境）费、公务用车购置及运行费和公务接待费。",
    "做好政府采购预算编制工作，凡使用财政性资金采购集中采购目录以内或者限额标准以上的货物、工程和服务，均编制政府采购预算。",
    "国有资产占用情况：本部门所属各预算单位共有车辆若干辆，其中一般公务用车、执法执勤用车按规定配备和管理。",
    "推进{topic}信息化建设，整合业务系统和数据资源，提高数据共享和业务协同能力，提升监管的精准性和有效性。",
)
_TOPICS = {
    "205": "教育",
    "210": "卫生健康",
    "213": "农业农村",
    "214": "交通运输",
    "208": "民政",
    "204": "公共安全",
    "201": "财政",
    "212": "城乡建设",
    "211": "生态环境",
    "207": "文化旅游",
    "206": "科学技术",
    "220": "自然资源",
    "224": "应急管理",
    "216": "商务",
}
_PAGE_FILL_Y = 232.0  # start no paragraph below this (a paragraph runs up to ~30 mm)


@dataclass(frozen=True)
class ProsePage:
    heading: str | None
    first_number: int  # printed page number (furniture)


def _prose_pdf(pages: Sequence[ProsePage], context: dict[str, str], rng: random.Random) -> bytes:
    """Pages of prose: an optional heading, then paragraphs down to the foot of the page."""
    doc = DisclosurePdf()
    for page in pages:
        doc.page(footer=f"- {page.first_number} -")
        if page.heading:
            doc.line(page.heading, size=14)
            doc.y += 2
        while doc.y < _PAGE_FILL_Y:
            sentences = rng.sample(_PROSE, 2)
            doc.paragraph("".join(s.format(**context) for s in sentences))
    return doc.bytes()


def _single_page_pdf(lines: Sequence[tuple[str, float]], number: int) -> DisclosurePdf:
    doc = DisclosurePdf()
    doc.page(footer=f"- {number} -")
    doc.y = 80
    for text, size in lines:
        doc.line(text, size=size)
        doc.y += 4
    return doc


def _contents_lines(department_name: str, year: int) -> list[tuple[str, float]]:
    return [
        ("目 录", 16),
        (f"第一部分 {department_name}概况", 11),
        (f"第二部分 {department_name}{year}年部门预算表", 11),
        ("一、部门收支总表", 10),
        ("二、部门支出总表", 10),
        ("三、一般公共预算支出预算表", 10),
        ("四、一般公共预算基本支出预算表", 10),
        ("五、一般公共预算“三公”经费支出预算表", 10),
        (f"第三部分 {department_name}{year}年部门预算情况说明", 11),
        ("第四部分 名词解释", 11),
    ]


# ---------------------------------------------------------------------------------------------
# Documents


@dataclass(frozen=True)
class DocumentPlan:
    """What one benchmark document is: who, which layout, how long, how many table rows."""

    name: str  # file name
    layout: str
    adcode: str
    region_name: str
    department_suffix: str
    year: int
    pages: int  # requested length
    table_share: float = 0.5  # share of pages that print tables (the shared samples: ~0.5)
    seed: int = 0


@dataclass(frozen=True)
class BuiltDocument:
    """A document on disk and what it prints (for sanity checks of the ingest)."""

    path: str
    layout: str
    adcode: str
    department_name: str
    year: int
    pages: int
    table_pages: int
    prose_pages: int
    amounts: int  # amounts printed in the tables: the facts a correct ingest loads
    sha256: str


def _department(suffix: str) -> Department:
    return next(d for d in DEPARTMENTS if d.suffix == suffix)


def render(plan: DocumentPlan) -> tuple[bytes, BuiltDocument]:
    """Print a planned document; returns its bytes and what it holds."""
    rng = random.Random(f"{plan.seed}:{plan.name}")
    department = _department(plan.department_suffix)
    department_name = plan.region_name + department.suffix
    economic_items = rng.randint(14, 30) if plan.pages < 60 else len(ECONOMIC_CATALOG)
    wanted_table_pages = max(5, round(plan.pages * plan.table_share))
    spec = make_spec(
        department_name,
        department,
        plan.year,
        function_items_for(wanted_table_pages, economic_items),
        economic_items,
        blank_zeros=plan.layout == "cangxi",
        rng=rng,
    )
    disclosure = build_disclosure(spec)
    factory = PdfReader(io.BytesIO(disclosure.pdf))
    cover, narrative = disclosure.pages["cover"] - 1, disclosure.pages["narrative"] - 1
    table_pages = [i for i in range(disclosure.page_count) if i not in (cover, narrative)]

    # besides tables and prose: cover, 目录, the separator before the tables and the factory's 情况说明
    prose_count = max(2, plan.pages - len(table_pages) - 4)
    before = prose_count // 2 if plan.layout == "cangxi" else prose_count
    after = prose_count - before
    topic = _TOPICS.get(department.classes[0], "公共服务")
    context = {"dept": department_name, "region": plan.region_name, "topic": topic}

    # page numbers as printed (furniture only; the pipeline ignores them)
    writer = PdfWriter()
    parts: list[tuple[PdfReader, Iterable[int]]] = []
    if plan.layout == "cangxi":
        contents = _single_page_pdf(_contents_lines(department_name, plan.year), 2)
        first = _prose_pdf(
            [ProsePage("第一部分" if i == 0 else None, 3 + i) for i in range(before)],
            context | {"dept": department_name},
            rng,
        )
        separator = _single_page_pdf([("第二部分", 20), (f"{department_name}{plan.year}年部门预算表", 16)], 3 + before)
        last = _prose_pdf(
            [ProsePage("第四部分 名词解释" if i == 0 else None, plan.pages - after + 1 + i) for i in range(after)],
            context,
            rng,
        )
        parts = [
            (factory, [cover]),
            (PdfReader(io.BytesIO(contents.bytes())), [0]),
            (PdfReader(io.BytesIO(first)), range(before)),
            (PdfReader(io.BytesIO(separator.bytes())), [0]),
            (factory, table_pages),
            (factory, [narrative]),
            (PdfReader(io.BytesIO(last)), range(after)),
        ]
    else:
        own_cover = _single_page_pdf([(f"{department_name}(本级)", 24), (f"{plan.year}年市级部门预算公开信息", 20)], 1)
        contents = _single_page_pdf(_contents_lines(department_name, plan.year), 2)
        first = _prose_pdf([ProsePage("一、单位概况" if i == 0 else None, 3 + i) for i in range(before)], context, rng)
        separator = _single_page_pdf([(f"{plan.year}年部门预算公开表", 20), (department_name, 16)], 4 + before)
        parts = [
            (PdfReader(io.BytesIO(own_cover.bytes())), [0]),
            (PdfReader(io.BytesIO(contents.bytes())), [0]),
            (PdfReader(io.BytesIO(first)), range(before)),
            (factory, [narrative]),
            (PdfReader(io.BytesIO(separator.bytes())), [0]),
            (factory, table_pages),
        ]
    for reader, indexes in parts:
        for index in indexes:
            writer.add_page(reader.pages[index])
    created = f"D:{plan.year - 1}12{10 + plan.seed % 18:02d}090000+08'00'"
    writer.add_metadata({"/CreationDate": created, "/ModDate": created, "/Producer": "yusuan bench corpus"})
    buffer = io.BytesIO()
    writer.write(buffer)
    data = buffer.getvalue()
    built = BuiltDocument(
        path=plan.name,
        layout=plan.layout,
        adcode=plan.adcode,
        department_name=department_name,
        year=plan.year,
        pages=len(writer.pages),
        table_pages=len(table_pages),
        prose_pages=len(writer.pages) - len(table_pages),
        amounts=len(disclosure.amounts),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return data, built


def plan_corpus(documents: int, seed: int = 1, min_pages: int = 20, max_pages: int = 40) -> list[DocumentPlan]:
    """`documents` distinct disclosures over varied regions, departments, years and both layouts."""
    rng = random.Random(seed)
    counties, cities = region_pool("county"), region_pool("city")
    plans: list[DocumentPlan] = []
    seen: set[tuple[str, str, int]] = set()
    while len(plans) < documents:
        layout = LAYOUTS[len(plans) % 2]
        adcode, region = rng.choice(counties if layout == "cangxi" else cities)
        department = rng.choice(DEPARTMENTS)
        year = rng.choice(YEARS)
        key = (adcode, department.suffix, year)
        if key in seen or resolve_region(region + department.suffix, "", year).adcode != adcode:
            continue
        seen.add(key)
        plans.append(
            DocumentPlan(
                name=f"{len(plans):04d}_{adcode}_{year}_{layout}.pdf",
                layout=layout,
                adcode=adcode,
                region_name=region,
                department_suffix=department.suffix,
                year=year,
                pages=rng.randint(min_pages, max_pages),
                seed=seed,
            )
        )
    return plans


def _write(args: tuple[DocumentPlan, str]) -> BuiltDocument:
    plan, folder = args
    data, built = render(plan)
    (Path(folder) / plan.name).write_bytes(data)
    return built


def build_documents(plans: Sequence[DocumentPlan], folder: Path, processes: int = 2) -> list[BuiltDocument]:
    """Render plans into `folder` (in parallel), reusing a folder built before from the same plans.

    A manifest beside the files records the plans; a folder whose manifest matches is reused as is.
    """
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "manifest.json"
    key = hashlib.sha256(json.dumps([CORPUS_VERSION, *map(asdict, plans)], sort_keys=True).encode()).hexdigest()
    if manifest.exists():
        stored = json.loads(manifest.read_text())
        if stored.get("key") == key and all((folder / d["path"]).exists() for d in stored["documents"]):
            return [BuiltDocument(**d) for d in stored["documents"]]
    for old in folder.glob("*.pdf"):
        old.unlink()
    jobs = [(plan, str(folder)) for plan in plans]
    if processes > 1 and len(jobs) > 1:
        import multiprocessing

        with multiprocessing.get_context("forkserver").Pool(processes) as pool:
            built = pool.map(_write, jobs, chunksize=1)
    else:
        built = [_write(job) for job in jobs]
    manifest.write_text(json.dumps({"key": key, "documents": [asdict(b) for b in built]}, ensure_ascii=False))
    return built


def build_corpus(folder: Path, documents: int, seed: int = 1, processes: int = 2) -> list[BuiltDocument]:
    """The throughput corpus: `documents` disclosures of 20-40 pages."""
    return build_documents(plan_corpus(documents, seed), folder, processes)


def length_plan(pages: int, seed: int = 7) -> DocumentPlan:
    """One cangxi-shaped disclosure of about `pages` pages, half tables (for the memory benchmark)."""
    adcode, region = next((a, n) for a, n in region_pool("county") if n == "苍溪县")
    return DocumentPlan(f"length_{pages:04d}.pdf", "cangxi", adcode, region, "教育局", 2025, pages, seed=seed)


def page_kind_documents(folder: Path, pages: int = 30, seed: int = 11) -> dict[str, Path]:
    """Two documents of `pages` pages each: only ruled table pages, and only narrative (prose) pages."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {"table": folder / f"only_tables_{pages}.pdf", "narrative": folder / f"only_narrative_{pages}.pdf"}
    if all(path.exists() for path in out.values()):
        return out
    plan = replace(length_plan(pages * 2, seed), table_share=1.0)
    data, _ = render(plan)
    reader = PdfReader(io.BytesIO(data))
    # table pages are the ones pdfium finds vector paths on; keep `pages` of them
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument(data)
    ruled = [
        i
        for i in range(len(document))
        if any(obj.type == pdfium_c.FPDF_PAGEOBJ_PATH for obj in document[i].get_objects())
    ]
    document.close()
    if len(ruled) < pages:
        raise ValueError(f"only {len(ruled)} table pages printed, {pages} wanted")
    writer = PdfWriter()
    for index in ruled[:pages]:
        writer.add_page(reader.pages[index])
    with out["table"].open("wb") as handle:
        writer.write(handle)
    context = {"dept": "苍溪县教育局", "region": "苍溪县", "topic": "教育"}
    prose = _prose_pdf(
        [ProsePage("第一部分" if i == 0 else None, i + 1) for i in range(pages)], context, random.Random(seed)
    )
    out["narrative"].write_bytes(prose)
    return out
