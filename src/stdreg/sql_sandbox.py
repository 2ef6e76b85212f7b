"""Analysts' own SQL (``stdreg query sql``): one statement that can only read, for a bounded time.

The statement is checked before it runs, with the database's own grammar, and run
on a connection that could not write even if the check missed something:

* PostgreSQL: the statement is parsed by PostgreSQL's own parser (pglast wraps
  libpg_query). Exactly one statement, and only SELECT (VALUES, TABLE, WITH …),
  EXPLAIN of one, or SHOW; nowhere in its tree a data-changing statement, COPY,
  DO, SELECT INTO or a row lock; functions only of schema ``pg_catalog`` and none
  of those that read server files, signal other sessions, change settings, take
  advisory locks, sleep or run SQL text of their own (:data:`PG_REFUSED_FUNCTIONS`);
  no catalog table holding password hashes. The session is read-only twice over
  (``default_transaction_read_only`` in the connection's options and
  ``SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY``) and the transaction is
  opened READ ONLY, so a statement cannot switch it back; ``statement_timeout``
  and ``idle_in_transaction_session_timeout`` bound its time.
* SQLite: the file is opened ``mode=ro`` with ``PRAGMA query_only``; exactly one
  statement (``sqlite3.complete_statement`` finds its end, nothing but comments may
  follow); an authorizer allows reading only (SELECT, reads, describing PRAGMAs,
  functions other than ``load_extension``, ``fts3_tokenizer`` and the file
  functions), so it also says *why* a statement was refused; a progress handler
  stops the statement at the deadline or on Ctrl-C; no value may grow beyond
  :data:`SQLITE_MAX_VALUE_BYTES`.

Every value written is capped (:func:`stdreg.render.rows.capped_value`), in every format.
"""

from __future__ import annotations

import contextlib
import math
import re
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stdreg.errors import StdregError, UsageError
from stdreg.render.rows import capped_value
from stdreg.store import display_url, read_only_uri, sqlite_path

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

DEFAULT_TIMEOUT = 60.0
"""Seconds a statement may run, its rows written included (``--timeout``)."""

SQLITE_MAX_VALUE_BYTES = 16 * 1024 * 1024
"""SQLite refuses to build a text or blob larger than this (``zeroblob(500000000)``)."""

EXIT_INTERRUPTED = 130  # what a shell reports for a command stopped by SIGINT


class ReadOnlyViolation(UsageError):
    """An analyst's SQL tried to change the register (or another file)."""


class StatementRefused(UsageError):
    """An analyst's SQL asks for something query sql does not run (not a write as such)."""


class SqlTimeout(UsageError):
    """The statement ran longer than ``--timeout``."""


class SqlInterrupted(StdregError):
    """Ctrl-C stopped the statement."""

    exit_code = EXIT_INTERRUPTED


_WRITE_HINT = "(use stdreg import or stdreg update to change the register)"


def _write_refused(what: str) -> ReadOnlyViolation:
    return ReadOnlyViolation(
        f"query sql is read-only, and the register was not changed: {what} {_WRITE_HINT}"
    )


# --- PostgreSQL: the statement's tree --------------------------------------------------

_PG_READING = frozenset({"SelectStmt", "ExplainStmt", "VariableShowStmt"})
_PG_WRITES = {
    "InsertStmt": "INSERT",
    "UpdateStmt": "UPDATE",
    "DeleteStmt": "DELETE",
    "MergeStmt": "MERGE",
    "TruncateStmt": "TRUNCATE",
}
# statements that change the schema, rights or data (every other kind is refused too)
_PG_CHANGING_PREFIXES = ("Create", "Drop", "Alter", "Grant", "Rename", "Comment", "Reassign", "Sec", "Import")
_PG_CHANGES = frozenset(
    {
        "ViewStmt",
        "IndexStmt",
        "RuleStmt",
        "DefineStmt",
        "CompositeTypeStmt",
        "RefreshMatViewStmt",
        "ReindexStmt",
        "ClusterStmt",
        "VacuumStmt",
        "TruncateStmt",
    }
)
_PG_REFUSED_STATEMENTS = {
    "TransactionStmt": "transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, SET TRANSACTION): "
    "the statement runs alone in a read-only transaction of its own",
    "VariableSetStmt": "SET and RESET: the session's settings keep it read-only and bounded in time",
    "DoStmt": "DO blocks: they run code of their own",
    "CopyStmt": "COPY: it reads and writes files and runs programs on the server; "
    "write the rows of a SELECT with --format csv -o FILE instead",
    "CallStmt": "CALL: a procedure can commit and write",
    "ListenStmt": "LISTEN: it waits for other sessions",
    "NotifyStmt": "NOTIFY: it signals other sessions",
    "UnlistenStmt": "UNLISTEN",
    "PrepareStmt": "PREPARE: only the statement given is run",
    "ExecuteStmt": "EXECUTE: only the statement given is run",
    "DeallocateStmt": "DEALLOCATE",
    "DeclareCursorStmt": "DECLARE: only the statement given is run",
    "FetchStmt": "FETCH: only the statement given is run",
    "ClosePortalStmt": "CLOSE",
    "LockStmt": "LOCK: it makes writers wait",
    "LoadStmt": "LOAD: it loads a library into the server",
    "DiscardStmt": "DISCARD",
    "CheckPointStmt": "CHECKPOINT",
}

