"""One write to the register from start to end: its transaction, its batch row, its log and counts.

Every write (an import, a catalog, an update, a revert, a merge) is one batch, and
every batch goes the same way::

    with write_transaction(register, dry_run=dry_run) as connection:
        ...                                   # checks and locks that come before the batch
        with open_batch(connection, "update", source, as_of=as_of) as batch:
            batch.apply_plans(...)            # dated versions (stdreg.kernel.versions)
            batch.set_facts(...)              # facts that are not versions: USCCs, names, standards
            batch.counts["products_added"] += 1

:func:`open_batch` numbers the batch, records who wrote it and the SHA-256 of its
file (or of its command line), and at the end flushes the change log and writes the
summary of ``batch.counts``. :func:`write_transaction` commits, or rolls everything
back on an error, on a dry run, or when the work raises :class:`NothingWritten`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, text, update

from stdreg.kernel.bulk import Bulk
from stdreg.kernel.changelog import ChangeLog
from stdreg.kernel.tables import LOG_COLUMNS, table
from stdreg.kernel.versions import apply_plans, insert_fresh
from stdreg.timeline import Plan

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from stdreg.store import Register


class NothingWritten(Exception):
    """Raised inside :func:`write_transaction` to leave the register as it was, batch row and all."""


def current_user() -> str | None:
    """The user a batch records (None when it cannot be told)."""
    try:
        return getpass.getuser()
    except Exception:
        return None


def command_sha256(command: str) -> str:
    """The SHA-256 recorded for a batch written from a command line rather than a file."""
    return hashlib.sha256(command.encode("utf-8")).hexdigest()


@contextlib.contextmanager
def write_transaction(register: Register, *, dry_run: bool = False) -> Iterator[Connection]:
    """A connection in one transaction: committed at the end, unless it is a dry run.

    An exception rolls it back and goes on; :class:`NothingWritten` rolls it back
    and goes on too, for the caller to tell the user.
    """
    with register.engine.connect() as connection, connection.begin() as transaction:
        yield connection
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()


@dataclass(frozen=True)
class FactChange:
    """New values for some columns of one row of a table that holds no versions."""

    row_id: int
    old: Mapping[str, Any]  # the columns' values now (at least those of ``new``)
    new: Mapping[str, Any]
    row_batch_id: int | None  # the batch that wrote the row
    owner_id: int | None = None  # whose row it is (see tables.OWNER); None: the row's own id


@dataclass
class Batch:
    """A batch being written: its id, connection, bulk writer, change log and counts."""

    id: int
    as_of: dt.date
    connection: Connection
    bulk: Bulk
    log: ChangeLog
    counts: Counter[str] = field(default_factory=Counter)
    rows_read: int | None = None  # known only at the end (a merge): recorded then
    summary_head: dict[str, Any] = field(default_factory=dict)  # written before the counts

    def add(self, table_name: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> int:
        """Insert new rows (an enterprise, a product, a complete listing), each stamped with this batch.

        An insert needs no log entry: its ``batch_id`` tells which batch wrote it.
        """
        batch = self.id
        return self.bulk.insert(table_name, (*columns, "batch_id"), [(*row, batch) for row in rows])

    def apply_plans(
        self,
        table_name: str,
        keys: Sequence[str],
        fields: Sequence[str],
        plans: Sequence[tuple[Any, Plan]],
        *,
        as_of: dt.date | None,
        reason: str | None = None,
    ) -> None:
        """Write the plans of one version table, logging what they end, rewrite or delete."""
        apply_plans(
            self.bulk, self.log, table_name, keys, fields, plans, batch_id=self.id, as_of=as_of, reason=reason
        )

    def insert_fresh(
        self,
        table_name: str,
        keys: Sequence[str],
        fields: Sequence[str],
        facts: Sequence[tuple[Any, dt.date, tuple[Any, ...]]],
    ) -> int:
        """Write the first version of facts that have none yet, stated on the batch's date.

        Each fact is its key value(s), its end and its values; see
        :func:`stdreg.kernel.versions.insert_fresh`. How many versions were written.
        """
        return insert_fresh(
            self.bulk, table_name, keys, fields, facts, batch_id=self.id, valid_from=self.as_of
        )

    def set_facts(
        self,
        table_name: str,
        changes: Sequence[FactChange],
        *,
        as_of: dt.date | None,
        reason: str | None = None,
    ) -> int:
        """Set columns of rows that are not versions, logging their old values; how many rows changed.

        A row this batch created is told whole by its ``batch_id``: its earlier
        values are nobody's, so they are not logged.
        """
        by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
        for change in changes:
            if change.row_batch_id != self.id:
                self.log.record(
                    table_name,
                    change.row_id,
                    change.row_id if change.owner_id is None else change.owner_id,
                    {name: change.old[name] for name in change.new},
                    row_batch_id=change.row_batch_id,
                    as_of=as_of,
                    reason=reason,
                )
            by_columns[tuple(change.new)].append((*change.new.values(), change.row_id))
        for columns, rows in by_columns.items():
            self.bulk.update(table_name, columns, rows)
        return len(changes)

    def rewrite(
        self,
        table_name: str,
        columns: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
        *,
        as_of: dt.date | None,
        reason: str,
    ) -> None:
        """Set ``columns`` of existing rows in place (each row: the values, then the id), logged.

        For what rewrites the past rather than adds to it: a correction, a revert.
        A version's end is logged as its old end, its other columns by name.
        """
        also = tuple(column for column in columns if column != "valid_to")
        self.log.before(table_name, [row[-1] for row in rows], as_of=as_of, reason=reason, also=also)
        self.bulk.update(table_name, columns, rows)

    def delete(self, table_name: str, ids: Sequence[int], *, as_of: dt.date | None, reason: str) -> None:
        """Delete rows, each logged whole first (for a revert, which takes back what a batch inserted)."""
        self.log.before(table_name, (), ids, as_of=as_of, reason=reason)
        self.bulk.delete(table_name, ids)

    # A merge copies another register's rows together with the change log that explains them:
    # they are written as they are, with the ids the merge gave them, and not logged again.

    def copy_rows(
        self,
        table_name: str,
        columns: Sequence[str],
        added: Sequence[tuple[Any, ...]],
        changed: Sequence[tuple[Any, ...]] = (),
    ) -> None:
        """Insert rows brought from another register (each: id, then ``columns``), update changed ones.

        A changed row is its ``columns``, then its id. The other register's change log,
        copied by :meth:`copy_log`, tells what they overwrote.
        """
        self.bulk.insert(table_name, ("id", *columns), added)
        self.bulk.update(table_name, columns, changed)

    def remove_copied(self, table_name: str, ids: Sequence[int]) -> None:
        """Delete rows brought from another register that it no longer holds (it reverted their batch)."""
        self.bulk.delete(table_name, ids)

    def copy_batches(self, added: Sequence[dict[str, Any]], changed: Sequence[dict[str, Any]]) -> None:
        """Add the batches of another register (each row with its id here), and update those that moved on
        (reverted or finished since they were copied)."""
        batches = table("import_batch")
        if added:
            self.connection.execute(insert(batches), list(added))
        for row in changed:
            values = {k: v for k, v in row.items() if k != "id"}
            self.connection.execute(update(batches).where(batches.c.id == row["id"]).values(values))

    def copy_log(self, entries: Sequence[tuple[Any, ...]]) -> int:
        """Add change-log entries another register wrote (each: its id here, then the log's columns)."""
        return self.bulk.insert("change_log", ("id", *LOG_COLUMNS), entries)

    def wrote_anything(self) -> bool:
        """Whether the batch wrote, ended or changed any row of the register."""
        self.log.flush()
        exists = " UNION ALL ".join(
            f"SELECT 1 FROM (SELECT 1 FROM {name} WHERE {column} = :b LIMIT 1) AS {name}_{column}"
            for name, column in _BATCH_COLUMNS
        )
        return self.connection.execute(text(exists), {"b": self.id}).first() is not None


# every table whose rows name the batch that wrote (or ended) them
_BATCH_COLUMNS = (
    ("enterprise", "batch_id"), ("enterprise_version", "batch_id"), ("enterprise_version", "closed_batch_id"),
    ("enterprise_snapshot", "batch_id"), ("product", "batch_id"), ("product_version", "batch_id"),
    ("product_version", "closed_batch_id"), ("standard", "batch_id"), ("execution", "batch_id"),
    ("execution", "closed_batch_id"), ("change_log", "batch_id"),
)  # fmt: skip


@contextlib.contextmanager
def open_batch(
    connection: Connection,
    kind: str,
    source: str,
    *,
    as_of: dt.date,
    sha256: str | None = None,
    user: str | None = None,
    rows_read: int = 0,
    rows_rejected: int = 0,
    complete: bool = False,
    region: str | None = None,
) -> Iterator[Batch]:
    """Start a batch (an import, a catalog, an update, a revert, a merge) on a connection in a transaction.

    ``source`` is the file's name or the command line; ``sha256`` the file's (None:
    the command line's); ``user`` who runs it (None: the user of this process).
    When the block ends, the change log is flushed and the batch finished with
    its summary; an exception leaves it unfinished, for the transaction to roll back.
    """
    batches = table("import_batch")
    inserted = connection.execute(
        insert(batches).values(
            kind=kind,
            file_name=source,
            sha256=sha256 if sha256 is not None else command_sha256(source),
            as_of=as_of,
            complete=complete,
            started_at=dt.datetime.now(dt.UTC),
            rows_read=rows_read,
            rows_rejected=rows_rejected,
            summary="{}",
            user_name=user if user is not None else current_user(),
            region=region,
        )
    ).inserted_primary_key
    assert inserted is not None
    bulk = Bulk(connection)
    batch = Batch(int(inserted[0]), as_of, connection, bulk, ChangeLog(bulk, int(inserted[0])))
    yield batch
    batch.log.flush()
    values: dict[str, Any] = {
        "finished_at": dt.datetime.now(dt.UTC),
        "summary": json.dumps({**batch.summary_head, **batch.counts}, ensure_ascii=False),
    }
    if batch.rows_read is not None:
        values["rows_read"] = batch.rows_read
    connection.execute(update(batches).where(batches.c.id == batch.id).values(**values))
