"""A command line that forgives: global options after the command, dates in every form the files use."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from builders import CATALOG_HEADERS, row, uscc, write_csv
from conftest import Run, Stdreg
from stdreg.cli.app import app
from stdreg.cli.common import parse_date_option
from stdreg.errors import UsageError
from test_cli_help import commands

U1 = uscc(1)


def after(stdreg: Stdreg, *args: str | Path, env: dict[str, str] | None = None) -> Run:
    """The command line with ``--db`` after the command and its arguments, not before it."""
    old = Path.cwd()
    os.chdir(stdreg.cwd)
    try:
        result = CliRunner().invoke(
            app, [*map(str, args), "--db", stdreg.db], env=env, catch_exceptions=False
        )
    finally:
        os.chdir(old)
    return Run(result.exit_code, result.stdout, result.stderr)


def ok_after(stdreg: Stdreg, *args: str | Path, env: dict[str, str] | None = None) -> Run:
    run = after(stdreg, *args, env=env)
    assert run.exit_code == 0, f"exit {run.exit_code}\nstdout: {run.stdout}\nstderr: {run.stderr}"
    return run


def register_2011(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "2011.csv", [row(1, "瓦楞原纸", "GB/T 13023-2008"), row(2, "竹筷", "")])


# --- global options after the command ------------------------------------------------------


@pytest.mark.parametrize("name", [name for name, _ in commands()])
def test_every_command_accepts_the_global_options_after_it(name):
    runner = CliRunner()
    for extra in (["--db", "elsewhere.sqlite"], ["--verbose"], ["-v"]):
        result = runner.invoke(app, [*name.split(), *extra, "--help"])
        assert result.exit_code == 0, (name, extra, result.output)
        assert "No such option" not in result.output


def test_import_query_report_and_history_use_the_register_named_after_them(stdreg, tmp_path):
    run = ok_after(stdreg, "import", register_2011(tmp_path), "--year", "2011", "--json")
    assert '"products_added": 2' in run.stdout
    # the register named after the command holds it, not the default one
    assert stdreg.sql("SELECT COUNT(*) FROM product")[0][0] == 2
    rows = ok_after(stdreg, "query", "--as-of", "2011-12-31", "--format", "json").json()
    assert {r["product"] for r in rows} == {"瓦楞原纸", "竹筷"}
    assert ok_after(stdreg, "report", "--year", "2011", "--format", "json").json()["totals"]["products"] == 2
    assert ok_after(stdreg, "history", U1, "--format", "json").json()
    assert ok_after(stdreg, "check", "--as-of", "2011-12-31", "--format", "json").json() == []


def test_sub_commands_use_the_register_named_after_them(stdreg, tmp_path):
    stdreg.ok("import", register_2011(tmp_path), "--year", "2011")
    counted = ok_after(stdreg, "query", "sql", "SELECT COUNT(*) AS n FROM product", "--format", "json")
    assert counted.json() == [{"n": 2}]
    info = ok_after(stdreg, "db", "info", "--format", "json").json()
    assert info["url"] == stdreg.url or info["url"].endswith(Path(stdreg.db).name)
    assert "already at the latest revision" in ok_after(stdreg, "db", "upgrade").stderr
    catalog = [["GB/T 13023-2008", "瓦楞原纸", "现行", "2008-07-18", "2009-05-01", "", "", "", ""]]
    ok_after(stdreg, "catalog", "import", write_csv(tmp_path / "catalog.csv", catalog, CATALOG_HEADERS))
    assert stdreg.sql("SELECT title FROM standard WHERE code = 'GB/T 13023-2008'") == [("瓦楞原纸",)]
    ok_after(stdreg, "update", "enterprise", U1, "--name", "恒达纸业", "--as-of", "2012-01-01")
    ok_after(stdreg, "update", "product", U1, "瓦楞原纸", "--brand", "浙江名牌", "--as-of", "2012-01-01")
    ok_after(stdreg, "update", "standard", "GB/T 13023-2008", "--status", "withdrawn", "--on", "2012-06-30")
    rows = stdreg.ok("query", "--as-of", "2012-12-31", "--uscc", U1, "--format", "json").json()
    assert rows[0]["enterprise"] == "恒达纸业" and rows[0]["outdated"] is True


@pytest.mark.sqlite_only("db backup copies a SQLite file; refresh and merge read files beside it")
def test_backup_refresh_and_merge_use_the_register_named_after_them(stdreg, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    register_2011(inbox)
    ok_after(stdreg, "refresh", "--inbox", inbox, "--year", "2011", "--settle", "0")
    assert stdreg.sql("SELECT COUNT(*) FROM product")[0][0] == 2
    copy = tmp_path / "copy.sqlite"
    ok_after(stdreg, "db", "backup", copy)
    city = Stdreg(str(tmp_path / "city.sqlite"), stdreg.cwd)
    try:
        ok_after(city, "merge", copy, "--region", "龙游县")
        assert city.sql("SELECT COUNT(*) FROM product")[0][0] == 2
    finally:
        city.close()


def test_the_db_after_the_command_wins_over_the_environment(stdreg, tmp_path):
    elsewhere = tmp_path / "elsewhere.sqlite"
    ok_after(stdreg, "import", register_2011(tmp_path), "--year", "2011", env={"STDREG_DB": str(elsewhere)})
    assert stdreg.sql("SELECT COUNT(*) FROM product")[0][0] == 2
    assert not elsewhere.exists()


def test_a_value_that_looks_like_a_global_option_stays_a_value(stdreg, tmp_path):
    stdreg.ok("import", register_2011(tmp_path), "--year", "2011")
    # --enterprise takes "--db" as its text: no enterprise is called that
    run = ok_after(stdreg, "query", "--as-of", "2011-12-31", "--enterprise", "--db", "--format", "json")
    assert run.json() == []
    # after --, "--db" is a file name
    before = stdreg.dump()
    refused = stdreg("import", "--year", "2011", "--", "--db")
    assert refused.exit_code != 0 and "--db" in refused.stderr and "No such option" not in refused.stderr
    assert stdreg.dump() == before


# --- dates in every form the files take ----------------------------------------------------


FORMS = ("2013年12月31日", "2013/12/31", "2013.12.31", "20131231", "2013-12-31", "2013年12月31")


@pytest.mark.parametrize("form", FORMS)
def test_as_of_takes_every_date_form_of_the_files(stdreg, tmp_path, form):
    stdreg.ok("import", register_2011(tmp_path), "--as-of", form)
    assert stdreg.sql("SELECT as_of FROM import_batch") == [("2013-12-31",)]
    assert len(stdreg.ok("query", "--as-of", form, "--format", "json").json()) == 2


def test_every_date_option_takes_the_forms(stdreg, tmp_path):
    stdreg.ok("import", register_2011(tmp_path), "--as-of", "2011年12月31日")
    catalog = [["GB/T 13023-2008", "瓦楞原纸", "现行", "2008-07-18", "2009-05-01", "", "", "", ""]]
    stdreg.ok(
        "catalog", "import", write_csv(tmp_path / "c.csv", catalog, CATALOG_HEADERS), "--as-of", "2012/1/1"
    )
    stdreg.ok("update", "standard", "GB/T 13023-2008", "--status", "withdrawn", "--on", "2012年6月30日")
    stdreg.ok("update", "enterprise", U1, "--name", "恒达纸业", "--as-of", "2012.7.1")
    outdated = stdreg("check", "--as-of", "2012年12月31日", "--since", "2012.1.1", "--format", "json")
    assert outdated.exit_code == 4  # something is outdated
    assert [r["outdated_from"] for r in outdated.json()] == ["2012-06-30"]
    report = stdreg.ok("report", "--year", "2012", "--as-of", "2012/12/31", "--format", "json").json()
    assert report["as_of"] == "2012-12-31"
    rows = stdreg.ok("query", "--as-of", "2012/7/1", "--uscc", U1, "--format", "json").json()
    assert rows[0]["enterprise"] == "恒达纸业"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["query", "--as-of", "2013-13-01"], "--as-of"),
        (["query", "--as-of", "31/12/2013"], "--as-of"),
        (["check", "--since", "昨天"], "--since"),
        (["update", "standard", "GB/T 13023-2008", "--status", "withdrawn", "--on", "2012/6/31"], "--on"),
        (["update", "enterprise", U1, "--name", "x", "--as-of", "2012-02-30"], "--as-of"),
    ],
)
def test_a_date_that_is_none_names_the_option_and_the_forms(stdreg, tmp_path, args, option):
    stdreg.ok("import", register_2011(tmp_path), "--year", "2011")
    before = stdreg.dump()
    run = stdreg(*args)
    assert run.exit_code == 2, run.stderr
    message = run.stderr.strip()
    assert message.count("\n") == 0, message
    assert message.startswith(f"Error: {option} ") and "2013/12/31" in message and "2013年12月31日" in message
    assert stdreg.dump() == before


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)))
def test_a_date_option_reads_every_form_of_the_same_date(date):
    forms = (
        date.isoformat(),
        f"{date.year}/{date.month}/{date.day}",
        f"{date.year}.{date.month:02d}.{date.day:02d}",
        f"{date.year}年{date.month}月{date.day}日",
        date.strftime("%Y%m%d"),
    )
    assert {parse_date_option(form) for form in forms} == {date}


def test_a_date_option_is_never_half_read():
    for text in ("2013", "2013-12", "12/31/2013", "2013-12-31x", ""):
        with pytest.raises(UsageError, match="--since"):
            parse_date_option(text, "--since")
