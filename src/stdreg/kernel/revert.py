"""Undoing one batch: what it overwrote put back from the change log, what it inserted deleted.

A batch can be undone alone only while no later batch built on it
(:func:`dependents` says which did, and why); the undo is itself a batch, of kind
``revert``, and the batch undone stays, marked ``reverted_by``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, text

from stdreg.errors import InputError, UsageError
from stdreg.kernel.batch import Batch, open_batch, write_transaction
from stdreg.kernel.changelog import REVERT, iso
from stdreg.kernel.standards import refresh_outdated
from stdreg.kernel.tables import DATE_COLUMNS, ROW_COLUMNS

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from stdreg.store import Register


class RevertRefused(InputError):
    """Later batches built on the batch: it cannot be undone alone (nothing was written)."""


@dataclass
class RevertResult:
    batch_id: int
    revert_batch_id: int | None
    counts: Counter[str] = field(default_factory=Counter)


_LATER = "(SELECT id FROM import_batch WHERE id > :n AND kind <> 'revert' AND reverted_by IS NULL)"

_DEPENDENCY_RULES: tuple[tuple[str, str], ...] = (
    (
        "changed or closed rows it wrote",
        f"SELECT DISTINCT batch_id FROM change_log WHERE row_batch_id = :n AND batch_id IN {_LATER}",
    ),
    (
        "changed rows it changed too",
        "SELECT DISTINCT l.batch_id FROM change_log l JOIN change_log m "
        "ON m.table_name = l.table_name AND m.row_id = l.row_id "
        f"WHERE m.batch_id = :n AND l.batch_id IN {_LATER}",
    ),
    (
        "wrote attributes of an enterprise it created",
        "SELECT DISTINCT v.batch_id FROM enterprise_version v JOIN enterprise e ON e.id = v.enterprise_id "
        f"WHERE e.batch_id = :n AND v.batch_id IN {_LATER}",
    ),
    (
        "wrote products of an enterprise it created",
        "SELECT DISTINCT p.batch_id FROM product p JOIN enterprise e ON e.id = p.enterprise_id "
        f"WHERE e.batch_id = :n AND p.batch_id IN {_LATER}",
    ),
    (
        "listed an enterprise it created",
        "SELECT DISTINCT s.batch_id FROM enterprise_snapshot s JOIN enterprise e ON e.id = s.enterprise_id "
        f"WHERE e.batch_id = :n AND s.batch_id IN {_LATER}",
    ),
    (
        "wrote a product it created",
        "SELECT DISTINCT v.batch_id FROM product_version v JOIN product p ON p.id = v.product_id "
        f"WHERE p.batch_id = :n AND v.batch_id IN {_LATER}",
    ),
    (
        "wrote standards of a product it created",
        "SELECT DISTINCT x.batch_id FROM execution x JOIN product p ON p.id = x.product_id "
        f"WHERE p.batch_id = :n AND x.batch_id IN {_LATER}",
    ),
    (
        "wrote products made to a standard it created",
        "SELECT DISTINCT x.batch_id FROM execution x JOIN standard s ON s.id = x.standard_id "
        f"WHERE s.batch_id = :n AND x.batch_id IN {_LATER}",
    ),
    (
        "linked a standard to one it created",
        "SELECT DISTINCT l.batch_id FROM change_log l JOIN standard s ON s.id = l.row_id "
        "JOIN standard r ON r.id = s.replaced_by_id "
        f"WHERE l.table_name = 'standard' AND r.batch_id = :n AND l.batch_id IN {_LATER}",
    ),
    # A version written later for an earlier date ends where this batch's version begins:
    # without it, that version would have run on.
    (
        "wrote versions that end where its versions begin",
        "SELECT DISTINCT m.batch_id FROM enterprise_version m JOIN enterprise_version v "
        "ON v.enterprise_id = m.enterprise_id AND v.valid_from = m.valid_to "
        f"WHERE v.batch_id = :n AND m.batch_id IN {_LATER} "
        "UNION SELECT DISTINCT m.batch_id FROM product_version m JOIN product_version v "
        "ON v.product_id = m.product_id AND v.valid_from = m.valid_to "
        f"WHERE v.batch_id = :n AND m.batch_id IN {_LATER} "
        "UNION SELECT DISTINCT m.batch_id FROM execution m JOIN execution v "
        "ON v.product_id = m.product_id AND v.standard_id = m.standard_id AND v.valid_from = m.valid_to "
        f"WHERE v.batch_id = :n AND m.batch_id IN {_LATER}",
    ),
    (
        "wrote versions cut short by its complete listing",
        "SELECT DISTINCT m.batch_id FROM enterprise_snapshot s JOIN product p "
        "ON p.enterprise_id = s.enterprise_id "
        "JOIN product_version m ON m.product_id = p.id AND m.valid_to = s.as_of "
        f"WHERE s.batch_id = :n AND m.batch_id IN {_LATER} "
        "UNION SELECT DISTINCT m.batch_id FROM enterprise_snapshot s JOIN product p "
        "ON p.enterprise_id = s.enterprise_id "
        "JOIN execution m ON m.product_id = p.id AND m.valid_to = s.as_of "
        f"WHERE s.batch_id = :n AND m.batch_id IN {_LATER}",
    ),
)
"""Why a later batch depends on batch :n; each query names the later batches (not reverted)."""


def dependents(connection: Connection, batch_id: int) -> dict[int, list[str]]:
    """The later batches that built on ``batch_id``, each with why (empty: it can be reverted).

    A later batch depends on it when it changed or closed a row the batch wrote,
    changed a row the batch changed too, wrote rows about an enterprise, product
    or standard the batch created, or wrote versions whose dates the batch's own
    versions or complete listings decided. Reverted batches and reverts do not count.
    """
    found: dict[int, list[str]] = defaultdict(list)
    for reason, sql in _DEPENDENCY_RULES:
        for (later,) in connection.execute(text(sql), {"n": batch_id}):
            if later is not None and reason not in found[later]:
                found[later].append(reason)
    return dict(sorted(found.items()))


def revert_batch(
    register: Register, batch_id: int, *, command: str, user: str | None, dry_run: bool = False
) -> RevertResult:
    """Undo one batch, as one new batch of kind ``revert``.

    Rows the batch changed or deleted get back their old values from the change
    log; rows it inserted are deleted; the enterprises, products and standards
    it created are deleted when nothing refers to them any more. The batch and
    its change log stay, marked ``reverted_by``. Raises :class:`RevertRefused`
    when later batches depend on it (see :func:`dependents`) and UsageError when
    there is no such batch, it is a revert, or it was reverted already.
    """
    with write_transaction(register, dry_run=dry_run) as connection:
        batch = (
            connection.execute(
                text(
                    "SELECT id, kind, file_name, as_of, reverted_by, region, source_batch_id "
                    "FROM import_batch WHERE id = :n"
                ),
                {"n": batch_id},
            )
            .mappings()
            .first()
        )
        if batch is None:
            raise UsageError(
                f"there is no batch {batch_id} (`stdreg history` shows the batches of each change)"
            )
        if batch["source_batch_id"] is not None or batch["kind"] == "merge":
            raise UsageError(
                f"batch {batch_id} came from the register of {batch['region']}: revert it there "
                "and merge that register again"
            )
        if batch["kind"] == REVERT:
            raise UsageError(f"batch {batch_id} is itself a revert; import the file again instead")
        if batch["reverted_by"] is not None:
            raise UsageError(f"batch {batch_id} was reverted already, by batch {batch['reverted_by']}")
        blocking = dependents(connection, batch_id)
        if blocking:
            names = _batch_names(connection, list(blocking))
            lines = "\n".join(
                f"  batch {later} ({names.get(later, '?')}) {'; '.join(reasons)}"
                for later, reasons in blocking.items()
            )
            raise RevertRefused(
                f"batch {batch_id} ({batch['file_name']}) cannot be reverted alone, nothing was changed: "
                f"later batches built on it:\n{lines}\n"
                f"revert those first, latest first ({', '.join(str(b) for b in reversed(blocking))})"
            )
        as_of = batch["as_of"]
        if isinstance(as_of, str):
            as_of = dt.date.fromisoformat(as_of)
        with open_batch(connection, REVERT, command, as_of=as_of, user=user) as revert:
            revert.summary_head["reverts"] = batch_id
            _restore(revert, batch_id)
            _delete_inserted(revert, batch_id)
            revert.counts["standards_outdated_recomputed"] += refresh_outdated(connection)
        connection.execute(
            text("UPDATE import_batch SET reverted_by = :r WHERE id = :n"), {"r": revert.id, "n": batch_id}
        )
    return RevertResult(batch_id, None if dry_run else revert.id, revert.counts)


def _batch_names(connection: Connection, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = connection.execute(
        text("SELECT id, kind, file_name, as_of FROM import_batch WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": ids},
    )
    return {row.id: f"{row.kind} {row.file_name}, as of {iso(row.as_of)}" for row in rows}


def _restore(revert: Batch, batch_id: int) -> None:
    """Give back every row the batch changed or deleted the values it had before the batch."""
    connection, bulk, counts = revert.connection, revert.bulk, revert.counts
    merged: dict[tuple[str, int], dict[str, Any]] = {}
    deleted: set[tuple[str, int]] = set()
    entries = connection.execute(
        text(
            "SELECT table_name, row_id, op, row_batch_id, old_valid_to, old_values FROM change_log "
            "WHERE batch_id = :n ORDER BY id"
        ),
        {"n": batch_id},
    )
    for table, row_id, op, row_batch_id, old_valid_to, old_values in entries:
        if row_batch_id == batch_id:
            continue  # a row the batch wrote itself: it goes with the batch's other rows
        key = (table, row_id)
        state = merged.setdefault(key, {})
        # the batch's first record of each column holds the value from before the batch
        for name, value in json.loads(old_values).items():
            state.setdefault(name, value)
        if old_valid_to is not None:
            state.setdefault("valid_to", iso(old_valid_to))
        if op == "delete":
            deleted.add(key)
    by_table: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for (table, row_id), state in merged.items():
        by_table[table].append((row_id, state))
    for table, rows in by_table.items():
        back = [(row_id, state) for row_id, state in rows if (table, row_id) in deleted]
        if back:
            columns = ROW_COLUMNS[table]
            bulk.insert(
                table,
                ("id", *columns),
                [(row_id, *(_stored(name, state.get(name)) for name in columns)) for row_id, state in back],
            )
            counts[f"{table}_restored"] += len(back)
        changed = [(row_id, state) for row_id, state in rows if (table, row_id) not in deleted]
        if not changed:
            continue
        groups: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for row_id, state in changed:
            groups[tuple(sorted(state))].append((row_id, state))
        for columns, group in groups.items():
            revert.rewrite(
                table,
                columns,
                [(*(_stored(name, state[name]) for name in columns), row_id) for row_id, state in group],
                as_of=None,
                reason=REVERT,
            )
        counts[f"{table}_restored"] += len(changed)


def _stored(name: str, value: Any) -> Any:
    """A value from the log's JSON as the database takes it (dates are ISO text in the log)."""
    if isinstance(value, str) and (name in DATE_COLUMNS or name.endswith("_on")):
        return dt.date.fromisoformat(value)
    return value


