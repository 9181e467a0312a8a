"""The gate OCR'd amounts pass before they are loaded: budget tables check themselves.

A recogniser's confidence alone cannot tell a misread figure (8 for 3, a lost decimal point) from a
good one, but the table's own sums can: its rows add up to their totals, its columns to theirs, its
parts to its wholes. So a table read by OCR loads when the consistency rules find no error in it; a
low-confidence cell that breaks a sum, and whose sum-implied value closes the table, is quarantined
with its page and box instead of loaded wrong. So is a cell read with any confidence whose implied
value alone closes every sum left broken: recognisers misread surely too (32.16 read as 3.16 at
0.9998). A table that still does not close loads nothing and says why. Published budgets carry
their own errors too, and a scan cannot tell them from misreadings: such a table is corrected or
refused the same way, where the text layer would have shown the error as a finding.

Only a sum that closes on the amounts as read confirms an amount: one that closes thanks to a value
the gate implied for a quarantined cell was made to close around whatever else it holds, a misread
neighbour included; nor does one confirm a low-confidence amount with another in it, as two
misreadings can cancel there (js_rd's 303 1,189.41 and its part 302.49 both read with a 4 as 1, at
0.95 and 0.93). A low-confidence amount no such sum confirms is left out, and so is one no sum
checks read under `unchecked_confidence` (贵阳's 54.50 read as 54.30 at 0.97 in a column no sum
checked); so is any amount no such sum checks in a table the gate had to correct, whatever its
confidence, as that table has shown its reading errs.

Nor does a sum confirm anything that closes within the rounding tolerance (a unit of the last
printed digit per part) but off by more than rounding can make it: each amount printed, the parts
and their whole, is within half a unit of what was summed, so n parts and their whole differ by at
most (n + 1) / 2 units. Published tables round so (371.27 printed for 330.47 + 40.81; 0.02 over a
column of 12 items), while a last digit misread (265.35 read as 265.33 in a row of two parts) is
off by more. Such a sum says one of its amounts is wrong, not which: each of them that no exact sum
checks is left out, however sure its reading.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from expectations.consistency import PRINTED_AMOUNT, as_printed, consistency_findings
from expectations.rules import Rules
from transforms.cleaning import amount_text_in
from transforms.facts import Issue

_ERROR = "error"
# What names a sum among a table's findings, whatever its amounts.
_SUM = ("rule", "table_index", "subject_code", "subject_name", "measure", "page", "source_position")
_BEYOND_ROUNDING = (
    "a sum that checks it is off by more than the rounding of its amounts can make it, as a misread "
    "last digit would, and no sum that closes exactly checks it"
)


@dataclass(frozen=True)
class GatedFacts:
    """The facts that may load, and why the others may not (stg_issue rows)."""

    facts: pl.DataFrame
    issues: list[Issue]


def gate_ocr_facts(
    facts: pl.DataFrame, rules: Rules, document_kind: str | None, held_back: Collection[tuple[int, str]] = ()
) -> GatedFacts:
    """Keep the text layer's facts as they are; of each OCR'd table, only what its arithmetic
    confirms. The rows `held_back` (page, position: a row whose code OCR read doubtfully) count in
    their tables' sums, but none of their amounts loads."""
    scanned = facts.filter(pl.col("source_format") == "ocr")
    if scanned.is_empty():
        return GatedFacts(facts, [])
    kept = [facts.filter(pl.col("source_format") != "ocr")]
    issues: list[Issue] = []
    for table_index in scanned["table_index"].unique(maintain_order=True).to_list():
        table = scanned.filter(pl.col("table_index") == table_index).with_row_index("cell")
        loadable, found = _gate_table(table, rules, document_kind)
        kept.append(loadable.drop("cell"))
        issues.extend(found)
    loaded = pl.concat(kept).select(facts.columns)
    if held_back:
        rows = pl.DataFrame(list(held_back), schema=["page", "source_position"], orient="row")
        rows = rows.cast({"page": facts.schema["page"], "source_position": pl.String})
        loaded = loaded.join(rows, on=["page", "source_position"], how="anti", nulls_equal=True)
    return GatedFacts(loaded, issues)


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