# pg_catalog functions that reach outside the statement: server files, other sessions,
# settings, locks writers wait for, time, or SQL text run on its own (query_to_xml, ts_stat
# would run a string no check has seen). Matched against the whole function name.
PG_REFUSED_FUNCTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), reason)
    for pattern, reason in (
        (r"pg_read_.*|pg_ls_.*|pg_stat_file|pg_file_.*|pg_logdir_ls", "it reads files on the server"),
        (r"lo_.*|loread|lowrite", "large objects read and write files on the server"),
        (
            r"pg_reload_conf|pg_rotate_logfile.*|pg_terminate_backend|pg_cancel_backend|pg_signal_backend"
            r"|pg_log_backend_memory_contexts|pg_promote|pg_switch_wal|pg_create_restore_point"
            r"|pg_backup_.*|pg_start_backup|pg_stop_backup|pg_wal_replay_.*|pg_stat_reset.*"
            r"|pg_import_system_collations|pg_notify",
            "it acts on the server or on other sessions",
        ),
        (r"set_config", "it changes the session's settings"),
        (r"pg_(try_)?advisory_.*", "an advisory lock makes stdreg's writers wait"),
        (r"pg_sleep.*", "it only waits"),
        (r"dblink.*", "it connects to other databases"),
        (
            r"(query|cursor|table|schema|database)_to_xml.*|(query|cursor|table|schema|database)_to_xmlschema"
            r"|ts_stat",
            "it runs SQL text of its own",
        ),
        (r"nextval|setval", "it changes a sequence"),
        (r"pg_.*replication.*|pg_logical_.*|pg_.*_slot.*", "it acts on replication"),
    )
)

# catalog tables (and views over them) that hold password hashes, or files of the server
_PG_SECRET_RELATIONS = {
    "pg_authid": "it holds the roles' password hashes",
    "pg_shadow": "it holds the roles' password hashes",
    "pg_user_mapping": "it holds passwords of other servers",
    "pg_user_mappings": "it holds passwords of other servers",
    "pg_hba_file_rules": "it reads the server's files",
    "pg_ident_file_mappings": "it reads the server's files",
    "pg_file_settings": "it reads the server's files",
    "pg_largeobject": "it holds large objects",
}


@dataclass(frozen=True)
class PgStatement:
    """One checked PostgreSQL statement."""

    text: str  # the statement alone, without its semicolon
    is_select: bool  # streamed through a server-side cursor
    functions: frozenset[str]  # unqualified function names: the server says which schema has them


def _walk(node: Any) -> Iterator[Any]:
    from pglast import ast

    if isinstance(node, ast.Node):
        yield node
        for name in node:
            yield from _walk(getattr(node, name))
    elif isinstance(node, tuple | list):
        for item in node:
            yield from _walk(item)


def _pg_function_refused(name: str) -> str | None:
    for pattern, reason in PG_REFUSED_FUNCTIONS:
        if pattern.fullmatch(name):
            return reason
    return None


