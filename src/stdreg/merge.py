"""Merging whole registers into one: a city gathers its counties, a province its cities.

``stdreg merge`` copies every row of a source register (a SQLite file or a
database URL) into the target with its history: its batches, dated versions,
complete listings and change log, each row tagged with the region it came from
(``enterprise.region``, ``import_batch.region``). ``merge_row`` remembers which
target row each source row became, so merging the same region again compares
row with row and writes only what changed: new rows are added, changed ones
updated, rows gone from the source (a county reverted a batch) removed, and the
change log's new entries copied, their ids translated.

An enterprise the target already holds from elsewhere (same organization code or
USCC, from another region or from the target's own imports) is a conflict: it
is reported and left out with everything about it, never duplicated.

Standards are shared: a source's standard is matched by its code. A standard the
source brought in is kept up to date from it; one the target knew before only
gets the facts it lacked (the target's catalog wins).

A merged county is maintained in its own register: the target refuses to revert
its batches (see :func:`stdreg.kernel.revert.revert_batch`); correct the county and merge
it again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, text

from stdreg.errors import DatabaseError, UsageError
from stdreg.kernel.batch import Batch, FactChange, command_sha256, open_batch, write_transaction
from stdreg.kernel.bulk import CHUNK
from stdreg.kernel.standards import refresh_outdated
from stdreg.kernel.tables import BATCH_COLUMNS, LOG_COLUMNS, OWNER, ROW_COLUMNS, STANDARD_FACTS
from stdreg.kernel.tables import table as _table
from stdreg.store import Register, display_url, open_register, register_identity, resolve_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

MERGE = "merge"
READ_CHUNK = 20_000
COMPARE_CHUNK = 5_000  # ids per IN list when comparing with the target; under SQLite's 32,766
TIMESTAMPED = frozenset({"import_batch"})  # the only table with datetimes (see _plain)

# The rows under an enterprise, parents first; each is copied with the same code.
OWNED_TABLES = ("enterprise_version", "enterprise_snapshot", "product", "product_version", "execution")
# Which table each id column points into, for translating source ids.
REFERENCES: dict[str, str] = {
    "enterprise_id": "enterprise",
    "product_id": "product",
    "standard_id": "standard",
    "replaced_by_id": "standard",
    "batch_id": "import_batch",
    "closed_batch_id": "import_batch",
    "reverted_by": "import_batch",
    "row_batch_id": "import_batch",
}
PARENT = {
    "enterprise_version": "enterprise",
    "enterprise_snapshot": "enterprise",
    "product": "enterprise",
    "product_version": "product",
    "execution": "product",
}


@dataclass(frozen=True)
class Conflict:
    """An enterprise of the source that the target already holds from elsewhere."""

    org_code: str
    uscc: str | None
    name: str | None
    region: str  # the region being merged
    held_by: str | None  # the region the target has it from; None: the target's own imports
    edited: bool = False  # merged before, then changed in the target: the region's changes wait

    def describe(self) -> str:
        who = f"{self.uscc or self.org_code} {self.name or ''}".rstrip()
        if self.edited:
            return (
                f"{who}: changed in this register since it was merged; what changed in {self.region} "
                "is left out (revert that change here with stdreg import --revert to take the region's)"
            )
        where = f"the register of {self.held_by}" if self.held_by else "this register's own imports"
        return f"{who}: already in {where}; left out of {self.region}"


@dataclass
class MergeResult:
    region: str
    location: str
    batch_id: int | None  # the merge batch; None after a dry run
    counts: Counter[str] = field(default_factory=Counter)
    conflicts: list[Conflict] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "source": self.location,
            "batch": self.batch_id,
            "dry_run": self.dry_run,
            **dict(sorted(self.counts.items())),
            "conflicts": [
                {
                    "org_code": c.org_code,
                    "uscc": c.uscc,
                    "enterprise": c.name,
                    "held_by": c.held_by,
                    "edited_here": c.edited,
                }
                for c in self.conflicts
            ],  # fmt: skip
        }


def region_name(source: str, region: str | None) -> str:
    """The region a source is merged as: the one given, else a SQLite file's name without suffix."""
    if region is not None:
        name = region.strip()
        if not name:
            raise UsageError("--region must not be empty")
        return name
    if "://" in source:
        raise UsageError(f"name the region of {display_url(source)} with --region (a URL has no file name)")
    return Path(source).stem


