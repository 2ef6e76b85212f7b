"""The rows of an .xlsx worksheet as Python values, streamed from the sheet's XML.

A worksheet is read a chunk at a time, so memory stays flat whatever the sheet's
size. Cells written the way Excel, WPS, LibreOffice and openpyxl write them
(``<c r="B7" s="1" t="s"><v>3</v></c>``, an inline ``<is><t>…</t></is>``, a formula
with its cached value) are taken apart by one regular expression per row; a row
holding anything else (rich inline text, comments, attributes in single quotes,
another namespace prefix) is parsed by the standard library's XML parser, so both
give the same values.

Values are those python-calamine gives: numbers as floats, dates (by the cell's
number format, in the workbook's 1900 or 1904 date system) as ``date``,
``datetime`` or ``time``, booleans as bool, text with Excel's ``_x000D_`` escapes
undone, the cached value of a formula (never its text), an error cell as "".

Safety: a part that declares a document type (where entities, and so XML bombs and
external entities, live) is refused; the small parts (workbook, relationships,
styles) go through defusedxml.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import itertools
import re
import xml.etree.ElementTree as ElementTree
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from posixpath import dirname, join, normpath
from typing import Any

MAX_SHEET_ROWS = 1_048_576
MAX_COLUMNS = 16_384
_CHUNK = 1 << 20  # bytes of XML inflated at a time


class SheetXmlError(ValueError):
    """The workbook's XML cannot be read; the message says why (it names entities for a bomb)."""


class BelowLastRow(SheetXmlError):
    """A row numbered below Excel's last row: no workbook Excel or WPS wrote."""


@dataclass(frozen=True)
class SheetPart:
    """A worksheet of the workbook: its name and the zip member holding its XML."""

    name: str
    member: str


@dataclass
class WorkbookParts:
    """What reading any sheet needs: the worksheets, the shared strings, the date styles."""

    sheets: list[SheetPart]
    date1904: bool = False
    shared_strings: str | None = None  # the member, read when the first sheet is
    styles: str | None = None
    # cell style index → "date" or "duration", for the styles whose number format is one
    date_styles: dict[int, str] = field(default_factory=dict)


