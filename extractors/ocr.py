"""Reading a PDF page that has no text layer (a scan) with OCR, into the lines and grids the PDF
reader finds on a text page.

The page is rendered grey at RENDER_DPI, straightened by the angle of its ruling lines (turned
upright first if its print lies a quarter turned, a landscape table scanned on a portrait sheet,
or upside down, a sheet fed the wrong way round),
and read by rapidocr (PP-OCR models shipped in its wheel, run by onnxruntime on the CPU, offline).
The table's cells come from the ruling itself: the regions the horizontal and vertical rules
enclose, a merged cell being one region that pdfplumber would read into its top-left cell, so a
scanned table splits into the rows and columns its text-layer print would. A table printed without rules (or
with row rules only, as many 上海 and 江苏 tables are) is built from the readings' geometry
(extractors/geometry.py, which reads a text page's unruled tables too): rows from lines of text,
columns from the boxes of its data rows that line up, header cells and wrapped labels joined, so
it too becomes the grid a ruled print gives. Each cell keeps its reading's confidence and its
box, for the arithmetic to decide later what can be trusted.

rapidocr and OpenCV are imported on first use: where they are missing, text PDFs still read and a
scan is needs_ocr, saying why.
"""

from __future__ import annotations

import logging
import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any

import numpy as np
import pypdfium2 as pdfium

from extractors.geometry import Box, UnruledGrid, Word, lines_of, union, unruled
from extractors.layout import AMOUNT_CELL, Block, printed_cell
from extractors.model import SURE_READING, OcrCell, grant_fixed_memory
from extractors.textlayer import normalize_text

# PP-OCR's detector works on text 20-40 px high; 200 dpi gives a 9-10 pt table font about 28 px.
RENDER_DPI = 200
POINTS_PER_INCH = 72
_MAX_SKEW_DEGREES = 5.0
# A page without rules is straightened by the angle that makes its text lines sharpest, tried in
# these steps on the ink shrunk by _SKEW_SHRINK.
_SKEW_STEP = 0.1
_SKEW_SHRINK = 4
# A rule two pixels thick tilted _MAX_SKEW_DEGREES still runs this long along each row of pixels.
_SKEW_STROKE = 15
# Ink is darker than the mean of the _INK_BLOCK pixels around it. Beside print that mean drops, so a
# blurred rule's grey passes for paper where text nears it (苍溪's 三公 table scanned blurred: the
# rule under 当年财政拨款预算安排 broke for 56 px, and the header's cells ran together into one
# label): rules are looked for in the ink against a wider neighbourhood too.
_INK_BLOCK = 31
_RULE_INK_BLOCK = 101
# A rule is at least this share of the page's width (horizontal) or a table row's height (vertical).
_RULE_SHARE = 40
_MIN_CELL_PX = 8
# A ruled table whose cells are mostly lower than this many points prints under about 6 pt, which a
# 150 dpi scan leaves a few pixels high: read, its labels and figures come out wrong in ways its
# sums do not catch (a row printing one figure in its total and in each part, misread alike), as
# in 苍溪's 部门经济分类 table. Its readings are left out: nothing of it loads rather than
# something wrong.
_LEGIBLE_CELL_PT = 8.0
# A grid too small to read counts as a printed table when this share of its rows hold ink (a
# table prints a label in each row; most cells of a wide one are blank): a cell holds ink when this
# share of its pixels, _RULE_MARGIN pixels inside the rules, is darker than halfway from the paper
# to the grid's rules (its _RULE_PERCENTILE grey). Blurred print is grey: 苍溪's 部门经济分类 table,
# scanned blurred, has hardly a pixel darker than _DARK, and its page was lost without a word.
_INKED_ROWS = 0.3
_INKED_PIXELS = 0.02
_RULE_PERCENTILE = 10
_DARK = 128
_RULE_MARGIN = 2
# A cell with no reading is read alone when this many of its pixels are darker than _DARK, and
# its ink runs as print does (_STROKE): a glyph's strokes, where a scanner's noise leaves none.
_GLYPH_INK = 12
# Print is ink that runs at least this many pixels (a 6 pt figure is about 11 high): a speck of
# dust or of a worn drum is a pixel or two, and read it is a character that is not printed
# (服, B or 34022 in a blank cell of czj's 收支总表 under salt-and-pepper noise, which broke its sums).
_STROKE = 6
# A page lies turned a quarter when more of its readings are this many times higher than wide
# (lines of print running down the page) than wider than high, and at least _TURNED_LINES are;
# _TURN_SAMPLE of the highest are recognised turned each way (np.rot90's _QUARTER_TURNS) to tell
# which way it lies.
_TURNED_LINE = 2
_TURNED_LINES = 3
_TURN_SAMPLE = 12
_QUARTER_TURNS = (1, 3)
# Upright print reads with a median score near 1 (at least 0.98 on each page of 贵阳 scanned with
# σ 25 noise); upside down, about 0.8. A page whose readings score a median under this has its
# _TURN_SAMPLE widest readings recognised turned a half too, to tell whether it lies upside down
# (_HALF_TURNS). Bilevel scans of prose score under it too (0.76 to 0.86), and are found upright.
_UPRIGHT_SCORE = 0.9
_HALF_TURNS = (0, 2)
# A sample reading is recognised from its first this many line-heights only: a few characters tell
# which way print lies, and a long line costs its length (4 s a bilevel page of prose, whole).
_TURN_CROP = 8
# Cells of one row (or column) start within this many pixels of each other.
_ALIGNED = _MIN_CELL_PX / 2
# Readings scored below this are recognised again from their own box.
_REREAD_BELOW = 0.95
# 1,002.21 read as 1.002.21: the comma's tail is lost at 150 dpi. No amount has two decimal points,
# so every point but the last separates thousands; so does a semicolon or a colon before three
# digits (6;481.41: a speck under the comma).
_THOUSANDS_MISREAD = re.compile(r"-?\d{1,3}([.,;:]\d{3})+\.\d{1,2}")
# 483.33 read as 483,33, 483;33 or 0.00 as 0:00 (a 1-bit scan), 1,870.05 as 1,870:05 (a speck), 26.19
# as 26、19 (speckled 贵阳: its 基本支出 table, 62 amounts, then did not add up): a comma followed by
# two digits cannot separate thousands, nor a colon or an enumeration comma stand in a table of
# amounts, so it is the decimal point.
_POINT_READ_AS_COMMA = re.compile(r"(-?\d+|-?\d{1,3}(?:,\d{3})+(?=[;:、]))[,;:、](\d{2})")
# A speck beside the decimal point reads as another (752..90): no amount prints two together.
_POINT_DOUBLED = re.compile(r"(?<=\d)\.{2,}(?=\d)")
# 20,120,000,00 after thousands commas is 20,120,000.00 with its point read as a comma, or
# 20,120,000,00x with a digit lost: given back as the first, the reading is a guess.
_POINT_OR_DIGIT_LOST = re.compile(r"(-?\d{1,3}(?:,\d{3})+),(\d{2})")
# A guess is scored this at most: no amount so read loads unless a sum confirms it.
_GUESSED = 0.5
# A 1-bit scan breaks a 4's thin strokes into a + (1,954.47 read as 1,95+.47 and 1.954.+7, 8.44 as
# 8.++): no amount prints a + after its first digit, so each is taken for a 4, as a guess.
_FOUR_READ_AS_PLUS = re.compile(r"-?\d[\d,.;:]*\+[\d,.;:+]*")
# Words of a disclosure that scans read as no word, and what they print (misreadings.toml).
_WORDS_MISREAD = tuple(
    (re.compile(word["read"]), word["printed"])
    for word in tomllib.loads(resources.files("extractors").joinpath("misreadings.toml").read_text("utf-8"))["word"]
)
# A speck of a grey scan before a code reads as a point or a tick (.2101101 for 2101101), and the
# row loses its code. No amount or code prints so; a 款 or 项 code has 5 or 7 digits.
_SPECK_BEFORE_CODE = re.compile(r"[.,·'`:;]+(\d{5}|\d{7})")
# A cell that starts with the enumeration comma lost the numeral it enumerated: 、货物A for 一、货物A,
# 一's lone stroke read as noise (under σ 25 noise js_rd's 政府采购 table then lost its 一、 heading,
# and the sums their shape); 、上年结转 for 二、上年结转, both strokes faint on grey paper (苍溪's
# 财政拨款收支总表); 、一般公共预算财政拨款收入 for 1、, its thin 1 lost under σ 25 (贵阳's 收支总表).
# No label starts with 、: the numeral is the one after the nearer enumeration of the column above
# it, or the one before the nearer below it, in the same numerals (一、 or 1、); else 一. Above the
# column's first, the comma enumerates nothing: a speck left of a heading read as 、 (czj's 项目 as
# 、项目, then 一、项目, lost the table its heading row and 7 amounts).
_ENUMERATION_COMMA = "、"
_DIGITS = "一二三四五六七八九"


