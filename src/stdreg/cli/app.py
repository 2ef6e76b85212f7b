"""The ``stdreg`` command: global options, command groups, and errors mapped to exit codes.

A command's module is imported, and its options built, only when the command line
names it (or help lists it); heavy libraries (SQLAlchemy, openpyxl, Alembic) are
imported inside the commands that need them, so ``stdreg --help`` and ``--version``
stay fast.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import re
import shutil
import sys
import traceback
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from enum import Enum
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from stdreg import __version__
from stdreg.cli.common import GlobalOptions, Messages
from stdreg.errors import EXIT_FAILURE, StdregError
from stdreg.outputs import forget_protected, protect_register

# stdreg.store waits for the functions that use it: it would add 9 ms of CPU (measured) to
# `stdreg --version`.

# --- help, as git and sqlite-utils print it --------------------------------------------------
#
# One layout for every command: plain text at the terminal's full width, each option with the
# name of its value (never its Python type), and the "Exit codes: 0 …; 3 …" sentence of a
# docstring laid out as a list.

_EXIT_CODES = re.compile(r"\bExit codes:\s*(?=\d)")
_NEXT_CODE = re.compile(r";\s+(?=\d{1,3}\s)")


def split_exit_codes(text: str) -> tuple[str, list[tuple[str, str]]]:
    """A help text without its exit-code sentence, and that sentence as (code, meaning) pairs.

    >>> split_exit_codes("Import files. Exit codes: 0 imported; 75 locked. See the README.")
    ('Import files.\\n\\nSee the README.', [('0', 'imported'), ('75', 'locked')])
    """
    paragraphs = text.split("\n\n")
    for index, paragraph in enumerate(paragraphs):
        flat = " ".join(paragraph.split())
        found = _EXIT_CODES.search(flat)
        if found is None:
            continue
        listed, after = _end_of_sentence(flat[found.end() :])
        codes = []
        for item in _NEXT_CODE.split(listed):
            code, _, meaning = item.partition(" ")
            codes.append((code, meaning.strip()))
        kept = [part for part in (flat[: found.start()].strip(), after) if part]
        return "\n\n".join([*paragraphs[:index], *kept, *paragraphs[index + 1 :]]), codes
    return text, []


def _end_of_sentence(text: str) -> tuple[str, str]:
    """(the sentence up to its full stop, what follows), ignoring full stops inside brackets."""
    depth = 0
    for index, char in enumerate(text):
        if char in "(（":
            depth += 1
        elif char in ")）":
            depth = max(depth - 1, 0)
        elif char == "." and depth == 0 and (index + 1 == len(text) or text[index + 1] == " "):
            return text[:index], text[index + 1 :].strip()
    return text, ""


def _value_name(param: Any) -> str:
    """What an option's value is called in help: its metavar, its choices, PATH, or its name."""
    if param.metavar:
        return str(param.metavar)
    descriptor = getattr(param, "type_descriptor", None)
    choices = getattr(descriptor, "choices", None)
    if choices:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in choices) + "]"
    if getattr(descriptor, "is_path", False):
        return "PATH"
    return str(param.name).upper().replace("_", "-")


def _default_shown(param: Any, ctx: Any) -> str | None:
    if param.is_flag or param.show_default is False or param.multiple:
        return None
    if isinstance(param.show_default, str):
        return param.show_default
    default = param.get_default(ctx, call=False)
    if default is None or callable(default) or default == "":
        return None
    return str(default.value if isinstance(default, Enum) else default)


def _option_row(param: Any, ctx: Any) -> tuple[str, str]:
    names = ", ".join(sorted(param.opts, key=lambda o: (o.startswith("--"), o)))
    if param.secondary_opts:
        names += " / " + ", ".join(param.secondary_opts)
    if not (param.is_flag or param.count):
        names += " " + _value_name(param) + ("..." if param.nargs != 1 else "")
    extra = []
    if param.envvar and param.show_envvar is not False and isinstance(param.envvar, str):
        extra.append(f"env var: {param.envvar}")
    default = _default_shown(param, ctx)
    if default is not None:
        extra.append(f"default: {default}")
    if param.required:
        extra.append("required")
    help_text = " ".join((param.help or "").split())
    return names, help_text + (f"  [{'; '.join(extra)}]" if extra else "")


