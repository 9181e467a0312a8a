"""Raw tables to classified tables: type from the title, continuations stitched, columns given meaning.

Every decision reads printed titles and header labels through the vocabulary, never positions, so a
new layout needs vocabulary entries, not code.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import pairwise

from extractors.model import RawRow, RawTable
from transforms.cleaning import clean_label, compact, parse_amount
from transforms.vocabulary import vocabulary

_YEAR = re.compile(r"(20\d\d)年")
_MIN_SHARED_HEADER = 0.5
# The unit_source of a table that states no unit: it takes the document's usual one.
ASSUMED = "assumed"


@dataclass(frozen=True)
class Column:
    """What one printed column means: a role, and for amounts a measure with its qualifiers."""

    index: int
    role: str
    label: str
    side: str | None = None
    measure: str | None = None
    period: str | None = None
    fund: str | None = None
    item: str | None = None
    inferred: bool = False


@dataclass(frozen=True)
class TableSegment:
    """One printed part of a table (a page, or a block under a repeated header) and what its columns
    mean: a part that prints no header goes on with the columns of the part before it."""

    raw: RawTable
    data: tuple[RawRow, ...]
    columns: tuple[Column, ...]
    new_columns: bool


@dataclass(frozen=True)
class ClassifiedTable:
    """A table of one kind, possibly printed over several segments (pages or repeated headers).

    Columns are resolved only for tables of a known type that carry amounts: nothing reads the
    others' columns."""

    index: int
    title: str | None
    table_type: str | None
    scheme: str
    unit: str
    unit_source: str
    segments: tuple[TableSegment, ...]

    @property
    def page(self) -> int | None:
        return self.segments[0].raw.page

    @property
    def position(self) -> str:
        return self.segments[0].raw.position

    @property
    def rows(self) -> int:
        return sum(len(s.raw.rows) for s in self.segments)


def title_key(title: str) -> str:
    return compact(title)


def classify_table(raw: RawTable) -> tuple[str | None, str]:
    """The table type and default subject scheme a printed title names; (None, 'item') if none."""
    if not raw.title:
        return None, "item"
    key = title_key(raw.title)
    vocab = vocabulary()
    for table_type in vocab.table_types:
        if any(p.search(key) for p in table_type.patterns):
            scheme = table_type.scheme
            for named_scheme, pattern in vocab.scheme_in_title.items():
                if pattern.search(key):
                    scheme = named_scheme
            return table_type.name, scheme
    return None, "item"


_CODE = re.compile(r"^\d{3,9}$")
# Label column roles, tried in this order: 单位编码 names a unit's code, though it ends like 科目编码.
_LABEL_ROLES = ("unit_code", "code", "name")
_FIGURE = re.compile(r"\d")
_BLANK_CELL = re.compile(r"^[-—–/\s]*$")
# Figures with separators, as money prints, however misread (9.312.90): no word, no year.
_MONEY_READ = re.compile(r"-?[\d.,:;·'`]*\d[.,:;·'`]\d[\d.,:;·'`]*")


def is_column_numbers(row: RawRow) -> bool:
    """A row numbering the columns under a final account's header: labelled 栏次 (栏次 | 1 | 2), or
    bare numbers 1, 2, 3 ... in order (the national "三公" table's 1 | 2 | ... | 12), which no row of
    money prints."""
    printed = [compact(cell) for cell in row.cells if compact(cell)]
    if printed and vocabulary().column_numbers.match(printed[0]):
        return True
    return len(printed) >= 3 and printed == [str(n) for n in range(1, len(printed) + 1)]


def is_data_row(row: RawRow) -> bool:
    """Header rows print labels only. Data starts at the first row printing an amount, a code, or
    an enumerated label (一、 (二) 3、): a row whose amounts are all blank is still data, and so is a
    total label printed alone (the 合计 row of a table with nothing to report) or beside figures
    that read as no amount (a scan's 合计 | 9. 312.90: as header, js_rd's 科目编码 / 合计 became a
    column of amounts, and its codes loaded as 30101.00 万元). A row numbering the columns is header."""
    printed = [compact(cell) for cell in row.cells if compact(cell)]
    first = printed[0] if printed else ""
    if is_column_numbers(row):
        return False
    if any(parse_amount(cell) is not None for cell in row.cells):
        return True
    total = vocabulary().totals(first)
    alone_total = total and (len(printed) == 1 or all(_MONEY_READ.fullmatch(cell) for cell in printed[1:]))
    return bool(_CODE.match(first) or vocabulary().enumeration.match(first) or alone_total)