def _chinese_numeral(value: int) -> str:
    tens, units = divmod(value, 10)
    return (_DIGITS[tens - 1] if tens > 1 else "") + ("十" if tens else "") + (_DIGITS[units - 1] if units else "")


_NUMERALS = {_chinese_numeral(value): value for value in range(1, 100)}
_ENUMERATED = re.compile(rf"([{_DIGITS}十]+|\d{{1,2}}){_ENUMERATION_COMMA}")
_ARABIC_MARKED = re.compile(r"(\d{1,2})([、.．])(?!\d)")
# An arabic numeral and a Chinese character after it: a numeral whose mark a scan lost (3上级补助收入).
_MARK_LOST = re.compile(r"(\d{1,2})(?=[\u4e00-\u9fff])")
_BRACKETED = re.compile(rf"\(([{_DIGITS}十]+|\d{{1,2}})\)")
# A cell numbered at all, whatever its numeral's mark (六. 科学技术支出, (二十八)…, 3、): only one that is
# not may have lost its enumeration whole.
_NUMBERED = re.compile(rf"\(?([{_DIGITS}十]+|\d{{1,2}})[)、.．,，:：;；\s-]")
# A bracket closing a cell's print is thin and stands against the rule or the cell's end: the scan
# loses it (便携式计算机(20万以下 for 便携式计算机(20万以下), a 政府采购 item of js_zx). Printed
# labels close their brackets, so a cell left with one open at its end gets it closed.
_OPEN, _CLOSE = "(", ")"
# A cell printing a code (or a part of one: 类, 款, 项 in columns) read under SURE_READING is
# recognised again from its box with these paddings (pixels) and enlargements; its confidence is
# the lowest of theirs when every one reads it alike (and no higher than it was when any reads it
# otherwise). Right codes so re-read score 0.998 to 1.0 (贵阳's 7 read doubtfully, office and σ 25
# scans); 贵阳's 2080505 read as 2080503 under σ 25 read alike, but from 0.933 to 0.996.
_CODE_CELL = re.compile(r"\d{2,7}")
# A speck in or beside a code reads as a mark among its digits (贵阳's 2101103 read as 21011.03,
# 21015 as 21015. under salt-and-pepper noise: the rows loaded without their codes). In a column of
# codes, a cell that is a code of the column's lengths once such a mark is dropped is given that
# code, as a guess (_GUESSED): the mark may be what is left of digits, so it loads only where the
# document settles the code, as any doubtful code.
_SPECK_IN_CODE = re.compile(r"(\d*)[.,·'`:;](\d*)")
# Specks among an amount's digits read as marks (1:954:47, 1.70.00, 0.0.0, .0.00 in 贵阳's tables
# under salt-and-pepper noise): each mark is a thousands comma, the decimal point or a speck. In a
# column of amounts, a cell whose digits so make one amount printed as the column prints them (its
# number of decimals) is given that amount, as a guess (_GUESSED): only a sum it closes loads it.
_MARKS = ".,·'`:;"
# A decimal point lost whole (苍溪's 397.00 read as 39700 at 0.9968 and 0.9993 on two pages of a
# speckled scan, one of them in no sum): in a column of amounts that print decimals, digits with no
# mark are given the column's decimals, as a guess (_GUESSED).
_POINTLESS = re.compile(r"-?\d+")
_SPECKED_AMOUNT = re.compile(rf"[{_MARKS}]*(-?\d[\d{_MARKS}]*\d)[{_MARKS}]*")
_MARK_RUN = re.compile(rf"[{_MARKS}]+")
_SECOND_OPINIONS = ((2, 1), (4, 1), (4, 2), (8, 2))
_PAD = 4
# A part of a reading split at a rule that is narrower than 1/_SLIVER of the reading's height holds
# no glyph (a digit is about half as wide as its line is high): the detector's box ran a few pixels
# over the rule, and recognised, the sliver reads as noise (贵阳's 二、年终结转结余 reached 5 px into
# the amount cell beside it under σ 25, which then read '0.00 2', and its table lost 40 amounts).
_SLIVER = 3
# A cell's one reading that starts further than this share of its height from the cell's left
# edge is read again from the edge: a leading 一 printed against the rule reads as part of it.
_LEAD_GAP = 0.5
# A cell's later line starting more than this many line heights right of its first is centred or set
# apart, and lost no lead (a wrapped line's lost lead is a character or two).
_WRAPPED_LEAD = 2
# What a re-read lead may not add: symbols (noise left of a centred label read as ☑), and the
# underscores and dashes a rule's edge reads as (___项目 for 项目).
_NOT_A_LEAD = {"Sm", "Sc", "Sk", "So", "Pc", "Pd"}
# A column of pixels left of a line that is ink over this share of the line's height is a rule.
_RULE_COLUMN = 0.95
# A row of a crop this share dark is a rule crossing it; a line recognised across a rule is kept
# from this score (下） cut by js_zx's rule read at 0.60 to 0.72; the rule's edge alone, K). at 0.38).
_RULE_ROW = 0.6
_LINE_ACROSS_RULE_SCORE = 0.5
# What a rule's edge left on paper reads as (worn js_fy's 小计 and 待费 each took a line 二 so, and
# their table lost 8 amounts): a line read as these alone is no line.
_READ_FROM_A_RULE = frozenset("一二三-_=—~.,·:;'|")
# A glyph's stretch of ink is at least _STROKE high and this wide (a speck or a vertical rule's edge
# is narrower); a line is recognised when at least this share of a line's height lies clear of the
# next reading below.
_GLYPH_WIDTH = 4
_LINE_ACROSS_RULE_HEIGHT = 0.6
# An A4 page rendered at RENDER_DPI, in pixels (width, height).
_A4_PIXELS = (1654, 2339)
# A page larger than A2 is rendered at a lower resolution, so one page's bitmap stays bounded.
_MAX_PIXELS = 4 * _A4_PIXELS[0] * _A4_PIXELS[1]
# rapidocr shrinks an image whose long side is over its limit (2000 px by default) before detecting;
# an A4 page at RENDER_DPI (2339 px) is read at the resolution it was rendered at: shrunk, 贵阳's
# scan loaded one amount wrong (539 of 539 right at full size).
_ENGINE_SIDE = 4000


@dataclass(frozen=True)
class OcrLine:
    """A line of text outside any table: what the PDF reader's text lines are."""

    text: str
    top: float


@dataclass(frozen=True)
class OcrGrid:
    """A ruled table read by OCR, as a layout Block (with each row's OCR'd cells) and its top."""

    block: Block
    top: float


@dataclass(frozen=True)
class OcrIllegible:
    """A ruled table printed too small to read from the scan: left unread, and said so."""

    top: float
    cell_points: float


class OcrUnavailable(Exception):
    """rapidocr or its models cannot be loaded here; the page stays unread (needs_ocr)."""


class OcrFailed(Exception):
    """OCR ran and failed on a page (the engine or OpenCV refused its image): said with the error."""


@cache
def _engine() -> Any:
    try:
        from rapidocr import RapidOCR
    except ImportError as error:
        raise OcrUnavailable(f"rapidocr is not installed ({error})") from error
    try:
        engine = RapidOCR(params={"Global.log_level": "error", "Global.max_side_len": _ENGINE_SIDE})
    except Exception as error:  # a missing model file or a broken onnxruntime surfaces here in many forms
        raise OcrUnavailable(f"rapidocr cannot load its models ({error!r})") from error
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    return engine


def _recognise(crop: np.ndarray) -> Any:
    """Recognition alone on a crop; every call states its steps, as the engine keeps the last call's."""
    return _engine()(crop, use_det=False, use_cls=False, use_rec=True)


def _recognise_on_paper(crop: np.ndarray) -> Any:
    """Recognition of a crop cut close to its print, with paper put round it: recognition reads
    print that touches the crop's edge badly."""
    import cv2

    return _recognise(cv2.copyMakeBorder(crop, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_CONSTANT, value=255))


def ocr_available() -> str | None:
    """None when OCR can run, else why not (said in a needs_ocr reason)."""
    try:
        _engine()
    except OcrUnavailable as error:
        return str(error)
    return None


@cache
def _ocr_allowance() -> None:
    """The first OCR page in a worker: OCR's engine and onnxruntime's buffers (~500 MiB) are
    granted on top of the memory cap, like the expectation suite's. The page read for it is as
    large as the engine reads (_ENGINE_SIDE), and prints lines of figures, so that detection's
    buffers are sized for any page and recognition's are sized too."""
    import cv2

    page = np.full((_ENGINE_SIDE, _ENGINE_SIDE * _A4_PIXELS[0] // _A4_PIXELS[1]), 255, np.uint8)
    for line in range(40):
        cv2.putText(page, "1,234,567.89  2,345.67  0.00", (60, 80 + 55 * line), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3)
    grant_fixed_memory(lambda: _engine()(page, use_det=True, use_cls=False, use_rec=True), working=True)


def read_scanned_page(document: pdfium.PdfDocument, index: int) -> list[OcrLine | OcrGrid | OcrIllegible]:
    """The page's lines and grids top to bottom, positions in PDF points from the page's top; raise
    OcrFailed when rendering or OCR fails on it."""
    _ocr_allowance()
    try:
        return _read_page(document, index)
    except (MemoryError, OcrUnavailable):
        raise
    except Exception as error:  # OpenCV and the engine raise their own errors, of many kinds
        raise OcrFailed(f"{type(error).__name__}: {' '.join(str(error).split())[:300] or 'no message'}") from error


def _read_page(document: pdfium.PdfDocument, index: int) -> list[OcrLine | OcrGrid | OcrIllegible]:
    page = document[index]
    try:
        width, height = page.get_size()
        scale = min(RENDER_DPI / POINTS_PER_INCH, (_MAX_PIXELS / max(1.0, width * height)) ** 0.5)
        pixels = page.render(scale=scale, grayscale=True, may_draw_forms=False).to_numpy()
        rendered = np.ascontiguousarray(pixels[:, :, 0] if pixels.ndim == 3 else pixels)
    finally:
        page.close()
    image, ink = _straightened(rendered)
    readings = _read(image)
    if turn := _upright_turn(image, readings):
        image, ink = _straightened(np.ascontiguousarray(np.rot90(rendered, turn)))
        readings = _read(image)
    rules = np.bitwise_or(ink, _ink(image, _RULE_INK_BLOCK))
    printed = [r for r in readings if _printed(_padded(image, tuple(int(v) for v in r.box), 0))]
    return _items(image, _reread_doubtful(image, printed), _tables(rules), 1 / scale)


def _stretches(dark: np.ndarray) -> list[Box]:
    """Each stretch of 8-connected `dark` pixels, as its box."""
    import cv2

    count, _, stats, _ = cv2.connectedComponentsWithStats(dark.astype(np.uint8), connectivity=8)
    return [(float(x), float(y), float(x + w), float(y + h)) for x, y, w, h, _ in stats[1:count]]


def _stroke(stretch: Box) -> bool:
    return max(stretch[2] - stretch[0], stretch[3] - stretch[1]) >= _STROKE


def _printed(crop: np.ndarray) -> bool:
    """Whether the crop holds print (_STROKE)."""
    return crop.size > 0 and any(map(_stroke, _stretches(_print_ink(crop))))


def _print_ink(crop: np.ndarray) -> np.ndarray:
    """The crop's pixels darker than halfway from the paper (its median grey) to its darkest: faint
    or blurred print counts, and noise seldom strays that far from the paper."""
    return crop < (float(crop.min()) + float(np.median(crop))) / 2


def _ink(page: np.ndarray, block: int = _INK_BLOCK) -> np.ndarray:
    """The pixels darker than the mean of the `block` around them by more than noise."""
    import cv2

    return cv2.adaptiveThreshold(page, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15)


def _straightened(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The page turned level by the tilt of its rules (or of its lines of text), and its ink."""
    ink = _ink(image)
    angle = _skew(ink)
    if angle is None:
        angle = _text_skew(ink)
    if not angle:
        return image, ink
    level = _rotated(image, angle, 255)
    return level, _ink(level)


def _upright_turn(image: np.ndarray, readings: list[Word]) -> int:
    """The turns (counter-clockwise, as np.rot90 counts them) that bring the page's print upright: a
    quarter either way when its lines of text run down the page, as a landscape table scanned on a
    portrait sheet's do; a half when it lies upside down; 0 for a page upright. Which way it lies,
    its readings tell, recognised turned each way: turned wrong, print reads poorly. A cover
    printing its title in columns, right to left, is turned a quarter too: its columns then read
    as lines, in their order. Checking costs nothing on a page whose print reads well as it lies."""
    tall = [r for r in readings if r.box[3] - r.box[1] >= _TURNED_LINE * (r.box[2] - r.box[0])]
    wide = sum(r.box[2] - r.box[0] >= _TURNED_LINE * (r.box[3] - r.box[1]) for r in readings)
    if len(tall) >= _TURNED_LINES and len(tall) > wide:
        tallest = sorted(tall, key=lambda r: r.box[1] - r.box[3])[:_TURN_SAMPLE]
        return _most_legible(image, tallest, _QUARTER_TURNS)
    if readings and float(np.median([r.score for r in readings])) < _UPRIGHT_SCORE:
        widest = sorted(readings, key=lambda r: r.box[0] - r.box[2])[:_TURN_SAMPLE]
        return _most_legible(image, widest, _HALF_TURNS)
    return 0


def _most_legible(image: np.ndarray, sample: list[Word], turns: tuple[int, ...]) -> int:
    """Of `turns`, the one under which the sample's readings recognise best (the first on a tie)."""

    def legibility(turn: int) -> float:
        total = 0.0
        for reading in sample:
            x0, top, x1, bottom = (int(v) for v in reading.box)
            reach = _TURN_CROP * min(x1 - x0, bottom - top)
            crop = _padded(image, (x0, top, min(x1, x0 + reach), min(bottom, top + reach)), _PAD)
            result = _recognise(np.ascontiguousarray(np.rot90(crop, turn)))
            total += float(result.scores[0]) if result.txts else 0.0
        return total

    return max(turns, key=legibility)


def _skew(ink: np.ndarray) -> float | None:
    """The page's tilt in degrees from its long near-horizontal rules (None on a page without any):
    the median slope of the lines fitted through each rule's pixels. The rules are the ink's
    horizontal strokes that run a quarter of the page; fitting their pixels is exact to a
    hundredth of a degree in hundredths of a second, where a Hough search over all the ink took
    seconds and erred by a tenth."""
    import cv2

    width = ink.shape[1]
    strokes = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, _SKEW_STROKE), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(strokes, connectivity=8)
    angles = []
    for label in range(1, count):
        x, y, w, h, _ = stats[label]
        if w < width // 4:
            continue
        rows, columns = np.nonzero(labels[y : y + h, x : x + w] == label)
        angle = float(np.degrees(np.arctan(np.polyfit(columns, rows, 1)[0])))
        if abs(angle) < _MAX_SKEW_DEGREES:
            angles.append(angle)
    return float(np.median(angles)) if angles else None


def _text_skew(ink: np.ndarray) -> float:
    """The tilt of a page without rules: the turn under which its rows of ink are sharpest (their
    profile varies most); ties go to the smallest turn, so a blank page is left as it is."""
    import cv2

    small = cv2.resize(ink, None, fx=1 / _SKEW_SHRINK, fy=1 / _SKEW_SHRINK, interpolation=cv2.INTER_AREA)
    steps = int(_MAX_SKEW_DEGREES / _SKEW_STEP)
    candidates = sorted((step * _SKEW_STEP for step in range(-steps, steps + 1)), key=abs)
    return max(candidates, key=lambda angle: float(np.var(_rotated(small, angle, 0).sum(axis=1, dtype=np.float64))))


def _rotated(image: np.ndarray, angle: float, fill: int) -> np.ndarray:
    import cv2

    height, width = image.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=fill)


def _read(image: np.ndarray) -> list[Word]:
    result = _engine()(image, use_det=True, use_cls=False, use_rec=True)
    if result.boxes is None:
        return []
    readings = []
    for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
        xs, ys = [float(p[0]) for p in quad], [float(p[1]) for p in quad]
        readings.append(_word(text, float(score), (min(xs), min(ys), max(xs), max(ys))))
    return readings


def _reread_doubtful(image: np.ndarray, readings: list[Word]) -> list[Word]:
    """The readings, each scored under _REREAD_BELOW recognised again (`_reread`), once the page is
    known to lie upright: on a page lying turned nearly every reading is doubtful."""
    again = (_reread(image, r) if r.score < _REREAD_BELOW else r for r in readings)
    return [reading for reading in again if reading.text]


def _padded(image: np.ndarray, box: tuple[int, ...], pad: int) -> np.ndarray:
    """The image within `box` (x0, top, x1, bottom in pixels), `pad` pixels wider each way."""
    x0, top, x1, bottom = box
    return image[max(0, top - pad) : bottom + pad, max(0, x0 - pad) : x1 + pad]


def _reread(image: np.ndarray, reading: Word) -> Word:
    """A doubtful reading recognised again from its box alone, a little padded: on the whole page
    the detector's crop can clip a glyph (0 read as ε); the better-scored reading is kept."""
    crop = _padded(image, tuple(int(v) for v in reading.box), _PAD)
    result = _recognise(crop)
    if not result.txts or float(result.scores[0]) <= reading.score:
        return reading
    return _word(result.txts[0], float(result.scores[0]), reading.box)


def _word(recognised: str, score: float, box: Box) -> Word:
    """A recognised text as the reading of what is printed (`_ocr_text`). An amount whose decimal
    point may have been read as a comma after thousands commas is given back as such but scored
    no more than _GUESSED: read with a digit lost instead, it would load a thousand times too
    small, and only a sum it closes can tell which."""
    text = _ocr_text(recognised)
    if _FOUR_READ_AS_PLUS.fullmatch(text) and AMOUNT_CELL.fullmatch(fours := _ocr_text(text.replace("+", "4"))):
        return Word(fours, min(score, _GUESSED), box)
    if guessed := _POINT_OR_DIGIT_LOST.fullmatch(text):
        return Word(f"{guessed[1]}.{guessed[2]}", min(score, _GUESSED), box)
    return Word(text, score, box)


def _ocr_text(text: str) -> str:
    """A reading as the printed text: normalized, words misread as no word given back
    (_WORDS_MISREAD), a speck before a code dropped, and an amount whose thousands commas were
    read as points, or whose decimal point was read as a comma or doubled, given its separators
    back (the arithmetic gate still decides whether it loads)."""
    text = normalize_text(text).strip()
    for misread, printed in _WORDS_MISREAD:
        text = misread.sub(printed, text)
    if speck := _SPECK_BEFORE_CODE.fullmatch(text):
        return speck[1]
    text = _POINT_DOUBLED.sub(".", text)
    if _THOUSANDS_MISREAD.fullmatch(text):
        whole, _, fraction = text.rpartition(".")
        return f"{re.sub('[.;:]', ',', whole)}.{fraction}"
    if point := _POINT_READ_AS_COMMA.fullmatch(text):
        return f"{point[1]}.{point[2]}"
    return text


@dataclass(frozen=True)
class _Table:
    box: Box
    rows: list[float]  # where each row of cells starts (their tops), top to bottom
    columns: list[float]  # where each column of cells starts (their left edges), left to right
    cells: list[Box]  # the regions the rules enclose (a merged cell is one)


def _tables(ink: np.ndarray) -> list[_Table]:
    """Ruled tables on the page: rules found by opening the ink with long thin kernels, cells as the
    connected regions between them."""
    import cv2

    width = ink.shape[1]
    long_across = cv2.getStructuringElement(cv2.MORPH_RECT, (width // _RULE_SHARE, 1))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, long_across)
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 25)))
    rules = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    tables = []
    for label in range(1, count):
        x, y, w, h, _ = stats[label]
        if w < width // 4 or h < 3 * _MIN_CELL_PX:
            continue
        tables.append(_table(rules[y : y + h, x : x + w], x, y))
    return [t for t in tables if len(t.rows) >= 2 and len(t.columns) >= 2]


