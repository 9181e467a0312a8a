"""Loading into DuckDB: one transaction per document or per batch of documents (validated together,
or staged), so a re-run replaces and a failure leaves the warehouse as it was."""

import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb
import polars as pl

from transforms.regions import RegionTables

DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")
WAREHOUSE_ENV = "YUSUAN_WAREHOUSE"
# Seconds to hold each load's transaction open before COMMIT: lets a crash test kill the process
# while a document is half-written. Unset in normal use.
PAUSE_BEFORE_COMMIT_ENV = "YUSUAN_PAUSE_BEFORE_COMMIT"
# Seconds to wait for another process that holds the warehouse open (one writer at a time).
LOCK_WAIT_ENV = "YUSUAN_LOCK_WAIT"
DEFAULT_LOCK_WAIT = 30.0
_LOCK_RETRY_SECONDS = 0.5
_LOCK_CONFLICT = "Could not set lock"
# Failures of the file, the disk or the process rather than of one document's rows: the run stops.
_ENVIRONMENT_ERRORS = (
    OSError,
    duckdb.IOException,
    duckdb.PermissionException,
    duckdb.FatalException,
    duckdb.OutOfMemoryException,
)
DOCUMENT_TABLES = (
    "fct_budget_amount",
    "fct_performance_target",
    "mart_function_by_document",
    "stg_subject_name",
    "fct_quality_finding",
    "stg_table",
    "stg_issue",
    "stg_expectation_result",
    "stg_narrative",
    "dim_document",
)


def warehouse_path(explicit: str | Path | None = None) -> Path:
    """--warehouse beats $YUSUAN_WAREHOUSE beats data/warehouse.duckdb."""
    return Path(explicit or os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE)


class WarehouseError(Exception):
    """The warehouse cannot be opened or written (locked, read-only, disk full): no document can be
    loaded, so the run stops with this one-line reason instead of rejecting every file after it."""


def _lock_wait() -> float:
    try:
        return max(0.0, float(os.environ.get(LOCK_WAIT_ENV, DEFAULT_LOCK_WAIT)))
    except ValueError:
        return DEFAULT_LOCK_WAIT


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [repr(error)])[0]


def _sql(name: str) -> str:
    return resources.files("warehouse").joinpath(name).read_text("utf-8")


def connect(path: Path, lock_wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse with its schema and marts in place. Another process
    writing it is waited for, up to `lock_wait` seconds (default ${LOCK_WAIT_ENV} or 30); any failure
    to open or write it raises WarehouseError saying what to do."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WarehouseError(
            f"cannot create the warehouse's folder {path.parent} ({error.strerror or error}); "
            "choose another --warehouse or fix the path"
        ) from error
    con = _open_waiting(path, _lock_wait() if lock_wait is None else lock_wait)
    try:
        prepare(con)
    except duckdb.Error as error:
        con.close()
        if _of_the_environment(error):
            raise _write_failed(path, error) from error
        raise
    return con


