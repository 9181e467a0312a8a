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
