from decimal import Decimal

import pytest

from transforms.cleaning import PrintedAmount, clean_label, is_blank_amount, parse_amount, read_amount, to_wan
from transforms.facts import repair_row
from transforms.vocabulary import vocabulary


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("1, 954. 47", Decimal("1954.47")),
        ("0. 00", Decimal("0.00")),
        ("1,870.05", Decimal("1870.05")),
        ("423.00", Decimal("423.00")),
        ("-5.20", Decimal("-5.20")),
        ("3304685. 44", Decimal("3304685.44")),
        ("(1,234.50)", Decimal("-1234.50")),
        ("(1,234)", Decimal("-1234")),
        ("+0.50", Decimal("0.50")),
        ("+1,234.00", Decimal("1234.00")),
        ("999,999,999,999,999.99", Decimal("999999999999999.99")),  # 15 whole digits, the most taken
        ("000123.00", Decimal("123.00")),
    ],
)
def test_amounts_printed_with_ocr_spacing_parse(printed: str, expected: Decimal) -> None:
    assert parse_amount(printed) == expected


@pytest.mark.parametrize(
    "printed", ["1,954.", "0.00%", "2025年", "合计", "1,95,4.00", "", "(1)", "(12)", "(-1.00)", "+-1.00", "+"]
)
def test_malformed_or_non_amounts_are_refused(printed: str) -> None:
    assert parse_amount(printed) is None


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("12.50万元", PrintedAmount(Decimal("12.50"), "万元")),
        ("1,200.00 元", PrintedAmount(Decimal("1200.00"), "元")),
        ("￥1,200.00", PrintedAmount(Decimal("1200.00"), None)),
        ("¥ 3.5亿元", PrintedAmount(Decimal("3.5"), "亿元")),
        ("(2.00)千元", PrintedAmount(Decimal("-2.00"), "千元")),
        ("423.00", PrintedAmount(Decimal("423.00"), None)),
    ],
)
def test_an_amount_printed_with_its_currency_or_unit_keeps_the_unit(printed: str, expected: PrintedAmount) -> None:
    assert read_amount(printed) == expected


@pytest.mark.parametrize("printed", ["万元", "元", "￥", "12.50万", "12.50美元", "共12.50万元", "12.50%万元"])
def test_a_unit_or_currency_sign_alone_or_in_words_is_no_amount(printed: str) -> None:
    assert read_amount(printed) is None


@pytest.mark.parametrize("printed", ["", "  ", "-", "—", "－", "--", "——", "- -", "/", "\\"])
def test_blank_and_dash_cells_are_blank(printed: str) -> None:
    assert is_blank_amount(printed)


def test_zero_is_not_blank() -> None:
    assert not is_blank_amount("0.00")


def test_yuan_converted_to_wan_rounding_half_up() -> None:
    assert to_wan(Decimal("3304685.44"), "元") == Decimal("330.47")
    assert to_wan(Decimal("125"), "元") == Decimal("0.01")
    assert to_wan(Decimal("12.5"), "万元") == Decimal("12.50")


def test_thousands_and_hundred_millions_of_yuan_converted_to_wan() -> None:
    assert to_wan(Decimal("1234.56"), "千元") == Decimal("123.46")
    assert to_wan(Decimal("1.23"), "亿元") == Decimal("12300.00")
    assert to_wan(Decimal("4.5"), "百万元") == Decimal("450.00")


def test_ocr_spacing_removed_between_cjk_but_kept_between_words() -> None:
    assert clean_label("机关事业单位基本养老保 险缴费支出") == "机关事业单位基本养老保险缴费支出"
    assert clean_label("合 计") == "合计"
    assert clean_label("DRG 2.0 版") == "DRG 2.0版"
    assert clean_label("“三公”经费") == '"三公"经费'


@pytest.mark.parametrize("read", ["、上年结转结余", "·上年结转结余", "，上年结转结余", "、 上年结转结余"])
def test_a_label_whose_enumeration_numeral_ocr_lost_keeps_no_mark_before_it(read: str) -> None:
    """二、上年结转结余 printed small: OCR reads 、上年结转结余, or · for the numeral."""
    assert clean_label(read) == "上年结转结余"


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("一、本年收入", "本年收入"),
        ("(二十二)灾害防治及应急管理支出", "灾害防治及应急管理支出"),
        ("1、一般公共预算财政拨款收入", "一般公共预算财政拨款收入"),
        ("八. 社会保障和就业支出", " 社会保障和就业支出"),
        ("一般行政管理事务", "一般行政管理事务"),
        ("93年工改保留补贴", "93年工改保留补贴"),
    ],
)
def test_enumeration_stripped_only_with_its_delimiter(printed: str, expected: str) -> None:
    assert vocabulary().enumeration.sub("", printed) == expected


def test_cell_boundary_moved_into_an_amount_is_mended() -> None:
    cells = ["二、上年结转结余", "0.", "00 二、年终结转结余", "0.00"]
    assert repair_row(cells) == ["二、上年结转结余", "0.00", "二、年终结转结余", "0.00"]
