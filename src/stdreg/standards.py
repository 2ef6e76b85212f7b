"""Facts about standards that several commands read: where a chain of replacements ends.

A catalog links each replaced standard to the one that replaces it
(``standard.replaced_by_id``); the replacement may itself be replaced later.
``stdreg check`` and ``stdreg lookup`` both tell the officer what to move to:
the newest standard along that chain that is not itself outdated on the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from stdreg.bulk import Bulk

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


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
