"""`stdreg refresh`: the cron entry point over an inbox folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from builders import CATALOG_HEADERS, row, write_csv, write_xlsx

SETTLE = ("--settle", "0")  # the tests write their files before the run starts


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "收件箱 inbox"
    folder.mkdir()
    return folder


def drop(path: Path, age: float) -> Path:
    """Give a dropped file a modification time `age` seconds in the past."""
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def entries(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def catalog(path: Path, *rows: list[str]) -> Path:
    return write_csv(path, list(rows), CATALOG_HEADERS)


def withdrawn(code: str, on: str) -> list[str]:
    return [code, "", "废止", "", "", on, "", "", ""]


def test_imports_every_file_oldest_first_and_archives_it(stdreg, inbox):
    drop(write_csv(inbox / "a-newer.csv", [row(1, "纸", "GB/T 1-2008")]), 10)
    drop(write_xlsx(inbox / "b-older 乡镇.xlsx", [row(2, "布", "GB 2-2010")]), 100)
    run = stdreg("refresh", "--inbox", inbox, "--year", "2011", *SETTLE)
    assert run.exit_code == 0, run.stderr
    assert entries(inbox) == {"archive"}
    archived = entries(inbox / "archive")
    assert {"a-newer.csv", "b-older 乡镇.xlsx"} <= archived
    with_warnings = archived - {"a-newer.csv", "b-older 乡镇.xlsx"}
    assert with_warnings <= {"b-older 乡镇.xlsx.warnings.xlsx"}  # title rows above the header
    batches = stdreg.sql("SELECT file_name, as_of FROM import_batch ORDER BY id")
    assert batches == [("b-older 乡镇.xlsx", "2011-12-31"), ("a-newer.csv", "2011-12-31")]
    assert stdreg.report(2011)["totals"]["products"] == 2
    lines = run.stderr.splitlines()
    assert any("b-older 乡镇.xlsx: register as of 2011-12-31, imported 1 of 1 rows" in line for line in lines)
    assert "2 imported, 0 failed, 0 already imported, 0 left for the next run" in lines[-1]
    assert entries(stdreg.cwd) == set()  # no rejects or warnings file in the current folder


def test_a_rejected_file_goes_to_failed_with_its_rejects_and_exits_3(stdreg, inbox):
    drop(write_csv(inbox / "good.csv", [row(1, "纸", "GB/T 1-2008")]), 20)
    drop(write_csv(inbox / "bad.csv", [row(2, "布", "GB 2-2010"), row(3, "竹", "见附件")]), 10)
    (inbox / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    drop(inbox / "photo.png", 5)
    run = stdreg("refresh", "--inbox", inbox, "--year", "2011", *SETTLE)
    assert run.exit_code == 3
    assert entries(inbox) == {"archive", "failed"}
    assert entries(inbox / "archive") == {"good.csv"}
    assert entries(inbox / "failed") == {
        "bad.csv",
        "bad.csv.rejects.xlsx",
        "photo.png",
        "photo.png.error.txt",
    }
    assert "unsupported file type" in (inbox / "failed" / "photo.png.error.txt").read_text(encoding="utf-8")
    assert "bad.csv: 1 of 2 rows rejected, nothing imported (the first: row 3, column 执行标准" in run.stderr
    assert stdreg.report(2011)["totals"]["products"] == 1  # nothing of bad.csv
    assert "1 imported, 2 failed" in run.stderr.splitlines()[-1]


def test_a_second_refresh_over_the_same_inbox_is_a_no_op(stdreg, inbox):
    source = write_csv(inbox / "r.csv", [row(1, "纸", "GB/T 1-2008"), row(2, "布", "GB 2-2010")])
    content = source.read_bytes()
    stdreg.ok("refresh", "--inbox", inbox, "--year", "2011", *SETTLE)
    before = stdreg.dump()
    again = stdreg.ok("refresh", "--inbox", inbox, "--year", "2011", *SETTLE)
    assert "0 imported, 0 failed, 0 already imported, 0 left" in again.stderr
    assert stdreg.dump() == before
    # the same file dropped again, under another name, is recognised and not read again
    (inbox / "r (copy).csv").write_bytes(content)
    third = stdreg.ok("refresh", "--inbox", inbox, "--year", "2012", *SETTLE)
    assert "r (copy).csv: already imported as batch 1 (r.csv, as of 2011-12-31" in third.stderr
    assert stdreg.dump() == before
    assert entries(inbox / "archive") == {"r.csv", "r (copy).csv", "r (copy).csv.duplicate.txt"}
    note = (inbox / "archive" / "r (copy).csv.duplicate.txt").read_text(encoding="utf-8")
    assert "already imported as batch 1" in note


def test_an_archived_name_is_never_overwritten(stdreg, inbox):
    write_csv(inbox / "乡镇上报.csv", [row(1, "纸", "GB/T 1-2008")])
    stdreg.ok("refresh", "--inbox", inbox, "--year", "2011", *SETTLE)
    write_csv(inbox / "乡镇上报.csv", [row(1, "纸", "GB/T 1-2008"), row(2, "布", "GB 2-2010")])
    stdreg.ok("refresh", "--inbox", inbox, "--year", "2012", *SETTLE)
    archived = entries(inbox / "archive")
    assert len(archived) == 2 and "乡镇上报.csv" in archived
    (second,) = archived - {"乡镇上报.csv"}
    assert second.startswith("乡镇上报.20") and second.endswith(".csv")  # 乡镇上报.<date-time>.csv
    assert stdreg.report(2012)["totals"]["products"] == 2


def test_files_still_being_written_are_left_for_the_next_run(stdreg, inbox):
    for name in ("~$乡镇.xlsx", "upload.csv.part", "download.tmp", ".sync-r.csv"):
        write_csv(inbox / name, [row(1, "纸", "GB/T 1-2008")])
    growing = inbox / "growing.csv"
    write_csv(growing, [row(2, "布", "GB 2-2010")])

    def keep_writing() -> None:
        for n in range(3, 8):
            time.sleep(0.15)
            with open(growing, "a", encoding="utf-8") as handle:
                handle.write(",".join(map(str, row(n, "竹", "GB 2-2010"))) + "\n")

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        run = stdreg("refresh", "--inbox", inbox, "--year", "2011", "--settle", "0.5")
    finally:
        writer.join()
    assert run.exit_code == 0, run.stderr
    assert "growing.csv: still being written (its size or time changed); left for the next run" in run.stderr
    assert "0 imported, 0 failed, 0 already imported, 5 left for the next run" in run.stderr
    assert entries(inbox) == {"~$乡镇.xlsx", "upload.csv.part", "download.tmp", ".sync-r.csv", "growing.csv"}
    assert stdreg.counts()["import_batch"] == 0
    # the next run, once the copy is done, takes it
    stdreg.ok("refresh", "--inbox", inbox, "--year", "2011", "--settle", "0.2")
    assert "growing.csv" in entries(inbox / "archive")
    assert stdreg.report(2011)["totals"]["products"] == 6


def test_quiet_prints_only_problems(stdreg, inbox):
    write_csv(inbox / "good.csv", [row(1, "纸", "GB/T 1-2008")])
    assert stdreg.ok("refresh", "--inbox", inbox, "--year", "2011", "--quiet", *SETTLE).stderr == ""
    write_csv(inbox / "bad.csv", [row(2, "布", "不是标准号")])
    run = stdreg("refresh", "--inbox", inbox, "--year", "2011", "-q", *SETTLE)
    assert run.exit_code == 3
    lines = run.stderr.splitlines()
    assert len(lines) == 2
    assert "bad.csv: 1 of 1 rows rejected" in lines[0] and "0 imported, 1 failed" in lines[1]


def test_the_log_file_gets_one_json_object_per_line_and_is_never_held_open(stdreg, inbox, tmp_path):
    log = tmp_path / "logs" / "stdreg-refresh.log"
    write_csv(inbox / "r.csv", [row(1, "纸", "GB/T 1-2008")])
    args = ("refresh", "--inbox", inbox, "--year", "2011", "--log-file", log, "--log-format", "json", "-q")
    stdreg.ok(*args, *SETTLE)
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r["event"] for r in records] == ["imported", "outdated", "summary"]
    assert all({"time", "level", "event", "message"} <= set(r) for r in records)
    assert records[0]["summary"]["rows_imported"] == 1 and records[0]["file"].endswith("r.csv")
    assert records[-1]["imported"] == 1 and records[-1]["exit_code"] == 0
    open_files = {os.path.realpath(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")}
    assert str(log) not in open_files
    # logrotate moved the file away: the next run starts a new one, the old one is untouched
    log.rename(log.with_name("stdreg-refresh.log.1"))
    stdreg.ok(*args, *SETTLE)
    assert len(log.read_text(encoding="utf-8").splitlines()) == 2  # outdated, summary
    assert len(log.with_name("stdreg-refresh.log.1").read_text(encoding="utf-8").splitlines()) == 3


def test_the_text_log_appends_timestamped_lines_even_when_quiet(stdreg, inbox, tmp_path):
    log = tmp_path / "refresh.log"
    log.write_text("an earlier line\n", encoding="utf-8")
    write_csv(inbox / "r.csv", [row(1, "纸", "GB/T 1-2008")])
    stdreg.ok("refresh", "--inbox", inbox, "--log-file", log, "--quiet", *SETTLE)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "an earlier line"
    assert all(" stdreg refresh: " in line and line[:4].isdigit() for line in lines[1:])
    assert "r.csv: register as of" in lines[1]


def test_outdated_standards_are_reported_without_changing_the_exit_code(stdreg, inbox):
    write_csv(inbox / "r.csv", [row(1, "纸", "GB/T 1-2008"), row(2, "布", "GB/T 2-2008")])
    first = stdreg.ok("refresh", "--inbox", inbox, "--year", "2011", *SETTLE)
    assert "0 products made to 0 withdrawn or replaced standards (the first refresh" in first.stderr
    catalog(inbox / "catalog.csv", withdrawn("GB/T 1-2008", "2012-06-30"))
    run = stdreg("refresh", "--inbox", inbox, "--quiet", *SETTLE)
    assert run.exit_code == 0
    assert "catalog.csv" in entries(inbox / "archive")
    # a new finding shows even with --quiet, so that cron mails it
    assert "1 products made to 1 withdrawn or replaced standards; 1 became outdated since" in run.stderr
    again = stdreg.ok("refresh", "--inbox", inbox, "--quiet", *SETTLE)
    assert again.stderr == ""


def test_as_of_applies_to_register_files_and_catalogs_are_as_of_today(stdreg, inbox):
    import datetime as dt

    write_csv(inbox / "r.csv", [row(1, "纸", "GB/T 1-2008")])
    catalog(inbox / "c.csv", withdrawn("GB/T 1-2008", ""))
    stdreg.ok("refresh", "--inbox", inbox, "--as-of", "2011-06-30", *SETTLE)
    kinds = dict(stdreg.sql("SELECT kind, as_of FROM import_batch"))
    assert kinds == {"register": "2011-06-30", "catalog": dt.date.today().isoformat()}


def test_a_held_lock_exits_75_and_leaves_the_inbox_alone(stdreg, inbox, tmp_path):
    from stdreg.store import open_register, writer_lock

    write_csv(inbox / "r.csv", [row(1, "纸", "GB/T 1-2008")])
    log = tmp_path / "refresh.log"
    register = open_register(stdreg.db)
    try:
        with writer_lock(register):
            run = stdreg("refresh", "--inbox", inbox, "--log-file", log, *SETTLE)
    finally:
        register.dispose()
    assert run.exit_code == 75
    assert "another stdreg writer" in run.stderr and "--wait" in run.stderr
    assert entries(inbox) == {"r.csv"}
    assert "another stdreg writer" in log.read_text(encoding="utf-8")
    stdreg.ok("refresh", "--inbox", inbox, *SETTLE)
    assert entries(inbox / "archive") == {"r.csv"}


def test_a_missing_inbox_is_a_usage_error(stdreg, tmp_path):
    run = stdreg("refresh", "--inbox", tmp_path / "nowhere")
    assert run.exit_code == 2


def _refresh_process(db: str, inbox: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stdreg",
            "--db",
            db,
            "refresh",
            "--inbox",
            str(inbox),
            "--year",
            "2011",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("wait", ["0", "30"])
def test_two_refreshes_at_once_one_waits_or_exits_75_and_nothing_is_lost(stdreg, inbox, wait):
    stdreg.ok("db", "upgrade")  # the register exists; both processes race for its lock only
    names = [f"乡镇{n}.csv" for n in range(4)]
    for n, name in enumerate(names):
        drop(
            write_csv(inbox / name, [row(10 * n + k, f"产品{k}", "GB/T 1-2008") for k in range(1, 4)]), 40 - n
        )
    # the settling seconds hold the lock long enough for the two to overlap
    first = _refresh_process(stdreg.db, inbox, "--wait", wait, "--settle", "2")
    second = _refresh_process(stdreg.db, inbox, "--wait", wait, "--settle", "2")
    results = [(p.wait(timeout=60), p.stderr.read() if p.stderr else "") for p in (first, second)]
    codes = sorted(code for code, _ in results)
    assert codes == ([0, 75] if wait == "0" else [0, 0]), results
    if wait == "0":
        assert "another stdreg writer" in next(err for code, err in results if code == 75)
    assert entries(inbox) == {"archive"}
    assert entries(inbox / "archive") == set(names)
    counts = stdreg.counts()
    assert (counts["import_batch"], counts["product"], counts["execution"]) == (4, 12, 12)
