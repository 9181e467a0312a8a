"""What format a file is, told by its first bytes: the extension of a downloaded disclosure is often wrong."""

import io
import zipfile

TEXT_SUFFIXES = (".txt", ".md")
PDF_MAGIC = b"%PDF-"
PDF_MAGIC_WITHIN = 1024
# Real PDFs put at most a BOM or a few blank bytes before their header; a text file that merely
# mentions %PDF- on its first line is still text.
_PDF_LEADING_JUNK = b"\xef\xbb\xbf \t\r\n\x00"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<table", b"<meta")
_HTML_SNIFF_BYTES = 512
# The part each Office Open XML package must hold, by what the package is.
_ZIP_PARTS = (("xl/workbook.xml", "xlsx"), ("word/document.xml", "docx"))


def is_pdf(data: bytes, suffix: str) -> bool:
    """A PDF header at the start (after a BOM or blanks at most); further in, within the first
    1024 bytes as readers allow, only for files not named as text conversions."""
    at = data.find(PDF_MAGIC, 0, PDF_MAGIC_WITHIN)
    if at < 0:
        return False
    return not data[:at].strip(_PDF_LEADING_JUNK) or suffix.lower() not in TEXT_SUFFIXES


def _zip_format(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "broken_zip"
    return next((kind for part, kind in _ZIP_PARTS if part in names), "zip")


def _looks_like_html(data: bytes) -> bool:
    head = data[:_HTML_SNIFF_BYTES]
    for encoding in ("utf-8", "utf-16"):
        try:
            text = head.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n").lower()
        except LookupError:
            continue
        if text.startswith(tuple(s.decode() for s in _HTML_STARTS)):
            return True
    return False


def sniff_format(data: bytes, suffix: str) -> str | None:
    """The reader a file needs: 'pdf', 'xlsx', 'docx', 'xls' (an OLE compound file), 'html' or
    'text'; 'zip' or 'broken_zip' for an archive that is no Office document; None when the content
    matches no format yusuan reads."""
    if is_pdf(data, suffix):
        return "pdf"
    if data.startswith(_ZIP_MAGIC):
        return _zip_format(data)
    if data.startswith(_OLE_MAGIC):
        return "xls"
    if _looks_like_html(data):
        return "html"
    if suffix.lower() in TEXT_SUFFIXES:
        return "text"
    return None
