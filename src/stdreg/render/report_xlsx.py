"""The annual report as an Excel workbook (``stdreg report --format xlsx``), and the trend's.

The workbook a bureau hands in, printed and sent upward; Chinese labels by
default, English with ``lang="en"``. Its sheets:

========  =================================================================
概况       key figures of the county and of its brand products beside the year
          before; each target of the year (target, actual, met, the year
          before); the adoption rate of every year the register holds, as a
          table and a line chart; the as-of date, generation time and the rules
==        ==
按区县     a merged register only (``stdreg merge``): products, with a standard,
          adopting, adoption rate and the previous year's rate by county
按行业     products, with a standard, adopting, adoption rate and the previous
          year's rate by industry; beside them what the chart's target measures
          (the brand products' rate for the brand target); a bar chart of that
          rate against the target as a line named after it
按乡镇     the same by township
按规模     the same by enterprise size
按标准层级  the same by the highest level of standard a product executes
名牌产品    every brand product, its standards and whether it adopts, by township
          (a page break before each); then brand products by title, industry
          and township
标准过期    products made to a withdrawn or replaced standard and the standard
          to move to, by township (a page break before each township)
无标生产    products made to no standard, by township
标准水平    products and output value by industry × highest standard level;
          the age (标龄) of the standards each industry executes
明细       every execution on the as-of date (明细(2), … past Excel's rows); the
          printed columns first, the title in the page header
========  =================================================================

The whole workbook is openpyxl's write-only kind: rows go to disk as they are
written, so memory stays flat however large the register; lists (名牌产品,
标准过期, 无标生产, 明细) are streamed from :func:`stdreg.query.iter_rows`. Column
widths are fixed before a sheet's first row: from all cells of the small
tables, and from the first rows of a list (a CJK character counts two).

Print-ready: A4 landscape, fitted to the page width, the title and header rows
repeated on every page, frozen headers, an autofilter on each sheet's table,
page numbers in the footer, one font (:data:`FONT_NAME`) for every text. The
titles name the bureau's county and the footers its issuing unit
(:class:`stdreg.config.Bureau`). Imported text is written as text, never as a
formula (:mod:`stdreg.render.rows`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, TYPE_CHECKING, Any

from stdreg.config import Bureau
from stdreg.query import ROW_FIELDS, Filters
from stdreg.render.labels import label, met_key, text
from stdreg.render.rows import (
    EXCEL_MAX_ROWS,
    NEEDS_CARE,
    STATUS_LABELS,
    Column,
    field_label,
    query_columns,
    safe_sheet_title,
    xlsx_value,
)
from stdreg.stats import LEVEL_KEYS, Breakdown, Report, TargetResult, Totals, rate

if TYPE_CHECKING:
    from stdreg.trends import Trend

RowSource = Callable[[Filters], Iterable[Sequence[Any]]]
"""The query rows (``ROW_FIELDS`` order) of some filters: ``stdreg.query.iter_rows`` on a connection."""

COUNT = "#,##0"
VALUE = "#,##0.0"
PERCENT = "0.0%"
# a change that rounds to nothing at one decimal shows 0.0, never "-0.0"
POINTS = "[>=0.05]+0.0;[<=-0.05]-0.0;0.0"
DELTA = "+#,##0;-#,##0;0"
YEARS = "0.0"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"

HEADER_FILL = "DDEBF7"
TOTAL_FILL = "F2F2F2"
NO_DATA_COLOR = "808080"
# One font for every cell, chart and footer, Chinese and digits alike: Noto Sans CJK SC
# (思源黑体) is free, ships with LibreOffice's Linux distributions (fonts-noto-cjk, UOS, Kylin)
# and holds Latin digits of the same design. Where it is missing (Excel or WPS on Windows) the
# cell's font family (2: sans serif) and charset (134: GB2312) make the program substitute
# its own Chinese sans serif (微软雅黑, 等线), which has sans-serif digits too.
FONT_NAME = "Noto Sans CJK SC"
FONT_FAMILY = 2
FONT_CHARSET = 134
WIDTH_SAMPLE = 200  # rows of a list that set its column widths
MAX_WIDTH = 50.0
CODE_KEYS = frozenset({None, "above", "below", "unknown", *LEVEL_KEYS})
FIELD = {name: i for i, name in enumerate(ROW_FIELDS)}
PLAIN_TYPES = frozenset({int, float, bool})  # written as they are


@dataclass(frozen=True)
class Look:
    """How a cell looks: its number format, font, fill, border, alignment."""

    number_format: str = "General"
    bold: bool = False
    size: float | None = None
    color: str | None = None
    fill: str | None = None
    border: bool = True
    wrap: bool = False
    align: str | None = None
    measured: bool = True  # counts for the column's width (titles and notes overflow instead)


TITLE = Look(bold=True, size=16, border=False, measured=False)
SUBTITLE = Look(color="595959", border=False, measured=False)
SECTION = Look(bold=True, size=12, border=False, measured=False)
NOTE = Look(border=False, measured=False)
HEADER = Look(bold=True, fill=HEADER_FILL, wrap=True, align="center")
TEXT = Look()
BOLD_TEXT = Look(bold=True, fill=TOTAL_FILL)


def number(fmt: str, *, total: bool = False) -> Look:
    """A figure in this number format; bold on a shaded total row."""
    return Look(number_format=fmt, bold=total, fill=TOTAL_FILL if total else None)


@dataclass
class Cell:
    """A value of a small table and how it looks (None: a plain cell)."""

    value: Any
    look: Look | None = None


@dataclass
class Chart:
    """A chart to add once the sheet's rows are written."""

    make: Callable[[Any], Any]  # worksheet → chart
    anchor: str


