"""`stdreg import --revert BATCH_ID`: a batch undone leaves the register as it was before it,
its history marked; a batch that later batches built on is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from builders import CATALOG_HEADERS, row, uscc, write_csv

U1 = uscc(1)


def register_rows(stdreg) -> dict[str, list[Any]]:
    """Every register table but the batches and the change log (which a revert adds to)."""
    return {t: rows for t, rows in stdreg.dump().items() if t not in ("import_batch", "change_log")}


def last_batch(stdreg) -> int:
    return stdreg.sql("SELECT MAX(id) FROM import_batch")[0][0]


def imported(stdreg, tmp_path, rows, year, *extra, name=None) -> int:
    path = write_csv(tmp_path / (name or f"register-{year}.csv"), rows)
    stdreg.ok("import", path, "--year", str(year), *extra)
    return last_batch(stdreg)


YEAR_2011 = [
    row(1, "纸", "GB/T 1-2008", output="12"),
    row(1, "竹筷", "GB/T 2-2008"),
    row(2, "布", "GB 175-2007", township="詹家镇"),
]
YEAR_2012 = [
    row(1, "纸", "GB/T 1-2008、ISO 536:2012", township="龙洲街道", output="15", brand="浙江名牌"),
    row(2, "布", "GB 175-2007", township="詹家镇"),
    row(3, "水泥", "GB 175-2007", industry="建材"),
]


def test_revert_of_an_import_restores_the_register(stdreg, tmp_path):
    imported(stdreg, tmp_path, YEAR_2011, 2011)
    before = register_rows(stdreg)
    report_2011, report_2012 = stdreg.report(2011), stdreg.report(2012)
    batch = imported(stdreg, tmp_path, YEAR_2012, 2012, "--complete")
    assert register_rows(stdreg) != before
    run = stdreg.ok("import", "--revert", str(batch), "--json")
    assert json.loads(run.stdout)["reverted"] == batch
    assert register_rows(stdreg) == before
    assert stdreg.report(2011) == report_2011
    assert stdreg.report(2012) == report_2012
    ((kind, reverted_by),) = stdreg.sql(
        "SELECT b.kind, a.reverted_by FROM import_batch a JOIN import_batch b ON b.id = a.reverted_by "
        "WHERE a.id = :batch",
        batch=batch,
    )
    assert (kind, reverted_by) == ("revert", batch + 1)
    # the same file can be imported again: a revert is not the repeat of a file
    again = imported(stdreg, tmp_path, YEAR_2012, 2012, "--complete")
    assert stdreg.report(2012)["totals"]["products"] == 3
    assert again == batch + 2


def test_revert_of_the_first_import_empties_the_register(stdreg, tmp_path):
    stdreg.ok("db", "upgrade")
    empty = register_rows(stdreg)
    batch = imported(stdreg, tmp_path, YEAR_2011, 2011)
    stdreg.ok("import", "--revert", str(batch))
    assert register_rows(stdreg) == empty


def test_revert_of_a_catalog_restores_standards_and_outdated_dates(stdreg, tmp_path):
    imported(stdreg, tmp_path, YEAR_2011, 2011)
    stdreg.ok(
        "catalog",
        "import",
        write_csv(tmp_path / "c1.csv", [["GB/T 1-2008", "纸", "现行", "2008-01-01", "", "", "", "", ""]],
                  CATALOG_HEADERS),
        "--as-of", "2011-12-31",
    )  # fmt: skip
    before = register_rows(stdreg)
    stdreg.ok(
        "catalog",
        "import",
        write_csv(
            tmp_path / "c2.csv",
            [
                ["GB/T 1-2012", "纸", "现行", "", "2012-06-01", "", "GB/T 1-2008", "ISO 1:2010", "MOD"],
                ["GB/T 1-2008", "纸（第一版）", "被代替", "", "", "", "", "", ""],
            ],
            CATALOG_HEADERS,
        ),
        "--as-of",
        "2013-01-01",
    )
    assert stdreg.report(2012)["totals"]["outdated_products"] == 1
    stdreg.ok("import", "--revert", str(last_batch(stdreg)))
    assert register_rows(stdreg) == before
    assert stdreg.report(2012)["totals"]["outdated_products"] == 0


def test_revert_of_updates(stdreg, tmp_path):
    imported(stdreg, tmp_path, YEAR_2011, 2011)
    before = register_rows(stdreg)
    stdreg.ok("update", "enterprise", U1, "--township", "龙洲街道", "--as-of", "2012-06-30")
    stdreg.ok("import", "--revert", str(last_batch(stdreg)))
    assert register_rows(stdreg) == before
    updates = []
    for change in (
        ["product", U1, "纸", "--replace-standard", "GB/T 1-2008", "GB/T 1-2020", "--correct"],
        ["product", U1, "竹筷", "--rename", "筷子", "--correct"],
        ["product", U1, "筷子", "--drop", "--as-of", "2011-12-31"],
        ["standard", "GB/T 2-2008", "--status", "withdrawn", "--on", "2010-01-01"],
        ["product", U1, "纸", "--rename", "纸板", "--as-of", "2012-06-30"],
        ["product", U1, "新产品", "--add-standard", "GB/T 3-2011", "--as-of", "2012-01-01"],
        ["enterprise", U1, "--metrology-confirmed", "2012-05-01", "--high-tech", "--as-of", "2012-05-01"],
    ):
        stdreg.ok("update", *change)
        updates.append(last_batch(stdreg))
    for batch in reversed(updates):
        stdreg.ok("import", "--revert", str(batch))
    assert register_rows(stdreg) == before


def test_a_batch_later_batches_built_on_is_refused(stdreg, tmp_path):
    first = imported(stdreg, tmp_path, YEAR_2011, 2011)
    second = imported(stdreg, tmp_path, YEAR_2012, 2012, "--complete")
    stdreg.ok("update", "enterprise", uscc(3), "--size", "规下", "--as-of", "2013-01-01")
    third = last_batch(stdreg)
    before = stdreg.dump()
    run = stdreg("import", "--revert", str(first))
    assert run.exit_code == 3
    assert f"batch {second} (register register-2012.csv" in run.stderr
    assert "changed or closed rows it wrote" in run.stderr
    assert stdreg.dump() == before
    run = stdreg("import", "--revert", str(second))
    assert run.exit_code == 3
    assert f"batch {third}" in run.stderr and "an enterprise it created" in run.stderr
    # undone latest first, the batches go one by one
    for batch in (third, second, first):
        stdreg.ok("import", "--revert", str(batch))
    assert stdreg.report(2012)["totals"]["products"] == 0


def test_a_later_version_for_an_earlier_date_depends_on_the_batch(stdreg, tmp_path):
    later = imported(stdreg, tmp_path, [row(1, "纸", "GB/T 1-2008", township="龙洲街道")], 2012)
    imported(stdreg, tmp_path, [row(1, "纸", "GB/T 1-2008")], 2011)  # ends where 2012 begins
    run = stdreg("import", "--revert", str(later))
    assert run.exit_code == 3
    assert "end where its versions begin" in run.stderr


def test_revert_of_a_revert_or_of_no_batch_is_a_usage_error(stdreg, tmp_path):
    batch = imported(stdreg, tmp_path, YEAR_2011, 2011)
    assert stdreg("import", "--revert", "99").exit_code == 2
    stdreg.ok("import", "--revert", str(batch))
    again = stdreg("import", "--revert", str(batch))
    assert again.exit_code == 2 and "reverted already" in again.stderr
    assert stdreg("import", "--revert", str(batch + 1)).exit_code == 2
    assert stdreg("import", "--revert", str(batch), tmp_path / "x.csv").exit_code == 2
    assert stdreg("import").exit_code == 2


def test_a_dry_run_revert_changes_nothing(stdreg, tmp_path):
    imported(stdreg, tmp_path, YEAR_2011, 2011)
    batch = imported(stdreg, tmp_path, YEAR_2012, 2012)
    before = stdreg.dump()
    run = stdreg.ok("import", "--revert", str(batch), "--dry-run")
    assert "would revert" in run.stderr
    assert stdreg.dump() == before


@pytest.mark.parametrize("complete", [False, True])
def test_reverting_in_any_order_that_is_allowed_returns_to_empty(stdreg, tmp_path, complete):
    stdreg.ok("db", "upgrade")
    empty = register_rows(stdreg)
    extra = ["--complete"] if complete else []
    batches = [
        imported(stdreg, tmp_path, YEAR_2011, 2011, *extra),
        imported(stdreg, tmp_path, YEAR_2012, 2012, *extra),
        imported(stdreg, tmp_path, [row(4, "瓷砖", "GB/T 4100-2015", township="詹家镇")], 2013, *extra),
    ]
    # the 2013 batch shares nothing with the others: it goes first or last alike
    stdreg.ok("import", "--revert", str(batches[2]))
    stdreg.ok("import", "--revert", str(batches[1]))
    stdreg.ok("import", "--revert", str(batches[0]))
    assert register_rows(stdreg) == empty
