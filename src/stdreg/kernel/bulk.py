"""Bulk reads and writes straight through the DBAPI cursor, for the import's hot paths.

SQLAlchemy Core's executemany processes every parameter of every row in
Python (type processors, compiled-cache lookups); for a million register rows
that costs more than the database does. These helpers build plain SQL for the
connection's own parameter style and hand whole chunks to ``executemany``.
Dates travel as ISO text on SQLite (how SQLAlchemy's Date stores them) and as
``date`` objects elsewhere.

On PostgreSQL through psycopg 3, ``executemany`` still sends one statement per row
(pipelined, but parsed, bound and executed one by one: about 75 µs a row, most of
a first import's time). So there the writes take the server's bulk paths, on the
same connection and inside the caller's transaction: inserts stream through
``COPY … FROM STDIN``; large updates are copied into a temporary table and applied
by one ``UPDATE … FROM``; reads and deletes send the keys as one array
(``= ANY(%s)``), thousands per statement instead of 500 per IN list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from stdreg.kernel.tables import DATE_COLUMNS

CHUNK = 500  # keys per IN (...) list; well under SQLite's 32,766 variables
WRITE_CHUNK = 20_000  # rows per executemany call
ARRAY_CHUNK = 20_000  # keys per = ANY(%s) array on PostgreSQL
UPDATE_BY_COPY = 1000  # from this many rows, a PostgreSQL update goes through COPY + UPDATE … FROM
UPDATE_TABLE = "stdreg_bulk_update"


def in_chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most ``size`` items (for IN lists)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Bulk:
    """Plain-SQL executemany and chunked IN-list reads on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        # COPY and arrays need psycopg 3 on PostgreSQL; any other driver keeps executemany
        self.copy = connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"
        self._iso: dict[dt.date, str] = {}

    def value(self, value: Any) -> Any:
        if self.sqlite and isinstance(value, dt.date):
            text = self._iso.get(value)
            if text is None:  # a load writes the same few dates a million times
                text = self._iso[value] = (
                    value.isoformat(" ") if isinstance(value, dt.datetime) else value.isoformat()
                )
            return text
        return value

    def _rows(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
        dated = [i for i, column in enumerate(columns) if column in DATE_COLUMNS]
        if not self.sqlite or not dated:
            return [tuple(row) for row in rows]
        converted = []
        value = self.value
        for row in rows:
            values = list(row)
            for i in dated:
                values[i] = value(values[i])
            converted.append(tuple(values))
        return converted

    def _executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        for start in range(0, len(rows), WRITE_CHUNK):
            self.connection.exec_driver_sql(sql, rows[start : start + WRITE_CHUNK])

    def _copy_in(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """``COPY table (columns) FROM STDIN`` on the connection's own psycopg connection."""
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        driver = self.connection.connection.driver_connection
        assert driver is not None
        try:
            with driver.cursor() as cursor, cursor.copy(sql) as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
        except self.connection.dialect.loaded_dbapi.Error as exc:
            # as SQLAlchemy would have raised it (callers look at DBAPIError's SQLSTATE)
            raise DBAPIError.instance(sql, None, exc, self.connection.dialect.loaded_dbapi.Error) from exc

    def insert(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, ready: bool = False
    ) -> int:
        """Insert rows of ``columns``; ``ready``: tuples whose dates are already as the driver takes
        them (:meth:`value`), which spares a pass over every row."""
        values = rows if ready and isinstance(rows, list) else self._rows(columns, rows)
        if values and self.copy:
            self._copy_in(table, columns, values)
        elif values:
            marks = ", ".join([self.mark] * len(columns))
            self._executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)
        return len(values)

    def update(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Set ``columns`` of the rows whose id is the last value of each row."""
        values = self._rows(columns, rows)
        if self.copy and len(values) >= UPDATE_BY_COPY:
            self._update_by_copy(table, columns, values)
        elif values:
            assignments = ", ".join(f"{column} = {self.mark}" for column in columns)
            self._executemany(f"UPDATE {table} SET {assignments} WHERE id = {self.mark}", values)
        return len(values)

    def _update_by_copy(self, table: str, columns: Sequence[str], values: list[tuple[Any, ...]]) -> None:
        # a temporary table shaped like the target's columns, filled by COPY, applied by one join
        run = self.connection.exec_driver_sql
        run(f"DROP TABLE IF EXISTS {UPDATE_TABLE}")
        run(
            f"CREATE TEMPORARY TABLE {UPDATE_TABLE} AS SELECT {', '.join(columns)}, id FROM {table} "
            "WITH NO DATA"
        )
        last = {row[-1]: row for row in values}  # as executemany would: the last row for an id wins
        self._copy_in(UPDATE_TABLE, (*columns, "id"), list(last.values()))
        run(f"ANALYZE {UPDATE_TABLE}")  # temporary tables never get statistics otherwise
        assignments = ", ".join(f"{column} = u.{column}" for column in columns)
        run(f"UPDATE {table} AS t SET {assignments} FROM {UPDATE_TABLE} AS u WHERE t.id = u.id")
        run(f"DROP TABLE {UPDATE_TABLE}")

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All rows of one query as plain tuples, through the DBAPI cursor (in the same transaction).

        For reads of many rows: SQLAlchemy's result would build a Row object per row,
        fetched one at a time.
        """
        cursor = self.connection.connection.cursor()
        try:
            cursor.execute(sql, tuple(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def delete(self, table: str, ids: Sequence[int]) -> None:
        if self.copy:
            for start in range(0, len(ids), ARRAY_CHUNK):
                ids_part = list(ids[start : start + ARRAY_CHUNK])
                self.connection.exec_driver_sql(f"DELETE FROM {table} WHERE id = ANY(%s)", (ids_part,))
            return
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            marks = ", ".join([self.mark] * len(part))
            self.connection.exec_driver_sql(f"DELETE FROM {table} WHERE id IN ({marks})", tuple(part))

    def select_in(
        self, sql: str, keys: Sequence[Any], *, dates: Sequence[int] = (), params: Sequence[Any] = ()
    ) -> Iterator[tuple[Any, ...]]:
        """Run ``sql`` (which ends in ``IN``) for each chunk of keys; date columns come back as dates."""
        if self.copy and sql.endswith(" IN"):
            # one array parameter: one statement text (prepared once) and 40× fewer round trips
            any_sql = sql[: -len("IN")] + "= ANY(%s)"
            for start in range(0, len(keys), ARRAY_CHUNK):
                array = list(keys[start : start + ARRAY_CHUNK])
                yield from self.fetch(any_sql, (*params, array))
            return
        for start in range(0, len(keys), CHUNK):
            part = keys[start : start + CHUNK]
            marks = ", ".join([self.mark] * len(part))
            arguments = tuple(self.value(p) for p in params) + tuple(part)
            result = self.fetch(f"{sql} ({marks})", arguments)
            if not dates or not self.sqlite:
                yield from result
                continue
            for row in result:
                values = list(row)
                for index in dates:
                    if values[index] is not None:
                        values[index] = dt.date.fromisoformat(values[index])
                yield tuple(values)
