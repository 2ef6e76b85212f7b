"""The system beneath the register fails: each failure is one line saying what to do, with its exit code.

The tests run as root, whom file permissions do not stop: a read-only file, folder or
lock file is made with ``chattr +i`` (immutable: not even root may write it), which
needs a filesystem that supports it (ext4, xfs, btrfs); elsewhere these tests skip.
A full disk is SQLite's own SQLITE_FULL (a page limit) and the kernel's /dev/full.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from builders import row, write_csv


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not supported here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.fixture
def county(stdreg, tmp_path):
    stdreg.ok("import", write_csv(tmp_path / "base.csv", [row(1, "纸", "GB/T 1-2008")]), "--year", "2011")
    return stdreg


def one_line(run, code: int, *words: str) -> None:
    assert run.exit_code == code, (run.exit_code, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "unexpected failure" not in lines[0] and "SQL" not in lines[0], lines[0]
    for word in words:
        assert word in lines[0], lines[0]


def new_rows(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "new.csv", [row(2, "竹筷", "GB/T 2-2008")])


def reads_still_work(county) -> None:
    assert county.ok("query", "--format", "json").json()[0]["standard"] == "GB/T 1-2008"
    assert county.report(2011)["totals"]["products"] == 1


@pytest.mark.sqlite_only("file permissions of a SQLite register")
def test_a_read_only_register_file_is_refused_for_writes_and_read_for_reads(county, tmp_path):
    before = county.dump()
    with immutable(Path(county.db)):
        one_line(county("import", new_rows(tmp_path)), 77, "read-only", "make it writable")
        one_line(county("update", "enterprise", row(1, "x")[1], "--township", "龙洲街道"), 77, "read-only")
        reads_still_work(county)
    assert county.dump() == before


@pytest.mark.sqlite_only("file permissions of a SQLite register's folder")
def test_in_a_read_only_folder_query_and_report_still_work(county, tmp_path):
    before = county.dump()
    folder = Path(county.db).parent
    rows = new_rows(tmp_path / "work")
    with immutable(folder):
        one_line(county("import", rows), 77, "folder", "read-only")
        reads_still_work(county)
        assert county.ok("query", "sql", "SELECT COUNT(*) AS n FROM product", "--format", "json").json()
    assert county.dump() == before


@pytest.mark.sqlite_only("a new register in a read-only folder")
def test_a_new_register_in_a_read_only_folder_is_refused(stdreg, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    with immutable(folder):
        one_line(stdreg("--db", folder / "r.sqlite", "import", new_rows(tmp_path)), 77, "read-only", "--db")
    assert not (folder / "r.sqlite").exists()


@pytest.mark.sqlite_only("the lock file beside a SQLite register")
def test_a_lock_file_this_user_cannot_write_is_said_so(county, tmp_path):
    lock = Path(county.db + ".lock")
    lock.touch()
    before = county.dump()
    with immutable(lock):
        one_line(county("import", new_rows(tmp_path)), 77, str(lock), "chown")
    assert county.dump() == before


@pytest.mark.sqlite_only("SQLite's own 'database or disk is full'")
def test_a_full_disk_rolls_back_and_says_so(county, tmp_path, monkeypatch):
    import stdreg.store as store

    normal = store._on_sqlite_connect

    def full_soon(connection, record):
        normal(connection, record)
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")

    before = county.dump()
    monkeypatch.setattr(store, "_on_sqlite_connect", full_soon)
    many = write_csv(tmp_path / "many.csv", [row(n, f"产品{n}", "GB/T 2-2008") for n in range(2, 400)])
    one_line(county("import", many), 74, "disk is full", "free some space")
    monkeypatch.setattr(store, "_on_sqlite_connect", normal)
    assert county.dump() == before


def test_an_output_to_a_full_disk_says_so(county):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    one_line(county("report", "--year", "2011", "--format", "json", "-o", "/dev/full"), 74, "disk is full")


@pytest.mark.sqlite_only("a damaged SQLite file")
def test_a_damaged_register_is_neither_written_nor_backed_up(county, tmp_path):
    path = Path(county.db)
    county.ok(
        "import", write_csv(tmp_path / "more.csv", [row(n, f"产品{n}", "GB/T 2-2008") for n in range(2, 300)])
    )
    content = bytearray(path.read_bytes())
    assert len(content) > 8 * 4096
    content[5 * 4096 : 7 * 4096] = b"\xff" * (2 * 4096)
    path.write_bytes(bytes(content))
    one_line(county("import", new_rows(tmp_path)), 65, "is damaged", "backup")
    one_line(county("db", "backup", tmp_path / "copy.sqlite"), 65, "is damaged")
    assert not (tmp_path / "copy.sqlite").exists()
    assert path.read_bytes() == bytes(content)
