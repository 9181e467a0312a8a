"""Classified tables to `fct_budget_amount` rows: one fact per printed amount, traceable to its cell."""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from itertools import takewhile

import polars as pl
from rapidfuzz.distance import Levenshtein

from extractors.model import SURE_READING, OcrCell, RawRow
from transforms.cleaning import clean_label, compact, is_blank_amount, parse_amount, read_amount, to_wan
from transforms.subjects import name_key, reference_rows, subject_catalogue
from transforms.tables import ClassifiedTable, Column, TableSegment, heading_measure
from transforms.vocabulary import vocabulary

_DIGITS = re.compile(r"^\d+$")
_DIGIT = re.compile(r"\d")
# A code printed before its name in one cell (2010101行政运行, 2010101-行政运行, 201 01 01 行政运行,
# 201-01-01 行政运行); a year opening a project's name (2025年法治宣传项目) is none.
_CODE_THEN_NAME = re.compile(
    r"^(\d{3}(?:[ .．-]\d{2}){1,2}|\d{3,9})(?!\d|\s*年)\s*[-—_.．:：、]?\s*([^\d\s.．:：、_—-].*)$"
)
# A code printed alone in segments: 201.01.01, 201-01-01.
_DOTTED_CODE = re.compile(r"^\d{3}(?:[.．-]\d{2}){1,2}$")
_NOT_DIGIT = re.compile(r"\D")
# A code printed in brackets before its name or alone: [201]一般公共服务支出, 【30101】, (2010101)行政运行.
_BRACKETED_CODE = re.compile(r"^[\[【(（](\d{3,9})[\]】)）]")
# A code printed in brackets after its name: 行政运行(2010101), 一般公共服务支出（201）, 基本工资[30101].
_NAME_THEN_CODE = re.compile(r"^(?P<name>\D.*?)\s*[\[【(（](?P<code>\d{3}(?:\d{2}){0,2})[\]】)）]$")
_BROKEN_DECIMAL = re.compile(r"^\d[\d,]*\.$")
_DECIMALS_THEN_TEXT = re.compile(r"^(\d{1,2})\s+(\S.*)$")
_PERCENT = re.compile(r"%$")
UNIT_CODE_LENGTH = 6
CLASS_CODE_LENGTH = 3
SCHEME_BY_FIRST_DIGIT = {"1": "revenue", "2": "function", "3": "econ_dept", "5": "econ_gov"}

FACT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "document_id": pl.String,
    "adcode": pl.String,
    "fiscal_year": pl.Int32,
    "department_code": pl.String,
    "department_name": pl.String,
    "table_type": pl.String,
    "table_index": pl.Int32,
    "table_title": pl.String,
    "subject_scheme": pl.String,
    "subject_code": pl.String,
    "subject_name": pl.String,
    "row_label": pl.String,
    "row_kind": pl.String,
    "side": pl.String,
    "measure": pl.String,
    "period": pl.String,
    "fund": pl.String,
    "column_label": pl.String,
    "amount_wan": pl.Decimal(18, 2),
    "amount_printed": pl.String,
    "source_unit": pl.String,
    "page": pl.Int32,
    "source_position": pl.String,
    "column_index": pl.Int32,
    "source_format": pl.String,
    "ocr_confidence": pl.Float64,
    "ocr_box": pl.String,
}


@dataclass(frozen=True)
class DocumentContext:
    """What normalization needs to know about the document a table comes from."""

    document_id: str
    fiscal_year: int | None
    department_code: str | None
    department_name: str | None
    adcode: str | None


@dataclass(frozen=True)
class Issue:
    """Something printed that could not be turned into a fact, said so a person can check it."""

    table_index: int | None
    table_title: str | None
    page: int | None
    position: str
    kind: str
    message: str
    # The side of a two-sided row it is about (income, expenditure); None: the whole row.
    side: str | None = None


@cache
def subject_classes() -> dict[tuple[str, str], str]:
    """(scheme, code) -> name of each 类 of the national classification shipped as reference data."""
    return {(r["scheme"], r["code"]): r["name"] for r in reference_rows("subject_classes.csv")}


@cache
def _function_class_by_name() -> dict[str, str]:
    """类 names as printed to their codes: today's, the names a 类 had in earlier years (the
    catalogue's, from the crosswalk) and names printed that no catalogue uses (the aliases)."""
    catalogue = subject_catalogue()
    names = [(n.scheme, n.code, n.name) for n in catalogue.names if len(n.code) == CLASS_CODE_LENGTH]
    names += list(catalogue.variants)
    return {compact(name): code for scheme, code, name in names if scheme == "function"}


# The fewest characters a 类 name read one short keeps: 预备 (预备费) could be much else.
_SHORT_NAME_LEAST = 3
# Stands for the one character of a name OCR may have read as another.
_ANY = "\0"


def _one_lost(name: str) -> set[str]:
    """The name with each one of its characters left out."""
    return {name[:i] + name[i + 1 :] for i in range(len(name))}


def _one_misread(name: str) -> set[str]:
    """The name with each one of its characters made `_ANY`: two names of one length share a key
    when they differ in one character."""
    return {name[:i] + _ANY + name[i + 1 :] for i in range(len(name))}


@cache
def _function_class_by_name_short_of_one() -> dict[str, str]:
    """类 names with one character left out, each to its code where no other 类 name gives it and
    no 类 is named so (国防支出 as 防支出)."""
    named = _function_class_by_name()
    codes: dict[str, set[str]] = {}
    for name, code in named.items():
        for short in _one_lost(name):
            codes.setdefault(short, set()).add(code)
    return {
        short: code
        for short, (code, *others) in codes.items()
        if not others and short not in named and len(short) >= _SHORT_NAME_LEAST
    }


