"""A 20,000-row county, imported as it is today, must give the recorded register, row for row.

The county (tests/county_20k.py: messy codes, bad rows imported with ``--skip-invalid``,
a ``--complete`` year, enterprises linked from their organization code to their USCC, a
catalog) is imported on a new register; then every table is dumped with its surrogate
ids replaced by natural keys, together with the figures (each command's ``--json``
summary, ``report --year 2011/2012 --format json``, ``check --as-of 2013-01-01 --format
json``) and the rejects and warnings workbooks. The result must equal the recording in
tests/data/county_20k_dump.json.gz, on SQLite and on PostgreSQL alike: it is what the
code did when the recording was made, and a refactor must not change it.

What the dump leaves out, because it differs from run to run or from backend to backend:
``alembic_version``; ``register_identity`` (a random UUID and its creation time); the
wall-clock and user columns of ``import_batch`` (``started_at``, ``finished_at``,
``user_name``); every surrogate id (enterprises become their organization code, products
(organization code, name), standards their code, batches their ordinal, versions their
owner, ``valid_from`` and batch); ``batch_id`` and the path of the rejects file in the
``--json`` summaries (and the catalog's file, named there by its path). The flags inside
``change_log.old_values`` are read as 0/1: they are logged as the driver returns them, 0/1
on SQLite and false/true on PostgreSQL. Floats are compared to 12 significant digits: a
sum of output values adds them in the order its backend reads the rows
(12005738.400000004 on one, 12005738.40000001 on the other).

To record the dump again, deliberately (a change meant to alter the register, then say
so in its commit), run::

    STDREG_RECORD_FIXTURE=1 python -m pytest tests/test_county_fixture.py

which writes the recording from the SQLite run (the PostgreSQL run, if any, then
compares itself to it).
"""

from __future__ import annotations

import copy
import gzip
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import inspect

from conftest import Run, Stdreg
from county_20k import ROWS_2011, write_county

FIXTURE = Path(__file__).resolve().parent / "data" / "county_20k_dump.json.gz"
RECORD_ENV = "STDREG_RECORD_FIXTURE"
FORMAT = 1

SKIPPED_TABLES = {"alembic_version", "register_identity"}
SKIPPED_COLUMNS = {"import_batch": {"started_at", "finished_at", "user_name"}}
BATCH_COLUMNS = {"batch_id", "closed_batch_id", "row_batch_id", "reverted_by", "last_batch_id"}
SUMMARY_DROPPED = {"batch_id"}

Key = Any
Row = dict[str, Any]


