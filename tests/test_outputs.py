"""Output paths (-o, --rejects, db backup) never destroy the register, an input, a device or a link."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook

from builders import row, uscc, write_csv, write_xlsx


@pytest.fixture
def county(stdreg, tmp_path):
    stdreg.ok("import", write_csv(tmp_path / "base.csv", [row(1, "纸", "GB/T 1-2008")]), "--year", "2011")
    return stdreg


def register_bytes(stdreg) -> bytes | None:
    return Path(stdreg.db).read_bytes() if stdreg.backend == "sqlite" else None


def refused(stdreg, *args: str | Path, what: str) -> None:
    """The command exits 2 with one line naming what it refuses, and the register is unchanged."""
    before, raw = stdreg.dump(), register_bytes(stdreg)
    run = stdreg(*args)
    assert run.exit_code == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "refusing to write" in lines[0] and what in lines[0], run.stderr
    assert stdreg.dump() == before
    assert register_bytes(stdreg) == raw


@pytest.mark.sqlite_only("the register is a file only on SQLite")
@pytest.mark.parametrize(
    "command",
    [
        ("report", "--year", "2011", "--format", "xlsx", "-o"),
        ("report", "--year", "2011", "--format", "json", "-o"),
        ("query", "-o"),
        ("history", uscc(1), "-o"),
        ("check", "--as-of", "2011-12-31", "-o"),
    ],
)
def test_no_output_is_written_over_the_register(county, command):
    # another spelling of the same file: relative, from the command's own folder
    refused(county, *command, os.path.relpath(county.db, county.cwd), what="it is the register")


@pytest.mark.sqlite_only("the register's companion files exist only on SQLite")
@pytest.mark.parametrize("suffix", ["-wal", "-shm", ".lock", ".lock.holder", ".refresh.json"])
def test_no_output_is_written_over_the_registers_own_files(county, suffix):
    refused(county, "query", "-o", county.db + suffix, what="the register's file")


@pytest.mark.sqlite_only("a hard link and a symlink to the register's file")
def test_a_link_to_the_register_is_the_register(county, tmp_path):
    os.link(county.db, tmp_path / "hard.sqlite")
    os.symlink(county.db, tmp_path / "soft.xlsx")
    workbook = ("report", "--year", "2011", "--format", "xlsx", "-o")
    refused(county, *workbook, tmp_path / "hard.sqlite", what="register")
    refused(county, *workbook, tmp_path / "soft.xlsx", what="register")
    refused(county, "db", "backup", tmp_path / "hard.sqlite", what="register")


@pytest.mark.sqlite_only("the register is a file only on SQLite")
def test_rejects_are_never_written_over_the_register(county, tmp_path):
    bad = write_csv(tmp_path / "x.csv", [row(2, "纸", "not a code at all")])
    refused(county, "import", bad, "--rejects", county.db, what="it is the register")
    refused(county, "import", bad, "--skip-invalid", "--rejects", county.db + "-wal", what="register's file")


def test_rejects_are_never_written_over_an_input(county, tmp_path):
    survey = write_xlsx(tmp_path / "a.xlsx", [row(2, "纸", "not a code at all")])
    content = survey.read_bytes()
    refused(county, "import", survey, "--rejects", survey, what="the input")
    refused(county, "import", survey, "--rejects", tmp_path / "." / "a.xlsx", what="the input")
    assert survey.read_bytes() == content


def test_an_output_to_a_device_is_written_in_place(county):
    for args in (
        ("query", "-o", "/dev/null"),
        ("report", "--year", "2011", "--format", "xlsx", "-o", "/dev/null"),
        ("query", "--format", "json", "-o", "/dev/stdout"),
    ):
        county.ok(*args)
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not Path("/dev/null.part").exists()


def test_rejects_to_a_device_are_written_in_place(county, tmp_path):
    bad = write_csv(tmp_path / "x.csv", [row(2, "纸", "not a code at all")])
    assert county("import", bad, "--rejects", "/dev/null").exit_code == 3
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_an_output_to_a_fifo_is_written_in_place(county, tmp_path):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    county.ok("query", "--format", "csv", "-o", fifo)
    reader.join(10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert "GB/T 1-2008" in received[0].decode("utf-8")


def test_an_output_through_a_symlink_writes_its_target_and_keeps_the_link(county, tmp_path):
    target = tmp_path / "reports" / "2011.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"old")
    link = county.cwd / "link.xlsx"
    link.symlink_to(target)
    county.ok("report", "--year", "2011", "--format", "xlsx", "-o", "link.xlsx")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert load_workbook(target).sheetnames  # the target now holds the workbook
    assert not list(tmp_path.rglob("*.part"))


@pytest.mark.sqlite_only("db backup copies a SQLite file")
def test_a_backup_through_a_symlink_writes_its_target(county, tmp_path):
    import sqlite3

    target = tmp_path / "copy.sqlite"
    (tmp_path / "link.sqlite").symlink_to(target)
    county.ok("db", "backup", tmp_path / "link.sqlite")
    assert (tmp_path / "link.sqlite").is_symlink()
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT COUNT(*) FROM execution").fetchone() == (1,)


def test_a_replaced_output_keeps_its_permissions(county, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o640)
    county.ok("query", "--format", "csv", "-o", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert "GB/T 1-2008" in path.read_text(encoding="utf-8")


# --- passwords are never written or shown --------------------------------------------------

SECRET_URL = "postgresql+psycopg://county:S3cret-pw@127.0.0.1:1/city"


@pytest.mark.sqlite_only("the lock and holder files beside a SQLite register")
def test_the_lock_files_are_private_and_hold_no_password(county, tmp_path, monkeypatch):
    from stdreg.store import open_register, writer_lock

    monkeypatch.setattr("sys.argv", ["stdreg", "merge", SECRET_URL, "--region", "衢州市"])
    register = open_register(county.db)
    try:
        with writer_lock(register):
            holder = Path(county.db + ".lock.holder")
            assert "S3cret" not in holder.read_text(encoding="utf-8")
            assert "county:***@127.0.0.1" in holder.read_text(encoding="utf-8")
            for path in (holder, Path(county.db + ".lock")):
                assert stat.S_IMODE(path.stat().st_mode) == 0o600
            run = county("import", write_csv(tmp_path / "r.csv", [row(3, "纸", "GB/T 1-2008")]))
    finally:
        register.dispose()
    assert run.exit_code == 75
    assert "S3cret" not in run.stderr and "county:***@127.0.0.1:1/city" in run.stderr, run.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--db", "postgresql+psycopg://county:S3cret-pw@[not a host", "db", "info"),
        ("--db", "nosuchdriver://county:S3cret-pw@host/db", "query"),
        ("merge", SECRET_URL, "--region", "衢州市"),
    ],
)
def test_a_url_in_an_error_is_shown_without_its_password(stdreg, args):
    run = stdreg(*args)
    assert run.exit_code != 0
    assert "S3cret" not in run.stderr + run.stdout and "***" in run.stderr, run.stderr


@pytest.mark.sqlite_only("the register is a file only on SQLite")
def test_the_refresh_log_is_never_the_register(county, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    refused(county, "refresh", "--inbox", inbox, "--log-file", county.db, what="it is the register")