_MAIN_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_RELS = "http://purl.oclc.org/ooxml/officeDocument/relationships"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _small_part(archive: zipfile.ZipFile, member: str) -> ElementTree.Element:
    """A small part (workbook, relationships, styles) parsed by defusedxml."""
    from defusedxml.ElementTree import fromstring

    return fromstring(archive.read(member))  # type: ignore[no-any-return]


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id → (type's last word, member)."""
    rels = join(dirname(part), "_rels", part.rpartition("/")[2] + ".rels")
    if rels not in archive.namelist():
        return {}
    found: dict[str, tuple[str, str]] = {}
    for element in _small_part(archive, rels):
        target = element.get("Target", "")
        if element.get("TargetMode") == "External" or not target:
            continue
        member = target.lstrip("/") if target.startswith("/") else normpath(join(dirname(part), target))
        found[element.get("Id", "")] = (element.get("Type", "").rpartition("/")[2], member)
    return found


def workbook_parts(archive: zipfile.ZipFile) -> WorkbookParts:
    """The worksheets (hidden ones included, chart sheets not), in workbook order."""
    package = _relationships(archive, "")
    book = next((m for kind, m in package.values() if kind == "officeDocument"), "xl/workbook.xml")
    if book not in archive.namelist():
        raise SheetXmlError("it holds no workbook part")
    related = _relationships(archive, book)
    root = _small_part(archive, book)
    sheets: list[SheetPart] = []
    date1904 = False
    for element in root.iter():
        name = _local(element.tag)
        if name == "workbookPr":
            date1904 = element.get("date1904", "").lower() in ("1", "true")
        elif name == "sheet":
            rid = element.get(f"{{{_MAIN_RELS}}}id") or element.get(f"{{{_STRICT_RELS}}}id") or ""
            kind, member = related.get(rid, ("", ""))
            if kind == "worksheet" and member in archive.namelist():
                sheets.append(SheetPart(element.get("name", ""), member))
    parts = WorkbookParts(sheets, date1904)
    for kind, member in related.values():
        if kind == "sharedStrings" and member in archive.namelist():
            parts.shared_strings = member
        elif kind == "styles" and member in archive.namelist():
            parts.date_styles = _date_styles(archive, member)
    return parts


# Excel's built-in number formats that show a date or a time (27–36 and 50–58 are the
# East Asian ones WPS uses: 2009年6月30日 …); 46 is [h]:mm:ss, a duration.
_BUILTIN_DATES = {*range(14, 23), *range(27, 37), 45, 47, *range(50, 59)}
_BUILTIN_DURATIONS = {46}
_QUOTED = re.compile(r'"[^"]*"|\\.|_.|\*.')
_BRACKETED = re.compile(r"\[([^\]]*)\]")


def format_kind(code: str) -> str | None:
    """ "date" or "duration" for a custom number format that shows one, else None.

    >>> format_kind("yyyy年m月d日"), format_kind("[h]:mm"), format_kind('0.00"m"'), format_kind("[Red]0")
    ('date', 'duration', None, None)
    """
    text = _QUOTED.sub("", code.split(";")[0])
    elapsed = any(b.lower() in ("h", "hh", "m", "mm", "s", "ss") for b in _BRACKETED.findall(text))
    if elapsed:
        return "duration"
    text = _BRACKETED.sub("", text).lower()
    if text in ("general", "@"):
        return None
    return "date" if any(c in text for c in "dmyhs") else None


def _date_styles(archive: zipfile.ZipFile, member: str) -> dict[int, str]:
    root = _small_part(archive, member)
    custom: dict[int, str] = {}
    kinds: dict[int, str] = {}
    for element in root.iter():
        if _local(element.tag) == "numFmt":
            try:
                custom[int(element.get("numFmtId", ""))] = element.get("formatCode", "")
            except ValueError:
                continue
    for element in root:
        if _local(element.tag) != "cellXfs":
            continue
        for index, xf in enumerate(element):
            try:
                number_format = int(xf.get("numFmtId", "0"))
            except ValueError:
                continue
            if number_format in custom:
                kind = format_kind(custom[number_format])
            elif number_format in _BUILTIN_DATES:
                kind = "date"
            elif number_format in _BUILTIN_DURATIONS:
                kind = "duration"
            else:
                kind = None
            if kind:
                kinds[index] = kind
    return kinds


# --- text ----------------------------------------------------------------------------------


def _decoded(archive: zipfile.ZipFile, member: str) -> Iterator[str]:
    """A part's XML as text, a chunk at a time, in its declared encoding; refuses a DOCTYPE."""
    with archive.open(member) as stream:
        first = stream.read(_CHUNK)
        if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            declared = re.match(rb"""\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""", first)
            encoding = declared[1].decode() if declared else "utf-8-sig"
        try:
            decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        except LookupError:
            raise SheetXmlError(f"{member}: unknown encoding {encoding!r}") from None
        chunk = first
        prolog = True
        while chunk:
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise SheetXmlError(f"{member}: not {encoding} text ({exc.reason})") from None
            if prolog:
                # a document type can only stand before the root element: entities live there
                root = re.search(r"<[A-Za-z_]", text)
                head = text if root is None else text[: root.start()]
                if "<!DOCTYPE" in head or "<!ENTITY" in head:
                    raise SheetXmlError(f"{member}: a DOCTYPE, where an entity could be declared (XML bomb)")
                prolog = root is None
            yield text
            chunk = stream.read(_CHUNK)
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail


_REFERENCE = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));|&")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _reference(match: re.Match[str]) -> str:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED[named]
    if decimal or hexadecimal:
        code = int(decimal) if decimal else int(hexadecimal, 16)
        if 0 < code <= 0x10FFFF:
            return chr(code)
    start = match.string[match.start() : match.start() + 12]
    raise SheetXmlError(f"an undeclared entity or a stray '&' ({start!r}); stdreg refuses entities")


def _text(raw: str) -> str:
    """The text of an element as the XML holds it: references resolved, line ends as XML has them."""
    if "&" in raw:
        raw = _REFERENCE.sub(_reference, raw)
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    return raw


def _unescape(text: str) -> str:
    """Excel's escapes of characters XML cannot hold: ``_x000D_`` is a carriage return."""
    return _EXCEL_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


_XML_SPACE = " \t\r\n"
_XML_SPACE_ATTRIBUTE = "{http://www.w3.org/XML/1998/namespace}space"


