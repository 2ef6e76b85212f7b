"""`stdreg query sql`: one statement that only reads, for a bounded time, on both backends.

Every refusal is one line on stderr, exit code 2, and the register's dump unchanged.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import row, write_csv
from conftest import PROJECT

RECURSIVE_NOTHING = (
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c WHERE n < 0"
)


@pytest.fixture
def county(stdreg, tmp_path):
    stdreg.ok(
        "import",
        write_csv(
            tmp_path / "2011.csv",
            [
                row(1, "瓦楞原纸", "GB/T 13023-2008", name="龙游恒达纸业有限公司"),
                row(1, "特种纸", "QB/T 1012-2010", name="龙游恒达纸业有限公司"),
                row(2, "竹地板", "LY/T 1-2008", name="恒达竹业"),
            ],
        ),
        "--year",
        "2011",
    )
    return stdreg


def refused(county, statement: str, *words: str, timeout: str | None = None) -> str:
    """Run the statement; assert it is refused in one line naming `words`, the register unchanged."""
    before = county.dump()
    run = county("query", "sql", statement, *(["--timeout", timeout] if timeout else []))
    assert run.exit_code == 2, (run.exit_code, run.stdout, run.stderr)
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("Error: "), run.stderr
    for word in words:
        assert word in run.stderr, run.stderr
    assert run.stdout == ""
    assert county.dump() == before
    return run.stderr


def test_reads_in_any_format(county, tmp_path):
    rows = county.ok(
        "query", "sql", "SELECT name, COUNT(*) AS n FROM product GROUP BY name ORDER BY name", "-f", "json"
    ).json()
    assert {"name": "竹地板", "n": 1} in rows
    county.ok(
        "query",
        "sql",
        "SELECT e.id, v.id FROM enterprise e JOIN enterprise_version v ON v.enterprise_id = e.id",
        "-o",
        tmp_path / "x.csv",
    )
    with open(tmp_path / "x.csv", encoding="utf-8-sig", newline="") as handle:
        assert next(csv.reader(handle)) == ["id", "id_2"]
    describe = {
        "sqlite": "PRAGMA table_info(execution)",
        "postgresql": "SELECT column_name AS name FROM information_schema.columns "
        "WHERE table_name = 'execution'",
    }
    described = county.ok("query", "sql", describe[county.backend], "-f", "json").json()
    assert "valid_from" in {column["name"] for column in described}
    # a trailing semicolon and comments are fine; a semicolon inside a string is text
    one = county.ok("query", "sql", "/* n */ SELECT ';' AS s, '%纸%' AS p; -- done\n", "-f", "json").json()
    assert one == [{"s": ";", "p": "%纸%"}]
    liked = county.ok(
        "query", "sql", "SELECT COUNT(*) AS n FROM product WHERE name LIKE '%纸%'", "-f", "json"
    ).json()
    assert liked == [{"n": 2}]


def test_postgresql_functions_of_its_own_catalog_work(county):
    statement = {
        "sqlite": "SELECT COUNT(*) AS n, LOWER('A') AS l, COALESCE(NULL, 1) AS c, "
        "strftime('%Y', '2011-05-01') AS y FROM product",
        "postgresql": "SELECT count(*) AS n, lower('A') AS l, coalesce(NULL, 1) AS c, "
        "to_char(DATE '2011-05-01', 'YYYY') AS y, pg_catalog.upper('a') AS u, "
        "extract(year FROM DATE '2011-05-01')::int AS e FROM product",
    }[county.backend]
    found = county.ok("query", "sql", statement, "-f", "json").json()[0]
    assert (found["n"], found["l"], found["c"], found["y"]) == (3, "a", 1, "2011")


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM execution",
        "UPDATE enterprise_version SET name = 'x'",
        "INSERT INTO standard (code, prefix, level, number) VALUES ('GB 1-2000', 'GB', 'national', '1')",
        "DROP TABLE execution",
        "CREATE TABLE notes (a TEXT)",
        "CREATE VIEW v AS SELECT 1",
    ],
)
def test_writes_are_refused(county, statement):
    refused(county, statement, "read-only", "not changed")


@pytest.mark.parametrize(
    "statement",
    [
        # the two attacks that deleted rows: switch the transaction to read-write, or end it
        "SET TRANSACTION READ WRITE; DELETE FROM change_log; DELETE FROM execution; COMMIT",
        "SELECT 1; COMMIT; BEGIN READ WRITE; DELETE FROM change_log; DELETE FROM execution; COMMIT",
        "SELECT 1; DELETE FROM execution",
        "SELECT 1;/**/DELETE FROM execution",
    ],
)
def test_more_than_one_statement_is_refused(county, statement):
    refused(county, statement, "exactly one statement")


@pytest.mark.parametrize("statement", ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT a", "RELEASE a"])
def test_transaction_control_is_refused(county, statement):
    refused(county, statement, "transaction control")


@pytest.fixture
def pg(county):
    if county.backend != "postgresql":
        pytest.skip("PostgreSQL's own statements")
    return county


@pytest.mark.parametrize(
    "statement, words",
    [
        ("SET TRANSACTION READ WRITE", "transaction control"),
        ("BEGIN READ WRITE", "transaction control"),
        ("START TRANSACTION READ WRITE", "transaction control"),
        ("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "SET and RESET"),
        ("SET default_transaction_read_only = off", "SET and RESET"),
        ("SET SESSION statement_timeout = 0", "SET and RESET"),
        ("RESET ALL", "SET and RESET"),
        ("DO $$ BEGIN DELETE FROM execution; END $$", "DO blocks"),
        ("CALL some_procedure()", "CALL"),
        ("LISTEN stdreg", "LISTEN"),
        ("NOTIFY stdreg, 'x'", "NOTIFY"),
        ("PREPARE p AS SELECT 1", "PREPARE"),
        ("EXECUTE p", "EXECUTE"),
        ("LOCK TABLE execution", "LOCK"),
        ("SELECT * FROM execution FOR UPDATE", "FOR UPDATE"),
        ("SELECT * INTO copied FROM execution", "read-only"),
        ("WITH gone AS (DELETE FROM change_log RETURNING *) SELECT COUNT(*) FROM gone", "read-only"),
        ("EXPLAIN ANALYZE DELETE FROM execution", "read-only"),
        ("EXPLAIN ANALYZE CREATE TABLE copied AS SELECT 1", "read-only"),
        ("EXPLAIN EXECUTE p", "EXECUTE"),
        ("VACUUM execution", "read-only"),
    ],
)
def test_postgresql_statements_that_could_escape_are_refused(pg, statement, words):
    refused(pg, statement, words)


def _server_file() -> Path:
    # the test server runs on this machine: a file it would create here
    return Path("/tmp") / f"stdreg-escape-{uuid.uuid4().hex}"


@pytest.mark.parametrize(
    "template",
    [
        "COPY (SELECT 1) TO PROGRAM 'id > {file}'",
        "/**/COPY (SELECT 1) TO PROGRAM 'id > {file}'",
        "\n-- a comment\n  copy (SELECT * FROM enterprise) TO '{file}'",
        "/* a */ /* b */ COPY enterprise TO '{file}'",
        "WITH x AS (SELECT 1) COPY (SELECT 1) TO PROGRAM 'id > {file}'",
        "SELECT 1; COPY (SELECT 1) TO PROGRAM 'id > {file}'",
        "DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''id > {file}'''; END $$",
        "SELECT query_to_xml('COPY (SELECT 1) TO PROGRAM ''id > {file}''', true, true, '')",
    ],
)
def test_copy_never_runs_on_the_server(pg, template):
    target = _server_file()
    refused(pg, template.format(file=target))
    assert not target.exists()


@pytest.mark.parametrize(
    "statement, words",
    [
        ("SELECT pg_read_file('/etc/passwd')", "pg_read_file"),
        ("SELECT pg_catalog.pg_read_file('/etc/passwd')", "pg_read_file"),
        ("SELECT * FROM pg_ls_dir('.')", "pg_ls_dir"),
        ("SELECT pg_reload_conf()", "pg_reload_conf"),
        ("SELECT pg_terminate_backend(pg_backend_pid())", "pg_terminate_backend"),
        ("SELECT pg_cancel_backend(pg_backend_pid())", "pg_cancel_backend"),
        ("SELECT lo_import('/etc/passwd')", "lo_import"),
        ("SELECT lo_export(1, '/tmp/x')", "lo_export"),
        ("SELECT pg_sleep(30)", "pg_sleep"),
        ("SELECT set_config('default_transaction_read_only', 'off', false)", "set_config"),
        ("SELECT pg_advisory_lock(1)", "pg_advisory_lock"),
        ("SELECT nextval('execution_id_seq')", "nextval"),
        ("SELECT dblink_exec('dbname=test', 'DELETE FROM execution')", "dblink_exec"),
        ("SELECT ts_stat('SELECT 1')", "ts_stat"),
        ("SELECT table_to_xml('pg_authid', true, true, '')", "table_to_xml"),
        ("SELECT public.similarity('a', 'b')", "public.similarity"),
        ("SELECT rolpassword FROM pg_authid", "pg_authid"),
        ("SELECT passwd FROM pg_shadow", "pg_shadow"),
        ("SELECT * FROM pg_catalog.pg_authid", "pg_authid"),
        ("SELECT 'a'::public.citext", "public.citext"),
        ("SELECT 'a' OPERATOR(public.%) 'b'", "public.%"),
    ],
)
def test_postgresql_functions_and_tables_outside_the_sandbox_are_refused(pg, statement, words):
    refused(pg, statement, words)


def test_a_function_of_another_schema_on_the_search_path_is_refused(pg):
    schema = pg.sql("SELECT current_schema()")[0][0]
    pg.sql(f'CREATE FUNCTION "{schema}".shout(t text) RETURNS text LANGUAGE sql AS $$ SELECT upper(t) $$')
    # it runs as the analyst's statement, but it is not PostgreSQL's own: refused by name
    refused(pg, "SELECT shout('a')", "shout()", schema)
    refused(pg, "SELECT lower(shout('a'))", "shout()")


def test_the_postgresql_session_is_read_only_and_bounded(pg):
    found = pg.ok(
        "query",
        "sql",
        "SELECT current_setting('transaction_read_only') AS t, "
        "current_setting('default_transaction_read_only') AS d, "
        "current_setting('statement_timeout') AS s",
        "--timeout",
        "7",
        "-f",
        "json",
    ).json()
    assert found == [{"t": "on", "d": "on", "s": "7s"}]
    assert pg.ok("query", "sql", "SHOW transaction_read_only", "-f", "json").json() == [
        {"transaction_read_only": "on"}
    ]


@pytest.mark.sqlite_only("PRAGMA, ATTACH, VACUUM INTO and SQLite's functions")
@pytest.mark.parametrize(
    "statement, words",
    [
        ("PRAGMA query_only = OFF", "PRAGMA query_only"),
        ("PRAGMA journal_mode = DELETE", "PRAGMA journal_mode"),
        ("ATTACH DATABASE 'other.sqlite' AS other", "ATTACH"),
        ("VACUUM INTO 'copy.sqlite'", "ATTACH"),
        ("SELECT fts3_tokenizer('simple')", "fts3_tokenizer"),
        ("SELECT hex(fts3_tokenizer('simple')) AS p", "fts3_tokenizer"),
        ("SELECT load_extension('/tmp/evil.so')", "load_extension"),
        ("CREATE TEMP TABLE t (a)", "read-only"),
        ("REINDEX", "read-only"),
        ("ANALYZE", "read-only"),
    ],
)
def test_sqlite_statements_that_could_escape_are_refused(county, statement, words):
    refused(county, statement, words)
    assert not (county.cwd / "other.sqlite").exists()
    assert not (county.cwd / "copy.sqlite").exists()


def test_a_statement_that_stops_returning_nothing_stops_at_the_timeout(county):
    started = time.monotonic()
    refused(county, RECURSIVE_NOTHING, "stopped the statement after 1 s", "--timeout", timeout="1")
    assert time.monotonic() - started < 15


def test_ctrl_c_stops_a_running_statement(county):
    before = county.dump()
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "stdreg", "--db", county.db, "query", "sql", RECURSIVE_NOTHING],
        cwd=county.cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_running(county, process)
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
    assert time.monotonic() - sent < 10
    assert process.returncode == 130, stderr
    assert stderr.count("\n") == 1 and "interrupted (Ctrl-C)" in stderr, stderr
    assert stdout == ""
    assert county.dump() == before


def _wait_until_running(county, process: subprocess.Popen[str]) -> None:
    """Wait until the statement runs (the process started Python, imported, connected)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if county.backend == "sqlite":
            fds = Path(f"/proc/{process.pid}/fd")
            with contextlib.suppress(OSError):
                if any(os.readlink(fd).endswith("register.sqlite") for fd in fds.iterdir()):
                    break
        elif county.sql(
            # the rows are fetched from the cursor query sql declares
            "SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'FETCH%stdreg_query_sql%'"
        ):
            break
        time.sleep(0.1)
    time.sleep(0.5)  # the Ctrl-C handler is set just after the connection opens