# The fewest characters of a 类 name read with one misread: 3 leave too little (外交支出 and 国防支出
# are two apart).
_MISREAD_NAME_LEAST = 4


@cache
def _function_class_by_name_one_misread() -> dict[str, str]:
    """类 names with one character made `_ANY`, each to its code where no other 类 name gives it."""
    codes: dict[str, set[str]] = {}
    for name, code in _function_class_by_name().items():
        for key in _one_misread(name) if len(name) >= _MISREAD_NAME_LEAST else ():
            codes.setdefault(key, set()).add(code)
    return {key: code for key, (code, *others) in codes.items() if not others}


def _function_class_misread(name: str) -> str | None:
    """The 类 a name is with one character misread (国访支出), where it is one 类 alone and names none."""
    if name in _function_class_by_name():
        return None
    known = _function_class_by_name_one_misread()
    codes = {code for key in _one_misread(name) if (code := known.get(key))}
    return codes.pop() if len(codes) == 1 else None


def _function_class_of(name: str, scanned: bool = False) -> str | None:
    """The code of the 类 a row's name prints, if any (vocabulary's numerals_unpunctuated); in a
    `scanned` row, also of a name OCR read one character short (贵阳 printed at 0.8 read 三、国防支出
    as 三.防支出, and its 财政拨款收支总表 loaded none of its 37 amounts) or with one character
    misread (国访支出)."""
    printed = compact(name)
    lead = vocabulary().numerals_unpunctuated.match(printed)
    names = [printed[dropped:] for dropped in range(len(lead[0]) + 1 if lead else 1)]
    lookups: list[Callable[[str], str | None]] = [_function_class_by_name().get]
    if scanned:
        lookups += [_function_class_by_name_short_of_one().get, _function_class_misread]
    return next((code for known in lookups for n in names if (code := known(n))), None)


def repair_row(cells: Sequence[str]) -> list[str]:
    """Mend a cell boundary OCR moved into an amount: '0.' | '00 二、年终结转结余' -> '0.00' | '二、...'."""
    repaired = list(cells)
    for i in range(len(repaired) - 1):
        match = _DECIMALS_THEN_TEXT.match(repaired[i + 1].strip())
        if match and _BROKEN_DECIMAL.match(compact(repaired[i])):
            repaired[i] = compact(repaired[i]) + match.group(1)
            repaired[i + 1] = match.group(2)
    return repaired


def _is_unit_code(value: str, column_role: str, context: DocumentContext) -> bool:
    if len(value) == UNIT_CODE_LENGTH or value == context.department_code:
        return True
    known_class = any(code == value for (_, code) in subject_classes())
    return column_role == "unit_code" and len(value) == 3 and not known_class


def _join_code(parts: Sequence[str]) -> tuple[str, list[str]]:
    """类 | 款 | 项 printed apart become one code; a later column that repeats the prefix wins.

    A one-digit 款 or 项 after a class is a two-digit part whose leading zero the spreadsheet
    dropped (301 | 2 -> 30102): unambiguous, so it is mended and the mend returned to be recorded.
    """
    code = ""
    mends: list[str] = []
    for part in parts:
        if not code or part.startswith(code):
            code = part
        elif len(part) == 2:
            code += part
        elif len(part) == 1 and len(code) >= CLASS_CODE_LENGTH:
            code += "0" + part
            mends.append(f"'{part}' after '{code[:-2]}' read as '0{part}', as a code's leading zero lost in printing")
        else:
            code = part
    return code, mends


@dataclass(frozen=True)
class _RowLabel:
    subject_code: str | None
    unit_code: str | None
    name: str
    printed_code: str = ""
    mends: tuple[str, ...] = ()
    # Code columns (类, 款) left blank before the first level printed: merged over the rows below.
    levels_above: int = 0
    # What each of the code columns (类 | 款 | 项) printed, "" where blank; () when a code column
    # printed a code with its name or in segments, or the code is printed in one column.
    code_levels: tuple[str, ...] = ()
    # A scan's code level OCR did not read, which the catalogue's name for the row did not give back:
    # between two read (210 | | 01), the levels read make another code (21001); after the last read
    # of a function code (210 | 13 | under a project's name), its 款's code, not the row's.
    code_unread: bool = False
    # Every code column of the row printed blank, and no code printed elsewhere in the row.
    code_blank: bool = False

    @property
    def code_fault(self) -> str | None:
        """Why the printed code cannot be trusted, or None: a code no scheme allows (a garbled 类)."""
        code = self.subject_code
        if code is None or any(p.match(code) for p in vocabulary().code_formats.values()):
            return None
        return f"code '{self.printed_code}' is no valid subject code (garbled or cut in printing)"

    @property
    def names_measure(self) -> bool:
        """Whether the label names a measure, not a subject (2024年预算数: a table printing its years as rows)."""
        return bool(vocabulary().measure_row.match(compact(self.name)))

    def fault(self, measure: str | None) -> str | None:
        """Why the row's amounts cannot be loaded under it, or None: an untrustworthy code, or a label
        naming a measure over columns that name their own (`measure` is what the row gives them)."""
        if fault := self.code_fault:
            return fault
        if self.names_measure and measure is None:
            return (
                f"row '{self.name}' names a measure, not a subject, over columns that name their own:"
                " a table printing its years as rows is read only where its columns are items or their 合计"
            )
        return None


