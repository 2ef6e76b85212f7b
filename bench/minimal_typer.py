"""The smallest Typer app with one command and a --version option: the CLI start-up baseline.

``python bench/minimal_typer.py --version`` and ``--help`` are measured beside
``stdreg --version`` and ``stdreg --help``.
"""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def _version(value: bool) -> None:
    if value:
        typer.echo("minimal 0.0.0")
        raise typer.Exit()


@app.command()
def hello(
    name: Annotated[str, typer.Option(help="Whom to greet.")] = "world",
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Say hello."""
    typer.echo(f"hello {name}")


if __name__ == "__main__":
    app()
