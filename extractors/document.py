"""Entry point of the extraction stage: one file in, one ExtractedDocument (or a reason) out."""

import hashlib
import stat
from pathlib import Path

from charset_normalizer import from_bytes

from extractors.model import ExtractedDocument, ExtractionError, ExtractionLimits
from extractors.text import extract_text_document

TEXT_SUFFIXES = (".txt", ".md")
PDF_MAGIC = b"%PDF-"
PDF_MAGIC_WITHIN = 1024
# Real PDFs put at most a BOM or a few blank bytes before their header; a text file that merely
# mentions %PDF- on its first line is still text.
_PDF_LEADING_JUNK = b"\xef\xbb\xbf \t\r\n\x00"
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xfe\xff", "utf-16"),
    (b"\xff\xfe", "utf-16"),
)
_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")


def document_id_of(data: bytes) -> str:
    """The contract's document key: sha256 of the file's bytes, so renamed copies are one document."""
    return hashlib.sha256(data).hexdigest()


def display_name(name: str | Path) -> str:
    """A file name or path as text that can be printed and stored: bytes that are not UTF-8 (a
    name written by another system's encoding) appear as \\xNN escapes instead of crashing the run."""
    return str(name).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def not_a_regular_file(path: Path) -> str | None:
    """What the path is when it is not a regular file (a FIFO or /dev/zero would block or never end
    when read), else None. Raises OSError when it cannot be looked at."""
    mode = path.stat().st_mode
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _FILE_KINDS if test(mode)), "not a regular file")


def is_pdf(data: bytes, suffix: str) -> bool:
    """A PDF header at the start (after a BOM or blanks at most); further in, within the first
    1024 bytes as readers allow, only for files not named as text conversions."""
    at = data.find(PDF_MAGIC, 0, PDF_MAGIC_WITHIN)
    if at < 0:
        return False
    return not data[:at].strip(_PDF_LEADING_JUNK) or suffix.lower() not in TEXT_SUFFIXES


def decode_text(path: Path, data: bytes) -> str:
    """The text of a conversion in whichever encoding Chinese government files come in: a BOM's
    (UTF-8, UTF-16, UTF-32), else strict UTF-8, else strict GB18030 (a superset of GBK and GB2312),
    else what charset-normalizer recognises; raise ExtractionError when none fits."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise ExtractionError(
                    "corrupt",
                    f"{display_name(path.name)}: starts with a {encoding} byte-order mark but is not {encoding} "
                    f"(byte {error.start}); re-export it as UTF-8 or supply the PDF.",
                ) from error
    encodings = ("utf-8", "gb18030") if b"\x00" not in data else ()
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    guess = from_bytes(data).best()
    if guess is not None:
        return str(guess)
    raise ExtractionError(
        "corrupt",
        f"{display_name(path.name)}: not text in any encoding recognised (UTF-8, UTF-16, GB18030/GBK, ...); "
        "convert it to UTF-8 or supply the PDF.",
    )


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
    document_id = document_id_of(data)
    if is_pdf(data, path.suffix):
        from extractors.pdf import extract_pdf_document

        return extract_pdf_document(path, data, document_id, limits.max_pages, limits.max_stream_bytes)
    if path.suffix.lower() in TEXT_SUFFIXES and not data[:512].lstrip().lower().startswith(_HTML_STARTS):
        return extract_text_document(path, decode_text(path, data).encode("utf-8"), document_id)
    raise _not_a_disclosure(path, data)


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
