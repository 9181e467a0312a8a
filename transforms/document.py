"""Which region, department and budget year a disclosure is for, read from what it prints."""

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Generic, TypeVar

import polars as pl

from extractors.model import ExtractedDocument
from transforms.cleaning import arabic_years, compact
from transforms.facts import DocumentContext, Issue, budget_facts
from transforms.regions import RegionMatch, region_at, region_span, resolve_region
from transforms.tables import ClassifiedTable, classify_tables
from transforms.targets import TARGET_SCHEMA, performance_targets
from transforms.vocabulary import identity_vocabulary

T = TypeVar("T")
_LEADING_LINES = 25
_BUDGET_YEAR = re.compile(r"(20\d\d)年[^。,;:]{0,12}(预算|决算)")
# Rows at a table's top that may hold its column headings.
_HEADING_ROWS = 3
# A table title's year, printed first or after its department's name (X局2025年部门收支总表).
_TITLE_YEAR = re.compile(r"^\D{0,40}?(20\d\d)年")
_YEAR_TOKEN = re.compile(r"(20\d\d)年度?")
_NAME_LENGTH = range(4, 41)
# Folders above a file that may name what it is (inbox/520100/2025/...): a year, a GB/T 2260 code.
_PATH_FOLDERS = 3
_FOLDER_YEAR = re.compile(r"^(20\d\d)(年度?)?$")
_FOLDER_ADCODE = re.compile(r"^\d{6}$")
_SOURCES = ("document", "file_name", "folder")
_SENTENCE = re.compile(r"[,，。;；]")


@dataclass(frozen=True)
class NormalizedDocument:
    """A document after normalization: who it is about, its tables, its facts and what was odd.

    `budget_scope` is `department` (部门预算) or `unit` (单位预算), None when nothing printed says;
    `document_kind` is `budget` or `final_account` (部门决算). `placeholders` are the unfilled
    template marks found (XX, ××), `reads_as_budget_narrative` says the text is a 部门预算说明.
    `identity_source` says what named the department, year and region: `document`, or with
    `file_name` and/or `folder` (`+`-joined) where the file's path filled what the document does
    not print."""

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
    identity_source: str | None = "document"
    # The indicators of its 绩效目标表 (fct_performance_target): targets, not amounts.
    targets: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=TARGET_SCHEMA))


def _is_name(name: str) -> bool:
    return len(name) in _NAME_LENGTH and not re.search(r"\d", name) and identity_vocabulary().is_name(name)


def _names_a_department(name: str) -> bool:
    """A name that prints its region (at its start, or after 中共/政协...) and is not only the
    region: what an unlabelled line must be to be taken for the department's name."""
    span = region_span(name)
    if span is None or span.end == len(name):
        return False
    return span.start == 0 or name[: span.start] in identity_vocabulary().name_starts


def _is_department_name(name: str) -> bool:
    return _is_name(name) and _names_a_department(name)


def _cover_name(line: str) -> str | None:
    vocab = identity_vocabulary()
    text = vocab.self_level.sub("", compact(line))
    if (titled := _title_department(text)) is not None:
        if _is_department_name(titled[0]):
            return titled[0]
        text = titled[0]
    name = vocab.trailing_words.sub("", _YEAR_TOKEN.sub("", text))
    return name if _is_department_name(name) else None


