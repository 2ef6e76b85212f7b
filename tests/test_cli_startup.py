"""Start-up: the root builds, and imports the module of, only the command the command line names."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import typer

from stdreg.cli.app import COMMANDS, app


def loaded_command_modules(*argv: str) -> list[str]:
    """The command modules a fresh ``stdreg ARGV`` imported."""
    probe = (
        "import runpy, sys\n"
        f"sys.argv = ['stdreg', *{list(argv)!r}]\n"
        "try:\n    runpy.run_module('stdreg', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('stdreg.cli.') and m.endswith('_cmd')),"
        " file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return ast.literal_eval(result.stderr.strip().splitlines()[-1])  # the list printed last


def test_version_imports_no_command_module():
    assert loaded_command_modules("--version") == []


def test_a_command_imports_its_own_module_only():
    assert loaded_command_modules("query", "--help") == ["stdreg.cli.query_cmd"]
    assert loaded_command_modules("db", "info", "--help") == ["stdreg.cli.db_cmd"]


def test_help_lists_every_command_in_the_order_of_the_table():
    assert list(typer.main.get_command(app).commands) == list(COMMANDS)
    root_help = subprocess.run(
        [sys.executable, "-m", "stdreg", "--help"], capture_output=True, text=True, check=True
    ).stdout
    section = root_help[root_help.index("\nCommands:\n") :]
    assert re.findall(r"^  (\S+) ", section, re.M) == list(COMMANDS)