def _row_measure(label: _RowLabel, printed: Sequence[Column], fiscal_year: int | None) -> str | None:
    """The measure a row labelled by one alone gives its amounts: where every column it prints in is
    an item or the items' 合计 ("三公" items as columns, years as rows), the row says what they report."""
    if not label.names_measure:
        return None
    measure = heading_measure(label.name, fiscal_year)
    if measure is None or vocabulary().kind_of(measure) in ("period", "fund"):
        return None
    return measure if all(column.measure == "total" for column in printed) else None


def _row_label(cells: Sequence[str], columns: Sequence[Column], context: DocumentContext) -> _RowLabel:
    """A row's code and name. Named columns run from the general to the particular (单位名称 |
    科目名称 | 项目名称), so the last one printed names the row; other text (项目分类) only names a
    row that prints no name."""
    code_parts: list[str] = []
    unit_code = None
    names: list[str] = []
    other_text: list[str] = []
    blank_levels = 0
    levels: list[str | None] = []
    for column in columns:
        if column.role not in ("code", "unit_code", "name", "text") or column.index >= len(cells):
            continue
        printed = _BRACKETED_CODE.sub(r"\1 ", " ".join(cells[column.index].split()), count=1)  # one space a run
        text = compact(printed)
        if column.role == "code":
            levels.append(None if _CODE_THEN_NAME.match(printed) or _DOTTED_CODE.match(text) else text)
        if not text:
            blank_levels += column.role == "code" and not code_parts
            continue
        if match := _CODE_THEN_NAME.match(printed):
            code_parts.append(_NOT_DIGIT.sub("", match.group(1)))
            other_text.append(match.group(2))
        elif _DOTTED_CODE.match(text):
            code_parts.append(_NOT_DIGIT.sub("", text))
        elif _DIGITS.match(text):
            if len(text) != 2 and _is_unit_code(text, column.role, context):
                unit_code = text
            else:
                code_parts.append(text)
        else:
            (names if column.role == "name" else other_text).append(cells[column.index])
    name = names[-1] if names else next(iter(other_text), "")
    if not code_parts and (trailing := _trailing_code(name, context.fiscal_year)):
        name, printed_code = trailing
        code_parts.append(printed_code)
    code, mends = _join_code(code_parts)
    levels_above = blank_levels if code_parts and all(len(part) == 2 for part in code_parts) else 0
    split = len(levels) > 1 and None not in levels
    code_levels = tuple(level for level in levels if level is not None) if split else ()
    code_blank = bool(levels) and all(level == "" for level in levels) and not code
    return _RowLabel(
        code or None,
        unit_code,
        clean_label(name),
        " ".join(code_parts),
        tuple(mends),
        levels_above,
        code_levels,
        code_blank=code_blank,
    )


def _code_by_name(label: _RowLabel, scheme: str, fiscal_year: int | None) -> _RowLabel:
    """A scanned row whose 类, 款 or 项 cell OCR did not read, or read as no number (speckle hides a
    thin 11, or makes it H1; a 类 merged over the rows it heads prints once), coded as the catalogue
    names the row: the one code of the year, among those agreeing with every level read, it gives
    the row's name. A name the catalogue gives the code as read (302 商品和服务支出, its 款 blank) or
    several codes (行政运行) leaves the row as read. So is a code OCR read nothing of, where the
    catalogue gives the name one code (贵阳 printed at 0.8 lost 30111 of 公务员医疗补助缴费, and its
    基本支出 table, 301 then short of its 9.00, loaded none of its amounts)."""
    if label.code_blank and fiscal_year is not None:
        named = subject_catalogue().codes_named(scheme, name_key(label.name), fiscal_year)
        return _mended(label, named[0], "(blank)") if len(named) == 1 else label
    levels = label.code_levels
    numbers = [level.isdigit() for level in levels]
    if not any(numbers) or all(numbers):
        return _level_lost(label, scheme, fiscal_year)
    final = len(numbers) - 1 - numbers[::-1].index(True)
    gapped = not all(numbers[numbers.index(True) : final])
    if fiscal_year is None:
        return replace(label, code_unread=gapped)
    if _named_as_read(label, scheme, fiscal_year):
        return label
    catalogue = subject_catalogue()
    key = name_key(label.name)
    code = label.subject_code
    digits = [r"\d{3}" if i == 0 else r"\d{2}" for i in range(len(levels))]
    last = max(i for i, level in enumerate(levels) if level)
    # levels blank after the last one read may be blank in print too: a 款's row prints no 项
    pattern = "".join(level if level.isdigit() else digits[i] for i, level in enumerate(levels[: last + 1]))
    pattern += "".join(f"(?:{d})?" for d in digits[last + 1 :])
    scheme = SCHEME_BY_FIRST_DIGIT.get(levels[0][:1], scheme)
    named = [c for c in catalogue.codes_named(scheme, key, fiscal_year) if re.fullmatch(pattern, c)]
    if len(named) != 1 or named[0] == code:
        # A function code's level blank after the last read is one only a row the catalogue names so
        # leaves blank: a project's row prints its 项, and no sum checks it. An economic 类 row's sum
        # checks its 款, and a 类 may print a name the catalogue words otherwise (503 机关资本性支出).
        return replace(label, code_unread=gapped or (final < len(levels) - 1 and scheme == "function"))
    return _mended(label, named[0], _levels_read(levels))


def _level_lost(label: _RowLabel, scheme: str, fiscal_year: int | None) -> _RowLabel:
    """A scanned row whose code, read whole, the catalogue names otherwise, while it gives the row's
    name to one longer code under it: the row's 款 or 项 was in a column OCR did not take for codes,
    and the code is that one. 万里's 基本支出 table printed at 0.65 lost its 款 heading, so its 款
    column was no code column, and 基本工资, 津贴补贴 ... loaded their amounts under 301."""
    code = label.subject_code
    if not code or fiscal_year is None or _named_as_read(label, scheme, fiscal_year):
        return label
    scheme = SCHEME_BY_FIRST_DIGIT.get(code[0], scheme)
    named = subject_catalogue().codes_named(scheme, name_key(label.name), fiscal_year)
    finer = [c for c in named if len(c) > len(code) and c.startswith(code)]
    return _mended(label, finer[0], code) if len(finer) == 1 else label


def _named_as_read(label: _RowLabel, scheme: str, fiscal_year: int) -> bool:
    """Whether the catalogue gives the row's code, as read, the row's name in the year."""
    code = label.subject_code
    if not code:
        return False
    accepted = subject_catalogue().accepted(SCHEME_BY_FIRST_DIGIT.get(code[0], scheme), code, fiscal_year)
    return name_key(label.name) in (accepted or set())


def _mended(label: _RowLabel, code: str, read: str) -> _RowLabel:
    mend = (
        f"{code}: OCR read its code cells as {read}, and of the codes that fit them the catalogue"
        f" gives '{label.name}' to {code} alone; check the scan"
    )
    return replace(label, subject_code=code, mends=(*label.mends, mend))


def _levels_read(levels: Sequence[str]) -> str:
    return " | ".join(level or "(blank)" for level in levels)


def _trailing_code(name: str, fiscal_year: int | None) -> tuple[str, str] | None:
    """(name, code) of a name printed with its code after it, in a row printing no code elsewhere.
    A project's number in brackets (2025001) is no code: the code's 类 or 款 must be one the
    catalogue names in the document's year."""
    match = _NAME_THEN_CODE.match(" ".join(name.split()))
    if match is None or (scheme := SCHEME_BY_FIRST_DIGIT.get(match["code"][0])) is None:
        return None
    code = match["code"]
    known = code[: max(CLASS_CODE_LENGTH, len(code) - 2)]
    named = subject_catalogue().names_of(scheme, known)
    if not any(fiscal_year is None or n.tolerated(fiscal_year) for n in named):
        return None
    return match["name"], code


def _under(label: _RowLabel, above: str | None) -> _RowLabel:
    """A row printing its 款 or 项 alone, under a 类 (and 款) cell merged over the rows it heads,
    coded with those levels of the code printed above it. Codes are printed in ascending order, so
    a code that would not follow the one above is left as printed: a merged cell whose text stands
    lower down (a table ruled by rows only) heads rows above it, which the row above does not."""
    prefix = CLASS_CODE_LENGTH + 2 * (label.levels_above - 1)
    if not label.levels_above or label.subject_code is None or above is None or len(above) < prefix:
        return label
    code = above[:prefix] + label.subject_code
    return replace(label, subject_code=code) if code > above else label


def _is_department(name: str, context: DocumentContext) -> bool:
    if not context.department_name or not name:
        return False
    own = compact(context.department_name)
    return compact(name).removesuffix("部门").removesuffix("(本级)") in (own, own + "机关")


# The fewest characters a department's name read one off keeps: shorter names are too alike.
_DEPARTMENT_NAME_LEAST = 5


def _department_read_one_off(name: str, context: DocumentContext) -> bool:
    """Whether a scanned row names the department with one character misread or lost (贵阳 printed
    at 0.65 read 贵阳市医疗保障局 as 治阳市医疗保障局, and its unit row loaded as an item of that
    name). Its last character, which says what kind of body it is (局, 中心), must be read alike:
    a unit named otherwise there is another unit."""
    own, read = compact(context.department_name or ""), compact(name)
    if len(own) < _DEPARTMENT_NAME_LEAST or not read or read == own or read[-1:] != own[-1:]:
        return False
    return read in _one_lost(own) or bool(_one_misread(read) & _one_misread(own))


@dataclass(frozen=True)
class _RowMeaning:
    """What one side of a printed row is: its kind, subject and the label it printed."""

    kind: str
    scheme: str
    code: str | None
    name: str
    label: _RowLabel
    side: str | None
    repaired: str | None = None


def _row_meaning(
    label: _RowLabel, side: str | None, table: ClassifiedTable, context: DocumentContext, sole_row: bool, scanned: bool
) -> _RowMeaning:
    """`sole_row`: the row is the only one of a table printing no label column (江苏's 支出预算总表,
    a "三公" table): the department's whole, its total, though nothing names it so. `scanned`: read
    by OCR."""
    vocab = vocabulary()
    name = vocab.enumeration.sub("", vocab.part_of.sub("", label.name)).strip()
    side_scheme = "revenue" if side == "income" or table.table_type == "income_summary" else table.scheme

    def meaning(kind: str, scheme: str, code: str | None = None) -> _RowMeaning:
        return _RowMeaning(kind, scheme, code, name, label, side)

    if vocab.totals(compact(label.name)):
        return meaning("total", side_scheme)
    if label.names_measure:
        return _RowMeaning("measure", side_scheme, None, "", label, side)
    if label.subject_code:
        return meaning("subject", SCHEME_BY_FIRST_DIGIT.get(label.subject_code[0], table.scheme), label.subject_code)
    if label.unit_code or _is_department(name, context):
        return meaning("unit", side_scheme)
    if scanned and _department_read_one_off(name, context):
        own = context.department_name or ""
        repaired = f"'{label.name}' read by OCR one character off the department's name: filed as {own}; check the scan"
        return _RowMeaning("unit", side_scheme, None, own, label, side, repaired)
    if not name:
        return meaning("total" if sole_row else "unlabeled", side_scheme)
    if table.scheme == "function" and side_scheme != "revenue" and (code := _function_class_of(name, scanned)):
        return meaning("subject", "function", code)
    item = _unnumbered(name) if scanned else name
    return _RowMeaning("item", "revenue" if side_scheme == "revenue" else "item", None, item, label, side)


