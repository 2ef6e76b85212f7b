"""``python -m stdreg``: the same command as ``stdreg``, for cron and systemd."""

from stdreg.cli.app import main

main()
