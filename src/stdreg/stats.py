"""Adoption statistics of the register as of a date: SQL aggregation into a typed Report.

One grouped query counts products by (industry, township, size, brand title, has
a standard, adopts, NEQ, outdated, highest level); a second counts enterprises.
Every breakdown of the report is rolled up from those few groups. A third query
lists the standards each industry executes, for their age (标龄).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, PrivateAttr
from sqlalchemy import text
from sqlalchemy.engine import Connection

from stdreg.codes.adoption import AdoptionRule, counts_as_adoption
from stdreg.codes.lifecycle import outdated_on
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
    previous_adoption_rate: float | None = None  # the same group at the end of the year before


class LevelCount(Breakdown):
    """Products by the highest level of standard they execute (``none``: no standard)."""

    key: str


class IndustryLevel(BaseModel):
    """Products of one industry whose highest standard is of one level, and their output value."""

    industry: str | None
    level: str
    products: int = 0
    output_value: float = 0.0  # 万元


class StandardAge(BaseModel):
    """The age (标龄) of the distinct standards a group of products executes on the as-of date.

    Ages are in years, from the standard's implementation date (or, when only
    its year is known, the middle of that year) to the as-of date; ``dated``
    standards are those whose age is known, the denominator of the share.
    ``dated_after`` counts the standards implemented after the as-of date
    (future-dated codes): they are in ``standards`` but have no age.
    """

    key: str | None
    standards: int = 0
    dated: int = 0
    mean_age: float | None = None
    median_age: float | None = None
    max_age: float | None = None
    older_than_review: int = 0
    share_older_than_review: float | None = None
    dated_after: int = 0


class StandardAges(BaseModel):
    review_years: int
    by_industry: list[StandardAge]
    total: StandardAge


class TargetResult(BaseModel):
    """A target of the work plan against the register: ``met`` is None when there is no data.

    The labels are fixed whatever the output language (JSON is for programs):
    ``label`` is the Chinese one, as ``label_zh``.
    """

    name: str
    label: str
    label_zh: str
    label_en: str
    measure: str
    target: float
    actual: float | None
    met: bool | None

    def label_in(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh


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
    # by the county each product's enterprise was merged from (`stdreg merge`); empty in a
    # register that merged nothing
    by_region: list[Breakdown] = []
    by_size: list[Breakdown]
    by_level: list[LevelCount]
    brand_products: Totals
    targets: list[TargetResult]
    previous_year: PreviousYear | None = None
    brand_by_title: list[Breakdown] = []
    brand_by_industry: list[Breakdown] = []
    brand_by_township: list[Breakdown] = []
    by_industry_and_level: list[IndustryLevel] = []
    standard_age: StandardAges | None = None
    # The whole report of the year before (for the workbook), kept out of the JSON,
    # whose previous_year holds its totals.
    _previous: Report | None = PrivateAttr(default=None)

    @property
    def previous(self) -> Report | None:
        return self._previous


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
           MAX(CASE WHEN {outdated_on("s")} THEN 1 ELSE 0 END) AS outdated,
           MIN(CASE s.level {_LEVEL_RANK} ELSE {len(LEVELS)} END) AS level_rank
    FROM execution x
    JOIN standard s ON s.id = x.standard_id
    LEFT JOIN report_flag f ON f.standard_id = x.standard_id
    WHERE x.valid_from <= :d AND x.valid_to > :d
    GROUP BY x.product_id
)
SELECT product_id, enterprise_id, region, industry, township, size, output_value, brand, brand_title,
       has_standard,
       adopting,
       -- the five flags and the level in one small integer: grouping by it is twice as fast
       brand + 2 * has_standard + 4 * adopting + 8 * neq + 16 * outdated + 32 * level_rank AS profile
FROM (
    SELECT v.product_id, p.enterprise_id, e.region, ev.industry, ev.township, ev.size, v.output_value,
           CASE WHEN v.brand IS NOT NULL AND v.brand <> '' THEN 1 ELSE 0 END AS brand,
           CASE WHEN v.brand <> '' THEN v.brand END AS brand_title,
           CASE WHEN px.product_id IS NULL THEN 0 ELSE 1 END AS has_standard,
           COALESCE(px.adopting, 0) AS adopting, COALESCE(px.neq, 0) AS neq,
           COALESCE(px.outdated, 0) AS outdated, COALESCE(px.level_rank, {len(LEVELS)}) AS level_rank
    FROM product_version v
    JOIN product p ON p.id = v.product_id
    JOIN enterprise e ON e.id = p.enterprise_id
    LEFT JOIN px ON px.product_id = v.product_id
    LEFT JOIN enterprise_version ev
           ON ev.enterprise_id = p.enterprise_id AND ev.valid_from <= :d AND ev.valid_to > :d
    WHERE v.valid_from <= :d AND v.valid_to > :d
) AS registered
"""

