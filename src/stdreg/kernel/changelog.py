"""The change log: what every update and delete of a batch overwrote, recorded before it happens.

Rows a batch inserts carry its ``batch_id``; before a batch updates or deletes a
row, :class:`ChangeLog` records the row's old values in ``change_log`` (buffered,
written with executemany like the rest of an import). From the log, a batch can
be told as history (``stdreg.history``) and undone (``stdreg.kernel.revert``).

Corrections (``stdreg update … --correct``) are logged with reason
``correction`` and no as-of date: they rewrite the past rather than add to it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from stdreg.kernel.bulk import ARRAY_CHUNK, CHUNK, Bulk
from stdreg.kernel.tables import LOG_COLUMNS, OWNER, ROW_COLUMNS, VERSION_FIELDS, written_fields

CORRECTION = "correction"
REVERT = "revert"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _dumps(values: dict[str, Any]) -> str:
    return json.dumps({k: _jsonable(v) for k, v in values.items()}, ensure_ascii=False)


def iso(value: Any) -> str | None:
    """A date as the ISO text the log and SQLite keep (None stays None)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    return value.isoformat()  # type: ignore[no-any-return]


class ChangeLog:
    """The change_log rows of one batch, buffered and written with executemany.

    Call :meth:`before` with the ids of rows about to be updated or deleted: it
    reads them (chunked IN lists, only the rows that change) and records their
    old values. :meth:`flush` writes what was recorded.
    """

    def __init__(self, bulk: Bulk, batch_id: int) -> None:
        self.bulk = bulk
        self.batch_id = batch_id
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0

    def before(
        self,
        table: str,
        update_ids: Sequence[int] = (),
        delete_ids: Sequence[int] = (),
        *,
        as_of: dt.date | None,
        reason: str | None = None,
        also: Sequence[str] = (),
    ) -> dict[int, dict[str, Any]]:
        """Record the rows about to change; their old values by id (dates as ISO text).

        An update of a version records its value columns and closed_batch_id
        (and its end, as old_valid_to); of another table, the ``also`` columns.
        A delete records the whole row.
        """
        if table in _LOGGED_IN_SQL and not also:
            self._in_sql(table, "update", update_ids, as_of, reason)
            self._in_sql(table, "delete", delete_ids, as_of, reason)
            return {}
        old = read_rows(self.bulk, table, [*update_ids, *delete_ids])
        kept = (*written_fields(table), "closed_batch_id", *also) if table in VERSION_FIELDS else also
        owner, batch = OWNER[table], self.batch_id
        on = self.bulk.value(as_of)
        rows = self.rows
        for row_id in update_ids:
            row = old[row_id]
            values = {name: row[name] for name in kept}
            rows.append((
                batch, table, row_id, row[owner] if owner != "id" else row_id, "update", row.get("batch_id"),
                on, row.get("valid_to"), _dumps(values), reason,
            ))  # fmt: skip
        for row_id in delete_ids:
            row = old[row_id]
            rows.append((
                batch, table, row_id, row[owner] if owner != "id" else row_id, "delete", row.get("batch_id"),
                on, row.get("valid_to"), _dumps(row), reason,
            ))  # fmt: skip
        return old

    def _in_sql(
        self, table: str, op: str, ids: Sequence[int], as_of: dt.date | None, reason: str | None
    ) -> None:
        """Copy the rows' old values into the log inside the database: no row comes back to Python."""
        if not ids:
            return
        sql = _LOGGED_IN_SQL[table][op]
        mark = self.bulk.mark
        head = (self.batch_id, op, self.bulk.value(as_of), reason)
        if self.bulk.copy:  # PostgreSQL: the ids as one array, as Bulk reads them
            statement = sql.replace("{mark}", mark).removesuffix(" IN") + " = ANY(%s)"
            for start in range(0, len(ids), ARRAY_CHUNK):
                array = list(ids[start : start + ARRAY_CHUNK])
                self.bulk.connection.exec_driver_sql(statement, (*head, array))
                self.written += len(array)
            return
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            marks = ", ".join([mark] * len(part))
            self.bulk.connection.exec_driver_sql(sql.replace("{mark}", mark) + f" ({marks})", (*head, *part))
            self.written += len(part)

    def record(
        self,
        table: str,
        row_id: int,
        owner_id: int | None,
        old_values: dict[str, Any],
        *,
        row_batch_id: int | None,
        as_of: dt.date | None,
        op: str = "update",
        reason: str | None = None,
    ) -> None:
        """Record one update whose old values the caller already holds (no read)."""
        self.rows.append((
            self.batch_id, table, row_id, owner_id, op, row_batch_id, self.bulk.value(as_of),
            None, _dumps(old_values), reason,
        ))  # fmt: skip

    def flush(self) -> int:
        count = self.bulk.insert("change_log", LOG_COLUMNS, self.rows)
        self.written += count
        self.rows = []
        return count


def _json_number(column: str) -> str:
    return f"COALESCE(CAST({column} AS TEXT), 'null')"


def _json_date(column: str) -> str:
    return f"""COALESCE('"' || CAST({column} AS TEXT) || '"', 'null')"""


def _json_object(members: Sequence[tuple[str, str]]) -> str:
    parts = [
        f"""'{"{" if i == 0 else ", "}"{name}": ' || {value}""" for i, (name, value) in enumerate(members)
    ]
    return " || ".join(parts) + " || '}'"


_EXECUTION_LOG = (
    "INSERT INTO change_log (batch_id, table_name, row_id, owner_id, op, row_batch_id, as_of, old_valid_to, "
    "old_values, reason) SELECT {mark}, 'execution', id, product_id, {mark}, batch_id, {mark}, valid_to, "
)
_LOGGED_IN_SQL: dict[str, dict[str, str]] = {
    # Executions hold numbers and dates only, so their JSON is plain concatenation (no JSON
    # functions, which SQLite and PostgreSQL spell differently): a province's import closes a
    # million of them, and this keeps every one of those rows out of Python.
    "execution": {
        "update": _EXECUTION_LOG
        + _json_object([("closed_batch_id", _json_number("closed_batch_id"))])
        + ", {mark} FROM execution WHERE id IN",
        "delete": _EXECUTION_LOG
        + _json_object(
            [
                ("product_id", _json_number("product_id")),
                ("standard_id", _json_number("standard_id")),
                ("valid_from", _json_date("valid_from")),
                ("valid_to", _json_date("valid_to")),
                ("batch_id", _json_number("batch_id")),
                ("closed_batch_id", _json_number("closed_batch_id")),
            ]
        )
        + ", {mark} FROM execution WHERE id IN",
    }
}
"""Tables whose log entries are written by INSERT … SELECT, straight from the rows."""


def read_rows(bulk: Bulk, table: str, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Rows by id, every column of ROW_COLUMNS, dates as ISO text."""
    columns = ROW_COLUMNS[table]
    found: dict[int, dict[str, Any]] = {}
    for row in bulk.select_in(f"SELECT id, {', '.join(columns)} FROM {table} WHERE id IN", list(ids)):
        values = dict(zip(columns, row[1:], strict=True))
        if not bulk.sqlite:
            values = {k: iso(v) if isinstance(v, dt.date) else v for k, v in values.items()}
        found[row[0]] = values
    return found
