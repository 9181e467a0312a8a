"""Scans of the factory's PDFs, as governments publish them: each page rasterised grey at 150 dpi,
tilted a little, speckled with noise and re-wrapped as an image-only page without a text layer.

`pages` picks the pages to scan; the others keep their text layer (a mixed file: a text PDF with
a scanned table page). `print_scale` prints each page smaller before it is scanned, centred on its
sheet, as "fit to page" printing does: a table's 9 pt print at 0.65 is about 6 pt. `quarter_turns`
turns each page's print clockwise on its scan, as a landscape page laid on a portrait scanner's
glass lies (1 or 3). The same arguments give the same bytes.
"""

from __future__ import annotations

import io
import random
from collections.abc import Collection
from datetime import UTC, datetime

import numpy as np
import pypdfium2 as pdfium
from fpdf import FPDF
from PIL import Image

POINTS_PER_INCH = 72
SCANNED_AT = datetime(2025, 3, 1, tzinfo=UTC)


def scanned_pdf(
    pdf: bytes,
    pages: Collection[int] | None = None,
    dpi: int = 150,
    max_skew_degrees: float = 1.5,
    noise: float = 12.0,
    seed: int = 0,
    print_scale: float = 1.0,
    quarter_turns: int = 0,
) -> bytes:
    """`pdf` with the 1-based `pages` (all when None) replaced by their scans; each page is turned by
    a random angle within `max_skew_degrees` and given Gaussian grey noise of deviation `noise`."""
    randomness = random.Random(seed)
    source = pdfium.PdfDocument(pdf)
    try:
        chosen = [n for n in range(1, len(source) + 1) if pages is None or n in pages]
        scans = _image_pdf(source, chosen, dpi, max_skew_degrees, noise, randomness, print_scale, quarter_turns)
        if pages is None:
            return scans
        scanned = pdfium.PdfDocument(scans)
        for position, number in enumerate(chosen):
            source.del_page(number - 1)
            source.import_pages(scanned, [position], index=number - 1)
        out = io.BytesIO()
        source.save(out)
        scanned.close()
        return out.getvalue()
    finally:
        source.close()


def _image_pdf(
    source: pdfium.PdfDocument,
    numbers: list[int],
    dpi: int,
    max_skew: float,
    noise: float,
    randomness: random.Random,
    print_scale: float,
    quarter_turns: int,
) -> bytes:
    writer = FPDF(unit="pt")
    writer.set_creator("yusuan factory scanner")
    writer.set_creation_date(SCANNED_AT)
    for number in numbers:
        page = source[number - 1]
        width, height = page.get_size()
        image = page.render(scale=print_scale * dpi / POINTS_PER_INCH, grayscale=True).to_pil().convert("L")
        page.close()
        if print_scale != 1:
            sheet = Image.new("L", (round(width * dpi / POINTS_PER_INCH), round(height * dpi / POINTS_PER_INCH)), 255)
            sheet.paste(image, ((sheet.width - image.width) // 2, (sheet.height - image.height) // 2))
            image = sheet
        if quarter_turns % 4:
            image = image.rotate(-90 * quarter_turns, expand=True)
            width, height = (height, width) if quarter_turns % 2 else (width, height)
        image = image.rotate(randomness.uniform(-max_skew, max_skew), resample=Image.Resampling.BICUBIC, fillcolor=255)
        speckle = np.random.default_rng(randomness.randrange(2**32)).normal(0, noise, (image.height, image.width))
        image = Image.fromarray(np.clip(np.asarray(image, dtype=float) + speckle, 0, 255).astype(np.uint8))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=80, dpi=(dpi, dpi))
        writer.add_page(format=(width, height))
        writer.image(buffer, x=0, y=0, w=width, h=height)
    return bytes(writer.output())