# The kinds of measure that name money's sources and periods, as summary rows print them
# (一般公共预算拨款收入, 事业收入, 上年结转结余).
_LINE_KINDS = ("fund", "period")


@cache
def _line_patterns() -> tuple[re.Pattern[str], ...]:
    vocab = vocabulary()
    return (*(p for m in vocab.measures if m.kind in _LINE_KINDS for p in m.patterns), *vocab.header["item"])


def _opens_with_line(name: str) -> bool:
    """Whether a name opens with a line the vocabulary knows: a source or period of money, or a
    "三公" item (公务接待费)."""
    return any(p.match(name) for p in _line_patterns())


def _unnumbered(name: str) -> str:
    """A scanned row's name with the numerals OCR left before it unpunctuated dropped, where what
    follows opens with a line the vocabulary knows and the name as read does not (苍溪 under
    salt-and-pepper noise read (一)一般公共预算拨款收入 as 一一般公共预算拨款收入, and filed its 1,002.21
    under that name; 贵阳 二、公务接待费 as 二公务接待费); the fewest numerals are dropped."""
    lead = vocabulary().numerals_unpunctuated.match(name)
    if lead is None or _opens_with_line(name):
        return name
    return next((name[k:] for k in range(1, len(lead[0]) + 1) if _opens_with_line(name[k:])), name)


# The most characters OCR may have misread, lost or added in a 类 name of _NEAR_CLASS_LONG characters
# or more that is read as no 类 (股公共服务支出 for 一般公共服务支出): one in a shorter name, whose
# two-character neighbours are other lines (项目支出 and 其他支出).
_NEAR_CLASS_EDITS = 2
_NEAR_CLASS_LONG = 6


@cache
def _class_names_with_edits() -> tuple[tuple[str, int], ...]:
    """Each 类 name long enough to be told from a misreading, with the edits OCR may have made in it."""
    return tuple(
        (name, _NEAR_CLASS_EDITS if len(name) >= _NEAR_CLASS_LONG else 1)
        for name in _function_class_by_name()
        if len(name) >= _MISREAD_NAME_LEAST
    )


def _near_function_class(meaning: _RowMeaning, table: ClassifiedTable) -> str | None:
    """The 类 name a scanned item of a function table may be misread from, though it could not be
    taken as that 类: worn 贵阳 read 一.一般公共服务支出 as 股公共服务支出, two characters off
    一般公共服务支出 and three off 公共安全支出, and loaded its 0.00 as an item of that name."""
    printed = compact(meaning.name)
    if meaning.scheme != "item" or table.scheme != "function" or len(printed) < _MISREAD_NAME_LEAST:
        return None
    if printed in _function_class_by_name() or _opens_with_line(printed):
        return None
    near = (k for k, most in _class_names_with_edits() if Levenshtein.distance(printed, k, score_cutoff=most) <= most)
    return next(near, None)


@dataclass(frozen=True)
class TableFacts:
    """A table's facts and issues, and how many amount-like cells it printed: the facts' denominator."""

    facts: list[dict]
    issues: list[Issue]
    amount_cells: int


