"""What Office files share: zip packages (.xlsx, .docx) and OLE compound files (.xls, and the
wrapper an encrypted .xlsx/.docx comes in), their document properties, and what is wrong with them.

Document properties become the metadata keys and date syntax of a PDF's Info dictionary (Title,
Author, CreationDate, ModDate as D:YYYYMMDDHHmmSS), so that `published_at` and the identity rules
read every format alike.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

from lxml import etree

from extractors.model import ExtractionError, ExtractionLimits, display_name
from extractors.textlayer import normalize_text

_CORE_PART = "docProps/core.xml"
_W3CDTF = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?")
_CORE_KEYS = {"title": "Title", "creator": "Author", "created": "CreationDate", "modified": "ModDate"}
_DATES = ("CreationDate", "ModDate")
# What the streams of an OLE compound file say it is, first match wins.
_OLE_KINDS = (
    ("EncryptionInfo", "encrypted"),
    ("EncryptedPackage", "encrypted"),
    ("Workbook", "xls"),
    ("Book", "xls"),
    ("WordDocument", "doc"),
    ("PowerPoint Document", "ppt"),
)


def xml_parser() -> etree.XMLParser:
    """A parser that neither expands entities nor reaches the network: a package's XML is hostile input."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def local(tag: object) -> str:
    """An element's tag without its namespace (transitional and strict OOXML use different ones)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def pdf_date(when: datetime) -> str:
    return when.strftime("D:%Y%m%d%H%M%S")


def open_package(path: Path, data: bytes, limits: ExtractionLimits, what: str) -> zipfile.ZipFile:
    """The zip package, refused when what it declares it inflates to exceeds what a reader may hold."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        inflated = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ExtractionError(
            "corrupt", f"{display_name(path.name)}: a damaged {what} ({error}); re-download it from the publisher."
        ) from error
    if inflated > limits.max_memory_bytes:
        package.close()
        raise ExtractionError(
            "too_large",
            f"{display_name(path.name)}: the {what} inflates to {inflated / 2**20:.0f} MiB, more than the "
            f"{limits.max_memory_bytes / 2**20:.0f} MiB a reader may use (a zip bomb, or a very large file); "
            "if it is a genuine disclosure, raise the limit (--max-memory).",
        )
    return package


def package_metadata(package: zipfile.ZipFile) -> dict[str, str]:
    """Title, Author, CreationDate and ModDate from the package's core properties (docProps/core.xml)."""
    try:
        root = etree.fromstring(package.read(_CORE_PART), xml_parser())
    except (KeyError, etree.XMLSyntaxError, OSError, zipfile.BadZipFile, ValueError):
        return {}
    metadata: dict[str, str] = {}
    for element in root:
        key = _CORE_KEYS.get(local(element.tag))
        text = (element.text or "").strip()
        if key and text:
            metadata[key] = _core_date(text) if key in _DATES else normalize_text(text)
    return {key: value for key, value in metadata.items() if value}


def _core_date(text: str) -> str:
    match = _W3CDTF.match(text)
    if not match:
        return ""
    return "D:" + "".join(part or "00" for part in match.groups())


def ole_kind(path: Path, data: bytes) -> tuple[str, dict[str, str]]:
    """What an OLE compound file holds ('xls', 'encrypted', 'doc', 'ppt' or 'ole') and its summary
    properties as metadata; raises ExtractionError when the file is no readable OLE file."""
    import olefile
    from olefile.olefile import OleFileError

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, OleFileError, ValueError, IndexError) as error:
        raise ExtractionError(
            "corrupt",
            f"{display_name(path.name)}: an Excel 97-2003 (.xls) or other OLE compound file that cannot be read "
            f"({error}); it may have been cut short in downloading: re-download it from the publisher.",
        ) from error
    try:
        kind = next((kind for stream, kind in _OLE_KINDS if ole.exists(stream)), "ole")
        return kind, _ole_metadata(ole) if kind == "xls" else {}
    finally:
        ole.close()


def _ole_metadata(ole) -> dict[str, str]:
    try:
        summary = ole.get_metadata()
    except Exception:  # a damaged property stream costs the dates, never the document
        return {}
    metadata: dict[str, str] = {}
    for key, value in (
        ("Title", summary.title),
        ("Author", summary.author),
        ("CreationDate", summary.create_time),
        ("ModDate", summary.last_saved_time),
    ):
        if isinstance(value, datetime):
            metadata[key] = pdf_date(value)
        elif isinstance(value, bytes) and value.strip(b"\x00 "):
            metadata[key] = normalize_text(value.decode("gb18030", errors="replace").strip("\x00 "))
    return metadata


def encrypted(path: Path, what: str) -> ExtractionError:
    return ExtractionError(
        "encrypted",
        f"{display_name(path.name)}: the {what} is password-protected (encrypted) and cannot be opened; "
        "ask the publisher for an unprotected copy or remove the password before loading it.",
    )


def not_read(path: Path, what: str, instead: str) -> ExtractionError:
    return ExtractionError("not_pdf", f"{display_name(path.name)}: {what}, which yusuan does not read; {instead}.")
