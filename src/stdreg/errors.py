"""The one exception hierarchy of stdreg; the CLI maps it to messages and exit codes."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INVALID_INPUT = 3
EXIT_LOCKED = 75


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
