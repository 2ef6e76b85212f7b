"""Real township forms (SPEC.md, "Real township forms"): every row read as the officer meant it.

Each workbook is built here with openpyxl the way survey forms look: a merged title and a
填报单位 row, a two-row header, the enterprise merged down over its products, a 序号
column, 小计 / 合计 / 以下空白 / 填表说明 / 审核人 rows. Each test asserts the register
afterwards and the warnings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import org_code, uscc, write_csv

TITLE = "2013年度企业产品执行标准情况调查表"
PARENTS = ["序号", "企业名称", "统一社会信用代码", "产品名称", "执行标准", "执行标准", "采用国际标准",
           "采用国际标准", "2013年产值（万元）", "名牌称号", "规模以上企业（是/否）"]  # fmt: skip
CHILDREN = ["", "", "", "", "编号", "名称", "标准号", "程度", "", "", ""]


def enterprise(n: int, products: list[tuple[str, str, str, str, str]], **attributes: Any) -> dict[str, Any]:
    """Enterprise n with its products: (product, standard, title, adopted, degree)."""
    return {"n": n, "products": products, **attributes}


def township_sheet(sheet: Any, enterprises: list[dict[str, Any]], *, footer: bool = True) -> None:
    """A township's sheet: title, 填报单位, a two-row header, merged enterprises, totals, footer."""
    sheet.append([TITLE])
    sheet.merge_cells("A1:K1")
    sheet.append(["填报单位：（盖章）", None, None, None, None, None, None, "填报日期：2014年3月"])
    sheet.merge_cells("A2:F2")
    sheet.append(PARENTS)
    sheet.append(CHILDREN)
    for column in "ABCDIJK":  # headers merged down over the two header rows
        sheet.merge_cells(f"{column}3:{column}4")
    sheet.merge_cells("E3:F3")
    sheet.merge_cells("G3:H3")
    serial = 0
    for firm in enterprises:
        first = sheet.max_row + 1
        for i, (product, standard, title, adopted, degree) in enumerate(firm["products"]):
            serial += 1
            head = [f"企业{firm['n']}", uscc(firm["n"])] if i == 0 else [None, None]
            sheet.append([serial, *head, product, standard, title, adopted, degree,
                          firm.get("output", ""), firm.get("brand", ""), firm.get("size", "是")])  # fmt: skip
        last = sheet.max_row
        if last > first:
            sheet.merge_cells(f"B{first}:B{last}")
            sheet.merge_cells(f"C{first}:C{last}")
        if firm.get("subtotal"):
            sheet.append(["小计", None, None, None, None, None, None, None, firm.get("output", "")])
        if firm.get("blank_after"):
            sheet.append([""])  # a blank row inside the table
    for _ in range(2):  # the template's numbered rows left empty
        serial += 1
        sheet.append([serial])
    sheet.append(["合计", None, None, None, None, None, None, None, 999])
    sheet.append([None, "以下空白"])
    if footer:
        sheet.append(["填表说明：1. 一个产品执行多个标准的，用顿号隔开。"])
        sheet.merge_cells(f"A{sheet.max_row}:K{sheet.max_row}")
        sheet.append([None, None, None, None, None, "审核人：王五", None, "填表人：李四"])


def workbook(
    path: Path, sheets: dict[str, list[dict[str, Any]]], *, extra: dict[str, list[list[Any]]] | None = None
) -> Path:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name, enterprises in sheets.items():
        township_sheet(book.create_sheet(name), enterprises)
    book.create_sheet("Sheet2")  # left empty, as Excel's template has it: no warning
    for name, rows in (extra or {}).items():
        sheet = book.create_sheet(name)
        for values in rows:
            sheet.append(values)
    book.save(path)
    return path


def query(stdreg, year: int = 2013) -> list[dict[str, Any]]:
    return json.loads(stdreg.ok("query", "--year", str(year), "--format", "json").stdout)


