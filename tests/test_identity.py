"""Every register has an identity: a merge refuses the register itself under any spelling."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from builders import row, write_csv
from conftest import Stdreg


def identity(register: Stdreg) -> str:
    (value,) = register.sql("SELECT id FROM register_identity")[0]
    return str(value)


@pytest.fixture
def county(tmp_path: Path) -> Stdreg:
    """A county register (SQLite) with one enterprise."""
    register = Stdreg(str(tmp_path / "龙游县.sqlite"), tmp_path)
    register.ok(
        "import", write_csv(tmp_path / "county.csv", [row(7, "竹筷", "GB/T 2-2008")]), "--year", "2011"
    )
    yield register
    register.close()


def test_a_new_register_has_an_identity_shown_by_db_info(stdreg):
    stdreg.ok("db", "upgrade")
    info = stdreg.ok("db", "info", "--format", "json").json()
    assert uuid.UUID(info["identity"]) and info["identity"] == identity(stdreg)
    assert f"identity:  {info['identity']}" in stdreg.ok("db", "info").stdout


def test_the_upgrade_of_an_older_register_gives_it_an_identity(stdreg):
    from alembic import command

    from stdreg.store import _alembic_config, open_register

    register = open_register(stdreg.db)
    with register.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0005")
    register.dispose()
    assert "register_identity" not in stdreg.tables()
    stdreg.ok("db", "upgrade", *(["--no-backup"] if stdreg.backend == "postgresql" else []))
    assert uuid.UUID(identity(stdreg))


@pytest.mark.sqlite_only("db backup and hard links copy a SQLite file")
@pytest.mark.parametrize("copy", ["backup", "hard link", "cp"])
def test_a_copy_of_the_register_is_not_merged_into_it(stdreg, tmp_path, copy):
    stdreg.ok("import", write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1-2008")]), "--year", "2011")
    other = tmp_path / "other.sqlite"
    if copy == "backup":
        stdreg.ok("db", "backup", other)
    elif copy == "hard link":
        other.hardlink_to(stdreg.db)
    else:
        shutil.copy(stdreg.db, other)
    assert identity(Stdreg(str(other), tmp_path)) == identity(stdreg)  # a file copy keeps it
    before = stdreg.dump()
    run = stdreg("merge", other, "--region", "临时")
    assert run.exit_code == 2, run.stderr
    assert "is this register itself" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert stdreg.dump() == before


def test_a_server_register_spelled_another_way_is_itself(stdreg, tmp_path):
    if stdreg.backend != "postgresql":
        pytest.skip("a URL has other spellings; a file's is its real path (covered by the test above)")
    from sqlalchemy import make_url

    stdreg.ok("import", write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1-2008")]), "--year", "2011")
    url = make_url(stdreg.db)
    spelled = url.update_query_dict({"application_name": "another"}).set(port=url.port or 5432)
    before = stdreg.dump()
    run = stdreg("merge", spelled.render_as_string(hide_password=False), "--region", "临时")
    assert run.exit_code == 2 and "is this register itself" in run.stderr, run.stderr
    assert stdreg.dump() == before


def test_a_source_merged_under_one_name_is_not_merged_under_another(stdreg, county, tmp_path):
    stdreg.ok("merge", county.db)
    (row_,) = stdreg.sql("SELECT name, identity FROM merge_source")
    assert row_ == ("龙游县", identity(county))
    renamed = tmp_path / "county-copy.sqlite"
    shutil.copy(county.db, renamed)
    before = stdreg.dump()
    run = stdreg("merge", renamed, "--region", "龙游")
    assert run.exit_code == 2, run.stderr
    assert "merged before as region 龙游县" in run.stderr and "--region 龙游县" in run.stderr
    assert stdreg.dump() == before
    stdreg.ok("merge", renamed, "--region", "龙游县")  # the same region again: a re-merge
