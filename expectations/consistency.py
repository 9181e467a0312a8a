"""Consistency rules: does a disclosure add up, agree with itself and with its narrative?

Published budgets carry their own errors. Every rule compares an amount the document prints with
what other printed amounts say it should be; a difference becomes a finding with a severity, so
users can see which numbers to trust. Findings never block loading. The rules on tables are here;
those on the narrative in `narrative.py`; both read their settings from `rules.toml` (`rules.py`).
"""

import re
from collections.abc import Sequence
from decimal import Decimal
from difflib import SequenceMatcher

import polars as pl

from expectations.findings import CENT_OF_WAN, FINDING_SCHEMA, Findings, place_of
from expectations.narrative import Place, narrative_checks
from expectations.rules import Coverage, Rules, default_rules
from transforms.cleaning import as_printed_in_wan, compact, to_wan
from transforms.facts import CLASS_CODE_LENGTH
from transforms.subjects import name_key
from transforms.vocabulary import vocabulary

QUALIFIERS = ["side", "period", "fund"]
# Amounts as printed, in 万元: to the 元 cent (0.000001 万元), with room for the largest fact.
PRINTED_AMOUNT = pl.Decimal(28, 8)


def as_printed(facts: pl.DataFrame) -> pl.DataFrame:
    """The facts with each amount as printed (`amount_exact`: in 万元, unrounded) and the step of its
    last printed digit (`step`), which the rules that sum one table's amounts compare: a table printed
    in 元 adds up in 元, not in its amounts rounded to cents of 万元."""
    columns = (facts["amount_printed"], facts["source_unit"], facts["amount_wan"])
    read = [_printed(*cell) for cell in zip(*columns, strict=True)]
    return facts.with_columns(
        amount_exact=pl.Series([amount for amount, _ in read], dtype=PRINTED_AMOUNT),
        step=pl.Series([step for _, step in read], dtype=PRINTED_AMOUNT),
    )


def _printed(printed: str, unit: str, loaded: Decimal) -> tuple[Decimal, Decimal]:
    """An amount as printed and the step of its last digit; a printed text that does not give the
    amount loaded is not trusted over it, which is then compared as loaded."""
    read = as_printed_in_wan(printed, unit)
    return read if read is not None and to_wan(read[0], "万元") == loaded else (loaded, CENT_OF_WAN)


# The parts of a sum printed other than zero: a zero prints exactly, so rounding moves only these.
_ROUNDED = (pl.col("amount_wan") != 0).sum().cast(pl.Int32).alias("rounded")


def _rounded(parts: Sequence[dict]) -> int:
    return sum(part["amount_wan"] != 0 for part in parts)


def _label(row: dict) -> str:
    return " ".join(p for p in (row.get("subject_code"), row.get("subject_name")) if p) or row.get("row_label") or "row"