@dataclass
class Grid:
    """The rows of a small sheet, built before the sheet is written."""

    rows: list[list[Cell | None]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    autofilter: str | None = None

    def add(self, *cells: Cell | None) -> int:
        """Append a row; its number (1-based)."""
        self.rows.append(list(cells))
        return len(self.rows)

    def blank(self, count: int = 1) -> None:
        for _ in range(count):
            self.rows.append([])

    @property
    def next_row(self) -> int:
        return len(self.rows) + 1


def display_width(value: Any) -> float:
    """The width a value needs in a column, in characters (a CJK character counts two).

    >>> display_width("龙游恒达纸业"), display_width(1234567), display_width(0.25)
    (12, 10, 6)
    """
    from rich.cells import cell_len

    if value is None:
        return 0
    if isinstance(value, bool):
        return 3
    if isinstance(value, int):
        return len(f"{value:,}") + 1
    if isinstance(value, float):
        return max(6, len(f"{value:,.1f}") + 1)
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    text_value = str(value)
    return max((cell_len(line) for line in text_value.splitlines()), default=0)


def _fit_width(needed: float) -> float:
    return float(min(MAX_WIDTH, max(6.0, needed + 2)))


class ReportWorkbook:
    """A write-only workbook with the report's looks and page setup."""

    def __init__(self, lang: str, generated: dt.datetime, bureau: Bureau | None = None) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils.indexed_list import IndexedList

        self.lang = lang
        self.generated = generated.replace(microsecond=0)
        self.bureau = bureau or Bureau()
        self.workbook = Workbook(write_only=True)
        # the workbook's default font (unstyled cells: the detail's, and the Normal style) is
        # openpyxl's Calibri, a serif in LibreOffice's substitution: replace it
        default = Font(name=FONT_NAME, size=11, family=FONT_FAMILY, charset=FONT_CHARSET)
        self.workbook._fonts = IndexedList([default])
        self.workbook._named_styles["Normal"].font = default
        self._styles: dict[Look, tuple[Any, Any, Any, Any]] = {}

    def label(self, key: str | None) -> str:
        return label(key, self.lang)

    def text(self, key: str, **values: object) -> str:
        return text(key, self.lang, **values)

    # --- cells ----------------------------------------------------------------------

    def _style(self, look: Look) -> tuple[Any, Any, Any, Any]:
        style = self._styles.get(look)
        if style is None:
            from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

            font = Font(
                name=FONT_NAME,
                family=FONT_FAMILY,
                charset=FONT_CHARSET,
                bold=look.bold,
                size=look.size or 11,
                color=look.color,
            )
            fill = PatternFill("solid", fgColor=look.fill) if look.fill else None
            thin = Side(style="thin", color="A6A6A6")
            border = Border(left=thin, right=thin, top=thin, bottom=thin) if look.border else None
            alignment = (
                Alignment(horizontal=look.align, vertical="center", wrap_text=look.wrap)
                if look.align or look.wrap
                else None
            )
            style = self._styles[look] = (font, fill, border, alignment)
        return style

    def cell(self, sheet: Any, value: Any, look: Look | None) -> Any:
        """A cell of the value, imported text kept as text, in the look given."""
        from openpyxl.cell import Cell as SheetCell
        from openpyxl.cell import WriteOnlyCell

        value = xlsx_value(sheet, value, WriteOnlyCell)
        if look is None:
            return value
        cell = value if isinstance(value, SheetCell) else WriteOnlyCell(sheet, value=value)
        return self._apply(cell, look)

    def _apply(self, cell: Any, look: Look) -> Any:
        font, fill, border, alignment = self._style(look)
        cell.font = font
        if fill is not None:
            cell.fill = fill
        if border is not None:
            cell.border = border
        if alignment is not None:
            cell.alignment = alignment
        if look.number_format != "General":
            cell.number_format = look.number_format
        return cell

    # --- sheets ---------------------------------------------------------------------

    def sheet(
        self,
        name: str,
        widths: Sequence[float],
        *,
        freeze: str | None,
        repeat: str | None,
        gridlines: bool = False,
        pages_tall: int = 0,
        header: tuple[str, str] | None = None,
    ) -> Any:
        """A new sheet, set up for A4 landscape printing, fitted to the page width.

        ``pages_tall`` fits it to that many pages down too (0: as many as it takes);
        ``header`` (a title and a subtitle) is printed at the top of every page.
        """
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.page import PageMargins

        sheet = self.workbook.create_sheet(safe_sheet_title(name))
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        if freeze:
            sheet.freeze_panes = freeze
        if repeat:
            sheet.print_title_rows = repeat
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = 9  # A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = pages_tall
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
        sheet.print_options.horizontalCentered = True
        sheet.print_options.gridLines = gridlines
        font = f"{FONT_NAME},Regular"
        if header:
            sheet.oddHeader.center.text = header[0].replace("&", "&&")
            sheet.oddHeader.right.text = header[1].replace("&", "&&")
            for part in (sheet.oddHeader.center, sheet.oddHeader.right):
                part.font = font
        issuer = self.bureau.issuer.replace("&", "&&")
        sheet.oddFooter.left.text = "&A"
        sheet.oddFooter.center.text = self.label("footer")
        generated = f"{self.label('generated')} {self.generated:%Y-%m-%d %H:%M}"
        sheet.oddFooter.right.text = f"{issuer}　{generated}" if issuer else generated
        for part in (sheet.oddFooter.left, sheet.oddFooter.center, sheet.oddFooter.right):
            part.font = font
        return sheet

    def title(self, key: str, **values: object) -> str:
        """A title naming the bureau's county first (龙游县2012年度…), when the configuration names it."""
        county = self.bureau.county
        prefix = (county + " " if self.lang == "en" else county) if county else ""
        return prefix + self.text(key, **values)

    def chart_text(self, chart: Any) -> None:
        """The chart's text in the workbook's font: its title, axes and legend (else each
        program picks its own font for them)."""
        from openpyxl.chart.text import RichText
        from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties

        typeface = Font(typeface=FONT_NAME)

        def rich(bold: bool = False, size: int | None = None) -> RichText:
            properties = CharacterProperties(latin=typeface, ea=typeface, cs=typeface, b=bold, sz=size)
            return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=properties), endParaRPr=properties)])

        for axis in (chart.x_axis, chart.y_axis):
            axis.txPr = rich()
        if chart.legend is not None:
            chart.legend.txPr = rich()
        if chart.title is not None and chart.title.tx is not None and chart.title.tx.rich is not None:
            for paragraph in chart.title.tx.rich.p:
                paragraph.pPr = ParagraphProperties(
                    defRPr=CharacterProperties(latin=typeface, ea=typeface, cs=typeface, b=True, sz=1400)
                )
                for run in paragraph.r or ():
                    run.rPr = CharacterProperties(latin=typeface, ea=typeface, cs=typeface, b=True, sz=1400)

    def write_grid(
        self,
        name: str,
        grid: Grid,
        *,
        freeze: str | None,
        repeat: str | None,
        min_widths: Sequence[float] = (),
        pages_tall: int = 0,
    ) -> Any:
        """A small sheet: every row is known, so the columns fit every cell."""
        columns = max((len(row) for row in grid.rows), default=0)
        needed = [0.0] * columns
        for row in grid.rows:
            for index, cell in enumerate(row):
                if cell is not None and (cell.look is None or cell.look.measured):
                    needed[index] = max(needed[index], display_width(cell.value))
        widths = [
            max(_fit_width(width), min_widths[i] if i < len(min_widths) else 0.0)
            for i, width in enumerate(needed)
        ]
        sheet = self.sheet(name, widths, freeze=freeze, repeat=repeat, pages_tall=pages_tall)
        for row in grid.rows:
            sheet.append([None if cell is None else self.cell(sheet, cell.value, cell.look) for cell in row])
        if grid.autofilter:
            sheet.auto_filter.ref = grid.autofilter
        for chart in grid.charts:
            sheet.add_chart(chart.make(sheet), chart.anchor)
        return sheet

    def write_list(
        self,
        name: str,
        title: str,
        subtitle: str,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Any]],
        *,
        group_by: int | None = None,
        max_rows: int = EXCEL_MAX_ROWS,
        below: Grid | None = None,
        bordered: bool = True,
        printed: int | None = None,
    ) -> int:
        """A streamed list: title, subtitle, header, then one row per item; the number of rows.

        The first rows set the column widths. ``group_by`` puts a page break
        before each new value of that column. Past ``max_rows`` rows on a sheet
        the list goes on on a new sheet, ``name(2)`` …, with the same header.
        ``below`` is a small table written under the list (on its last sheet; on a
        page of its own after a list with ``group_by``).
        ``bordered`` draws cell borders (else grid lines are printed: the
        cheapest, for the detail's millions of cells). ``printed`` prints only
        the first so many columns, from the header row down, the title and
        subtitle in the page header instead (so no grid line crosses them).
        """
        from copy import copy

        from openpyxl.cell import Cell as SheetCell
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.pagebreak import Break

        needs_care = NEEDS_CARE.search
        iterator = iter(rows)
        sample = list(islice(iterator, WIDTH_SAMPLE))
        shows = [column.show for column in columns]
        needed = [display_width(column.heading) for column in columns]
        for row in sample:
            for index, (show, value) in enumerate(zip(shows, row, strict=True)):
                needed[index] = max(needed[index], display_width(show(value) if show else value))
        for grid_row in below.rows if below else ():
            needed += [0] * (len(grid_row) - len(needed))
            for index, cell in enumerate(grid_row):
                if cell is not None and (cell.look is None or cell.look.measured):
                    needed[index] = max(needed[index], display_width(cell.value))
        widths = [_fit_width(width) for width in needed]
        last_column = get_column_letter(len(columns))
        header_row = 3
        per_sheet = max_rows - header_row

        looks = [Look(number_format=VALUE) if column.key == "output_value" else TEXT for column in columns]
        styles: list[Any] = []

        def start(number: int) -> Any:
            sheet = self.sheet(
                name if number == 1 else f"{name}({number})",
                widths,
                freeze=f"A{header_row + 1}",
                repeat=f"{header_row}:{header_row}" if printed else f"1:{header_row}",
                gridlines=not bordered,
                header=(title, subtitle) if printed else None,
            )
            if bordered and not styles:
                # each cell copies its column's style array: far cheaper than setting a style
                styles.extend(self._apply(WriteOnlyCell(sheet), look)._style for look in looks)
            sheet.append([self.cell(sheet, title, TITLE)])
            sheet.append([self.cell(sheet, subtitle, SUBTITLE)])
            sheet.append([self.cell(sheet, column.heading, HEADER) for column in columns])
            return sheet

        def finish(sheet: Any, on_sheet: int) -> None:
            sheet.auto_filter.ref = f"A{header_row}:{last_column}{header_row + max(on_sheet, 1)}"
            if printed:
                sheet.print_area = (
                    f"A{header_row}:{get_column_letter(printed)}{header_row + max(on_sheet, 1)}"
                )

        sheets = 1
        sheet = start(sheets)
        count = on_sheet = 0
        group: Any = object()
        for row in _chain(sample, iterator):
            if on_sheet == per_sheet:
                finish(sheet, on_sheet)
                sheets += 1
                sheet, on_sheet = start(sheets), 0
            if group_by is not None:
                if row[group_by] != group and on_sheet:
                    sheet.row_breaks.append(Break(id=header_row + on_sheet))
                group = row[group_by]
            values = []
            for show, value in zip(shows, row, strict=True):
                if show is not None:
                    value = show(value)
                # most values need no care: test them cheaply before the full treatment
                if type(value) is str:
                    if needs_care(value):
                        value = xlsx_value(sheet, value, WriteOnlyCell)
                elif value is not None and type(value) not in PLAIN_TYPES:
                    value = xlsx_value(sheet, value, WriteOnlyCell)
                values.append(value)
            if bordered:
                for index, value in enumerate(values):
                    if isinstance(value, SheetCell):  # formula-like text, quote-prefixed
                        values[index] = self._apply(value, looks[index])
                    else:
                        cell = values[index] = WriteOnlyCell(sheet, value=value)
                        cell._style = copy(styles[index])
            sheet.append(values)
            count += 1
            on_sheet += 1
        finish(sheet, on_sheet)
        if below is not None:
            if group_by is not None and on_sheet:
                # a list of pages by township: its summary is no township's, it starts a page
                sheet.row_breaks.append(Break(id=header_row + on_sheet + 1))
            sheet.append([])
            for grid_row in below.rows:
                sheet.append(
                    [None if cell is None else self.cell(sheet, cell.value, cell.look) for cell in grid_row]
                )
        return count

    def save(self, stream: IO[bytes]) -> None:
        self.workbook.save(stream)


