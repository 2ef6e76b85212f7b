"""Reliability: one writer at a time, readers never blocked, crash safety, backups and upgrades."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from builders import row, write_csv

BASE = [row(n, f"产品{k}", ["GB/T 1-2008", "QB/T 1012-2012", "ISO 536:2019"][k % 3]) for n in range(1, 11)
        for k in range(3)]  # fmt: skip


def stdreg_process(db: str, *args: str | Path, cwd: Path) -> subprocess.Popen[str]:
    """`python -m stdreg …` as cron runs it."""
    return subprocess.Popen(
        [sys.executable, "-m", "stdreg", "--db", db, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )


def integrity(db: str) -> str:
    with sqlite3.connect(db) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def copy_register(source: str, target: Path) -> Path:
    """A consistent copy, through SQLite's own backup."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


# --- one writer at a time; readers never blocked ---------------------------------------------

HOLDING_IMPORT = textwrap.dedent(
    """
    import sys
    from stdreg.ingest import register_loader

    loaded = register_loader.RegisterLoader.load

    def load(self, *args, **kwargs):
        counts = loaded(self, *args, **kwargs)
        print("written, not committed", flush=True)  # the rows are in, the transaction open
        sys.stdin.readline()
        return counts

    register_loader.RegisterLoader.load = load
    from stdreg.cli.app import main

    sys.argv = ["stdreg", *sys.argv[1:]]
    main()
    """
)


