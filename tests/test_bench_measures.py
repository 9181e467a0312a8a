"""The benchmark's measures: a figure the notes quote must count what it says it counts."""

from collections import Counter

from bench.run import _fact_key, scan_against_text


def key(label: str, measure: str, amount: str) -> tuple:
    return ("expenditure_summary", None, label, measure, amount)


def test_a_scan_against_its_text_counts_each_fact_under_a_misread_name_as_right_not_wrong() -> None:
    """贵阳 printed at 0.65 read its department's row as 治阳市医疗保障局, with two 0.00 under one
    measure: counted by key, one of them was taken for a wrong amount."""
    printed = Counter({key("贵阳市医疗保障局", "special_account", "0.00"): 2, key("合计", "total", "9.00"): 1})
    read = Counter({key("治阳市医疗保障局", "special_account", "0.00"): 2, key("合计", "total", "9.00"): 1})
    alike, wrong, relabelled = scan_against_text(printed, read)
    assert (sum(alike.values()), wrong, relabelled) == (1, 0, 2)


def test_a_scan_against_its_text_counts_a_misread_code_or_amount_as_wrong() -> None:
    printed = Counter({key("2101301", "total", "397.00"): 1, key("合计", "total", "9.00"): 1})
    read = Counter({key("21001", "total", "397.00"): 1, key("合计", "total", "9.10"): 1})
    alike, wrong, relabelled = scan_against_text(printed, read)
    assert (sum(alike.values()), wrong, relabelled) == (0, 2, 0)


def test_a_fact_is_found_by_its_subject_not_by_how_its_label_is_numbered() -> None:
    """A scan reading 4、附属单位上缴收入 as 3、附属单位上缴收入 files the amount under the same subject."""
    fact = {"table_type": "income_expenditure_summary", "side": "income", "subject_code": None, "measure": "total"}
    printed = fact | {"row_label": "4、附属单位上缴收入", "subject_name": "附属单位上缴收入", "amount_wan": "0.00"}
    read = printed | {"row_label": "3、附属单位上缴收入"}
    assert _fact_key(read) == _fact_key(printed)
    assert _fact_key(read, "row_label") != _fact_key(printed, "row_label")
    assert _fact_key(read | {"subject_name": "附属单位上缴收"}) != _fact_key(printed)
