"""The register database: where it is, its engine, its schema revision, its writer lock.

SQLite is the embedded default; any SQLAlchemy URL (``postgresql+psycopg://…``)
selects another server. The schema is owned by the Alembic migrations shipped
with the package; a new database is created at the latest revision on first use.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from stdreg.errors import (
    DatabaseError,
    DiskFull,
    NoRegister,
    RegisterAccessError,
    RegisterDamaged,
    RegisterLocked,
    StdregError,
    UsageError,
)
from stdreg.outputs import check_output, open_output, protect_register

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection, Engine

# The newest revision in migrations/versions. Kept here so that opening a register at
# this revision costs one SELECT instead of importing Alembic (a test checks it is right).
SCHEMA_HEAD = "0006"

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
    # quoted as SQLAlchemy reads it back: a file named `q?x.sqlite`, `a#b` or `p%41` is that file
    return "sqlite:///" + quote(str(Path(target).expanduser().resolve()), safe="/\\: ")


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for another backend or an in-memory database."""
    if not url.startswith("sqlite"):
        return None
    path = unquote(url.split("///", 1)[1].partition("?")[0]) if "///" in url else ""
    return Path(path) if path and path != ":memory:" else None


def sqlite_uri(path: Path, mode: str = "ro") -> str:
    """A ``file:`` URI for sqlite3 that names exactly ``path``, whatever characters it holds."""
    return path.resolve().as_uri() + f"?mode={mode}"


def read_only_uri(path: Path) -> str:
    """The ``file:`` URI that reads the register at ``path``, even in a folder this user cannot write.

    In a read-only folder SQLite cannot make the -shm file a WAL reader needs; with no
    write-ahead log left there, nothing can change the file, so it is opened immutable.
    """
    uri = sqlite_uri(path)
    if not os.access(path.parent, os.W_OK) and not path.with_name(path.name + "-wal").exists():
        uri += "&immutable=1"
    return uri


# user:password@ in any URL; what precedes the @ may itself hold '@' in a malformed URL
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*):[^\s/]*@")