def _label_name(value: str) -> str | None:
    vocab = identity_vocabulary()
    value = " ".join(value.split())  # one space a run: field_end's leading spaces never backtrack over a run
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
    another labelled name printed as often or more) never does. A longer name printed less often
    than its prefix is a misreading (OCR's 苍溪县医疗保障局部), not the name the prefix was cut
    from. Without labels: the cover, then the subject of the narrative's sentences (X局2025年...),
    then the PDF's Title and Author."""
    vocab = identity_vocabulary()
    department: Counter[str] = Counter()
    unit: Counter[str] = Counter()
    for line in _printed_lines(document):
        if (match := vocab.label_line.search(line)) and (name := _label_name(match["value"])):
            labels = department if compact(match["label"]) in vocab.department_labels else unit
            labels[name] += 1
    for line in _context_lines(document):
        if (
            (match := vocab.coded_name_line.match(line.strip()))
            and (name := _label_name(match["value"]))
            and _names_a_department(name)
        ):
            unit[name] += 1
    printed = department + unit
    for counter in (department, unit):
        for name in [
            n for n in counter if any(o != n and o.startswith(n) and printed[o] >= printed[n] for o in printed)
        ]:
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


def _context_lines(document: ExtractedDocument) -> list[str]:
    """The lines printed above each table (its department, unit and year fields)."""
    return [line for table in document.tables for text in table.context for line in text.splitlines()]


def _department_code(document: ExtractedDocument, department_name: str | None) -> str | None:
    if not department_name:
        return None
    own = re.escape(department_name)
    pattern = re.compile(rf"(?:[\[【](\d{{3,9}})[\]】]|(\d{{3,9}})-){own}")
    leading = re.compile(rf"^(\d{{3,9}}){own}")
    for line in _context_lines(document):
        if match := leading.match(compact(line)):
            return match.group(1)
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
    if not years:
        fields = identity_vocabulary().year_field
        years = Counter(
            int(m.group(1) or m.group(2)) for line in _context_lines(document) for m in fields.finditer(line)
        )
    return years.most_common(1)[0][0] if years else None


def _title_phrases(document: ExtractedDocument) -> list[str]:
    """What the cover and the tables call the document (2025年部门预算, 2024年度部门决算), cover first."""
    pattern = identity_vocabulary().title_phrase
    lines = [*document.text.splitlines()[:_LEADING_LINES], document.metadata.get("Title", "")]
    return [match.group(0) for line in lines if (match := pattern.search(compact(line)))]


def _title_department(line: str) -> tuple[str, str] | None:
    """A line ending as a table's title, as what precedes its year (the department's name, or a
    table number) and the title from the year on, without the department's name where it follows
    the year: 贵阳市医疗保障局2025年部门收支总表 and 2025年贵阳市医疗保障局部门收支总表 both give
    (贵阳市医疗保障局, 2025年部门收支总表)."""
    vocab = identity_vocabulary()
    if not vocab.table_title_end.search(line) or not (year := _YEAR_TOKEN.search(line)):
        return None
    before, after = line[: year.start()], line[year.end() :]
    if not _is_department_name(before):
        for start in vocab.table_title_start.finditer(after):
            name = after[: start.start()]
            if _is_department_name(name):
                return name, year.group(0) + after[start.start() :]
    return before, line[year.start() :]


def _without_department(title: str) -> str:
    """A table title from its year on, without its department's name where it prints one."""
    titled = _title_department(title)
    return title if titled is None else titled[1]


def _kind_from_headings(document: ExtractedDocument) -> str | None:
    """For tables whose titles say neither 预算 nor 决算 (部门收支总表): what their column headings
    call the amounts (预算数, 决算数), the more often printed."""
    final_account = identity_vocabulary().final_account
    headings = [compact(cell) for table in document.tables for row in table.rows[:_HEADING_ROWS] for cell in row.cells]
    finals = sum(bool(final_account.search(h)) for h in headings)
    budgets = sum("预算" in h for h in headings)
    return "final_account" if finals > budgets else "budget" if budgets else None


def _kind_and_scope(document: ExtractedDocument, department_labelled: bool) -> tuple[str | None, str | None]:
    """`final_account` when the document calls itself a 决算, `budget` when it calls itself or its
    tables a 预算, else None; the scope from what it calls itself, else its table titles, else a
    department label (部门：) naming its publisher, else None."""
    vocab = identity_vocabulary()
    phrases = _title_phrases(document)
    titles = [_without_department(compact(line)) for t in document.tables for line in (t.title or "").splitlines()]
    titles = [title for title in titles if title]
    if phrases:
        final = bool(vocab.final_account.search(phrases[0]))
    else:
        final = sum(bool(vocab.final_account.search(t)) for t in titles) * 2 > len(titles) > 0
    kind = "final_account" if final else "budget" if phrases or any("预算" in t for t in titles) else None
    if kind is None:
        kind = _kind_from_headings(document)
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


@dataclass(frozen=True)
class FromPath(Generic[T]):
    """A value the file's path names: `source` `file_name` or `folder`, `where` in words."""

    value: T
    source: str
    where: str


@dataclass(frozen=True)
class PathIdentity:
    """What a file's name and the folders above it say it is, the nearest part first."""

    department_name: FromPath[str] | None = None
    fiscal_year: FromPath[int] | None = None
    adcode: FromPath[str] | None = None


def path_identity(path: Path) -> PathIdentity:
    """The department, budget year and region a file's path names: 贵阳市医疗保障局2025年部门预算
    (扫描件).pdf, or inbox/520100/2025/tables.pdf (a GB/T 2260 code, a year). A department only
    from the file's name and with its region (a folder is often named after whoever collected the
    files); a year in a file name only as a 预算's or 决算's (2025年部门预算), not as a date, and a
    folder's only alone (2025, 2025年度); a region from a folder only as a code GB/T 2260 has used."""
    department: FromPath[str] | None = None
    year: FromPath[int] | None = None
    adcode: FromPath[str] | None = None
    parts = [("file_name", "the file's name", path.stem)]
    parts += [("folder", f"folder '{folder}'", folder) for folder in reversed(path.parent.parts[-_PATH_FOLDERS:])]
    for source, where, part in parts:
        text = arabic_years(compact(part))
        if department is None and source == "file_name" and (name := _cover_name(text)):
            department = FromPath(name, source, where)
        if year is None and (found := _BUDGET_YEAR.search(text) or (source == "folder" and _FOLDER_YEAR.match(text))):
            year = FromPath(int(found.group(1)), source, where)
        if adcode is None and source == "folder" and _FOLDER_ADCODE.match(text) and region_at(text, None):
            adcode = FromPath(text, source, where)
    return PathIdentity(department, year, adcode)


def _nested(code: str, other: str) -> bool:
    """Whether one region code lies within the other (520102 in 520100) or they are the same."""
    a, b = code.rstrip("0") or code, other.rstrip("0") or other
    return a.startswith(b) or b.startswith(a)


@dataclass(frozen=True)
class _Identity:
    department_name: str | None
    fiscal_year: int | None
    adcode: str | None
    region_name: str | None
    region_reason: str
    source: str | None
    issues: list[Issue]


def _conflict(what: str, printed: object, named: FromPath) -> Issue:
    return Issue(
        None,
        None,
        None,
        named.where,
        "identity_conflict",
        f"the document prints {what} {printed}, {named.where} says {named.value}: kept what the document prints; "
        "check that the file is the disclosure its name or folder says it is",
    )


def _from_path(what: str, named: FromPath, why: str) -> Issue:
    return Issue(None, None, None, named.where, "identity_from_path", f"{what} from {named.where}: {why}")


def _region_of_named(
    named: FromPath[str] | None, printed: str | None, document: ExtractedDocument, year: int | None
) -> RegionMatch | None:
    """The region of the department the file's name names, where the document prints that
    department without its region (医疗保障局; the file: 贵阳市医疗保障局2025年部门预算.pdf)."""
    if named is None or named.value == printed:
        return None
    match = resolve_region(named.value, document.text, year)
    return match if match.adcode else None


def _identity(document: ExtractedDocument, department_name: str | None, fiscal_year: int | None) -> _Identity:
    """Who and when, from what the document prints; what it does not print, from its path. Where the
    path says otherwise than the document, the document wins and the disagreement is recorded."""
    path = path_identity(document.path)
    issues: list[Issue] = []
    department_source = "document" if department_name else None
    year_source = "document" if fiscal_year else None
    named_department, named_year, named_code = path.department_name, path.fiscal_year, path.adcode
    if named_department is not None:
        if department_name is None:
            department_name, department_source = named_department.value, named_department.source
            issues.append(_from_path(f"department {department_name}", named_department, "the document prints none"))
        elif not named_department.value.endswith(department_name):
            issues.append(_conflict("department", department_name, named_department))
    if named_year is not None:
        if fiscal_year is None:
            fiscal_year, year_source = named_year.value, named_year.source
            issues.append(_from_path(f"year {fiscal_year}", named_year, "the document prints no budget year"))
        elif named_year.value != fiscal_year:
            issues.append(_conflict("year", fiscal_year, named_year))
    # the region as it was in that year: a 2018 平果县 budget files under 451023, not today's 451082
    region = resolve_region(department_name or "", document.text, fiscal_year)
    region_source = department_source
    fuller = None if region.adcode else _region_of_named(named_department, department_name, document, fiscal_year)
    if fuller is not None and named_department is not None:
        region, region_source = fuller, named_department.source
        why = f"the document's department name {department_name} names no region"
        issues.append(_from_path(f"region {region.name} ({region.adcode})", named_department, why))
    adcode, region_name, reason = region.adcode, region.name, region.reason
    if named_code is not None:
        if adcode is None and department_name is not None:
            adcode, region_name, region_source = named_code.value, region_at(named_code.value, fiscal_year), "folder"
            reason = f"resolved from {named_code.where} ({region.reason})"
            issues.append(_from_path(f"region {region_name} ({adcode})", named_code, region.reason))
        elif adcode is not None and not _nested(adcode, named_code.value):
            issues.append(_conflict("region", f"{region_name} ({adcode})", named_code))
    sources = [s for s in (department_source, year_source, region_source if adcode else None) if s]
    source = "+".join(dict.fromkeys(sorted(sources, key=_SOURCES.index))) or None
    return _Identity(department_name, fiscal_year, adcode, region_name, reason, source, issues)


def normalize_document(document: ExtractedDocument) -> NormalizedDocument:
    """Identify the document, classify its tables and turn every printed amount into a fact."""
    title = document.metadata.get("Title")
    document = replace(
        document,
        text=arabic_years(document.text),
        metadata={**document.metadata, "Title": arabic_years(title)} if title else document.metadata,
    )
    printed_department, department_labelled = _department_name(document)
    identity = _identity(document, printed_department, _fiscal_year(document))
    context = DocumentContext(
        document_id=document.document_id,
        fiscal_year=identity.fiscal_year,
        department_code=_department_code(document, identity.department_name),
        department_name=identity.department_name,
        adcode=identity.adcode,
    )
    tables = classify_tables(document.tables, context.fiscal_year)
    read = budget_facts(tables, context)
    facts = read.facts.with_columns(pl.col("source_format").fill_null(document.source_format))
    read_targets = performance_targets(tables, context)
    targets = read_targets.targets.with_columns(pl.col("source_format").fill_null(document.source_format))
    kind, scope = _kind_and_scope(document, department_labelled)
    return NormalizedDocument(
        context,
        identity.region_name,
        identity.region_reason,
        tables,
        facts,
        [*identity.issues, *read.issues, *read_targets.issues],
        read.amount_cells,
        budget_scope=scope,
        document_kind=kind,
        placeholders=_placeholders(document, identity.department_name),
        reads_as_budget_narrative=_reads_as_budget_narrative(document),
        identity_source=identity.source,
        targets=targets,
    )
