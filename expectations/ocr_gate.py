"""The gate OCR'd amounts pass before they are loaded: budget tables check themselves.

A recogniser's confidence alone cannot tell a misread figure (8 for 3, a lost decimal point) from a
good one, but the table's own sums can: its rows add up to their totals, its columns to theirs, its
parts to its wholes. So a table read by OCR loads when the consistency rules find no error in it; a
low-confidence cell that breaks a sum, and whose sum-implied value closes the table, is quarantined
with its page and box instead of loaded wrong. So is a cell read with any confidence whose implied
value alone closes every sum left broken: recognisers misread surely too (32.16 read as 3.16 at
0.9998); and, one at a time, each such cell whose value closes sums of its own, where no one cell
closes them all (苍溪 worn read 485.33 as 483.33 and 5.76 as 3.76 in one table, at 0.95 and 0.98).
A table that still does not close, or would need more than `max_quarantined_cells`, loads nothing
and says why. Published budgets carry
their own errors too, and a scan cannot tell them from misreadings: such a table is corrected or
refused the same way, where the text layer would have shown the error as a finding.

Only a sum that closes on the amounts as read confirms an amount: one that closes thanks to a value
the gate implied for a quarantined cell was made to close around whatever else it holds, a misread
neighbour included; nor does one confirm a low-confidence amount with another in it, as two
misreadings can cancel there (js_rd's 303 1,189.41 and its part 302.49 both read with a 4 as 1, at
0.95 and 0.93). A low-confidence amount no such sum confirms is left out, and so is one no sum
checks read under `unchecked_confidence` (贵阳's 54.50 read as 54.30 at 0.97 in a column no sum
checked), or printed with other decimals than most of the document's amounts in its unit (codes
read as amounts: 301, 30101 where 万元 print two decimals); so is any amount no such sum checks
in a table the gate had to correct, whatever its confidence, as that table has shown its reading
errs.

Nor does a sum confirm anything that closes within the rounding tolerance (a unit of the last
printed digit per part) but off by more than rounding can make it: each amount printed, the parts
and their whole, is within half a unit of what was summed, so n parts and their whole differ by at
most (n + 1) / 2 units, n counting only the parts printed other than zero, as a zero prints exactly
(a 0.00 read as 0.09 among 25 parts, 4 of them not zero), and none where one part is not zero.
Published tables round so (371.27 printed for 330.47 + 40.81; 0.02 over a column of 12 items),
while a last digit misread (265.35 read as 265.33 in a row of two parts) is off by more. Such a
sum says one of its amounts is wrong, not which: each of them that no exact sum checks is left
out, however sure its reading, except a zero the sum would be further off with raised, as a zero
misread hides a larger amount.

Tables check one another too: a document prints a code's amount in several tables (贵阳's 208 in its
收支总表, 财政拨款收支总表 and 一般公共预算支出表). An amount read as another table printed and loaded
it is confirmed by that printing, two readings of independent specks agreeing. An amount read
otherwise than another table prints it, where that printing in its place leaves fewer of the
table's sums off, was misread: it is left out, and the sums that then close confirm the amounts in
them, as sums closing on amounts read do (贵阳's 54.50 read as 54.30, under a column of 类 off by
0.20 that confirmed none of its 28 amounts). An amount no sum checks is not confirmed by its
confidence where another table prints something else for it: one of the two readings is wrong, or
the tables differ beyond what their funds explain (a table covering fewer funds may print less).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from expectations.consistency import PRINTED_AMOUNT, as_printed, consistency_findings, single_printings
from expectations.findings import place_of
from expectations.rules import Coverage, Rules
from transforms.cleaning import amount_text_in
from transforms.facts import Issue

_ERROR = "error"
# What names a sum among a table's findings, whatever its amounts.
_SUM = ("rule", "table_index", "subject_code", "subject_name", "measure", "page", "source_position")
# The decimals an amount prints with.
_PLACES = pl.col("amount_printed").str.extract(r"\.(\d+)$").str.len_chars().fill_null(0)
_BEYOND_ROUNDING = (
    "a sum that checks it is off by more than the rounding of its amounts can make it, as a misread "
    "last digit would, and no sum that closes exactly checks it"
)


@dataclass(frozen=True)
class Printing:
    """An amount another table printed for a cell's code and measure, and loaded."""

    amount: Decimal
    step: Decimal
    table_type: str
    place: str

    def for_cell(self, step: Decimal) -> Decimal | None:
        """The amount as a cell printed to `step` would print it; None when printed coarser, which
        cannot tell that cell's last digits."""
        return self.amount.quantize(step.normalize(), ROUND_HALF_UP) if self.step <= step else None

    def differs_unexplained(self, amount: Decimal, step: Decimal, table_type: str, coverage: Coverage) -> bool:
        """Whether a cell of `table_type` read as `amount` differs from this printing in a way the
        tables' funds do not explain: a table covering fewer funds may print less."""
        printed = self.for_cell(step)
        if printed is None or printed == amount:
            return False
        if printed < amount:
            return not coverage.narrower(self.table_type, table_type)
        return not coverage.narrower(table_type, self.table_type)


