"""Hostile and broken sheets of changes (`stdreg update --from FILE`): the import's protections hold.

A sheet of changes is read by the same readers as a register file, so every case of
tests/test_hostile_files.py that is about reading a file is refused the same way here:
exit 3, one line naming the file, and not one row of the register changed.
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from pathlib import Path

import pytest

from builders import row, write_csv, write_xlsx
from test_hostile_files import refused as refuse
from xlsx_craft import BILLION_LAUGHS, Raw, shared_strings_xml, sheet_xml, write_package

HEADER = ["统一社会信用代码", "产品名称", "字段", "新值", "日期"]
GOOD = [row(1, "纸", "GB/T 1-2008")[1], "纸", "产值", "120", "2012-06-30"]


@pytest.fixture
def register(stdreg, tmp_path):
    """A register holding one enterprise with one product, which a good sheet could change."""
    stdreg.ok("import", write_csv(tmp_path / "base.csv", [row(1, "纸", "GB/T 1-2008")]), "--year", "2011")
    return stdreg


def refused(stdreg, path: Path, *words: str) -> str:
    return refuse(stdreg, path, *words, command=("update", "--from"))


def test_a_good_sheet_is_read_by_the_import_s_reader(register, tmp_path):
    """Typed cells (a number, a date) read as the officer typed them."""
    cells = [*GOOD[:3], 120, dt.date(2012, 6, 30)]
    workbook = write_xlsx(tmp_path / "变更.xlsx", [cells], headers=HEADER, title=None)
    register.ok("update", "--from", workbook)
    assert register.sql("SELECT output_value FROM product_version ORDER BY valid_from") == [(None,), (120.0,)]


def test_a_png_renamed_xlsx(register, tmp_path):
    path = tmp_path / "变更.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(500))
    refused(register, path, "not a valid .xlsx workbook", "PNG image")


def test_a_truncated_xlsx(register, tmp_path):
    data = write_xlsx(tmp_path / "whole.xlsx", [GOOD] * 50, headers=HEADER).read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: len(data) * 2 // 3])
    refused(register, path, "not a valid .xlsx workbook", "truncated or corrupt")


def test_billion_laughs_in_the_sheet(register, tmp_path):
    bomb = Raw("inlineStr", "<is><t>&lol9;</t></is>")
    sheet = sheet_xml([HEADER, [*GOOD[:3], bomb, GOOD[4]]], doctype=BILLION_LAUGHS)
    refused(register, write_package(tmp_path / "laughs.xlsx", sheet), "XML bomb")


def test_billion_laughs_in_the_shared_strings(register, tmp_path):
    sheet = sheet_xml([HEADER, [*GOOD[:3], Raw("s", "<v>0</v>"), GOOD[4]]])
    strings = shared_strings_xml(["&lol9;"], doctype=BILLION_LAUGHS, raw=True)
    refused(register, write_package(tmp_path / "strings.xlsx", sheet, strings), "XML bomb")


def test_an_external_entity(register, tmp_path):
    doctype = '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    cells = [*GOOD[:3], Raw("inlineStr", "<is><t>&secret;</t></is>"), GOOD[4]]
    refused(
        register, write_package(tmp_path / "xxe.xlsx", sheet_xml([HEADER, cells], doctype=doctype)), "XML"
    )


def test_a_decompression_bomb_by_ratio(register, tmp_path):
    path = tmp_path / "ratio.xlsx"
    one_row = b'<row><c t="inlineStr"><is><t>0000000000</t></is></c></row>'
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w") as sheet,
    ):
        for _ in range(70):
            sheet.write(one_row * ((1 << 20) // len(one_row)))
    refused(register, path, "decompression bomb")


def test_a_csv_with_nul_bytes(register, tmp_path):
    path = write_csv(tmp_path / "nul.csv", [GOOD], headers=HEADER)
    path.write_bytes(path.read_bytes().replace("纸".encode(), b"\x00\x00\x00"))
    refused(register, path, "NUL character")


def test_a_cell_of_ten_megabytes_in_a_csv(register, tmp_path):
    path = write_csv(tmp_path / "long.csv", [GOOD, [*GOOD[:3], "1" * (10 << 20), GOOD[4]]], headers=HEADER)
    refused(register, path, "characters")


def test_an_image_renamed_csv(register, tmp_path):
    path = tmp_path / "scan.csv"
    path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(300))
    refused(register, path, "a JPEG image")


@pytest.mark.parametrize("name", ["empty.csv", "empty.xlsx"])
def test_an_empty_file(register, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    refused(register, path, "empty")


def test_a_directory(register, tmp_path):
    folder = tmp_path / "changes.csv"
    folder.mkdir()
    refused(register, folder, "directory")
