"""`stdreg refresh` against a hostile or broken inbox: links, the register's own folder, long names,
other filesystems, killed runs and names made to forge log lines."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from builders import row, write_csv

SETTLE = ("--settle", "0")
WARNS = "GB/T 1-2030"  # imported as of 2011, with a warning: an edition later than the as-of date


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def scratch_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder a refresh writes its workbooks in, private to the test."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def entries(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def created(stdreg) -> dict:
    """The dump of the register, created first if need be (the refresh would create it)."""
    stdreg.ok("db", "upgrade")
    return stdreg.dump()


def good(path: Path, n: int = 1, standard: str = "GB/T 1-2008") -> Path:
    return write_csv(path, [row(n, f"产品{n}", standard)])


def bad(path: Path, secret: str = "见附件") -> Path:
    return write_csv(path, [row(9, "布", secret)])


# --- links (never followed) ----------------------------------------------------------------


@pytest.mark.parametrize("folder", ["failed", "archive"])
def test_a_symlinked_failed_or_archive_folder_is_refused_and_nothing_is_written_through_it(
    stdreg, inbox, tmp_path, folder
):
    elsewhere = tmp_path / "elsewhere"  # think ~/.ssh
    elsewhere.mkdir()
    (inbox / folder).symlink_to(elsewhere)
    bad(inbox / "authorized_keys")
    good(inbox / "good.csv")
    before = created(stdreg)
    run = stdreg("refresh", "--inbox", inbox, "--year", "2011", *SETTLE)
    assert run.exit_code == 3
    assert entries(elsewhere) == set()
    refused = f"good.csv: not imported: {folder}/ is a symbolic link: refused, nothing is ever written"
    assert refused in run.stderr
    assert "authorized_keys: not imported" in run.stderr and "left in the inbox" in run.stderr
    said = [line for line in run.stderr.splitlines() if f"{folder}: {folder}/ is a symbolic link" in line]
    assert len(said) == 1 and said[0].endswith("replace it with a folder")
    assert "0 imported, 3 failed" in run.stderr.splitlines()[-1]
    assert stdreg.dump() == before
    assert entries(inbox) >= {"authorized_keys", "good.csv", folder}
    # once the link is replaced by a real folder, the next run does everything
    (inbox / folder).unlink()
    assert stdreg("refresh", "--inbox", inbox, "--year", "2011", *SETTLE).exit_code == 3
    assert entries(inbox / "archive") == {"good.csv"}
    assert entries(inbox / "failed") == {"authorized_keys", "authorized_keys.rejects.xlsx"}


def test_a_dangling_archive_link_is_refused_before_anything_is_imported(stdreg, inbox, tmp_path):
    (inbox / "archive").symlink_to(tmp_path / "gone")
    good(inbox / "r.csv")
    before = created(stdreg)
    run = stdreg("refresh", "--inbox", inbox, *SETTLE)
    assert run.exit_code == 3
    assert "r.csv: not imported: archive/ is a symbolic link: refused" in run.stderr
    assert stdreg.dump() == before
    assert not (tmp_path / "gone").exists()
    assert entries(inbox) == {"archive", "r.csv"}


def test_an_archive_that_is_a_file_is_refused(stdreg, inbox):
    (inbox / "archive").write_text("not a folder\n", encoding="utf-8")
    good(inbox / "r.csv")
    before = created(stdreg)
    run = stdreg("refresh", "--inbox", inbox, *SETTLE)
    assert run.exit_code == 3
    assert "r.csv: not imported: archive/ is not a folder; left in the inbox" in run.stderr
    assert stdreg.dump() == before
    assert (inbox / "r.csv").exists()


def test_links_in_the_inbox_are_refused_never_read_and_moved_as_links(stdreg, inbox, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    # a secret that is a valid register file, and one whose bad row would land in a rejects workbook
    secret = good(outside / "secret.csv", 5)
    leaky = bad(outside / "leaky.csv", secret="S3CRET-TOKEN")
    (inbox / "secret.csv").symlink_to(secret)
    (inbox / "leaky.csv").symlink_to(leaky)
    (inbox / "folder-link").symlink_to(outside, target_is_directory=True)
    (inbox / "dangling.csv").symlink_to(tmp_path / "nothing.csv")
    before = created(stdreg)
    run = stdreg("refresh", "--inbox", inbox, "--year", "2011", *SETTLE)
    assert run.exit_code == 3
    for name in ("secret.csv", "leaky.csv", "folder-link", "dangling.csv"):
        said = f"{name}: a symbolic link: refused, a refresh never follows a link; moved to failed/"
        assert said in run.stderr
    assert "0 imported, 4 failed" in run.stderr.splitlines()[-1]
    assert stdreg.dump() == before
    failed = inbox / "failed"
    assert entries(failed) == {
        *("secret.csv", "leaky.csv", "folder-link", "dangling.csv"),
        *(f"{n}.error.txt" for n in ("secret.csv", "leaky.csv", "folder-link", "dangling.csv")),
    }
    assert all((failed / n).is_symlink() for n in ("secret.csv", "leaky.csv", "folder-link", "dangling.csv"))
    assert not any(p.name.endswith(".xlsx") for p in tmp_path.rglob("*"))  # no rejects workbook anywhere
    notes = "".join(p.read_text(encoding="utf-8") for p in failed.glob("*.error.txt"))
    assert "S3CRET" not in notes
    assert entries(outside) == {"secret.csv", "leaky.csv"}  # the targets are where they were
    # the next run has nothing left to say about them
    again = stdreg.ok("refresh", "--inbox", inbox, *SETTLE)
    assert "0 imported, 0 failed, 0 already imported, 0 left" in again.stderr


def test_a_fifo_in_the_inbox_is_refused_without_opening_it(stdreg, inbox):
    os.mkfifo(inbox / "pipe.csv")  # opening it to read would hang the nightly job
    good(inbox / "r.csv")
    run = stdreg("refresh", "--inbox", inbox, "--year", "2011", *SETTLE)
    assert run.exit_code == 3
    assert "pipe.csv: not a regular file (a pipe, socket or device): refused; moved to failed/" in run.stderr
    assert entries(inbox / "archive") == {"r.csv"}


def test_an_unwritable_temporary_folder_is_one_clear_line(stdreg, inbox, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no such folder"))
    good(inbox / "r.csv")
    before = created(stdreg)
    run = stdreg("refresh", "--inbox", inbox, *SETTLE)
    assert run.exit_code == 1
    assert "cannot write in the temporary folder" in run.stderr and "(TMPDIR)" in run.stderr
    assert "unexpected" not in run.stderr
    assert stdreg.dump() == before and entries(inbox) == {"r.csv"}


# --- the register's own folder ---------------------------------------------------------------


def test_an_inbox_that_holds_the_register_is_refused_and_the_register_stays(stdreg, inbox):
    if stdreg.backend != "sqlite":
        pytest.skip("a register on a server has no folder")
    stdreg.ok("import", good(inbox / "first.csv"), "--year", "2011")
    srv = Path(stdreg.db).parent
    good(srv / "dropped.csv", 2)
    before = created(stdreg)
    held = entries(srv)
    for spelling in (srv, "..", srv / "inbox" / ".."):  # the command runs in srv/work
        run = stdreg("refresh", "--inbox", spelling, *SETTLE)
        assert run.exit_code == 2
        assert "is the folder of the register" in run.stderr
        assert "give the inbox a folder of its own" in run.stderr
        assert entries(srv) == held  # register, -wal, lock, … all where they were; no failed/ or archive/
    assert stdreg.dump() == before


# --- names, filesystems, one file never blocking the others --------------------------------


def test_a_255_byte_name_is_shortened_to_take_its_suffixes_and_never_blocks_the_others(stdreg, inbox):
    long_good = "乡" * 80 + "a" * 11 + ".csv"  # 255 bytes
    long_bad = "镇" * 80 + "b" * 11 + ".csv"
    assert len(long_good.encode()) == len(long_bad.encode()) == 255
    os.utime(good(inbox / long_good, 1, WARNS), (1, 1))
    os.utime(bad(inbox / long_bad), (2, 2))
    good(inbox / "after.csv", 3)
    run = stdreg("refresh", "--inbox", inbox, "--year", "2011", *SETTLE)
    assert run.exit_code == 3, run.stderr
    assert "1 of 1 rows rejected" in run.stderr and "2 imported, 1 failed" in run.stderr.splitlines()[-1]
    archived, failed = entries(inbox / "archive"), entries(inbox / "failed")
    assert "after.csv" in archived
    (kept,) = (n for n in archived if n.startswith("乡") and n.endswith(".csv"))
    assert f"{kept}.warnings.xlsx" in archived  # the warnings workbook kept, beside the shortened name
    (kept_bad,) = (n for n in failed if n.endswith(".csv"))
    assert f"{kept_bad}.rejects.xlsx" in failed
    assert all(len(n.encode()) <= 255 for n in archived | failed)
    assert stdreg.counts()["import_batch"] == 2
    # the same long name again: a stamped, still shorter name; the next refresh does not crash on it
    good(inbox / long_good, 4)
    again = stdreg.ok("refresh", "--inbox", inbox, "--year", "2012", *SETTLE)
    assert "1 imported, 0 failed" in again.stderr
    assert len([n for n in entries(inbox / "archive") if n.startswith("乡") and n.endswith(".csv")]) == 2


def test_a_move_across_filesystems_copies_fsyncs_and_unlinks(stdreg, inbox, monkeypatch, scratch_root):
    """An archive/ mounted from another filesystem: rename fails with EXDEV (simulated here)."""
    import stdreg.refresh as module

    real_rename = os.rename

    def rename(src, dst, *, src_dir_fd=None, dst_dir_fd=None):
        folders = (src_dir_fd, os.path.dirname(os.fspath(src))), (dst_dir_fd, os.path.dirname(os.fspath(dst)))
        if folders[0] != folders[1]:  # between two folders: another filesystem
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_rename(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    monkeypatch.setattr(module.os, "rename", rename)
    monkeypatch.setattr(module.os, "replace", rename)
    source = good(inbox / "r.csv", 1, WARNS)
    content = source.read_bytes()
    os.utime(source, (1_000_000_000, 1_000_000_000))
    run = stdreg("refresh", "--inbox", inbox, "--year", "2011", *SETTLE)
    assert run.exit_code == 0, run.stderr
    assert entries(inbox) == {"archive"}
    assert entries(inbox / "archive") == {"r.csv", "r.csv.warnings.xlsx"}  # no .part left
    assert (inbox / "archive" / "r.csv").read_bytes() == content
    assert (inbox / "archive" / "r.csv").stat().st_mtime == 1_000_000_000
    assert entries(scratch_root) == set()


def test_a_file_that_cannot_be_archived_is_said_and_the_others_go_on(stdreg, inbox, monkeypatch):
    import stdreg.refresh as module

    real_rename = os.rename

    def rename(src, dst, *, src_dir_fd=None, dst_dir_fd=None):
        if src == "a.csv":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_rename(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    monkeypatch.setattr(module.os, "rename", rename)
    os.utime(good(inbox / "a.csv", 1, WARNS), (1, 1))
    good(inbox / "b.csv", 2)
    run = stdreg("refresh", "--inbox", inbox, "--year", "2011", "--quiet", *SETTLE)
    assert run.exit_code == 0, run.stderr
    assert "a.csv: imported, but could not be moved into archive/: No space left on device" in run.stderr
    assert entries(inbox / "archive") == {"b.csv", "a.csv.warnings.xlsx"}  # its warnings are kept
    assert stdreg.counts()["import_batch"] == 2
    monkeypatch.undo()
    again = stdreg.ok("refresh", "--inbox", inbox, *SETTLE)
    assert "a.csv: already imported as batch 1" in again.stderr
    assert entries(inbox) == {"archive"}
    # archived with a note naming the batch; the name its warnings took is not taken over
    (note,) = (n for n in entries(inbox / "archive") if n.endswith(".duplicate.txt"))
    assert note.startswith("a.") and "a.csv.warnings.xlsx" in entries(inbox / "archive")


def test_a_warnings_workbook_that_cannot_be_written_is_said_on_stderr(stdreg, inbox, monkeypatch):
    import stdreg.ingest.service as service
    from stdreg.errors import StdregError

    def full_disk(*_args, **_kwargs):
        raise StdregError("cannot write the rejects file: [Errno 28] No space left on device")

    monkeypatch.setattr(service, "write_rejects", full_disk)
    good(inbox / "r.csv", 1, WARNS)
    run = stdreg("refresh", "--inbox", inbox, "--year", "2011", "--quiet", *SETTLE)
    assert run.exit_code == 0
    assert "r.csv: its warnings workbook could not be written" in run.stderr
    assert entries(inbox / "archive") == {"r.csv"}


# --- what a killed run leaves behind ---------------------------------------------------------


def test_what_a_killed_refresh_left_behind_is_removed_by_the_next(stdreg, inbox, scratch_root):
    stale = scratch_root / "stdreg-refresh-old"
    stale.mkdir()
    (stale / ".lock").touch()
    (stale / "file.rejects.xlsx.part").write_bytes(b"half")
    live = scratch_root / "stdreg-refresh-live"  # a refresh of another register, running
    live.mkdir()
    (inbox / "archive").mkdir()
    (inbox / "archive" / ".stdreg-0123456789ab.part").write_bytes(b"half a copy")
    (inbox / "archive" / "kept.csv").write_bytes(b"archived")
    lock = os.open(live / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        run = stdreg.ok("refresh", "--inbox", inbox, *SETTLE)
    finally:
        os.close(lock)
    assert "removed 2 temporary files or folders an interrupted refresh left behind" in run.stderr
    assert entries(scratch_root) == {"stdreg-refresh-live"}
    assert entries(inbox / "archive") == {"kept.csv"}


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_refresh_killed_while_it_runs_is_cleaned_up_after(stdreg, inbox, scratch_root, sig):
    stdreg.ok("db", "info")
    good(inbox / "r.csv")
    env = {**os.environ, "TMPDIR": str(scratch_root)}
    command = [sys.executable, "-m", "stdreg", "--db", stdreg.db, "refresh", "--inbox", str(inbox)]
    process = subprocess.Popen([*command, "--settle", "30"], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not entries(scratch_root) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert entries(scratch_root), "the refresh never started"
    finally:
        process.send_signal(sig)
        process.wait(timeout=30)
    assert process.returncode != 0
    assert stdreg.counts()["import_batch"] == 0
    run = stdreg.ok("refresh", "--inbox", inbox, "--year", "2011", *SETTLE)
    assert entries(scratch_root) == set()
    assert entries(inbox / "archive") == {"r.csv"}
    assert "removed 1 temporary files or folders" in run.stderr  # its scratch folder, with its lock


# --- names made to forge log lines -------------------------------------------------------------


FORGED = "x.csv: ok\n2026-01-01T00:00:00+08:00 stdreg refresh: all fine\x1b[2K\x1b]0;pwned\x07\u2028.csv"


def test_names_with_newlines_and_terminal_escapes_are_escaped_in_every_line(stdreg, inbox, tmp_path):
    bad(inbox / FORGED)
    weird = os.fsdecode(b"\xff\xfe-not-utf8.csv")  # an undecodable name (a surrogate escape)
    good(inbox / weird)
    good(inbox / "ok.csv")
    text_log, json_log = tmp_path / "refresh.log", tmp_path / "refresh.jsonl"
    run = stdreg("refresh", "--inbox", inbox, "--year", "2011", "--log-file", text_log, *SETTLE)
    assert run.exit_code == 3
    assert "\x1b" not in run.stderr and "\u2028" not in run.stderr and "\x07" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 5  # the bad file, the undecodable, the good one, outdated, summary: a line each
    escaped = "x.csv: ok\\n2026-01-01T00:00:00+08:00 stdreg refresh: all fine"
    escaped += "\\x1b[2K\\x1b]0;pwned\\x07\\u2028.csv"
    assert sum(escaped in line for line in lines) == 1
    assert any("\\udcff\\udcfe-not-utf8.csv: its name is not UTF-8: refused" in line for line in lines)
    assert any("ok.csv: register as of 2011-12-31" in line for line in lines)
    logged = text_log.read_text(encoding="utf-8")
    assert "\x1b" not in logged and len(logged.splitlines()) == 5
    assert all(line[:4].isdigit() and " stdreg refresh: " in line for line in logged.splitlines())
    # JSON lines: json.dumps escapes the controls; the separators and surrogates are escaped too
    bad(inbox / FORGED)
    run = stdreg("refresh", "--inbox", inbox, "--log-file", json_log, "--log-format", "json", *SETTLE)
    raw = json_log.read_text(encoding="utf-8")
    assert "\x1b" not in raw and "\u2028" not in raw
    records = [json.loads(line) for line in raw.splitlines()]
    assert [r["event"] for r in records] == ["failed", "outdated", "summary"]
    assert records[0]["file"].endswith(FORGED)
    assert all(json.loads(line) for line in run.stderr.splitlines())
