"""Rows as a terminal table, CSV, JSON, JSON lines or an Excel workbook, written as they come.

Every writer takes the columns and an iterator of row tuples and writes each row
when it arrives, so memory stays flat however many rows there are: JSON is
written element by element, the workbook is openpyxl's write-only kind, and
the terminal table is printed in chunks whose column widths are fixed by the
first chunk.

Spreadsheet safety. Text from imported files reaches CSV and Excel: text that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run
as a formula. In CSV (which has no types) it gets a leading apostrophe; in a
workbook it is written as a text cell, marked quote-prefixed so that editing
it in Excel keeps it text, and keeps its exact value. Characters a workbook
cannot hold (C0 controls other than tab, line feed and carriage return,
U+FFFE, U+FFFF, lone surrogates) are removed, in both.

JSON is UTF-8 with non-ASCII characters unescaped; CSV is UTF-8 with a BOM, so
that Excel and WPS open it as UTF-8.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from stdreg.query import COUNT_FIELDS, ROW_FIELDS
from stdreg.render.labels import label

FORMATS = ("table", "csv", "json", "jsonl", "xlsx")
BINARY_FORMATS = frozenset({"xlsx"})

# Text a spreadsheet would run as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What an xlsx file (XML 1.0) cannot hold: openpyxl raises on the C0 controls, Excel
# refuses a file with U+FFFE/U+FFFF or lone surrogates in it.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_TERMINAL_ILLEGAL = re.compile("[\x00-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def spreadsheet_text(text: str) -> str:
    """The text without the characters a workbook cannot hold.

    >>> spreadsheet_text("竹筷\\x07（一次性）\\tA")
    '竹筷（一次性）\\tA'
    """
    return _ILLEGAL.sub("", text)


def excel_safe(value: Any) -> Any:
    """A cell value that a spreadsheet shows as text, never runs as a formula.

    For CSV and other untyped cells: formula-like text gets a leading apostrophe.

    >>> excel_safe("=1+1"), excel_safe("@SUM(A1)"), excel_safe("纸\\x07"), excel_safe(-1)
    ("'=1+1", "'@SUM(A1)", '纸', -1)
    """
    if not isinstance(value, str):
        return value
    value = spreadsheet_text(value)
    if value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    """One output column: its key (JSON, CSV), label (table, workbook) and how it is shown."""

    key: str
    label: str = ""
    show: Callable[[Any], Any] | None = None  # value → what a table or workbook shows
    justify: str = "left"  # in the terminal table
    drop: int = 0  # a terminal too narrow for the table loses the highest first; 0: never

    @property
    def heading(self) -> str:
        return self.label or self.key


def plain_value(value: Any) -> Any:
    """A value as JSON holds it: dates in ISO form, decimals as numbers, bytes as hex."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


MAX_VALUE_CHARS = 32_767
"""The most characters a value written by :func:`capped_value` holds: an Excel cell's limit."""


def capped_value(value: Any) -> Any:
    """The value, or, for text or bytes longer than a cell holds, its start and a marker saying so.

    Bytes are written as hex (two characters a byte), so at most 16,383 of them fit.

    >>> capped_value("纸" * 40_000)[-30:]
    '纸纸纸纸纸…[cut: 40,000 characters]'
    >>> len(capped_value("纸" * 40_000)), capped_value(b"\\x01" * 40_000)[-26:], capped_value("ok")
    (32767, '010101…[cut: 40,000 bytes]', 'ok')
    """
    if isinstance(value, str):
        if len(value) <= MAX_VALUE_CHARS:
            return value
        marker = f"…[cut: {len(value):,} characters]"
        return value[: MAX_VALUE_CHARS - len(marker)] + marker
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        if 2 * len(data) <= MAX_VALUE_CHARS:
            return value
        marker = f"…[cut: {len(data):,} bytes]"
        return data[: (MAX_VALUE_CHARS - len(marker)) // 2].hex() + marker
    return value


def _text_stream(stream: IO[bytes]) -> io.TextIOWrapper:
    # newline="" writes line ends as given, the same on every platform
    return io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)


