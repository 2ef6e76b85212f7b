"""Dated versions of a register fact, and how a new statement changes them.

A fact (an enterprise's attributes, a product's registration, an execution)
is a list of disjoint versions, each holding on [valid_from, valid_to). A file
imported as of D *states* the fact on D, or (``--complete``) *drops* it on D.
These are pure functions: they return a Plan of row changes and never touch
the database.

Stating values on D where a version covers D splits it at D, so the past keeps
what it said; where none covers D, a new version runs from D until the next
known version (or ``cap``, the next complete listing that left the fact out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stdreg.models import OPEN_END

ADDED = "added"
CHANGED = "changed"
UNCHANGED = "unchanged"
DROPPED = "dropped"
ABSENT = "absent"


@dataclass(slots=True)
class Version:
    id: int | None
    valid_from: dt.date
    valid_to: dt.date
    values: tuple[Any, ...] = ()


@dataclass(slots=True)
class Plan:
    """Row changes that carry out one statement about one fact."""

    outcome: str
    inserts: Sequence[Version] = ()
    updates: Sequence[Version] = ()  # id, new valid_to and values
    deletes: Sequence[int] = ()


def covering(versions: Sequence[Version], on: dt.date) -> Version | None:
    """The version that holds on ``on``, if any."""
    for version in versions:
        if version.valid_from <= on < version.valid_to:
            return version
    return None


def merge_values(old: tuple[Any, ...], new: tuple[Any, ...]) -> tuple[Any, ...]:
    """New values over old ones; None in ``new`` means unknown and keeps the old value.

    >>> merge_values(("a", None, 3), (None, "b", 4))
    ('a', 'b', 4)
    """
    return tuple(o if n is None else n for o, n in zip(old, new, strict=True))


def state(
    versions: Sequence[Version],
    on: dt.date,
    values: tuple[Any, ...] = (),
    *,
    cap: dt.date = OPEN_END,
) -> Plan:
    """State the fact (with these values) on ``on``.

    >>> d = dt.date
    >>> v = [Version(1, d(2011, 12, 31), OPEN_END, ("湖镇镇",))]
    >>> state(v, d(2012, 12, 31), ("龙洲街道",)).outcome
    'changed'
    >>> state(v, d(2012, 12, 31), (None,)).outcome
    'unchanged'
    >>> plan = state(v, d(2010, 12, 31), ("詹家镇",))
    >>> plan.outcome, plan.inserts[0].valid_to
    ('added', datetime.date(2011, 12, 31))
    """
    if not versions:  # the common case: a fact seen for the first time
        return Plan(ADDED, (Version(None, on, cap, values),)) if cap > on else Plan(ABSENT)
    current = covering(versions, on)
    if current is not None:
        merged = merge_values(current.values, values)
        if merged == current.values:
            return Plan(UNCHANGED)
        if current.valid_from == on:
            assert current.id is not None
            return Plan(CHANGED, updates=[Version(current.id, on, current.valid_to, merged)])
        assert current.id is not None
        return Plan(
            CHANGED,
            updates=[Version(current.id, current.valid_from, on, current.values)],
            inserts=[Version(None, on, current.valid_to, merged)],
        )
    later = [v.valid_from for v in versions if v.valid_from > on]
    end = min([cap, *later])
    if end <= on:  # a complete listing on the same day left it out: it cannot hold
        return Plan(ABSENT)
    return Plan(ADDED, inserts=[Version(None, on, end, values)])


def drop(versions: Sequence[Version], on: dt.date) -> Plan:
    """The fact no longer holds from ``on`` (kept in history before it).

    >>> d = dt.date
    >>> plan = drop([Version(7, d(2011, 12, 31), OPEN_END)], d(2012, 12, 31))
    >>> plan.outcome, plan.updates[0].valid_to
    ('dropped', datetime.date(2012, 12, 31))
    """
    current = covering(versions, on)
    if current is None:
        return Plan(ABSENT)
    assert current.id is not None
    if current.valid_from == on:
        return Plan(DROPPED, deletes=[current.id])
    return Plan(DROPPED, updates=[Version(current.id, current.valid_from, on, current.values)])