def _table(region: np.ndarray, x: int, y: int) -> _Table:
    """The cells a table's rules enclose, its rows and columns where cells start, as pdfplumber
    splits a ruled table of the text layer: a stroke no cell ends against (a glyph's, a rule
    broken off) starts nothing, a rule several pixels thick is one, and a rule under part of a
    header only starts the row of the header cells below it."""
    import cv2

    height, width = region.shape
    count, _, stats, _ = cv2.connectedComponentsWithStats(255 - region, connectivity=4)
    cells = [
        (float(x + cx), float(y + cy), float(x + cx + cw), float(y + cy + ch))
        for cx, cy, cw, ch, _ in stats[1:count]
        if cw >= _MIN_CELL_PX and ch >= _MIN_CELL_PX and cx > 0 and cy > 0 and cx + cw < width and cy + ch < height
    ]
    box = (float(x), float(y), float(x + width), float(y + height))
    return _Table(box, _starts([cell[1] for cell in cells]), _starts([cell[0] for cell in cells]), cells)


def _starts(edges: list[float]) -> list[float]:
    """The first of each run of edges lying within _ALIGNED of the one before (cells of a row or a
    column, their edges a pixel or two apart after straightening)."""
    starts: list[float] = []
    last = -np.inf
    for edge in sorted(edges):
        if edge - last > _ALIGNED:
            starts.append(edge)
        last = edge
    return starts


def _items(
    image: np.ndarray, readings: list[Word], tables: list[_Table], scale: float
) -> list[OcrLine | OcrGrid | OcrIllegible]:
    items: list[tuple[float, OcrLine | OcrGrid | OcrIllegible]] = []
    outside = list(readings)
    for table in sorted(tables, key=lambda t: t.box[1]):
        inside = [r for r in outside if _centre_in(r.box, table.box)]
        points = float(np.median([cell[3] - cell[1] for cell in table.cells])) * scale
        legible = points >= _LEGIBLE_CELL_PT
        grid = _grid(image, table, inside, scale) if legible else None
        if grid is not None or not legible:
            outside = [r for r in outside if not _centre_in(r.box, table.box)]
        if grid is not None:
            items.append((grid.top, _codes_checked(image, _mended_grid(grid), scale)))
        elif not legible and (inside or _inked(image, table)):
            items.append((table.box[1] * scale, OcrIllegible(table.box[1] * scale, round(points, 1))))

    def reread(cell: Box, line: list[Word]) -> Word:
        return _lead_reread(image, (cell[0] - _PAD, *cell[1:]), line)

    for top, item in unruled(outside, scale, reread):
        if isinstance(item, UnruledGrid):
            grid = _mended_grid(OcrGrid(Block(item.rows, ocr=item.cells), top))
            items.append((top, _codes_checked(image, grid, scale)))
        else:
            items.append((top, OcrLine(item.text, top)))
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]


