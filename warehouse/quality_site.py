"""The data-quality report as web pages: an index of every document and a page per document.

Rendered from the warehouse's public tables alone, as pages a browser opens from disk or from
`yusuan docs --serve`: styles inline, nothing fetched from elsewhere, and no script needed to read
them (a small inline one only sorts the index). GX Data Docs load their styles from CDNs and render
failing documents only, and browsers block the `file://` links Dagster shows; these pages are the
report for every document. File names and printed text come from whoever made the file, so every
value is shown as escaped text.
"""

import html
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import duckdb

from expectations.suite import SUITE_NAME, data_docs_run_name
from transforms.cleaning import amount_text
from warehouse.report import SEVERITY_ORDER, printable

# The served layout: the Dagster checks link http://localhost:{SITE_PORT}/documents/<document_id>.html.
SITE_PORT = 8765
INDEX_PAGE = "index.html"
DOCUMENTS_DIR = "documents"
DATA_DOCS_PREFIX = "data-docs"
_DOCUMENT_PAGE = re.compile(r"^[0-9a-f]{64}\.html$")
SEVERITIES = ("error", "warning", "info")


def document_page(document_id: str) -> str:
    """A document's page, relative to the site's root."""
    return f"{DOCUMENTS_DIR}/{document_id}.html"


def document_url(document_id: str, host: str = "localhost", port: int = SITE_PORT) -> str:
    """Where `yusuan docs --serve` shows a document's page."""
    return f"http://{host}:{port}/{document_page(document_id)}"


def _text(value: object) -> str:
    return html.escape(printable(value)) if value is not None else ""


def _number(value: object) -> str:
    if isinstance(value, Decimal):
        return html.escape(amount_text(value))
    return "" if value is None else f"{value:,}" if isinstance(value, int) else _text(value)