@dataclass(frozen=True)
class GatedFacts:
    """The facts that may load, and why the others may not (stg_issue rows)."""

    facts: pl.DataFrame
    issues: list[Issue]


# A row's page, position and side (None: every side of it).
HeldBack = tuple[int, str, str | None]


def gate_ocr_facts(
    facts: pl.DataFrame, rules: Rules, document_kind: str | None, held_back: Collection[HeldBack] = ()
) -> GatedFacts:
    """Keep the text layer's facts as they are; of each OCR'd table, only what its arithmetic
    confirms. The rows `held_back` (a row whose code or name OCR read doubtfully) count in their
    tables' sums, but none of their amounts loads: on a two-sided row only the side that read
    doubtfully is held back, since the other side names its own line."""
    scanned = facts.filter(pl.col("source_format") == "ocr")
    if scanned.is_empty():
        return GatedFacts(facts, [])
    scanned = scanned.with_columns(cell=pl.int_range(pl.len()).over("table_index"))
    tables = dict(scanned.partition_by("table_index", as_dict=True, maintain_order=True))
    usual = dict(facts.group_by("source_unit").agg(_PLACES.mode().first()).iter_rows())
    gated = {key: _gate_table(table, rules, document_kind, usual) for key, table in tables.items()}
    text_layer = facts.filter(pl.col("source_format") != "ocr")
    loaded = pl.concat([text_layer, *(kept.drop("cell") for kept, _ in gated.values())])
    elsewhere = _printed_elsewhere(loaded, scanned, rules, document_kind, held_back)
    for key, table in tables.items():
        printings = elsewhere.get(key[0], {})
        if printings and (gated[key][1] or _agreement(as_printed(table), printings, rules.coverage).unexplained):
            gated[key] = _gate_table(table, rules, document_kind, usual, printings)
    kept = pl.concat([text_layer, *(kept.drop("cell") for kept, _ in gated.values())]).select(facts.columns)
    return GatedFacts(_without(kept, held_back), [issue for _, found in gated.values() for issue in found])


def _without(facts: pl.DataFrame, held_back: Collection[HeldBack]) -> pl.DataFrame:
    """`facts` less those on the rows, or rows' sides, held back."""
    if not held_back:
        return facts
    rows = pl.DataFrame(list(held_back), schema=["page", "source_position", "side"], orient="row")
    rows = rows.cast({"page": facts.schema["page"], "source_position": pl.String, "side": pl.String})
    whole, sides = rows.filter(pl.col("side").is_null()).drop("side"), rows.filter(pl.col("side").is_not_null())
    on = ["page", "source_position"]
    return facts.join(whole, on=on, how="anti", nulls_equal=True).join(sides, on=[*on, "side"], how="anti")


def _printed_elsewhere(
    loaded: pl.DataFrame,
    scanned: pl.DataFrame,
    rules: Rules,
    document_kind: str | None,
    held_back: Collection[HeldBack],
) -> dict[int, dict[int, list[Printing]]]:
    """For each OCR'd table, by cell, what other tables printed for the cell's code and measure and
    loaded. Rows held back are no one's printing."""
    keys = ["compared_within", "subject_code", "measure"]
    cells = _without(single_printings(as_printed(scanned), rules, document_kind), held_back)
    printed = _without(single_printings(as_printed(loaded), rules, document_kind), held_back)
    printed = printed.select(*keys, other="table_index", where=pl.struct(pl.all()))
    pairs = cells.join(printed, on=keys).filter(pl.col("table_index") != pl.col("other"))
    elsewhere: dict[int, dict[int, list[Printing]]] = {}
    for table_index, cell, where in pairs.select("table_index", "cell", "where").iter_rows():
        printing = Printing(where["amount_exact"], where["step"], where["table_type"], place_of(where))
        elsewhere.setdefault(table_index, {}).setdefault(cell, []).append(printing)
    return elsewhere


