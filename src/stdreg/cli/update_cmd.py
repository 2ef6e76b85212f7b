"""``stdreg update``: single dated changes and corrections, each its own audited batch."""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stdreg.cli.common import Messages, WaitOption, options, parse_date_option
from stdreg.errors import InputError, StdregError, UsageError
from stdreg.outputs import check_output, protect_inputs

# Deferred into the commands (help lists every command, so it imports this module), with what
# each would add to that start-up (CPU, measured): stdreg.update.apply, stdreg.kernel and
# stdreg.ingest.service with SQLAlchemy, SQLModel and pydantic 600-900 ms, stdreg.update.sheet
# 110 ms, stdreg.update.changes and stdreg.fields with python-stdnum 60-70 ms, stdreg.ingest.problems
# 18 ms, stdreg.store 10 ms.

if TYPE_CHECKING:
    from stdreg.ingest.problems import Problems
    from stdreg.update.changes import Change

app = typer.Typer(
    help="Change or correct the register: an enterprise, a product, a standard, or a sheet of changes.",
    no_args_is_help=False,
)

UpdateAsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        help="The date the change holds from (2013-12-31, 2013年12月31日 …); default today. "
        "With --correct: correct from this date on (default: every date).",
        show_default=False,
    ),
]
Correct = Annotated[
    bool,
    typer.Option(
        "--correct",
        help="A correction of a past mistake, not a change in the world: rewrite the value in every "
        "version (from --as-of on, when given) instead of adding a dated version.",
    ),
]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Check the change and say what it does; write nothing.")
]
Enterprise = Annotated[
    str,
    typer.Argument(
        metavar="USCC",
        help="The enterprise: its USCC or its organization code (XXXXXXXX-X).",
        show_default=False,
    ),
]


@app.callback(invoke_without_command=True)
def update_command(
    ctx: typer.Context,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="FILE",
            help="A sheet of changes (.xlsx, .csv), one per row, applied as one batch, all or nothing "
            "(columns: see the README).",
            show_default=False,
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="With --from: the date of rows whose 日期 cell is blank (default today).",
            show_default=False,
        ),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="With --from: where to list bad rows (default <file>.rejects.xlsx here).",
            show_default=False,
        ),
    ] = None,
    wait: WaitOption = 30.0,
    dry_run: DryRun = False,
) -> None:
    """Change or correct the register: stdreg update enterprise|product|standard …, or --from FILE.

    Each update is one batch (kind update) recorded with the command line and user name;
    `stdreg history` shows it and `stdreg import --revert BATCH_ID` undoes it.
    With --from: 0 done; 3 bad rows, nothing written (see the rejects file).
    """
    if ctx.invoked_subcommand is not None:
        if from_file is not None or as_of is not None or rejects is not None:
            raise UsageError(
                "--from, --as-of and --rejects before the subcommand apply to --from only; "
                "put the options after it: stdreg update enterprise USCC … --as-of DATE"
            )
        return
    if from_file is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(2)
    from stdreg.ingest.problems import Problems, default_rejects_path
    from stdreg.ingest.service import file_sha256
    from stdreg.kernel.batch import current_user
    from stdreg.store import open_register, writer_lock
    from stdreg.update.apply import UpdateRejected, run_updates
    from stdreg.update.sheet import read_update_sheet

    date = _date(as_of)
    problems = Problems(from_file.name)
    changes, read = read_update_sheet(from_file, problems, date)
    protect_inputs([from_file])
    target = check_output(rejects or default_rejects_path(from_file))
    messages = Messages()
    if read == 0:
        raise UsageError(f"{from_file}: no changes below the header")
    if problems.rejects:
        _reject(problems, target, read, from_file)
    register = open_register(options(ctx).db)
    try:
        with writer_lock(register, wait=wait, bulk=False):
            try:
                result = run_updates(
                    register,
                    changes,
                    source=from_file.name,
                    sha256=file_sha256(from_file),
                    as_of=date,
                    user=current_user(),
                    dry_run=dry_run,
                    wait=wait,
                )
            except UpdateRejected as exc:
                for change, error in exc.errors:
                    row = change.row if change is not None else 0
                    problems.reject(row, error.field, error.value, error.reason)
                _reject(problems, target, read, from_file)
    finally:
        register.dispose()
    _tell(messages, result.batch_id, result.notes, dry_run)


