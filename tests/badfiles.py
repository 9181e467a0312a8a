"""Broken and hostile files of the kinds scrapers deliver, made on the spot."""

import random
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from factory.pdf import DisclosurePdf, Grid

SEED = 7


def truncated(source: bytes) -> bytes:
    return source[: len(source) // 3]


def random_after_header() -> bytes:
    rng = random.Random(SEED)
    return b"%PDF-1.7\n" + bytes(rng.randrange(256) for _ in range(40_000))


def html_page() -> bytes:
    return b"<!DOCTYPE html><html><head><title>404</title></head><body>Not Found</body></html>"


def encrypted(source: bytes, user_password: str) -> bytes:
    """The PDF re-saved with AES-128; an empty user password means only an owner password is set."""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(source)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def ruled_non_budget() -> bytes:
    """A PDF with a real ruled table that is no budget table: a school timetable."""
    grid = Grid(
        rows=[["节次", "星期一", "星期二"], ["第一节", "语文", "数学"], ["第二节", "英语", "体育"]],
        widths=[30, 40, 40],
    )
    return DisclosurePdf(title="课程表").page().line("2025年春季学期课程表").table(grid).bytes()


def image_only() -> bytes:
    return DisclosurePdf().page().image().page().image().bytes()


def write(folder: Path, files: dict[str, bytes]) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, data in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    return paths


def encrypted_office(source: bytes, password: str = "secret") -> bytes:
    """An .xlsx or .docx saved with a password to open: Office wraps it in an OLE file holding an
    EncryptionInfo stream and the encrypted package."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = BytesIO()
    OOXMLFile(BytesIO(source)).encrypt(password, out)
    return out.getvalue()


def login_page() -> bytes:
    """What a portal serves in place of a file to a scraper without a session."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>统一身份认证平台</title></head><body>"
        "<form action='/login' method='post'><p>用户名 <input name='user'></p>"
        "<p>密码 <input type='password' name='pass'></p><button>登录</button></form></body></html>"
    ).encode()


def timetable_workbook() -> bytes:
    """A workbook with a real table that is no budget table."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "课程表"
    sheet.append(["2025年春季学期课程表"])
    for row in (["节次", "星期一", "星期二"], ["第一节", "语文", "数学"], ["第二节", "英语", "体育"]):
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def pdf_stream(data: bytes, entries: bytes = b"") -> bytes:
    """A stream object: its dictionary's `entries`, its length, then `data`."""
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), entries, data)


def written_pdf(objects: list[bytes]) -> bytes:
    """A PDF written by hand: `objects` numbered from 1 (the first the catalog), its xref and trailer."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def self_drawing_form() -> bytes:
    """A ruled page whose text is in a form XObject that draws itself again (its resources name it):
    a reader that follows it down never comes back."""
    rules = b"".join(b"50 %d m 550 %d l S\n" % (700 - 20 * i, 700 - 20 * i) for i in range(6))
    rules += b"".join(b"%d 600 m %d 700 l S\n" % (50 + 100 * i, 50 + 100 * i) for i in range(6))
    form = b"BT /F1 12 Tf 60 680 Td (Drawn once) Tj ET\nq /Fm1 Do Q\n"
    return written_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Resources << /XObject << /Fm1 5 0 R >> >>"
            b" /Contents 4 0 R >>",
            pdf_stream(rules + b"/Fm1 Do\n"),
            pdf_stream(
                form,
                b"/Type /XObject /Subtype /Form /BBox [0 0 600 800]"
                b" /Resources << /Font << /F1 6 0 R >> /XObject << /Fm1 5 0 R >> >>",
            ),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )
