"""Hostile and broken files: one clear line naming the file, exit 3, and nothing written.

A spreadsheet from outside is untrusted input. Each case runs against a register
that already holds data, and checks that not one row of it changed. Cases about
.xlsx run through both readers: calamine (small sheets) and the streaming reader of the
sheet XML (large sheets; forced by setting CALAMINE_MAX_XML to -1).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from builders import HEADERS, row, write_csv, write_jsonl, write_xlsx
from xlsx_craft import BILLION_LAUGHS, Raw, shared_strings_xml, sheet_xml, write_package

GOOD = row(1, "纸", "GB/T 1-2008")
BASE = [row(n, f"产品{k}", "GB/T 1-2008") for n in range(1, 6) for k in range(2)]
_TEMPLATE: dict[str, Path] = {}


@pytest.fixture
def register(stdreg, tmp_path_factory):
    """The `stdreg` CLI on a register that already holds a few rows."""
    if stdreg.backend != "sqlite":  # a schema of its own: the rows are imported into it
        folder = tmp_path_factory.mktemp("base")
        stdreg.ok("import", write_csv(folder / "base.csv", BASE), "--year", "2011")
        return stdreg
    if "db" not in _TEMPLATE:  # on SQLite, a copy of one register file made once
        folder = tmp_path_factory.mktemp("template")
        db = folder / "register.sqlite"
        template = type(stdreg)(str(db), folder)
        template.ok("import", write_csv(folder / "base.csv", BASE), "--year", "2011")
        _TEMPLATE["db"] = db
    shutil.copyfile(_TEMPLATE["db"], stdreg.db)
    return stdreg


@pytest.fixture(params=["calamine", "streamed"])
def reader(request, monkeypatch):
    """Run the case through each .xlsx reader."""
    from stdreg.ingest import readers

    if request.param == "streamed":
        monkeypatch.setattr(readers, "CALAMINE_MAX_XML", -1)
    return request.param


def refused(stdreg, path: Path, *words: str, command: Sequence[str] = ("import",)) -> str:
    """Import `path` (or give it to another `command`): exit 3, one error line naming the file and
    saying `words`, nothing written."""
    before = stdreg.dump()
    started = time.monotonic()
    run = stdreg(*command, path, "--year", "2012") if command == ("import",) else stdreg(*command, path)
    assert time.monotonic() - started < 20
    assert run.exit_code == 3, run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("Error: ") and path.name in lines[0], lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in run.stderr
    assert stdreg.dump() == before
    return lines[0]


def imported(stdreg, path: Path) -> None:
    run = stdreg("import", path, "--year", "2012")
    assert run.exit_code == 0, run.stderr


# --- not what the extension says -------------------------------------------------------------


def test_a_png_renamed_xlsx(register, tmp_path):
    path = tmp_path / "企业名录.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(500))
    refused(register, path, "not a valid .xlsx workbook", "PNG image")


def test_an_old_xls_renamed_xlsx(register, tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000))
    refused(register, path, "old .xls workbook", "save it as .xlsx")


def test_a_zip_that_is_not_a_workbook(register, tmp_path):
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    refused(register, path, "not a valid .xlsx workbook", "no worksheet")


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".txt"])
def test_an_xlsx_renamed_as_text(register, tmp_path, suffix):
    path = write_xlsx(tmp_path / "r.xlsx", [GOOD]).rename(tmp_path / f"r{suffix}")
    refused(register, path, f"a zip archive, not a {suffix} file", "name it .xlsx")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_an_image_renamed_as_text(register, tmp_path, suffix):
    path = tmp_path / f"scan{suffix}"
    path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(300))
    refused(register, path, "a JPEG image")


# --- broken workbooks ------------------------------------------------------------------------


def test_a_truncated_xlsx(register, tmp_path):
    data = write_xlsx(tmp_path / "whole.xlsx", [GOOD] * 50).read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: len(data) * 2 // 3])
    refused(register, path, "not a valid .xlsx workbook", "truncated or corrupt")


def test_a_corrupt_sheet_inside_an_xlsx(register, tmp_path, reader):
    path = write_package(tmp_path / "corrupt.xlsx", sheet_xml([HEADERS] + [GOOD] * 200))
    with zipfile.ZipFile(path) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    start = sheet.header_offset + 30 + len(sheet.filename.encode()) + len(sheet.extra)
    for offset in range(start + sheet.compress_size // 3, start + sheet.compress_size // 3 + 64):
        data[offset] ^= 0x5A
    path.write_bytes(bytes(data))
    refused(register, path, "not a valid .xlsx workbook")


def test_a_row_below_excels_last_row(register, tmp_path, reader):
    far = '<row r="2000000"><c r="A2000000" t="inlineStr"><is><t>x</t></is></c></row>'
    path = write_package(tmp_path / "rows.xlsx", sheet_xml([HEADERS, GOOD], extra_rows=far))
    refused(register, path, "below Excel's last row 1,048,576")


# --- XML bombs -------------------------------------------------------------------------------


def test_openpyxl_parses_through_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


def test_billion_laughs_in_the_sheet(register, tmp_path, reader):
    bomb = Raw("inlineStr", "<is><t>&lol9;</t></is>")
    path = write_package(
        tmp_path / "laughs.xlsx", sheet_xml([HEADERS, [*GOOD[:6], bomb]], doctype=BILLION_LAUGHS)
    )
    refused(register, path, "XML bomb")


def test_billion_laughs_in_the_shared_strings(register, tmp_path, reader):
    sheet = sheet_xml([HEADERS, [*GOOD[:6], Raw("s", "<v>0</v>"), *GOOD[7:]]])
    strings = shared_strings_xml(["&lol9;"], doctype=BILLION_LAUGHS, raw=True)
    refused(register, write_package(tmp_path / "strings.xlsx", sheet, strings), "XML bomb")


def test_an_external_entity(register, tmp_path, reader):
    doctype = '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    cells = [*GOOD[:6], Raw("inlineStr", "<is><t>&secret;</t></is>")]
    refused(
        register, write_package(tmp_path / "xxe.xlsx", sheet_xml([HEADERS, cells], doctype=doctype)), "XML"
    )


# --- huge claims -----------------------------------------------------------------------------


def test_a_huge_dimension_claim_with_few_cells(register, tmp_path, reader):
    import resource

    path = write_package(tmp_path / "claim.xlsx", sheet_xml([HEADERS, GOOD], dimension="A1:XFD1048576"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    imported(register, path)
    assert time.monotonic() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 100_000  # KiB: nothing allocated


def test_a_stray_value_far_from_the_data_is_streamed_not_allocated(register, tmp_path):
    """One value at XFD1048576 would make calamine ask for 512 GiB and abort the process."""
    from stdreg.ingest.readers import _fits_calamine

    stray = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>备注</t></is></c></row>'
    path = write_package(tmp_path / "stray.xlsx", sheet_xml([HEADERS, GOOD], extra_rows=stray))
    assert not _fits_calamine(path)
    assert _fits_calamine(write_package(tmp_path / "plain.xlsx", sheet_xml([HEADERS, GOOD])))
    # in a process of its own: were the guard wrong, the abort would not take pytest with it
    result = subprocess.run(
        [sys.executable, "-m", "stdreg", "--db", register.db, "import", str(path), "--year", "2012"],
        capture_output=True,
        text=True,
        cwd=register.cwd,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert register.report(2012)["totals"]["products"] == 11  # the template's 10, and 纸


@pytest.mark.parametrize(
    "refs",
    [
        ['<c r="XFD3000" t="inlineStr"><is><t>x</t></is></c>'],  # far to the right and down
        ['<c t="inlineStr"><is><t>x</t></is></c>'],  # a cell without a reference
        ['<c s="0" r="ZZ9"><v>1</v></c>'],  # the reference after another attribute
    ],
)
def test_sheets_calamine_could_not_bound_are_streamed(tmp_path, refs):
    from stdreg.ingest.readers import _fits_calamine

    rows = [HEADERS] + [GOOD] * 600
    extra = f'<row r="3000">{"".join(refs)}</row>'
    assert not _fits_calamine(write_package(tmp_path / "odd.xlsx", sheet_xml(rows, extra_rows=extra)))


def test_a_far_cell_in_the_middle_of_a_sheet_out_of_order(tmp_path):
    """calamine spans the lowest row of all, not the last one written."""
    from stdreg.ingest.readers import _fits_calamine

    sheet = sheet_xml([HEADERS, GOOD])
    far = '<row r="900000"><c r="XF900000" t="inlineStr"><is><t>x</t></is></c></row>'
    later = '<row r="3"><c r="A3" t="inlineStr"><is><t>企业3</t></is></c></row>'
    sheet = sheet.replace('<row r="2">', far + '<row r="2">').replace("</sheetData>", later + "</sheetData>")
    assert not _fits_calamine(write_package(tmp_path / "unordered.xlsx", sheet))


def test_a_decompression_bomb_by_ratio(register, tmp_path):
    path = tmp_path / "ratio.xlsx"
    one_row = b'<row><c t="inlineStr"><is><t>0000000000</t></is></c></row>'
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w") as sheet,
    ):
        for _ in range(70):  # 70 MiB of XML, deflated about a thousandfold
            sheet.write(one_row * ((1 << 20) // len(one_row)))
    assert path.stat().st_size < (70 << 20) // 200
    refused(register, path, "decompression bomb")


def test_a_decompression_bomb_by_size(register, tmp_path):
    """The archive's directory claims 6 GB of sheets: refused before a byte is inflated."""
    path = write_package(tmp_path / "size.xlsx", sheet_xml([HEADERS, GOOD]))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        names = [i.filename for i in archive.infolist()]
    position = data.find(b"PK\x01\x02")  # the central directory: each entry's sizes at +24
    while position >= 0:
        name_length = int.from_bytes(data[position + 28 : position + 30], "little")
        name = data[position + 46 : position + 46 + name_length].decode()
        if name in names and name.startswith("xl/"):
            data[position + 24 : position + 28] = (3_000_000_000).to_bytes(4, "little")
        position = data.find(b"PK\x01\x02", position + 4)
    path.write_bytes(bytes(data))
    refused(register, path, "decompression bomb")


