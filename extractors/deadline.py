"""The deadline of the document a reader worker is reading, kept by a thread that ends the process
once it passes: a file that hangs inside C code (pdfium, a decompressor, the OCR engine) never comes
back to Python to be stopped there, and the worker pool's own limit must allow for every page of a
PDF being OCR'd, as only the worker learns which pages are scans.

The worker (pipelines/run.py) arms it with the base timeout; the PDF reader extends it by the time
its OCR pages may take once it has scanned them. Outside a worker nothing is armed, and extending
does nothing."""

import os
import threading
import time

# The worker's exit status when its deadline passes (as timeout(1) exits).
EXIT_CODE = 124

_changed = threading.Condition()
_due: float | None = None
_watching = False


def watch() -> None:
    """Start the watching thread; a worker calls it once, before its memory is capped."""
    global _watching
    with _changed:
        if not _watching:
            threading.Thread(target=_watch, name="yusuan-deadline", daemon=True).start()
            _watching = True


def arm(seconds: float) -> None:
    global _due
    with _changed:
        _due = time.monotonic() + seconds
        _changed.notify()


def extend(seconds: float) -> None:
    global _due
    with _changed:
        if _due is not None:
            _due += seconds
            _changed.notify()


def disarm() -> None:
    global _due
    with _changed:
        _due = None
        _changed.notify()


def _watch() -> None:
    with _changed:
        while True:
            if _due is None:
                _changed.wait()
                continue
            left = _due - time.monotonic()
            if left <= 0:
                os._exit(EXIT_CODE)
            _changed.wait(left)
