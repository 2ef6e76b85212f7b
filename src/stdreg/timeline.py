"""Dated versions of a register fact, and how a new statement changes them.

A fact (an enterprise's attributes, a product's registration, an execution)
is a list of disjoint versions, each holding on [valid_from, valid_to). A file
imported as of D *states* the fact on D, or (``--complete``) *drops* it on D.
These are pure functions: they return a Plan of row changes and never touch
the database.

The versions remember the statements they come from, so that the order in which
files arrive does not matter. A version begins at every date the fact was stated
(by a file or an update), also when nothing changed then, and ``stated`` says
which of its values that statement gave; the others are *inherited* from the
version that ends where it begins (blank cells mean unknown). So the register is
a function of its statements, whatever order they came in: on each day a fact
holds when it was stated on or before that day with no drop since, and each
value is the one the latest such statement gave (SPEC.md, end of "Register
files"). A statement learned late (a 2013 file after the 2014 one) therefore
also fills what the later versions only inherited. Two statements of the same
date are one statement: the later one wins where both give a value, and a drop
of the same date as a statement undoes it.

``cap`` is the next complete listing that left the fact out: a fact stated on D
where no version covers D holds from D until the next version or the cap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
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
    stated: int | None = (
        None  # bit i: values[i] came with this version's own statement; None: its non-null ones
    )


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


def stated_bits(values: Sequence[Any]) -> int:
    """The bits of the values a statement gives: the ones that are not None (unknown).

    >>> stated_bits(("湖镇镇", None, "above"))
    5
    """
    bits = 0
    for i, value in enumerate(values):
        if value is not None:
            bits |= 1 << i
    return bits


def bits_of(names: Sequence[str], fields: Sequence[str]) -> int:
    """The bits of these field names among a table's fields.

    >>> bits_of(["brand"], ("output_value", "brand"))
    2
    """
    return sum(1 << fields.index(name) for name in set(names))


def own_bits(version: Version) -> int:
    """What a version's own statement gave (rows written before that was recorded: their known values)."""
    return version.stated if version.stated is not None else stated_bits(version.values)


def overlay(old: tuple[Any, ...], new: tuple[Any, ...], bits: int) -> tuple[Any, ...]:
    """``new`` where ``bits`` says it was given, ``old`` elsewhere.

    >>> overlay(("a", None, 3), ("x", "b", None), 0b110)
    ('a', 'b', None)
    """
    return tuple(n if bits >> i & 1 else o for i, (o, n) in enumerate(zip(old, new, strict=True)))


def merge_values(old: tuple[Any, ...], new: tuple[Any, ...]) -> tuple[Any, ...]:
    """New values over old ones; None in ``new`` means unknown and keeps the old value.

    >>> merge_values(("a", None, 3), (None, "b", 4))
    ('a', 'b', 4)
    """
    return overlay(old, new, stated_bits(new))


class _Edit:
    """The versions of one fact being changed: which rows to insert, update and delete."""

    def __init__(self, versions: Sequence[Version]) -> None:
        self.versions = sorted(versions, key=lambda v: v.valid_from)
        self.original = {v.id: v for v in self.versions}
        self.inserts: list[Version] = []
        self.deletes: list[int] = []

    def index_of(self, on: dt.date) -> int:
        """The position of the first version that begins on or after ``on``."""
        return next((i for i, v in enumerate(self.versions) if v.valid_from >= on), len(self.versions))

    def put(self, position: int, version: Version) -> None:
        self.versions[position] = version

    def insert(self, position: int, version: Version) -> None:
        self.versions.insert(position, version)
        self.inserts.append(version)

    def delete(self, position: int) -> None:
        gone = self.versions.pop(position)
        if gone.id is not None:
            self.deletes.append(gone.id)
        else:
            self.inserts.remove(gone)

    def inherit_from(self, position: int) -> None:
        """Pass the version at ``position``'s values on to the versions that continue it."""
        for i in range(position + 1, len(self.versions)):
            before, version = self.versions[i - 1], self.versions[i]
            if version.valid_from != before.valid_to:
                return
            values = overlay(before.values, version.values, own_bits(version))
            if values == version.values:
                return
            self.put(i, replace(version, values=values))

    def restart(self, position: int) -> None:
        """The version at ``position`` now begins a run (nothing holds just before it): inherits nothing."""
        if position >= len(self.versions):
            return
        version = self.versions[position]
        values = overlay((None,) * len(version.values), version.values, own_bits(version))
        if values != version.values:
            self.put(position, replace(version, values=values))
            self.inherit_from(position)

    def plan(self, outcome: str) -> Plan:
        updates = [v for v in self.versions if v.id is not None and self._changed(v)]
        return Plan(outcome, inserts=list(self.inserts), updates=updates, deletes=list(self.deletes))

    def _changed(self, version: Version) -> bool:
        old = self.original[version.id]
        return (version.valid_to, version.values, version.stated) != (old.valid_to, old.values, old.stated)


