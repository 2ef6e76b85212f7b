"""Shape of the generated sample data in sample_data/ (not how stdreg imports it)."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys
import unicodedata
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"
XLSX_2011 = SAMPLES / "register_2011.xlsx"
CSV_2012 = SAMPLES / "register_2012.csv"
CATALOG = SAMPLES / "catalog.csv"
SUMMARY = SAMPLES / "expected_summary.json"
SIX_INDUSTRIES = {"造纸", "建材", "纺织", "电子", "机械五金", "竹制品"}


def compact(value: object) -> str:
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return "".join(text.split()).replace("-", "").upper()


def enterprise_key(uscc: object, org: object) -> str:
    code = compact(uscc)
    return code[8:17] if code else compact(org)


def find_header(rows: list[list[object]], must: set[str]) -> int:
    for i, row in enumerate(rows[:20]):
        if must <= {str(v).strip() for v in row if v is not None}:
            return i
    raise AssertionError(f"no header row with {must} among the first 20 rows")


def read_2011() -> tuple[list[list[object]], int]:
    wb = openpyxl.load_workbook(XLSX_2011)
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return rows, find_header(rows, {"企业名称", "产品名称", "执行标准"})


def read_2012() -> tuple[list[list[str]], int]:
    text = CSV_2012.read_bytes().decode("gb18030")
    rows = list(csv.reader(io.StringIO(text)))
    return rows, find_header(rows, {"单位名称", "产品", "执行标准号"})  # type: ignore[arg-type]


def data_rows(rows: list[list[object]], header: int) -> list[dict[str, object]]:
    names = [str(v) if v is not None else "" for v in rows[header]]
    out = []
    for row in rows[header + 1 :]:
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        out.append(dict(zip(names, row, strict=False)))
    return out


# ------------------------------------------------------------------ 2011 workbook


def test_2011_title_rows_above_header() -> None:
    wb = openpyxl.load_workbook(XLSX_2011)
    ws = wb.worksheets[0]
    rows, header = read_2011()
    assert header >= 2, "the header row sits below a title row"
    assert "2011" in str(rows[0][0]) and "执行标准" in str(rows[0][0])
    merged = [str(r) for r in ws.merged_cells.ranges]
    assert any(r.startswith("A1:") for r in merged), "the title row is merged"
    assert len(wb.worksheets) >= 2, "a notes sheet follows the data sheet"


def test_2011_headers() -> None:
    rows, header = read_2011()
    heads = {str(v) for v in rows[header] if v}
    for name in ("统一社会信用代码", "组织机构代码", "所在乡镇", "块状产业", "企业规模",
                 "标准名称", "采用国际标准", "一致性程度", "产值（万元）", "名牌产品"):  # fmt: skip
        assert name in heads


def test_2011_counts_and_industries() -> None:
    rows, header = read_2011()
    body = data_rows(rows, header)
    assert len(body) >= 1000
    ents = {enterprise_key(r["统一社会信用代码"], r["组织机构代码"]) for r in body}
    assert len(ents) >= 300
    assert "" not in ents
    assert {r["块状产业"] for r in body} >= SIX_INDUSTRIES
    products = {
        (enterprise_key(r["统一社会信用代码"], r["组织机构代码"]), compact(r["产品名称"])) for r in body
    }
    assert len(products) >= 1000


def test_2011_has_org_code_only_rows_and_blank_standards() -> None:
    rows, header = read_2011()
    body = data_rows(rows, header)
    org_only = [r for r in body if not r["统一社会信用代码"] and r["组织机构代码"]]
    assert org_only
    assert all("-" in str(r["组织机构代码"]) or len(compact(r["组织机构代码"])) == 9
               for r in org_only)  # fmt: skip
    assert any(not r["执行标准"] for r in body), "some products have no standard"
    assert any("\n" in str(r["执行标准"] or "") for r in body)


def test_2011_trailing_blank_rows() -> None:
    rows, header = read_2011()
    last = rows[-1]
    assert all(v is None for v in last)


# ------------------------------------------------------------------ 2012 csv


def test_2012_is_gb18030_not_utf8() -> None:
    raw = CSV_2012.read_bytes()
    raw.decode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_2012_counts_and_industries() -> None:
    rows, header = read_2012()
    assert header >= 1, "a title line precedes the header"
    body = data_rows(rows, header)  # type: ignore[arg-type]
    assert len(body) >= 1000
    ents = {enterprise_key(r["社会信用代码"], r["机构代码"]) for r in body}
    assert len(ents) >= 300
    assert {str(r["行业"]).strip() for r in body} >= SIX_INDUSTRIES
    assert all(r["社会信用代码"] for r in body), "every 2012 row gives a credit code"


def test_org_code_enterprises_of_2011_give_uscc_in_2012() -> None:
    rows11, h11 = read_2011()
    rows12, h12 = read_2012()
    org_only = {
        compact(r["组织机构代码"])
        for r in data_rows(rows11, h11)
        if not r["统一社会信用代码"] and r["组织机构代码"]
    }
    usccs = {compact(r["社会信用代码"]) for r in data_rows(rows12, h12)}  # type: ignore[arg-type]
    embedded = {u[8:17] for u in usccs}
    assert org_only and org_only <= embedded


# ------------------------------------------------------------------ catalog


def test_catalog_shape() -> None:
    text = CATALOG.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert set(rows[0]) >= {"标准号", "标准名称", "状态", "发布日期", "实施日期", "废止日期",
                            "代替标准", "采标号", "一致性程度"}  # fmt: skip
    statuses = {r["状态"] for r in rows}
    assert statuses <= {"现行", "被代替", "废止", "即将实施"}
    assert statuses == {"现行", "被代替", "废止", "即将实施"}
    degrees = {r["一致性程度"] for r in rows} - {""}
    assert degrees >= {"IDT", "MOD", "NEQ", "EQV"}
    codes = [r["标准号"] for r in rows]
    assert len(codes) == len(set(codes))


# ------------------------------------------------------------------ generator


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_generator_reproduces_committed_files(tmp_path: Path) -> None:
    load_generator().main(["--out", str(tmp_path)])
    for name in ("register_2012.csv", "catalog.csv", "expected_summary.json"):
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name
    new = openpyxl.load_workbook(tmp_path / "register_2011.xlsx").worksheets[0]
    old = openpyxl.load_workbook(XLSX_2011).worksheets[0]
    assert list(new.iter_rows(values_only=True)) == list(old.iter_rows(values_only=True))


def test_summary_matches_files() -> None:
    summary = json.loads(SUMMARY.read_text(encoding="utf-8"))
    rows11, h11 = read_2011()
    rows12, h12 = read_2012()
    files = summary["files"]
    assert files["register_2011.xlsx"]["rows"] == len(data_rows(rows11, h11))
    assert files["register_2012.csv"]["rows"] == len(data_rows(rows12, h12))  # type: ignore[arg-type]
    assert files["register_2011.xlsx"]["header_row"] == h11 + 1
    assert files["register_2012.csv"]["header_line"] == h12 + 1


# ------------------------------------------------------------------ 2013 township workbook


def test_township_2013_is_a_real_township_form(tmp_path: Path) -> None:
    path = SAMPLES / "township_2013.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["湖镇镇", "詹家镇", "龙洲街道", "说明"]
    sheet = wb["詹家镇"]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:K1", "E3:F3", "G3:H3", "B5:B7"} <= merged  # title, parent headers, an enterprise
    cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None}
    assert {"小计", "合计", "以下空白", "/"} <= cells
    load_generator().main(["--out", str(tmp_path)])
    again = openpyxl.load_workbook(tmp_path / "township_2013.xlsx")
    for name in wb.sheetnames:
        assert list(again[name].iter_rows(values_only=True)) == list(wb[name].iter_rows(values_only=True))
