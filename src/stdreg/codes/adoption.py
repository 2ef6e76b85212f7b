"""Adoption of international and foreign advanced standards (采标), as pure rules.

A product adopts on a date when it executes at least one standard that is
itself international or foreign, or that adopts one with degree IDT or MOD
(SPEC.md). NEQ is never adoption; the legacy degree EQV (等效, before 2002)
counts only when the bureau's configuration says so. Under the opt-in 2025
national rule, from 2025-06-01 only national standards converted from an
ISO/IEC/ITU standard (IDT or MOD) count.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import unicodedata
from dataclasses import dataclass

DEGREES = ("IDT", "MOD", "NEQ", "EQV")
RULE_CLASSIC = "classic"
RULE_NATIONAL_2025 = "national-2025"
RULES = (RULE_CLASSIC, RULE_NATIONAL_2025)
NATIONAL_2025_FROM = dt.date(2025, 6, 1)

_DEGREE_WORDS = {
    "IDT": "IDT",
    "等同": "IDT",
    "等同采用": "IDT",
    "MOD": "MOD",
    "修改": "MOD",
    "修改采用": "MOD",
    "NEQ": "NEQ",
    "非等效": "NEQ",
    "非等效采用": "NEQ",
    "EQV": "EQV",
    "等效": "EQV",
    "等效采用": "EQV",
}


DEGREE_WORDS = types.MappingProxyType(_DEGREE_WORDS)
"""Every written form of a degree (upper case, no spaces) → IDT, MOD, NEQ or EQV."""


class DegreeError(ValueError):
    """A degree of correspondence that is none of IDT, MOD, NEQ, EQV."""


def parse_degree(text: str) -> str:
    """IDT, MOD, NEQ or EQV, from any of the ways registers write them.

    >>> parse_degree(" idt "), parse_degree("修改采用"), parse_degree("ＮＥＱ"), parse_degree("等效")
    ('IDT', 'MOD', 'NEQ', 'EQV')
    """
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()
    key = key.strip("()（）")
    degree = _DEGREE_WORDS.get(key)
    if degree is None:
        raise DegreeError("expected IDT, MOD, NEQ or EQV (等同, 修改, 非等效, 等效)")
    return degree


@dataclass(frozen=True)
class AdoptionRule:
    """The bureau's counting rule (configuration [adoption])."""

    rule: str = RULE_CLASSIC
    count_eqv: bool = False


def counts_as_adoption(
    level: str, degree: str | None, adopted_level: str | None, on: dt.date, rule: AdoptionRule
) -> bool:
    """Whether executing this standard makes a product adopt on the date ``on``.

    ``level`` is the standard's own level; ``adopted_level`` the level of the
    standard it adopts (international or foreign), when known.

    >>> classic = AdoptionRule()
    >>> counts_as_adoption("international", None, None, dt.date(2012, 1, 1), classic)
    True
    >>> counts_as_adoption("national", "MOD", "international", dt.date(2012, 1, 1), classic)
    True
    >>> counts_as_adoption("industry", "NEQ", "international", dt.date(2012, 1, 1), classic)
    False
    >>> counts_as_adoption("national", "EQV", "international", dt.date(1999, 1, 1), classic)
    False
    """
    if rule.rule == RULE_NATIONAL_2025 and on >= NATIONAL_2025_FROM:
        return level == "national" and degree in ("IDT", "MOD") and adopted_level in (None, "international")
    if level in ("international", "foreign"):
        return True
    if degree in ("IDT", "MOD"):
        return True
    return degree == "EQV" and rule.count_eqv
