"""Every command has help text and is documented in the README."""

from __future__ import annotations

import re
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


# the type labels typer prints by default (<bool>, <int range>, <list[Path]>) and click's ranges
TYPE_NOISE = re.compile(
    r"<(?:bool|int|float|str|text|path|file|dir|datetime|list\[[^>]*\]|int range|float range"
    r"|[a-z]+(?:\|[a-z]+)+)>(?!\.)|\[x[<>]=|<=x<="
)


def help_of(name: str, columns: int = 100) -> str:
    """The help a terminal of this width shows (CliRunner would force 80 columns)."""
    import contextlib
    import io
    import os

    out = io.StringIO()
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)
    try:
        with contextlib.redirect_stdout(out):
            code = app([*name.split(), "--help"], prog_name="stdreg", standalone_mode=False)
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old
    assert code in (0, None), name
    return out.getvalue()


def test_help_shows_what_a_value_is_never_its_type():
    for name, _ in [("", None), *commands()]:
        text = help_of(name)
        assert not TYPE_NOISE.search(text), (name, TYPE_NOISE.search(text))
    text = help_of("import")
    assert re.search(r"^  --year YEAR +Same as --as-of Y-12-31\.$", text, re.M), text
    assert re.search(r"^  FILES\.\.\. +Register files", text, re.M), text
    assert re.search(r"^  --complete +The file lists", text, re.M), text
    assert "-f, --format [table|csv|json|jsonl|xlsx]" in help_of("query")


def test_help_uses_the_terminals_full_width():
    for columns in (100, 140):
        lines = help_of("import", columns).splitlines()
        assert max(map(len, lines)) <= columns
        assert max(map(len, lines)) > columns - 20, lines


def test_exit_codes_are_a_list_of_their_own():
    text = help_of("import")
    section = text[text.index("\nExit codes:\n") :].splitlines()[2:]
    assert section[0] == "  0   imported (or reverted)"
    assert "  75  another writer holds the register" in section
    assert section[-1] == "  1   anything else"
    for name, command in commands():
        if "Exit codes:" not in (command.help or ""):
            continue
        text = help_of(name, 80)
        before, _, codes = text.partition("\nExit codes:\n")
        assert codes, name
        assert "Exit codes" not in before, name  # the sentence left the description
        # every entry starts with its code; a continuation line is indented under the meaning
        for line in codes.splitlines():
            assert re.match(r"^  \d{1,3} +\S|^ {5,}\S", line), (name, line)


def test_the_root_help_says_global_options_may_follow_the_command():
    assert "before or after the command" in " ".join(help_of("").split())
