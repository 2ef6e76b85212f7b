"""What every command shares: global options, dates, messages on stderr, output to files."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from stdreg.errors import UsageError
from stdreg.outputs import open_output
from stdreg.render.summaries import import_in_words

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from stdreg.ingest.service import ImportResult
    from stdreg.render.rows import Column

# Imported by `stdreg --version`, so these wait for the functions that use them; each would add
# to that start-up (CPU, measured): rich.console 40 ms, stdreg.render.rows 10 ms, stdreg.store 9 ms,
# stdreg.ingest.cells 3 ms.


@dataclass
class GlobalOptions:
    db: str | None = None
    verbose: bool = False


def options(ctx: typer.Context) -> GlobalOptions:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, GlobalOptions) else GlobalOptions()


class TableOrJson(StrEnum):
    table = "table"
    json = "json"


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


class QueryFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    xlsx = "xlsx"


_SUFFIXES = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}
"""The format an output file's suffix names, for every command that writes one."""
FormatT = TypeVar("FormatT", bound=StrEnum)

FormatOption = Annotated[
    QueryFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format (default: from the -o file's suffix, else table). "
        "csv is UTF-8 with BOM; xlsx needs -o or a redirected standard output.",
        show_default=False,
    ),
]


class Lang(StrEnum):
    zh = "zh"
    en = "en"


AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The date the file describes (2013-12-31, 2013/12/31, 2013年12月31日 …); default today.",
        metavar="DATE",
        show_default=False,
    ),
]
YearOption = Annotated[
    int | None,
    typer.Option("--year", help="Same as --as-of Y-12-31.", min=1900, max=2999, show_default=False),
]
WaitOption = Annotated[
    float,
    typer.Option(
        "--wait",
        help="Seconds to wait for another writer to finish before giving up (exit 75).",
        min=0,
        metavar="SECONDS",
    ),
]
LangOption = Annotated[
    Lang, typer.Option("--lang", help="Labels of tables and workbooks (JSON and CSV keys stay English).")
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="STDREG_CONFIG",
        help="The bureau's configuration (TOML): how adoption is counted.",
        show_default=False,
    ),
]
EncodingOption = Annotated[
    str | None, typer.Option("--encoding", help="Text encoding of CSV files (default: detected).")
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "-o",
        "--output",
        help="Write to this file instead of standard output.",
        dir_okay=False,
        show_default=False,
    ),
]


DATE_FORMS = "2013-12-31, 2013/12/31, 2013.12.31, 20131231 or 2013年12月31日"


def parse_date_option(text: str, name: str = "--as-of") -> dt.date:
    """A date option, in any form a register file's date cell takes (the import's own parser)."""
    from stdreg.ingest.cells import CellError, parse_date  # deferred: see the note at the top

    try:
        # a bare number is an Excel serial date in a cell, but on the command line it is a slip
        # (--as-of 2013 for the end of 2013 would be 1905-07-05)
        if re.fullmatch(r"\d+(\.\d*)?", text.strip()) and not re.fullmatch(r"\d{8}", text.strip()):
            raise CellError("expected a date")
        return parse_date(text)
    except CellError as exc:
        reason = "" if str(exc).startswith("expected") else f" ({exc})"
        raise UsageError(f"{name} {text!r} is not a date{reason}; write it as {DATE_FORMS}") from None


def as_of_date(as_of: str | None, year: int | None) -> dt.date:
    """The as-of date named by --as-of or --year (Y-12-31), or today."""
    if as_of is not None and year is not None:
        raise UsageError("give --as-of or --year, not both")
    if year is not None:
        return dt.date(year, 12, 31)
    if as_of is not None:
        return parse_date_option(as_of)
    return dt.date.today()


def _masked(text: str) -> str:
    from stdreg.store import mask_passwords  # deferred: see the note at the top

    return mask_passwords(text)  # a message may quote a URL as its user typed it


