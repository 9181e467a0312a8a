"""A document's findings as they are collected: each with its rule, its severity (decided by the
rounding tolerance for compared amounts), where it was printed and a message saying what is wrong."""

from decimal import Decimal

import polars as pl

from expectations.rules import Rules
from transforms.cleaning import amount_text, amount_text_in

FINDING_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "document_id": pl.String,
    "rule": pl.String,
    "severity": pl.String,
    "table_type": pl.String,
    "table_index": pl.Int32,
    "subject_code": pl.String,
    "subject_name": pl.String,
    "measure": pl.String,
    "expected": pl.Decimal(22, 6),
    "actual": pl.Decimal(22, 6),
    "difference": pl.Decimal(22, 6),
    "terms": pl.Int32,
    "rounded_terms": pl.Int32,
    "page": pl.Int32,
    "source_position": pl.String,
    "message": pl.String,
}
# The step of the last digit of an amount in 万元 printed to the cent, which the rounding tolerance is given for.
CENT_OF_WAN = Decimal("0.01")
# What fct_quality_finding's DECIMAL(22, 6) columns hold: 1 元 per 0.0001, up to 10^16 万元.
_RECORDED = Decimal("0.000001")
_RECORDED_LIMIT = Decimal(10) ** 16

_LOCATION = ("table_type", "table_index", "subject_code", "subject_name", "page", "source_position")


class Findings:
    """Collects findings for one document, deciding severity from the tolerance."""

    def __init__(self, document_id: str, rules: Rules) -> None:
        self.document_id = document_id
        self.rules = rules
        self.rows: list[dict] = []

    def compare(
        self,
        rule: str,
        where: dict,
        expected: Decimal,
        actual: Decimal,
        terms: int,
        message: str,
        explained: str | None = None,
        step: Decimal | None = None,
        rounded: int | None = None,
    ) -> None:
        """A finding when `actual` is not `expected`: info within the rounding tolerance, or where
        `explained` says why the two may differ, else of the rule's severity. The tolerance is given
        for amounts printed to the cent of 万元; amounts printed to a finer `step` (the last digit of
        a table in 元) may be off by as many of their own last digits. `rounded`: of the `terms`, those
        printed other than zero (all, unless told), which alone rounding may have moved: the bound
        a scan's misread zero is held to (贵阳 printed at 0.8 read a 0.00 of 25 parts as 0.09)."""
        difference = actual - expected
        if difference == 0:
            return
        scale = min(step or CENT_OF_WAN, CENT_OF_WAN) / CENT_OF_WAN
        within = abs(difference) <= self.rules.tolerance_per_term * scale * max(terms, 1)
        severity = "info" if within or explained else self.rules.severity[rule]
        note = " (within rounding tolerance)" if within else f" ({explained})" if explained else ""
        unit = where.get("source_unit")
        amounts = (actual, expected, difference)
        if step is not None and unit is not None and unit != "万元":
            shown = [amount_text_in(amount, unit, step) for amount in amounts]
        else:
            shown = [amount_text(amount) for amount in amounts]
        self._add(
            rule,
            severity,
            where,
            f"{message}: printed {shown[0]}, expected {shown[1]}, difference {shown[2]}{note}",
            measure=where.get("measure"),
            expected=recorded(expected),
            actual=recorded(actual),
            difference=recorded(difference),
            terms=terms,
            rounded_terms=terms if rounded is None else rounded,
        )

    def note(self, rule: str, severity: str, where: dict, message: str, **amounts: object) -> None:
        """A finding whose severity the rule decides: one comparing no amounts (a printed name), or
        amounts no rounding explains (a sentence stating one amount twice)."""
        self._add(rule, severity, where, message, **amounts)

    def _add(self, rule: str, severity: str, where: dict, message: str, **amounts: object) -> None:
        located = {key: where.get(key) for key in _LOCATION}
        finding = {"document_id": self.document_id, "rule": rule, "severity": severity, "message": message}
        self.rows.append(finding | located | amounts)

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows, schema=FINDING_SCHEMA)


def recorded(amount: Decimal) -> Decimal | None:
    """The amount as the finding's column holds it; None past what it holds (a sum of hostile amounts),
    which the message still states."""
    return amount.quantize(_RECORDED) if abs(amount) < _RECORDED_LIMIT else None


def place_of(row: dict) -> str:
    """A table row as a finding names it; one printed in another file than the finding's (a narrative
    published apart from its tables) with that file's name."""
    file = f"{row['file_name']}: " if row.get("file_name") else ""
    return f"{file}{row['table_title'] or row['table_type']} ({row['source_position']})"
