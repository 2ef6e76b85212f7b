"""`stdreg import`: formats, messy files, bad rows, dates, --complete, identity linking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from builders import HEADERS, org_code, row, uscc, write_csv, write_jsonl, write_xlsx


def standards_in(stdreg) -> set[str]:
    return {r[0] for r in stdreg.sql("SELECT code FROM standard")}


def rejects_of(path: Path) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(path)
    return [tuple(r) for r in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)]


def warnings_of(path: Path) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(path)
    return [tuple(r) for r in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)]


BASIC = [
    row(1, "瓦楞原纸", "GB/T 13023-2008", output="1,234.5", brand="浙江名牌"),
    row(1, "特种纸", "QB/T 1012-2010", adopted="ISO 536:2012", degree="IDT"),
    row(2, "竹筷", "", township="詹家镇", industry="竹制品", size="规下"),
    row(3, "水泥", "GB 175-2007", township="龙洲街道", industry="建材"),
]


def test_xlsx_with_title_rows_and_merged_cells(stdreg, tmp_path):
    path = write_xlsx(tmp_path / "register.xlsx", BASIC)
    run = stdreg.ok("import", path, "--year", "2011")
    assert "读取 4 行，导入 4 行" in run.stderr and "拒绝 0 行" in run.stderr
    totals = stdreg.report(2011)["totals"]
    assert totals["enterprises"] == 3
    assert totals["products"] == 4
    assert totals["products_without_standard"] == 1
    assert totals["adopting_products"] == 1
    assert totals["adoption_rate"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_in_every_encoding(stdreg, tmp_path, encoding):
    path = write_csv(tmp_path / "register.csv", BASIC, encoding=encoding, title="龙游县2011年度")
    stdreg.ok("import", path, "--year", "2011")
    assert stdreg.report(2011)["totals"]["products"] == 4


def test_tsv_and_jsonl_give_the_same_register(stdreg, tmp_path):
    write_csv(tmp_path / "a.tsv", BASIC, delimiter="\t")
    records = [dict(zip(HEADERS, values, strict=True)) for values in BASIC]
    records[0]["uscc"] = records[0].pop("统一社会信用代码")  # English aliases work as keys too
    write_jsonl(tmp_path / "b.jsonl", records)
    stdreg.ok("import", tmp_path / "a.tsv", "--year", "2011")
    first = stdreg.report(2011)
    stdreg.ok("import", tmp_path / "b.jsonl", "--year", "2011")
    assert stdreg.report(2011)["totals"] == first["totals"]


def test_messy_codes_are_normalized(stdreg, tmp_path):
    rows = [
        row(1, "纸A", "ＧＢ／Ｔ １３０２３－２００８"),
        row(1, "纸B", "gbt13023—2008"),
        row(1, "纸C", "GB/T 1234-2008、ISO 536-2019；Q/LYHD 001-2008"),
        row(1, "纸D", "DB13/T\n5651.5-2023"),
        row(1, "纸E", "GB/T 19001-2016/ISO 9001:2015"),
        row(1, "纸F", "GB 1234-89"),
    ]
    stdreg.ok("import", write_xlsx(tmp_path / "messy.xlsx", rows), "--year", "2024")
    assert standards_in(stdreg) == {
        "GB/T 13023-2008",
        "GB/T 1234-2008",
        "ISO 536:2019",
        "Q/LYHD 001-2008",
        "DB13/T 5651.5-2023",
        "GB/T 19001-2016",
        "GB 1234-1989",
    }
    report = stdreg.report(2024)
    # the dual number adopts ISO 9001 IDT; ISO 536 is itself international
    assert report["totals"]["adopting_products"] == 2


def test_a_dual_number_is_its_chinese_standard_adopting_the_other_idt(stdreg, tmp_path):
    rows = [row(1, "纸", "GB/T 19001-2016/ISO 9001:2015"), row(2, "布", "GB/T 19001-2016")]
    stdreg.ok("import", write_csv(tmp_path / "r.csv", rows), "--year", "2017")
    assert stdreg.sql("SELECT code, adopted_code, degree FROM standard") == [
        ("GB/T 19001-2016", "ISO 9001:2015", "IDT")
    ]
    assert stdreg.report(2017)["totals"]["adopting_products"] == 2


def test_thousands_separators_and_units_in_numbers(stdreg, tmp_path):
    rows = [
        row(1, "纸", "GB/T 1234-2008", output="1,234.5", adopted="ISO 536:2012", degree="等同采用"),
        row(2, "布", "GB/T 1235-2008", output="12 万元"),
    ]
    stdreg.ok("import", write_csv(tmp_path / "r.csv", rows), "--year", "2012")
    totals = stdreg.report(2012)["totals"]
    assert totals["output_value_with_standard"] == pytest.approx(1246.5)
    assert totals["adoption_rate_by_output_value"] == pytest.approx(1234.5 / 1246.5)


BAD_ROWS = [
    (
        "uscc checksum",
        dict(uscc_override=uscc(5)[:-1] + ("0" if uscc(5)[-1] != "0" else "1")),
        "统一社会信用代码",
    ),
    ("15-digit registration number", dict(uscc_override="330825000012345"), "统一社会信用代码"),
    ("org code contradicts uscc", dict(org_override=org_code(6)), "组织机构代码"),
    ("missing enterprise", dict(name_override=""), "企业名称"),
    ("missing product", dict(product_override=""), "产品名称"),
    ("not a standard code", dict(standard_override="见附件"), "执行标准"),
    ("bare prefix", dict(standard_override="GB/T"), "执行标准"),
    ("one bad code among good", dict(standard_override="GB/T 1234-2008、国际标准钢管"), "执行标准"),
    ("bad output value", dict(output_override="很多"), "产值（万元）"),
    ("bad degree", dict(degree_override="差不多"), "一致性程度"),
    ("bad size", dict(size_override="中型"), "规模"),
    ("no identity", dict(uscc_override="", org_override=""), "统一社会信用代码"),
]


def _bad_row(kind: dict[str, str]) -> list[Any]:
    values = row(5, "坏产品", "GB/T 1234-2008", adopted="ISO 536:2012", degree="IDT")
    positions = {
        "name_override": 0,
        "uscc_override": 1,
        "org_override": 2,
        "size_override": 5,
        "product_override": 6,
        "standard_override": 7,
        "degree_override": 9,
        "output_override": 10,
    }
    for key, value in kind.items():
        values[positions[key]] = value
    return values


@pytest.mark.parametrize(("label", "change", "column"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_each_kind_of_bad_row_rejects_the_file_and_writes_nothing(stdreg, tmp_path, label, change, column):
    stdreg.ok("import", write_csv(tmp_path / "before.csv", BASIC), "--year", "2010")
    before = stdreg.dump()
    path = write_xlsx(tmp_path / "bad.xlsx", [*BASIC, _bad_row(change)])
    run = stdreg("import", path, "--year", "2011")
    assert run.exit_code == 3, run.stderr
    assert "nothing imported" in run.stderr
    assert stdreg.dump() == before
    rejects = rejects_of(stdreg.cwd / "bad.xlsx.rejects.xlsx")
    assert len(rejects) == 1
    file, sheet, number, col, value, reason_zh, reason, enterprise, product = rejects[0]
    assert (file, sheet) == ("bad.xlsx", "Sheet")
    # the row's enterprise and product, for context (blank when the bad cell is that one)
    assert product == (None if label == "missing product" else "坏产品")
    assert bool(enterprise) is (label != "missing enterprise")
    assert reason_zh
    assert number == 9  # title, subtitle, blank row, the header on row 4, 4 good rows
    assert col == column
    assert reason
    assert str(number) in run.stderr and column in run.stderr


def test_skip_invalid_writes_the_good_rows(stdreg, tmp_path):
    path = write_csv(tmp_path / "mixed.csv", [*BASIC, _bad_row({"standard_override": "见附件"})])
    run = stdreg("import", path, "--year", "2011", "--skip-invalid", "--rejects", tmp_path / "out.xlsx")
    assert run.exit_code == 0
    assert "拒绝 1 行" in run.stderr
    assert stdreg.report(2011)["totals"]["products"] == 4
    assert len(rejects_of(tmp_path / "out.xlsx")) == 1


def test_skip_invalid_with_no_good_row_exits_3(stdreg, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [_bad_row({"standard_override": "见附件"})])
    assert stdreg("import", path, "--year", "2011", "--skip-invalid").exit_code == 3
    assert stdreg.counts()["execution"] == 0


def test_rejects_that_cannot_be_written_stop_the_import(stdreg, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    path = write_csv(tmp_path / "mixed.csv", [*BASIC, _bad_row({"standard_override": "见附件"})])
    run = stdreg("import", path, "--skip-invalid", "--rejects", blocker / "rejects.xlsx")
    assert run.exit_code == 1
    assert "nothing was imported" in run.stderr
    assert stdreg.counts()["product"] == 0


def test_reimporting_the_same_file_changes_nothing(stdreg, tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", BASIC)
    stdreg.ok("import", path, "--year", "2011")
    before = stdreg.dump()
    run = stdreg.ok("import", path, "--year", "2011")
    assert "新增 0 个产品、变更 0、未变 4" in run.stderr
    after = stdreg.dump()
    del before["import_batch"], after["import_batch"]
    assert after == before


def test_an_import_repeated_at_once_is_recognised_and_recorded(stdreg, tmp_path):
    path = write_csv(tmp_path / "r.csv", BASIC)
    stdreg.ok("import", path, "--year", "2011")
    run = stdreg.ok("import", path, "--year", "2011")
    assert "与批次 1 是同一文件、同一日期" in run.stderr
    assert "新增 0 个产品、变更 0、未变 4" in run.stderr
    assert stdreg.counts()["import_batch"] == 2
    # another date is a real import again
    assert "批次 3" in stdreg.ok("import", path, "--year", "2012").stderr
    assert stdreg.report(2012)["totals"]["products"] == 4


def test_the_same_file_after_another_write_is_imported_again(stdreg, tmp_path):
    first = write_csv(tmp_path / "a.csv", [row(1, "纸", "GB/T 1-2008", township="湖镇镇")])
    second = write_csv(tmp_path / "b.csv", [row(1, "纸", "GB/T 1-2008", township="龙洲街道")])
    stdreg.ok("import", first, "--year", "2011")
    stdreg.ok("import", second, "--year", "2011")
    run = stdreg.ok("import", first, "--year", "2011")
    assert "same file" not in run.stderr
    assert stdreg.report(2011)["by_township"][0]["key"] == "湖镇镇"


def test_reimporting_after_other_files_changes_nothing(stdreg, tmp_path):
    first = write_xlsx(tmp_path / "2011.xlsx", BASIC)
    stdreg.ok("import", first, "--year", "2011")
    stdreg.ok("import", write_csv(tmp_path / "2012.csv", [row(9, "布", "GB/T 9-2012")]), "--year", "2012")
    before = stdreg.dump()
    run = stdreg.ok("import", first, "--year", "2011")
    assert "same file" not in run.stderr  # read and applied in full
    assert "新增 0 个产品、变更 0、未变 4" in run.stderr
    after = stdreg.dump()
    del before["import_batch"], after["import_batch"]
    assert after == before


def test_dry_run_writes_nothing(stdreg, tmp_path):
    run = stdreg.ok("import", write_csv(tmp_path / "r.csv", BASIC), "--year", "2011", "--dry-run")
    assert "将导入 4 行" in run.stderr
    assert stdreg.counts()["product"] == 0
    assert stdreg.counts()["import_batch"] == 0


def test_warnings_are_collapsed_and_do_not_change_the_exit_code(stdreg, tmp_path):
    headers = [*HEADERS, "备注"]
    rows = [[*row(1, f"纸{i}", "GB/T 1234-2030"), "x"] for i in range(3)]
    rows.append([*row(2, "布", "GB/T 1-2008、GB/T 2-2008", adopted="ISO 1:2000", degree="IDT"), ""])
    stdreg.ok("import", write_csv(tmp_path / "w.csv", rows, headers), "--year", "2011")
    warnings = warnings_of(stdreg.cwd / "w.csv.warnings.xlsx")
    messages = {(w[1], w[3]) for w in warnings}
    assert ("备注", "unknown column ignored") in messages
    assert any("later than the as-of date" in m for _, m in messages)
    assert any("cannot be attributed" in m for _, m in messages)
    future = [w for w in warnings if "later than" in w[3]]
    assert len(future) == 1  # one line per distinct value


def test_org_code_then_uscc_is_one_enterprise(stdreg, tmp_path):
    stdreg.ok(
        "import",
        write_csv(tmp_path / "2011.csv", [row(1, "纸", "GB/T 1-2008", by_org_code=True)]),
        "--year",
        "2011",
    )
    stdreg.ok("import", write_csv(tmp_path / "2012.csv", [row(1, "纸", "GB/T 1-2008")]), "--year", "2012")
    assert stdreg.counts()["enterprise"] == 1
    assert stdreg.sql("SELECT uscc, org_code FROM enterprise") == [(uscc(1), org_code(1))]
    assert stdreg.report(2012)["totals"]["enterprises"] == 1


def test_uscc_then_org_code_is_one_enterprise(stdreg, tmp_path):
    stdreg.ok("import", write_csv(tmp_path / "2011.csv", [row(1, "纸", "GB/T 1-2008")]), "--year", "2011")
    formatted = org_code(1)[:8] + "-" + org_code(1)[8]
    values = row(1, "布", "GB/T 2-2008", by_org_code=True)
    values[2] = formatted
    stdreg.ok("import", write_csv(tmp_path / "2012.csv", [values]), "--year", "2012")
    assert stdreg.counts()["enterprise"] == 1
    assert stdreg.report(2012)["totals"]["products"] == 2


def test_a_later_year_does_not_change_an_earlier_report(stdreg, tmp_path):
    stdreg.ok("import", write_csv(tmp_path / "2011.csv", BASIC), "--year", "2011")
    before = stdreg.report(2011)
    later = [
        row(1, "瓦楞原纸", "GB/T 13023-2008", township="龙洲街道", size="规下"),
        row(4, "竹地板", "LY/T 1-2008", industry="竹制品"),
        row(3, "水泥", "GB 175-2007、ISO 9001:2008", township="龙洲街道", industry="建材"),
    ]
    stdreg.ok("import", write_csv(tmp_path / "2012.csv", later), "--year", "2012")
    assert stdreg.report(2011) == {**before, "previous_year": before["previous_year"]}
    after = stdreg.report(2012)
    assert after["totals"]["products"] == 5
    townships = {b["key"]: b["products"] for b in after["by_township"]}
    assert townships == {"龙洲街道": 3, "湖镇镇": 1, "詹家镇": 1}
    assert after["previous_year"]["totals"] == before["totals"]


def test_complete_drops_what_the_file_leaves_out_from_its_date(stdreg, tmp_path):
    first = [
        row(1, "纸", "GB/T 1-2008、GB/T 2-2008"),
        row(1, "布", "GB/T 3-2008"),
        row(2, "竹", "LY/T 1-2008"),
    ]
    stdreg.ok("import", write_csv(tmp_path / "2011.csv", first), "--year", "2011")
    run = stdreg.ok(
        "import",
        write_csv(tmp_path / "2012.csv", [row(1, "纸", "GB/T 1-2008")]),
        "--year",
        "2012",
        "--complete",
    )
    assert "新增 0 个产品、变更 0、未变 1、停用 1" in run.stderr
    assert "新增 0 条执行标准记录、变更 0、未变 1、停用 2" in run.stderr
    assert stdreg.report(2011)["totals"]["products"] == 3
    # enterprise 2 was not in the file: its product stays
    assert stdreg.report(2012)["totals"]["products"] == 2
    levels = {level["key"]: level["products"] for level in stdreg.report(2012)["by_level"]}
    assert (levels["national"], levels["industry"]) == (1, 1)
    # history is kept, not deleted
    assert stdreg.counts()["product"] == 3


def test_without_complete_the_register_keeps_what_a_file_leaves_out(stdreg, tmp_path):
    stdreg.ok(
        "import",
        write_csv(tmp_path / "2011.csv", [row(1, "纸", "GB/T 1-2008"), row(1, "布", "")]),
        "--year",
        "2011",
    )
    stdreg.ok("import", write_csv(tmp_path / "2012.csv", [row(1, "纸", "GB/T 2-2012")]), "--year", "2012")
    totals = stdreg.report(2012)["totals"]
    assert totals["products"] == 2
    assert totals["products_without_standard"] == 1


def test_blank_cells_never_clear_what_the_register_holds(stdreg, tmp_path):
    stdreg.ok(
        "import",
        write_csv(tmp_path / "2011.csv", [row(1, "纸", "GB/T 1-2008", brand="浙江名牌")]),
        "--year",
        "2011",
    )
    blank = row(1, "纸", "GB/T 1-2008", township="", industry="", size="")
    stdreg.ok("import", write_csv(tmp_path / "2012.csv", [blank]), "--year", "2012")
    report = stdreg.report(2012)
    assert report["by_township"][0]["key"] == "湖镇镇"
    assert report["brand_products"]["products"] == 1


def test_an_earlier_file_imported_later_fills_the_past_only(stdreg, tmp_path):
    stdreg.ok(
        "import",
        write_csv(tmp_path / "2012.csv", [row(1, "纸", "GB/T 1-2008", township="龙洲街道")]),
        "--year",
        "2012",
    )
    stdreg.ok(
        "import",
        write_csv(tmp_path / "2011.csv", [row(1, "纸", "GB/T 1-2008", township="湖镇镇")]),
        "--year",
        "2011",
    )
    assert stdreg.report(2011)["by_township"][0]["key"] == "湖镇镇"
    assert stdreg.report(2012)["by_township"][0]["key"] == "龙洲街道"
    assert stdreg.report(2010)["totals"]["products"] == 0


def test_adoption_from_a_row_is_a_fact_about_the_standard(stdreg, tmp_path):
    rows = [
        row(1, "纸", "QB/T 1012-2010", adopted="ISO 536:2012", degree="MOD"),
        row(2, "纸板", "QB/T 1012-2010"),
    ]
    stdreg.ok("import", write_csv(tmp_path / "r.csv", rows), "--year", "2012")
    assert stdreg.report(2012)["totals"]["adopting_products"] == 2


def test_neq_is_reported_but_not_adoption(stdreg, tmp_path):
    rows = [row(1, "纸", "QB/T 1012-2010", adopted="ISO 536:2012", degree="非等效")]
    stdreg.ok("import", write_csv(tmp_path / "r.csv", rows), "--year", "2012")
    totals = stdreg.report(2012)["totals"]
    assert (totals["adopting_products"], totals["neq_products"]) == (0, 1)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("headers.csv", ",".join(HEADERS).encode(), "no data rows"),
        ("notes.csv", "这是一个说明文件\n没有表头\n".encode(), "no header row"),
        ("old.xls", b"\xd0\xcf\x11\xe0", ".xlsx"),
        ("fake.xlsx", b"not a zip", "not a valid .xlsx"),
    ],
)
def test_unreadable_files_get_one_clear_error(stdreg, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    run = stdreg("import", path)
    assert run.exit_code == 3
    assert message in run.stderr and name in run.stderr
    assert stdreg.counts()["import_batch"] == 0


def test_missing_file_and_directory(stdreg, tmp_path):
    assert "no such file" in stdreg("import", tmp_path / "nope.csv").stderr
    assert "is a directory" in stdreg("import", tmp_path).stderr


def test_register_without_identity_column(stdreg, tmp_path):
    path = write_csv(
        tmp_path / "r.csv", [["企业1", "纸", "GB/T 1-2008"]], ["企业名称", "产品名称", "执行标准"]
    )
    run = stdreg("import", path)
    assert run.exit_code == 3
    assert "统一社会信用代码" in run.stderr


def test_a_second_writer_exits_75(stdreg, tmp_path):
    from stdreg.store import open_register, writer_lock

    path = write_csv(tmp_path / "r.csv", BASIC)
    register = open_register(stdreg.db)
    with writer_lock(register):
        run = stdreg("import", path)
    register.dispose()
    assert run.exit_code == 75
    assert "another stdreg writer" in run.stderr
    assert stdreg.counts()["product"] == 0
    stdreg.ok("import", path)


def test_as_of_and_year_are_exclusive(stdreg, tmp_path):
    run = stdreg("import", write_csv(tmp_path / "r.csv", BASIC), "--year", "2011", "--as-of", "2011-06-30")
    assert run.exit_code == 2


@pytest.mark.parametrize("reader", ["calamine", "streamed"])
def test_both_xlsx_readers_agree_on_values_and_row_numbers(stdreg, tmp_path, monkeypatch, reader):
    from openpyxl import Workbook

    from stdreg.ingest import readers

    if reader == "streamed":
        monkeypatch.setattr(readers, "CALAMINE_MAX_XML", -1)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["C3"] = "2011年度企业产品执行标准汇总表"  # the table starts in column B, below blank rows
    for offset, values in enumerate([HEADERS, *BASIC, _bad_row({"standard_override": "见附件"})]):
        for column, value in enumerate(values, start=2):
            sheet.cell(row=5 + offset, column=column, value=value)
    sheet.cell(row=6, column=12, value=1234.5)  # a number typed as a number
    workbook.save(tmp_path / "offset.xlsx")
    run = stdreg("import", tmp_path / "offset.xlsx", "--year", "2011")
    assert run.exit_code == 3
    assert rejects_of(stdreg.cwd / "offset.xlsx.rejects.xlsx")[0][2:4] == (10, "执行标准")
    stdreg.ok("import", tmp_path / "offset.xlsx", "--year", "2011", "--skip-invalid")
    totals = stdreg.report(2011)["totals"]
    assert (totals["products"], totals["output_value_with_standard"]) == (4, 1234.5)


def test_a_decompression_bomb_is_refused(stdreg, tmp_path):
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 << 20))
    run = stdreg("import", path)
    assert run.exit_code == 3
    assert "decompression bomb" in run.stderr


def test_a_date_in_a_warning_is_written_as_a_date(stdreg, tmp_path):
    from openpyxl import load_workbook

    headers = [*HEADERS, "计量检测体系确认"]
    path = write_csv(
        tmp_path / "m.csv",
        [row(1, "纸", "GB/T 1-2008") + ["2012-01-01"], row(1, "纸板", "GB/T 1-2008") + ["2013-05-06"]],
        headers,
    )
    summary = stdreg.ok("import", path, "--year", "2013", "--json").json()
    warnings = list(load_workbook(summary["rejects_file"])["警告"].iter_rows(values_only=True))
    (message,) = [r[3] for r in warnings[1:] if "differs from" in r[3]]
    assert "differs from 2012-01-01 given earlier" in message and "datetime" not in message