# Columns whose type widened after a warehouse may have been created: findings compare amounts as
# printed, and a table in 元 differs from its sums by 元, not by cents of 万元.
_WIDENED = tuple(("fct_quality_finding", column, "DECIMAL(22,6)") for column in ("expected", "actual", "difference"))


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Put the schema and marts in place on a connection opened elsewhere (Dagster's DuckDBResource):
    every statement is idempotent, so an up-to-date warehouse is left as it is."""
    con.execute(_sql("schema.sql"))
    for table, column, wider in _WIDENED:
        found = con.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = ? AND column_name = ?", [table, column]
        ).fetchone()
        if found and found[0] != wider:
            con.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DATA TYPE {wider}")
    con.execute(_sql("marts.sql"))


def _open_waiting(path: Path, lock_wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_wait
    while True:
        try:
            return duckdb.connect(str(path))
        except (duckdb.Error, OSError) as error:
            locked = _LOCK_CONFLICT in str(error)
            if locked and time.monotonic() < deadline:
                time.sleep(_LOCK_RETRY_SECONDS)
                continue
            if locked:
                raise WarehouseError(
                    f"warehouse {path} is in use by another process and stayed locked for {lock_wait:g} s "
                    f"({_first_line(error)}); wait for that run to finish or stop it, then run again "
                    f"(${LOCK_WAIT_ENV} sets how many seconds to wait)"
                ) from error
            raise WarehouseError(
                f"cannot open warehouse {path} for writing ({_first_line(error)}); check that the file and "
                "its folder are writable and not on a read-only disk, or choose another --warehouse"
            ) from error


def _write_failed(path: Path | str, error: BaseException) -> WarehouseError:
    return WarehouseError(
        f"cannot write warehouse {path} ({_first_line(error)}); free disk space or make it writable, then run "
        "again: documents loaded before are kept, the one being written was rolled back"
    )


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back what is left of a transaction. After a failed COMMIT DuckDB has already ended it, and
    'no transaction is active' must not replace the error that matters (disk full, read-only)."""
    with suppress(duckdb.Error):
        con.execute("ROLLBACK")


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN ... COMMIT, rolled back on any error. A failure of the file or the disk (a COMMIT that
    cannot be written is one) becomes WarehouseError; other errors are the document's and propagate."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException as error:
        _rollback(con)
        if _interrupted(error):
            raise KeyboardInterrupt from error
        if _of_the_environment(error):
            raise _write_failed(_database_file(con), error) from error
        raise


def _interrupted(error: BaseException) -> bool:
    """DuckDB turns Ctrl-C during a query into an error ('Query interrupted') and swallows the signal;
    it must stop the run like Ctrl-C anywhere else, not fail the document being loaded."""
    return isinstance(error, duckdb.InterruptException) or (
        isinstance(error, RuntimeError) and "Query interrupted" in str(error)
    )


def _of_the_environment(error: BaseException) -> bool:
    """Whether the file, the disk or the process failed rather than one document's rows; a COMMIT
    that cannot be written (disk full, read-only) is one."""
    failed_commit = isinstance(error, duckdb.TransactionException) and "Failed to commit" in str(error)
    return isinstance(error, _ENVIRONMENT_ERRORS) or failed_commit


def _database_file(con: duckdb.DuckDBPyConnection) -> str:
    try:
        query = "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
        row = con.execute(query).fetchone()
    except duckdb.Error:
        row = None
    return row[0] if row is not None else "(the warehouse)"


def _holds(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame]) -> bool:
    """Whether each table holds exactly its frame's rows (in the frame's columns). Reference data is
    replaced only when it changed: rewriting it on every run would grow the file run after run."""
    for table, frame in tables.items():
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        con.register("reference", frame)
        try:
            ((differing,),) = con.execute(
                f"""SELECT count(*) FROM (
                      (SELECT {columns} FROM {table} EXCEPT ALL SELECT {columns} FROM reference)
                      UNION ALL
                      (SELECT {columns} FROM reference EXCEPT ALL SELECT {columns} FROM {table}))"""
            ).fetchall()
        finally:
            con.unregister("reference")
        if differing:
            return False
    return True


def load_reference(con: duckdb.DuckDBPyConnection, regions: RegionTables, subject_classes: pl.DataFrame) -> None:
    """Replace the reference dimensions when they changed; cheap enough to check on every run, so
    they never go stale."""
    tables = {
        "dim_region": regions.regions,
        "dim_region_history": regions.history,
        "ref_region_lineage": regions.lineage,
    }
    if _holds(con, {**tables, "ref_subject_class": subject_classes}):
        return
    with _transaction(con):
        for table, frame in tables.items():
            con.execute(f"DELETE FROM {table}")
            con.register("reference", frame)
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM reference")
            con.unregister("reference")
        con.execute("DELETE FROM ref_subject_class")
        con.execute("INSERT INTO ref_subject_class BY NAME SELECT * FROM subject_classes")
        con.execute(
            """INSERT OR REPLACE INTO dim_subject
               SELECT subject_scheme, subject_code, subject_name, subject_level(subject_code), NULL
               FROM ref_subject_class"""
        )


