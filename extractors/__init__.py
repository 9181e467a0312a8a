"""Extraction stage: disclosure files to raw tables (cells, page, title, unit)."""

from extractors.document import document_id_of, extract_document
from extractors.model import ExtractedDocument, ExtractionError, RawRow, RawTable

__all__ = ["ExtractedDocument", "ExtractionError", "RawRow", "RawTable", "document_id_of", "extract_document"]
