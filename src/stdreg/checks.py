"""What ``stdreg check`` reports: products made to standards outdated on a date, and where to move."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from stdreg.codes.adoption import AdoptionRule
from stdreg.kernel.bulk import Bulk
from stdreg.kernel.changelog import iso
from stdreg.kernel.standards import replacement_ends
from stdreg.query import ROW_FIELDS, Filters, iter_rows

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

CHECK_FIELDS = (
    "township", "enterprise", "uscc", "org_code", "product", "standard", "status", "outdated_from",
    "replaced_by", "move_to",
)  # fmt: skip
"""The fields of a ``stdreg check`` row: who is made to which outdated standard, and where to move.

``outdated_from`` is the first day the standard is outdated; ``replaced_by`` the
standard that replaces it; ``move_to`` the newest standard along the chain of
replacements (the one to move to), or null when it was withdrawn without one.
"""


def outdated_products(
    connection: Connection, as_of: dt.date, *, since: dt.date | None = None
) -> list[tuple[Any, ...]]:
    """Products made to a standard that is withdrawn or replaced on ``as_of``, by township and enterprise.

    With ``since``, only the standards that became outdated after that date.
    """
    index = {name: ROW_FIELDS.index(name) for name in ROW_FIELDS}
    rows = list(iter_rows(connection, Filters(as_of=as_of, outdated=True), AdoptionRule()))
    codes = sorted({row[index["standard"]] for row in rows})
    facts: dict[str, tuple[str | None, int | None]] = {}
    for code, outdated_from, replaced_by in Bulk(connection).select_in(
        "SELECT code, outdated_from, replaced_by_id FROM standard WHERE code IN", codes
    ):
        facts[code] = (iso(outdated_from), replaced_by)
    ends = replacement_ends(connection, (r for _, r in facts.values() if r is not None), as_of)

    found = []
    floor = since.isoformat() if since is not None else None
    for row in rows:
        outdated_from, replaced_by = facts.get(row[index["standard"]], (None, None))
        if floor is not None and (outdated_from is None or outdated_from <= floor):
            continue
        found.append(
            (
                row[index["township"]],
                row[index["enterprise"]],
                row[index["uscc"]],
                row[index["org_code"]],
                row[index["product"]],
                row[index["standard"]],
                row[index["status"]],
                outdated_from,
                row[index["replaced_by"]],
                ends.get(replaced_by) if replaced_by is not None else None,
            )
        )
    found.sort(key=lambda r: (r[0] is None, r[0] or "", r[1] or "", r[3], r[4], r[5]))
    return found
