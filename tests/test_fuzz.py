"""Fuzzing: random bytes, random workbooks and random text get a clear error or a valid result.

Never a traceback: the readers and the import service raise stdreg's own errors,
naming the file; the code parsers raise their own error classes. Example counts
are modest, so the suite stays fast (STDREG_FUZZ_EXAMPLES=2000 digs deeper); hypothesis
keeps the failing examples it finds.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import string
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from builders import org_code, uscc, write_csv, write_jsonl
from conftest import new_register
from stdreg.codes.adoption import DegreeError, parse_degree
from stdreg.codes.credit_code import CreditCodeError, validate_org_code, validate_uscc
from stdreg.codes.lifecycle import StatusError, parse_status
from stdreg.codes.standard_code import StandardCodeError, parse, split_cell
from stdreg.errors import InputError, StdregError
from stdreg.ingest import cells
from stdreg.ingest.headers import CATALOG_ALIASES, REGISTER_ALIASES
from xlsx_craft import sheet_xml, write_package

EXAMPLES = int(os.environ.get("STDREG_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PARSERS = settings(max_examples=EXAMPLES * 3, deadline=None)  # pure functions: cheap examples
_names = itertools.count()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def fresh(folder: Path, suffix: str) -> Path:
    """A new file name per example, with spaces and Chinese in it, as in the wild."""
    return folder / f"样本 {next(_names)}{suffix}"


def read_all(path: Path, *, openpyxl: bool = False) -> int:
    """Open with the reader and read every row; returns the row count."""
    from stdreg.ingest import readers

    with pytest.MonkeyPatch.context() as patch:
        if openpyxl:
            patch.setattr(readers, "CALAMINE_MAX_XML", -1)
        source = readers.open_source(path)
        return sum(1 for _ in source.rows())


def clear_error(exc: StdregError, path: Path) -> None:
    message = str(exc)
    assert path.name in message, message
    assert "Traceback" not in message


# --- random bytes ------------------------------------------------------------------------------

MAGIC = [b"", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{", b"\x00"]


@FUZZ
@given(
    prefix=st.sampled_from(MAGIC),
    body=st.binary(max_size=3000),
    suffix=st.sampled_from([".csv", ".tsv", ".txt", ".jsonl", ".xlsx", ".xls", ".pdf", ""]),
)
def test_random_bytes_under_any_name(scratch, prefix, body, suffix):
    path = fresh(scratch, suffix)
    path.write_bytes(prefix + body)
    try:
        read_all(path)
    except StdregError as exc:
        clear_error(exc, path)


PARTS = [
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
]
XML_BITS = st.sampled_from(
    [
        "<worksheet>",
        "</worksheet>",
        "<sheetData>",
        "</sheetData>",
        '<row r="1">',
        "</row>",
        '<c r="A1" t="s"><v>0</v></c>',
        '<c r="XFD1048576"><v>1</v></c>',
        '<c r="B2" t="inlineStr"><is><t>纸</t></is></c>',
        "<c/>",
        '<dimension ref="A1:XFD1048576"/>',
        "<sst><si><t>统一社会信用代码</t></si></sst>",
        "<!DOCTYPE x [<!ENTITY a 'b'>]>",
        "&a;",
        "<?xml version='1.0'?>",
        "garbage <<>> &amp; \x00",
    ]
)


@FUZZ
@given(
    members=st.dictionaries(
        st.sampled_from(PARTS),
        st.one_of(
            st.binary(max_size=400), st.lists(XML_BITS, max_size=12).map(lambda b: "".join(b).encode())
        ),
        max_size=len(PARTS),
    ),
    openpyxl=st.booleans(),
)
def test_random_zip_archives_named_xlsx(scratch, members, openpyxl):
    path = fresh(scratch, ".xlsx")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    try:
        read_all(path, openpyxl=openpyxl)
    except StdregError as exc:
        clear_error(exc, path)


# --- random spreadsheets through the import service ------------------------------------------


def _alias(aliases: dict[str, Any]) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted({a for names in aliases.values() for a in names}))


# text without NUL (a NUL refuses the whole file; the byte fuzzers above cover it)
TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
HEADER = st.one_of(
    _alias(dict(REGISTER_ALIASES)),
    _alias(dict(CATALOG_ALIASES)),
    st.sampled_from(["产值（万元）", " 企业名称 ", "ＵＳＣＣ", "备注", ""]),
    st.text(TEXT, max_size=8),
)
CELL = st.one_of(
    st.none(),
    st.sampled_from(
        [
            uscc(1),
            uscc(2),
            org_code(3),
            "91330825MA2B0XXXXX",
            "GB/T 1-2008",
            "gbt13023—2008、ISO 536-2019",
            "GB/T 19001-2016/ISO 9001:2015",
            "Q/LYHD 001-2008",
            "DB13/T\n5651.5-2023",
            "见附件",
            "IDT",
            "等同采用",
            "废止",
            "现行",
            "2009年6月30日",
            "2011-13-45",
            "规上",
            "是",
            "浙江名牌",
            "AAAA",
            "1,234.5",
            "=SUM(A1:A2)",
            "纸",
            "竹 地板",
        ]
    ),
    st.text(TEXT, max_size=20),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    st.booleans(),
)


FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "uscc": st.integers(1, 40).map(uscc),
    "org_code": st.integers(1, 40).map(org_code),
    "enterprise": st.sampled_from(["恒达纸业", "龙游竹木", "企业 A", "ＡＢＣ有限公司"]),
    "product": st.sampled_from(["纸", "竹 地板", "卫生纸", "Paper", "纸　张"]),
    "standard": st.sampled_from(
        ["GB/T 1-2008", "GB 2-2010、QB/T 1012-2012", "ISO 536:2019", "gbt 19001—2016", "", "Q/LYHD 001-2008"]
    ),
    "code": st.sampled_from(["GB/T 1-2008", "GB/T 1-2018", "ISO 536:2019", "TC291"]),
    "status": st.sampled_from(["现行", "废止", "被代替", "即将实施", "withdrawn", "作废"]),
    "degree": st.sampled_from(["IDT", "mod", "非等效", "EQV", "同"]),
    "withdrawn": st.one_of(st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)), st.just("2009年6月30日")),
    "replaces": st.sampled_from(["GB/T 1-2008", "GB/T 1-1998、TC291", ""]),
    "output_value": st.one_of(st.floats(-1e6, 1e9), st.just("1,234.5"), st.just("三百")),
    "size": st.sampled_from(["规上", "规下", "是", "above"]),
    "brand": st.sampled_from(["浙江名牌", "衢州名牌", "无", ""]),
    "high_tech": st.sampled_from(["是", "否"]),
    "key_energy_user": st.sampled_from(["是", "否"]),
    "metrology_confirmed": st.sampled_from(["是", "否", "2010-05-01"]),
    "good_behaviour": st.sampled_from(["AAAA", "AAA", "A"]),
    "adopted": st.sampled_from(["ISO 536:2019", "EN 71-1:2014", ""]),
    "township": st.sampled_from(["湖镇镇", "龙洲街道", " 湖镇镇 "]),
    "industry": st.sampled_from(["造纸", "竹制品", "纺织"]),
    "published": st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)),
    "implemented": st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)),
    "title": st.text(TEXT, max_size=12),
    "standard_title": st.text(TEXT, max_size=12),
    "replaced_by": st.sampled_from(["GB/T 1-2018", "", "GB/T 1-2008"]),
    "replaced_either": st.sampled_from(["GB/T 1-2018", "GB/T 1-1998"]),
}


def _field_of(header: str) -> str | None:
    for aliases in (REGISTER_ALIASES, CATALOG_ALIASES):
        for field, names in aliases.items():
            if header in names:
                return field
    return None


@st.composite
def spreadsheets(draw: st.DrawFn) -> tuple[list[str], list[list[Any]]]:
    """Headers mostly good enough to be recognised, around them anything; cells mostly plausible."""
    kind = draw(st.sampled_from(["register", "catalog", "anything"]))
    core = {
        "register": ["enterprise", "uscc", "product", "standard"],
        "catalog": ["code", "status"],
        "anything": [],
    }[kind]
    aliases = dict(REGISTER_ALIASES if kind == "register" else CATALOG_ALIASES)
    headers = [draw(st.sampled_from(list(aliases[field]))) for field in core]
    headers += draw(st.lists(HEADER, max_size=5))
    headers = draw(st.permutations(headers)) if headers else [draw(HEADER)]
    plausible = [FIELD_VALUES.get(_field_of(h) or "", CELL) for h in headers]
    clean = st.tuples(*plausible).map(list)  # values each column may well hold
    mixed = st.tuples(*(st.one_of(p, CELL) for p in plausible)).map(list)
    rows = draw(st.lists(st.one_of(clean, mixed), min_size=draw(st.sampled_from([0, 1, 1, 1])), max_size=8))
    return headers, rows


def _write(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    if path.suffix == ".csv":
        return write_csv(path, [["" if v is None else v for v in r] for r in rows], headers)
    if path.suffix == ".jsonl":
        records = [
            {h: (v.isoformat() if isinstance(v, dt.date) else v) for h, v in zip(headers, r, strict=True)}
            for r in rows
        ]
        return write_jsonl(path, records or [dict.fromkeys(headers)])
    # a hand-written workbook: it keeps floats such as inf and nan that Excel itself cannot hold
    table = [headers, *([v.isoformat() if isinstance(v, dt.date) else v for v in r] for r in rows)]
    return write_package(path, sheet_xml(table))


@pytest.fixture(scope="module")
def fuzz_register(backend, tmp_path_factory):
    from stdreg.store import open_register

    with new_register(backend, tmp_path_factory.mktemp("fuzz-register")) as db:
        register = open_register(db)
        yield register
        register.dispose()


@settings(FUZZ, max_examples=EXAMPLES * 5 // 3)
@given(
    sheet=spreadsheets(),
    suffix=st.sampled_from([".csv", ".jsonl", ".xlsx"]),
    openpyxl=st.booleans(),
    skip_invalid=st.booleans(),
    as_of=st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
)
def test_random_spreadsheets_import_or_fail_clearly(
    scratch, fuzz_register, sheet, suffix, openpyxl, skip_invalid, as_of
):
    from stdreg.ingest import readers
    from stdreg.ingest.service import import_file

    headers, rows = sheet
    path = _write(fresh(scratch, suffix), headers, rows)
    with pytest.MonkeyPatch.context() as patch:
        if openpyxl:
            patch.setattr(readers, "CALAMINE_MAX_XML", -1)
        try:
            result = import_file(
                fuzz_register,
                path,
                as_of=as_of,
                skip_invalid=skip_invalid,
                rejects_path=scratch / (path.name + ".rejects.xlsx"),
            )
        except InputError as exc:  # RowsRejected included
            clear_error(exc, path)
            event(f"refused: {type(exc).__name__}")
            return
    event(f"imported: {result.kind}")
    assert result.rows_read >= result.rows_valid >= 0
    assert result.kind in ("register", "catalog")


# --- random text at the code parsers ---------------------------------------------------------

CODE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=string.ascii_uppercase + string.digits + " /-.:—_－／ＧＢＴ", max_size=30),
    st.from_regex(
        r"\A(GB|GB/T|QB|ISO|IEC|DB\d{2}|Q/[A-Z]{2,6}|T/[A-Z]{2,8})[ ]?\d{1,6}(\.\d{1,3})?-\d{2,4}\Z"
    ),
)


@settings(PARSERS)
@given(CODE_TEXT)
def test_standard_code_parser_gives_a_code_or_its_own_error(text):
    try:
        code = parse(text)
    except StandardCodeError as exc:
        assert exc.reason
        return
    assert parse(code.code) == code  # a parsed code parses back to itself


@settings(PARSERS)
@given(st.text(max_size=80))
def test_split_cell_never_fails(text):
    fragments = split_cell(text)
    assert all(isinstance(f, str) and f.strip() for f in fragments)


CREDIT_TEXT = st.one_of(
    st.text(max_size=24),
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY-  ", max_size=20),
    st.integers(0, 10**18).map(str),
)


@settings(PARSERS)
@given(CREDIT_TEXT)
def test_credit_code_validators_give_a_code_or_their_own_error(text):
    for validate, length in ((validate_uscc, 18), (validate_org_code, 9)):
        try:
            code = validate(text)
        except CreditCodeError:
            continue
        assert len(code) == length and validate(code) == code


ANY_CELL = st.one_of(
    st.text(max_size=30),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    st.booleans(),
)


@settings(PARSERS)
@given(ANY_CELL)
def test_cell_parsers_give_a_value_or_a_cell_error(value):
    for parser in (
        cells.parse_bool,
        cells.parse_size,
        cells.parse_number,
        cells.parse_date,
        cells.parse_good_behaviour,
        cells.parse_brand,
        cells.parse_metrology,
    ):
        try:
            parser(value)
        except cells.CellError as exc:
            assert str(exc)


@settings(PARSERS)
@given(st.text(max_size=20))
def test_degree_and_status_parsers_give_a_value_or_their_own_error(text):
    for parser, error in ((parse_degree, DegreeError), (parse_status, StatusError)):
        try:
            parser(text)
        except error as exc:
            assert str(exc)
