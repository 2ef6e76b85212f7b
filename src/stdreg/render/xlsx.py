"""The writer of stdreg's own workbooks (the annual report, the rejects and warnings file).

xlsxwriter in constant-memory mode: each row goes to a temporary file as soon
as the next one starts, so memory stays flat however many rows there are. It
was measured against openpyxl's write-only workbook on the same 5.5 million
cells of the 200,000-row benchmark's report (README, Performance) and wrote
them in about 0.4 of openpyxl's time (0.7 of it with lxml installed).

Text is written as text, always: xlsxwriter is told never to turn strings into
formulas, numbers or links, and text that a spreadsheet program would run as
a formula once edited (it begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) is written quote-prefixed, with its exact value, as
:mod:`stdreg.render.rows` does for the other workbooks. Characters a workbook
cannot hold are removed.

Rows are appended in order (constant memory cannot go back to an earlier row);
column widths, frozen panes, filters, print settings and charts may be set at
any time before :meth:`Book.close`.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence
from typing import IO, Any

from stdreg.render.rows import FORMULA_START, NEEDS_CARE, spreadsheet_text

# What xlsxwriter must never do to text it is given, and how it keeps memory flat.
OPTIONS: dict[str, Any] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": True,  # written as #NUM!, never an unreadable file
}
# The number formats openpyxl gave dates and times of unstyled cells: kept for the same look.
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"
_PLAIN = frozenset({int, float, bool})


class Sheet:
    """One worksheet, written a row at a time from the top."""

    def __init__(self, book: Book, worksheet: Any, widths: Sequence[float]) -> None:
        self.book = book
        self.worksheet = worksheet
        self.name: str = worksheet.name
        self.widths = list(widths)
        self.row = 0  # the next row to write, 0-based
        for index, width in enumerate(widths):
            worksheet.set_column(index, index, width)

    def append(self, values: Sequence[Any], styles: Sequence[Any] | Any = None) -> None:
        """Write the next row: ``styles`` is one format for every cell, or one per cell (None: plain)."""
        row, worksheet = self.row, self.worksheet
        self.row += 1
        if not isinstance(styles, list | tuple):
            needs_care = NEEDS_CARE.search
            if all(
                type(value) in _PLAIN or value is None or (type(value) is str and not needs_care(value))
                for value in values
            ):
                # most rows of a long list: nothing to look at, xlsxwriter writes them as they are
                worksheet.write_row(row, 0, values, styles)
                return
            styles = [styles] * len(values)
        put = self.book.put
        for column, (value, style) in enumerate(zip(values, styles, strict=False)):
            put(worksheet, row, column, value, style)

    def blank(self) -> None:
        """Skip a row."""
        self.row += 1


class Book:
    """A workbook written to ``stream`` when closed; its formats made once and shared."""

    def __init__(self, stream: IO[bytes], *, default: dict[str, Any] | None = None) -> None:
        import xlsxwriter

        options = dict(OPTIONS)
        if default:
            # the font of every unstyled cell and of the Normal style
            options["default_format_properties"] = default
        self.workbook = xlsxwriter.Workbook(stream, options)
        self._formats: dict[tuple[tuple[str, Any], ...], Any] = {}
        self._properties: dict[int, dict[str, Any]] = {}
        self._quoted: dict[int, Any] = {}
        self._dates = {
            dt.datetime: self.style(num_format=DATETIME_FORMAT),
            dt.date: self.style(num_format=DATE_FORMAT),
        }

    def style(self, **properties: Any) -> Any:
        """The format of these xlsxwriter properties (the same object for the same properties)."""
        key = tuple(sorted(properties.items()))
        found = self._formats.get(key)
        if found is None:
            found = self._formats[key] = self.workbook.add_format(properties)
            self._properties[id(found)] = properties
        return found

    def quoted(self, style: Any) -> Any:
        """``style`` with the quote prefix: text that stays text when it is edited."""
        found = self._quoted.get(id(style))
        if found is None:
            properties = self._properties.get(id(style), {}) if style is not None else {}
            found = self._quoted[id(style)] = self.style(**properties, quote_prefix=True)
        return found

    def sheet(self, name: str, widths: Sequence[float] = ()) -> Sheet:
        """A new sheet with these column widths (in characters)."""
        return Sheet(self, self.workbook.add_worksheet(name), widths)

    def put(self, worksheet: Any, row: int, column: int, value: Any, style: Any = None) -> None:
        """Write one value: text as text (formula-like text quote-prefixed), figures as figures."""
        kind = type(value)
        if kind is str:
            if NEEDS_CARE.search(value):
                value = spreadsheet_text(value)
                if value.startswith(FORMULA_START):
                    worksheet.write_string(row, column, value, self.quoted(style))
                    return
            worksheet.write_string(row, column, value, style)
        elif value is None:
            if style is not None:
                worksheet.write_blank(row, column, None, style)
        elif kind is bool:
            worksheet.write_boolean(row, column, value, style)
        elif kind is int or kind is float:
            worksheet.write_number(row, column, value, style)
        elif isinstance(value, dt.date):
            if style is None:
                style = self._dates[dt.datetime if isinstance(value, dt.datetime) else dt.date]
            worksheet.write_datetime(row, column, value, style)
        elif isinstance(value, decimal.Decimal | int | float):
            worksheet.write_number(row, column, float(value), style)
        elif isinstance(value, bytes | bytearray | memoryview):
            worksheet.write_string(row, column, bytes(value).hex(), style)
        else:
            self.put(worksheet, row, column, str(value), style)

    def close(self) -> None:
        """Write the workbook to its stream (an OSError when that fails)."""
        from xlsxwriter.exceptions import FileCreateError

        try:
            self.workbook.close()
        except FileCreateError as exc:
            cause = exc.args[0] if exc.args else exc
            raise cause if isinstance(cause, OSError) else OSError(str(cause)) from exc


def cm_to_pixels(cm: float) -> int:
    """A length on paper (cm) in the pixels (96 dpi) xlsxwriter sizes charts in.

    >>> cm_to_pixels(2.54)
    96
    """
    return round(cm / 2.54 * 96)