def _reject(problems: Problems, target: Path, read: int, path: Path) -> None:
    from stdreg.ingest.problems import write_rejects

    try:
        written = write_rejects(problems, target)
    except StdregError as exc:
        raise StdregError(
            f"{exc}; rows were rejected and cannot be reported, so nothing was changed"
        ) from exc
    shown = "\n".join(f"  {error}" for error in problems.rejects[:5])
    more = f"\n  … and {len(problems.rejects) - 5} more" if len(problems.rejects) > 5 else ""
    raise InputError(
        f"{path}: {len(problems.rejected_rows)} of {read} rows rejected, nothing changed; "
        f"the rejects file {written} lists them:\n{shown}{more}"
    )


@app.command("enterprise")
def update_enterprise(
    ctx: typer.Context,
    enterprise: Enterprise,
    name: Annotated[
        str | None, typer.Option("--name", help="The enterprise's name.", show_default=False)
    ] = None,
    township: Annotated[
        str | None, typer.Option("--township", help="Its township (乡镇).", show_default=False)
    ] = None,
    industry: Annotated[
        str | None, typer.Option("--industry", help="Its industry (行业).", show_default=False)
    ] = None,
    size: Annotated[
        str | None,
        typer.Option(
            "--size", metavar="SIZE", help="above or below designated size (规上/规下).", show_default=False
        ),
    ] = None,
    high_tech: Annotated[
        bool | None,
        typer.Option("--high-tech/--no-high-tech", help="A high-tech enterprise or not.", show_default=False),
    ] = None,
    key_energy_user: Annotated[
        bool | None,
        typer.Option(
            "--key-energy-user/--no-key-energy-user", help="A key energy user or not.", show_default=False
        ),
    ] = None,
    metrology_confirmed: Annotated[
        str | None,
        typer.Option(
            "--metrology-confirmed",
            metavar="DATE|no",
            help="The date its measurement system was confirmed, yes, or no.",
            show_default=False,
        ),
    ] = None,
    good_behaviour: Annotated[
        str | None,
        typer.Option(
            "--good-behaviour",
            metavar="LEVEL",
            help="Standardization good-behaviour level: AAAA, AAA, AA, A, or none.",
            show_default=False,
        ),
    ] = None,
    uscc: Annotated[
        str | None,
        typer.Option(
            "--uscc",
            metavar="NEW",
            help="Record the USCC of an enterprise known by its organization code "
            "(its characters 9–17 must be that code).",
            show_default=False,
        ),
    ] = None,
    as_of: UpdateAsOf = None,
    correct: Correct = False,
    wait: WaitOption = 30.0,
    dry_run: DryRun = False,
) -> None:
    """Change an enterprise's attributes as of a date (default today), or --correct them.

    Exit codes: 0 done; 2 a value cannot be read (bad code, level, date) or the options
    contradict each other; 3 the change contradicts the register, nothing written;
    75 another writer held the lock past --wait.
    """
    from stdreg.update.changes import enterprise_changes

    date, correct_from = _dates(as_of, correct)
    attributes = {
        "name": name,
        "township": township,
        "industry": industry,
        "size": size,
        "high_tech": high_tech,
        "key_energy_user": key_energy_user,
        "metrology_confirmed": metrology_confirmed,
        "good_behaviour": good_behaviour,
    }
    changes = _checked(
        enterprise_changes, enterprise, attributes, uscc=uscc, as_of=date, correct=correct,
        correct_from=correct_from,
    )  # fmt: skip
    _run(ctx, changes, date, wait, dry_run)


