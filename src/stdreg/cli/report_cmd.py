"""``stdreg report``: adoption statistics of the register at the end of a year."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stdreg.cli.common import Lang, OutputOption, ReportFormat, options, output_stream, parse_date_option


def report_command(
    ctx: typer.Context,
    year: Annotated[
        int,
        typer.Option(
            "--year",
            help="Report the register as it stood on Y-12-31.",
            min=1900,
            max=2999,
            show_default=False,
        ),
    ],
    as_of: Annotated[
        str | None, typer.Option("--as-of", metavar="DATE", help="Another date than Y-12-31 (YYYY-MM-DD).")
    ] = None,
    format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ReportFormat.table,
    output: OutputOption = None,
    lang: Annotated[
        Lang, typer.Option("--lang", help="Language of labels in tables (JSON keys stay English).")
    ] = Lang.zh,
    targets: Annotated[
        Path | None,
        typer.Option(
            "--targets",
            help="A targets file (TOML); default: the shipped work-plan targets.",
            exists=False,
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            envvar="STDREG_CONFIG",
            help="The bureau's configuration (TOML): how adoption is counted.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Adoption statistics as of the end of a year: totals, by industry, township, size, level; targets."""
    from stdreg.config import load_adoption_rule, load_targets
    from stdreg.stats import build_report
    from stdreg.store import open_register

    date = parse_date_option(as_of) if as_of else None
    rule = load_adoption_rule(config)
    goals = load_targets(targets)
    register = open_register(options(ctx).db)
    try:
        import datetime as dt

        with register.engine.connect() as connection:
            report = build_report(
                connection,
                date or dt.date(year, 12, 31),
                year=year,
                rule=rule,
                targets=goals,
                lang=lang.value,
            )
    finally:
        register.dispose()
    with output_stream(output) as stream:
        if format is ReportFormat.json:
            stream.write(report.model_dump_json(indent=2) + "\n")
        else:
            from stdreg.render.report_table import print_report

            print_report(report, stream, lang=lang.value)