class NaturalKeys:
    """The natural key of every row a surrogate id can name, read from the register."""

    def __init__(self, stdreg: Stdreg) -> None:
        self.batch = {
            bid: n for n, (bid,) in enumerate(stdreg.sql("SELECT id FROM import_batch ORDER BY id"), 1)
        }
        self.enterprise = dict(stdreg.sql("SELECT id, org_code FROM enterprise"))
        self.product = {
            pid: [self.enterprise[eid], name]
            for pid, eid, name in stdreg.sql("SELECT id, enterprise_id, name FROM product")
        }
        self.standard = dict(stdreg.sql("SELECT id, code FROM standard"))
        self.rows: dict[str, dict[int, Key]] = {
            "enterprise": self.enterprise,
            "product": self.product,
            "standard": self.standard,
            "import_batch": self.batch,
        }
        versions = {
            "enterprise_version": "enterprise_id, valid_from, batch_id",
            "product_version": "product_id, valid_from, batch_id",
            "execution": "product_id, standard_id, valid_from, batch_id",
            "enterprise_snapshot": "enterprise_id, as_of, batch_id",
        }
        for table, columns in versions.items():
            self.rows[table] = {
                row[0]: self.version_key(table, dict(zip(columns.split(", "), row[1:], strict=True)))
                for row in stdreg.sql(f"SELECT id, {columns} FROM {table}")
            }

    def version_key(self, table: str, values: Row) -> Key:
        """A version's owner, its standard (an execution's), its first date and its batch."""
        owner = (
            self.enterprise.get(values["enterprise_id"])
            if "enterprise_id" in values
            else self.product.get(values["product_id"])
        )
        key = [owner]
        if table == "execution":
            key.append(self.standard.get(values["standard_id"]))
        key.append(values.get("valid_from", values.get("as_of")))
        key.append(self.batch.get(values.get("batch_id")))
        return key

    def owner(self, table: str, owner_id: int | None) -> Key:
        """A change-log entry's owner, by the owner kinds ChangeLog's docstring names."""
        if owner_id is None:
            return None
        if table in ("product_version", "execution"):
            return self.product.get(owner_id, f"gone:{owner_id}")
        if table == "standard":
            return self.standard.get(owner_id, f"gone:{owner_id}")
        return self.enterprise.get(owner_id, f"gone:{owner_id}")

    def column(self, table: str, column: str, value: Any) -> Any:
        """`value` of `column` in a row of `table`, an id replaced by the key of what it names."""
        if value is None:
            return None
        if column in BATCH_COLUMNS:
            return self.batch.get(value, f"gone:{value}")
        if column == "enterprise_id":
            return self.enterprise.get(value, f"gone:{value}")
        if column == "product_id":
            return self.product.get(value, f"gone:{value}")
        if column in ("standard_id", "replaced_by_id"):
            return self.standard.get(value, f"gone:{value}")
        return value

    def old_values(self, table: str, row_id: int, text: str) -> Row:
        """A change-log entry's old values, the ids inside them replaced by keys."""
        values: Row = json.loads(text)
        # a flag is logged as the driver read it: 0/1 on SQLite, false/true on PostgreSQL
        values = {column: int(v) if isinstance(v, bool) else v for column, v in values.items()}
        mapped = {column: self.column(table, column, value) for column, value in values.items()}
        if "id" in mapped:
            mapped["id"] = self.row(table, row_id, values)
        return mapped

    def row(self, table: str, row_id: int, old_values: Row) -> Key:
        """The row a change-log entry is about: its key now, or, deleted since, from its old values."""
        known = self.rows.get(table, {})
        if row_id in known:
            return known[row_id]
        versions = ("enterprise_version", "product_version", "execution", "enterprise_snapshot")
        if table in versions and {"valid_from", "as_of"} & old_values.keys():
            return self.version_key(table, old_values)
        for column in ("org_code", "code"):
            if column in old_values:
                return old_values[column]
        return f"gone:{row_id}"


def dump_tables(stdreg: Stdreg) -> dict[str, Any]:
    """Every row of every register table, ids replaced by natural keys, sorted."""
    keys = NaturalKeys(stdreg)
    inspector = inspect(stdreg.engine)
    tables: dict[str, Any] = {}
    for table in stdreg.tables():
        if table in SKIPPED_TABLES:
            continue
        # the columns by name: their order in the table is how its migrations happened to build it
        columns = sorted(column["name"] for column in inspector.get_columns(table))
        result = stdreg.sql(f"SELECT {', '.join(columns)} FROM {table}")
        kept = [c for c in columns if c not in SKIPPED_COLUMNS.get(table, set()) and not _surrogate(table, c)]
        rows = []
        for values in result:
            row = dict(zip(columns, values, strict=True))
            out = []
            for column in kept:
                value = row[column]
                if table == "change_log" and column == "old_values":
                    value = keys.old_values(row["table_name"], row["row_id"], value)
                elif table == "change_log" and column == "row_id":
                    value = keys.row(row["table_name"], value, json.loads(row["old_values"]))
                elif table == "change_log" and column == "owner_id":
                    value = keys.owner(row["table_name"], value)
                elif table == "import_batch" and column == "summary":
                    value = json.loads(value)
                elif table == "import_batch" and column == "id":
                    value = keys.batch[value]
                else:
                    value = keys.column(table, column, value)
                out.append(value)
            rows.append(out)
        rows.sort(key=_sort_key)
        tables[table] = {"columns": kept, "rows": rows}
    return tables