def check_postgresql(statement: str) -> PgStatement:
    """The statement, if it is one that only reads; else raise (ReadOnlyViolation, StatementRefused)."""
    from pglast import ast, parse_sql
    from pglast.parser import ParseError

    try:
        parsed = parse_sql(statement)
    except ParseError as exc:
        raise UsageError(f"the SQL statement failed: {exc}") from None
    if not parsed:
        raise UsageError("give a SQL statement, for example: SELECT COUNT(*) FROM product")
    if len(parsed) > 1:
        raise StatementRefused(
            f"query sql runs exactly one statement, and this holds {len(parsed)}: "
            "remove everything after the first ';'"
        )
    raw = parsed[0]
    top = raw.stmt
    start = raw.stmt_location or 0  # pglast counts characters
    text = statement[start : start + raw.stmt_len] if raw.stmt_len else statement[start:]
    functions: set[str] = set()
    for node in _walk(top):
        kind = type(node).__name__
        if kind in _PG_WRITES:
            raise _write_refused(f"{_PG_WRITES[kind]} is refused")
        if isinstance(node, ast.VariableSetStmt) and node.name == "TRANSACTION":
            kind = "TransactionStmt"  # SET TRANSACTION …
        if kind in _PG_REFUSED_STATEMENTS:
            raise StatementRefused(f"query sql refuses {_PG_REFUSED_STATEMENTS[kind]}")
        # every statement in the tree, the top one, the one EXPLAIN explains, subqueries
        if kind.endswith("Stmt") and kind not in _PG_READING:
            if kind in _PG_CHANGES or kind.startswith(_PG_CHANGING_PREFIXES):
                raise _write_refused(f"{_statement_verb(kind)} is refused")
            raise StatementRefused(
                f"query sql refuses {_statement_verb(kind)}: it runs SELECT (VALUES, TABLE, WITH …), "
                "EXPLAIN and SHOW only"
            )
        if isinstance(node, ast.SelectStmt):
            if node.intoClause is not None:
                raise _write_refused("SELECT INTO creates a table")
            if node.lockingClause:
                raise StatementRefused(
                    "query sql refuses SELECT … FOR UPDATE/SHARE: row locks make writers wait"
                )
        elif isinstance(node, ast.FuncCall):
            names = [part.sval for part in node.funcname or ()]
            name = names[-1]
            if len(names) > 1 and names[-2] != "pg_catalog":
                raise StatementRefused(
                    f"query sql refuses the function {'.'.join(names)}(): "
                    "it runs PostgreSQL's own functions (schema pg_catalog) only"
                )
            reason = _pg_function_refused(name)
            if reason is not None:
                raise StatementRefused(f"query sql refuses the function {name}(): {reason}")
            if len(names) == 1:
                functions.add(name)
        elif isinstance(node, ast.TypeName | ast.A_Expr):
            # a type's input function, an operator's function: PostgreSQL's own only
            parts = [
                getattr(part, "sval", None)
                for part in (node.names if isinstance(node, ast.TypeName) else node.name) or ()
            ]
            if len(parts) > 1 and parts[-2] != "pg_catalog":
                raise StatementRefused(
                    f"query sql refuses {'.'.join(str(part) for part in parts)}: "
                    "it runs PostgreSQL's own types and operators (schema pg_catalog) only"
                )
        elif isinstance(node, ast.RangeVar) and node.relname in _PG_SECRET_RELATIONS:
            raise StatementRefused(
                f"query sql refuses to read {node.relname}: {_PG_SECRET_RELATIONS[node.relname]}"
            )
    return PgStatement(text, isinstance(top, ast.SelectStmt), frozenset(functions))


def _statement_verb(kind: str) -> str:
    """CreateTableAsStmt → CREATE TABLE AS: the statement's kind, in words."""
    words = re.findall(r"[A-Z][a-z]*", kind.removesuffix("Stmt"))
    return " ".join(words).upper() or kind


def _check_pg_functions(connection: Connection, functions: frozenset[str]) -> None:
    """Refuse a function name that a schema other than pg_catalog on the search path defines too."""
    if not functions:
        return
    from sqlalchemy import bindparam, text
    from sqlalchemy.dialects.postgresql import ARRAY
    from sqlalchemy.types import Text

    found = connection.execute(
        text(
            "SELECT p.proname, n.nspname FROM pg_catalog.pg_proc p "
            "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.proname = ANY(:names) AND n.nspname <> 'pg_catalog' "
            "AND n.nspname = ANY(pg_catalog.current_schemas(true)) ORDER BY 1, 2 LIMIT 1"
        ).bindparams(bindparam("names", type_=ARRAY(Text))),
        {"names": sorted(functions)},
    ).first()
    if found is not None:
        raise StatementRefused(
            f"query sql refuses the function {found.proname}() of schema {found.nspname}: "
            "it runs PostgreSQL's own functions (schema pg_catalog) only"
        )