def _gate_table(read: pl.DataFrame, rules: Rules, document_kind: str | None) -> tuple[pl.DataFrame, list[Issue]]:
    gate = rules.ocr_gate
    table = as_printed(read)
    doubtful = table.filter(pl.col("ocr_confidence") < gate.low_confidence)
    sure = table.filter(pl.col("ocr_confidence") >= gate.low_confidence)
    found = consistency_findings(table.drop("cell"), "", rules, document_kind)
    as_read = found.filter(pl.col("severity") == _ERROR)
    trial, broken = table, as_read
    implied: dict[int, Decimal] = {}
    while not broken.is_empty() and len(implied) < gate.max_quarantined_cells:
        fix = _fix(trial, doubtful, broken, implied, rules, document_kind) or _fix(
            trial, sure, broken, implied, rules, document_kind, closing=True
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
    short_of_sure = table.filter(pl.col("ocr_confidence") < gate.unchecked_confidence)
    suspects = table.filter(~pl.col("cell").is_in(list(implied))) if implied else short_of_sure
    unconfirmed = _unconfirmed(table, suspects, doubtful, _sums_broken(as_read), rules, document_kind)
    candidates = table.filter(~pl.col("cell").is_in([*implied, *unconfirmed]))
    rounded = _beyond_rounding(candidates, table, found, rules, document_kind)
    why = (
        f"the table's sums showed {len(implied)} of its amounts misread, and no sum that closes as read checks this one"
        if implied
        else "it is in no sum the table prints, so nothing confirms it"
    )
    issues += _unconfirmed_issues(first, table, unconfirmed, why)
    issues += _unconfirmed_issues(first, table, rounded, _BEYOND_ROUNDING)
    return read.filter(~pl.col("cell").is_in([*implied, *unconfirmed, *rounded])), issues


def _fix(
    trial: pl.DataFrame,
    cells: pl.DataFrame,
    broken: pl.DataFrame,
    implied: dict[int, Decimal],
    rules: Rules,
    document_kind: str | None,
    closing: bool = False,
) -> tuple[int, Decimal, pl.DataFrame] | None:
    """The cell of `cells`, and the amount a broken sum implies for it, that leaves the fewest sums
    broken (fewer than now; none if `closing`), with the errors left; None when none does. To
    close them all a cell must be in every broken sum: one probe finds the few that are, where
    trying each amount on every cell took seconds a table."""
    best: tuple[int, int, Decimal, pl.DataFrame] | None = None
    differences = {d for d in broken["difference"].to_list() if d is not None}
    sums, probe = _sums_broken(broken), rules.ocr_gate.probe
    found = _findings(trial, rules, document_kind) if closing else set()
    for cell, amount in cells.select("cell", "amount_exact").iter_rows():
        if cell in implied:
            continue
        if closing and not sums <= _sums_moved(trial, found, cell, amount + probe, rules, document_kind):
            continue
        for value in {amount + d for d in differences} | {amount - d for d in differences}:
            left = _errors(_with_amount(trial, cell, value), rules, document_kind)
            if left.height < (1 if closing else broken.height) and (best is None or left.height < best[0]):
                best = (left.height, cell, value, left)
    return best[1:] if best else None


def _unconfirmed_issues(first: dict, table: pl.DataFrame, cells: list[int], why: str) -> list[Issue]:
    return [
        _issue(
            first,
            row,
            "ocr_unconfirmed",
            f"'{row['amount_printed']}' read by OCR with confidence {row['ocr_confidence']:.4g} "
            f"(box {row['ocr_box']}) under '{row['column_label']}': {why}: left out of the facts; check the scan",
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
    digit per amount, parts and whole), and no exact sum does: moved, they change such a sum and
    only sums that were off as read. `as_read` is the table's findings, of every severity."""
    unit = table["step"].min()
    rounding = pl.lit(unit, PRINTED_AMOUNT) * (pl.col("terms") + 1)
    beyond = as_read.filter((pl.col("severity") != _ERROR) & (pl.col("difference").abs() * 2 > rounding))
    if beyond.is_empty():
        return []
    findings = set(as_read.select(*_SUM, "severity", "difference").iter_rows())
    off, inexact = _sums_broken(beyond), _sums_broken(as_read)
    probe = rules.ocr_gate.probe
    left_out = []
    for cell, amount in candidates.select("cell", "amount_exact").iter_rows():
        changed = _findings(_with_amount(table, cell, amount + probe), rules, document_kind) - findings
        sums = {finding[: len(_SUM)] for finding in changed}
        if sums & off and sums <= inexact:
            left_out.append(cell)
    return left_out


def _issue(table: dict, row: dict, kind: str, message: str) -> Issue:
    return Issue(table["table_index"], table["table_title"], row["page"], row["source_position"], kind, message)
