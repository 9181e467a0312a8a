"""What a disclosure's narrative (情况说明, 编制说明) states, held against its tables and against itself:
the totals and per-项 amounts it states, the changes, shares and completion rates it computes, the
years it compares and the names it prints beside codes. The sentences read are data (rules.toml)."""

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from itertools import accumulate, pairwise, product
from typing import NamedTuple

import polars as pl

from expectations.findings import Findings, place_of, recorded
from expectations.rules import NarrativeClaim, NarrativeFigure, NarrativeShares, Rules, default_rules
from transforms.cleaning import CENT, amount_text, compact
from transforms.subjects import name_key

# What ends a clause of the narrative (spaces removed, full-width punctuation as printed or folded).
_CLAUSE_END = re.compile(r"[,，。;；:：]")
# The rules holding a narrative's figures against tables, which a narrative published apart has
# checked once its tables are loaded.
AGAINST_TABLES = ("narrative_agrees",)
# The shortest names read as another's misprinted: its characters in another order, or one wrong.
_SWAPPED_MIN_CHARS = 4
_MISTYPED_MIN_CHARS = 6
# Characters a finding quotes at most on either side of what it found.
_QUOTED = 40
# Where the narrative from an offset on was printed: (offset, page, position, read by OCR), as
# extraction records it.
Place = tuple[int, int | None, str, bool]


class TablesAgreement(NamedTuple):
    """A narrative held against tables: its findings, and how many of its figures were compared."""

    findings: pl.DataFrame
    compared: int


def narrative_checks(
    found: Findings,
    facts: pl.DataFrame,
    narrative: str,
    places: Sequence[Place],
    year: int | None,
    document_kind: str | None,
) -> None:
    """Every narrative rule on a document: its figures against its tables' facts, then what it says
    of itself."""
    text, where = _placed(narrative, places)
    _narrative_agrees(found, facts, text, where)
    _narrative_subjects_agree(found, facts, text, where)
    _narrative_own(found, text, where, year, document_kind)


def narrative_findings(
    document_id: str,
    narrative: str,
    rules: Rules | None = None,
    places: Sequence[Place] = (),
    fiscal_year: int | None = None,
    document_kind: str | None = "budget",
) -> pl.DataFrame:
    """What the narrative says of itself, which needs no table (its arithmetic, the years it
    compares, the names beside its codes): a narrative published apart from its tables
    (narrative_only) is checked too. `places` say where stretches of it were printed."""
    found = Findings(document_id, rules or default_rules())
    _narrative_own(found, *_placed(narrative, places), fiscal_year, document_kind)
    return found.frame()


def narrative_against_tables(
    document_id: str,
    narrative: str,
    places: Sequence[Place],
    facts: pl.DataFrame,
    rules: Rules | None = None,
) -> TablesAgreement:
    """The totals and per-项 amounts a narrative published apart from its tables states, held against
    the tables of its disclosure loaded from other files (`facts`, each row naming its `file_name`).
    A finding is placed at the narrative's sentence; its message names the file and table printing
    otherwise. How many figures had a table to be held against tells "all agree" from "none read"."""
    found = Findings(document_id, rules or default_rules())
    text, where = _placed(narrative, places)
    totals = _narrative_agrees(found, facts, text, where, apart=True)
    subjects = _narrative_subjects_agree(found, facts, text, where, apart=True)
    return TablesAgreement(found.frame(), totals + subjects)


def _located(target: dict, at: dict, apart: bool) -> dict:
    """Where a disagreement is recorded: at the table printing otherwise, or, for a narrative
    published apart, at its own sentence, the table being another file's."""
    if not apart:
        return target
    return at | {key: target[key] for key in ("table_type", "subject_code", "subject_name", "measure")}


