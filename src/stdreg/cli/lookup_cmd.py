"""``stdreg lookup``: 标准查新, a list of standard codes answered against the catalog and the register."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stdreg.cli.common import (
    FormatOption,
    Lang,
    LangOption,
    Messages,
    OutputOption,
    QueryFormat,
    options,
    output_format,
    output_stream,
    parse_date_option,
    write_rows,
)
from stdreg.errors import InputError, UsageError
from stdreg.outputs import protect_inputs
from stdreg.render.labels import (
    LOOKUP_LABELS,
    STANDARD_NATURE,
    STANDARD_STATUS,
    chinese_note,
    label,
    pick,
)

if TYPE_CHECKING:
    from stdreg.render.rows import Column

# Deferred into the command (help lists every command, so it imports this module), with what
# each would add to that start-up (CPU, measured): stdreg.lookup with SQLAlchemy about 380 ms,
# stdreg.codes.standard_code 17 ms, stdreg.render.rows 14 ms, stdreg.store 10 ms.

_TABLE_FIELDS = (
    "input", "code", "status", "move_to", "current_edition", "products", "enterprises", "note",
)  # fmt: skip
_TABLE_DROP = {"enterprises": 1, "current_edition": 2, "input": 3}


def lookup_command(
    ctx: typer.Context,
    codes: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="CODE...",
            help="Standard codes in any messy form (gbt19001-2016); - reads them from standard input, "
            "one a line.",
            show_default=False,
        ),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            metavar="FILE",
            help="A list (.xlsx or .csv) whose code column is found by its header (执行标准, 标准号 …).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(
            "--sheet",
            metavar="NAME",
            help="The workbook's sheet (default: the first with a code column).",
            show_default=False,
        ),
    ] = None,
    column: Annotated[
        str | None,
        typer.Option(
            "--column",
            metavar="HEADER-or-LETTER",
            help="The code column, by its header or its letter (C), when its header is not a known one.",
            show_default=False,
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="Answer as of this date (2013-12-31, 2013年12月31日 …); default today.",
            show_default=False,
        ),
    ] = None,
    format: FormatOption = None,
    output: OutputOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """Check a list of standard codes (标准查新): status on a date, replacement, what to move to.

    For each code: its normalized form, level and nature, status (current, upcoming, replaced,
    withdrawn, undated, not in the catalog, or not a code), dates, the standard that replaces it
    and the end of its chain of replacements, adoption, the editions the catalog knows, and how
    many products of how many enterprises the register says execute it. With --file and
    -o OUT.xlsx, the list's own workbook is written back with the answers appended beside its
    columns, outdated rows highlighted. Exit codes: 0 answered (codes that are not codes
    included); 3 no code could be read; 2 usage error.
    """
    import datetime as dt

    from stdreg import lookup
    from stdreg.store import open_register

    if file is not None and codes:
        raise UsageError("give codes or --file, not both")
    if file is None and not codes:
        raise UsageError("give standard codes, - to read them from standard input, or --file FILE")
    if file is None and (sheet is not None or column is not None):
        raise UsageError("--sheet and --column are for --file")
    date = parse_date_option(as_of) if as_of is not None else dt.date.today()
    chosen = output_format(format, output)
    listed = None
    if file is not None:
        protect_inputs([file])  # the answers never overwrite the list (any spelling of it)
        listed = lookup.read_list(file, sheet=sheet, column=column)
        cells = listed.cells
    elif codes == ["-"]:
        cells = lookup.cells_of(sys.stdin.read().splitlines(), numbered=True)
    else:
        cells = lookup.cells_of(codes or (), numbered=False)
    if lookup.first_code(cells) is None:
        raise InputError(_nothing_to_look_up(cells, file))
    language = lang.value
    tally: Counter[str] = Counter()

    def counted(answered: Iterable[tuple[Any, list[tuple[str, Any]]]]) -> Iterator[Any]:
        for cell, found in answered:
            tally.update(answer.status for _, answer in found)
            yield cell, found

    register = open_register(options(ctx).db)
    try:
        with register.engine.connect() as connection:
            answered = counted(lookup.answer_cells(connection, cells, date))
            if listed is not None and chosen is QueryFormat.xlsx:
                columns = [_column(key, language) for key in lookup.LOOKUP_FIELDS[2:]]
                with output_stream(output, binary=True) as stream:
                    lookup.write_back(listed, answered, columns, stream)
                written: int | None = sum(tally.values())
            elif chosen is QueryFormat.table:
                keys = list(_TABLE_FIELDS)
                columns = [_column(key, language) for key in keys]
                written = write_rows(
                    _project(lookup.answer_rows(answered), keys), columns, chosen, output,
                    title=f"{label('as_of', language)} {date}", row_style=_style,
                )  # fmt: skip
            else:
                full = chosen in (QueryFormat.json, QueryFormat.jsonl)
                columns = [_column(key, language) for key in lookup.LOOKUP_FIELDS]
                rows = lookup.answer_rows(answered)
                found = rows if full else _editions_as_text(rows)
                written = write_rows(found, columns, chosen, output, title="lookup", row_style=None)
    finally:
        register.dispose()
    if written is None:
        return
    summary = ", ".join(
        f"{tally[status]} {STANDARD_STATUS[status][1]}" for status in lookup.STATUSES if tally[status]
    )
    Messages().info(
        f"{label('as_of', 'en')} {date}: {sum(tally.values())} codes: {summary}"
        + (f"; written to {output}" if output is not None else "")
    )


def _nothing_to_look_up(cells: Sequence[Any], file: Path | None) -> str:
    from stdreg.codes.standard_code import split_cell
    from stdreg.lookup import parse_text

    where = f"{file}: " if file is not None else ""
    texts = list(dict.fromkeys(text for cell in cells for text in split_cell(cell.text)))
    if not texts:
        return f"{where}no standard code to look up (the list is empty)"
    shown = "; ".join(f"{text!r}: {getattr(parse_text(text), 'reason', '')}" for text in texts[:3])
    return f"{where}no standard code could be read ({shown}{'; …' if len(texts) > 3 else ''})"


def _column(key: str, lang: str) -> Column:
    from stdreg.render.rows import Column

    def show(value: Any) -> Any:
        if value is None:
            return None
        if key == "status":
            return pick(STANDARD_STATUS.get(value, (value, value)), lang)
        if key == "nature":
            return pick(STANDARD_NATURE.get(value, (value, value)), lang)
        if key == "level":
            return label(value, lang)
        if key == "editions" and isinstance(value, list):
            return ", ".join(value) or None
        if key == "note" and lang == "zh":
            return chinese_note(value)
        return value

    justify = "right" if key in ("products", "enterprises", "row") else "left"
    return Column(key, pick(LOOKUP_LABELS[key], lang), show, justify, _TABLE_DROP.get(key, 0))


def _style(row: Sequence[Any]) -> str | None:
    status = row[_TABLE_FIELDS.index("status")]
    if status in ("replaced", "withdrawn"):
        return "red"
    if status in ("undated", "not_in_catalog", "invalid"):
        return "yellow"
    return None


def _project(rows: Iterable[Sequence[Any]], keys: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    from stdreg.lookup import LOOKUP_FIELDS

    positions = [LOOKUP_FIELDS.index(key) for key in keys]
    for row in rows:
        yield tuple(row[i] for i in positions)


def _editions_as_text(rows: Iterable[Sequence[Any]]) -> Iterator[tuple[Any, ...]]:
    """CSV and plain workbooks hold one value a cell: the editions as one text."""
    from stdreg.lookup import LOOKUP_FIELDS

    at = LOOKUP_FIELDS.index("editions")
    for row in rows:
        values = list(row)
        values[at] = ", ".join(values[at]) or None
        yield tuple(values)