@dataclass(frozen=True)
class _Agreement:
    """How a table's cells were read against other tables' printings of them."""

    agreed: set[int]
    differing: set[int]
    unexplained: dict[int, Printing]


def _agreement(table: pl.DataFrame, printings: Mapping[int, Sequence[Printing]], coverage: Coverage) -> _Agreement:
    """The cells read as another table printed them; those read otherwise; and of these, those whose
    difference the tables' funds do not explain."""
    found = _Agreement(set(), set(), {})
    printed = table.filter(pl.col("cell").is_in(list(printings)))
    for cell, amount, step, table_type in printed.select("cell", "amount_exact", "step", "table_type").iter_rows():
        if any(printing.for_cell(step) == amount for printing in printings[cell]):
            found.agreed.add(cell)
        elif any(printing.for_cell(step) is not None for printing in printings[cell]):
            found.differing.add(cell)
            for printing in printings[cell]:
                if printing.differs_unexplained(amount, step, table_type, coverage):
                    found.unexplained.setdefault(cell, printing)
    return found


def _errors(table: pl.DataFrame, rules: Rules, document_kind: str | None) -> pl.DataFrame:
    findings = consistency_findings(table.drop("cell"), "", rules, document_kind)
    return findings.filter(pl.col("severity") == _ERROR)


def _sums_broken(errors: pl.DataFrame) -> set[tuple]:
    return set(errors.select(_SUM).iter_rows())


def _with_amount(table: pl.DataFrame, cell: int, amount: Decimal) -> pl.DataFrame:
    """The table (as printed) with one amount put in place of what was read."""
    return table.with_columns(
        amount_exact=pl.when(pl.col("cell") == cell).then(pl.lit(amount, PRINTED_AMOUNT)).otherwise("amount_exact")
    )