def _leading_levels(row: RawRow) -> int:
    """How many cells at the row's start name code levels (类 | 款 | 项)."""
    levels = 0
    for cell in row.cells:
        if not vocabulary().header_role(compact(cell), "code_level"):
            break
        levels += 1
    return levels


def split_header(rows: Sequence[RawRow]) -> tuple[list[RawRow], list[RawRow]]:
    """Header rows and data rows; a first data row that starts with the code levels' labels gives
    those labels to the header and keeps the rest as data. A row numbering the columns labels
    nothing, so it is left out of the header."""
    for position, row in enumerate(rows):
        if is_data_row(row):
            header = [r for r in rows[:position] if not is_column_numbers(r)]
            data = list(rows[position:])
            if levels := _leading_levels(row):
                blanks = ("",) * levels
                header.append(replace(row, cells=(*row.cells[:levels], *("",) * (len(row.cells) - levels))))
                data[0] = replace(row, cells=(*blanks, *row.cells[levels:]))
            return header, data
    return [r for r in rows if not is_column_numbers(r)], []


def _header_labels(raw: RawTable) -> set[str]:
    header, _ = split_header(raw.rows)
    return {compact(cell) for row in header for cell in row.cells if compact(cell)}


def continuation_of(title: str | None) -> str | None:
    """The title a '（续）' / '续表' title continues, or None when it is no continuation title."""
    if not title:
        return None
    key = title_key(title)
    stripped = vocabulary().continuation_title.sub("", key)
    return stripped if stripped != key else None


def _continues(first: RawTable, previous: RawTable, raw: RawTable) -> bool:
    """An untitled segment right after a table with the same header (or none), or a '（续）' title of
    the table before it, whatever its header: tables too wide for a page go on with other columns.

    A segment under the table's own heading printed again (`after_table` though titled: a
    spreadsheet's print titles) continues a table of amounts when it repeats the table's header
    whole, or prints none. Forms printed one to a page under one title (绩效目标表, a project each)
    do not.
    """
    if (continued := continuation_of(raw.title)) is not None:
        if not first.title:
            return False
        return not continued or continued in title_key(first.title)
    if not raw.after_table:
        return False
    labels = _header_labels(raw)
    if raw.title is not None:
        if not _holds_amounts(classify_table(first)[0]):
            return False
        if labels:
            return labels == _header_labels(first)
    if not labels:
        return max(map(_width, raw.rows)) <= max(map(_width, previous.rows))
    shared = labels & _header_labels(previous)
    return len(shared) >= _MIN_SHARED_HEADER * len(labels) or _labels_in_label_columns(previous, raw)


def _holds_amounts(table_type: str | None) -> bool:
    """A known table type whose figures are budget amounts (not a form of targets or indicators)."""
    return table_type is not None and vocabulary().table_type(table_type).amounts


def _labels_in_label_columns(previous: RawTable, raw: RawTable) -> bool:
    """A page that starts with rows whose amounts are blank (使用非财政拨款结余 | | 结余分配 | ) looks
    like a header, but is none when each of its labels sits where the table before prints labels."""
    header, data = split_header(raw.rows)
    if not data or max(map(_width, raw.rows)) != max(map(_width, previous.rows)):
        return False
    _, previous_data = split_header(previous.rows)
    label_columns = {
        i for row in previous_data for i, cell in enumerate(row.cells) if cell.strip() and parse_amount(cell) is None
    }
    return all(i in label_columns for row in header for i, cell in enumerate(row.cells) if cell.strip())


def _width(row: RawRow) -> int:
    return len(row.cells)


def _merged_label_rows(previous: RawTable, raw: RawTable) -> bool:
    """Rows narrower than the table they follow because their label spans the code and name columns
    (a 合计 row alone on the last page): one label, then amounts only, as many as the table has."""
    width = max(map(_width, previous.rows))
    return all(
        len(row.cells) < width
        and parse_amount(row.cells[0]) is None
        and all(parse_amount(cell) is not None or not cell.strip() for cell in row.cells[1:])
        for row in raw.rows
    )


