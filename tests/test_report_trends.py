"""``stdreg report --from A --to B``: the register year by year, as a table, JSON and a workbook."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook

from conftest import PROJECT, Stdreg, new_register

SAMPLES = PROJECT / "sample_data"


@pytest.fixture(scope="module")
def county(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stdreg]:
    tmp = tmp_path_factory.mktemp("trend")
    with new_register(backend, tmp) as db:
        stdreg = Stdreg(db, tmp)
        stdreg.ok("import", SAMPLES / "register_2011.xlsx", "--year", "2011")
        stdreg.ok("import", SAMPLES / "register_2012.csv", "--year", "2012", "--complete")
        stdreg.ok("catalog", "import", SAMPLES / "catalog.csv", "--as-of", "2013-06-30")
        yield stdreg
        stdreg.close()


def trend(stdreg: Stdreg, *args: str) -> dict[str, Any]:
    return stdreg.ok("report", *args, "--format", "json").json()


def test_json_shape_and_each_year_as_its_own_report(county):
    series = trend(county, "--from", "2009", "--to", "2012")
    assert series["from"] == 2009 and series["to"] == 2012
    assert series["adoption_rule"] == "classic"
    assert set(series["rates"]) == {
        "adoption_rate",
        "adoption_rate_by_enterprise",
        "adoption_rate_by_output_value",
    }
    assert [point["year"] for point in series["years"]] == [2009, 2010, 2011, 2012]
    for point in series["years"]:
        assert set(point) == {"year", "as_of", "totals", "brand_products", "targets"}
        assert point["as_of"] == f"{point['year']}-12-31"
        report = county.report(point["year"])
        assert point["totals"] == report["totals"]
        assert point["brand_products"] == report["brand_products"]
        assert point["targets"] == report["targets"]
    # before the register begins: zeros and no rates, not an error; its targets have no
    # data, so they are neither met nor missed
    assert series["years"][0]["totals"]["products"] == 0
    assert series["years"][0]["totals"]["adoption_rate"] is None
    assert {(t["actual"], t["met"]) for t in series["years"][0]["targets"]} == {(None, None)}
    assert all(isinstance(t["met"], bool) for t in series["years"][-1]["targets"])


def test_the_series_json_is_the_same_in_every_language(county):
    chinese = trend(county, "--from", "2010", "--to", "2012")
    assert trend(county, "--from", "2010", "--to", "2012", "--lang", "en") == chinese
    (target, *_) = chinese["years"][-1]["targets"]
    assert target["label"] == target["label_zh"] == "市级以上名牌产品采标率"
    assert target["label_en"] == "Adoption rate among municipal-and-above brand products"


def test_the_terminal_table_marks_missed_targets_not_those_without_data(county):
    run = county.ok("report", "--from", "2009", "--to", "2011")
    targets = run.stdout.split("目标完成情况")[1]
    rows = {line.split()[0]: line for line in targets.splitlines() if line.strip()[:4].isdigit()}
    assert "✗" not in rows["2009"] and "—" in rows["2009"]  # nothing registered: no data
    assert "✗" in rows["2011"]  # the brand products' target was missed in 2011


def test_a_single_year_series(county):
    series = trend(county, "--from", "2012", "--to", "2012")
    assert [point["year"] for point in series["years"]] == [2012]


def test_terminal_table(county):
    run = county.ok("report", "--from", "2010", "--to", "2012")
    assert "2010—2012" in run.stdout
    lines: dict[str, str] = {}
    for line in run.stdout.splitlines():
        if line.strip()[:4].isdigit():
            lines.setdefault(line.split()[0], line)  # the first table: the figures, then the targets
    assert "1,229" in lines["2012"] and "22.8%" in lines["2012"]
    assert "1,161" in lines["2011"]
    english = county.ok("report", "--from", "2011", "--to", "2012", "--lang", "en")
    assert "Executed-standard statistics 2011–2012" in english.stdout


def test_workbook_with_a_line_chart(county, tmp_path):
    county.ok("report", "--from", "2010", "--to", "2012", "-o", tmp_path / "trend.xlsx")
    book = load_workbook(tmp_path / "trend.xlsx")
    assert book.sheetnames == ["趋势"]
    sheet = book["趋势"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[0] == "年份")
    headings = rows[header]
    body = rows[header + 1 : header + 4]
    assert [row[0] for row in body] == [2010, 2011, 2012]
    series = trend(county, "--from", "2010", "--to", "2012")
    rate = headings.index("采标率（按产品）")
    products = headings.index("产品数")
    for row, point in zip(body, series["years"], strict=True):
        assert row[products] == point["totals"]["products"]
        assert row[rate] == (
            None
            if point["totals"]["adoption_rate"] is None
            else pytest.approx(point["totals"]["adoption_rate"])
        )
        assert sheet.cell(header + 2 + body.index(row), rate + 1).number_format == "0.0%"
    (chart,) = sheet._charts
    assert type(chart).__name__ == "LineChart"
    first, last = header + 2, header + 4
    letter = sheet.cell(1, rate + 1).column_letter
    assert f"'趋势'!${letter}${first}:${letter}${last}" in [s.val.numRef.f for s in chart.series]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$1:$3"
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2012"], "--from and --to go together"),
        (["--to", "2012"], "--from and --to go together"),
        (["--from", "2012", "--to", "2010"], "after"),
        (["--year", "2012", "--from", "2010", "--to", "2012"], "not both"),
        (["--from", "2010", "--to", "2012", "--as-of", "2012-06-30"], "--as-of"),
        ([], "--year"),
    ],
)
def test_usage_errors(county, args, message):
    run = county("report", *args)
    assert run.exit_code == 2
    assert message in run.stderr


def test_the_workbook_summary_holds_every_year_of_the_register(county, tmp_path):
    county.ok("report", "--year", "2012", "-o", tmp_path / "report.xlsx")
    sheet = load_workbook(tmp_path / "report.xlsx")["概况"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[0] == "年份")
    years = []
    for row in rows[header + 1 :]:
        if row[0] is None:
            break
        years.append(row)
    series = trend(county, "--from", "2011", "--to", "2012")
    assert [row[0] for row in years] == [2011, 2012]
    for row, point in zip(years, series["years"], strict=True):
        assert row[5] == pytest.approx(point["totals"]["adoption_rate"])
        assert row[6] == pytest.approx(point["brand_products"]["adoption_rate"])