@app.command("product")
def update_product(
    ctx: typer.Context,
    enterprise: Enterprise,
    product: Annotated[
        str, typer.Argument(metavar="PRODUCT", help="The product's name.", show_default=False)
    ],
    rename: Annotated[
        str | None,
        typer.Option(
            "--rename",
            metavar="NEW",
            help="A new name from the date on (with --correct: the name was misspelt, every date).",
            show_default=False,
        ),
    ] = None,
    add_standard: Annotated[
        list[str] | None,
        typer.Option(
            "--add-standard",
            metavar="CODE",
            help="It is made to this standard too (repeat for several); registers the product if needed.",
            show_default=False,
        ),
    ] = None,
    drop_standard: Annotated[
        list[str] | None,
        typer.Option(
            "--drop-standard",
            metavar="CODE",
            help="It is no longer made to this standard (with --correct: never was).",
            show_default=False,
        ),
    ] = None,
    replace_standard: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--replace-standard",
            metavar="OLD NEW",
            help="Made to NEW instead of OLD (with --correct: OLD was recorded by mistake).",
            show_default=False,
        ),
    ] = None,
    output_value: Annotated[
        str | None,
        typer.Option("--output-value", metavar="万元", help="Its output value (万元).", show_default=False),
    ] = None,
    brand: Annotated[
        str | None,
        typer.Option(
            "--brand", metavar="TITLE|none", help="Its brand title (浙江名牌 …), or none.", show_default=False
        ),
    ] = None,
    drop: Annotated[
        bool, typer.Option("--drop", help="It is no longer made (with --correct: was registered by mistake).")
    ] = False,
    as_of: UpdateAsOf = None,
    correct: Correct = False,
    wait: WaitOption = 30.0,
    dry_run: DryRun = False,
) -> None:
    """Change a product as of a date (default today): its standards, name, output value, brand.

    Exit codes: 0 done; 2 a value cannot be read (bad code, number, date) or the options
    contradict each other; 3 the change contradicts the register, nothing written;
    75 another writer held the lock past --wait.
    """
    from stdreg.update.changes import product_changes

    date, correct_from = _dates(as_of, correct)
    changes = _checked(
        product_changes,
        enterprise,
        product,
        as_of=date,
        rename=rename,
        add_standards=add_standard or (),
        drop_standards=drop_standard or (),
        replace_standard=replace_standard,
        output_value=output_value,
        brand=brand,
        drop=drop,
        correct=correct,
        correct_from=correct_from,
    )
    _run(ctx, changes, date, wait, dry_run)


@app.command("standard")
def update_standard(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar="CODE", help="The standard's code.", show_default=False)],
    title: Annotated[
        str | None, typer.Option("--title", help="Its title (标准名称).", show_default=False)
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help="current, upcoming, replaced or withdrawn (现行/即将实施/被代替/废止).",
            show_default=False,
        ),
    ] = None,
    replaced_by: Annotated[
        str | None,
        typer.Option(
            "--replaced-by", metavar="CODE", help="The newer standard that replaces it.", show_default=False
        ),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            metavar="DATE",
            help="The date of the fact itself: withdrawn on (--status withdrawn), implemented on "
            "(current, upcoming), the day the replacement takes effect (--replaced-by).",
            show_default=False,
        ),
    ] = None,
    adopts: Annotated[
        str | None,
        typer.Option(
            "--adopts",
            metavar="CODE|none",
            help="The international or foreign standard it adopts (with --degree), or none.",
            show_default=False,
        ),
    ] = None,
    degree: Annotated[
        str | None,
        typer.Option(
            "--degree", metavar="IDT|MOD|NEQ|EQV", help="The degree of adoption.", show_default=False
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="The date the statement is made (a status without --on counts from it); default today.",
            show_default=False,
        ),
    ] = None,
    wait: WaitOption = 30.0,
    dry_run: DryRun = False,
) -> None:
    """Change facts about a standard: title, status, replacement, adoption; they hold on their own dates.

    When a standard becomes outdated is recomputed afterwards (as a catalog import does).
    Exit codes: 0 done; 2 a value cannot be read (bad code, status, degree, date);
    75 another writer held the lock past --wait.
    """
    from stdreg.fields import FIELDS
    from stdreg.update.changes import standard_change

    date = _date(as_of)
    parsed = _checked(FIELDS["standard"], code)
    change = _checked(
        standard_change,
        parsed,
        as_of=date,
        title=title,
        status_text=status,
        replaced_by=replaced_by,
        on=parse_date_option(on, "--on") if on is not None else None,
        adopts=adopts,
        degree_text=degree,
    )
    _run(ctx, [change], date, wait, dry_run)


