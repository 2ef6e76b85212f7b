"""The ``stdreg`` command: global options, command groups, and errors mapped to exit codes.

Heavy libraries (SQLAlchemy, openpyxl, Alembic) are imported inside the
commands that need them, so ``stdreg --help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from stdreg import __version__
from stdreg.cli.common import GlobalOptions, Messages
from stdreg.errors import EXIT_FAILURE, StdregError


class StdregGroup(TyperGroup):
    """Turns stdreg's own errors into ``Error: …`` on stderr and their exit codes."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except StdregError as exc:
            Messages().error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, typer.exceptions.TyperException, KeyboardInterrupt):
            raise
        except Exception as exc:
            from stdreg.store import translate_failure

            verbose = isinstance(ctx.obj, GlobalOptions) and ctx.obj.verbose
            if verbose:
                traceback.print_exc()
            known = translate_failure(exc, ctx.obj.db if isinstance(ctx.obj, GlobalOptions) else None)
            if known is not None:
                Messages().error(str(known))
                raise typer.Exit(known.exit_code) from None
            Messages().error(
                f"unexpected failure: {type(exc).__name__}: {exc}"
                + ("" if verbose else " (run with --verbose for the traceback)")
            )
            raise typer.Exit(EXIT_FAILURE) from None


app = typer.Typer(
    cls=StdregGroup,
    help="stdreg: the county register of which standard every enterprise product is made to.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stdreg {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="STDREG_DB",
            metavar="PATH-or-URL",
            help="The register: a SQLite file, or a SQLAlchemy URL such as postgresql+psycopg://…; "
            "default: a file in your data directory (`stdreg db info` says where).",
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show tracebacks of unexpected failures.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Keep the register current, and measure how many products adopt international standards."""
    from stdreg.outputs import forget_protected, protect_register
    from stdreg.store import resolve_url, sqlite_path

    ctx.obj = GlobalOptions(db=db, verbose=verbose)
    # whatever the command writes, it never writes over its own register (stdreg.outputs)
    forget_protected()
    register_file = sqlite_path(resolve_url(db))
    if register_file is not None:
        protect_register(register_file)


def _register_commands() -> None:
    from stdreg.cli import (
        catalog_cmd,
        check_cmd,
        db_cmd,
        history_cmd,
        import_cmd,
        merge_cmd,
        query_cmd,
        refresh_cmd,
        report_cmd,
        update_cmd,
    )  # fmt: skip

    app.command("import", help=import_cmd.import_command.__doc__)(import_cmd.import_command)
    app.command("report", help=report_cmd.report_command.__doc__)(report_cmd.report_command)
    app.command("refresh", help=refresh_cmd.refresh_command.__doc__)(refresh_cmd.refresh_command)
    app.add_typer(query_cmd.app, name="query")
    app.add_typer(catalog_cmd.app, name="catalog")
    app.add_typer(db_cmd.app, name="db")
    app.add_typer(update_cmd.app, name="update")
    app.command("history", help=history_cmd.history_command.__doc__)(history_cmd.history_command)
    app.command("check", help=check_cmd.check_command.__doc__)(check_cmd.check_command)
    app.command("merge", help=merge_cmd.merge_command.__doc__)(merge_cmd.merge_command)


_register_commands()


def _never_fail_on_encoding() -> None:
    # A Chinese Windows console is often GBK (cp936): a character it lacks (an emoji, a
    # rare ideograph, U+00A0 in a file name) is shown as '?' instead of ending the command.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(Exception):
                reconfigure(errors="replace")


def main() -> None:
    """Console-script entry point."""
    _never_fail_on_encoding()
    app(prog_name="stdreg")
