"""Officers updating a PostgreSQL register at the same time: no register-wide lock, no lost update.

Each update runs as its own ``python -m stdreg`` process. The overlap is made certain,
not left to timing: the test holds a row lock in a transaction of its own, starts the
updates, waits until PostgreSQL reports them waiting on a lock (``pg_stat_activity``,
told apart by their ``application_name``), then lets go and checks what they wrote.

Runs when STDREG_TEST_PG_URL names a PostgreSQL database (``pg_url`` in conftest.py:
a schema of its own for each test, dropped afterwards).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT, Stdreg

SAMPLES = PROJECT / "sample_data"

A = "91330825102932634T"  # 龙游恩正墙体材料有限责任公司, 詹家镇, 建材
B = "91330825105937019W"  # 衢州展青造纸有限公司, 塔石镇, 造纸
ON = "2013-01-01"
LATER = dt.date(2013, 6, 30)


class County:
    """The sample county on PostgreSQL, stdreg processes run against it, and a connection to look."""

    def __init__(self, url: str, work: Path) -> None:
        from sqlalchemy import create_engine, make_url

        self.url = url
        self.work = work
        self.stdreg = Stdreg(url, work)
        self.tag = f"stdreg-concurrent-{uuid.uuid4().hex[:12]}"
        self.writer_url = (
            make_url(url)
            .update_query_dict({"application_name": self.tag})
            .render_as_string(hide_password=False)
        )
        self.engine = create_engine(url)

    def start(self, *args: str) -> subprocess.Popen[str]:
        """``stdreg update …`` in a process of its own, connected under this test's application name."""
        return subprocess.Popen(
            [sys.executable, "-m", "stdreg", "--db", self.writer_url, "update", *args],
            cwd=self.work,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def waiting(self) -> int:
        """How many of this test's stdreg sessions wait for a lock right now."""
        from sqlalchemy import text

        with self.engine.connect() as connection:
            return int(
                connection.execute(
                    text(
                        "SELECT COUNT(*) FROM pg_stat_activity "
                        "WHERE application_name = :tag AND wait_event_type = 'Lock'"
                    ),
                    {"tag": self.tag},
                ).scalar_one()
            )

    def until_waiting(self, count: int, processes: list[subprocess.Popen[str]], limit: float = 60) -> None:
        deadline = time.monotonic() + limit
        while self.waiting() < count:
            finished = [p for p in processes if p.poll() is not None]
            if finished or time.monotonic() > deadline:
                outputs = [finish(p) if p.poll() is not None else "still running" for p in processes]
                pytest.fail(f"expected {count} updates waiting for a lock, {self.waiting()} are: {outputs}")
            time.sleep(0.05)

    @contextlib.contextmanager
    def holding(self, sql: str, **params: Any) -> Iterator[None]:
        """Run ``sql`` (a row lock, an insert) in a transaction kept open for the block, then roll back."""
        from sqlalchemy import text

        with self.engine.connect() as connection:
            transaction = connection.begin()
            connection.execute(text(sql), params)
            try:
                yield
            finally:
                transaction.rollback()

    def versions(self, uscc: str) -> list[tuple[dt.date, dt.date, str, str]]:
        """The enterprise's versions: (valid_from, valid_to, township, industry), in date order."""
        from sqlalchemy import text

        with self.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT v.valid_from, v.valid_to, v.township, v.industry FROM enterprise_version v "
                    "JOIN enterprise e ON e.id = v.enterprise_id WHERE e.uscc = :uscc "
                    "ORDER BY v.valid_from, v.id"
                ),
                {"uscc": uscc},
            ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]

    def on(self, uscc: str, date: dt.date) -> list[tuple[str, str]]:
        """(township, industry) of every version covering the date: exactly one in a sound register."""
        return [(t, i) for start, end, t, i in self.versions(uscc) if start <= date < end]

    def scalar(self, sql: str, **params: Any) -> Any:
        from sqlalchemy import text

        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()

    def close(self) -> None:
        self.engine.dispose()