# --- SQLite -------------------------------------------------------------------------------

# PRAGMAs that read a table's or index's description take its name as an argument;
# every other PRAGMA given a value would change the connection (query_only = 0 …).
_DESCRIBING_PRAGMAS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "foreign_key_check",
        "integrity_check",
        "quick_check",
    }
)
# fts3_tokenizer() hands out (and with two arguments replaces) a pointer to native code;
# the others load code or reach files when an extension provides them
_SQLITE_REFUSED_FUNCTIONS = {
    "load_extension": "it loads native code into stdreg",
    "fts3_tokenizer": "it exposes and replaces pointers to native code",
    "readfile": "it reads files",
    "writefile": "it writes files",
    "edit": "it runs an editor",
}
_SQLITE_READING = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE})


_SQLITE_ACTIONS = {
    getattr(sqlite3, f"SQLITE_{name.replace(' ', '_')}"): name
    for name in (
        "CREATE INDEX",
        "CREATE TABLE",
        "CREATE TEMP INDEX",
        "CREATE TEMP TABLE",
        "CREATE TEMP TRIGGER",
        "CREATE TEMP VIEW",
        "CREATE TRIGGER",
        "CREATE VIEW",
        "DELETE",
        "DROP INDEX",
        "DROP TABLE",
        "DROP TEMP INDEX",
        "DROP TEMP TABLE",
        "DROP TEMP TRIGGER",
        "DROP TEMP VIEW",
        "DROP TRIGGER",
        "DROP VIEW",
        "INSERT",
        "UPDATE",
        "ALTER TABLE",
        "REINDEX",
        "ANALYZE",
        "CREATE VTABLE",
        "DROP VTABLE",
    )
}


def check_sqlite(statement: str) -> str:
    """The one statement, without its semicolon; raise when anything but comments follows it."""
    text = statement.strip()
    if not text or _only_comments(text):
        raise UsageError("give a SQL statement, for example: SELECT COUNT(*) FROM product")
    for i, char in enumerate(text):
        if char == ";" and sqlite3.complete_statement(text[: i + 1]):
            if not _only_comments(text[i + 1 :]):
                raise StatementRefused(
                    "query sql runs exactly one statement, and something follows the first: "
                    "remove everything after the first ';'"
                )
            return text[:i]
    return text


def _only_comments(text: str) -> bool:
    """Whether the text holds nothing but white space, semicolons and SQL comments."""
    i = 0
    while i < len(text):
        if text[i].isspace() or text[i] == ";":
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 2
        else:
            return False
    return True


# --- one run ----------------------------------------------------------------------------


@dataclass
class _Watch:
    """What stops a statement: its deadline, Ctrl-C; and why SQLite's authorizer refused it."""

    timeout: float
    deadline: float = math.inf
    interrupted: bool = False
    refused: str | None = None

    def start(self) -> None:
        self.deadline = time.monotonic() + self.timeout
        self.refused = None

    def stop_now(self) -> bool:
        return self.interrupted or time.monotonic() > self.deadline

    def authorize(self, action: int, arg1: Any, arg2: Any, _db: Any, _trigger: Any) -> int:
        if action in _SQLITE_READING:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_FUNCTION:
            name = str(arg2).lower()
            if name in _SQLITE_REFUSED_FUNCTIONS:
                self.refused = f"query sql refuses the function {name}(): {_SQLITE_REFUSED_FUNCTIONS[name]}"
                return sqlite3.SQLITE_DENY
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA:
            if arg2 is None or str(arg1).lower() in _DESCRIBING_PRAGMAS:
                return sqlite3.SQLITE_OK
            self.refused = f"query sql refuses PRAGMA {arg1} = …: it would change the connection"
            return sqlite3.SQLITE_DENY
        if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
            # ATTACH could create or write another file (VACUUM INTO attaches its target first)
            self.refused = "query sql refuses ATTACH and VACUUM INTO: they create or write other files"
            return sqlite3.SQLITE_DENY
        if action in (sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_SAVEPOINT):
            self.refused = (
                "query sql refuses transaction control (BEGIN, COMMIT, SAVEPOINT …): "
                "the statement runs alone on a read-only connection"
            )
            return sqlite3.SQLITE_DENY
        # everything else changes the register: INSERT, UPDATE, DELETE, CREATE, DROP, ALTER …
        target = f" ({arg1})" if isinstance(arg1, str) and arg1 else ""
        self.refused = (
            f"query sql is read-only, and the register was not changed: "
            f"{_SQLITE_ACTIONS.get(action, f'action {action}')}{target} "
            f"is refused {_WRITE_HINT}"
        )
        return sqlite3.SQLITE_DENY


