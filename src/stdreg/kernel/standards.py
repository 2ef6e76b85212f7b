"""The register's standards: new rows, ids by code, when each is outdated, where a chain ends.

A standard is keyed by its normalized code and shared by every product made to it;
register imports, catalogs and updates all add the codes they meet through
:func:`add_standards`. Its facts carry their own dates, and ``outdated_from`` is
derived from them (:func:`refresh_outdated`, after any batch that touched a fact).

A catalog links each replaced standard to the one that replaces it
(``standard.replaced_by_id``); the replacement may itself be replaced later.
``stdreg check`` and ``stdreg lookup`` both tell the officer what to move to:
the newest standard along that chain that is not itself outdated on the date
(:func:`replacement_ends`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update

from stdreg.codes.lifecycle import outdated_from
from stdreg.codes.standard_code import StandardCode, implied_adoption
from stdreg.kernel.bulk import Bulk
from stdreg.kernel.tables import ROW_COLUMNS, table

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from stdreg.kernel.batch import Batch

STANDARD = table("standard")
NEW_STANDARD_COLUMNS = (
    "code", "prefix", "level", "nature", "number", "part", "year", "title", "adopted_code", "degree",
    "batch_id",
)  # fmt: skip
"""The columns a new standard can have values in: its code's parts, title, adoption, batch."""


def standard_row(
    code: StandardCode,
    *,
    title: str | None = None,
    adopted: str | None = None,
    degree: str | None = None,
    batch_id: int | None = None,
) -> dict[str, Any]:
    """A new ``standard`` row for a parsed code: every column, the facts not given left NULL."""
    implied = implied_adoption(code)
    if implied is not None and degree is None:
        adopted, degree = implied
    row = dict.fromkeys(ROW_COLUMNS["standard"])
    row.update(
        code=code.code, prefix=code.prefix, level=code.level, nature=code.nature, number=code.number,
        part=code.part, year=code.year, title=title, adopted_code=adopted, degree=degree, batch_id=batch_id,
    )  # fmt: skip
    return row


def standard_ids(bulk: Bulk, codes: Sequence[str]) -> dict[str, int]:
    """The ids of those of these codes the register holds."""
    return {
        code: sid for sid, code in bulk.select_in("SELECT id, code FROM standard WHERE code IN", list(codes))
    }


def add_standards(batch: Batch, rows: Sequence[Mapping[str, Any]], *, racing: bool = False) -> int:
    """Add new standards (rows from :func:`standard_row`); how many were added.

    ``racing``: another writer may be adding the same code right now (updates on a
    server run side by side); each row then waits for it and is left out if it won.
    """
    values = [tuple(row[c] for c in NEW_STANDARD_COLUMNS) for row in rows]
    if not racing:
        added = batch.bulk.insert("standard", NEW_STANDARD_COLUMNS, values)
    else:
        marks = ", ".join([batch.bulk.mark] * len(NEW_STANDARD_COLUMNS))
        added = sum(
            batch.connection.exec_driver_sql(
                f"INSERT INTO standard ({', '.join(NEW_STANDARD_COLUMNS)}) VALUES ({marks}) "
                "ON CONFLICT (code) DO NOTHING",
                row,
            ).rowcount
            for row in values
        )
    batch.counts["standards_added"] += added
    return added


def refresh_outdated(connection: Connection) -> int:
    """Recompute ``standard.outdated_from`` from status, dates and replacement links; how many changed."""
    rows = connection.execute(
        select(
            STANDARD.c.id,
            STANDARD.c.status,
            STANDARD.c.status_on,
            STANDARD.c.withdrawn_on,
            STANDARD.c.replaced_by_id,
            STANDARD.c.replaced_noted_on,
            STANDARD.c.implemented_on,
            STANDARD.c.outdated_from,
        )
    ).all()
    implemented = {row.id: row.implemented_on for row in rows}
    changes = []
    for row in rows:
        value = outdated_from(
            status=row.status,
            status_on=row.status_on,
            withdrawn_on=row.withdrawn_on,
            replaced=row.replaced_by_id is not None,
            replacement_effective_on=implemented.get(row.replaced_by_id) if row.replaced_by_id else None,
            replaced_noted_on=row.replaced_noted_on,
        )
        if value != row.outdated_from:
            changes.append({"b_id": row.id, "outdated_from": value})
    if changes:
        connection.execute(
            update(STANDARD)
            .where(STANDARD.c.id == bindparam("b_id"))
            .values(outdated_from=bindparam("outdated_from")),
            changes,
        )
    return len(changes)


def replacement_ends(connection: Connection, starts: Iterable[int], as_of: dt.date) -> dict[int, str]:
    """For each replacing standard's id, the code at the end of its chain of replacements on ``as_of``.

    The walk goes from a standard to the one that replaces it for as long as
    the standard reached is outdated on ``as_of`` and has a replacement; it
    stops at the first that is current (or upcoming, or withdrawn without
    successor), at a link to a standard that is not in the register, and at a
    cycle. The chains are read level by level, all of them at once (one
    chunked read per step along the longest chain, never one per standard).
    """
    wanted = set(starts)
    bulk = Bulk(connection)
    known: dict[int, tuple[str, dt.date | None, int | None]] = {}
    frontier = sorted(wanted)
    while frontier:
        statement = "SELECT id, code, outdated_from, replaced_by_id FROM standard WHERE id IN"
        fetched = list(bulk.select_in(statement, frontier, dates=[2]))
        following = set()
        for sid, code, outdated, successor in fetched:
            known[sid] = (code, outdated, successor)
            if outdated is not None and outdated <= as_of and successor is not None:
                following.add(successor)
        frontier = sorted(following - known.keys())
    ends: dict[int, str] = {}
    for start in wanted:
        current: int | None = start
        seen: set[int] = set()
        end: str | None = None
        while current is not None and current not in seen and current in known:
            seen.add(current)
            end, outdated, successor = known[current]
            if outdated is None or outdated > as_of:
                break
            current = successor
        if end is not None:
            ends[start] = end
    return ends
