"""Entry point of the extraction stage: one file in, one ExtractedDocument (or a reason) out."""

import hashlib
from pathlib import Path

from extractors.model import ExtractedDocument, ExtractionError, ExtractionLimits
from extractors.text import extract_text_document

TEXT_SUFFIXES = (".txt", ".md")
PDF_MAGIC = b"%PDF-"
PDF_MAGIC_WITHIN = 1024
_HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")


def document_id_of(data: bytes) -> str:
    """The contract's document key: sha256 of the file's bytes, so renamed copies are one document."""
    return hashlib.sha256(data).hexdigest()


def _not_a_disclosure(path: Path, data: bytes) -> ExtractionError:
    head = data[:512].lstrip().lower()
    if head.startswith(_HTML_STARTS):
        what = "an HTML page (often a download portal's error or login page saved under the PDF's name)"
    elif path.suffix.lower() == ".pdf":
        what = "not a PDF (no %PDF- header in its first 1024 bytes)"
    else:
        what = "neither a PDF nor a text conversion (.txt/.md)"
    return ExtractionError("not_pdf", f"{path.name}: {what}; download the disclosure PDF again.")


def extract_document(path: Path, limits: ExtractionLimits | None = None) -> ExtractedDocument:
    """Pick the extractor by the file's content (magic bytes), not its name; raise ExtractionError
    to reject, with a status and a reason a person can act on."""
    limits = limits or ExtractionLimits()
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ExtractionError(
            "too_large",
            f"{path.name}: {size / 2**20:.1f} MiB is over the {limits.max_bytes / 2**20:.0f} MiB limit; "
            "check it is a single disclosure, or raise the limit (--max-megabytes).",
        )
    data = path.read_bytes()
    if not data.strip():
        raise ExtractionError("empty", f"{path.name}: the file is empty; re-download it from the publisher.")
    document_id = document_id_of(data)
    if PDF_MAGIC in data[:PDF_MAGIC_WITHIN]:
        from extractors.pdf import extract_pdf_document

        return extract_pdf_document(path, data, document_id, limits.max_pages)
    if path.suffix.lower() in TEXT_SUFFIXES and not data[:512].lstrip().lower().startswith(_HTML_STARTS):
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ExtractionError(
                "corrupt", f"{path.name}: not UTF-8 text (byte {error.start}); convert it to UTF-8 or supply the PDF."
            ) from error
        return extract_text_document(path, data, document_id)
    raise _not_a_disclosure(path, data)


def page_count(path: Path) -> int | None:
    """Pages of a PDF, read cheaply (no layout), for progress bars; None when it cannot tell."""
    try:
        import pypdfium2 as pdfium

        with path.open("rb") as handle:
            if PDF_MAGIC not in handle.read(PDF_MAGIC_WITHIN):
                return None
        document = pdfium.PdfDocument(str(path))
        try:
            return len(document)
        finally:
            document.close()
    except Exception:  # progress is best effort; extraction reports the real problem
        return None