def _gate_table(
    read: pl.DataFrame,
    rules: Rules,
    document_kind: str | None,
    usual: Mapping[str, int],
    printings: Mapping[int, Sequence[Printing]] | None = None,
) -> tuple[pl.DataFrame, list[Issue]]:
    gate = rules.ocr_gate
    printings = printings or {}
    printed = as_printed(read)
    read_against = _agreement(printed, printings, rules.coverage)
    differing = {cell: printings[cell] for cell in read_against.differing}
    table, anchored = _anchored(printed, differing, rules, document_kind)
    unsettled = ~pl.col("cell").is_in([*read_against.agreed, *anchored])
    doubtful = table.filter((pl.col("ocr_confidence") < gate.low_confidence) & unsettled)
    sure = table.filter((pl.col("ocr_confidence") >= gate.low_confidence) & unsettled)
    found = consistency_findings(table.drop("cell"), "", rules, document_kind)
    as_read = found.filter(pl.col("severity") == _ERROR)
    trial, broken = table, as_read
    implied: dict[int, Decimal] = {}
    sums_of: dict[int, set[tuple]] | None = None
    while not broken.is_empty() and len(implied) < gate.max_quarantined_cells:
        fix = _fix(trial, doubtful, broken, implied, rules, document_kind)
        if fix is None:
            if sums_of is None:
                sums_of = _sums_of(table, sure, rules, document_kind)
            fix = _fix(trial, sure, broken, implied, rules, document_kind, sums_of, closing=True) or _fix(
                trial, sure, broken, implied, rules, document_kind, sums_of
            )
        if fix is None:
            break
        cell, value, broken = fix
        implied[cell] = value
        trial = _with_amount(trial, cell, value)
    first = table.row(0, named=True)
    if not broken.is_empty():
        reasons = "; ".join(broken.sort(_SUM, nulls_last=True)["message"].head(3).to_list())
        message = (
            f"read by OCR and its sums do not close ({broken.height} errors: {reasons}); none of its "
            f"{table.height} amounts is loaded: check the scan, or get a text-based copy of the table"
        )
        return read.clear(), [_issue(first, first, "ocr_table_unbalanced", message)]
    issues = [
        _issue(
            first,
            row,
            "ocr_quarantined",
            f"'{row['amount_printed']}' read by OCR (confidence {row['ocr_confidence']:.4g}, box {row['ocr_box']}) "
            f"under '{row['column_label']}' breaks the table's sums, which close with "
            f"{amount_text_in(implied[row['cell']], row['source_unit'], row['step'])}: "
            "left out of the facts; check the scan",
        )
        for row in table.filter(pl.col("cell").is_in(list(implied))).iter_rows(named=True)
    ]
    issues += [
        _issue(
            first,
            row,
            "ocr_quarantined",
            f"'{row['amount_printed']}' read by OCR (confidence {row['ocr_confidence']:.4g}, box {row['ocr_box']}) "
            f"under '{row['column_label']}' is not the "
            f"{amount_text_in(anchored[row['cell']].amount, row['source_unit'], row['step'])} that "
            f"{anchored[row['cell']].place} prints for {row['subject_code']}, with which fewer of the table's sums "
            "are off: left out of the facts; check the scan",
        )
        for row in table.filter(pl.col("cell").is_in(list(anchored))).iter_rows(named=True)
    ]
    misread = [*implied, *anchored]
    unexplained = pl.col("cell").is_in(list(read_against.unexplained))
    short_of_sure = (pl.col("ocr_confidence") < gate.unchecked_confidence) | unexplained | _printed_unlike(usual)
    suspects = table.filter(~pl.col("cell").is_in(misread) & (unsettled if misread else short_of_sure & unsettled))
    unconfirmed = _unconfirmed(table, suspects, doubtful, _sums_broken(as_read), rules, document_kind)
    candidates = table.filter(~pl.col("cell").is_in([*misread, *unconfirmed]) & unsettled)
    rounded = _beyond_rounding(candidates, table, found, rules, document_kind)
    why = (
        f"the table's sums showed {len(misread)} of its amounts misread, and no sum that closes as read checks this one"
        if misread
        else "it is in no sum the table prints, so nothing confirms it"
    )
    issues += _unconfirmed_issues(first, table, unconfirmed, why, read_against.unexplained)
    issues += _unconfirmed_issues(first, table, rounded, _BEYOND_ROUNDING)
    return read.filter(~pl.col("cell").is_in([*misread, *unconfirmed, *rounded])), issues


def _printed_unlike(usual: Mapping[str, int]) -> pl.Expr:
    """The cells printing other decimals than most of the document's amounts in their unit, zeros
    aside: no sum checking them, a sure reading does not make them amounts (js_rd printed at 0.8
    lost its 合计 row into the header, and its 科目编码 column's codes, read surely, loaded as
    30101.00 万元 in a document printing 万元 to two decimals)."""
    return (pl.col("source_unit").replace_strict(usual, default=None) != _PLACES) & (pl.col("amount_wan") != 0)


def _anchored(
    table: pl.DataFrame, printings: Mapping[int, Sequence[Printing]], rules: Rules, document_kind: str | None
) -> tuple[pl.DataFrame, dict[int, Printing]]:
    """The table with what other tables printed in place of cells read otherwise, each put where it
    leaves fewer of the table's sums off (broken, or off beyond rounding) and puts none off; no
    more of them than the gate quarantines by the sums alone."""
    faults = _faults(table, rules, document_kind) if printings else set()
    steps = dict(table.select("cell", "step").iter_rows())
    anchored: dict[int, Printing] = {}
    while faults and len(anchored) < rules.ocr_gate.max_quarantined_cells:
        best: tuple[set[tuple], int, Printing, pl.DataFrame] | None = None
        for cell, printed in printings.items():
            for printing in printed if cell not in anchored else ():
                if (value := printing.for_cell(steps[cell])) is None:
                    continue
                trial = _with_amount(table, cell, value)
                left = _faults(trial, rules, document_kind)
                if left < faults and (best is None or len(left) < len(best[0])):
                    best = (left, cell, printing, trial)
        if best is None:
            break
        faults, cell, anchored[cell], table = best[0], best[1], best[2], best[3]
    return table, anchored