def _aligned(previous: RawTable, raw: RawTable) -> RawTable:
    """A narrower continuation with its amounts moved under their columns: after the label when the
    label cell spans the code and name columns, else flush right, where the amount columns are."""
    width = max(map(_width, previous.rows))
    if _header_labels(raw) or max(map(_width, raw.rows)) == width:
        return raw
    merged = _merged_label_rows(previous, raw)
    _, data = split_header(previous.rows)
    printed_width = max((i + 1 for row in data for i, cell in enumerate(row.cells) if cell.strip()), default=width)

    def padded(cells: tuple[str, ...]) -> tuple[str, ...]:
        if merged:
            return (cells[0], *("",) * (width - len(cells)), *cells[1:])
        flush = ("",) * max(0, printed_width - len(cells))
        return (*flush, *cells, *("",) * (width - len(flush) - len(cells)))

    return replace(raw, rows=tuple(replace(row, cells=padded(row.cells)) for row in raw.rows))


def _unit_of(segments: Sequence[RawTable], default_unit: str) -> tuple[str, str]:
    for segment in segments:
        if segment.unit:
            return segment.unit, "stated"
    for segment in segments:
        header, _ = split_header(segment.rows)
        for row in header:
            for cell in row.cells:
                if match := vocabulary().bracketed_unit.search(cell):
                    return match.group(1), "header"
    return default_unit, ASSUMED


def _segments(raws: Sequence[RawTable], fiscal_year: int | None, with_columns: bool) -> tuple[TableSegment, ...]:
    segments: list[TableSegment] = []
    columns: tuple[Column, ...] = ()
    headings: set[tuple[str, ...]] = set()
    for previous, raw in zip((None, *raws), raws, strict=False):
        header, data = split_header(raw.rows)
        if previous is not None and header and _labels_in_label_columns(previous, raw):
            header, data = [], list(raw.rows)
        headings |= {cells for row in header if len(cells := _printed_cells(row)) >= 2}
        data = [row for row in data if _printed_cells(row) not in headings]
        new_columns = with_columns and (bool(header) or not columns)
        if new_columns:
            columns = tuple(resolve_columns(header, data, fiscal_year))
        segments.append(TableSegment(raw, tuple(data), columns, new_columns))
    return tuple(segments)


def _printed_cells(row: RawRow) -> tuple[str, ...]:
    """A row's filled cells: a row printing a header row's (its pages pasted into one sheet, or a
    text conversion repeating the header on each page) is that header again, not data."""
    return tuple(cell for cell in map(compact, row.cells) if cell)


def classify_tables(raw_tables: Sequence[RawTable], fiscal_year: int | None) -> list[ClassifiedTable]:
    """Classify each printed table, fold continuation segments into the table they continue, and
    work out what each segment's columns mean (headings name years, hence the fiscal year).

    A table without a stated unit takes the unit the document states most often, and says so.
    """
    stated = [t.unit for t in raw_tables if t.unit]
    default_unit = max(set(stated), key=stated.count) if stated else "万元"
    groups: list[list[RawTable]] = []
    for raw in raw_tables:
        if groups and _continues(groups[-1][0], groups[-1][-1], raw):
            groups[-1].append(_aligned(groups[-1][-1], raw))
        else:
            groups.append([raw])
    classified = []
    for index, raws in enumerate(groups):
        table_type, scheme = classify_table(raws[0])
        unit, unit_source = _unit_of(raws, default_unit)
        with_columns = _holds_amounts(table_type)
        classified.append(
            ClassifiedTable(
                index=index,
                title=raws[0].title,
                table_type=table_type,
                scheme=scheme,
                unit=unit,
                unit_source=unit_source,
                segments=_segments(raws, fiscal_year, with_columns),
            )
        )
    return classified


def _printed_grid(header: Sequence[RawRow], width: int) -> list[list[str]]:
    return [[compact(c) for c in row.cells] + [""] * (width - len(row.cells)) for row in header]


