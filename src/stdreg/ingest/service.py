"""Importing one file, end to end: read, validate, report bad rows, write in one transaction.

This is what ``stdreg import``, ``stdreg catalog import`` and ``stdreg refresh``
call. Nothing is written unless every row is valid (or ``skip_invalid``), and
nothing is written if bad rows cannot be recorded in a rejects file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from stdreg.errors import InputError, StdregError
from stdreg.ingest.catalog import CatalogValidator, load_catalog
from stdreg.ingest.problems import IGNORED_KINDS, Problems, default_rejects_path, write_rejects
from stdreg.ingest.readers import SourceFile, open_source
from stdreg.ingest.register_loader import RegisterLoader
from stdreg.ingest.register_rows import RegisterValidator
from stdreg.ingest.staging import RegisterStage
from stdreg.kernel.batch import open_batch, write_transaction
from stdreg.kernel.tables import table
from stdreg.outputs import check_output
from stdreg.store import Register

BATCH = table("import_batch")
PROGRESS_EVERY = 5000

Progress = Callable[[int], None]


@dataclass
class ImportResult:
    """What importing one file did (or, with dry_run, would do)."""

    path: Path
    kind: str
    as_of: dt.date
    rows_read: int = 0
    rows_valid: int = 0
    rows_rejected: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    problems: Problems | None = None
    problems_path: Path | None = None
    batch_id: int | None = None
    dry_run: bool = False
    sha256: str = ""
    sheets: list[str] = field(default_factory=list)  # the sheets read, in order (workbooks)
    unknown_columns: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        ignored = self.problems.ignored if self.problems else Counter()
        return {
            "file": str(self.path),
            "kind": self.kind,
            "as_of": self.as_of.isoformat(),
            "batch_id": self.batch_id,
            "dry_run": self.dry_run,
            "sheets": self.sheets,
            "rows_read": self.rows_read,
            "rows_imported": self.rows_valid,
            "rows_ignored": sum(ignored.values()),
            **{f"rows_ignored_{kind}": ignored[kind] for kind in IGNORED_KINDS},
            "rows_rejected": self.rows_rejected,
            "warnings": sum(self.problems.warnings.values()) if self.problems else 0,
            "unknown_columns": self.unknown_columns,
            "rejects_file": str(self.problems_path) if self.problems_path else None,
            **dict(sorted(self.counts.items())),
        }


class RowsRejected(InputError):
    """Bad rows stopped the import; the rejects file lists them."""

    def __init__(self, result: ImportResult, message: str) -> None:
        super().__init__(message)
        self.result = result


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    # An import builds millions of long-lived objects and no cycles worth collecting;
    # left on, the cyclic collector rescans them all, over and over (40 % of the time).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_file(
    register: Register,
    path: Path,
    *,
    as_of: dt.date,
    want: str | None = None,
    sheets: Sequence[str] | None = None,
    encoding: str | None = None,
    complete: bool = False,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one register or catalog file as of ``as_of``; see the module docstring."""
    with _cyclic_gc_paused():
        return _import_file(
            register,
            path,
            as_of=as_of,
            want=want,
            sheets=sheets,
            encoding=encoding,
            complete=complete,
            skip_invalid=skip_invalid,
            rejects_path=rejects_path,
            dry_run=dry_run,
            progress=progress,
        )


def _import_file(
    register: Register,
    path: Path,
    *,
    as_of: dt.date,
    want: str | None,
    sheets: Sequence[str] | None,
    encoding: str | None,
    complete: bool,
    skip_invalid: bool,
    rejects_path: Path | None,
    dry_run: bool,
    progress: Progress | None,
) -> ImportResult:
    source = open_source(path, want=want, sheets=sheets, encoding=encoding)
    result = ImportResult(path=path, kind=source.kind, as_of=as_of, dry_run=dry_run)
    if complete and source.kind != "register":
        raise InputError(f"{path}: --complete applies to register files, and this is a standards catalog")
    result.sha256 = read_digest(file_sha256(path), source)
    problems = Problems(path.name)
    result.problems = problems
    result.sheets = [sheet.name for sheet in source.sheets if sheet.name]
    if _repeat_of_last_batch(register, result, complete):
        return result
    for sheet in source.sheets:
        for name in sheet.header.unknown:
            if name not in result.unknown_columns:
                result.unknown_columns.append(name)
                problems.warn(name, "", "unknown column ignored")
    for column, value, message in source.notes:
        problems.warn(column, value, message)

    chosen = list(sheets) if sheets and not source.all_sheets else None
    target = check_output(rejects_path or default_rejects_path(path, sheets=chosen))
    with write_transaction(register, dry_run=dry_run) as connection:
        stage = RegisterStage(connection) if source.kind == "register" else None
        rows, validator = _validate(source, problems, as_of, result, progress, stage)
        result.rows_rejected = len(problems.rejected_rows)
        ignored = sum(problems.ignored.values())
        if result.rows_read == ignored:
            also = f" ({ignored:,} rows ignored: blank, totals or notes)" if ignored else ""
            raise InputError(f"{path}: no data rows below the header (row {source.header.row_number}){also}")
        if problems.rejects and (not skip_invalid or result.rows_valid == 0):
            _write_problems(result, problems, target)
            nothing = "no valid row; " if skip_invalid else ""
            raise RowsRejected(result, nothing + _rejected_message(result, problems))

        with open_batch(
            connection,
            source.kind,
            path.name,
            as_of=as_of,
            sha256=result.sha256,
            rows_read=result.rows_read,
            rows_rejected=result.rows_rejected,
            complete=complete,
        ) as batch:
            result.batch_id = batch.id
            result.counts = batch.counts
            if stage is not None:
                columns = {f: source.header.column_name(f) for f in source.header.columns.values()}
                loader = RegisterLoader(
                    batch, as_of=as_of, complete=complete, problems=problems, column=columns
                )
                loader.load(stage.chunks(), validator.codes, validator.facts)
                stage.drop()
            else:
                load_catalog(batch, rows, as_of=as_of, problems=problems, column=source.header.column_name)
            # kept with the batch, so that a repeat of the file accounts for its rows the same way
            batch.counts.update({f"rows_ignored_{kind}": n for kind, n in problems.ignored.items() if n})
        # written before the commit: rows rejected but not reported would be data lost
        if problems.rejects:
            _write_problems(result, problems, target)
        elif problems.warnings:
            target = rejects_path or default_rejects_path(path, sheets=chosen, warnings=True)
            try:
                result.problems_path = write_rejects(problems, check_output(target))
            except StdregError:
                result.problems_path = None  # warnings alone never stop an import
    if dry_run:
        result.batch_id = None
    return result


