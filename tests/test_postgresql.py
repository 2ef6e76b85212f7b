"""The same register on PostgreSQL: the sample county gives the same figures as on SQLite.

Every test of the suite runs on both backends (see conftest.py); the tests here compare
the two side by side, or are about PostgreSQL itself. They need STDREG_TEST_PG_URL
(``.ci/run`` sets it); each works in a schema of its own, dropped afterwards.
"""

from __future__ import annotations

from pathlib import Path

from conftest import PROJECT, Stdreg

SAMPLES = PROJECT / "sample_data"


def load_sample(stdreg: Stdreg) -> None:
    stdreg.ok("import", SAMPLES / "register_2011.xlsx", "--year", "2011")
    stdreg.ok("import", SAMPLES / "register_2012.csv", "--year", "2012", "--complete")
    stdreg.ok("catalog", "import", SAMPLES / "catalog.csv", "--as-of", "2013-06-30")


def test_the_sample_county_reports_the_same_on_both_backends(pg_url, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    on_sqlite = Stdreg(str(tmp_path / "register.sqlite"), work)
    on_postgres = Stdreg(pg_url, work)
    for register in (on_sqlite, on_postgres):
        load_sample(register)
    for year in (2011, 2012):
        assert rounded(on_postgres.report(year)) == rounded(on_sqlite.report(year))
    for args in (["--enterprise", "纸", "--format", "json"], ["--count-by", "industry", "--format", "json"]):
        query = ["query", "--as-of", "2012-12-31", *args]
        assert on_postgres.ok(*query).json() == on_sqlite.ok(*query).json()


def rounded(value: object) -> object:
    """The same structure with floats rounded: sums may add up in another order."""
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return round(value, 6) if isinstance(value, float) else value


def test_writes_reads_and_the_workbook_of_the_sample_county(stdreg, tmp_path):
    load_sample(stdreg)
    assert stdreg("check", "--as-of", "2012-12-31").exit_code == 4
    workbook = tmp_path / "2012.xlsx"
    stdreg.ok("report", "--year", "2012", "-o", workbook)
    assert workbook.stat().st_size > 0
    stdreg.ok("update", "enterprise", "913308256672922671", "--township", "湖镇镇", "--as-of", "2013-01-01")
    townships = {row["key"] for row in stdreg.report(2013)["by_township"]}
    assert "湖镇镇" in townships
    refused = stdreg("query", "sql", "DELETE FROM product")
    assert refused.exit_code == 2 and "read-only" in refused.stderr
    assert stdreg.ok("query", "sql", "SELECT COUNT(*) AS n FROM product", "--format", "json").json() == [
        {"n": 1229}
    ]
    assert Path(workbook).exists()


def test_one_bulk_writer_at_a_time_on_postgresql(pg_url, tmp_path):
    from stdreg.store import open_register, writer_lock

    work = tmp_path / "work"
    work.mkdir()
    stdreg = Stdreg(pg_url, work)
    register = open_register(pg_url)
    try:
        with writer_lock(register):
            locked = stdreg("import", SAMPLES / "register_2011.xlsx", "--year", "2011")
        assert locked.exit_code == 75
        assert "another stdreg writer" in locked.stderr
        stdreg.ok("import", SAMPLES / "register_2011.xlsx", "--year", "2011")
        with writer_lock(register):  # update is short: on a server it takes no register-wide lock
            stdreg.ok("update", "enterprise", "913308256672922671", "--township", "湖镇镇", "--wait", "0")
    finally:
        register.dispose()


def test_a_schema_that_does_not_exist_is_refused_and_no_password_is_shown(pg_url, tmp_path):
    from sqlalchemy import make_url

    missing = (
        make_url(pg_url).set(password="s3cret").update_query_dict({"options": "-csearch_path=nowhere_x"})
    )
    for command in (["db", "info"], ["db", "upgrade", "--no-backup"], ["import", SAMPLES / "catalog.csv"]):
        run = Stdreg(missing.render_as_string(hide_password=False), tmp_path)(*command)
        assert run.exit_code == 1, run.stderr
        assert "search_path names does not exist" in run.stderr and "CREATE SCHEMA" in run.stderr
        assert "s3cret" not in run.stderr


def test_a_register_on_a_server_merges_by_url(stdreg, pg_url, tmp_path):
    county = Stdreg(pg_url, tmp_path)
    load_sample(county)
    refused = stdreg("merge", pg_url)
    assert refused.exit_code == 2 and "--region" in refused.stderr
    stdreg.ok("merge", pg_url, "--region", "龙游县")
    city, home = stdreg.report(2012), county.report(2012)
    assert rounded(city["totals"]) == rounded(home["totals"])
    assert [(r["key"], r["products"]) for r in city["by_region"]] == [("龙游县", home["totals"]["products"])]
    info = stdreg.ok("db", "info", "--format", "json").json()
    assert [(m["region"], m["enterprises"]) for m in info["merged"]] == [
        ("龙游县", home["totals"]["enterprises"])
    ]
