"""Which region, department and budget year a disclosure is for, read from what it prints."""

import re
from collections import Counter
from dataclasses import dataclass

import polars as pl

from extractors.model import ExtractedDocument
from transforms.cleaning import compact
from transforms.facts import DocumentContext, Issue, budget_facts
from transforms.regions import region_reference, resolve_region
from transforms.tables import ClassifiedTable, classify_tables

_LEADING_LINES = 25
_BUDGET_YEAR = re.compile(r"(20\d\d)年[^。,;:]{0,12}预算")
_TITLE_YEAR = re.compile(r"^(20\d\d)年")
_YEAR_TOKEN = re.compile(r"(20\d\d)年度?")
_SELF_LEVEL = re.compile(r"[(（]本级[)）]")
_TRAILING_WORDS = re.compile(r"((市级|县级|区级|省级)?部门(预算.*)?|预算公开.*|预算)$")


@dataclass(frozen=True)
class NormalizedDocument:
    """A document after normalization: who it is about, its tables, its facts and what was odd."""

    context: DocumentContext
    region_name: str | None
    region_reason: str
    tables: list[ClassifiedTable]
    facts: pl.DataFrame
    issues: list[Issue]


def _department_name(document: ExtractedDocument) -> str | None:
    region_names = set(region_reference()["name"].to_list())
    lines = document.text.splitlines()[:_LEADING_LINES]
    candidates = [*lines, document.metadata.get("Author", ""), document.metadata.get("Title", "")]
    for line in candidates:
        name = _TRAILING_WORDS.sub("", _YEAR_TOKEN.sub("", _SELF_LEVEL.sub("", compact(line))))
        plausible = 3 < len(name) <= 40 and not re.search(r"\d", name)
        if plausible and any(name.startswith(region) for region in region_names if len(region) >= 2):
            return name
    return None


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


def normalize_document(document: ExtractedDocument) -> NormalizedDocument:
    """Identify the document, classify its tables and turn every printed amount into a fact."""
    department_name = _department_name(document)
    region = resolve_region(department_name or "", document.text)
    context = DocumentContext(
        document_id=document.document_id,
        fiscal_year=_fiscal_year(document),
        department_code=_department_code(document, department_name),
        department_name=department_name,
        adcode=region.adcode,
    )
    tables = classify_tables(document.tables)
    facts, issues = budget_facts(tables, context)
    return NormalizedDocument(context, region.name, region.reason, tables, facts, issues)
