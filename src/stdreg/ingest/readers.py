"""Readers: a register or catalog file in, raw rows keyed by field out.

Formats: ``.xlsx`` (streamed, read-only; defusedxml guards the XML), ``.csv`` /
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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stdreg.errors import InputError
from stdreg.ingest.headers import (
    HEADER_SEARCH_ROWS,
    HeaderMap,
    describe_missing,
    find_header,
    map_keys,
)

TABULAR_SUFFIXES = {".xlsx", ".xlsm", ".csv", ".tsv", ".txt"}
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


@dataclass
class RawRow:
    """One data row: its number in the file as a spreadsheet shows it, and its cells by field."""

    number: int
    values: dict[str, Any]
    extra: list[Any] = field(default_factory=list)  # text in columns that map to no field


@dataclass
class SourceFile:
    """An opened input file: what kind it is, its header, and its rows (read lazily)."""

    path: Path
    kind: str
    header: HeaderMap
    encoding: str | None
    _rows: Iterator[RawRow]

    def rows(self) -> Iterator[RawRow]:
        return self._rows


def open_source(
    path: Path,
    *,
    want: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
) -> SourceFile:
    """Open a register or catalog file; raise InputError naming the file when it cannot be read."""
    _check_file(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _open_xlsx(path, want, sheet)
    if suffix == ".xls":
        raise InputError(f"{path}: {_XLS_ADVICE}")
    if suffix in JSON_SUFFIXES or suffix in TABULAR_SUFFIXES or suffix == "":
        found = _binary_kind(path)
        if found is not None:
            hint = "; if it is an .xlsx workbook, name it .xlsx" if found == "a zip archive" else ""
            raise InputError(f"{path}: {found}, not a {suffix or 'text'} file{hint}")
    if suffix in JSON_SUFFIXES:
        return _open_jsonl(path, want, encoding)
    if suffix in TABULAR_SUFFIXES or suffix == "":
        return _open_delimited(path, want, encoding)
    raise InputError(f"{path}: unsupported file type {suffix!r} (use .xlsx, .csv, .tsv or .jsonl)")


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
    """The names of a workbook's sheets, in order."""
    import openpyxl

    _check_file(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # any parser failure: the file is unreadable
        raise InputError(f"{path}: not a valid .xlsx workbook ({_reason(exc)})") from exc
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


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


def _header_or_fail(path: Path, head: list[list[Any]], want: str | None) -> HeaderMap:
    header = find_header(head, want)
    if header is None:
        if not any(any(_text(c) for c in row) for row in head):
            raise InputError(f"{path}: the file is empty")
        raise InputError(f"{path}: {describe_missing(head, want)}")
    if header.kind == "register" and not set(header.columns.values()) & {"uscc", "org_code"}:
        raise InputError(
            f"{path}: row {header.row_number}: no 统一社会信用代码 (uscc) or 组织机构代码 "
            "(org_code) column; every enterprise needs one of them"
        )
    return header


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _data_rows(
    cells_iter: Iterator[tuple[int, list[Any]]], header: HeaderMap, path: Path
) -> Iterator[RawRow]:
    columns = sorted(header.columns.items())
    for number, cells in cells_iter:
        size = len(cells)
        values: dict[str, Any] = {}
        for position, field_name in columns:
            if position < size:
                value = cells[position]
                if value is None:
                    continue
                if isinstance(value, str):
                    if len(value) > MAX_CELL_CHARS:
                        raise InputError(
                            f"{path}: row {number}, column {header.column_name(field_name)}: a cell of "
                            f"{len(value):,} characters, more than Excel's limit of {MAX_CELL_CHARS:,}; "
                            "refused"
                        )
                    if not value.strip():
                        continue
                values[field_name] = value
        if values:
            yield RawRow(number, values)
            continue
        extra = [c for c in cells if c is not None and (not isinstance(c, str) or c.strip())]
        if extra:  # text only outside the known columns: a note, reported by the validator
            yield RawRow(number, values, extra)


# --- xlsx ----------------------------------------------------------------------------------


# Below this much worksheet XML (about 100,000 register rows) the whole sheet is read at
# once by calamine, some 20x faster than openpyxl; above it openpyxl streams the rows, so
# memory stays flat whatever the file's size. Measured in bench/ (200,000 rows: calamine
# 1.4 s and 190 MiB, openpyxl read-only 28 s and 44 MiB).
CALAMINE_MAX_XML = 48 << 20
# An .xlsx is a zip: refuse archives that would inflate to absurd sizes (a decompression bomb).
MAX_UNCOMPRESSED = 4 << 30
MAX_RATIO = 200
# calamine loads a sheet as one dense grid of 32-byte cells, from its first cell's row to its
# last cell's and from its leftmost column to its rightmost: one stray value at XFD1048576
# asks for 512 GiB, and a failed allocation aborts the process (it cannot be caught). A sheet
# whose grid could be larger than this is streamed by openpyxl instead.
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


def _xlsx_cells(path: Path, sheet: str | None) -> Iterator[tuple[int, list[Any]]]:
    """The numbered rows of one sheet: calamine for sheets that fit in memory, else openpyxl."""
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
    if xml_size <= CALAMINE_MAX_XML and _calamine_available() and _fits_calamine(path):
        return _calamine_rows(path, sheet)
    return _openpyxl_rows(path, sheet)


def _open_xlsx(path: Path, want: str | None, sheet: str | None) -> SourceFile:
    stream = _xlsx_cells(path, sheet)
    head: list[list[Any]] = []
    numbers: list[int] = []
    for number, cells in stream:
        head.append(cells)
        numbers.append(number)
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    header = _header_or_fail(path, head, want)
    position = header.row_number  # rows of `head` after the header start here
    # report the sheet's own row numbers, as Excel and WPS show them
    header = HeaderMap(header.kind, numbers[position - 1], header.columns, header.names, header.unknown)
    rest = list(zip(numbers[position:], head[position:], strict=True))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        yield from rest
        yield from stream

    return SourceFile(path, header.kind, header, None, _data_rows(rows(), header, path))


def _calamine_available() -> bool:
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return False
    return True


def _pick_sheet(path: Path, names: list[str], sheet: str | None) -> str:
    if sheet is None:
        return names[0]
    if sheet not in names:
        raise InputError(f"{path}: no sheet named {sheet!r} (sheets: {'、'.join(names)})")
    return sheet


def _calamine_rows(path: Path, sheet: str | None) -> Iterator[tuple[int, list[Any]]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        name = _pick_sheet(path, list(workbook.sheet_names), sheet)
        worksheet = workbook.get_sheet_by_name(name)
    except (InputError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine's own errors; a panic in Rust is a BaseException
        raise InputError(f"{path}: not a valid .xlsx workbook ({_reason(exc)})") from exc
    # rows come from the top of the sheet, columns from the first one used: pad them back
    padding = [None] * (worksheet.start or (0, 0))[1]

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(worksheet.iter_rows(), start=1):
                yield number, [*padding, *cells]
        finally:
            workbook.close()

    return numbered()


def _openpyxl_rows(path: Path, sheet: str | None) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        worksheet = workbook[_pick_sheet(path, workbook.sheetnames, sheet)]
        # the <dimension> element is the file's own claim (A1:XFD1048576 pads every row to
        # 16,384 cells): rows are read as wide as their cells instead
        worksheet.reset_dimensions()
    except InputError:
        raise
    except (InvalidFileException, Exception) as exc:  # any parser failure: the file is unreadable
        raise InputError(f"{path}: not a valid .xlsx workbook ({_reason(exc)})") from exc

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        # read-only worksheets yield rows as their XML holds them; the numbers are the sheet's own
        try:
            for index, row in enumerate(worksheet.iter_rows(), start=1):
                cells = list(row)
                number = next((c.row for c in cells if getattr(c, "row", None)), index)
                if number > MAX_SHEET_ROWS:
                    raise InputError(
                        f"{path}: the sheet goes on below Excel's last row {MAX_SHEET_ROWS:,}; "
                        "the workbook was not written by Excel or WPS"
                    )
                yield number, [getattr(c, "value", None) for c in cells]
        except InputError:
            raise
        except Exception as exc:  # a corrupt part, or bad XML further down the sheet
            raise InputError(f"{path}: not a valid .xlsx workbook ({_reason(exc)})") from exc
        finally:
            workbook.close()

    return numbered()


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


def _without_nul(path: Path, lines: Iterator[str]) -> Iterator[str]:
    """The lines of a text file; a NUL character stops the reading with a clear error."""
    for number, line in enumerate(lines, start=1):
        if "\x00" in line:
            raise InputError(
                f"{path}: line {number}: a NUL character: binary data, or UTF-16 text without a "
                "byte-order mark; save the file as UTF-8 CSV"
            )
        yield line


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


def _delimiter(path: Path, first_line: str) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","


def _delimited_cells(path: Path, encoding: str | None) -> tuple[str, Iterator[tuple[int, list[Any]]]]:
    """The encoding of a CSV or TSV file and its numbered rows."""
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
    reader = csv.reader(_without_nul(path, handle), delimiter=_delimiter(path, first_line))

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        try:
            yield from enumerate(reader, start=1)
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
    chosen, stream = _delimited_cells(path, encoding)
    head = [cells for _, (_, cells) in zip(range(HEADER_SEARCH_ROWS), stream, strict=False)]
    header = _header_or_fail(path, head, want)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        yield from enumerate(head[header.row_number :], start=header.row_number + 1)
        yield from stream

    return SourceFile(path, header.kind, header, chosen, _data_rows(rows(), header, path))


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
            for number, line in enumerate(_without_nul(path, handle), start=1):
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
    from stdreg.ingest.headers import classify

    kind = classify(set(register_map.values()), set(catalog_map.values()), want)
    if kind is None or (want is not None and kind != want):
        raise InputError(
            f"{path}: line {first[0]}: the keys {', '.join(keys)} name no "
            + (want or "register or catalog")
            + " fields (see the header aliases in the README)"
        )
    mapping, unknown = map_keys(keys, kind)
    header = HeaderMap(kind, 0, {}, {}, unknown)
    seen_unknown = set(unknown)

    def rows() -> Iterator[RawRow]:
        for number, record in _chain(first, stream):
            values: dict[str, Any] = {}
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
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                if isinstance(value, list):
                    value = "\n".join(str(v) for v in value)
                values[field_name] = value
            if values:
                yield RawRow(number, values)

    return SourceFile(path, kind, header, chosen, rows())


def _chain(
    first: tuple[int, dict[str, Any]], rest: Iterator[tuple[int, dict[str, Any]]]
) -> Iterator[tuple[int, dict[str, Any]]]:
    yield first
    yield from rest


def sniff_kind(path: Path, *, sheet: str | None = None, encoding: str | None = None) -> str:
    """register or catalog, from the file's headers (for refresh and for import's check)."""
    return open_source(path, sheet=sheet, encoding=encoding).kind


__all__ = ["RawRow", "SourceFile", "open_source", "detect_encoding", "sniff_kind"]
