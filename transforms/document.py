"""Which region, department and budget year a disclosure is for, read from what it prints."""

import re
from collections import Counter
from dataclasses import dataclass

import polars as pl

from extractors.model import ExtractedDocument
from transforms.cleaning import compact
from transforms.facts import DocumentContext, Issue, budget_facts
from transforms.regions import region_span, resolve_region
from transforms.tables import ClassifiedTable, classify_tables
from transforms.vocabulary import identity_vocabulary

_LEADING_LINES = 25
_BUDGET_YEAR = re.compile(r"(20\d\d)年[^。,;:]{0,12}(预算|决算)")
_TITLE_YEAR = re.compile(r"^(20\d\d)年")
_YEAR_TOKEN = re.compile(r"(20\d\d)年度?")
_NAME_LENGTH = range(4, 41)
_SENTENCE = re.compile(r"[,，。;；]")


@dataclass(frozen=True)
class NormalizedDocument:
    """A document after normalization: who it is about, its tables, its facts and what was odd.

    `budget_scope` is `department` (部门预算) or `unit` (单位预算), None when nothing printed says;
    `document_kind` is `budget` or `final_account` (部门决算). `placeholders` are the unfilled
    template marks found (XX, ××), `reads_as_budget_narrative` says the text is a 部门预算说明."""

    context: DocumentContext
    region_name: str | None
    region_reason: str
    tables: list[ClassifiedTable]
    facts: pl.DataFrame
    issues: list[Issue]
    amount_cells: dict[int, int]
    budget_scope: str | None = None
    document_kind: str | None = "budget"
    placeholders: tuple[str, ...] = ()
    reads_as_budget_narrative: bool = False


def _is_name(name: str) -> bool:
    return len(name) in _NAME_LENGTH and not re.search(r"\d", name) and identity_vocabulary().is_name(name)


def _names_a_department(name: str) -> bool:
    """A name that prints its region (at its start, or after 中共/政协...) and is not only the
    region: what an unlabelled line must be to be taken for the department's name."""
    span = region_span(name)
    if span is None or span.end == len(name):
        return False
    return span.start == 0 or name[: span.start] in identity_vocabulary().name_starts


def _cover_name(line: str) -> str | None:
    vocab = identity_vocabulary()
    name = vocab.trailing_words.sub("", _YEAR_TOKEN.sub("", vocab.self_level.sub("", compact(line))))
    return name if _is_name(name) and _names_a_department(name) else None


def _label_name(value: str) -> str | None:
    vocab = identity_vocabulary()
    name = compact(vocab.field_end.split(value, maxsplit=1)[0])
    name = vocab.label_trailing.sub("", vocab.self_level.sub("", vocab.name_prefix.sub("", name)))
    if not _is_name(name):
        return None
    span = region_span(name)
    return None if span is not None and span.start == 0 and span.end == len(name) else name


def _printed_lines(document: ExtractedDocument) -> list[str]:
    """The text's lines, then the table titles, context lines and first rows' cells the text
    does not already print, each as often as printed: label lines are counted, not deduplicated."""
    lines = document.text.splitlines()
    unseen = Counter(lines)
    extra: list[str] = []
    for table in document.tables:
        cells = [cell for row in table.rows[:2] for cell in row.cells]
        for text in (table.title or "", *table.context, *cells):
            for line in text.splitlines():
                if unseen[line] > 0:
                    unseen[line] -= 1
                else:
                    extra.append(line)
    return lines + extra


def _department_name(document: ExtractedDocument) -> tuple[str | None, bool]:
    """The department's name and whether a department label (部门：, 编制部门：...) printed it.

    Label lines are what a disclosure prints to say whose tables these are, so they outrank the
    cover; among them the name printed most often wins, a name cut short (a proper prefix of
    another labelled name) never does. Without labels: the cover, then the subject of the
    narrative's sentences (X局2025年...), then the PDF's Title and Author."""
    vocab = identity_vocabulary()
    department: Counter[str] = Counter()
    unit: Counter[str] = Counter()
    for line in _printed_lines(document):
        if (match := vocab.label_line.search(line)) and (name := _label_name(match["value"])):
            labels = department if compact(match["label"]) in vocab.department_labels else unit
            labels[name] += 1
    labelled = set(department) | set(unit)
    for counter in (department, unit):
        for name in [n for n in counter if any(o != n and o.startswith(n) for o in labelled)]:
            del counter[name]
    lines = document.text.splitlines()
    cover = next(filter(None, map(_cover_name, lines[:_LEADING_LINES])), None)
    if cover:
        department[cover] += 1
    narrative = Counter(
        name
        for line in lines
        if (match := vocab.narrative_subject.match(compact(line))) and (name := _cover_name(match[1]))
    )
    metadata = Counter(filter(None, (_cover_name(document.metadata.get(k, "")) for k in ("Title", "Author"))))
    department_labelled = sum(department.values()) > (1 if cover else 0)
    for counter in (department, unit, narrative, metadata):
        if counter:
            return counter.most_common(1)[0][0], department_labelled
    return None, False


