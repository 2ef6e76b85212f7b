"""`stdreg db`: where the register is, its schema revision, upgrades and backups."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from builders import row, write_csv
from conftest import PROJECT


def test_a_new_register_is_created_at_the_latest_revision(stdreg):
    stdreg.ok("db", "upgrade")
    info = stdreg.ok("db", "info", "--format", "json").json()
    assert info["backend"] == stdreg.backend
    assert info["path"] == (stdreg.db if stdreg.backend == "sqlite" else None)
    assert info["schema_revision"] == info["latest_revision"]
    assert set(info["rows"]) >= {"enterprise", "product", "standard", "execution", "import_batch"}


def test_info_counts_rows(stdreg, tmp_path):
    stdreg.ok("import", write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1-2008")]))
    rows = stdreg.ok("db", "info", "--format", "json").json()["rows"]
    assert (rows["enterprise"], rows["product"], rows["execution"], rows["import_batch"]) == (1, 1, 1, 1)
    assert "execution" in stdreg.ok("db", "info").stdout


def test_default_register_lives_in_the_data_directory(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from stdreg.cli.app import app

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    result = CliRunner().invoke(app, ["db", "info", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count(str(tmp_path / "data" / "stdreg" / "register.sqlite")) == 2


def test_a_register_from_a_newer_stdreg_is_refused(stdreg):
    stdreg.ok("db", "upgrade")
    stdreg.sql("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    for command in (["db", "info"], ["report", "--year", "2011"], ["db", "upgrade"]):
        run = stdreg(*command)
        assert run.exit_code == 1
        assert "newer stdreg" in run.stderr


def test_a_file_that_is_not_a_register_is_refused(stdreg):
    stdreg.sql("CREATE TABLE accounts (id INTEGER)")
    run = stdreg("report", "--year", "2011")
    assert run.exit_code == 1
    assert "not a stdreg register" in run.stderr


def test_upgrade_of_a_current_register_is_a_no_op(stdreg):
    stdreg.ok("db", "upgrade")
    assert "already at the latest revision" in stdreg.ok("db", "upgrade").stderr


@pytest.mark.sqlite_only("db backup copies a SQLite file; a server is backed up with pg_dump")
def test_backup_is_a_consistent_copy(stdreg, tmp_path):
    stdreg.ok("import", write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1-2008")]))
    copy = tmp_path / "备份 copy.sqlite"
    stdreg.ok("db", "backup", copy)
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT COUNT(*) FROM execution").fetchone() == (1,)


def test_the_wheel_ships_the_migrations(tmp_path):
    """Build the wheel, install it in a fresh virtual environment, and create a register from it."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(PROJECT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("stdreg-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)], check=True)
    # the dependencies come from this environment; a plain path line in a .pth file does
    # not run that environment's own .pth files, so the source checkout stays out of reach
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    db = tmp_path / "from-wheel.sqlite"
    env = {**os.environ, "PYTHONPATH": ""}
    subprocess.run([str(env_dir / "bin" / "stdreg"), "--db", str(db), "db", "upgrade"], env=env, check=True)
    result = subprocess.run(
        [str(env_dir / "bin" / "stdreg"), "--db", str(db), "db", "info", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert '"schema_revision": null' not in result.stdout
    assert db.exists()
    located = subprocess.run(
        [str(python), "-c", "import stdreg.store as s; print(s.migrations_dir())"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert str(env_dir) in located.stdout, located.stdout + located.stderr


def test_the_fast_revision_check_knows_the_newest_migration():
    from stdreg.store import SCHEMA_HEAD, head_revision

    assert head_revision() == SCHEMA_HEAD


def test_db_info_on_no_register_says_how_to_start_and_creates_nothing(stdreg):
    run = stdreg.ok("db", "info")
    assert "no register there yet" in run.stdout and "stdreg import FILE" in run.stdout
    info = stdreg.ok("db", "info", "--format", "json").json()
    assert info["exists"] is False
    if stdreg.backend == "sqlite":
        assert not Path(stdreg.db).exists() and info["path"] == stdreg.db
    assert stdreg.tables() == []
