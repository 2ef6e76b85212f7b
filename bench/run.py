#!/usr/bin/env python3
"""stdreg's benchmark suite: each command measured beside its baseline, in one table.

    python bench/run.py [--rows N|county|city|province|national] [--only GROUP,…] [--repeat N]
                        [--memory-curve] [--pg-url URL [--pg-only]] [--national]

Every measurement is a subprocess (the real ``stdreg`` script, or the baseline
script/tool), started by the small ``launch.py``, which times it with
``time.perf_counter`` from spawn to exit and takes its peak memory, the child's
maximum resident set size, from ``os.wait4``. Each runs ``--repeat`` times
(at least three; the sub-second CLI commands at least ten, after one warm-up);
the table gives the median, min–max, rows/s where rows apply, peak memory, and the
ratio to the baseline measured in the same run, with the target beside it.

With ``--pg-url`` (or ``STDREG_BENCH_PG_URL``) every group but ``cli`` also runs on
PostgreSQL, each register and baseline table in a schema of its own that is dropped
afterwards; its rows follow the SQLite ones. ``--national`` is the national-size run
(4,400,000 products) on PostgreSQL alone: the CSV import and the report, once each.

The table is printed and written to ``bench/out/bench_<rows>.md`` and ``.json``
(``bench_<rows>_pg.md`` for a PostgreSQL-only run). See ``bench/README.md`` for what
each row means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datagen

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
DATA = OUT / "data"
WORK = OUT / "work"
BIN = Path(sys.executable).parent

YEAR = 2011
AS_OF = f"{YEAR}-12-31"
QUERY_INDUSTRY = "造纸"
QUERY_NAME = "纸业"  # a two-character search inside enterprise names
LOOKUP_STANDARDS = 100_000  # the catalog of the lookup row (issue: a 100,000-standard catalog)
LOOKUP_CODES = 100_000  # the codes of its list
REPEAT_ROWS = 50_000  # the warnings row: products on two rows each, the second a warning
MEMORY_TARGET_MIB = 300.0
MIN_CLI_RUNS = 10
PG_URL_ENV = "STDREG_BENCH_PG_URL"
PG = "PostgreSQL"

GROUPS = {
    "csv": "CSV import against csv+sqlite3 and sqlite-utils",
    "xlsx": "XLSX import against the bare readers",
    "reimport": "re-import of an unchanged file against its first import",
    "report": "report --format json against one aggregation query",
    "warnings": "import of repeats that disagree (a warning each) against the same repeats agreeing",
    "report-xlsx": "report --format xlsx against the fastest bare write of the same cells",
    "query": "query (a filter, a name search) against the same SQL",
    "lookup": "lookup of 100,000 codes in a 100,000-standard catalog against one bare join",
    "cli": "--version and --help against a minimal Typer app",
}


# -- one process ------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    max_rss_kib: int
    returncode: int
    error: str = ""


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("STDREG_DB", "STDREG_CONFIG")}
    env["COLUMNS"] = "200"  # help text unwrapped, so option names can be looked for
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def run_process(argv: Sequence[str], *, cwd: Path, stdout: Path | None = None) -> Run:
    """Run argv once through launch.py: wall time from spawn to exit, and max RSS (os.wait4)."""
    cwd.mkdir(parents=True, exist_ok=True)
    err_path = cwd / "stderr.txt"
    result = cwd / "launch.txt"
    result.unlink(missing_ok=True)
    launcher = [sys.executable, "-I", "-S", str(BENCH / "launch.py"), str(result), "--", *argv]
    with (
        open(stdout, "wb") if stdout is not None else open(os.devnull, "wb") as out,
        open(err_path, "wb") as err,
    ):
        subprocess.run(launcher, cwd=cwd, stdout=out, stderr=err, env=_child_env(), check=False)
    try:
        seconds, rss, code = result.read_text().split()
    except (OSError, ValueError):
        seconds, rss, code = "0", "0", "-1"
    run = Run(float(seconds), int(rss), int(code))
    if run.returncode != 0:
        lines = err_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        run.error = f"exit {run.returncode}: " + " | ".join(lines[-3:])[:300]
    return run


def capture(argv: Sequence[str]) -> tuple[int, str]:
    """Exit code and output of a quick command (not measured)."""
    done = subprocess.run(list(argv), capture_output=True, text=True, env=_child_env(), check=False)
    return done.returncode, done.stdout + done.stderr


# -- what is measured and compared ---------------------------------------------------------------


@dataclass
class Measurement:
    key: str
    label: str
    command: str
    items: int | None = None  # rows, for rows/s
    runs: list[Run] = field(default_factory=list)
    unavailable: str | None = None

    def add(self, run: Run) -> Run:
        self.runs.append(run)
        return run

    @property
    def ok_runs(self) -> list[Run]:
        return [r for r in self.runs if r.returncode == 0]

    @property
    def failure(self) -> str | None:
        if self.unavailable:
            return self.unavailable
        failed = [r for r in self.runs if r.returncode != 0]
        if not self.runs:
            return "not run"
        if failed:
            return f"{len(failed)} of {len(self.runs)} runs failed ({failed[0].error})"
        return None

    @property
    def median(self) -> float | None:
        runs = self.ok_runs
        return statistics.median(r.seconds for r in runs) if runs and not self.failure else None

    @property
    def low(self) -> float:
        return min(r.seconds for r in self.ok_runs)

    @property
    def high(self) -> float:
        return max(r.seconds for r in self.ok_runs)

    @property
    def peak_mib(self) -> float | None:
        runs = self.ok_runs
        return max(r.max_rss_kib for r in runs) / 1024 if runs else None

    @property
    def rows_per_s(self) -> float | None:
        median = self.median
        return self.items / median if self.items and median else None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "command": self.command,
            "items": self.items,
            "unavailable": self.unavailable,
            "failure": self.failure,
            "median_s": self.median,
            "min_s": self.low if self.ok_runs else None,
            "max_s": self.high if self.ok_runs else None,
            "rows_per_s": self.rows_per_s,
            "peak_mib": self.peak_mib,
            "runs": [vars(r) for r in self.runs],
        }


RATIO_KINDS = {
    # kind: (how the ratio is computed, what the bound means)
    "rows/s": "stdreg rows/s ÷ baseline rows/s (higher is better)",
    "time": "stdreg time ÷ baseline time (lower is better)",
    "speedup": "baseline time ÷ stdreg time (higher is better)",
}


@dataclass
class Comparison:
    baseline: Measurement
    kind: str  # a key of RATIO_KINDS
    target: float | None  # None: shown for information, no target
    note: str = ""

    def ratio(self, subject: Measurement) -> float | None:
        if self.kind == "rows/s":
            mine, theirs = subject.rows_per_s, self.baseline.rows_per_s
            return mine / theirs if mine and theirs else None
        mine, theirs = subject.median, self.baseline.median
        if not mine or not theirs:
            return None
        return mine / theirs if self.kind == "time" else theirs / mine

    def met(self, subject: Measurement) -> bool | None:
        ratio = self.ratio(subject)
        if ratio is None or self.target is None:
            return None
        return ratio <= self.target if self.kind == "time" else ratio >= self.target

    def shortfall(self, subject: Measurement) -> float | None:
        """How many times faster stdreg must get to meet the target (1.0 or less: met)."""
        ratio = self.ratio(subject)
        if ratio is None or self.target is None:
            return None
        return ratio / self.target if self.kind == "time" else self.target / ratio


@dataclass
class Section:
    key: str  # the --only group that produced it
    title: str
    subject: Measurement
    comparisons: list[Comparison] = field(default_factory=list)
    memory_target_mib: float | None = None
    notes: list[str] = field(default_factory=list)

    def memory_met(self) -> bool | None:
        peak = self.subject.peak_mib
        if self.memory_target_mib is None or peak is None:
            return None
        return peak <= self.memory_target_mib


# -- PostgreSQL --------------------------------------------------------------------------------------


class Postgres:
    """A PostgreSQL server to benchmark on: one fresh schema per register or baseline table."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import make_url

        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql":
            raise SystemExit(f"--pg-url: not a PostgreSQL URL: {url}")
        self.url = parsed.set(drivername="postgresql+psycopg")  # what stdreg is given
        self.libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        self.schemas: list[str] = []
        self.version = ""

    def connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.libpq, autocommit=True)

    def check(self) -> None:
        with self.connect() as connection:
            self.version = str(connection.execute("SHOW server_version").fetchone()[0])

    def schema(self, name: str) -> str:
        """A new empty schema (dropped first if a crashed run left it)."""
        schema = f"stdreg_bench_{os.getpid()}_{name.replace('-', '_')}"
        with self.connect() as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            connection.execute(f'CREATE SCHEMA "{schema}"')
        self.schemas.append(schema)
        return schema

    def stdreg_url(self, schema: str) -> str:
        url = self.url.update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def drop(self, schema: str) -> None:
        with self.connect() as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        if schema in self.schemas:
            self.schemas.remove(schema)

    def drop_all(self) -> None:
        for schema in list(self.schemas):
            self.drop(schema)

    def products(self, schema: str) -> int:
        with self.connect() as connection:
            return int(connection.execute(f'SELECT COUNT(*) FROM "{schema}".product').fetchone()[0])


