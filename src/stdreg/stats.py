"""Adoption statistics of the register as of a date: SQL aggregation into a typed Report.

One grouped query counts products by (industry, township, size, brand, has a
standard, adopts, NEQ, outdated, highest level); a second counts enterprises.
Every breakdown of the report is rolled up from those few groups.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.engine import Connection

from stdreg.codes.adoption import AdoptionRule, counts_as_adoption
from stdreg.codes.standard_code import LEVELS, StandardCodeError, parse
from stdreg.config import Targets

LEVEL_KEYS = (*LEVELS, "none")
SIZE_KEYS = ("above", "below", "unknown")


class Totals(BaseModel):
    enterprises: int = 0
    products: int = 0
    products_with_standard: int = 0
    products_without_standard: int = 0
    adopting_products: int = 0
    adoption_rate: float | None = None
    neq_products: int = 0
    outdated_products: int = 0
    enterprises_with_standard: int = 0
    adopting_enterprises: int = 0
    adoption_rate_by_enterprise: float | None = None
    output_value_with_standard: float = 0.0
    adopting_output_value: float = 0.0
    adoption_rate_by_output_value: float | None = None
    key_energy_users: int = 0
    key_energy_users_metrology_confirmed: int = 0


class Breakdown(BaseModel):
    key: str | None
    products: int = 0
    products_with_standard: int = 0
    adopting_products: int = 0
    adoption_rate: float | None = None
    neq_products: int = 0
    outdated_products: int = 0


class LevelCount(BaseModel):
    key: str
    products: int = 0


class TargetResult(BaseModel):
    name: str
    label: str
    measure: str
    target: float
    actual: float | None
    met: bool


class PreviousYear(BaseModel):
    year: int
    totals: Totals


class Report(BaseModel):
    year: int | None
    as_of: dt.date
    adoption_rule: str
    rates: dict[str, str]
    totals: Totals
    by_industry: list[Breakdown]
    by_township: list[Breakdown]
    by_size: list[Breakdown]
    by_level: list[LevelCount]
    brand_products: Totals
    targets: list[TargetResult]
    previous_year: PreviousYear | None = None


RATE_LABELS = {
    "adoption_rate": "adopting products / products that execute at least one standard",
    "adoption_rate_by_enterprise": (
        "enterprises with an adopting product / enterprises with a product that executes a standard"
    ),
    "adoption_rate_by_output_value": (
        "output value of adopting products / output value of products that execute a standard"
    ),
}


def rate(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is 0.

    >>> rate(1, 4), rate(0, 0)
    (0.25, None)
    """
    return numerator / denominator if denominator else None


@lru_cache(maxsize=4096)
def _level_of(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return parse(code).level
    except StandardCodeError:
        return None


def flag_standards(connection: Connection, as_of: dt.date, rule: AdoptionRule) -> None:
    """Fill the temporary table ``report_flag`` with the standards that adopt or are NEQ on ``as_of``.

    Shared by the report and ``stdreg query``, so both count adoption by one rule.
    """
    connection.execute(
        text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS report_flag "
            "(standard_id INTEGER PRIMARY KEY, adopting INTEGER NOT NULL, neq INTEGER NOT NULL)"
        )
    )
    connection.execute(text("DELETE FROM report_flag"))
    flags = []
    for sid, level, degree, adopted in connection.execute(
        text("SELECT id, level, degree, adopted_code FROM standard")
    ):
        adopting = counts_as_adoption(level, degree, _level_of(adopted), as_of, rule)
        neq = degree == "NEQ"
        if adopting or neq:
            flags.append({"s": sid, "a": int(adopting), "n": int(neq)})
    if flags:
        connection.execute(text("INSERT INTO report_flag VALUES (:s, :a, :n)"), flags)


_LEVEL_RANK = " ".join(f"WHEN '{level}' THEN {rank}" for rank, level in enumerate(LEVELS))

# Every product registered on :d, with what its executed standards make of it. Built
# once per date; each figure of the report is then one scan of this table.
REPORT_PRODUCTS = f"""
CREATE TEMPORARY TABLE report_product AS
WITH px AS (
    SELECT x.product_id,
           MAX(COALESCE(f.adopting, 0)) AS adopting,
           MAX(COALESCE(f.neq, 0)) AS neq,
           MAX(CASE WHEN s.outdated_from IS NOT NULL AND s.outdated_from <= :d THEN 1 ELSE 0 END) AS outdated,
           MIN(CASE s.level {_LEVEL_RANK} ELSE {len(LEVELS)} END) AS level_rank
    FROM execution x
    JOIN standard s ON s.id = x.standard_id
    LEFT JOIN report_flag f ON f.standard_id = x.standard_id
    WHERE x.valid_from <= :d AND x.valid_to > :d
    GROUP BY x.product_id
)
SELECT product_id, enterprise_id, industry, township, size, output_value, brand, has_standard, adopting,
       -- the five flags and the level in one small integer: grouping by it is twice as fast
       brand + 2 * has_standard + 4 * adopting + 8 * neq + 16 * outdated + 32 * level_rank AS profile
FROM (
    SELECT v.product_id, p.enterprise_id, ev.industry, ev.township, ev.size, v.output_value,
           CASE WHEN v.brand IS NOT NULL AND v.brand <> '' THEN 1 ELSE 0 END AS brand,
           CASE WHEN px.product_id IS NULL THEN 0 ELSE 1 END AS has_standard,
           COALESCE(px.adopting, 0) AS adopting, COALESCE(px.neq, 0) AS neq,
           COALESCE(px.outdated, 0) AS outdated, COALESCE(px.level_rank, {len(LEVELS)}) AS level_rank
    FROM product_version v
    JOIN product p ON p.id = v.product_id
    LEFT JOIN px ON px.product_id = v.product_id
    LEFT JOIN enterprise_version ev
           ON ev.enterprise_id = p.enterprise_id AND ev.valid_from <= :d AND ev.valid_to > :d
    WHERE v.valid_from <= :d AND v.valid_to > :d
) AS registered
"""