def _narrative_agrees(
    found: Findings, facts: pl.DataFrame, text: str, where: Callable[[int], dict], apart: bool = False
) -> int:
    """Each total the narrative states against its table's, then the parts it lists after one that
    no rule of their own read; how many were compared."""
    compared = 0
    totals = facts.filter(
        pl.col("row_kind").is_in(["total", "item"]) & pl.col("period").is_null() & pl.col("fund").is_null()
    ).filter(pl.col("side").is_null() | (pl.col("side") == "income") | (pl.col("measure") != "total"))
    wholes: list[tuple[dict, list[re.Match[str]]]] = []
    read: set[int] = set()
    for figure in found.rules.narrative:
        matches = list(figure.pattern.finditer(text))
        stated = {m.group("amount").replace(",", ""): m for m in matches}
        if not stated:
            continue
        target = _figure_printed(figure, totals)
        if target is None:
            continue
        under = f" under '{target['column_label']}'" if figure.subjects and target["column_label"] else ""
        compared += len(stated)
        read |= {m.start("amount") for m in matches}
        if not figure.subjects:
            wholes.append((target, matches))
        for amount, match in stated.items():
            found.compare(
                "narrative_agrees",
                _located(target, where(match.start()), apart),
                Decimal(amount),
                target["amount_wan"],
                1,
                f"the narrative states '{match.group(0)}'{_caveat(where(match.start()))} but {place_of(target)} "
                f"prints {target['amount_printed']}{under}",
            )
    for target, matches in wholes:
        compared += _parts_agree(found, totals, target, matches, text, where, apart, read)
    return compared


def _parts_agree(
    found: Findings,
    totals: pl.DataFrame,
    whole: dict,
    matches: list[re.Match[str]],
    text: str,
    where: Callable[[int], dict],
    apart: bool,
    read: set[int],
) -> int:
    """The parts listed after each statement of a whole (其中:基本支出X万元,...) against the whole's
    table row, each in the measure its name says, but for those a figure of its own has read
    (amounts starting at `read`); how many were compared."""
    parts = found.rules.narrative_parts
    row = totals.filter(
        (pl.col("table_index") == whole["table_index"]) & (pl.col("source_position") == whole["source_position"])
    )
    cells = [r for r in row.iter_rows(named=True) if r["row_kind"] == "total"]
    once = Counter(r["measure"] for r in cells)
    printed = {r["measure"]: r for r in cells if once[r["measure"]] == 1}  # a measure printed twice names no one cell
    held: set[tuple[str, Decimal]] = set()
    for match in matches:
        listing = parts.opening.match(text, match.end())
        if listing is None:
            continue
        end = text.find("。", listing.end())
        for part in parts.part.finditer(text, listing.end(), end if end >= 0 else len(text)):
            measure = parts.measures.get(part["name"], "")
            stated = Decimal(part["amount"].replace(",", ""))
            if (target := printed.get(measure)) is None or (measure, stated) in held or part.start("amount") in read:
                continue
            held.add((measure, stated))
            found.compare(
                "narrative_agrees",
                _located(target, where(part.start()), apart),
                stated,
                target["amount_wan"],
                1,
                f"the narrative states '{match.group(0)}…{part.group(0)}'{_caveat(where(part.start()))}"
                f" but {place_of(target)} prints {target['amount_printed']} under '{target['column_label']}'",
            )
    return len(held)


def _figure_printed(figure: NarrativeFigure, totals: pl.DataFrame) -> dict | None:
    """The table figure a stated total is held against: the largest total-row amount of its measure
    in the first of its table types printing one; for a figure naming its subjects, the amount of
    the first subject that table prints, in a total or item row (a "三公" item is a column of the
    table's one row in 上海 and 江苏, a row of its own elsewhere)."""
    for table_type in figure.table_types:
        candidates = totals.filter((pl.col("table_type") == table_type) & (pl.col("measure") == figure.measure))
        if not figure.subjects:
            candidates = candidates.filter(pl.col("row_kind") == "total")
        rows = sorted(candidates.iter_rows(named=True), key=lambda row: row["amount_wan"], reverse=True)
        for subject in figure.subjects or (None,):
            named = [row for row in rows if subject is None or subject.search(row["subject_name"] or "")]
            if named:
                return named[0]
    return None