def _mended_grid(grid: OcrGrid) -> OcrGrid:
    """The grid with what the scan lost or spoilt of its labels, codes and amounts given back."""
    return _amounts_despecked(_codes_despecked(_labels_mended(grid)))


def _labels_mended(grid: OcrGrid) -> OcrGrid:
    """The grid with what a scan loses of its labels given back: the bracket that ends a cell
    (_CLOSE) and the numeral an enumeration starts with (_ENUMERATION_COMMA)."""

    def closed(text: str) -> str:
        lost = text.count(_OPEN) == text.count(_CLOSE) + 1 and text.rfind(_OPEN) > text.rfind(_CLOSE)
        return text + _CLOSE if lost else text

    read = [[closed(text) for text in cells] for _, cells in grid.block.rows]
    for column in range(max(map(len, read), default=0)):
        printed = [cells for cells in read if column < len(cells) and cells[column]]
        _marks_restored(printed, column)
        _numbered([cells for cells in read if column < len(cells)], column)
        _marks_restored(printed, column)
        _numerals_restored([cells for cells in read if column < len(cells) and cells[column]], column)
    return _mended(grid, read)


def _codes_despecked(grid: OcrGrid) -> OcrGrid:
    """The grid with each code a speck broke given back, as a guess (_SPECK_IN_CODE)."""
    read = [list(cells) for _, cells in grid.block.rows]
    for column in range(max(map(len, read), default=0)):
        printed = [cells[column] for cells in read if column < len(cells) and cells[column]]
        codes = [text for text in printed if _CODE_CELL.fullmatch(text)]
        if 2 * len(codes) <= len(printed):
            continue
        lengths = {len(code) for code in codes}
        for cells in read:
            speck = _SPECK_IN_CODE.fullmatch(cells[column]) if column < len(cells) else None
            if speck and len(code := speck[1] + speck[2]) in lengths:
                cells[column] = code
    return _mended(grid, read, doubt=_GUESSED)


def _amounts_despecked(grid: OcrGrid) -> OcrGrid:
    """The grid with each amount specks broke given back, as a guess (_SPECKED_AMOUNT), each whose
    decimal point was lost (_POINTLESS), and in a column of whole amounts each whose thousands commas
    read as points (_grouped_integer), in a column more than half of whose cells are amounts, the
    broken ones counted (贵阳's 收入总计 heading over 1,954.47 and 1:954:47)."""
    read = [list(cells) for _, cells in grid.block.rows]
    for column in range(max(map(len, read), default=0)):
        held = [cells for cells in read if column < len(cells) and cells[column]]
        amounts = [cells[column] for cells in held if AMOUNT_CELL.fullmatch(cells[column])]
        places = Counter(len(text.partition(".")[2]) for text in amounts).most_common(1)[0][0] if amounts else 0
        broken = [
            (cells, amount)
            for cells in held
            if not AMOUNT_CELL.fullmatch(cells[column]) and (amount := _despecked_amount(cells[column], places))
        ]
        pointless = [(cells, amount) for cells in held if (amount := _pointed_amount(cells[column], places))]
        grouped = [(cells, amount) for cells in held if not places and (amount := _grouped_integer(cells[column]))]
        if 2 * (len(amounts) + len(broken)) > len(held):
            for cells, amount in [*broken, *pointless, *grouped]:
                cells[column] = amount
    return _mended(grid, read, doubt=_GUESSED)


def _despecked_amount(text: str, places: int) -> str | None:
    """The amount with `places` decimals that the text's digits make, a mark standing where its
    decimal point is and every other mark a thousands comma or a speck; None when no mark stands
    there."""
    marked = _marked_digits(text)
    if marked is None or not places:
        return None
    sign, digits, before = marked
    if len(digits) - places not in before:
        return None
    return _with_decimals(sign, digits, places)


def _marked_digits(text: str) -> tuple[str, str, list[int]] | None:
    """The sign, the digits, and how many digits stand before each run of marks, of a text of
    digits and marks (_SPECKED_AMOUNT); None for anything else."""
    specked = _SPECKED_AMOUNT.fullmatch(text)
    if specked is None:
        return None
    sign, body = ("-", specked[1][1:]) if specked[1].startswith("-") else ("", specked[1])
    before = [len(_MARK_RUN.sub("", body[: mark.start()])) for mark in _MARK_RUN.finditer(body)]
    return sign, _MARK_RUN.sub("", body), before


def _grouped_integer(text: str) -> str | None:
    """A whole amount whose thousands commas a scan read as other marks, every mark standing where a
    comma goes (万里's 9,721,800 元 printed small read as 9,721.800, and its table did not close);
    None for anything else, or an amount read as printed."""
    marked = _marked_digits(text)
    if marked is None:
        return None
    sign, digits, before = marked
    if not before or any((len(digits) - count) % 3 for count in before):
        return None
    amount = f"{sign}{int(digits):,}"
    return None if amount == text else amount


def _pointed_amount(text: str, places: int) -> str | None:
    """Digits with no mark, given `places` decimals; None for anything else, or digits too few."""
    if not places or not _POINTLESS.fullmatch(text) or len(text.lstrip("-")) <= places:
        return None
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    return _with_decimals(sign, digits, places)


def _with_decimals(sign: str, digits: str, places: int) -> str:
    """The digits as an amount printed with `places` decimals and thousands commas."""
    return f"{sign}{int(digits[:-places]):,}.{digits[-places:]}"


def _mended(grid: OcrGrid, read: list[list[str]], doubt: float = 1.0) -> OcrGrid:
    """The grid with its rows' texts as `read`, each change carried into the cell's OCR reading
    with its confidence at most `doubt`. A cell's reading is the one of its text as many places
    along the row as cells of that text before it, as transforms.facts finds it: a row may print
    one label twice, in two sides of a table, and only one of them be mended."""
    changed: dict[int, dict[tuple[str, int], str]] = {}
    for (number, printed), cells in zip(grid.block.rows, read, strict=True):
        for column, (old, new) in enumerate(zip(printed, cells, strict=True)):
            if old != new:
                changed.setdefault(number, {})[old, printed[:column].count(old)] = new
    if not changed:
        return grid

    def carried(number: int, cells: tuple[OcrCell, ...]) -> tuple[OcrCell, ...]:
        texts, seen = changed.get(number, {}), Counter[str]()
        mended = []
        for cell in cells:
            text = texts.get((cell.text, seen[cell.text]))
            seen[cell.text] += 1
            mended.append(cell if text is None else replace(cell, text=text, confidence=min(cell.confidence, doubt)))
        return tuple(mended)

    ocr = {number: carried(number, cells) for number, cells in grid.block.ocr.items()}
    rows = tuple((number, tuple(cells)) for (number, _), cells in zip(grid.block.rows, read, strict=True))
    return OcrGrid(replace(grid.block, rows=rows, ocr=ocr), grid.top)