def _coded(facts: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """One amount per table, qualifiers, measure and code: projects sharing a code add up; in other
    tables a repeated code details the first row that printed it, which stands for all."""
    keys = ["table_index", *QUALIFIERS, "measure", "subject_code"]
    repeats = pl.col("table_type").first().is_in(list(rules.codes_repeat_in))
    return (
        facts.filter((pl.col("row_kind") == "subject") & pl.col("subject_code").is_not_null())
        .group_by(keys, maintain_order=True)
        .agg(
            pl.when(repeats).then(pl.col("amount_wan").sum()).otherwise(pl.col("amount_wan").first()),
            pl.col(
                ["table_type", "table_title", "subject_name", "page", "source_position", "source_unit", "step"]
            ).first(),
        )
    )


def _nearest_parents(coded: pl.DataFrame) -> pl.DataFrame:
    """Each coded row with the longest printed code in its table that is a proper prefix of it
    (null for a root), so a 9-digit item whose 7-digit parent is not printed sums into its 5-digit one.

    Each code proposes its own proper prefixes (at most 8) and keeps those printed in its group: linear
    in the rows, where pairing every code of a group with every other would grow with its square.
    """
    group = ["table_index", *QUALIFIERS, "measure"]
    codes = coded.select(*group, "subject_code")
    printed = codes.rename({"subject_code": "parent_code"}).unique()
    ancestors = (
        codes.with_columns(length=pl.int_ranges(1, pl.col("subject_code").str.len_chars()))
        .explode("length", empty_as_null=False)
        .with_columns(parent_code=pl.col("subject_code").str.slice(0, pl.col("length")))
        .join(printed, on=[*group, "parent_code"], nulls_equal=True)
        .group_by([*group, "subject_code"])
        .agg(pl.col("parent_code").sort_by("length").last())
    )
    return coded.join(ancestors, on=[*group, "subject_code"], how="left", nulls_equal=True)


def _children_sum_to_parent(found: Findings, coded: pl.DataFrame, linked: pl.DataFrame) -> None:
    group = ["table_index", *QUALIFIERS, "measure"]
    sums = (
        linked.filter(pl.col("parent_code").is_not_null())
        .group_by([*group, "parent_code"])
        .agg(pl.col("amount_wan").sum().alias("children"), pl.len().alias("terms"), _ROUNDED)
    )
    pairs = coded.join(
        sums.rename({"parent_code": "subject_code"}), on=[*group, "subject_code"], how="inner", nulls_equal=True
    )
    for row in pairs.iter_rows(named=True):
        found.compare(
            "children_sum_to_parent",
            row,
            row["children"],
            row["amount_wan"],
            row["terms"],
            f"{_label(row)} in {place_of(row)} is not the sum of its {row['terms']} printed sub-items "
            f"({row['measure']})",
            step=row["step"],
            rounded=row["rounded"],
        )


def _rows_sum_to_total(found: Findings, facts: pl.DataFrame, linked: pl.DataFrame) -> None:
    group = ["table_index", *QUALIFIERS, "measure"]
    one_sided = facts.filter(pl.col("side").is_null())
    by_name = _named_sums(found, one_sided)
    roots = linked.filter(pl.col("parent_code").is_null() & pl.col("side").is_null())
    items = one_sided.filter(
        (pl.col("row_kind") == "item") & pl.col("row_label").str.contains(found.rules.top_level_item.pattern)
    )
    parts = pl.concat(
        [
            roots.group_by(group).agg(pl.col("amount_wan").sum().alias("rows_sum"), pl.len().alias("terms"), _ROUNDED),
            items.filter(~pl.col("table_index").is_in(roots["table_index"].unique().implode()))
            .group_by(group)
            .agg(pl.col("amount_wan").sum().alias("rows_sum"), pl.len().alias("terms"), _ROUNDED),
        ]
    )
    totals = (
        one_sided.filter(pl.col("row_kind") == "total")
        .join(parts, on=group, how="inner", nulls_equal=True)
        .join(by_name, on=group, how="anti", nulls_equal=True)
    )
    for row in totals.iter_rows(named=True):
        found.compare(
            "rows_sum_to_total",
            row,
            row["rows_sum"],
            row["amount_wan"],
            row["terms"],
            f"{row['row_label']} row of {place_of(row)} is not the sum of the {row['terms']} rows it totals"
            f" ({row['measure']})",
            step=row["step"],
            rounded=row["rounded"],
        )


def _named_sums(found: Findings, one_sided: pl.DataFrame) -> pl.DataFrame:
    """Check each named sum (rules' named_sums) a column of a one-sided table prints whole and part
    by part, once each; returns the groups whose total it checked, which numbering then does not."""
    group = ["table_index", *QUALIFIERS, "measure"]
    checked: list[tuple] = []
    named_types = [t for n in found.rules.named_sums for t in n.table_types]
    tables = one_sided.filter(pl.col("table_type").is_in(named_types))
    for key, column in tables.group_by([*group, "column_index"], maintain_order=True):
        rows = [r for r in column.iter_rows(named=True) if r["row_kind"] in ("item", "total")]
        table_type = rows[0]["table_type"] if rows else None
        sums = [n for n in found.rules.named_sums if table_type in n.table_types]
        named_parts = [part for n in sums for part in n.parts]
        items = [r for r in rows if r["row_kind"] == "item"]
        for named in sums:
            wholes = [r for r in rows if _named(named.whole, r)]
            parts = [[r for r in rows if _named(part, r)] for part in named.parts]
            if len(wholes) != 1 or any(len(p) != 1 for p in parts):
                continue
            whole, terms = wholes[0], [p[0] for p in parts]
            total = whole["row_kind"] == "total"
            if total and not all(any(_named(part, r) for part in named_parts) for r in items):
                continue
            found.compare(
                "rows_sum_to_total" if total else "children_sum_to_parent",
                whole,
                sum((r["amount_wan"] for r in terms), Decimal(0)),
                whole["amount_wan"],
                len(terms),
                f"{whole['row_label']} of {place_of(whole)} is not the sum of "
                + "、".join(_bare(r["row_label"]) for r in terms)
                + f" ({whole['measure']})",
                step=whole["step"],
                rounded=_rounded(terms),
            )
            checked.extend([key[: len(group)]] if total else [])
    return pl.DataFrame(checked, schema=one_sided.select(group).schema, orient="row")


def _named(pattern: re.Pattern[str], row: dict) -> bool:
    """Whether the row's name, its numbering left off (punctuated or not: 二公务接待费), matches."""
    bare = _bare(row["row_label"])
    return any(pattern.search(name) for name in (bare, vocabulary().numerals_unpunctuated.sub("", bare)))


def _bare(label: str | None) -> str:
    return vocabulary().enumeration.sub("", compact(label or ""))


def _sides_sum_to_totals(found: Findings, facts: pl.DataFrame) -> None:
    """Each side of a two-sided table, column by column in print order: a total row equals the total
    before it (if any) plus the rows since. Which rows are the top level is read two ways, as layouts
    differ: the enumerated items (一、本年收入, 二、上年结转), or the 类 rows beside the enumerated items
    that are no 类 (一、一般公共服务支出 ... 二、年终结转结余); the closer reading is compared."""
    top_level = found.rules.top_level_item
    sided = facts.filter(pl.col("side").is_not_null())
    for _, column in sided.group_by(["table_index", "side", "column_index"], maintain_order=True):
        previous_total: Decimal | None = None
        span: list[dict] = []
        for row in column.iter_rows(named=True):
            if row["row_kind"] != "total":
                span.append(row)
                continue
            readings = _top_level_readings(span, top_level, after_total=previous_total is not None)
            if readings:
                base = previous_total or Decimal(0)
                summed, expected = min(readings, key=lambda r: abs(row["amount_wan"] - base - r[1]))
                terms = len(summed)
                found.compare(
                    "rows_sum_to_total",
                    row,
                    base + expected,
                    row["amount_wan"],
                    terms + (previous_total is not None),
                    f"{row['row_label']} ({row['side']}) of {place_of(row)} is not the sum of the {terms} rows above it"
                    + (" and the total before them" if previous_total is not None else ""),
                    step=row["step"],
                    rounded=_rounded(summed) + bool(previous_total),
                )
            previous_total, span = row["amount_wan"], []


_ITEMS = ("item", "subject")


def _items_sum_to_their_heading(found: Findings, facts: pl.DataFrame) -> None:
    """In a two-sided table, an enumerated item equals what is printed under it, up to the next item
    of its level or a total: the items of the next level (一、本年收入 = (一)… + (二)…, (一)财政拨款收入
    = 1、… + 2、…, or unnumbered ones, 苍溪's 一般公共预算拨款收入 under 一、本年收入), or the subjects
    of the coarsest code printed (一、本年支出 = its 类), however they are numbered: a scan that loses
    the point of 十九.住房保障支出 leaves it a 类 still. Without it such rows were in no sum, and a
    scan's sure misread of one loaded unchecked. Not checked where items and subjects mix under it,
    its items are enumerated out of order (a numeral lost) or begin a partial breakdown (其中)."""
    levels = found.rules.enumeration_levels
    sided = facts.filter(pl.col("side").is_not_null())
    for _, column in sided.group_by(["table_index", "side", "column_index"], maintain_order=True):
        rows = list(column.iter_rows(named=True))
        depths = [_enumeration_depth(row, levels) for row in rows]
        for position, (row, depth) in enumerate(zip(rows, depths, strict=True)):
            if row["row_kind"] != "item" or depth is None or depth == len(levels):
                continue
            under = []
            for below, below_depth in zip(rows[position + 1 :], depths[position + 1 :], strict=True):
                if below_depth is None or (below["row_kind"] == "item" and below_depth <= depth):
                    break
                under.append((below, below_depth))
            parts = _parts_under(under, found.rules.partial_breakdown)
            if not parts:
                continue
            found.compare(
                "children_sum_to_parent",
                row,
                sum((p["amount_wan"] for p in parts), Decimal(0)),
                row["amount_wan"],
                len(parts),
                f"{row['row_label']} ({row['side']}) of {place_of(row)} is not the sum of the {len(parts)} rows "
                "printed under it",
                step=row["step"],
                rounded=_rounded(parts),
            )


def _parts_under(under: list[tuple[dict, int]], partial: re.Pattern[str]) -> list[dict]:
    """The rows under an enumerated item that make it up (see _items_sum_to_their_heading); none
    when they cannot be told."""
    kinds = {row["row_kind"] for row, _ in under}
    if kinds == {"subject"}:
        codes = [len(row["subject_code"] or "") for row, _ in under]
        coarsest = min(codes)
        return [row for (row, _), code in zip(under, codes, strict=True) if code == coarsest] if coarsest else []
    if kinds != {"item"} or min(d for _, d in under) < under[0][1]:
        return []
    parts = [row for row, d in under if d == under[0][1]]
    return [] if any(partial.search(row["row_label"] or "") for row in parts) else parts


def _enumeration_depth(row: dict, levels: tuple[re.Pattern[str], ...]) -> int | None:
    """The level an item is enumerated at (len(levels) when unnumbered); None for a row that is no
    item or subject (a total, a row whose label was lost)."""
    if row["row_kind"] not in _ITEMS:
        return None
    label = row["row_label"] or ""
    return next((depth for depth, level in enumerate(levels) if level.search(label)), len(levels))


def _top_level_readings(
    span: list[dict], top_level: re.Pattern[str], after_total: bool
) -> list[tuple[list[dict], Decimal]]:
    """(rows, sum) of each reading of which rows of a span are its top level; after a total, every item."""
    is_class = [r["row_kind"] == "subject" and len(r["subject_code"] or "") == CLASS_CODE_LENGTH for r in span]
    enumerated = [bool(top_level.search(r["row_label"] or "")) for r in span]
    readings = [
        [r for r, c, e in zip(span, is_class, enumerated, strict=True) if e and not c],
        [r for r, c, e in zip(span, is_class, enumerated, strict=True) if c or e],
    ]
    if after_total:
        rows = [r for r in span if r["row_kind"] in _ITEMS]
        readings += [rows, _without_breakdowns(rows)]
    return [(rows, sum((r["amount_wan"] for r in rows), Decimal(0))) for rows in readings if rows]


def _without_breakdowns(rows: list[dict]) -> list[dict]:
    """The rows with each row's breakdown left out: the rows right under it that sum to it
    (年初财政拨款结转和结余, then its 一般公共预算 | 政府性基金 | 国有资本经营 parts)."""
    kept: list[dict] = []
    position = 0
    while position < len(rows):
        row = rows[position]
        kept.append(row)
        running, parts = Decimal(0), 0
        for part in rows[position + 1 :]:
            running += part["amount_wan"]
            parts += 1
            if running == row["amount_wan"]:
                break
        position += 1 + (parts if parts and running == row["amount_wan"] else 0)
    return kept


def _item_columns_sum_to_subtotal(found: Findings, facts: pl.DataFrame) -> None:
    """In tables printed one column per item ("三公" 经费), a 合计/小计 column equals the columns of its
    group one level down (a nested group by its own 小计), as the header prints them."""
    items = facts.filter(pl.col("subject_scheme") == "item")
    for _, row_facts in items.group_by(["table_index", "source_position"], maintain_order=True):
        paths = {r["column_index"]: (r["column_label"] or "").split(" / ") for r in row_facts.iter_rows(named=True)}
        amounts = dict(zip(row_facts["column_index"], row_facts["amount_wan"], strict=True))
        subtotals = {i: p[:-1] for i, p in paths.items() if found.rules.subtotal_column.search(p[-1])}
        members = {i: [o for o, p in paths.items() if o != i and p[: len(g)] == g] for i, g in subtotals.items()}
        if any(not found_members for found_members in members.values()):
            continue  # a subtotal heading over no columns: the header's groups were not read whole
        for index, path in paths.items():
            if not found.rules.subtotal_column.search(path[-1]):
                continue
            group = path[:-1]
            parts = [
                other
                for other, other_path in paths.items()
                if other != index
                and other_path[: len(group)] == group
                and (
                    len(other_path) == len(group) + 1
                    or (len(other_path) == len(group) + 2 and found.rules.subtotal_column.search(other_path[-1]))
                )
            ]
            if len(parts) < 2:
                continue
            row = row_facts.filter(pl.col("column_index") == index).row(0, named=True)
            found.compare(
                "parts_sum_to_whole",
                row,
                sum((amounts[p] for p in parts), Decimal(0)),
                amounts[index],
                len(parts),
                f"{' / '.join(path)} in {place_of(row)} is not the sum of the {len(parts)} columns it totals",
                step=row["step"],
                rounded=sum(amounts[p] != 0 for p in parts),
            )


_ROW_KEYS = ["table_index", "source_position", *QUALIFIERS]


def _row_cells(facts: pl.DataFrame) -> pl.DataFrame:
    """One cell per row and measure (the last printed), each with its row's first place in print
    order (`order`), which the sums within a row compare."""
    return (
        facts.with_row_index("order")
        .with_columns(pl.col("order").min().over(_ROW_KEYS))
        .unique(subset=[*_ROW_KEYS, "measure"], keep="last", maintain_order=True)
    )


def _with_sum_of(wholes: pl.DataFrame, parts: pl.DataFrame, name: str) -> pl.DataFrame:
    """The wholes, each with the sum of its row's `parts` as `name` (0 where the row prints none:
    a part printed blank counts as 0)."""
    sums = parts.group_by(_ROW_KEYS).agg(pl.col("amount_wan").sum().alias(name), _ROUNDED)
    filled = [pl.col(name).fill_null(0), pl.col("rounded").fill_null(0)]
    return wholes.join(sums, on=_ROW_KEYS, how="left", nulls_equal=True).with_columns(filled)


def _parts_sum_to_whole(found: Findings, facts: pl.DataFrame) -> None:
    """Within a row, a whole equals the sum of its parts, when the table prints every part's column;
    where a table prints a finer split of the same whole (基本 + 项目 + 预留机动), that one is checked."""
    group_keys = ["table_index", "period", "fund"]
    cells = _row_cells(facts)
    columns = facts.group_by(group_keys).agg(pl.col("measure").unique())
    checks = []
    rules = found.rules.parts_sum_to_whole

    def printing(parts: tuple[str, ...]) -> pl.DataFrame:
        return columns.filter(pl.col("measure").list.set_intersection(list(parts)).list.len() == len(parts))

    for rank, (whole, parts) in enumerate(rules):
        printing_parts = printing(parts)
        for other_whole, other_parts in rules:
            if other_whole == whole and set(parts) < set(other_parts):
                printing_parts = printing_parts.join(printing(other_parts), on=group_keys, how="anti", nulls_equal=True)
        wholes = cells.filter(pl.col("measure") == whole).join(
            printing_parts.select(group_keys), on=group_keys, how="semi", nulls_equal=True
        )
        checks.append(
            _with_sum_of(wholes, cells.filter(pl.col("measure").is_in(parts)), "parts_sum").with_columns(
                rank=pl.lit(rank), parts=pl.lit(" + ".join(parts)), terms=len(parts)
            )
        )
    differing = pl.concat(checks).filter(pl.col("parts_sum") != pl.col("amount_wan"))
    for row in differing.sort("order", "rank").iter_rows(named=True):
        found.compare(
            "parts_sum_to_whole",
            row,
            row["parts_sum"],
            row["amount_wan"],
            row["terms"],
            f"{_label(row)} in {place_of(row)}: {row['measure']} is not {row['parts']}",
            step=row["step"],
            rounded=row["rounded"],
        )


def _income_sources_sum_to_total(found: Findings, facts: pl.DataFrame) -> None:
    """Within a row, the whole equals the sources of money printed beside it, in an income table or
    any other that splits its amounts by source (贵阳's 市对下转移支付预算表: 合计 | 一般公共预算 |
    政府性基金 | 国有资本经营). Without this check an income table's 上年结转 was in no sum, so a
    scan's misread of it (52.00 read as 32.00) loaded unchecked. Sources printed under a stage of the
    year (本年收入 | 上年结转结余) add up to that stage's own column, where the table prints no total
    under it (贵阳's 收入总表: 本年收入 / 合计 = 财政拨款收入 + 财政专户管理资金收入 + 单位资金收入)."""
    rule = found.rules.income_sources
    cells = _row_cells(facts)
    periods = cells.filter(pl.col("period").is_not_null()).select("table_index", "period").unique()
    stages = (
        cells.filter(pl.col("period").is_null())
        .join(periods, left_on=["table_index", "measure"], right_on=["table_index", "period"])
        .with_columns(period=pl.col("measure"), measure=pl.lit(rule.whole))
        .select(cells.columns)
    )
    cells = pl.concat([stages, cells]).unique(subset=[*_ROW_KEYS, "measure"], keep="last", maintain_order=True)
    for _, group in cells.group_by(["table_index", *QUALIFIERS], maintain_order=True):
        measures = set(group["measure"].unique().to_list())
        if not rule.checkable(measures):
            continue
        sources = sorted(measures - {rule.whole})
        wholes = _with_sum_of(
            group.filter(pl.col("measure") == rule.whole), group.filter(pl.col("measure").is_in(sources)), "sources_sum"
        ).filter(pl.col("sources_sum") != pl.col("amount_wan"))
        for row in wholes.sort("order").iter_rows(named=True):
            found.compare(
                "parts_sum_to_whole",
                row,
                row["sources_sum"],
                row["amount_wan"],
                len(sources),
                f"{_label(row)} in {place_of(row)}: {rule.whole}{_of_stage(row)} is not {' + '.join(sources)}",
                step=row["step"],
                rounded=row["rounded"],
            )


def _of_stage(row: dict) -> str:
    return f" of {row['period']}" if row["period"] else ""


def _income_equals_expenditure(found: Findings, facts: pl.DataFrame) -> None:
    totals = facts.filter(
        (pl.col("row_kind") == "total")
        & pl.col("side").is_not_null()
        & pl.col("measure").is_in(list(found.rules.amount_measures))
        & pl.col("subject_name").str.contains(found.rules.grand_total.pattern)
    )
    for (_,), table in totals.group_by(["table_index"], maintain_order=True):
        income = table.filter(pl.col("side") == "income")
        expenditure = table.filter(pl.col("side") == "expenditure")
        if income.height and expenditure.height:
            row = expenditure.row(0, named=True)
            found.compare(
                "income_equals_expenditure",
                row,
                income["amount_wan"][0],
                row["amount_wan"],
                1,
                f"{place_of(row)}: {row['subject_name']} does not balance {income['subject_name'][0]}",
                step=row["step"],
            )


def compared_across_tables(coded: pl.DataFrame, rules: Rules, document_kind: str | None) -> pl.DataFrame:
    """The coded amounts a table's printing of a code and measure is held to another's by, with
    `compared_within`, the tables it is held to: none qualified by period or fund, and a final
    account's income tables apart from its others."""
    if document_kind == "final_account":
        within = pl.col("table_type").is_in(list(rules.income_tables))
    else:
        within = pl.lit(False)
    return coded.filter(pl.col("period").is_null() & pl.col("fund").is_null()).with_columns(compared_within=within)


def single_printings(facts: pl.DataFrame, rules: Rules, document_kind: str | None) -> pl.DataFrame:
    """The amounts tables_agree compares that one cell prints: not those of tables whose codes
    repeat, which add up several cells, nor a code a table prints twice."""
    printed = facts.filter(
        (pl.col("row_kind") == "subject")
        & pl.col("subject_code").is_not_null()
        & ~pl.col("table_type").is_in(list(rules.codes_repeat_in))
    )
    once = pl.len().over("table_index", *QUALIFIERS, "measure", "subject_code") == 1
    return compared_across_tables(printed.filter(once), rules, document_kind)


def _tables_agree(found: Findings, coded: pl.DataFrame, document_kind: str | None) -> None:
    """Each amount that another table printed first, compared with that first printing. Only rows
    whose code and measure appear in two tables or more leave polars."""
    comparable = compared_across_tables(coded, found.rules, document_kind).with_row_index("row")
    keys = ["compared_within", "subject_code", "measure"]
    repeated = (
        comparable.with_columns(first=pl.col("row").first().over(keys))
        .filter(pl.col("table_index").n_unique().over(keys) > 1)
        .sort("first", "row")
    )
    rows = {row["row"]: row for row in repeated.iter_rows(named=True)}
    for row in rows.values():
        first = rows[row["first"]]
        if row["table_index"] != first["table_index"]:
            found.compare(
                "tables_agree",
                row,
                first["amount_wan"],
                row["amount_wan"],
                1,
                f"{_label(row)} ({row['measure']}) in {place_of(row)} differs from {place_of(first)}",
                _fewer_funds(found.rules.coverage, row, first),
            )


def _fewer_funds(coverage: Coverage, row: dict, first: dict) -> str | None:
    """Why two printings of an amount may differ: the smaller is in a table covering fewer funds."""
    smaller, larger = (row, first) if row["amount_wan"] < first["amount_wan"] else (first, row)
    if coverage.narrower(smaller["table_type"], larger["table_type"]):
        return "the smaller is printed in a table covering fewer funds, which may print less"
    return None


def _carry_overs_balance(found: Findings, facts: pl.DataFrame) -> None:
    """年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余 on each row that prints all four. Rows are
    paired by joins, not visited one by one: the check runs on every document, budgets included."""
    rule = found.rules.carry_overs
    row = ["table_index", "source_position"]
    unqualified = facts.filter(pl.col("period").is_null() & pl.col("fund").is_null() & pl.col("side").is_null())
    flows = unqualified.filter(pl.col("measure") == rule.flow).sort("column_index", maintain_order=True)

    def first(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        return frame.group_by(row, maintain_order=True).agg(pl.col("amount_wan").first().alias(name))

    closing = unqualified.filter(pl.col("measure") == rule.closing).group_by(row, maintain_order=True).first()
    balanced = (
        closing.join(first(unqualified.filter(pl.col("measure") == rule.opening), "opening"), on=row)
        .join(first(flows.filter(pl.col("column_label").str.contains(rule.income_heading)), "income"), on=row)
        .join(first(flows.filter(pl.col("column_label").str.contains(rule.expenditure_heading)), "spent"), on=row)
    )
    for closed in balanced.iter_rows(named=True):
        found.compare(
            "carry_overs_balance",
            closed,
            closed["opening"] + closed["income"] - closed["spent"],
            closed["amount_wan"],
            3,
            f"{_label(closed)} in {place_of(closed)}: the year-end carry-over is not the opening one plus the year's "
            "income less its spending",
            step=closed["step"],
        )


def _subject_names_match_catalogue(found: Findings, facts: pl.DataFrame) -> None:
    """Each subject row's printed name against the catalogue's name for its code in the document's
    fiscal year. A name the catalogue gives another code that year is a name printed against the
    wrong code: the rule's severity. A name the code carried in another year (a template not
    updated), or a variant of the year's name (社会保障与就业支出, a name cut short), is recorded
    with the tolerated severity. A code the catalogue does not name that year is not checked."""
    config = found.rules.subject_names
    years = facts["fiscal_year"].drop_nulls()
    if years.is_empty():
        return
    year = int(years[0])
    rows = (
        facts.filter(
            (pl.col("row_kind") == "subject")
            & pl.col("subject_scheme").is_in(list(config.schemes))
            & pl.col("subject_code").str.len_chars().is_in(list(config.code_lengths))
            & pl.col("subject_name").is_not_null()
        )
        .group_by(["table_index", "source_position", "subject_code", "subject_name"], maintain_order=True)
        .agg(pl.col(["table_type", "table_title", "subject_scheme", "page"]).first())
    )
    catalogue = config.catalogue
    rule = "subject_name_matches_catalogue"
    for row in rows.iter_rows(named=True):
        scheme, code, printed = row["subject_scheme"], row["subject_code"], row["subject_name"]
        accepted = catalogue.accepted(scheme, code, year)
        key = name_key(printed)
        if accepted is None or key in accepted:
            continue
        expected = " or ".join(f"'{name}'" for name in catalogue.expected(scheme, code, year))
        said = f"{code} printed as '{printed}' in {place_of(row)}; the catalogue's name in {year} is {expected}"
        owners = [c for c in catalogue.codes_named(scheme, key, year) if c != code and len(c) == len(code)]
        carried = [n for n in catalogue.names_of(scheme, code) if name_key(n.name) == key]
        similarity = max(SequenceMatcher(None, key, other).ratio() for other in accepted)
        if owners:
            found.note(rule, found.rules.severity[rule], row, f"{said}: the name of {', '.join(owners)} that year")
        elif carried:
            found.note(rule, config.tolerated_severity, row, f"{said}; '{printed}' is its name {carried[0].years}")
        elif similarity >= config.variant_similarity:
            found.note(rule, config.tolerated_severity, row, f"{said}; printed as a variant of it")
        else:
            found.note(rule, found.rules.severity[rule], row, f"{said}: a name the code never had")


def consistency_findings(
    facts: pl.DataFrame,
    narrative: str,
    rules: Rules | None = None,
    document_kind: str | None = "budget",
    places: Sequence[Place] = (),
) -> pl.DataFrame:
    """Every inconsistency of one document's facts, as fct_quality_finding rows. A final account
    balances carry-overs where a budget balances income against spending; subject names are held
    against the catalogue of the facts' fiscal year."""
    rules = rules or default_rules()
    if facts.is_empty():
        return pl.DataFrame(schema=FINDING_SCHEMA)
    found = Findings(facts["document_id"][0], rules)
    printed = facts if "amount_exact" in facts.columns else as_printed(facts)
    exact = printed.with_columns(amount_wan=pl.col("amount_exact"))
    coded = _coded(exact, rules)
    linked = _nearest_parents(coded)
    _children_sum_to_parent(found, coded, linked)
    _rows_sum_to_total(found, exact, linked)
    _sides_sum_to_totals(found, exact)
    _items_sum_to_their_heading(found, exact)
    _parts_sum_to_whole(found, exact)
    _income_sources_sum_to_total(found, exact)
    _item_columns_sum_to_subtotal(found, exact)
    _income_equals_expenditure(found, exact)
    _carry_overs_balance(found, exact)
    # Tables of one document may print in different units: they are compared as loaded, in 万元.
    _tables_agree(found, _coded(printed, rules), document_kind)
    years = facts["fiscal_year"].drop_nulls()
    narrative_checks(found, printed, narrative, places, int(years[0]) if len(years) else None, document_kind)
    _subject_names_match_catalogue(found, printed)
    return found.frame()