def products(stdreg, year: int = 2013) -> set[tuple[Any, ...]]:
    return {(r["enterprise"], r["product"], r["standard"], r["township"]) for r in query(stdreg, year)}


def warnings_of(path: Path) -> dict[str, int]:
    sheet = openpyxl.load_workbook(path).worksheets[1]
    return {f"{r[1] or ''}|{r[2] or ''}|{r[3]}": r[4] for r in sheet.iter_rows(min_row=2, values_only=True)}


def rejects_of(path: Path) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return [tuple(r) for r in sheet.iter_rows(min_row=2, values_only=True)]


HUZHEN = [
    enterprise(1, [("牛皮纸", "GB/T 1234-2008", "牛皮纸", "ISO 536:2012", "IDT"),
                   ("瓦楞原纸", "GB/T 13023-2008", "瓦楞原纸", "", "")], output="1,250.5", brand="浙江名牌",
               subtotal=True),
    enterprise(2, [("竹筷", "LY/T 1-2008", "", "", "")], output="１２００", size="否", blank_after=True),
    enterprise(3, [("水泥", "GB 175-2007", "通用硅酸盐水泥", "", "")], output="200万元"),
]  # fmt: skip
LONGZHOU = [enterprise(4, [("地板", "GB/T 9846-2004", "", "", "")])]


def test_a_township_workbook_reads_every_product_of_every_sheet_in_one_batch(stdreg, tmp_path):
    path = workbook(tmp_path / "乡镇汇总.xlsx", {"湖镇镇": HUZHEN, "龙洲街道": LONGZHOU},
                    extra={"说明": [["本表由各乡镇填报"]]})  # fmt: skip
    run = stdreg.ok("import", path, "--year", "2013", "--json")
    assert products(stdreg) == {
        ("企业1", "牛皮纸", "GB/T 1234-2008", "湖镇镇"),
        ("企业1", "瓦楞原纸", "GB/T 13023-2008", "湖镇镇"),  # the merged enterprise filled down
        ("企业2", "竹筷", "LY/T 1-2008", "湖镇镇"),
        ("企业3", "水泥", "GB 175-2007", "湖镇镇"),
        ("企业4", "地板", "GB/T 9846-2004", "龙洲街道"),
    }
    assert stdreg.counts()["import_batch"] == 1
    summary = json.loads(run.stdout)
    assert summary["sheets"] == ["湖镇镇", "龙洲街道"]
    # 5 products; 2 numbered empty rows, 合计, 以下空白, 填表说明, 审核人 on each sheet; one 小计
    assert (summary["rows_read"], summary["rows_imported"], summary["rows_rejected"]) == (18, 5, 0)
    assert (summary["rows_ignored_blank"], summary["rows_ignored_total"]) == (4, 5)
    assert summary["rows_ignored_footer"] == 4
    assert summary["rows_read"] == summary["rows_imported"] + summary["rows_ignored"]
    # the terminal says it in words, every row accounted for
    assert (
        "读取 18 行，导入 5 行，忽略 13 行（空行 4 行、合计/小计行 5 行、表尾说明行 4 行），拒绝 0 行"
        in run.stderr
    )
    assert "读取的工作表：湖镇镇、龙洲街道" in run.stderr
    again = stdreg.ok("import", path, "--year", "2013")  # the repeat accounts for its rows the same way
    assert "读取 18 行，导入 5 行，忽略 13 行" in again.stderr and "与批次 1 是同一文件" in again.stderr
    warnings = warnings_of(stdreg.cwd / "乡镇汇总.xlsx.warnings.xlsx")
    assert "|说明|sheet without a register header skipped" in warnings
    assert not any("Sheet2" in key for key in warnings)
    assert "乡镇|湖镇镇|no township column: the sheet's name is taken as its rows' township" in warnings
    assert warnings["||total, subtotal or end-of-table row (合计/小计/总计/以下空白) ignored"] == 5
    assert warnings["||footer row (填表说明/填表人/审核人/注：…) ignored"] == 4