def finish(process: subprocess.Popen[str], timeout: float = 60) -> str:
    """The process's exit code and output, once it has ended (killed after ``timeout`` seconds)."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        return f"still running after {timeout:g} s, killed\nstdout: {stdout}\nstderr: {stderr}"
    return f"exit {process.returncode}\nstdout: {stdout}\nstderr: {stderr}"


def ok(process: subprocess.Popen[str]) -> None:
    shown = finish(process)
    assert process.returncode == 0, shown


ENTERPRISE_ROW = "SELECT id FROM enterprise WHERE uscc = :uscc FOR UPDATE"


@pytest.fixture
def county(pg_url: str, tmp_path: Path) -> Iterator[County]:
    work = tmp_path / "work"
    work.mkdir()
    county = County(pg_url, work)
    stdreg = county.stdreg
    stdreg.ok("import", SAMPLES / "register_2011.xlsx", "--year", "2011")
    stdreg.ok("import", SAMPLES / "register_2012.csv", "--year", "2012", "--complete")
    stdreg.ok("catalog", "import", SAMPLES / "catalog.csv", "--as-of", "2013-06-30")
    try:
        yield county
    finally:
        county.close()


def test_updates_of_different_enterprises_do_not_wait_for_each_other(county):
    assert county.on(A, LATER) == [("詹家镇", "建材")] and county.on(B, LATER) == [("塔石镇", "造纸")]
    with county.holding(ENTERPRISE_ROW, uscc=A):  # someone is in the middle of changing A
        first = county.start("enterprise", A, "--township", "湖镇镇", "--as-of", ON)
        county.until_waiting(1, [first])
        second = county.start("enterprise", B, "--township", "龙洲街道", "--as-of", ON)
        ok(second)  # B's officer is done while A's still waits: no register-wide lock
        assert first.poll() is None and county.waiting() == 1
    ok(first)
    assert county.on(A, LATER) == [("湖镇镇", "建材")]
    assert county.on(B, LATER) == [("龙洲街道", "造纸")]


def test_two_updates_of_one_enterprise_wait_their_turn_and_both_changes_survive(county):
    with county.holding(ENTERPRISE_ROW, uscc=A):
        township = county.start("enterprise", A, "--township", "湖镇镇", "--as-of", ON)
        industry = county.start("enterprise", A, "--industry", "造纸", "--as-of", ON)
        county.until_waiting(2, [township, industry])
        time.sleep(0.3)
        assert township.poll() is None and industry.poll() is None
    ok(township)
    ok(industry)
    # the 2012 file restated A as it was (a version begins there, see stdreg.timeline); both
    # changes of 2013-01-01 are in the one version that begins then
    assert county.versions(A) == [
        (dt.date(2011, 12, 31), dt.date(2012, 12, 31), "詹家镇", "建材"),
        (dt.date(2012, 12, 31), dt.date(2013, 1, 1), "詹家镇", "建材"),
        (dt.date(2013, 1, 1), dt.date(9999, 12, 31), "湖镇镇", "造纸"),
    ]
    events = county.stdreg.ok("history", A, "--format", "json").json()
    updates = sorted(e["what"] for e in events if e["kind"] == "update")
    assert updates == ["industry 建材 → 造纸", "township 詹家镇 → 湖镇镇"]
    assert {e["date"] for e in events if e["kind"] == "update"} == {ON}


def test_an_update_that_read_while_another_was_writing_loses_nothing(county):
    # Hold the enterprise's current version row: the first update to reach it stops right
    # there, having read the versions and written its new one, its transaction open. The
    # second must read what the first wrote, not what was there before.
    current = "SELECT v.id FROM enterprise_version v JOIN enterprise e ON e.id = v.enterprise_id "
    current += "WHERE e.uscc = :uscc AND v.valid_to = '9999-12-31' FOR UPDATE OF v"
    with county.holding(current, uscc=A):
        township = county.start("enterprise", A, "--township", "湖镇镇", "--as-of", ON)
        industry = county.start("enterprise", A, "--industry", "造纸", "--as-of", ON)
        county.until_waiting(2, [township, industry])
    ok(township)
    ok(industry)
    assert county.on(A, LATER) == [("湖镇镇", "造纸")]
    assert county.on(A, dt.date(2012, 12, 31)) == [("詹家镇", "建材")]
    assert len(county.versions(A)) == 3  # 2011, its restatement by the 2012 file, and the change


def test_two_officers_add_the_same_new_standard_at_once(county):
    code = "GB/T 39999-2021"
    count = "SELECT COUNT(*) FROM standard WHERE code = :code"
    assert county.scalar(count, code=code) == 0
    # an insert of the same code, not yet committed, makes both wait at the same point
    gate = "INSERT INTO standard (code, prefix, level, number) VALUES (:code, 'GB/T', 'national', '39999')"
    with county.holding(gate, code=code):
        wall = county.start("product", A, "纸面石膏板", "--add-standard", code, "--as-of", ON)
        paper = county.start("product", B, "档案纸", "--add-standard", code, "--as-of", ON)
        county.until_waiting(2, [wall, paper])
    ok(wall)
    ok(paper)
    assert county.scalar(count, code=code) == 1
    held_by = (
        "SELECT COUNT(*) FROM execution x JOIN standard s ON s.id = x.standard_id "
        "JOIN product p ON p.id = x.product_id WHERE s.code = :code AND x.valid_from = :on"
    )
    assert county.scalar(held_by, code=code, on=dt.date(2013, 1, 1)) == 2
    for uscc, product in ((A, "纸面石膏板"), (B, "档案纸")):
        whats = [e["what"] for e in county.stdreg.ok("history", uscc, "--format", "json").json()]
        assert f"{code} added to {product}" in whats


def test_two_batches_adding_the_same_new_standards_in_opposite_orders_both_succeed(county):
    # Each adds one code and then waits for the other's uncommitted row of the second code:
    # a deadlock. The server breaks it by failing one batch, which is run again from the start.
    x, y = "GB/T 39998-2021", "GB/T 39999-2021"
    gate = (
        "INSERT INTO standard (code, prefix, level, number) "
        "VALUES (:x, 'GB/T', 'national', '39998'), (:y, 'GB/T', 'national', '39999')"
    )
    with county.holding(gate, x=x, y=y):
        wall = county.start(
            "product", A, "纸面石膏板", "--add-standard", x, "--add-standard", y, "--as-of", ON
        )
        paper = county.start("product", B, "档案纸", "--add-standard", y, "--add-standard", x, "--as-of", ON)
        county.until_waiting(2, [wall, paper])
    ok(wall)
    ok(paper)
    held = (
        "SELECT COUNT(*) FROM execution x JOIN standard s ON s.id = x.standard_id "
        "WHERE s.code IN (:x, :y) AND x.valid_from = :on"
    )
    assert county.scalar(held, x=x, y=y, on=dt.date(2013, 1, 1)) == 4
    assert county.scalar("SELECT COUNT(*) FROM standard WHERE code IN (:x, :y)", x=x, y=y) == 2


def test_an_update_gives_up_after_wait_while_its_rows_stay_locked(county):
    with county.holding(ENTERPRISE_ROW, uscc=A):
        started = time.monotonic()
        update = county.start("enterprise", A, "--township", "湖镇镇", "--as-of", ON, "--wait", "1")
        shown = finish(update, timeout=20)
        assert update.returncode == 75, shown
        assert "another" in shown and "Traceback" not in shown
        assert time.monotonic() - started < 30
    assert county.on(A, LATER) == [("詹家镇", "建材")]
