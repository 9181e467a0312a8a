"""Entry point of the extraction stage: one file in, one ExtractedDocument (or a reason) out."""

import hashlib
import stat
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from extractors.formats import PDF_MAGIC_WITHIN, is_pdf, sniff_format
from extractors.model import ExtractedDocument, ExtractionError, ExtractionLimits, display_name
from extractors.text import extract_text_document

_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def document_id_of(data: bytes) -> str:
    """The contract's document key: sha256 of the file's bytes, so renamed copies are one document."""
    return hashlib.sha256(data).hexdigest()


def file_modified_at(path: Path) -> datetime | None:
    """The file's modification time (UTC, naive): the publication date of last resort."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
    except (OSError, OverflowError, ValueError):
        return None


def not_a_regular_file(path: Path) -> str | None:
    """What the path is when it is not a regular file (a FIFO or /dev/zero would block or never end
    when read), else None. Raises OSError when it cannot be looked at."""
    mode = path.stat().st_mode
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _FILE_KINDS if test(mode)), "not a regular file")


_UNREAD_FORMATS = {
    "zip": "a zip archive that is no Office document (.xlsx, .docx)",
}


def _read_pdf(path: Path, data: bytes, document_id: str, limits: ExtractionLimits) -> ExtractedDocument:
    from extractors.pdf import extract_pdf_document

    return extract_pdf_document(path, data, document_id, limits)


def _read_text(path: Path, data: bytes, document_id: str, limits: ExtractionLimits) -> ExtractedDocument:
    return extract_text_document(path, data, document_id)


def _read_xlsx(path: Path, data: bytes, document_id: str, limits: ExtractionLimits) -> ExtractedDocument:
    from extractors.workbook import extract_workbook_document

    return extract_workbook_document(path, data, document_id, "xlsx", limits)


def _read_xls(path: Path, data: bytes, document_id: str, limits: ExtractionLimits) -> ExtractedDocument:
    """An OLE compound file: an .xls, or what an encrypted .xlsx/.docx or a .doc comes as (told apart there)."""
    from extractors.workbook import extract_workbook_document

    return extract_workbook_document(path, data, document_id, "xls", limits)


def _read_html(path: Path, data: bytes, document_id: str, limits: ExtractionLimits) -> ExtractedDocument:
    from extractors.html import extract_html_document

    return extract_html_document(path, data, document_id)


def _read_docx(path: Path, data: bytes, document_id: str, limits: ExtractionLimits) -> ExtractedDocument:
    from extractors.word import extract_word_document

    return extract_word_document(path, data, document_id, limits)


def _read_broken_zip(path: Path, data: bytes, document_id: str, limits: ExtractionLimits) -> ExtractedDocument:
    raise ExtractionError(
        "corrupt",
        f"{display_name(path.name)}: a truncated or damaged zip archive (an Office file such as .xlsx or .docx "
        "cut short in downloading?); re-download it from the publisher.",
    )


Reader = Callable[[Path, bytes, str, ExtractionLimits], ExtractedDocument]
# One reader per format; each returns the same raw tables, so nothing downstream knows the format.
READERS: dict[str, Reader] = {
    "pdf": _read_pdf,
    "text": _read_text,
    "xlsx": _read_xlsx,
    "xls": _read_xls,
    "html": _read_html,
    "docx": _read_docx,
    "broken_zip": _read_broken_zip,
}


def _not_a_disclosure(path: Path, data: bytes, kind: str | None) -> ExtractionError:
    if kind in _UNREAD_FORMATS:
        what = _UNREAD_FORMATS[kind]
    elif path.suffix.lower() == ".pdf":
        what = "not a PDF (no %PDF- header in its first 1024 bytes)"
    else:
        what = "none of the formats yusuan reads (PDF, .xlsx, .xls, .docx, HTML, a text conversion .txt/.md)"
    return ExtractionError("not_pdf", f"{path.name}: {what}; download the disclosure again.")


def extract_document(path: Path, limits: ExtractionLimits | None = None) -> ExtractedDocument:
    """Pick the reader by the file's content (magic bytes), not its name; raise ExtractionError
    to reject, with a status and a reason a person can act on."""
    limits = limits or ExtractionLimits()
    if kind := not_a_regular_file(path):
        raise ExtractionError(
            "not_pdf", f"{display_name(path)}: {kind}, not a file; name the disclosure files themselves."
        )
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
    source_format = sniff_format(data, path.suffix)
    reader = READERS.get(source_format or "")
    if reader is None:
        raise _not_a_disclosure(path, data, source_format)
    return replace(reader(path, data, document_id_of(data), limits), modified_at=file_modified_at(path))


def page_count(path: Path) -> int | None:
    """Pages of a PDF, read cheaply (no layout), for progress bars; None when it cannot tell."""
    try:
        import pypdfium2 as pdfium

        with path.open("rb") as handle:
            if not is_pdf(handle.read(PDF_MAGIC_WITHIN), path.suffix):
                return None
        document = pdfium.PdfDocument(str(path))
        try:
            return len(document)
        finally:
            document.close()
    except Exception:  # progress is best effort; extraction reports the real problem
        return None
