"""The register database: where it is, its engine, its schema revision, its writer lock.

SQLite is the embedded default; any SQLAlchemy URL (``postgresql+psycopg://…``)
selects another server. The schema is owned by the Alembic migrations shipped
with the package; a new database is created at the latest revision on first use.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stdreg.errors import DatabaseError, RegisterLocked, UsageError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection, Engine

# The newest revision in migrations/versions. Kept here so that opening a register at
# this revision costs one SELECT instead of importing Alembic (a test checks it is right).
SCHEMA_HEAD = "0005"

DB_ENV = "STDREG_DB"
DEFAULT_DB_NAME = "register.sqlite"


def state_dir() -> Path:
    """stdreg's own directory: the default database, and files that have nowhere else to go."""
    from platformdirs import user_data_path

    return user_data_path("stdreg", appauthor=False)


def resolve_url(db: str | None) -> str:
    """The SQLAlchemy URL of the register named by ``--db``, ``STDREG_DB`` or the default."""
    target = db or os.environ.get(DB_ENV) or str(state_dir() / DEFAULT_DB_NAME)
    if "://" in target:
        return target
    return "sqlite:///" + str(Path(target).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for another backend or an in-memory database."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[1] if "///" in url else ""
    return Path(path) if path and path != ":memory:" else None


def display_url(url: str) -> str:
    """A register's location for people: a file's path, a server's URL without its password."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    from sqlalchemy import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: shown as given
        return url


def migrations_dir() -> Path:
    """The Alembic environment: inside the installed wheel, or at the top of a source checkout."""
    packaged = Path(str(resources.files("stdreg"))) / "migrations"
    if (packaged / "env.py").is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "migrations"
    if (checkout / "env.py").is_file():
        return checkout
    raise DatabaseError("stdreg's migrations are missing from this installation; reinstall stdreg")


def _alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run while a writer imports; NORMAL is crash-safe in WAL mode
    # (a power loss can only lose the last commit, never corrupt or half-apply one).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB of pages; the import stages on disk
    cursor.close()


@dataclass
class Register:
    """An open register: its URL, engine and, for SQLite, its file."""

    url: str
    engine: Engine

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def upgrade(self) -> tuple[str | None, str]:
        """Migrate to the latest revision; returns (revision before, revision after)."""
        from alembic import command

        before = self.revision()
        self._refuse_newer(before)
        with self.engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "head")
        return before, head_revision()

    def _refuse_newer(self, revision: str | None) -> None:
        if revision is None:
            return
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(_alembic_config())
        try:
            script.get_revision(revision)
        except Exception as exc:
            raise DatabaseError(
                f"the register {display_url(self.url)} has schema revision {revision}, which this "
                "stdreg does not know: it was written by a newer stdreg; upgrade stdreg "
                "to use it"
            ) from exc

    def dispose(self) -> None:
        self.engine.dispose()


def create_engine_for(url: str) -> Engine:
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(url, pool_pre_ping=True)


def open_register(db: str | None, *, create: bool = True) -> Register:
    """Open the register, creating it at the latest revision if it does not exist yet.

    With ``create=False`` a missing or empty database is refused instead.

    A register at an older revision must be upgraded with ``stdreg db upgrade``
    (which backs it up first); one from a newer stdreg is refused.
    """
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None:
        if path.is_dir():
            raise UsageError(f"{path} is a directory, not a register database")
        if not path.exists():
            if not create:
                raise DatabaseError(f"no register at {path} (it is created on first import)")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"cannot create the register's folder {path.parent}: {exc}") from None
    try:
        engine = create_engine_for(url)
    except Exception as exc:  # bad URL, missing driver
        raise DatabaseError(f"cannot open the register {display_url(url)}: {exc}") from exc
    register = Register(url=url, engine=engine)
    if _stored_revision(register) == SCHEMA_HEAD:
        return register
    try:
        current = register.revision()
    except Exception as exc:
        raise DatabaseError(f"cannot open the register {display_url(url)}: {exc}") from exc
    if current is None:
        _refuse_missing_schema(register)
        if _has_foreign_tables(register):
            raise DatabaseError(f"{display_url(url)} holds tables but is not a stdreg register")
        if not create:  # e.g. a source to merge: only read, never set up
            raise DatabaseError(f"{display_url(url)} is not a stdreg register (it is empty)")
        # two first runs at once (two cron jobs on a new register): one creates, the other waits
        with writer_lock(register, wait=60):
            if register.revision() is None:
                register.upgrade()
        return register
    register._refuse_newer(current)
    if current != head_revision():
        raise DatabaseError(
            f"the register {display_url(url)} is at schema revision {current}; run `stdreg db upgrade` "
            "to bring it to this stdreg's revision (a backup is taken first)"
        )
    return register


def _stored_revision(register: Register) -> str | None:
    """The revision the register says it is at, read without Alembic; None when unreadable."""
    from sqlalchemy import text

    try:
        with register.engine.connect() as connection:
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    except Exception:  # no such table yet, or not a database: the full check says why
        return None
    return row[0] if row else None


def _refuse_missing_schema(register: Register) -> None:
    """On a server, the schema a URL's search_path names must exist: stdreg creates tables, not schemas."""
    if register.is_sqlite:
        return
    from sqlalchemy import text

    with register.engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar()
    if schema is None:
        raise DatabaseError(
            f"{display_url(register.url)}: the schema its search_path names does not exist; "
            "create it first (CREATE SCHEMA name), or leave search_path out to use public"
        )


def _has_foreign_tables(register: Register) -> bool:
    from sqlalchemy import inspect

    names = set(inspect(register.engine).get_table_names())
    return bool(names - {"alembic_version"})


def row_counts(register: Register) -> dict[str, int]:
    from sqlalchemy import text

    from stdreg.models import REGISTER_TABLES

    counts = {}
    with register.engine.connect() as connection:
        for table in REGISTER_TABLES:
            counts[table] = connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
    return counts


@contextlib.contextmanager
def writer_lock(register: Register, *, wait: float = 0.0, bulk: bool = True) -> Iterator[None]:
    """Hold the register's writer lock; raise RegisterLocked after ``wait`` seconds.

    On SQLite the lock is an advisory ``flock`` on a file beside the database:
    the kernel drops it when the process dies, so a killed writer never leaves
    a stale lock behind. On a server it is a session advisory lock named after the
    database and schema, dropped likewise when the session ends; short writes
    (``bulk=False``: update) take none there and rely on the rows' own locks.
    """
    path = register.path
    if path is None:
        if bulk and register.engine.dialect.name == "postgresql":
            with _advisory_lock(register, wait):
                yield
        else:
            yield
        return
    import fcntl

    lock_path = path.with_name(path.name + ".lock")
    handle = open(lock_path, "a+")  # noqa: SIM115 - held for the whole block
    deadline = time.monotonic() + max(wait, 0.0)
    try:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise RegisterLocked(
                        f"another stdreg writer{_holder(lock_path)} holds the lock on {path}; "
                        "try again later" + (f" (waited {wait:g} s)" if wait else " or pass --wait SECONDS")
                    ) from None
                time.sleep(0.1)
        # who holds it, for the message the next writer gets; only read while it is held
        handle.seek(0)
        handle.truncate()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        handle.write(f"{os.getpid()} {stamp} {' '.join(sys.argv[1:])[:200]}\n")
        handle.flush()
        yield
    finally:
        handle.close()


@contextlib.contextmanager
def _advisory_lock(register: Register, wait: float) -> Iterator[None]:
    from sqlalchemy import text

    # COALESCE: a search_path naming no existing schema must not make the key NULL (never granted)
    key = (
        "hashtextextended(current_database() || '.' || COALESCE(current_schema(), '') || '.stdreg-writer', 0)"
    )
    deadline = time.monotonic() + max(wait, 0.0)
    with register.engine.connect() as connection:
        while not connection.execute(text(f"SELECT pg_try_advisory_lock({key})")).scalar_one():
            connection.rollback()
            if time.monotonic() >= deadline:
                raise RegisterLocked(
                    f"another stdreg writer holds the lock on {display_url(register.url)}; try again later"
                    + (f" (waited {wait:g} s)" if wait else " or pass --wait SECONDS")
                )
            time.sleep(0.1)
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text(f"SELECT pg_advisory_unlock({key})"))
            connection.commit()


