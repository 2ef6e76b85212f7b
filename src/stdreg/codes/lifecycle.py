"""When a standard becomes outdated, from the facts a catalog gives about it.

A withdrawn standard is outdated from its withdrawal date; a replaced one from
the day its replacement takes effect (the replacement's implementation date).
A status given without a date counts from the as-of date of the import that
brought it (SPEC.md, "Dates").
"""

from __future__ import annotations

import datetime as dt

STATUSES = ("current", "upcoming", "replaced", "withdrawn")
_STATUS_WORDS = {
    "现行": "current",
    "现行有效": "current",
    "有效": "current",
    "current": "current",
    "即将实施": "upcoming",
    "upcoming": "upcoming",
    "待实施": "upcoming",
    "被代替": "replaced",
    "已替代": "replaced",
    "已被代替": "replaced",
    "被替代": "replaced",
    "replaced": "replaced",
    "废止": "withdrawn",
    "作废": "withdrawn",
    "已废止": "withdrawn",
    "withdrawn": "withdrawn",
    "abolished": "withdrawn",
}


class StatusError(ValueError):
    """A status that is none of current, upcoming, replaced, withdrawn."""


def parse_status(text: str) -> str:
    """current, upcoming, replaced or withdrawn.

    >>> parse_status("现行"), parse_status("被代替"), parse_status("Withdrawn")
    ('current', 'replaced', 'withdrawn')
    """
    key = "".join(text.split()).lower()
    status = _STATUS_WORDS.get(key)
    if status is None:
        raise StatusError("expected 现行, 即将实施, 被代替 or 废止 (current/upcoming/replaced/withdrawn)")
    return status


def outdated_from(
    *,
    status: str | None,
    status_on: dt.date | None,
    withdrawn_on: dt.date | None,
    replaced: bool,
    replacement_effective_on: dt.date | None,
    replaced_noted_on: dt.date | None,
) -> dt.date | None:
    """The first day the standard is outdated, or None while nothing says it is.

    >>> outdated_from(status="withdrawn", status_on=dt.date(2024, 1, 1),
    ...     withdrawn_on=dt.date(2009, 6, 30), replaced=False,
    ...     replacement_effective_on=None, replaced_noted_on=None)
    datetime.date(2009, 6, 30)
    >>> outdated_from(status="current", status_on=dt.date(2011, 5, 1), withdrawn_on=None,
    ...     replaced=True, replacement_effective_on=dt.date(2012, 3, 1),
    ...     replaced_noted_on=dt.date(2011, 5, 1))
    datetime.date(2012, 3, 1)
    """
    candidates: list[dt.date] = []
    if withdrawn_on is not None:
        candidates.append(withdrawn_on)
    elif status == "withdrawn" and status_on is not None:
        candidates.append(status_on)
    if replaced:
        effective = replacement_effective_on or replaced_noted_on or status_on
        if effective is not None:
            candidates.append(effective)
    elif status == "replaced" and status_on is not None:
        candidates.append(status_on)
    return min(candidates) if candidates else None


def outdated_on(alias: str, on: str = ":d") -> str:
    """SQL that is true when the standard ``alias`` is outdated on the date parameter ``on``.

    ``standard.outdated_from`` (:func:`outdated_from`, kept by ``stdreg.kernel.standards``) is the first
    day it is outdated; every question about "outdated on a date" asks it this way.

    >>> outdated_on("s")
    '(s.outdated_from IS NOT NULL AND s.outdated_from <= :d)'
    """
    return f"({alias}.outdated_from IS NOT NULL AND {alias}.outdated_from <= {on})"
