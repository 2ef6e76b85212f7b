"""Fixtures: a temporary register per test, and the CLI run against it."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stdreg.cli.app import app

PROJECT = Path(__file__).resolve().parents[1]
REALDATA = PROJECT.parent / "shared" / "realdata"


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Stdreg:
    """The stdreg command line, run in-process against one temporary register."""

    def __init__(self, db: str, cwd: Path) -> None:
        self.db = db
        self.cwd = cwd
        self.runner = CliRunner()

    def __call__(self, *args: str | Path, env: dict[str, str] | None = None) -> Run:
        old = Path.cwd()
        os.chdir(self.cwd)
        try:
            result = self.runner.invoke(
                app, ["--db", self.db, *map(str, args)], env=env, catch_exceptions=False
            )
        finally:
            os.chdir(old)
        return Run(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str | Path) -> Run:
        run = self(*args)
        assert run.exit_code == 0, f"exit {run.exit_code}\nstdout: {run.stdout}\nstderr: {run.stderr}"
        return run

    def report(self, year: int, *extra: str) -> dict[str, Any]:
        return self.ok("report", "--year", str(year), "--format", "json", *extra).json()

    def counts(self) -> dict[str, int]:
        """Row counts of every register table, read straight from the file."""
        path = self.db
        with sqlite3.connect(path) as connection:
            tables = [
                r[0]
                for r in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            return {t: connection.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, to show that nothing changed."""
        with sqlite3.connect(self.db) as connection:
            tables = [
                r[0]
                for r in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            return {t: sorted(connection.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


@pytest.fixture
def stdreg(tmp_path: Path) -> Iterator[Stdreg]:
    work = tmp_path / "work"
    work.mkdir()
    yield Stdreg(str(tmp_path / "register.sqlite"), work)


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # never touch the user's own register or configuration
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("STDREG_DB", raising=False)
    monkeypatch.delenv("STDREG_CONFIG", raising=False)