def merge_register(
    target: Register, source_db: str, *, region: str, command: str, user: str | None, dry_run: bool = False
) -> MergeResult:
    """Merge the register at ``source_db`` into ``target`` as ``region``, in one transaction.

    The caller holds the target's writer lock. The source is only read, as one
    consistent snapshot, so its own writers may go on meanwhile.
    """
    location = display_url(resolve_url(source_db))
    if resolve_url(source_db) == target.url:
        raise UsageError(f"{location} is the register being merged into")
    source = open_register(source_db, create=False)
    try:
        with _snapshot(source) as reading, write_transaction(target, dry_run=dry_run) as connection:
            identity = _refuse_same_register(connection, reading, location, region)
            with open_batch(
                connection,
                MERGE,
                location,
                as_of=dt.date.today(),
                sha256=command_sha256(command),
                user=user,
                region=region,
            ) as batch:
                merger = _Merger(batch, reading, region)
                merger.run()
                if merger.standards_touched:
                    batch.counts["standards_outdated_recomputed"] += refresh_outdated(connection)
                batch.rows_read = merger.rows_read
            merger.remember_source(location, identity)
        batch_id = None if dry_run else batch.id
        result = MergeResult(region, location, batch_id, batch.counts, merger.conflicts, dry_run)
    finally:
        source.dispose()
    return result


def _refuse_same_register(target: Connection, source: Connection, location: str, region: str) -> str | None:
    """The source's identity, once it is known to be neither the target nor a source merged as another region.

    Paths and URLs cannot tell: a backup, a hard link or a URL spelled otherwise names
    the same register. Its identity (models.RegisterIdentity) can.
    """
    identity = register_identity(source)
    if identity is None:
        return None
    if identity == register_identity(target):
        raise UsageError(
            f"{location} is this register itself (the same identity {identity}: a copy, a backup, a link "
            "or another spelling of it); nothing was merged"
        )
    merged_as = target.execute(
        text("SELECT name FROM merge_source WHERE identity = :i AND name <> :r"), {"i": identity, "r": region}
    ).scalar()
    if merged_as is not None:
        raise UsageError(
            f"{location} was merged before as region {merged_as} (the same register, identity {identity}); "
            f"merge it again as --region {merged_as}; nothing was merged"
        )
    return identity


def merged_regions(connection: Connection) -> list[dict[str, Any]]:
    """The regions merged into this register: where each came from and its last merge."""
    rows = connection.execute(
        text(
            "SELECT m.name, m.location, m.last_batch_id, b.finished_at, "
            "(SELECT COUNT(*) FROM enterprise e WHERE e.region = m.name) AS enterprises "
            "FROM merge_source m LEFT JOIN import_batch b ON b.id = m.last_batch_id ORDER BY m.name"
        )
    )
    return [
        {"region": name, "source": location, "last_merge_batch": batch,
         "merged_at": str(when)[:19] if when else None, "enterprises": enterprises}
        for name, location, batch, when, enterprises in rows
    ]  # fmt: skip