def test_the_two_row_header_maps_children_with_their_parents(stdreg, tmp_path):
    stdreg.ok("import", workbook(tmp_path / "f.xlsx", {"湖镇镇": HUZHEN}), "--year", "2013")
    rows = {r["product"]: r for r in query(stdreg)}
    paper = rows["牛皮纸"]
    assert (paper["standard"], paper["standard_title"]) == ("GB/T 1234-2008", "牛皮纸")
    assert (paper["adopted"], paper["degree"], paper["adopting"]) == ("ISO 536:2012", "IDT", True)
    assert rows["水泥"]["standard_title"] == "通用硅酸盐水泥"


def test_headers_with_years_qualifiers_and_variants_and_numbers_typed_as_text(stdreg, tmp_path):
    stdreg.ok("import", workbook(tmp_path / "f.xlsx", {"湖镇镇": HUZHEN}), "--year", "2013")
    rows = {r["product"]: r for r in query(stdreg)}
    assert rows["牛皮纸"]["output_value"] == 1250.5  # 2013年产值（万元）: 1,250.5
    assert rows["竹筷"]["output_value"] == 1200  # full-width digits
    assert rows["水泥"]["output_value"] == 200  # 200万元
    assert rows["牛皮纸"]["brand"] == "浙江名牌"  # 名牌称号
    assert (rows["牛皮纸"]["size"], rows["竹筷"]["size"]) == ("above", "below")  # 规模以上企业（是/否）


def test_variant_spellings_of_headers(stdreg, tmp_path):
    headers = [
        "企业名称",
        "统一社会信用代码（或组织机构代码）",
        "所属乡镇（街道）",
        "产品名称",
        "执行标准",
        "品牌",
    ]
    path = write_csv(
        tmp_path / "v.csv", [["企业1", uscc(1), "湖镇镇", "纸", "GB/T 1-2008", "衢州名牌"]], headers
    )
    run = stdreg.ok("import", path, "--year", "2013")
    assert "未识别的列" not in run.stderr
    [found] = query(stdreg)
    assert (found["township"], found["brand"]) == ("湖镇镇", "衢州名牌")


def test_an_unknown_column_is_named_on_the_terminal(stdreg, tmp_path):
    headers = ["企业名称", "统一社会信用代码", "产品名称", "执行标准", "联系电话"]
    path = write_csv(tmp_path / "u.csv", [["企业1", uscc(1), "纸", "GB/T 1-2008", "123"]], headers)
    assert "未识别的列（已忽略）：联系电话" in stdreg.ok("import", path, "--year", "2013").stderr
    run = stdreg.ok("import", path, "--year", "2014", "--lang", "en")
    assert "unknown columns ignored: 联系电话" in run.stderr
    assert "1 rows read, 1 imported, 0 rejected" in run.stderr
    assert "products: 0 added, 0 changed, 1 unchanged" in run.stderr


def test_a_sheet_named_otherwise_gives_no_township(stdreg, tmp_path):
    stdreg.ok("import", workbook(tmp_path / "f.xlsx", {"Sheet1": LONGZHOU}), "--year", "2013")
    assert products(stdreg) == {("企业4", "地板", "GB/T 9846-2004", None)}