def _faults(table: pl.DataFrame, rules: Rules, document_kind: str | None) -> set[tuple]:
    found = consistency_findings(table.drop("cell"), "", rules, document_kind)
    off = found.filter(pl.col("severity") == _ERROR)
    return _sums_broken(off) | _sums_broken(_off_beyond_rounding(found, table["step"].min()))


def _off_beyond_rounding(found: pl.DataFrame, unit: object) -> pl.DataFrame:
    """The sums that close within the rounding tolerance but are off by more than the rounding of
    their amounts can make them: half a unit of the last printed digit per amount not zero, parts and
    whole; none where one part is not zero, as that part and its whole are one amount, printed
    alike (苍溪 worn read 30101's 人员经费 156.19 as 156.18 beside its 基本支出 156.19 and a 0.00)."""
    parts = pl.col("rounded_terms")
    rounding = pl.when(parts > 1).then(pl.lit(unit, PRINTED_AMOUNT) * (parts + 1)).otherwise(0)
    return found.filter((pl.col("severity") != _ERROR) & (pl.col("difference").abs() * 2 > rounding))


def _fix(
    trial: pl.DataFrame,
    cells: pl.DataFrame,
    broken: pl.DataFrame,
    implied: dict[int, Decimal],
    rules: Rules,
    document_kind: str | None,
    sums_of: Mapping[int, set[tuple]] | None = None,
    closing: bool = False,
) -> tuple[int, Decimal, pl.DataFrame] | None:
    """The cell of `cells`, and the amount a broken sum implies for it, that leaves the fewest sums
    broken (fewer than now; none if `closing`), with the errors left; None when none does. Given
    the sums each cell is in (`sums_of`), only cells in a broken sum (in every one, if `closing`)
    are tried, with those sums' differences: trying each amount on every cell took seconds a table."""
    best: tuple[int, int, Decimal, pl.DataFrame] | None = None
    keys = broken.select(_SUM).iter_rows()
    off = {key: d for key, d in zip(keys, broken["difference"], strict=True) if d is not None}
    sums, every_difference = set(off), set(off.values())
    for cell, amount in cells.select("cell", "amount_exact").iter_rows():
        if cell in implied:
            continue
        differences = every_difference
        if sums_of is not None:
            within = sums_of.get(cell, set()) & sums
            if not within or (closing and within != sums):
                continue
            differences = {off[key] for key in within}
        for value in {amount + d for d in differences} | {amount - d for d in differences}:
            left = _errors(_with_amount(trial, cell, value), rules, document_kind)
            if left.height < (1 if closing else broken.height) and (best is None or left.height < best[0]):
                best = (left.height, cell, value, left)
    return best[1:] if best else None


def _sums_of(
    table: pl.DataFrame, cells: pl.DataFrame, rules: Rules, document_kind: str | None
) -> dict[int, set[tuple]]:
    """The sums each cell is in: those whose findings change when it is moved by the probe."""
    found, probe = _findings(table, rules, document_kind), rules.ocr_gate.probe
    return {
        cell: _sums_moved(table, found, cell, amount + probe, rules, document_kind)
        for cell, amount in cells.select("cell", "amount_exact").iter_rows()
    }


def _unconfirmed_issues(
    first: dict, table: pl.DataFrame, cells: list[int], why: str, otherwise: Mapping[int, Printing] | None = None
) -> list[Issue]:
    """`otherwise`: what another table prints for a cell, where the tables' funds do not explain it."""
    said = {
        cell: f", and {printing.place} prints {amount_text_in(printing.amount, unit, step)}"
        for cell, unit, step in table.select("cell", "source_unit", "step").iter_rows()
        if (printing := (otherwise or {}).get(cell))
    }
    return [
        _issue(
            first,
            row,
            "ocr_unconfirmed",
            f"'{row['amount_printed']}' read by OCR with confidence {row['ocr_confidence']:.4g} "
            f"(box {row['ocr_box']}) under '{row['column_label']}': {why}{said.get(row['cell'], '')}: left out of "
            "the facts; check the scan",
        )
        for row in table.filter(pl.col("cell").is_in(cells)).iter_rows(named=True)
    ]