ROWS_PER_PAGE = 36  # rows of 11-point text on A4 landscape at full size


def _whole_pages(rows: int) -> int:
    """The pages to fit a small sheet to: a last page that would hold less than half a page
    (its notes, a total row) is squeezed onto the page before instead of printed almost empty.

    >>> _whole_pages(20), _whole_pages(40), _whole_pages(60)
    (1, 1, 2)
    """
    return max(1, round(rows / ROWS_PER_PAGE))


def _columns_cm(sheet: Any, count: int) -> float:
    """How wide the first ``count`` columns print, in cm (a width unit is about 7 pixels at 96 dpi)."""
    from openpyxl.utils import get_column_letter

    widths = [sheet.column_dimensions[get_column_letter(i)].width or 8.43 for i in range(1, count + 1)]
    return sum(width * 7 + 5 for width in widths) * 2.54 / 96


def _chain(first: list[Sequence[Any]], rest: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    yield from first
    yield from rest


# --- figures ------------------------------------------------------------------------------


def _points(now: float | None, before: float | None) -> float | None:
    """The change of a rate in percentage points."""
    if now is None or before is None:
        return None
    return (now - before) * 100


def _delta(now: Any, before: Any) -> Any:
    if now is None or before is None:
        return None
    return now - before


MET_LOOKS = {
    True: Look(bold=True, color="006100", align="center"),
    False: Look(bold=True, color="C00000", align="center"),
    None: Look(color=NO_DATA_COLOR, align="center"),
}


def _key_label(book: ReportWorkbook, key: str | None) -> str:
    return book.label(key) if key in CODE_KEYS else str(key)


BREAKDOWN_FIELDS = (
    "products",
    "products_with_standard",
    "adopting_products",
    "adoption_rate",
    "previous_adoption_rate",
    "change",
    "neq_products",
    "outdated_products",
)


def _breakdown_header(book: ReportWorkbook, key_heading: str, extra: Sequence[str] = ()) -> list[Cell | None]:
    headings = [key_heading]
    for name in BREAKDOWN_FIELDS:
        if name == "previous_adoption_rate":
            headings.append(book.label("previous_rate"))
        elif name == "change":
            headings.append(book.label("increase_points"))
        else:
            headings.append(book.label(name))
    return [Cell(heading, HEADER) for heading in [*headings, *extra]]


def _breakdown_row(
    key: str, row: Breakdown | Totals, previous_rate: float | None, *, total: bool = False
) -> list[Cell | None]:
    look = BOLD_TEXT if total else TEXT
    return [
        Cell(key, look),
        Cell(row.products, number(COUNT, total=total)),
        Cell(row.products_with_standard, number(COUNT, total=total)),
        Cell(row.adopting_products, number(COUNT, total=total)),
        Cell(row.adoption_rate, number(PERCENT, total=total)),
        Cell(previous_rate, number(PERCENT, total=total)),
        Cell(_points(row.adoption_rate, previous_rate), number(POINTS, total=total)),
        Cell(row.neq_products, number(COUNT, total=total)),
        Cell(row.outdated_products, number(COUNT, total=total)),
    ]


def _breakdown_block(
    book: ReportWorkbook,
    grid: Grid,
    key_heading: str,
    rows: Sequence[Breakdown],
    totals: Totals,
    previous_totals: Totals | None,
    *,
    extra: Sequence[str] = (),
    extra_cells: Callable[[str | None], list[Cell | None]] | None = None,
    extra_total: Sequence[Cell | None] = (),
) -> tuple[int, int, int]:
    """A breakdown table with its total row: (header row, first data row, last data row).

    ``extra`` are the headings of more columns, filled for each group's key by
    ``extra_cells`` and on the total row by ``extra_total``.
    """
    header = grid.add(*_breakdown_header(book, key_heading, extra))
    for row in rows:
        cells = _breakdown_row(_key_label(book, row.key), row, row.previous_adoption_rate)
        if extra_cells is not None:
            cells += extra_cells(row.key)
        grid.add(*cells)
    last = grid.next_row - 1
    total = _breakdown_row(
        book.label("total"),
        totals,
        previous_totals.adoption_rate if previous_totals else None,
        total=True,
    )
    grid.add(*total, *extra_total)
    return header, header + 1, last


def _titled(title: str, subtitle: str) -> Grid:
    grid = Grid()
    grid.add(Cell(title, TITLE))
    grid.add(Cell(subtitle, SUBTITLE))
    return grid


def _subtitle(book: ReportWorkbook, report: Report) -> str:
    return book.text("subtitle", as_of=report.as_of.isoformat())


def _rule_text(book: ReportWorkbook, rule: str) -> str:
    base, _, eqv = rule.partition(" ")
    described = book.label(f"rule_{base}")
    if described == f"rule_{base}":
        described = base
    return described + (book.label("rule_eqv") if eqv else "")


# --- the sheets ----------------------------------------------------------------------------

SUMMARY_FIELDS = (
    ("enterprises", COUNT),
    ("products", COUNT),
    ("products_with_standard", COUNT),
    ("products_without_standard", COUNT),
    ("adopting_products", COUNT),
    ("adoption_rate", PERCENT),
    ("adoption_rate_by_enterprise", PERCENT),
    ("adoption_rate_by_output_value", PERCENT),
    ("neq_products", COUNT),
    ("outdated_products", COUNT),
)


def _summary(book: ReportWorkbook, report: Report, title: str, trend: Trend | None) -> None:
    from openpyxl.chart import LineChart, Reference

    previous = report.previous
    year = report.year if report.year is not None else report.as_of.year
    grid = _titled(
        title,
        book.text(
            "subtitle_generated",
            as_of=report.as_of.isoformat(),
            generated=f"{book.generated:%Y-%m-%d %H:%M}",
        ),
    )
    grid.add(Cell(book.label("key_figures"), SECTION))
    this_year, last_year = book.text("year_label", year=year), book.text("year_label", year=year - 1)
    county, brand = book.label("county"), book.label("brand_products")
    header = grid.add(
        Cell(book.label("item"), HEADER),
        Cell(f"{county} {this_year}", HEADER),
        Cell(f"{county} {last_year}", HEADER),
        Cell(book.label("increase"), HEADER),
        Cell(f"{brand} {this_year}", HEADER),
        Cell(f"{brand} {last_year}", HEADER),
        Cell(book.label("increase"), HEADER),
    )
    before = previous.totals if previous else None
    brand_before = previous.brand_products if previous else None
    for name, fmt in SUMMARY_FIELDS:
        change = POINTS if fmt == PERCENT else DELTA
        cells: list[Cell | None] = [Cell(book.label(name), TEXT)]
        for now, then in ((report.totals, before), (report.brand_products, brand_before)):
            value = getattr(now, name)
            old = getattr(then, name) if then is not None else None
            cells += [
                Cell(value, number(fmt)),
                Cell(old, number(fmt)),
                Cell(_points(value, old) if fmt == PERCENT else _delta(value, old), number(change)),
            ]
        grid.add(*cells)
    for name in ("key_energy_users", "key_energy_users_metrology_confirmed"):
        value = getattr(report.totals, name)
        old = getattr(before, name) if before is not None else None
        grid.add(
            Cell(book.label(name), TEXT),
            Cell(value, number(COUNT)),
            Cell(old, number(COUNT)),
            Cell(_delta(value, old), number(DELTA)),
            Cell(None, TEXT),
            Cell(None, TEXT),
            Cell(None, TEXT),
        )
    grid.autofilter = f"A{header}:G{grid.next_row - 1}"

    if report.targets:
        grid.blank()
        grid.add(Cell(book.label("targets"), SECTION))
        grid.add(
            *[
                Cell(book.label(key), HEADER)
                for key in ("item", "target", "actual", "met", "previous_actual", "increase_points")
            ]
        )
        earlier = {t.name: t.actual for t in previous.targets} if previous else {}
        for target in report.targets:
            old = earlier.get(target.name)
            grid.add(
                Cell(target.label_in(book.lang), TEXT),
                Cell(target.target, number(PERCENT)),
                Cell(target.actual, number(PERCENT)),
                Cell(book.label(met_key(target.met)), MET_LOOKS[target.met]),
                Cell(old, number(PERCENT)),
                Cell(_points(target.actual, old), number(POINTS)),
            )

    if trend is not None and trend.years:
        grid.blank()
        grid.add(Cell(book.label("series"), SECTION))
        series_header = grid.add(
            Cell(book.label("year"), HEADER),
            Cell(book.label("as_of"), HEADER),
            Cell(book.label("products"), HEADER),
            Cell(book.label("products_with_standard"), HEADER),
            Cell(book.label("adopting_products"), HEADER),
            Cell(book.label("adoption_rate"), HEADER),
            Cell(book.label("brand_adoption_rate"), HEADER),
        )
        for point in trend.years:
            grid.add(
                Cell(point.year, Look(align="center")),
                Cell(point.as_of, number(DATE)),
                Cell(point.totals.products, number(COUNT)),
                Cell(point.totals.products_with_standard, number(COUNT)),
                Cell(point.totals.adopting_products, number(COUNT)),
                Cell(point.totals.adoption_rate, number(PERCENT)),
                Cell(point.brand_products.adoption_rate, number(PERCENT)),
            )
        series_last = grid.next_row - 1

        def year_chart(sheet: Any) -> Any:
            chart = LineChart()
            chart.title = book.label("year_chart")
            chart.y_axis.number_format = "0%"
            chart.y_axis.scaling.min = 0
            chart.y_axis.scaling.max = 1
            chart.x_axis.delete = False
            chart.y_axis.delete = False
            chart.add_data(
                Reference(sheet, min_col=6, max_col=7, min_row=series_header, max_row=series_last),
                titles_from_data=True,
            )
            chart.set_categories(Reference(sheet, min_col=1, min_row=series_header + 1, max_row=series_last))
            for series in chart.series:
                series.marker.symbol = "circle"
                series.smooth = False
            chart.width, chart.height = min(28.0, _columns_cm(sheet, 7)), 7.5
            chart.legend.position = "b"
            book.chart_text(chart)
            return chart

        grid.charts.append(Chart(year_chart, f"A{grid.next_row + 1}"))
        grid.blank(17)  # the chart's room

    grid.blank()
    grid.add(Cell(book.label("notes"), SECTION))
    grid.add(Cell(book.label("as_of_date"), NOTE), Cell(report.as_of, Look(number_format=DATE, border=False)))
    grid.add(
        Cell(book.label("generated"), NOTE), Cell(book.generated, Look(number_format=DATETIME, border=False))
    )
    grid.add(Cell(f"{book.label('rule_note')}：{_rule_text(book, report.adoption_rule)}", NOTE))
    for name in report.rates:
        grid.add(Cell(book.label(f"rate_{name}"), NOTE))
    grid.add(Cell(book.label("level_note"), NOTE))
    # the director's page: the whole summary on one sheet of paper
    book.write_grid(book.label("sheet_summary"), grid, freeze="A3", repeat="1:2", pages_tall=1)


# What the chart by industry compares with its target, by the target's measure: the column of
# the rate drawn as bars (5: the all-products rate of the breakdown) and the columns added for it.
# A target on another measure (the block industries' share, key energy users) has no value
# per industry: the chart then draws the rates without a line.
COMPARED_MEASURES = ("adoption_rate", "brand_adoption_rate", "standard_coverage")


def _industry_sheet(book: ReportWorkbook, report: Report, title: str, chart_target: str | None) -> None:
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.utils import get_column_letter

    target: TargetResult | None = next(
        (t for t in report.targets if t.name == chart_target and t.measure in COMPARED_MEASURES), None
    )
    grid = _titled(f"{title} — {book.label('by_industry')}", _subtitle(book, report))
    base = 1 + len(BREAKDOWN_FIELDS)  # the breakdown's columns
    extra: list[str] = []
    extra_total: list[Cell | None] = []
    brand = {row.key: row for row in report.brand_by_industry}
    by_key = {row.key: row for row in report.by_industry}
    bars_column = 5
    if target is not None and target.measure == "brand_adoption_rate":
        # like with like: the brand products of each industry against the brand target
        extra = [book.label("brand_products"), book.label("brand_adoption_rate")]
        extra_total = [
            Cell(report.brand_products.products, number(COUNT, total=True)),
            Cell(report.brand_products.adoption_rate, number(PERCENT, total=True)),
        ]
        bars_column = base + 2
    elif target is not None and target.measure == "standard_coverage":
        extra = [book.label("standard_coverage")]
        coverage = _coverage(report.totals)
        extra_total = [Cell(coverage, number(PERCENT, total=True))]
        bars_column = base + 1

    def extra_cells(key: str | None) -> list[Cell | None]:
        cells: list[Cell | None] = []
        if target is None:
            return cells
        if target.measure == "brand_adoption_rate":
            row = brand.get(key)
            cells += [
                Cell(row.products if row else 0, number(COUNT)),
                Cell(row.adoption_rate if row else None, number(PERCENT)),
            ]
        elif target.measure == "standard_coverage":
            cells.append(Cell(_coverage(by_key[key]), number(PERCENT)))
        cells.append(Cell(target.target, number(PERCENT)))
        return cells

    if target is not None:
        extra.append(book.text("target_line", label=target.label_in(book.lang)))
        extra_total.append(Cell(target.target, number(PERCENT, total=True)))
    line_column = base + len(extra)
    header, first, last = _breakdown_block(
        book,
        grid,
        field_label("industry", book.lang),
        report.by_industry,
        report.totals,
        report.previous.totals if report.previous else None,
        extra=extra,
        extra_cells=extra_cells,
        extra_total=extra_total,
    )
    grid.autofilter = f"A{header}:{get_column_letter(line_column)}{max(last, header)}"
    if target is not None:
        grid.blank()
        compared = book.label(target.measure)
        grid.add(
            Cell(
                f"{book.label('target_rate')}：{target.label_in(book.lang)} ≥ {target.target:.0%}"
                f"（{book.label('chart_compares')}{compared}）",
                NOTE,
            )
        )
    if last >= first:

        def industry_chart(sheet: Any) -> Any:
            bars = BarChart()
            bars.type = "col"
            bars.title = book.label("industry_chart")
            bars.y_axis.number_format = "0%"
            bars.y_axis.scaling.min = 0
            bars.y_axis.scaling.max = 1
            bars.x_axis.delete = False
            bars.y_axis.delete = False
            bars.add_data(
                Reference(sheet, min_col=bars_column, min_row=header, max_row=last), titles_from_data=True
            )
            categories = Reference(sheet, min_col=1, min_row=first, max_row=last)
            bars.set_categories(categories)
            if target is not None:
                # the line's name is its column's heading: 目标：<the target's label>
                line = LineChart()
                line.add_data(
                    Reference(sheet, min_col=line_column, min_row=header, max_row=last), titles_from_data=True
                )
                line.set_categories(categories)
                line.series[0].marker.symbol = "none"
                line.series[0].graphicalProperties.line.solidFill = "C00000"
                line.series[0].graphicalProperties.line.dashStyle = "dash"
                bars += line
            bars.width, bars.height = min(28.0, _columns_cm(sheet, line_column)), 8
            bars.legend.position = "b"
            book.chart_text(bars)
            return bars

        grid.charts.append(Chart(industry_chart, f"A{grid.next_row + 1}"))
    book.write_grid(book.label("sheet_industry"), grid, freeze="A4", repeat="1:3")


def _coverage(row: Breakdown | Totals) -> float | None:
    """The share of products that execute a standard (the measure standard_coverage)."""
    return rate(row.products_with_standard, row.products)


def _breakdown_sheet(
    book: ReportWorkbook, report: Report, title: str, sheet_key: str, title_key: str, key_heading: str
) -> None:
    rows: list[Breakdown] = list(getattr(report, title_key))
    grid = _titled(f"{title} — {book.label(title_key)}", _subtitle(book, report))
    header, _, last = _breakdown_block(
        book, grid, key_heading, rows, report.totals, report.previous.totals if report.previous else None
    )
    grid.autofilter = f"A{header}:I{max(last, header)}"
    if title_key == "by_level":
        grid.blank()
        grid.add(Cell(book.label("level_note"), NOTE))
    book.write_grid(book.label(sheet_key), grid, freeze="A4", repeat="1:3")


def _brand_rows(rows: Iterable[Sequence[Any]], book: ReportWorkbook) -> Iterator[tuple[Any, ...]]:
    """One row per brand product from the query's rows (one per execution, a product's together)."""
    yes, no = book.label("yes_mark"), book.label("no_mark")
    current: Any = None
    first: Sequence[Any] = ()
    standards: list[str] = []
    through: list[str] = []
    adopting = False

    def emit() -> tuple[Any, ...]:
        return (
            first[FIELD["township"]],
            first[FIELD["industry"]],
            first[FIELD["enterprise"]],
            first[FIELD["product"]],
            first[FIELD["brand"]],
            first[FIELD["output_value"]],
            "、".join(standards) or None,
            yes if adopting else no,
            "、".join(through) or None,
        )

    for row in rows:
        key = (row[FIELD["org_code"]], row[FIELD["product"]])
        if key != current:
            if current is not None:
                yield emit()
            current, first, standards, through, adopting = key, row, [], [], False
        code = row[FIELD["standard"]]
        if code:
            standards.append(code)
        if row[FIELD["product_adopting"]]:
            adopting = True
        if row[FIELD["adopting"]] and code:
            adopted, degree = row[FIELD["adopted"]], row[FIELD["degree"]]
            through.append(f"{code}（{degree or ''} {adopted}）".replace("（ ", "（") if adopted else code)
    if current is not None:
        yield emit()


def _brand_sheet(book: ReportWorkbook, report: Report, title: str, source: RowSource) -> None:
    columns = [
        Column("township", field_label("township", book.lang)),
        Column("industry", field_label("industry", book.lang)),
        Column("enterprise", field_label("enterprise", book.lang)),
        Column("product", field_label("product", book.lang)),
        Column("brand", book.label("brand_title")),
        Column("output_value", field_label("output_value", book.lang)),
        Column("standards", book.label("standards")),
        Column("adopting", field_label("adopting", book.lang)),
        Column("through", book.label("adopting_through")),
    ]
    below = Grid()
    previous = report.previous.brand_products if report.previous else None
    for heading, key_heading, rows in (
        (book.label("brand_by_title"), book.label("brand_title"), report.brand_by_title),
        (book.label("brand_by_industry"), field_label("industry", book.lang), report.brand_by_industry),
        (book.label("brand_by_township"), field_label("township", book.lang), report.brand_by_township),
    ):
        below.add(Cell(heading, SECTION))
        _breakdown_block(book, below, key_heading, rows, report.brand_products, previous)
        below.blank()
    # township after township, like the other follow-up lists, each from a new page
    townships = [row.key for row in report.brand_by_township]
    found = _by_township(source, Filters(as_of=report.as_of, brand=True), townships)
    book.write_list(
        book.label("sheet_brand"),
        f"{title} — {book.label('brand_list')}",
        _subtitle(book, report),
        columns,
        _brand_rows(found, book),
        group_by=0,
        below=below,
    )


def _by_township(
    source: RowSource, base: Filters, townships: Sequence[str | None]
) -> Iterator[Sequence[Any]]:
    """The rows of the filters, township after township (those with an unknown township last)."""
    for township in townships:
        if township is not None:
            yield from source(dataclasses.replace(base, townships=(township,)))
    if None in townships:
        position = FIELD["township"]
        for row in source(base):
            if row[position] is None:
                yield row


def _outdated_sheet(
    book: ReportWorkbook, report: Report, title: str, source: RowSource, moves: dict[str, str]
) -> None:
    keys = ("township", "enterprise", "uscc", "org_code", "product", "standard", "standard_title", "status")
    english = 1 if book.lang == "en" else 0
    columns = [Column(key, field_label(key, book.lang)) for key in keys]
    columns[-1] = Column(
        "status",
        field_label("status", book.lang),
        lambda value: None if value is None else STATUS_LABELS.get(value, (value, value))[english],
    )
    columns += [
        Column("move_to", book.label("move_to")),
        Column("industry", field_label("industry", book.lang)),
    ]
    townships = [row.key for row in report.by_township if row.outdated_products]

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in _by_township(source, Filters(as_of=report.as_of, outdated=True), townships):
            code = row[FIELD["standard"]]
            yield (
                row[FIELD["township"]],
                row[FIELD["enterprise"]],
                row[FIELD["uscc"]],
                row[FIELD["org_code"]],
                row[FIELD["product"]],
                code,
                row[FIELD["standard_title"]],
                row[FIELD["status"]],
                moves.get(code, row[FIELD["replaced_by"]]),
                row[FIELD["industry"]],
            )

    book.write_list(
        book.label("sheet_outdated"),
        f"{title} — {book.label('outdated_list')}",
        _subtitle(book, report),
        columns,
        rows(),
        group_by=0,
    )


def _without_sheet(book: ReportWorkbook, report: Report, title: str, source: RowSource) -> None:
    keys = (
        "township",
        "enterprise",
        "uscc",
        "org_code",
        "industry",
        "size",
        "product",
        "output_value",
        "brand",
    )
    shows = {column.key: column.show for column in query_columns(book.lang)}
    columns = [Column(key, field_label(key, book.lang), shows.get(key)) for key in keys]
    townships = [row.key for row in report.by_township if row.products > row.products_with_standard]

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in _by_township(source, Filters(as_of=report.as_of, without_standard=True), townships):
            yield tuple(row[FIELD[key]] for key in keys)

    book.write_list(
        book.label("sheet_without"),
        f"{title} — {book.label('without_list')}",
        _subtitle(book, report),
        columns,
        rows(),
        group_by=0,
    )


def _standard_level_sheet(book: ReportWorkbook, report: Report, title: str) -> None:
    grid = _titled(f"{title} — {book.label('sheet_standard_level')}", _subtitle(book, report))
    industries = [row.key for row in report.by_industry]
    cells = {(c.industry, c.level): c for c in report.by_industry_and_level}
    filter_ref = None
    for section, attribute, fmt in (
        ("level_products", "products", COUNT),
        ("level_output", "output_value", VALUE),
    ):
        grid.add(Cell(book.label(section), SECTION))
        header = grid.add(
            Cell(field_label("industry", book.lang), HEADER),
            *[Cell(book.label(level), HEADER) for level in LEVEL_KEYS],
            Cell(book.label("total"), HEADER),
        )
        column_totals = [0.0] * len(LEVEL_KEYS)
        for industry in industries:
            values = []
            for index, level in enumerate(LEVEL_KEYS):
                cell = cells.get((industry, level))
                value = getattr(cell, attribute) if cell else 0
                column_totals[index] += value
                values.append(value)
            grid.add(
                Cell(_key_label(book, industry), TEXT),
                *[Cell(value, number(fmt)) for value in values],
                Cell(sum(values), number(fmt, total=True)),
            )
        if filter_ref is None:
            filter_ref = f"A{header}:J{max(header, grid.next_row - 1)}"
        totals = [int(v) if fmt == COUNT else round(v, 4) for v in column_totals]
        grid.add(
            Cell(book.label("total"), BOLD_TEXT),
            *[Cell(value, number(fmt, total=True)) for value in totals],
            Cell(sum(totals), number(fmt, total=True)),
        )
        grid.blank()
    ages = report.standard_age
    if ages is not None:
        grid.add(Cell(book.label("standard_age"), SECTION))
        grid.add(
            Cell(field_label("industry", book.lang), HEADER),
            Cell(book.label("age_standards"), HEADER),
            Cell(book.label("age_dated"), HEADER),
            Cell(book.label("mean_age"), HEADER),
            Cell(book.label("median_age"), HEADER),
            Cell(book.label("max_age"), HEADER),
            Cell(book.text("older_than_review", years=ages.review_years), HEADER),
            Cell(book.label("share_older_than_review"), HEADER),
            Cell(book.label("age_dated_after"), HEADER),
        )
        for age in [*ages.by_industry, ages.total]:
            total = age is ages.total
            grid.add(
                Cell(
                    book.label("total") if total else _key_label(book, age.key), BOLD_TEXT if total else TEXT
                ),
                Cell(age.standards, number(COUNT, total=total)),
                Cell(age.dated, number(COUNT, total=total)),
                Cell(age.mean_age, number(YEARS, total=total)),
                Cell(age.median_age, number(YEARS, total=total)),
                Cell(age.max_age, number(YEARS, total=total)),
                Cell(age.older_than_review, number(COUNT, total=total)),
                Cell(age.share_older_than_review, number(PERCENT, total=total)),
                Cell(age.dated_after, number(COUNT, total=total)),
            )
        grid.blank()
        grid.add(Cell(book.label("age_note"), NOTE))
    grid.add(Cell(book.label("level_note"), NOTE))
    grid.autofilter = filter_ref
    book.write_grid(
        book.label("sheet_standard_level"),
        grid,
        freeze="A3",
        repeat="1:2",
        min_widths=[12.0],
        pages_tall=_whole_pages(len(grid.rows)),
    )


# The detail's columns: those printed first (readable on A4 landscape), then the rest, on
# screen only. A merged register prints its regions first.
DETAIL_PRINTED = (
    "township",
    "enterprise",
    "product",
    "standard",
    "level",
    "adopted",
    "degree",
    "adopting",
    "status",
    "replaced_by",
)
DETAIL_MORE = (
    "standard_title",
    "uscc",
    "org_code",
    "industry",
    "size",
    "output_value",
    "brand",
    "product_adopting",
    "outdated",
)


def _detail_sheet(book: ReportWorkbook, report: Report, title: str, source: RowSource, max_rows: int) -> int:
    from operator import itemgetter

    regions = bool(report.by_region)  # a county's register has none: no empty 区县 column
    printed = ("region", *DETAIL_PRINTED) if regions else DETAIL_PRINTED
    keys = (*printed, *DETAIL_MORE)
    by_key = {column.key: column for column in query_columns(book.lang)}
    pick = itemgetter(*[FIELD[key] for key in keys])
    return book.write_list(
        book.label("sheet_detail"),
        f"{title} — {book.label('detail_title')}",
        _subtitle(book, report),
        [by_key[key] for key in keys],
        map(pick, source(Filters(as_of=report.as_of))),
        max_rows=max_rows,
        bordered=False,
        printed=len(printed),
    )


def write_report_xlsx(
    report: Report,
    stream: IO[bytes],
    *,
    source: RowSource,
    trend: Trend | None = None,
    replacements: dict[str, str] | None = None,
    chart_target: str | None = None,
    lang: str = "zh",
    generated: dt.datetime | None = None,
    max_rows: int = EXCEL_MAX_ROWS,
    bureau: Bureau | None = None,
) -> int:
    """Write the annual workbook of ``report``; the number of rows on its detail sheet(s).

    ``source`` gives the query rows of a filter (the lists are streamed from
    it), ``trend`` the series of the summary's line chart, ``replacements``
    the standard to move to for each replaced standard
    (:func:`stdreg.stats.replacements`), ``chart_target`` the name of the
    target drawn across the chart by industry. ``max_rows`` is the most rows
    a sheet may hold (Excel's limit; smaller in tests). ``bureau`` names the
    county in the titles and the issuing unit in the footers.
    """
    book = ReportWorkbook(lang, generated or dt.datetime.now(), bureau)
    year = report.year if report.year is not None else report.as_of.year
    title = book.title("workbook", year=year)
    _summary(book, report, title, trend)
    if report.by_region:  # a city's or province's register: its counties first
        _breakdown_sheet(book, report, title, "sheet_region", "by_region", field_label("region", lang))
    _industry_sheet(book, report, title, chart_target)
    _breakdown_sheet(book, report, title, "sheet_township", "by_township", field_label("township", lang))
    _breakdown_sheet(book, report, title, "sheet_size", "by_size", field_label("size", lang))
    _breakdown_sheet(book, report, title, "sheet_level", "by_level", field_label("level", lang))
    _brand_sheet(book, report, title, source)
    _outdated_sheet(book, report, title, source, replacements or {})
    _without_sheet(book, report, title, source)
    _standard_level_sheet(book, report, title)
    written = _detail_sheet(book, report, title, source, max_rows)
    book.save(stream)
    return written


TREND_FIELDS = SUMMARY_FIELDS


def write_trend_xlsx(
    trend: Trend,
    stream: IO[bytes],
    *,
    lang: str = "zh",
    generated: dt.datetime | None = None,
    bureau: Bureau | None = None,
) -> None:
    """The year-by-year series as a workbook: one sheet with the table and a line chart of the rates."""
    from openpyxl.chart import LineChart, Reference
    from openpyxl.utils import get_column_letter

    book = ReportWorkbook(lang, generated or dt.datetime.now(), bureau)
    grid = Grid()
    grid.add(Cell(book.title("trend_title", first=trend.from_year, last=trend.to_year), TITLE))
    grid.add(Cell(f"{book.label('generated')} {book.generated:%Y-%m-%d %H:%M}", SUBTITLE))
    targets: dict[str, str] = {}
    for point in trend.years:
        for target in point.targets:
            targets.setdefault(target.name, f"{target.label_in(lang)}（{target.target:.0%}）")
    header = grid.add(
        Cell(book.label("year"), HEADER),
        Cell(book.label("as_of"), HEADER),
        *[Cell(book.label(name), HEADER) for name, _ in TREND_FIELDS],
        Cell(book.label("brand_products"), HEADER),
        Cell(book.label("brand_adoption_rate"), HEADER),
        *[Cell(heading, HEADER) for heading in targets.values()],
    )
    for point in trend.years:
        actual = {target.name: target.actual for target in point.targets}
        grid.add(
            Cell(point.year, Look(align="center")),
            Cell(point.as_of, number(DATE)),
            *[Cell(getattr(point.totals, name), number(fmt)) for name, fmt in TREND_FIELDS],
            Cell(point.brand_products.products, number(COUNT)),
            Cell(point.brand_products.adoption_rate, number(PERCENT)),
            *[Cell(actual.get(name), number(PERCENT)) for name in targets],
        )
    last = grid.next_row - 1
    columns = 2 + len(TREND_FIELDS) + 2 + len(targets)
    grid.autofilter = f"A{header}:{get_column_letter(columns)}{max(last, header)}"
    rate_columns = [2 + i + 1 for i, (name, _) in enumerate(TREND_FIELDS) if name.startswith("adoption_rate")]
    brand_rate_column = 2 + len(TREND_FIELDS) + 2

    def trend_chart(sheet: Any) -> Any:
        chart = LineChart()
        chart.title = book.label("series")
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        for column in [*rate_columns, brand_rate_column]:
            chart.add_data(
                Reference(sheet, min_col=column, min_row=header, max_row=last), titles_from_data=True
            )
        chart.set_categories(Reference(sheet, min_col=1, min_row=header + 1, max_row=last))
        for series in chart.series:
            series.marker.symbol = "circle"
            series.smooth = False
        chart.width, chart.height = min(28.0, _columns_cm(sheet, columns)), 9
        chart.legend.position = "b"
        book.chart_text(chart)
        return chart

    if trend.years:
        grid.charts.append(Chart(trend_chart, f"A{last + 3}"))
    book.write_grid(book.label("sheet_trend"), grid, freeze="A4", repeat="1:3")
    book.save(stream)
