"""``stdreg db``: the register database itself: where it is, its schema, backups."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from stdreg.cli.common import Messages, TableOrJson, WaitOption, options
from stdreg.errors import NoRegister, UsageError

# Deferred into the commands (help lists every command, so it imports this module), with what
# each would add to that start-up (CPU, measured): stdreg.merge with SQLAlchemy and SQLModel
# 600-900 ms, stdreg.store 10 ms.

app = typer.Typer(help="The register database: info, upgrade, backup.", no_args_is_help=True)


@app.command("info")
def info(
    ctx: typer.Context,
    format: Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format.")] = TableOrJson.table,
) -> None:
    """Where the register is, its schema revision, and how many rows each table holds.

    A register that does not exist yet is not created: db info says where it would be.
    """
    from stdreg.merge import merged_regions
    from stdreg.store import (
        display_url,
        head_revision,
        open_register,
        register_identity,
        resolve_url,
        row_counts,
        sqlite_path,
    )

    try:
        register = open_register(options(ctx).db, create=False)
    except NoRegister:
        url = resolve_url(options(ctx).db)
        path = sqlite_path(url)
        where = str(path) if path is not None else display_url(url)
        if format is TableOrJson.json:
            typer.echo(json.dumps({"url": where, "path": str(path) if path else None, "exists": False}))
            return
        typer.echo(f"register:  {where}")
        typer.echo(
            "there is no register there yet: `stdreg import FILE` creates it and imports FILE "
            "(`stdreg db upgrade` creates an empty one); --db PATH-or-URL names another"
        )
        return
    try:
        with register.engine.connect() as connection:
            merged = merged_regions(connection)
            identity = register_identity(connection)
        facts = {
            "url": display_url(register.url) if register.path is None else register.url,
            "path": str(register.path) if register.path else None,
            "exists": True,
            "backend": register.engine.dialect.name,
            "identity": identity,
            "schema_revision": register.revision(),
            "latest_revision": head_revision(),
            "rows": row_counts(register),
            "merged": merged,
        }
    finally:
        register.dispose()
    if format is TableOrJson.json:
        typer.echo(json.dumps(facts, ensure_ascii=False, indent=2))
        return
    typer.echo(f"register:  {facts['path'] or facts['url']}")
    typer.echo(f"backend:   {facts['backend']}")
    typer.echo(f"identity:  {identity}")
    typer.echo(f"schema:    {facts['schema_revision']} (latest {facts['latest_revision']})")
    for table, count in facts["rows"].items():  # type: ignore[union-attr]
        typer.echo(f"  {table:<20} {count:>12,}")
    for region in merged:
        typer.echo(
            f"merged:    {region['region']}: {region['enterprises']:,} enterprises, last merged "
            f"{region['merged_at'] or '?'} (batch {region['last_merge_batch']}) from {region['source']}"
        )


@app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    wait: WaitOption = 0.0,
    no_backup: Annotated[
        bool,
        typer.Option(
            "--no-backup",
            help="Upgrade a server database without stdreg's backup "
            "(it cannot make one: back it up with the server's own tools first).",
        ),
    ] = False,
) -> None:
    """Bring the register to this stdreg's schema revision (a backup is taken first).

    A SQLite register is copied beside itself before anything changes, and the
    upgrade is refused if the copy cannot be made. A register that does not exist
    yet is created at the latest revision.
    """
    from stdreg.store import display_url, upgrade_register

    messages = Messages()
    done = upgrade_register(
        options(ctx).db,
        wait=wait,
        no_backup=no_backup,
        on_backup=lambda copy: messages.info(f"backup written to {copy}"),
    )
    if done.before == done.after:
        messages.info(f"{display_url(done.url)}: already at the latest revision {done.after}")
    else:
        messages.info(f"{display_url(done.url)}: upgraded from {done.before or 'nothing'} to {done.after}")


@app.command("backup")
def backup(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="Where to write the copy.", dir_okay=False, show_default=False)
    ],
) -> None:
    """A consistent copy of the register, taken while others read and write (SQLite)."""
    from stdreg.store import backup as backup_register
    from stdreg.store import open_register

    register = open_register(options(ctx).db, create=False)
    try:
        if not register.is_sqlite:
            raise UsageError(
                "backups of a server database are made with the server's own tools: "
                "pg_dump --format=custom --file=register.dump DATABASE"
            )
        written = backup_register(register, path)
    finally:
        register.dispose()
    Messages().info(f"backup written to {written}")