def _header_grid(header: Sequence[RawRow], width: int) -> list[list[str]]:
    """Header labels with horizontally merged group cells filled across the columns they span.

    A blank cell continues its left neighbour only where both columns have labels beneath, which
    is what a merged group heading looks like; a blank above a leaf label stays blank. A merged
    heading stays within the group above it: 公务接待费's blank under-row does not continue the
    公务用车运行费 that ends its neighbour group.
    """
    grid = _printed_grid(header, width)
    for r in range(len(grid) - 1):
        for c in range(1, width):
            below = [grid[r2][c] for r2 in range(r + 1, len(grid))]
            below_left = [grid[r2][c - 1] for r2 in range(r + 1, len(grid))]
            same_group = r == 0 or grid[r - 1][c] == grid[r - 1][c - 1]
            if not grid[r][c] and grid[r][c - 1] and same_group and any(below) and any(below_left):
                grid[r][c] = grid[r][c - 1]
    return grid


def _paths(grid: list[list[str]], width: int) -> list[list[str]]:
    paths = []
    for c in range(width):
        path: list[str] = []
        for row in grid:
            if row[c] and (not path or path[-1] != row[c]):
                path.append(row[c])
        paths.append(path)
    return paths


def _sides(grid: list[list[str]], width: int) -> list[str | None]:
    """Sides from the header row that prints only side labels (收入 ... 支出 ...), income first, and
    maybe the amount headings beside them (收入项目 | 预算数 | 支出项目 | 预算数) or a heading of no
    amounts (河北's 序号 | 收入 | 支出)."""
    vocab = vocabulary()
    for row in grid:
        income = [c for c, label in enumerate(row) if vocab.income_side.search(label)]
        expenditure = [c for c, label in enumerate(row) if vocab.expenditure_side.search(label)]
        others = [label for c, label in enumerate(row) if label and c not in income and c not in expenditure]
        only_sides = all(vocab.measure_of(label) or vocab.header_role(label, "not_amount") for label in others)
        if only_sides and income and expenditure and income[0] < expenditure[0]:
            split = expenditure[0]
            return ["income" if c < split else "expenditure" for c in range(width)]
    return [None] * width


def _sides_by_totals(data: Sequence[RawRow], width: int) -> list[str | None]:
    """Sides from a data row printing the income total left of the expenditure total, for a
    two-sided table whose header prints no side labels (项目 | 金额 | 项目 | 金额)."""
    vocab = vocabulary()
    for row in data:
        sides = [vocab.side_total(compact(cell)) for cell in row.cells]
        income = [c for c, side in enumerate(sides) if side == "income"]
        expenditure = [c for c, side in enumerate(sides) if side == "expenditure"]
        if income and expenditure and income[0] < expenditure[0]:
            return ["income" if c < expenditure[0] else "expenditure" for c in range(width)]
    return [None] * width


def _year_measure(label: str, named: str | None, fiscal_year: int | None) -> str | None:
    """What a heading naming a year reports: the budget year's own figure (its stage where the heading
    names one: 2024年决算数 in a 2024 final account is `final`), or the year before's budget or, where
    the heading says so (2024年预计执行数, 2024年决算数), what that year spent."""
    match = _YEAR.search(label)
    if not match or fiscal_year is None:
        return None
    year = int(match.group(1))
    stage = named if named is not None and vocabulary().kind_of(named) == "stage" else None
    if year == fiscal_year:
        return stage or "total"
    if year == fiscal_year - 1:
        spent = stage == "final" or vocabulary().header_role(label, "spent")
        return "prior_year_execution" if spent else "prior_year_budget"
    return None


@cache
def _measure_of_label(label: str, fiscal_year: int | None) -> tuple[str, str] | None:
    """(measure, kind) a single header label names, or None."""
    vocab = vocabulary()
    named = vocab.measure_of(label)
    if named and named.name == "change_from_prior_year":
        return named.name, named.kind
    # a year says which year a 预算数, 合计 or fund is of; 2024年机关运行经费 stays operating_costs
    named_as = named.name if named else None
    if (named is None or named.kind != "part") and (year_measure := _year_measure(label, named_as, fiscal_year)):
        return year_measure, "stage" if vocab.kind_of(year_measure) == "stage" else "part"
    if vocab.header_role(label, "subtotal"):
        return None
    measure = vocab.measure_of(label)
    return (measure.name, measure.kind) if measure else None


