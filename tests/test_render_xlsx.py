"""stdreg.render.xlsx: what the report and the rejects workbook are written with."""

from __future__ import annotations

import datetime as dt
import decimal
import io

import openpyxl
import pytest

from stdreg.render.xlsx import Book

INJECTIONS = ["=1+1", "+SUM(A1)", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
# a carriage return is stored as OOXML's escape, which Excel, WPS and LibreOffice read back as
# the character (openpyxl does not decode it; written raw, XML would turn it into a line feed)
STORED = {"\r=1": "_x000D_=1"}


def written(rows: list[list[object]], styles: object = None) -> openpyxl.Workbook:
    stream = io.BytesIO()
    book = Book(stream, default={"font_name": "Noto Sans CJK SC", "font_size": 11})
    sheet = book.sheet("表", [12.0, 20.0])
    for row in rows:
        sheet.append(row, styles if styles != "bold" else book.style(bold=True))
    book.close()
    stream.seek(0)
    return openpyxl.load_workbook(stream)


@pytest.mark.parametrize("styles", [None, "bold"])
def test_formula_like_text_stays_text_exactly_as_typed(styles):
    sheet = written([[text, "纸业"] for text in INJECTIONS], styles).active
    for line, text in zip(sheet.iter_rows(), INJECTIONS, strict=True):
        cell = line[0]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (STORED.get(text, text), "s", True)
        assert (line[1].value, line[1].quotePrefix) == ("纸业", False)
        assert cell.font.bold is (styles == "bold")


def test_values_keep_their_types_and_lose_what_a_workbook_cannot_hold():
    day, moment = dt.date(2012, 12, 31), dt.datetime(2013, 1, 2, 8, 30)
    sheet = written(
        [["竹筷\x07（一次性）", 3, 2.5, True, None, day, moment, decimal.Decimal("1.5"), b"\x01\xff"]]
    ).active
    values = [cell.value for cell in next(sheet.iter_rows())]
    assert values == ["竹筷（一次性）", 3, 2.5, True, None, dt.datetime(2012, 12, 31), moment, 1.5, "01ff"]
    assert sheet["F1"].number_format == "yyyy-mm-dd"


def test_the_default_font_is_every_plain_cells_font():
    sheet = written([["龙游", 1]]).active
    assert {cell.font.name for cell in next(sheet.iter_rows())} == {"Noto Sans CJK SC"}
