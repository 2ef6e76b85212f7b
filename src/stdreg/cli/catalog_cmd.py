"""``stdreg catalog``: standards catalogs (status, replacement, adoption)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stdreg.cli.common import (
    AsOfOption,
    EncodingOption,
    Lang,
    LangOption,
    Messages,
    WaitOption,
    YearOption,
    as_of_date,
    options,
    tell_import,
)
from stdreg.outputs import check_output, protect_inputs

# Deferred into the command (help lists every command, so it imports this module), with what
# each would add to that start-up (CPU, measured): stdreg.ingest.service with SQLAlchemy, SQLModel
# and pydantic 600-900 ms, stdreg.store 10 ms.

app = typer.Typer(
    help="Standards catalogs: status, dates, replacement links and adoption.", no_args_is_help=True
)


@app.command("import")
def catalog_import(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="A catalog file (.xlsx, .csv, .tsv, .jsonl).", show_default=False)
    ],
    as_of: AsOfOption = None,
    year: YearOption = None,
    sheet: Annotated[
        list[str] | None,
        typer.Option(
            "--sheet",
            help="Read only this sheet of a workbook (repeatable); default: every sheet with a "
            "catalog header.",
            show_default=False,
        ),
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the good rows even when some are bad.")
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="Where to write bad rows and warnings.", show_default=False),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything, write nothing.")] = False,
    encoding: EncodingOption = None,
    wait: WaitOption = 0.0,
    json_summary: Annotated[
        bool, typer.Option("--json", help="Print the summary as a JSON line on stdout.")
    ] = False,
    lang: LangOption = Lang.zh,
) -> None:
    """Import a standards catalog: status, dates, replaces / replaced-by, adoption.

    A status without a date counts from the as-of date (default today).
    """
    from stdreg.ingest.service import import_file
    from stdreg.store import open_register, writer_lock

    date = as_of_date(as_of, year)
    messages = Messages()
    protect_inputs([path])
    register = open_register(options(ctx).db)
    try:
        if rejects is not None:
            check_output(rejects)
        with writer_lock(register, wait=wait):
            result = import_file(
                register,
                path,
                as_of=date,
                want="catalog",
                sheets=sheet,
                encoding=encoding,
                skip_invalid=skip_invalid,
                rejects_path=rejects,
                dry_run=dry_run,
            )
        tell_import(messages, result, json_summary=json_summary, lang=lang)
    finally:
        register.dispose()
