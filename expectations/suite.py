"""The Great Expectations suite over a document's normalized facts: a failing suite blocks loading.

Polars frames go to GX as pandas (GX 1.x takes no Polars), money as float: the suite checks shape
and vocabulary, not cents. Importing GX costs seconds, so it happens on first use.
"""

import html
import importlib.abc
import importlib.util
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

import polars as pl

from transforms.vocabulary import vocabulary
from warehouse.report import printable

if TYPE_CHECKING:
    from great_expectations.expectations.expectation import ColumnMapExpectation

SUITE_NAME = "fct_budget_amount"
DOCS_SITE = "yusuan"
SCHEMES = ["function", "econ_dept", "econ_gov", "revenue", "item"]
ROW_KINDS = ["subject", "total", "unit", "unlabeled", "item", "measure"]
NOT_NULL = [
    "document_id",
    "adcode",
    "fiscal_year",
    "table_type",
    "subject_scheme",
    "measure",
    "amount_wan",
    "source_unit",
]
MAX_ABS_WAN = 1e9
# What importing GX executes for renderers, distribution expectations and SQL sources that this
# suite never runs (measured: 5.2 s -> 2.6 s of each reader worker's start). Deferred modules load on
# first use; GX treats SQLAlchemy as optional and runs without it when it cannot be imported.
GX_DEFERRED_IMPORTS = ("scipy.stats", "altair")
GX_HIDDEN_OPTIONAL_IMPORTS = ("sqlalchemy",)
# A run name is a folder of the Data Docs site: its UTF-8 stays within what file systems allow.
_RUN_NAME_BYTES = 200


@dataclass(frozen=True)
class ExpectationResult:
    expectation: str
    column: str | None
    condition: str | None
    success: bool
    unexpected_count: int
    unexpected_examples: str


class DocsPage(NamedTuple):
    """A failing validation whose Data Docs page was rendered, as GX's store keeps it (key tuple,
    JSON): plain strings, so it crosses processes without importing GX where it lands."""

    key: tuple[str, ...]
    result: str


@dataclass(frozen=True)
class SuiteResult:
    success: bool
    results: list[ExpectationResult]
    data_docs: Path | None = None
    failures: list[str] = field(default_factory=list)
    page: DocsPage | None = None


def _expectations() -> "list[ColumnMapExpectation]":
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    vocab = vocabulary()
    expectations: list[ColumnMapExpectation] = [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in NOT_NULL]
    expectations += [
        gxe.ExpectColumnValuesToBeInSet(column="table_type", value_set=[t.name for t in vocab.table_types]),
        gxe.ExpectColumnValuesToBeInSet(column="measure", value_set=sorted({m.name for m in vocab.measures})),
        gxe.ExpectColumnValuesToBeInSet(column="subject_scheme", value_set=SCHEMES),
        gxe.ExpectColumnValuesToBeInSet(column="row_kind", value_set=ROW_KINDS),
        gxe.ExpectColumnValuesToBeInSet(column="source_unit", value_set=sorted(vocabulary().wan_per_unit)),
        gxe.ExpectColumnValuesToBeBetween(column="amount_wan", min_value=-MAX_ABS_WAN, max_value=MAX_ABS_WAN),
        gxe.ExpectColumnValuesToMatchRegex(column="adcode", regex=r"^\d{6}$"),
        gxe.ExpectColumnValuesToBeBetween(column="fiscal_year", min_value=2000, max_value=2100),
    ]
    expectations += [
        gxe.ExpectColumnValuesToMatchRegex(
            column="subject_code", regex=pattern.pattern, row_condition=Column("subject_scheme") == scheme
        )
        for scheme, pattern in vocab.code_formats.items()
    ]
    expectations.append(
        gxe.ExpectColumnValuesToBeNull(column="subject_code", row_condition=Column("subject_scheme") == "item")
    )
    return expectations


class _DeferredImports(importlib.abc.MetaPathFinder):
    """Finds the named modules as the other finders do, with a loader that runs them on first use."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = frozenset(names)

    def find_spec(self, name: str, path: Sequence[str] | None, target: ModuleType | None = None) -> ModuleSpec | None:
        if name not in self.names:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = importlib.util.LazyLoader(spec.loader)
                return spec
        return None


@contextmanager
def _gx_importing() -> Iterator[None]:
    """While GX is imported: GX_DEFERRED_IMPORTS load lazily, GX_HIDDEN_OPTIONAL_IMPORTS not at all
    (unless this process had them already). Only GX's own import is changed."""
    hidden = [name for name in GX_HIDDEN_OPTIONAL_IMPORTS if name not in sys.modules]
    finder = _DeferredImports(GX_DEFERRED_IMPORTS)
    sys.meta_path.insert(0, finder)
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # what makes `import name` fail
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