def test_sheet_is_repeatable_and_another_sheet_is_not_a_repeat(stdreg, tmp_path):
    path = workbook(tmp_path / "f.xlsx", {"湖镇镇": HUZHEN, "龙洲街道": LONGZHOU, "詹家镇": [
        enterprise(5, [("竹席", "LY/T 5-2010", "", "", "")])]})  # fmt: skip
    stdreg.ok("import", path, "--year", "2013", "--sheet", "龙洲街道")
    assert {p[0] for p in products(stdreg)} == {"企业4"}
    run = stdreg.ok("import", path, "--year", "2013", "--sheet", "湖镇镇", "--sheet", "詹家镇")
    assert "同一文件" not in run.stderr
    assert {p[0] for p in products(stdreg)} == {"企业1", "企业2", "企业3", "企业4", "企业5"}
    # the same choice of sheets again is the repeat
    again = stdreg.ok("import", path, "--year", "2013", "--sheet", "詹家镇", "--sheet", "湖镇镇")
    assert "与批次 2 是同一文件" in again.stderr
    run = stdreg("import", path, "--year", "2013", "--sheet", "城南")
    assert run.exit_code == 3 and "no sheet named '城南'" in run.stderr
    text = write_csv(
        tmp_path / "t.csv",
        [["企业1", uscc(1), "纸", "GB/T 1-2008"]],
        ["企业名称", "统一社会信用代码", "产品名称", "执行标准"],
    )
    run = stdreg("import", text, "--year", "2013", "--sheet", "湖镇镇")
    assert run.exit_code == 3 and "--sheet names sheets of a workbook" in run.stderr


def test_total_and_footer_rows_never_block_a_file(stdreg, tmp_path):
    """以下空白 / 合计 in the enterprise column, a 审核人 row on a sheet without a township column."""
    headers = ["企业名称", "统一社会信用代码", "产品名称", "执行标准"]
    rows = [["企业1", uscc(1), "纸", "GB/T 1-2008"], ["合  计", "", "", ""], ["以下空白", "", "", ""],
            ["", "", "小计", ""], ["注：本表一式两份", "", "", ""],
            ["审核人：王五", "", "", "填表日期：2014.3"]]  # fmt: skip
    run = stdreg.ok("import", write_csv(tmp_path / "t.csv", rows, headers), "--year", "2013", "--json")
    summary = json.loads(run.stdout)
    assert (summary["rows_imported"], summary["rows_ignored_total"], summary["rows_ignored_footer"]) == (
        1,
        3,
        2,
    )
    assert products(stdreg) == {("企业1", "纸", "GB/T 1-2008", None)}


def test_an_organization_code_in_the_uscc_column(stdreg, tmp_path):
    headers = ["企业名称", "统一社会信用代码", "产品名称", "执行标准"]
    code = org_code(7)
    path = write_csv(tmp_path / "o.csv", [["企业7", f"{code[:8]}-{code[8]}", "纸", "GB/T 1-2008"]], headers)
    stdreg.ok("import", path, "--year", "2013")
    [found] = query(stdreg)
    assert (found["uscc"], found["org_code"]) == (None, code)
    warnings = warnings_of(stdreg.cwd / "o.csv.warnings.xlsx")
    assert any("organization code in the USCC column" in key for key in warnings)
    # the USCC that embeds it, later, is the same enterprise
    later = write_csv(tmp_path / "p.csv", [["企业7", uscc(7), "纸", "GB/T 1-2008"]], headers)
    stdreg.ok("import", later, "--year", "2014")
    assert stdreg.counts()["enterprise"] == 1


def test_a_bad_organization_code_in_the_uscc_column_is_the_one_bad_row(stdreg, tmp_path):
    headers = ["企业名称", "统一社会信用代码", "产品名称", "执行标准"]
    rows = [["企业1", uscc(1), "纸", "GB/T 1-2008"], ["企业7", "12345678-0", "布", "GB/T 2-2008"]]
    run = stdreg("import", write_csv(tmp_path / "b.csv", rows, headers), "--year", "2013")
    assert run.exit_code == 3
    [bad] = rejects_of(stdreg.cwd / "b.csv.rejects.xlsx")
    assert bad[2:5] == (3, "统一社会信用代码", "12345678-0")
    assert stdreg.counts()["product"] == 0


