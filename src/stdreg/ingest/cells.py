"""Cell values as survey spreadsheets write them, parsed into register values.

Each parser takes the raw cell (text, number, or a date from Excel) and returns
the clean value, or raises CellError with the reason. A blank cell is never
passed in: blank means unknown and is handled by the caller.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from typing import Any


class CellError(ValueError):
    """A cell value that cannot be read; the message is the reason."""


_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def _clean_text(value: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip()


def clean_text(value: Any) -> str:
    """NFKC, trimmed, runs of white space collapsed to one space (SPEC: product names).

    >>> clean_text("  竹 　地板\\n")
    '竹 地板'
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _clean_text(str(value))


_TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓", "t", "已确认", "确认"}
_FALSE = {"否", "无", "n", "no", "false", "0", "×", "✗", "f", "未确认", "不是"}


def parse_bool(value: Any) -> bool:
    """是/否 and their usual spellings.

    >>> parse_bool("是"), parse_bool("NO")
    (True, False)
    """
    if isinstance(value, bool):
        return value
    key = clean_text(value).lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError("expected 是 or 否")


_ABOVE = {"规上", "规模以上", "是", "above", "规上企业", "规模以上企业"}
_BELOW = {"规下", "规模以下", "否", "below", "规下企业", "规模以下企业"}


def parse_size(value: Any) -> str:
    """above or below designated size (规上/规下).

    >>> parse_size("规模以上"), parse_size("否")
    ('above', 'below')
    """
    key = clean_text(value).lower().replace(" ", "")
    if key in _ABOVE:
        return "above"
    if key in _BELOW:
        return "below"
    raise CellError("expected 规上 or 规下 (规模以上/规模以下, 是/否, above/below)")


_NUMBER_UNITS = re.compile(r"(万元|万|元|rmb|cny)$", re.IGNORECASE)


def parse_number(value: Any) -> float:
    """A number, also when written as text with thousands separators.

    >>> parse_number("1,234.5"), parse_number(" 12 万元"), parse_number(7)
    (1234.5, 12.0, 7.0)
    """
    if isinstance(value, bool):
        raise CellError("expected a number")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float (a JSON line can hold one)
            raise CellError("expected a finite number") from None
    else:
        text = clean_text(value).replace(",", "").replace(" ", "")
        text = _NUMBER_UNITS.sub("", text)
        try:
            number = float(text)
        except ValueError:
            raise CellError("expected a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise CellError("expected a finite number")
    if number < 0:
        raise CellError("a negative output value is not possible")
    return number


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: Any) -> dt.date:
    """ISO text, an Excel date or serial number, or ``2009年6月30日``.

    >>> parse_date("2009年6月30日"), parse_date("2009/6/30"), parse_date(40000)
    (datetime.date(2009, 6, 30), datetime.date(2009, 6, 30), datetime.date(2009, 7, 6))
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's serial dates: 1900-01-01 … 9999-12-31
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise CellError("not a date")
    text = clean_text(value).replace(" ", "") if not isinstance(value, str) else clean_text(value)
    text = text.replace(" 年", "年").replace("年 ", "年").replace(" 月", "月").replace("月 ", "月")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise CellError("not a valid calendar date") from None
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return parse_date(float(text))
    raise CellError("expected a date such as 2009-06-30 or 2009年6月30日")


_GOOD_BEHAVIOUR = {
    "AAAA": "AAAA",
    "4A": "AAAA",
    "AAA": "AAA",
    "3A": "AAA",
    "AA": "AA",
    "2A": "AA",
    "A": "A",
    "1A": "A",
}


def parse_good_behaviour(value: Any) -> str:
    """A standardization good-behaviour level (AAAA/AAA/AA/A), or "" for an explicit 无/否.

    >>> parse_good_behaviour("AAA级"), parse_good_behaviour("4A"), parse_good_behaviour("无")
    ('AAA', 'AAAA', '')
    """
    key = clean_text(value).upper().replace(" ", "").removesuffix("级").removesuffix("企业")
    if key in _GOOD_BEHAVIOUR:
        return _GOOD_BEHAVIOUR[key]
    if key.lower() in _FALSE or key in ("NONE", "-", "/"):
        return ""
    raise CellError("expected AAAA, AAA, AA or A")


_NO_BRAND = {"无", "否", "none", "no", "-", "/", "—", "0", "非名牌"}


def parse_brand(value: Any) -> str:
    """A brand title (浙江名牌, 衢州名牌 …), or "" for an explicit 无/否 (no title).

    >>> parse_brand(" 浙江名牌 "), parse_brand("无")
    ('浙江名牌', '')
    """
    text = clean_text(value)
    if text.lower() in _NO_BRAND:
        return ""
    if text in ("是", "√", "yes"):
        return "名牌"
    return text


def parse_metrology(value: Any) -> tuple[bool, dt.date | None]:
    """计量检测体系确认: 是/否, or the date it was confirmed.

    >>> parse_metrology("否"), parse_metrology("2010年6月30日")
    ((False, None), (True, datetime.date(2010, 6, 30)))
    """
    try:
        return parse_bool(value), None
    except CellError:
        pass
    try:
        return True, parse_date(value)
    except CellError:
        raise CellError("expected 是, 否 or the date of confirmation") from None
