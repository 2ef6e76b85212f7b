"""``stdreg history``: what changed about an enterprise or a standard, when, and from which source."""

from __future__ import annotations

from typing import Annotated, Any

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
    write_rows,
)
from stdreg.errors import UsageError
from stdreg.render.labels import HISTORY_LABELS, pick

# Deferred into the command (help lists every command, so it imports this module), with what
# each would add to that start-up (CPU, measured): stdreg.history with SQLAlchemy and SQLModel
# 600-900 ms, stdreg.fields with python-stdnum 60 ms, stdreg.render.rows 14 ms, stdreg.store 10 ms.

_TABLE_FIELDS = ("date", "written_at", "batch", "source", "what")


def history_command(
    ctx: typer.Context,
    enterprise: Annotated[
        str | None,
        typer.Argument(
            metavar="[USCC]",
            help="The enterprise: its USCC or its organization code (XXXXXXXX-X).",
            show_default=False,
        ),
    ] = None,
    standard: Annotated[
        str | None,
        typer.Option(
            "--standard",
            metavar="CODE",
            help="The history of a standard's facts instead (status, dates, replacement, adoption).",
            show_default=False,
        ),
    ] = None,
    format: FormatOption = None,
    output: OutputOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """Show what changed about an enterprise (or --standard CODE), as a timeline.

    One row per change: the date it holds from (blank for a correction of every date), when it
    was written, the batch, its source (file name and SHA-256, or command line and user) and what
    changed (old → new). Changes undone by `stdreg import --revert` are marked.
    """
    from stdreg import history
    from stdreg.render.rows import Column
    from stdreg.store import open_register

    if (enterprise is None) == (standard is None):
        raise UsageError("give an enterprise (USCC or organization code) or --standard CODE, not both")
    chosen = output_format(format, output)
    # what changed is told in --lang where people read it (the table, the workbook); JSON, JSON
    # lines and CSV are for programs and keep the English texts
    language = lang.value
    told = language if chosen in (QueryFormat.table, QueryFormat.xlsx) else "en"
    register = open_register(options(ctx).db)
    try:
        with register.engine.connect() as connection:
            if standard is not None:
                from stdreg.fields import FIELDS, FieldError

                try:
                    code = FIELDS["standard"](standard)
                except FieldError as exc:
                    raise UsageError(f"--standard {standard!r}: {exc.reason}") from None
                rows = history.standard_history(connection, code.code, told)
                subject = heading = code.code
            else:
                from stdreg.fields import FieldError, enterprise_identity

                assert enterprise is not None
                try:
                    _, org_code = enterprise_identity(enterprise)
                except FieldError as exc:
                    raise UsageError(f"{enterprise!r}: {exc.reason}") from None
                rows = history.enterprise_history(connection, org_code, told)
                subject, heading = org_code, history.enterprise_title(connection, org_code, language)
    finally:
        register.dispose()
    every = "every date" if language == "en" else "全部日期"
    reverted = "reverted by batch" if language == "en" else "已被批次撤销:"
    if chosen is QueryFormat.table:
        columns = [Column(key, pick(HISTORY_LABELS[key], language)) for key in _TABLE_FIELDS]
        shown: list[tuple[Any, ...]] = [
            (
                row.date or every,
                row.written_at,
                row.batch,
                f"{row.region}: {row.source}" if row.region else row.source,  # merged from a county
                row.what + (f" ({reverted} {row.reverted_by})" if row.reverted_by else ""),
            )
            for row in rows
        ]
        written = write_rows(shown, columns, chosen, output, title=heading, row_style=None)
    else:
        columns = [Column(key, pick(HISTORY_LABELS[key], language)) for key in history.HISTORY_FIELDS]
        values = [row.values() for row in rows]
        written = write_rows(values, columns, chosen, output, title=subject.replace("/", "-"), row_style=None)
    if written == 0 and chosen is QueryFormat.table:
        Messages().info(f"{heading}: no recorded changes")
