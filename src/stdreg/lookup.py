"""标准查新 (standard-currency checking): a list of codes answered against the catalog and the register.

The library half of ``stdreg lookup``:

* :func:`read_list` finds the code column of a workbook or CSV list (by the
  import's header aliases, or the column the officer names) and returns its
  cells;
* :func:`answer_codes` answers every distinct code of the list at once, as of
  a date: what the catalog says of it (status, dates, replacement, the end of
  its replacement chain, adoption, the editions it knows of its number) and how
  many products of how many enterprises the register says execute it;
* :func:`answer_rows` gives one row per code of the list (:data:`LOOKUP_FIELDS`),
  a cell that holds several codes giving one row for each;
* :func:`write_back` writes the officer's own workbook back with the answers
  in columns appended beside the list's own, outdated rows highlighted.

A code is *in the catalog* when the register holds a status for it on the date
(``stdreg.query.STATUS_SQL``): a standard that only register rows named has no
status, and is answered ``not_in_catalog``, never ``current``.

Speed: distinct codes are parsed once; the catalog and the register are read
set-based, through two temporary tables joined to ``standard`` (codes, and the
issuer and number of their editions), never one query per code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from stdreg.codes.standard_cell import read_cell
from stdreg.codes.standard_code import StandardCode, StandardCodeError, parse, register_key, split_cell
from stdreg.errors import InputError, UsageError
from stdreg.ingest.headers import (
    CATALOG_ALIASES,
    HEADER_SEARCH_ROWS,
    REGISTER_ALIASES,
    normalize_header,
)
from stdreg.ingest.readers import iter_cells, sheet_names
from stdreg.kernel.bulk import Bulk
from stdreg.kernel.standards import replacement_ends
from stdreg.query import STATUS_SQL
from stdreg.render.rows import FORMULA_START, Column, safe_sheet_title, spreadsheet_text, xlsx_value

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

LOOKUP_FIELDS = (
    "input", "row", "code", "title", "level", "nature", "status", "implemented_on", "withdrawn_on",
    "outdated_from", "replaced_by", "move_to", "adopted", "degree", "editions", "current_edition",
    "products", "enterprises", "note",
)  # fmt: skip
"""The fields of a lookup answer, in order (the JSON keys; see the README).

``input`` is the code as written; ``row`` the row of the list it came from (the
line on standard input; null for codes given on the command line); ``code`` the
normalized code (null when the text is not a code). ``status`` is one of
:data:`STATUSES`. ``move_to`` is the end of the replacement chain of an outdated
standard; ``editions`` the editions of the same number the catalog knows, oldest
first, and ``current_edition`` the one current on the date. ``products`` and
``enterprises`` count what executes the code in the register on the date.
"""
STATUSES = ("current", "upcoming", "replaced", "withdrawn", "undated", "not_in_catalog", "invalid")
"""``undated``: an edition-less code (GB/T 19001) whose editions the catalog knows.

