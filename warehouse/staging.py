"""Staging: each document's rows as Parquet files, so many readers (processes or machines) work at
once while one loader writes DuckDB, which allows a single writer per file.

A document is filed under `ROOT/province=PP/fiscal_year=YYYY/<document_id>/` (hive partitions: the
first two digits of its region code and its year; `unknown` for either when the document was
rejected before they were found), one Parquet file per part of its `DocumentLoad`. A folder
appears whole (written beside, then renamed), so a loader never reads half of one, and staging a
document again replaces it wherever it was filed before. The document record carries the time it
was staged as `ingested_at`: a document already merged with that time is not merged again.
"""

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from warehouse.load import DocumentLoad, WarehouseError, load_documents

UNKNOWN = "unknown"
DOCUMENT_FILE = "document.parquet"
_REQUIRED = ("document", "tables", "issues", "facts")
_OPTIONAL = ("findings", "expectations", "targets", "narrative")
# Staged documents merged in one transaction: enough to pay the warehouse-wide steps rarely, few
# enough that their frames stay small in memory.
MERGE_BATCH = 100


def staged_folder(root: Path, document: pl.DataFrame) -> Path:
    """Where a document record is filed: its province and year, or `unknown`."""
    record = document.row(0, named=True)
    adcode, year = record.get("adcode"), record.get("fiscal_year")
    province = adcode[:2] if adcode else UNKNOWN
    return root / f"province={province}" / f"fiscal_year={year or UNKNOWN}" / record["document_id"]


def stage_document(root: Path, load: DocumentLoad, staged_at: datetime | None = None) -> Path:
    """Write one document's rows under `root`, replacing an earlier staging of the same document."""
    when = staged_at or datetime.now(UTC).replace(tzinfo=None)
    document = load.document.with_columns(ingested_at=pl.lit(when, pl.Datetime("us")))
    document_id = document["document_id"][0]
    final = staged_folder(root, document)
    final.parent.mkdir(parents=True, exist_ok=True)
    scratch = root / f".writing-{document_id}-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    parts = {"document": document, **{name: getattr(load, name) for name in (*_REQUIRED[1:], *_OPTIONAL)}}
    for name, frame in parts.items():
        if frame is not None:
            frame.write_parquet(scratch / f"{name}.parquet")
    earlier = [folder for folder in root.glob(f"*/*/{document_id}") if folder.is_dir()]
    for number, folder in enumerate(earlier):
        folder.rename(root / f".replaced-{document_id}-{os.getpid()}-{number}")
    scratch.rename(final)
    for leftover in root.glob(f".replaced-{document_id}-{os.getpid()}-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    return final


def read_staged(folder: Path) -> DocumentLoad:
    """One staged document back as the load it was made from."""
    frames = {name: pl.read_parquet(folder / f"{name}.parquet") for name in _REQUIRED}
    optional = {name: pl.read_parquet(path) for name in _OPTIONAL if (path := folder / f"{name}.parquet").exists()}
    return DocumentLoad(**frames, **optional)


def staging_stamp(root: Path) -> str:
    """Changes whenever a document is staged or re-staged (each one renames into a year folder), at
    the cost of listing the province and year folders, not the documents."""
    years = sorted(root.glob("province=*/fiscal_year=*"))
    listing = "\n".join(f"{folder}:{folder.stat().st_mtime_ns}" for folder in years)
    return hashlib.sha256(listing.encode()).hexdigest()[:16] if years else ""


@dataclass(frozen=True)
class MergeSummary:
    merged: list[str] = field(default_factory=list)
    already_merged: int = 0
    unreadable: list[str] = field(default_factory=list)


def pending(con: duckdb.DuckDBPyConnection, root: Path) -> tuple[list[Path], int]:
    """Staged documents not yet merged with their staging time, oldest first, and how many are."""
    if not any(root.glob(f"*/*/*/{DOCUMENT_FILE}")):
        return [], 0
    pattern = str(root / "*" / "*" / "*" / DOCUMENT_FILE)
    rows = con.execute(
        """WITH staged AS (
               SELECT document_id, ingested_at, filename
               FROM read_parquet(?, filename = true, hive_partitioning = false)
               QUALIFY row_number() OVER (PARTITION BY document_id ORDER BY ingested_at DESC, filename) = 1
           )
           SELECT s.filename, d.document_id IS NOT NULL AS merged
           FROM staged s LEFT JOIN dim_document d
               ON d.document_id = s.document_id AND d.ingested_at = s.ingested_at
           ORDER BY s.ingested_at, s.document_id""",
        [pattern],
    ).fetchall()
    return [Path(name).parent for name, merged in rows if not merged], sum(merged for _, merged in rows)


def merge_staged(con: duckdb.DuckDBPyConnection, root: Path) -> MergeSummary:
    """Load every staged document not yet merged, up to MERGE_BATCH in a transaction (warehouse.load).
    A batch the warehouse refuses is loaded again one document at a time, so one document's bad rows
    do not keep the others out. A staged folder that cannot be read is named in the summary and the
    others are merged; a warehouse that cannot be written raises WarehouseError."""
    folders, already = pending(con, root)
    summary = MergeSummary(already_merged=already)
    for start in range(0, len(folders), MERGE_BATCH):
        batch: list[tuple[Path, DocumentLoad]] = []
        for folder in folders[start : start + MERGE_BATCH]:
            try:
                batch.append((folder, read_staged(folder)))
            except (OSError, pl.exceptions.PolarsError) as error:
                summary.unreadable.append(f"{folder}: cannot be read ({error}); stage the document again")
        try:
            load_documents(con, [load for _, load in batch])
        except WarehouseError:
            raise
        except duckdb.Error:
            batch = [(folder, load) for folder, load in batch if _merged_alone(con, folder, load, summary)]
        summary.merged.extend(load.document["document_id"][0] for _, load in batch)
    return summary


def _merged_alone(con: duckdb.DuckDBPyConnection, folder: Path, load: DocumentLoad, summary: MergeSummary) -> bool:
    try:
        load_documents(con, [load])
    except WarehouseError:
        raise
    except duckdb.Error as error:
        summary.unreadable.append(f"{folder}: the warehouse refused its rows ({error}); stage it again")
        return False
    return True