@contextmanager
def import_holding_its_transaction(db: str, path: Path, cwd: Path) -> Iterator[subprocess.Popen[str]]:
    """A real `stdreg import` in another process, paused with its rows written but not committed."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDING_IMPORT, "--db", db, "import", str(path), "--year", "2012"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "written, not committed", process.stderr.read() if process.stderr else ""
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def _with_base(stdreg, tmp_path: Path) -> Path:
    stdreg.ok("import", write_csv(tmp_path / "base.csv", BASE), "--year", "2011")
    more = [row(n, f"产品{k}", "GB/T 19001-2016") for n in range(20, 60) for k in range(5)]
    return write_csv(tmp_path / "2012.csv", more)


def test_a_report_runs_while_an_import_holds_the_lock_and_an_open_write_transaction(stdreg, tmp_path):
    big = _with_base(stdreg, tmp_path)
    before = stdreg.report(2012)
    with import_holding_its_transaction(stdreg.db, big, tmp_path) as writer:
        started = time.monotonic()
        during = stdreg.report(2012)
        assert time.monotonic() - started < 5  # not waiting for the writer (busy_timeout is 30 s)
        assert during == before  # the uncommitted rows are invisible
        rows = stdreg.ok("query", "--year", "2012", "--format", "json").json()
        assert len(rows) == before["totals"]["products"]
        second = stdreg("import", write_csv(tmp_path / "other.csv", [row(99, "纸", "GB/T 1-2008")]))
        assert second.exit_code == 75
        assert "another stdreg writer" in second.stderr and "--wait SECONDS" in second.stderr
        if stdreg.backend == "sqlite":  # the lock file names its holder; a server's advisory lock cannot
            assert "another stdreg writer (pid " in second.stderr
        assert writer.stdin is not None
        writer.stdin.write("\n")
        writer.stdin.flush()
        assert writer.wait(timeout=30) == 0
    assert stdreg.report(2012)["totals"]["products"] == before["totals"]["products"] + 200


@pytest.mark.sqlite_only("db backup copies a SQLite file; a server is backed up with pg_dump")
def test_backup_is_consistent_while_a_writer_holds_an_open_transaction(stdreg, tmp_path):
    big = _with_base(stdreg, tmp_path)
    committed = stdreg.dump()
    copy = tmp_path / "backups" / "夜间 backup.sqlite"
    with import_holding_its_transaction(stdreg.db, big, tmp_path) as writer:
        run = stdreg("db", "backup", copy)
        assert run.exit_code == 0, run.stderr
        assert writer.stdin is not None
        writer.stdin.write("\n")
        writer.stdin.flush()
        assert writer.wait(timeout=30) == 0
    assert integrity(str(copy)) == "ok"
    with sqlite3.connect(copy) as connection:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        copied = {t: sorted(connection.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    assert copied == committed  # the last commit, whole, and nothing of the open transaction
    assert not list(copy.parent.glob("*.part"))


def test_a_second_writer_waits_with_wait_and_then_proceeds(stdreg, tmp_path):
    from stdreg.store import open_register, writer_lock

    path = write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1-2008")])
    register = open_register(stdreg.db)
    held = threading.Event()

    def hold_for_a_second() -> None:
        with writer_lock(register):
            held.set()
            time.sleep(1.0)

    holder = threading.Thread(target=hold_for_a_second)
    holder.start()
    try:
        held.wait(5)
        started = time.monotonic()
        run = stdreg("import", path, "--wait", "20")
        waited = time.monotonic() - started
    finally:
        holder.join()
        register.dispose()
    assert run.exit_code == 0, run.stderr
    assert 0.5 < waited < 15
    assert stdreg.counts()["execution"] == 1


@pytest.mark.parametrize(
    "command",
    [
        ("import", "r.csv"),
        ("catalog", "import", "r.csv"),
        ("refresh", "--inbox", "."),
        ("db", "upgrade"),
    ],
)
def test_every_bulk_writer_takes_the_lock(stdreg, tmp_path, command):
    from stdreg.store import open_register, writer_lock

    write_csv(stdreg.cwd / "r.csv", [row(1, "纸", "GB/T 1-2008")])
    register = open_register(stdreg.db)
    try:
        with writer_lock(register):
            run = stdreg(*command, "--wait", "0.3")
    finally:
        register.dispose()
    assert run.exit_code == 75, run.stderr
    assert "another stdreg writer" in run.stderr and "waited 0.3 s" in run.stderr
    assert stdreg.counts()["import_batch"] == 0
    assert (stdreg.cwd / "r.csv").exists()


@pytest.mark.sqlite_only("the lock file beside a SQLite register; a server's lock dies with its session")
def test_a_lock_file_left_behind_blocks_nothing(stdreg, tmp_path):
    stdreg.ok("db", "upgrade")
    Path(stdreg.db + ".lock").write_text("4242 2020-01-01 02:00:00 import old.csv\n", encoding="utf-8")
    stdreg.ok("import", write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1-2008")]))


# --- crash safety: SIGKILL at any moment --------------------------------------------------

TIMED_KILLS = 15  # spread from start-up through reading, checking and loading to the commit
COMMIT_KILLS = 6  # while the commit writes its pages into the write-ahead log
# and one after the commit, while the process checkpoints and exits
BIG_ROWS = 60_000


def big_register_file(path: Path, rows: int) -> Path:
    """A county-sized file: 4 products per enterprise, enterprises unknown to the base register."""
    codes = ["GB/T 1-2008", "GB 2-2010", "QB/T 1012-2012", "ISO 536:2019", "GB/T 19001-2016/ISO 9001:2015"]
    return write_csv(
        path,
        [
            row(
                100_000 + n // 4,
                f"产品{n % 4}",
                codes[n % 5],
                industry=("造纸", "纺织")[(n // 4) % 2],
                output=n % 97,
            )
            for n in range(rows)
        ],
    )


def wal_size(db: str | Path) -> int:
    wal = Path(str(db) + "-wal")
    try:
        return wal.stat().st_size
    except FileNotFoundError:
        return 0


def kill_when(
    process: subprocess.Popen[str], *, after: float = 0.0, wal_of: str = "", wal_bytes: int = 0
) -> None:
    """SIGKILL the process `after` seconds from now, or once the WAL of `wal_of` holds `wal_bytes`."""
    deadline = time.monotonic() + (after if not wal_of else 60)
    while time.monotonic() < deadline and process.poll() is None:
        if wal_of and wal_size(wal_of) >= wal_bytes:
            break
        time.sleep(0.002 if wal_of else min(0.01, max(deadline - time.monotonic(), 0)))
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.sqlite_only("kills timed by the growth of SQLite's write-ahead log; SQLite's integrity_check")
def test_a_writer_killed_at_any_moment_leaves_the_register_as_it_was(stdreg, tmp_path):
    """SIGKILL a `python -m stdreg import` of a large file at moments spread over its whole run.

    The import stages and checks every row first, then writes in one transaction whose
    pages reach the write-ahead log at its commit: some kills are timed over the whole
    run, others triggered by the log's growth, in the middle of the commit. After each
    kill the register passes SQLite's integrity check and holds exactly what it held
    before (or, killed after the commit, everything of the file), and the next import
    succeeds at once: the kernel dropped the killed writer's lock.
    """
    stdreg.ok("import", write_csv(tmp_path / "base.csv", BASE), "--year", "2011")
    big = big_register_file(tmp_path / "big.csv", BIG_ROWS)
    work = tmp_path / "cwd"
    work.mkdir()

    # how long the whole import takes, and how much it writes, on a copy of the register
    calibration = copy_register(stdreg.db, tmp_path / "calibration.sqlite")
    started = time.monotonic()
    full = stdreg_process(str(calibration), "import", big, "--year", "2020", cwd=work)
    commit_bytes, commit_starts = 0, 0.0
    while full.poll() is None:
        commit_bytes = max(commit_bytes, wal_size(calibration))
        if commit_bytes and not commit_starts:
            commit_starts = time.monotonic() - started
        time.sleep(0.002)
    assert full.returncode == 0, full.stderr.read() if full.stderr else ""
    duration = time.monotonic() - started
    assert commit_bytes > 1 << 20 and 0 < commit_starts < duration, (commit_bytes, commit_starts)
    before = stdreg.dump()
    with sqlite3.connect(calibration) as connection:
        big_executions = connection.execute("SELECT COUNT(*) FROM execution").fetchone()[0] - len(
            before["execution"]
        )

    moments: list[tuple[str, float]] = [
        *(
            ("after s", round(commit_starts * (0.02 + 0.96 * n / (TIMED_KILLS - 1)), 2))
            for n in range(TIMED_KILLS)
        ),
        *(
            ("at WAL bytes", int(commit_bytes * (0.03 + 0.6 * n / (COMMIT_KILLS - 1))))
            for n in range(COMMIT_KILLS)
        ),
        ("after s", round((commit_starts + duration) / 2 + 0.3, 2)),
    ]
    outcomes = []
    for attempt, (trigger, moment) in enumerate(moments):
        snapshot = copy_register(stdreg.db, tmp_path / "snapshot.sqlite")
        assert wal_size(stdreg.db) == 0  # checkpointed at the last close: growth is the new writer's
        process = stdreg_process(stdreg.db, "import", big, "--year", "2020", cwd=work)
        if trigger == "after s":
            kill_when(process, after=moment)
        else:
            kill_when(process, wal_of=stdreg.db, wal_bytes=int(moment))
        unfinished = wal_size(stdreg.db)  # pages the killed writer left in the log, if any
        assert integrity(stdreg.db) == "ok", f"kill {attempt} {trigger} {moment}"
        after = stdreg.dump()
        if after == before:
            outcomes.append((trigger, moment, "rolled back", unfinished))
            assert process.returncode == -signal.SIGKILL  # a finished import would have written
        else:  # killed after its commit: all of the file is there, and nothing else changed
            outcomes.append((trigger, moment, "committed", unfinished))
            assert len(after["execution"]) == len(before["execution"]) + big_executions
            assert len(after["import_batch"]) == len(before["import_batch"]) + 1
            for table in ("enterprise", "product", "execution"):
                assert set(before[table]) <= set(after[table])
            snapshot.replace(stdreg.db)  # back to the small register, to keep the checks fast
            for leftover in (Path(stdreg.db + "-wal"), Path(stdreg.db + "-shm")):
                leftover.unlink(missing_ok=True)
        # no stale lock: the next writer gets in at once, and writes
        small = write_csv(tmp_path / f"small{attempt}.csv", [row(500_000 + attempt, "竹席", "GB/T 1-2008")])
        stdreg.ok("import", small, "--year", "2013")
        before = stdreg.dump()
    print(f"\nimport of {BIG_ROWS:,} rows: {duration:.2f} s, commit from {commit_starts:.2f} s, ", end="")
    print(f"{commit_bytes:,} bytes of WAL; kills:")
    print("\n".join(map(str, outcomes)))
    rolled_back = [o for o in outcomes if o[2] == "rolled back"]
    assert len(rolled_back) >= len(moments) * 2 // 3, outcomes
    assert sum(1 for o in rolled_back if o[3] > 0) >= 2, outcomes  # some died mid-commit
    assert list(work.iterdir()) == []  # no rejects or warnings of the killed imports
    # and after all those kills, the file imports whole
    stdreg.ok("import", big, "--year", "2020")
    assert integrity(stdreg.db) == "ok"


# --- backups and upgrades -----------------------------------------------------------------


def _first_revision_register(stdreg, tmp_path: Path) -> dict[str, list[tuple[object, ...]]]:
    """A register at schema revision 0001 holding the rows of a real import; returns its rows."""
    from alembic import command
    from sqlalchemy import MetaData, insert, select
    from typer.testing import CliRunner

    from stdreg.cli.app import app
    from stdreg.store import _alembic_config, create_engine_for

    source = tmp_path / "source.sqlite"
    rows = [row(n, f"产品{k}", ["GB/T 1-2008", "ISO 536:2019"][k % 2], brand="浙江名牌" if k else "")
            for n in range(1, 30) for k in range(3)]  # fmt: skip
    # a register at the latest revision, filled by a real import
    path = write_csv(tmp_path / "r.csv", rows)
    result = CliRunner().invoke(app, ["--db", str(source), "import", str(path), "--year", "2011"])
    assert result.exit_code == 0, result.stderr
    engine = create_engine_for(stdreg.url)
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0001")
    # copy every column that revision 0001 has from the filled register, parents first
    old, new = MetaData(), MetaData()
    old.reflect(engine)
    source_engine = create_engine_for(f"sqlite:///{source}")
    new.reflect(source_engine)
    tables = [t for t in old.sorted_tables if t.name != "alembic_version"]
    with source_engine.connect() as reading, engine.begin() as writing:
        for table in tables:
            names = [c.name for c in table.columns]
            copied = reading.execute(select(*(new.tables[table.name].c[n] for n in names))).all()
            if copied:
                writing.execute(insert(table), [dict(zip(names, r, strict=True)) for r in copied])
            if stdreg.backend == "postgresql":  # rows written with their ids: the sequence follows them
                writing.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), MAX(id)) FROM {table.name}"
                )
    source_engine.dispose()
    engine.dispose()
    assert stdreg.sql("SELECT version_num FROM alembic_version") == [("0001",)]
    return {t.name: sorted(stdreg.sql(f"SELECT * FROM {t.name}"), key=repr) for t in tables}


def test_upgrade_from_the_first_revision_keeps_every_row(stdreg, tmp_path):
    from stdreg.store import head_revision

    at_0001 = _first_revision_register(stdreg, tmp_path)
    assert len(at_0001["execution"]) == 87
    head = head_revision()
    if stdreg.backend == "postgresql" and head != "0001":  # a server is backed up with its own tools
        refused = stdreg("db", "upgrade")
        assert refused.exit_code == 2 and "pg_dump" in refused.stderr
        assert stdreg.sql("SELECT version_num FROM alembic_version") == [("0001",)]
        run = stdreg("db", "upgrade", "--no-backup")
    else:
        run = stdreg("db", "upgrade")
    assert run.exit_code == 0, run.stderr
    assert stdreg.sql("SELECT version_num FROM alembic_version") == [(head,)]
    for table, rows in at_0001.items():
        old_columns = len(rows[0]) if rows else 0
        kept = sorted((r[:old_columns] for r in stdreg.sql(f"SELECT * FROM {table}")), key=repr)
        assert kept == rows, table  # every row, every value; new columns come after
    if head == "0001":
        assert "already at the latest revision" in run.stderr
    else:
        assert "upgraded from 0001 to " + head in run.stderr
    if stdreg.backend == "sqlite":  # the copy taken before the upgrade
        backups = list(Path(stdreg.db).parent.glob("register.backup-*.sqlite"))
        assert len(backups) == (0 if head == "0001" else 1)
        for backup in backups:
            with sqlite3.connect(backup) as connection:
                assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
                assert connection.execute("SELECT COUNT(*) FROM execution").fetchone() == (87,)
    totals = stdreg.report(2011)["totals"]
    assert (totals["products"], totals["adopting_products"]) == (87, 29)


@pytest.mark.sqlite_only("the backup db upgrade takes first is a copy of the SQLite file")
def test_upgrade_refuses_to_run_over_a_register_it_cannot_back_up(stdreg, tmp_path, monkeypatch):
    from stdreg import store
    from stdreg.errors import DatabaseError
    from stdreg.store import head_revision

    _first_revision_register(stdreg, tmp_path)
    before = stdreg.dump()

    def no_space(*_args, **_kwargs):
        raise DatabaseError("cannot back up the register: No space left on device")

    monkeypatch.setattr(store, "backup", no_space)
    run = stdreg("db", "upgrade")
    if head_revision() == "0001":
        assert run.exit_code == 0  # nothing to migrate: nothing to back up
    else:
        assert run.exit_code == 1
        assert "No space left on device" in run.stderr
        assert stdreg.dump() == before  # still at 0001, every row as it was


def test_upgrade_creates_a_missing_register_at_the_latest_revision(stdreg):
    from stdreg.store import head_revision

    run = stdreg("db", "upgrade")
    assert run.exit_code == 0, run.stderr
    assert stdreg.sql("SELECT version_num FROM alembic_version") == [(head_revision(),)]
    if stdreg.backend == "sqlite":
        assert not list(Path(stdreg.db).parent.glob("*.backup-*"))


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"SQLite format 3\x00" + os.urandom(2000), 65, "is damaged"),
        (b"not a database at all, just text\n" * 100, 1, "is not a stdreg register"),
    ],
)
@pytest.mark.sqlite_only("a damaged or foreign file where the SQLite register should be")
def test_upgrade_refuses_a_file_that_is_not_a_readable_register(stdreg, content, code, message):
    Path(stdreg.db).write_bytes(content)
    run = stdreg("db", "upgrade")
    assert run.exit_code == code
    assert message in run.stderr and "Traceback" not in run.stderr
    assert Path(stdreg.db).read_bytes() == content


def test_upgrade_refuses_a_database_of_another_application(stdreg):
    stdreg.sql("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT)")
    run = stdreg("db", "upgrade")
    assert run.exit_code == 1
    assert "not a stdreg register" in run.stderr
    assert stdreg.tables() == ["accounts"]