def test_a_cell_of_ten_megabytes_in_a_csv(register, tmp_path):
    path = write_csv(tmp_path / "long.csv", [GOOD, [*GOOD[:6], "纸" * (10 << 20), *GOOD[7:]]])
    refused(register, path, "row 3, column 产品名称", "10,485,760 characters", "32,767")


def test_a_cell_of_ten_megabytes_in_a_workbook(register, tmp_path, reader):
    cells = [*GOOD[:7], "GB/T 1-2008、" * (1 << 20)]
    path = write_package(tmp_path / "long.xlsx", sheet_xml([HEADERS, GOOD, cells]))
    refused(register, path, "row 3, column 执行标准", "characters", "32,767")


def test_a_cell_at_excels_limit_is_read(register, tmp_path):
    name = "纸" * 32_767
    imported(register, write_csv(tmp_path / "limit.csv", [[*GOOD[:6], name, *GOOD[7:]]]))
    assert register.sql("SELECT COUNT(*) FROM product WHERE name = :name", name=name) == [(1,)]


# --- formulas --------------------------------------------------------------------------------


def test_a_formula_cell_gives_its_cached_value_never_its_text(register, tmp_path, reader):
    cells = list(GOOD)
    cells[6] = Raw("str", '<f>CONCATENATE("纸","张")</f><v>纸张</v>')
    cells[10] = Raw(None, "<f>SUM(1,2)</f><v>3</v>")
    imported(register, write_package(tmp_path / "formula.xlsx", sheet_xml([HEADERS, cells])))
    product = register.sql(
        "SELECT p.name, v.output_value FROM product p JOIN product_version v ON v.product_id = p.id "
        "WHERE p.name LIKE '纸%' AND v.valid_from = '2012-12-31'"
    )
    assert product == [("纸张", 3.0)]
    assert "CONCATENATE" not in repr(register.dump()) and "SUM(" not in repr(register.dump())


