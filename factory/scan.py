"""Scans of the factory's PDFs, as governments publish them: each page rasterised grey at 150 dpi,
tilted a little, speckled with noise and re-wrapped as an image-only page without a text layer.

`pages` picks the pages to scan; the others keep their text layer (a mixed file: a text PDF with
a scanned table page). `print_scale` prints each page smaller before it is scanned, centred on its
sheet, as "fit to page" printing does: a table's 9 pt print at 0.65 is about 6 pt. `quarter_turns`
turns each page's print clockwise on its scan, as a landscape page laid on a portrait scanner's
glass lies (1 or 3). `condition` is how the scanner and the paper spoil the print
(SCAN_CONDITIONS: an office scanner's grey JPEG unless told otherwise). The same arguments give
the same pages (a mixed file's trailer ID aside, which PDFium draws anew at each save).
"""

from __future__ import annotations

import io
import random
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pypdfium2 as pdfium
from fpdf import FPDF
from PIL import Image, ImageFilter

POINTS_PER_INCH = 72
SCANNED_AT = datetime(2025, 3, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ScanCondition:
    """What lies between the print and the image a reader gets: each field is one way real scans
    of disclosures differ, so OCR can be measured under each (bench --ocr-scan)."""

    # Deviation of the Gaussian grey noise added to every pixel.
    noise: float = 12.0
    jpeg_quality: int = 80
    # Radius in pixels of a Gaussian blur before the noise (a scanner out of focus).
    blur: float = 0.0
    # The grey levels white paper and black ink come out as (grey paper, faint ink: 224 and 20).
    paper: int = 255
    ink: int = 0
    # Red, green and blue of the paper as shares of white: a colour scan of yellowed paper.
    tint: tuple[float, float, float] | None = None
    # Black below this grey level and white above, saved as a 1-bit image (a bilevel scan).
    bilevel_threshold: int | None = None
    # The share of pixels turned black or white, half each (salt and pepper: dust, a worn drum).
    speckle: float = 0.0


SCAN_CONDITIONS: dict[str, ScanCondition] = {
    "office": ScanCondition(),
    "noisy": ScanCondition(noise=25),
    "squeezed": ScanCondition(jpeg_quality=40),
    "grey_paper": ScanCondition(paper=224, ink=20),
    "blurred": ScanCondition(blur=0.8),
    "yellowed": ScanCondition(noise=15, tint=(0.97, 0.95, 0.85)),
    "bilevel": ScanCondition(noise=10, bilevel_threshold=150),
    "speckled": ScanCondition(speckle=0.01),
    # A copy of a copy: out of focus, grey paper, faint ink, noisy and saved squeezed.
    "worn": ScanCondition(noise=20, jpeg_quality=50, blur=0.6, paper=232, ink=35),
}


def scanned_pdf(
    pdf: bytes,
    pages: Collection[int] | None = None,
    dpi: int = 150,
    max_skew_degrees: float = 1.5,
    seed: int = 0,
    print_scale: float = 1.0,
    quarter_turns: int = 0,
    condition: ScanCondition = SCAN_CONDITIONS["office"],
) -> bytes:
    """`pdf` with the 1-based `pages` (all when None) replaced by their scans; each page is turned by
    a random angle within `max_skew_degrees`."""
    randomness = random.Random(seed)
    source = pdfium.PdfDocument(pdf)
    try:
        chosen = [n for n in range(1, len(source) + 1) if pages is None or n in pages]
        scans = _image_pdf(source, chosen, dpi, max_skew_degrees, condition, randomness, print_scale, quarter_turns)
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
    condition: ScanCondition,
    randomness: random.Random,
    print_scale: float,
    quarter_turns: int,
) -> bytes:
    writer = FPDF(unit="pt")
    writer.set_creator("yusuan factory scanner")
    writer.set_creation_date(SCANNED_AT)
    mode = "L" if condition.tint is None else "RGB"
    white = 255 if mode == "L" else (255, 255, 255)
    for number in numbers:
        page = source[number - 1]
        width, height = page.get_size()
        image = page.render(scale=print_scale * dpi / POINTS_PER_INCH, grayscale=mode == "L").to_pil().convert(mode)
        page.close()
        if print_scale != 1:
            size = (round(width * dpi / POINTS_PER_INCH), round(height * dpi / POINTS_PER_INCH))
            sheet = Image.new(mode, size, white)
            sheet.paste(image, ((sheet.width - image.width) // 2, (sheet.height - image.height) // 2))
            image = sheet
        if quarter_turns % 4:
            image = image.rotate(-90 * quarter_turns, expand=True)
            width, height = (height, width) if quarter_turns % 2 else (width, height)
        if condition.blur:
            image = image.filter(ImageFilter.GaussianBlur(condition.blur))
        skew = randomness.uniform(-max_skew, max_skew)
        image = image.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=white)
        writer.add_page(format=(width, height))
        writer.image(_spoiled(image, condition, randomness, dpi), x=0, y=0, w=width, h=height)
    return bytes(writer.output())


def _spoiled(image: Image.Image, condition: ScanCondition, randomness: random.Random, dpi: int) -> io.BytesIO:
    pixels = np.asarray(image, dtype=float)
    if condition.tint is not None:
        pixels = pixels * np.array(condition.tint) + 5
    pixels = condition.ink + pixels * (condition.paper - condition.ink) / 255
    noise = np.random.default_rng(randomness.randrange(2**32))
    pixels += noise.normal(0, condition.noise, pixels.shape)
    if condition.speckle:
        specks = noise.random(pixels.shape[:2]) < condition.speckle
        shade = 255.0 * (noise.random(int(specks.sum())) < 0.5)
        pixels[specks] = shade if pixels.ndim == 2 else shade[:, None]
    spoiled = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    if condition.bilevel_threshold is None:
        spoiled.save(buffer, format="JPEG", quality=condition.jpeg_quality, dpi=(dpi, dpi))
    else:
        threshold = condition.bilevel_threshold
        bilevel = spoiled.point(lambda grey: 255 if grey > threshold else 0).convert("1")
        bilevel.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer
