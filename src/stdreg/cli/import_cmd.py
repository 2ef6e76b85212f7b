"""``stdreg import``: merge survey spreadsheets into the register."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from stdreg.errors import UsageError
from stdreg.outputs import check_output, protect_inputs

# Deferred into the commands (help lists every command, so it imports this module), with what
# each would add to that start-up (CPU, measured): stdreg.ingest.service and stdreg.kernel with
# SQLAlchemy, SQLModel and pydantic 600-900 ms, rich.progress 50 ms, stdreg.store 10 ms.


def import_command(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Register files (.xlsx, .xls, .csv, .tsv, .jsonl), imported in order.", show_default=False
        ),
    ] = None,
    as_of: AsOfOption = None,
    year: YearOption = None,
    sheet: Annotated[
        list[str] | None,
        typer.Option(
            "--sheet",
            help="Read only this sheet of a workbook (repeatable); default: every sheet with a "
            "register header.",
            show_default=False,
        ),
    ] = None,
    complete: Annotated[
        bool,
        typer.Option(
            "--complete",
            help="The file lists all products and standards of each of its enterprises: "
            "what it leaves out is dropped as of the date (kept in history).",
        ),
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import the good rows even when some are bad (they still go to the rejects file).",
        ),
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Where to write bad rows and warnings (default: <file>.rejects.xlsx here). "
            "With several files, a folder.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count everything, write nothing.")
    ] = False,
    encoding: EncodingOption = None,
    wait: WaitOption = 0.0,
    json_summary: Annotated[
        bool, typer.Option("--json", help="Print each file's summary as a JSON line on stdout.")
    ] = False,
    lang: LangOption = Lang.zh,
    revert: Annotated[
        int | None,
        typer.Option(
            "--revert",
            metavar="BATCH_ID",
            help="Instead of importing, undo batch BATCH_ID (an import, catalog or update): what it "
            "inserted goes, what it changed or closed comes back. Refused (exit 3) while later "
            "batches build on it.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import register files (survey spreadsheets) as of a date.

    Exit codes: 0 imported (or reverted); 3 bad rows, nothing written (see the rejects file),
    or --revert refused because later batches build on the batch; 75 another writer holds the
    register; 1 anything else.
    """
    from stdreg.ingest.service import import_file
    from stdreg.store import open_register, writer_lock

    if revert is not None:
        if files:
            raise UsageError("--revert BATCH_ID undoes a batch: give no files with it")
        _revert(ctx, revert, wait=wait, dry_run=dry_run, json_summary=json_summary)
        return
    if not files:
        raise UsageError("give the files to import (or --revert BATCH_ID)")

    date = as_of_date(as_of, year)
    if rejects is not None and len(files) > 1 and not rejects.is_dir():
        raise UsageError("with several files, --rejects must name an existing folder")
    messages = Messages()
    protect_inputs(files)
    register = open_register(options(ctx).db)
    try:
        targets = [
            rejects / (path.name + ".rejects.xlsx") if rejects is not None and rejects.is_dir() else rejects
            for path in files
        ]
        for target in targets:  # before anything is written
            if target is not None:
                check_output(target)
        with writer_lock(register, wait=wait):
            for path, target in zip(files, targets, strict=True):
                with _progress(messages, path) as progress:
                    result = import_file(
                        register,
                        path,
                        as_of=date,
                        sheets=sheet,
                        encoding=encoding,
                        complete=complete,
                        skip_invalid=skip_invalid,
                        rejects_path=target,
                        dry_run=dry_run,
                        progress=progress,
                    )
                tell_import(messages, result, json_summary=json_summary, lang=lang)
    finally:
        register.dispose()


def _revert(ctx: typer.Context, batch_id: int, *, wait: float, dry_run: bool, json_summary: bool) -> None:
    from stdreg.kernel.batch import current_user
    from stdreg.kernel.revert import revert_batch
    from stdreg.store import open_register, writer_lock

    register = open_register(options(ctx).db)
    command = f"stdreg import --revert {batch_id}"
    try:
        with writer_lock(register, wait=wait):
            result = revert_batch(register, batch_id, command=command, user=current_user(), dry_run=dry_run)
    finally:
        register.dispose()
    counts = ", ".join(f"{key} {value:,}" for key, value in sorted(result.counts.items()) if value)
    verb = "would revert" if dry_run else "reverted"
    done = f"; batch {result.revert_batch_id}" if result.revert_batch_id is not None else ""
    Messages().info(f"{verb} batch {batch_id}: {counts or 'nothing to undo'}{done}")
    if json_summary:
        summary = {
            "reverted": batch_id,
            "batch_id": result.revert_batch_id,
            "dry_run": dry_run,
            **result.counts,
        }
        typer.echo(json.dumps(summary, ensure_ascii=False))


@contextmanager
def _progress(messages: Messages, path: Path) -> Iterator[Callable[[int], None]]:
    """Rows read so far: a rich progress line on a terminal, a log line per 100,000 rows otherwise."""
    if not messages.tty:

        def log(rows: int) -> None:
            if rows and rows % 100_000 == 0:
                messages.info(f"{path.name}: {rows:,} rows read")

        yield log
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=messages.console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"{path.name}: reading")

        def show(rows: int) -> None:
            bar.update(task, description=f"{path.name}: {rows:,} rows read and checked")

        yield show
