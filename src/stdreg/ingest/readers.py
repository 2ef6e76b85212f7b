"""Readers: a register or catalog file in, raw rows keyed by field out.

Formats: ``.xlsx`` (a small sheet read whole by calamine, a large one streamed from its
XML by ``stdreg.ingest.sheetxml``; entity declarations refused), ``.csv`` /
``.tsv`` (UTF-8, UTF-8 with BOM, GB18030/GBK, detected), and JSON lines. The
header row is found automatically below title rows (``stdreg.ingest.headers``).
"""

from __future__ import annotations

import codecs
import csv
import functools
import json
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stdreg.errors import InputError
from stdreg.ingest import sheetxml
from stdreg.ingest.headers import (
    HEADER_SEARCH_ROWS,
    MAX_COLUMNS,
    HeaderMap,
    classify,
    describe_missing,
    find_header,
    map_keys,
)
from stdreg.render.rows import _ILLEGAL as WORKBOOK_ILLEGAL

TABULAR_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv", ".tsv", ".txt"}
JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
_DETECT_CHUNK = 1 << 20

# Excel's own limits: a longer cell, or a row below the last, was not written by Excel or WPS.
MAX_CELL_CHARS = 32_767
MAX_SHEET_ROWS = 1_048_576
# What a file is, whatever its name says: the first bytes of formats found in the wild.
_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls or .doc)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
)


@dataclass(frozen=True)
class Sheet:
    """One sheet read from a file: its name ("" for text formats), its header, its township."""

    name: str
    header: HeaderMap
    township: str | None = None  # from a sheet named like a township, when it has no township column


@dataclass(slots=True)
class RawRow:
    """One data row: its number in the file as a spreadsheet shows it, and its cells by field."""

    number: int
    values: dict[str, Any]
    extra: list[Any] = field(default_factory=list)  # text in columns that map to no field
    sheet: Sheet | None = None
    bad: tuple[str, Any, str] | None = None  # (field, value, reason): a cell no workbook can hold


@dataclass
class SourceFile:
    """An opened input file: what kind it is, its sheets' headers, and its rows (read lazily)."""

    path: Path
    kind: str
    header: HeaderMap  # the first sheet's
    encoding: str | None
    _rows: Iterator[RawRow]
    sheets: list[Sheet] = field(default_factory=list)
    # (column, value, message): what reading found to say (sheets skipped, townships from names)
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    all_sheets: bool = True  # every sheet with a header is read (no --sheet left one out)

    def rows(self) -> Iterator[RawRow]:
        return self._rows