def _big(county) -> str:
    return {
        "sqlite": "SELECT hex(zeroblob(50000)) AS big",
        "postgresql": "SELECT repeat('AB', 50000) AS big",
    }[county.backend]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "xlsx", "table"])
def test_long_values_are_cut_in_every_format(county, tmp_path, fmt):
    out = tmp_path / f"big.{'txt' if fmt == 'table' else fmt}"
    county.ok("query", "sql", _big(county), "-f", fmt, "-o", out)
    if fmt == "json":
        value = json.loads(out.read_text(encoding="utf-8"))[0]["big"]
    elif fmt == "jsonl":
        value = json.loads(out.read_text(encoding="utf-8").splitlines()[0])["big"]
    elif fmt == "csv":
        with open(out, encoding="utf-8-sig", newline="") as handle:
            value = list(csv.reader(handle))[1][0]
    elif fmt == "xlsx":
        value = openpyxl.load_workbook(out).worksheets[0]["A2"].value
    else:
        text = out.read_text(encoding="utf-8")
        assert "…[cut:100,000characters]" in "".join(text.split())  # folded onto many lines
        assert len(text) < 100_000
        return
    assert len(value) == 32_767
    assert value.endswith("…[cut: 100,000 characters]")
    assert value[:4] in ("0000", "ABAB")


