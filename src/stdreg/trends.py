"""The register year by year: ``stdreg report --from A --to B``, and the workbook's series.

Each year is the register as it stood on 31 December of that year, counted as
``report --year`` counts it (:func:`stdreg.stats.build_report`), so a year of
the series and the report of that year always agree. Importing a later year
never changes an earlier year of the series, except through facts about
standards (SPEC.md, "Dates").

JSON (``report --from 2011 --to 2012 --format json``)::

    {"from": 2011, "to": 2012, "adoption_rule": "classic", "rates": {...},
     "years": [{"year": 2011, "as_of": "2011-12-31",
                "totals": {... as in the report ...},
                "brand_products": {... as in the report ...},
                "targets": [{"name": ..., "label_zh": ..., "label_en": ..., "target": 0.85,
                             "actual": ..., "met": ...}]},
               ...]}
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.engine import Connection

from stdreg.codes.adoption import AdoptionRule
from stdreg.config import Targets
from stdreg.errors import UsageError
from stdreg.stats import RATE_LABELS, Report, TargetResult, Totals, build_report

MAX_YEARS = 100  # a longer series is a typo (--from 201 --to 2012), not a question


class TrendYear(BaseModel):
    """One year of the series: the register on 31 December."""

    year: int
    as_of: dt.date
    totals: Totals
    brand_products: Totals
    targets: list[TargetResult]

    @classmethod
    def of(cls, report: Report) -> TrendYear:
        assert report.year is not None
        return cls(
            year=report.year,
            as_of=report.as_of,
            totals=report.totals,
            brand_products=report.brand_products,
            targets=report.targets,
        )


class Trend(BaseModel):
    """The year-by-year series from ``from_year`` to ``to_year``, both included."""

    model_config = ConfigDict(populate_by_name=True)

    from_year: int = Field(serialization_alias="from")
    to_year: int = Field(serialization_alias="to")
    adoption_rule: str
    rates: dict[str, str]
    years: list[TrendYear]

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, by_alias=True)


def register_years(connection: Connection) -> tuple[int, int] | None:
    """The first and the last year in which the register holds a product, or None when empty."""
    first, last = connection.execute(
        text("SELECT MIN(valid_from), MAX(valid_from) FROM product_version")
    ).one()
    if first is None:
        return None
    return _year_of(first), _year_of(last)


def _year_of(value: object) -> int:
    if isinstance(value, dt.date):
        return value.year
    return int(str(value)[:4])


def check_years(first: int, last: int) -> None:
    """Raise UsageError for a series that runs backwards or is implausibly long."""
    if first > last:
        raise UsageError(f"--from {first} is after --to {last}")
    if last - first + 1 > MAX_YEARS:
        raise UsageError(f"--from {first} --to {last} spans more than {MAX_YEARS} years")


def build_trend(
    connection: Connection,
    first: int,
    last: int,
    *,
    rule: AdoptionRule,
    targets: Targets,
    known: dict[int, Report] | None = None,
) -> Trend:
    """The register at the end of each year from ``first`` to ``last``.

    ``known`` holds reports already built (year → report), which are used
    instead of counting those years again (with their own as-of dates).
    """
    check_years(first, last)
    years = []
    for year in range(first, last + 1):
        report = (known or {}).get(year)
        if report is None:
            report = build_report(
                connection,
                dt.date(year, 12, 31),
                year=year,
                rule=rule,
                targets=targets,
                previous=False,
                details=False,
            )
        years.append(TrendYear.of(report))
    return Trend(
        from_year=first,
        to_year=last,
        adoption_rule=rule.rule + (" +eqv" if rule.count_eqv else ""),
        rates=RATE_LABELS,
        years=years,
    )


def register_trend(connection: Connection, report: Report, *, rule: AdoptionRule, targets: Targets) -> Trend:
    """Every year the register holds, up to the report's year (the workbook's line chart).

    The series starts with the first year that holds a product (or the
    report's year, when the register starts later or is empty) and reuses the
    report and its previous year instead of counting them again.
    """
    year = report.year if report.year is not None else report.as_of.year
    held = register_years(connection)
    first = min(held[0], year) if held else year
    first = max(first, year - MAX_YEARS + 1)
    known = {year: report}
    if report.previous is not None and report.previous.year is not None:
        known[report.previous.year] = report.previous
    return build_trend(connection, first, year, rule=rule, targets=targets, known=known)
