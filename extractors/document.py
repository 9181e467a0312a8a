"""Entry point of the extraction stage: one file in, one ExtractedDocument (or a reason) out."""

import hashlib
from pathlib import Path

from extractors.model import ExtractedDocument, ExtractionError
from extractors.text import extract_text_document

TEXT_SUFFIXES = (".txt", ".md")


def document_id_of(data: bytes) -> str:
    """The contract's document key: sha256 of the file's bytes, so renamed copies are one document."""
    return hashlib.sha256(data).hexdigest()


def extract_document(path: Path) -> ExtractedDocument:
    """Pick the extractor by the file's content, not its name; raise ExtractionError to reject."""
    data = path.read_bytes()
    if not data.strip():
        raise ExtractionError("empty", f"{path.name}: the file is empty; re-download it from the publisher.")
    document_id = document_id_of(data)
    if data.startswith(b"%PDF"):
        from extractors.pdf import extract_pdf_document

        return extract_pdf_document(path, data, document_id)
    if path.suffix.lower() in TEXT_SUFFIXES:
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ExtractionError(
                "corrupt", f"{path.name}: not UTF-8 text (byte {error.start}); convert it to UTF-8 or supply the PDF."
            ) from error
        return extract_text_document(path, data, document_id)
    raise ExtractionError(
        "not_pdf",
        f"{path.name}: neither a PDF (no %PDF header) nor a text conversion (.txt/.md); supply the disclosure PDF.",
    )
