"""``stdreg query``: ask the register which products are made to which standards, as of a date."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stdreg.cli.common import (
    ConfigOption,
    FormatOption,
    Lang,
    LangOption,
    Messages,
    OutputOption,
    QueryFormat,
    YearOption,
    as_of_date,
    options,
    output_format,
    write_rows,
)
from stdreg.render.labels import label

if TYPE_CHECKING:
    from stdreg.query import Unmatched
    from stdreg.render.rows import Column

# Deferred into the commands (help lists every command, so it imports this module), with what
# each would add to that start-up (CPU, measured): stdreg.sql_sandbox with pglast about 190 ms,
# stdreg.query 29 ms, stdreg.config 20 ms, stdreg.render.rows 14 ms, stdreg.store 10 ms.


class Level(StrEnum):
    international = "international"
    foreign = "foreign"
    national = "national"
    industry = "industry"
    local = "local"
    group = "group"
    enterprise = "enterprise"


class CountKey(StrEnum):
    industry = "industry"
    township = "township"
    level = "level"
    standard = "standard"
    region = "region"


app = typer.Typer(no_args_is_help=False)


@app.callback(invoke_without_command=True)
def query_command(
    ctx: typer.Context,
    enterprise: Annotated[
        str | None,
        typer.Option(
            "--enterprise",
            metavar="TEXT",
            help="Enterprises whose name (as of the date) contains TEXT, literally; 1 character is enough.",
            show_default=False,
        ),
    ] = None,
    uscc: Annotated[
        str | None,
        typer.Option(
            "--uscc",
            metavar="CODE",
            help="One enterprise, by its USCC or its organization code (XXXXXXXX-X, any spelling).",
            show_default=False,
        ),
    ] = None,
    product: Annotated[
        str | None,
        typer.Option(
            "--product", metavar="TEXT", help="Products whose name contains TEXT.", show_default=False
        ),
    ] = None,
    standard: Annotated[
        str | None,
        typer.Option(
            "--standard",
            metavar="CODE",
            help="Rows made to this standard (messy forms accepted: gbt13023-2008), "
            "or to any standard under a prefix: GB/T, QB/T 1012, Q/LYHD, ISO.",
            show_default=False,
        ),
    ] = None,
    industry: Annotated[
        list[str] | None,
        typer.Option(
            "--industry",
            metavar="TEXT",
            help="Enterprises of this industry (repeat for several).",
            show_default=False,
        ),
    ] = None,
    township: Annotated[
        list[str] | None,
        typer.Option(
            "--township",
            metavar="TEXT",
            help="Enterprises of this township (repeat for several).",
            show_default=False,
        ),
    ] = None,
    region: Annotated[
        list[str] | None,
        typer.Option(
            "--region",
            metavar="TEXT",
            help="Enterprises merged from this region (county; repeat for several).",
            show_default=False,
        ),
    ] = None,
    size: Annotated[
        str | None,
        typer.Option(
            "--size", metavar="SIZE", help="above or below designated size (规上 / 规下).", show_default=False
        ),
    ] = None,
    level: Annotated[
        list[Level] | None,
        typer.Option(
            "--level",
            metavar="LEVEL",
            help="Standards of this level: international, foreign, national, industry, local, group, "
            "enterprise (repeat for several).",
            show_default=False,
        ),
    ] = None,
    adopting: Annotated[
        bool | None,
        typer.Option(
            "--adopting/--not-adopting",
            help="--adopting: the rows through which a product adopts an international or foreign "
            "standard (采标); --not-adopting: products that execute a standard and adopt through none.",
            show_default=False,
        ),
    ] = None,
    degree: Annotated[
        list[str] | None,
        typer.Option(
            "--degree",
            metavar="DEGREE",
            help="Standards adopted with this degree: IDT, MOD, NEQ, EQV.",
            show_default=False,
        ),
    ] = None,
    outdated: Annotated[
        bool,
        typer.Option("--outdated", help="Rows whose standard is withdrawn or replaced on the date."),
    ] = False,
    without_standard: Annotated[
        bool, typer.Option("--without-standard", help="Products that execute no standard on the date.")
    ] = False,
    brand: Annotated[
        bool | None,
        typer.Option(
            "--brand/--no-brand", help="Products with (or without) a brand title (名牌).", show_default=False
        ),
    ] = None,
    brand_title: Annotated[
        str | None,
        typer.Option(
            "--brand-title",
            metavar="TEXT",
            help="Products whose brand title contains TEXT (浙江名牌).",
            show_default=False,
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="Ask as of this date (2013-12-31, 2013年12月31日 …); default today.",
            show_default=False,
        ),
    ] = None,
    year: YearOption = None,
    count_by: Annotated[
        CountKey | None,
        typer.Option(
            "--count-by",
            metavar="KEY",
            help="Instead of rows, count the matching products (with a standard, adopting, rate, "
            "outdated) by KEY: industry, township, level (the highest a product executes) or standard.",
            show_default=False,
        ),
    ] = None,
    format: FormatOption = None,
    output: OutputOption = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=0, help="At most this many rows.", show_default=False)
    ] = None,
    lang: LangOption = Lang.zh,
    config: ConfigOption = None,
) -> None:
    """Ask the register which products are made to which standards, as of a date (default today).

    One row per execution, one per product without a standard; every filter given must hold.
    With --count-by, counts of products instead. Exit code 0 also when nothing matches.
    """
    if ctx.invoked_subcommand is not None:
        return
    from stdreg import query as q
    from stdreg.config import load_adoption_rule
    from stdreg.render import rows as render
    from stdreg.store import open_register

    date = as_of_date(as_of, year)
    filters = q.Filters(
        as_of=date,
        enterprise=enterprise,
        org_code=q.identity_filter(uscc) if uscc is not None else None,
        product=product,
        standard=q.standard_match(standard) if standard is not None else None,
        industries=tuple(q.search_text(value) for value in industry or ()),
        townships=tuple(q.search_text(value) for value in township or ()),
        regions=tuple(value.strip() for value in region or ()),
        size=q.size_filter(size) if size is not None else None,
        levels=tuple(value.value for value in level or ()),
        adopting=adopting,
        degrees=tuple(dict.fromkeys(q.degree_filter(value) for value in degree or ())),
        outdated=outdated,
        without_standard=without_standard,
        brand=brand,
        brand_title=brand_title,
    )
    filters.check()
    chosen = output_format(format, output)
    rule = load_adoption_rule(config)
    dated = f"{label('as_of', lang.value)} {date}"
    register = open_register(options(ctx).db)
    try:
        with register.engine.connect() as connection:
            if count_by is not None:
                columns = render.count_columns(count_by.value, lang.value)
                found: Iterable[Sequence[Any]] = q.count_by(
                    connection, filters, count_by.value, rule, limit=limit
                )
                title = f"{render.count_title(count_by.value, lang.value)}  ({dated})"
                style = None
            else:
                full = chosen is not QueryFormat.table
                columns = render.query_columns(lang.value, full=full, regions=q.has_regions(connection))
                found = q.iter_rows(connection, filters, rule, limit=limit)
                if not full:
                    found = _project(found, [column.key for column in columns])
                title = dated
                style = _outdated_red(columns) if not full else None
            written = write_rows(found, columns, chosen, output, title=title, row_style=style)
            unmatched = q.unmatched_filters(connection, filters)
    finally:
        register.dispose()
    _tell(written, chosen, output)
    for miss in unmatched:
        _did_you_mean(miss)


def _did_you_mean(miss: Unmatched) -> None:
    """Say on stderr that a --township (--industry, --region) value names nothing, and what it might."""
    said = f"--{miss.field} {miss.value} matches no {miss.field} of the register"
    if miss.near:
        *rest, last = miss.near
        said += f"; did you mean {', '.join(rest) + ' or ' if rest else ''}{last}?"
    Messages().problem(said)


@app.command("sql")
def sql_command(
    ctx: typer.Context,
    statement: Annotated[
        str,
        typer.Argument(
            metavar="SQL",
            help='One SQL statement, for example "SELECT name, COUNT(*) FROM product GROUP BY name".',
            show_default=False,
        ),
    ],
    format: FormatOption = None,
    output: OutputOption = None,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            min=0.001,
            help="Stop the statement after this many seconds, its rows' writing included.",
        ),
    ] = 60.0,
) -> None:
    """Run one read-only SQL statement on the register, for analysts, in any output format.

    Exactly one statement that only reads (SELECT, VALUES, WITH …; EXPLAIN and SHOW
    on a server; describing PRAGMAs on SQLite), read with the database's own grammar,
    on a connection that cannot write. Text and bytes longer than 32,767 characters
    are cut, with a marker. Exit codes: 0 the rows were written (none is fine);
    2 the statement is refused (a write, transaction control, SET, COPY, DO, a
    function outside pg_catalog …: the register is unchanged), the database rejects
    it, or it ran past --timeout; 130 Ctrl-C stopped it. The tables:
    SELECT name FROM sqlite_master WHERE type = 'table'.
    """
    from stdreg.render.rows import Column
    from stdreg.sql_sandbox import run_sql
    from stdreg.store import resolve_url

    chosen = output_format(format, output)
    with run_sql(resolve_url(options(ctx).db), statement, timeout=timeout) as (names, found):
        columns = [Column(key) for key in _unique(names)]
        written = write_rows(found, columns, chosen, output, title=None, row_style=None) if columns else 0
    _tell(written, chosen, output)


def _project(rows: Iterable[Sequence[Any]], keys: list[str]) -> Iterator[tuple[Any, ...]]:
    from stdreg.query import ROW_FIELDS

    positions = [ROW_FIELDS.index(key) for key in keys]
    try:
        for row in rows:
            yield tuple(row[i] for i in positions)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _outdated_red(columns: Sequence[Column]) -> Any:
    """Rows of the table whose standard is outdated on the date are shown red."""
    status = [column.key for column in columns].index("status")

    def style(row: Sequence[Any]) -> str | None:
        return "red" if row[status] in ("replaced", "withdrawn") else None

    return style


def _unique(names: Sequence[str]) -> list[str]:
    """Column names made unique (SELECT a.id, b.id), so that JSON objects keep every column."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        unique.append(name if count == 0 else f"{name}_{count + 1}")
    return unique


def _tell(written: int | None, chosen: QueryFormat, output: Path | None) -> None:
    if written is None:
        return
    messages = Messages()
    if output is not None:
        messages.info(f"{written:,} rows written to {output}")
    elif written == 0 and chosen is QueryFormat.table:
        messages.info("nothing matches")