def test_an_xls_workbook_is_read_like_an_xlsx(stdreg, tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("湖镇镇")
    sheet.write_merge(0, 0, 0, 4, TITLE)
    for column, name in enumerate(["序号", "企业名称", "统一社会信用代码", "产品名称", "执行标准"]):
        sheet.write(1, column, name)
    sheet.write_merge(2, 3, 1, 1, "企业1")  # merged over its two products
    sheet.write_merge(2, 3, 2, 2, uscc(1))
    for offset, (product, code) in enumerate([("纸", "GB/T 1-2008"), ("布", "GB/T 2-2008")]):
        sheet.write(2 + offset, 0, offset + 1)
        sheet.write(2 + offset, 3, product)
        sheet.write(2 + offset, 4, code)
    sheet.write(4, 0, "合计")
    book.add_sheet("说明").write(0, 0, "填表说明")
    book.save(str(tmp_path / "old.xls"))
    stdreg.ok("import", tmp_path / "old.xls", "--year", "2013")
    assert products(stdreg) == {
        ("企业1", "纸", "GB/T 1-2008", "湖镇镇"),
        ("企业1", "布", "GB/T 2-2008", "湖镇镇"),
    }


def test_the_rejects_workbook_is_made_for_the_officer(stdreg, tmp_path):
    bad = [enterprise(8, [("毛巾", "GB/T 22864-2009", "", "", ""), ("浴巾", "-5", "", "", "")])]
    path = workbook(tmp_path / "r.xlsx", {"湖镇镇": HUZHEN, "詹家镇": bad})
    run = stdreg("import", path, "--year", "2013")
    assert run.exit_code == 3
    assert "sheet '詹家镇': row 6, column 执行标准/编号: '-5'" in run.stderr
    assert stdreg.counts()["product"] == 0
    book = openpyxl.load_workbook(stdreg.cwd / "r.xlsx.rejects.xlsx")
    sheet = book.worksheets[0]
    [row] = rejects_of(stdreg.cwd / "r.xlsx.rejects.xlsx")
    file, name, number, column, value, reason_zh, reason, firm, product = row
    assert (file, name, number, column, value) == ("r.xlsx", "詹家镇", 6, "执行标准/编号", "-5")
    assert (firm, product) == ("企业8", "浴巾")  # the merged enterprise, filled down
    assert reason_zh == "不是有效的标准编号" and reason.startswith("not a standard code")
    assert sheet["E2"].quotePrefix  # shown as typed, kept text, no stray quote
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:I2"
    assert sheet.column_dimensions["G"].width >= 40


def test_adoption_on_a_row_of_several_standards_is_a_warning_unread(stdreg, tmp_path):
    headers = ["企业名称", "统一社会信用代码", "产品名称", "执行标准", "采用国际标准", "一致性程度"]
    rows = [["企业1", uscc(1), "纸", "GB/T 1-2008、GB/T 2-2008", "见附件", "差不多"],
            ["企业1", uscc(1), "布", "GB/T 3-2008；GB/T 4-2008", "CISPR", ""]]  # fmt: skip
    stdreg.ok("import", write_csv(tmp_path / "a.csv", rows, headers), "--year", "2013")
    assert len(query(stdreg)) == 4
    warnings = warnings_of(stdreg.cwd / "a.csv.warnings.xlsx")
    attributed = [k for k in warnings if "cannot be attributed" in k]
    assert {k.split("|")[1] for k in attributed} == {"见附件", "CISPR"}


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_nul_is_a_bad_row_in_every_format(stdreg, tmp_path, fmt):
    good = {"企业名称": "企业1", "统一社会信用代码": uscc(1), "产品名称": "纸", "执行标准": "GB/T 1-2008"}
    rows = [good] * 25 + [{**good, "产品名称": "布\x00布"}]
    path = tmp_path / f"n.{fmt}"
    if fmt == "csv":
        write_csv(path, [list(r.values()) for r in rows], list(good))
    else:
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    run = stdreg("import", path, "--year", "2013")
    assert run.exit_code == 3
    [bad] = rejects_of(stdreg.cwd / f"n.{fmt}.rejects.xlsx")
    assert bad[2] == 27 if fmt == "csv" else bad[2] == 26
    assert bad[3] == "产品名称" and "U+0000" in bad[6]
    assert stdreg.counts()["product"] == 0
    stdreg.ok("import", path, "--year", "2013", "--skip-invalid")
    assert stdreg.counts()["product"] == 1  # the 25 good rows are one product


def test_a_row_wider_than_excel_is_refused(stdreg, tmp_path):
    headers = ["企业名称", "统一社会信用代码", "产品名称", "执行标准"]
    path = write_csv(
        tmp_path / "w.csv", [["企业1", uscc(1), "纸", "GB/T 1-2008", *(["x"] * 16_400)]], headers
    )
    run = stdreg("import", path, "--year", "2013")
    assert run.exit_code == 3 and "row 2: 16,404 cells, more than Excel's 16,384 columns" in run.stderr
    assert stdreg.counts()["product"] == 0


def test_a_run_of_blank_rows_is_bounded(stdreg, tmp_path, monkeypatch):
    from stdreg.ingest import readers
    from stdreg.ingest.service import import_file
    from stdreg.store import open_register

    monkeypatch.setattr(readers, "MAX_BLANK_RUN", 100)
    headers = ["企业名称", "统一社会信用代码", "产品名称", "执行标准"]
    path = write_csv(
        tmp_path / "b.csv", [["企业1", uscc(1), "纸", "GB/T 1-2008"], *([[""] * 4] * 150)], headers
    )
    register = open_register(stdreg.db)
    try:
        with pytest.raises(readers.InputError, match="more than 100 blank rows in a row after row 2"):
            import_file(register, path, as_of=__import__("datetime").date(2013, 12, 31))
    finally:
        register.dispose()


def test_a_placeholder_standard_is_a_product_without_standard(stdreg, tmp_path):
    headers = ["企业名称", "统一社会信用代码", "产品名称", "执行标准"]
    marks = [("纸", "无"), ("布", "/"), ("竹", "-"), ("木", "—"), ("瓦", " 暂无 "), ("砖", "GB/T 1-2008")]
    rows = [["企业1", uscc(1), name, mark] for name, mark in marks]
    stdreg.ok("import", write_csv(tmp_path / "p.csv", rows, headers), "--year", "2013")
    totals = stdreg.report(2013)["totals"]
    assert (totals["products"], totals["products_without_standard"]) == (6, 5)
    assert {r["standard"] for r in query(stdreg)} == {None, "GB/T 1-2008"}


def test_another_sheet_gets_a_rejects_file_of_its_own(stdreg, tmp_path):
    bad = [enterprise(8, [("浴巾", "见附件", "", "", "")])]
    path = workbook(tmp_path / "s.xlsx", {"湖镇镇": bad, "詹家镇": bad})
    for name in ("湖镇镇", "詹家镇"):
        assert stdreg("import", path, "--year", "2013", "--sheet", name).exit_code == 3
        [row] = rejects_of(stdreg.cwd / f"s.xlsx.{name}.rejects.xlsx")
        assert row[1] == name


# --- the header finder, on any arrangement of a form's header ---------------------------------

_FIELDS = {
    "enterprise": "企业名称", "uscc": "统一社会信用代码（或组织机构代码）", "product": "产品名称",
    "output_value": "2013年产值（万元）", "brand": "名牌称号", "size": "规模以上企业（是/否）",
    "township": "所属乡镇（街道）", "serial": "序号",
}  # fmt: skip
_GROUPS = {  # parent → its children and their fields
    "执行标准": (("编号", "standard"), ("名称", "standard_title")),
    "采用国际标准": (("标准号", "adopted"), ("程度", "degree")),
}


@settings(max_examples=200, deadline=None)
@given(
    order=st.permutations([*_FIELDS, *_GROUPS]),
    titles=st.integers(min_value=0, max_value=5),
    offset=st.integers(min_value=0, max_value=3),
)
def test_a_two_row_header_is_found_and_mapped_in_any_order(order, titles, offset):
    from stdreg.ingest.headers import find_header

    parents: list[Any] = [None] * offset
    children: list[Any] = [None] * offset
    expected: dict[int, str] = {}
    for name in order:
        if name in _GROUPS:
            for child, field in _GROUPS[name]:
                expected[len(parents)] = field
                parents.append(name)  # a merged parent reads in each of its columns
                children.append(child)
        else:
            expected[len(parents)] = name
            parents.append(_FIELDS[name])
            children.append(_FIELDS[name])  # merged down over both header rows
    rows = [[TITLE]] * titles + [["填报单位：湖镇镇"], parents, children, [1, "企业1", uscc(1), "纸"]]
    header = find_header(rows)
    assert header is not None
    assert header.row_number == titles + 3  # the header's last row
    assert header.columns == expected
    assert header.unknown == []


def test_annotated_codes_are_read_and_the_annotation_is_a_warning(stdreg, tmp_path):
    headers = ["企业名称", "统一社会信用代码", "产品名称", "执行标准"]
    cells = ["GB/T 1234-2008（已作废）", "JB/T 7041-2006（代替JB/T 7041-1993）",
             "GB/T 12345-2008（2013年确认）",
             "执行GB/T 24823-2009", "按GB 2760-2014"]  # fmt: skip
    rows = [["企业1", uscc(1), f"产品{i}", cell] for i, cell in enumerate(cells)]
    stdreg.ok("import", write_csv(tmp_path / "a.csv", rows, headers), "--year", "2015")
    assert {r["standard"] for r in query(stdreg, 2015)} == {
        "GB/T 1234-2008", "JB/T 7041-2006", "GB/T 12345-2008", "GB/T 24823-2009", "GB 2760-2014"}  # fmt: skip
    warnings = warnings_of(stdreg.cwd / "a.csv.warnings.xlsx")
    dropped = {key.split("|")[1] for key in warnings if "dropped" in key}
    assert dropped == set(cells)
    assert any("已作废" in key and "status comes from the catalog" in key for key in warnings)


def test_an_inline_adoption_is_the_standards_adoption(stdreg, tmp_path):
    headers = ["企业名称", "统一社会信用代码", "产品名称", "执行标准"]
    rows = [["企业1", uscc(1), "体系", "GB/T 19001-2016 idt ISO 9001:2015"],
            ["企业1", uscc(1), "设备", "GB 4943.1-2011 (IEC 60950-1:2005, MOD)"]]  # fmt: skip
    stdreg.ok("import", write_csv(tmp_path / "i.csv", rows, headers), "--year", "2016")
    found = {r["product"]: (r["standard"], r["adopted"], r["degree"]) for r in query(stdreg, 2016)}
    assert found == {
        "体系": ("GB/T 19001-2016", "ISO 9001:2015", "IDT"),
        "设备": ("GB 4943.1-2011", "IEC 60950-1:2005", "MOD"),
    }


@pytest.mark.parametrize("words", ["企业标准", "见附件", "按客户要求"])
def test_words_without_a_code_are_the_one_bad_row(stdreg, tmp_path, words):
    headers = ["企业名称", "统一社会信用代码", "产品名称", "执行标准"]
    rows = [["企业1", uscc(1), "纸", "GB/T 1-2008"], ["企业2", uscc(2), "布", words]]
    run = stdreg("import", write_csv(tmp_path / "w.csv", rows, headers), "--year", "2013")
    assert run.exit_code == 3 and "names no standard code" in run.stderr
    [bad] = rejects_of(stdreg.cwd / "w.csv.rejects.xlsx")
    assert bad[2:7] == (
        3,
        "执行标准",
        words,
        "未写明标准编号（请查明标准号后填写）",
        "names no standard code",
    )
    assert stdreg.counts()["product"] == 0