def _surrogate(table: str, column: str) -> bool:
    """An id column a natural key stands in for (the batch's keeps its ordinal)."""
    return column == "id" and table not in ("import_batch",)


def _sort_key(row: list[Any]) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


def summary(run: Run) -> dict[str, Any]:
    """A command's ``--json`` summary without its batch number, the rejects file by its name only."""
    out = {k: v for k, v in run.json().items() if k not in SUMMARY_DROPPED}
    # catalog import names its file by its path, register import by its name: both by the name here
    for field in ("file", "rejects_file"):
        if out.get(field):
            out[field] = Path(out[field]).name
    return out


def workbook(path: Path) -> dict[str, list[list[Any]]]:
    """A rejects or warnings workbook's cells, sheet by sheet."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {
            sheet.title: [list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets
        }
    finally:
        book.close()


def county_dump(stdreg: Stdreg) -> dict[str, Any]:
    """Import the county and dump the register, the figures and the rejects and warnings."""
    county = write_county(stdreg.cwd)
    assert county.rows_2011 == ROWS_2011
    figures: dict[str, Any] = {}
    figures["import_2011"] = summary(
        stdreg.ok("import", county.register_2011, "--year", "2011", "--skip-invalid", "--json")
    )
    figures["import_2012"] = summary(
        stdreg.ok("import", county.register_2012, "--year", "2012", "--complete", "--skip-invalid", "--json")
    )
    figures["catalog_import"] = summary(
        stdreg.ok("catalog", "import", county.catalog, "--as-of", "2013-06-30", "--skip-invalid", "--json")
    )
    figures["report_2011"] = stdreg.report(2011)
    figures["report_2012"] = stdreg.report(2012)
    check = stdreg("check", "--as-of", "2013-01-01", "--format", "json")
    figures["check_2013_01_01"] = {"exit_code": check.exit_code, "rows": check.json()}
    files = {
        path.name: workbook(path)
        for path in sorted(stdreg.cwd.glob("*.xlsx"))
        if path.name.endswith((".rejects.xlsx", ".warnings.xlsx"))
    }
    return {"format": FORMAT, "tables": dump_tables(stdreg), "figures": figures, "files": files}


def record(dump: dict[str, Any]) -> None:
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(dump, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    with (
        open(FIXTURE, "wb") as handle,
        gzip.GzipFile(fileobj=handle, mode="wb", mtime=0, compresslevel=9) as gz,
    ):
        gz.write(data)


def recorded() -> dict[str, Any]:
    with gzip.open(FIXTURE, "rb") as handle:
        value: dict[str, Any] = json.loads(handle.read())
    return value


def _as_json(value: Any) -> Any:
    """`value` as it reads back from the recording (tuples as lists, keys as text, floats rounded)."""
    return _rounded(json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True)))


def _rounded(value: Any) -> Any:
    """Floats to 12 significant digits: a SUM adds in the order its backend reads the rows."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _short(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + " …"


