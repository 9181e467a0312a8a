"""Text-layer clean-up shared by every extractor: what was printed, minus encoding artefacts."""

import re
import unicodedata
from collections.abc import Sequence
from itertools import pairwise

# Kangxi radicals and CJK radical supplements that NFKC leaves alone but some PDF producers emit
# in place of the ordinary ideographs.
_RADICALS = str.maketrans(
    {
        "⺠": "民",
        "⻓": "长",
        "⻔": "门",
        "⻅": "见",
        "⻋": "车",
        "⻉": "贝",
        "⻚": "页",
        "⻛": "风",
        "⻢": "马",
        "⻦": "鸟",
        "⻥": "鱼",
        "⻝": "食",
        "⻜": "飞",
        "⻆": "角",
        "⻄": "西",
        "⺟": "母",
        "⺫": "目",
        "⺬": "示",
        "⺮": "竹",
        "⺶": "羊",
        "⻌": "辶",
        "⻍": "辶",
        "⺈": "刀",
        "⺊": "卜",
        "⺧": "牛",
        "⺼": "肉",
        "⻊": "足",
        "⻨": "麦",
        "⻩": "黄",
        "⻬": "齐",
        "⻯": "龙",
        "⻰": "龙",
        "⻮": "齿",
        "⻘": "青",
        "⻙": "韦",
        "⻗": "雨",
        "⺩": "王",
        "⺝": "月",
        "⻁": "虎",
        "⻣": "骨",
        "⻤": "鬼",
        "⻳": "龟",
    }
)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
# Angle brackets left once tags are gone, C0/C1 controls and bidi overrides: no budget label prints
# them, and any of them can turn a cell into markup or a terminal escape downstream.
_UNPRINTED = re.compile(r"[<>\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
_MONEY_UNIT = r"((?:百\s*万|千|万|亿)?\s*元)"
# 单位：万元 anywhere in a line; or the unit alone in brackets, on a line of its own or ending a title.
UNIT_LINE = re.compile(
    rf"单位\s*[:：(（]?\s*(?:人民币)?\s*{_MONEY_UNIT}|^[(（]\s*{_MONEY_UNIT}\s*[)）]$|表\s*[(（]\s*{_MONEY_UNIT}\s*[)）]$"
)
_TITLE = re.compile(r"表\s*([(（][^)）]{0,30}[)）])?$")
# A line saying only that the table before goes on here (续表1, （续上表）, 续上页): it titles the
# continuation, as '…表（续）' does.
_CONTINUED = re.compile(r"[(（]?(续表\s*[\d一二三四五六七八九十]+|续上表|接上表|续上页)[)）]?")
_NUMERAL = r"[\d一二三四五六七八九十〇零]+(\s*[-—–.]\s*[\d一二三四五六七八九十]+)*"
_LABEL = re.compile(rf"(公开|附)?\s*(表|件)\s*{_NUMERAL}\s*[:：]?|(公开|附)?\s*{_NUMERAL}\s*表\s*[:：]?")
_FIELD = re.compile(r"(编制|填报)?(部门|单位)([(（]单位[)）])?(名称)?\s*[:：]")
_ENUMERATED = re.compile(rf"{_NUMERAL}\s*[、.．]|[(（]{_NUMERAL}[)）]|第.{{1,3}}部分|附件|目\s*录")
_PARENTHETICAL = re.compile(r"[(（][^()（）]{1,30}[)）]")
_NARRATIVE_MIN_CHARS = 60
# Where a header field starts after a title on the same line.
_FIELD_AFTER_TITLE = re.compile(r"(?<=\s)(?=(金额|计量)?单位\s*[:：(（]|" + _FIELD.pattern + ")")
# What a text layer gives for glyphs its fonts map to no character: control codes, private-use code
# points, the replacement character, and accented Latin letters, which a broken map puts where a
# Chinese document's characters were (功能科目名称 read as ß能科目名Ā).
_UNDECODED = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd-\uffff\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]"
)
# How pdfminer gives a glyph its font maps to no character.
_PDFMINER_CID = re.compile(r"\(cid:\d+\)")
# A page whose text holds this share of such characters (and two at least) is read as a scan is.
_UNDECODED_SHARE = 0.01
_UNDECODED_MIN = 2


def is_undecoded(text: str) -> bool:
    """Whether a page's text layer does not decode to the characters printed (fonts without a
    usable Unicode map: copied, the text comes out as symbols), so only its image can be read."""
    text = _PDFMINER_CID.sub("\ufffd", text)
    undecoded = len(_UNDECODED.findall(text))
    printed = len(text) - sum(char.isspace() for char in text)
    return undecoded >= _UNDECODED_MIN and undecoded >= _UNDECODED_SHARE * printed


def normalize_text(text: str) -> str:
    """NFKC plus the radicals it misses, so '⼀般公共预算⽀出' reads as '一般公共预算支出'."""
    return unicodedata.normalize("NFKC", text).translate(_RADICALS)


def strip_markup(text: str) -> str:
    """`text` with its HTML tags removed until none is left, so that nested ones such as
    `<<script>script>` cannot reassemble into a tag, then with any angle bracket or control character
    left over removed."""
    while (stripped := _HTML_TAG.sub("", text)) != text:
        text = stripped
    return _UNPRINTED.sub("", text)