def open_source(
    path: Path,
    *,
    want: str | None = None,
    sheets: Sequence[str] | None = None,
    encoding: str | None = None,
) -> SourceFile:
    """Open a register or catalog file; raise InputError naming the file when it cannot be read.

    Every sheet of a workbook whose header is found is read, in sheet order (``sheets``
    names the only ones to read).
    """
    _check_file(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _open_xlsx(path, want, sheets)
    if suffix == ".xls":
        return _open_xls(path, want, sheets)
    if sheets:
        raise InputError(f"{path}: --sheet names sheets of a workbook (.xlsx, .xls), and this is a text file")
    if suffix in JSON_SUFFIXES or suffix in TABULAR_SUFFIXES or suffix == "":
        found = _binary_kind(path)
        if found is not None:
            hint = "; if it is an .xlsx workbook, name it .xlsx" if found == "a zip archive" else ""
            raise InputError(f"{path}: {found}, not a {suffix or 'text'} file{hint}")
    if suffix in JSON_SUFFIXES:
        return _open_jsonl(path, want, encoding)
    if suffix in TABULAR_SUFFIXES or suffix == "":
        return _open_delimited(path, want, encoding)
    raise InputError(f"{path}: unsupported file type {suffix!r} (use .xlsx, .xls, .csv, .tsv or .jsonl)")


def iter_cells(path: Path, *, sheet: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    """The numbered rows of cells of a workbook's sheet (default the first) or a CSV/TSV file.

    No header is looked for: for lists that are neither registers nor catalogs
    (``stdreg lookup``). Raises InputError naming the file when it cannot be read.
    """
    _check_file(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_cells(path, sheet)
    if suffix == ".xls":
        raise InputError(f"{path}: {_XLS_ADVICE}")
    found = _binary_kind(path)
    if found is not None:
        hint = "; if it is an .xlsx workbook, name it .xlsx" if found == "a zip archive" else ""
        raise InputError(f"{path}: {found}, not a {suffix or 'text'} file{hint}")
    return _delimited_cells(path, None)[1]


def sheet_names(path: Path) -> list[str]:
    """The names of a workbook's worksheets, in order."""
    _check_file(path)
    try:
        with zipfile.ZipFile(path) as archive:
            return [part.name for part in sheetxml.workbook_parts(archive).sheets]
    except Exception as exc:  # any parser failure: the file is unreadable
        raise InputError(f"{path}: not a valid .xlsx workbook ({_reason(exc)})") from exc


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")


_XLS_ADVICE = (
    "old .xls workbooks are not supported; open it in Excel or WPS and "
    "save it as .xlsx (文件 → 另存为 → Excel 工作簿 *.xlsx)"
)


def _binary_kind(path: Path) -> str | None:
    """What a binary file is, from its first bytes; None for text (or an unknown format)."""
    with open(path, "rb") as handle:
        start = handle.read(8)
    return next((name for signature, name in _SIGNATURES if start.startswith(signature)), None)


def _reason(exc: BaseException) -> str:
    """One line saying why a parser gave up; entity declarations are named as a possible XML bomb."""
    chain = [exc, exc.__cause__, exc.__context__]
    if any(type(e).__module__.startswith("defusedxml") for e in chain if e is not None) or (
        "entity" in str(exc).lower()
    ):
        return "its XML declares entities, which stdreg refuses: a possible XML bomb"
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _header_or_fail(path: Path, head: list[list[Any]], want: str | None, where: str = "") -> HeaderMap:
    header = find_header(head, want)
    if header is None:
        if not any(any(_text(c) for c in row) for row in head):
            raise InputError(f"{path}: {where}the sheet is empty" if where else f"{path}: the file is empty")
        raise InputError(f"{path}: {where}{describe_missing(head, want)}")
    _check_identity_column(path, header, where)
    return header


def _check_identity_column(path: Path, header: HeaderMap, where: str) -> None:
    if header.kind == "register" and not set(header.columns.values()) & {"uscc", "org_code"}:
        raise InputError(
            f"{path}: {where}row {header.row_number}: no 统一社会信用代码 (uscc) or 组织机构代码 "
            "(org_code) column; every enterprise needs one of them"
        )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# What a cell of a workbook cannot hold (NUL and the other C0 controls): a bad row in any format.
_UNHOLDABLE = WORKBOOK_ILLEGAL
# Excel's last row: a longer run of blank rows is not a sheet anyone filled in.
MAX_BLANK_RUN = MAX_SHEET_ROWS


def _data_rows(
    cells_iter: Iterator[tuple[int, list[Any]]], header: HeaderMap, path: Path, sheet: Sheet | None = None
) -> Iterator[RawRow]:
    columns = sorted(header.columns.items())
    township = sheet.township if sheet is not None else None
    blank_run = 0
    for number, cells in cells_iter:
        size = len(cells)
        if size > MAX_COLUMNS:
            raise InputError(
                f"{path}: {_where(sheet)}row {number}: {size:,} cells, more than Excel's "
                f"{MAX_COLUMNS:,} columns; refused"
            )
        values: dict[str, Any] = {}
        bad: tuple[str, Any, str] | None = None
        for position, field_name in columns:
            if position < size:
                value = cells[position]
                if value is None:
                    continue
                if isinstance(value, str):
                    if len(value) > MAX_CELL_CHARS:
                        raise InputError(
                            f"{path}: {_where(sheet)}row {number}, column {header.column_name(field_name)}: "
                            f"a cell of {len(value):,} characters, more than Excel's limit of "
                            f"{MAX_CELL_CHARS:,}; refused"
                        )
                    if not value.strip():
                        continue
                    # isprintable() is one quick pass that nearly every cell passes
                    if bad is None and not value.isprintable() and _UNHOLDABLE.search(value):
                        bad = (field_name, value, _unholdable(value))
                values[field_name] = value
        if values:
            blank_run = 0
            if township is not None and "township" not in values:
                values["township"] = township
            yield RawRow(number, values, _NO_EXTRA, sheet, bad)
            continue
        extra = [c for c in cells if c is not None and (not isinstance(c, str) or c.strip())]
        if extra:  # text only outside the known columns: a note, reported by the validator
            blank_run = 0
            yield RawRow(number, values, extra, sheet=sheet)
            continue
        blank_run += 1
        if blank_run > MAX_BLANK_RUN:
            raise InputError(
                f"{path}: {_where(sheet)}more than {MAX_BLANK_RUN:,} blank rows in a row after row "
                f"{number - blank_run}: not a register filled in by hand; refused"
            )


_NO_EXTRA: list[Any] = []  # shared by every row that has none: never changed


def _where(sheet: Sheet | None) -> str:
    return f"sheet {sheet.name!r}, " if sheet is not None and sheet.name else ""


def _unholdable(value: str) -> str:
    found = _UNHOLDABLE.search(value)
    code = f"U+{ord(found[0]):04X}" if found else "a control character"
    return f"holds {code}, a character a workbook cannot hold (binary data, or a damaged file)"


# --- xlsx ----------------------------------------------------------------------------------


# Below this much worksheet XML (about 100,000 register rows) the whole sheet is read at
# once by calamine; above it the sheet's XML is streamed (stdreg.ingest.sheetxml), so
# memory stays flat whatever the file's size. calamine stays for the smaller sheets because
# it is still the faster: bare reads of the 200,000-row bench workbook, started together on
# 2 busy cores (2026-12-04), took 3.4 s of CPU and 194 MiB with calamine, 5.8 s and 48 MiB
# streamed (openpyxl, which streamed before: 20 s).
CALAMINE_MAX_XML = 48 << 20
# An .xlsx is a zip: refuse archives that would inflate to absurd sizes (a decompression bomb).
MAX_UNCOMPRESSED = 4 << 30
MAX_RATIO = 200
# calamine loads a sheet as one dense grid of 32-byte cells, from its first cell's row to its
# last cell's and from its leftmost column to its rightmost: one stray value at XFD1048576
# asks for 512 GiB, and a failed allocation aborts the process (it cannot be caught). A sheet
# whose grid could be larger than this is streamed instead.
CALAMINE_MAX_GRID = 8 << 20  # cells: 256 MiB
_CELL_REF = re.compile(rb'<c r="([A-Za-z]{1,3})([0-9]{1,7})"')
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_UNBOUNDED = CALAMINE_MAX_GRID + 1


def _inspect_zip(path: Path) -> int:
    """Total uncompressed size of the worksheets and shared strings; refuses zip bombs."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: not a valid .xlsx workbook ({exc})") from exc
    total = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries) or 1
    if total > MAX_UNCOMPRESSED or (total > (64 << 20) and total / packed > MAX_RATIO):
        raise InputError(
            f"{path}: the workbook would inflate to {total / (1 << 20):,.0f} MiB from "
            f"{packed / (1 << 20):,.1f} MiB; refused as a decompression bomb"
        )
    if not any(entry.filename.startswith("xl/worksheets/") for entry in entries):
        raise InputError(f"{path}: not a valid .xlsx workbook (it holds no worksheet)")
    return sum(
        entry.file_size
        for entry in entries
        if entry.filename.startswith("xl/worksheets/") or entry.filename == "xl/sharedStrings.xml"
    )


def _fits_calamine(path: Path) -> bool:
    """Whether calamine can load every worksheet without an absurd allocation."""
    try:
        with zipfile.ZipFile(path) as archive:
            return all(
                _grid_bound(archive, entry) <= CALAMINE_MAX_GRID
                for entry in archive.infolist()
                if entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml")
            )
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{path}: not a valid .xlsx workbook ({_reason(exc)})") from exc


@functools.lru_cache(maxsize=256)
def _beyond(blocks: int, lowest: int) -> re.Pattern[bytes]:
    """A cell element other than ``<c r="…`` in the first ``blocks`` × 26 columns and ``lowest`` rows.

    Other elements whose names begin with c (col, cfRule, cellWatch, customSheetView …)
    are not cells. ``blocks`` 0 stands for the 16,384 columns of three letters.
    """
    if blocks == 0:
        columns = "[A-Za-z]{1,3}"
    elif blocks == 1:
        columns = "[A-Za-z]"
    else:
        firsts = _LETTERS[: blocks - 1]
        columns = f"[A-Za-z]|[{firsts}{firsts.lower()}][A-Za-z]"
    digits = str(lowest)
    rows = [digits, *([f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else [])] + [
        f"{digits[:i]}[0-{int(d) - 1}][0-9]{{{len(digits) - i - 1}}}"
        for i, d in enumerate(digits)
        if d != "0"
    ]
    return re.compile(f'<c(?![ofeu]| r="(?:{columns})(?:{"|".join(rows)})")'.encode())


def _grid_bound(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> int:
    """An upper bound of the cells calamine allocates for a worksheet, from one pass over its XML.

    calamine's grid spans the lowest to the highest row and the leftmost to the rightmost
    column of the cells, wherever they stand in the XML. Excel, WPS, LibreOffice and
    openpyxl write every cell as ``<c r="B7"…``, rows in order: each 4 MiB of such XML
    costs one search that finds nothing (a sheet's scan takes about a quarter of
    calamine's load). A sheet with any other cell element (no reference, attributes
    before it, a namespace prefix) gets no bound.
    """
    lowest = 0  # the lowest row referenced so far
    blocks = 1  # columns referenced so far are within blocks × 26; 0: three letters
    jumps = 0

    def scan(data: bytes) -> bool:
        """False when the sheet has a cell element that cannot be bounded."""
        nonlocal lowest, blocks, jumps
        last = data.rfind(b'<c r="')
        if last >= 0:  # in a sheet in order, a chunk's last reference is its lowest row
            match = _CELL_REF.match(data, last)
            if match is None:
                return False
            lowest = max(lowest, int(match[2]))
        position = 0
        while match := _beyond(blocks, lowest).search(data, position):
            found = _CELL_REF.match(data, match.start())
            jumps += 1
            if found is None or jumps > 256:
                return False
            letters, row = found[1], int(found[2])
            if len(letters) == 3:
                blocks = 0
            elif len(letters) == 2 and blocks:
                blocks = max(blocks, _LETTERS.index(chr(letters[0]).upper()) + 2)
            lowest = max(lowest, row)
            position = match.start() + 1
        return True

    carry = b""
    with archive.open(entry) as stream:
        while chunk := stream.read(1 << 22):
            data = carry + chunk
            cut = data.rfind(b"<")  # every token searched for begins with "<": none is cut in two
            if cut <= 0:
                carry = data
                continue
            if not scan(data[:cut]):
                return _UNBOUNDED
            carry = data[cut:]
    if not scan(carry):
        return _UNBOUNDED
    return lowest * (26 * blocks if blocks else 16_384)


Rows = Iterator[tuple[int, list[Any]]]
Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (rows 1-based)
# a merge wider than this fills only its first columns: a title merged over the whole width
# of a sheet needs no copy in every column, and a hostile one would cost rows × 16,384
_MAX_MERGE_WIDTH = 256
_TOWNSHIP_SHEET = re.compile(r"^\S{1,20}?(?:镇|乡|街道|开发区)$")


def township_of_sheet(name: str) -> str | None:
    """The township a sheet's name gives (湖镇镇, 城东街道, 经济开发区), or None.

    >>> township_of_sheet(" 湖镇镇 "), township_of_sheet("汇总"), township_of_sheet("Sheet1")
    ('湖镇镇', None, None)
    """
    text = name.strip()
    return text if _TOWNSHIP_SHEET.match(text) else None


def _open_xlsx(path: Path, want: str | None, sheets: Sequence[str] | None) -> SourceFile:
    if not zipfile.is_zipfile(path):
        found = _binary_kind(path)
        if found == "an old Office file (.xls or .doc)":
            return _open_xls(path, want, sheets)
        reason = {
            None: "the file is not a zip archive",
            "a zip archive": "the zip archive is truncated or corrupt",
        }.get(found, f"it is {found}")
        raise InputError(f"{path}: not a valid .xlsx workbook ({reason})")
    xml_size = _inspect_zip(path)
    if xml_size <= CALAMINE_MAX_XML and _calamine_available() and _fits_calamine(path):
        names, opened = _calamine_sheets(path, sheets, ".xlsx")
    else:
        names, opened = _streamed_sheets(path, sheets)
    return _workbook_source(path, want, sheets, names, opened)


def _xlsx_cells(path: Path, sheet: str | None) -> Rows:
    """The numbered rows of one sheet (default the first), merged cells resolved."""
    if not zipfile.is_zipfile(path):
        found = _binary_kind(path)
        reason = {
            None: "the file is not a zip archive",
            "a zip archive": "the zip archive is truncated or corrupt",
            "an old Office file (.xls or .doc)": "it is an old .xls workbook or another old Office "
            "file; open it in Excel or WPS and save it as .xlsx",
        }.get(found, f"it is {found}")
        raise InputError(f"{path}: not a valid .xlsx workbook ({reason})")
    xml_size = _inspect_zip(path)
    chosen = [sheet] if sheet is not None else None
    if xml_size <= CALAMINE_MAX_XML and _calamine_available() and _fits_calamine(path):
        _, opened = _calamine_sheets(path, chosen, ".xlsx")
    else:
        _, opened = _streamed_sheets(path, chosen)
    return next(stream for _, stream in opened)


def _open_xls(path: Path, want: str | None, sheets: Sequence[str] | None) -> SourceFile:
    """An Excel 97–2003 workbook (WPS's default), read by calamine like an .xlsx."""
    if _binary_kind(path) != "an old Office file (.xls or .doc)":
        if zipfile.is_zipfile(path):
            return _open_xlsx(path, want, sheets)
        raise InputError(
            f"{path}: not a valid old .xls workbook (not an Excel 97–2003 file); "
            "open it in Excel or WPS and save it as .xlsx"
        )
    if not _calamine_available():
        raise InputError(f"{path}: reading .xls needs python-calamine; or save the workbook as .xlsx")
    names, opened = _calamine_sheets(path, sheets, ".xls")
    return _workbook_source(path, want, sheets, names, opened)


def _workbook_source(
    path: Path,
    want: str | None,
    chosen: Sequence[str] | None,
    names: list[str],
    opened: Iterator[tuple[str, Rows]],
) -> SourceFile:
    """Every sheet whose header is found, in sheet order, read as one file."""
    parts: list[tuple[Sheet, Rows]] = []
    notes: list[tuple[str, str, str]] = []
    without: list[tuple[str, list[list[Any]]]] = []
    kind: str | None = None
    for name, stream in opened:
        head: list[list[Any]] = []
        numbers: list[int] = []
        for number, cells in stream:
            head.append(cells)
            numbers.append(number)
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        header = find_header(head, want or kind)
        if header is None:
            without.append((name, head))
            continue
        kind = kind or header.kind
        position = header.row_number  # rows of `head` after the header start here
        # report the sheet's own row numbers, as Excel and WPS show them
        header = HeaderMap(header.kind, numbers[position - 1], header.columns, header.names, header.unknown)
        township = None
        if "township" not in header.columns.values() and (township := township_of_sheet(name)):
            notes.append(
                ("乡镇", name, "no township column: the sheet's name is taken as its rows' township")
            )
        parts.append(
            (Sheet(name, header, township), _chain_rows(numbers[position:], head[position:], stream))
        )
    if not parts:
        name, head = without[0] if without else ("", [])
        detail = f"sheet {name!r}: " if len(names) > 1 else ""
        _header_or_fail(path, head, want, detail)
        raise AssertionError("unreachable: _header_or_fail raises when no sheet has a header")
    for name, head in without:
        if chosen:
            _header_or_fail(path, head, want, f"sheet {name!r}: ")
        if any(_text(cell) for row in head for cell in row):  # an empty Sheet2 goes without a word
            notes.append(("", name, f"sheet without a {kind or 'register'} header skipped"))
    for sheet, _ in parts:
        _check_identity_column(path, sheet.header, f"sheet {sheet.name!r}, " if len(names) > 1 else "")
    first = parts[0][0]

    def rows() -> Iterator[RawRow]:
        for sheet, stream in parts:
            yield from _data_rows(stream, sheet.header, path, sheet)

    all_sheets = not chosen or set(chosen) >= set(names)
    return SourceFile(
        path, first.header.kind, first.header, None, rows(), [s for s, _ in parts], notes, all_sheets
    )


def _chain_rows(numbers: list[int], head: list[list[Any]], stream: Rows) -> Rows:
    yield from zip(numbers, head, strict=True)
    yield from stream


def _calamine_available() -> bool:
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return False
    return True


def _pick_sheets(path: Path, names: list[str], chosen: Sequence[str] | None) -> list[str]:
    if not chosen:
        return names
    missing = [name for name in chosen if name not in names]
    if missing:
        raise InputError(f"{path}: no sheet named {missing[0]!r} (sheets: {'、'.join(names)})")
    return [name for name in names if name in chosen]  # in sheet order, each once


def _calamine_sheets(
    path: Path, chosen: Sequence[str] | None, kind: str
) -> tuple[list[str], Iterator[tuple[str, Rows]]]:
    from python_calamine import CalamineWorkbook

    try:
        if kind == ".xls":  # by its content: an .xls is often named .xlsx, and the other way round
            with open(path, "rb") as handle:
                workbook = CalamineWorkbook.from_filelike(handle)
        else:
            workbook = CalamineWorkbook.from_path(str(path))
        names = [m.name for m in workbook.sheets_metadata if str(m.typ).endswith("WorkSheet")]
        picked = _pick_sheets(path, names, chosen)
    except (InputError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine's own errors; a panic in Rust is a BaseException
        if kind == ".xls":
            raise InputError(
                f"{path}: an old .xls workbook that cannot be read ({_reason(exc)}); "
                "open it in Excel or WPS and save it as .xlsx"
            ) from exc
        raise InputError(f"{path}: not a valid {kind} workbook ({_reason(exc)})") from exc

    def load(name: str) -> Rows:
        try:
            worksheet = workbook.get_sheet_by_name(name)
            merges = [(r0 + 1, c0, r1 + 1, c1) for (r0, c0), (r1, c1) in worksheet.merged_cell_ranges or ()]
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            raise InputError(f"{path}: sheet {name!r}: not a valid {kind} workbook ({_reason(exc)})") from exc
        # rows come from the top of the sheet, columns from the first one used: pad them back
        padding = [None] * (worksheet.start or (0, 0))[1]
        return _merged(numbered(worksheet, padding, name), merges)

    def numbered(worksheet: Any, padding: list[None], name: str) -> Rows:
        try:
            for number, cells in enumerate(worksheet.iter_rows(), start=1):
                yield number, [*padding, *cells]
        finally:
            if name == picked[-1]:
                workbook.close()

    return names, ((name, load(name)) for name in picked)


def _merged(rows: Rows, merges: list[Merge]) -> Rows:
    """The rows with every merged range resolved: its first cell's value in each of its cells.

    A survey form merges an enterprise's name and code down over its product rows, and a
    parent header over its child headers; read cell by cell, all but the first are blank.
    """
    return _filled(rows, merges) if merges else rows


def _filled(rows: Rows, merges: list[Merge]) -> Rows:
    pending = sorted(merges, reverse=True)  # popped from the end: the topmost first
    active: list[tuple[int, int, int, Any]] = []  # (last row, first column, last column, value)
    for number, cells in rows:
        while pending and pending[-1][0] <= number:
            first, left, last, right = pending.pop()
            right = min(right, left + _MAX_MERGE_WIDTH - 1, MAX_COLUMNS - 1)
            value = cells[left] if first == number and left < len(cells) else None
            if value is not None and value != "" and last >= number:
                active.append((last, left, right, value))
        if active:
            active = [merge for merge in active if merge[0] >= number]
            for _, left, right, value in active:
                if len(cells) <= right:
                    cells.extend([None] * (right + 1 - len(cells)))
                cells[left : right + 1] = [value] * (right + 1 - left)
        yield number, cells


_MERGE_REF = re.compile(
    rb'<(?:[A-Za-z_][A-Za-z0-9_.-]*:)?mergeCell ref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"'
)


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1


def _xml_merges(archive: zipfile.ZipFile, member: str) -> list[Merge]:
    """The merged ranges of a worksheet, from its XML, before its rows are streamed."""
    merges: list[Merge] = []
    carry = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 22):
            data = carry + chunk
            cut = data.rfind(b"<")
            for match in _MERGE_REF.finditer(data, 0, cut if cut > 0 else len(data)):
                merges.append(
                    (int(match[2]), _column_index(match[1]), int(match[4]), _column_index(match[3]))
                )
            carry = data[cut:] if cut > 0 else b""
    for match in _MERGE_REF.finditer(carry):
        merges.append((int(match[2]), _column_index(match[1]), int(match[4]), _column_index(match[3])))
    return merges


def _streamed_sheets(
    path: Path, chosen: Sequence[str] | None
) -> tuple[list[str], Iterator[tuple[str, Rows]]]:
    """The chosen sheets' rows, streamed from their XML (stdreg.ingest.sheetxml)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: not a valid .xlsx workbook ({exc})") from exc
    try:
        parts = sheetxml.workbook_parts(archive)
        names = [part.name for part in parts.sheets]
        picked = _pick_sheets(path, names, chosen)
    except InputError:
        archive.close()
        raise
    except Exception as exc:  # any parser failure: the file is unreadable
        archive.close()
        raise InputError(f"{path}: not a valid .xlsx workbook ({_reason(exc)})") from exc
    members = {part.name: part for part in parts.sheets}
    strings: list[str] | None = None

    def load(name: str) -> Rows:
        nonlocal strings
        try:
            if strings is None:
                member = parts.shared_strings
                strings = sheetxml.shared_strings(archive, member) if member else []
            merges = _xml_merges(archive, members[name].member)
        except Exception as exc:
            archive.close()
            raise InputError(f"{path}: sheet {name!r}: not a valid .xlsx workbook ({_reason(exc)})") from exc
        return _merged(numbered(name, strings), merges)

    def numbered(name: str, strings: list[str]) -> Rows:
        try:
            yield from sheetxml.sheet_rows(archive, members[name], parts, strings)
        except sheetxml.BelowLastRow:
            raise InputError(
                f"{path}: sheet {name!r} goes on below Excel's last row {MAX_SHEET_ROWS:,}; "
                "the workbook was not written by Excel or WPS"
            ) from None
        except Exception as exc:  # a corrupt part, or bad XML further down the sheet
            raise InputError(f"{path}: not a valid .xlsx workbook ({_reason(exc)})") from exc
        finally:
            if name == picked[-1]:
                archive.close()

    if not picked:
        archive.close()
    return names, ((name, load(name)) for name in picked)


# --- csv / tsv -----------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """BOM, then strict UTF-8, then strict GB18030, then charset-normalizer's best guess."""
    with open(path, "rb") as handle:
        start = handle.read(4)
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for candidate in ("utf-8", "gb18030"):
        if _decodes(path, candidate):
            return candidate
    from charset_normalizer import from_path

    best = from_path(path).best()
    # charset-normalizer guesses some code page for nearly any bytes (a Polish or a Mac one
    # for a few random bytes): only the encodings of Chinese and Unicode text are believed
    if best is None or not str(best.encoding).startswith(_PLAUSIBLE_ENCODINGS):
        guess = f"; at best it reads as {best.encoding}, which is not credible" if best else ""
        raise InputError(
            f"{path}: not text in UTF-8, GB18030 or another encoding stdreg recognises{guess}; "
            "is it really a text file? Save it as UTF-8 CSV, or pass --encoding"
        )
    return str(best.encoding)


_PLAUSIBLE_ENCODINGS = ("utf_8", "utf_16", "utf_32", "gb", "hz", "big5", "cp950", "cp936")


def _text_lines(path: Path, handle: Any) -> Iterator[str]:
    """The lines of a text file, none read past ``MAX_LINE_CHARS``: one huge line never fills memory.

    A NUL character in the first lines, where the header is searched, means binary
    data or UTF-16 text without a byte-order mark: the reading stops with a clear
    error. Further down it is a bad row (the row's cell holds it).
    """
    readline = handle.readline
    number = 0
    while line := readline(MAX_LINE_CHARS):
        number += 1
        if len(line) >= MAX_LINE_CHARS and not line.endswith("\n"):
            raise _LongLine(number, line)
        if number <= HEADER_SEARCH_ROWS and "\x00" in line:
            raise InputError(
                f"{path}: line {number}: a NUL character: binary data, or UTF-16 text without a "
                "byte-order mark; save the file as UTF-8 CSV"
            )
        yield line


class _LongLine(Exception):
    def __init__(self, number: int, start: str) -> None:
        super().__init__(number)
        self.number, self.start = number, start


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_DETECT_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


_CSV_FIELD_LIMIT = 64 << 20
# A text line longer than this is not a register row: 16,384 columns of a few dozen characters
# each is far less (a 32,767-character cell fits many times over).
MAX_LINE_CHARS = 4 << 20


def _long_line(
    path: Path, long: _LongLine, row: int, delimiter: str, header: HeaderMap | None, handle: Any
) -> str:
    """Why a line too long to read is refused: the cell that makes it so, when one does.

    The rest of the line is only counted, never kept: one huge line never fills memory.
    """
    cells = next(csv.reader([long.start], delimiter=delimiter), [])
    if cells and len(cells[-1]) > MAX_CELL_CHARS:
        length = len(cells[-1])
        while chunk := handle.readline(MAX_LINE_CHARS):
            end = min((i for i in (chunk.find(delimiter), chunk.find("\n")) if i >= 0), default=-1)
            length += len(chunk) if end < 0 else end
            if end >= 0:
                break
        position = len(cells) - 1
        column = header.names.get(position, str(position + 1)) if header else str(position + 1)
        return (
            f"{path}: row {row}, column {column}: a cell of {length:,} characters, more than Excel's "
            f"limit of {MAX_CELL_CHARS:,}; refused"
        )
    return (
        f"{path}: line {long.number}: longer than {MAX_LINE_CHARS:,} characters, more than a row of "
        f"{MAX_COLUMNS:,} columns written by Excel or WPS; refused"
    )


def _delimiter(path: Path, first_line: str) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","


def _delimited_cells(
    path: Path,
    encoding: str | None,
    head: list[list[Any]] | None = None,
    found: list[HeaderMap] | None = None,
) -> tuple[str, Rows]:
    """The encoding of a CSV or TSV file and its numbered rows.

    ``head`` and ``found`` are the rows and the header read so far, when there is a
    header: a line too long to read then names the column of its long cell.
    """
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    chosen = encoding or detect_encoding(path)
    try:
        handle = open(path, encoding=chosen, newline="", errors="strict")  # noqa: SIM115
    except LookupError as exc:
        raise InputError(f"{path}: unknown encoding {chosen!r}") from exc
    try:
        sample = handle.read(64 * 1024)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: the file is not {chosen}-encoded ({exc.reason}); pass the right --encoding"
        ) from exc
    handle.seek(0)
    first_line = next((line for line in sample.splitlines() if line.strip()), "")
    # the csv module's own limit (131,072) would hide which cell is too long: MAX_CELL_CHARS says
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    delimiter = _delimiter(path, first_line)
    reader = csv.reader(_text_lines(path, handle), delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        numbering = enumerate(reader, start=1)
        try:
            yield from numbering
        except _LongLine as long:
            header = found[0] if found else (find_header(head) if head else None)
            record = int(numbering.__reduce__()[1][1])  # the number the row being read would have had
            raise InputError(_long_line(path, long, record, delimiter, header, handle)) from None
        except csv.Error as exc:
            raise InputError(f"{path}: row {reader.line_num}: unreadable CSV ({exc})") from exc
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{path}: the file is not {chosen}-encoded ({exc.reason}); pass the right --encoding"
            ) from exc
        finally:
            handle.close()

    return chosen, numbered()


def _open_delimited(path: Path, want: str | None, encoding: str | None) -> SourceFile:
    head: list[list[Any]] = []
    found: list[HeaderMap] = []
    chosen, stream = _delimited_cells(path, encoding, head, found)
    for _, (_, cells) in zip(range(HEADER_SEARCH_ROWS), stream, strict=False):
        head.append(cells)
    header = _header_or_fail(path, head, want)
    found.append(header)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        yield from enumerate(head[header.row_number :], start=header.row_number + 1)
        yield from stream

    return SourceFile(
        path, header.kind, header, chosen, _data_rows(rows(), header, path), [Sheet("", header)]
    )


# --- JSON lines ----------------------------------------------------------------------------


def _open_jsonl(path: Path, want: str | None, encoding: str | None) -> SourceFile:
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    chosen = encoding or detect_encoding(path)
    try:
        handle = open(path, encoding=chosen, errors="strict")  # noqa: SIM115
    except LookupError as exc:
        raise InputError(f"{path}: unknown encoding {chosen!r}") from exc

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        number = 0
        try:
            for number, line in enumerate(_text_lines(path, handle), start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}: line {number}: not valid JSON ({exc.msg})") from exc
                except (ValueError, RecursionError) as exc:  # a 5,000-digit number, [[[[…
                    raise InputError(f"{path}: line {number}: not valid JSON ({_reason(exc)})") from exc
                if not isinstance(record, dict):
                    raise InputError(
                        f"{path}: line {number}: expected a JSON object, got {type(record).__name__}"
                    )
                yield number, record
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{path}: line {number + 1}: the file is not {chosen}-encoded ({exc.reason}); "
                "pass the right --encoding"
            ) from exc
        finally:
            handle.close()

    stream = records()
    first = next(stream, None)
    if first is None:
        raise InputError(f"{path}: the file is empty")
    keys = list(first[1])
    register_map, _ = map_keys(keys, "register")
    catalog_map, _ = map_keys(keys, "catalog")

    kind = classify(set(register_map.values()), set(catalog_map.values()), want)
    if kind is None or (want is not None and kind != want):
        raise InputError(
            f"{path}: line {first[0]}: the keys {', '.join(keys)} name no "
            + (want or "register or catalog")
            + " fields (see the header aliases in the README)"
        )
    mapping, unknown = map_keys(keys, kind)
    header = HeaderMap(kind, 0, {}, {}, unknown)

    def name(key: str, field_name: str) -> None:
        """Messages name a field by the key the file gives it."""
        if field_name not in header.columns.values():
            header.columns[len(header.columns)] = field_name
            header.names[len(header.names)] = key

    for key, field_name in mapping.items():
        name(key, field_name)
    seen_unknown = set(unknown)

    def rows() -> Iterator[RawRow]:
        for number, record in _chain(first, stream):
            values: dict[str, Any] = {}
            bad: tuple[str, Any, str] | None = None
            for key, value in record.items():
                field_name = mapping.get(key)
                if field_name is None:
                    field_name = map_keys([key], kind)[0].get(key)
                    if field_name is None:
                        if key not in seen_unknown:
                            seen_unknown.add(key)
                            header.unknown.append(key)
                        continue
                    mapping[key] = field_name
                    name(key, field_name)
                if isinstance(value, list):
                    value = "\n".join(str(v) for v in value)
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                if isinstance(value, str) and bad is None and _UNHOLDABLE.search(value):
                    bad = (field_name, value, _unholdable(value))
                values[field_name] = value
            if values:
                yield RawRow(number, values, sheet=sheet, bad=bad)

    sheet = Sheet("", header)
    return SourceFile(path, kind, header, chosen, rows(), [sheet])


def _chain(
    first: tuple[int, dict[str, Any]], rest: Iterator[tuple[int, dict[str, Any]]]
) -> Iterator[tuple[int, dict[str, Any]]]:
    yield first
    yield from rest


def sniff_kind(path: Path, *, sheets: Sequence[str] | None = None, encoding: str | None = None) -> str:
    """register or catalog, from the file's headers (for refresh and for import's check)."""
    return open_source(path, sheets=sheets, encoding=encoding).kind


__all__ = [
    "RawRow",
    "Sheet",
    "SourceFile",
    "open_source",
    "detect_encoding",
    "sniff_kind",
    "township_of_sheet",
]