def mask_passwords(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``.

    >>> mask_passwords("merge postgresql+psycopg://u:S3cret@db:5432/city --region x")
    'merge postgresql+psycopg://u:***@db:5432/city --region x'
    """
    return _URL_PASSWORD.sub(r"\g<head>:***@", text)


def display_url(url: str) -> str:
    """A register's location for people: a file's path, a server's URL without its password."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    from sqlalchemy import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: shown as given, less any password
        return mask_passwords(url)


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


def _on_read_only_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def read_only_reason(path: Path) -> str | None:
    """Why this user cannot write the SQLite register at ``path``, or None when it can.

    SQLite writes its journal (``-wal``, ``-shm``) and stdreg its lock beside the file,
    so the folder must be writable too.
    """
    if not path.exists():
        return None
    if not os.access(path, os.W_OK):
        return f"the register {path} is read-only for this user"
    if not os.access(path.parent, os.W_OK):
        return f"the register's folder {path.parent} is read-only for this user"
    return None


def refuse_unwritable(path: Path) -> None:
    """Raise RegisterAccessError, saying what to do, when the register cannot be written."""
    reason = read_only_reason(path)
    if reason is not None:
        raise RegisterAccessError(
            f"{reason}: make it writable (stdreg needs the file and its folder), or run stdreg as "
            "a user who may write them; query and report still read it; nothing was written"
        )


def check_integrity(register: Register) -> None:
    """Refuse a damaged SQLite register (``PRAGMA quick_check``) before writing to or copying it."""
    path = register.path
    if path is None or not path.exists():
        return
    import sqlite3

    try:
        connection = sqlite3.connect(sqlite_uri(path), uri=True)
        try:
            found = [r[0] for r in connection.execute("PRAGMA quick_check(3)")]
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        if _is_damage(str(exc)):
            found = [str(exc)]
        else:
            raise
    if found != ["ok"]:
        if not _looks_like_sqlite(path):
            raise DatabaseError(f"{path} is not a stdreg register (it is not a SQLite database)")
        found_text = " ".join("; ".join(found).split())[:200]
        raise RegisterDamaged(
            f"the register {path} is damaged ({found_text}); nothing was written to it. "
            f"Restore the last backup (its .backup-* copies), or salvage what is left with "
            f"`sqlite3 {path} .recover | sqlite3 recovered.sqlite`"
        )


def _looks_like_sqlite(path: Path | None) -> bool:
    """Whether the file starts as every SQLite database does (a damaged one too); True for a server."""
    if path is None:
        return True
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return True


def _is_damage(message: str) -> bool:
    message = message.lower()
    return "malformed" in message or "not a database" in message or "corrupt" in message


def translate_failure(exc: BaseException, db: str | None) -> StdregError | None:
    """The stdreg error for a failure of the system beneath the register, or None.

    A read-only file or folder, a full disk, a damaged register: each is said in one
    line with what to do, instead of the SQL and parameters of the statement that failed.
    """
    url = resolve_url(db)
    where = display_url(url)
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 8:
        seen.append(current)
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
    for error in seen:
        message = str(error).lower()
        code = getattr(error, "errno", None)
        state = getattr(error, "sqlstate", None)
        if "database or disk is full" in message or code == errno.ENOSPC or state in ("53100", "53200"):
            return DiskFull(
                f"the disk is full (writing {getattr(error, 'filename', None) or where}): nothing was "
                "written, the register is as it was; free some space and run the command again"
            )
        if _is_damage(message) and not isinstance(error, OSError):
            if not _looks_like_sqlite(sqlite_path(url)):
                return DatabaseError(f"{where} is not a stdreg register (it is not a SQLite database)")
            return RegisterDamaged(
                f"the register {where} is damaged ({error}); nothing was written to it. Restore the "
                "last backup, or salvage what is left with `sqlite3 FILE .recover`"
            )
        if "readonly database" in message or "read-only file system" in message or code == errno.EROFS:
            return RegisterAccessError(
                f"{where} cannot be written here ({error}): make the register and its folder writable "
                "for this user; nothing was written"
            )
        if isinstance(error, PermissionError):
            return RegisterAccessError(
                f"this user may not write {error.filename or where} ({error.strerror}): make it writable, "
                "or run stdreg as a user who may; nothing was written"
            )
        if code == errno.EIO:
            return DiskFull(
                f"the disk failed writing {getattr(error, 'filename', None) or where} ({error}): check it"
            )
    return None


@dataclass
class Register:
    """An open register: its URL, engine and, for SQLite, its file."""

    url: str
    engine: Engine
    read_only: str | None = None  # why this user cannot write it (a SQLite file opened read-only)

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
    """An engine on the register; a SQLite file this user cannot write is opened read-only."""
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None and read_only_reason(path) is not None:
            import sqlite3

            uri = read_only_uri(path)
            engine = create_engine(
                "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
            )
            event.listen(engine, "connect", _on_read_only_connect)
            return engine
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
        protect_register(path)
        if path.is_dir():
            raise UsageError(f"{path} is a directory, not a register database")
        if not path.exists():
            if not create:
                raise NoRegister(f"no register at {path} (it is created on first import)")
            if path.parent.is_dir() and not os.access(path.parent, os.W_OK):
                raise RegisterAccessError(
                    f"no register at {path}, and its folder is read-only for this user: "
                    "choose a writable folder (--db PATH) to create it"
                )
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"cannot create the register's folder {path.parent}: {exc}") from None
    try:
        engine = create_engine_for(url)
    except Exception as exc:  # bad URL, missing driver
        raise DatabaseError(f"cannot open the register {display_url(url)}: {exc}") from exc
    register = Register(url=url, engine=engine, read_only=read_only_reason(path) if path else None)
    if _stored_revision(register) == SCHEMA_HEAD:
        return register
    try:
        current = register.revision()
    except Exception as exc:
        raise translate_failure(exc, url) or DatabaseError(
            f"cannot open the register {display_url(url)}: {exc}"
        ) from exc
    if current is None:
        _refuse_missing_schema(register)
        if _has_foreign_tables(register):
            raise DatabaseError(f"{display_url(url)} holds tables but is not a stdreg register")
        if not create:  # e.g. a source to merge: only read, never set up
            raise NoRegister(f"{display_url(url)} is not a stdreg register (it is empty)")
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


@dataclass(frozen=True)
class Upgrade:
    """What ``upgrade_register`` did: the register, its revision before (None: new) and after."""

    url: str
    before: str | None
    after: str


def upgrade_register(
    db: str | None,
    *,
    wait: float = 0.0,
    no_backup: bool = False,
    on_backup: Callable[[Path], None] | None = None,
) -> Upgrade:
    """Bring the register to this stdreg's schema revision (``stdreg db upgrade``).

    A SQLite register at an older revision is copied beside itself first (the copy's
    path goes to ``on_backup``), and the upgrade is refused if the copy cannot be made;
    stdreg cannot copy a server database, so there ``no_backup`` must say that it was
    backed up with the server's own tools. A register that does not exist yet is created
    at the latest revision; a database of other tables, or one of a newer stdreg, is refused.
    """
    url = resolve_url(db)
    path = sqlite_path(url)
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
                    copy = backup(register, None)  # refuses (raises) if it cannot
                    if on_backup is not None:
                        on_backup(copy)
                elif not no_backup:
                    raise UsageError(
                        "stdreg cannot back up a server database: back it up with the server's "
                        "own tools (pg_dump --format=custom --file=register.dump DATABASE), then "
                        "run `stdreg db upgrade --no-backup`"
                    )
            before, after = register.upgrade()
    finally:
        register.dispose()
    return Upgrade(url=url, before=before, after=after)


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


def register_identity(connection: Connection) -> str | None:
    """The register's identity (a UUID, see models.RegisterIdentity); None before revision 0006."""
    from sqlalchemy import text

    return connection.execute(text("SELECT id FROM register_identity")).scalar()


