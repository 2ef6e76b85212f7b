"""A register path with characters that mean something in a URL (# ? % @ space …) is that file, everywhere."""

from __future__ import annotations

import sqlite3

import pytest

from builders import row, write_csv
from conftest import Stdreg

NAMES = [
    "county#2.sqlite",
    "q?x.sqlite",
    "p%41.sqlite",
    "a&b=c.sqlite",
    "u@h:1.sqlite",
    "sp ace;.sqlite",
    "县 %20#?.sqlite",
]


@pytest.mark.parametrize("name", NAMES)
def test_every_command_opens_the_register_it_names(tmp_path, name):
    folder = tmp_path / "registers"
    folder.mkdir()
    path = folder / name
    county = Stdreg(str(path), tmp_path)
    try:
        county.ok("import", write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1-2008")]), "--year", "2011")
        assert [p.name for p in folder.iterdir() if p.suffix == ".sqlite"] == [name]
        assert county.ok("query", "--format", "json").json()[0]["standard"] == "GB/T 1-2008"
        assert county.report(2011)["totals"]["products"] == 1
        assert county.ok("query", "sql", "SELECT COUNT(*) AS n FROM execution", "--format", "json").json()
        info = county.ok("db", "info", "--format", "json").json()
        assert info["path"] == str(path) and info["rows"]["execution"] == 1

        copy = tmp_path / ("copy-" + name)
        county.ok("db", "backup", copy)
        with sqlite3.connect(copy) as connection:
            assert connection.execute("SELECT COUNT(*) FROM execution").fetchone() == (1,)

        # db upgrade takes its backup first through the same path: from an older revision
        from alembic import command

        from stdreg.store import _alembic_config, open_register

        register = open_register(str(path))
        with register.engine.begin() as connection:
            command.downgrade(_alembic_config(connection), "0005")
        register.dispose()
        county.ok("db", "upgrade")
        (backup,) = [p for p in folder.iterdir() if ".backup-" in p.name]
        with sqlite3.connect(backup) as connection:
            assert connection.execute("SELECT COUNT(*) FROM execution").fetchone() == (1,)
        assert county.ok("db", "info", "--format", "json").json()["schema_revision"] == "0006"
        assert sorted(p.name for p in folder.iterdir() if p.suffix == ".sqlite") == sorted(
            [name, backup.name]
        )
    finally:
        county.close()