def test_a_formula_without_a_cached_value_is_a_bad_row(register, tmp_path, reader):
    cells = list(GOOD)
    cells[6] = Raw("str", '<f>CONCATENATE("纸","张")</f>')
    before = register.dump()
    run = register("import", write_package(tmp_path / "uncached.xlsx", sheet_xml([HEADERS, cells])))
    assert run.exit_code == 3
    assert "row 2, column 产品名称" in run.stderr and "CONCATENATE" not in run.stderr
    assert register.dump() == before


# --- text that is not text -------------------------------------------------------------------


def test_a_csv_with_nul_bytes(register, tmp_path):
    path = write_csv(tmp_path / "nul.csv", [GOOD])
    path.write_bytes(path.read_bytes().replace("纸".encode(), b"\x00\x00\x00"))
    refused(register, path, "line 2", "NUL character")


def test_utf16_without_a_byte_order_mark(register, tmp_path):
    # ASCII in UTF-16 is valid UTF-8 with a NUL after every character: refused, with a hint
    ascii_only = tmp_path / "utf16-ascii.csv"
    lines = [["uscc", "enterprise", "product", "standard"], [GOOD[1], "Hengda Paper", "paper", "GB/T 1-2008"]]
    ascii_only.write_bytes("\r\n".join(",".join(r) for r in lines).encode("utf-16-le"))
    refused(register, ascii_only, "NUL character", "UTF-16 text without a byte-order mark")
    # Chinese in UTF-16 is recognised as such, and read right
    chinese = tmp_path / "utf16-chinese.csv"
    chinese.write_bytes("\r\n".join(",".join(map(str, r)) for r in [HEADERS, GOOD]).encode("utf-16-le"))
    imported(register, chinese)
    assert register.sql("SELECT COUNT(*) FROM product WHERE name = '纸'") == [(1,)]


@pytest.mark.parametrize("size", [64, 3000, 200_000])
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_random_bytes_are_an_error_not_garbage(register, tmp_path, size, suffix):
    generator = random.Random(size)
    path = tmp_path / f"noise{suffix}"
    path.write_bytes(bytes(generator.randrange(1, 256) for _ in range(size)))
    message = refused(register, path)
    assert "not text" in message or "no header row" in message or "NUL" in message, message


def test_charset_normalizers_guess_for_random_bytes_is_not_believed(tmp_path):
    """charset-normalizer names some code page for a few random bytes; stdreg refuses it."""
    from charset_normalizer import from_bytes

    from stdreg.errors import InputError
    from stdreg.ingest.readers import detect_encoding

    noise = bytes([148, 252, 194, 137, 128, 165, 248, 223, 209, 133, 197, 253])  # neither UTF-8 nor GB18030
    guess = from_bytes(noise).best()
    assert guess is not None and guess.encoding == "cp1251"  # Cyrillic, says charset-normalizer
    path = tmp_path / "noise.csv"
    path.write_bytes(noise)
    with pytest.raises(InputError, match="not text in UTF-8, GB18030.*at best it reads as cp1251"):
        detect_encoding(path)


# --- empty, headers only, not a file ---------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.csv", "empty.tsv", "empty.xlsx", "empty.jsonl"])
def test_an_empty_file(register, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    refused(register, path, "the file is empty")


def test_a_file_with_only_headers(register, tmp_path, reader):
    refused(register, write_csv(tmp_path / "headers.csv", []), "no data rows")
    refused(register, write_xlsx(tmp_path / "headers.xlsx", [], title=None), "no data rows")


def test_a_directory_and_a_missing_path(register, tmp_path):
    folder = tmp_path / "a folder.xlsx"
    folder.mkdir()
    refused(register, folder, "is a directory")
    refused(register, tmp_path / "gone.csv", "no such file")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".jsonl"])
def test_a_path_with_spaces_and_chinese_characters(register, tmp_path, suffix):
    folder = tmp_path / "衢州 龙游" / "2012 年 普查"
    folder.mkdir(parents=True)
    path = folder / f"企业 产品 名录（第一批）{suffix}"
    rows = [row(7, "竹 地板", "GB/T 1-2008")]
    if suffix == ".csv":
        write_csv(path, rows)
    elif suffix == ".xlsx":
        write_xlsx(path, rows)
    else:
        write_jsonl(path, [dict(zip(HEADERS, r, strict=True)) for r in rows])
    imported(register, path)
    names = [r[0] for r in register.sql("SELECT file_name FROM import_batch ORDER BY id")]
    assert names[-1] == path.name
