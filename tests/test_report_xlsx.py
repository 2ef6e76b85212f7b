"""``stdreg report --format xlsx``: the annual workbook, checked sheet by sheet against the JSON report.

The sample county (sample_data/) is imported once; its workbook of 2012 is read
back with openpyxl (charts included) and every figure is compared with
``report --format json`` of the same year and, for the year before, of 2011,
and the lists with ``query --format json``. A real spreadsheet program
(LibreOffice, headless) must be able to print it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from builders import row, write_csv
from conftest import PROJECT, Stdreg, new_register

SAMPLES = PROJECT / "sample_data"
SHEETS = [
    "概况",
    "按行业",
    "按乡镇",
    "按规模",
    "按标准层级",
    "名牌产品",
    "标准过期",
    "无标生产",
    "标准水平",
    "明细",
]
LEVEL_NAMES = {
    "international": "国际标准",
    "foreign": "国外先进标准",
    "national": "国家标准",
    "industry": "行业标准",
    "local": "地方标准",
    "group": "团体标准",
    "enterprise": "企业标准",
    "none": "无标准",
}
SIZE_NAMES = {"above": "规上", "below": "规下", "unknown": "未填"}
BUREAU = '[bureau]\ncounty = "龙游县"\nissuer = "龙游县质量技术监督局"\n'
TITLE = "龙游县2012年度企业产品执行标准统计报告"
DETAIL_FIRST = "乡镇"  # the detail's first column: its printed columns come first


@pytest.fixture(scope="module")
def county(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("county")
    with new_register(backend, tmp) as db:
        stdreg = Stdreg(db, tmp)
        yield imported_county(stdreg, tmp)
        stdreg.close()


def imported_county(stdreg: Stdreg, tmp: Path) -> dict[str, Any]:
    import json

    expected = json.loads((SAMPLES / "expected_summary.json").read_text(encoding="utf-8"))
    stdreg.ok("import", SAMPLES / "register_2011.xlsx", "--year", "2011")
    stdreg.ok("import", SAMPLES / "register_2012.csv", "--year", "2012", "--complete")
    stdreg.ok("catalog", "import", SAMPLES / "catalog.csv", "--as-of", expected["catalog_as_of"])
    config = tmp / "config.toml"
    config.write_text(BUREAU, encoding="utf-8")
    before = dt.datetime.now().replace(microsecond=0)
    stdreg.ok("report", "--year", "2012", "--format", "xlsx", "-o", tmp / "report.xlsx", "--config", config)
    after = dt.datetime.now()
    stdreg.ok("report", "--year", "2012", "--lang", "en", "-o", tmp / "report-en.xlsx")
    return {
        "stdreg": stdreg,
        "path": tmp / "report.xlsx",
        "english_path": tmp / "report-en.xlsx",
        "book": load_workbook(tmp / "report.xlsx"),
        "english": load_workbook(tmp / "report-en.xlsx"),
        "json": stdreg.report(2012),
        "json_2011": stdreg.report(2011),
        "rows": stdreg.ok("query", "--year", "2012", "--format", "json").json(),
        "generated": (before, after),
    }


def values(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def table(sheet: Any, heading: str, *, after: int = 0) -> tuple[int, list[tuple[Any, ...]]]:
    """The header row number of the first table (below row ``after``) whose first heading is
    ``heading``, and its rows down to the first blank row."""
    rows = values(sheet)
    for index in range(after, len(rows)):
        if rows[index] and rows[index][0] == heading:
            body = []
            for line in rows[index + 1 :]:
                if line[0] is None:
                    break
                body.append(line)
            return index + 1, body
    raise AssertionError(f"no table headed {heading!r} on {sheet.title}")


def approx(value: float | None) -> Any:
    return None if value is None else pytest.approx(value)


def test_the_sheets_in_order(county):
    assert county["book"].sheetnames == SHEETS


def test_summary_key_figures_this_year_and_the_year_before(county):
    sheet = county["book"]["概况"]
    now, then = county["json"], county["json_2011"]
    header, body = table(sheet, "指标")
    assert values(sheet)[header - 1][1:] == (
        "全县 2012年",
        "全县 2011年",
        "增减",
        "名牌产品 2012年",
        "名牌产品 2011年",
        "增减",
    )
    by_label = {line[0]: line for line in body}
    for label, key in (
        ("企业数", "enterprises"),
        ("产品数", "products"),
        ("有标产品", "products_with_standard"),
        ("无标产品", "products_without_standard"),
        ("采标产品", "adopting_products"),
        ("非等效采用产品", "neq_products"),
        ("执行过期标准产品", "outdated_products"),
    ):
        line = by_label[label]
        assert line[1:4] == (
            now["totals"][key],
            then["totals"][key],
            now["totals"][key] - then["totals"][key],
        )
        brand_now, brand_then = now["brand_products"][key], then["brand_products"][key]
        assert line[4:7] == (brand_now, brand_then, brand_now - brand_then)
    for label, key in (
        ("采标率（按产品）", "adoption_rate"),
        ("采标率（按企业）", "adoption_rate_by_enterprise"),
        ("采标率（按产值）", "adoption_rate_by_output_value"),
    ):
        line = by_label[label]
        assert line[1] == approx(now["totals"][key])
        assert line[2] == approx(then["totals"][key])
        assert line[3] == pytest.approx((now["totals"][key] - then["totals"][key]) * 100)
        assert line[4] == approx(now["brand_products"][key])
        assert line[5] == approx(then["brand_products"][key])
    assert by_label["重点用能单位"][1] == now["totals"]["key_energy_users"]
    assert by_label["其中计量体系确认"][1] == now["totals"]["key_energy_users_metrology_confirmed"]


def test_summary_targets_met_and_missed_with_the_year_before(county):
    sheet = county["book"]["概况"]
    _, body = table(sheet, "指标", after=5)
    targets = county["json"]["targets"]
    earlier = {t["name"]: t["actual"] for t in county["json_2011"]["targets"]}
    assert len(body) == len(targets) == 3
    for line, target in zip(body, targets, strict=True):
        assert line[0] == target["label"]
        assert line[1] == pytest.approx(target["target"])
        assert line[2] == approx(target["actual"])
        assert line[3] == {True: "完成", False: "未完成", None: "无数据"}[target["met"]]
        assert line[4] == approx(earlier[target["name"]])
        assert line[5] == pytest.approx((target["actual"] - earlier[target["name"]]) * 100)


def test_summary_series_as_of_date_and_generation_time(county):
    sheet = county["book"]["概况"]
    _, series = table(sheet, "年份")
    assert [line[0] for line in series] == [2011, 2012]
    for line, report in zip(series, (county["json_2011"], county["json"]), strict=True):
        assert line[1].date() == dt.date.fromisoformat(report["as_of"])
        assert line[2:5] == tuple(
            report["totals"][k] for k in ("products", "products_with_standard", "adopting_products")
        )
        assert line[5] == approx(report["totals"]["adoption_rate"])
        assert line[6] == approx(report["brand_products"]["adoption_rate"])
    notes = {line[0]: line[1] for line in values(sheet) if line[0] in ("统计截至", "生成时间")}
    assert notes["统计截至"].date() == dt.date(2012, 12, 31)
    before, after = county["generated"]
    assert before <= notes["生成时间"] <= after
    assert "统计截至 2012-12-31" in values(sheet)[1][0]


@pytest.mark.parametrize(
    ("sheet_name", "key", "heading", "names"),
    [
        ("按行业", "by_industry", "行业", None),
        ("按乡镇", "by_township", "乡镇", None),
        ("按规模", "by_size", "规模", SIZE_NAMES),
        ("按标准层级", "by_level", "标准层级", LEVEL_NAMES),
    ],
)
def test_breakdowns_with_the_previous_years_rate(county, sheet_name, key, heading, names):
    sheet = county["book"][sheet_name]
    header, body = table(sheet, heading)
    assert values(sheet)[header - 1][1:9] == (
        "产品数",
        "有标产品",
        "采标产品",
        "采标率（按产品）",
        "上年采标率",
        "增减（百分点）",
        "非等效采用产品",
        "执行过期标准产品",
    )
    groups = county["json"][key]
    earlier = {group["key"]: group["adoption_rate"] for group in county["json_2011"][key]}
    *rows, total = body
    assert len(rows) == len(groups)
    for line, group in zip(rows, groups, strict=True):
        assert line[0] == (names[group["key"]] if names else group["key"])
        assert line[1:4] == (group["products"], group["products_with_standard"], group["adopting_products"])
        assert line[4] == approx(group["adoption_rate"])
        assert line[5] == approx(group["previous_adoption_rate"]) == approx(earlier.get(group["key"]))
        assert line[7:9] == (group["neq_products"], group["outdated_products"])
    totals = county["json"]["totals"]
    assert total[0] == "合计"
    assert total[1:4] == (totals["products"], totals["products_with_standard"], totals["adopting_products"])
    assert total[4] == pytest.approx(totals["adoption_rate"])
    assert total[5] == pytest.approx(county["json_2011"]["totals"]["adoption_rate"])


def test_rates_are_formatted_as_percentages(county):
    sheet = county["book"]["按行业"]
    header, body = table(sheet, "行业")
    for offset in range(len(body)):
        assert sheet.cell(header + 1 + offset, 5).number_format == "0.0%"
        assert sheet.cell(header + 1 + offset, 6).number_format == "0.0%"
        assert sheet.cell(header + 1 + offset, 2).number_format == "#,##0"
    summary = county["book"]["概况"]
    rate_row = next(r for r in summary.iter_rows() if r[0].value == "采标率（按产品）")
    assert [cell.number_format for cell in rate_row[1:3]] == ["0.0%", "0.0%"]


def test_industry_chart_compares_brand_products_with_the_brand_target(county):
    sheet = county["book"]["按行业"]
    header, body = table(sheet, "行业")
    first, last = header + 1, header + len(body) - 1  # without the total row
    headings = values(sheet)[header - 1]
    assert headings[9:12] == ("名牌产品", "名牌产品采标率", "目标：市级以上名牌产品采标率")
    # like with like: each industry's brand products beside the brand products' target
    brand = {g["key"]: g for g in county["json"]["brand_by_industry"]}
    *rows, total = body
    for line in rows:
        group = brand.get(line[0])
        assert line[9] == (group["products"] if group else 0)
        assert line[10] == approx(group["adoption_rate"] if group else None)
    assert total[9] == county["json"]["brand_products"]["products"]
    assert total[10] == pytest.approx(county["json"]["brand_products"]["adoption_rate"])
    (chart,) = sheet._charts
    bars, line = chart._charts
    assert type(bars).__name__ == "BarChart" and type(line).__name__ == "LineChart"
    assert [s.val.numRef.f for s in bars.series] == [f"'按行业'!$K${first}:$K${last}"]
    assert [s.val.numRef.f for s in line.series] == [f"'按行业'!$L${first}:$L${last}"]
    # the line is named after the target it draws (its column's heading)
    assert line.series[0].tx.strRef.f == f"'按行业'!L{header}"
    assert bars.series[0].cat.numRef.f == f"'按行业'!$A${first}:$A${last}"
    brand_target = next(t for t in county["json"]["targets"] if t["name"] == "brand_adoption_rate")
    assert {sheet.cell(r, 12).value for r in range(first, last + 1)} == {brand_target["target"]}


def test_summary_line_chart_of_every_year(county):
    sheet = county["book"]["概况"]
    header, series = table(sheet, "年份")
    (chart,) = sheet._charts
    assert type(chart).__name__ == "LineChart"
    first, last = header + 1, header + len(series)
    assert [s.val.numRef.f for s in chart.series] == [
        f"'概况'!$F${first}:$F${last}",
        f"'概况'!$G${first}:$G${last}",
    ]


def test_brand_products_and_their_adoption(county):
    sheet = county["book"]["名牌产品"]
    brand = county["json"]["brand_products"]
    header, listed = table(sheet, "乡镇")
    # township after township, each from a page of its own, like the other follow-up lists
    townships = [line[0] for line in listed]
    order = [g["key"] for g in county["json"]["brand_by_township"]]
    assert townships == sorted(townships, key=order.index)
    assert len(sheet.row_breaks.brk) == len(order)  # and one before the summary tables
    assert Counter(townships) == {g["key"]: g["products"] for g in county["json"]["brand_by_township"]}
    assert values(sheet)[header - 1][:9] == (
        "乡镇",
        "行业",
        "企业名称",
        "产品名称",
        "名牌称号",
        "产值（万元）",
        "执行标准",
        "采标",
        "采标依据",
    )
    assert len(listed) == brand["products"]
    assert Counter(line[7] for line in listed) == {
        "是": brand["adopting_products"],
        "否": brand["products"] - brand["adopting_products"],
    }
    assert sum(1 for line in listed if line[6]) == brand["products_with_standard"]
    # the adopting products name the standard they adopt through
    assert all(line[8] for line in listed if line[7] == "是")
    for heading, key in (
        ("名牌称号", "brand_by_title"),
        ("行业", "brand_by_industry"),
        ("乡镇", "brand_by_township"),
    ):
        _, body = table(sheet, heading, after=header + len(listed))
        *rows, total = body
        groups = county["json"][key]
        assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
            (g["key"], g["products"], g["products_with_standard"], g["adopting_products"]) for g in groups
        ]
        assert total[1:4] == (brand["products"], brand["products_with_standard"], brand["adopting_products"])
    titles = Counter(line[4] for line in listed)
    assert titles == {g["key"]: g["products"] for g in county["json"]["brand_by_title"]}


def test_outdated_standards_by_township_with_the_standard_to_move_to(county):
    sheet = county["book"]["标准过期"]
    header, listed = table(sheet, "乡镇")
    outdated = [r for r in county["rows"] if r["outdated"]]
    assert len(listed) == len(outdated)
    assert values(sheet)[header - 1][2:4] == ("统一社会信用代码", "组织机构代码")
    products = {(line[3], line[4]) for line in listed}
    assert len(products) == county["json"]["totals"]["outdated_products"]
    # one township after another, and a page break before each new one
    townships = [line[0] for line in listed]
    order = list(dict.fromkeys(townships))
    assert townships == sorted(townships, key=order.index)
    assert len(sheet.row_breaks.brk) == len(order) - 1
    assert Counter(townships) == Counter(r["township"] for r in outdated)
    by_execution = {(r["uscc"], r["org_code"], r["product"], r["standard"]): r for r in outdated}
    for line in listed:
        query_row = by_execution[(line[2], line[3], line[4], line[5])]
        assert line[7] == {"replaced": "被代替", "withdrawn": "废止"}[query_row["status"]]
        # the direct replacement, unless it is itself outdated (then the end of the chain)
        if query_row["replaced_by"] is not None:
            assert line[8] is not None
        else:
            assert line[8] is None
    assert any(line[8] for line in listed)


def test_products_without_a_standard(county):
    sheet = county["book"]["无标生产"]
    header, listed = table(sheet, "乡镇")
    assert len(listed) == county["json"]["totals"]["products_without_standard"]
    expected = Counter(r["township"] for r in county["rows"] if r["standard"] is None)
    assert Counter(line[0] for line in listed) == expected
    # a column each for the USCC and the organization code: never a code under the other's heading
    assert values(sheet)[header - 1][2:4] == ("统一社会信用代码", "组织机构代码")
    without = [r for r in county["rows"] if r["standard"] is None]
    assert Counter((line[2], line[3]) for line in listed) == Counter(
        (r["uscc"], r["org_code"]) for r in without
    )
    assert all(line[2] is None or len(line[2]) == 18 for line in listed)
    assert all(len(line[3]) == 9 for line in listed)


def test_standard_level_cross_table_and_standard_age(county):
    sheet = county["book"]["标准水平"]
    report = county["json"]
    levels = list(LEVEL_NAMES)
    cells = {(c["industry"], c["level"]): c for c in report["by_industry_and_level"]}
    header, products = table(sheet, "行业")
    assert values(sheet)[header - 1][1:10] == (*LEVEL_NAMES.values(), "合计")
    output_header, output = table(sheet, "行业", after=header)
    for body, field in ((products, "products"), (output, "output_value")):
        *rows, total = body
        assert [r[0] for r in rows] == [g["key"] for g in report["by_industry"]]
        for line in rows:
            for index, level in enumerate(levels, start=1):
                cell = cells.get((line[0], level))
                assert line[index] == pytest.approx(cell[field] if cell else 0)
        if field == "products":
            assert list(total[1:9]) == [g["products"] for g in report["by_level"]]
            assert total[9] == report["totals"]["products"]
    assert [r[9] for r in products[:-1]] == [g["products"] for g in report["by_industry"]]
    age_header, ages = table(sheet, "行业", after=output_header)
    assert values(sheet)[age_header - 1][6] == "标龄超过5年"
    standard_age = report["standard_age"]
    for line, age in zip(ages, [*standard_age["by_industry"], standard_age["total"]], strict=True):
        assert line[1:3] == (age["standards"], age["dated"])
        assert line[3:6] == (approx(age["mean_age"]), approx(age["median_age"]), approx(age["max_age"]))
        assert line[6] == age["older_than_review"]
        assert line[7] == approx(age["share_older_than_review"])
    # the county's total counts each standard executed on 2012-12-31 once
    assert ages[-1][0] == "合计"
    assert ages[-1][1] == len({r["standard"] for r in county["rows"] if r["standard"]})


def test_detail_is_every_execution(county):
    sheet = county["book"]["明细"]
    header, listed = table(sheet, DETAIL_FIRST)
    assert len(listed) == len(county["rows"])
    headings = values(sheet)[header - 1]
    # every field of the query but the region, which a county's register does not have
    assert len(headings) == 19 and "区县" not in headings
    product, standard = headings.index("产品名称"), headings.index("执行标准")
    assert Counter((line[product], line[standard]) for line in listed) == Counter(
        (r["product"], r["standard"]) for r in county["rows"]
    )


def test_print_settings_on_every_sheet(county):
    for sheet in county["book"].worksheets:
        setup = sheet.page_setup
        assert setup.orientation == "landscape", sheet.title
        assert int(setup.paperSize) == 9, sheet.title  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert int(setup.fitToWidth) == 1, sheet.title
        assert sheet.print_title_rows in ("$1:$2", "$1:$3", "$3:$3"), sheet.title
        assert sheet.freeze_panes in ("A3", "A4"), sheet.title
        assert sheet.auto_filter.ref, sheet.title
        assert "&P" in sheet.oddFooter.center.text, sheet.title
    # the summary is the director's page: one sheet of paper
    assert int(county["book"]["概况"].page_setup.fitToHeight) == 1
    # lists repeat their header row on every page
    for name in ("按行业", "名牌产品", "标准过期", "无标生产"):
        assert county["book"][name].print_title_rows == "$1:$3"
        assert county["book"][name].freeze_panes == "A4"
    # the detail prints from its header row, its title in the page header: no grid line
    # crosses the title; its first ten columns are printed, the rest are on screen only
    detail = county["book"]["明细"]
    assert detail.print_title_rows == "$3:$3" and detail.freeze_panes == "A4"
    assert detail.print_options.gridLines
    assert detail.print_area == f"'明细'!$A$3:$J${3 + len(county['rows'])}"
    assert detail.oddHeader.center.text.startswith(TITLE)


def test_columns_fit_chinese_text(county):
    sheet = county["book"]["明细"]
    header, listed = table(sheet, DETAIL_FIRST)
    headings = values(sheet)[header - 1]
    column = headings.index("企业名称")
    longest = max(len(line[column]) for line in listed[:200])
    letter = sheet.cell(1, column + 1).column_letter
    assert sheet.column_dimensions[letter].width >= 2 * longest
    industry = county["book"]["按行业"]
    assert industry.column_dimensions["E"].width >= 2 * len("采标率（按产品）") - 2


def test_english_labels(county):
    book = county["english"]
    assert book.sheetnames == [
        "Summary",
        "By industry",
        "By township",
        "By size",
        "By standard level",
        "Brand products",
        "Outdated standards",
        "Without standard",
        "Standard level",
        "Detail",
    ]
    header, body = table(book["By size"], "Size")
    assert [line[0] for line in body] == [
        "above designated size",
        "below designated size",
        "unknown",
        "Total",
    ]
    assert values(book["By industry"])[header - 1][4] == "Adoption rate (products)"


def test_output_suffix_chooses_the_workbook(county):
    assert county["path"].read_bytes()[:2] == b"PK"
    assert county["english_path"].read_bytes()[:2] == b"PK"


def test_an_empty_year_gives_a_workbook_of_zeros(county, tmp_path):
    county["stdreg"].ok("report", "--year", "2005", "-o", tmp_path / "2005.xlsx")
    book = load_workbook(tmp_path / "2005.xlsx")
    assert book.sheetnames == SHEETS
    _, body = table(book["概况"], "指标")
    assert {line[0]: line[1] for line in body}["产品数"] == 0
    assert table(book["明细"], DETAIL_FIRST)[1] == []


def test_targets_file_chooses_the_chart_target_and_review_period(county, tmp_path):
    targets = tmp_path / "targets.toml"
    targets.write_text(
        'industry_chart_target = "all"\nreview_years = 3\n\n'
        '[[target]]\nname = "all"\nmeasure = "adoption_rate"\nlabel_zh = "全部产品采标率"\ntarget = 0.3\n',
        encoding="utf-8",
    )
    county["stdreg"].ok("report", "--year", "2012", "--targets", targets, "-o", tmp_path / "t.xlsx")
    book = load_workbook(tmp_path / "t.xlsx")
    sheet = book["按行业"]
    header, body = table(sheet, "行业")
    # a target on all products: the all-products rate (E) against it, no brand columns
    assert values(sheet)[header - 1][9] == "目标：全部产品采标率"
    assert {line[9] for line in body} == {0.3}
    bars, line = sheet._charts[0]._charts
    assert bars.series[0].val.numRef.f.endswith(f"$E${header + len(body) - 1}")
    assert line.series[0].tx.strRef.f == f"'按行业'!J{header}"
    _, targets_block = table(book["概况"], "指标", after=5)
    assert [line[0] for line in targets_block] == ["全部产品采标率"]
    level = book["标准水平"]
    assert any(line[6] == "标龄超过3年" for line in values(level))


def test_a_bad_targets_file_is_a_usage_error(county, tmp_path):
    targets = tmp_path / "targets.toml"
    targets.write_text('industry_chart_target = "nope"\n', encoding="utf-8")
    run = county["stdreg"]("report", "--year", "2012", "--targets", targets, "-o", tmp_path / "t.xlsx")
    assert run.exit_code == 2
    assert "industry_chart_target" in run.stderr


def test_imported_text_is_never_a_formula(stdreg, tmp_path):
    dangerous = ['=HYPERLINK("http://x.example","点我")', "+SUM(A1:A9)", "-2+3", "@cmd", "=1+1"]
    rows = [
        row(1, dangerous[0], "GB/T 1-2009", name=dangerous[2], township=dangerous[3], industry=dangerous[4]),
        row(
            1,
            dangerous[1],
            "",
            name=dangerous[2],
            township=dangerous[3],
            industry=dangerous[4],
            brand="=浙江名牌",
        ),
    ]
    stdreg.ok("import", write_csv(tmp_path / "r.csv", rows), "--year", "2012")
    stdreg.ok("report", "--year", "2012", "-o", tmp_path / "r.xlsx")
    book = load_workbook(tmp_path / "r.xlsx")
    seen = set()
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if cell.value in dangerous or cell.value == "=浙江名牌":
                    assert cell.data_type == "s"
                    assert cell.quotePrefix, (sheet.title, cell.coordinate)
                    seen.add(cell.value)
    assert seen == {*dangerous, "=浙江名牌"}


def test_the_detail_goes_on_on_more_sheets_past_the_row_limit(county, tmp_path):
    from stdreg.config import load_adoption_rule, load_targets
    from stdreg.query import iter_rows
    from stdreg.render.report_xlsx import write_report_xlsx
    from stdreg.stats import build_report
    from stdreg.store import open_register

    register = open_register(county["stdreg"].db)
    rule, targets = load_adoption_rule(None), load_targets(None)
    try:
        with register.engine.connect() as connection:
            report = build_report(connection, dt.date(2012, 12, 31), year=2012, rule=rule, targets=targets)

            def source(filters):
                connection.commit()
                yield from iter_rows(connection, filters, rule)

            with open(tmp_path / "split.xlsx", "wb") as stream:
                written = write_report_xlsx(report, stream, source=source, max_rows=503)
    finally:
        register.dispose()
    assert written == len(county["rows"])
    book = load_workbook(tmp_path / "split.xlsx")
    details = [name for name in book.sheetnames if name.startswith("明细")]
    assert details == ["明细", "明细(2)", "明细(3)"]
    counts = [len(table(book[name], DETAIL_FIRST)[1]) for name in details]
    assert counts == [500, 500, len(county["rows"]) - 1000]


def test_a_workbook_is_not_written_to_a_terminal(stdreg, monkeypatch):
    import sys

    from stdreg.cli.common import ReportFormat, output_format
    from stdreg.errors import UsageError

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    with pytest.raises(UsageError):
        output_format(ReportFormat.xlsx, None, ReportFormat)
    assert output_format(None, Path("r.XLSX"), ReportFormat) is ReportFormat.xlsx
    assert output_format(None, Path("r.json"), ReportFormat) is ReportFormat.json
    assert output_format(None, Path("r.txt"), ReportFormat) is ReportFormat.table
    assert output_format(None, Path("r.csv"), ReportFormat) is ReportFormat.table  # no csv report


MIN_ROWS = 20  # filled lines of a printed page that is not the last of its list
GROUPED = ("名牌产品", "标准过期", "无标生产")  # lists with a page break before each township
PDF_FONT = "NotoSansCJK"  # the PostScript names of FONT_NAME's faces in a PDF


def test_libreoffice_opens_and_prints_it(county, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have LibreOffice: .ci/run installs libreoffice-calc when soffice is missing")
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path / "pdf"
    env = {**os.environ, "HOME": str(tmp_path)}  # a profile of its own, not the user's
    subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(county["path"])],
        check=True,
        capture_output=True,
        timeout=300,
        env=env,
    )
    pdf = (out / "report.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= len(SHEETS)
    if shutil.which("pdffonts"):
        # one font family everywhere: cells, charts, headers and footers, digits and Chinese alike
        listing = subprocess.run(
            ["pdffonts", str(out / "report.pdf")], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        fonts = {line.split()[0].partition("+")[2] for line in listing}
        assert fonts and all(font.startswith(PDF_FONT) for font in fonts), (
            f"{fonts}: the workbook's font is {PDF_FONT} (Debian: apt-get install fonts-noto-cjk)"
        )
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        page_texts = [page for page in text.split("\f") if page.strip()]
        assert len(page_texts) == pages
        # the footer names each page's sheet: every sheet is printed, the summary on one page
        sheet_of = []
        for page in page_texts:
            match = re.search(r"^\s*(\S+)\s+第 \d+ 页", page, re.M)
            assert match, page[-300:]
            sheet_of.append(match.group(1))
        footers = Counter(sheet_of)
        assert set(footers) == set(SHEETS)
        assert footers["概况"] == footers["按行业"] == footers["标准水平"] == 1
        assert TITLE in page_texts[0]
        assert all("龙游县质量技术监督局" in page for page in page_texts)
        # one page per township on the follow-up list of outdated standards
        townships = {r["township"] for r in county["rows"] if r["outdated"]}
        assert footers["标准过期"] >= len(townships)
        # no page almost empty: each holds MIN_ROWS lines, but the last of its list (of its
        # sheet, or of a township on a list with a page per township)
        known = {r["township"] for r in county["rows"]}

        def townships_on(page: str) -> set[str]:
            listed = page.split("名牌产品：按")[0]  # not the summary tables under the brand products
            firsts = (line.split()[0] for line in listed.splitlines() if line.strip())
            return {first for first in firsts if first in known}

        for index, page in enumerate(page_texts):
            filled = sum(1 for line in page.splitlines() if line.strip())
            last_of_sheet = index + 1 == len(page_texts) or sheet_of[index + 1] != sheet_of[index]
            if filled >= MIN_ROWS or last_of_sheet:
                continue
            assert sheet_of[index] in GROUPED, (index + 1, sheet_of[index], filled)
            assert not townships_on(page) & townships_on(page_texts[index + 1]), (index + 1, sheet_of[index])


def test_products_of_an_unknown_township_come_last(stdreg, tmp_path):
    rows = [
        row(1, "竹筷", "", township=""),
        row(2, "竹签", "", township="湖镇镇"),
        row(2, "竹席", "GB/T 1-2009", township="湖镇镇"),
    ]
    stdreg.ok("import", write_csv(tmp_path / "r.csv", rows), "--year", "2012")
    stdreg.ok("report", "--year", "2012", "-o", tmp_path / "r.xlsx")
    sheet = load_workbook(tmp_path / "r.xlsx")["无标生产"]
    header, _ = table(sheet, "乡镇")
    listed = [line for line in values(sheet)[header:] if any(line)]
    assert [(line[0], line[6]) for line in listed] == [("湖镇镇", "竹签"), (None, "竹筷")]
    assert len(sheet.row_breaks.brk) == 1


def test_titles_name_the_county_and_footers_the_issuing_unit(county):
    for sheet in county["book"].worksheets:
        assert values(sheet)[0][0].startswith(TITLE), sheet.title
        assert "龙游县质量技术监督局" in sheet.oddFooter.right.text, sheet.title
    # without a [bureau] section: no county, no issuer
    for sheet in county["english"].worksheets:
        assert values(sheet)[0][0].startswith("Executed-standard statistics 2012"), sheet.title
        assert sheet.oddFooter.right.text.startswith("Generated"), sheet.title


def test_the_terminal_tables_name_the_county_too(county, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(BUREAU, encoding="utf-8")
    run = county["stdreg"].ok("report", "--year", "2012", "--config", config)
    assert run.stdout.lstrip().startswith("龙游县企业产品执行标准统计 2012")
    series = county["stdreg"].ok(
        "report", "--from", "2011", "--to", "2012", "--config", config, "--lang", "en"
    )
    assert series.stdout.lstrip().startswith("龙游县 Executed-standard statistics 2011–2012")
    assert (
        county["stdreg"]
        .ok("report", "--year", "2012")
        .stdout.lstrip()
        .startswith("企业产品执行标准统计 2012")
    )


def test_the_trend_workbook_names_the_county_too(county, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(BUREAU, encoding="utf-8")
    county["stdreg"].ok(
        "report", "--from", "2011", "--to", "2012", "--config", config, "-o", tmp_path / "t.xlsx"
    )
    sheet = load_workbook(tmp_path / "t.xlsx")["趋势"]
    assert values(sheet)[0][0] == "龙游县企业产品执行标准历年统计（2011—2012年）"
    assert "龙游县质量技术监督局" in sheet.oddFooter.right.text


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("[bureau]\ncounty = 3\n", "[bureau] county must be text"),
        ('[bureau]\ncountry = "龙游县"\n', "[bureau] knows county and issuer, not country"),
        ('bureau = "龙游县"\n', "[bureau] must be a section"),
    ],
)
def test_a_bad_bureau_section_is_a_usage_error(county, tmp_path, section, message):
    config = tmp_path / "config.toml"
    config.write_text(section, encoding="utf-8")
    run = county["stdreg"]("report", "--year", "2012", "--config", config, "-o", tmp_path / "r.xlsx")
    assert run.exit_code == 2
    assert run.stderr.count("\n") == 1 and f"{config}: {message}" in run.stderr
    assert not (tmp_path / "r.xlsx").exists()


def test_one_font_for_every_cell_chart_and_footer(county):
    from stdreg.render.report_xlsx import FONT_NAME

    for book in (county["book"], county["english"]):
        for sheet in book.worksheets:
            fonts = {cell.font.name for line in sheet.iter_rows() for cell in line if cell.value is not None}
            assert fonts == {FONT_NAME}, sheet.title
            assert FONT_NAME in sheet.oddFooter.center.font, sheet.title
            for chart in sheet._charts:
                for part in (chart.x_axis, chart.y_axis, chart.legend):
                    properties = part.txPr.p[0].pPr.defRPr
                    assert properties.latin.typeface == properties.ea.typeface == FONT_NAME, sheet.title


def test_json_is_the_same_whatever_the_language(county):
    english = county["stdreg"].report(2012, "--lang", "en")
    assert english == county["json"]
    target = next(t for t in english["targets"] if t["name"] == "brand_adoption_rate")
    assert (target["label"], target["label_zh"], target["label_en"]) == (
        "市级以上名牌产品采标率",
        "市级以上名牌产品采标率",
        "Adoption rate among municipal-and-above brand products",
    )
    series = county["stdreg"].ok("report", "--from", "2011", "--to", "2012", "--format", "json")
    english_series = county["stdreg"].ok(
        "report", "--from", "2011", "--to", "2012", "--format", "json", "--lang", "en"
    )
    assert series.json() == english_series.json()


def test_a_target_without_data_is_neither_met_nor_missed(stdreg, tmp_path):
    # no key energy users in this register: their target has nothing to count
    rows = [row(1, "牛皮纸", "GB/T 1-2009", brand="浙江名牌"), row(2, "竹筷", "")]
    stdreg.ok("import", write_csv(tmp_path / "r.csv", rows), "--year", "2012")
    report = stdreg.report(2012)
    outcome = {t["name"]: (t["actual"], t["met"]) for t in report["targets"]}
    assert outcome["key_energy_metrology_rate"] == (None, None)
    assert outcome["brand_adoption_rate"] == (0.0, False)
    stdreg.ok("report", "--year", "2012", "-o", tmp_path / "r.xlsx")
    sheet = load_workbook(tmp_path / "r.xlsx")["概况"]
    _, targets = table(sheet, "指标", after=5)
    marks = {line[0]: line[3] for line in targets}
    assert marks["重点用能单位计量检测体系确认率"] == "无数据"
    assert marks["市级以上名牌产品采标率"] == "未完成"
    cell = next(c for line in sheet.iter_rows() for c in line if c.value == "无数据")
    assert cell.font.color.rgb.endswith("808080")  # grey, not the red of a missed target
    table_run = stdreg.ok("report", "--year", "2012")
    line = next(text for text in table_run.stdout.splitlines() if "重点用能单位计量检测体系确认率" in text)
    assert "无数据" in line and "未完成" not in line
    series = stdreg.ok("report", "--from", "2012", "--to", "2012").stdout
    assert series.count("✗") == 1  # the brand products' rate, not the target without data


def test_a_standard_dated_after_the_as_of_date_has_no_age(stdreg, tmp_path):
    rows = [
        row(1, "牛皮纸", "GB/T 1-2008"),
        row(1, "箱板纸", "GB/T 2-2004"),
        row(2, "竹筷", "GB/T 3-2014"),  # a future-dated code in a 2012 register
    ]
    stdreg.ok("import", write_csv(tmp_path / "r.csv", rows), "--year", "2012")
    ages = stdreg.report(2012)["standard_age"]
    total = ages["total"]
    assert (total["standards"], total["dated"], total["dated_after"]) == (3, 2, 1)
    assert total["median_age"] == pytest.approx((4.5 + 8.5) / 2)  # not dragged down by an age 0
    (industry,) = ages["by_industry"]
    assert (industry["dated"], industry["dated_after"]) == (2, 1)
    stdreg.ok("report", "--year", "2012", "-o", tmp_path / "r.xlsx")
    sheet = load_workbook(tmp_path / "r.xlsx")["标准水平"]
    header, _ = table(sheet, "行业")
    age_header, lines = table(sheet, "行业", after=header + 4)
    age_header, lines = table(sheet, "行业", after=age_header)
    assert values(sheet)[age_header - 1][8] == "尚未实施"
    assert [line[8] for line in lines] == [1, 1]


def test_a_merged_register_shows_its_regions_in_the_detail(stdreg, tmp_path):
    county_db = tmp_path / "county.sqlite"
    county = Stdreg(str(county_db), tmp_path)
    county.ok("import", write_csv(tmp_path / "r.csv", [row(1, "牛皮纸", "GB/T 1-2009")]), "--year", "2012")
    county.close()
    stdreg.ok("merge", county_db, "--region", "衢江区")
    stdreg.ok("report", "--year", "2012", "-o", tmp_path / "city.xlsx")
    book = load_workbook(tmp_path / "city.xlsx")
    sheet = book["明细"]
    header, listed = table(sheet, "区县")
    assert [line[0] for line in listed] == ["衢江区"]
    assert sheet.print_area.endswith(f"$A$3:$K${header + 1}")  # the region is printed too