def table_facts(table: ClassifiedTable, context: DocumentContext) -> TableFacts:
    """Every printed amount of one classified table as a fact row, plus what could not be read.

    A segment whose header has amounts but no label column continues the rows printed before it
    with further columns (a wide table printed down, then over): its rows take those rows' labels
    in order.
    """
    vocab = vocabulary()
    facts: list[dict] = []
    issues: list[Issue] = []
    amount_cells = 0

    def issue(row: RawRow | None, kind: str, message: str, side: str | None = None) -> None:
        page = row.page if row else table.page
        position = row.position if row else table.position
        issues.append(Issue(table.index, table.title, page, position, kind, message, side))

    columns: tuple[Column, ...] = ()
    blocks: list[list[Column]] = []
    labelled_rows: list[tuple[tuple[str, ...], list[Column]]] = []
    codes_above: dict[str | None, str] = {}
    over = 0
    sole_row = _prints_one_unlabeled_row(table)
    for number, segment in enumerate(table.segments):
        if segment.new_columns:
            columns = segment.columns
            blocks = column_blocks(columns)
            over = 0
            for column in columns:
                if column.role == "unknown":
                    left = _amounts_under(column, _sharing_columns(table.segments[number:]))
                    issue(
                        None,
                        "unknown_column",
                        f"column {column.index + 1} heading '{column.label}' not understood; its {left} amounts "
                        "are not loaded",
                    )
            for block in blocks:
                for first, second in _same_meaning(table, block):
                    measure, _ = _measure_and_fund(table, second)
                    issue(
                        None,
                        "same_meaning_columns",
                        f"columns {first.index + 1} '{first.label}' and {second.index + 1} '{second.label}' are both"
                        f" read as {measure}: only column_label tells their amounts apart; check how the header"
                        " was read",
                    )
        labelled = any(c.role in _LABEL_ROLES for c in columns)
        for row in segment.data:
            cells = repair_row(row.cells)
            row_blocks = blocks
            if not labelled and over < len(labelled_rows):
                label_cells, label_columns = labelled_rows[over]
                cells = [*label_cells, *cells]
                row_blocks = column_blocks(_shifted(label_columns, columns, len(label_cells)))
                over += 1
            elif labelled:
                labelled_rows.append((tuple(cells), [c for c in columns if c.role in _LABEL_ROLES]))
            for block, printed_label in _block_labels(cells, row_blocks, context):
                side = block[0].side
                # A scan's blank 类 may be one OCR missed: a code is never taken from the row above.
                if row.ocr:
                    label = _code_by_name(printed_label, table.scheme, context.fiscal_year)
                else:
                    label = _under(printed_label, codes_above.get(block[0].side))
                if label.subject_code and not label.code_fault:
                    codes_above[block[0].side] = label.subject_code
                if vocab.counts(key := compact(label.name)) or vocab.totals_a_page(key):
                    continue
                printed = [c for c in block if _is_amount_column(c) and not _blank(cells, c)]
                unread = [
                    c for c in block if c.role == "unknown" and c.index < len(cells) and _money_like(cells[c.index])
                ]
                amount_cells += sum(_amount_like(cells[c.index]) for c in printed) + len(unread)
                row_measure = _row_measure(label, printed, context.fiscal_year)
                if printed and (fault := label.fault(row_measure)):
                    issue(
                        row,
                        "quarantined_row",
                        f"{fault}; its {len(printed)} amounts are left out: check the table",
                        side,
                    )
                    continue
                if printed and label.code_unread:
                    issue(
                        row,
                        "ocr_code_unread",
                        f"code cells read by OCR as {_levels_read(label.code_levels)}: a level was not read, so"
                        f" the code may not be {label.subject_code}, and the catalogue names no code"
                        f" '{label.name}': its {len(printed)} amounts count in the table's sums but are left"
                        " out of the facts; check the scan",
                        side,
                    )
                elif printed and label.subject_code and (doubt := _code_doubt(row, cells, block)) is not None:
                    issue(
                        row,
                        "ocr_code_doubtful",
                        f"code {label.subject_code} read by OCR with confidence {doubt:.2f}, and no sum checks a "
                        f"code: its {len(printed)} amounts count in the table's sums but are left out of the "
                        "facts; check the scan",
                        side,
                    )
                for mend in label.mends if printed else ():
                    issue(row, "repaired_code", f"code {mend}", side)
                meaning = _row_meaning(label, side, table, context, sole_row, bool(row.ocr))
                if printed and meaning.repaired:
                    issue(row, "repaired_label", meaning.repaired, side)
                if printed and row.ocr and meaning.kind == "item" and len(compact(meaning.name)) < _NAME_LEAST:
                    issue(
                        row,
                        "ocr_label_unread",
                        f"name read by OCR as '{label.name}', too short to name anything: its {len(printed)} amounts"
                        " count in the table's sums but are left out of the facts; check the scan",
                        side,
                    )
                if printed and row.ocr and (near := _near_function_class(meaning, table)):
                    issue(
                        row,
                        "ocr_label_doubtful",
                        f"name read by OCR as '{label.name}', a few characters off the 类 {near} but named by no"
                        f" 类: its {len(printed)} amounts count in the table's sums but are left out of the facts;"
                        " check the scan",
                        side,
                    )
                for column in printed:
                    if row_measure:
                        column = replace(column, measure=row_measure)
                    text = cells[column.index]
                    amount = read_amount(text)
                    unit = (amount and amount.unit) or table.unit
                    wan = None if amount is None else to_wan(amount.value, unit)
                    if wan is None:
                        if not _PERCENT.search(compact(text)):
                            issue(row, "malformed_amount", f"'{text}' under '{column.label}' is not an amount", side)
                        continue
                    read = _ocr_cell(row, cells, column.index)
                    facts.append(_fact(table, context, column, meaning, wan, text, unit, row, read))
    return TableFacts(facts, issues, amount_cells)


_LABEL_ROLES = ("code", "unit_code", "name")
# Issues of scanned rows whose amounts count in their table's sums but whose code or name is unsure:
# the OCR gate holds their facts back.
HELD_BACK_ROWS = ("ocr_code_doubtful", "ocr_code_unread", "ocr_label_unread", "ocr_label_doubtful")
# The fewest characters of a row's name that can name an item: 贵阳 printed at 0.65 read its
# department's name as 画 and loaded its 371.27 under it.
_NAME_LEAST = 2


def _sharing_columns(segments: Sequence[TableSegment]) -> list[TableSegment]:
    """The first segment and those after it that go on with its columns."""
    return [*segments[:1], *takewhile(lambda s: not s.new_columns, segments[1:])]


def _amounts_under(column: Column, segments: Sequence[TableSegment]) -> int:
    rows = (row.cells for segment in segments for row in segment.data)
    return sum(column.index < len(cells) and _money_like(cells[column.index]) for cells in rows)


def _prints_one_unlabeled_row(table: ClassifiedTable) -> bool:
    """Whether the table is one row of amounts under column headings, with no label column."""
    unlabeled = not any(c.role in _LABEL_ROLES for segment in table.segments for c in segment.columns)
    return unlabeled and sum(len(segment.data) for segment in table.segments) == 1


_MONEY = re.compile(r"[.,]\d")