``invalid``: the text is not a standard code (``note`` says why).
"""
OUTDATED = frozenset({"replaced", "withdrawn"})
UNKNOWN = frozenset({"undated", "not_in_catalog", "invalid"})

CODE_HEADERS = frozenset(
    normalize_header(name) for name in (*REGISTER_ALIASES["standard"], *CATALOG_ALIASES["code"])
)
"""The headers of a code column: those the import reads as a register's standard or a catalog's code."""


@dataclass(frozen=True)
class Answer:
    """What the catalog and the register say of one code on the date (LOOKUP_FIELDS after ``row``)."""

    code: str | None
    status: str
    title: str | None = None
    level: str | None = None
    nature: str | None = None
    implemented_on: dt.date | None = None
    withdrawn_on: dt.date | None = None
    outdated_from: dt.date | None = None
    replaced_by: str | None = None
    move_to: str | None = None
    adopted: str | None = None
    degree: str | None = None
    editions: tuple[str, ...] = ()
    current_edition: str | None = None
    products: int = 0
    enterprises: int = 0
    note: str | None = None

    def values(self) -> tuple[Any, ...]:
        return (
            self.code, self.title, self.level, self.nature, self.status, self.implemented_on,
            self.withdrawn_on, self.outdated_from, self.replaced_by, self.move_to, self.adopted,
            self.degree, list(self.editions), self.current_edition, self.products, self.enterprises,
            self.note,
        )  # fmt: skip


@dataclass(frozen=True)
class ListedCell:
    """One cell of the list: the row it is on (None for a code given on the command line) and its text."""

    row: int | None
    text: str


@dataclass
class CodeList:
    """The code column of a list file: where it is, and its cells below the header."""

    path: Path
    sheet: str | None  # None for a CSV file
    header_row: int  # the row of the column's header; 0 when the column has none
    column: int  # 0-based
    cells: list[ListedCell] = field(default_factory=list)


def cells_of(texts: Iterable[str], *, numbered: bool) -> list[ListedCell]:
    """Cells from codes given one by one: command-line arguments, or the lines of standard input."""
    return [
        ListedCell(i if numbered else None, text) for i, text in enumerate(texts, start=1) if text.strip()
    ]


# --- reading a list ------------------------------------------------------------------------

_LETTERS_RE = re.compile(r"^[A-Za-z]{1,3}$")


def _column_letter_index(text: str) -> int | None:
    if not _LETTERS_RE.match(text):
        return None
    index = 0
    for char in text.upper():
        index = index * 26 + ord(char) - ord("A") + 1
    return index - 1


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _find_column(head: Sequence[tuple[int, list[Any]]], column: str | None) -> tuple[int, int] | None:
    """(header row, 0-based column) of the code column among the first rows, or None."""
    wanted = {normalize_header(column)} if column is not None else CODE_HEADERS
    for number, cells in head:
        for position, cell in enumerate(cells):
            if isinstance(cell, str) and normalize_header(cell) in wanted:
                return number, position
    letter = _column_letter_index(column.strip()) if column is not None else None
    if letter is not None:
        # a column letter: rows above its first code are the list's title and header rows
        previous = 0
        for number, cells in head:
            text = _text(cells[letter]) if letter < len(cells) else ""
            if text.strip() and any(_parses(piece) for piece in split_cell(text)):
                return previous, letter
            previous = number
        return 0, letter
    return None


def _parses(text: str) -> bool:
    try:
        parse(text)
    except StandardCodeError:
        return False
    return True


def read_list(path: Path, *, sheet: str | None = None, column: str | None = None) -> CodeList:
    """The code column of a workbook or CSV list, found by header or named by ``column``.

    ``column`` is a header as written (matched like the import's headers) or a
    column letter (``C``). Without ``sheet``, the first sheet with a code column.
    Raises InputError naming the file (and sheet) when no code column is found.
    """
    workbook = path.suffix.lower() in (".xlsx", ".xlsm")
    if sheet is not None and not workbook:
        raise UsageError(f"--sheet is for workbooks; {path.name} is not an .xlsx file")
    names: list[str | None] = [None]
    if workbook:
        available = sheet_names(path)
        if sheet is not None and sheet not in available:
            raise InputError(f"{path}: no sheet named {sheet!r} (sheets: {'、'.join(available)})")
        names = [sheet] if sheet is not None else list(available)
    for name in names:
        rows = iter_cells(path, sheet=name)
        head: list[tuple[int, list[Any]]] = []
        for number, cells in rows:
            head.append((number, cells))
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        found = _find_column(head, column)
        if found is None:
            _close(rows)
            continue
        header_row, position = found
        listed = CodeList(path, name, header_row, position)
        for number, cells in _chain_rows(head, rows):
            if number > header_row and position < len(cells):
                text = _text(cells[position])
                if text.strip():
                    listed.cells.append(ListedCell(number, text))
        return listed
    where = f"{path}" + (f", sheet {sheet}" if sheet is not None else "")
    if column is not None:
        raise InputError(f"{where}: no column {column!r} in the first {HEADER_SEARCH_ROWS} rows")
    aliases = "、".join(dict.fromkeys((*REGISTER_ALIASES["standard"][:5], *CATALOG_ALIASES["code"][:2])))
    raise InputError(
        f"{where}: no code column found in the first {HEADER_SEARCH_ROWS} rows "
        f"(expected a header such as {aliases}); name it with --column HEADER or --column LETTER"
    )


def _chain_rows(
    head: list[tuple[int, list[Any]]], rows: Iterator[tuple[int, list[Any]]]
) -> Iterator[tuple[int, list[Any]]]:
    yield from head
    yield from rows


def _close(rows: Iterator[Any]) -> None:
    close = getattr(rows, "close", None)
    if close is not None:
        close()


# --- answering ------------------------------------------------------------------------------


def edition_base(code: str, year: int | None) -> str:
    """A code without its year: what every edition of the standard shares.

    >>> edition_base("GB/T 19001-2016", 2016), edition_base("ISO 9001:2015", 2015)
    ('GB/T 19001', 'ISO 9001')
    >>> edition_base("ASTM F963-17A", 2017), edition_base("GB/T 19001", None)
    ('ASTM F963', 'GB/T 19001')
    """
    if year is None:
        return code
    for mark in (f"-{year}", f":{year}", f"-{year % 100:02d}"):
        at = code.rfind(mark)
        if at > 0:
            return code[:at]
    return code


@dataclass(frozen=True)
class _Facts:
    id: int
    title: str | None
    status: str | None
    implemented_on: dt.date | None
    withdrawn_on: dt.date | None
    outdated_from: dt.date | None
    replaced_by_id: int | None
    replaced_by: str | None
    adopted: str | None
    degree: str | None


_CODE_TABLE = "lookup_code"
_NUMBER_TABLE = "lookup_number"


def _fill(
    connection: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    definition = ", ".join(f"{column} TEXT NOT NULL" for column in columns)
    run = connection.exec_driver_sql
    run(f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} ({definition}, PRIMARY KEY ({', '.join(columns)}))")
    run(f"DELETE FROM {table}")
    bulk = Bulk(connection)
    bulk.insert(table, columns, rows)
    if not bulk.sqlite:
        run(f"ANALYZE {table}")  # temporary tables never get statistics otherwise


def _run(connection: Connection, sql: str, as_of: dt.date) -> Any:
    """Rows straight from the driver's cursor (no per-row processing): ``:d`` is the date."""
    bulk = Bulk(connection)
    if bulk.sqlite:
        return connection.exec_driver_sql(sql, {"d": bulk.value(as_of)})
    return connection.exec_driver_sql(sql.replace("%", "%%").replace(":d", "%(d)s"), {"d": as_of})


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _read_catalog(
    connection: Connection, keys: Sequence[str], numbers: Sequence[tuple[str, str]], as_of: dt.date
) -> tuple[dict[str, _Facts], dict[int, tuple[int, int]], dict[str, list[tuple[str, int | None, str]]]]:
    """The codes' facts, the register's counts of their executions, and the editions of their numbers."""
    _fill(connection, _CODE_TABLE, ("code",), [(key,) for key in keys])
    _fill(connection, _NUMBER_TABLE, ("prefix", "number"), list(numbers))
    facts: dict[str, _Facts] = {}
    for row in _run(
        connection,
        f"""SELECT s.id, s.code, s.title, {STATUS_SQL} AS status, s.implemented_on, s.withdrawn_on,
       s.outdated_from, s.replaced_by_id, r.code AS replaced_by, s.adopted_code, s.degree
FROM {_CODE_TABLE} l JOIN standard s ON s.code = l.code
LEFT JOIN standard r ON r.id = s.replaced_by_id""",
        as_of,
    ):
        (
            sid,
            code,
            title,
            status,
            implemented,
            withdrawn,
            outdated,
            successor,
            replaced_by,
            adopted,
            degree,
        ) = row
        facts[code] = _Facts(
            sid, title, status, _date(implemented), _date(withdrawn), _date(outdated), successor,
            replaced_by, adopted, degree,
        )  # fmt: skip
    # executions hold on [valid_from, valid_to), of products registered on the date (as query reads them)
    counts: dict[int, tuple[int, int]] = {}
    for sid, products, enterprises in _run(
        connection,
        f"""SELECT x.standard_id, COUNT(DISTINCT x.product_id), COUNT(DISTINCT p.enterprise_id)
FROM {_CODE_TABLE} l JOIN standard s ON s.code = l.code
JOIN execution x ON x.standard_id = s.id AND x.valid_from <= :d AND x.valid_to > :d
JOIN product p ON p.id = x.product_id
WHERE EXISTS (SELECT 1 FROM product_version pv
              WHERE pv.product_id = p.id AND pv.valid_from <= :d AND pv.valid_to > :d)
GROUP BY x.standard_id""",
        as_of,
    ):
        counts[sid] = (int(products), int(enterprises))
    editions: dict[str, list[tuple[str, int | None, str]]] = defaultdict(list)
    for code, year, status in _run(
        connection,
        f"""SELECT s.code, s.year, {STATUS_SQL} AS status
FROM {_NUMBER_TABLE} n JOIN standard s ON s.prefix = n.prefix AND s.number = n.number""",
        as_of,
    ):
        if status is not None:
            editions[edition_base(code, year)].append((code, year, status))
    for found in editions.values():
        found.sort(key=lambda edition: (edition[1] or 0, edition[0]))
    for table in (_CODE_TABLE, _NUMBER_TABLE):
        connection.exec_driver_sql(f"DROP TABLE {table}")
    return facts, counts, editions


def parse_text(text: str) -> StandardCode | StandardCodeError:
    """The code a piece of a cell names, or why it names none.

    An annotated code names its code, as on import (``GB/T 1234-2008（已作废）``,
    ``执行GB/T 24823-2009``, ``GB/T 19001-2016 idt ISO 9001:2015``):

    >>> parse_text("GB/T 1234-2008（已作废）").code
    'GB/T 1234-2008'
    """
    try:
        return parse(text)
    except StandardCodeError as exc:
        reading = read_cell(text)
        if len(reading.codes) == 1 and not reading.errors:
            return reading.codes[0].code
        return exc


def first_code(cells: Iterable[ListedCell]) -> StandardCode | None:
    """The first code of the list that parses (None when none does): read until it is found."""
    for cell in cells:
        for text in split_cell(cell.text):
            code = parse_text(text)
            if isinstance(code, StandardCode):
                return code
    return None


def answer_codes(
    connection: Connection, parsed: dict[str, StandardCode | StandardCodeError], as_of: dt.date
) -> dict[str, Answer]:
    """The answer to each distinct code text (parsed, or why not), as of a date."""
    keys = {text: register_key(code) for text, code in parsed.items() if isinstance(code, StandardCode)}
    facts, counts, editions = _read_catalog(
        connection,
        sorted({key.code for key in keys.values()}),
        sorted({(key.prefix, key.number) for key in keys.values()}),
        as_of,
    )
    ends = replacement_ends(
        connection,
        {f.replaced_by_id for f in facts.values() if f.status in OUTDATED and f.replaced_by_id is not None},
        as_of,
    )
    answers: dict[str, Answer] = {}
    for text, code in parsed.items():
        if isinstance(code, StandardCodeError):
            answers[text] = Answer(None, "invalid", note=f"not a standard code: {code.reason}")
            continue
        key = keys[text]
        answers[text] = _answer(code, key, facts.get(key.code), counts, editions, ends, as_of)
    return answers


CELL_CHUNK = 20_000
"""Cells answered together: the catalog is read once per chunk, and memory stays flat."""


def answer_cells(
    connection: Connection, cells: Iterable[ListedCell], as_of: dt.date, *, chunk: int = CELL_CHUNK
) -> Iterator[tuple[ListedCell, list[tuple[str, Answer]]]]:
    """Each cell of the list with the answer to each code it holds, in order, chunk by chunk.

    A cell is split into its codes as the import splits a register's standard
    cell (several codes each get their own answer); the distinct codes of a
    chunk are parsed once (right after the split, while the parser's cache
    still holds them) and answered together.
    """
    batch: list[tuple[ListedCell, list[str]]] = []
    parsed: dict[str, StandardCode | StandardCodeError] = {}

    def answered() -> Iterator[tuple[ListedCell, list[tuple[str, Answer]]]]:
        answers = answer_codes(connection, parsed, as_of)
        for cell, texts in batch:
            yield cell, [(text, answers[text]) for text in texts]

    for cell in cells:
        texts = split_cell(cell.text)
        for text in texts:
            if text not in parsed:
                parsed[text] = parse_text(text)
        batch.append((cell, texts))
        if len(batch) >= chunk:
            yield from answered()
            batch, parsed = [], {}
    if batch:
        yield from answered()


def _answer(
    code: StandardCode,
    key: StandardCode,
    facts: _Facts | None,
    counts: dict[int, tuple[int, int]],
    editions: dict[str, list[tuple[str, int | None, str]]],
    ends: dict[int, str],
    as_of: dt.date,
) -> Answer:
    known = editions.get(edition_base(key.code, key.year), [])
    names = tuple(edition[0] for edition in known)
    current = [edition[0] for edition in known if edition[2] == "current"]
    current_edition = current[-1] if current else None
    products, enterprises = counts.get(facts.id, (0, 0)) if facts is not None else (0, 0)
    adopted = code.adopts.code if code.adopts is not None else None
    common: dict[str, Any] = {
        "level": key.level,
        "nature": key.nature,
        "editions": names,
        "current_edition": current_edition,
        "products": products,
        "enterprises": enterprises,
        "adopted": (facts.adopted if facts is not None else None) or adopted,
        "degree": (facts.degree if facts is not None else None) or ("IDT" if adopted else None),
        "title": facts.title if facts is not None else None,
    }
    if facts is None or facts.status is None:
        listed = ", ".join(names)
        now = f"current edition is {current_edition}" if current_edition else f"none is current on {as_of}"
        if key.year is None and names:
            said = f"undated code; the catalog knows {listed}; {now}"
            return Answer(key.code, "undated", note=said, **common)
        if names:
            said = "edition not in the catalog; " + (
                now if current_edition else f"the catalog knows {listed}; {now}"
            )
            return Answer(key.code, "not_in_catalog", note=said, **common)
        return Answer(key.code, "not_in_catalog", note="not in the catalog", **common)
    move_to: str | None = None
    note: str | None = None
    if facts.status in OUTDATED:
        move_to = ends.get(facts.replaced_by_id) if facts.replaced_by_id is not None else None
        if move_to is not None:
            note = f"move to {move_to}"
        elif facts.status == "withdrawn":
            note = "withdrawn without replacement" + (
                f"; current edition is {current_edition}" if current_edition else ""
            )
    elif facts.status == "upcoming" and facts.implemented_on is not None:
        note = f"in force from {facts.implemented_on.isoformat()}"
    return Answer(
        key.code,
        facts.status,
        implemented_on=facts.implemented_on,
        withdrawn_on=facts.withdrawn_on,
        outdated_from=facts.outdated_from,
        replaced_by=facts.replaced_by,
        move_to=move_to,
        note=note,
        **common,
    )


def answer_rows(answered: Iterable[tuple[ListedCell, list[tuple[str, Answer]]]]) -> Iterator[tuple[Any, ...]]:
    """One row per code of the list, in LOOKUP_FIELDS order."""
    for cell, found in answered:
        for text, answer in found:
            yield (text, cell.row, *answer.values())


# --- the officer's workbook, written back -------------------------------------------------

OUTDATED_FILL = "FFC7CE"  # Excel's own light red ("bad")
UNKNOWN_FILL = "FFEB9C"  # and light yellow ("neutral"): not in the catalog, undated, not a code


def write_back(
    listed: CodeList,
    answered: Iterable[tuple[ListedCell, list[tuple[str, Answer]]]],
    columns: Sequence[Column],
    stream: IO[bytes],
) -> int:
    """The list's own workbook with the answer columns appended beside its own; the rows answered.

    Every cell, sheet and header row of the workbook is kept as it was (text
    stays text, formulas stay formulas); the answers go into new columns after
    the sheet's last, headed on the code column's header row. A row with an
    outdated code is highlighted light red, one with a code the catalog does not
    know light yellow (the answer cells only: the officer's cells keep their own
    look). A cell of several codes gets one line per code in each answer cell.
    A CSV list becomes a workbook of its rows, every cell text as in the file.
    ``answered`` is :func:`answer_cells` of the list's cells; ``columns`` name
    LOOKUP_FIELDS after ``input`` and ``row``.
    """
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    positions = [LOOKUP_FIELDS.index(column.key) - 2 for column in columns]
    if listed.sheet is None:
        return _csv_back(listed, answered, columns, positions, stream)
    try:
        workbook = load_workbook(listed.path)
    except Exception as exc:  # read once already: a failure now is the file changing under us
        raise InputError(f"{listed.path}: cannot be read back to write the answers ({exc})") from exc
    sheet = workbook[listed.sheet]
    first = sheet.max_column + 1
    if listed.header_row:
        for offset, column in enumerate(columns):
            cell = sheet.cell(listed.header_row, first + offset)
            _put(cell, column.heading)
            cell.font = Font(bold=True)
    _widths(sheet, columns, first)
    from openpyxl.cell.cell import Cell

    styles = _looks(lambda: Cell(sheet))
    rows = 0
    for cell, answers in answered:
        if not answers or cell.row is None:
            continue
        values, several, kind = _answer_values(answers, columns, positions)
        look = styles.get((kind, several))
        for offset, value in enumerate(values):
            target = sheet.cell(cell.row, first + offset)
            _put(target, value)
            if look is not None:
                target._style = copy(look)
        rows += 1
    workbook.save(stream)
    return rows


def _looks(new_cell: Callable[[], Any]) -> dict[tuple[str | None, bool], Any]:
    """The style of each kind of answer cell (highlight, several lines), set up once.

    Setting a fill cell by cell makes openpyxl hash the fill for every cell (most
    of the time of a 100,000-row list); the styles are copied from these instead.
    """
    from openpyxl.styles import Alignment, PatternFill

    fills = {
        "outdated": PatternFill("solid", start_color=OUTDATED_FILL, end_color=OUTDATED_FILL),
        "unknown": PatternFill("solid", start_color=UNKNOWN_FILL, end_color=UNKNOWN_FILL),
        None: None,
    }
    looks = {}
    for kind, fill in fills.items():
        for several in (False, True):
            if fill is None and not several:
                continue
            cell = new_cell()
            if fill is not None:
                cell.fill = fill
            if several:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            looks[(kind, several)] = cell._style
    return looks


def _widths(sheet: Any, columns: Sequence[Column], first: int) -> None:
    from openpyxl.utils import get_column_letter

    for offset, column in enumerate(columns):
        wide = sum(2 if ord(ch) > 0x2E7F else 1 for ch in column.heading)
        sheet.column_dimensions[get_column_letter(first + offset)].width = max(12, min(40, wide + 4))


def _answer_values(
    answers: list[tuple[str, Answer]], columns: Sequence[Column], positions: Sequence[int]
) -> tuple[list[Any], bool, str | None]:
    """The answer cells of one row (a cell of several codes: one line per code), and its highlight."""
    found = [answer.values() for _, answer in answers]
    statuses = {answer.status for _, answer in answers}
    kind = "outdated" if statuses & OUTDATED else "unknown" if statuses & UNKNOWN else None
    cells = []
    for column, position in zip(columns, positions, strict=True):
        values = [values[position] for values in found]
        if column.show is not None:
            values = [column.show(value) for value in values]
        if len(values) == 1:
            cells.append(values[0])
        else:
            cells.append("\n".join("" if value is None else _shown(value) for value in values))
    return cells, len(found) > 1, kind


def _csv_back(
    listed: CodeList,
    answered: Iterable[tuple[ListedCell, list[tuple[str, Answer]]]],
    columns: Sequence[Column],
    positions: Sequence[int],
    stream: IO[bytes],
) -> int:
    """A CSV list as a workbook of its rows with the answers beside, streamed (memory stays flat)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Font

    width = 0
    for _, cells in iter_cells(listed.path):
        width = max(width, len(cells))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(safe_sheet_title(listed.path.stem))
    _widths(sheet, columns, width + 1)
    styles = _looks(lambda: WriteOnlyCell(sheet))
    bold = Font(bold=True)
    pending = iter(answered)
    following = next(pending, None)
    rows = 0
    for number, cells in iter_cells(listed.path):
        line = [xlsx_value(sheet, value if value != "" else None, WriteOnlyCell) for value in cells]
        line += [None] * (width - len(cells))
        if number == listed.header_row:
            for column in columns:
                heading = WriteOnlyCell(sheet, value=column.heading)
                heading.font = bold
                line.append(heading)
        while following is not None and (following[0].row or 0) < number:
            following = next(pending, None)
        if following is not None and following[0].row == number:
            if following[1]:
                values, several, kind = _answer_values(following[1], columns, positions)
                look = styles.get((kind, several))
                for value in values:
                    cell = xlsx_value(sheet, value, WriteOnlyCell)
                    if look is not None:
                        if not isinstance(cell, Cell):
                            cell = WriteOnlyCell(sheet, value=cell)
                        cell._style = copy(look)
                    line.append(cell)
                rows += 1
            following = next(pending, None)
        sheet.append(line)
    for _ in pending:  # the answers are a generator over the register: finish it
        pass
    workbook.save(stream)
    return rows


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _put(cell: Any, value: Any) -> None:
    """Set a cell; text that looks like a formula stays text (and stays so when edited in Excel)."""
    if isinstance(value, list):
        value = ", ".join(value) or None
    if not isinstance(value, str):
        cell.value = value
        return
    value = spreadsheet_text(value)
    cell.value = value
    if value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