def load_subject_reference(con: duckdb.DuckDBPyConnection, names: pl.DataFrame, crosswalk: pl.DataFrame) -> None:
    """Replace the catalogue of subject names per year and the crosswalk, as load_reference does
    the national lists: the reference files are the source, the tables their copy for SQL."""
    if _holds(con, {"ref_subject_name": names, "ref_subject_crosswalk": crosswalk}):
        return
    with _transaction(con):
        con.execute("DELETE FROM ref_subject_name")
        con.execute("INSERT INTO ref_subject_name BY NAME SELECT * FROM names")
        con.execute("DELETE FROM ref_subject_crosswalk")
        con.execute("INSERT INTO ref_subject_crosswalk BY NAME SELECT * FROM crosswalk")


@dataclass(frozen=True)
class DocumentLoad:
    """Everything the warehouse keeps of one document (facts empty for a rejected one)."""

    document: pl.DataFrame
    tables: pl.DataFrame
    issues: pl.DataFrame
    facts: pl.DataFrame
    findings: pl.DataFrame | None = None
    expectations: pl.DataFrame | None = None
    targets: pl.DataFrame | None = None
    narrative: pl.DataFrame | None = None

    @property
    def targets_loaded(self) -> int:
        """How many performance targets (绩效目标 indicators) the load holds."""
        return self.targets.height if self.targets is not None else 0


def load_document(con: duckdb.DuckDBPyConnection, load: DocumentLoad) -> None:
    """Replace one document's rows in one transaction and rebuild the derived dimensions."""
    load_documents(con, [load])


def load_documents(con: duckdb.DuckDBPyConnection, loads: Sequence[DocumentLoad]) -> None:
    """Replace several documents' rows in one transaction: the steps that read the whole warehouse
    (which document is current, the department list) and the COMMIT are paid once for all of them,
    and their derived rows come from their own facts. A document staged with its `ingested_at`
    keeps it, so merging the same staged document again writes the same rows."""
    if not loads:
        return
    document_ids = [load.document["document_id"][0] for load in loads]
    if len(set(document_ids)) != len(document_ids):
        raise ValueError("a load holds each document once")
    with _transaction(con):
        query = f"SELECT document_id FROM dim_document WHERE document_id IN ({_markers(document_ids)})"
        present = [row[0] for row in con.execute(query, document_ids).fetchall()]
        for table in DOCUMENT_TABLES if present else ():
            con.execute(f"DELETE FROM {table} WHERE document_id IN ({_markers(present)})", present)
        con.execute("CREATE OR REPLACE TEMP TABLE loading_facts AS FROM fct_budget_amount LIMIT 0")
        for load in loads:
            _insert(con, load)
        con.execute("INSERT INTO fct_budget_amount SELECT * FROM loading_facts")
        con.execute(_sql("derived.sql"))
        con.execute("DROP TABLE loading_facts")
        if pause := os.environ.get(PAUSE_BEFORE_COMMIT_ENV):
            print(
                f"yusuan: holding the load of {', '.join(i[:12] for i in document_ids)} open for {pause} s",
                file=sys.stderr,
                flush=True,
            )
            time.sleep(float(pause))


def _markers(values: Sequence[object]) -> str:
    """One parameter marker per value, for `IN (...)`."""
    return ", ".join("?" * len(values))


def _insert(con: duckdb.DuckDBPyConnection, load: DocumentLoad) -> None:
    """One document's rows; its facts into `loading_facts`, from which the derived rows are made."""
    document = load.document
    if "ingested_at" not in document.columns:
        document = document.with_columns(ingested_at=pl.lit(datetime.now(UTC).replace(tzinfo=None)))
    frames = {
        "dim_document": document,
        "loading_facts": load.facts,
        "stg_table": load.tables,
        "stg_issue": load.issues,
        "fct_quality_finding": load.findings,
        "stg_expectation_result": load.expectations,
        "fct_performance_target": load.targets,
        "stg_narrative": load.narrative,
    }
    for table, frame in frames.items():
        if frame is not None and frame.height:
            con.register("incoming", frame)
            try:
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
            finally:
                con.unregister("incoming")