PRODUCT_GROUPS = """
SELECT industry, township, size, profile, COUNT(*) AS products,
       SUM(CASE WHEN has_standard = 1 THEN output_value ELSE 0 END) AS output_with_standard,
       SUM(CASE WHEN adopting = 1 THEN output_value ELSE 0 END) AS adopting_output
FROM report_product
GROUP BY industry, township, size, profile
"""

# Enterprises by what their products do: all of them, and their brand products alone.
ENTERPRISE_GROUPS = """
SELECT has_standard, adopting, has_brand, brand_has_standard, brand_adopting, COUNT(*) AS enterprises
FROM (
    SELECT enterprise_id,
           MAX(has_standard) AS has_standard, MAX(adopting) AS adopting, MAX(brand) AS has_brand,
           MAX(brand * has_standard) AS brand_has_standard, MAX(brand * adopting) AS brand_adopting
    FROM report_product GROUP BY enterprise_id
) AS per_enterprise
GROUP BY has_standard, adopting, has_brand, brand_has_standard, brand_adopting
"""

ENTERPRISE_FACTS = """
SELECT COUNT(*) AS enterprises,
       SUM(CASE WHEN key_energy_user THEN 1 ELSE 0 END) AS key_energy_users,
       SUM(CASE WHEN key_energy_user AND metrology_confirmed
                 AND (metrology_confirmed_on IS NULL OR metrology_confirmed_on <= :d) THEN 1 ELSE 0 END)
           AS key_energy_confirmed
FROM enterprise_version WHERE valid_from <= :d AND valid_to > :d
"""


@dataclass(frozen=True, slots=True)
class Group:
    industry: str | None
    township: str | None
    size: str | None
    brand: int
    has_standard: int
    adopting: int
    neq: int
    outdated: int
    level_rank: int
    products: int
    output_with_standard: float
    adopting_output: float


@dataclass(frozen=True, slots=True)
class EnterpriseCounts:
    """Enterprises with a product, with a product that executes a standard, with an adopting one."""

    enterprises: int = 0
    with_standard: int = 0
    adopting: int = 0


@dataclass
class Snapshot:
    """The raw counts of the register on one date, before they are rolled up."""

    as_of: dt.date
    groups: list[Group]
    all_enterprises: EnterpriseCounts
    brand_enterprises: EnterpriseCounts
    enterprises: int  # registered on the date, whether or not they have products
    key_energy_users: int
    key_energy_confirmed: int


def snapshot(connection: Connection, as_of: dt.date, rule: AdoptionRule) -> Snapshot:
    """Count the register as it stood on ``as_of``."""
    flag_standards(connection, as_of, rule)
    params = {"d": as_of}
    connection.execute(text("DROP TABLE IF EXISTS report_product"))
    connection.execute(text(REPORT_PRODUCTS), params)
    groups = [
        Group(r.industry, r.township, r.size, r.profile & 1, r.profile >> 1 & 1, r.profile >> 2 & 1,
              r.profile >> 3 & 1, r.profile >> 4 & 1, r.profile >> 5, int(r.products),
              float(r.output_with_standard or 0), float(r.adopting_output or 0))
        for r in connection.execute(text(PRODUCT_GROUPS))
    ]  # fmt: skip
    everyone = [0, 0, 0]
    brand = [0, 0, 0]
    for has_standard, adopting, has_brand, brand_has_standard, brand_adopting, count in connection.execute(
        text(ENTERPRISE_GROUPS)
    ):
        everyone[0] += count
        everyone[1] += count * has_standard
        everyone[2] += count * adopting
        brand[0] += count * has_brand
        brand[1] += count * brand_has_standard
        brand[2] += count * brand_adopting
    connection.execute(text("DROP TABLE IF EXISTS report_product"))
    facts = connection.execute(text(ENTERPRISE_FACTS), params).one()
    return Snapshot(
        as_of, groups, EnterpriseCounts(*everyone), EnterpriseCounts(*brand), int(facts.enterprises or 0),
        int(facts.key_energy_users or 0), int(facts.key_energy_confirmed or 0),
    )  # fmt: skip