def _argument_name(param: Any) -> str:
    name = str(param.metavar or param.name.upper())
    return name + ("..." if param.nargs != 1 and not name.endswith("...") else "")


class _Help:
    """The help layout and the global options accepted after the command, for every command."""

    def format_usage(self: Any, ctx: Any, formatter: Any) -> None:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = _argument_name(param)
                pieces.append(name if param.required or name.startswith("[") else f"[{name}]")
        if isinstance(self, TyperGroup):
            pieces.append(self.subcommand_metavar)
        formatter.write_usage(ctx.command_path, " ".join(pieces))

    def format_help(self: Any, ctx: Any, formatter: Any) -> None:
        description, codes = split_exit_codes(self.help or "")
        self.format_usage(ctx, formatter)
        if description:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(description)
        params = [p for p in self.get_params(ctx) if not p.hidden]
        arguments = [
            (_argument_name(p), " ".join((p.help or "").split()))
            for p in params
            if p.param_type_name == "argument"
        ]
        if arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(arguments)
        options = [_option_row(p, ctx) for p in params if p.param_type_name == "option"]
        if options:
            with formatter.section("Options"):
                formatter.write_dl(options)
        if isinstance(self, TyperGroup):
            commands = [
                (name, command.get_short_help_str(limit=10_000))
                for name, command in self.commands.items()
                if not command.hidden
            ]
            if commands:
                with formatter.section("Commands"):
                    formatter.write_dl(commands)
        if codes:
            with formatter.section("Exit codes"):
                formatter.write_dl(codes)
        self.format_epilog(ctx, formatter)

    def get_params(self: Any, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]
        # the same objects on every call: click matches what it parsed to them by identity
        if getattr(self, "_global_after", None) is None:
            self._global_after = _global_options_after(ctx, params)
        return params + self._global_after


def _global_options_after(ctx: Any, own: Sequence[Any]) -> list[Any]:
    """The root's --db and --verbose, hidden, for a command that does not use those names itself.

    Click parses them with the command's own options, so ``import FILE --db X`` works while
    ``--search --db`` (a value) and ``-- --db`` (a file name) stay what they are.
    """
    root = ctx.find_root().command
    if root is ctx.command:
        return []
    taken = {name for param in own for name in (*param.opts, *param.secondary_opts)}
    after = []
    for param in root.params:
        if param.name not in GlobalOptions.__dataclass_fields__ or taken & set(param.opts):
            continue
        late = copy.copy(param)
        late.hidden, late.envvar, late.expose_value, late.callback = True, None, False, _set_global
        after.append(late)
    return after


def _set_global(ctx: Any, param: Any, value: Any) -> None:
    if value:  # given on the command line: it overrides what came before the command
        obj = ctx.find_root().obj
        if isinstance(obj, GlobalOptions):
            setattr(obj, param.name, value)


class StdregCommand(_Help, TyperCommand):
    """A command with stdreg's help layout and the global options after it."""


class StdregGroup(_Help, TyperGroup):
    """A group of commands with stdreg's help layout and the global options after it."""


