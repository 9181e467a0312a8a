"""Extraction stage: disclosure files to raw tables (cells, page, title, unit)."""

from extractors.document import (
    READERS,
    document_id_of,
    extract_document,
    file_modified_at,
    not_a_regular_file,
    page_count,
)
from extractors.model import (
    TIMEOUT_ADVICE,
    ExtractedDocument,
    ExtractionError,
    ExtractionLimits,
    NarrativePlace,
    RawRow,
    RawTable,
    cap_data_memory,
    data_bytes,
    display_name,
    grant_fixed_memory,
)

__all__ = [
    "READERS",
    "TIMEOUT_ADVICE",
    "ExtractedDocument",
    "ExtractionError",
    "ExtractionLimits",
    "NarrativePlace",
    "RawRow",
    "RawTable",
    "cap_data_memory",
    "data_bytes",
    "display_name",
    "document_id_of",
    "extract_document",
    "file_modified_at",
    "grant_fixed_memory",
    "not_a_regular_file",
    "page_count",
]