def _totals(groups: Iterable[Group], enterprises: EnterpriseCounts, registered: int) -> Totals:
    totals = Totals()
    for g in groups:
        totals.products += g.products
        if g.has_standard:
            totals.products_with_standard += g.products
            totals.output_value_with_standard += g.output_with_standard
        totals.adopting_products += g.products * g.adopting
        totals.adopting_output_value += g.adopting_output
        totals.neq_products += g.products * g.neq
        totals.outdated_products += g.products * g.outdated
    totals.products_without_standard = totals.products - totals.products_with_standard
    totals.adoption_rate = rate(totals.adopting_products, totals.products_with_standard)
    totals.adoption_rate_by_output_value = rate(
        totals.adopting_output_value, totals.output_value_with_standard
    )
    totals.enterprises = registered
    totals.enterprises_with_standard = enterprises.with_standard
    totals.adopting_enterprises = enterprises.adopting
    totals.adoption_rate_by_enterprise = rate(enterprises.adopting, enterprises.with_standard)
    return totals


def _breakdown(groups: Iterable[Group], key_of: Any, keys: Iterable[str] = ()) -> list[Breakdown]:
    rows: dict[str | None, Breakdown] = {key: Breakdown(key=key) for key in keys}
    for g in groups:
        key = key_of(g)
        row = rows.get(key)
        if row is None:
            row = rows[key] = Breakdown(key=key)
        row.products += g.products
        row.products_with_standard += g.products * g.has_standard
        row.adopting_products += g.products * g.adopting
        row.neq_products += g.products * g.neq
        row.outdated_products += g.products * g.outdated
    for row in rows.values():
        row.adoption_rate = rate(row.adopting_products, row.products_with_standard)
    return list(rows.values())


def _by_value(groups: list[Group], key_of: Any) -> list[Breakdown]:
    rows = _breakdown(groups, key_of)
    return sorted(rows, key=lambda r: (-r.products, r.key is None, r.key or ""))


def _measure(
    name: str, totals: Totals, brand: Totals, groups: list[Group], snap: Snapshot, blocks: tuple[str, ...]
) -> float | None:
    if name == "brand_adoption_rate":
        return brand.adoption_rate
    if name == "adoption_rate":
        return totals.adoption_rate
    if name == "standard_coverage":
        return rate(totals.products_with_standard, totals.products)
    if name == "block_industry_brand_share":
        in_blocks = sum(g.products for g in groups if g.brand and g.industry in blocks)
        return rate(in_blocks, brand.products)
    if name == "key_energy_metrology_rate":
        return rate(snap.key_energy_confirmed, snap.key_energy_users)
    raise ValueError(name)


def build_report(
    connection: Connection,
    as_of: dt.date,
    *,
    year: int | None,
    rule: AdoptionRule,
    targets: Targets,
    lang: str = "zh",
    previous: bool = True,
) -> Report:
    """The report of the register as it stood on ``as_of`` (SPEC.md, ``report --format json``)."""
    snap = snapshot(connection, as_of, rule)
    totals = _totals(snap.groups, snap.all_enterprises, snap.enterprises)
    totals.key_energy_users = snap.key_energy_users
    totals.key_energy_users_metrology_confirmed = snap.key_energy_confirmed
    brand = _totals(
        [g for g in snap.groups if g.brand], snap.brand_enterprises, snap.brand_enterprises.enterprises
    )
    level_counts: dict[str, int] = defaultdict(int)
    for g in snap.groups:
        level_counts[LEVEL_KEYS[g.level_rank]] += g.products
    results = []
    year_for_targets = year if year is not None else as_of.year
    for target in targets.targets:
        if not target.applies(year_for_targets):
            continue
        actual = _measure(target.measure, totals, brand, snap.groups, snap, targets.block_industries)
        results.append(
            TargetResult(
                name=target.name,
                label=target.label_en if lang == "en" else target.label_zh,
                measure=target.measure,
                target=target.target,
                actual=actual,
                met=actual is not None and actual >= target.target,
            )
        )
    report = Report(
        year=year,
        as_of=as_of,
        adoption_rule=rule.rule + (" +eqv" if rule.count_eqv else ""),
        rates=RATE_LABELS,
        totals=totals,
        by_industry=_by_value(snap.groups, lambda g: g.industry),
        by_township=_by_value(snap.groups, lambda g: g.township),
        by_size=_breakdown(snap.groups, lambda g: g.size or "unknown", SIZE_KEYS),
        by_level=[LevelCount(key=key, products=level_counts.get(key, 0)) for key in LEVEL_KEYS],
        brand_products=brand,
        targets=results,
    )
    if previous and year is not None:
        earlier = build_report(
            connection,
            dt.date(year - 1, 12, 31),
            year=year - 1,
            rule=rule,
            targets=targets,
            lang=lang,
            previous=False,
        )
        report.previous_year = PreviousYear(year=year - 1, totals=earlier.totals)
    return report
