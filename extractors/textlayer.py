"""Text-layer clean-up shared by every extractor: what was printed, minus encoding artefacts."""

import re
import unicodedata

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
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
UNIT_LINE = re.compile(r"单位\s*[:：]?\s*(万元|元)")
_TITLE = re.compile(r"表\s*([(（][^)）]{0,30}[)）])?$")
_NARRATIVE_MIN_CHARS = 60


def normalize_text(text: str) -> str:
    """NFKC plus the radicals it misses, so '⼀般公共预算⽀出' reads as '一般公共预算支出'."""
    return unicodedata.normalize("NFKC", text).translate(_RADICALS)


def clean_cell(text: str | None) -> str:
    """A cell as printed: normalized, HTML markup of text conversions removed, ends trimmed."""
    if not text:
        return ""
    return normalize_text(_HTML_TAG.sub("", text)).strip()


def stated_unit(line: str) -> str | None:
    """The unit a line such as '金额单位：万元' states, or None."""
    match = UNIT_LINE.search(normalize_text(line))
    return match.group(1) if match else None


def is_title(text: str) -> bool:
    """A short line ending in 表 (or 表(按...)): how every layout seen so far prints a table title."""
    return 0 < len(text) <= _NARRATIVE_MIN_CHARS and bool(_TITLE.search(text))


def is_narrative(text: str) -> bool:
    """Prose, which separates a table from any title-like line printed before it."""
    return len(text) >= _NARRATIVE_MIN_CHARS or text.endswith(("。", "；", ";"))