def _numbered(rows: list[list[str]], column: int) -> None:
    """Each cell of the column that starts with the enumeration comma given its numeral (or, above
    the column's first, its comma taken away), in place: numbered on from the nearer enumeration
    above or below it, in its numerals (一、 or 1、), counting the cells between that lost theirs
    too (zfb's 、一般公共预算资金 and 、政府性基金 above 三、: 一、 and 二、, not 二、 and 三、). Right under a
    heading in brackets ((一)财政拨款收入) it begins the level below, 1、, unless arabic numerals below
    it say otherwise. With no numeral in the column, it is 一、 only where no row above it prints an
    amount: 贵阳's "三公" table printed at 0.65 lost 一、 whole and the 二 and 三 of the rows below, and
    its 、公务接待费 and 、公务用车购置及运行维护费 became 一、 and 二、."""

    for index, cells in enumerate(rows):
        text = cells[column]
        if not text.startswith(_ENUMERATION_COMMA):
            continue
        above = next(((index - n, e) for n in range(index - 1, -1, -1) if (e := _numeral(rows[n][column]))), None)
        below = next(((n - index, e) for n in range(index + 1, len(rows)) if (e := _numeral(rows[n][column]))), None)
        under_heading = index > 0 and bool(_BRACKETED.match(rows[index - 1][column]))
        if under_heading and not (below and below[1][1]):
            value, arabic = 1, True
        elif above and not under_heading and (not below or above[0] <= below[0]):
            value, arabic = above[1][0] + 1, above[1][1]
        elif below:
            lost = sum(rows[n][column].startswith(_ENUMERATION_COMMA) for n in range(index + 1, index + below[0]))
            value, arabic = below[1][0] - 1 - lost, below[1][1]
        elif any(AMOUNT_CELL.fullmatch(cell) for above_row in rows[:index] for cell in above_row):
            value, arabic = 0, False  # rows of amounts above may be items whose numerals went whole
        else:
            value, arabic = 1, False
        if not value:
            cells[column] = text.removeprefix(_ENUMERATION_COMMA)
        else:
            value = min(value, len(_NUMERALS))
            cells[column] = (str(value) if arabic else _chinese_numeral(value)) + text


def _marks_restored(rows: list[list[str]], column: int) -> None:
    """Each cell of the column (all printing something) whose arabic numeral lost its mark given
    it, in place, where the cell above or below goes on with the numbering (贵阳's 2政府性基金… over
    3国有资本…, salt-and-pepper noise having taken both 、): left so, the 、一般公共预算… above them,
    its 1 lost too, was numbered on from 一、本年收入 as 二、, a heading, and a right total was
    quarantined. The mark is the one the column's other arabic numerals print, else 、."""
    numbers = [_arabic(cells[column]) for cells in rows]
    marks = Counter(m[2] for cells in rows if (m := _ARABIC_MARKED.match(cells[column])))
    mark = marks.most_common(1)[0][0] if marks else _ENUMERATION_COMMA
    for index, cells in enumerate(rows):
        lost = _MARK_LOST.match(cells[column])
        if lost is None:
            continue
        value = int(lost[1])
        above = index > 0 and numbers[index - 1] == value - 1
        below = index + 1 < len(rows) and numbers[index + 1] == value + 1
        if above or below:
            cells[column] = lost[1] + mark + cells[column][len(lost[1]) :]


def _arabic(text: str) -> int | None:
    """The arabic numeral a cell is enumerated by, with its mark (3、) or without it (3上级补助收入)."""
    match = _ARABIC_MARKED.match(text) or _MARK_LOST.match(text)
    return int(match[1]) if match else None


def _numeral(text: str) -> tuple[int, bool] | None:
    """The number a cell's enumeration gives it, and whether in arabic numerals (1、 or 一、)."""
    match = _ENUMERATED.match(text)
    if match is None:
        return None
    arabic = match[1].isdigit()
    value = int(match[1]) if arabic else _NUMERALS.get(match[1])
    return (value, arabic) if value else None


def _numerals_restored(rows: list[list[str]], column: int) -> None:
    """Each cell of the column (all printing something) that lost its enumeration whole given it, in
    place. Unnumbered cells in a row between M、 and N、 of one kind are M+1、 to N-1、 where they are
    as many as the numbers between; between a heading enumerated at a level above ((一), 一、) and
    N、 in arabic numerals, as many as N - 1, they are 1、 on (贵阳's 1、一般公共预算财政拨款收入 under
    (一)财政拨款收入; 事业收入 and 事业单位经营收入 under (三)单位资金收入, over 3、: salt-and-pepper
    noise, and (一)'s parts went unchecked, their amounts unconfirmed). A cell with cells of deeper
    levels ((一), 1、), and only those, between it and 二、 below, and only the header above, is 一、
    (贵阳's 本年收入 lost it: read as the level below, it left 二、上年结转结余 alone to sum to the
    total, and a right 0.00 was quarantined; a 合计 right above 二、 is no 一、). A cell opening with
    the numeral the cell below or above calls for lost only its mark (苍溪's 一一般公共预算拨款收入 over
    二、, speckled). Unnumbered parts under a heading (苍溪's under 一、本年收入) stay."""
    texts = [cells[column] for cells in rows]
    numerals = [_numeral(text) for text in texts]
    lost = [not _NUMBERED.match(text) and not text.startswith(_ENUMERATION_COMMA) for text in texts]
    given: dict[int, tuple[int, bool]] = {}
    start = 0
    while start < len(rows):
        end = next((n for n in range(start, len(rows)) if not lost[n]), len(rows))
        if end > start and end < len(rows) and (after := numerals[end]) and after[0] >= 2:
            before = numerals[start - 1] if start else None
            above = texts[start - 1] if start else None
            heading = above is not None and (_BRACKETED.match(above) or (before and not before[1]))
            count = end - start
            if before == (after[0] - count - 1, after[1]) or (after[1] and after[0] == count + 1 and heading):
                given |= {n: (after[0] - (end - n), after[1]) for n in range(start, end)}
        start = end + 1
    for index in (n for n in range(len(rows) - 1) if lost[n] and n not in given and _deeper(texts[n + 1])):
        after = next((numerals[n] for n in range(index + 1, len(rows)) if not _deeper(texts[n])), None)
        previous = next((n for n in range(index - 1, -1, -1) if not _deeper(texts[n])), None)
        header = previous is not None and not any(AMOUNT_CELL.fullmatch(cell) for cell in rows[previous])
        if after == (2, False) and (previous is None or header):
            given[index] = (1, False)
    for index in (n for n in range(len(rows)) if lost[n] and n not in given):
        next_one = numerals[index + 1] if index + 1 < len(rows) else None
        last_one = numerals[index - 1] if index else None
        value = 0
        if next_one and not next_one[1]:
            value = next_one[0] - 1
        elif last_one and not last_one[1]:
            value = last_one[0] + 1
        if value and _mark_lost_after(texts[index], _chinese_numeral(value)):
            given[index] = (value, False)
    for index, (value, arabic) in given.items():
        numeral = str(value) if arabic else _chinese_numeral(value)
        text = texts[index]
        rest = text[len(numeral) :]
        if text.startswith(numeral) and rest[:1] and not rest[0].isdigit() and not text.startswith(_NUMERAL_WORDS):
            text = rest  # only the mark was lost: 一本年支出
        rows[index][column] = numeral + _ENUMERATION_COMMA + text


# Words that open with a numeral: a cell opening so lost its enumeration whole (一般公共预算…), not its mark.
_NUMERAL_WORDS = ("一般", "三公")


def _mark_lost_after(text: str, numeral: str) -> bool:
    """Whether the cell opens with `numeral` and then its words: 一一般…, not 十一城乡… for 十 or 一般… for 一."""
    rest = text.removeprefix(numeral)
    if rest == text or not rest or text.startswith(_NUMERAL_WORDS) or rest[0].isdigit():
        return False
    return rest[0] not in _DIGITS + "十" or rest.startswith(_NUMERAL_WORDS)


def _deeper(text: str) -> bool:
    """Whether a cell is enumerated below the top level: (一), 1、, or 3上级… (a mark lost)."""
    return bool(_BRACKETED.match(text) or _arabic(text) is not None)