def heading_measure(label: str, fiscal_year: int | None) -> str | None:
    """The measure a label names on its own (2024年预算数, 增减额) wherever it is printed: a row
    labelled so, in a table printing its items as columns, gives its amounts that measure."""
    found = _measure_of_label(label, fiscal_year)
    return found[0] if found else None


def _qualifier(path: list[str], kind: str, exclude: str | None, fiscal_year: int | None) -> str | None:
    for label in reversed(path):
        found = _measure_of_label(label, fiscal_year)
        if found and found[1] == kind and found[0] != exclude:
            return found[0]
    return None


def _item_measure(path: list[str], fiscal_year: int | None) -> str:
    """What an item's column reports, from the other headings over or under the item: "三公" tables
    print 预算数 | 决算数 (or two years) under each item, or the items under each of them."""
    vocab = vocabulary()
    for text in reversed(path):
        if vocab.header_role(text, "item"):
            continue
        found = _measure_of_label(text, fiscal_year)
        if found and found[1] not in ("fund", "period"):
            return found[0]
    return "total"


def _resolve_column(index: int, path: list[str], side: str | None, fiscal_year: int | None) -> Column:
    vocab = vocabulary()
    label = " / ".join(path)
    if not path:
        return Column(index, "unknown", label, side)
    leaf = path[-1]
    if any(vocab.header_role(p, "not_amount") for p in path):
        return Column(index, "skip", label, side)
    for role in _LABEL_ROLES:
        if vocab.header_role(leaf, role):
            return Column(index, role, label, side)
    if not vocab.header_role(leaf, "subtotal"):
        for depth, text in enumerate(reversed(path)):
            if vocab.header_role(text, "item"):
                item = clean_label(text)
                measure = _item_measure(path, fiscal_year)
                return Column(
                    index, "item", label, side, measure, item=vocab.item_names.get(item, item), inferred=depth > 0
                )
    for depth, text in enumerate(reversed(path)):
        if depth == 0 and vocab.header_role(text, "subtotal"):
            return Column(index, "subtotal", label, side)
        if found := _measure_of_label(text, fiscal_year):
            return Column(index, "amount", label, side, measure=found[0], inferred=depth > 0)
    for text in reversed(path[:-1]):
        for role in _LABEL_ROLES:
            if vocab.header_role(text, role):
                return Column(index, role, label, side, inferred=True)
    return Column(index, "unknown", label, side)


def _resolve_subtotal(
    columns: list[Column], position: int, paths: list[list[str]], printed: list[list[str]], fy: int | None
) -> Column:
    """A 合计/小计 column means what its group heading says, else what the columns it sums say.

    A group heading is printed above the group's first column, which is where a subtotal stands;
    a heading that only reaches it by filling a merged cell from the left is not trusted.
    """
    column = columns[position]
    vocab = vocabulary()
    siblings = []
    for other in columns[position + 1 :]:
        if other.role == "subtotal" or other.side != column.side:
            break
        siblings.append(other)
    parents = list(reversed(printed[column.index][:-1]))
    for text in parents:
        if vocab.header_role(text, "item"):
            measure = _item_measure(paths[column.index], fy)
            return replace(column, role="item", measure=measure, item=clean_label(text))
    if any(s.role == "item" for s in siblings):
        return replace(column, role="amount", measure=_item_measure(paths[column.index], fy))
    for text in parents:
        found = _measure_of_label(text, fy)
        if found and found[1] != "total":
            return replace(column, role="amount", measure=found[0])
    path = paths[column.index]
    grand_total = any(c.measure == "total" and c.side == column.side and c.role == "amount" for c in columns)
    if len(path) == 1 and not grand_total and vocab.header_role(path[0], "row_total"):
        return replace(column, role="amount", measure="total")
    measures = {s.measure for s in siblings if s.role == "amount"}
    for parts, whole in vocab.composites:
        if measures and measures <= parts:
            return replace(column, role="amount", measure=whole, inferred=True)
    kinds = {vocab.kind_of(measure) for measure in measures}
    periods = {_qualifier(paths[s.index], "period", s.measure, fy) for s in siblings} - {None}
    if "period" not in kinds and len(periods) == 1:
        return replace(column, role="amount", measure=periods.pop(), inferred=True)
    return replace(column, role="amount", measure="total")


