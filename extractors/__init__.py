"""Extraction stage: disclosure files to raw tables (cells, page, title, unit)."""

from extractors.document import document_id_of, extract_document, page_count
from extractors.model import ExtractedDocument, ExtractionError, ExtractionLimits, RawRow, RawTable

__all__ = [
    "ExtractedDocument",
    "ExtractionError",
    "ExtractionLimits",
    "RawRow",
    "RawTable",
    "document_id_of",
    "extract_document",
    "page_count",
]