def read_only_engine(url: str, *, timeout: float = DEFAULT_TIMEOUT, watch: _Watch | None = None) -> Engine:
    """An engine whose connections cannot write to the register, and stop at the timeout.

    SQLite: the file is opened with ``mode=ro``, ``PRAGMA query_only`` is on, an
    authorizer allows reading only, and a progress handler stops a statement past
    the deadline. PostgreSQL: the session is read-only (options and session
    characteristics), its statements time out, and the caller opens READ ONLY.
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    watch = watch or _Watch(timeout)
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is None:
            raise UsageError("query sql needs a register file, not an in-memory database")
        if not path.is_file():
            raise UsageError(f"no register at {path} (it is created on first import)")
        uri = read_only_uri(path.resolve())

        def connect() -> sqlite3.Connection:
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            connection.execute("PRAGMA query_only = ON")
            connection.execute(f"PRAGMA busy_timeout = {int(min(30.0, timeout) * 1000)}")
            connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_VALUE_BYTES)
            connection.set_authorizer(watch.authorize)
            connection.set_progress_handler(watch.stop_now, 2000)
            return connection

        return create_engine("sqlite://", creator=connect, poolclass=NullPool)
    if url.startswith(("postgresql", "postgres")):
        from sqlalchemy import inspect
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        given = parsed.query.get("options", "")  # e.g. -csearch_path=county: keep it
        milliseconds = max(1, int(timeout * 1000))
        # set when the session opens: a SET inside the first transaction would be undone by
        # its rollback, and no statement of the analyst's may be a SET
        options = " ".join(
            [
                *([given] if isinstance(given, str) else given),
                "-c default_transaction_read_only=on",
                f"-c statement_timeout={milliseconds}",
                f"-c idle_in_transaction_session_timeout={milliseconds}",
            ]
        )
        engine = create_engine(
            parsed.difference_update_query(["options"]),
            poolclass=NullPool,
            connect_args={"options": options.strip()},
        )

        @event.listens_for(engine, "connect")
        def _read_only_session(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.autocommit = True
            dbapi_connection.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            dbapi_connection.autocommit = False
            dbapi_connection.read_only = True  # every transaction begins READ ONLY

        with engine.connect() as connection:  # as on SQLite: no register there yet is said so
            exists = inspect(connection).has_table("alembic_version")
        if not exists:
            engine.dispose()
            raise UsageError(f"no register at {display_url(url)} (it is created on first import)")
        return engine
    raise UsageError(f"query sql runs on SQLite and PostgreSQL registers, not on {url.split(':', 1)[0]}")


def _one_line(error: BaseException) -> str:
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    text = primary or str(error)
    return " ".join(text.split()) if "\n" not in text else text.splitlines()[0].strip()


class _Failure:
    """Turns what the database raised into the one line the analyst reads."""

    def __init__(self, watch: _Watch, timeout: float) -> None:
        self.watch = watch
        self.timeout = timeout

    def stopped(self) -> StdregError:
        if self.watch.interrupted:
            return SqlInterrupted("query sql stopped: interrupted (Ctrl-C)")
        return SqlTimeout(
            f"query sql stopped the statement after {self.timeout:g} s (--timeout): "
            "narrow it (WHERE, LIMIT) or give a longer --timeout"
        )

    def __call__(self, exc: BaseException) -> StdregError:
        orig = getattr(exc, "orig", None) or exc
        sqlstate = getattr(orig, "sqlstate", None)
        message = _one_line(orig)
        if self.watch.interrupted or sqlstate in ("57014", "25P03") or message == "interrupted":
            return self.stopped()
        if self.watch.refused is not None:
            refused = self.watch.refused
            kind = ReadOnlyViolation if "read-only" in refused else StatementRefused
            return kind(refused)
        error_name = getattr(orig, "sqlite_errorname", "")
        if error_name in ("SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_CANTOPEN") or error_name.startswith(
            "SQLITE_IOERR"
        ):
            return UsageError(f"query sql cannot read the register: {message}")
        if error_name == "SQLITE_READONLY":
            # the authorizer refuses every write first: this is the file, not the statement
            return UsageError(
                f"query sql cannot read the register: {message} (a register in write-ahead-log mode "
                "is read with its -wal and -shm files: they must exist, or its folder be writable)"
            )
        if sqlstate == "25006":  # read_only_sql_transaction: a write the checks let through
            return _write_refused(message)
        if message == "string or blob too big":
            limit = SQLITE_MAX_VALUE_BYTES // 2**20
            return UsageError(f"the SQL statement failed: it builds a value larger than {limit} MiB")
        return UsageError(f"the SQL statement failed: {message}")


@contextlib.contextmanager
def _stop_on_ctrl_c(watch: _Watch, driver: Any) -> Iterator[None]:
    """While it lasts, Ctrl-C stops the running statement (SQLite: interrupt; PostgreSQL: cancel)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(_signum: int, _frame: Any) -> None:
        watch.interrupted = True
        with contextlib.suppress(Exception):  # the statement may have ended meanwhile
            if isinstance(driver, sqlite3.Connection):
                driver.interrupt()
            else:
                getattr(driver, "cancel_safe", driver.cancel)()

    previous = signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _driver_errors() -> tuple[type[Exception], ...]:
    try:
        import psycopg
    except ImportError:  # a SQLite-only installation
        return (sqlite3.Error,)
    return (sqlite3.Error, psycopg.Error)


