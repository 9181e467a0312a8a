"""Progress over documents and pages for `yusuan ingest` on a terminal; silent otherwise."""

from pathlib import Path

from tqdm import tqdm

from extractors import page_count


class Progress:
    """Two bars: documents, and pages (PDF page counts read cheaply up front); the pages bar counts
    the pages read by OCR apart, as a scanned page takes some fifty times a text page."""

    def __init__(self, files: list[Path], enabled: bool) -> None:
        self.enabled = enabled
        if enabled:
            pages = [page_count(p) or 0 for p in files]
            self.documents = tqdm(total=len(files), desc="documents", unit="doc", position=0)
            self.pages = tqdm(total=sum(pages), desc="pages", unit="page", position=1)
            self.ocr_pages = 0

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.pages.close()
            self.documents.close()

    def write(self, text: str) -> None:
        """Print a line without tearing the bars."""
        if self.enabled:
            tqdm.write(text)
        else:
            print(text, flush=True)

    def advance(self, outcome) -> None:
        if self.enabled:
            self.documents.update(1)
            self.pages.update(outcome.pages or 0)
            if outcome.load is not None and (scanned := outcome.load.document["ocr_pages"][0]):
                self.ocr_pages += scanned
                self.pages.set_postfix_str(f"{self.ocr_pages} by OCR")
