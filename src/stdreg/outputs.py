"""Every file a command writes goes through :func:`open_output`: it can never destroy what it reads.

A command first names what it must not overwrite: the register it opened (with
its ``-wal``, ``-shm``, ``-journal``, ``.lock`` and refresh state files,
:func:`protect_register`) and the files it reads (:func:`protect_inputs`). An
output path that is any of them, in any spelling (another relative path, a
symlink, a hard link: compared by real path and by inode), is refused with
:class:`OutputRefused` (exit 2) before anything is written.

Then:

- a regular file (or a new one) is written to ``PATH.part`` and renamed over
  ``PATH``: readers see the old file or the new one, never half of one;
- a symlink is written through: its target gets the new content (atomically,
  as above) and the link itself stays as it is;
- anything else (``/dev/stdout``, ``/dev/null``, a FIFO, a terminal) is written
  in place: it is never replaced by a regular file.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from stdreg.errors import UsageError

# The files beside a SQLite register that belong to it: SQLite's own, the writer lock,
# and the state a refresh keeps (see stdreg.refresh.refresh_state_path).
REGISTER_COMPANIONS = ("", "-wal", "-shm", "-journal", ".lock", ".lock.holder", ".refresh.json")

_by_path: dict[str, str] = {}  # real path -> what it is, for the message
_by_inode: dict[tuple[int, int], str] = {}


class OutputRefused(UsageError):
    """An output path names the register, one of its files, or an input of the same command."""


def forget_protected() -> None:
    """Start a command afresh: what an earlier command read is no longer off limits."""
    _by_path.clear()
    _by_inode.clear()


def _protect(path: Path, what: str) -> None:
    _by_path.setdefault(os.path.realpath(path), what)
    with contextlib.suppress(OSError):
        st = os.stat(path)
        if stat.S_ISREG(st.st_mode):
            _by_inode.setdefault((st.st_dev, st.st_ino), what)


def protect_register(path: Path) -> None:
    """The SQLite register at ``path`` and its companion files are never an output."""
    for suffix in REGISTER_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        _protect(companion, f"the register {path}" if not suffix else f"the register's file {companion}")


def protect_inputs(paths: Iterable[Path]) -> None:
    """Files the command reads are never an output of the same command."""
    for path in paths:
        _protect(path, f"the input {path}")


def check_output(path: Path) -> Path:
    """``path`` itself, once it is known not to name the register or an input; else OutputRefused."""
    what = _by_path.get(os.path.realpath(path))
    if what is None:
        with contextlib.suppress(OSError):
            st = os.stat(path)
            what = _by_inode.get((st.st_dev, st.st_ino))
    if what is not None:
        raise OutputRefused(f"refusing to write {path}: it is {what}; choose another output file")
    return path


@contextlib.contextmanager
def open_output(path: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """A stream to ``path``, written whole or not at all, that never replaces a device or a link.

    Raises OutputRefused for a protected path, UsageError when the file cannot be written.
    """
    check_output(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    mode = "wb" if binary else "w"
    encoding = None if binary else "utf-8"
    try:
        existing: os.stat_result | None = os.stat(target)
    except OSError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        if stat.S_ISDIR(existing.st_mode):
            raise UsageError(f"cannot write {path}: it is a folder")
        try:
            handle = open(target, mode, encoding=encoding)  # noqa: SIM115 - a device or FIFO: in place
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror}") from None
        with handle:
            yield handle
        return
    partial = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = open(partial, mode, encoding=encoding)  # noqa: SIM115 - renamed when complete
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with handle:
            yield handle
        if existing is not None:  # a replaced file keeps who may read it
            with contextlib.suppress(OSError):
                os.chmod(partial, stat.S_IMODE(existing.st_mode))
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
