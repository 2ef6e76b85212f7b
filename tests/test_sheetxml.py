"""The streaming reader of sheet XML gives the cells calamine gives, on workbooks of every kind.

Large sheets are streamed (stdreg.ingest.sheetxml), small ones read whole by calamine:
whichever reads a file, the rows that come out must be the same.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stdreg.errors import InputError
from stdreg.ingest import readers, sheetxml
from xlsx_craft import (
    CONTENT_TYPES,
    MAIN,
    ROOT_RELS,
    WORKBOOK,
    WORKBOOK_RELS,
    XML_DECLARATION,
    Raw,
    shared_strings_xml,
    sheet_xml,
    write_package,
)


def cells(path: Path, *, streamed: bool, sheet: str | None = None) -> list[tuple[int, list[Any]]]:
    """Every row of a sheet as the reader gives it, blank cells as None and trailing ones dropped."""
    with pytest.MonkeyPatch.context() as patch:
        if streamed:
            patch.setattr(readers, "CALAMINE_MAX_XML", -1)
        rows = list(readers._xlsx_cells(path, sheet))
    tidy = []
    for number, values in rows:
        values = [None if v == "" else v for v in values]
        while values and values[-1] is None:
            values.pop()
        tidy.append((number, values))
    while tidy and not tidy[-1][1]:  # calamine's grid ends at its last cell
        tidy.pop()
    return tidy


def same_cells(path: Path, sheet: str | None = None) -> list[tuple[int, list[Any]]]:
    streamed = cells(path, streamed=True, sheet=sheet)
    whole = cells(path, streamed=False, sheet=sheet)
    assert streamed[: len(whole)] == whole
    if len(streamed) > len(whole):
        # calamine's grid ends at its last cell: the rows a merged range covers below it are
        # streamed (filled with the range's value), never any other
        with zipfile.ZipFile(path) as archive:
            member = sheetxml.workbook_parts(archive).sheets[0 if sheet is None else 1].member
            merges = readers._xml_merges(archive, member)
        assert all(any(first <= n <= last for first, _, last, _ in merges) for n, _ in streamed[len(whole) :])
    return streamed


TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
    | st.sampled_from("&<>\"'\n\t"),
    max_size=30,
)
VALUE = st.one_of(
    st.none(),
    TEXT,
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(9999, 12, 31)).map(lambda d: d.replace(microsecond=0)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    grid=st.lists(st.lists(VALUE, max_size=8), min_size=1, max_size=12),
    merges=st.lists(
        st.tuples(st.integers(1, 12), st.integers(1, 8), st.integers(0, 3), st.integers(0, 2)), max_size=3
    ),
)
def test_random_workbooks_written_by_openpyxl(tmp_path, grid, merges):
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for r, values in enumerate(grid, start=1):
        for c, value in enumerate(values, start=1):
            if isinstance(value, str) and value.startswith("="):
                value = " " + value  # not a formula: openpyxl would write it as one
            sheet.cell(row=r, column=c, value=value)
    taken: set[tuple[int, int]] = set()
    for row, column, down, across in merges:
        area = {(r, c) for r in range(row, row + down + 1) for c in range(column, column + across + 1)}
        if (down or across) and not area & taken:
            taken |= area
            sheet.merge_cells(
                start_row=row, start_column=column, end_row=row + down, end_column=column + across
            )
    path = tmp_path / "random.xlsx"
    book.save(path)
    same_cells(path)


def test_the_bench_and_form_shapes(tmp_path):
    """A title, a merged parent header, names merged down, numbers and dates in their formats."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "2013年企业产品执行标准统计表"
    sheet.merge_cells("A1:F1")
    sheet.append(["企业名称", "统一社会信用代码", "产品名称", "执行标准", None, "产值（万元）", "日期"])
    sheet.merge_cells("D2:E2")
    sheet.append([None, None, None, "编号", "名称"])
    for n in range(40):
        sheet.append(
            ["浙江某某纸业有限公司", "91330825123456788U", f"产品{n}", "GB/T 1-2008", " 名称 ", n * 1.5]
        )
        sheet.cell(row=sheet.max_row, column=7, value=dt.date(2009, 6, 30) + dt.timedelta(days=n))
        sheet.cell(row=sheet.max_row, column=7).number_format = "yyyy年m月d日"
    sheet.merge_cells("A4:A20")
    sheet.cell(row=50, column=3, value=dt.datetime(2010, 1, 2, 3, 4, 5))
    sheet.cell(row=51, column=3, value=dt.time(12, 30))
    sheet.cell(row=52, column=3, value=True)
    path = tmp_path / "form.xlsx"
    book.save(path)
    rows = same_cells(path)
    assert rows[3][1][0] == rows[19][1][0] == "浙江某某纸业有限公司"  # merged down
    assert rows[3][1][6] == dt.date(2009, 6, 30)