def read_digest(sha256: str, source: SourceFile) -> str:
    """What a batch records as its file's digest: the file's own, or, when ``--sheet`` left
    sheets out, the digest of the file with the names of the sheets read (another choice of
    sheets of the same workbook is another statement)."""
    if source.all_sheets:
        return sha256
    names = "\x1f".join(sheet.name for sheet in source.sheets)
    return hashlib.sha256(f"{sha256}\x1f{names}".encode()).hexdigest()


def _repeat_of_last_batch(register: Register, result: ImportResult, complete: bool) -> bool:
    """Recognise the file the register's last write imported, as of the same date: a no-op.

    Stating the same facts on the same date again changes nothing as long as
    nothing else was written since, so the file need not be read again. The
    repeat is still recorded as a batch of its own, with everything unchanged.
    """
    with write_transaction(register) as connection:
        last = connection.execute(select(BATCH).order_by(BATCH.c.id.desc()).limit(1)).first()
        if (
            last is None
            or last.rows_rejected
            or (last.sha256, last.kind, last.as_of, bool(last.complete))
            != (result.sha256, result.kind, result.as_of, complete)
        ):
            return False
        counts: Counter[str] = Counter()
        for key, value in json.loads(last.summary).items():
            noun, _, outcome = key.rpartition("_")
            if outcome in ("added", "changed", "unchanged") and noun in (
                "enterprises",
                "products",
                "executions",
            ):
                counts[f"{noun}_unchanged"] += value
            elif outcome == "unchanged":
                counts[key] += value
            elif key.startswith("rows_ignored_") and result.problems is not None:
                counts[key] = value
                result.problems.ignored[key.removeprefix("rows_ignored_")] = value
        counts["same_as_batch"] = last.id
        result.rows_read = last.rows_read
        result.rows_valid = last.rows_read - sum(result.problems.ignored.values()) if result.problems else 0
        result.counts = counts
        if result.dry_run:
            return True
        with open_batch(
            connection,
            result.kind,
            result.path.name,
            as_of=result.as_of,
            sha256=result.sha256,
            rows_read=last.rows_read,
            complete=complete,
        ) as batch:
            batch.counts.update(counts)
        result.batch_id = batch.id
    return True


def _validate(
    source: SourceFile,
    problems: Problems,
    as_of: dt.date,
    result: ImportResult,
    progress: Progress | None,
    stage: RegisterStage | None,
) -> tuple[list[Any], Any]:
    """Validate every row; valid register rows go to the stage, valid catalog rows are returned."""
    validator: Any
    if source.kind == "register":
        validator = RegisterValidator(source.header, problems, as_of)
    else:
        validator = CatalogValidator(source.header, problems)
    rows: list[Any] = []
    keep = stage.add if stage is not None else rows.append
    validate = validator.validate
    for raw in source.rows():
        result.rows_read += 1
        row = validate(raw)
        if row is not None:
            result.rows_valid += 1
            keep(row)
        if progress is not None and result.rows_read % PROGRESS_EVERY == 0:
            progress(result.rows_read)
    if progress is not None:
        progress(result.rows_read)
    return rows, validator


def _write_problems(result: ImportResult, problems: Problems, target: Path) -> None:
    try:
        result.problems_path = write_rejects(problems, target)
    except StdregError as exc:
        raise StdregError(
            f"{exc}; rows were rejected and cannot be reported, so nothing was imported"
        ) from exc


def _rejected_message(result: ImportResult, problems: Problems) -> str:
    shown = "\n".join(f"  {error}" for error in problems.rejects[:5])
    more = f"\n  … and {len(problems.rejects) - 5} more" if len(problems.rejects) > 5 else ""
    return (
        f"{result.path}: {result.rows_rejected} of {result.rows_read} rows rejected, nothing imported; "
        f"the rejects file {result.problems_path} lists them:\n{shown}{more}"
    )
