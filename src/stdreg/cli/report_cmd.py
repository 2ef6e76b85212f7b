"""``stdreg report``: adoption statistics of the register at the end of a year, or year by year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stdreg.cli.common import (
    ConfigOption,
    Lang,
    LangOption,
    OutputOption,
    ReportFormat,
    options,
    output_format,
    output_stream,
    parse_date_option,
)
from stdreg.errors import UsageError

if TYPE_CHECKING:
    from stdreg.config import Bureau
    from stdreg.query import Filters
    from stdreg.trends import Trend

# Deferred into the command (help lists every command, so it imports this module), with what
# each would add to that start-up (CPU, measured): stdreg.stats and stdreg.trends with SQLAlchemy
# and pydantic about 450 ms, the report renderers with openpyxl about 500 ms, stdreg.query 29 ms,
# stdreg.config 20 ms, stdreg.store 10 ms.


def report_command(
    ctx: typer.Context,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            help="Report the register as it stood on Y-12-31.",
            min=1900,
            max=2999,
            show_default=False,
        ),
    ] = None,
    from_year: Annotated[
        int | None,
        typer.Option(
            "--from",
            metavar="YEAR",
            help="With --to: the year-by-year series, each year as of 31 December.",
            min=1900,
            max=2999,
            show_default=False,
        ),
    ] = None,
    to_year: Annotated[
        int | None,
        typer.Option(
            "--to",
            metavar="YEAR",
            help="The last year of the series.",
            min=1900,
            max=2999,
            show_default=False,
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="DATE", help="Another date than Y-12-31 (2013-06-30, 2013年6月30日 …)."
        ),
    ] = None,
    format: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: from the -o file's suffix, else table). "
            "xlsx is the annual workbook; it needs -o or a redirected standard output.",
            show_default=False,
        ),
    ] = None,
    output: OutputOption = None,
    lang: LangOption = Lang.zh,
    targets: Annotated[
        Path | None,
        typer.Option(
            "--targets",
            help="A targets file (TOML); default: the shipped work-plan targets.",
            exists=False,
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Adoption statistics as of the end of a year: totals, by industry, township, size, level; targets.

    --format xlsx writes the annual workbook (summary, breakdowns, brand products,
    outdated standards, products without a standard, standard level, detail).
    --from A --to B gives the year-by-year series instead.
    """
    series = from_year is not None or to_year is not None
    if year is None and not series:
        raise UsageError("give --year Y for the report of a year, or --from A --to B for the series")
    if year is not None and series:
        raise UsageError("give --year, or --from and --to, not both")
    if series and (from_year is None or to_year is None):
        raise UsageError("--from and --to go together: --from 2008 --to 2012")
    if series and as_of is not None:
        raise UsageError("--as-of goes with --year; each year of the series is as of 31 December")
    chosen = output_format(format, output, ReportFormat)
    from stdreg.config import load_adoption_rule, load_bureau, load_targets
    from stdreg.store import open_register

    date = parse_date_option(as_of) if as_of else None
    rule = load_adoption_rule(config)
    bureau = load_bureau(config)
    goals = load_targets(targets)
    if series:
        from stdreg.trends import check_years

        assert from_year is not None and to_year is not None
        check_years(from_year, to_year)
    register = open_register(options(ctx).db)
    try:
        with register.engine.connect() as connection:
            if series:
                from stdreg.trends import build_trend

                assert from_year is not None and to_year is not None
                trend = build_trend(connection, from_year, to_year, rule=rule, targets=goals)
                _write_trend(trend, chosen, output, lang.value, bureau)
                return
            from stdreg.stats import build_report

            assert year is not None
            report = build_report(
                connection,
                date or dt.date(year, 12, 31),
                year=year,
                rule=rule,
                targets=goals,
            )
            if chosen is ReportFormat.xlsx:
                from stdreg.query import iter_rows
                from stdreg.render.report_xlsx import write_report_xlsx
                from stdreg.stats import replacements
                from stdreg.trends import register_trend

                trend = register_trend(connection, report, rule=rule, targets=goals)
                moves = replacements(connection, report.as_of)

                def source(filters: Filters) -> Iterator[tuple[Any, ...]]:
                    yield from iter_rows(connection, filters, rule)

                with output_stream(output, binary=True) as stream:
                    write_report_xlsx(
                        report,
                        stream,
                        source=source,
                        trend=trend,
                        replacements=moves,
                        chart_target=goals.chart_target(),
                        lang=lang.value,
                        bureau=bureau,
                    )
                return
    finally:
        register.dispose()
    with output_stream(output) as stream:
        if chosen is ReportFormat.json:
            stream.write(report.model_dump_json(indent=2) + "\n")
        else:
            from stdreg.render.report_table import print_report

            print_report(report, stream, lang=lang.value, county=bureau.county)


def _write_trend(trend: Trend, chosen: ReportFormat, output: Path | None, lang: str, bureau: Bureau) -> None:
    if chosen is ReportFormat.xlsx:
        from stdreg.render.report_xlsx import write_trend_xlsx

        with output_stream(output, binary=True) as stream:
            write_trend_xlsx(trend, stream, lang=lang, bureau=bureau)
        return
    with output_stream(output) as stream:
        if chosen is ReportFormat.json:
            stream.write(trend.to_json() + "\n")
        else:
            from stdreg.render.report_table import print_trend

            print_trend(trend, stream, lang=lang, county=bureau.county)