def _department_code(document: ExtractedDocument, department_name: str | None) -> str | None:
    if not department_name:
        return None
    own = re.escape(department_name)
    pattern = re.compile(rf"(?:[\[【](\d{{3,9}})[\]】]|(\d{{3,9}})-){own}")
    texts = [line for table in document.tables for line in table.context]
    texts += [cell for table in document.tables for row in table.rows for cell in row.cells]
    for text in texts:
        if match := pattern.search(compact(text)):
            return match.group(1) or match.group(2)
    return None


def _fiscal_year(document: ExtractedDocument) -> int | None:
    leading = compact("".join(document.text.splitlines()[:_LEADING_LINES]))
    if match := _BUDGET_YEAR.search(leading + compact(document.metadata.get("Title", ""))):
        return int(match.group(1))
    years = Counter(int(m.group(1)) for t in document.tables if t.title and (m := _TITLE_YEAR.search(compact(t.title))))
    return years.most_common(1)[0][0] if years else None


def _title_phrases(document: ExtractedDocument) -> list[str]:
    """What the cover and the tables call the document (2025年部门预算, 2024年度部门决算), cover first."""
    pattern = identity_vocabulary().title_phrase
    lines = [*document.text.splitlines()[:_LEADING_LINES], document.metadata.get("Title", "")]
    return [match.group(0) for line in lines if (match := pattern.search(compact(line)))]


def _kind_and_scope(document: ExtractedDocument, department_labelled: bool) -> tuple[str | None, str | None]:
    """`final_account` when the document calls itself a 决算, `budget` when it calls itself or its
    tables a 预算, else None; the scope from what it calls itself, else its table titles, else a
    department label (部门：) naming its publisher, else None."""
    vocab = identity_vocabulary()
    phrases = _title_phrases(document)
    titles = [compact(line) for t in document.tables for line in (t.title or "").splitlines() if line.strip()]
    if phrases:
        final = bool(vocab.final_account.search(phrases[0]))
    else:
        final = sum(bool(vocab.final_account.search(t)) for t in titles) * 2 > len(titles) > 0
    kind = "final_account" if final else "budget" if phrases or any("预算" in t for t in titles) else None
    for text in [*phrases, *titles]:
        for scope, patterns in vocab.scope:
            if any(p.search(text) for p in patterns):
                return kind, scope
    return kind, ("department" if department_labelled else None)


def _placeholders(document: ExtractedDocument, department_name: str | None) -> tuple[str, ...]:
    """The unfilled-template marks (上海市XX局, XXXX年, ××) printed, when there are enough of
    them, or one in the department's name, to say the file is a template, not a disclosure."""
    vocab = identity_vocabulary()
    printed = [document.text, *(line for t in document.tables for line in (t.title or "", *t.context))]
    found = [m.group(0) for text in printed for m in vocab.placeholder.finditer(text)]
    in_name = bool(department_name and vocab.placeholder.search(department_name))
    return tuple(dict.fromkeys(found)) if in_name or len(found) >= vocab.template_min else ()


def _reads_as_budget_narrative(document: ExtractedDocument) -> bool:
    """Whether the prose (lines with sentence punctuation, not the titles above tables) explains a
    部门预算: what a narrative published apart from its tables reads like."""
    vocab = identity_vocabulary()
    text = compact("".join(line for line in document.text.splitlines() if _SENTENCE.search(line)))
    return sum(bool(p.search(text)) for p in vocab.narrative_markers) >= vocab.narrative_min


def normalize_document(document: ExtractedDocument) -> NormalizedDocument:
    """Identify the document, classify its tables and turn every printed amount into a fact."""
    department_name, department_labelled = _department_name(document)
    fiscal_year = _fiscal_year(document)
    # the region as it was in that year: a 2018 平果县 budget files under 451023, not today's 451082
    region = resolve_region(department_name or "", document.text, fiscal_year)
    context = DocumentContext(
        document_id=document.document_id,
        fiscal_year=fiscal_year,
        department_code=_department_code(document, department_name),
        department_name=department_name,
        adcode=region.adcode,
    )
    tables = classify_tables(document.tables, context.fiscal_year)
    read = budget_facts(tables, context)
    facts = read.facts.with_columns(pl.col("source_format").fill_null(document.source_format))
    kind, scope = _kind_and_scope(document, department_labelled)
    return NormalizedDocument(
        context,
        region.name,
        region.reason,
        tables,
        facts,
        read.issues,
        read.amount_cells,
        budget_scope=scope,
        document_kind=kind,
        placeholders=_placeholders(document, department_name),
        reads_as_budget_narrative=_reads_as_budget_narrative(document),
    )
