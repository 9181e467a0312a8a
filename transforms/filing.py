"""Whether a normalized document can be filed in the warehouse, and as of when it was published."""

import re
from datetime import UTC, datetime, timedelta

from extractors import ExtractedDocument
from transforms.document import NormalizedDocument

_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?")
# PDF dates carry their own time zone (China: +08'00) and are compared with UTC, hence a day's grace.
_CLOCK_SLACK = timedelta(days=1)
# A budget is drafted the year before its fiscal year; a date years earlier is a template's or a clock's.
_YEARS_BEFORE_FISCAL = 3
_EARLIEST = datetime(1993, 1, 1)
# A rejected file's reason names this many of its tables, each by its title and this many
# characters of its first row.
_TABLES_SHOWN = 3
_HEADER_SHOWN = 60


def _pdf_date(text: str) -> datetime | None:
    if match := _PDF_DATE.match(text):
        year, month, day, hour, minute, second = (
            int(p) if p else d for p, d in zip(match.groups(), (0, 1, 1, 0, 0, 0), strict=True)
        )
        try:
            return datetime(year, month, day, hour, minute, second)
        except ValueError:
            return None
    return None


def published_at(
    extracted: ExtractedDocument, fiscal_year: int | None = None, now: datetime | None = None
) -> tuple[datetime | None, str | None]:
    """When the disclosure was made and where that date came from: the PDF's own dates (ModDate,
    else CreationDate), else the file's modification time (`file_mtime`); (None, None) when none is
    believable. Decides which of two disclosures for one department and year is current, so a date
    after the ingest (ModDate 9999 would stay current for good) or years before the fiscal year is
    not trusted and the next source is used."""
    latest = (now or datetime.now(UTC).replace(tzinfo=None)) + _CLOCK_SLACK
    year = (fiscal_year or 0) - _YEARS_BEFORE_FISCAL
    earliest = datetime(year, 1, 1) if _EARLIEST.year < year <= datetime.max.year else _EARLIEST
    candidates = [(key, _pdf_date(extracted.metadata.get(key, ""))) for key in ("ModDate", "CreationDate")]
    candidates.append(("file_mtime", extracted.modified_at))
    for source, when in candidates:
        if when is not None and earliest <= when <= latest:
            return when, source
    return None, None


def _what(normalized: NormalizedDocument, kind: str) -> str:
    context = normalized.context
    whose = f"{context.department_name}'s " if context.department_name else "a "
    year = f"{context.fiscal_year} " if context.fiscal_year else ""
    return f"{whose}{year}{kind}"


def _tables_found(normalized: NormalizedDocument) -> str:
    """The tables a rejected file holds, each by its title and first row, so that a user sees what it
    is (a checklist of a disclosure, a timetable) without opening it."""
    tables = normalized.tables
    shown = []
    for table in tables[:_TABLES_SHOWN]:
        rows = table.segments[0].raw.rows
        first = " | ".join(cell for cell in rows[0].cells if cell) if rows else ""
        shown.append(f"'{table.title or 'untitled'}'" + (f" headed '{_shortened(first)}'" if first else ""))
    more = f" and {len(tables) - _TABLES_SHOWN} more" if len(tables) > _TABLES_SHOWN else ""
    return f"{len(tables)} table{'s' if len(tables) > 1 else ''} ({'; '.join(shown)}{more})"


def _shortened(text: str) -> str:
    return text if len(text) <= _HEADER_SHOWN else text[: _HEADER_SHOWN - 1] + "…"


def identity_problem(normalized: NormalizedDocument) -> tuple[str, str] | None:
    """(status, reason) when the document cannot be filed under a region, year and budget tables.

    A template or a narrative without tables is a file a user downloaded by mistake or only half
    of: the reason says what it is and what to load instead, rather than that it is broken."""
    context = normalized.context
    known = [t for t in normalized.tables if t.table_type]
    if normalized.placeholders:
        marks = ", ".join(f"'{mark}'" for mark in normalized.placeholders[:5])
        return "template", (
            f"an unfilled template, not a disclosure: it prints placeholders ({marks}) where a department's "
            "name, the year and amounts belong; load the department's published disclosure instead"
        )
    if not known:
        if normalized.reads_as_budget_narrative:
            return "narrative_only", (
                f"the narrative of {_what(normalized, '部门预算')}, published apart from its tables: its "
                "figures are held against the tables file of the same department and year whenever that is "
                "loaded (it loads on its own)"
            )
        found = f"{_tables_found(normalized)}, none" if normalized.tables else "no table at all"
        return "not_budget", (
            f"not a 部门预算 disclosure: {found} titled like 部门收支总表, 一般公共预算支出表, ...; "
            "if it is one, add its table titles to transforms/vocabulary.toml"
        )
    if context.department_name is None:
        return "unidentified", (
            "no department name found: no label line such as '部门：苍溪县医疗保障局' or '编制部门：…' "
            "above the tables, no cover line naming a department with its region, and the file's name "
            "names none; rename the file after its department and year (贵阳市医疗保障局2025年部门预算.pdf), "
            "or if the document prints its department under another label, add it to [identity] in "
            "transforms/vocabulary.toml"
        )
    if context.adcode is None:
        return "unidentified", (
            f"region of '{context.department_name}' not resolved: {normalized.region_reason}; "
            "put the file in a folder named by the region's GB/T 2260 code (520100/)"
        )
    if context.fiscal_year is None:
        return "unidentified", (
            "budget year not found (expected e.g. '2025年部门预算' near the start or in table titles, "
            "in the file's name, or a folder named by the year: 2025/)"
        )
    return None
