"""The nightly refresh: import whatever arrived in an inbox folder, then look for outdated standards.

Townships, the statistics bureau and the self-declaration platform drop survey
spreadsheets and standards catalogs into one folder, the inbox; cron runs
``stdreg refresh --inbox DIR`` at night with nobody watching. A refresh holds the
register's writer lock from its first look at the inbox to its end, and:

1. lists the files directly in the inbox, oldest first (by modification time),
   leaving for the next run any file that may still be being written: a hidden
   file (rsync's ``.name.XXXXXX``), an office lock file (``~$name.xlsx``), a
   ``.part`` / ``.tmp`` / ``.crdownload`` download, and any file whose size or
   modification time changes while the refresh watches it for about a second;
2. imports each file, as a register or a catalog as its headers say, in one
   transaction of its own, and moves it into ``archive/`` (with its warnings
   workbook beside it, if it has warnings) or into ``failed/`` (with its rejects
   workbook beside it, or a note saying why it could not be read). A file whose
   SHA-256 the register has imported before is not read again: it is moved into
   ``archive/`` with a note naming the batch that imported it;
3. counts the products made to an outdated (withdrawn or replaced) standard as
   of today, and those that became so since the previous refresh.

Nothing else is ever written into the inbox. A refresh killed at any moment
leaves the register as it was before the file being imported, and that file in
the inbox, where the next run finds it (or, if its import had committed, finds
it already imported by its SHA-256 and archives it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stdreg.errors import EXIT_INVALID_INPUT, EXIT_OK, InputError, UsageError
from stdreg.store import Register, state_dir, writer_lock

ARCHIVE = "archive"
FAILED = "failed"
# Names of files that are being written or are not data: office lock files, downloads.
_TEMPORARY_PREFIXES = ("~$", ".~lock.")
_TEMPORARY_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp")
SETTLE_SECONDS = 1.0


@dataclass
class FileOutcome:
    """What a refresh did with one file of the inbox."""

    path: Path  # where the file was in the inbox
    outcome: str  # imported | failed | duplicate | waiting
    reason: str  # one line: why it failed, why it waits, which batch it duplicates
    moved_to: Path | None = None
    companion: Path | None = None  # the warnings or rejects workbook, or the note, beside it
    summary: dict[str, Any] | None = None  # the import's summary (ImportResult.summary())

    @property
    def is_problem(self) -> bool:
        return self.outcome == "failed"


@dataclass
class OutdatedCheck:
    """Products made to an outdated standard as of a date, and what changed since the last refresh."""

    as_of: dt.date
    products: int
    standards: int
    new_products: int | None  # None: no previous refresh to compare with
    previous_as_of: dt.date | None = None


@dataclass
class RefreshResult:
    """Everything one refresh did."""

    inbox: Path
    files: list[FileOutcome] = field(default_factory=list)
    outdated: OutdatedCheck | None = None

    def counts(self) -> Counter[str]:
        return Counter(f.outcome for f in self.files)

    @property
    def exit_code(self) -> int:
        """0 when every file was imported (or had been before); 3 when one was rejected."""
        return EXIT_INVALID_INPUT if any(f.is_problem for f in self.files) else EXIT_OK


def refresh(
    register: Register,
    inbox: Path,
    *,
    as_of: dt.date | None = None,
    wait: float = 0.0,
    settle: float = SETTLE_SECONDS,
    today: dt.date | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> RefreshResult:
    """Import every new file of ``inbox``; see the module docstring.

    Register files are imported as of ``as_of`` when given, else today; catalogs
    always as of today (a status without a date is what the catalog says today).
    ``on_file`` hears about each file as soon as it is done with. Raises
    RegisterLocked when another writer holds the register after ``wait`` seconds.
    """
    today = today or dt.date.today()
    if not inbox.is_dir():
        raise UsageError(f"the inbox {inbox} is not a folder")
    result = RefreshResult(inbox)

    def done(outcome: FileOutcome) -> None:
        result.files.append(outcome)
        if on_file is not None:
            on_file(outcome)

    with writer_lock(register, wait=wait):
        ready, waiting = _settled_files(inbox, settle)
        for path, reason in waiting:
            done(FileOutcome(path, "waiting", reason))
        for path in ready:
            if path.is_file():  # not taken away meanwhile
                done(_refresh_file(register, path, inbox, as_of=as_of, today=today))
        result.outdated = check_outdated(register, today)
    return result


def _settled_files(inbox: Path, settle: float) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files ready to import, oldest first; and files left for the next run, with why."""
    waiting: list[tuple[Path, str]] = []
    seen: list[tuple[Path, os.stat_result]] = []
    for path in sorted(inbox.iterdir()):
        name = path.name
        if not path.is_file():
            continue  # archive/, failed/ and any other folder
        if name.startswith("."):
            waiting.append((path, "a hidden file (perhaps still being copied)"))
        elif name.startswith(_TEMPORARY_PREFIXES) or name.lower().endswith(_TEMPORARY_SUFFIXES):
            waiting.append((path, "a temporary or lock file (still being written or open in an editor)"))
        else:
            seen.append((path, path.stat()))
    if seen and settle > 0:
        time.sleep(settle)
    ready: list[tuple[int, str, Path]] = []
    for path, before in seen:
        try:
            now = path.stat()
        except FileNotFoundError:
            continue
        if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            waiting.append((path, "still being written (its size or time changed)"))
        else:
            ready.append((now.st_mtime_ns, path.name, path))
    return [path for _, _, path in sorted(ready)], waiting


