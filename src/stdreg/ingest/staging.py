"""Valid register rows parked in a temporary table until the whole file has been checked.

Strict imports must see every row before they write anything, and a province's
file holds millions of rows: keeping them all as Python objects would cost
gigabytes. The stage keeps them in the database's temporary storage instead,
and hands them back enterprise by enterprise, in chunks, in file order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from stdreg.ingest.register_rows import RegisterRow
from stdreg.kernel.bulk import Bulk

TABLE = "stdreg_stage"
_SEPARATOR = "\x1f"  # never in a normalized code
_FLUSH_EVERY = 10_000
_SHARED_LIMIT = 50_000  # distinct enterprise values converted back and shared: bounded

StagedRow = tuple[str, str | None, tuple[Any, ...], str, tuple[Any, ...], Sequence[str]]
"""A staged row read back: org_code, uscc, enterprise values, product, product values, standards."""
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
        # staged with the date as ISO text and everything else as is: ready for either driver
        self.bulk.insert(TABLE, _COLUMNS, self._pending, ready=True)
        self._pending = []

    def chunks(self, rows_per_chunk: int = 20_000) -> Iterator[list[StagedRow]]:
        """The staged rows, whole enterprises at a time, each enterprise's rows in file order.

        A row comes back as a :class:`StagedRow` tuple: its organization code, USCC,
        enterprise values, product, product values and standards, as the register holds
        them. The enterprise values repeat on every product row: each distinct one is
        converted back once and shared.
        """
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
        enterprises: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        start = 0
        while start < len(sizes):
            end, rows = start, 0
            while end < len(sizes) and (rows == 0 or rows + sizes[end][1] <= rows_per_chunk):
                rows += sizes[end][1]
                end += 1
            first, last = sizes[start][0], sizes[end - 1][0]
            chunk = []
            for r in self.bulk.fetch(select, (first, last)):
                raw = r[3:12]
                enterprise = enterprises.get(raw)
                if enterprise is None:
                    if len(enterprises) >= _SHARED_LIMIT:
                        enterprises.clear()
                    enterprise = enterprises[raw] = _enterprise(raw)
                standards = r[15]
                chunk.append(
                    (
                        r[1],
                        r[2],
                        enterprise,
                        r[12],
                        (r[13], r[14]),
                        standards.split(_SEPARATOR) if standards else (),
                    )
                )
            yield chunk
            start = end

    def drop(self) -> None:
        self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")


def _enterprise(r: Sequence[Any]) -> tuple[Any, ...]:
    """Staged enterprise values (name … good_behaviour) as ENTERPRISE_FIELDS hold them."""
    on = r[7]
    if isinstance(on, str):
        on = dt.date.fromisoformat(on)
    return (r[0], r[1], r[2], r[3], _flag(r[4]), _flag(r[5]), _flag(r[6]), on, r[8])


def _flag(value: Any) -> bool | None:
    # staged as 0/1; booleans again for the register's boolean columns (PostgreSQL is strict)
    return None if value is None else bool(value)
