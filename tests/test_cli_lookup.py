"""`stdreg lookup` (标准查新): a list of codes answered against the catalog and the register, offline;
the officer's own workbook written back with the answers beside its columns."""

from __future__ import annotations

import csv
import doctest
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from builders import CATALOG_HEADERS, row, write_csv
from stdreg import lookup
from stdreg.cli.app import app
from stdreg.codes.standard_code import parse
from stdreg.lookup import LOOKUP_FIELDS

AS_OF = "2024-06-01"


def setup(stdreg, tmp_path):
    rows = [
        row(1, "纸", "GB/T 13023-2008"),
        row(1, "纸板", "GB/T 13023-2008、GB 9688-1988"),
        row(2, "布", "GB/T 13023-2008"),
        row(3, "衣", "QB/T 1234-2000"),
    ]
    stdreg.ok("import", write_csv(tmp_path / "r.csv", rows), "--year", "2011")
    catalog = [
        ["GB 9688-1988", "食品包装用聚氯乙烯成型品", "废止", "", "", "2009-06-30", "", "", ""],
        ["GB/T 13023-2012", "瓦楞原纸", "被代替", "", "2012-06-01", "", "GB/T 13023-2008", "", ""],
        ["GB/T 13023-2018", "瓦楞原纸", "现行", "", "2018-09-01", "", "GB/T 13023-2012", "", ""],
        ["GB/T 19001-2008", "质量管理体系 要求", "被代替", "", "2009-03-01", "", "", "ISO 9001:2008", "IDT"],
        [
            "GB/T 19001-2016",
            "质量管理体系 要求",
            "现行",
            "",
            "2017-07-01",
            "",
            "GB/T 19001-2008",
            "ISO 9001:2015",
            "IDT",
        ],  # fmt: skip
        ["GB/T 30000-2030", "未来的标准", "即将实施", "", "2030-01-01", "", "", "", ""],
    ]
    stdreg.ok(
        "catalog", "import", write_csv(tmp_path / "c.csv", catalog, CATALOG_HEADERS), "--as-of", "2024-01-01"
    )


def answers(stdreg, *args: str) -> dict[str, dict]:
    run = stdreg.ok("lookup", *args, "--as-of", AS_OF, "--format", "json")
    return {found["input"]: found for found in run.json()}


