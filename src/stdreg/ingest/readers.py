"""Readers: a register or catalog file in, raw rows keyed by field out.

Formats: ``.xlsx`` (streamed, read-only; defusedxml guards the XML), ``.csv`` /
``.tsv`` (UTF-8, UTF-8 with BOM, GB18030/GBK, detected), and JSON lines. The
header row is found automatically below title rows (``stdreg.ingest.headers``).
"""

from __future__ import annotations

import codecs
import csv
import json
import zipfile
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
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _open_xlsx(path, want, sheet)
    if suffix == ".xls":
        raise InputError(
            f"{path}: old .xls workbooks are not supported; open it in Excel or WPS and "
            "save it as .xlsx (文件 → 另存为 → Excel 工作簿 *.xlsx)"
        )
    if suffix in JSON_SUFFIXES:
        return _open_jsonl(path, want, encoding)
    if suffix in TABULAR_SUFFIXES or suffix == "":
        return _open_delimited(path, want, encoding)
    raise InputError(f"{path}: unsupported file type {suffix!r} (use .xlsx, .csv, .tsv or .jsonl)")


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


def _data_rows(cells_iter: Iterator[tuple[int, list[Any]]], header: HeaderMap) -> Iterator[RawRow]:
    columns = sorted(header.columns.items())
    for number, cells in cells_iter:
        size = len(cells)
        values: dict[str, Any] = {}
        for position, field_name in columns:
            if position < size:
                value = cells[position]
                if value is not None and (not isinstance(value, str) or value.strip()):
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


def _open_xlsx(path: Path, want: str | None, sheet: str | None) -> SourceFile:
    if not zipfile.is_zipfile(path):
        raise InputError(f"{path}: not a valid .xlsx workbook (the file is not a zip archive)")
    xml_size = _inspect_zip(path)
    if xml_size <= CALAMINE_MAX_XML and _calamine_available():
        stream = _calamine_rows(path, sheet)
    else:
        stream = _openpyxl_rows(path, sheet)
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

    return SourceFile(path, header.kind, header, None, _data_rows(rows(), header))


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
    except InputError:
        raise
    except Exception as exc:  # calamine reports every unreadable workbook as its own errors
        raise InputError(f"{path}: not a valid .xlsx workbook ({exc})") from exc
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
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a valid .xlsx workbook ({exc})") from exc
    worksheet = workbook[_pick_sheet(path, workbook.sheetnames, sheet)]

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        # read-only worksheets yield rows as their XML holds them; the numbers are the sheet's own
        try:
            for index, row in enumerate(worksheet.iter_rows(), start=1):
                cells = list(row)
                number = next((c.row for c in cells if getattr(c, "row", None)), index)
                yield number, [getattr(c, "value", None) for c in cells]
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
    if best is None:
        raise InputError(
            f"{path}: the text encoding cannot be recognised (not UTF-8 or GB18030); "
            "save the file as UTF-8 or pass --encoding"
        )
    return str(best.encoding)


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


def _delimiter(path: Path, first_line: str) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","


def _open_delimited(path: Path, want: str | None, encoding: str | None) -> SourceFile:
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
    reader = csv.reader(handle, delimiter=_delimiter(path, first_line))

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

    stream = numbered()
    head = [cells for _, (_, cells) in zip(range(HEADER_SEARCH_ROWS), stream, strict=False)]
    header = _header_or_fail(path, head, want)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        yield from enumerate(head[header.row_number :], start=header.row_number + 1)
        yield from stream

    return SourceFile(path, header.kind, header, chosen, _data_rows(rows(), header))


# --- JSON lines ----------------------------------------------------------------------------


def _open_jsonl(path: Path, want: str | None, encoding: str | None) -> SourceFile:
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    chosen = encoding or detect_encoding(path)
    handle = open(path, encoding=chosen, errors="strict")  # noqa: SIM115

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}: line {number}: not valid JSON ({exc.msg})") from exc
                if not isinstance(record, dict):
                    raise InputError(
                        f"{path}: line {number}: expected a JSON object, got {type(record).__name__}"
                    )
                yield number, record
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
