"""``stdreg merge``: bring whole county registers into a city's (or a city's into a province's)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from stdreg.cli.common import Messages, WaitOption, options
from stdreg.errors import UsageError
from stdreg.render.summaries import merge_line

# Deferred into the command (help lists every command, so it imports this module), with what
# each would add to that start-up (CPU, measured): stdreg.merge and stdreg.kernel with SQLAlchemy
# and SQLModel 600-900 ms, stdreg.store 10 ms.


def merge_command(
    ctx: typer.Context,
    sources: Annotated[
        list[str],
        typer.Argument(
            help="Registers to merge in: stdreg SQLite files or database URLs.",
            metavar="SOURCE...",
            show_default=False,
        ),
    ],
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            help="The region (county) the rows are tagged with. Default: the file's name without "
            "suffix (龙游县.sqlite → 龙游县). Required for a URL; only with one SOURCE.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Do everything, then write nothing.")] = False,
    wait: WaitOption = 0.0,
    json_summary: Annotated[
        bool, typer.Option("--json", help="Print each source's summary as a JSON line on stdout.")
    ] = False,
) -> None:
    """Merge county registers into this one, with their full history, tagged by region.

    Merging the same region again writes only what changed there since. An enterprise this
    register already holds from another region (or from its own imports) is a conflict: it is
    listed and left out, never duplicated. Each region is maintained in its own register:
    correct it there and merge again. Each SOURCE is merged in one transaction of its own, in
    the order given. Exit codes: 0 merged (conflicts, if any, are listed on stderr); 2 a usage
    error; 75 another writer holds the register; 1 anything else (that SOURCE left unmerged).
    """
    from stdreg.kernel.batch import current_user
    from stdreg.merge import merge_register, region_name
    from stdreg.store import mask_passwords, open_register, writer_lock

    if region is not None and len(sources) > 1:
        raise UsageError("--region names the region of one SOURCE; merge several by their file names")
    regions = [region_name(source, region) for source in sources]
    if len(set(regions)) < len(regions):
        raise UsageError(f"two sources would be merged as the same region: {', '.join(regions)}")
    messages = Messages()
    register = open_register(options(ctx).db)
    try:
        with writer_lock(register, wait=wait):
            for source, name in zip(sources, regions, strict=True):
                command = f"stdreg merge {mask_passwords(source)} --region {name}"
                result = merge_register(
                    register, source, region=name, command=command, user=current_user(), dry_run=dry_run
                )
                messages.info(merge_line(result.summary()))
                for conflict in result.conflicts:
                    messages.problem(f"conflict: {conflict.describe()}")
                if json_summary:
                    typer.echo(json.dumps(result.summary(), ensure_ascii=False))
    finally:
        register.dispose()