def _amount_like(text: str) -> bool:
    """A cell under an amount heading that counts as a printed amount, read or not: it has a figure
    and is no percentage (an unreadable '1,954.' counts; a word shifted into the column does not)."""
    return bool(_DIGIT.search(text)) and not _PERCENT.search(compact(text))


def _money_like(text: str) -> bool:
    """An amount as money prints (decimals or thousands separators): not a code, a count or a year."""
    return parse_amount(text) is not None and bool(_MONEY.search(text))


def _shifted(label_columns: list[Column], columns: Sequence[Column], offset: int) -> list[Column]:
    """Label columns of an earlier segment in front of this segment's columns, renumbered to match."""
    relabelled = [replace(c, index=i) for i, c in enumerate(label_columns)]
    return [*relabelled, *(replace(c, index=c.index + offset) for c in columns)]


def _block_labels(
    cells: Sequence[str], blocks: Sequence[list[Column]], context: DocumentContext
) -> list[tuple[list[Column], _RowLabel]]:
    """Each block of the row with its label; a block printing no label of its own takes the label
    of the block before it on its side when that one printed no amount (a merged label cell)."""
    labelled: list[tuple[list[Column], _RowLabel]] = []
    previous: tuple[list[Column], _RowLabel, bool] | None = None
    for block in blocks:
        label = _row_label(cells, block, context)
        printed = any(_is_amount_column(c) and not _blank(cells, c) for c in block)
        if previous and not (label.name or label.subject_code):
            previous_block, previous_label, previous_printed = previous
            if previous_block[0].side == block[0].side and not previous_printed:
                label = previous_label
        previous = (block, label, printed)
        labelled.append((block, label))
    return labelled


def _is_amount_column(column: Column) -> bool:
    return column.role in ("amount", "item")


def _blank(cells: Sequence[str], column: Column) -> bool:
    return column.index >= len(cells) or is_blank_amount(cells[column.index])


def column_blocks(columns: Sequence[Column]) -> list[list[Column]]:
    """Columns grouped into label-and-amounts blocks, each read as a row of its own.

    A two-sided table has a block per side; a side that prints a second label column after its
    amounts (收入 | 支出 by 功能分类 | 支出 by 用途) has a block for each.
    """
    blocks: list[list[Column]] = []
    for column in columns:
        labels = column.role in _LABEL_ROLES
        new_side = not blocks or blocks[-1][0].side != column.side
        after_amounts = blocks and labels and any(_is_amount_column(c) for c in blocks[-1])
        if new_side or after_amounts:
            blocks.append([])
        blocks[-1].append(column)
    return blocks


def _measure_and_fund(table: ClassifiedTable, column: Column) -> tuple[str | None, str | None]:
    """A column's measure and fund as its facts carry them: the row total renamed where the table
    type fixes its meaning, and the table's own fund qualifying nothing (一般公共预算支出 > 基本支出
    is the table's 基本支出)."""
    measure = column.measure
    table_type = vocabulary().table_type(table.table_type) if table.table_type else None
    if table_type and measure in ("total", table_type.fund):
        measure = table_type.total_measure
    fund = None if table_type and column.fund == table_type.fund else column.fund
    return measure, fund


def _same_meaning(table: ClassifiedTable, block: Sequence[Column]) -> list[tuple[Column, Column]]:
    """Pairs of a block's amount columns that give their amounts one meaning (measure, period, fund,
    item), unless their headings name opposite sides (本年收入 | 本年支出 > 小计 of a fund's final
    account): a header read wrong, or a meaning the warehouse cannot tell apart."""
    vocab = vocabulary()

    def side(column: Column) -> str | None:
        labels = column.label.split(" / ")
        if any(vocab.income_side.search(label) for label in labels):
            return "income"
        return "expenditure" if any(vocab.expenditure_side.search(label) for label in labels) else None

    first: dict[tuple, Column] = {}
    pairs = []
    for column in block:
        if not _is_amount_column(column):
            continue
        key = (*_measure_and_fund(table, column), column.period, column.item)
        if (other := first.get(key)) is None:
            first[key] = column
        elif {side(other), side(column)} != {"income", "expenditure"}:
            pairs.append((other, column))
    return pairs


def _fact(
    table: ClassifiedTable,
    context: DocumentContext,
    column: Column,
    meaning: _RowMeaning,
    wan: Decimal,
    printed: str,
    unit: str,
    row: RawRow,
    read: OcrCell | None,
) -> dict:
    scheme, code = meaning.scheme, meaning.code
    name: str | None = meaning.name
    if column.role == "item":
        scheme, code, name = "item", None, column.item
    measure, fund = _measure_and_fund(table, column)
    return {
        "document_id": context.document_id,
        "adcode": context.adcode,
        "fiscal_year": context.fiscal_year,
        "department_code": meaning.label.unit_code or context.department_code,
        "department_name": context.department_name,
        "table_type": table.table_type,
        "table_index": table.index,
        "table_title": table.title,
        "subject_scheme": scheme,
        "subject_code": code,
        "subject_name": name or None,
        "row_label": meaning.label.name or None,
        "row_kind": meaning.kind,
        "side": meaning.side,
        "measure": measure,
        "period": column.period,
        "fund": fund,
        "column_label": column.label,
        "amount_wan": wan,
        "amount_printed": printed,
        "source_unit": unit,
        "page": row.page,
        "source_position": row.position,
        "column_index": column.index,
        "source_format": "ocr" if row.ocr else None,
        "ocr_confidence": read.confidence if read else (0.0 if row.ocr else None),
        "ocr_box": ",".join(f"{v:g}" for v in read.box) if read else None,
    }