class Messages:
    """Messages for people on stderr: rich on a terminal, timestamped plain lines otherwise."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self._console: Any = None

    @property
    def console(self) -> Any:
        if self._console is None:
            from rich.console import Console  # deferred: see the note at the top

            self._console = Console(stderr=True, highlight=False)
        return self._console

    def _plain(self, text: str) -> None:
        stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        for line in text.splitlines() or [""]:
            print(f"{stamp} stdreg: {line}", file=sys.stderr, flush=True)

    def info(self, text: str) -> None:
        if self.quiet:
            return
        text = _masked(text)
        if self.tty:
            self.console.print(text, markup=False)
        else:
            self._plain(text)

    def problem(self, text: str) -> None:
        text = _masked(text)
        if self.tty:
            self.console.print(text, markup=False, style="yellow")
        else:
            self._plain(text)

    def error(self, text: str) -> None:
        text = _masked(text)
        if self.tty:
            self.console.print(f"Error: {text}", markup=False, style="bold red")
        else:
            print(f"Error: {text}", file=sys.stderr, flush=True)


def tell_import(messages: Messages, result: ImportResult, *, json_summary: bool, lang: str = "zh") -> None:
    """What one file's import did, in words: every row read, the changes, where problems went."""
    summary = result.summary()
    for line in import_in_words(summary, lang):
        messages.info(line)
    zh = lang == "zh"
    if result.rows_rejected:
        messages.problem(
            f"{result.path}：拒绝 {result.rows_rejected:,} 行，见 {result.problems_path}"
            if zh
            else f"{result.path}: {result.rows_rejected:,} rows rejected; see {result.problems_path}"
        )
    elif result.problems_path is not None:
        messages.info(
            f"{result.path}：警告已写入 {result.problems_path}"
            if zh
            else f"{result.path}: warnings written to {result.problems_path}"
        )
    if json_summary:
        typer.echo(json.dumps(summary, ensure_ascii=False))


@contextmanager
def output_stream(path: Path | None, *, binary: bool = False) -> Iterator[IO[Any]]:
    """Standard output, or a file written whole or not at all (see stdreg.outputs)."""
    if path is None:
        if binary:
            yield sys.stdout.buffer
        else:
            yield sys.stdout
        sys.stdout.flush()
        return
    with open_output(path, binary=binary) as handle:
        yield handle


def output_format(
    chosen: FormatT | None,
    output: Path | None,
    formats: type[FormatT] = QueryFormat,  # type: ignore[assignment]  # the read commands' formats
) -> FormatT:
    """The format asked for, or the one the output file's suffix names, or table (of ``formats``).

    >>> output_format(None, Path("a.ndjson")), output_format(None, Path("a.xlsx"), ReportFormat)
    (<QueryFormat.jsonl: 'jsonl'>, <ReportFormat.xlsx: 'xlsx'>)
    """
    if chosen is None:
        by_suffix = {
            suffix: formats(name) for suffix, name in _SUFFIXES.items() if name in formats.__members__
        }
        chosen = by_suffix.get(output.suffix.lower(), formats("table")) if output else formats("table")
    if chosen.value == "xlsx" and output is None and sys.stdout.isatty():
        raise UsageError("an xlsx workbook is not for a terminal: give -o FILE.xlsx, or redirect the output")
    return chosen


def write_rows(
    found: Iterable[Sequence[Any]],
    columns: Sequence[Column],
    chosen: QueryFormat,
    output: Path | None,
    *,
    title: str | None,
    row_style: Any,
) -> int | None:
    """Write the rows; their number, or None when the reader of standard output went away."""
    from stdreg.render import rows as render  # deferred: see the note at the top

    try:
        if chosen is QueryFormat.table:
            with output_stream(output) as stream:
                return render.write_table(found, columns, stream, title=title, row_style=row_style)
        writer = render.WRITERS[chosen.value]
        with output_stream(output, binary=True) as stream:
            if chosen is QueryFormat.xlsx:
                return writer(found, columns, stream, sheet_title=title or "query")
            return writer(found, columns, stream)
    except BrokenPipeError:
        # `stdreg query | head`: stop quietly; later writes to stdout go nowhere
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return None
    finally:
        # the cursor is closed now, while its connection is still open
        close = getattr(found, "close", None)
        if close is not None:
            close()
