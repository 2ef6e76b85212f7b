"""Dated versions as the register holds them: read for a set of owners, and written from plans.

``stdreg.timeline`` works out, without the database, how a statement changes a
fact's versions (a :class:`~stdreg.timeline.Plan`); this module reads the versions
a plan starts from and writes the plans back, logging every version they end,
rewrite or delete (``stdreg.kernel.changelog``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from stdreg.kernel.bulk import Bulk
from stdreg.kernel.changelog import ChangeLog, iso
from stdreg.kernel.tables import DATE_COLUMNS, written_fields
from stdreg.models import OPEN_END, STATED_BITS
from stdreg.timeline import Plan, Version, stated_bits


def read_versions(bulk: Bulk, table: str, owner: str, owner_ids: Sequence[int]) -> dict[int, list[Version]]:
    """Every version of each owner (``enterprise_id`` of enterprise versions …), in date order."""
    fields = written_fields(table)
    query = (
        f"SELECT id, {owner}, valid_from, valid_to{''.join(', ' + f for f in fields)} FROM {table} "
        f"WHERE {owner} IN"
    )
    dates = [2, 3] + [4 + i for i, name in enumerate(fields) if name.endswith("_on")]
    stated = table in STATED_BITS
    versions: dict[int, list[Version]] = defaultdict(list)
    for row in sorted(bulk.select_in(query, list(owner_ids), dates=dates), key=lambda r: r[2]):
        values = tuple(row[4:-1]) if stated else tuple(row[4:])
        versions[row[1]].append(Version(row[0], row[2], row[3], values, row[-1] if stated else None))
    return versions


def apply_plans(
    bulk: Bulk,
    log: ChangeLog,
    table: str,
    keys: Sequence[str],
    fields: Sequence[str],
    plans: Sequence[tuple[Any, Plan]],
    *,
    batch_id: int,
    as_of: dt.date | None,
    reason: str | None = None,
) -> None:
    """Write the plans of one version table: inserts, then updates and deletes, logged.

    ``keys`` are the columns that say whose version it is (``enterprise_id``;
    ``product_id, standard_id``); each plan comes with its key value(s). An
    update that moves a version's end records this batch as the one that closed it.
    """
    single = len(keys) == 1
    stated = table in STATED_BITS
    if stated:
        fields = (*fields, "stated")

    def written(v: Version) -> tuple[Any, ...]:
        return (*v.values, v.stated) if stated else v.values

    # one comprehension per shape: this runs once for every row of a province's file
    if stated:
        inserts = [
            ((key,) if single else tuple(key)) + (v.valid_from, v.valid_to, batch_id, *v.values, v.stated)
            for key, plan in plans
            for v in plan.inserts
        ]
    else:
        inserts = [
            ((key,) if single else tuple(key)) + (v.valid_from, v.valid_to, batch_id, *v.values)
            for key, plan in plans
            for v in plan.inserts
        ]
    bulk.insert(table, (*keys, "valid_from", "valid_to", "batch_id", *fields), inserts)
    updates = [v for _, plan in plans for v in plan.updates]
    deletes = [gone for _, plan in plans for gone in plan.deletes]
    if not updates and not deletes:
        return
    old = log.before(table, [v.id for v in updates if v.id is not None], deletes, as_of=as_of, reason=reason)
    closing = []
    in_place = []
    for v in updates:
        # a version without value columns (an execution) is only ever updated to end it
        if not fields or iso(v.valid_to) != old[v.id]["valid_to"]:  # type: ignore[index]
            closing.append((v.valid_to, *written(v), batch_id, v.id))
        else:
            in_place.append((*written(v), v.id))
    bulk.update(table, ("valid_to", *fields, "closed_batch_id"), closing)
    bulk.update(table, tuple(fields), in_place)
    bulk.delete(table, deletes)


def insert_fresh(
    bulk: Bulk,
    table: str,
    keys: Sequence[str],
    fields: Sequence[str],
    facts: Sequence[tuple[Any, dt.date, tuple[Any, ...]]],
    *,
    batch_id: int,
    valid_from: dt.date,
) -> int:
    """Insert the first version of facts that have none yet; how many were inserted.

    Each fact is its key value(s), the version's end and its values (none for an
    execution), stated on ``valid_from``: what ``timeline.state`` plans for a fact
    without versions, written without a plan per fact. Nothing is ended, rewritten
    or deleted, so nothing is logged: the inserted rows carry this batch's id. A fact
    whose end is not after ``valid_from`` cannot hold, and the caller leaves it out.
    """
    single = len(keys) == 1
    columns = (*keys, "valid_from", "valid_to", "batch_id", *fields)
    # rows built ready for the driver: each distinct end and value tuple converted once
    start = bulk.value(valid_from)
    ends: dict[dt.date, Any] = {}
    if table in STATED_BITS:
        dated = [i for i, name in enumerate(fields) if name in DATE_COLUMNS]
        tails: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # values, then their stated bits
        rows = []
        for key, valid_to, values in facts:
            end = ends.get(valid_to)
            if end is None:
                end = ends[valid_to] = bulk.value(valid_to)
            tail = tails.get(values)
            if tail is None:
                written = list(values)
                for i in dated:
                    written[i] = bulk.value(written[i])
                tail = tails[values] = (*written, stated_bits(values))
            rows.append(((key,) if single else key) + (start, end, batch_id, *tail))
        return bulk.insert(table, (*columns, "stated"), rows, ready=True)
    for _, valid_to, _ in facts:
        if valid_to not in ends:
            ends[valid_to] = bulk.value(valid_to)
    if single:
        rows = [(key, start, ends[valid_to], batch_id) for key, valid_to, _ in facts]
    else:
        rows = [(*key, start, ends[valid_to], batch_id) for key, valid_to, _ in facts]
    return bulk.insert(table, columns, rows, ready=True)


def read_executions(bulk: Bulk, product_ids: Sequence[int]) -> dict[tuple[int, int], list[Version]]:
    """Every execution of each product, by (product, standard), in date order."""
    found: dict[tuple[int, int], list[Version]] = defaultdict(list)
    query = "SELECT id, product_id, standard_id, valid_from, valid_to FROM execution WHERE product_id IN"
    for xid, pid, sid, valid_from, valid_to in sorted(
        bulk.select_in(query, list(product_ids), dates=(3, 4)), key=lambda r: r[3]
    ):
        found[(pid, sid)].append(Version(xid, valid_from, valid_to))
    return found


def next_listings(bulk: Bulk, enterprise_ids: Sequence[int], after: dt.date) -> dict[int, dt.date]:
    """Each enterprise's first complete listing after ``after``, where a fact stated on ``after`` ends."""
    found: dict[int, dt.date] = {}
    for eid, as_of in bulk.select_in(
        f"SELECT enterprise_id, as_of FROM enterprise_snapshot WHERE as_of > {bulk.mark} "
        "AND enterprise_id IN",
        list(enterprise_ids),
        dates=(1,),
        params=(after,),
    ):
        found[eid] = min(found.get(eid, OPEN_END), as_of)
    return found