def test_long_bytes_are_cut(county):
    statement = {
        "sqlite": "SELECT zeroblob(50000) AS b",
        "postgresql": "SELECT decode(repeat('00', 50000), 'hex') AS b",
    }[county.backend]
    value = county.ok("query", "sql", statement, "-f", "json").json()[0]["b"]
    assert len(value) <= 32_767 and value.endswith("…[cut: 50,000 bytes]")


@pytest.mark.sqlite_only("SQLite builds values in stdreg's own memory")
def test_a_huge_value_is_refused_before_it_is_built(county):
    started = time.monotonic()
    refused(county, "SELECT zeroblob(500000000) AS z", "larger than 16 MiB")
    refused(county, "SELECT length(zeroblob(500000000)) AS z", "larger than 16 MiB")
    assert time.monotonic() - started < 10


def test_a_nul_character_is_refused(county):
    # a parser written in C would stop at it, and what follows would run unchecked
    refused(county, "SELECT 1\x00; DELETE FROM execution", "NUL character")


def test_a_failure_that_is_no_write_says_why(county):
    message = refused(county, "SELECT * FROM no_such_table", "the SQL statement failed", "no_such_table")
    assert "not changed" not in message and "read-only" not in message
    message = refused(county, "SELEKT 1", "the SQL statement failed")
    assert "not changed" not in message
    refused(county, "   ", "give a SQL statement")
    refused(county, "/* only a comment */", "give a SQL statement")