def _other_periods(columns: list[Column], period: str) -> bool:
    """Whether the table prints another period than `period` (年初结转 beside 本年支出): only
    then does 本年支出 name a part of the row, not all of it."""
    vocab = vocabulary()
    return any(
        (vocab.kind_of(c.measure) == "period" and c.measure != period) or c.period not in (None, period)
        for c in columns
    )


def _qualify(columns: list[tuple[Column, bool]], paths: list[list[str]], fy: int | None) -> list[Column]:
    """Period and fund qualifiers; members of a subtotal's group share the subtotal's period."""
    vocab = vocabulary()
    qualified = []
    group_period: str | None = None
    for column, was_subtotal in columns:
        if column.role not in ("amount", "item"):
            qualified.append(column)
            continue
        kind = vocab.kind_of(column.measure)
        period = _qualifier(paths[column.index], "period", column.measure, fy)
        if was_subtotal:
            group_period = column.measure if kind == "period" else period
        elif group_period:
            period = group_period
        if kind == "period":
            period = None
        fund = _qualifier(paths[column.index], "fund", column.measure, fy)
        if kind == "fund":
            fund = None
        if period is None and kind != "stage":
            period = _qualifier(paths[column.index], "stage", column.measure, fy)
        qualified.append(replace(column, period=period, fund=fund))
    if not _other_periods(qualified, "current_year") and all(c.role != "unknown" for c in qualified):
        subtotals = {column.index for column, was_subtotal in columns if was_subtotal}
        qualified = [_whole_year(c, c.index in subtotals) for c in qualified]
    return qualified


def _whole_year(column: Column, was_subtotal: bool) -> Column:
    """In a table that prints the year's money only (no carry-overs), 本年 tells nothing apart: a
    本年支出 > 小计 is the row's total (as 本年支出合计 is) and 本年 qualifies no column. A heading
    not understood may name a carry-over (a scan's 年初结转和结余 read as noise), so a table with
    one is not taken to print the year's money only."""
    if was_subtotal and column.measure == "current_year":
        return replace(column, measure="total", period=None)
    return replace(column, period=None) if column.period == "current_year" else column


def _looks_like_amounts(data: Sequence[RawRow], index: int, money_only: bool = False) -> bool:
    """Most of the column's printed cells are amounts; `money_only` demands decimals, as codes have none."""
    cells = [row.cells[index] for row in data if index < len(row.cells) and row.cells[index].strip()]
    amounts = [c for c in cells if parse_amount(c) is not None and (not money_only or "." in c)]
    return bool(cells) and len(amounts) * 2 > len(cells)


_AMOUNT_ROLES = ("amount", "item", "unknown")


def _bounds_its_row(data: Sequence[RawRow], index: int, side: Sequence[int]) -> bool:
    """Whether no amount printed in the `side` columns of a row exceeds the row's amount at `index`."""
    for row in data:
        amounts = [parse_amount(row.cells[i]) for i in side if i < len(row.cells)]
        own = parse_amount(row.cells[index]) if index < len(row.cells) else None
        if own is not None and any(a is not None and a > own for a in amounts):
            return False
    return True


