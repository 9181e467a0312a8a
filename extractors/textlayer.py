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
        "⻳": "龟",
    }
)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
UNIT_LINE = re.compile(r"单位\s*[:：]?\s*(万元|元)")


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
