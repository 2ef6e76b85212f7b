"""``stdreg check``: products made to a withdrawn or replaced standard, for cron to alert on."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from stdreg.cli.common import (
    FormatOption,
    Lang,
    LangOption,
    Messages,
    OutputOption,
    QueryFormat,
    options,
    output_format,
    parse_date_option,
    write_rows,
)

EXIT_OUTDATED = 4
"""``stdreg check`` found products made to an outdated standard (no other command exits 4)."""

_LABELS = {
    "township": ("乡镇", "Township"),
    "enterprise": ("企业名称", "Enterprise"),
    "uscc": ("统一社会信用代码", "USCC"),
    "org_code": ("组织机构代码", "Organization code"),
    "product": ("产品名称", "Product"),
    "standard": ("执行标准", "Standard"),
    "status": ("标准状态", "Status"),
    "outdated_from": ("过期日期", "Outdated from"),
    "replaced_by": ("替代标准", "Replaced by"),
    "move_to": ("应改用", "Move to"),
}
_TABLE_FIELDS = ("township", "enterprise", "product", "standard", "status", "outdated_from", "move_to")


def check_command(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="Check as of this date (2013-12-31, 2013年12月31日 …); default today.",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Only standards that became outdated after this date (e.g. the last check's).",
            show_default=False,
        ),
    ] = None,
    format: FormatOption = None,
    output: OutputOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """List products made to a withdrawn or replaced standard, by township and enterprise.

    Each row names the standard, when it became outdated, and the standard to move to (the newest
    along its chain of replacements). Exit codes: 0 nothing is outdated; 4 something is (the rows
    are listed), so that cron can alert; 2 usage error.
    """
    import datetime as dt

    from stdreg import checks
    from stdreg.render.rows import Column

    date = parse_date_option(as_of) if as_of is not None else dt.date.today()
    floor = parse_date_option(since, "--since") if since is not None else None
    chosen = output_format(format, output)
    from stdreg.store import open_register

    register = open_register(options(ctx).db)
    try:
        with register.engine.connect() as connection:
            rows = checks.outdated_products(connection, date, since=floor)
    finally:
        register.dispose()
    language = lang.value
    status_words = {"replaced": ("被代替", "replaced"), "withdrawn": ("废止", "withdrawn")}
    title = f"{'as of' if language == 'en' else '截至'} {date}" + (
        f" ({'since' if language == 'en' else '自'} {floor})" if floor else ""
    )
    if chosen is QueryFormat.table:
        keys = _TABLE_FIELDS
        positions = [checks.CHECK_FIELDS.index(key) for key in keys]
        columns = [Column(key, _pick(_LABELS[key], language)) for key in keys]
        shown: list[tuple[Any, ...]] = []
        previous: tuple[Any, Any] = (object(), object())
        for row in rows:
            values = [row[i] for i in positions]
            values[4] = _pick(status_words.get(values[4], (values[4], values[4])), language)
            group = (row[0], row[3])
            if group == previous:  # one heading per township and enterprise
                values[0] = values[1] = ""
            previous = group
            shown.append(tuple(values))
        write_rows(shown, columns, chosen, output, title=title, row_style=None)
    else:
        columns = [Column(key, _pick(_LABELS[key], language)) for key in checks.CHECK_FIELDS]
        write_rows(rows, columns, chosen, output, title="check", row_style=None)
    messages = Messages()
    if not rows:
        messages.info(f"{title}: no product is made to a withdrawn or replaced standard")
        return
    products = len({(row[3], row[4]) for row in rows})
    enterprises = len({row[3] for row in rows})
    messages.problem(
        f"{title}: {products} products of {enterprises} enterprises "
        "are made to a withdrawn or replaced standard"
    )
    raise typer.Exit(EXIT_OUTDATED)


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]
