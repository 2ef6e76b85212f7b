"""Fixtures: a temporary register per test, on SQLite and on PostgreSQL, and the CLI run against it.

Every test that asks for a register (``stdreg``, or ``backend`` in a fixture of its own)
runs twice: on a SQLite file and in a PostgreSQL schema of its own, named with a uuid
and dropped afterwards, so that no other test or concurrent run sees its rows. The
PostgreSQL server is the one ``STDREG_TEST_PG_URL`` names: without it those runs are
skipped, except under CI, where they fail. A test about SQLite itself (its file, its
lock, its journal) says so with ``@pytest.mark.sqlite_only("why")`` and runs once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from stdreg.cli.app import app
from stdreg.store import resolve_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

PROJECT = Path(__file__).resolve().parents[1]
REALDATA = PROJECT.parent / "shared" / "realdata"

PG_URL_ENV = "STDREG_TEST_PG_URL"
BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): the test is about SQLite itself; it does not run on PostgreSQL"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses a register runs on each backend, unless it is marked sqlite_only."""
    if "backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("sqlite_only")
        if marker is not None and not (marker.args or marker.kwargs.get("reason")):
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: sqlite_only needs a reason")
        backends = ["sqlite"] if marker else list(BACKENDS)
        # session scope: all SQLite runs come first, then all PostgreSQL runs
        metafunc.parametrize("backend", backends, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgresql":
        pg_server_url()
    return name


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pg_server_url() -> str:
    """The PostgreSQL database the tests may use; skip without one, but fail under CI."""
    url = os.environ.get(PG_URL_ENV)
    if not url:
        if _in_ci():
            pytest.fail(f"CI runs every test on PostgreSQL too: set {PG_URL_ENV}", pytrace=False)
        pytest.skip(f"{PG_URL_ENV} is not set")
    return url


@contextlib.contextmanager
def pg_schema() -> Iterator[str]:
    """The URL of a new, empty schema of the test database, dropped afterwards with all it holds."""
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.pool import NullPool

    server = pg_server_url()
    schema = f"stdreg_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, poolclass=NullPool)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@contextlib.contextmanager
def new_register(backend: str, folder: Path) -> Iterator[str]:
    """What to pass to ``--db`` for a new register on `backend` (a file in `folder` on SQLite)."""
    if backend == "sqlite":
        yield str(folder / "register.sqlite")
    else:
        with pg_schema() as url:
            yield url


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def _as_sqlite_keeps_it(value: Any) -> Any:
    """A value read back as SQLite's own driver returns it: dates as ISO text, flags as 0/1."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, decimal.Decimal):  # SUM of integers on PostgreSQL
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class Stdreg:
    """The stdreg command line, run in-process against one temporary register."""

    def __init__(self, db: str, cwd: Path) -> None:
        self.db = db
        self.url = resolve_url(db)
        self.cwd = cwd
        self.runner = CliRunner()
        self._engine: Engine | None = None

    @property
    def backend(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"

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

    @property
    def engine(self) -> Engine:
        """An engine on the register that holds no connection between statements."""
        if self._engine is None:
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            self._engine = create_engine(self.url, poolclass=NullPool)
        return self._engine

    def sql(self, statement: str, **params: Any) -> list[tuple[Any, ...]]:
        """Run one statement on the register in a transaction of its own; its rows, as SQLite gives them."""
        from sqlalchemy import text

        with self.engine.begin() as connection:
            result = connection.execute(text(statement), params)
            if not result.returns_rows:
                return []
            return [tuple(_as_sqlite_keeps_it(value) for value in r) for r in result]

    def tables(self) -> list[str]:
        from sqlalchemy import inspect

        return sorted(inspect(self.engine).get_table_names())

    def counts(self) -> dict[str, int]:
        """Row counts of every register table, read straight from the database."""
        return {t: self.sql(f"SELECT COUNT(*) FROM {t}")[0][0] for t in self.tables()}

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, to show that nothing changed."""
        return {t: sorted(self.sql(f"SELECT * FROM {t}"), key=repr) for t in self.tables()}

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


@pytest.fixture
def stdreg(backend: str, tmp_path: Path) -> Iterator[Stdreg]:
    """The CLI on a new register: a SQLite file, or a PostgreSQL schema of its own."""
    work = tmp_path / "work"
    work.mkdir()
    with new_register(backend, tmp_path) as db:
        register = Stdreg(db, work)
        try:
            yield register
        finally:
            register.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a PostgreSQL schema of its own, for a test that is about PostgreSQL itself."""
    with pg_schema() as url:
        yield url


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # never touch the user's own register or configuration
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("STDREG_DB", raising=False)
    monkeypatch.delenv("STDREG_CONFIG", raising=False)
