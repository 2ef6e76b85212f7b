"""The changes ``stdreg update`` makes, and reading them from what people type.

See the package docstring (``stdreg.update``) for what a dated change and a correction are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from stdreg.codes.standard_code import StandardCode
from stdreg.errors import UsageError
from stdreg.fields import FIELDS, FieldError, enterprise_identity, new_uscc

ENTERPRISE_ATTRIBUTES = (
    "name", "township", "industry", "size", "high_tech", "key_energy_user", "metrology_confirmed",
    "good_behaviour",
)  # fmt: skip
"""What ``update enterprise`` sets (metrology_confirmed also sets metrology_confirmed_on)."""


ChangeError = FieldError
"""A change that cannot be made: ``field`` and ``value`` say where, ``reason`` why.

The same type as a value that cannot be read (every field parser's error):
whether the update is a usage error (exit 2) or contradicts the register (exit 3)
is told by where it is raised, reading the change or applying it, never by the
error itself; so the update has no error type of its own.
"""


@dataclass
class Change:
    """One validated change; see the module docstring."""

    kind: str  # enterprise | product | standard
    action: str  # set | uscc | add_standard | drop_standard | replace_standard | rename | drop | facts
    as_of: dt.date
    org_code: str | None = None
    product: str | None = None
    standard: StandardCode | None = None
    values: dict[str, Any] = field(default_factory=dict)
    correct: bool = False
    correct_from: dt.date | None = None  # a correction from this date on; None: every date
    on: dt.date | None = None  # standards: the date of the fact itself
    row: int = 0  # the row of a --from sheet
    column: str = ""  # the sheet column the value came from


# --- parsing what people type ------------------------------------------------------------


def enterprise_values(raw: dict[str, Any]) -> dict[str, Any]:
    """Enterprise attributes as the register keeps them, parsed like an import's cells.

    ``metrology_confirmed`` takes 是/yes, 否/no or the date of confirmation (and
    sets ``metrology_confirmed_on``); ``good_behaviour`` takes AAAA … A, or
    none/无 to clear it.

    >>> enterprise_values({"size": "规上", "metrology_confirmed": "no", "good_behaviour": "none"})
    {'size': 'above', 'metrology_confirmed': False, 'metrology_confirmed_on': None, 'good_behaviour': ''}
    """
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None:
            continue
        if name not in ENTERPRISE_ATTRIBUTES:
            raise FieldError(name, value, "not an enterprise attribute")
        parsed = FIELDS[name](value)
        if name == "metrology_confirmed":
            confirmed, on = parsed
            values["metrology_confirmed"] = confirmed
            if on is not None or not confirmed:
                values["metrology_confirmed_on"] = on
        else:
            values[name] = parsed
    return values


def _none(text: Any) -> bool:
    return str(text).strip().lower() in ("none", "无", "否", "no", "-", "")


def standard_change(
    code: StandardCode,
    *,
    as_of: dt.date,
    title: str | None = None,
    status_text: str | None = None,
    replaced_by: str | None = None,
    on: str | dt.date | None = None,
    adopts: str | None = None,
    degree_text: str | None = None,
) -> Change:
    """The change ``update standard`` asks for, validated."""
    values: dict[str, Any] = {}
    if title is not None:
        values["title"] = FIELDS["title"](title)
    if status_text is not None:
        values["status"] = FIELDS["status"](status_text)
    if replaced_by is not None:
        newer = FIELDS["replaced_by"](replaced_by)
        if newer.code == code.code:
            raise FieldError("replaced_by", replaced_by, "a standard cannot replace itself")
        values["replaced_by"] = newer
    if adopts is not None and _none(adopts):
        if degree_text is not None:
            raise FieldError("degree", degree_text, "--adopts none clears the adoption: give no --degree")
        values["adopted_code"] = values["degree"] = None
    else:
        if adopts is not None:
            if degree_text is None:
                raise FieldError("adopts", adopts, "give the degree too (--degree IDT|MOD|NEQ|EQV)")
            values["adopted_code"] = FIELDS["adopts"](adopts)
        if degree_text is not None:
            values["degree"] = FIELDS["degree"](degree_text)
    date = FIELDS["on"](on) if on is not None and not isinstance(on, dt.date) else on
    if date is not None and not ({"status", "replaced_by"} & set(values)):
        raise FieldError("on", on, "--on dates a status or a replacement; give --status or --replaced-by")
    if not values:
        raise FieldError(
            "standard", code.code, "nothing to change: give --title, --status, --replaced-by or --adopts"
        )
    return Change("standard", "facts", as_of, standard=code, values=values, on=date)


def enterprise_changes(
    enterprise: str,
    attributes: dict[str, Any],
    *,
    uscc: str | None,
    as_of: dt.date,
    correct: bool = False,
    correct_from: dt.date | None = None,
) -> list[Change]:
    """The changes ``update enterprise`` asks for, validated: new attributes, and a USCC to record.

    ``enterprise`` names it by USCC or organization code; ``attributes`` are the
    values typed for ENTERPRISE_ATTRIBUTES (None: not given).
    """
    _, org_code = enterprise_identity(enterprise)
    changes: list[Change] = []
    values = enterprise_values({k: v for k, v in attributes.items() if v is not None})
    if values:
        changes.append(
            Change("enterprise", "set", as_of, org_code=org_code, values=values, correct=correct,
                   correct_from=correct_from)
        )  # fmt: skip
    if uscc is not None:
        if correct:
            raise UsageError("--uscc records the enterprise's USCC, which is not dated: leave out --correct")
        changes.append(
            Change("enterprise", "uscc", as_of, org_code=org_code, values={"uscc": new_uscc(uscc, org_code)})
        )
    if not changes:
        raise UsageError("nothing to change: give at least one of --name, --township, --industry, --size, …")
    return changes


def product_changes(
    enterprise: str,
    product: str,
    *,
    as_of: dt.date,
    rename: str | None = None,
    add_standards: Sequence[str] = (),
    drop_standards: Sequence[str] = (),
    replace_standard: tuple[str, str] | None = None,
    output_value: str | None = None,
    brand: str | None = None,
    drop: bool = False,
    correct: bool = False,
    correct_from: dt.date | None = None,
) -> list[Change]:
    """The changes ``update product`` asks for, validated, in the order they are made."""
    _, org_code = enterprise_identity(enterprise)
    name = FIELDS["product"](product)

    def change(action: str, **more: Any) -> Change:
        return Change(
            "product", action, as_of, org_code=org_code, product=name, correct=correct,
            correct_from=correct_from, **more,
        )  # fmt: skip

    changes: list[Change] = []
    values: dict[str, Any] = {}
    if output_value is not None:
        values["output_value"] = FIELDS["output_value"](output_value)
    if brand is not None:
        values["brand"] = FIELDS["brand"](brand)
    if values:
        changes.append(change("set", values=values))
    for code in add_standards:
        changes.append(change("add_standard", standard=FIELDS["standard"](code, "add_standard")))
    for code in drop_standards:
        changes.append(change("drop_standard", standard=FIELDS["standard"](code, "drop_standard")))
    if replace_standard is not None:
        old, new = (FIELDS["standard"](code, "replace_standard") for code in replace_standard)
        if old.code == new.code:
            raise UsageError(f"--replace-standard names {old.code} twice")
        changes.append(change("replace_standard", standard=old, values={"new": new}))
    if rename is not None:
        changes.append(change("rename", values={"name": FIELDS["product"](rename, "rename")}))
    if drop:
        if changes:
            raise UsageError("--drop ends the product: give no other change with it")
        changes.append(change("drop"))
    if correct and add_standards:
        raise UsageError(
            "a correction can replace or remove a standard; to add one, give the date it holds from (--as-of)"
        )
    if not changes:
        raise UsageError("nothing to change: give --add-standard, --drop-standard, --rename, --drop, …")
    return changes