def resolve_columns(header: Sequence[RawRow], data: Sequence[RawRow], fiscal_year: int | None) -> list[Column]:
    """Give each printed column a role (code, unit_code, name, amount, item, skip, text).

    An unreadable heading over amounts is taken as the row total when it is the first amount
    column, no other column is the total and no amount of its side of a row exceeds it (OCR
    garbles the 总计 heading more than any other, but also a 年初结转和结余 before 本年支出);
    otherwise the column is left out and reported.
    """
    width = max((len(r.cells) for r in [*header, *data]), default=0)
    grid = _header_grid(header, width)
    paths = _paths(grid, width)
    printed = _paths(_printed_grid(header, width), width)
    sides = _sides(grid, width)
    if not any(sides):
        sides = _sides_by_totals(data, width)
    columns = [_resolve_column(c, paths[c], sides[c], fiscal_year) for c in range(width)]
    marked = []
    for position, column in enumerate(columns):
        if column.role == "subtotal":
            marked.append((_resolve_subtotal(columns, position, paths, printed, fiscal_year), True))
        else:
            marked.append((column, False))
    resolved = _qualify(marked, paths, fiscal_year)
    unknown = {c.index for c in resolved if c.role == "unknown"}
    codes = _code_columns(data, unknown, {c.index for c in resolved if c.role == "code"})
    numbers = _numbering_columns(data, unknown - codes)
    resolved = [replace(c, role="code", inferred=True) if c.index in codes else c for c in resolved]
    resolved = [replace(c, role="skip") if c.index in numbers else c for c in resolved]
    has_total = {c.side for c in resolved if c.measure == "total"}
    first_amount = {}
    for column in resolved:
        amounts = column.role in ("amount", "item") or (
            column.role == "unknown" and _looks_like_amounts(data, column.index)
        )
        if amounts and column.side not in first_amount:
            first_amount[column.side] = column.index
    final: list[Column] = []
    for column in resolved:
        if column.role == "amount" and _words_only(data, column.index):
            column = replace(column, role="text", measure=None)
        if column.role in ("name", "text") and _looks_like_amounts(data, column.index, money_only=True):
            measure = next((m for p in reversed(paths[column.index]) if (m := _measure_of_label(p, fiscal_year))), None)
            column = replace(column, role="amount" if measure else "unknown", measure=measure and measure[0])
        if column.role == "unknown":
            if not _looks_like_amounts(data, column.index):
                column = replace(column, role="text")
            elif (
                first_amount.get(column.side) == column.index
                and column.side not in has_total
                and _bounds_its_row(
                    data, column.index, [c.index for c in resolved if c.side == column.side and c.role in _AMOUNT_ROLES]
                )
            ):
                column = replace(column, role="amount", measure="total", inferred=True)
            elif not paths[column.index] and (spanned := _spanned_by(final, resolved, column, data)) is not None:
                column = replace(spanned, index=column.index, inferred=True)
        final.append(column)
    return _unnamed_parts(final, paths, fiscal_year)


def _unnamed_parts(columns: list[Column], paths: list[list[str]], fiscal_year: int | None) -> list[Column]:
    """Columns whose own heading names nothing the vocabulary knows (商品和服务支出, 资本性支出 under
    项目支出: a breakdown by economic class) took their group's meaning; beside a column that states
    that meaning itself (the group's 小计) they are parts of it, not it, and are left out and reported
    rather than loaded as the whole again."""
    vocab = vocabulary()

    def unnamed(column: Column) -> bool:
        leaf = paths[column.index][-1] if paths[column.index] else ""
        return (
            column.role == "amount"
            and column.inferred
            and bool(leaf)
            and _measure_of_label(leaf, fiscal_year) is None
            and not vocab.header_role(leaf, "subtotal")
        )

    def meaning(column: Column) -> tuple:
        return column.side, column.measure, column.period, column.fund, column.item

    stated = {meaning(c) for c in columns if c.role in ("amount", "item") and not unnamed(c)}
    return [replace(c, role="unknown", measure=None) if unnamed(c) and meaning(c) in stated else c for c in columns]


_DIGITS_ONLY = re.compile(r"^\d{2,9}$")
# A 款 or 项 column prints a level's digits, some with the leading zero its code keeps (01, 08) and
# some, in a few disclosures, without it (万里: 301 | 2 for 30102).
_LEVEL_DIGITS = re.compile(r"^\d{1,2}$")
# Codes a column not understood may print: 100 over 10000 is as likely money in 元 as revenue codes.
_SPENDING_SCHEMES = ("function", "econ_dept", "econ_gov")
_ROW_NUMBER = re.compile(r"^\d{1,4}$")
_MIN_NUMBERED_ROWS = 3