def _narrative_subjects_agree(
    found: Findings, facts: pl.DataFrame, text: str, where: Callable[[int], dict], apart: bool = False
) -> int:
    """Each amount the narrative states for a subject against the tables printing it: one printing
    it agrees; none is a finding against the table the rule names first. A subject named, not
    coded, is the 项 of that name under the 款 of that name, or the one 项 there whose name is its
    name misprinted (`_misprinted`), which is said. A subject the tables do not
    print is not compared, and that is said too: a figure no table confirms is not a figure that
    agrees. How many were compared."""
    compared = 0
    for subject in found.rules.narrative_subjects:
        measured = facts.filter(
            pl.col("measure").is_in(list(subject.measures))
            & pl.col("period").is_null()
            & pl.col("fund").is_null()
            & pl.col("subject_code").is_not_null()
        )
        rows = list(measured.iter_rows(named=True))
        order = {table_type: rank for rank, table_type in enumerate(subject.table_types)}
        for match in subject.pattern.finditer(text):
            named = match.groupdict()
            printed = _in_first_measure(_stated_subject(rows, named), subject.measures)
            if not printed and (misnamed := _in_first_measure(_misnamed_subject(rows, named), subject.measures)):
                _note_misnamed(found, where(match.start()), match.group(0), named["item_name"], misnamed[0])
                printed = misnamed
            if not printed:
                if rows:
                    _note_unprinted(found, where(match.start()), match.group(0))
                continue
            compared += 1
            stated = Decimal(match["amount"].replace(",", ""))
            if stated in {row["amount_wan"] for row in printed}:
                continue
            target = min(printed, key=lambda row: order.get(row["table_type"], len(order)))
            found.compare(
                "narrative_agrees",
                _located(target, where(match.start()), apart),
                stated,
                target["amount_wan"],
                1,
                f"the narrative states '{match.group(0)}'{_caveat(where(match.start()))} for {target['subject_code']} "
                f"but {place_of(target)} prints {target['amount_printed']}",
            )
    return compared


def _note_misnamed(found: Findings, at: dict, sentence: str, name: str, row: dict) -> None:
    rule = "narrative_subject_misnamed"
    said = f"the narrative states '{sentence}', naming '{name}', which its tables print as {row['subject_code']} "
    at = at | {"subject_code": row["subject_code"], "subject_name": name}
    _note(found, rule, found.rules.severity[rule], at, said + f"'{row['subject_name']}': held against that subject")


def _note_unprinted(found: Findings, at: dict, sentence: str) -> None:
    rule = "narrative_subject_unprinted"
    said = f"the narrative states '{sentence}' for a subject no table prints under that name: it was not compared"
    _note(found, rule, found.rules.severity[rule], at, said + "; check the name against the tables")


def _in_first_measure(rows: list[dict], measures: Sequence[str]) -> list[dict]:
    """The rows in the first of `measures` that any of them is in."""
    for measure in measures:
        if chosen := [row for row in rows if row["measure"] == measure]:
            return chosen
    return []


def _stated_subject(rows: list[dict], named: dict[str, str | None]) -> list[dict]:
    """The rows printing the subject a narrative sentence names: by its code printed in pieces
    (类, 款, 项), by the names of its 款 and 项, or by its 类's name."""
    if named.get("class"):
        code = f"{named['class']}{named['section']}{named['item']}"
        return [row for row in rows if row["subject_code"] == code]
    if "class_name" in named:
        key = _subject_key(named["class_name"])
        return [row for row in rows if len(row["subject_code"]) == 3 and _subject_key(row["subject_name"]) == key]
    item = _subject_key(named["item_name"])
    return _items_under(rows, named["section_name"], lambda name: name == item)


def _items_under(rows: list[dict], section_name: str | None, accept: Callable[[str], bool]) -> list[dict]:
    """The rows of the 项 under the 款 so named whose name (as `_subject_key` gives it) `accept`s."""
    section = _subject_key(section_name)
    sections = {
        row["subject_code"]
        for row in rows
        if len(row["subject_code"]) == 5 and _subject_key(row["subject_name"]) == section
    }
    return [
        row
        for row in rows
        if len(row["subject_code"]) == 7
        and row["subject_code"][:5] in sections
        and accept(_subject_key(row["subject_name"]))
    ]


