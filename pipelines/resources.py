"""Dagster resources: the inbox, reading limits, the staging folder, and how strict quality is. The
DuckDB file is dagster-duckdb's DuckDBResource (see definitions.py)."""

from decimal import Decimal
from pathlib import Path

import dagster as dg

from expectations.rules import default_rules, with_tolerance
from extractors import ExtractionLimits
from pipelines.run import QualitySettings

DATA_DOCS_DIR = "quality_docs"
_DEFAULT_LIMITS = ExtractionLimits()


class Inbox(dg.ConfigurableResource):
    """The folder the sensor watches (files may sit in sub-folders), and how many new documents one
    run reads: a run pays Python's and the libraries' start, and its reader pool's, once for all of
    them (about 4 s, the time of 5-10 documents), so a backlog goes in few runs; several runs at
    once are what spreads work over machines (deploy/README.md)."""

    path: str = "data/inbox"
    batch_size: int = 50

    def location(self) -> Path:
        return Path(self.path)


class ReadingLimits(dg.ConfigurableResource):
    """Per-document bounds: a file over them is rejected as too_large or timeout, never hangs a run
    nor exhausts the machine. The timeout and memory limit bound each step that runs in a worker
    (reading, normalizing, validating); `workers` documents are read at once (one per core)."""

    timeout_seconds: float = _DEFAULT_LIMITS.timeout_seconds
    max_megabytes: float = _DEFAULT_LIMITS.max_bytes / 2**20
    max_pages: int = _DEFAULT_LIMITS.max_pages
    max_memory_megabytes: int = _DEFAULT_LIMITS.max_memory_bytes // 2**20
    workers: int = 2
    ocr: bool = _DEFAULT_LIMITS.ocr
    ocr_seconds_per_page: float = _DEFAULT_LIMITS.ocr_seconds_per_page

    def limits(self) -> ExtractionLimits:
        return ExtractionLimits(
            max_bytes=int(self.max_megabytes * 2**20),
            max_pages=self.max_pages,
            timeout_seconds=self.timeout_seconds,
            max_memory_bytes=self.max_memory_megabytes * 2**20,
            ocr=self.ocr,
            ocr_seconds_per_page=self.ocr_seconds_per_page,
        )


class Staging(dg.ConfigurableResource):
    """Where readers write each document's rows as Parquet for the loader (warehouse/staging.py): a
    local folder, or one every worker machine mounts."""

    path: str = "data/staging"

    def location(self) -> Path:
        return Path(self.path)


class DataQuality(dg.ConfigurableResource):
    """GX Data Docs folder (empty: quality_docs/ beside the warehouse), the rounding tolerance, and
    the address the data-quality pages are served at (`yusuan docs --serve`), which checks link to."""

    data_docs: str = ""
    rounding_tolerance: str = str(default_rules().tolerance_per_term)
    docs_url: str = "http://localhost:8765"

    def settings(self, warehouse: Path) -> QualitySettings:
        docs = Path(self.data_docs) if self.data_docs else warehouse.parent / DATA_DOCS_DIR
        return QualitySettings(data_docs=docs, rules=with_tolerance(default_rules(), Decimal(self.rounding_tolerance)))

    def document_page(self, document_id: str) -> str:
        return f"{self.docs_url.rstrip('/')}/documents/{document_id}.html"