def _refresh_file(
    register: Register, path: Path, inbox: Path, *, as_of: dt.date | None, today: dt.date
) -> FileOutcome:
    from stdreg.ingest.readers import sniff_kind
    from stdreg.ingest.service import RowsRejected, file_sha256, import_file

    try:
        digest = file_sha256(path)
    except OSError as exc:  # unreadable (permissions): say so every night until someone looks
        return FileOutcome(path, "failed", f"cannot be read: {exc.strerror}; left in the inbox")
    earlier = _imported_before(register, digest)
    if earlier is not None:
        reason = (
            f"already imported as batch {earlier['id']} ({earlier['file_name']}, as of {earlier['as_of']}, "
            f"on {str(earlier['started_at'])[:16]}): not read again"
        )
        moved = _move(path, inbox / ARCHIVE)
        note = _write_note(moved, ".duplicate.txt", f"{path.name}: {reason}")
        return FileOutcome(path, "duplicate", reason, moved, note)
    with tempfile.TemporaryDirectory(prefix="stdreg-refresh-") as scratch:
        # rejects and warnings are written outside the inbox, then moved beside the file
        problems_path = Path(scratch) / (path.name + ".rejects.xlsx")
        try:
            date = today
            if as_of is not None and sniff_kind(path) == "register":
                date = as_of
            imported = import_file(register, path, as_of=date, rejects_path=problems_path)
        except InputError as exc:
            moved = _move(path, inbox / FAILED)
            rejects = exc.result.problems_path if isinstance(exc, RowsRejected) else None
            if rejects is not None and rejects.exists():
                companion = _move_beside(rejects, moved, ".rejects.xlsx")
            else:
                companion = _write_note(moved, ".error.txt", str(exc))
            return FileOutcome(path, "failed", _why_failed(exc, path), moved, companion)
        moved = _move(path, inbox / ARCHIVE)
        warnings: Path | None = None
        if imported.problems_path is not None and imported.problems_path.exists():
            warnings = _move_beside(imported.problems_path, moved, ".warnings.xlsx")
        return FileOutcome(path, "imported", "", moved, warnings, imported.summary())


def _imported_before(register: Register, sha256: str) -> dict[str, Any] | None:
    """The first batch that imported a file with this SHA-256 (and was not reverted since)."""
    from sqlalchemy import select

    from stdreg.models import ImportBatch

    batch = ImportBatch.__table__  # type: ignore[attr-defined]
    query = (
        select(batch.c.id, batch.c.file_name, batch.c.as_of, batch.c.started_at)
        .where(batch.c.sha256 == sha256, batch.c.kind.in_(("register", "catalog")))
        .order_by(batch.c.id)
        .limit(1)
    )
    if "reverted_by" in batch.c:  # a reverted import is as if it had never been
        query = query.where(batch.c.reverted_by.is_(None))
    with register.engine.connect() as connection:
        row = connection.execute(query).first()
    return dict(row._mapping) if row is not None else None


