"""What the warehouse knows about one document's quality, for `yusuan report` and the Dagster UI."""

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

SEVERITY_ORDER = "CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END"


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
    return DocumentReport(document, failed, findings)


def markdown_cell(text: object) -> str:
    """Printed text made safe for a Markdown table cell: no column breaks, no HTML."""
    return str(text if text is not None else "").replace("|", "/").replace("<", "&lt;").replace(">", "&gt;")


def findings_markdown(findings: pl.DataFrame, limit: int = 50) -> str:
    """A Markdown table of findings, worst first, for the Dagster UI."""
    lines = ["| severity | rule | table | page | row | difference | message |", "|---|---|---|---|---|---|---|"]
    for row in findings.head(limit).iter_rows(named=True):
        message = markdown_cell(row["message"])
        lines.append(
            f"| {row['severity']} | {row['rule']} | {row['table_type']} | {row['page'] or ''} | "
            f"{row['source_position']} | {row['difference']} | {message} |"
        )
    if findings.height > limit:
        lines.append(f"| ... | {findings.height - limit} more | | | | | |")
    return "\n".join(lines)