def _spaced(text: str, attributes: str) -> str:
    """A ``<t>``'s text as calamine reads it: trimmed of XML white space unless ``xml:space="preserve"``."""
    return text if "preserve" in attributes else text.strip(_XML_SPACE)


def _chunks_of(texts: Iterator[str], closing: str) -> Iterator[str]:
    """Text cut after the last ``closing`` tag of each chunk: no element is cut in two."""
    carry = ""
    for text in texts:
        data = carry + text if carry else text
        cut = data.rfind(closing)
        if cut < 0:
            carry = data
            continue
        cut += len(closing)
        yield data[:cut]
        carry = data[cut:]
    if carry:
        yield carry


def _body(texts: Iterator[str], element: str) -> tuple[str, str, Iterator[str]] | None:
    """The namespace prefix of ``element``, the root's namespace declarations, and the text after its tag.

    None when the part has no such element.
    """
    head = ""
    for text in texts:
        head += text
        found = re.search(rf"<(?:([A-Za-z_][\w.-]*):)?{element}\b", head)
        if found is not None and ">" in head[found.end() :]:
            prefix = f"{found[1]}:" if found[1] else ""
            after = head.index(">", found.end()) + 1  # the text from after its start tag
            return prefix, _namespaces(head[: found.start()]), itertools.chain([head[after:]], texts)
    return None


# --- shared strings ------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _string_patterns(prefix: str) -> re.Pattern[str]:
    p = re.escape(prefix)
    return re.compile(
        rf"<{p}si>\s*<{p}t(\s[^>]*)?>([^<]*)</{p}t>\s*</{p}si>|<{p}si\s*/>|(<{p}si\b.*?</{p}si>)", re.DOTALL
    )


def _namespaces(text: str) -> str:
    """The namespace declarations of the root element, for parsing a fragment of the part."""
    root = re.search(r"<[A-Za-z_][^>]*>", text)
    if root is None:
        return ""
    return " ".join(m[0] for m in re.finditer(r"""xmlns(?::[\w.-]+)?\s*=\s*(?:"[^"]*"|'[^']*')""", root[0]))


def shared_strings(archive: zipfile.ZipFile, member: str) -> list[str]:
    """The workbook's shared strings, rich text joined (phonetic runs left out)."""
    strings: list[str] = []
    body = _body(_decoded(archive, member), "sst")
    if body is None:
        return strings
    prefix, declarations, texts = body
    pattern = _string_patterns(prefix)
    for text in _chunks_of(texts, f"</{prefix}si>"):
        for attributes, simple, rich in pattern.findall(text):
            if rich:
                strings.append(_unescape(_rich_text(_fragment(rich, declarations))))
            else:
                strings.append(_unescape(_text(_spaced(simple, attributes))))
    return strings


def _fragment(xml: str, declarations: str) -> ElementTree.Element:
    """An element of a part, parsed alone (it cannot declare entities: no DOCTYPE inside one)."""
    try:
        return ElementTree.fromstring(f"<fragment {declarations}>{xml}</fragment>")[0]
    except ElementTree.ParseError as exc:
        raise SheetXmlError(f"not well-formed XML ({exc})") from None


