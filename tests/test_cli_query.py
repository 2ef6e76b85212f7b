"""`stdreg query`: filters, Chinese search, dates, every output format, counts (SQL: test_query_sql.py)."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from builders import CATALOG_HEADERS, org_code, row, uscc, write_csv

HYPERLINK = '=HYPERLINK("http://evil.example","点我")'

REGISTER_2011 = [
    row(1, "瓦楞原纸", "GB/T 13023-2008", name="龙游恒达纸业有限公司", output="1234.5", brand="浙江名牌"),
    row(1, "特种纸", "QB/T 1012-2010", name="龙游恒达纸业有限公司", adopted="ISO 536:2012", degree="IDT"),
    row(1, "纸板", "GB/T 13024-1991", name="龙游恒达纸业有限公司"),
    row(2, "竹筷", "", name="恒达竹业", township="詹家镇", industry="竹制品", size="规下", by_org_code=True),
    row(
        2,
        "竹地板",
        "LY/T 1-2008、ISO 9001:2008",
        name="恒达竹业",
        township="詹家镇",
        industry="竹制品",
        size="规下",
        by_org_code=True,
    ),
    row(3, "水泥", "GB 175-2007", name="纸", township="龙洲街道", industry="建材"),
    row(
        4,
        "卫生纸",
        "GB/T 20810-2006",
        name="纸业联合厂",
        size="规下",
        adopted="ISO 12625-1:2005",
        degree="NEQ",
        brand="衢州名牌",
    ),
    row(5, "+1", "", name=HYPERLINK, industry="竹制品"),
    row(5, "竹席", "GB/T 19001-2016/ISO 9001:2015", name=HYPERLINK, industry="竹制品"),
    row(6, "-竹炭", "", name="@SUM(A1)", industry="竹制品"),
]

CATALOG = [
    ["GB/T 13024-2003", "箱纸板", "现行", "2003-01-17", "2003-06-01", "", "GB/T 13024-1991", "", ""],
    ["GB/T 13024-1991", "箱纸板", "被代替", "1991-08-13", "1992-04-01", "", "", "", ""],
    ["GB 175-2007", "通用硅酸盐水泥", "废止", "2007-11-09", "2008-06-01", "2012-06-30", "", "", ""],
    ["GB/T 13023-2008", "瓦楞原纸", "现行", "2008-07-18", "2009-05-01", "", "", "", ""],
]


@pytest.fixture
def county(stdreg, tmp_path):
    """The register of 2011 and a standards catalog learned in 2013."""
    stdreg.ok("import", write_csv(tmp_path / "2011.csv", REGISTER_2011), "--year", "2011")
    # a control character no file can bring in any more (a bad row), but an older register may hold
    stdreg.sql("UPDATE product SET name = :name WHERE name = '竹席'", name="竹\x07席")
    stdreg.ok(
        "catalog",
        "import",
        write_csv(tmp_path / "catalog.csv", CATALOG, CATALOG_HEADERS),
        "--as-of",
        "2013-01-01",
    )
    return stdreg


def query(stdreg, *args: str) -> list[dict[str, Any]]:
    run = stdreg.ok("query", "--as-of", "2011-12-31", "--format", "json", *args)
    rows = run.json()
    assert isinstance(rows, list)
    return rows


def pairs(rows: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(r["product"], r["standard"]) for r in rows]


def products(rows: list[dict[str, Any]]) -> set[str]:
    return {r["product"] for r in rows}


# --- the rows and their shape ------------------------------------------------------------


def test_one_row_per_execution_and_per_product_without_standard(county):
    rows = query(county)
    assert len(rows) == 11  # 7 products with 8 executions, and 3 products without a standard
    assert pairs(query(county, "--product", "竹地板")) == [
        ("竹地板", "ISO 9001:2008"),
        ("竹地板", "LY/T 1-2008"),
    ]
    assert pairs(query(county, "--product", "竹筷")) == [("竹筷", None)]


def test_json_shape(county):
    (special,) = query(county, "--product", "特种纸")
    assert special == {
        "uscc": uscc(1),
        "org_code": org_code(1),
        "enterprise": "龙游恒达纸业有限公司",
        "township": "湖镇镇",
        "industry": "造纸",
        "size": "above",
        "product": "特种纸",
        "output_value": None,
        "brand": None,
        "standard": "QB/T 1012-2010",
        "standard_title": None,
        "level": "industry",
        "adopted": "ISO 536:2012",
        "degree": "IDT",
        "adopting": True,
        "product_adopting": True,
        "outdated": False,
        "status": None,
        "replaced_by": None,
        "region": None,  # merged from no county
    }
    (corrugated,) = query(county, "--product", "瓦楞原纸")
    assert corrugated["output_value"] == 1234.5
    assert corrugated["brand"] == "浙江名牌"
    assert corrugated["standard_title"] == "瓦楞原纸"
    assert (corrugated["status"], corrugated["adopting"]) == ("current", False)


def test_uscc_is_null_when_only_the_organization_code_is_known(county):
    rows = query(county, "--enterprise", "恒达竹业")
    assert {(r["uscc"], r["org_code"]) for r in rows} == {(None, org_code(2))}


def test_adopting_is_the_rows_standard_and_product_adopting_the_products(county):
    rows = {r["standard"]: r for r in query(county, "--product", "竹地板")}
    assert rows["ISO 9001:2008"]["adopting"] is True
    assert rows["LY/T 1-2008"]["adopting"] is False
    assert rows["LY/T 1-2008"]["product_adopting"] is True
    (neq,) = query(county, "--product", "卫生纸")
    assert (neq["degree"], neq["adopting"], neq["product_adopting"]) == ("NEQ", False, False)


# --- filters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "enterprises"),
    [
        ("纸", {"纸", "纸业联合厂", "龙游恒达纸业有限公司"}),  # one character
        ("恒达", {"龙游恒达纸业有限公司", "恒达竹业"}),  # two
        ("恒达纸业", {"龙游恒达纸业有限公司"}),  # three and more
        ("恒达纸业有限公司", {"龙游恒达纸业有限公司"}),
        ("ＳＵＭ", {"@SUM(A1)"}),  # full-width, as names are normalized on import
        ("sum", {"@SUM(A1)"}),  # ASCII case ignored
        ("%", set()),  # literal, not a wildcard
        ("_", set()),
        ("不存在", set()),
    ],
)
def test_enterprise_search_with_one_two_and_more_characters(county, text, enterprises):
    assert {r["enterprise"] for r in query(county, "--enterprise", text)} == enterprises


def test_exact_and_prefix_matches_come_first(county):
    names = [r["enterprise"] for r in query(county, "--enterprise", "纸")]
    assert names[0] == "纸"
    assert names[1] == "纸业联合厂"
    assert set(names[2:]) == {"龙游恒达纸业有限公司"}
    found = [r["product"] for r in query(county, "--product", "纸")]
    assert found[0] == "纸板"  # the only product that starts with 纸
    assert set(found[1:]) == {"瓦楞原纸", "特种纸", "卫生纸"}


def test_product_search(county):
    assert products(query(county, "--product", "竹")) == {"竹筷", "竹地板", "竹\x07席", "-竹炭"}
    assert products(query(county, "--product", "竹地")) == {"竹地板"}


@pytest.mark.parametrize(
    "code",
    [
        uscc(1),
        uscc(1).lower(),
        org_code(1),
        f"{org_code(1)[:8]}-{org_code(1)[8]}",
        f" {uscc(1)[:9]} {uscc(1)[9:]}",
    ],
)
def test_uscc_or_organization_code_in_any_spelling(county, code):
    assert {r["enterprise"] for r in query(county, "--uscc", code)} == {"龙游恒达纸业有限公司"}


def test_an_enterprise_known_by_organization_code_is_found_by_its_uscc(county):
    assert products(query(county, "--uscc", uscc(2))) == {"竹筷", "竹地板"}


@pytest.mark.parametrize(
    "code", [uscc(1)[:-1] + ("0" if uscc(1)[-1] != "0" else "1"), "12345678-0", "330825000012345"]
)
def test_an_invalid_code_is_a_usage_error(county, code):
    run = county("query", "--uscc", code)
    assert run.exit_code == 2
    assert "--uscc" in run.stderr and "not a valid" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("standard", "expected"),
    [
        ("GB/T 13023-2008", {("瓦楞原纸", "GB/T 13023-2008")}),
        ("gbt13023—2008", {("瓦楞原纸", "GB/T 13023-2008")}),  # messy forms are normalized
        ("ＧＢ／Ｔ １３０２３－２００８", {("瓦楞原纸", "GB/T 13023-2008")}),
        ("QB/T 1012", {("特种纸", "QB/T 1012-2010")}),  # a prefix without the year
        ("GB/T 19001-2016", {("竹\x07席", "GB/T 19001-2016")}),  # registered as a dual number
        ("GB/T 19001-2016/ISO 9001:2015", {("竹\x07席", "GB/T 19001-2016")}),
        ("LY/T", {("竹地板", "LY/T 1-2008")}),
        ("ISO", {("竹地板", "ISO 9001:2008")}),
        (
            "GB",
            {
                ("瓦楞原纸", "GB/T 13023-2008"),
                ("纸板", "GB/T 13024-1991"),
                ("水泥", "GB 175-2007"),
                ("卫生纸", "GB/T 20810-2006"),
                ("竹\x07席", "GB/T 19001-2016"),
            },
        ),
        ("GB/T 1302", set()),  # a prefix ends at a separator: not GB/T 13023
    ],
)
def test_standard_by_code_or_prefix(county, standard, expected):
    assert set(pairs(query(county, "--standard", standard))) == expected


def test_industry_township_and_size(county):
    assert products(query(county, "--industry", "建材")) == {"水泥"}
    assert products(query(county, "--township", "詹家镇")) == {"竹筷", "竹地板"}
    assert products(query(county, "--township", "詹家镇", "--township", "龙洲街道")) == {
        "竹筷",
        "竹地板",
        "水泥",
    }
    assert products(query(county, "--size", "规下")) == {"竹筷", "竹地板", "卫生纸"}
    assert products(query(county, "--size", "below")) == {"竹筷", "竹地板", "卫生纸"}
    assert county("query", "--size", "中型").exit_code == 2


def test_level_and_degree(county):
    assert set(pairs(query(county, "--level", "international"))) == {("竹地板", "ISO 9001:2008")}
    assert products(query(county, "--level", "industry")) == {"特种纸", "竹地板"}
    assert products(query(county, "--degree", "IDT")) == {"特种纸", "竹\x07席"}
    assert products(query(county, "--degree", "非等效")) == {"卫生纸"}
    assert county("query", "--degree", "差不多").exit_code == 2
    assert county("query", "--level", "national-ish").exit_code == 2


def test_adopting_and_not_adopting(county):
    adopting = query(county, "--adopting")
    assert set(pairs(adopting)) == {
        ("特种纸", "QB/T 1012-2010"),
        ("竹地板", "ISO 9001:2008"),
        ("竹\x07席", "GB/T 19001-2016"),
    }
    assert all(r["adopting"] for r in adopting)
    not_adopting = query(county, "--not-adopting")
    assert products(not_adopting) == {"瓦楞原纸", "纸板", "水泥", "卫生纸"}  # no product without standard
    assert not any(r["product_adopting"] for r in not_adopting)


def test_outdated_as_of_the_date(county):
    # GB/T 13024-1991 was replaced from 2003-06-01; GB 175-2007 withdrawn on 2012-06-30
    rows = query(county, "--outdated")
    assert pairs(rows) == [("纸板", "GB/T 13024-1991")]
    assert (rows[0]["status"], rows[0]["replaced_by"]) == ("replaced", "GB/T 13024-2003")
    later = county.ok("query", "--as-of", "2012-12-31", "--outdated", "-f", "json").json()
    assert set(pairs(later)) == {("纸板", "GB/T 13024-1991"), ("水泥", "GB 175-2007")}
    (cement,) = query(county, "--product", "水泥")
    assert (cement["status"], cement["outdated"]) == ("current", False)  # not yet withdrawn in 2011
    (cement,) = [r for r in later if r["product"] == "水泥"]
    assert (cement["status"], cement["outdated"]) == ("withdrawn", True)


def test_without_standard(county):
    assert products(query(county, "--without-standard")) == {"竹筷", "+1", "-竹炭"}
    assert products(query(county, "--without-standard", "--township", "詹家镇")) == {"竹筷"}
    assert all(r["standard"] is None and r["adopting"] is False for r in query(county, "--without-standard"))


def test_without_standard_cannot_ask_about_standards(county):
    run = county("query", "--without-standard", "--standard", "GB/T")
    assert run.exit_code == 2
    assert "--without-standard" in run.stderr


def test_brand(county):
    assert products(query(county, "--brand")) == {"瓦楞原纸", "卫生纸"}
    assert products(query(county, "--brand-title", "浙江")) == {"瓦楞原纸"}
    assert "瓦楞原纸" not in products(query(county, "--no-brand"))


def test_no_brand_is_null_in_every_output_whether_the_cell_said_none_or_nothing(stdreg, tmp_path):
    stdreg.ok(
        "import",
        write_csv(tmp_path / "2011.csv", [row(1, "纸", brand="浙江名牌"), row(1, "竹筷")]),
        "--year",
        "2011",
    )
    # 2012: 无 takes the title away; 2013: a blank cell is unknown and keeps that
    stdreg.ok(
        "import",
        write_csv(tmp_path / "2012.csv", [row(1, "纸", brand="无"), row(1, "竹筷")]),
        "--year",
        "2012",
    )
    stdreg.ok("import", write_csv(tmp_path / "2013.csv", [row(1, "纸"), row(1, "竹筷")]), "--year", "2013")
    assert {("浙江名牌",), ("",)} <= set(stdreg.sql("SELECT brand FROM product_version"))  # "" for 无
    for year in ("2012", "2013"):
        rows = stdreg.ok("query", "--year", year, "--format", "json").json()
        assert {r["product"]: r["brand"] for r in rows} == {"纸": None, "竹筷": None}
        lines = stdreg.ok("query", "--year", year, "--format", "jsonl").stdout.splitlines()
        assert {json.loads(line)["brand"] for line in lines} == {None}
        text = stdreg.ok("query", "--year", year, "--format", "csv").stdout.lstrip("\ufeff")
        assert {r["brand"] for r in csv.DictReader(io.StringIO(text))} == {""}
        path = tmp_path / f"{year}.xlsx"
        stdreg.ok("query", "--year", year, "-o", path)
        sheet = openpyxl.load_workbook(path).active
        header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
        column = header.index("名牌")
        assert {r[column] for r in sheet.iter_rows(min_row=2, values_only=True)} == {None}
        assert products(stdreg.ok("query", "--year", year, "--brand", "--format", "json").json()) == set()
    assert query(stdreg, "--product", "纸")[0]["brand"] == "浙江名牌"


def test_an_exact_filter_that_matches_nothing_says_which_values_contain_it(county):
    run = county("query", "--as-of", "2011-12-31", "--township", "湖镇", "--format", "json")
    assert (run.exit_code, run.json()) == (0, [])
    assert "--township 湖镇 matches no township of the register; did you mean 湖镇镇?" in run.stderr
    run = county(
        "query", "--as-of", "2011-12-31", "--industry", "竹", "--township", "湖镇镇", "--format", "json"
    )
    assert run.exit_code == 0 and run.json() == []  # 竹 is no industry; 湖镇镇 is a township
    assert "--industry 竹 matches no industry of the register; did you mean 竹制品?" in run.stderr
    assert "--township" not in run.stderr
    run = county(
        "query", "--as-of", "2011-12-31", "--township", "街道", "--region", "龙游", "--count-by", "township"
    )
    assert run.exit_code == 0
    assert "--township 街道 matches no township of the register; did you mean 龙洲街道?" in run.stderr
    assert "--region 龙游 matches no region of the register\n" in run.stderr  # nothing contains it
    # a township of the register, even when nothing matches on the date, gets no hint
    quiet = county("query", "--as-of", "2001-01-01", "--township", "詹家镇", "--format", "json")
    assert (quiet.exit_code, quiet.json()) == (0, []) and "did you mean" not in quiet.stderr
    assert "matches no" not in county("query", "--township", "詹家镇", "--format", "json").stderr


def test_filters_combine(county):
    # which paper mills still make products to a withdrawn or replaced standard?
    assert pairs(query(county, "--industry", "造纸", "--outdated")) == [("纸板", "GB/T 13024-1991")]
    # bamboo products without any standard in 湖镇镇
    rows = query(county, "--industry", "竹制品", "--township", "湖镇镇", "--without-standard")
    assert products(rows) == {"+1", "-竹炭"}
    assert query(county, "--enterprise", "恒达", "--level", "international", "--size", "规上") == []
    assert products(query(county, "--enterprise", "恒达", "--adopting", "--size", "规上")) == {"特种纸"}


def test_limit(county):
    assert len(query(county, "--limit", "2")) == 2
    assert query(county, "--limit", "0") == []


def test_nothing_matches_exits_0(county):
    assert query(county, "--enterprise", "没有这家") == []
    run = county("query", "--enterprise", "没有这家")
    assert (run.exit_code, run.stdout) == (0, "")


def test_an_empty_register_answers_nothing(stdreg):
    assert stdreg.ok("query", "-f", "json").json() == []


# --- dates -------------------------------------------------------------------------------


def test_as_of_before_and_after_a_complete_import(county, tmp_path):
    later = [
        row(1, "瓦楞原纸", "GB/T 13023-2008", name="恒达纸业", township="龙洲街道"),
        row(1, "纸板", "GB/T 13024-2003", name="恒达纸业", township="龙洲街道"),
    ]
    county.ok("import", write_csv(tmp_path / "2012.csv", later), "--year", "2012", "--complete")
    before = query(county, "--uscc", uscc(1))
    assert set(pairs(before)) == {
        ("瓦楞原纸", "GB/T 13023-2008"),
        ("特种纸", "QB/T 1012-2010"),
        ("纸板", "GB/T 13024-1991"),
    }
    assert {(r["enterprise"], r["township"]) for r in before} == {("龙游恒达纸业有限公司", "湖镇镇")}
    after = county.ok("query", "--year", "2012", "--uscc", uscc(1), "-f", "json").json()
    assert set(pairs(after)) == {("瓦楞原纸", "GB/T 13023-2008"), ("纸板", "GB/T 13024-2003")}
    assert {(r["enterprise"], r["township"]) for r in after} == {("恒达纸业", "龙洲街道")}
    # the name of the date is the one searched
    assert query(county, "--enterprise", "龙游恒达纸业") != []
    assert county.ok("query", "--year", "2012", "--enterprise", "龙游恒达纸业", "-f", "json").json() == []
    # nothing was registered before 2011
    assert county.ok("query", "--as-of", "2010-12-31", "-f", "json").json() == []


def test_default_as_of_is_today(county):
    run = county.ok("query", "-f", "json", "--product", "水泥")
    assert run.json()[0]["outdated"] is True  # withdrawn in 2012


def test_as_of_must_be_a_date(county):
    assert county("query", "--as-of", "2011-13-01").exit_code == 2
    assert county("query", "--as-of", "2011-12-31", "--year", "2011").exit_code == 2


# --- formats -----------------------------------------------------------------------------

INJECTIONS = {HYPERLINK, "+1", "@SUM(A1)", "-竹炭"}


def test_csv_has_a_bom_and_writes_formulas_as_text(county):
    from stdreg.cli.app import app

    run = county.runner.invoke(app, ["--db", county.db, "query", "--as-of", "2011-12-31", "-f", "csv"])
    assert run.exit_code == 0
    data = run.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 11
    assert list(rows[0]) == list(query(county)[0])
    texts = {value for r in rows for value in r.values()}
    assert not any(text.startswith(("=", "+", "-", "@", "\t", "\r")) for text in texts)
    assert "'" + HYPERLINK in texts and "'+1" in texts and "'@SUM(A1)" in texts and "'-竹炭" in texts
    assert "竹席" in texts  # the control character is removed
    (special,) = [r for r in rows if r["product"] == "特种纸"]
    assert (special["adopting"], special["brand"], special["uscc"]) == ("true", "", uscc(1))


def test_csv_with_nothing_is_the_header_alone(county, tmp_path):
    county.ok("query", "--enterprise", "没有这家", "-o", tmp_path / "none.csv")
    text = (tmp_path / "none.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines() == [",".join(json.loads(county.ok("query", "-f", "json").stdout)[0])]


def test_xlsx_writes_formulas_as_text_cells(county, tmp_path):
    path = tmp_path / "answer.xlsx"
    run = county.ok("query", "--as-of", "2011-12-31", "-o", path)  # the format comes from the suffix
    assert "11 rows written" in run.stderr
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["统一社会信用代码", "组织机构代码", "企业名称"]
    cells = [cell for line in sheet.iter_rows(min_row=2) for cell in line]
    assert not any(cell.data_type == "f" for cell in cells)
    values = {cell.value for cell in cells}
    assert values >= INJECTIONS  # kept exactly, as text
    assert "竹席" in values
    formula_like = [cell for cell in cells if cell.value in INJECTIONS]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in formula_like)
    assert "规上" in values and "国家标准" in values and "是" in values  # labels of the codes


def test_xlsx_in_english(county, tmp_path):
    path = tmp_path / "answer.xlsx"
    county.ok("query", "--as-of", "2011-12-31", "-o", path, "--lang", "en", "--format", "xlsx")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert [cell.value for cell in sheet[1]][:3] == ["USCC", "Organization code", "Enterprise"]


def test_xlsx_to_a_pipe_is_binary(county):
    from stdreg.cli.app import app

    run = county.runner.invoke(app, ["--db", county.db, "query", "-f", "xlsx"])
    assert run.exit_code == 0
    assert run.stdout_bytes.startswith(b"PK")
    sheet = openpyxl.load_workbook(io.BytesIO(run.stdout_bytes)).worksheets[0]
    assert sheet.max_row == 1 + len(county.ok("query", "-f", "json").json())


def test_xlsx_to_a_terminal_is_refused(monkeypatch):
    from stdreg.cli import common
    from stdreg.errors import UsageError

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    with pytest.raises(UsageError, match="-o"):
        common.output_format(common.QueryFormat.xlsx, None)
    assert common.output_format(None, Path("x.xlsx")) is common.QueryFormat.xlsx
    assert common.output_format(None, Path("x.txt")) is common.QueryFormat.table


def test_json_is_utf8_with_chinese_unescaped(county):
    from stdreg.cli.app import app

    run = county.runner.invoke(app, ["--db", county.db, "query", "-f", "json", "--enterprise", "恒达"])
    assert "恒达".encode() in run.stdout_bytes
    assert b"\\u" not in run.stdout_bytes


def test_jsonl_is_one_object_a_line(county):
    run = county.ok("query", "--as-of", "2011-12-31", "-f", "jsonl")
    lines = run.stdout.splitlines()
    assert [json.loads(line) for line in lines] == query(county)
    assert county.ok("query", "-f", "jsonl", "--enterprise", "没有这家").stdout == ""


def test_table_aligns_chinese_columns(county):
    from rich.cells import cell_len

    run = county.ok("query", "--as-of", "2011-12-31", "--enterprise", "恒达")
    lines = run.stdout.splitlines()
    assert lines[0] == "截至 2011-12-31"
    assert lines[1].startswith("企业名称")
    data = [line for line in lines[3:] if line.strip()]
    assert len(data) == 6
    # the product column starts at the same display column on every line
    columns = set()
    for line in data:
        for product in ("瓦楞原纸", "特种纸", "纸板", "竹筷", "竹地板"):
            if f"  {product}  " in line:
                columns.add(cell_len(line[: line.index(f"  {product}  ")]))
    assert len(columns) == 1, data


def test_table_strips_control_characters(county):
    run = county.ok("query", "--as-of", "2011-12-31", "--product", "席")
    assert "\x07" not in run.stdout
    assert "竹席" in run.stdout


# --- counts ------------------------------------------------------------------------------


def counts(stdreg, key: str, *args: str) -> dict[Any, dict[str, Any]]:
    rows = stdreg.ok("query", "--as-of", "2011-12-31", "--count-by", key, "-f", "json", *args).json()
    return {r["key"]: r for r in rows}


def test_count_by_matches_the_report(county):
    report = county.report(2011)
    by_township = counts(county, "township")
    for breakdown in report["by_township"]:
        got = by_township[breakdown["key"]]
        for field in ("products", "products_with_standard", "adopting_products", "adoption_rate"):
            assert got[field] == breakdown[field], (breakdown["key"], field)
    by_level = counts(county, "level")
    assert {k: v["products"] for k, v in by_level.items()} == {
        b["key"]: b["products"] for b in report["by_level"] if b["products"]
    }
    assert sum(r["products"] for r in counts(county, "industry").values()) == report["totals"]["products"]


def test_count_by_with_filters(county):
    paper = counts(county, "industry", "--township", "湖镇镇")
    assert paper["造纸"]["products"] == 4
    assert paper["造纸"]["products_with_standard"] == 4
    assert paper["造纸"]["adopting_products"] == 1
    assert paper["造纸"]["adoption_rate"] == pytest.approx(0.25)
    assert paper["造纸"]["neq_products"] == 1
    assert paper["造纸"]["outdated_products"] == 1
    bamboo = paper["竹制品"]
    assert (bamboo["products"], bamboo["products_without_standard"], bamboo["adoption_rate"]) == (3, 2, 1.0)
    standards = counts(county, "standard", "--enterprise", "恒达竹业")
    assert set(standards) == {None, "LY/T 1-2008", "ISO 9001:2008"}
    assert standards["LY/T 1-2008"]["adopting_products"] == 1  # the product adopts through ISO 9001
    assert standards[None]["adoption_rate"] is None


def test_count_by_in_a_table_and_a_workbook(county, tmp_path):
    run = county.ok("query", "--as-of", "2011-12-31", "--count-by", "level")
    assert "按标准层级" in run.stdout and "国际标准" in run.stdout and "无标准" in run.stdout
    county.ok("query", "--as-of", "2011-12-31", "--count-by", "township", "-o", tmp_path / "c.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "c.xlsx").worksheets[0]
    assert [cell.value for cell in sheet[1]][:2] == ["乡镇", "产品数"]


@pytest.mark.parametrize(
    "option", ["--enterprise", "--product", "--brand-title", "--industry", "--township", "--region"]
)
@pytest.mark.parametrize("blank", ["\u3000", " \u3000 ", "\u00a0"])
def test_a_search_text_of_only_spaces_is_refused_not_everything(county, option, blank):
    # an ideographic space is a space: stripped, it leaves nothing to search for
    run = county("query", "--as-of", "2011-12-31", option, blank, "--format", "json")
    assert run.exit_code == 2, run.stdout
    assert run.stderr.count("\n") == 1 and option in run.stderr and "only spaces" in run.stderr
    assert run.stdout == ""