@cache
def _great_expectations() -> Any:
    """GX, imported once per process without what the suite does not use."""
    with _gx_importing():
        import great_expectations

    return great_expectations


class _Validator(NamedTuple):
    context: Any
    batch_definition: Any
    suite: Any
    columns: tuple[str, ...]  # the ones the suite reads: GX copies the frame per expectation
    row_by_row: bool  # every expectation judges each row alone: a union passes iff each part does


@cache
def _context(docs_dir: str | None) -> _Validator:
    """The suite on an ephemeral context, built once per process. Documents are validated on a
    batch of it, not through a checkpoint: a checkpoint re-checks on every run that its stored
    definitions are unchanged and keeps every result in memory, a fixed cost per document that
    nothing here needs."""
    gx = _great_expectations()
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.expectation import ColumnMapExpectation
    from great_expectations.expectations.row_conditions import ComparisonCondition

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if docs_dir:
        context.add_data_docs_site(
            site_name=DOCS_SITE,
            site_config={
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": docs_dir},
            },
        )
    asset = context.data_sources.add_pandas("normalized").add_dataframe_asset("facts")
    batch = asset.add_batch_definition_whole_dataframe("document")
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE_NAME))
    expectations = _expectations()
    for expectation in expectations:
        suite.add_expectation(expectation)
    # The suite's row conditions are all comparisons: Column(...) == value.
    conditions = (e.row_condition for e in expectations if isinstance(e.row_condition, ComparisonCondition))
    columns = {e.column for e in expectations} | {c.column.name for c in conditions}
    row_by_row = all(isinstance(e, ColumnMapExpectation) and e.mostly == 1 for e in expectations)
    return _Validator(context, batch, suite, tuple(sorted(columns)), row_by_row)


def prepare_suite(docs_dir: Path | None) -> None:
    """Build the suite (importing GX) ahead of the first document, as a worker starts. GX opens a
    tqdm bar (disabled) per validation, and tqdm's class lock would be a multiprocessing semaphore
    that a pool worker leaves behind (Python warns of it when the run ends): a thread lock is
    enough, as no worker prints a bar."""
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())
    _context(str(docs_dir.resolve()) if docs_dir else None)


def _condition_text(condition: object) -> str | None:
    if isinstance(condition, dict) and {"column", "operator", "parameter"} <= condition.keys():
        return f"{condition['column']['name']} {condition['operator']} {condition['parameter']!r}"
    return str(condition) if condition else None


EXPECTATION_SCHEMA = {
    "document_id": pl.String,
    "expectation": pl.String,
    "column_name": pl.String,
    "row_condition": pl.String,
    "success": pl.Boolean,
    "unexpected_count": pl.Int64,
    "unexpected_examples": pl.String,
}


def result_records(document_id: str, result: SuiteResult) -> pl.DataFrame:
    """The suite's outcome as stg_expectation_result rows."""
    rows = [
        {
            "document_id": document_id,
            "expectation": r.expectation,
            "column_name": r.column,
            "row_condition": r.condition,
            "success": r.success,
            "unexpected_count": r.unexpected_count,
            "unexpected_examples": r.unexpected_examples,
        }
        for r in result.results
    ]
    return pl.DataFrame(rows, schema=EXPECTATION_SCHEMA)


def validate_facts(facts: pl.DataFrame, docs_dir: Path | None = None, name: str | None = None) -> SuiteResult:
    """Run the suite on one document's facts. With `docs_dir`, a document that fails gets its GX Data
    Docs page there and its result in `SuiteResult.page`, for `write_data_docs_index` to list (in
    whichever process builds the index); rendering a page costs more than validating, so passing
    documents keep their results in the warehouse alone. `name` (the file's) titles the validation in
    Data Docs.

    Most documents pass, and a passing column-map expectation has no unexpected rows, so the suite
    runs first for verdicts alone (BOOLEAN_ONLY, a third cheaper); only a failing document is
    validated again for BASIC results: counts and the first unexpected values."""
    validator = _context(str(docs_dir.resolve()) if docs_dir else None)
    batch = validator.batch_definition.get_batch(batch_parameters={"dataframe": _suite_frame(validator, [facts])})
    validation = batch.validate(validator.suite, result_format="BOOLEAN_ONLY")
    page = None
    if not validation.success:
        validation = batch.validate(validator.suite, result_format="BASIC")
    if docs_dir and not validation.success:
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        run_id = RunIdentifier(run_name=data_docs_run_name(name) if name is not None else None)
        validation.meta.update(run_id=run_id, validation_time=run_id.run_time)
        key = ValidationResultIdentifier(ExpectationSuiteIdentifier(name=SUITE_NAME), run_id, batch.id)
        store = validator.context.validation_results_store
        store.set(key, validation)
        _build_docs(docs_dir, [key], build_index=False)
        page = DocsPage(store.key_to_tuple(key), store.serialize(validation))
    return _suite_result(validation, docs_dir, page)


