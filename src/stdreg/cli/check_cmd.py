"""``stdreg check``: products made to a withdrawn or replaced standard, for cron to alert on."""

from __future__ import annotations

import datetime as dt
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
    parse_date_option,
    write_rows,
)
from stdreg.render.labels import CHECK_LABELS, STANDARD_STATUS, label, pick

# Deferred into the command (help lists every command, so it imports this module), with what
# each would add to that start-up (CPU, measured): stdreg.checks with SQLAlchemy and SQLModel
# 600-900 ms, stdreg.render.rows 14 ms, stdreg.store 10 ms.

EXIT_OUTDATED = 4
"""``stdreg check`` found products made to an outdated standard (no other command exits 4)."""

_TABLE_FIELDS = ("township", "enterprise", "product", "standard", "status", "outdated_from", "move_to")


def check_command(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="Check as of this date (2013-12-31, 2013年12月31日 …); default today.",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Only standards that became outdated after this date (e.g. the last check's).",
            show_default=False,
        ),
    ] = None,
    format: FormatOption = None,
    output: OutputOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """List products made to a withdrawn or replaced standard, by township and enterprise.

    Each row names the standard, when it became outdated, and the standard to move to (the newest
    along its chain of replacements). Exit codes: 0 nothing is outdated; 4 something is (the rows
    are listed), so that cron can alert; 2 usage error.
    """
    from stdreg import checks
    from stdreg.render.rows import Column
    from stdreg.store import open_register

    date = parse_date_option(as_of) if as_of is not None else dt.date.today()
    floor = parse_date_option(since, "--since") if since is not None else None
    chosen = output_format(format, output)
    register = open_register(options(ctx).db)
    try:
        with register.engine.connect() as connection:
            rows = checks.outdated_products(connection, date, since=floor)
    finally:
        register.dispose()
    language = lang.value
    title = f"{label('as_of', language)} {date}" + (
        f" ({'since' if language == 'en' else '自'} {floor})" if floor else ""
    )
    if chosen is QueryFormat.table:
        keys = _TABLE_FIELDS
        positions = [checks.CHECK_FIELDS.index(key) for key in keys]
        columns = [Column(key, pick(CHECK_LABELS[key], language)) for key in keys]
        shown: list[tuple[Any, ...]] = []
        previous: tuple[Any, Any] = (object(), object())
        for row in rows:
            values = [row[i] for i in positions]
            values[4] = pick(STANDARD_STATUS.get(values[4], (values[4], values[4])), language)
            group = (row[0], row[3])
            if group == previous:  # one heading per township and enterprise
                values[0] = values[1] = ""
            previous = group
            shown.append(tuple(values))
        write_rows(shown, columns, chosen, output, title=title, row_style=None)
    else:
        columns = [Column(key, pick(CHECK_LABELS[key], language)) for key in checks.CHECK_FIELDS]
        write_rows(rows, columns, chosen, output, title="check", row_style=None)
    messages = Messages()
    if not rows:
        messages.info(f"{title}: no product is made to a withdrawn or replaced standard")
        return
    products = len({(row[3], row[4]) for row in rows})
    enterprises = len({row[3] for row in rows})
    messages.problem(
        f"{title}: {products} products of {enterprises} enterprises "
        "are made to a withdrawn or replaced standard"
    )
    raise typer.Exit(EXIT_OUTDATED)
