"""Dagster resources: the inbox, reading limits, the DuckDB file, and how strict quality is."""

from decimal import Decimal
from pathlib import Path

import dagster as dg

from expectations.consistency import default_rules, with_tolerance
from extractors import ExtractionLimits
from pipelines.run import QualitySettings
from warehouse.load import warehouse_path

DATA_DOCS_DIR = "quality_docs"
_DEFAULT_LIMITS = ExtractionLimits()


class Inbox(dg.ConfigurableResource):
    """The folder the sensor watches; files may sit in sub-folders."""

    path: str = "data/inbox"

    def location(self) -> Path:
        return Path(self.path)


class ReadingLimits(dg.ConfigurableResource):
    """Per-document bounds: a file over them is rejected as too_large or timeout, never hangs a run
    nor exhausts the machine. The timeout and memory limit bound each step that runs in a worker
    (reading, normalizing, validating), one at a time."""

    timeout_seconds: float = _DEFAULT_LIMITS.timeout_seconds
    max_megabytes: float = _DEFAULT_LIMITS.max_bytes / 2**20
    max_pages: int = _DEFAULT_LIMITS.max_pages
    max_memory_megabytes: int = _DEFAULT_LIMITS.max_memory_bytes // 2**20
    ocr: bool = _DEFAULT_LIMITS.ocr

    def limits(self) -> ExtractionLimits:
        return ExtractionLimits(
            max_bytes=int(self.max_megabytes * 2**20),
            max_pages=self.max_pages,
            timeout_seconds=self.timeout_seconds,
            max_memory_bytes=self.max_memory_megabytes * 2**20,
            ocr=self.ocr,
        )


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
