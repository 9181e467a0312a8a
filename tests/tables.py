"""Builders of small raw tables for tests, as an extractor would produce them."""

from extractors.model import RawRow, RawTable


def raw_table(
    rows: list[list[str]], title: str | None = "表", unit: str | None = "万元", after_table: bool = False, page: int = 1
) -> RawTable:
    raw_rows = tuple(RawRow(tuple(cells), page, f"page {page}, row {i + 1}") for i, cells in enumerate(rows))
    return RawTable(title, unit, raw_rows, page, f"page {page}", (), after_table)


def cells(table: RawTable) -> list[tuple[str, ...]]:
    """A raw table's rows as printed cells, for comparing with what a test printed."""
    return [row.cells for row in table.rows]