def _unconfirmed(
    table: pl.DataFrame,
    suspects: pl.DataFrame,
    doubtful: pl.DataFrame,
    broken_as_read: set[tuple],
    rules: Rules,
    document_kind: str | None,
) -> list[int]:
    """The suspects no sum that closes on the amounts as read confirms. Moved, an amount changes the
    sums that check it; such a sum confirms it unless both are doubtful and another doubtful amount is
    in it too, as two misreadings can cancel there: one read above what is printed, one below. Where
    the table prints no amount below zero, every doubtful amount read as zero was read no higher than
    printed, so a sum whose doubtful amounts all read zero confirms them (贵阳's 类 of 0.00 read at
    0.89 and 0.92 in one sum). A sum closed by the gate's own implied values proves nothing, made to
    close around what it holds."""
    probe = rules.ocr_gate.probe
    unsure = set(doubtful["cell"].to_list())
    zero = set() if (table["amount_exact"] < 0).any() else set(doubtful.filter(pl.col("amount_exact") == 0)["cell"])
    checked = {
        cell: _sums_broken(_errors(_with_amount(table, cell, amount + probe), rules, document_kind)) - broken_as_read
        for cell, amount in pl.concat([suspects, doubtful]).unique("cell").select("cell", "amount_exact").iter_rows()
    }
    doubts = Counter(found for cell in unsure for found in checked[cell])
    may_read_high = Counter(found for cell in unsure - zero for found in checked[cell])
    return [
        cell
        for cell in suspects["cell"].to_list()
        if not any(
            cell not in unsure or doubts[found] == 1 or (cell in zero and not may_read_high[found])
            for found in checked[cell]
        )
    ]


def _findings(table: pl.DataFrame, rules: Rules, document_kind: str | None) -> set[tuple]:
    findings = consistency_findings(table.drop("cell"), "", rules, document_kind)
    return set(findings.select(*_SUM, "severity", "difference").iter_rows())


def _sums_moved(
    table: pl.DataFrame, found: set[tuple], cell: int, amount: Decimal, rules: Rules, document_kind: str | None
) -> set[tuple]:
    """The sums whose findings (`found`, of `table`) change when `cell` holds `amount`: those that
    check it, a sum the move closes included."""
    changed = _findings(_with_amount(table, cell, amount), rules, document_kind) ^ found
    return {finding[: len(_SUM)] for finding in changed}


def _beyond_rounding(
    candidates: pl.DataFrame, table: pl.DataFrame, as_read: pl.DataFrame, rules: Rules, document_kind: str | None
) -> list[int]:
    """The candidates a sum off by more than its rounding checks (half a unit of the last printed
    digit per amount not zero, parts and whole), and no exact sum does: moved, they change such a
    sum and only sums that were off as read. `as_read` is the table's findings, of every severity.
    Where the table prints no amount below zero, an amount read as zero was read no higher than
    printed: one that only moves its off sums further off when raised is not what put them off
    (贵阳's twenty 类 of 0.00 beside the one 0.00 read as 0.09)."""
    beyond = _off_beyond_rounding(as_read, table["step"].min())
    if beyond.is_empty():
        return []
    findings = set(as_read.select(*_SUM, "severity", "difference").iter_rows())
    off, inexact = _sums_broken(beyond), _sums_broken(as_read)
    differences = {finding[: len(_SUM)]: finding[-1] for finding in findings}
    zeros_read_low = not (table["amount_exact"] < 0).any()
    probe = rules.ocr_gate.probe
    left_out = []
    for cell, amount in candidates.select("cell", "amount_exact").iter_rows():
        changed = _findings(_with_amount(table, cell, amount + probe), rules, document_kind) - findings
        sums = {finding[: len(_SUM)] for finding in changed}
        if not (sums & off and sums <= inexact):
            continue
        if not (zeros_read_low and amount == 0 and _raising_moves_off(changed, differences, off)):
            left_out.append(cell)
    return left_out


def _raising_moves_off(changed: set[tuple], differences: Mapping[tuple, Decimal | None], off: set[tuple]) -> bool:
    """Whether raising an amount (`changed`: the findings it then gives) moves each off sum it is in
    further off than `differences`, as read."""
    for finding in changed:
        key, raised = finding[: len(_SUM)], finding[-1]
        before = differences.get(key)
        if key in off and (before is None or raised is None or (raised - before) * before <= 0):
            return False
    return True


def _issue(table: dict, row: dict, kind: str, message: str) -> Issue:
    return Issue(table["table_index"], table["table_title"], row["page"], row["source_position"], kind, message)