class StdregApp(StdregGroup):
    """The root: turns stdreg's own errors into ``Error: …`` on stderr and their exit codes."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands(COMMANDS)

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        # help at the terminal's full width (click stops at 80 columns by default)
        extra.setdefault("max_content_width", shutil.get_terminal_size().columns)
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except StdregError as exc:
            Messages().error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, typer.exceptions.TyperException, KeyboardInterrupt):
            raise
        except Exception as exc:
            from stdreg.store import translate_failure  # deferred: see the note at the top

            verbose = isinstance(ctx.obj, GlobalOptions) and ctx.obj.verbose
            if verbose:
                traceback.print_exc()
            known = translate_failure(exc, ctx.obj.db if isinstance(ctx.obj, GlobalOptions) else None)
            if known is not None:
                Messages().error(str(known))
                raise typer.Exit(known.exit_code) from None
            Messages().error(
                f"unexpected failure: {type(exc).__name__}: {exc}"
                + ("" if verbose else " (run with --verbose for the traceback)")
            )
            raise typer.Exit(EXIT_FAILURE) from None


app = typer.Typer(
    cls=StdregApp,
    help="stdreg: the county register of which standard every enterprise product is made to.\n\n"
    "The options below (--db, --verbose) go before or after the command: "
    "stdreg import FILE --db PATH is stdreg --db PATH import FILE.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stdreg {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="STDREG_DB",
            metavar="PATH-or-URL",
            help="The register: a SQLite file, or a SQLAlchemy URL such as postgresql+psycopg://…; "
            "default: a file in your data directory (`stdreg db info` says where).",
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show tracebacks of unexpected failures.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Keep the register current, and measure how many products adopt international standards."""
    from stdreg.store import resolve_url, sqlite_path  # deferred: see the note at the top

    ctx.obj = GlobalOptions(db=db, verbose=verbose)
    # whatever the command writes, it never writes over its own register (stdreg.outputs)
    forget_protected()
    register_file = sqlite_path(resolve_url(db))
    if register_file is not None:
        protect_register(register_file)


# --- the commands, loaded when they are needed --------------------------------------------
#
# Building a command's options from its signature is most of stdreg's start-up (65 ms of
# CPU for all of them, measured with `stdreg --version`: 1.66x a minimal Typer app, 1.16x
# without), so the root knows its commands by name and builds one only when the command
# line names it. Help, which lists every command, builds them all.

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module, its command function or Typer group), in the order help lists them
    "import": ("stdreg.cli.import_cmd", "import_command"),
    "report": ("stdreg.cli.report_cmd", "report_command"),
    "refresh": ("stdreg.cli.refresh_cmd", "refresh_command"),
    "history": ("stdreg.cli.history_cmd", "history_command"),
    "check": ("stdreg.cli.check_cmd", "check_command"),
    "merge": ("stdreg.cli.merge_cmd", "merge_command"),
    "lookup": ("stdreg.cli.lookup_cmd", "lookup_command"),
    "query": ("stdreg.cli.query_cmd", "app"),
    "catalog": ("stdreg.cli.catalog_cmd", "app"),
    "db": ("stdreg.cli.db_cmd", "app"),
    "update": ("stdreg.cli.update_cmd", "app"),
}


def build_command(name: str) -> Any:
    """The click command ``stdreg NAME`` runs, built as ``app.command`` / ``app.add_typer`` would."""
    module, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    # a Typer of the root's settings holding the one command: typer builds it as it would in the root
    holder = typer.Typer(
        rich_markup_mode=app.rich_markup_mode,
        pretty_exceptions_short=app.pretty_exceptions_short,
        suggest_commands=app.suggest_commands,
    )
    if isinstance(target, typer.Typer):
        for command in target.registered_commands:
            if command.cls in (None, TyperCommand):
                command.cls = StdregCommand
        holder.add_typer(target, name=name, cls=StdregGroup)
    else:
        holder.command(name, cls=StdregCommand, help=target.__doc__)(target)
    return typer.main.get_group(holder).commands[name]


class _LazyCommands(MutableMapping[str, Any]):
    """The root's commands by name; each is built the first time it is looked up."""

    def __init__(self, names: Iterable[str]) -> None:
        self._built: dict[str, Any] = dict.fromkeys(names)

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            raise KeyError(name)
        command = self._built[name]
        if command is None:
            command = self._built[name] = build_command(name)
        return command

    def __contains__(self, name: object) -> bool:
        return name in self._built  # without building it

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built)

    def __len__(self) -> int:
        return len(self._built)


def _never_fail_on_encoding() -> None:
    # A Chinese Windows console is often GBK (cp936): a character it lacks (an emoji, a
    # rare ideograph, U+00A0 in a file name) is shown as '?' instead of ending the command.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(Exception):
                reconfigure(errors="replace")


def main() -> None:
    """Console-script entry point."""
    _never_fail_on_encoding()
    app(prog_name="stdreg")