# -- the benchmark --------------------------------------------------------------------------------


class Bench:
    def __init__(
        self,
        data: datagen.DataSet,
        repeat: int,
        groups: list[str],
        log: Callable[[str], None],
        pg: Postgres | None = None,
        sqlite: bool = True,
    ):
        self.data = data
        self.repeat = repeat
        self.groups = groups
        self.log = log
        self.pg = pg
        self.sqlite = sqlite
        self.stdreg = _stdreg_command()
        self.sections: list[Section] = []
        self.register: Path | None = None  # a register holding the CSV, for report and query
        self.pg_register: str | None = None  # the schema of a PostgreSQL register holding the CSV
        self.extra: dict[str, Any] = {}

    # helpers

    def work(self, name: str) -> Path:
        path = WORK / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    def measure(self, m: Measurement, argv: Sequence[str], cwd: Path, stdout: Path | None = None) -> Run:
        run = m.add(run_process(argv, cwd=cwd, stdout=stdout))
        state = f"{run.seconds:8.3f} s {run.max_rss_kib / 1024:7.1f} MiB"
        self.log(f"  {m.key:<22} run {len(m.runs)}: {state}" + (f"  FAILED {run.error}" if run.error else ""))
        return run

    def stdreg_import(self, db: Path | str, path: Path) -> list[str]:
        return [*self.stdreg, "--db", str(db), "import", str(path), "--year", str(YEAR)]

    def baseline(self, *args: str | Path) -> list[str]:
        return [sys.executable, str(BENCH / "baselines.py"), *(str(a) for a in args)]

    def check_pg_register(self, schema: str | None, section: Section) -> None:
        """The PostgreSQL register holds one product per data row (not timed)."""
        if schema is None or self.pg is None:
            return
        try:
            products = self.pg.products(schema)
        except Exception as exc:  # any driver error: reported under the table
            section.notes.append(f"check failed: {exc}")
            return
        if products != section.subject.items:
            section.notes.append(
                f"CHECK: the register holds {products} products, the file {section.subject.items} rows"
            )

    def check_register(self, db: Path, section: Section) -> None:
        """The register holds one product per data row (not timed)."""
        try:
            connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            products = connection.execute("SELECT COUNT(*) FROM product").fetchone()[0]
            connection.close()
        except sqlite3.Error as exc:
            section.notes.append(f"check failed: {exc}")
            return
        expected = section.subject.items
        if products != expected:
            section.notes.append(f"CHECK: the register holds {products} products, the file {expected} rows")

    # groups

    def run(self) -> None:
        for group in GROUPS:
            if group in self.groups:
                getattr(self, "group_" + group.replace("-", "_"))()

    def group_csv(self) -> None:
        self._csv_and_reimport(with_csv="csv" in self.groups, with_reimport="reimport" in self.groups)

    def group_reimport(self) -> None:
        if "csv" not in self.groups:  # else done together with the CSV import
            self._csv_and_reimport(with_csv=False, with_reimport=True)

    def _csv_and_reimport(self, *, with_csv: bool, with_reimport: bool) -> None:
        rows = self.data.rows
        csv_path = self.data.csv
        self.log(f"CSV import of {rows:,} rows")
        first = Measurement(
            "csv-import", "stdreg import (csv, fresh register)", f"stdreg import FILE.csv --year {YEAR}", rows
        )
        again = Measurement(
            "csv-reimport",
            "stdreg import (same csv again)",
            f"stdreg import FILE.csv --year {YEAR}  # into the register that holds it",
            rows,
        )
        flat = Measurement(
            "csv-sqlite3",
            "(a) csv module + sqlite3 executemany",
            "python bench/baselines.py csv-sqlite3 FILE.csv NEW.sqlite",
            rows,
        )
        sqlite_utils = Measurement(
            "csv-sqlite-utils",
            "(b) sqlite-utils insert --csv",
            "sqlite-utils insert NEW.sqlite register FILE.csv --csv",
            rows,
        )
        utils = _tool("sqlite-utils")
        if utils is None:
            sqlite_utils.unavailable = "sqlite-utils is not installed (pip install -e '.[bench]')"
        pg_first = Measurement(
            "pg-csv-import",
            f"stdreg import (csv, fresh {PG} schema)",
            f"stdreg --db URL import FILE.csv --year {YEAR}",
            rows,
        )
        pg_again = Measurement(
            "pg-csv-reimport",
            "stdreg import (same csv again)",
            f"stdreg --db URL import FILE.csv --year {YEAR}  # into the schema that holds it",
            rows,
        )
        pg_copy = Measurement(
            "pg-csv-copy",
            "(a) csv module + psycopg COPY",
            "python bench/baselines.py csv-copy FILE.csv URL SCHEMA",
            rows,
        )
        for i in range(self.repeat):
            if self.pg is not None:
                self._pg_csv_run(
                    i, pg_first, pg_again if with_reimport else None, pg_copy if with_csv else None
                )
            if not self.sqlite:
                continue
            cwd = self.work(f"csv-import-{i}")
            db = cwd / "register.sqlite"
            self.measure(first, self.stdreg_import(db, csv_path), cwd)
            if with_reimport:
                self.measure(again, self.stdreg_import(db, csv_path), cwd)
            if first.runs[-1].returncode == 0:
                self.register = db
            if with_csv:
                cwd_flat = self.work(f"csv-sqlite3-{i}")
                self.measure(
                    flat,
                    [
                        sys.executable,
                        str(BENCH / "baselines.py"),
                        "csv-sqlite3",
                        str(csv_path),
                        str(cwd_flat / "flat.sqlite"),
                    ],
                    cwd_flat,
                )
                if utils is not None:
                    cwd_utils = self.work(f"csv-sqlite-utils-{i}")
                    self.measure(
                        sqlite_utils,
                        [utils, "insert", str(cwd_utils / "flat.sqlite"), "register", str(csv_path), "--csv"],
                        cwd_utils,
                    )
            if i < self.repeat - 1:  # keep the last register for report and query
                shutil.rmtree(cwd)
        if with_csv and self.sqlite:
            section = Section(
                "csv",
                "CSV import",
                first,
                [Comparison(flat, "rows/s", 0.5), Comparison(sqlite_utils, "rows/s", 3.0)],
                memory_target_mib=MEMORY_TARGET_MIB,
            )
            if self.register is not None:
                self.check_register(self.register, section)
            self.sections.append(section)
        if with_csv and self.pg is not None:
            section = Section(
                "csv",
                f"CSV import, {PG}",
                pg_first,
                [Comparison(pg_copy, "rows/s", 0.5)],
                memory_target_mib=MEMORY_TARGET_MIB,
            )
            self.check_pg_register(self.pg_register, section)
            self.sections.append(section)
        if with_reimport and self.sqlite:
            baseline = Measurement("csv-import", "first import (same runs)", first.command, rows, first.runs)
            self.sections.append(
                Section("reimport", "Re-import, unchanged", again, [Comparison(baseline, "speedup", 2.0)])
            )
        if with_reimport and self.pg is not None:
            baseline = Measurement(
                "pg-csv-import", "first import (same runs)", pg_first.command, rows, pg_first.runs
            )
            self.sections.append(
                Section(
                    "reimport",
                    f"Re-import, unchanged, {PG}",
                    pg_again,
                    [Comparison(baseline, "speedup", 2.0)],
                )
            )

    def _pg_csv_run(
        self, i: int, first: Measurement, again: Measurement | None, copy: Measurement | None
    ) -> None:
        """One PostgreSQL run: stdreg into a fresh schema (kept if last), COPY into another (dropped)."""
        assert self.pg is not None
        csv_path = self.data.csv
        schema = self.pg.schema(f"import_{i}")
        cwd = self.work(f"pg-csv-import-{i}")
        self.measure(first, self.stdreg_import(self.pg.stdreg_url(schema), csv_path), cwd)
        if again is not None:
            self.measure(again, self.stdreg_import(self.pg.stdreg_url(schema), csv_path), cwd)
        if first.runs[-1].returncode == 0 and i == self.repeat - 1:
            self.pg_register = schema  # kept for report and query
        else:
            self.pg.drop(schema)
        if copy is not None:
            flat = self.pg.schema(f"copy_{i}")
            self.measure(
                copy, self.baseline("csv-copy", csv_path, self.pg.libpq, flat), self.work(f"pg-csv-copy-{i}")
            )
            self.pg.drop(flat)

    def group_xlsx(self) -> None:
        rows = self.data.xlsx_rows
        xlsx = self.data.xlsx
        self.log(f"XLSX import of {rows:,} rows")
        mine = Measurement(
            "xlsx-import",
            "stdreg import (xlsx, fresh register)",
            f"stdreg import FILE.xlsx --year {YEAR}",
            rows,
        )
        readers = [
            Measurement(
                "xlsx-openpyxl",
                "openpyxl read-only, values_only",
                "python bench/baselines.py xlsx-openpyxl FILE.xlsx",
                rows,
            ),
            Measurement(
                "xlsx-calamine",
                "python-calamine iter_rows",
                "python bench/baselines.py xlsx-calamine FILE.xlsx",
                rows,
            ),
        ]
        if not _importable("python_calamine"):
            readers[1].unavailable = "python-calamine is not installed (it comes with stdreg: reinstall it)"
        on_pg = Measurement(
            "pg-xlsx-import",
            f"stdreg import (xlsx, fresh {PG} schema)",
            f"stdreg --db URL import FILE.xlsx --year {YEAR}",
            rows,
        )
        pg_schema: str | None = None
        for i in range(self.repeat):
            cwd = self.work(f"xlsx-import-{i}")
            if self.sqlite:
                self.measure(mine, self.stdreg_import(cwd / "register.sqlite", xlsx), cwd)
            if self.pg is not None:
                if pg_schema is not None:
                    self.pg.drop(pg_schema)
                pg_schema = self.pg.schema(f"xlsx_{i}")
                self.measure(on_pg, self.stdreg_import(self.pg.stdreg_url(pg_schema), xlsx), cwd)
            for reader in readers:
                if reader.unavailable is None:
                    name = reader.key
                    self.measure(
                        reader,
                        [sys.executable, str(BENCH / "baselines.py"), name, str(xlsx)],
                        self.work(name),
                    )
            if i < self.repeat - 1:
                shutil.rmtree(cwd)
        measured = [r for r in readers if r.median is not None]
        fastest = min(measured, key=lambda r: r.median or 0.0) if measured else readers[0]
        comparisons = [
            Comparison(r, "rows/s", 0.8 if r is fastest else None, "fastest reader" if r is fastest else "")
            for r in readers
        ]
        capped = f"the XLSX holds the first {rows:,} of the {self.data.rows:,} rows (capped)"
        if self.sqlite:
            section = Section("xlsx", "XLSX import", mine, comparisons)
            if rows < self.data.rows:
                section.notes.append(capped)
            self.check_register(WORK / f"xlsx-import-{self.repeat - 1}" / "register.sqlite", section)
            self.sections.append(section)
        if self.pg is not None:
            section = Section("xlsx", f"XLSX import, {PG}", on_pg, comparisons)
            if rows < self.data.rows:
                section.notes.append(capped)
            self.check_pg_register(pg_schema, section)
            self.sections.append(section)
            if pg_schema is not None:
                self.pg.drop(pg_schema)

    def ensure_register(self) -> Path | None:
        if self.register is None:
            self.log("building a register for report and query (not measured)")
            cwd = self.work("register")
            db = cwd / "register.sqlite"
            run = run_process(self.stdreg_import(db, self.data.csv), cwd=cwd)
            if run.returncode != 0:
                self.log(f"  the import failed: {run.error}")
                return None
            self.register = db
        return self.register

    def ensure_pg_register(self) -> str | None:
        if self.pg is None:
            return None
        if self.pg_register is None:
            self.log(f"building a {PG} register for report and query (not measured)")
            schema = self.pg.schema("register")
            run = run_process(
                self.stdreg_import(self.pg.stdreg_url(schema), self.data.csv), cwd=self.work("pg-register")
            )
            if run.returncode != 0:
                self.log(f"  the import failed: {run.error}")
                return None
            self.pg_register = schema
        return self.pg_register

    def group_report(self) -> None:
        if self.sqlite:
            self._report_sqlite()
        if self.pg is not None:
            self._report_pg()

    def _report_pg(self) -> None:
        assert self.pg is not None
        self.log(f"report --format json, {PG}")
        mine = Measurement(
            "pg-report-json",
            "stdreg report --format json",
            f"stdreg --db URL report --year {YEAR} --format json",
            None,
        )
        base = Measurement(
            "pg-report-sql",
            "one aggregation query (psycopg)",
            f"python bench/baselines.py report-pg URL SCHEMA {AS_OF}",
            None,
        )
        self.sections.append(Section("report", f"Report (json), {PG}", mine, [Comparison(base, "time", 3.0)]))
        schema = self.ensure_pg_register()
        if schema is None:
            mine.unavailable = base.unavailable = "no register (the import failed)"
            return
        cwd = self.work("pg-report")
        url = self.pg.stdreg_url(schema)
        report = [*self.stdreg, "--db", url, "report", "--year", str(YEAR), "--format", "json"]
        sql = self.baseline("report-pg", self.pg.libpq, schema, AS_OF)
        run_process(report, cwd=cwd)  # warm-up
        run_process(sql, cwd=cwd)
        for _ in range(self.repeat):
            self.measure(mine, report, cwd, cwd / "report.json")
            self.measure(base, sql, cwd, cwd / "baseline.json")

    def _report_sqlite(self) -> None:
        self.log("report --format json")
        mine = Measurement(
            "report-json", "stdreg report --format json", f"stdreg report --year {YEAR} --format json", None
        )
        base = Measurement(
            "report-sql",
            "one aggregation query (sqlite3)",
            f"python bench/baselines.py report-sql REGISTER {AS_OF}",
            None,
        )
        section = Section("report", "Report (json)", mine, [Comparison(base, "time", 3.0)])
        self.sections.append(section)
        db = self.ensure_register()
        if db is None:
            mine.unavailable = base.unavailable = "no register (the import failed)"
            return
        cwd = self.work("report")
        report = [*self.stdreg, "--db", str(db), "report", "--year", str(YEAR), "--format", "json"]
        sql = [sys.executable, str(BENCH / "baselines.py"), "report-sql", str(db), AS_OF]
        run_process(report, cwd=cwd)  # warm-up
        run_process(sql, cwd=cwd)
        for _ in range(self.repeat):
            self.measure(mine, report, cwd, cwd / "report.json")
            self.measure(base, sql, cwd, cwd / "baseline.json")

    def group_warnings(self) -> None:
        """The warnings workbook's share of an import: every row of the file a distinct warning."""
        if not self.sqlite:
            return
        rows = min(REPEAT_ROWS, 2 * (self.data.rows // 2))
        self.log(f"import of {rows:,} rows, every second one a warning")
        differing, consistent = datagen.ensure_repeats(DATA, rows, self.data.csv, log=self.log)
        mine = Measurement(
            "warnings-import",
            f"stdreg import (csv, {rows // 2:,} distinct warnings)",
            f"stdreg import REPEATS.csv --year {YEAR}  # writes REPEATS.csv.warnings.xlsx",
            rows,
        )
        base = Measurement(
            "warnings-none",
            "the same import, the repeats agreeing (no warning)",
            f"stdreg import CONSISTENT.csv --year {YEAR}",
            rows,
        )
        section = Section(
            "warnings", "CSV import with a warning per product", mine, [Comparison(base, "time", 1.1)]
        )
        self.sections.append(section)
        for i in range(self.repeat):
            cwd = self.work(f"warnings-{i}")
            self.measure(mine, self.stdreg_import(cwd / "differing.sqlite", differing), cwd)
            self.measure(base, self.stdreg_import(cwd / "consistent.sqlite", consistent), cwd)
        workbook = WORK / f"warnings-{self.repeat - 1}" / (differing.name + ".warnings.xlsx")
        section.notes.append(_warnings_listed(workbook))

    def group_report_xlsx(self) -> None:
        self.log("report --format xlsx")
        mine = Measurement(
            "report-xlsx",
            "stdreg report --format xlsx",
            f"stdreg report --year {YEAR} --format xlsx -o OUT.xlsx",
            None,
        )
        writers = [
            Measurement(
                "xlsx-write",
                "the same cells, openpyxl write-only",
                "python bench/baselines.py xlsx-write CELLS.json OUT.xlsx",
                None,
            ),
            Measurement(
                "xlsx-write-xlsxwriter",
                "the same cells, xlsxwriter constant_memory",
                "python bench/baselines.py xlsx-write-xlsxwriter CELLS.json OUT.xlsx",
                None,
            ),
        ]
        if not _importable("xlsxwriter"):
            writers[1].unavailable = "xlsxwriter is not installed (it comes with stdreg: reinstall it)"
        on_pg = Measurement(
            "pg-report-xlsx",
            "stdreg report --format xlsx",
            f"stdreg --db URL report --year {YEAR} --format xlsx -o OUT.xlsx",
            None,
        )
        subjects = []  # (measurement, register) of each backend that runs
        if self.sqlite:
            subjects.append((mine, "sqlite"))
        if self.pg is not None:
            subjects.append((on_pg, "pg"))
        try:
            self._report_xlsx_runs(subjects, writers)
        finally:
            # the baseline is the fastest bare write of the same cells, measured in this run
            measured = [w for w in writers if w.median is not None]
            fastest = min(measured, key=lambda w: w.median or 0.0) if measured else writers[0]
            comparisons = [
                Comparison(
                    w, "time", 1.2 if w is fastest else None, "fastest bare write" if w is fastest else ""
                )
                for w in writers
            ]
            for m, backend in subjects:
                title = "Report (xlsx)" if backend == "sqlite" else f"Report (xlsx), {PG}"
                self.sections.append(Section("report-xlsx", title, m, comparisons))

    def _report_xlsx_runs(self, subjects: list[tuple[Measurement, str]], writers: list[Measurement]) -> None:
        _, help_text = capture([*self.stdreg, "report", "--help"])
        if "xlsx" not in help_text:
            for m, _ in subjects:
                m.unavailable = "not available yet (stdreg report --help lists no xlsx format)"
            return
        cwd = self.work("report-xlsx")
        commands = []
        for m, backend in subjects:
            db = self.ensure_register() if backend == "sqlite" else self.ensure_pg_register()
            if db is None:
                m.unavailable = "no register (the import failed)"
                continue
            if self.pg is not None and backend == "pg":
                db = self.pg.stdreg_url(str(db))
            out = cwd / f"report-{backend}.xlsx"
            report = [*self.stdreg, "--db", str(db), "report", "--year", str(YEAR), "--format", "xlsx"]
            report += ["-o", str(out)]
            warm = run_process(report, cwd=cwd)
            if warm.returncode != 0 or not out.exists():
                m.add(warm)
                continue
            commands.append((m, report, out))
        if not commands:
            return
        cells = cwd / "cells.json"
        run_process(self.baseline("xlsx-cells", commands[0][2], cells), cwd=cwd)
        writes = [
            (w, self.baseline(w.key, cells, cwd / f"baseline-{w.key}.xlsx"))
            for w in writers
            if w.unavailable is None
        ]
        for _, write in writes:
            run_process(write, cwd=cwd)
        for _ in range(self.repeat):
            for m, report, _out in commands:
                self.measure(m, report, cwd)
            for w, write in writes:
                self.measure(w, write, cwd)

    def group_query(self) -> None:
        self.log("query")
        code, help_text = capture([*self.stdreg, "query", "--help"])
        available = code == 0
        as_of = ["--as-of", AS_OF] if "--as-of" in help_text else []
        date = AS_OF if as_of else dt.date.today().isoformat()
        backends = (["sqlite"] if self.sqlite else []) + (["pg"] if self.pg is not None else [])
        for backend, by, option, value, title in (
            (backend, *query)
            for backend in backends
            for query in (
                ("industry", "--industry", QUERY_INDUSTRY, "Query (filter)"),
                ("enterprise", "--enterprise", QUERY_NAME, "Query (name search)"),
            )
        ):
            on_pg = backend == "pg"
            db: Path | str | None = None
            if available:
                db = self.ensure_pg_register() if on_pg else self.ensure_register()
            key = ("pg-" if on_pg else "") + f"query-{by}"
            mine = Measurement(
                key,
                f"stdreg query {option} {value} --format csv",
                f"stdreg query {option} {value} --format csv" + (f" --as-of {AS_OF}" if as_of else ""),
                None,
            )
            base = Measurement(
                f"{key}-sql",
                "the same SQL (psycopg) to CSV" if on_pg else "the same SQL (sqlite3) to CSV",
                f"python bench/baselines.py query-pg URL SCHEMA {by}"
                if on_pg
                else f"python bench/baselines.py query-sql REGISTER {by}",
                None,
            )
            title = f"{title}, {PG}" if on_pg else title
            self.sections.append(Section("query", title, mine, [Comparison(base, "time", None)]))
            if not available:
                mine.unavailable = "not available yet (stdreg query --help fails: no query command)"
                continue
            if option not in help_text or "csv" not in help_text:
                mine.unavailable = (
                    f"not available yet (stdreg query --help lists no {option} or no csv format)"
                )
                continue
            if db is None:
                mine.unavailable = "no register (the import failed)"
                continue
            cwd = self.work(key)
            if on_pg and self.pg is not None:
                url = self.pg.stdreg_url(str(db))
                query = [*self.stdreg, "--db", url, "query", option, value, "--format", "csv", *as_of]
                sql = self.baseline("query-pg", self.pg.libpq, str(db), date, by, value)
            else:
                query = [*self.stdreg, "--db", str(db), "query", option, value, "--format", "csv", *as_of]
                sql = self.baseline("query-sql", db, date, by, value)
            run_process(query, cwd=cwd)  # warm-up
            run_process(sql, cwd=cwd)
            for _ in range(self.repeat):
                self.measure(mine, query, cwd, cwd / "stdreg.csv")
                self.measure(base, sql, cwd, cwd / "baseline.csv")
            self.sections[-1].notes.append(_line_counts(cwd / "stdreg.csv", cwd / "baseline.csv"))

    def group_lookup(self) -> None:
        """stdreg lookup of a 100,000-code list against one bare SQL join of the same list (SQLite)."""
        if not self.sqlite:
            return
        self.log(f"lookup of {LOOKUP_CODES:,} codes in a catalog of {LOOKUP_STANDARDS:,} standards")
        mine = Measurement(
            "lookup",
            "stdreg lookup --file LIST.csv --format jsonl",
            f"stdreg lookup --file LIST.csv --as-of {AS_OF} --format jsonl  # {LOOKUP_CODES:,} codes",
            LOOKUP_CODES,
        )
        base = Measurement(
            "lookup-sql",
            "the list's cells joined to standard as written (sqlite3), JSON lines",
            f"python bench/baselines.py lookup-sql REGISTER LIST.csv {AS_OF}",
            LOOKUP_CODES,
        )
        self.sections.append(Section("lookup", "Lookup (标准查新)", mine, [Comparison(base, "time", None)]))
        code, help_text = capture([*self.stdreg, "lookup", "--help"])
        if code != 0:
            mine.unavailable = "not available yet (stdreg lookup --help fails)"
            return
        register = self.ensure_register()
        if register is None:
            mine.unavailable = "no register (the import failed)"
            return
        catalog, listed = datagen.ensure_lookup(
            DATA, LOOKUP_STANDARDS, LOOKUP_CODES, self.data.csv, log=self.log
        )
        cwd = self.work("lookup")
        db = cwd / "register.sqlite"
        shutil.copyfile(register, db)  # the report and query rows keep a register without this catalog
        self.log("  importing the catalog (not measured)")
        run = run_process(
            [*self.stdreg, "--db", str(db), "catalog", "import", str(catalog), "--as-of", AS_OF], cwd=cwd
        )
        if run.returncode != 0:
            mine.unavailable = f"the catalog import failed: {run.error}"
            return
        lookup = [
            *self.stdreg,
            "--db",
            str(db),
            "lookup",
            "--file",
            str(listed),
            "--as-of",
            AS_OF,
            "-f",
            "jsonl",
        ]
        sql = self.baseline("lookup-sql", db, listed, AS_OF)
        run_process(lookup, cwd=cwd)  # warm-up
        run_process(sql, cwd=cwd)
        for _ in range(self.repeat):
            self.measure(mine, lookup, cwd, cwd / "stdreg.jsonl")
            self.measure(base, sql, cwd, cwd / "baseline.jsonl")
        self.sections[-1].notes.append(_line_counts(cwd / "stdreg.jsonl", cwd / "baseline.jsonl"))

    def group_cli(self) -> None:
        self.log("--version and --help")
        minimal = [sys.executable, str(BENCH / "minimal_typer.py")]
        cwd = self.work("cli")
        runs = max(self.repeat, MIN_CLI_RUNS)
        for flag in ("--version", "--help"):
            mine = Measurement(f"stdreg{flag}", f"stdreg {flag}", f"stdreg {flag}", None)
            base = Measurement(
                f"minimal{flag}", f"minimal Typer app {flag}", f"python bench/minimal_typer.py {flag}", None
            )
            run_process([*self.stdreg, flag], cwd=cwd)  # warm-up
            run_process([*minimal, flag], cwd=cwd)
            for _ in range(runs):
                self.measure(mine, [*self.stdreg, flag], cwd)
                self.measure(base, [*minimal, flag], cwd)
            self.sections.append(Section("cli", f"stdreg {flag}", mine, [Comparison(base, "time", 1.5)]))

    def memory_curve(self) -> list[dict[str, Any]]:
        """The CSV import's peak memory at rows/5 and rows: how flat it is."""
        points = []
        for rows in sorted({max(1, self.data.rows // 5), self.data.rows}):
            data = (
                datagen.ensure(DATA, rows, xlsx=False, log=self.log) if rows != self.data.rows else self.data
            )
            cwd = self.work(f"memory-{rows}")
            run = run_process(self.stdreg_import(cwd / "register.sqlite", data.csv), cwd=cwd)
            self.log(
                f"  memory curve {rows:>9,} rows: {run.seconds:8.3f} s {run.max_rss_kib / 1024:7.1f} MiB"
            )
            points.append(
                {"rows": rows, "seconds": run.seconds, "peak_mib": run.max_rss_kib / 1024, "error": run.error}
            )
            shutil.rmtree(cwd)
        return points


def _line_counts(mine: Path, theirs: Path) -> str:
    def count(path: Path) -> int:
        with open(path, "rb") as handle:
            return sum(1 for _ in handle)

    try:
        return f"output lines: stdreg {count(mine):,}, baseline {count(theirs):,}"
    except OSError:
        return ""


def _stdreg_command() -> list[str]:
    script = BIN / "stdreg"
    return [str(script)] if script.exists() else [sys.executable, "-m", "stdreg"]


def _tool(name: str) -> str | None:
    script = BIN / name
    return str(script) if script.exists() else shutil.which(name)


def _warnings_listed(workbook: Path) -> str:
    """How many warnings the import's workbook lists (read afterwards, not timed)."""
    if not workbook.exists():
        return f"no warnings workbook {workbook.name} was written"
    import openpyxl

    book = openpyxl.load_workbook(workbook, read_only=True)
    listed = sum(1 for _ in book.worksheets[-1].iter_rows(min_row=2, values_only=True))
    book.close()
    return f"the warnings workbook lists {listed:,} warnings ({workbook.stat().st_size / 2**20:.1f} MiB)"


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# -- the table ------------------------------------------------------------------------------------

COLUMNS = [
    "row",
    "measurement",
    "runs",
    "median",
    "min–max",
    "rows/s",
    "peak MiB",
    "ratio",
    "target",
    "result",
]


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _span(m: Measurement) -> str:
    low, high = m.low, m.high
    if high < 1:
        return f"{low * 1000:.0f}–{high * 1000:.0f} ms"
    return f"{low:.2f}–{high:.2f} s"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def _measured(title: str, m: Measurement) -> list[str]:
    if m.failure:
        return [title, m.label, str(len(m.runs)), "—", "", "", "", "", "", m.failure]
    peak = m.peak_mib
    return [
        title,
        m.label,
        str(len(m.ok_runs)),
        _seconds(m.median or 0.0),
        _span(m),
        _number(m.rows_per_s),
        "" if peak is None else f"{peak:.1f}",
        "",
        "",
        "",
    ]


def _result(met: bool | None, shortfall: float | None, what: str = "faster") -> str:
    if met is None:
        return ""
    if met:
        return "met"
    return f"NOT met ({shortfall:.1f}× {what} needed)" if shortfall else "NOT met"


def table_rows(sections: list[Section]) -> list[list[str]]:
    rows: list[list[str]] = []
    for section in sections:
        subject = section.subject
        line = _measured(section.title, subject)
        if section.memory_target_mib is not None and subject.peak_mib is not None and not subject.failure:
            line[8] = f"peak ≤ {section.memory_target_mib:.0f} MiB"
            shortfall = subject.peak_mib / section.memory_target_mib
            line[9] = _result(section.memory_met(), shortfall, "less memory")
        rows.append(line)
        if subject.unavailable:
            continue
        for comparison in section.comparisons:
            base = comparison.baseline
            line = _measured("", base)
            line[1] = "vs " + base.label + (f" ({comparison.note})" if comparison.note else "")
            ratio = comparison.ratio(subject)
            if ratio is not None:
                line[7] = f"{ratio:.2f}× {comparison.kind}"
            if comparison.target is not None:
                bound = "≤" if comparison.kind == "time" else "≥"
                line[8] = f"{bound} {comparison.target:g}×"
                line[9] = _result(comparison.met(subject), comparison.shortfall(subject))
            rows.append(line)
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def markdown_table(rows: list[list[str]]) -> str:
    widths = [max(_width(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    right = {2, 3, 4, 5, 6, 7}

    def line(cells: list[str]) -> str:
        padded = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - _width(cell))
            padded.append(pad + cell if i in right else cell + pad)
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(("-" * (w + 1) + ":" if i in right else "-" * (w + 2)) for i, w in enumerate(widths))
        + "|"
    )
    return "\n".join([line(COLUMNS), rule, *(line(r) for r in rows)])


# -- header, output ---------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = ""
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()

    def version(name: str) -> str | None:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src", "migrations"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "load_average": _load(),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "stdreg": version("stdreg"),
        "commit": commit + (" (src modified)" if dirty else ""),
        "packages": {
            name: version(name)
            for name in ("sqlalchemy", "openpyxl", "python-calamine", "sqlite-utils", "typer", "psycopg")
        },
    }


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _busy(info: dict[str, Any]) -> str:
    try:
        loads = [float(x) for k in ("load_average", "load_average_end") for x in info[k].split()[:1]]
    except (KeyError, ValueError):
        return ""
    if max(loads) > (info["cpus"] or 1):
        return ": above the CPU count, other work shared the machine; expect noisy timings"
    return ""


def header_lines(info: dict[str, Any], data: datagen.DataSet, repeat: int) -> list[str]:
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items() if v)
    xlsx = f"{data.xlsx_rows:,} rows" + (" (capped)" if data.xlsx_rows < data.rows else "")
    if not data.xlsx_rows:
        xlsx = "not written"
    backends = f"SQLite {info['sqlite']}" if info.get("sqlite_rows", True) else "SQLite rows not run"
    if info.get("postgresql"):
        backends += f"; {PG} {info['postgresql']} (same machine, local TCP)"
    return [
        f"# stdreg benchmark: {data.rows:,} products of {data.enterprises:,} enterprises",
        "",
        f"- date: {info['date']}; stdreg {info['stdreg']} at {info['commit'] or '?'}",
        f"- machine: {info['cpus']} CPUs ({info['cpu_model'] or '?'}), {info['platform']}",
        f"- load average (1, 5, 15 min) at start {info['load_average']}, at end "
        f"{info.get('load_average_end', '?')}{_busy(info)}",
        f"- Python {info['python']}, {backends}; {packages}",
        f"- data: CSV {data.meta['csv_bytes'] / 2**20:.1f} MiB; XLSX {xlsx}"
        + (f", {data.meta['xlsx_bytes'] / 2**20:.1f} MiB" if data.xlsx_rows else "")
        + f"; seed {data.meta['seed']}; "
        f"repeat {repeat} (CLI rows at least {MIN_CLI_RUNS})",
    ]


def legend_lines() -> list[str]:
    lines = ["", "Ratios: " + "; ".join(f"`{k}` = {v}" for k, v in RATIO_KINDS.items()) + "."]
    lines.append(
        "Times are wall-clock medians of whole processes (interpreter start-up included); peak MiB "
        "is the child's max RSS from os.wait4 (highest of its runs; floor ≈ 8.5 MiB, the launcher's "
        "own). 'N× faster needed' is how much faster (or leaner) stdreg must get to meet the target."
    )
    return lines


def parse_rows(text: str) -> int:
    if text in datagen.SIZES:
        return datagen.SIZES[text]
    try:
        rows = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or one of {', '.join(datagen.SIZES)}") from None
    if rows < 1:
        raise argparse.ArgumentTypeError("at least one row")
    return rows


def parse_only(text: str) -> list[str]:
    groups = [g.strip() for g in text.split(",") if g.strip()]
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown group {', '.join(unknown)}; choose from {', '.join(GROUPS)}"
        )
    return groups


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark stdreg's commands against their baselines (see bench/README.md).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="groups:\n" + "\n".join(f"  {k:<12} {v}" for k, v in GROUPS.items()),
    )
    sizes = ", ".join(f"{k} {v:,}" for k, v in datagen.SIZES.items())
    parser.add_argument(
        "--rows", type=parse_rows, default=datagen.SIZES["county"], help=f"products in the register ({sizes})"
    )
    parser.add_argument(
        "--only", type=parse_only, action="extend", help="comma-separated groups to run (default: all)"
    )
    parser.add_argument(
        "--repeat", type=int, help="runs of each measurement (at least 3; default 3; --national: 1)"
    )
    parser.add_argument(
        "--memory-curve", action="store_true", help="also run the CSV import at rows/5 and rows: peak memory"
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(PG_URL_ENV) or None,
        help=f"also run on this PostgreSQL database, a schema per register (default: ${PG_URL_ENV})",
    )
    parser.add_argument("--pg-only", action="store_true", help="run the PostgreSQL rows only")
    parser.add_argument(
        "--national",
        action="store_true",
        help="the national-size run on PostgreSQL: 4,400,000 products, CSV import and report, once each "
        "(same as --rows national --pg-only --only csv,report --repeat 1)",
    )
    args = parser.parse_args(argv)
    if args.national:
        args.rows = datagen.SIZES["national"]
        args.pg_only = True
        args.only = args.only or ["csv", "report"]
    if args.pg_only and not args.pg_url:
        parser.error(f"--pg-only and --national need --pg-url or ${PG_URL_ENV}")
    # three runs at least, for a median; the national run once unless told (the header says)
    repeat = max(1, args.repeat or 1) if args.national else max(3, args.repeat or 3)
    groups = args.only or list(GROUPS)
    if args.pg_only:
        groups = [g for g in groups if g != "cli"]  # start-up does not depend on the backend

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = time.perf_counter()
    info = machine()
    pg = Postgres(args.pg_url) if args.pg_url else None
    if pg is not None:
        pg.check()
        info["postgresql"] = pg.version
    info["sqlite_rows"] = not args.pg_only
    data = datagen.ensure(DATA, args.rows, xlsx="xlsx" in groups, log=log)
    if WORK.exists():
        shutil.rmtree(WORK)
    bench = Bench(data, repeat, groups, log, pg=pg, sqlite=not args.pg_only)
    try:
        bench.run()
    finally:
        if pg is not None:
            pg.drop_all()
    info["load_average_end"] = _load()
    curve = bench.memory_curve() if args.memory_curve and bench.sqlite else None

    lines = header_lines(info, data, repeat) + ["", markdown_table(table_rows(bench.sections))]
    notes = [f"- {s.title}: {n}" for s in bench.sections for n in s.notes if n]
    if curve:
        lines += ["", "Memory curve of the CSV import:", ""]
        lines += [
            f"- {p['rows']:,} rows: peak {p['peak_mib']:.1f} MiB in {_seconds(p['seconds'])}" for p in curve
        ]
        if len(curve) == 2 and curve[1]["rows"] > curve[0]["rows"]:
            slope = (
                (curve[1]["peak_mib"] - curve[0]["peak_mib"]) / (curve[1]["rows"] - curve[0]["rows"]) * 1e5
            )
            lines.append(f"- growth between the two: {slope:.1f} MiB per 100,000 rows")
    if notes:
        lines += ["", "Notes:", "", *notes]
    lines += legend_lines()
    lines.append(f"\nTotal time of this run: {time.perf_counter() - started:.0f} s.")
    text = "\n".join(lines) + "\n"
    print(text)

    OUT.mkdir(parents=True, exist_ok=True)
    stem = OUT / (f"bench_{data.rows}" + ("_pg" if args.pg_only else ""))
    stem.with_suffix(".md").write_text(text, encoding="utf-8")
    result = {
        "machine": info,
        "data": data.meta,
        "repeat": repeat,
        "groups": groups,
        "ratio_kinds": RATIO_KINDS,
        "sections": [
            {
                "group": s.key,
                "title": s.title,
                "subject": s.subject.to_json(),
                "memory_target_mib": s.memory_target_mib,
                "memory_met": s.memory_met(),
                "comparisons": [
                    {
                        "baseline": c.baseline.to_json(),
                        "kind": c.kind,
                        "ratio": c.ratio(s.subject),
                        "target": c.target,
                        "met": c.met(s.subject),
                        "shortfall": c.shortfall(s.subject),
                        "note": c.note,
                    }
                    for c in s.comparisons
                ],
                "notes": s.notes,
            }
            for s in bench.sections
        ],
        "memory_curve": curve,
        "table": table_rows(bench.sections),
    }
    stem.with_suffix(".json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    log(f"written: {stem.with_suffix('.md')} and {stem.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