def passing_together(facts: Sequence[pl.DataFrame], docs_dir: Path | None = None) -> SuiteResult | None:
    """Each document's result when the suite passes on all of them together, in one validation;
    None when it does not, and each must be validated alone (`validate_facts`) for its own counts.

    GX's cost is per validation (~0.1 s, hardly more for ten times the rows), and every expectation
    of the suite judges each row alone, with no tolerance (`mostly`) to share out: the union of
    several documents' facts passes exactly when each document's does, and then each passes with
    no unexpected row. A suite with any other expectation is never judged on a union."""
    validator = _context(str(docs_dir.resolve()) if docs_dir else None)
    if not validator.row_by_row:
        return None
    batch = validator.batch_definition.get_batch(batch_parameters={"dataframe": _suite_frame(validator, facts)})
    validation = batch.validate(validator.suite, result_format="BOOLEAN_ONLY")
    return _suite_result(validation, docs_dir, None) if validation.success else None


def _suite_frame(validator: _Validator, facts: Sequence[pl.DataFrame]) -> Any:
    frames = [f.select(validator.columns) for f in facts]
    union = pl.concat(frames, how="vertical_relaxed") if len(frames) > 1 else frames[0]
    return union.with_columns(pl.col("amount_wan").cast(pl.Float64)).to_pandas()


def _suite_result(validation: Any, docs_dir: Path | None, page: DocsPage | None) -> SuiteResult:
    results = []
    for item in validation.results:
        kwargs = item.expectation_config.kwargs
        results.append(
            ExpectationResult(
                expectation=item.expectation_config.type,
                column=kwargs.get("column"),
                condition=_condition_text(kwargs.get("row_condition")),
                success=bool(item.success),
                unexpected_count=int(item.result.get("unexpected_count") or 0),
                unexpected_examples=", ".join(map(str, (item.result.get("partial_unexpected_list") or [])[:5])),
            )
        )
    failures = [
        f"{r.expectation} on {r.column}{f' where {r.condition}' if r.condition else ''}: "
        f"{r.unexpected_count} rows, e.g. {r.unexpected_examples}"
        for r in results
        if not r.success
    ]
    docs = docs_dir / "index.html" if docs_dir else None
    return SuiteResult(success=bool(validation.success), results=results, data_docs=docs, failures=failures, page=page)


def data_docs_run_name(file_name: str) -> str:
    """The file name as a Data Docs run name. GX prints run names into its pages and its index
    unescaped, so the name is HTML-escaped here (control characters shown as '?'): it reads as the
    file's name once rendered and runs nothing, and the folder GX names after it stays short enough
    to be a file name."""
    escaped = [html.escape(character) for character in printable(file_name)]
    if len("".join(escaped).encode()) <= _RUN_NAME_BYTES:
        return "".join(escaped)
    kept = ""
    for piece in escaped:
        if len(f"{kept}{piece}…".encode()) > _RUN_NAME_BYTES:
            break
        kept += piece
    return f"{kept}…"


def write_data_docs_index(docs_dir: Path, pages: Iterable[DocsPage]) -> None:
    """Write the Data Docs site's index listing `pages`, the failing validations of one run, from
    whichever processes rendered them. GX indexes the pages whose results its context holds and
    deletes the others, so the results travel here as the store's own JSON: the process that
    collects them never imports GX. Call it once when a run ends: the index lists every page, so
    rebuilding it after each document would cost a run the square of its length."""
    validator = _context(str(docs_dir.resolve()))
    store = validator.context.validation_results_store
    for page in pages:
        store.set(store.tuple_to_key(page.key), store.deserialize(page.result))
    _build_docs(docs_dir, [], build_index=True)


def _build_docs(docs_dir: Path, validations: list, build_index: bool) -> None:
    context = _context(str(docs_dir.resolve())).context
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    suite = ExpectationSuiteIdentifier(name=SUITE_NAME)
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=[*validations, suite], build_index=build_index)