def state(
    versions: Sequence[Version],
    on: dt.date,
    values: tuple[Any, ...] = (),
    *,
    stated: int | None = None,
    cap: dt.date = OPEN_END,
) -> Plan:
    """State the fact on ``on``: these values (``stated`` says which; default: the non-None ones).

    The outcome compares the fact on ``on`` before and after: added, changed or
    unchanged (a restatement still begins a version, so that a file for an earlier
    date arriving later cannot override it), or absent when a complete listing of
    the same day left it out.

    >>> d = dt.date
    >>> v = [Version(1, d(2011, 12, 31), OPEN_END, ("湖镇镇",))]
    >>> state(v, d(2012, 12, 31), ("龙洲街道",)).outcome
    'changed'
    >>> plan = state(v, d(2012, 12, 31), (None,))
    >>> plan.outcome, [(u.id, u.valid_to) for u in plan.updates], plan.inserts[0].values
    ('unchanged', [(1, datetime.date(2012, 12, 31))], ('湖镇镇',))
    >>> plan = state(v, d(2010, 12, 31), ("詹家镇",))
    >>> plan.outcome, plan.inserts[0].valid_to
    ('added', datetime.date(2011, 12, 31))

    A 2014 statement that left the township blank, then the 2013 one that gave it:

    >>> later = [Version(2, d(2014, 12, 31), OPEN_END, (None,), 0)]
    >>> [u.values for u in state(later, d(2013, 12, 31), ("湖镇镇",)).updates]
    [('湖镇镇',)]
    """
    bits = stated_bits(values) if stated is None else stated
    if not versions:  # the common case, a fact seen for the first time: nothing to pass on
        if cap <= on:
            return Plan(ABSENT)
        given = values if stated is None else overlay((None,) * len(values), values, bits)
        return Plan(ADDED, (Version(None, on, cap, given, bits),))
    edit = _Edit(versions)
    position = edit.index_of(on)
    held = covering(edit.versions, on)
    if position < len(edit.versions) and edit.versions[position].valid_from == on:
        same_day = edit.versions[position]
        own = own_bits(same_day)
        merged = replace(
            same_day,
            values=overlay(same_day.values, values, bits),
            stated=same_day.stated if own | bits == own else own | bits,
        )
        edit.put(position, merged)
        edit.inherit_from(position)
        now = merged.values
    elif held is not None:
        edit.put(position - 1, replace(held, valid_to=on))
        new = Version(None, on, held.valid_to, overlay(held.values, values, bits), bits)
        edit.insert(position, new)
        edit.inherit_from(position)
        now = new.values
    else:
        later = edit.versions[position].valid_from if position < len(edit.versions) else OPEN_END
        end = min(cap, later)
        if end <= on:  # a complete listing on the same day left it out: it cannot hold
            return Plan(ABSENT)
        new = Version(None, on, end, overlay((None,) * len(values), values, bits), bits)
        edit.insert(position, new)
        edit.inherit_from(position)
        return edit.plan(ADDED)
    assert held is not None  # a version that begins on ``on`` holds on it
    return edit.plan(CHANGED if now != held.values else UNCHANGED)


