"""`stdreg check`: products made to a withdrawn or replaced standard, with the standard to move
to; exit code 4 when there are any, so that cron can alert."""

from __future__ import annotations

from builders import CATALOG_HEADERS, row, uscc, write_csv
from stdreg.cli.check_cmd import EXIT_OUTDATED


def setup(stdreg, tmp_path):
    rows = [
        row(1, "纸", "GB/T 13023-2008"),
        row(1, "纸板", "GB/T 13023-2008、GB/T 2-2010"),
        row(2, "布", "GB 9688-1988", township="詹家镇"),
        row(3, "水泥", "GB 175-2007", township="龙洲街道"),
    ]
    stdreg.ok("import", write_csv(tmp_path / "r.csv", rows), "--year", "2008")
    catalog = [
        ["GB 9688-1988", "", "废止", "", "", "2009-06-30", "", "", ""],
        ["GB/T 13023-2012", "", "被代替", "", "2012-06-01", "", "GB/T 13023-2008", "", ""],
        ["GB/T 13023-2018", "", "现行", "", "2018-09-01", "", "GB/T 13023-2012", "", ""],
    ]
    stdreg.ok(
        "catalog", "import", write_csv(tmp_path / "c.csv", catalog, CATALOG_HEADERS), "--as-of", "2024-01-01"
    )


def test_nothing_outdated_exits_0(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    run = stdreg("check", "--as-of", "2009-06-29", "--format", "json")
    assert run.exit_code == 0
    assert run.json() == []
    assert "no product" in run.stderr


def test_outdated_products_exit_4_grouped_by_township_and_enterprise(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    run = stdreg("check", "--as-of", "2012-12-31", "--format", "json")
    assert run.exit_code == EXIT_OUTDATED == 4
    found = [
        (
            r["township"],
            r["enterprise"],
            r["product"],
            r["standard"],
            r["status"],
            r["outdated_from"],
            r["move_to"],
        )
        for r in run.json()
    ]
    assert found == [
        ("湖镇镇", "企业1", "纸", "GB/T 13023-2008", "replaced", "2012-06-01", "GB/T 13023-2012"),
        ("湖镇镇", "企业1", "纸板", "GB/T 13023-2008", "replaced", "2012-06-01", "GB/T 13023-2012"),
        ("詹家镇", "企业2", "布", "GB 9688-1988", "withdrawn", "2009-06-30", None),
    ]
    assert run.json()[0]["uscc"] == uscc(1)
    assert "2 enterprises" in run.stderr
    # later, the move is to the newest edition along the chain of replacements
    later = stdreg("check", "--as-of", "2019-01-01", "--format", "json").json()
    assert {(r["standard"], r["replaced_by"], r["move_to"]) for r in later if r["enterprise"] == "企业1"} == {
        ("GB/T 13023-2008", "GB/T 13023-2012", "GB/T 13023-2018")
    }


def test_since_lists_only_what_became_outdated_after_it(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    run = stdreg("check", "--as-of", "2012-12-31", "--since", "2010-01-01", "--format", "json")
    assert run.exit_code == 4
    assert {r["standard"] for r in run.json()} == {"GB/T 13023-2008"}
    run = stdreg("check", "--as-of", "2012-12-31", "--since", "2012-06-01")
    assert run.exit_code == 0


def test_an_update_that_replaces_the_standard_clears_the_check(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    for product in ("纸", "纸板"):
        stdreg.ok(
            "update", "product", uscc(1), product, "--replace-standard", "GB/T 13023-2008", "GB/T 13023-2018",
            "--as-of", "2019-01-01",
        )  # fmt: skip
    stdreg.ok("update", "product", uscc(2), "布", "--drop", "--as-of", "2019-01-01")
    assert stdreg("check", "--as-of", "2018-12-31").exit_code == 4
    assert stdreg("check", "--as-of", "2019-01-01").exit_code == 0


def test_formats_and_bad_dates(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    table = stdreg("check", "--as-of", "2012-12-31")
    assert table.exit_code == 4
    lines = table.stdout.splitlines()
    assert lines[0] == "截至 2012-12-31"
    assert sum(1 for line in lines if line.startswith("湖镇镇")) == 1  # the township heads its group
    csv_run = stdreg("check", "--as-of", "2012-12-31", "--format", "csv")
    assert csv_run.stdout.lstrip("\ufeff").startswith("township,enterprise,uscc,org_code,product,standard")
    assert stdreg("check", "--as-of", "2012-12-31", "-o", tmp_path / "outdated.xlsx").exit_code == 4
    assert stdreg("check", "--as-of", "yesterday").exit_code == 2
    assert stdreg("check", "--since", "2012/13/1").exit_code == 2  # 2012/1/1 is a date


def test_the_exit_code_is_documented():
    from typer.testing import CliRunner

    from conftest import PROJECT
    from stdreg.cli.app import app

    help_text = CliRunner().invoke(app, ["check", "--help"]).stdout
    assert "4" in help_text and "cron" in help_text
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert "| 4 |" in readme
