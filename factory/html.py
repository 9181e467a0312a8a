"""A built disclosure printed as a web page: its prose as paragraphs, its tables as HTML tables.

As county portals publish them: a <title>, the narrative, then each table under its title with
rowspan/colspan where the PDF merges cells and the amounts as the PDF prints them. Options plant
what a reader must see through: the title and header fields ruled into the table's first row (as
Excel's 'save as web page' does), rows and a table hidden by CSS, a script, a layout table around
everything, a GBK encoding declared by <meta charset>, each amount printed after a currency sign
and before the unit its table states (￥12.50万元).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from html import escape

from factory.disclosures import Disclosure, PrintedTable

PUBLISHED = datetime(2025, 1, 21, 10, 0)
BOGUS_AMOUNT = "987,654.32"


def html_bytes(
    disclosure: Disclosure,
    *,
    encoding: str = "utf-8",
    title_in_table: bool = False,
    hidden: bool = False,
    layout_table: bool = False,
    currency: str = "",
    units_in_cells: bool = False,
    published: datetime = PUBLISHED,
) -> bytes:
    printout = disclosure.printout
    if printout is None:
        raise ValueError("the disclosure has no printout")
    title = printout.title or (printout.prose[0] if printout.prose else "部门预算公开")
    body: list[str] = [f"<p>{_text(line)}</p>" for line in printout.prose]
    if hidden:
        body.append(
            '<script>document.write("<table><tr><td>2025年部门收支总表</td><td>1.00</td></tr></table>")</script>'
        )
        body.append(f'<div style="display: none">{_table(printout.tables[0], title_in_table, bogus=True)}</div>')
    for table in printout.tables:
        if not title_in_table:
            body.append(f"<h3>{_text(table.title)}</h3>")
            body.extend(f"<p>{'&nbsp;&nbsp;&nbsp;&nbsp;'.join(map(_text, cells))}</p>" for cells in table.above)
        marks = (currency, table.unit if units_in_cells else "")
        body.append(_table(table, title_in_table, hidden_row=hidden, marks=marks))
    content = "\n".join(body)
    if layout_table:
        navigation = '<tr><td class="nav">首页 &gt; 预算公开</td></tr>'
        content = f'<table width="100%">{navigation}<tr><td>{content}</td></tr></table>'
    charset = "gb2312" if encoding.lower() in ("gbk", "gb2312", "gb18030") else encoding
    page = (
        "<!DOCTYPE html>\n"
        f'<html><head><meta charset="{charset}"><title>{_text(title)}</title>'
        f'<meta name="PubDate" content="{published:%Y-%m-%d %H:%M}">'
        "<style>td { border: 1px solid #000 }</style></head>\n"
        f"<body>\n{content}\n</body></html>\n"
    )
    return page.encode("gb18030" if charset == "gb2312" else encoding)


def _text(text: str) -> str:
    return "<br>".join(escape(part) for part in text.split("\n"))


def _table(
    table: PrintedTable,
    title_in_table: bool,
    hidden_row: bool = False,
    bogus: bool = False,
    marks: tuple[str, str] = ("", ""),
) -> str:
    width = table.width
    rows: list[str] = []
    if title_in_table:
        lines = [table.title, *("    ".join(cells) for cells in table.above)]
        rows.append(f'<tr><td colspan="{width}">{"<br>".join(map(escape, lines))}</td></tr>')
    for r, cells in enumerate(table.rows):
        tds = []
        for c, cell in enumerate(cells):
            if cell is None:
                continue
            down, across = table.spans.get((r, c), (1, 1))
            attributes = (f' rowspan="{down}"' if down > 1 else "") + (f' colspan="{across}"' if across > 1 else "")
            tag = "th" if r < table.header_rows else "td"
            text = BOGUS_AMOUNT if bogus and isinstance(cell, Decimal) else table.printed(cell) or ""
            if isinstance(cell, Decimal) and not bogus:
                text = f"{marks[0]}{text}{marks[1]}"
            tds.append(f"<{tag}{attributes}>{_text(text)}</{tag}>")
        rows.append(f"<tr>{''.join(tds)}</tr>")
        if hidden_row and r == table.header_rows:
            copy = "".join(
                f"<td>{BOGUS_AMOUNT if isinstance(cell, Decimal) else _text(cell or '')}</td>" for cell in cells
            )
            rows.append(f'<tr style="display:none">{copy}</tr>')
    return '<table border="1" cellspacing="0">\n' + "\n".join(rows) + "\n</table>"