# --- shared --------------------------------------------------------------------------------


def _date(as_of: str | None) -> dt.date:
    return parse_date_option(as_of) if as_of is not None else dt.date.today()


def _dates(as_of: str | None, correct: bool) -> tuple[Any, Any]:
    """(the date of the change, the date a correction starts from or None for every date)."""
    date = _date(as_of)
    return date, (date if correct and as_of is not None else None)


def _checked(parser: Any, *args: Any, **kwargs: Any) -> Any:
    """The parser's value; a value that cannot be read is a usage error (exit 2)."""
    from stdreg.fields import FieldError

    try:
        return parser(*args, **kwargs)
    except FieldError as exc:
        raise UsageError(f"{exc.field.replace('_', '-')}: {exc.value!r}: {exc.reason}") from None


def command_line(ctx: typer.Context, as_of: Any) -> str:
    """The command as a canonical line (no --db, --wait, --dry-run), with its date made explicit."""
    names = []
    current: Any = ctx
    while current.parent is not None:
        names.append(current.info_name)
        current = current.parent
    parts = ["stdreg", *reversed(names)]
    dated = False
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if param.name in ("wait", "dry_run") or value is None or value is False or value == [] or value == ():
            continue
        if param.param_type_name == "argument":
            parts.append(str(value))
            continue
        flag = max(param.opts, key=len)
        if isinstance(value, bool):
            parts.append(flag if value else max(param.secondary_opts, key=len))
        elif isinstance(value, list):
            for item in value:
                parts += [flag, str(item)]
        elif isinstance(value, tuple):
            parts += [flag, *map(str, value)]
        else:
            parts += [flag, str(value)]
        dated = dated or param.name == "as_of"
    if not dated and not ctx.params.get("correct"):
        parts += ["--as-of", str(as_of)]
    return " ".join(_quoted(part) for part in parts)


def _quoted(text: str) -> str:
    """Shell quoting that leaves Chinese text readable (shlex.quote quotes every non-ASCII word)."""
    if text and all(c.isalnum() or c in "@%+=:,./-_" for c in text):
        return text
    return shlex.quote(text)


def _run(ctx: typer.Context, changes: list[Change], date: Any, wait: float, dry_run: bool) -> None:
    from stdreg.kernel.batch import command_sha256, current_user
    from stdreg.store import open_register, writer_lock
    from stdreg.update.apply import UpdateRejected, run_updates

    line = command_line(ctx, date)
    register = open_register(options(ctx).db)
    try:
        with writer_lock(register, wait=wait, bulk=False):
            try:
                result = run_updates(
                    register,
                    changes,
                    source=line,
                    sha256=command_sha256(line),
                    as_of=date,
                    user=current_user(),
                    dry_run=dry_run,
                    wait=wait,
                )
            except UpdateRejected as exc:
                reasons = "; ".join(str(error) for _, error in exc.errors)
                raise InputError(f"{reasons}; nothing was changed") from None
    finally:
        register.dispose()
    _tell(Messages(), result.batch_id, result.notes, dry_run)


def _tell(messages: Messages, batch_id: int | None, notes: list[str], dry_run: bool) -> None:
    for note in notes:
        messages.info(("would: " if dry_run else "") + note)
    if batch_id is not None:
        messages.info(f"batch {batch_id}")