_COMPANIONS = (".rejects.xlsx", ".warnings.xlsx", ".error.txt", ".duplicate.txt")


def _move(path: Path, folder: Path) -> Path:
    """Move a file into a folder of the inbox under a name that takes nothing's place."""
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    if _taken(target):
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        stem, suffix = path.stem, path.suffix
        target = folder / f"{stem}.{stamp}{suffix}"
        counter = 2
        while _taken(target):
            target = folder / f"{stem}.{stamp}-{counter}{suffix}"
            counter += 1
    os.replace(path, target)
    return target


def _taken(target: Path) -> bool:
    return target.exists() or any(target.with_name(target.name + c).exists() for c in _COMPANIONS)


def _move_beside(companion: Path, moved: Path, suffix: str) -> Path:
    target = moved.with_name(moved.name + suffix)
    shutil.move(str(companion), target)
    return target


def _write_note(moved: Path, suffix: str, text: str) -> Path:
    note = moved.with_name(moved.name + suffix)
    stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    note.write_text(f"{stamp} stdreg refresh: {text}\n", encoding="utf-8")
    return note


def _why_failed(exc: InputError, path: Path) -> str:
    """One line: the count of rejected rows and the first, or the error without the file's path."""
    from stdreg.ingest.service import RowsRejected

    if isinstance(exc, RowsRejected):
        rejected = exc.result
        first = rejected.problems.rejects[0] if rejected.problems and rejected.problems.rejects else None
        return f"{rejected.rows_rejected:,} of {rejected.rows_read:,} rows rejected, nothing imported" + (
            f" (the first: row {first.row}, column {first.column}: {first.reason})" if first else ""
        )
    message = str(exc).strip()
    line = message.splitlines()[0] if message else "unreadable"
    for prefix in (f"{path}: ", f"{path.name}: "):
        if line.startswith(prefix):
            return line[len(prefix) :]
    return line


# --- outdated standards --------------------------------------------------------------------

OUTDATED_PRODUCTS = """
SELECT DISTINCT x.product_id, x.standard_id
FROM execution x
JOIN standard s ON s.id = x.standard_id
JOIN product_version pv ON pv.product_id = x.product_id AND pv.valid_from <= :d AND pv.valid_to > :d
WHERE x.valid_from <= :d AND x.valid_to > :d
  AND s.outdated_from IS NOT NULL AND s.outdated_from <= :d
"""


def check_outdated(register: Register, today: dt.date) -> OutdatedCheck:
    """Count products made to an outdated standard on ``today``, and compare with the last refresh.

    What the previous refresh found is kept in a small state file beside the
    register (``<register>.refresh.json``), so that the count of products that
    *became* outdated covers what the catalogs taught since, not only dates passing.
    """
    from sqlalchemy import text

    with register.engine.connect() as connection:
        pairs = connection.execute(text(OUTDATED_PRODUCTS), {"d": today}).all()
    products = sorted({product for product, _ in pairs})
    standards = len({standard for _, standard in pairs})
    state = refresh_state_path(register)
    previous = _read_state(state)
    check = OutdatedCheck(today, len(products), standards, None)
    if previous is not None:
        check.previous_as_of = previous[0]
        check.new_products = len(set(products) - previous[1])
    _write_state(state, today, products)
    return check


def refresh_state_path(register: Register) -> Path:
    """Where a refresh keeps what it found: beside a SQLite register, else in stdreg's state folder."""
    if register.path is not None:
        return register.path.with_name(register.path.name + ".refresh.json")
    digest = hashlib.sha256(register.url.encode()).hexdigest()[:16]
    return state_dir() / f"refresh-{digest}.json"


def _read_state(path: Path) -> tuple[dt.date, set[int]] | None:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        return dt.date.fromisoformat(state["as_of"]), {int(p) for p in state["outdated_products"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none yet, or unreadable: nothing to compare with


def _write_state(path: Path, today: dt.date, products: list[int]) -> None:
    state = {
        "as_of": today.isoformat(),
        "written_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "outdated_products": products,
    }
    partial = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(state), encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)  # the comparison is a courtesy: never fail a refresh for it