def _codes_checked(image: np.ndarray, grid: OcrGrid, scale: float) -> OcrGrid:
    """The grid with each doubtful code cell's confidence settled by a second opinion
    (_SECOND_OPINIONS): no sum will check a code. Where those opinions differ from the cell only
    by marks among its digits (a speck read as a point: 208. for 208, 30.110 for 30110), the specks
    are what is in doubt: the opinions are taken again from the crop with them filtered out."""

    def checked(cell: OcrCell) -> OcrCell:
        if cell.confidence >= SURE_READING or not _CODE_CELL.fullmatch(cell.text):
            return cell
        box = tuple(round(v / scale) for v in cell.box)
        opinions = _opinions(image, box)
        if all(o is not None and _MARK_RUN.sub("", o[0]) == cell.text for o in opinions) and any(
            o is not None and o[0] != cell.text for o in opinions
        ):
            opinions = _opinions(image, box, despeckled=True)
        alike = [o[1] for o in opinions if o is not None and o[0] == cell.text]
        settled = min([cell.confidence, *alike] if len(alike) < len(opinions) else alike)
        return replace(cell, confidence=round(settled, 4))

    ocr = {n: tuple(checked(cell) for cell in cells) for n, cells in grid.block.ocr.items()}
    return OcrGrid(replace(grid.block, ocr=ocr), grid.top)


def _opinions(image: np.ndarray, box: tuple[int, ...], despeckled: bool = False) -> list[tuple[str, float] | None]:
    """What the recogniser reads in `box` cropped and enlarged each way of _SECOND_OPINIONS, with its
    score; `despeckled`: from the crop filtered by a 3x3 median, which clears specks a pixel or two
    wide and keeps strokes."""
    import cv2

    read: list[tuple[str, float] | None] = []
    for pad, enlarged in _SECOND_OPINIONS:
        crop = np.ascontiguousarray(_padded(image, box, pad))
        if despeckled:
            crop = cv2.medianBlur(crop, 3)
        result = _recognise(cv2.resize(crop, None, fx=enlarged, fy=enlarged, interpolation=cv2.INTER_CUBIC))
        read.append((_ocr_text(result.txts[0]), float(result.scores[0])) if result.txts else None)
    return read


def _inked(image: np.ndarray, table: _Table) -> bool:
    """Whether a ruled grid's rows hold print. Print too small for the detector leaves no reading
    inside, yet it is a table left unread; an empty grid (a form, a frame) holds no ink."""
    import cv2

    left, top, right, bottom = (int(v) for v in table.box)
    region = image[top:bottom, left:right]
    between = np.ones(region.shape, bool)
    for x0, y0, x1, y1 in table.cells:
        between[int(y0) - top : int(y1) - top, int(x0) - left : int(x1) - left] = False
    if not between.any():
        return False
    darker = _ink_threshold(image, region[between])
    smoothed = cv2.medianBlur(np.ascontiguousarray(region), 3)
    inked_rows, margin = set(), _RULE_MARGIN
    for x0, y0, x1, y1 in table.cells:
        inner = smoothed[
            int(y0) - top + margin : int(y1) - top - margin, int(x0) - left + margin : int(x1) - left - margin
        ]
        if inner.size and np.count_nonzero(inner < darker) >= _INKED_PIXELS * inner.size:
            inked_rows.add(_index(y0, table.rows))
    return len(inked_rows) >= _INKED_ROWS * len(table.rows)


def _ink_threshold(paper: np.ndarray, printed: np.ndarray) -> float:
    """The grey halfway from the paper (its median) to the print (its _RULE_PERCENTILE-th percentile):
    darker is ink on white, grey or yellowed paper, sharp or blurred, where a fixed grey is not."""
    return (float(np.median(paper)) + float(np.percentile(printed, _RULE_PERCENTILE))) / 2


def _centre_in(box: Box, area: Box) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return area[0] <= x <= area[2] and area[1] <= y <= area[3]


def _index(position: float, starts: list[float]) -> int:
    """The row or column that a cell whose top or left edge is `position` starts."""
    return max(0, sum(start <= position + _ALIGNED for start in starts) - 1)


def _split_at_rules(image: np.ndarray, table: _Table, reading: Word) -> list[Word]:
    """A reading that runs over a vertical rule (an amount printed against the rule and the next
    cell's label read as one line) split at the rule, each part recognised again from its own crop."""
    x0, top, x1, bottom = reading.box
    middle = (top + bottom) / 2
    crossed = sorted(
        cell[0]
        for cell in table.cells
        if cell[1] <= middle <= cell[3] and x0 + _MIN_CELL_PX < cell[0] < x1 - _MIN_CELL_PX
    )
    if not crossed:
        return [reading]
    parts = []
    for left, right in pairwise([x0 - _PAD, *crossed, x1 + _PAD]):
        if right - left - 2 * _PAD < (bottom - top) / _SLIVER:
            continue
        crop = image[
            max(0, int(top) - _PAD) : int(bottom) + _PAD,
            max(0, int(left) + _PAD) : max(int(left) + _PAD + 1, int(right) - _PAD),
        ]
        result = _recognise(crop)
        if not result.txts:
            continue
        part = _word(
            result.txts[0], min(reading.score, float(result.scores[0])), (left + _PAD, top, right - _PAD, bottom)
        )
        if part.text:
            parts.append(part)
    return parts


def _grid(image: np.ndarray, table: _Table, readings: list[Word], scale: float) -> OcrGrid | None:
    width = len(table.columns)
    readings = [part for reading in readings for part in _split_at_rules(image, table, reading)]
    cells: dict[tuple[int, int], list[Word]] = {}
    for cell in table.cells:
        lines = lines_of([r for r in readings if _centre_in(r.box, cell)])
        held = [_lead_reread(image, cell, lines[0])] if lines else []
        for above, line in pairwise(lines):
            held += [_lead_reread(image, cell, _below(above, line))] if _wrapped_lead_lost(lines[0], line) else line
        if len(held) == 1:
            held = [_rule_trimmed(image, cell, held[0])]
        if held and (last := _last_line_across_rule(image, cell, held, readings)):
            held.append(last)
        if held or ((alone := _read_alone(image, cell)) and (held := [alone])):
            cells[(_index(cell[1], table.rows), _index(cell[0], table.columns))] = held
    rows: list[tuple[int, tuple[str, ...]]] = []
    ocr: dict[int, tuple[OcrCell, ...]] = {}
    for row in sorted({r for r, _ in cells}):
        number = int(row) + 1
        texts = [""] * width
        read: list[OcrCell] = []
        for column in range(width):
            held = cells.get((row, column), [])
            if not held:
                continue
            text = printed_cell("\n".join(" ".join(r.text for r in line) for line in lines_of(held)))
            texts[column] = text
            box = tuple(round(v * scale, 1) for v in union(r.box for r in held))
            read.append(OcrCell(text, round(min(r.score for r in held), 4), box))  # type: ignore[arg-type]
        if any(texts):
            rows.append((number, tuple(texts)))
            ocr[number] = tuple(read)
    if len(rows) < 2 or width < 2:
        return None
    top = min(r.box[1] for held in cells.values() for r in held) * scale
    return OcrGrid(Block(tuple(rows), ocr=ocr), top)


