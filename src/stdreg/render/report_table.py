"""The report as terminal tables (rich), readable at a glance."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from stdreg.render.labels import label, met_key, text
from stdreg.stats import Breakdown, Report, Totals

if TYPE_CHECKING:
    from stdreg.trends import Trend


def percent(value: float | None) -> str:
    """A fraction as a percentage with one decimal, or — when there is none.

    >>> percent(0.8543), percent(None)
    ('85.4%', '—')
    """
    return "—" if value is None else f"{value * 100:.1f}%"


def _console(stream: IO[str]) -> Any:
    from rich.console import Console

    return Console(file=stream, highlight=False, soft_wrap=False, width=None if stream.isatty() else 120)


MET_STYLES = {True: None, False: "red", None: "bright_black"}  # no data: grey, never red

TOTAL_FIELDS = (
    "enterprises",
    "products",
    "products_with_standard",
    "products_without_standard",
    "adopting_products",
    "adoption_rate",
    "adoption_rate_by_enterprise",
    "adoption_rate_by_output_value",
    "neq_products",
    "outdated_products",
)


def _value(totals: Totals | None, name: str) -> str:
    if totals is None:
        return ""
    value = getattr(totals, name)
    return percent(value) if name.startswith("adoption_rate") else f"{value:,}"


def _county(county: str, lang: str) -> str:
    """The county before a title: 龙游县企业产品… (a space before English)."""
    return (county + " " if lang == "en" else county) if county else ""


def print_report(report: Report, stream: IO[str], *, lang: str = "zh", county: str = "") -> None:
    """The report as tables; ``county`` (the configuration's ``[bureau]``) heads the title."""
    from rich.table import Table

    console = _console(stream)
    title = (
        f"{_county(county, lang)}{label('report', lang)} {report.year or ''}"
        f"  ({label('as_of', lang)} {report.as_of})"
    )
    previous = report.previous_year.totals if report.previous_year else None
    summary = Table(title=title, title_justify="left", show_edge=False)
    summary.add_column(label("item", lang))
    summary.add_column(label("totals", lang), justify="right")
    summary.add_column(label("brand_products", lang), justify="right")
    summary.add_column(
        f"{label('previous', lang)} {report.previous_year.year if report.previous_year else ''}",
        justify="right",
    )
    for name in TOTAL_FIELDS:
        summary.add_row(
            label(name, lang),
            _value(report.totals, name),
            _value(report.brand_products, name),
            _value(previous, name),
        )
    console.print(summary)
    if report.targets:
        targets = Table(title=label("targets", lang), title_justify="left", show_edge=False)
        for heading in ("item", "target", "actual", "met"):
            targets.add_column(label(heading, lang), justify="left" if heading == "item" else "right")
        for target in report.targets:
            targets.add_row(
                target.label_in(lang),
                percent(target.target),
                percent(target.actual),
                label(met_key(target.met), lang),
                style=MET_STYLES[target.met],
            )
        console.print()
        console.print(targets)
    for name, rows in (
        ("by_region", report.by_region),
        ("by_industry", report.by_industry),
        ("by_township", report.by_township),
        ("by_size", report.by_size),
    ):
        if not rows:  # by_region: a register that merged no county
            continue
        console.print()
        console.print(_breakdown_table(label(name, lang), rows, lang))
    levels = Table(title=label("by_level", lang), title_justify="left", show_edge=False)
    levels.add_column(label("key", lang))
    levels.add_column(label("products", lang), justify="right")
    for row in report.by_level:
        levels.add_row(label(row.key, lang), f"{row.products:,}")
    console.print()
    console.print(levels)


def _breakdown_table(title: str, rows: list[Breakdown], lang: str) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_edge=False)
    table.add_column(label("key", lang))
    for name in (
        "products",
        "products_with_standard",
        "adopting_products",
        "adoption_rate",
        "outdated_products",
    ):
        table.add_column(label(name, lang), justify="right")
    for row in rows:
        table.add_row(
            label(row.key, lang) if row.key in (None, "above", "below", "unknown") else row.key,
            f"{row.products:,}",
            f"{row.products_with_standard:,}",
            f"{row.adopting_products:,}",
            percent(row.adoption_rate),
            f"{row.outdated_products:,}",
        )
    return table


TREND_FIELDS = (
    "products",
    "products_with_standard",
    "adopting_products",
    "adoption_rate",
    "adoption_rate_by_enterprise",
    "adoption_rate_by_output_value",
    "outdated_products",
)


def print_trend(trend: Trend, stream: IO[str], *, lang: str = "zh", county: str = "") -> None:
    """The year-by-year series: one row per year, rates beside the counts."""
    from rich.table import Table

    console = _console(stream)
    table = Table(
        title=_county(county, lang) + text("trend_title", lang, first=trend.from_year, last=trend.to_year),
        title_justify="left",
        show_edge=False,
    )
    table.add_column(label("year", lang))
    for name in (*TREND_FIELDS, "brand_adoption_rate"):
        # 采标率（按产品） on two lines: the table fits 120 columns
        table.add_column(label(name, lang).replace("（", "\n（").replace(" (", "\n("), justify="right")
    for point in trend.years:
        table.add_row(
            str(point.year),
            *[_value(point.totals, name) for name in TREND_FIELDS],
            percent(point.brand_products.adoption_rate),
        )
    console.print(table)
    names = {t.name: t for point in trend.years for t in point.targets}
    if names:
        targets = Table(title=label("targets", lang), title_justify="left", show_edge=False)
        targets.add_column(label("year", lang))
        for target in names.values():
            targets.add_column(
                f"{target.label_in(lang)} ({percent(target.target)})", justify="right", overflow="fold"
            )
        for point in trend.years:
            actual = {t.name: t for t in point.targets}
            targets.add_row(
                str(point.year),
                *[_met(actual[name].actual, actual[name].met) if name in actual else "" for name in names],
            )
        console.print()
        console.print(targets)


def _met(actual: float | None, met: bool | None) -> str:
    """An actual value, marked ✗ when it misses its target (— without data: neither met nor missed)."""
    return percent(actual) + (" ✗" if met is False else "")
