"""``stdreg refresh``: the cron entry point; imports what arrived in an inbox folder."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stdreg.cli.common import AsOfOption, Messages, WaitOption, YearOption, as_of_date, options
from stdreg.errors import StdregError, UsageError
from stdreg.outputs import check_output
from stdreg.render.summaries import import_line

if TYPE_CHECKING:
    from stdreg.refresh import FileOutcome, OutdatedCheck, RefreshResult

# Deferred into the command (help lists every command, so it imports this module), with what
# each would add to that start-up (CPU, measured): stdreg.refresh with stdreg.store 22 ms.


class LogFormat(StrEnum):
    text = "text"
    json = "json"


# Characters that could forge or hide a line of the log: line breaks (\n, \r, U+0085, U+2028/9),
# terminal escapes (ESC and every other control), bidirectional overrides, and the lone
# surrogates an undecodable file name becomes (which no UTF-8 output can hold).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def shown(text: str) -> str:
    """Text with every character that could forge a log line written as a Python escape (``\\n``)."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)


def _json_line(record: dict[str, Any]) -> str:
    # json.dumps escapes the C0 controls; these it leaves as they are
    as_json = json.dumps(record, ensure_ascii=False, default=str)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", as_json)


class RefreshLog:
    """Where a refresh says what it did: stderr (rich on a terminal) and, if asked, a log file.

    The log file is opened, appended to and closed for every line, so logrotate can
    move it at any time and no handle outlives the run. ``--quiet`` silences the
    information lines on stderr only: problems and errors always show (cron mails
    them), and the log file gets every line.
    """

    def __init__(self, log_file: Path | None, log_format: LogFormat, quiet: bool) -> None:
        self.log_file = log_file
        self.format = log_format
        self.quiet = quiet
        self.messages = Messages(quiet=quiet)
        if log_file is not None:
            check_output(log_file)  # appended to, so never the register or one of its files
            try:
                log_file.parent.mkdir(parents=True, exist_ok=True)
                with open(log_file, "a", encoding="utf-8"):
                    pass
            except OSError as exc:
                raise UsageError(f"cannot write the log file {log_file}: {exc.strerror}") from None

    def emit(self, level: str, event: str, message: str, *, stderr: bool = True, **fields: Any) -> None:
        """One line: level is info, problem or error."""
        stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        record = {"time": stamp, "level": level, "event": event, "message": message, **fields}
        as_json = _json_line(record)
        message = shown(message)  # one event, one line, whatever a file is named
        if not stderr:
            pass
        elif self.format is LogFormat.json:
            if level != "info" or not self.quiet:
                print(as_json, file=sys.stderr, flush=True)
        elif level == "info":
            self.messages.info(message)
        elif level == "problem":
            self.messages.problem(message)
        else:
            self.messages.error(message)
        if self.log_file is not None:
            line = as_json if self.format is LogFormat.json else f"{stamp} stdreg refresh: {message}"
            with open(self.log_file, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")

    def file(self, outcome: FileOutcome) -> None:
        name = outcome.path.name
        where = _relative(outcome.moved_to, outcome.path.parent)
        beside = _relative(outcome.companion, outcome.path.parent)
        fields: dict[str, Any] = {
            "file": str(outcome.path),
            "moved_to": str(outcome.moved_to) if outcome.moved_to else None,
        }
        if outcome.outcome == "imported":
            assert outcome.summary is not None
            text = import_line({**outcome.summary, "file": name}) + (f"; moved to {where}" if where else "")
            if beside:
                text += f", warnings in {beside}"
            warnings = str(outcome.companion) if outcome.companion else None
            self.emit("info", "imported", text, **fields, warnings_file=warnings, summary=outcome.summary)
        elif outcome.outcome == "duplicate":
            text = f"{name}: {outcome.reason}" + (f"; moved to {where} with a note" if where else "")
            self.emit("info", "duplicate", text, **fields, note_file=str(outcome.companion))
        elif outcome.outcome == "failed":
            rejects = beside.endswith(".rejects.xlsx")
            kept = "rejected rows in" if rejects else "the reason in"
            text = f"{name}: {outcome.reason}" + (f"; moved to {where}" if where else "")
            text += f", {kept} {beside}" if beside else ""
            if outcome.companion is not None:
                fields["rejects_file" if rejects else "note_file"] = str(outcome.companion)
            self.emit("problem", "failed", text, **fields)
        else:
            self.emit("info", "waiting", f"{name}: {outcome.reason}; left for the next run", **fields)
        for trouble in outcome.trouble:
            self.emit("problem", "trouble", f"{name}: {trouble}", **fields)

    def cleaned(self, result: RefreshResult) -> None:
        if result.cleaned:
            count = len(result.cleaned)
            text = f"removed {count} temporary files or folders an interrupted refresh left behind"
            self.emit("info", "cleaned", text, removed=[str(p) for p in result.cleaned])

    def outdated(self, check: OutdatedCheck) -> None:
        text = (
            f"outdated standards as of {check.as_of}: {check.products:,} products made to "
            f"{check.standards:,} withdrawn or replaced standards"
        )
        if check.new_products is None:
            text += " (the first refresh: nothing to compare with)"
        else:
            text += (
                f"; {check.new_products:,} became outdated since the last refresh "
                f"(as of {check.previous_as_of})"
            )
        # a new finding shows even with --quiet; the count alone is news only the first time
        level = "problem" if check.new_products else "info"
        self.emit(
            level,
            "outdated",
            text,
            as_of=check.as_of,
            outdated_products=check.products,
            outdated_standards=check.standards,
            new_outdated_products=check.new_products,
            previous_as_of=check.previous_as_of,
        )

    def summary(self, result: RefreshResult) -> None:
        counts = result.counts()
        text = (
            f"refresh of {result.inbox}: {counts['imported']} imported, {counts['failed']} failed, "
            f"{counts['duplicate']} already imported, {counts['waiting']} left for the next run"
        )
        level = "problem" if counts["failed"] else "info"
        self.emit(
            level,
            "summary",
            text,
            inbox=str(result.inbox),
            imported=counts["imported"],
            failed=counts["failed"],
            duplicate=counts["duplicate"],
            waiting=counts["waiting"],
            exit_code=result.exit_code,
        )


def _relative(path: Path | None, inbox: Path) -> str:
    if path is None:
        return ""
    try:
        return str(path.relative_to(inbox))
    except ValueError:
        return str(path)


def refresh_command(
    ctx: typer.Context,
    inbox: Annotated[
        Path,
        typer.Option(
            "--inbox",
            envvar="STDREG_INBOX",
            help="The folder new register and catalog files arrive in; "
            "they are moved into its archive/ or failed/ folder.",
            file_okay=False,
            show_default=False,
        ),
    ],
    as_of: AsOfOption = None,
    year: YearOption = None,
    wait: WaitOption = 0.0,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="Print only problems, so that cron mails only when one occurs."),
    ] = False,
    log_file: Annotated[
        Path | None,
        typer.Option(
            "--log-file",
            help="Also append every line, timestamped, to this file (opened and closed per line).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    log_format: Annotated[
        LogFormat, typer.Option("--log-format", help="text, or json: one JSON object per line.")
    ] = LogFormat.text,
    settle: Annotated[
        float,
        typer.Option(
            "--settle",
            help="Seconds to watch each file for changes before importing it.",
            min=0,
            metavar="SECONDS",
        ),
    ] = 1.0,
) -> None:
    """Import every new file of an inbox folder, oldest first; made for cron.

    Register files are imported as of --as-of / --year, else today; catalogs as of
    today. Each file is moved into archive/ when imported (or already imported
    before, by its SHA-256) and into failed/ with its rejects when not. Exit codes:
    0 every file imported; 3 a file was rejected; 75 another writer holds the register.
    """
    from stdreg.refresh import refresh
    from stdreg.store import open_register

    date = as_of_date(as_of, year) if as_of is not None or year is not None else None
    log = RefreshLog(log_file, log_format, quiet)
    try:
        register = open_register(options(ctx).db)
        try:
            result = refresh(register, inbox, as_of=date, wait=wait, settle=settle, on_file=log.file)
        finally:
            register.dispose()
    except StdregError as exc:
        log.emit("error", "error", str(exc), exit_code=exc.exit_code)
        raise typer.Exit(exc.exit_code) from None
    except Exception as exc:  # logged for the record; the CLI reports it on stderr and exits 1
        text = f"unexpected failure: {type(exc).__name__}: {exc}"
        log.emit("error", "error", text, stderr=False, exit_code=1)
        raise
    log.cleaned(result)
    if result.outdated is not None:
        log.outdated(result.outdated)
    log.summary(result)
    raise typer.Exit(result.exit_code)
