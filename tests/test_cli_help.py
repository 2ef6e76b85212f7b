"""Every command has help text and is documented in the README."""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner

from conftest import PROJECT
from stdreg.cli.app import app


def commands() -> list[tuple[str, Any]]:
    root = typer.main.get_command(app)
    found = []

    def walk(prefix: str, command: Any) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(f"{prefix} {name}".strip(), sub)
        else:
            found.append((prefix, command))

    walk("", root)
    return found


def test_every_command_has_help():
    runner = CliRunner()
    for name, command in commands():
        assert command.help and command.help.strip(), name
        result = runner.invoke(app, [*name.split(), "--help"])
        assert result.exit_code == 0, name


def test_every_command_is_documented_in_the_readme():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    for name, _ in commands():
        assert f"stdreg {name}" in readme, name


def test_version_and_help_are_fast_paths():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("stdreg ")


def test_help_does_not_import_heavy_libraries():
    import subprocess
    import sys

    probe = (
        "import runpy, sys\n"
        "sys.argv = ['stdreg', '--help']\n"
        "try:\n    runpy.run_module('stdreg', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "heavy = ('sqlalchemy', 'openpyxl', 'alembic', 'sqlmodel', 'pydantic')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stderr.strip().endswith("[]"), result.stderr