def change(versions: Sequence[Version], on: dt.date, values: tuple[Any, ...], stated: int) -> Plan:
    """A dated change (``stdreg update``): the ``stated`` values hold from ``on``, None included.

    Absent when the fact does not hold on ``on``; a change that changes nothing writes nothing.

    >>> d = dt.date
    >>> v = [Version(1, d(2011, 12, 31), OPEN_END, ("湖镇镇", d(2010, 6, 30)))]
    >>> plan = change(v, d(2012, 6, 30), (None, None), 0b10)
    >>> plan.updates[0].valid_to, plan.inserts[0].values
    (datetime.date(2012, 6, 30), ('湖镇镇', None))
    """
    if covering(versions, on) is None:
        return Plan(ABSENT)
    plan = state(versions, on, values, stated=stated)
    return plan if plan.outcome != UNCHANGED else Plan(UNCHANGED)


def drop(versions: Sequence[Version], on: dt.date) -> Plan:
    """The fact no longer holds from ``on`` (kept in history before it).

    A version that begins later (a later statement) still holds from its own date,
    inheriting nothing from before the drop.

    >>> d = dt.date
    >>> plan = drop([Version(7, d(2011, 12, 31), OPEN_END)], d(2012, 12, 31))
    >>> plan.outcome, plan.updates[0].valid_to
    ('dropped', datetime.date(2012, 12, 31))
    """
    edit = _Edit(versions)
    held = covering(edit.versions, on)
    if held is None:
        return Plan(ABSENT)
    position = edit.versions.index(held)
    if held.valid_from == on:
        edit.delete(position)
    else:
        edit.put(position, replace(held, valid_to=on))
        position += 1
    if position < len(edit.versions) and edit.versions[position].valid_from == held.valid_to:
        edit.restart(position)
    return edit.plan(DROPPED)


def correct(
    versions: Sequence[Version],
    start: dt.date | None,
    rewrite: Callable[[tuple[Any, ...]], tuple[Any, ...]],
    stated: int = 0,
) -> Plan:
    """A correction: ``rewrite`` gives each version's values (from ``start`` on; the one covering it split).

    The corrected fields (``stated``) count as given by each version they rewrite,
    so that a statement learned later for an earlier date does not undo the correction.

    >>> d = dt.date
    >>> v = [Version(1, d(2011, 12, 31), d(2012, 12, 31), ("湖镇镇",)),
    ...      Version(2, d(2012, 12, 31), OPEN_END, ("詹家镇",))]
    >>> [(u.id, u.values) for u in correct(v, None, lambda values: ("龙洲街道",), 1).updates]
    [(1, ('龙洲街道',)), (2, ('龙洲街道',))]
    """
    updates: list[Version] = []
    inserts: list[Version] = []
    for version in versions:
        if start is not None and version.valid_to <= start:
            continue
        new = rewrite(version.values)
        if new == version.values:
            continue
        if start is not None and version.valid_from < start:
            updates.append(replace(version, valid_to=start))
            inserts.append(Version(None, start, version.valid_to, new, own_bits(version) | stated))
        else:
            updates.append(replace(version, values=new, stated=own_bits(version) | stated))
    return Plan(CHANGED if updates else UNCHANGED, inserts=inserts, updates=updates)


def remove(versions: Sequence[Version], start: dt.date | None) -> Plan:
    """A correction that says the fact never held (from ``start`` on): its versions go."""
    updates: list[Version] = []
    deletes: list[int] = []
    for version in versions:
        if start is not None and version.valid_to <= start:
            continue
        if start is not None and version.valid_from < start:
            updates.append(replace(version, valid_to=start))
        elif version.id is not None:
            deletes.append(version.id)
    return Plan(DROPPED if updates or deletes else ABSENT, updates=updates, deletes=deletes)