def _misnamed_subject(rows: list[dict], named: dict[str, str | None]) -> list[dict]:
    """The rows of the one 项 under the named 款 whose name is the stated 项's misprinted: the same
    characters in another order (一般行政事务管理 for 一般行政管理事务), or all but one alike; none
    when no 项 or more than one is so named."""
    if not named.get("item_name"):
        return []
    item = _subject_key(named["item_name"])
    near = _items_under(rows, named["section_name"], lambda name: _misprinted(item, name))
    return near if len({row["subject_code"] for row in near}) == 1 else []


def _misprinted(stated: str, printed: str) -> bool:
    """Whether a name is another's misprinted: as long, not alike, and of the same characters, or,
    for a long name, all but one in place (a short one differing by one is another subject: 高中教育,
    初中教育)."""
    if len(stated) != len(printed) or stated == printed or len(stated) < _SWAPPED_MIN_CHARS:
        return False
    if sorted(stated) == sorted(printed):
        return True
    return len(stated) >= _MISTYPED_MIN_CHARS and sum(a != b for a, b in zip(stated, printed, strict=True)) == 1


def _subject_key(name: str | None) -> str:
    """A subject's name as a narrative and a table are matched: narratives drop the 支出 ending a
    name (其他人大事务(项) for the tables' 其他人大事务支出)."""
    return name_key(name or "").removesuffix("支出")


@dataclass(frozen=True)
class _Stated:
    """A figure as the narrative prints it, and half its last digit: as far as it may be off."""

    value: Decimal
    half: Decimal

    @classmethod
    def of(cls, printed: str) -> "_Stated":
        value = Decimal(printed.replace(",", ""))
        return cls(value, Decimal(5).scaleb(int(value.as_tuple().exponent) - 1))

    @property
    def text(self) -> str:
        return f"{amount_text(self.value)} 万元"


_Percent = Callable[..., Decimal | None]


def _narrative_own(
    found: Findings, text: str, where: Callable[[int], dict], year: int | None, document_kind: str | None
) -> None:
    """What the narrative says that needs no table: its arithmetic, the years it compares and the
    names it prints beside function codes."""
    _narrative_arithmetic(found, text, where)
    if year is not None:
        _narrative_names(found, text, where, year)
        if document_kind == "budget":
            _narrative_years(found, text, where, year)


def _narrative_years(found: Findings, text: str, where: Callable[[int], dict], year: int) -> None:
    """A budget's narrative compares the year with the year before (比2025年预算执行数); naming its
    own year or a later one (比2026年预算增加 in the 2026 budget) is a template not updated."""
    rule = "narrative_year"
    for match in found.rules.narrative_years.finditer(text):
        if int(match["year"]) >= year:
            message = (
                f"the narrative of the {year} budget compares with {match['year']} ('{_clauses(text, match)}'); "
                f"the year before is {year - 1}"
            )
            _note(found, rule, found.rules.severity[rule], where(match.start()), message)


def _clauses(text: str, match: re.Match[str]) -> str:
    """The clause a match stands in and the one before it, as a finding quotes them: at most
    _QUOTED characters either side, however long a clause a hostile narrative prints."""
    before = text[max(0, match.start() - _QUOTED) : match.start()]
    ends = [end.end() for end in _CLAUSE_END.finditer(before)]
    start = match.start() - len(before) + (ends[-2] if len(ends) > 1 else 0)
    after = _CLAUSE_END.search(text, match.end(), match.end() + _QUOTED)
    return text[start : after.start() if after else match.end() + _QUOTED]


def _narrative_names(found: Findings, text: str, where: Callable[[int], dict], year: int) -> None:
    """Names the narrative prints beside function codes (卫生健康支出（210类）, 住房改革支出（02款）) against
    the catalogue. Only a name the catalogue knows is judged: the code's name in another year
    (info, as in the tables) or another code's name that year; other words before the code are
    left, since a sentence runs into the name."""
    config, rule = found.rules.subject_names, "subject_name_matches_catalogue"
    catalogue, scheme = config.catalogue, config.schemes[0]
    for match in found.rules.narrative_names.finditer(text):
        named = [(match["name"], match["class"])]
        if match["section"]:
            named.append((match["section_name"], match["class"] + match["section"]))
        for printed, code in named:
            accepted = catalogue.accepted(scheme, code, year)
            if accepted is None:
                continue
            carried = {name_key(n.name): n for n in catalogue.names_of(scheme, code)}
            key = name_key(printed)
            for start in range(len(key) - 1):
                name = key[start:]
                if name in accepted:
                    break
                owners = [c for c in catalogue.codes_named(scheme, name, year) if c != code and len(c) == len(code)]
                if name not in carried and not owners:
                    continue
                expected = " or ".join(f"'{n}'" for n in catalogue.expected(scheme, code, year))
                said = f"{code} printed as '{name}' in the narrative; the catalogue's name in {year} is {expected}"
                at = where(match.start()) | {"subject_code": code, "subject_name": name}
                if owners:
                    _note(
                        found,
                        rule,
                        found.rules.severity[rule],
                        at,
                        f"{said}: the name of {', '.join(owners)} that year",
                    )
                else:
                    _note(
                        found,
                        rule,
                        config.tolerated_severity,
                        at,
                        f"{said}; '{name}' is its name {carried[name].years}",
                    )
                break