def _code_columns(data: Sequence[RawRow], unknown: set[int], known: set[int]) -> set[int]:
    """Which columns of headings not understood (or none: a grid that came without its header)
    print subject codes, read from the codes themselves (201, 20101 ... in one column; 201 | 01 | 01
    in three): a heading the vocabulary lacks (科目编号) or OCR garbled must not make codes amounts.
    Money prints no leading zero (01) and no figure that opens another printed below it (201 over
    20101, or 302 in the 类 column over 30299 in the next, the `known` code columns being read
    with it); a column of class codes beside such a level column is codes too. A level column may
    print a code's digits without their leading zero (2 for 02) beside a code column: the 款 heading
    of 万里's 基本支出 table printed at 0.65 was lost to OCR, and its 30102 ... loaded under 301."""

    def digits(index: int) -> list[str] | None:
        cells = _printed(data, index)
        return cells if len(cells) >= 2 and all(_DIGITS_ONLY.match(cell) for cell in cells) else None

    formats = [vocabulary().code_formats[scheme] for scheme in _SPENDING_SCHEMES]

    def nested(index: int, cells: list[str]) -> bool:
        if not all(any(f.match(cell) for f in formats) for cell in cells):
            return False
        seen: set[str] = set()
        for row in data:
            printed = [compact(row.cells[c]) for c in sorted(known) if c < index and c < len(row.cells)]
            cell = compact(row.cells[index]) if index < len(row.cells) else ""
            if cell and any(cell[:end] in seen for end in range(3, len(cell))):
                return True
            seen.update(code for code in [*printed, cell] if _DIGITS_ONLY.match(code))
        return False

    def level(index: int) -> bool:
        cells = _printed(data, index)
        zero_padded = any(len(c) == 2 and c[0] == "0" for c in cells)
        return len(cells) >= 2 and zero_padded and all(_LEVEL_DIGITS.match(c) for c in cells)

    columns = {index: cells for index in unknown if (cells := digits(index))}
    levels = {i for i in unknown if level(i) and (i in columns or i - 1 in known)}
    classes = {i for i, cells in columns.items() if i + 1 in levels and all(len(c) == 3 for c in cells)}
    return levels | classes | {i for i, cells in columns.items() if nested(i, cells)}


def _printed(data: Sequence[RawRow], index: int) -> list[str]:
    """The column's printed cells, spaces removed, blank ones left out."""
    return [cell for row in data if index < len(row.cells) and (cell := compact(row.cells[index]))]


def _numbering_columns(data: Sequence[RawRow], unknown: set[int]) -> set[int]:
    """Which columns of headings not understood (or none) number the rows, 1, 2, 3 ... down the
    page (a final account's 行次, a 序号): no column of money counts up by one row after row."""

    def numbers(index: int) -> list[int]:
        cells = _printed(data, index)
        return [int(cell) for cell in cells] if all(_ROW_NUMBER.match(cell) for cell in cells) else []

    found = {index: numbers(index) for index in unknown}
    return {
        index
        for index, printed in found.items()
        if len(printed) >= _MIN_NUMBERED_ROWS and all(b == a + 1 for a, b in pairwise(printed))
    }


def _words_only(data: Sequence[RawRow], index: int) -> bool:
    """A column printing words and no figure, whatever its heading says (政府购买服务's 服务类别
    reads like 服务类 spending): it names, it does not pay."""
    cells = [row.cells[index].strip() for row in data if index < len(row.cells)]
    printed = [c for c in cells if c and not _BLANK_CELL.match(c)]
    return bool(printed) and not any(_FIGURE.search(c) for c in printed)


def _spanned_by(final: list[Column], resolved: list[Column], column: Column, data: Sequence[RawRow]) -> Column | None:
    """The amount column beside this unheaded one whose heading belongs to it: a word processor's
    grid may print every figure a cell left of its heading, over an empty column, or some rows'
    figures (合计 and 类 rows) a cell right of the others, never both in one row."""

    def filled(row: RawRow, index: int) -> bool:
        return index < len(row.cells) and bool(row.cells[index].strip())

    right = resolved[column.index + 1] if column.index + 1 < len(resolved) else None
    if right and right.role == "amount" and right.side == column.side and not any(filled(r, right.index) for r in data):
        return right
    left = next((c for c in reversed(final) if c.role != "text"), None)
    if (
        left
        and left.role == "amount"
        and left.side == column.side
        and not any(filled(row, left.index) and filled(row, column.index) for row in data)
    ):
        return left
    return None
