"""What the warehouse knows about one document's quality, for `yusuan report` and the Dagster UI.

File names, reasons and printed labels come from whoever made the file: what is shown of them is
made harmless for where it is shown (a terminal, a Markdown table).
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from transforms.cleaning import amount_text

SEVERITY_ORDER = "CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END"
_LINE_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_MARKDOWN = str.maketrans(
    {
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "[": "\\[",
        "]": "\\]",
        "|": "\\|",
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
    }
)


@dataclass(frozen=True)
class DocumentReport:
    document: dict
    failed_expectations: pl.DataFrame
    findings: pl.DataFrame


def find_documents(con: duckdb.DuckDBPyConnection, key: str) -> list[str]:
    """Document ids matching a document id (or its prefix), a file name, or a source path."""
    rows = con.execute(
        """SELECT document_id FROM dim_document
           WHERE document_id LIKE ? || '%' OR file_name = ? OR source_path = ? ORDER BY file_name""",
        [key, Path(key).name, key],
    ).fetchall()
    return [document_id for (document_id,) in rows]


def document_report(con: duckdb.DuckDBPyConnection, document_id: str) -> DocumentReport:
    """The document's record, failed expectations and findings, their text printable on a terminal."""
    document = con.sql("SELECT * FROM dim_document WHERE document_id = ?", params=[document_id]).pl().row(0, named=True)
    failed = con.sql(
        """SELECT expectation, column_name, row_condition, unexpected_count, unexpected_examples
           FROM stg_expectation_result WHERE document_id = ? AND NOT success""",
        params=[document_id],
    ).pl()
    findings = con.sql(
        f"""SELECT severity, rule, table_type, page, source_position, subject_code, measure, expected, actual,
                   difference, message
            FROM fct_quality_finding WHERE document_id = ?
            ORDER BY {SEVERITY_ORDER}, rule, table_index, page, source_position""",
        params=[document_id],
    ).pl()
    document = {key: printable(value) if isinstance(value, str) else value for key, value in document.items()}
    return DocumentReport(document, _printable_frame(failed), _printable_frame(findings))


def printable(text: object) -> str:
    """`text` on one line with its control characters (ANSI escapes, bidi overrides) and undecodable
    bytes shown as '?', as `ls` shows them: a file name must not recolour, rewrite or reorder what a
    terminal shows."""
    return _CONTROLS.sub("?", _LINE_BREAKS.sub(" ", str(text if text is not None else "")))


def markdown_cell(text: object) -> str:
    """Printed text as literal text of a Markdown table cell: one line, no column break, no HTML, no
    link, code span or emphasis; it reads as printed once rendered."""
    return printable(text).translate(_MARKDOWN)


def _printable_frame(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(name).map_elements(printable, return_dtype=pl.String)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


def findings_markdown(findings: pl.DataFrame, limit: int = 50) -> str:
    """A Markdown table of findings, worst first, for the Dagster UI."""
    columns = ["severity", "rule", "table_type", "page", "source_position", "difference", "message"]
    lines = ["| severity | rule | table | page | row | difference (万元) | message |", "|---|---|---|---|---|---|---|"]
    shown = findings.head(limit).with_columns(pl.col("table_type").fill_null("narrative"))
    lines += [
        "| " + " | ".join(markdown_cell(_shown(row[c])) for c in columns) + " |" for row in shown.iter_rows(named=True)
    ]
    if findings.height > limit:
        lines.append(f"| ... | {findings.height - limit} more | | | | | |")
    return "\n".join(lines)


def _shown(value: object) -> object:
    return amount_text(value) if isinstance(value, Decimal) else value


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """The columns and types of a warehouse table or view, as DuckDB has them."""
    query = (
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position"
    )
    return [(name, kind) for name, kind in con.execute(query, [table]).fetchall()]


def row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    ((count,),) = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()
    return int(count)


def documents_missing_from_function_mart(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Current loaded budgets that print function subjects while neither they nor another current part
    of their disclosure has a row in the function mart: a mart that lost a document undercounts its
    region's spending without a word."""
    return con.sql(
        """SELECT d.file_name, d.document_id, d.region_name, d.department_name, d.fiscal_year
           FROM dim_document d
           WHERE d.is_current AND d.status = 'loaded' AND d.document_kind = 'budget'
             AND EXISTS (SELECT 1 FROM fct_budget_amount f WHERE f.document_id = d.document_id
                         AND f.subject_scheme = 'function' AND f.row_kind = 'subject')
             AND NOT EXISTS (
                 SELECT 1 FROM mart_function_by_region_year m JOIN dim_document part USING (document_id)
                 WHERE part.adcode IS NOT DISTINCT FROM d.adcode
                   AND part.department_name IS NOT DISTINCT FROM d.department_name
                   AND part.budget_scope IS NOT DISTINCT FROM d.budget_scope
                   AND part.fiscal_year IS NOT DISTINCT FROM d.fiscal_year)
           ORDER BY d.file_name"""
    ).pl()


def duplicate_current_tables(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Table types that two current documents of one region, department, scope, kind and year both
    print: a query of current documents would count that table twice (parts of one disclosure print
    different tables; a file printing a few of another's, as a narrative its "三公" table, is kept)."""
    return con.sql(
        """SELECT d.adcode, d.region_name, d.department_name, d.budget_scope, d.document_kind, d.fiscal_year,
               t.table_type, count(DISTINCT d.document_id) AS current_documents,
               string_agg(DISTINCT d.file_name, '; ' ORDER BY d.file_name) AS files
           FROM dim_document d JOIN stg_table t USING (document_id)
           WHERE d.is_current AND t.table_type IS NOT NULL
           GROUP BY ALL
           HAVING count(DISTINCT d.document_id) > 1
           ORDER BY ALL"""
    ).pl()


def documents_not_loaded(con: duckdb.DuckDBPyConnection, id_prefixes: list[str]) -> pl.DataFrame:
    """Documents among those whose id starts with one of `id_prefixes` (the ones a caller still
    stands for) that were read but not loaded: rejected, or failed their suite. A narrative published
    apart counts as loaded once its tables are."""
    return con.sql(
        """SELECT file_name, status, reason FROM dim_document
           WHERE status <> 'loaded' AND document_id NOT IN (SELECT narrative_document_id FROM stg_narrative_tables)
             AND EXISTS (SELECT 1 FROM unnest($prefixes) AS p(prefix) WHERE starts_with(document_id, prefix))
           ORDER BY file_name, document_id""",
        params={"prefixes": id_prefixes},
    ).pl()


def frame_markdown(frame: pl.DataFrame, limit: int = 50) -> str:
    """Any small frame as a Markdown table, its text shown as text."""
    lines = ["| " + " | ".join(markdown_cell(c) for c in frame.columns) + " |", "|" + "---|" * frame.width]
    lines += ["| " + " | ".join(markdown_cell(v) for v in row) + " |" for row in frame.head(limit).iter_rows()]
    if frame.height > limit:
        lines.append(f"| ... {frame.height - limit} more |" + " |" * (frame.width - 1))
    return "\n".join(lines)
