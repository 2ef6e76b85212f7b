"""The one exception hierarchy of stdreg; the CLI maps it to messages and exit codes.

Codes above 3 follow BSD's sysexits.h, so that a cron job can tell a condition to
wait out (75) from one a person must fix (65, 74, 77):

== ====================================================================================
0  success
1  unexpected failure
2  usage error (including an output path that would overwrite the register or an input)
3  invalid input, nothing written
65 EX_DATAERR: the register is damaged (PRAGMA quick_check failed); nothing written
74 EX_IOERR: the disk is full (or another I/O error); nothing written
75 EX_TEMPFAIL: another writer holds the lock; try again later
77 EX_NOPERM: this user may not write the register, its folder or its lock file
== ====================================================================================
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INVALID_INPUT = 3
EXIT_DAMAGED = 65
EXIT_IO = 74
EXIT_LOCKED = 75
EXIT_NO_PERMISSION = 77


class StdregError(Exception):
    """Base of every error stdreg reports to its user without a traceback."""

    exit_code = EXIT_FAILURE


class UsageError(StdregError):
    """The command line asks for something that cannot be done as asked."""

    exit_code = EXIT_USAGE


class InputError(StdregError):
    """An input file is unreadable or invalid; nothing was written."""

    exit_code = EXIT_INVALID_INPUT


class RegisterLocked(StdregError):
    """Another writer holds the register's writer lock."""

    exit_code = EXIT_LOCKED


class DatabaseError(StdregError):
    """The register database cannot be used as it is (too new, not a register, …)."""

    exit_code = EXIT_FAILURE


class RegisterDamaged(DatabaseError):
    """The register's file is corrupt: it is neither written to nor backed up."""

    exit_code = EXIT_DAMAGED


class DiskFull(StdregError):
    """The disk (or the server's) is full; the write was rolled back."""

    exit_code = EXIT_IO


class RegisterAccessError(StdregError):
    """This user may not write the register, its folder or its lock file."""

    exit_code = EXIT_NO_PERMISSION


class NoRegister(DatabaseError):
    """There is no register where one was asked for (and it was not to be created)."""