def test_every_cell_type_written_by_hand(tmp_path):
    """Shared strings (rich and escaped), inline text, formulas' cached values, errors, booleans."""
    strings = ["共享", "a_x000D_b", "x &amp; y", "line\r\nend"]
    rich = (
        '<si><r><rPr><b/></rPr><t>富</t></r><r><t xml:space="preserve"> 文本 </t></r>'
        "<rPh><t>fu</t></rPh></si>"
    )
    shared = shared_strings_xml(strings, raw=True).replace("</sst>", rich + "</sst>")
    row = [
        Raw("s", "<v>0</v>"),
        Raw("s", "<v>1</v>"),
        Raw("s", "<v>2</v>"),
        Raw("s", "<v>3</v>"),
        Raw("s", "<v>4</v>"),
        Raw("inlineStr", '<is><t xml:space="preserve">  留白  </t></is>'),
        Raw("str", "<f>A1&amp;B1</f><v>共享&amp;a</v>"),
        Raw(None, '<f t="shared" si="0"/><v>2.5E3</v>'),
        Raw("b", "<v>1</v>"),
        Raw("e", "<v>#DIV/0!</v>"),
        Raw("inlineStr", "<is><r><t>分</t></r><r><t>段</t></r></is>"),
        Raw("str", "<f>X</f>"),  # no cached value: blank
        Raw("inlineStr", "<is><t>&#x4E2D;&#25991;&lt;&gt;</t></is>"),
    ]
    path = write_package(tmp_path / "types.xlsx", sheet_xml([["头"], row]), shared)
    rows = same_cells(path)
    assert rows[1][1] == [
        "共享", "a\rb", "x & y", "line\nend", "富 文本 ", "  留白  ", "共享&a", 2500.0, True, None,
        "分段", None, "中文<>",
    ]  # fmt: skip


def test_cells_and_rows_without_references_and_gaps(tmp_path):
    body = (
        '<row><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c></row>'
        '<row r="4"><c r="C4"><v>1</v></c><c><v>2</v></c></row>'
        "<row/>"
        '<row r="7" spans="1:3"><c r="B7" s="0"/><c r="C7" t="inlineStr"><is><t>c</t></is></c></row>'
    )
    sheet = f'{XML_DECLARATION}<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'
    rows = same_cells(write_package(tmp_path / "gaps.xlsx", sheet))
    assert rows == [
        (1, ["a", "b"]),
        (2, []),
        (3, []),
        (4, [None, None, 1.0, 2.0]),
        (5, []),
        (6, []),
        (7, [None, None, "c"]),
    ]


def test_markup_written_otherwise_is_parsed_as_xml(tmp_path):
    """A namespace prefix, single quotes, attributes in another order, comments: same cells."""
    body = (
        "<x:row r='1'><x:c t='inlineStr' r='A1'><x:is><x:t>甲</x:t></x:is></x:c>"
        "<!-- a comment --><x:c s='0' r='B1'><x:v>3</x:v></x:c></x:row>"
        '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>乙</x:t></x:is></x:c></x:row>'
        "<x:mergeCells count='1'></x:mergeCells>"
    )
    sheet = f'{XML_DECLARATION}<x:worksheet xmlns:x="{MAIN}"><x:sheetData>{body}</x:sheetData></x:worksheet>'
    path = write_package(
        tmp_path / "prefixed.xlsx", sheet.replace("<x:mergeCells count='1'></x:mergeCells>", "")
    )
    assert same_cells(path) == [(1, ["甲", 3.0]), (2, ["乙"])]