def _finish(text: io.TextIOWrapper) -> None:
    text.flush()
    text.detach()  # the caller owns (and closes) the binary stream


def write_csv(rows: Iterable[Sequence[Any]], columns: Sequence[Column], stream: IO[bytes]) -> int:
    """CSV in UTF-8 with a BOM; the header is the column keys. Returns the number of rows."""
    text = _text_stream(stream)
    text.write("\ufeff")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([column.key for column in columns])
    count = 0
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])
        count += 1
    _finish(text)
    return count


# One search tells whether a text needs excel_safe at all (most do not).
NEEDS_CARE = re.compile("^[=+\\-@\t\r]|[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _csv_value(value: Any) -> Any:
    if type(value) is str:
        return excel_safe(value) if NEEDS_CARE.search(value) else value
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    value = plain_value(value)
    return excel_safe(value) if isinstance(value, str) else value


def write_json(rows: Iterable[Sequence[Any]], columns: Sequence[Column], stream: IO[bytes]) -> int:
    """A JSON array of objects keyed by the column keys, written one element at a time."""
    text = _text_stream(stream)
    keys = [column.key for column in columns]
    count = 0
    text.write("[")
    for row in rows:
        text.write(",\n" if count else "\n")
        text.write(_json_object(keys, row))
        count += 1
    text.write("\n]\n" if count else "]\n")
    _finish(text)
    return count


def write_jsonl(rows: Iterable[Sequence[Any]], columns: Sequence[Column], stream: IO[bytes]) -> int:
    """One JSON object per line."""
    text = _text_stream(stream)
    keys = [column.key for column in columns]
    count = 0
    for row in rows:
        text.write(_json_object(keys, row) + "\n")
        count += 1
    _finish(text)
    return count


def _json_object(keys: Sequence[str], row: Sequence[Any]) -> str:
    return json.dumps(dict(zip(keys, row, strict=True)), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    plain = plain_value(value)
    return str(value) if plain is value else plain


EXCEL_MAX_ROWS = 1_048_576


def write_xlsx(
    rows: Iterable[Sequence[Any]],
    columns: Sequence[Column],
    stream: IO[bytes],
    *,
    sheet_title: str = "query",
    max_rows: int = EXCEL_MAX_ROWS,
) -> int:
    """An Excel workbook (openpyxl write-only): a bold header row, then the rows as shown.

    Rows beyond what a sheet holds (1,048,576 with the header) go on to a second sheet.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    title = safe_sheet_title(sheet_title)

    def new_sheet(number: int) -> Any:
        name = title if number == 1 else f"{title[:26]} ({number})"
        sheet = workbook.create_sheet(name)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = _xlsx_width(column)
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=spreadsheet_text(column.heading))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        return sheet

    sheets = 1
    sheet = new_sheet(sheets)
    shows = [column.show for column in columns]
    count = on_sheet = 0
    for row in rows:
        if on_sheet == max_rows - 1:
            sheets += 1
            sheet, on_sheet = new_sheet(sheets), 0
        values = []
        for show, value in zip(shows, row, strict=True):
            if show is not None:
                value = show(value)
            values.append(xlsx_value(sheet, value, WriteOnlyCell))
        sheet.append(values)
        count += 1
        on_sheet += 1
    workbook.save(stream)
    return count


def safe_sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\\/*?:\[\]]", " ", spreadsheet_text(title)).strip("' ")
    return (cleaned or "query")[:31]


def _xlsx_width(column: Column) -> float:
    wide = sum(2 if ord(ch) > 0x2E7F else 1 for ch in column.heading)
    return float(max(10, min(40, wide + 4)))


def xlsx_value(sheet: Any, value: Any, cell_type: Any) -> Any:
    if isinstance(value, str):
        value = spreadsheet_text(value)
        if value.startswith(FORMULA_START):
            # a text cell, never a formula; quote-prefixed so that editing keeps it text
            cell = cell_type(sheet, value=None)
            cell.value = value
            cell.data_type = "s"
            cell.quotePrefix = True
            return cell
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}" if value != int(value) else f"{int(value):,}"
    text = str(plain_value(value))
    return _TERMINAL_ILLEGAL.sub("", text)


TABLE_GAP = "  "


def write_table(
    rows: Iterable[Sequence[Any]],
    columns: Sequence[Column],
    stream: IO[str],
    *,
    title: str | None = None,
    row_style: Callable[[Sequence[Any]], str | None] | None = None,
    chunk: int = 500,
) -> int:
    """A plain text table, Chinese text aligned by display width, fitted to the terminal.

    The first ``chunk`` rows fix the column widths (their longest value, at
    most 60 cells; on a terminal, the widest columns shrink until the table
    fits and longer values fold onto more lines); the rest are written as
    they come, so memory stays flat. On a terminal, rich colours the header
    and the rows ``row_style`` names (it honours NO_COLOR); each line is
    laid out here rather than by a rich Table, which takes about 2 ms a row
    (20,000 rows: 15 s instead of well under one).
    """
    from rich.cells import cell_len

    iterator = iter(rows)
    first = _take(iterator, chunk)
    if not first:
        return 0
    shows = [column.show for column in columns]

    def cells(row: Sequence[Any]) -> list[str]:
        return [_display(show(v) if show is not None else v) for show, v in zip(shows, row, strict=True)]

    shown = [cells(row) for row in first]
    widths = [
        min(60, max([cell_len(column.heading)] + [cell_len(text) for text in values]))
        for column, values in zip(columns, zip(*shown, strict=True), strict=True)
    ]
    visible = list(range(len(columns)))
    console: Any = None
    if stream.isatty():
        from rich.console import Console

        console = Console(file=stream, highlight=False)
        visible = _fit_columns(columns, widths, console.width)
        budget = console.width - len(TABLE_GAP) * (len(visible) - 1)
        fitted = _fit([widths[i] for i in visible], budget, [cell_len(columns[i].heading) for i in visible])
        for i, width in zip(visible, fitted, strict=True):
            widths[i] = width
    columns = [columns[i] for i in visible]
    widths = [widths[i] for i in visible]
    shown = [[text[i] for i in visible] for text in shown]
    right = [column.justify == "right" for column in columns]

    def emit(line: str, style: str | None) -> None:
        if console is None:
            stream.write(line + "\n")
        else:
            from rich.text import Text

            console.print(Text(line, style=style or ""), soft_wrap=True, crop=False)

    if title:
        emit(title, "bold")
    for line in _table_lines([column.heading for column in columns], widths, right):
        emit(line, "bold")
    emit("─" * (sum(widths) + len(TABLE_GAP) * (len(columns) - 1)), None)
    count = 0
    batch, texts = first, shown
    while batch:
        for row, text in zip(batch, texts, strict=True):
            style = row_style(row) if row_style is not None else None
            for line in _table_lines(text, widths, right):
                emit(line, style)
        count += len(batch)
        batch = _take(iterator, chunk)
        texts = [[text[i] for i in visible] for text in map(cells, batch)]
    return count


def _table_lines(texts: list[str], widths: list[int], right: list[bool]) -> list[str]:
    """The terminal lines of one row: values longer than their column fold onto more lines."""
    from rich.cells import cell_len

    folded = [
        _fold(text, width) if cell_len(text) > width else [text]
        for text, width in zip(texts, widths, strict=True)
    ]
    height = max(len(parts) for parts in folded)
    if height == 1:
        return [_table_line(texts, widths, right)]
    return [
        _table_line([parts[i] if i < len(parts) else "" for parts in folded], widths, right)
        for i in range(height)
    ]


def _table_line(texts: Sequence[str], widths: list[int], right: list[bool]) -> str:
    from rich.cells import cell_len

    padded = []
    for text, width, to_right in zip(texts, widths, right, strict=True):
        gap = " " * max(0, width - cell_len(text))
        padded.append(gap + text if to_right else text + gap)
    return TABLE_GAP.join(padded).rstrip()


# Where a folded line may end: after a word, after a space, or after any CJK character
# (Chinese has no spaces). A word longer than a line is cut; an option such as --on never is
# otherwise (cutting at any character split it into "-" and "-on").
_FOLD_PIECES = re.compile(r"\s+|[^\s\u2e80-\ua4cf\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+|\S")


def _fold(text: str, width: int) -> list[str]:
    """Text cut into lines at most ``width`` cells wide (a CJK character takes two), between words.

    >>> _fold("龙游恒达纸业有限公司", 8)
    ['龙游恒达', '纸业有限', '公司']
    >>> _fold("stdreg update standard --on 2012-06-01", 16)
    ['stdreg update', 'standard --on', '2012-06-01']
    """
    from rich.cells import cell_len

    lines: list[str] = []
    current, used = "", 0
    for piece in _FOLD_PIECES.findall(text):
        size = cell_len(piece)
        if piece.isspace():
            if current:
                current, used = current + piece, used + size
            continue
        if used + size > width and current:
            lines.append(current.rstrip())
            current, used = "", 0
        for char in piece if size > width else (piece,):  # a word longer than a line is cut
            char_size = cell_len(char)
            if used + char_size > width and current:
                lines.append(current.rstrip())
                current, used = "", 0
            current, used = current + char, used + char_size
    lines.append(current.rstrip())
    return lines


def _take(iterator: Iterator[Sequence[Any]], count: int) -> list[Sequence[Any]]:
    batch = []
    for row in iterator:
        batch.append(row)
        if len(batch) >= count:
            break
    return batch


def _fit_columns(columns: Sequence[Column], widths: list[int], width: int) -> list[int]:
    """The columns to show on a terminal ``width`` cells wide: optional ones go first."""
    visible = list(range(len(columns)))

    def needed() -> int:
        return sum(min(widths[i], 24) for i in visible) + len(TABLE_GAP) * (len(visible) - 1)

    for i in sorted((i for i, c in enumerate(columns) if c.drop), key=lambda i: -columns[i].drop):
        if needed() <= width:
            break
        visible.remove(i)
    return visible


def _fit(widths: list[int], budget: int, minimums: list[int]) -> list[int]:
    """Shrink the widest columns until the table fits ``budget`` cells.

    >>> _fit([30, 10, 8], 36, [4, 4, 4])
    [18, 10, 8]
    """
    widths = list(widths)
    floors = [max(4, min(m, 8)) for m in minimums]
    while sum(widths) > budget:
        widest = max(range(len(widths)), key=lambda i: widths[i] - floors[i])
        if widths[widest] <= floors[widest]:
            break
        widths[widest] -= 1
    return widths


# --- the columns of `stdreg query` -----------------------------------------------------

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "uscc": ("统一社会信用代码", "USCC"),
    "org_code": ("组织机构代码", "Organization code"),
    "enterprise": ("企业名称", "Enterprise"),
    "township": ("乡镇", "Township"),
    "industry": ("行业", "Industry"),
    "size": ("规模", "Size"),
    "product": ("产品名称", "Product"),
    "output_value": ("产值（万元）", "Output value (10k yuan)"),
    "brand": ("名牌", "Brand title"),
    "standard": ("执行标准", "Standard"),
    "standard_title": ("标准名称", "Standard title"),
    "level": ("标准层级", "Level"),
    "adopted": ("采用国际标准", "Adopted standard"),
    "degree": ("一致性程度", "Degree"),
    "adopting": ("采标", "Adopting"),
    "product_adopting": ("产品采标", "Product adopts"),
    "outdated": ("标准过期", "Outdated"),
    "status": ("标准状态", "Status"),
    "replaced_by": ("替代标准", "Replaced by"),
    "region": ("区县", "Region"),
    # --count-by
    "key": ("分类", "Group"),
    "products": ("产品数", "Products"),
    "products_with_standard": ("有标产品", "With a standard"),
    "products_without_standard": ("无标产品", "Without a standard"),
    "adopting_products": ("采标产品", "Adopting"),
    "adoption_rate": ("采标率", "Adoption rate"),
    "neq_products": ("非等效采用产品", "NEQ products"),
    "outdated_products": ("执行过期标准产品", "Made to outdated standards"),
}
STATUS_LABELS = {
    "current": ("现行", "current"),
    "upcoming": ("即将实施", "upcoming"),
    "replaced": ("被代替", "replaced"),
    "withdrawn": ("废止", "withdrawn"),
}
COUNT_TITLES = {
    "industry": ("按行业", "By industry"),
    "township": ("按乡镇", "By township"),
    "level": ("按标准层级（最高层级）", "By highest standard level"),
    "standard": ("按执行标准", "By standard"),
    "region": ("按区县", "By region"),
}
TABLE_FIELDS = (
    "enterprise",
    "product",
    "standard",
    "level",
    "degree",
    "adopting",
    "status",
    "replaced_by",
    "township",
    "industry",
)
"""The columns of the terminal table: what fits a terminal; the other formats hold every field."""
TABLE_DROP_ORDER = ("replaced_by", "adopting", "level", "degree", "township", "industry")
"""On a narrow terminal, the table drops these columns, the last first."""


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def field_label(key: str, lang: str) -> str:
    """The label of a query field in tables and workbooks."""
    pair = FIELD_LABELS.get(key)
    return _pick(pair, lang) if pair else key


def _shows(key: str, lang: str) -> Callable[[Any], Any] | None:
    if key in ("size", "level"):
        return lambda value: None if value is None else label(value, lang)
    if key in ("adopting", "product_adopting", "outdated"):
        yes, no = ("yes", "no") if lang == "en" else ("是", "否")
        return lambda value: None if value is None else (yes if value else no)
    if key == "status":
        return lambda value: None if value is None else _pick(STATUS_LABELS.get(value, (value, value)), lang)
    return None


def query_columns(lang: str = "zh", *, full: bool = True, regions: bool = False) -> list[Column]:
    """The columns of query rows: every field (files), or those of the terminal table.

    ``regions``: the register merged counties, so the terminal table says which one.
    """
    keys = ROW_FIELDS if full else (("region", *TABLE_FIELDS) if regions else TABLE_FIELDS)
    return [
        Column(
            key,
            field_label(key, lang),
            _shows(key, lang),
            "right" if key == "output_value" else "left",
            TABLE_DROP_ORDER.index(key) + 1 if key in TABLE_DROP_ORDER else 0,
        )
        for key in keys
    ]


def _percent(value: Any) -> Any:
    return "—" if value is None else f"{value * 100:.1f}%"


def count_columns(key: str, lang: str = "zh") -> list[Column]:
    """The columns of ``--count-by key``."""

    def show_key(value: Any) -> Any:
        if key == "level" or value is None:
            return label(value, lang)
        return value

    columns = []
    for name in COUNT_FIELDS:
        if name == "key":
            columns.append(Column("key", field_label(key, lang), show_key))
        elif name == "adoption_rate":
            columns.append(Column(name, field_label(name, lang), _percent, "right"))
        else:
            columns.append(Column(name, field_label(name, lang), None, "right"))
    return columns


def count_title(key: str, lang: str = "zh") -> str:
    return _pick(COUNT_TITLES[key], lang)


WRITERS: dict[str, Callable[..., int]] = {
    "csv": write_csv,
    "json": write_json,
    "jsonl": write_jsonl,
    "xlsx": write_xlsx,
}
"""The writers to a binary stream, by format; ``table`` writes text (write_table)."""