# Statuses that depend on the run's limits or settings (--no-ocr, OCR not installed) or on a fault of
# the moment rather than on the file: a file recorded with one is read again even when its content
# and pipeline version are unchanged.
_RETRIED_STATUSES = ("timeout", "too_large", "failed", "ocr_failed", "needs_ocr")


def loaded_documents(con: duckdb.DuckDBPyConnection, pipeline_version: int) -> dict[str, str]:
    """The documents this pipeline version has read to a result that a re-read would repeat, with
    the status recorded. One with scanned pages left unread (`needs_ocr`: OCR off or unavailable) is
    not among them: the run's settings decided that, not the file. One whose print OCR found too
    small to read is: a re-read would find it as small."""
    rows = con.execute(
        """SELECT document_id, status FROM dim_document AS d
           WHERE pipeline_version = ? AND list_position(?, status) IS NULL
             AND NOT EXISTS (
                 SELECT 1 FROM stg_issue AS i WHERE i.document_id = d.document_id AND i.kind = 'needs_ocr')""",
        [pipeline_version, list(_RETRIED_STATUSES)],
    ).fetchall()
    return dict(rows)


@dataclass(frozen=True)
class NarrativeApart:
    """A narrative published apart from its tables, with the facts of the current documents of its
    region, department, year and kind that print them (none when they are not loaded yet)."""

    document_id: str
    file_name: str
    narrative: str
    places: tuple[tuple[int, int | None, str, bool], ...]
    tables_files: tuple[str, ...]
    facts: pl.DataFrame


def narratives_apart(con: duckdb.DuckDBPyConnection, document_ids: Sequence[str]) -> list[NarrativeApart]:
    """The narratives published apart that share a region, department, year and kind with one of
    `document_ids` (the narrative itself or a document of its tables, loaded in this run or before)."""
    if not document_ids:
        return []
    narratives = con.execute(
        """WITH touched AS (
                SELECT DISTINCT adcode, department_name, fiscal_year, document_kind FROM dim_document
                WHERE document_id IN (SELECT unnest($ids))
                  AND adcode IS NOT NULL AND department_name IS NOT NULL AND fiscal_year IS NOT NULL
            )
            SELECT d.document_id, d.file_name, n.narrative, n.places
            FROM dim_document d JOIN stg_narrative n USING (document_id)
            JOIN touched t ON t.adcode = d.adcode AND t.department_name = d.department_name
                AND t.fiscal_year = d.fiscal_year AND t.document_kind IS NOT DISTINCT FROM d.document_kind
            WHERE d.status = 'narrative_only'
            ORDER BY d.file_name, d.document_id""",
        {"ids": list(document_ids)},
    ).fetchall()
    found = []
    for document_id, file_name, narrative, places in narratives:
        facts = con.sql(
            """SELECT t.tables_file_name AS file_name, f.*
               FROM stg_narrative_tables t JOIN fct_budget_amount f ON f.document_id = t.tables_document_id
               WHERE t.narrative_document_id = ?""",
            params=[document_id],
        ).pl()
        at = tuple((p["offset"], p["page"], p["position"], p["read_by_ocr"]) for p in places)
        files = tuple(sorted(set(facts["file_name"].to_list())))
        found.append(NarrativeApart(document_id, file_name, narrative, at, files, facts))
    return found


def replace_findings(
    con: duckdb.DuckDBPyConnection, document_id: str, rules: Sequence[str], findings: pl.DataFrame
) -> None:
    """A document's findings of `rules` replaced by `findings`, in one transaction: checks made after
    it was loaded (its narrative against tables loaded later) are made again, never added twice."""
    with _transaction(con):
        con.execute(
            f"DELETE FROM fct_quality_finding WHERE document_id = ? AND rule IN ({_markers(rules)})",
            [document_id, *rules],
        )
        if findings.height:
            con.register("incoming", findings)
            try:
                con.execute("INSERT INTO fct_quality_finding BY NAME SELECT * FROM incoming")
            finally:
                con.unregister("incoming")