_DRIVER_ERRORS = _driver_errors()


@contextlib.contextmanager
def run_sql(
    url: str, statement: str, *, timeout: float = DEFAULT_TIMEOUT
) -> Iterator[tuple[list[str], Iterator[tuple[Any, ...]]]]:
    """Check and run one analyst's statement: its column names and rows, streamed, while the block lasts.

    Raises ReadOnlyViolation for a write, StatementRefused for what query sql does
    not run, SqlTimeout past ``timeout`` seconds (the rows' writing included),
    SqlInterrupted on Ctrl-C, UsageError when the database rejects the statement.
    Every value is capped as :func:`stdreg.render.rows.capped_value` says.
    """
    from sqlalchemy.exc import DBAPIError

    if not timeout > 0:
        raise UsageError("--timeout must be more than 0 seconds")
    if "\x00" in statement:
        # C parsers stop at a NUL: what follows it would be run unchecked
        raise StatementRefused("the SQL statement holds a NUL character (\\x00): remove it")
    postgresql = url.startswith(("postgresql", "postgres"))
    checked = check_postgresql(statement) if postgresql else None
    text = checked.text if checked is not None else check_sqlite(statement)
    watch = _Watch(timeout)
    failed = _Failure(watch, timeout)
    engine = read_only_engine(url, timeout=timeout, watch=watch)
    try:
        try:
            connection = engine.connect()
        except (DBAPIError, sqlite3.Error) as exc:  # not a register, unreadable …
            raise UsageError(
                f"query sql cannot read the register: {_one_line(getattr(exc, 'orig', exc))}"
            ) from None
        with connection:
            driver: Any = connection.connection.driver_connection
            if checked is not None:
                _check_pg_functions(connection, checked.functions)
            # the driver's own cursor, given no parameters: the text goes to the database as
            # written (`LIKE '%纸%'`); a plain SELECT on a server goes through a server-side
            # cursor, so that memory stays flat
            streamed = checked is not None and checked.is_select
            cursor = driver.cursor(name="stdreg_query_sql") if streamed else driver.cursor()
            watch.start()
            with _stop_on_ctrl_c(watch, driver):
                try:
                    cursor.execute(text)
                except _DRIVER_ERRORS as exc:
                    raise failed(exc) from None
                try:
                    if cursor.description is None:
                        yield [], iter(())
                        return
                    columns = [str(column[0]) for column in cursor.description]

                    def rows() -> Iterator[tuple[Any, ...]]:
                        try:
                            for row in cursor:
                                if watch.stop_now():
                                    raise failed.stopped()
                                yield tuple(capped_value(value) for value in row)
                        except _DRIVER_ERRORS as exc:
                            raise failed(exc) from None

                    yield columns, rows()
                finally:
                    # the server may have ended the session (idle_in_transaction_session_timeout)
                    with contextlib.suppress(*_DRIVER_ERRORS):
                        cursor.close()
                    with contextlib.suppress(*_DRIVER_ERRORS):
                        driver.rollback()
    finally:
        engine.dispose()