def test_every_status_on_the_date_with_register_counts(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    before = stdreg.dump()
    found = answers(
        stdreg, "GB/T 13023-2018", "GB/T 30000-2030", "gbt13023—2008", "GB 9688-1988", "QB/T 1234-2000"
    )
    assert {text: a["status"] for text, a in found.items()} == {
        "GB/T 13023-2018": "current",
        "GB/T 30000-2030": "upcoming",
        "gbt13023—2008": "replaced",
        "GB 9688-1988": "withdrawn",
        "QB/T 1234-2000": "not_in_catalog",
    }
    replaced = found["gbt13023—2008"]
    assert replaced["code"] == "GB/T 13023-2008"
    assert (replaced["level"], replaced["nature"]) == ("national", "recommended")
    assert (replaced["replaced_by"], replaced["move_to"], replaced["outdated_from"]) == (
        "GB/T 13023-2012",
        "GB/T 13023-2018",
        "2012-06-01",
    )
    # 纸 and 纸板 of 企业1, 布 of 企业2
    assert (replaced["products"], replaced["enterprises"]) == (3, 2)
    withdrawn = found["GB 9688-1988"]
    assert (withdrawn["withdrawn_on"], withdrawn["move_to"], withdrawn["nature"]) == (
        "2009-06-30",
        None,
        "mandatory",
    )
    assert (withdrawn["products"], withdrawn["enterprises"]) == (1, 1)
    assert found["GB/T 30000-2030"]["implemented_on"] == "2030-01-01"
    # a standard only the register names: its products are counted, and it is never current
    unknown = found["QB/T 1234-2000"]
    assert (unknown["products"], unknown["enterprises"], unknown["level"]) == (1, 1, "industry")
    assert unknown["note"] == "not in the catalog"
    assert (found["GB/T 13023-2018"]["title"], found["GB/T 13023-2018"]["products"]) == ("瓦楞原纸", 0)
    assert stdreg.dump() == before  # a lookup writes nothing


def test_json_keys_are_fixed_and_in_order(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    for output in (
        stdreg.ok("lookup", "GB/T 13023-2018", "见附件", "--format", "json").json(),
        [
            json.loads(line)
            for line in stdreg.ok("lookup", "GB/T 13023-2018", "-f", "jsonl").stdout.splitlines()
        ],
    ):
        for found in output:
            assert list(found) == list(LOOKUP_FIELDS)


def test_status_is_that_of_the_date(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    run = stdreg.ok("lookup", "GB 9688-1988", "GB/T 30000-2030", "--as-of", "2008-01-01", "-f", "json")
    assert [found["status"] for found in run.json()] == ["current", "upcoming"]
    run = stdreg.ok("lookup", "GB/T 30000-2030", "--as-of", "2030-01-01", "-f", "json")
    assert run.json()[0]["status"] == "current"


def test_the_move_is_to_the_current_end_of_the_replacement_chain(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    chain = {}
    for date in ("2012-01-01", "2015-01-01", "2019-01-01"):
        found = stdreg.ok("lookup", "GB/T 13023-2008", "--as-of", date, "-f", "json").json()[0]
        chain[date] = (found["status"], found["replaced_by"], found["move_to"])
    assert chain == {
        "2012-01-01": ("current", "GB/T 13023-2012", None),
        "2015-01-01": ("replaced", "GB/T 13023-2012", "GB/T 13023-2012"),
        "2019-01-01": ("replaced", "GB/T 13023-2012", "GB/T 13023-2018"),
    }


def test_check_and_lookup_name_the_same_standard_to_move_to(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    checked = stdreg("check", "--as-of", "2019-01-01", "--format", "json").json()
    looked = stdreg.ok("lookup", "GB/T 13023-2008", "--as-of", "2019-01-01", "-f", "json").json()[0]
    assert {r["move_to"] for r in checked if r["standard"] == "GB/T 13023-2008"} == {looked["move_to"]}


def test_an_undated_code_is_answered_with_the_editions_and_the_current_one(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    found = answers(
        stdreg, "GB/T 19001", "GB/T 19001-2000", "GB/T 19001-2016/ISO 9001:2015", "GB/T 19001-2008"
    )
    undated = found["GB/T 19001"]
    assert undated["status"] == "undated"
    assert undated["editions"] == ["GB/T 19001-2008", "GB/T 19001-2016"]
    assert undated["current_edition"] == "GB/T 19001-2016"
    assert "current edition is GB/T 19001-2016" in undated["note"]
    # an edition the catalog does not know, of a number it does
    missing = found["GB/T 19001-2000"]
    assert missing["status"] == "not_in_catalog"
    assert missing["note"] == "edition not in the catalog; current edition is GB/T 19001-2016"
    assert missing["current_edition"] == "GB/T 19001-2016"
    # a dual number is its Chinese standard, which adopts the international one IDT
    dual = found["GB/T 19001-2016/ISO 9001:2015"]
    assert (dual["code"], dual["status"], dual["adopted"], dual["degree"]) == (
        "GB/T 19001-2016",
        "current",
        "ISO 9001:2015",
        "IDT",
    )
    old = found["GB/T 19001-2008"]
    assert (old["status"], old["move_to"], old["adopted"]) == ("replaced", "GB/T 19001-2016", "ISO 9001:2008")


def test_an_undated_code_no_edition_of_which_is_current(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    found = answers(stdreg, "GB 9688")["GB 9688"]
    assert (found["status"], found["editions"], found["current_edition"]) == (
        "undated",
        ["GB 9688-1988"],
        None,
    )
    assert "none is current" in found["note"]


def test_a_code_that_does_not_parse_is_answered_beside_the_good_ones(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    run = stdreg("lookup", "见附件", "GB/T 13023-2018", "XX/T 1-2000", "--as-of", AS_OF, "-f", "json")
    assert run.exit_code == 0
    found = {a["input"]: a for a in run.json()}
    assert [a["status"] for a in run.json()] == ["invalid", "current", "invalid"]
    assert found["见附件"]["code"] is None
    assert found["见附件"]["note"].startswith("not a standard code: ")
    assert "1 current" in run.stderr and "2 not a code" in run.stderr


def test_no_code_that_parses_exits_3_and_writes_nothing(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    out = stdreg.cwd / "answers.json"
    run = stdreg("lookup", "见附件", "按客户要求", "-o", out)
    assert run.exit_code == 3
    assert "no standard code could be read" in run.stderr and "见附件" in run.stderr
    assert not out.exists()


def test_usage_errors(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    for args, words in (
        ((), "give standard codes"),
        (("GB 1-2000", "--file", "x.csv"), "not both"),
        (("GB 1-2000", "--column", "C"), "for --file"),
        (("GB 1-2000", "--as-of", "2024-13-01"), "not a date"),
    ):
        run = stdreg("lookup", *args)
        assert run.exit_code == 2, args
        assert words in run.stderr


def test_a_cell_of_several_codes_gives_each_its_own_answer(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    run = stdreg.ok(
        "lookup", "GB/T 13023-2018、GB 9688-1988；DB13/T\n5651.5-2023", "--as-of", AS_OF, "-f", "json"
    )
    assert [(a["input"], a["code"], a["status"]) for a in run.json()] == [
        ("GB/T 13023-2018", "GB/T 13023-2018", "current"),
        ("GB 9688-1988", "GB 9688-1988", "withdrawn"),
        ("DB13/T\n5651.5-2023", "DB13/T 5651.5-2023", "not_in_catalog"),
    ]


def test_codes_from_standard_input_one_a_line(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    result = CliRunner().invoke(
        app,
        ["--db", stdreg.db, "lookup", "-", "--as-of", AS_OF, "-f", "json"],
        input="GB/T 13023-2018\n\nGB 9688-1988、QB/T 1234-2000\n见附件\n",
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    assert [(a["row"], a["input"], a["status"]) for a in json.loads(result.stdout)] == [
        (1, "GB/T 13023-2018", "current"),
        (3, "GB 9688-1988", "withdrawn"),
        (3, "QB/T 1234-2000", "not_in_catalog"),
        (4, "见附件", "invalid"),
    ]


def test_the_table_says_each_status_in_words(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    run = stdreg.ok("lookup", "GB/T 13023-2008", "QB/T 1234-2000", "GB/T 13023-2018", "--as-of", AS_OF)
    lines = run.stdout.splitlines()
    assert lines[0] == f"截至 {AS_OF}"
    assert "被代替" in lines[3] and "GB/T 13023-2018" in lines[3]
    assert "目录中无" in lines[4] and "现行" not in lines[4] and "目录中无此标准" in lines[4]
    assert "现行" in lines[5]
    english = stdreg.ok("lookup", "QB/T 1234-2000", "--lang", "en", "--as-of", AS_OF).stdout
    assert "not in the catalog" in english


def test_a_csv_list_whose_code_column_has_an_import_header(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    listed = tmp_path / "list.csv"
    with open(listed, "w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["供应商标准清单"])
        writer.writerow(["序号", "产品", "执行标准编号"])
        writer.writerow(["1", "纸", "GB/T 13023-2008"])
        writer.writerow(["2", "布", ""])
        writer.writerow(["3", "衣", "gb9688-88"])
    run = stdreg.ok("lookup", "--file", listed, "--as-of", AS_OF, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(run.stdout.lstrip("\ufeff"))))
    assert [(r["row"], r["code"], r["status"], r["move_to"]) for r in rows] == [
        ("3", "GB/T 13023-2008", "replaced", "GB/T 13023-2018"),
        ("5", "GB 9688-1988", "withdrawn", ""),
    ]
    assert rows[0]["editions"] == "GB/T 13023-2008, GB/T 13023-2012, GB/T 13023-2018"


@pytest.mark.parametrize("column", ["编码", "B", "b"])
def test_column_names_the_code_column_by_header_or_letter(stdreg, tmp_path, column):
    setup(stdreg, tmp_path)
    listed = write_csv(
        tmp_path / "list.csv", [["纸", "GB/T 13023-2018"], ["布", "GB 9688-1988"]], ["产品", "编码"]
    )
    run = stdreg("lookup", "--file", listed, "--as-of", AS_OF, "-f", "json")
    assert run.exit_code == 3
    assert "list.csv: no code column found" in run.stderr and "--column" in run.stderr
    run = stdreg.ok("lookup", "--file", listed, "--column", column, "--as-of", AS_OF, "-f", "json")
    assert [(a["row"], a["status"]) for a in run.json()] == [(2, "current"), (3, "withdrawn")]


def test_a_list_file_that_cannot_be_read_is_one_clear_line(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    listed = write_csv(tmp_path / "list.csv", [["GB/T 13023-2018"]], ["标准号"])
    for args, words in (
        (("--file", tmp_path / "missing.xlsx"), "missing.xlsx: no such file"),
        (("--file", listed, "--column", "标准名称"), "list.csv: no column '标准名称'"),
        (("--file", tmp_path / "book.xlsx", "--sheet", "汇总"), "no sheet named '汇总'"),
    ):
        if "book.xlsx" in str(args[1]):
            _workbook(tmp_path / "book.xlsx")
        run = stdreg("lookup", *args)
        assert run.exit_code == 3, run.stderr
        assert words in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1


def _workbook(path):
    """An officer's list: a title row, a header, codes, text that looks like formulas, another sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "说明"
    sheet.append(["本表由企业填写"])
    listed = workbook.create_sheet("执行标准")
    listed.append(["某某纸业有限公司执行标准清单"])
    listed.merge_cells("A1:D1")
    listed.append(["序号", "产品名称", "标准号", "备注"])
    listed.append([1, "瓦楞纸", "GB/T 13023-2008", None])
    listed.append([2, "纸板", "GB/T 13023-2018、GB/T 19001-2016", None])
    listed.append([3, "包装", "见附件", None])
    listed.append([4, "说明书", "GB/T 19001", None])
    listed.append([5, "空", None, "不填"])
    for cell, text in (("D3", "=1+1"), ("D4", "+86 570"), ("D5", "@客户")):
        listed[cell].value = text
        listed[cell].data_type = "s"  # the user's text, not a formula
    listed["E7"] = "=SUM(A3:A7)"  # the user's own formula
    workbook.save(path)
    return path


def _cells(sheet):
    return {
        (cell.row, cell.column): (cell.value, cell.data_type)
        for line in sheet.iter_rows()
        for cell in line
        if cell.value is not None
    }


def test_the_workbook_is_written_back_with_the_answers_beside_its_columns(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    source = _workbook(tmp_path / "清单.xlsx")
    original = load_workbook(source)
    out = stdreg.cwd / "答复.xlsx"
    run = stdreg.ok("lookup", "--file", source, "--as-of", AS_OF, "-o", out)
    assert "written to" in run.stderr
    answered = load_workbook(out)
    assert answered.sheetnames == ["说明", "执行标准"]
    assert _cells(answered["说明"]) == _cells(original["说明"])
    sheet, before = answered["执行标准"], original["执行标准"]
    first = before.max_column + 1  # the answers begin after the sheet's last column (E)
    assert first == 6
    mine = {key: value for key, value in _cells(sheet).items() if key[1] < first}
    assert mine == _cells(before)  # every cell of the officer's, as it was
    assert sheet.merged_cells.ranges == before.merged_cells.ranges
    for cell in ("D3", "D4", "D5"):
        assert sheet[cell].data_type == "s" and sheet[cell].value == before[cell].value
    assert sheet["E7"].data_type == "f"
    headings = [sheet.cell(2, first + i).value for i in range(len(LOOKUP_FIELDS) - 2)]
    assert headings[:2] == ["标准号", "标准名称"] and "应改用" in headings and "说明" in headings
    column = {name: first + i for i, name in enumerate(LOOKUP_FIELDS[2:])}

    def answer(row, name):
        return sheet.cell(row, column[name]).value

    assert (answer(3, "code"), answer(3, "status"), answer(3, "move_to")) == (
        "GB/T 13023-2008",
        "被代替",
        "GB/T 13023-2018",
    )
    assert (answer(3, "products"), answer(3, "enterprises")) == (3, 2)
    # a cell of two codes: one line per code in each answer cell
    assert answer(4, "code") == "GB/T 13023-2018\nGB/T 19001-2016"
    assert answer(4, "status") == "现行\n现行"
    assert answer(5, "status") == "不是标准号"
    assert (answer(6, "status"), answer(6, "current_edition")) == ("未注年代号", "GB/T 19001-2016")
    assert answer(3, "note") == "应改用 GB/T 13023-2018"
    assert answer(7, "status") is None  # no code in the row, no answer
    # outdated rows are highlighted, unknown codes marked, current rows left plain
    fills = {r: sheet.cell(r, column["status"]).fill.start_color.rgb for r in (3, 4, 5, 6)}
    assert fills[3] == "00" + lookup.OUTDATED_FILL
    assert fills[5] == fills[6] == "00" + lookup.UNKNOWN_FILL
    assert sheet.cell(4, column["status"]).fill.fill_type is None
    early = stdreg.cwd / "2011.xlsx"
    stdreg.ok("lookup", "--file", source, "--as-of", "2011-01-01", "-o", early)
    assert load_workbook(early)["执行标准"].cell(3, column["status"]).fill.fill_type is None


def test_a_csv_list_written_back_keeps_its_text_as_text(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    listed = write_csv(
        tmp_path / "list.csv",
        [['=HYPERLINK("x")', "GB 9688-1988"], ["@a", "GB/T 13023-2018"]],
        ["备注", "标准号"],
    )
    out = stdreg.cwd / "out.xlsx"
    stdreg.ok("lookup", "--file", listed, "--as-of", AS_OF, "-o", out)
    sheet = load_workbook(out).active
    assert (sheet["A2"].value, sheet["A2"].data_type) == ('=HYPERLINK("x")', "s")
    assert (sheet["A3"].value, sheet["B1"].value) == ("@a", "标准号")
    assert sheet["C1"].value == "标准号" and sheet["C2"].value == "GB 9688-1988"


def test_the_list_itself_is_never_overwritten(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    source = _workbook(stdreg.cwd / "list.xlsx")
    before = source.read_bytes()
    run = stdreg("lookup", "--file", source, "-o", source)
    assert run.exit_code == 2 and "it is the input" in run.stderr
    assert source.read_bytes() == before


def test_a_plain_answer_workbook_without_a_list_file(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    out = stdreg.cwd / "a.xlsx"
    stdreg.ok("lookup", "GB/T 19001", "GB 9688-1988", "--as-of", AS_OF, "-o", out)
    sheet = load_workbook(out).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "原文" and len(values) == 3
    assert values[1][LOOKUP_FIELDS.index("editions")] == "GB/T 19001-2008, GB/T 19001-2016"


def test_the_second_sheet_is_found_by_its_code_column(stdreg, tmp_path):
    setup(stdreg, tmp_path)
    source = _workbook(tmp_path / "list.xlsx")
    found = stdreg.ok("lookup", "--file", source, "--as-of", AS_OF, "-f", "json").json()
    assert [(a["row"], a["input"]) for a in found][:2] == [(3, "GB/T 13023-2008"), (4, "GB/T 13023-2018")]
    run = stdreg("lookup", "--file", source, "--sheet", "说明")
    assert run.exit_code == 3 and "sheet 说明: no code column found" in run.stderr


def test_library_doctests():
    from stdreg.render import labels  # lookup's notes in Chinese

    assert doctest.testmod(lookup).failed == 0
    notes = doctest.testmod(labels)
    assert notes.attempted and notes.failed == 0


@given(
    st.sampled_from(["GB/T", "GB", "QB/T", "JC/T", "DB33/T", "T/ZZB", "ISO"]),
    st.integers(1, 99999),
    st.integers(1950, 2030),
)
def test_an_edition_without_its_year_is_the_undated_code(issuer, number, year):
    separator = ":" if issuer == "ISO" else "-"
    dated = parse(f"{issuer} {number}{separator}{year}")
    assert dated.year == year
    assert lookup.edition_base(dated.code, dated.year) == parse(f"{issuer} {number}").code


def test_an_annotated_code_is_answered_as_the_code_it_names(stdreg, tmp_path):
    """Codes written as officers annotate them on a form are read as the import reads them."""
    setup(stdreg, tmp_path)
    run = stdreg.ok("lookup", "GB 9688-1988（已作废）、执行GB/T 13023-2018", "--as-of", AS_OF, "-f", "json")
    assert [(a["code"], a["status"]) for a in run.json()] == [
        ("GB 9688-1988", "withdrawn"),
        ("GB/T 13023-2018", "current"),
    ]