_STYLE = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",system-ui,sans-serif;
margin:1.5rem 2rem;color:#1f2328;background:#fff;font-size:14px;line-height:1.45}
h1{font-size:1.5rem;margin:.2rem 0 .6rem;word-break:break-all}h2{font-size:1.1rem;margin:1.6rem 0 .5rem;
border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.3rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;
vertical-align:top;text-align:left}th{background:#f6f8fa;white-space:nowrap}td.n{text-align:right;
font-variant-numeric:tabular-nums;white-space:nowrap}tr:nth-child(even) td{background:#fafbfc}
th[data-sort]{cursor:pointer}a{color:#0969da}.muted{color:#656d76}.id{font-family:monospace;font-size:.85em}
.status{display:inline-block;padding:.05rem .45rem;border-radius:.6rem;font-weight:600;white-space:nowrap}
.ok{background:#dafbe1;color:#116329}.bad{background:#ffebe9;color:#a40e26}.warn{background:#fff8c5;color:#7d4e00}
.banner{padding:.6rem .8rem;border-radius:.4rem;margin:.6rem 0}.banner.ok{border:1px solid #4ac26b}
.banner.bad{border:1px solid #ff8182}.banner.warn{border:1px solid #d4a72c}
.error{color:#a40e26;font-weight:600}.warning{color:#7d4e00;font-weight:600}.info{color:#656d76}
dl{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem;margin:.3rem 0}dt{color:#656d76}dd{margin:0}
.reason{max-width:60rem;word-break:break-word}.nowrap{white-space:nowrap}
"""

# Progressive enhancement: the index reads the same without it.
_SORT_SCRIPT = """
document.querySelectorAll("th[data-sort]").forEach(function(th,column){th.addEventListener("click",function(){
var body=th.closest("table").tBodies[0],rows=Array.from(body.rows),up=th.dataset.dir!=="up";
th.dataset.dir=up?"up":"down";
rows.sort(function(a,b){var x=a.cells[column].dataset.key||a.cells[column].textContent,
y=b.cells[column].dataset.key||b.cells[column].textContent,nx=parseFloat(x),ny=parseFloat(y),
c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y,"zh");return up?c:-c;});
rows.forEach(function(r){body.appendChild(r);});});});
"""


def _page(title: str, body: str, script: str = "") -> str:
    script_tag = f"<script>{script}</script>" if script else ""
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hans"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_text(title)}</title><style>{_STYLE}</style></head>\n<body>\n{body}\n{script_tag}</body></html>\n"
    )


def _status_class(status: str | None) -> str:
    """Green for a loaded document, amber for a narrative published apart (kept and checked, its
    facts in its tables file), red for the rest."""
    return {"loaded": "ok", "narrative_only": "warn"}.get(status or "", "bad")


def _share(cells: int | None, loaded: int | None) -> tuple[str, float | None]:
    if not cells:
        return "", None
    share = (loaded or 0) / cells
    return f"{loaded or 0:,} of {cells:,} ({100 * share:.1f} %)", share


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], empty: str, sortable: bool = False) -> str:
    """A table of already escaped cells (a cell starting with '<td' is taken whole)."""
    body = "".join(
        "<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in row) + "</tr>" for row in rows
    )
    if not body:
        return f'<p class="muted">{html.escape(empty)}</p>'
    sort = " data-sort" if sortable else ""
    head = "".join(f"<th{sort}>{html.escape(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _rows(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> list[dict]:
    result = con.execute(query, params or [])
    names = [column[0] for column in result.description or ()]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


_SEVERITY_COUNTS = ", ".join(
    f"(SELECT count(*) FROM fct_quality_finding q WHERE q.document_id = d.document_id AND q.severity = '{s}') AS {s}"
    for s in SEVERITIES
)
_INDEX_QUERY = f"""
SELECT d.document_id, d.file_name, d.region_name, d.adcode, d.department_name, d.fiscal_year, d.document_kind,
       d.status, d.reason, d.facts_loaded, d.amount_cells, d.amount_cells_loaded, d.is_current,
       (SELECT count(*) FROM stg_expectation_result e WHERE e.document_id = d.document_id AND NOT e.success)
           AS failed_expectations,
       {_SEVERITY_COUNTS}
FROM dim_document d
ORDER BY d.status = 'loaded', error DESC, warning DESC, d.file_name, d.document_id
"""


def render_index(con: duckdb.DuckDBPyConnection) -> str:
    """Every document with its identity, status, amounts read and findings: those not loaded first,
    then those with the most errors and warnings."""
    documents = _rows(con, _INDEX_QUERY)
    rows = []
    for d in documents:
        share_text, share = _share(d["amount_cells"], d["amount_cells_loaded"])
        share_class = "n" if share is None or share >= 1 else "n warn"
        reason = f'<div class="reason muted">{_text(d["reason"])}</div>' if d["reason"] else ""
        superseded = d["status"] == "loaded" and d["is_current"] is False
        kind = _text(d["document_kind"]) + ("" if not superseded else ' <span class="muted">(superseded)</span>')
        rows.append(
            [
                f'<td data-key="{_text(d["file_name"])}"><a href="{document_page(d["document_id"])}">'
                f"{_text(d['file_name'])}</a></td>",
                f"{_text(d['region_name'])} {_text(d['adcode'])}",
                _text(d["department_name"]),
                _text(d["fiscal_year"]),
                kind,
                f'<td data-key="{_text(d["status"])}"><span class="status {_status_class(d["status"])}">'
                f"{_text(d['status'])}</span>{reason}</td>",
                f'<td class="n">{_number(d["facts_loaded"])}</td>',
                f'<td class="{share_class}" data-key="{"" if share is None else share}">{share_text}</td>',
                f'<td class="n">{_number(d["failed_expectations"]) if d["failed_expectations"] else ""}</td>',
                *(f'<td class="n {s}">{_number(d[s]) if d[s] else ""}</td>' for s in SEVERITIES),
            ]
        )
    loaded = sum(d["status"] == "loaded" for d in documents)
    headers = ["file", "region", "department", "year", "kind", "status", "facts", "amounts read",
               "failed expectations", *SEVERITIES]  # fmt: skip
    body = (
        "<h1>yusuan: data quality</h1>"
        f'<p class="muted">{len(documents)} documents, {loaded} loaded, {len(documents) - loaded} not loaded. '
        "Amounts read: printed amounts of the tables found that became facts. "
        "error / warning / info: consistency findings by severity. Click a heading to sort.</p>"
        + _table(headers, rows, "No document has been ingested yet: run `yusuan ingest PATH`.", sortable=True)
    )
    return _page("yusuan: data quality", body, _SORT_SCRIPT)


@dataclass(frozen=True)
class _Document:
    record: dict
    tables: list[dict]
    expectations: list[dict]
    findings: list[dict]
    not_read: list[dict]


def _document(con: duckdb.DuckDBPyConnection, document_id: str) -> _Document | None:
    records = _rows(con, "SELECT * FROM dim_document WHERE document_id = ?", [document_id])
    if not records:
        return None
    return _Document(
        records[0],
        _rows(
            con,
            """SELECT t.table_index, t.table_type, t.title, t.page, t.source_position, t.unit, t.unit_source,
                      t.segments, t.amount_cells, t.facts, count(p.table_index) AS targets
               FROM stg_table t
               LEFT JOIN fct_performance_target p USING (document_id, table_index)
               WHERE t.document_id = ?
               GROUP BY ALL ORDER BY t.table_type NULLS LAST, t.table_index""",
            [document_id],
        ),
        _rows(
            con,
            """SELECT expectation, column_name, row_condition, success, unexpected_count, unexpected_examples
               FROM stg_expectation_result WHERE document_id = ? ORDER BY success, expectation, column_name""",
            [document_id],
        ),
        _rows(
            con,
            f"""SELECT severity, rule, table_type, page, source_position, subject_code, subject_name, measure,
                       expected, actual, difference, message
                FROM fct_quality_finding WHERE document_id = ?
                ORDER BY {SEVERITY_ORDER}, rule, table_index, page, source_position""",
            [document_id],
        ),
        _rows(
            con,
            """SELECT kind, table_index, table_title, page, source_position, message
               FROM stg_issue WHERE document_id = ? ORDER BY table_index NULLS FIRST, page, source_position""",
            [document_id],
        ),
    )


def data_docs_page(data_docs: Path | None, file_name: str) -> Path | None:
    """The latest GX Data Docs page written for a file of this name, if any (GX writes pages for
    documents failing the suite only, in a folder named after the file)."""
    if data_docs is None:
        return None
    runs = data_docs / "validations" / SUITE_NAME / data_docs_run_name(file_name)
    try:
        pages = sorted(runs.glob("*/*.html"))
    except OSError:
        return None
    return pages[-1] if pages else None


def render_document(
    con: duckdb.DuckDBPyConnection, document_id: str, data_docs_href: Callable[[str], str | None] = lambda _: None
) -> str | None:
    """A document's page (None when the warehouse has no such document). `data_docs_href` gives the
    link to the GX Data Docs page of a file name, where there is one."""
    doc = _document(con, document_id)
    if doc is None:
        return None
    d = doc.record
    share_text, share = _share(d["amount_cells"], d["amount_cells_loaded"])
    partly_read = share is not None and share < 1
    errors = any(f["severity"] == "error" for f in doc.findings)
    banner_class = _status_class(d["status"]) if d["status"] != "loaded" else "warn" if partly_read or errors else "ok"
    reason = f'<div class="reason">{_text(d["reason"])}</div>' if d["reason"] else ""
    identity = [
        ("region", f"{_text(d['region_name'])} {_text(d['adcode'])}"),
        ("department", f"{_text(d['department_name'])} {_text(d['department_code'])}"),
        ("fiscal year", _text(d["fiscal_year"])),
        ("kind / scope", f"{_text(d['document_kind'])} / {_text(d['budget_scope'])}"),
        ("identity from", _text(d.get("identity_source"))),  # absent from warehouses older than it
        ("current", _text(d["is_current"])),
        ("published", f"{_text(d['published_at'])} ({_text(d['published_at_source'])})"),
        ("format, pages", f"{_text(d['source_format'])}, {_text(d['pages'])}"),
        ("source", _text(d["source_path"])),
        ("document id", f'<span class="id">{_text(d["document_id"])}</span>'),
        ("ingested", _text(d["ingested_at"])),
    ]
    counts = {s: sum(f["severity"] == s for f in doc.findings) for s in SEVERITIES}
    failed = sum(not e["success"] for e in doc.expectations)
    summary = (
        f"facts {_number(d['facts_loaded'])}; amounts read {share_text or 'none printed'}; "
        f"expectations failed {failed} of {len(doc.expectations)}; findings "
        + ", ".join(f'<span class="{s}">{counts[s]} {s}</span>' for s in SEVERITIES)
    )
    href = data_docs_href(d["file_name"])
    gx = (
        f'<p><a href="{html.escape(href)}">GX Data Docs page of this file</a> '
        '<span class="muted">(Great Expectations\' own rendering of the failed suite)</span></p>'
        if href
        else ""
    )
    body = (
        f'<p><a href="../{INDEX_PAGE}">&larr; all documents</a></p>'
        f"<h1>{_text(d['file_name'])}</h1>"
        f'<div class="banner {banner_class}"><span class="status {_status_class(d["status"])}">'
        f"{_text(d['status'])}</span> {summary}{reason}</div>"
        "<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in identity) + "</dl>"
        f"<h2>Consistency findings ({len(doc.findings)})</h2>" + _findings_section(doc.findings)
        + f"<h2>Amounts not read and other issues ({len(doc.not_read)})</h2>" + _issues_section(doc.not_read)
        + f"<h2>Expectation suite ({failed} failed of {len(doc.expectations)})</h2>" + gx
        + _expectations_section(doc.expectations)
        + f"<h2>Tables found ({len(doc.tables)})</h2>" + _tables_section(doc.tables)
    )  # fmt: skip
    return _page(f"{printable(d['file_name'])}: data quality", body)


def _tables_section(tables: list[dict]) -> str:
    by_type: dict[str, int] = {}
    for t in tables:
        by_type[t["table_type"] or "unknown"] = by_type.get(t["table_type"] or "unknown", 0) + 1
    summary = ", ".join(f"{_text(kind)} {count}" for kind, count in by_type.items())
    rows = [
        [
            _text(t["table_type"] or "unknown"),
            _text(t["title"]),
            _text(t["page"] if t["page"] is not None else t["source_position"]),
            f"{_text(t['unit'])} <span class='muted'>({_text(t['unit_source'])})</span>",
            f'<td class="n">{_number(t["segments"])}</td>',
            f'<td class="n">{_number(t["amount_cells"])}</td>',
            f'<td class="{"n" if (t["facts"] or 0) >= (t["amount_cells"] or 0) else "n warn"}">'
            f"{_number(t['facts'])}</td>",
            f'<td class="n">{_number(t["targets"]) if t["targets"] else ""}</td>',
        ]
        for t in tables
    ]
    headers = ["type", "title", "page", "unit", "segments", "amounts printed", "facts", "indicators (绩效目标)"]
    return (f"<p>{summary}</p>" if summary else "") + _table(headers, rows, "No table found.")


def _expectations_section(expectations: list[dict]) -> str:
    """Failed expectations in full; the passed ones folded, as they are most of a healthy suite."""
    if not expectations:
        return '<p class="muted">Not validated: nothing was read into facts.</p>'
    headers = ["result", "expectation", "column", "where", "unexpected rows", "e.g."]

    def rows(success: bool) -> list[list[str]]:
        return [
            [
                f'<span class="status {"ok" if success else "bad"}">{"passed" if success else "FAILED"}</span>',
                _text(e["expectation"]),
                _text(e["column_name"]),
                _text(e["row_condition"]),
                f'<td class="n">{_number(e["unexpected_count"]) if e["unexpected_count"] else ""}</td>',
                _text(e["unexpected_examples"]),
            ]
            for e in expectations
            if bool(e["success"]) == success
        ]

    failed, passed = rows(False), rows(True)
    folded = f"<details><summary>{len(passed)} passed</summary>{_table(headers, passed, '')}</details>"
    return (_table(headers, failed, "") if failed else "<p>Every expectation met.</p>") + (folded if passed else "")


def _findings_section(findings: list[dict]) -> str:
    rows = [
        [
            f'<span class="{_text(f["severity"])}">{_text(f["severity"])}</span>',
            _text(f["rule"]),
            _text(f["table_type"] or "narrative"),
            f'<td class="nowrap">{_text(f["source_position"] or f["page"])}</td>',
            f"{_text(f['subject_code'])} {_text(f['subject_name'])}",
            _text(f["measure"]),
            f'<td class="n">{_number(f["actual"])}</td>',
            f'<td class="n">{_number(f["expected"])}</td>',
            f'<td class="n">{_number(f["difference"])}</td>',
            _text(f["message"]),
        ]
        for f in findings
    ]
    headers = ["severity", "rule", "table", "where", "subject", "measure", "printed (万元)", "expected (万元)",
               "difference (万元)", "message"]  # fmt: skip
    return _table(headers, rows, "No finding recorded.")


def _issues_section(issues: list[dict]) -> str:
    rows = [
        [
            _text(i["kind"]),
            _text(i["table_title"] if i["table_title"] is not None else i["table_index"]),
            _text(i["page"]),
            f'<td class="nowrap">{_text(i["source_position"])}</td>',
            _text(i["message"]),
        ]
        for i in issues
    ]
    return _table(["kind", "table", "page", "position", "what"], rows, "None recorded.")


def write_site(con: duckdb.DuckDBPyConnection, out: Path, data_docs: Path | None = None) -> Path:
    """Write the index and every document's page under `out`; pages of documents no longer in the
    warehouse are removed, the rest rewritten only when they changed. Returns the index."""
    pages = out / DOCUMENTS_DIR
    pages.mkdir(parents=True, exist_ok=True)

    def href(file_name: str) -> str | None:
        page = data_docs_page(data_docs, file_name)
        return quote(Path(os.path.relpath(page, pages)).as_posix()) if page else None

    ids = [document_id for (document_id,) in con.execute("SELECT document_id FROM dim_document").fetchall()]
    for document_id in ids:
        if (page := render_document(con, document_id, href)) is not None:
            _write_if_changed(out / document_page(document_id), page)
    for stale in pages.iterdir():
        if _DOCUMENT_PAGE.match(stale.name) and stale.stem not in ids:
            stale.unlink()
    index = out / INDEX_PAGE
    _write_if_changed(index, render_index(con))
    return index


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text("utf-8") != text:
        path.write_text(text, "utf-8")


class SiteServer(ThreadingHTTPServer):
    """Serves the site from the warehouse, each page rendered when asked for (so always current)
    through a read-only connection, and the GX Data Docs folder under /data-docs/."""

    daemon_threads = True

    def __init__(self, warehouse: Path, data_docs: Path | None, host: str = "127.0.0.1", port: int = SITE_PORT):
        self.warehouse = warehouse
        self.data_docs = data_docs
        self.host = host
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        """The index's address (the port the system gave, when asked for port 0)."""
        return f"http://{'localhost' if self.host == '127.0.0.1' else self.host}:{self.server_port}/"

    def start(self) -> threading.Thread:
        """Serve from a background thread (for tests and embedding); `shutdown()` stops it."""
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: SiteServer

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path.startswith(f"/{DATA_DOCS_PREFIX}/"):
            self._data_docs(path.removeprefix(f"/{DATA_DOCS_PREFIX}/"))
            return
        try:
            con = duckdb.connect(str(self.server.warehouse), read_only=True)
        except duckdb.Error as error:
            self._send(
                HTTPStatus.SERVICE_UNAVAILABLE,
                _page(
                    "warehouse busy",
                    f"<h1>The warehouse cannot be read now</h1><p>{_text(error)}</p>"
                    "<p>If a run is writing it, reload when it ends.</p>",
                ),
            )
            return
        try:
            page = self._render(con, path)
        finally:
            con.close()
        if page is None:
            self._send(HTTPStatus.NOT_FOUND, _page("not found", f"<h1>No such page</h1><p>{_text(path)}</p>"))
        else:
            self._send(HTTPStatus.OK, page)

    def _render(self, con: duckdb.DuckDBPyConnection, path: str) -> str | None:
        if path in ("/", f"/{INDEX_PAGE}"):
            return render_index(con)
        name = path.removeprefix(f"/{DOCUMENTS_DIR}/")
        if name != path and _DOCUMENT_PAGE.match(name):
            return render_document(con, name.removesuffix(".html"), self._data_docs_href)
        return None

    def _data_docs_href(self, file_name: str) -> str | None:
        docs = self.server.data_docs
        page = data_docs_page(docs, file_name)
        if docs is None or page is None:
            return None
        return f"/{DATA_DOCS_PREFIX}/" + quote(page.relative_to(docs).as_posix())

    def _data_docs(self, relative: str) -> None:
        docs = self.server.data_docs
        target = (docs / relative).resolve() if docs else None
        if docs is None or target is None or not target.is_file() or not target.is_relative_to(docs.resolve()):
            self._send(HTTPStatus.NOT_FOUND, _page("not found", "<h1>No such Data Docs page</h1>"))
            return
        kind = {".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript"}
        self._send(HTTPStatus.OK, target.read_bytes(), kind.get(target.suffix, "application/octet-stream"))

    def _send(self, status: HTTPStatus, body: str | bytes, content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a request log would bury the URL printed for the user."""