# The enterprises the target's own batches (updates, imports: not merged ones, and not
# reverted ones) wrote or changed rows of, in place (a correction, in the change log) or
# by a new version.
_OWN_BATCHES = (
    "SELECT id FROM import_batch WHERE source_batch_id IS NULL AND kind NOT IN ('merge', 'revert') "
    "AND reverted_by IS NULL"
)
_EDITED_HERE = f"""
SELECT enterprise_id FROM enterprise_version
 WHERE batch_id IN ({_OWN_BATCHES}) OR closed_batch_id IN ({_OWN_BATCHES})
UNION SELECT enterprise_id FROM product WHERE batch_id IN ({_OWN_BATCHES})
UNION SELECT p.enterprise_id FROM product_version v JOIN product p ON p.id = v.product_id
 WHERE v.batch_id IN ({_OWN_BATCHES}) OR v.closed_batch_id IN ({_OWN_BATCHES})
UNION SELECT p.enterprise_id FROM execution x JOIN product p ON p.id = x.product_id
 WHERE x.batch_id IN ({_OWN_BATCHES}) OR x.closed_batch_id IN ({_OWN_BATCHES})
UNION SELECT owner_id FROM change_log
 WHERE batch_id IN ({_OWN_BATCHES}) AND table_name IN ('enterprise', 'enterprise_version', 'product')
UNION SELECT p.enterprise_id FROM change_log l JOIN product p ON p.id = l.owner_id
 WHERE l.batch_id IN ({_OWN_BATCHES}) AND l.table_name IN ('product_version', 'execution')
"""
# Standards whose facts the target itself changed (its catalog, `update standard`).
_STANDARDS_EDITED_HERE = (
    f"SELECT DISTINCT row_id FROM change_log WHERE table_name = 'standard' AND batch_id IN ({_OWN_BATCHES})"
)


@contextlib.contextmanager
def _snapshot(source: Register) -> Iterator[Connection]:
    """A connection that reads the source as it stood at one moment, whatever writes it meanwhile."""
    if source.is_sqlite:
        with source.engine.connect() as connection:
            # pysqlite opens no transaction for a SELECT: without BEGIN each query would
            # see the register at another moment (its own cron job may be importing).
            connection.exec_driver_sql("BEGIN")
            try:
                yield connection
            finally:
                connection.rollback()
        return
    with source.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        try:
            yield connection
        finally:
            connection.rollback()


