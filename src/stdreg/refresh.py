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

A link is never followed: entries are looked at with lstat and opened relative to
the folder's descriptor with O_NOFOLLOW; a link, pipe or device in the inbox is
refused unopened (moved, as a link, into ``failed/``), and an ``archive/`` or
``failed/`` that is not a real folder stops every import until it is one: a file is
imported only once its move is known to be possible. One file never blocks the
others: whatever goes wrong with it is said on its line and the next one is done.

Nothing else is ever written into the inbox. A refresh killed at any moment
leaves the register as it was before the file being imported, and that file in
the inbox, where the next run finds it (or, if its import had committed, finds
it already imported by its SHA-256 and archives it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import secrets
import shutil
import stat
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:  # flock tells the next run which leftovers a running refresh still writes
    import fcntl
except ImportError:  # Windows: no flock; leftovers are then told by their age alone
    fcntl = None  # type: ignore[assignment]

from stdreg.codes.lifecycle import outdated_on
from stdreg.errors import EXIT_INVALID_INPUT, EXIT_OK, InputError, StdregError, UsageError
from stdreg.ingest.readers import sniff_kind
from stdreg.ingest.service import RowsRejected, file_sha256, import_file
from stdreg.models import ImportBatch
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
    trouble: list[str] = field(default_factory=list)  # a move, note or workbook not done (the outcome stands)

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
    cleaned: list[Path] = field(default_factory=list)  # what an interrupted refresh had left behind

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
    RegisterLocked when another writer holds the register after ``wait`` seconds,
    and UsageError when the inbox is not a folder or is the register's own folder.
    """
    today = today or dt.date.today()
    if not inbox.is_dir():
        raise UsageError(f"the inbox {inbox} is not a folder")
    if register.path is not None and _same_folder(register.path.parent, inbox):
        # every file beside the register (its -wal, -shm, lock, state, backups) would be moved away
        raise UsageError(
            f"the inbox {inbox} is the folder of the register {register.path}: a refresh would move "
            "the register's own files away; give the inbox a folder of its own"
        )
    result = RefreshResult(inbox)

    def done(outcome: FileOutcome) -> None:
        result.files.append(outcome)
        if on_file is not None:
            on_file(outcome)

    with writer_lock(register, wait=wait), _Inbox(inbox) as folders, _Scratch() as scratch:
        result.cleaned = scratch.cleaned + folders.clean_leftovers()
        ready, waiting, refused = _settled_files(folders, settle)
        for path, reason in waiting:
            done(FileOutcome(path, "waiting", reason))
        for path, reason in refused:
            if path.name in (ARCHIVE, FAILED):
                done(FileOutcome(path, "failed", reason))
            else:
                done(folders.refuse(path.name, reason))
        for path, seen in ready:
            if folders.unchanged(path.name, seen):  # not taken away or replaced meanwhile
                done(_refresh_one(register, folders, path, scratch.path, as_of=as_of, today=today))
        result.outdated = check_outdated(register, today)
    return result


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _settled_files(
    inbox: _Inbox, settle: float
) -> tuple[list[tuple[Path, os.stat_result]], list[tuple[Path, str]], list[tuple[Path, str]]]:
    """Files ready to import, oldest first; files left for the next run, and entries refused, with why.

    Every entry is looked at with lstat: a link is never followed, whatever it points at.
    """
    waiting: list[tuple[Path, str]] = []
    refused: list[tuple[Path, str]] = []
    seen: list[tuple[str, os.stat_result]] = []
    for name in sorted(os.listdir(inbox.fd)):
        try:
            st = os.lstat(name, dir_fd=inbox.fd)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(st.st_mode):
            continue  # archive/, failed/ and any other folder
        if name in (ARCHIVE, FAILED):  # a link or a file in their place: said once, left as it is
            refused.append((inbox.path / name, f"{inbox.unusable(name)}; replace it with a folder"))
            continue
        if name.startswith("."):
            waiting.append((inbox.path / name, "a hidden file (perhaps still being copied)"))
        elif name.startswith(_TEMPORARY_PREFIXES) or name.lower().endswith(_TEMPORARY_SUFFIXES):
            reason = "a temporary or lock file (still being written or open in an editor)"
            waiting.append((inbox.path / name, reason))
        elif stat.S_ISLNK(st.st_mode):
            # a link could make a refresh import, and copy into a rejects workbook, any file it can read
            refused.append((inbox.path / name, "a symbolic link: refused, a refresh never follows a link"))
        elif not _utf8(name):  # the register, its log and its workbooks can hold UTF-8 only
            refused.append((inbox.path / name, "its name is not UTF-8: refused; rename it"))
        elif not stat.S_ISREG(st.st_mode):
            refused.append((inbox.path / name, "not a regular file (a pipe, socket or device): refused"))
        else:
            seen.append((name, st))
    if seen and settle > 0:
        time.sleep(settle)
    ready: list[tuple[int, str, os.stat_result]] = []
    for name, before in seen:
        try:
            now = os.lstat(name, dir_fd=inbox.fd)
        except FileNotFoundError:
            continue
        if (now.st_ino, now.st_size, now.st_mtime_ns) != (before.st_ino, before.st_size, before.st_mtime_ns):
            waiting.append((inbox.path / name, "still being written (its size or time changed)"))
        else:
            ready.append((now.st_mtime_ns, name, now))
    return [(inbox.path / name, st) for _, name, st in sorted(ready)], waiting, refused


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, held as lone surrogates
        return False
    return True


def _refresh_one(
    register: Register, inbox: _Inbox, path: Path, scratch: Path, *, as_of: dt.date | None, today: dt.date
) -> FileOutcome:
    """One file, whatever happens to it: a file that cannot be done with never stops the others."""
    try:
        return _refresh_file(register, inbox, path, scratch, as_of=as_of, today=today)
    except OSError as exc:
        where = f" ({_shown_path(exc.filename)})" if exc.filename else ""
        reason = f"not done with: {exc.strerror or exc}{where}; left in the inbox"
        return FileOutcome(path, "failed", reason)


def _refresh_file(
    register: Register, inbox: _Inbox, path: Path, scratch: Path, *, as_of: dt.date | None, today: dt.date
) -> FileOutcome:
    # the moves are part of the plan: a file whose move cannot be done is not imported
    for folder in (ARCHIVE, FAILED):
        why = inbox.unusable(folder)
        if why is not None:
            return FileOutcome(path, "failed", f"not imported: {why}; left in the inbox")
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
        outcome = FileOutcome(path, "duplicate", reason)
        try:
            outcome.moved_to = inbox.move(path.name, ARCHIVE)
            outcome.companion = inbox.write_note(outcome.moved_to, ".duplicate.txt", f"{path.name}: {reason}")
        except OSError as exc:
            outcome.trouble.append(_not_kept("the duplicate", outcome.moved_to, exc))
        return outcome
    # rejects and warnings are written outside the inbox, under a short name (the file's may be
    # too long to take a suffix), then moved beside the file
    problems_path = scratch / "file.rejects.xlsx"
    for leftover in scratch.iterdir():
        if leftover.name != _Scratch.LOCK:
            leftover.unlink()
    try:
        date = today
        if as_of is not None and sniff_kind(path) == "register":
            date = as_of
        imported = import_file(register, path, as_of=date, rejects_path=problems_path)
    except InputError as exc:
        outcome = FileOutcome(path, "failed", _why_failed(exc, path))
        rejects = exc.result.problems_path if isinstance(exc, RowsRejected) else None
        try:
            outcome.moved_to = inbox.move(path.name, FAILED)
            if rejects is not None and rejects.exists():
                outcome.companion = inbox.place(rejects, outcome.moved_to, ".rejects.xlsx")
            else:
                outcome.companion = inbox.write_note(outcome.moved_to, ".error.txt", str(exc))
        except OSError as error:
            outcome.trouble.append(_not_kept("the rejected file", outcome.moved_to, error))
        return outcome
    except StdregError as exc:  # its rejects could not be written: nothing imported, try again tomorrow
        return FileOutcome(path, "failed", f"{_why_failed(exc, path)}; left in the inbox")
    outcome = FileOutcome(path, "imported", "", summary=imported.summary())
    warnings = imported.problems_path
    had_warnings = bool(imported.problems and imported.problems.warnings)
    try:
        outcome.moved_to = inbox.move(path.name, ARCHIVE)
    except OSError as exc:
        outcome.trouble.append(
            f"imported, but could not be moved into {ARCHIVE}/: {exc.strerror or exc}; "
            "the next refresh finds it imported and archives it"
        )
    if warnings is not None and warnings.exists():
        beside = outcome.moved_to or inbox.path / ARCHIVE / inbox.target_name(path.name, ARCHIVE)
        try:
            outcome.companion = inbox.place(warnings, beside, ".warnings.xlsx")
        except OSError as exc:
            outcome.trouble.append(f"its warnings workbook could not be kept: {exc.strerror or exc}")
    elif had_warnings:
        outcome.trouble.append(
            f"its warnings workbook could not be written (in {scratch}: a full disk?); "
            "its warnings are counted in the summary only"
        )
    return outcome


def _not_kept(what: str, moved: Path | None, exc: OSError) -> str:
    if moved is None:
        return f"{what} could not be moved: {exc.strerror or exc}; left in the inbox for the next refresh"
    return f"its rejects, warnings or note could not be written beside it: {exc.strerror or exc}"


def _imported_before(register: Register, sha256: str) -> dict[str, Any] | None:
    """The first batch that imported a file with this SHA-256 (and was not reverted since)."""
    from sqlalchemy import select

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
_LONGEST_COMPANION = max(len(c) for c in _COMPANIONS)
_PART_PREFIX = ".stdreg-"  # ".stdreg-<random>.part": a copy across filesystems not finished yet
_OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _shown_path(name: object) -> str:
    return os.fsdecode(name) if isinstance(name, (str, bytes)) else str(name)


class _Inbox:
    """The inbox and its archive/ and failed/ folders, held by descriptors.

    Every name is looked up relative to a folder's descriptor, with O_NOFOLLOW,
    and archive/ and failed/ are opened once, after checking that they are real
    folders: a link put in place of one (even after the check) is never
    written through, and a link in the inbox is moved, never opened.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise UsageError(f"cannot open the inbox {path}: {exc.strerror}") from None
        self._folders: dict[str, int] = {}
        try:
            self.name_max = os.fpathconf(self.fd, "PC_NAME_MAX")
        except (OSError, ValueError):
            self.name_max = 255

    def __enter__(self) -> _Inbox:
        return self

    def __exit__(self, *_: object) -> None:
        for fd in self._folders.values():
            os.close(fd)
        os.close(self.fd)

    def unusable(self, name: str) -> str | None:
        """Why nothing can be moved into the folder ``name`` (None when it can, or can be created)."""
        if name in self._folders:
            return None
        try:
            st = os.lstat(name, dir_fd=self.fd)
        except FileNotFoundError:
            if os.access(self.path, os.W_OK | os.X_OK):
                return None
            return f"{name}/ cannot be created (the inbox is not writable)"
        if stat.S_ISLNK(st.st_mode):
            return f"{name}/ is a symbolic link: refused, nothing is ever written through a link"
        if not stat.S_ISDIR(st.st_mode):
            return f"{name}/ is not a folder"
        if not os.access(name, os.W_OK | os.X_OK, dir_fd=self.fd, follow_symlinks=False):
            return f"{name}/ is not writable"
        return None

    def folder(self, name: str) -> int:
        """archive/ or failed/, created if need be; OSError when it is not a real folder."""
        if name not in self._folders:
            why = self.unusable(name)
            if why is not None:
                raise OSError(errno.ENOTDIR, why)
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, dir_fd=self.fd)
            # O_NOFOLLOW|O_DIRECTORY: a link swapped in since the check is refused here
            self._folders[name] = os.open(name, _OPEN_FOLDER, dir_fd=self.fd)
        return self._folders[name]

    def unchanged(self, name: str, seen: os.stat_result) -> bool:
        try:
            now = os.lstat(name, dir_fd=self.fd)
        except FileNotFoundError:
            return False
        return stat.S_ISREG(now.st_mode) and (now.st_dev, now.st_ino) == (seen.st_dev, seen.st_ino)

    def target_name(self, name: str, folder: str) -> str:
        """A name in ``folder`` that takes nothing's place and can take every companion's suffix."""
        fd = self.folder(folder)
        stem, suffix = os.path.splitext(name)
        if len(os.fsencode(suffix)) > 16:
            stem, suffix = name, ""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        for extra in ("", f".{stamp}", *(f".{stamp}-{n}" for n in range(2, 10_000))):
            room = self.name_max - _LONGEST_COMPANION - len(os.fsencode(extra + suffix))
            encoded = os.fsencode(stem)
            short = stem if len(encoded) <= room else encoded[:room].decode("utf-8", "ignore")
            candidate = short + extra + suffix
            if not _taken(fd, candidate):
                return candidate
        raise OSError(errno.EEXIST, f"no free name in {folder}/", name)

    def move(self, name: str, folder: str) -> Path:
        """Move an entry of the inbox (a link itself, never what it points at) into a folder."""
        target = self.target_name(name, folder)
        _transfer(self.fd, name, self.folder(folder), target)
        return self.path / folder / target

    def place(self, source: Path, moved: Path, suffix: str) -> Path:
        """Move a workbook written outside the inbox beside a moved file."""
        target = moved.name + suffix
        source_fd = os.open(source.parent, _OPEN_FOLDER)
        try:
            _transfer(source_fd, source.name, self.folder(moved.parent.name), target)
        finally:
            os.close(source_fd)
        return moved.with_name(target)

    def write_note(self, moved: Path, suffix: str, text: str) -> Path:
        note = moved.with_name(moved.name + suffix)
        stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        fd = os.open(note.name, _CREATE, 0o666, dir_fd=self.folder(moved.parent.name))
        with open(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(f"{stamp} stdreg refresh: {text}\n")
        return note

    def refuse(self, name: str, reason: str) -> FileOutcome:
        """An entry that is not a regular file: moved into failed/ with a note, never opened."""
        path = self.path / name
        why = self.unusable(FAILED)
        if why is not None:
            return FileOutcome(path, "failed", f"{reason}; {why}; left in the inbox")
        try:
            moved = self.move(name, FAILED)
            note = self.write_note(moved, ".error.txt", f"{name}: {reason}")
        except OSError as exc:
            why = f"cannot be moved: {exc.strerror or exc}"
            return FileOutcome(path, "failed", f"{reason}; {why}; left in the inbox")
        return FileOutcome(path, "failed", reason, moved, note)

    def clean_leftovers(self) -> list[Path]:
        """Remove the partial copies a killed refresh left in archive/ and failed/."""
        cleaned: list[Path] = []
        for folder in (ARCHIVE, FAILED):
            if not _exists(self.fd, folder) or self.unusable(folder) is not None:
                continue
            try:
                fd = self.folder(folder)
            except OSError:
                continue
            for name in os.listdir(fd):
                if name.startswith(_PART_PREFIX) and name.endswith(".part") and _unlocked(fd, name):
                    os.unlink(name, dir_fd=fd)
                    cleaned.append(self.path / folder / name)
        return cleaned


def _taken(folder_fd: int, name: str) -> bool:
    return any(_exists(folder_fd, name + c) for c in ("", *_COMPANIONS))


def _exists(folder_fd: int, name: str) -> bool:
    try:
        os.lstat(name, dir_fd=folder_fd)
    except FileNotFoundError:
        return False
    return True


def _unlocked(folder_fd: int, name: str) -> bool:
    """True when no running refresh holds the flock of this partial file (its writer is gone)."""
    if fcntl is None:
        return False  # cannot tell: kept until it is old enough (see _Scratch._clean)
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder_fd)
    except OSError:
        return True  # a link, or gone: nothing of a running refresh
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def _transfer(source_fd: int, name: str, target_fd: int, target: str) -> None:
    """Rename, or across filesystems copy, fsync and unlink: never a half file under the target name."""
    try:
        os.rename(name, target, src_dir_fd=source_fd, dst_dir_fd=target_fd)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    part = f"{_PART_PREFIX}{secrets.token_hex(6)}.part"
    source = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), dir_fd=source_fd)
    try:
        st = os.fstat(source)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", name)
        copy = os.open(part, _CREATE, 0o600, dir_fd=target_fd)
        try:
            if fcntl is not None:  # tells the next run's clean-up it is being written
                fcntl.flock(copy, fcntl.LOCK_EX)
            while chunk := os.read(source, 1 << 20):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(copy, view) :]
            os.fchmod(copy, stat.S_IMODE(st.st_mode))
            os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns))
            os.fsync(copy)
            os.rename(part, target, src_dir_fd=target_fd, dst_dir_fd=target_fd)
            os.fsync(target_fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(part, dir_fd=target_fd)
            raise
        finally:
            os.close(copy)
    finally:
        os.close(source)
    os.unlink(name, dir_fd=source_fd)


class _Scratch:
    """A private temporary folder for one refresh, flocked while the refresh runs.

    A refresh killed by SIGKILL leaves its folder behind; the next one removes every
    ``stdreg-refresh-*`` folder of the same user whose lock no running refresh holds.
    """

    PREFIX = "stdreg-refresh-"
    LOCK = ".lock"
    UNLOCKED_AGE = 3600.0  # a folder killed before its lock was taken

    def __init__(self) -> None:
        self.cleaned: list[Path] = self._clean()
        try:
            self.path = Path(tempfile.mkdtemp(prefix=self.PREFIX))
            self._lock = os.open(self.path / self.LOCK, _CREATE, 0o600)
        except OSError as exc:
            where = f"the temporary folder {tempfile.gettempdir()} (TMPDIR)"
            raise StdregError(f"cannot write in {where}: {exc.strerror}") from None
        if fcntl is not None:
            fcntl.flock(self._lock, fcntl.LOCK_EX)

    def __enter__(self) -> _Scratch:
        return self

    def __exit__(self, *_: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._lock)

    @classmethod
    def _clean(cls) -> list[Path]:
        cleaned: list[Path] = []
        root = Path(tempfile.gettempdir())
        try:
            names = [name for name in os.listdir(root) if name.startswith(cls.PREFIX)]
        except OSError:
            return cleaned
        for name in names:
            folder = root / name
            try:
                st = folder.lstat()
                if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
                    continue
                fd = os.open(folder, _OPEN_FOLDER)
                try:
                    if fcntl is not None and _exists(fd, cls.LOCK):
                        stale = _unlocked(fd, cls.LOCK)
                    else:
                        stale = time.time() - st.st_mtime > cls.UNLOCKED_AGE
                finally:
                    os.close(fd)
            except OSError:
                continue
            if stale:
                shutil.rmtree(folder, ignore_errors=True)  # never follows a link inside it
                cleaned.append(folder)
        return cleaned


def _why_failed(exc: StdregError, path: Path) -> str:
    """One line: the count of rejected rows and the first, or the error without the file's path."""
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

OUTDATED_PRODUCTS = f"""
SELECT DISTINCT x.product_id, x.standard_id
FROM execution x
JOIN standard s ON s.id = x.standard_id
JOIN product_version pv ON pv.product_id = x.product_id AND pv.valid_from <= :d AND pv.valid_to > :d
WHERE x.valid_from <= :d AND x.valid_to > :d AND {outdated_on("s")}
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
