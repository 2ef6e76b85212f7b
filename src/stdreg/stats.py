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


def _flag_standards(connection: Connection, as_of: dt.date, rule: AdoptionRule) -> None:
    """Fill the temporary table ``report_flag`` with the standards that adopt or are NEQ."""
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

PRODUCT_GROUPS = f"""
WITH ev AS (
    SELECT enterprise_id, township, industry, size
    FROM enterprise_version WHERE valid_from <= :d AND valid_to > :d
), pv AS (
    SELECT v.product_id, p.enterprise_id, v.output_value,
           CASE WHEN v.brand IS NOT NULL AND v.brand <> '' THEN 1 ELSE 0 END AS brand
    FROM product_version v JOIN product p ON p.id = v.product_id
    WHERE v.valid_from <= :d AND v.valid_to > :d
), px AS (
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
SELECT ev.industry, ev.township, ev.size, pv.brand,
       CASE WHEN px.product_id IS NULL THEN 0 ELSE 1 END AS has_standard,
       COALESCE(px.adopting, 0) AS adopting, COALESCE(px.neq, 0) AS neq,
       COALESCE(px.outdated, 0) AS outdated, COALESCE(px.level_rank, {len(LEVELS)}) AS level_rank,
       COUNT(*) AS products,
       SUM(CASE WHEN px.product_id IS NOT NULL THEN pv.output_value ELSE 0 END) AS output_with_standard,
       SUM(CASE WHEN px.adopting = 1 THEN pv.output_value ELSE 0 END) AS adopting_output
FROM pv
LEFT JOIN ev ON ev.enterprise_id = pv.enterprise_id
LEFT JOIN px ON px.product_id = pv.product_id
GROUP BY ev.industry, ev.township, ev.size, pv.brand, has_standard, adopting, neq, outdated, level_rank
"""

ENTERPRISE_GROUPS = """
WITH pv AS (
    SELECT v.product_id, p.enterprise_id,
           CASE WHEN v.brand IS NOT NULL AND v.brand <> '' THEN 1 ELSE 0 END AS brand
    FROM product_version v JOIN product p ON p.id = v.product_id
    WHERE v.valid_from <= :d AND v.valid_to > :d
), px AS (
    SELECT x.product_id, MAX(COALESCE(f.adopting, 0)) AS adopting
    FROM execution x LEFT JOIN report_flag f ON f.standard_id = x.standard_id
    WHERE x.valid_from <= :d AND x.valid_to > :d
    GROUP BY x.product_id
), per_enterprise AS (
    SELECT pv.enterprise_id, pv.brand,
           MAX(CASE WHEN px.product_id IS NULL THEN 0 ELSE 1 END) AS has_standard,
           MAX(COALESCE(px.adopting, 0)) AS adopting
    FROM pv LEFT JOIN px ON px.product_id = pv.product_id
    GROUP BY pv.enterprise_id, pv.brand
)
SELECT brand, has_standard, adopting, COUNT(*) AS enterprises FROM per_enterprise
GROUP BY brand, has_standard, adopting
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


@dataclass
class Snapshot:
    """The raw counts of the register on one date, before they are rolled up."""

    as_of: dt.date
    groups: list[Group]
    enterprise_groups: list[tuple[int, int, int, int]]  # brand, has_standard, adopting, count
    enterprises: int
    key_energy_users: int
    key_energy_confirmed: int


def snapshot(connection: Connection, as_of: dt.date, rule: AdoptionRule) -> Snapshot:
    """Count the register as it stood on ``as_of``."""
    _flag_standards(connection, as_of, rule)
    params = {"d": as_of}
    groups = [
        Group(
            r.industry,
            r.township,
            r.size,
            int(r.brand),
            int(r.has_standard),
            int(r.adopting),
            int(r.neq),
            int(r.outdated),
            int(r.level_rank),
            int(r.products),
            float(r.output_with_standard or 0),
            float(r.adopting_output or 0),
        )
        for r in connection.execute(text(PRODUCT_GROUPS), params)
    ]
    enterprise_groups = [
        (int(r.brand), int(r.has_standard), int(r.adopting), int(r.enterprises))
        for r in connection.execute(text(ENTERPRISE_GROUPS), params)
    ]
    facts = connection.execute(text(ENTERPRISE_FACTS), params).one()
    return Snapshot(
        as_of,
        groups,
        enterprise_groups,
        int(facts.enterprises or 0),
        int(facts.key_energy_users or 0),
        int(facts.key_energy_confirmed or 0),
    )


def _totals(
    groups: Iterable[Group], enterprise_groups: Iterable[tuple[int, int, int, int]], enterprises: int | None
) -> Totals:
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
    # an enterprise counts once even when it has both brand and other products
    per_enterprise_rows = list(enterprise_groups)
    counted = sum(count for _, _, _, count in per_enterprise_rows)
    totals.enterprises = enterprises if enterprises is not None else counted
    totals.enterprises_with_standard = sum(c for _, has, _, c in per_enterprise_rows if has)
    totals.adopting_enterprises = sum(c for _, _, adopting, c in per_enterprise_rows if adopting)
    totals.adoption_rate_by_enterprise = rate(totals.adopting_enterprises, totals.enterprises_with_standard)
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


def totals_of(snapshot: Snapshot, connection: Connection) -> Totals:
    return _totals(snapshot.groups, _all_enterprise_groups(connection, snapshot.as_of), snapshot.enterprises)


ALL_ENTERPRISE_GROUPS = """
WITH pv AS (
    SELECT v.product_id, p.enterprise_id
    FROM product_version v JOIN product p ON p.id = v.product_id
    WHERE v.valid_from <= :d AND v.valid_to > :d
), px AS (
    SELECT x.product_id, MAX(COALESCE(f.adopting, 0)) AS adopting
    FROM execution x LEFT JOIN report_flag f ON f.standard_id = x.standard_id
    WHERE x.valid_from <= :d AND x.valid_to > :d
    GROUP BY x.product_id
), per_enterprise AS (
    SELECT pv.enterprise_id,
           MAX(CASE WHEN px.product_id IS NULL THEN 0 ELSE 1 END) AS has_standard,
           MAX(COALESCE(px.adopting, 0)) AS adopting
    FROM pv LEFT JOIN px ON px.product_id = pv.product_id
    GROUP BY pv.enterprise_id
)
SELECT 0 AS brand, has_standard, adopting, COUNT(*) AS enterprises FROM per_enterprise
GROUP BY has_standard, adopting
"""


def _all_enterprise_groups(connection: Connection, as_of: dt.date) -> list[tuple[int, int, int, int]]:
    return [
        (0, int(r.has_standard), int(r.adopting), int(r.enterprises))
        for r in connection.execute(text(ALL_ENTERPRISE_GROUPS), {"d": as_of})
    ]


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
    totals = totals_of(snap, connection)
    totals.key_energy_users = snap.key_energy_users
    totals.key_energy_users_metrology_confirmed = snap.key_energy_confirmed
    brand_groups = [g for g in snap.groups if g.brand]
    brand_enterprises = [row for row in snap.enterprise_groups if row[0] == 1]
    brand = _totals(brand_groups, brand_enterprises, None)
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
