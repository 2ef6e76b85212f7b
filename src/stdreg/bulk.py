"""Bulk reads and writes straight through the DBAPI cursor, for the import's hot paths.

SQLAlchemy Core's executemany processes every parameter of every row in
Python (type processors, compiled-cache lookups); for a million register rows
that costs more than the database does. These helpers build plain SQL for the
connection's own parameter style and hand whole chunks to ``executemany``.
Dates travel as ISO text on SQLite (how SQLAlchemy's Date stores them) and as
``date`` objects elsewhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy.engine import Connection

CHUNK = 500  # keys per IN (...) list; well under SQLite's 32,766 variables
WRITE_CHUNK = 20_000  # rows per executemany call
DATE_COLUMNS = frozenset(
    {"valid_from", "valid_to", "as_of", "metrology_confirmed_on", "status_on", "published_on",
     "implemented_on", "withdrawn_on", "replaced_noted_on", "outdated_from"}
)  # fmt: skip


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

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        values = self._rows(columns, rows)
        if values:
            marks = ", ".join([self.mark] * len(columns))
            self._executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)
        return len(values)

    def update(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Set ``columns`` of the rows whose id is the last value of each row."""
        values = self._rows(columns, rows)
        if values:
            assignments = ", ".join(f"{column} = {self.mark}" for column in columns)
            self._executemany(f"UPDATE {table} SET {assignments} WHERE id = {self.mark}", values)
        return len(values)

    def delete(self, table: str, ids: Sequence[int]) -> None:
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            marks = ", ".join([self.mark] * len(part))
            self.connection.exec_driver_sql(f"DELETE FROM {table} WHERE id IN ({marks})", tuple(part))

    def select_in(
        self, sql: str, keys: Sequence[Any], *, dates: Sequence[int] = (), params: Sequence[Any] = ()
    ) -> Iterator[tuple[Any, ...]]:
        """Run ``sql`` (which ends in ``IN``) for each chunk of keys; date columns come back as dates."""
        for start in range(0, len(keys), CHUNK):
            part = keys[start : start + CHUNK]
            marks = ", ".join([self.mark] * len(part))
            arguments = tuple(self.value(p) for p in params) + tuple(part)
            result = self.connection.exec_driver_sql(f"{sql} ({marks})", arguments)
            if not dates or not self.sqlite:
                yield from (tuple(row) for row in result)
                continue
            for row in result:
                values = list(row)
                for index in dates:
                    if values[index] is not None:
                        values[index] = dt.date.fromisoformat(values[index])
                yield tuple(values)