def _rich_text(element: ElementTree.Element) -> str:
    """The text of an ``<si>`` or ``<is>``: its ``<t>``, or the ``<t>`` of each run, in order."""
    parts: list[str] = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(_element_text(child))
        elif name == "r":
            parts.extend(_element_text(t) for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _element_text(t: ElementTree.Element) -> str:
    return _spaced(t.text or "", "preserve" if t.get(_XML_SPACE_ATTRIBUTE) == "preserve" else "")


# --- rows ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _row_patterns(prefix: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The pattern of the markup of rows, and the pattern of one row (for rows parsed as XML)."""
    p = re.escape(prefix)
    # one match per cell as Excel writes it (group 1 its column, 2 its style, 3 its type,
    # when they come first and in that order; 4 its other attributes, 5 its value, 6 its
    # inline text's attributes, 7 that text), per row start (8), for the end of the rows (9);
    # group 10 is any other markup: that chunk's rows are then parsed as XML
    markup = re.compile(
        rf"<{p}c(?:\s+r=\"([A-Z]{{1,3}})[0-9]+\")?(?:\s+s=\"([0-9]+)\")?(?:\s+t=\"(\w+)\")?([^>]*?)(?:/>|>"
        rf"(?:<{p}f\b[^>]*?(?:/>|>[^<]*</{p}f>))?"
        rf"(?:<{p}v>([^<]*)</{p}v>|<{p}is><{p}t(\s[^>]*)?>([^<]*)</{p}t></{p}is>)?</{p}c>)"
        rf"|(<{p}row\b[^>]*>)|(</{p}sheetData>)|(<(?!/{p}row>))"
    )
    row = re.compile(rf"<{p}row\b[^>]*?(?:/>|>.*?</{p}row>)|(</{p}sheetData>)", re.DOTALL)
    return markup, row


_ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROW_NUMBER = re.compile(r"""\br\s*=\s*["']\s*([0-9]+)\s*["']""")
_CELL_REF = re.compile(r"([A-Za-z]{1,3})([0-9]+)")
COLUMNS = {
    "".join(letters): index
    for index, letters in enumerate(
        itertools.islice(
            itertools.chain.from_iterable(
                itertools.product("ABCDEFGHIJKLMNOPQRSTUVWXYZ", repeat=n) for n in (1, 2, 3)
            ),
            MAX_COLUMNS,
        )
    )
}
_MAX_CACHED = 4096  # kinds of cell attributes remembered (a sheet has a few dozen)


def _attributes(text: str) -> dict[str, str]:
    return {
        m[1].rpartition(":")[2]: _text(m[2] if m[2] is not None else m[3]) for m in _ATTRIBUTE.finditer(text)
    }


def _column(ref: str) -> int:
    found = _CELL_REF.fullmatch(ref.strip())
    index = COLUMNS.get(found[1].upper()) if found else None
    if index is None:
        raise SheetXmlError(f"a cell reference {ref[:20]!r} beyond Excel's last column XFD")
    return index


_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1900_EARLY = dt.datetime(1899, 12, 31)  # before Excel's phantom 1900-02-29 (serial 60)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


def excel_date(serial: float, kind: str, date1904: bool) -> Any:
    """A serial number shown as a date: a date, a datetime, a time, or a timedelta (duration).

    >>> excel_date(40000.0, "date", False), excel_date(0.5, "date", False), excel_date(42.0, "date", False)
    (datetime.date(2009, 7, 6), datetime.time(12, 0), datetime.date(1900, 2, 11))
    """
    if kind == "duration":
        return dt.timedelta(milliseconds=round(serial * 86_400_000))
    if not 0 <= serial < 2_958_466:  # Excel's range: to 9999-12-31
        return serial
    epoch = _EPOCH_1904 if date1904 else (_EPOCH_1900_EARLY if serial < 60 else _EPOCH_1900)
    moment = epoch + dt.timedelta(milliseconds=round(serial * 86_400_000))
    if serial < 1 and not date1904:
        return moment.time()
    if moment.time() == dt.time(0):
        return moment.date()
    return moment


def _value(kind: str, style: int, raw: str, parts: WorkbookParts, strings: list[str]) -> Any:
    """A cell's value from its type (the t attribute), its style and its text."""
    if kind == "n" or not kind:
        if not raw:
            return None
        try:
            number = float(raw)
        except ValueError:
            raise SheetXmlError(f"a number cell holding {raw[:20]!r}") from None
        date_kind = parts.date_styles.get(int(style)) if style and str(style).isdigit() else None
        return excel_date(number, date_kind, parts.date1904) if date_kind else number
    if kind == "s":
        try:
            return strings[int(raw)]
        except (ValueError, IndexError):
            raise SheetXmlError(f"a shared string {raw[:20]!r} the workbook does not hold") from None
    if kind == "b":
        return raw.strip() in ("1", "true")
    if kind == "e":
        return ""
    if kind == "d":
        try:
            return dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            return raw
    return _unescape(raw)  # str (a formula's text result), inlineStr


@dataclass
class _Cells:
    """What one cell's attributes say, remembered by their text (without the reference)."""

    known: dict[Any, tuple[str, Any, int | None]] = field(default_factory=dict)

    def attributes(self, text: str, kind: str, style: Any) -> tuple[str, Any, int | None]:
        """(type, style, column or None) from a cell's other attributes (``kind``, ``style``: its t and s)."""
        if not text:
            return kind or "n", style, None
        key = (text, kind, style)
        found = self.known.get(key)
        if found is None:
            values = _attributes(text)
            ref = values.get("r")
            found = (values.get("t", kind or "n"), values.get("s", style), _column(ref) if ref else None)
            if ref is None and len(self.known) < _MAX_CACHED:
                self.known[key] = found
        return found


def sheet_rows(
    archive: zipfile.ZipFile, part: SheetPart, parts: WorkbookParts, strings: list[str]
) -> Iterator[tuple[int, list[Any]]]:
    """The sheet's rows from the first, numbered as the sheet numbers them, cells by column.

    A row left out of the XML (a blank one) is yielded empty; a cell left out is None.
    """
    body = _body(_decoded(archive, part.member), "sheetData")
    if body is None:
        return
    prefix, declarations, texts = body
    markup, row_pattern = _row_patterns(prefix)
    cells_of = _Cells()
    number = 0  # the last row's
    for text in _chunks_of(texts, f"</{prefix}row>"):
        tokens = markup.findall(text)
        rows: list[tuple[str, list[Any]]] = []  # each row's tag, its cells
        plain = "&" not in text and "_x" not in text and "\r" not in text
        row: list[Any] = []
        column = -1
        end = other = ""
        for letters, style, kind, rest, raw, spacing, inline, tag, end, other in tokens:
            if letters:
                column = COLUMNS.get(letters, MAX_COLUMNS)
                if column == MAX_COLUMNS:
                    column = _column(letters)
                if rest:
                    kind, style, at = cells_of.attributes(rest, kind, style)
            elif tag:
                row, column = [], -1
                rows.append((tag, row))
                continue
            elif end or other:
                break
            else:
                kind, style, at = cells_of.attributes(rest, kind, style)
                column = column + 1 if at is None else at
            if not rows:
                raise SheetXmlError("a cell outside any row")
            if inline and "preserve" not in spacing:
                inline = inline.strip(_XML_SPACE)
            if inline:
                value: Any = inline if plain else _unescape(_text(inline))
            elif raw:
                if kind == "s":
                    try:
                        value = strings[int(raw)]
                    except (ValueError, IndexError):
                        value = _value(kind, style, raw, parts, strings)
                else:
                    value = _value(kind or "n", style, raw if plain else _text(raw), parts, strings)
            else:
                continue
            size = len(row)
            if column == size:
                row.append(value)
            elif column > size:
                row.extend([None] * (column - size))
                row.append(value)
            else:
                row[column] = value
        if other:  # something other than cells as Excel writes them: each row parsed as XML
            rows = []
            for match in row_pattern.finditer(text):
                if match[1]:
                    end = match[1]
                    break
                rows.append((match[0], _xml_row(match[0], declarations, parts, strings)))
        for tag, cells in rows:
            found = _ROW_NUMBER.search(tag[: tag.find(">") + 1])
            row_number = int(found[1]) if found else number + 1
            if row_number > MAX_SHEET_ROWS:
                raise BelowLastRow(f"goes on below Excel's last row {MAX_SHEET_ROWS:,}")
            while number + 1 < row_number:  # the blank rows the XML leaves out
                number += 1
                yield number, []
            number = row_number
            yield number, cells
        if end:  # </sheetData>: what follows is no row
            return


def _xml_row(xml: str, declarations: str, parts: WorkbookParts, strings: list[str]) -> list[Any]:
    """A row that is not written the usual way, parsed as XML."""
    row: list[Any] = []
    column = -1
    for cell in _fragment(xml, declarations):
        if _local(cell.tag) != "c":
            continue
        ref = cell.get("r")
        column = _column(ref) if ref else column + 1
        kind = cell.get("t", "n")
        try:
            style = int(cell.get("s", "-1"))
        except ValueError:
            style = -1
        value: Any = None
        for child in cell:
            name = _local(child.tag)
            if name == "is":
                value = _unescape(_rich_text(child))
            elif name == "v" and kind != "inlineStr":
                value = _value(kind, style, child.text or "", parts, strings)
        if value is None:
            continue
        if column >= len(row):
            row.extend([None] * (column + 1 - len(row)))
        row[column] = value
    return row