@pytest.mark.sqlite_only("a file that is not a SQLite database")
def test_a_file_that_is_no_register_says_so(stdreg):
    Path(stdreg.db).write_bytes(b"not a database at all" * 100)
    run = stdreg("query", "sql", "SELECT COUNT(*) FROM product")
    assert run.exit_code == 2 and run.stderr.count("\n") == 1
    assert "cannot read the register" in run.stderr and "not a database" in run.stderr
    assert "not changed" not in run.stderr


def test_on_a_missing_register(stdreg):
    run = stdreg("query", "sql", "SELECT 1")
    assert run.exit_code == 2
    assert "no register" in run.stderr


SQL_PIECES = st.sampled_from(
    [
        "SELECT 1",
        "SELECT ';'",
        "DELETE FROM t",
        ";",
        " ",
        "\n",
        "--",
        "/*",
        "*/",
        "'",
        '"',
        "$$",
        "x",
        "BEGIN",
        "END",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(SQL_PIECES, max_size=12).map("".join))
def test_the_statement_checks_hand_over_one_statement_at_most(text):
    import sqlite3

    from pglast import parse_sql

    from stdreg.errors import UsageError
    from stdreg.sql_sandbox import check_postgresql, check_sqlite

    with contextlib.suppress(UsageError):
        one = check_sqlite(text)
        connection = sqlite3.connect(":memory:")
        try:
            connection.execute(one)
        except sqlite3.ProgrammingError as exc:  # sqlite3's own "one statement at a time"
            raise AssertionError(f"{one!r}: {exc}") from None
        except sqlite3.Error:
            pass  # a syntax error, no such table: the database says so
    with contextlib.suppress(UsageError):
        assert len(parse_sql(check_postgresql(text).text)) == 1
