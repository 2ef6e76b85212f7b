"""``stdreg db``: the register database itself: where it is, its schema, backups."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from stdreg.cli.common import Messages, TableOrJson, WaitOption, options
from stdreg.errors import DatabaseError, UsageError

app = typer.Typer(help="The register database: info, upgrade, backup.", no_args_is_help=True)


@app.command("info")
def info(
    ctx: typer.Context,
    format: Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format.")] = TableOrJson.table,
) -> None:
    """Where the register is, its schema revision, and how many rows each table holds.

    A register that does not exist yet is not created: db info says where it would be.
    """
    from stdreg.errors import NoRegister
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
    from stdreg.store import (
        Register,
        _has_foreign_tables,
        _refuse_missing_schema,
        create_engine_for,
        display_url,
        head_revision,
        resolve_url,
        sqlite_path,
        writer_lock,
    )
    from stdreg.store import backup as backup_register

    url = resolve_url(options(ctx).db)
    path = sqlite_path(url)
    messages = Messages()
    if path is not None:
        if path.is_dir():
            raise UsageError(f"{path} is a directory, not a register database")
        path.parent.mkdir(parents=True, exist_ok=True)
    register = Register(url=url, engine=create_engine_for(url))
    try:
        with writer_lock(register, wait=wait):
            try:
                revision = register.revision()
                foreign = revision is None and _has_foreign_tables(register)
            except Exception as exc:  # not a database, or not one SQLAlchemy can read
                raise DatabaseError(f"cannot read the register {display_url(url)}: {exc}") from exc
            if revision is None:
                _refuse_missing_schema(register)
            if foreign:
                raise DatabaseError(
                    f"{display_url(url)} holds tables but is not a stdreg register; nothing changed"
                )
            if revision is not None and revision != head_revision():
                register._refuse_newer(revision)
                if register.is_sqlite:
                    copy = backup_register(register, None)  # refuses (raises) if it cannot
                    messages.info(f"backup written to {copy}")
                elif not no_backup:
                    raise UsageError(
                        "stdreg cannot back up a server database: back it up with the server's "
                        "own tools (pg_dump --format=custom --file=register.dump DATABASE), then "
                        "run `stdreg db upgrade --no-backup`"
                    )
            before, after = register.upgrade()
    finally:
        register.dispose()
    if before == after:
        messages.info(f"{display_url(url)}: already at the latest revision {after}")
    else:
        messages.info(f"{display_url(url)}: upgraded from {before or 'nothing'} to {after}")


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
