"""Run one command and write its wall time and peak memory: ``launch.py RESULT -- ARGV…``.

The benchmark starts every measured command through this small process (run with
``python -I -S``) rather than directly: on Linux a child's max RSS as ``os.wait4``
reports it is never below the RSS of the process it was forked from (the old
memory map's high-water mark is carried across ``exec``), so children of the
benchmark runner itself would all show at least the runner's own memory. Spawned
from here, the floor is this interpreter's few MiB, below any Python child's own.

RESULT receives one line: ``seconds max_rss_kib exit_code``; the time is
``time.perf_counter`` from spawn to exit, the memory is ``ru_maxrss`` of ``os.wait4``.
"""

import os
import sys
import time


def main() -> int:
    result, separator, *argv = sys.argv[1:]
    if separator != "--" or not argv:
        print("usage: launch.py RESULT -- ARGV…", file=sys.stderr)
        return 2
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    rss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss  # KiB
    with open(result, "w") as handle:
        handle.write(f"{seconds!r} {rss} {os.waitstatus_to_exitcode(status)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