def _first_difference(expected: Any, actual: Any, path: str) -> str | None:
    """Where two JSON values first differ, and how, in a few lines."""
    if type(expected) is not type(actual):
        return f"{path}: recorded {_short(expected)}, now {_short(actual)}"
    if isinstance(expected, dict):
        for key in sorted(expected.keys() | actual.keys()):
            if key not in actual:
                return f"{path}.{key}: recorded {_short(expected[key])}, now missing"
            if key not in expected:
                return f"{path}.{key}: not recorded, now {_short(actual[key])}"
            found = _first_difference(expected[key], actual[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        for index, (old, new) in enumerate(zip(expected, actual, strict=False)):
            found = _first_difference(old, new, f"{path}[{index}]")
            if found:
                return found
        if len(expected) != len(actual):
            return f"{path}: recorded {len(expected)} items, now {len(actual)}"
        return None
    return None if expected == actual else f"{path}: recorded {_short(expected)}, now {_short(actual)}"


def describe_difference(expected: dict[str, Any], actual: dict[str, Any], rows_shown: int = 5) -> str | None:
    """None when the dumps are equal; else the first differing table (its first rows) or figure."""
    for table in sorted(expected["tables"].keys() | actual["tables"].keys()):
        old, new = expected["tables"].get(table), actual["tables"].get(table)
        if old is None or new is None:
            return f"table {table}: {'not recorded' if old is None else 'recorded but missing now'}"
        if old["columns"] != new["columns"]:
            return f"table {table}: columns recorded {old['columns']}, now {new['columns']}"
        if old["rows"] == new["rows"]:
            continue
        old_rows, new_rows = set(map(_sort_key, old["rows"])), set(map(_sort_key, new["rows"]))
        lines = [
            f"table {table} ({', '.join(old['columns'])}): {len(old['rows'])} rows recorded, "
            f"{len(new['rows'])} now; {len(old_rows - new_rows)} recorded rows missing, "
            f"{len(new_rows - old_rows)} new"
        ]
        lines += [f"  - {_short(json.loads(r))}" for r in sorted(old_rows - new_rows)[:rows_shown]]
        lines += [f"  + {_short(json.loads(r))}" for r in sorted(new_rows - old_rows)[:rows_shown]]
        if old_rows == new_rows:
            lines.append("  (the same rows, some of them repeated a different number of times)")
        return "\n".join(lines)
    for section in ("format", "figures", "files"):
        found = _first_difference(expected.get(section), actual.get(section), section)
        if found:
            return found
    return None


def test_the_county_gives_the_recorded_register(stdreg: Stdreg, backend: str) -> None:
    dump = county_dump(stdreg)
    dump = _as_json(dump)
    if os.environ.get(RECORD_ENV) and backend == "sqlite":
        record(dump)
    assert FIXTURE.exists(), f"no recording: run {RECORD_ENV}=1 python -m pytest {Path(__file__).name}"
    difference = describe_difference(recorded(), dump)
    assert difference is None, f"the register differs from the recording in {FIXTURE.name}:\n{difference}"


@pytest.fixture(scope="module")
def recording() -> dict[str, Any]:
    return recorded()


def _with_rows(dump: dict[str, Any], table: str, change: Callable[[list[Any]], None]) -> dict[str, Any]:
    """`dump` with `table`'s rows changed by `change` (a copy of that table only: the dump is large)."""
    rows = [list(r) for r in dump["tables"][table]["rows"]]
    change(rows)
    return {**dump, "tables": {**dump["tables"], table: {**dump["tables"][table], "rows": rows}}}


def _change_a_cell(dump: dict[str, Any]) -> dict[str, Any]:
    column = dump["tables"]["execution"]["columns"].index("valid_to")

    def change(rows: list[Any]) -> None:
        rows[len(rows) // 2][column] = "2013-01-01"

    return _with_rows(dump, "execution", change)


def _drop_a_row(dump: dict[str, Any]) -> dict[str, Any]:
    return _with_rows(dump, "product_version", lambda rows: rows.pop(100))


def _change_a_figure(dump: dict[str, Any]) -> dict[str, Any]:
    report = copy.deepcopy(dump["figures"]["report_2012"])
    report["totals"]["adopting_products"] += 1
    return {**dump, "figures": {**dump["figures"], "report_2012": report}}


@pytest.mark.parametrize(
    ("perturb", "said"),
    [
        (_change_a_cell, "table execution"),
        (_drop_a_row, "table product_version"),
        (_change_a_figure, "figures.report_2012.totals.adopting_products"),
    ],
)
def test_a_change_to_the_recording_is_found_and_told_briefly(
    recording: dict[str, Any], perturb: Callable[[dict[str, Any]], dict[str, Any]], said: str
) -> None:
    assert describe_difference(recording, recording) is None
    difference = describe_difference(recording, perturb(recording))
    assert difference is not None and said in difference
    assert len(difference) < 4_000, "a short diff, not the dump"