def _last_line_across_rule(image: np.ndarray, cell: Box, held: list[Word], readings: list[Word]) -> Word | None:
    """The last line of a wrapped label the detector did not find below the cell's readings, as
    where the cell's bottom rule cuts it (js_zx's 便携式计算机（20万以 | 下）, loaded as
    便携式计算机(20万以)): print there that no reading covers, with a glyph's height and width (a
    speck or a rule's edge has not both), recognised one line high from where it starts, the rule's
    rows made paper, and short of the next reading below."""
    left, _, right, bottom = (int(v) for v in cell)
    last = held[-1]
    height, below = int(last.box[3] - last.box[1]), int(max(r.box[3] for r in held))
    if AMOUNT_CELL.fullmatch(last.text.replace(" ", "")) or bottom - _RULE_MARGIN - below < _STROKE:
        return None
    band = image[below : bottom - _RULE_MARGIN, left + _RULE_MARGIN : right - _RULE_MARGIN]
    glyphs = [
        _shift(stretch, (left + _RULE_MARGIN, below))
        for stretch in _stretches(_print_ink(band))
        if _STROKE <= stretch[3] - stretch[1] < height and stretch[2] - stretch[0] >= _GLYPH_WIDTH
    ]
    glyphs = [glyph for glyph in glyphs if not any(_overlap(glyph, r.box) for r in readings)]
    if not glyphs:
        return None
    start = int(min(glyph[1] for glyph in glyphs)) - _PAD
    under = [r.box[1] for r in readings if r.box[1] > start and r.box[0] < right and r.box[2] > left]
    end = min([start + height, *under])
    if end - start < _LINE_ACROSS_RULE_HEIGHT * height:
        return None
    crop = image[start : int(end), left + _RULE_MARGIN : right - _RULE_MARGIN].copy()
    crop[np.count_nonzero(crop < _DARK, axis=1) > _RULE_ROW * crop.shape[1]] = 255
    result = _recognise_on_paper(crop)
    if not result.txts or float(result.scores[0]) < _LINE_ACROSS_RULE_SCORE:
        return None
    word = _word(result.txts[0], float(result.scores[0]), (float(left), float(start), float(right), float(bottom)))
    return word if set(word.text.replace(" ", "")) - _READ_FROM_A_RULE else None


def _shift(box: Box, offset: tuple[int, int]) -> Box:
    return (box[0] + offset[0], box[1] + offset[1], box[2] + offset[0], box[3] + offset[1])


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _wrapped_lead_lost(first: list[Word], line: list[Word]) -> bool:
    """Whether a cell's later line starts a little right of its first (_WRAPPED_LEAD): a wrapped
    label whose lead the detector missed (js_rd's 二次会议经费, its 二 left out), not a line centred
    under a wider one (贵阳's heading 化额 read 2025年化额, re-read from the first line's start)."""
    x0, top, _, bottom = union(r.box for r in line)
    return 0 < x0 - union(r.box for r in first)[0] <= _WRAPPED_LEAD * (bottom - top)


def _below(above: list[Word], line: list[Word]) -> list[Word]:
    """The line's readings with their boxes cut clear of the line above, whose foot the detector's
    boxes reach into by a few pixels: re-read so, it reads as part of the line."""
    foot = union(r.box for r in above)[3]
    return [replace(r, box=(r.box[0], max(r.box[1], foot), r.box[2], r.box[3])) for r in line]


def _read_alone(image: np.ndarray, cell: Box) -> Word | None:
    """A ruled cell holding print the detector found nothing in, recognised from its ink's box: the
    detector misses a lone short reading printed small (a 0, a 款 heading), and a heading lost
    leaves its column's codes to be taken for amounts. Recognition scales its crop to a line's
    height, so the whole of a tall cell would shrink a lone 0 to 。."""
    left, top, right, bottom = (int(v) for v in cell)
    inner = image[top + _RULE_MARGIN : bottom - _RULE_MARGIN, left + _RULE_MARGIN : right - _RULE_MARGIN]
    stretches = _stretches(_print_ink(inner)) if np.count_nonzero(inner < _DARK) >= _GLYPH_INK else []
    strokes = [stretch for stretch in stretches if _stroke(stretch)]
    if not strokes:
        return None
    x0, above, x1, below = union(strokes)
    reach = below - above
    near = [s for s in stretches if s[1] < below and s[3] > above and s[2] > x0 - reach and s[0] < x1 + reach]
    x0, above, x1, below = (int(v) for v in union(near))
    ink = inner[max(0, above - _RULE_MARGIN) : below + _RULE_MARGIN, max(0, x0 - _RULE_MARGIN) : x1 + _RULE_MARGIN]
    result = _recognise_on_paper(ink)
    if not result.txts:
        return None
    word = _word(result.txts[0], float(result.scores[0]), (float(left), float(top), float(right), float(bottom)))
    return word if word.text else None


def _lead_reread(image: np.ndarray, cell: Box, line: list[Word]) -> Word:
    """A cell's one line of readings as one, re-read from where print starts left of it when the
    detector may have missed or split its start (an enumeration such as 一、, whose stroke reads as a
    rule, or 三 apart from its 、); the re-reading is kept when it ends as the line did and adds to it
    words, not symbols or a rule's edge. Amounts are read whole and kept as read."""
    x0, top, x1, bottom = union(r.box for r in line)
    joined = Word("".join(r.text for r in line), min(r.score for r in line), (x0, top, x1, bottom))
    as_read = line[0] if len(line) == 1 else Word(" ".join(r.text for r in line), joined.score, joined.box)
    if AMOUNT_CELL.fullmatch(joined.text) or (len(line) == 1 and x0 - cell[0] < _LEAD_GAP * (bottom - top)):
        return as_read
    lead = _lead_ink(image, cell, joined.box)
    if lead is None and len(line) == 1:
        return as_read
    start = max(int(cell[0]) + _PAD, int(x0 if lead is None else lead) - _PAD)
    result = _recognise(image[max(0, int(top) - _PAD) : int(bottom) + _PAD, start : int(x1) + _PAD])
    text = _ocr_text(result.txts[0]) if result.txts else ""
    added = text[: len(text) - len(line[-1].text)]
    symbols = any(unicodedata.category(char) in _NOT_A_LEAD for char in added)
    if len(text) < len(joined.text) or not text.endswith(line[-1].text) or symbols:
        return as_read
    return Word(text, min(joined.score, float(result.scores[0])), (float(start), top, x1, bottom))


def _rule_trimmed(image: np.ndarray, cell: Box, reading: Word) -> Word:
    """An amount read with the cell's right rule, re-read up to the rule. Beside right-aligned print
    the rule reads as a bracket or a digit set apart: '6,481.41]', no amount, and '10,271.56 6',
    which loaded as 10,271.57. The re-reading is kept when it is an amount the reading began with,
    and ended before it did."""
    x0, top, x1, bottom = reading.box
    if not AMOUNT_CELL.match(reading.text) or AMOUNT_CELL.fullmatch(reading.text) or x1 < cell[2] - _PAD:
        return reading
    import cv2

    right = max(int(x0) + 1, int(cell[2]) - _RULE_MARGIN)
    crop = _padded(image, (int(x0), int(top), right - _PAD, int(bottom)), _PAD)
    result = _recognise(cv2.copyMakeBorder(crop, 0, 0, 0, _PAD, cv2.BORDER_CONSTANT, value=255))
    if not result.txts:
        return reading
    trimmed = _word(result.txts[0], float(result.scores[0]), (x0, top, float(right), bottom))
    figure, read = trimmed.text.replace(" ", ""), reading.text.replace(" ", "")
    if not AMOUNT_CELL.fullmatch(figure) or figure == read or not read.startswith(figure):
        return reading
    return trimmed


def _lead_ink(image: np.ndarray, cell: Box, box: Box) -> int | None:
    """Where print starts between a cell's left edge and a line's box, None where none is: only
    print can lead a line. Noise there, recognised, reads as a lead: under σ 25 wanli's 合计, centred
    in its cell, read as 一、合计 (its "三公" table lost its heading row and 7 amounts) and as 三合计.
    Ink is darker than halfway from the paper to the line's own print; a column dark from top to
    bottom is a rule, not a lead."""
    import cv2

    left, right = int(cell[0]) + _PAD, int(box[0])
    top, bottom = max(int(box[1]), int(cell[1]) + _RULE_MARGIN), min(int(box[3]), int(cell[3]) - _RULE_MARGIN)
    if right - left < 1 or bottom - top < 1:
        return None
    strip = np.ascontiguousarray(image[top:bottom, left:right])
    dark = cv2.medianBlur(strip, 3) < _ink_threshold(strip, image[top:bottom, right : int(box[2])])
    columns = np.count_nonzero(dark, axis=0)
    columns[columns >= _RULE_COLUMN * (bottom - top)] = 0
    if columns.sum() < _GLYPH_INK:
        return None
    return left + int(np.flatnonzero(columns)[0])