def _holder(lock_path: Path) -> str:
    """`` (pid 123, since 2025-01-02 02:00:00: import big.csv)`` from the lock file, or nothing."""
    try:
        pid, day, clock, *command = lock_path.read_text(encoding="utf-8").split()
        int(pid)
    except (OSError, ValueError):
        return ""
    return f" (pid {pid}, since {day} {clock}" + (f": {' '.join(command)})" if command else ")")


def backup(register: Register, target: Path | None) -> Path:
    """Copy a SQLite register with the online backup API, consistent while others write.

    Without a target the copy goes beside the register, named after the time.
    The copy is written to a temporary name and renamed, so a failed backup
    never leaves a half-written file under the final name.
    """
    import datetime as dt
    import sqlite3

    source_path = register.path
    if source_path is None:
        raise UsageError("only a SQLite register can be backed up by stdreg; use pg_dump for a server")
    if target is None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        target = source_path.with_name(f"{source_path.stem}.backup-{stamp}{source_path.suffix}")
    if target.resolve() == source_path.resolve():
        raise UsageError("the backup cannot overwrite the register itself")
    partial = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        try:
            destination = sqlite3.connect(partial)
            try:
                source.backup(destination)
            finally:
                destination.close()
        finally:
            source.close()
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseError(f"cannot back up {source_path} to {target}: {exc}") from exc
    return target