def _delete_inserted(revert: Batch, batch_id: int) -> None:
    """Delete the rows the batch inserted, then what it created that nothing refers to any more."""
    connection, bulk, counts = revert.connection, revert.bulk, revert.counts

    def ids(sql: str) -> list[int]:
        return [row[0] for row in connection.exec_driver_sql(sql, (batch_id,))]

    mark = bulk.mark
    for table in ("execution", "product_version", "enterprise_snapshot", "enterprise_version"):
        gone = ids(f"SELECT id FROM {table} WHERE batch_id = {mark}")
        if gone:
            revert.delete(table, gone, as_of=None, reason=REVERT)
            counts[f"{table}_deleted"] += len(gone)
    created = {
        "product": (
            f"SELECT id FROM product p WHERE batch_id = {mark} "
            "AND NOT EXISTS (SELECT 1 FROM product_version v WHERE v.product_id = p.id) "
            "AND NOT EXISTS (SELECT 1 FROM execution x WHERE x.product_id = p.id)"
        ),
        "standard": (
            f"SELECT id FROM standard s WHERE batch_id = {mark} "
            "AND NOT EXISTS (SELECT 1 FROM execution x WHERE x.standard_id = s.id) "
            "AND NOT EXISTS (SELECT 1 FROM standard r WHERE r.replaced_by_id = s.id)"
        ),
        "enterprise": (
            f"SELECT id FROM enterprise e WHERE batch_id = {mark} "
            "AND NOT EXISTS (SELECT 1 FROM enterprise_version v WHERE v.enterprise_id = e.id) "
            "AND NOT EXISTS (SELECT 1 FROM product p WHERE p.enterprise_id = e.id) "
            "AND NOT EXISTS (SELECT 1 FROM enterprise_snapshot s WHERE s.enterprise_id = e.id)"
        ),
    }
    for table, sql in created.items():
        gone = ids(sql)
        if gone:
            revert.delete(table, gone, as_of=None, reason=REVERT)
            counts[f"{table}_deleted"] += len(gone)