def _narrative_arithmetic(found: Findings, text: str, where: Callable[[int], dict]) -> None:
    config = found.rules.narrative_arithmetic
    for claim in config.claims:
        for match in claim.pattern.finditer(text):
            groups = {k: v for k, v in match.groupdict().items() if v}
            _check_claim(found, claim, groups, match.group(0), where(match.start()))
    for share in config.shares:
        for whole in share.whole.finditer(text):
            _check_shares(found, share, whole, text, where)


def _placed(narrative: str, places: Sequence[Place]) -> tuple[str, Callable[[int], dict]]:
    """The narrative as the patterns read it (spaces removed), and where a position in that text was
    printed, as a finding locates it (page, source_position)."""
    starts = list(places)
    if not starts or starts[0][0] > 0:
        starts.insert(0, (0, None, "", False))
    bounds = [start for start, *_ in starts] + [len(narrative)]
    pieces = [compact(narrative[start:end]) for start, end in pairwise(bounds)]
    offsets = list(accumulate((len(piece) for piece in pieces), initial=0))

    def where(position: int) -> dict:
        _, page, printed, read_by_ocr = starts[bisect_right(offsets, position, hi=len(pieces)) - 1]
        return {"page": page, "source_position": printed or None, "read_by_ocr": read_by_ocr}

    return "".join(pieces), where


def _check_claim(found: Findings, claim: NarrativeClaim, groups: dict[str, str], sentence: str, at: dict) -> None:
    """One sentence's figures against each other. Where the paragraph states the year's amount
    twice, differently, and its per cent fits the first, one finding says so."""
    signs = found.rules.narrative_arithmetic.signs
    said = f"the narrative states '{sentence}'"
    words = [groups[key] for key in ("direction", "percent_direction") if key in groups]
    if len({signs[word] for word in words}) > 1:
        _narrated(found, at, f"{said}: it calls one change both {words[0]} and {words[1]}")
        return
    percent = _Stated.of(groups["percent"]) if "percent" in groups else _Stated(Decimal(0), Decimal(0))
    after = _Stated.of(groups["after"])
    since = ""
    if claim.kind == "comparison":
        _check_comparison(found, at, said, _Stated.of(groups["before"]), after, signs[words[-1]] if words else 0)
        return
    if claim.kind == "completion":
        before = _Stated.of(groups["before"])
        figures, of = [before, after], _completed
        printed = percent.value
    elif "before" in groups:
        before = _Stated.of(groups["before"])
        figures, of = [before, after], _changed
        printed = (signs[words[-1]] if words else 0) * percent.value
    else:
        turn, change = signs[groups["direction"]], _Stated.of(groups["change"])
        before = _Stated(after.value - turn * change.value, Decimal(0))
        figures, of = [change, after], partial(_changed_by, turn)
        printed = turn * percent.value
        since = f" ({after.text} {'less' if turn > 0 else 'plus'} the change of {change.text})"
    if "stated" in groups and _differ(stated := _Stated.of(groups["stated"]), after):
        fits = _disagreement(of, [*figures[:-1], stated], printed, percent) is None
        _note(
            found,
            "narrative_arithmetic",
            found.rules.severity["narrative_arithmetic"],
            at,
            f"{said}: the paragraph gives the year's amount as {stated.text}, then as {after.text}"
            + (f"; the {abs(printed)} % it states is the change to {stated.text}" if fits else ""),
            expected=recorded(stated.value),
            actual=recorded(after.value),
            difference=recorded(after.value - stated.value),
            terms=1,
        )
        if fits:
            return
    if (expected := _disagreement(of, figures, printed, percent)) is None:
        return
    if claim.kind == "completion":
        _narrated(found, at, f"{said}: {after.text} of {before.text} is {expected.quantize(CENT)} %, not {printed} %")
    else:
        changed = f"from {before.text}{since} to {after.text} is {_change_text(expected)}"
        _narrated(found, at, f"{said}: {changed}, not {_change_text(printed)}")