PRODUCT_GROUPS = """
SELECT region, industry, township, size, profile, COUNT(*) AS products,
       SUM(CASE WHEN has_standard = 1 THEN output_value ELSE 0 END) AS output_with_standard,
       SUM(CASE WHEN adopting = 1 THEN output_value ELSE 0 END) AS adopting_output,
       SUM(output_value) AS output_value
FROM report_product
GROUP BY region, industry, township, size, profile
"""

# Brand products by their title (浙江名牌, 衢州名牌 …), for the workbook.
BRAND_GROUPS = """
SELECT brand_title, profile, COUNT(*) AS products
FROM report_product WHERE brand = 1
GROUP BY brand_title, profile
"""

# The distinct standards each industry's products execute on :d, with what dates them.
STANDARD_DATES = """
SELECT rp.industry, x.standard_id, s.implemented_on, s.year
FROM report_product rp
JOIN execution x ON x.product_id = rp.product_id AND x.valid_from <= :d AND x.valid_to > :d
JOIN standard s ON s.id = x.standard_id
WHERE rp.has_standard = 1
GROUP BY rp.industry, x.standard_id, s.implemented_on, s.year
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
    region: str | None  # the county a merged register brought it from; None: imported here
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
    output_value: float = 0.0


@dataclass(frozen=True, slots=True)
class BrandGroup:
    """Brand products of one title with the same flags."""

    title: str
    has_standard: int
    adopting: int
    neq: int
    outdated: int
    products: int


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
    brand_groups: list[BrandGroup]
    # only when asked for (details=True): (industry, standard id, implemented on, year) of
    # every standard executed on the date
    standard_dates: list[tuple[str | None, int, Any, int | None]] | None = None


def snapshot(
    connection: Connection, as_of: dt.date, rule: AdoptionRule, *, details: bool = False
) -> Snapshot:
    """Count the register as it stood on ``as_of``.

    ``details`` also lists the standards each industry executes with their dates
    (for the workbook's 标准水平).
    """
    flag_standards(connection, as_of, rule)
    params = {"d": as_of}
    connection.execute(text("DROP TABLE IF EXISTS report_product"))
    connection.execute(text(REPORT_PRODUCTS), params)
    # a province has 100,000+ groups: read them as plain tuples, not Row objects
    groups = [
        Group(region, industry, township, size, profile & 1, profile >> 1 & 1, profile >> 2 & 1,
              profile >> 3 & 1, profile >> 4 & 1, profile >> 5, products, float(with_standard or 0),
              float(adopting or 0), float(output or 0))
        for region, industry, township, size, profile, products, with_standard, adopting, output
        in connection.exec_driver_sql(PRODUCT_GROUPS).fetchall()
    ]  # fmt: skip
    brand_groups = [
        BrandGroup(r.brand_title, r.profile >> 1 & 1, r.profile >> 2 & 1, r.profile >> 3 & 1,
                   r.profile >> 4 & 1, int(r.products))
        for r in connection.execute(text(BRAND_GROUPS))
    ]  # fmt: skip
    dates = None
    if details:
        dates = [
            (r.industry, int(r.standard_id), r.implemented_on, r.year)
            for r in connection.execute(text(STANDARD_DATES), params)
        ]
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
        int(facts.key_energy_users or 0), int(facts.key_energy_confirmed or 0), brand_groups, dates,
    )  # fmt: skip


def _totals(groups: Iterable[Group], enterprises: EnterpriseCounts, registered: int) -> Totals:
    # summed in plain locals: a province has 100,000+ groups, and every assignment to a
    # pydantic model field is validated
    products = with_standard = adopting = neq = outdated = 0
    output_with_standard = adopting_output = 0.0
    for g in groups:
        products += g.products
        if g.has_standard:
            with_standard += g.products
            output_with_standard += g.output_with_standard
        adopting += g.products * g.adopting
        adopting_output += g.adopting_output
        neq += g.products * g.neq
        outdated += g.products * g.outdated
    return Totals(
        enterprises=registered,
        products=products,
        products_with_standard=with_standard,
        products_without_standard=products - with_standard,
        adopting_products=adopting,
        adoption_rate=rate(adopting, with_standard),
        neq_products=neq,
        outdated_products=outdated,
        enterprises_with_standard=enterprises.with_standard,
        adopting_enterprises=enterprises.adopting,
        adoption_rate_by_enterprise=rate(enterprises.adopting, enterprises.with_standard),
        output_value_with_standard=output_with_standard,
        adopting_output_value=adopting_output,
        adoption_rate_by_output_value=rate(adopting_output, output_with_standard),
    )


def _breakdown(
    groups: Iterable[Any], key_of: Any, keys: Iterable[str] = (), model: type[Breakdown] = Breakdown
) -> list[Any]:
    # counts per key in plain lists; the models are built once at the end
    sums: dict[str | None, list[int]] = {key: [0, 0, 0, 0, 0] for key in keys}
    for g in groups:
        key = key_of(g)
        counts = sums.get(key)
        if counts is None:
            counts = sums[key] = [0, 0, 0, 0, 0]
        counts[0] += g.products
        counts[1] += g.products * g.has_standard
        counts[2] += g.products * g.adopting
        counts[3] += g.products * g.neq
        counts[4] += g.products * g.outdated
    return [
        model(key=key, products=products, products_with_standard=with_standard, adopting_products=adopting,
              adoption_rate=rate(adopting, with_standard), neq_products=neq, outdated_products=outdated)
        for key, (products, with_standard, adopting, neq, outdated) in sums.items()
    ]  # fmt: skip


def _by_value(groups: Iterable[Any], key_of: Any) -> list[Breakdown]:
    rows = _breakdown(groups, key_of)
    return sorted(rows, key=lambda r: (-r.products, r.key is None, r.key or ""))


def _by_region(groups: list[Group]) -> list[Breakdown]:
    """By region, when the register holds merged ones (products imported here: key null)."""
    if all(g.region is None for g in groups):
        return []
    return _by_value(groups, lambda g: g.region)


def _add_previous(rows: Sequence[Breakdown], earlier: Sequence[Breakdown]) -> None:
    """Each group's adoption rate at the end of the year before, beside this year's."""
    before = {row.key: row.adoption_rate for row in earlier}
    for row in rows:
        row.previous_adoption_rate = before.get(row.key)


def _industry_levels(groups: list[Group], industries: list[str | None]) -> list[IndustryLevel]:
    cells: dict[tuple[str | None, str], IndustryLevel] = {}
    for g in groups:
        level = LEVEL_KEYS[g.level_rank]
        cell = cells.get((g.industry, level))
        if cell is None:
            cell = cells[(g.industry, level)] = IndustryLevel(industry=g.industry, level=level)
        cell.products += g.products
        cell.output_value += g.output_value
    for cell in cells.values():
        cell.output_value = round(cell.output_value, 4)
    order = {industry: i for i, industry in enumerate(industries)}
    return sorted(
        cells.values(), key=lambda c: (order.get(c.industry, len(order)), LEVEL_KEYS.index(c.level))
    )


def standard_age(as_of: dt.date, implemented_on: Any, year: int | None) -> float | None:
    """Years from a standard's implementation (else the middle of its year) to ``as_of`` (标龄).

    None when neither is known, or when the standard is dated after ``as_of``
    (:func:`dated_after`: it has no age yet); 0 for one implemented later in
    the year of a year-only date.

    >>> standard_age(dt.date(2012, 12, 31), "2007-10-01", 2007)
    5.25
    >>> standard_age(dt.date(2012, 12, 31), None, 2008), standard_age(dt.date(2012, 12, 31), None, None)
    (4.5, None)
    >>> standard_age(dt.date(2012, 12, 31), None, 2014), standard_age(dt.date(2012, 3, 31), None, 2012)
    (None, 0.0)
    """
    if dated_after(as_of, implemented_on, year):
        return None
    if implemented_on is not None:
        start = _date(implemented_on)
    elif year is not None:
        start = dt.date(year, 7, 1)
    else:
        return None
    return round(max(0, (as_of - start).days) / 365.25, 2)


def dated_after(as_of: dt.date, implemented_on: Any, year: int | None) -> bool:
    """Whether a standard is implemented after ``as_of`` (else, undated, of a later year).

    A register of 2012 that names GB/T 1234-2014 holds a future-dated code (a
    warning at import): it has no age, and is counted beside the ages.

    >>> dated_after(dt.date(2012, 12, 31), "2013-06-01", 2012), dated_after(dt.date(2012, 12, 31), None, 2013)
    (True, True)
    """
    if implemented_on is not None:
        return _date(implemented_on) > as_of
    return year is not None and year > as_of.year


def _date(value: Any) -> dt.date:
    """A date column's value: a date (PostgreSQL) or its ISO text (SQLite through text())."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def replacements(connection: Connection, as_of: dt.date) -> dict[str, str]:
    """Each replaced standard's code → the standard to move to on ``as_of``.

    That is the end of its chain of replacements, stopping at the first
    standard that is not itself outdated on ``as_of`` (GB/T 1-2000 → GB/T 1-2009
    → GB/T 1-2020: as of 2012 move to GB/T 1-2009, as of 2021 to GB/T 1-2020).
    """
    links: dict[str, str] = {}
    outdated: set[str] = set()
    for code, newer, newer_outdated_from in connection.execute(
        text(
            "SELECT s.code, r.code, r.outdated_from "
            "FROM standard s JOIN standard r ON r.id = s.replaced_by_id"
        )
    ):
        links[code] = newer
        if newer_outdated_from is not None and _date(newer_outdated_from) <= as_of:
            outdated.add(newer)
    moves = {}
    for code, newer in links.items():
        seen = {code}
        while newer in outdated and newer in links and newer not in seen:
            seen.add(newer)
            newer = links[newer]
        moves[code] = newer
    return moves


def _age_summary(key: str | None, ages: list[float | None], later: int, review_years: int) -> StandardAge:
    known = sorted(age for age in ages if age is not None)
    older = sum(1 for age in known if age > review_years)
    return StandardAge(
        key=key,
        standards=len(ages),
        dated=len(known),
        mean_age=round(statistics.fmean(known), 2) if known else None,
        median_age=round(statistics.median(known), 2) if known else None,
        max_age=known[-1] if known else None,
        older_than_review=older,
        share_older_than_review=rate(older, len(known)),
        dated_after=later,
    )


def _standard_ages(
    dates: list[tuple[str | None, int, Any, int | None]],
    as_of: dt.date,
    review_years: int,
    industries: list[str | None],
) -> StandardAges:
    by_industry: dict[str | None, list[float | None]] = {industry: [] for industry in industries}
    later: dict[str | None, int] = {}
    county: dict[int, float | None] = {}
    county_later: set[int] = set()
    for industry, standard_id, implemented_on, year in dates:
        age = standard_age(as_of, implemented_on, year)
        by_industry.setdefault(industry, []).append(age)
        county[standard_id] = age
        if dated_after(as_of, implemented_on, year):
            later[industry] = later.get(industry, 0) + 1
            county_later.add(standard_id)
    return StandardAges(
        review_years=review_years,
        by_industry=[
            _age_summary(key, ages, later.get(key, 0), review_years)
            for key, ages in by_industry.items()
            if ages
        ],
        total=_age_summary(None, list(county.values()), len(county_later), review_years),
    )


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
    previous: bool = True,
    details: bool = True,
) -> Report:
    """The report of the register as it stood on ``as_of`` (SPEC.md, ``report --format json``).

    ``previous`` adds the year before (its totals, and each group's rate beside
    this year's); ``details`` adds the products and output value by industry and
    standard level, and the age of the standards each industry executes.
    """
    snap = snapshot(connection, as_of, rule, details=details)
    totals = _totals(snap.groups, snap.all_enterprises, snap.enterprises)
    totals.key_energy_users = snap.key_energy_users
    totals.key_energy_users_metrology_confirmed = snap.key_energy_confirmed
    brand = _totals(
        [g for g in snap.groups if g.brand], snap.brand_enterprises, snap.brand_enterprises.enterprises
    )
    results = []
    year_for_targets = year if year is not None else as_of.year
    for target in targets.targets:
        if not target.applies(year_for_targets):
            continue
        actual = _measure(target.measure, totals, brand, snap.groups, snap, targets.block_industries)
        results.append(
            TargetResult(
                name=target.name,
                label=target.label_zh,
                label_zh=target.label_zh,
                label_en=target.label_en,
                measure=target.measure,
                target=target.target,
                actual=actual,
                # no data (no key energy users, no brand products …) is neither met nor missed
                met=None if actual is None else actual >= target.target,
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
        by_region=_by_region(snap.groups),
        by_size=_breakdown(snap.groups, lambda g: g.size or "unknown", SIZE_KEYS),
        by_level=_breakdown(snap.groups, lambda g: LEVEL_KEYS[g.level_rank], LEVEL_KEYS, LevelCount),
        brand_products=brand,
        targets=results,
        brand_by_title=_by_value(snap.brand_groups, lambda g: g.title),
        brand_by_industry=_by_value([g for g in snap.groups if g.brand], lambda g: g.industry),
        brand_by_township=_by_value([g for g in snap.groups if g.brand], lambda g: g.township),
    )
    if details:
        industries = [row.key for row in report.by_industry]
        report.by_industry_and_level = _industry_levels(snap.groups, industries)
        report.standard_age = _standard_ages(
            snap.standard_dates or [], as_of, targets.review_years, industries
        )
    if previous and year is not None:
        earlier = build_report(
            connection,
            dt.date(year - 1, 12, 31),
            year=year - 1,
            rule=rule,
            targets=targets,
            previous=False,
            details=False,
        )
        report.previous_year = PreviousYear(year=year - 1, totals=earlier.totals)
        for rows, before in (
            (report.by_industry, earlier.by_industry),
            (report.by_township, earlier.by_township),
            (report.by_region, earlier.by_region),
            (report.by_size, earlier.by_size),
            (report.by_level, earlier.by_level),
            (report.brand_by_title, earlier.brand_by_title),
            (report.brand_by_industry, earlier.brand_by_industry),
            (report.brand_by_township, earlier.brand_by_township),
        ):
            _add_previous(rows, before)
        report._previous = earlier
    return report