def row_counts(register: Register) -> dict[str, int]:
    # deferred: every start (stdreg --version too) imports this module, and the models pull in
    # SQLAlchemy, SQLModel and pydantic: most of a command's start-up
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

    On SQLite the lock is a file beside the database locked with filelock (``flock``
    on POSIX, ``LockFileEx`` on Windows): the system drops it when the process dies,
    so a killed writer never leaves a stale lock behind. Who holds it (pid, time,
    command line with passwords masked) is written to ``<register>.lock.holder``
    (0600), for the message the next writer gets. Before the first write the register
    is checked: one that cannot be written, or is damaged, is refused here.

    On a server it is a session advisory lock named after the database and schema,
    dropped likewise when the session ends; short writes (``bulk=False``: update)
    take none there and rely on the rows' own locks.
    """
    path = register.path
    if path is None:
        if bulk and register.engine.dialect.name == "postgresql":
            with _advisory_lock(register, wait):
                yield
        else:
            yield
        return
    from filelock import FileLock, Timeout

    refuse_unwritable(path)
    lock_path = path.with_name(path.name + ".lock")
    holder = path.with_name(path.name + ".lock.holder")
    # not thread-local and never shared: two writers in one process (threads) exclude each other too
    lock = FileLock(lock_path, mode=0o600, thread_local=False, is_singleton=False)
    try:
        lock.acquire(timeout=max(wait, 0.0), poll_interval=0.1)
    except Timeout:
        raise RegisterLocked(
            f"another stdreg writer{_holder(holder)} holds the lock on {path}; "
            "try again later" + (f" (waited {wait:g} s)" if wait else " or pass --wait SECONDS")
        ) from None
    except PermissionError:
        raise RegisterAccessError(
            f"cannot take the writer lock {lock_path}: this user may not write it{_owner(lock_path)}; "
            "delete it (it is made again) or give it to this user with chown"
        ) from None
    try:
        with contextlib.suppress(OSError):  # who holds it is a courtesy, never a reason to fail
            _write_holder(holder)
        check_integrity(register)
        yield
    finally:
        with contextlib.suppress(OSError):
            holder.unlink()
        lock.release()


def _write_holder(holder: Path) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    command = mask_passwords(" ".join(sys.argv[1:]))[:200].replace("\n", " ")
    fd = os.open(holder, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()} {stamp} {command}\n")


def _owner(path: Path) -> str:
    """`` (it belongs to alice)`` — a lock left by `sudo stdreg …` belongs to root."""
    try:
        uid = path.stat().st_uid
    except OSError:
        return ""
    try:
        import pwd

        return f" (it belongs to {pwd.getpwuid(uid).pw_name})"
    except (ImportError, KeyError):  # Windows has no pwd; an unknown uid has no name
        return f" (it belongs to user id {uid})"


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


def _holder(holder: Path) -> str:
    """`` (pid 123, since 2025-01-02 02:00:00: import big.csv)`` from the holder file, or nothing."""
    try:
        pid, day, clock, *command = holder.read_text(encoding="utf-8").split()
        int(pid)
    except (OSError, ValueError, UnicodeDecodeError):
        return ""
    shown = mask_passwords(" ".join(command))  # a holder file of an older stdreg kept the password
    return f" (pid {pid}, since {day} {clock}" + (f": {shown})" if command else ")")


def backup(register: Register, target: Path | None) -> Path:
    """Copy a SQLite register with the online backup API, consistent while others write.

    Without a target the copy goes beside the register, named after the time. A
    damaged register is refused (``PRAGMA quick_check``), and so is a target that is
    the register or one of its files. The copy is written to a temporary name and
    renamed, so a failed backup never leaves a half-written file under the final
    name; a symlink is written through, a device (``/dev/stdout``) in place.
    """
    import datetime as dt
    import sqlite3

    source_path = register.path
    if source_path is None:
        raise UsageError("only a SQLite register can be backed up by stdreg; use pg_dump for a server")
    if target is None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        target = source_path.with_name(f"{source_path.stem}.backup-{stamp}{source_path.suffix}")
    protect_register(source_path)
    check_output(target)
    check_integrity(register)
    # the copy is made in a file of its own, then moved (or, to a device, streamed) to the target
    real = Path(os.path.realpath(target)) if target.is_symlink() else target
    partial = real.with_name(real.name + ".part")
    try:
        device = real.exists() and not real.is_file()
        if device:
            import tempfile

            handle, name = tempfile.mkstemp(suffix=".sqlite")
            os.close(handle)
            partial = Path(name)
        else:
            real.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(sqlite_uri(source_path), uri=True)
        try:
            destination = sqlite3.connect(partial)
            try:
                source.backup(destination)
            finally:
                destination.close()
        finally:
            source.close()
        if device:
            import shutil

            with open_output(target, binary=True) as stream, open(partial, "rb") as copy:
                shutil.copyfileobj(copy, stream)
            partial.unlink()
        else:
            os.replace(partial, real)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise translate_failure(exc, register.url) or DatabaseError(
            f"cannot back up {source_path} to {target}: {exc}"
        ) from exc
    return target
