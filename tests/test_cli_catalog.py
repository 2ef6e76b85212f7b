"""`stdreg catalog import`: status, dates, replacement direction, adoption, and outdated counts."""

from __future__ import annotations

from builders import CATALOG_HEADERS, row, write_csv, write_xlsx
from test_cli_import import rejects_of, warnings_of


def register(stdreg, tmp_path, rows, year):
    stdreg.ok("import", write_csv(tmp_path / f"register-{year}.csv", rows), "--year", str(year))


def catalog(stdreg, tmp_path, rows, *args, headers=CATALOG_HEADERS, name="catalog.csv"):
    return stdreg("catalog", "import", write_csv(tmp_path / name, rows, headers), *args)


def outdated(stdreg, year):
    return stdreg.report(year)["totals"]["outdated_products"]


def test_withdrawal_learned_late_holds_from_its_own_date(stdreg, tmp_path):
    register(stdreg, tmp_path, [row(1, "纸", "GB 9688-1988"), row(2, "布", "GB/T 1-2008")], 2008)
    assert outdated(stdreg, 2009) == 0
    run = catalog(
        stdreg,
        tmp_path,
        [["GB 9688-1988", "食品包装用聚丙烯", "废止", "", "", "2009-06-30", "", "", ""]],
        "--as-of",
        "2024-01-01",
    )
    assert run.exit_code == 0, run.stderr
    assert outdated(stdreg, 2008) == 0
    assert outdated(stdreg, 2009) == 1
    assert stdreg.report(2009)["by_industry"][0]["outdated_products"] == 1


def test_status_without_date_counts_from_the_as_of_date(stdreg, tmp_path):
    register(stdreg, tmp_path, [row(1, "纸", "GB/T 1-2008")], 2008)
    assert (
        catalog(
            stdreg, tmp_path, [["GB/T 1-2008", "", "废止", "", "", "", "", "", ""]], "--as-of", "2011-05-01"
        ).exit_code
        == 0
    )
    assert outdated(stdreg, 2010) == 0
    assert outdated(stdreg, 2011) == 1


def test_replaced_standard_is_outdated_from_the_replacement_taking_effect(stdreg, tmp_path):
    register(stdreg, tmp_path, [row(1, "纸", "GB/T 13023-2008")], 2011)
    rows = [
        ["GB/T 13023-2012", "瓦楞原纸", "现行", "2012-01-10", "2012-06-01", "", "GB/T 13023-2008", "", ""],
        ["GB/T 13023-2008", "瓦楞原纸", "被代替", "2008-01-01", "2008-06-01", "", "", "", ""],
    ]
    assert catalog(stdreg, tmp_path, rows, "--as-of", "2013-01-01").exit_code == 0
    assert outdated(stdreg, 2011) == 0
    assert outdated(stdreg, 2012) == 1
    ((replaced_by,),) = stdreg.sql(
        "SELECT n.code FROM standard o JOIN standard n ON n.id = o.replaced_by_id "
        "WHERE o.code = 'GB/T 13023-2008'"
    )
    assert replaced_by == "GB/T 13023-2012"


def test_replaced_by_column_points_to_the_newer(stdreg, tmp_path):
    headers = ["标准号", "状态", "被以下标准代替"]
    register(stdreg, tmp_path, [row(1, "纸", "GB/T 1-2008")], 2011)
    assert (
        catalog(
            stdreg,
            tmp_path,
            [["GB/T 1-2008", "被代替", "GB/T 1-2015"]],
            "--as-of",
            "2016-01-01",
            headers=headers,
        ).exit_code
        == 0
    )
    assert outdated(stdreg, 2015) == 0  # the date the link was learned: no implementation date is known
    assert outdated(stdreg, 2016) == 1


def test_ambiguous_header_is_decided_by_the_years(stdreg, tmp_path):
    headers = ["标准号", "状态", "实施日期", "被代替标准"]
    register(stdreg, tmp_path, [row(1, "纸", "GB/T 1-2008")], 2011)
    rows = [
        ["GB/T 1-2012", "现行", "2012-08-01", "GB/T 1-2008"],  # older listed: 1-2012 replaces it
        ["GB/T 5-2010", "现行", "", "GB/T 5"],
    ]  # undated: cannot be decided
    run = catalog(stdreg, tmp_path, rows, "--as-of", "2013-01-01", headers=headers)
    assert run.exit_code == 0
    assert outdated(stdreg, 2012) == 1
    messages = [w[3] for w in warnings_of(stdreg.cwd / "catalog.csv.warnings.xlsx")]
    assert any("cannot tell" in m for m in messages)