def _code_doubt(row: RawRow, cells: Sequence[str], block: Sequence[Column]) -> float | None:
    """The confidence of the least sure OCR reading of the row's code cells, when under
    SURE_READING (a code printed in one cell with its name is read with it, and not judged). No sum
    checks a code: 5 read as 3 moves a row's amounts to a sibling subject and every sum still
    closes (贵阳 scanned with σ 25 noise: 2080505 read as 2080503 at 0.97), so such a row is held
    back rather than loaded under a code it may not print (by the OCR gate, after the sums), unless
    the document's other tables settle its code (_codes_settled)."""
    reads = (_ocr_cell(row, cells, c.index) for c in block if c.role == "code" and c.index < len(cells))
    doubt = min((r.confidence for r in reads if r is not None), default=1.0)
    return doubt if doubt < SURE_READING else None


def _ocr_cell(row: RawRow, cells: Sequence[str], index: int) -> OcrCell | None:
    """The OCR reading of cells[index]: the same-text cell as many places along the row as cells
    printing that text come before it (cells move between columns, never past each other)."""
    if not row.ocr:
        return None
    text = compact(cells[index])
    before = sum(compact(cell) == text for cell in cells[:index])
    same = [read for read in row.ocr if compact(read.text) == text]
    return same[before] if before < len(same) else None


@dataclass(frozen=True)
class DocumentFacts:
    """A document's facts, what could not be read, and amount-like cells printed per table."""

    facts: pl.DataFrame
    issues: list[Issue]
    amount_cells: dict[int, int]


def budget_facts(tables: Sequence[ClassifiedTable], context: DocumentContext) -> DocumentFacts:
    """The facts of the tables of known types that carry amounts; unknown tables yield none, but
    their amount cells are counted, so a document that was only partly read says so."""
    vocab = vocabulary()
    rows: list[dict] = []
    issues: list[Issue] = []
    amount_cells: dict[int, int] = {}
    for table in tables:
        if table.table_type is not None and not vocab.table_type(table.table_type).amounts:
            continue
        if table.table_type is None:
            amount_cells[table.index] = unread = sum(
                _money_like(cell) for segment in table.segments for row in segment.raw.rows for cell in row.cells
            )
            message = f"table type not recognized; its {unread} amounts are not loaded"
            issues.append(Issue(table.index, table.title, table.page, table.position, "unknown_table", message))
            continue
        result = table_facts(table, context)
        amount_cells[table.index] = result.amount_cells
        rows.extend(result.facts)
        issues.extend(result.issues)
    return DocumentFacts(
        pl.DataFrame(rows, schema=FACT_SCHEMA), _codes_settled(rows, issues, context.fiscal_year), amount_cells
    )


def _codes_settled(rows: Sequence[dict], issues: list[Issue], fiscal_year: int | None) -> list[Issue]:
    """The issues less each doubtful code (σ 25 noise leaves right codes under SURE_READING as well
    as wrong ones) the document settles, by what a misread code could not match:

    - the catalogue names the code, and no other of its length, as the row prints it (30103 奖金);
    - the next coded row of its table and side is surely its child (21208 above 2120803);
    - every sure reading of the row's name in the document gives exactly this code. A name sure
      readings give to other codes settles nothing: 行政运行 names a subject in many 款, and
      2010101 read for 2010301 could match a sure 2010101 elsewhere."""
    doubtful = {(i.page, i.position) for i in issues if i.kind == "ocr_code_doubtful"}
    if not doubtful:
        return issues
    coded: dict[tuple[int | None, str], dict] = {}
    for row in rows:
        if row["subject_code"]:
            coded.setdefault((row["page"], row["source_position"]), row)
    sure_codes: dict[str, set[str]] = {}
    below: dict[tuple[int | None, str], tuple[tuple[int | None, str], dict]] = {}
    last: dict[tuple[int, str | None], tuple[int | None, str]] = {}
    for where, row in coded.items():
        if where not in doubtful and row["subject_name"]:
            sure_codes.setdefault(name_key(row["subject_name"]), set()).add(row["subject_code"])
        if (column := (row["table_index"], row["side"])) in last:
            below[last[column]] = (where, row)
        last[column] = where

    def settled(where: tuple[int | None, str], row: dict) -> bool:
        code, name = row["subject_code"], name_key(row["subject_name"] or "")
        if (child := below.get(where)) and child[0] not in doubtful and _is_child(code, child[1]["subject_code"]):
            return True
        return bool(name) and (
            _catalogue_names_only(row["subject_scheme"], code, name, fiscal_year) or sure_codes.get(name) == {code}
        )

    settled_rows = {where for where, row in coded.items() if where in doubtful and settled(where, row)}
    return [i for i in issues if i.kind != "ocr_code_doubtful" or (i.page, i.position) not in settled_rows]


def _is_child(code: str, below: str) -> bool:
    return len(below) == len(code) + 2 and below.startswith(code)


def _catalogue_names_only(scheme: str, code: str, key: str, fiscal_year: int | None) -> bool:
    """Whether the catalogue gives the name `key` to `code` in the year, and to no other code of its length."""
    if fiscal_year is None:
        return False
    catalogue = subject_catalogue()
    named = [c for c in catalogue.codes_named(scheme, key, fiscal_year) if len(c) == len(code)]
    return key in (catalogue.accepted(scheme, code, fiscal_year) or set()) and named == [code]