def _plain(value: Any) -> Any:
    """A value as both backends give it back: datetimes in UTC, with their zone."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value


class _Merger:
    """One source register merged into the target, inside the target's transaction."""

    def __init__(self, batch: Batch, reading: Connection, region: str) -> None:
        self.writing = batch
        self.connection = connection = batch.connection
        self.reading = reading
        self.region = region
        self.batch = batch.id
        self.bulk = batch.bulk
        self.counts: Counter[str] = batch.counts
        self.conflicts: list[Conflict] = []
        self.rows_read = 0
        self.standards_touched = False
        self.source_id = self._source_row()
        self.maps: dict[str, dict[int, int]] = {
            name: {} for name in ("import_batch", "standard", "enterprise", *OWNED_TABLES)
        }
        for name, source_row, target_row in connection.execute(
            text("SELECT table_name, source_row_id, target_row_id FROM merge_row WHERE source_id = :s"),
            {"s": self.source_id},
        ):
            self.maps.setdefault(name, {})[source_row] = target_row
        self.new_rows: list[tuple[int, str, int, int]] = []  # merge_row entries to add
        self.skipped: dict[str, set[int]] = {name: set() for name in self.maps}
        self.edited_here: set[int] = set()  # source enterprises held back by local changes
        self._next_id: dict[str, int] = {}
        self._next_ghost: dict[str, int] = {}

    def run(self) -> None:
        self._hold_local_edits()
        present = {name: self._source_ids(name) for name in ("enterprise", *OWNED_TABLES)}
        self._remove_vanished(present)
        self._batches()
        self._standards()
        self._enterprises()
        for name in OWNED_TABLES:
            self._owned(name)
        self._change_log()
        self.bulk.insert(
            "merge_row", ("source_id", "table_name", "source_row_id", "target_row_id"), self.new_rows
        )

    def remember_source(self, location: str, identity: str | None) -> None:
        self.connection.execute(
            text("UPDATE merge_source SET location = :l, last_batch_id = :b, identity = :i WHERE id = :s"),
            {"l": location, "b": self.batch, "s": self.source_id, "i": identity},
        )

    # --- ids ------------------------------------------------------------------------------

    def _source_row(self) -> int:
        found = self.connection.execute(
            text("SELECT id FROM merge_source WHERE name = :r"), {"r": self.region}
        ).scalar()
        if found is not None:
            return int(found)
        key = self.connection.execute(
            insert(_table("merge_source")).values(name=self.region, location="")
        ).inserted_primary_key
        assert key is not None
        return int(key[0])

    def _allocate(self, table: str, count: int) -> list[int]:
        """Ids for ``count`` new rows of ``table``, never to be handed out again."""
        if count == 0:
            return []
        if self.bulk.sqlite:  # the writer lock keeps every other writer out
            start = self._next_id.get(table)
            if start is None:
                highest = self.connection.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
                start = int(highest.scalar_one()) + 1
            self._next_id[table] = start + count
            return list(range(start, start + count))
        # a server's sequence: `update` may insert at the same time and draws from it too
        return [
            int(row[0])
            for row in self.connection.exec_driver_sql(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, {count})"
            )
        ]

    def _map_new(self, table: str, source_ids: Sequence[int]) -> None:
        mapping = self.maps[table]
        for source_row, target_row in zip(source_ids, self._allocate(table, len(source_ids)), strict=True):
            mapping[source_row] = target_row
            self.new_rows.append((self.source_id, table, source_row, target_row))

    def _target(self, table: str, source_row: int) -> int:
        """The target id of a source row, or of a row only the change log still names.

        Rows that no longer exist anywhere get negative ids: they can never meet a
        real row, and stay the same on every later merge (merge_row keeps them).
        """
        mapping = self.maps[table]
        found = mapping.get(source_row)
        if found is not None:
            return found
        ghost = self._next_ghost.get(table)
        if ghost is None:
            ghost = min([0, *mapping.values()]) - 1
        self._next_ghost[table] = ghost - 1
        mapping[source_row] = ghost
        self.new_rows.append((self.source_id, table, source_row, ghost))
        return ghost

    def _translate(self, column: str, value: int | None, row: str) -> int | None:
        if value is None:
            return None
        table = REFERENCES[column]
        found = self.maps[table].get(value)
        if found is None:
            raise DatabaseError(
                f"the register of {self.region} is inconsistent: {row} refers to {table} {value}, "
                "which it does not hold"
            )
        return found

    # --- reading ---------------------------------------------------------------------------

    def _source_ids(self, name: str) -> set[int]:
        return {row[0] for row in self.reading.exec_driver_sql(f"SELECT id FROM {name}")}

    def _read(self, name: str, columns: Sequence[str], where: Any = None) -> Iterator[list[Any]]:
        """The source's rows of a table, by id, in chunks, typed alike on every backend."""
        table = _table(name)
        query = select(table.c.id, *(table.c[c] for c in columns)).order_by(table.c.id)
        if where is not None:
            query = query.where(where(table))
        result = self.reading.execution_options(yield_per=READ_CHUNK).execute(query)
        dated = name in TIMESTAMPED
        for part in result.partitions():
            self.rows_read += len(part)
            yield [tuple(_plain(v) for v in row) if dated else tuple(row) for row in part]

    def _current(self, name: str, columns: Sequence[str], ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
        """The target's rows by id, typed as :meth:`_read` types the source's."""
        table = _table(name)
        found: dict[int, tuple[Any, ...]] = {}
        dated = name in TIMESTAMPED
        for start in range(0, len(ids), COMPARE_CHUNK):
            part = ids[start : start + COMPARE_CHUNK]
            query = select(table.c.id, *(table.c[c] for c in columns)).where(table.c.id.in_(part))
            for row in self.connection.execute(query):
                found[row[0]] = tuple(_plain(v) for v in row[1:]) if dated else tuple(row[1:])
        return found

    # --- the tables ------------------------------------------------------------------------

    def _hold_local_edits(self) -> None:
        """Leave out the merged enterprises this register changed itself since (``stdreg update``).

        Applying the region's rows over them would put two versions on one date.
        """
        edited = {row[0] for row in self.connection.execute(text(_EDITED_HERE))}
        self.edited_here = {s for s, t in self.maps["enterprise"].items() if t in edited}
        if not self.edited_here:
            return
        self.skipped["enterprise"] |= self.edited_here
        names = self._source_names(sorted(self.edited_here))
        for source_row, org_code, uscc, _b, _r in self._source_enterprises(sorted(self.edited_here)):
            self.conflicts.append(
                Conflict(org_code, uscc, names.get(source_row), self.region, self.region, True)
            )

    def _remove_vanished(self, present: dict[str, set[int]]) -> None:
        """Delete the rows whose source row is gone (a reverted batch), children first.

        Done before anything is added: a new row may take the key (a product's name,
        a listing's date) that a vanished one held.
        """
        held = {self.maps["enterprise"][s] for s in self.edited_here}
        for name in reversed(("enterprise", *OWNED_TABLES)):
            gone = sorted(
                target for source_row, target in self.maps[name].items()
                if target > 0 and source_row not in present[name]
            )  # fmt: skip
            if held:
                owners = self._enterprise_of(name, gone)
                gone = [target for target in gone if owners.get(target) not in held]
            if gone:  # merge_row keeps their ids: the source's change log still names them
                still_there = len(self._current(name, (), gone))
                self.writing.remove_copied(name, gone)
                self.counts[f"{name}_removed"] += still_there

    def _batches(self) -> None:
        columns = BATCH_COLUMNS[:-2]
        rows = [row for part in self._read("import_batch", (*columns, "region")) for row in part]
        fresh = [row[0] for row in rows if row[0] not in self.maps["import_batch"]]
        self._map_new("import_batch", fresh)
        mapping = self.maps["import_batch"]
        reverted_by = columns.index("reverted_by")
        wanted = {}
        for source_row, *values, region in rows:
            values[reverted_by] = self._translate("reverted_by", values[reverted_by], f"batch {source_row}")
            wanted[mapping[source_row]] = (*values, region or self.region, source_row)
        old = self._current("import_batch", BATCH_COLUMNS, list(wanted))
        added = [
            {"id": i, **dict(zip(BATCH_COLUMNS, v, strict=True))} for i, v in wanted.items() if i not in old
        ]
        # a handful changed: a batch reverted or finished since the last merge
        changed = [
            {"id": i, **dict(zip(BATCH_COLUMNS, v, strict=True))}
            for i, v in wanted.items()
            if i in old and old[i] != v
        ]
        self.writing.copy_batches(added, changed)
        self.counts["batches_added"] += len(added)
        self.counts["batches_changed"] += len(changed)

    def _standards(self) -> None:
        """Match the source's standards by code; add the ones the target lacks."""
        table = _table("standard")
        columns = tuple(c for c in ROW_COLUMNS["standard"] if c != "outdated_from")  # derived, recomputed
        rows = [row for part in self._read("standard", columns) for row in part]
        mapping = self.maps["standard"]
        known = {code: id_ for code, id_ in self.connection.execute(select(table.c.code, table.c.id))}
        fresh = []
        for source_row, code, *_ in rows:
            if source_row in mapping:
                continue
            if code in known:
                mapping[source_row] = known[code]
                self.new_rows.append((self.source_id, "standard", source_row, known[code]))
            else:
                fresh.append(source_row)
        self._map_new("standard", fresh)
        ours = set(self.maps["import_batch"].values())
        edited = {row[0] for row in self.connection.execute(text(_STANDARDS_EDITED_HERE))}
        current = self._current("standard", columns, [mapping[row[0]] for row in rows])
        added, changed, links, filled = [], [], [], []
        for source_row, *source_values in rows:
            values = dict(zip(columns, source_values, strict=True))
            for column in ("replaced_by_id", "batch_id"):
                values[column] = self._translate(column, values[column], f"standard {values['code']}")
            target_id = mapping[source_row]
            stored = current.get(target_id)
            if stored is None:
                added.append({"id": target_id, **values, "replaced_by_id": None})
                if values["replaced_by_id"] is not None:  # once every standard exists
                    links.append((target_id, {"replaced_by_id": values["replaced_by_id"]}))
                continue
            old = dict(zip(columns, stored, strict=True))
            if old["batch_id"] in ours and target_id not in edited:  # the region keeps it up to date
                values = {c: old[c] if values[c] is None else values[c] for c in columns}
            else:  # the target's own facts (or an earlier region's) win; the source fills gaps
                if any(
                    old[c] is not None and values[c] is not None and old[c] != values[c]
                    for c in STANDARD_FACTS
                ):
                    self.counts["standards_facts_kept"] += 1
                values = {c: values[c] if old[c] is None else old[c] for c in columns}
                difference = {c: values[c] for c in columns if values[c] != old[c]}
                if difference:  # no log of the region's explains it: this batch's own change
                    filled.append(FactChange(target_id, old, difference, old["batch_id"]))
                continue
            difference = {c: values[c] for c in columns if values[c] != old[c]}
            if difference:
                changed.append((target_id, difference))
        self.writing.copy_rows(
            "standard", columns, [(row["id"], *(row[c] for c in columns)) for row in added]
        )
        for target_id, difference in [*changed, *links]:
            self.writing.copy_rows("standard", tuple(difference), (), [(*difference.values(), target_id)])
        self.writing.set_facts("standard", filled, as_of=self.writing.as_of)
        self.counts["standards_added"] += len(added)
        self.counts["standards_changed"] += len(changed) + len(filled)
        self.standards_touched = bool(added or changed or filled)

    def _enterprises(self) -> None:
        """Add the source's enterprises, tagged with the region; report those held from elsewhere."""
        columns = ("org_code", "uscc", "batch_id", "region")
        mapping = self.maps["enterprise"]
        by_org: dict[str, str | None] = {}
        by_uscc: dict[str, str | None] = {}
        for org_code, uscc, region in self.connection.execute(
            text("SELECT org_code, uscc, region FROM enterprise")
        ):
            by_org[org_code] = region
            if uscc:
                by_uscc[uscc] = region
        rows = [row for part in self._read("enterprise", columns) for row in part]
        fresh, conflicting = [], []
        for source_row, org_code, uscc, _batch, _region in rows:
            if source_row in mapping:
                continue
            if org_code in by_org or (uscc and uscc in by_uscc):
                held_by = by_org[org_code] if org_code in by_org else by_uscc[uscc]
                conflicting.append((source_row, org_code, uscc, held_by))
                self.skipped["enterprise"].add(source_row)
            else:
                fresh.append(source_row)
        names = self._source_names([row[0] for row in conflicting])
        self.conflicts += [
            Conflict(org_code, uscc, names.get(source_row), self.region, held_by)
            for source_row, org_code, uscc, held_by in conflicting
        ]
        self._map_new("enterprise", fresh)
        kept = []
        for source_row, org_code, uscc, batch, region in rows:
            if source_row not in self.skipped["enterprise"]:
                batch = self._translate("batch_id", batch, f"enterprise {org_code}")
                kept.append((mapping[source_row], org_code, uscc, batch, region or self.region))
        self._sync("enterprise", columns, kept, set(mapping[s] for s in fresh))

    def _owned(self, name: str) -> None:
        """Copy one table of rows under the enterprises (versions, products, executions)."""
        columns = ROW_COLUMNS[name]
        owner = columns.index(OWNER[name])
        parents = self.skipped[PARENT[name]]
        mapping = self.maps[name]
        references = [(i, c) for i, c in enumerate(columns) if c in REFERENCES]
        for part in self._read(name, columns):
            kept = []
            for row in part:
                if row[1 + owner] in parents:
                    self.skipped[name].add(row[0])
                else:
                    kept.append(row)
            fresh = [row[0] for row in kept if row[0] not in mapping]
            self._map_new(name, fresh)
            translated = []
            for source_row, *values in kept:
                for i, column in references:
                    values[i] = self._translate(column, values[i], f"{name} {source_row}")
                translated.append((mapping[source_row], *values))
            self._sync(name, columns, translated, set(mapping[s] for s in fresh))

    def _sync(self, name: str, columns: Sequence[str], rows: list[tuple[Any, ...]], fresh: set[int]) -> None:
        """Write rows (target id first): insert the new ones, update those that differ."""
        stored = self._current(name, columns, [row[0] for row in rows if row[0] not in fresh])
        added = [row for row in rows if row[0] not in stored]
        changed = [(*row[1:], row[0]) for row in rows if row[0] in stored and stored[row[0]] != row[1:]]
        self.writing.copy_rows(name, columns, added, changed)
        self.counts[f"{name}_added"] += len(added)
        self.counts[f"{name}_changed"] += len(changed)

    def _change_log(self) -> None:
        """Copy the change log entries not copied yet, every id translated.

        Entries about an enterprise left out (a conflict, or held by a change here)
        wait: they come with the enterprise, on the merge that brings it.
        """
        batches = self.maps["import_batch"]
        copied = self.maps.setdefault("change_log", {})
        for part in self._read("change_log", LOG_COLUMNS):
            entries, rows = [], []
            for entry, batch, table, row_id, owner, op, row_batch, *dates, old_values, reason in part:
                if entry in copied:
                    continue
                owner_table = table if OWNER[table] == "id" else REFERENCES[OWNER[table]]
                old = json.loads(old_values)
                if (
                    row_id in self.skipped[table]
                    or owner in self.skipped[owner_table]
                    or old.get("enterprise_id") in self.skipped["enterprise"]
                    or old.get("product_id") in self.skipped["product"]
                ):
                    self.counts["change_log_left_out"] += 1
                    continue
                for key, value in old.items():
                    if key in REFERENCES and value is not None:
                        target_table = REFERENCES[key]
                        old[key] = (
                            batches.get(value, value) if target_table == "import_batch"
                            else self._target(target_table, value)
                        )  # fmt: skip
                entries.append(entry)
                rows.append((
                    batches[batch], table, self._target(table, row_id),
                    None if owner is None else self._target(owner_table, owner), op,
                    None if row_batch is None else batches.get(row_batch), *dates,
                    json.dumps(old, ensure_ascii=False), reason,
                ))  # fmt: skip
            self._map_new("change_log", entries)
            self.counts["change_log_copied"] += self.writing.copy_log(
                [(copied[e], *row) for e, row in zip(entries, rows, strict=True)]
            )

    def _source_enterprises(self, ids: Sequence[int]) -> Iterator[tuple[Any, ...]]:
        for part in self._read_where("enterprise", ("id", "org_code", "uscc", "batch_id", "region"), ids):
            yield from (row[1:] for row in part)

    def _enterprise_of(self, name: str, ids: Sequence[int]) -> dict[int, int]:
        """The target enterprise each of these target rows belongs to."""
        if name == "enterprise":
            return {i: i for i in ids}
        sql = (
            f"SELECT id, enterprise_id FROM {name} WHERE id IN"
            if name in ("enterprise_version", "enterprise_snapshot", "product")
            else f"SELECT r.id, p.enterprise_id FROM {name} r JOIN product p ON p.id = r.product_id "
            "WHERE r.id IN"
        )
        return {row[0]: row[1] for row in self.bulk.select_in(sql, list(ids))}

    def _source_names(self, ids: Sequence[int]) -> dict[int, str]:
        """The latest name of each of these source enterprises."""
        names: dict[int, str] = {}
        for part in self._read_where("enterprise_version", ("enterprise_id", "valid_from", "name"), ids):
            for _, enterprise, _valid_from, name in sorted(part, key=lambda row: row[2]):
                names[enterprise] = name
        return names

    def _read_where(self, name: str, columns: Sequence[str], owners: Sequence[int]) -> Iterator[list[Any]]:
        for start in range(0, len(owners), CHUNK):
            part = list(owners[start : start + CHUNK])
            yield from self._read(name, columns, where=lambda t, part=part: t.c[columns[0]].in_(part))