def _check_comparison(found: Findings, at: dict, said: str, before: _Stated, after: _Stated, sign: int) -> None:
    """A final amount said to be more or less than its budget (决算数小于预算数), or the same."""
    difference = after.value - before.value
    if (sign > 0 and difference <= 0) or (sign < 0 and difference >= 0) or (sign == 0 and _differ(before, after)):
        actually = "more than" if difference > 0 else "less than" if difference < 0 else "the same as"
        stated = {1: "more", -1: "less", 0: "the same"}[sign]
        _narrated(found, at, f"{said}: {after.text} is {actually} {before.text}, not {stated}")


def _check_shares(
    found: Findings, share: NarrativeShares, whole_match: re.Match[str], text: str, where: Callable[[int], dict]
) -> None:
    """Each part listed after a whole (其中: A万元, 占P%; B万元, 占Q%) against the share it states."""
    whole = _Stated.of(whole_match["whole"])
    position = whole_match.end()
    while part_match := share.part.match(text, position):
        position = part_match.end()
        part, percent = _Stated.of(part_match["part"]), _Stated.of(part_match["percent"])
        if (expected := _disagreement(_completed, [whole, part], percent.value, percent)) is not None:
            sentence = text[whole_match.start() : whole_match.end()] + "..." + part_match.group(0)
            _narrated(
                found,
                where(part_match.start()),
                f"the narrative states '{sentence}': {part.text} of {whole.text} is {expected.quantize(CENT)} %, "
                f"not {percent.value} %",
            )


def _narrated(found: Findings, at: dict, message: str) -> None:
    _note(found, "narrative_arithmetic", found.rules.severity["narrative_arithmetic"], at, message)


def _note(found: Findings, rule: str, severity: str, at: dict, message: str, **amounts: object) -> None:
    """A finding on a sentence of the narrative; one read by OCR says so, as the scan may be misread."""
    found.note(rule, severity, at, message + _caveat(at), **amounts)


def _caveat(at: dict) -> str:
    return " (read by OCR from a scan: check the sentence on the page)" if at.get("read_by_ocr") else ""


def _completed(before: Decimal, after: Decimal) -> Decimal | None:
    return after / before * 100 if before > 0 else None


def _changed(before: Decimal, after: Decimal) -> Decimal | None:
    return (after - before) / before * 100 if before > 0 else None


def _changed_by(turn: int, change: Decimal, after: Decimal) -> Decimal | None:
    return _changed(after - turn * change, after)


def _differ(first: _Stated, second: _Stated) -> bool:
    return abs(first.value - second.value) > first.half + second.half


def _disagreement(of: _Percent, figures: list[_Stated], printed: Decimal, percent: _Stated) -> Decimal | None:
    """The per cent the figures give, where no reading of them within half their last digits gives
    the printed one within its last digit; None where they agree, or where a figure may be nothing
    (a change from nothing has no per cent)."""
    corners = [of(*corner) for corner in product(*((f.value - f.half, f.value + f.half) for f in figures))]
    expected = of(*(f.value for f in figures))
    if expected is None or None in corners:
        return None
    lowest, highest = min(c for c in corners if c is not None), max(c for c in corners if c is not None)
    slack = 2 * percent.half
    return expected if printed + slack < lowest or printed - slack > highest else None


def _change_text(percent: Decimal) -> str:
    shown = abs(percent).quantize(CENT)
    return f"an increase of {shown} %" if percent > 0 else f"a decrease of {shown} %" if percent < 0 else "no change"
