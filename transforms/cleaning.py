"""Cleaning of printed text: OCR spacing, quotes, amounts written as '1, 954. 47'."""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from transforms.vocabulary import vocabulary

# Whole runs of spaces only (never from inside one): a line of spaces costs its length, not its square.
_SPACE_NEAR_CJK = re.compile(r"(?<!\s)\s++(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")
_SPACE_IN_NUMBER = re.compile(r"(?<=[\d,.])\s+(?=[\d,.])")
# What is left of 二、 or 2. before a label when OCR lost the numeral: no label starts with it.
_LOST_NUMERAL = re.compile(r"^[、·.．，,]+\s*")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": '"', "’": '"', "＂": '"'})
# A change printed with its sign either way (增减额 +0.50, -0.20).
_AMOUNT = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
# A negative amount as accounting formats print it: (1,234.50). Decimals or separators are required,
# so an enumeration such as (1) is never taken for one.
_IN_PARENTHESES = re.compile(r"^\(((\d{1,3}(,\d{3})+|\d+)\.\d+|\d{1,3}(,\d{3})+)\)$")
# A cell that prints a run of dashes (--, ——) or a slash prints no amount.
_DASHES = re.compile(r"^([-—–－―─]+|/|\\)$")
# A year printed in Chinese numerals, as covers print it: 二〇二五年, 二零二四年度.
_CHINESE_YEAR = re.compile(r"[〇○零一二三四五六七八九]{4}(?=\s*年)")
_CHINESE_DIGITS = str.maketrans("〇○零一二三四五六七八九", "000123456789")
CENT = Decimal("0.01")
# More whole digits than any budget prints (10^15 元, 1,000 万亿元, is several years of China's GDP):
# such a cell is no amount, and it would overflow the cent arithmetic.
_MAX_WHOLE_DIGITS = 15
# What the warehouse's DECIMAL(18, 2) holds, in 万元.
_WAN_LIMIT = Decimal(10) ** 16


def clean_label(text: str) -> str:
    """A label as a reader would type it: OCR spaces between CJK characters gone, quotes unified,
    and the mark an enumeration leaves when OCR lost its numeral (、上年结转结余) dropped."""
    text = _SPACE_NEAR_CJK.sub("", text.translate(_QUOTES))
    return _LOST_NUMERAL.sub("", _SPACE_IN_NUMBER.sub("", text).strip())


def compact(text: str) -> str:
    """The label with every space removed: the form vocabulary patterns are matched against."""
    return re.sub(r"\s+", "", text.translate(_QUOTES))


def arabic_years(text: str) -> str:
    """The text with its years in digits (二〇二五年 -> 2025年), as every identity rule reads them."""
    return _CHINESE_YEAR.sub(lambda year: year.group(0).translate(_CHINESE_DIGITS), text)


def is_blank_amount(text: str) -> bool:
    """A blank or dash cell: the contract says it yields no fact."""
    return bool(_DASHES.match(compact(text))) or not text.strip()


@dataclass(frozen=True)
class PrintedAmount:
    """An amount cell as read: its figure, and the unit the cell prints after it (None: the table's)."""

    value: Decimal
    unit: str | None


def read_amount(text: str) -> PrintedAmount | None:
    """The amount a cell prints, with the unit it names, or None when the cell is not a well-formed
    amount. A currency sign or a unit around the figure (￥1,200.00, 12.50万元) is what web pages and
    Word tables print; taking such a cell for no amount would leave the document partly read."""
    parts = vocabulary().amount_cell.match(compact(text).replace("−", "-"))
    value = _figure(parts["figure"]) if parts else None
    return None if parts is None or value is None else PrintedAmount(value, parts["unit"])


def parse_amount(text: str) -> Decimal | None:
    """The amount a cell prints, or None when the cell is not a well-formed amount."""
    printed = read_amount(text)
    return None if printed is None else printed.value


def as_printed_in_wan(printed: str, unit: str) -> tuple[Decimal, Decimal] | None:
    """An amount in 万元 exactly as printed (unrounded), and the step of its last printed digit in
    万元: 1 元 is 0.0001 万元. A table printed in 元 adds up in 元, and rounds, if at all, only in the
    digits it prints; its amounts rounded to cents of 万元 would not add up."""
    amount = read_amount(printed)
    if amount is None:
        return None
    per_unit = vocabulary().wan_per_unit[amount.unit or unit]
    exponent = amount.value.as_tuple().exponent
    return amount.value * per_unit, Decimal(1).scaleb(exponent if isinstance(exponent, int) else 0) * per_unit


def _figure(candidate: str) -> Decimal | None:
    if _IN_PARENTHESES.match(candidate):
        candidate = "-" + candidate[1:-1]
    if not _AMOUNT.match(candidate):
        return None
    whole = candidate.lstrip("+-").split(".")[0].replace(",", "")
    if len(whole.lstrip("0")) > _MAX_WHOLE_DIGITS:
        return None
    try:
        return Decimal(candidate.replace(",", ""))
    except InvalidOperation:
        return None


def amount_text(amount: Decimal) -> str:
    """An amount in 万元 as a reader expects it: to the cent, or to its last digit beyond the cent
    where it has one (12.0051: a table in 元 differs by 元)."""
    cents = amount.quantize(CENT)
    return f"{cents:,}" if cents == amount else f"{amount.normalize():,}"


def amount_text_in(amount: Decimal, unit: str, step: Decimal) -> str:
    """An amount in 万元 shown as its table prints it, in `unit` to the `step` (in 万元) of its last
    printed digit: 120,101 元; in 万元 as `amount_text` shows it: 4,200.01 万元."""
    if unit == "万元":
        return f"{amount_text(amount)} 万元"
    per_unit = vocabulary().wan_per_unit[unit]
    return f"{(amount / per_unit).quantize((step / per_unit).normalize()):,} {unit}"


def to_wan(amount: Decimal, unit: str) -> Decimal | None:
    """An amount in 万元, whatever unit the table states (元, 千元, 亿元); rounded half-up to the
    cent, as budget tables round. None when the warehouse cannot hold it (10^16 万元 or more, as 13
    digits in 亿元 are): no budget prints such an amount, so the cell is no amount."""
    wan = (amount * vocabulary().wan_per_unit[unit]).quantize(CENT, rounding=ROUND_HALF_UP)
    return wan if abs(wan) < _WAN_LIMIT else None
