"""Dagster resources: where disclosures come from and which DuckDB file they go to."""

from pathlib import Path

import dagster as dg

from warehouse.load import warehouse_path

SAMPLE_DISCLOSURES = ["../shared/seeds", "../shared/corpus"]


class DisclosureSource(dg.ConfigurableResource):
    """Files or folders of disclosures (PDFs or text conversions) to ingest."""

    paths: list[str] = SAMPLE_DISCLOSURES

    def as_paths(self) -> list[Path]:
        return [Path(p) for p in self.paths]


class Warehouse(dg.ConfigurableResource):
    """The DuckDB file; empty means $YUSUAN_WAREHOUSE or data/warehouse.duckdb."""

    path: str = ""

    def location(self) -> Path:
        return warehouse_path(self.path or None)
