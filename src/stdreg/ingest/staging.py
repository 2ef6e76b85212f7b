"""Valid register rows parked in a temporary table until the whole file has been checked.

Strict imports must see every row before they write anything, and a province's
file holds millions of rows: keeping them all as Python objects would cost
gigabytes. The stage keeps them in the database's temporary storage instead,
and hands them back enterprise by enterprise, in chunks, in file order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import Connection

from stdreg.ingest.register_rows import RegisterRow
from stdreg.kernel.bulk import Bulk

TABLE = "stdreg_stage"
_SEPARATOR = "\x1f"  # never in a normalized code
_FLUSH_EVERY = 10_000
_COLUMNS = (
    "seq", "org_code", "uscc", "name", "township", "industry", "size", "high_tech", "key_energy_user",
    "metrology_confirmed", "metrology_confirmed_on", "good_behaviour", "product", "output_value", "brand",
    "standards",
)  # fmt: skip
_TYPES = {"seq": "INTEGER PRIMARY KEY", "output_value": "REAL", "high_tech": "BOOLEAN",
          "key_energy_user": "BOOLEAN", "metrology_confirmed": "BOOLEAN"}  # fmt: skip


class RegisterStage:
    """A temporary table of valid rows, filled while validating, read back by enterprise."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.bulk = Bulk(connection)
        self.count = 0
        self._pending: list[tuple[Any, ...]] = []
        # a pooled connection may still hold the stage of an earlier import
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
        columns = ", ".join(f"{name} {_TYPES.get(name, 'TEXT')}" for name in _COLUMNS)
        connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {TABLE} ({columns})")

    def add(self, row: RegisterRow) -> None:
        self.count += 1
        on = row.enterprise[7]
        self._pending.append((
            self.count, row.org_code, row.uscc, *row.enterprise[:7],
            on.isoformat() if on is not None else None, row.enterprise[8],
            row.product, *row.product_values, _SEPARATOR.join(row.standards),
        ))  # fmt: skip
        if len(self._pending) >= _FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        self.bulk.insert(TABLE, _COLUMNS, self._pending)
        self._pending = []

    def chunks(self, rows_per_chunk: int = 20_000) -> Iterator[list[RegisterRow]]:
        """The staged rows, whole enterprises at a time, each enterprise's rows in file order."""
        self.flush()
        self.connection.exec_driver_sql(f"CREATE INDEX {TABLE}_by_enterprise ON {TABLE} (org_code, seq)")
        if not self.bulk.sqlite:  # autovacuum never sees temporary tables: without this, guessed plans
            self.connection.exec_driver_sql(f"ANALYZE {TABLE}")
        sizes = self.connection.exec_driver_sql(
            f"SELECT org_code, COUNT(*) FROM {TABLE} GROUP BY org_code ORDER BY org_code"
        ).all()
        select = (
            f"SELECT {', '.join(_COLUMNS)} FROM {TABLE} "
            f"WHERE org_code >= {self.bulk.mark} AND org_code <= {self.bulk.mark} ORDER BY org_code, seq"
        )
        start = 0
        while start < len(sizes):
            end, rows = start, 0
            while end < len(sizes) and (rows == 0 or rows + sizes[end][1] <= rows_per_chunk):
                rows += sizes[end][1]
                end += 1
            first, last = sizes[start][0], sizes[end - 1][0]
            yield [_row(r) for r in self.connection.exec_driver_sql(select, (first, last))]
            start = end

    def drop(self) -> None:
        self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")


def _row(r: Any) -> RegisterRow:
    on = r[10]
    if isinstance(on, str):
        on = dt.date.fromisoformat(on)
    return RegisterRow(
        number=r[0], org_code=r[1], uscc=r[2],
        enterprise=(r[3], r[4], r[5], r[6], _flag(r[7]), _flag(r[8]), _flag(r[9]), on, r[11]),
        product=r[12], product_values=(r[13], r[14]),
        standards=tuple(r[15].split(_SEPARATOR)) if r[15] else (),
        standard_titles=(), adopted=None, degree=None,
    )  # fmt: skip


def _flag(value: Any) -> bool | None:
    # staged as 0/1; booleans again for the register's boolean columns (PostgreSQL is strict)
    return None if value is None else bool(value)
