"""A spreadsheet number as it prints: its cell's number format applied, as Excel and WPS display it.

A workbook stores 1234450 and prints '1,234,450.00' (#,##0.00), a zero as '-' (accounting
formats) or nothing (0.00;-0.00;), 0.1762 as '17.62%'. The PDF printed from the workbook shows the
printed text, so the workbook reader renders the same text: facts, blanks and amount counts agree.
Without a format (General, or a format the reader cannot see) a number prints in the fewest digits
that give it back, at most 15 significant ones as Excel does: 2010101, not 2010101.0; 0.3, not
0.30000000000000004.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

_SIGNIFICANT = 15
# Excel's built-in formats that print numbers (the others are dates, which the reader gets as
# dates); currency symbols are left out, as the amount parser would not read them.
BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: "#,##0;-#,##0",
    6: "#,##0;-#,##0",
    7: "#,##0.00;-#,##0.00",
    8: "#,##0.00;-#,##0.00",
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    37: "#,##0;-#,##0",
    38: "#,##0;-#,##0",
    39: "#,##0.00;-#,##0.00",
    40: "#,##0.00;-#,##0.00",
    41: '#,##0;-#,##0;"-"',
    42: '#,##0;-#,##0;"-"',
    43: '#,##0.00;-#,##0.00;"-"',
    44: '#,##0.00;-#,##0.00;"-"',
    48: "##0.0E+0",
    49: "@",
}
_GENERAL = ("general", "@", "g/通用格式", "")
# A quoted literal, an escaped character, a [colour/condition/locale], padding (_x), fill (*x), or one character.
_TOKEN = re.compile(r'"([^"]*)"|\\(.)|\[[^\]]*\]|_.|\*.|(.)', re.DOTALL)
_PLACEHOLDERS = "0#?"


@dataclass(frozen=True)
class _Section:
    prefix: str
    suffix: str
    numeric: bool
    decimals: int
    # Digits printed even when insignificant: '0' placeholders ('#' and '?' print none).
    integer_zeros: int
    fraction_zeros: int
    thousands: bool
    percent: bool
    scale: int
    exponent: bool


def plain_number(value: float | int) -> str:
    """A number as General prints it, without exponent: integers without '.0', at most 15 digits."""
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return ""
    if value.is_integer() and abs(value) < 10**_SIGNIFICANT:
        return str(int(value))
    text = format(Decimal(format(value, f".{_SIGNIFICANT}g")).normalize(), "f")
    return "0" if text in ("-0", "0") else text


def format_number(value: float | int, code: str | None) -> str:
    """`value` printed under the number format `code` (None or General: plain_number)."""
    plain = plain_number(value)
    if code is None or code.strip().lower() in _GENERAL or not plain:
        return plain
    sections = _sections(code)
    number = Decimal(plain)
    if number < 0 and len(sections) > 1:
        return _render(-number, sections[1])
    if number == 0 and len(sections) > 2:
        return _render(number, sections[2])
    text = _render(abs(number), sections[0])
    return f"-{text}" if number < 0 and any(ch in "123456789" for ch in text) else text


@cache
def _sections(code: str) -> tuple[_Section, ...]:
    return tuple(_section(part) for part in _split(code))


def _section(text: str) -> _Section:
    tokens: list[tuple[str, str]] = []  # (kind, text): kind is 'literal' or 'format'
    for match in _TOKEN.finditer(text):
        if match.group(1) is not None:
            tokens.append(("literal", match.group(1)))
        elif match.group(2) is not None:
            tokens.append(("literal", match.group(2)))
        elif match.group(3) is not None:
            char = match.group(3)
            tokens.append(("format" if char in _PLACEHOLDERS + ".,%Ee+-" else "literal", char))
    places = [i for i, (kind, char) in enumerate(tokens) if kind == "format" and char in _PLACEHOLDERS]
    percent = any(kind == "format" and char == "%" for kind, char in tokens)
    if not places:
        shown = "".join(char for kind, char in tokens if kind == "literal" or char in "-+%")
        return _Section(shown, "", False, 0, 0, 0, False, percent, 0, False)
    first, last = places[0], places[-1]
    number = "".join(char for _, char in tokens[first : last + 1])
    mantissa, _, _ = number.upper().partition("E")
    integer, _, fraction = mantissa.partition(".")
    after = tokens[last + 1 :]
    scale = 0
    while scale < len(after) and after[scale] == ("format", ","):
        scale += 1
    prefix = "".join(char for kind, char in tokens[:first] if kind == "literal" or char in "-+")
    suffix = "".join(char for kind, char in after[scale:] if kind == "literal" or char in "%-+")
    return _Section(
        prefix,
        suffix,
        True,
        sum(ch in _PLACEHOLDERS for ch in fraction),
        integer.count("0"),
        len(fraction) - len(fraction.lstrip("0")),
        "," in integer,
        percent,
        scale,
        "E" in number.upper(),
    )


def _split(code: str) -> list[str]:
    """The ';' sections of a format, semicolons in quotes or escaped kept."""
    parts, current, quoted, escaped = [], "", False, False
    for char in code:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return parts


def _render(value: Decimal, section: _Section) -> str:
    if not section.numeric:
        return section.prefix.strip()
    try:
        if section.percent:
            value *= 100
        if section.scale:
            value /= Decimal(1000) ** section.scale
        if section.exponent:
            body = f"{float(value):.{section.decimals}E}"
        else:
            rounded = value.quantize(Decimal(1).scaleb(-section.decimals), rounding=ROUND_HALF_UP)
            body = f"{rounded:,.{section.decimals}f}" if section.thousands else f"{rounded:.{section.decimals}f}"
            whole, _, fraction = body.partition(".")
            fraction = fraction[: section.fraction_zeros] + fraction[section.fraction_zeros :].rstrip("0")
            if whole == "0" and not section.integer_zeros:
                whole = ""
            body = f"{whole}.{fraction}" if fraction else whole
    except (InvalidOperation, OverflowError, ValueError):
        body = plain_number(float(value))
    return f"{section.prefix}{body}{section.suffix}".strip()
