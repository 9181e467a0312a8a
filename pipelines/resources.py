"""Dagster resources: where disclosures come from, which DuckDB file they go to, how strict quality is."""

from decimal import Decimal
from pathlib import Path

import dagster as dg

from expectations.consistency import default_rules, with_tolerance
from warehouse.load import warehouse_path
from yusuan.ingest import QualitySettings

SAMPLE_DISCLOSURES = ["../shared/seeds", "../shared/corpus"]
DATA_DOCS_DIR = "quality_docs"


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


class DataQuality(dg.ConfigurableResource):
    """GX Data Docs folder (empty: quality_docs/ beside the warehouse) and the rounding tolerance."""

    data_docs: str = ""
    rounding_tolerance: str = str(default_rules().tolerance_per_term)

    def settings(self, warehouse: Warehouse) -> QualitySettings:
        docs = Path(self.data_docs) if self.data_docs else warehouse.location().parent / DATA_DOCS_DIR
        return QualitySettings(data_docs=docs, rules=with_tolerance(default_rules(), Decimal(self.rounding_tolerance)))