def test_a_rich_inline_cell_among_plain_ones(tmp_path):
    rows = [["甲", "乙"], ["丙", Raw("inlineStr", "<is><r><t>丁</t></r><r><t>戊</t></r></is>")], ["己"]]
    assert same_cells(write_package(tmp_path / "rich.xlsx", sheet_xml(rows))) == [
        (1, ["甲", "乙"]),
        (2, ["丙", "丁戊"]),
        (3, ["己"]),
    ]


def _styled_package(path: Path, sheet: str, *, date1904: bool) -> Path:
    styles = (
        f'{XML_DECLARATION}<styleSheet xmlns="{MAIN}"><numFmts count="2">'
        '<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
        '<numFmt numFmtId="165" formatCode="[h]:mm"/></numFmts>'
        '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/><xf numFmtId="31"/>'
        '<xf numFmtId="4"/></cellXfs></styleSheet>'
    )
    workbook = WORKBOOK.replace("<sheets>", f'<workbookPr date1904="{int(date1904)}"/><sheets>')
    rels = WORKBOOK_RELS.replace(
        "</Relationships>",
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'styles" Target="styles.xml"/></Relationships>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", ROOT_RELS)
        package.writestr("xl/workbook.xml", workbook)
        package.writestr("xl/_rels/workbook.xml.rels", rels)
        package.writestr("xl/worksheets/sheet1.xml", sheet)
        package.writestr("xl/sharedStrings.xml", shared_strings_xml([]))
        package.writestr("xl/styles.xml", styles)
    return path


@pytest.mark.parametrize("date1904", [False, True])
def test_dates_by_number_format_in_either_date_system(tmp_path, date1904):
    body = "".join(
        f'<c r="{letter}1" s="{style}"><v>40000.25</v></c>'
        for letter, style in zip("ABCDE", range(5), strict=True)
    )
    body = f'<row r="1">{body}</row>'
    sheet = f'{XML_DECLARATION}<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'
    rows = same_cells(_styled_package(tmp_path / "dates.xlsx", sheet, date1904=date1904))
    base = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    moment = base + dt.timedelta(days=40000, hours=6)
    assert rows == [(1, [40000.25, moment, moment, moment, 40000.25])]


def test_a_doctype_is_refused_by_the_streaming_reader(tmp_path):
    doctype = '<!DOCTYPE x [<!ENTITY e "e">]>'
    path = write_package(tmp_path / "doctype.xlsx", sheet_xml([["头"], ["&e;"]], doctype=doctype))
    with pytest.raises(InputError, match="XML bomb"):
        cells(path, streamed=True)


def test_hidden_sheets_are_read_and_named(tmp_path):
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "湖镇镇"
    first.append(["甲"])
    hidden = book.create_sheet("隐藏")
    hidden.append(["乙"])
    hidden.sheet_state = "hidden"
    path = tmp_path / "hidden.xlsx"
    book.save(path)
    assert readers.sheet_names(path) == ["湖镇镇", "隐藏"]
    assert same_cells(path, "隐藏") == [(1, ["乙"])]


def _streaming_peak(folder: Path, rows: int) -> int:
    """The most memory streaming a sheet of ``rows`` rows ever held (tracemalloc's peak)."""
    import tracemalloc

    row = "".join(f'<c r="{c}{{n}}" t="inlineStr"><is><t>企业名称{{n}}{c}</t></is></c>' for c in "ABCDEFGH")
    body = "".join(f'<row r="{n}">' + row.format(n=n) + "</row>" for n in range(1, rows + 1))
    sheet = f'{XML_DECLARATION}<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'
    path = write_package(folder / f"long{rows}.xlsx", sheet)
    del body, sheet
    with zipfile.ZipFile(path) as archive:
        parts = sheetxml.workbook_parts(archive)
        tracemalloc.start()
        count = sum(1 for _ in sheetxml.sheet_rows(archive, parts.sheets[0], parts, []))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert count == rows
    return peak


def test_memory_stays_flat_on_a_long_sheet(tmp_path):
    """Four times the rows, the same memory: what is held is a chunk of XML, never the sheet."""
    short, long = _streaming_peak(tmp_path, 5_000), _streaming_peak(tmp_path, 20_000)
    assert long < short * 1.25 + (1 << 20), (short, long)