def clean_line(text: str) -> str:
    """A narrative line as printed: control characters a PDF producer left in dropped, normalized,
    ends trimmed."""
    return normalize_text(_CONTROL.sub("", text)).strip()


def clean_cell(text: str | None) -> str:
    """A cell as printed: normalized (NFKC first, as it turns fullwidth '＜' into '<'), HTML markup of
    text conversions removed, ends trimmed."""
    if not text:
        return ""
    return strip_markup(normalize_text(text)).strip()


def run_on(parts: list[str]) -> str:
    """Join wrapped lines: CJK and figures run on without a space, Latin words keep one."""
    joined = ""
    for part in parts:
        if joined and part and _latin(joined[-1]) and _latin(part[0]):
            joined += " "
        joined += part
    return joined


def _latin(char: str) -> bool:
    return char.isascii() and char.isalpha()


def stated_unit(line: str) -> str | None:
    """The unit a line such as '金额单位：万元', '（万元）' or '…支出预算表（元）' states, or None."""
    match = UNIT_LINE.search(" ".join(normalize_text(line).split()))  # one space a run: no backtracking
    return "".join(next(unit for unit in match.groups() if unit).split()) if match else None


def lines_unit(lines: Sequence[str]) -> str | None:
    """The unit the first line stating one states; else a unit wrapped in a narrow cell: 单位：万
    ending one line, 元 the last word of the next (部门名称：江苏省高级人民法院 元)."""
    for line in lines:
        if unit := stated_unit(line):
            return unit
    for line, after in pairwise(lines):
        if (words := after.split()) and (unit := stated_unit(line + words[-1])):
            return unit
    return None


def is_title(text: str) -> bool:
    """A short line ending in 表 (or 表(按...)): how every layout seen so far prints a table title.

    A number label such as '公开01表' ends in 表 too, but names no table, so it is not a title; a
    line saying only that the table goes on (续表1, 接上表) is one, of the table before.
    """
    if _CONTINUED.fullmatch(text.strip()):
        return True
    return 0 < len(text) <= _NARRATIVE_MIN_CHARS and bool(_TITLE.search(text)) and not is_label(text)


def spacing_aside(text: str) -> str:
    """The text without its spaces: how lines printed again on other pages are compared."""
    return "".join(text.split())


def heading_key(title: str, context: Sequence[str]) -> tuple[str, ...]:
    """A table's title and context lines, spacing aside: a table continued under the same heading
    printed again (a spreadsheet's print titles, repeated on every page) is told by it."""
    return tuple(spacing_aside(line) for line in (title, *context))


def repeats_heading(key: tuple[str, ...], heading: tuple[str, ...]) -> bool:
    """Whether a page's heading is the table's printed again: the same title, and no context line
    the table's own heading did not print (a page may repeat fewer of them, never another unit's)."""
    return bool(heading) and key[:1] == heading[:1] and set(key[1:]) <= set(heading[1:])


def title_and_fields(text: str) -> list[str]:
    """The lines a printed line holds: a title followed on its line by the table's header fields
    ('2025年部门收入预算总表    单位：万元') is the title, then the fields; any other line, itself."""
    for match in _FIELD_AFTER_TITLE.finditer(text):
        title = text[: match.start()].strip()
        if len(title) > _NARRATIVE_MIN_CHARS:
            break
        if is_title(title) and is_header_field(fields := text[match.start() :]):
            return [title, fields]
    return [text]


def is_label(text: str) -> bool:
    """A table's number printed apart from its title ('公开表一', '公开01表', '附表1', '附件1'), which
    says a new table starts but not which one."""
    return bool(_LABEL.fullmatch(text.strip()))


def is_header_field(text: str) -> bool:
    """'部门：XX' or '单位：万元': lines that say whose table it is and in what unit, printed alike above
    a table and above each page it continues on."""
    return stated_unit(text) is not None or bool(_FIELD.match(text))


def wraps_onto(first: str, second: str) -> bool:
    """Whether `second` continues `first` as one title or one header field broken over two lines.

    A title's start reads as no kind of line of its own; a field's value runs on into a line that
    starts with no 'key:' but ends in the unit; a parenthesis alone ('(续)', '(按经济分类)') completes
    the title above it.
    """
    if not first or not second or is_narrative(first) or is_narrative(second) or is_label(second):
        return False
    if is_title(first):
        return bool(_PARENTHETICAL.fullmatch(second)) and is_title(first + second)
    if _FIELD.match(first) and stated_unit(first) is None:
        return stated_unit(second) is not None and not re.match(r"[^\s:：]*[:：]", second)
    fragment = not (is_label(first) or is_header_field(first) or ":" in first or "：" in first)
    return (
        fragment
        and is_title(second)
        and not _ENUMERATED.match(first)
        and not _ENUMERATED.match(second)
        and is_title(first + second)
    )


def is_narrative(text: str) -> bool:
    """Prose, which separates a table from any title-like line printed before it."""
    return len(text) >= _NARRATIVE_MIN_CHARS or text.endswith(("。", "；", ";"))
