"""`stdreg update`: dated changes and corrections of enterprises, products and standards; sheets of
changes; validation; the writer lock; and the 0001 → 0002 migration that brought the audit trail."""

from __future__ import annotations

import fcntl
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from builders import CATALOG_HEADERS, org_code, row, uscc, write_csv, write_xlsx
from test_cli_import import rejects_of

U1 = uscc(1)


def register(stdreg, tmp_path, rows, year, *extra):
    stdreg.ok("import", write_csv(tmp_path / f"register-{year}.csv", rows), "--year", str(year), *extra)


def rows_of(stdreg, *args: str) -> list[dict[str, Any]]:
    return stdreg.ok("query", "--format", "json", *args).json()


def enterprise_on(stdreg, day: str, code: str = U1) -> dict[str, Any]:
    found = rows_of(stdreg, "--uscc", code, "--as-of", day)
    assert found, f"{code} has no rows on {day}"
    return found[0]


def standards_on(stdreg, day: str, product: str, code: str = U1) -> set[str]:
    return {
        r["standard"]
        for r in rows_of(stdreg, "--uscc", code, "--as-of", day)
        if r["product"] == product and r["standard"]
    }


def without_audit(dump: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {t: rows for t, rows in dump.items() if t not in ("import_batch", "change_log")}


def batches(stdreg) -> list[tuple[Any, ...]]:
    return stdreg.sql("SELECT id, kind, file_name, as_of, user_name FROM import_batch ORDER BY id")


@pytest.fixture
def paper(stdreg, tmp_path):
    """Enterprise 1 (湖镇镇, 造纸) makes 纸 to GB/T 1-2008 and 竹筷 to GB/T 2-2008, from 2011."""
    register(
        stdreg, tmp_path, [row(1, "纸", "GB/T 1-2008"), row(1, "竹筷", "GB/T 2-2008"), row(2, "布", "")], 2011
    )
    return stdreg


# --- enterprises ---------------------------------------------------------------------------


def test_a_dated_change_holds_from_its_date(paper):
    paper.ok("update", "enterprise", U1, "--township", "龙洲街道", "--size", "规下", "--as-of", "2012-06-30")
    assert enterprise_on(paper, "2012-06-29")["township"] == "湖镇镇"
    after = enterprise_on(paper, "2012-06-30")
    assert (after["township"], after["size"]) == ("龙洲街道", "below")
    townships = {t["key"]: t["products"] for t in paper.report(2011)["by_township"]}
    assert townships == {"湖镇镇": 3}
    townships = {t["key"]: t["products"] for t in paper.report(2012)["by_township"]}
    assert townships == {"湖镇镇": 1, "龙洲街道": 2}


def test_the_date_defaults_to_today_and_each_update_is_a_batch(paper):
    import datetime as dt
    import getpass

    paper.ok("update", "enterprise", org_code(1), "--industry", "竹制品")
    assert enterprise_on(paper, dt.date.today().isoformat())["industry"] == "竹制品"
    assert enterprise_on(paper, "2011-12-31")["industry"] == "造纸"
    batch_id, kind, file_name, as_of, user = batches(paper)[-1]
    assert kind == "update"
    assert file_name.startswith(f"stdreg update enterprise {org_code(1)} --industry")
    assert as_of == dt.date.today().isoformat()
    assert f"--as-of {as_of}" in file_name
    assert user == getpass.getuser()


def test_a_correction_rewrites_every_version(paper, tmp_path):
    register(paper, tmp_path, [row(1, "纸", "GB/T 1-2008", township="詹家镇")], 2012)
    paper.ok("update", "enterprise", U1, "--industry", "造纸和纸制品业", "--correct")
    assert enterprise_on(paper, "2011-12-31")["industry"] == "造纸和纸制品业"
    assert enterprise_on(paper, "2012-12-31")["industry"] == "造纸和纸制品业"
    # the township change of 2012 is a change in the world: a correction of industry keeps it
    assert enterprise_on(paper, "2011-12-31")["township"] == "湖镇镇"
    assert enterprise_on(paper, "2012-12-31")["township"] == "詹家镇"
    assert paper.sql("SELECT COUNT(*) FROM enterprise_version WHERE enterprise_id = 1") == [(2,)]
    reasons = paper.sql(
        "SELECT reason, as_of FROM change_log WHERE table_name = 'enterprise_version'"
        " AND batch_id = (SELECT MAX(id) FROM import_batch)"
    )
    assert reasons == [("correction", None), ("correction", None)]


def test_a_correction_from_a_date_and_a_dated_change_differ(paper, tmp_path):
    register(paper, tmp_path, [row(1, "纸", "GB/T 1-2008", township="詹家镇")], 2013)
    # a dated change on 2012-06-30 holds until the next statement (2013 says 詹家镇) …
    paper.ok("update", "enterprise", U1, "--township", "龙洲街道", "--as-of", "2012-06-30", "--dry-run")
    # … a correction from 2012-06-30 rewrites every version from then on
    paper.ok("update", "enterprise", U1, "--township", "龙洲街道", "--as-of", "2012-06-30", "--correct")
    assert enterprise_on(paper, "2012-06-29")["township"] == "湖镇镇"
    assert enterprise_on(paper, "2012-06-30")["township"] == "龙洲街道"
    assert enterprise_on(paper, "2013-12-31")["township"] == "龙洲街道"


def test_a_dated_change_keeps_later_statements(paper, tmp_path):
    register(paper, tmp_path, [row(1, "纸", "GB/T 1-2008", township="詹家镇")], 2013)
    paper.ok("update", "enterprise", U1, "--township", "龙洲街道", "--as-of", "2012-06-30")
    assert enterprise_on(paper, "2012-06-29")["township"] == "湖镇镇"
    assert enterprise_on(paper, "2012-12-31")["township"] == "龙洲街道"
    assert enterprise_on(paper, "2013-12-31")["township"] == "詹家镇"


def test_flags_levels_and_metrology(paper):
    paper.ok(
        "update", "enterprise", U1, "--high-tech", "--key-energy-user", "--good-behaviour", "AAA",
        "--metrology-confirmed", "2012年3月1日", "--as-of", "2012-06-30",
    )  # fmt: skip
    paper.ok(
        "update", "enterprise", U1, "--no-high-tech", "--good-behaviour", "none",
        "--metrology-confirmed", "no", "--as-of", "2013-06-30",
    )  # fmt: skip
    versions = paper.sql(
        "SELECT valid_from, high_tech, key_energy_user, metrology_confirmed, metrology_confirmed_on, "
        "good_behaviour FROM enterprise_version v JOIN enterprise e ON e.id = v.enterprise_id "
        "WHERE e.org_code = :org_code ORDER BY valid_from",
        org_code=org_code(1),
    )
    assert versions == [
        ("2011-12-31", None, None, None, None, None),
        ("2012-06-30", 1, 1, 1, "2012-03-01", "AAA"),
        ("2013-06-30", 0, 1, 0, None, ""),
    ]


def test_an_organization_code_gets_its_uscc(stdreg, tmp_path):
    register(stdreg, tmp_path, [row(7, "纸", "GB/T 1-2008", by_org_code=True)], 2011)
    assert enterprise_on(stdreg, "2011-12-31", org_code(7))["uscc"] is None
    stdreg.ok("update", "enterprise", f"{org_code(7)[:8]}-{org_code(7)[8]}", "--uscc", uscc(7))
    assert enterprise_on(stdreg, "2011-12-31", uscc(7))["uscc"] == uscc(7)
    # another enterprise's USCC: characters 9–17 must be the organization code
    before = stdreg.dump()
    run = stdreg("update", "enterprise", org_code(7), "--uscc", uscc(8))
    assert run.exit_code == 2
    assert "characters 9–17" in run.stderr
    assert stdreg.dump() == before


@pytest.mark.parametrize(
    "option, value",
    [
        ("--size", "big"),
        ("--good-behaviour", "AAAAA"),
        ("--metrology-confirmed", "sometimes"),
        ("--as-of", "2012-13-01"),
        ("--uscc", "91330825000000019X"),
        ("--name", " "),
    ],
)
def test_values_that_cannot_be_read_are_refused(paper, option, value):
    before = paper.dump()
    run = paper("update", "enterprise", U1, option, value)
    assert run.exit_code == 2, run.stderr
    assert "Error:" in run.stderr
    assert paper.dump() == before


def test_changes_that_contradict_the_register_are_refused(paper):
    before = paper.dump()
    for args in (
        ["enterprise", uscc(99), "--township", "湖镇镇"],  # not in the register
        ["enterprise", U1, "--township", "龙洲街道", "--as-of", "2010-01-01"],  # not registered yet
        ["product", U1, "不存在", "--output-value", "1"],
        ["product", U1, "纸", "--drop-standard", "GB/T 2-2008"],  # never made to it
        ["product", U1, "纸", "--drop-standard", "GB/T 1-2008", "--as-of", "2011-01-01"],
        ["product", U1, "新产品", "--add-standard", "GB/T 9-2010", "--as-of", "2011-01-01"],
    ):
        run = paper("update", *args)
        assert run.exit_code == 3, (args, run.stderr)
        assert "nothing was changed" in run.stderr
    assert paper.dump() == before
    run = paper("update", "enterprise", "12345", "--township", "x")
    assert run.exit_code == 2


# --- products ------------------------------------------------------------------------------


def test_standards_added_dropped_and_replaced_from_their_dates(paper):
    paper.ok("update", "product", U1, "纸", "--add-standard", "ISO 536:2012", "--as-of", "2012-06-30")
    assert standards_on(paper, "2012-06-29", "纸") == {"GB/T 1-2008"}
    assert standards_on(paper, "2012-06-30", "纸") == {"GB/T 1-2008", "ISO 536:2012"}
    assert paper.report(2011)["totals"]["adopting_products"] == 0
    assert paper.report(2012)["totals"]["adopting_products"] == 1
    paper.ok(
        "update",
        "product",
        U1,
        "竹筷",
        "--replace-standard",
        "gbt2-2008",
        "GB/T 2-2018",
        "--as-of",
        "2013-01-01",
    )
    assert standards_on(paper, "2012-12-31", "竹筷") == {"GB/T 2-2008"}
    assert standards_on(paper, "2013-01-01", "竹筷") == {"GB/T 2-2018"}
    paper.ok("update", "product", U1, "纸", "--drop-standard", "GB/T 1-2008", "--as-of", "2014-01-01")
    assert standards_on(paper, "2014-01-01", "纸") == {"ISO 536:2012"}
    assert standards_on(paper, "2011-12-31", "纸") == {"GB/T 1-2008"}


def test_a_new_product_is_registered_by_its_first_standard(paper):
    paper.ok("update", "product", U1, "  竹 地板 ", "--add-standard", "LY/T 1-2010", "--as-of", "2012-03-01")
    assert standards_on(paper, "2012-03-01", "竹 地板") == {"LY/T 1-2010"}
    assert paper.report(2011)["totals"]["products"] == 3
    assert paper.report(2012)["totals"]["products"] == 4


def test_output_value_and_brand_dated_and_corrected(paper):
    paper.ok(
        "update",
        "product",
        U1,
        "纸",
        "--output-value",
        "1,200",
        "--brand",
        "浙江名牌",
        "--as-of",
        "2012-06-30",
    )
    on = {r["product"]: r for r in rows_of(paper, "--uscc", U1, "--as-of", "2012-12-31")}
    assert (on["纸"]["output_value"], on["纸"]["brand"]) == (1200.0, "浙江名牌")
    assert rows_of(paper, "--uscc", U1, "--product", "纸", "--as-of", "2011-12-31")[0]["brand"] is None
    assert paper.report(2011)["brand_products"]["products"] == 0
    assert paper.report(2012)["brand_products"]["products"] == 1
    paper.ok("update", "product", U1, "纸", "--brand", "衢州名牌", "--correct")
    assert rows_of(paper, "--uscc", U1, "--product", "纸", "--as-of", "2011-12-31")[0]["brand"] == "衢州名牌"
    assert rows_of(paper, "--uscc", U1, "--product", "纸", "--as-of", "2012-12-31")[0]["brand"] == "衢州名牌"
    paper.ok("update", "product", U1, "纸", "--brand", "none", "--as-of", "2013-01-01")
    assert paper.report(2013)["brand_products"]["products"] == 0
    assert paper("update", "product", U1, "纸", "--output-value", "很多").exit_code == 2


def test_rename_dated_and_corrected(paper):
    paper.ok("update", "product", U1, "竹筷", "--rename", "竹筷子", "--as-of", "2012-06-30")
    assert {r["product"] for r in rows_of(paper, "--uscc", U1, "--as-of", "2012-06-29")} == {"纸", "竹筷"}
    assert {r["product"] for r in rows_of(paper, "--uscc", U1, "--as-of", "2012-06-30")} == {"纸", "竹筷子"}
    assert standards_on(paper, "2012-06-30", "竹筷子") == {"GB/T 2-2008"}
    paper.ok("update", "product", U1, "纸", "--rename", "纸板", "--correct")
    assert {r["product"] for r in rows_of(paper, "--uscc", U1, "--as-of", "2011-12-31")} == {"纸板", "竹筷"}
    assert paper("update", "product", U1, "纸板", "--rename", "竹筷子", "--correct").exit_code == 3


def test_drop_a_product_and_correct_a_standard_recorded_by_mistake(paper):
    paper.ok("update", "product", U1, "竹筷", "--drop", "--as-of", "2012-06-30")
    assert {r["product"] for r in rows_of(paper, "--uscc", U1, "--as-of", "2012-06-30")} == {"纸"}
    assert paper.report(2011)["totals"]["products"] == 3
    assert paper.report(2012)["totals"]["products"] == 2
    paper.ok("update", "product", U1, "纸", "--replace-standard", "GB/T 1-2008", "GB/T 1-2009", "--correct")
    assert standards_on(paper, "2011-12-31", "纸") == {"GB/T 1-2009"}
    paper.ok("update", "product", U1, "纸", "--drop-standard", "GB/T 1-2009", "--correct")
    assert paper.report(2011)["totals"]["products_without_standard"] == 2
    run = paper("update", "product", U1, "纸", "--add-standard", "GB/T 1-2009", "--correct")
    assert run.exit_code == 2


# --- standards -----------------------------------------------------------------------------


def test_a_withdrawal_makes_products_outdated_only_from_its_date(stdreg, tmp_path):
    register(stdreg, tmp_path, [row(1, "纸", "GB 9688-1988"), row(2, "布", "GB/T 1-2008")], 2008)
    stdreg.ok("update", "standard", "GB 9688-1988", "--status", "废止", "--on", "2009-06-30")
    assert stdreg.report(2008)["totals"]["outdated_products"] == 0
    assert stdreg.report(2009)["totals"]["outdated_products"] == 1
    assert [r["product"] for r in rows_of(stdreg, "--outdated", "--as-of", "2009-06-30")] == ["纸"]
    assert rows_of(stdreg, "--outdated", "--as-of", "2009-06-29") == []


def test_a_replacement_takes_effect_on_its_date(stdreg, tmp_path):
    register(stdreg, tmp_path, [row(1, "纸", "GB/T 13023-2008")], 2011)
    stdreg.ok(
        "update", "standard", "GB/T 13023-2008", "--replaced-by", "GB/T 13023-2012", "--on", "2012-06-01"
    )
    assert stdreg.report(2011)["totals"]["outdated_products"] == 0
    assert stdreg.report(2012)["totals"]["outdated_products"] == 1
    found = rows_of(stdreg, "--outdated", "--year", "2012")
    assert [(r["status"], r["replaced_by"]) for r in found] == [("replaced", "GB/T 13023-2012")]
    assert stdreg.sql("SELECT implemented_on FROM standard WHERE code = 'GB/T 13023-2012'") == [
        ("2012-06-01",)
    ]
    # a standard cannot replace itself, nor its own replacement
    assert stdreg("update", "standard", "GB/T 13023-2012", "--replaced-by", "GB/T 13023-2012").exit_code == 2
    assert stdreg("update", "standard", "GB/T 13023-2012", "--replaced-by", "GB/T 13023-2008").exit_code == 3


def test_adoption_and_title_of_a_standard(paper):
    paper.ok(
        "update", "standard", "GB/T 1-2008", "--adopts", "ISO 1:2002", "--degree", "修改采用", "--title", "纸"
    )
    assert paper.report(2011)["totals"]["adopting_products"] == 1  # facts about standards hold on every date
    row_ = rows_of(paper, "--standard", "GB/T 1-2008", "--year", "2011")[0]
    assert (row_["adopted"], row_["degree"], row_["standard_title"]) == ("ISO 1:2002", "MOD", "纸")
    paper.ok("update", "standard", "GB/T 1-2008", "--adopts", "none")
    assert paper.report(2011)["totals"]["adopting_products"] == 0
    for bad in (
        ["--degree", "SAME"],
        ["--adopts", "ISO 1:2002"],
        ["--status", "old"],
        ["--on", "2012-01-01"],
    ):
        assert paper("update", "standard", "GB/T 1-2008", *bad).exit_code == 2, bad
    assert paper("update", "standard", "not a code", "--title", "x").exit_code == 2


def test_a_catalog_and_an_update_agree(stdreg, tmp_path):
    register(stdreg, tmp_path, [row(1, "纸", "GB/T 1-2008")], 2011)
    catalog = write_csv(
        tmp_path / "catalog.csv",
        [["GB/T 1-2008", "", "废止", "", "", "2012-05-01", "", "", ""]],
        CATALOG_HEADERS,
    )
    stdreg.ok("catalog", "import", catalog, "--as-of", "2013-01-01")
    assert stdreg.report(2012)["totals"]["outdated_products"] == 1
    stdreg.ok("update", "standard", "GB/T 1-2008", "--status", "current")
    assert stdreg.report(2012)["totals"]["outdated_products"] == 0


# --- a sheet of changes --------------------------------------------------------------------

SHEET_HEADERS = ["对象", "统一社会信用代码", "产品名称", "标准号", "字段", "原值", "新值", "日期", "更正"]


def test_a_sheet_of_changes_is_one_batch(paper, tmp_path):
    sheet = write_xlsx(
        tmp_path / "变更.xlsx",
        [
            ["企业", U1, "", "", "乡镇", "", "龙洲街道", "2012-06-30", ""],
            ["企业", U1, "", "", "行业", "", "造纸和纸制品业", "", "是"],
            ["产品", U1, "纸", "", "增加标准", "", "ISO 536:2012", "2012年7月1日", ""],
            ["产品", U1, "竹筷", "", "替换标准", "GB/T 2-2008", "GB/T 2-2018", "2013-01-01", ""],
            ["", org_code(2), "布", "", "名牌", "", "浙江名牌", "2012-01-01", ""],
            ["标准", "", "", "GB/T 1-2008", "状态", "", "废止", "2014-01-01", ""],
        ],
        SHEET_HEADERS,
        title="企业信息变更表",
    )
    before = len(batches(paper))
    paper.ok("update", "--from", sheet, "--as-of", "2015-01-01")
    assert len(batches(paper)) == before + 1
    assert batches(paper)[-1][1:3] == ("update", "变更.xlsx")
    assert enterprise_on(paper, "2012-06-30")["township"] == "龙洲街道"
    assert enterprise_on(paper, "2011-12-31")["industry"] == "造纸和纸制品业"
    assert standards_on(paper, "2012-07-01", "纸") == {"GB/T 1-2008", "ISO 536:2012"}
    assert standards_on(paper, "2013-01-01", "竹筷") == {"GB/T 2-2018"}
    assert paper.report(2012)["brand_products"]["products"] == 1
    assert paper.report(2013)["totals"]["outdated_products"] == 0
    assert paper.report(2014)["totals"]["outdated_products"] == 1
    events = [e for e in paper.ok("history", U1, "--format", "json").json() if e["kind"] == "update"]
    assert {e["source"].split(" (sha256 ")[0] for e in events} == {"变更.xlsx"}
    assert ("2012-06-30", "township 湖镇镇 → 龙洲街道") in [(e["date"], e["what"]) for e in events]
    assert (None, "correction: industry 造纸 → 造纸和纸制品业") in [(e["date"], e["what"]) for e in events]


def test_a_sheet_with_bad_rows_writes_nothing(paper, tmp_path):
    sheet = write_csv(
        tmp_path / "changes.csv",
        [
            ["企业", U1, "", "", "乡镇", "", "龙洲街道", "2012-06-30", ""],
            ["企业", U1, "", "", "规模", "", "很大", "", ""],
            ["产品", U1, "纸", "", "增加标准", "", "not a code", "", ""],
            ["企业", U1, "", "", "颜色", "", "红", "", ""],
            ["产品", U1, "没有这个产品", "", "产值", "", "12", "2012-01-01", ""],
        ],
        SHEET_HEADERS,
    )
    before = paper.dump()
    run = paper("update", "--from", sheet)
    assert run.exit_code == 3
    assert paper.dump() == before
    rejected = rejects_of(paper.cwd / "changes.csv.rejects.xlsx")
    assert sorted(r[2] for r in rejected) == [3, 4, 5]  # file, sheet, row …
    # the rows that read well are then checked against the register
    good = write_csv(tmp_path / "changes2.csv", [row_ for row_ in [
        ["企业", U1, "", "", "乡镇", "", "龙洲街道", "2012-06-30", ""],
        ["产品", U1, "没有这个产品", "", "产值", "", "12", "2012-01-01", ""],
    ]], SHEET_HEADERS)  # fmt: skip
    run = paper("update", "--from", good, "--rejects", tmp_path / "r.xlsx")
    assert run.exit_code == 3
    assert [r[2] for r in rejects_of(tmp_path / "r.xlsx")] == [3]
    assert paper.dump() == before


def test_update_subcommand_or_sheet(paper, tmp_path):
    assert paper("update").exit_code == 2
    assert paper("update", "--as-of", "2012-01-01", "enterprise", U1, "--township", "x").exit_code == 2
    assert paper("update", "enterprise", U1).exit_code == 2  # nothing to change


# --- the writer lock -----------------------------------------------------------------------


@pytest.mark.sqlite_only("the writer lock is a flock on a file beside a SQLite register")
def test_update_waits_for_the_writer_lock(paper):
    lock = open(paper.db + ".lock", "a+")  # noqa: SIM115
    fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
    try:
        run = paper("update", "enterprise", U1, "--township", "龙洲街道", "--wait", "0")
        assert run.exit_code == 75
        threading.Timer(0.5, lock.close).start()
        started = time.monotonic()
        paper.ok("update", "enterprise", U1, "--township", "龙洲街道")
        assert time.monotonic() - started >= 0.4
    finally:
        lock.close()


# --- the migration -------------------------------------------------------------------------


def test_a_register_at_revision_0001_is_upgraded_and_keeps_every_row(stdreg, tmp_path):
    from alembic import command
    from alembic.config import Config

    from stdreg.store import create_engine_for, migrations_dir

    engine = create_engine_for(stdreg.url)
    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(migrations_dir()))
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    engine.dispose()
    for statement in (
        """INSERT INTO import_batch VALUES (1, 'register', 'r.csv', 'ab', '2011-12-31', FALSE,
            '2012-01-05 08:00:00', '2012-01-05 08:00:01', 2, 0, '{}', 'clerk')""",
        """INSERT INTO import_batch VALUES (2, 'register', 'r2.csv', 'cd', '2012-12-31', FALSE,
            '2013-01-05 08:00:00', '2013-01-05 08:00:01', 1, 0, '{}', 'clerk')""",
        f"INSERT INTO enterprise VALUES (1, '{org_code(1)}', '{U1}', 1)",
        """INSERT INTO enterprise_version VALUES (1, 1, '2011-12-31', '2012-12-31', '企业1', '湖镇镇',
            '造纸', 'above', NULL, NULL, NULL, NULL, NULL, 1)""",
        """INSERT INTO enterprise_version VALUES (2, 1, '2012-12-31', '9999-12-31', '企业1', '龙洲街道',
            '造纸', 'above', NULL, NULL, NULL, NULL, NULL, 2)""",
        "INSERT INTO product VALUES (1, 1, '纸')",
        "INSERT INTO product_version VALUES (1, 1, '2011-12-31', '9999-12-31', 12.5, '浙江名牌', 1)",
        """INSERT INTO standard (id, code, prefix, level, nature, number, year, batch_id)
            VALUES (1, 'GB/T 1-2008', 'GB/T', 'national', 'recommended', '1', 2008, 1)""",
        "INSERT INTO execution VALUES (1, 1, 1, '2011-12-31', '9999-12-31', 1)",
    ):
        stdreg.sql(statement)
    tables = ("import_batch", "enterprise", "enterprise_version", "product", "product_version",
              "standard", "execution")  # fmt: skip
    if stdreg.backend == "postgresql":  # rows written with their ids leave the id sequences behind
        for table in tables:
            stdreg.sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}")
    before = {t: stdreg.sql(f"SELECT * FROM {t} ORDER BY id") for t in tables}
    run = stdreg("report", "--year", "2011")
    assert run.exit_code == 1 and "db upgrade" in run.stderr
    if stdreg.backend == "sqlite":
        stdreg.ok("db", "upgrade")
    else:  # stdreg cannot back up a server: it asks for the server's own backup first
        refused = stdreg("db", "upgrade")
        assert refused.exit_code == 2 and "pg_dump" in refused.stderr
        stdreg.ok("db", "upgrade", "--no-backup")
    from stdreg.store import SCHEMA_HEAD

    assert stdreg.ok("db", "info", "--format", "json").json()["schema_revision"] == SCHEMA_HEAD
    for table, rows in before.items():
        after = stdreg.sql(f"SELECT * FROM {table} ORDER BY id")
        assert [r[: len(rows[0])] for r in after] == rows, table
    assert stdreg.sql("SELECT batch_id FROM product") == [(1,)]
    assert stdreg.report(2011)["totals"]["products"] == 1
    # the old rows take part in updates and history like new ones
    stdreg.ok("update", "enterprise", U1, "--size", "below", "--as-of", "2013-06-30")
    what = [r["what"] for r in stdreg.ok("history", U1, "--format", "json").json()]
    assert what[:3] == [
        "enterprise 企业1 registered (township 湖镇镇, industry 造纸, size above)",
        "product 纸 added (output value 12.5, brand 浙江名牌)",
        "GB/T 1-2008 added to 纸",
    ]
    assert "township 湖镇镇 → 龙洲街道" in what
    assert what[-1] == "size above → below"
    if stdreg.backend == "sqlite":
        backups = list(Path(stdreg.db).parent.glob("register.backup-*.sqlite"))
        assert backups, "db upgrade takes a backup first"


def test_an_update_that_changes_nothing_writes_no_batch(paper):
    before = paper.dump()
    run = paper.ok("update", "enterprise", U1, "--uscc", U1)
    assert "nothing changed" in run.stderr and "no batch" in run.stderr
    assert paper.dump() == before