def test_link_that_contradicts_years_is_turned_round(stdreg, tmp_path):
    headers = ["标准号", "状态", "实施日期", "代替标准"]
    register(stdreg, tmp_path, [row(1, "纸", "GB/T 1-2008")], 2011)
    # 代替标准 should name the older, but this catalog wrote the newer one there
    rows = [["GB/T 1-2008", "被代替", "", "GB/T 1-2012"], ["GB/T 1-2012", "现行", "2012-08-01", ""]]
    assert catalog(stdreg, tmp_path, rows, "--as-of", "2013-01-01", headers=headers).exit_code == 0
    assert outdated(stdreg, 2012) == 1
    assert any("contradicts" in w[3] for w in warnings_of(stdreg.cwd / "catalog.csv.warnings.xlsx"))


def test_committee_codes_and_self_links_are_warnings(stdreg, tmp_path):
    headers = ["标准号", "标准名称", "状态", "被以下标准代替"]
    rows = [
        ["GB/T 19851.11-2005", "中小学体育器材", "废止", "TC291"],
        ["GB 9668-1996", "体育馆卫生", "现行", "GB 9668-1996"],
    ]
    run = catalog(stdreg, tmp_path, rows, headers=headers)
    assert run.exit_code == 0
    assert stdreg.sql("SELECT COUNT(*), COUNT(replaced_by_id) FROM standard") == [(2, 0)]
    messages = {(w[2], w[3].split(":")[0]) for w in warnings_of(stdreg.cwd / "catalog.csv.warnings.xlsx")}
    assert ("TC291", "not a standard code (unknown issuer prefix 'TC')") in messages or any(
        v == "TC291" for v, _ in messages
    )
    assert any(v == "GB 9668-1996" and "itself" in m for v, m in messages)


def test_bad_code_status_or_date_is_a_bad_row(stdreg, tmp_path):
    rows = [
        ["GB/T 1-2008", "", "现行", "", "", "", "", "", ""],
        ["见附件", "", "现行", "", "", "", "", "", ""],
        ["GB/T 2-2008", "", "差不多", "", "", "", "", "", ""],
        ["GB/T 3-2008", "", "废止", "", "", "2009-13-45", "", "", ""],
    ]
    run = catalog(stdreg, tmp_path, rows)
    assert run.exit_code == 3
    rejects = rejects_of(stdreg.cwd / "catalog.csv.rejects.xlsx")
    assert [(r[2], r[3]) for r in rejects] == [(3, "标准号"), (4, "状态"), (5, "废止日期")]
    assert stdreg.counts()["standard"] == 0


def test_inconsistent_dates_are_warnings(stdreg, tmp_path):
    rows = [["GB/T 1-2008", "", "废止", "2008-01-01", "2008-06-01", "2007-01-01", "", "", ""]]
    assert catalog(stdreg, tmp_path, rows).exit_code == 0
    assert any("withdrawn before" in w[3] for w in warnings_of(stdreg.cwd / "catalog.csv.warnings.xlsx"))


def test_catalog_adoption_counts_for_every_product_of_the_standard(stdreg, tmp_path):
    register(
        stdreg,
        tmp_path,
        [row(1, "纸", "QB/T 1012-2010"), row(2, "纸板", "QB/T 1012-2010"), row(3, "布", "FZ/T 1-2010")],
        2011,
    )
    rows = [
        ["QB/T 1012-2010", "", "现行", "", "", "", "", "ISO 536:2012", "MOD"],
        ["FZ/T 1-2010", "", "现行", "", "", "", "", "ISO 2:2000", "EQV"],
    ]
    assert catalog(stdreg, tmp_path, rows).exit_code == 0
    totals = stdreg.report(2011)["totals"]
    assert totals["adopting_products"] == 2
    # EQV counts only when the bureau says so
    config = tmp_path / "config.toml"
    config.write_text("[adoption]\ncount_eqv = true\n", encoding="utf-8")
    assert stdreg.report(2011, "--config", str(config))["totals"]["adopting_products"] == 3


def test_national_2025_rule_is_opt_in(stdreg, tmp_path):
    register(stdreg, tmp_path, [row(1, "纸", "ISO 536:2019"), row(2, "布", "GB/T 1-2020/ISO 1:2016")], 2026)
    assert stdreg.report(2026)["totals"]["adopting_products"] == 2
    config = tmp_path / "config.toml"
    config.write_text('[adoption]\nrule = "national-2025"\n', encoding="utf-8")
    report = stdreg.report(2026, "--config", str(config))
    assert report["totals"]["adopting_products"] == 1
    assert report["previous_year"]["totals"]["adopting_products"] == 0  # nothing registered in 2025


def test_import_recognises_a_catalog_by_its_headers(stdreg, tmp_path):
    path = write_xlsx(
        tmp_path / "catalog.xlsx",
        [["GB/T 1-2008", "废止", "2010-01-01"]],
        ["标准编号", "标准状态", "废止日期"],
        title="标准目录",
    )
    run = stdreg.ok("import", path)
    assert "catalog" in run.stderr
    assert stdreg.counts()["standard"] == 1
