"""Tests for stdreg.codes.standard_cell: the register's standard cell as the officer meant it."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stdreg.codes import standard_cell
from stdreg.codes.standard_cell import (
    LEADING_MARKERS,
    PLACEHOLDERS,
    WITHDRAWN_MARKERS,
    CellCode,
    StandardCell,
    read_cell,
)
from stdreg.codes.standard_code import NO_CODE, StandardCodeError, parse, register_key, split_cell
from test_standard_code import _valid_codes


def test_doctests() -> None:
    result = doctest.testmod(standard_cell)
    assert result.attempted > 8
    assert result.failed == 0


# (cell, [(code, adopts, degree, annotation, says_withdrawn)])
SPEC_FORMS = [
    ("GB/T 1234-2008（已作废）", [("GB/T 1234-2008", None, None, "（已作废）", True)]),
    ("GB/T 1234-2008(已废止)", [("GB/T 1234-2008", None, None, "(已废止)", True)]),
    ("GB/T 1234-2008 已作废", [("GB/T 1234-2008", None, None, "已作废", True)]),
    (
        "JB/T 7041-2006（代替JB/T 7041-1993）",
        [("JB/T 7041-2006", None, None, "（代替JB/T 7041-1993）", False)],
    ),
    ("GB/T 12345-2008（2013年确认）", [("GB/T 12345-2008", None, None, "（2013年确认）", False)]),
    ("执行GB/T 24823-2009", [("GB/T 24823-2009", None, None, "执行", False)]),
    ("按GB 2760-2014", [("GB 2760-2014", None, None, "按", False)]),
    ("按照 GB 2760-2014", [("GB 2760-2014", None, None, "按照", False)]),
    ("GB/T 19001-2016 idt ISO 9001:2015", [("GB/T 19001-2016", "ISO 9001:2015", "IDT", None, False)]),
    ("GB/T 19001-2016（idt ISO 9001:2015）", [("GB/T 19001-2016", "ISO 9001:2015", "IDT", None, False)]),
    ("GB/T 19001-2016 (ISO 9001:2015,IDT)", [("GB/T 19001-2016", "ISO 9001:2015", "IDT", None, False)]),
    ("GB/T 19001-2016（等同采用ISO 9001:2015）", [("GB/T 19001-2016", "ISO 9001:2015", "IDT", None, False)]),
    ("GB 4943.1-2011 (IEC 60950-1:2005, MOD)", [("GB 4943.1-2011", "IEC 60950-1:2005", "MOD", None, False)]),
    ("GB 4343.1-2009 (CISPR 14-1:2005, IDT)", [("GB 4343.1-2009", "CISPR 14-1:2005", "IDT", None, False)]),
    (
        "GB 4706.1-2005 (IEC 60335-1:2004(Ed4.1), IDT)",
        [("GB 4706.1-2005", "IEC 60335-1:2004(ED4.1)", "IDT", None, False)],
    ),
    ("GB 1234-1996 (eqv IEC 335-1:1991)", [("GB 1234-1996", "IEC 335-1:1991", "EQV", None, False)]),
    ("GB/T 19001-2016/ISO 9001:2015", [("GB/T 19001-2016", "ISO 9001:2015", "IDT", None, False)]),
    (
        "GB 4943.1-2011 (IEC 60950-1:2005, MOD)（已作废）",
        [("GB 4943.1-2011", "IEC 60950-1:2005", "MOD", "（已作废）", True)],
    ),
    (
        "GB/T 1-2008（代替GB/T 1-1993、GB/T 2-1993）、QB/T 3-2010",
        [
            ("GB/T 1-2008", None, None, "（代替GB/T 1-1993、GB/T 2-1993）", False),
            ("QB/T 3-2010", None, None, None, False),
        ],
    ),
    (
        "执行GB/T 24823-2009；GB/T 1234-2008（已作废）\nGB 2760-2014",
        [
            ("GB/T 24823-2009", None, None, "执行", False),
            ("GB/T 1234-2008", None, None, "（已作废）", True),
            ("GB 2760-2014", None, None, None, False),
        ],
    ),
    ("GB/T 1234-2008\n（已作废）", [("GB/T 1234-2008", None, None, "（已作废）", True)]),
    (
        "执行标准：GB/T 1-2008（已作废）",
        [("GB/T 1-2008", None, None, "（已作废）", True)],
    ),  # a label is no note
    (
        "GB/T 19001-2016 IDT ISO 9001:2015、GB/T 24001-2016 IDT ISO 14001:2015",
        [
            ("GB/T 19001-2016", "ISO 9001:2015", "IDT", None, False),
            ("GB/T 24001-2016", "ISO 14001:2015", "IDT", None, False),
        ],
    ),
    # a code that parses as written keeps its key and has no annotation
    ("GB 18401-2010（C类）", [("GB 18401-2010", None, None, None, False)]),
    ("执行标准：GB/T 1234-2008", [("GB/T 1234-2008", None, None, None, False)]),
    ("ISO 9001:2015(E)", [("ISO 9001:2015(E)", None, None, None, False)]),
    # written twice: one standard, with what either writing says
    ("GB/T 1234-2008、GB/T 1234-2008（已作废）", [("GB/T 1234-2008", None, None, "（已作废）", True)]),
]


_Summary = tuple[str, str | None, str | None, str | None, bool]


def _summary(cell: StandardCell) -> list[_Summary]:
    return [
        (c.code.code, c.adopts.code if c.adopts else None, c.degree, c.annotation, c.says_withdrawn)
        for c in cell.codes
    ]


@pytest.mark.parametrize(("cell", "expected"), SPEC_FORMS, ids=repr)
def test_real_township_forms(cell: str, expected: list[_Summary]) -> None:
    read = read_cell(cell)
    assert _summary(read) == expected
    assert read.errors == () and not read.placeholder
    for code in read.codes:
        assert isinstance(code, CellCode) and code.written in cell
        assert code.code.adopts is None  # register_key applied: the Chinese number alone


_WORDS = ["企业标准", "见附件", "按客户要求", "执行企业标准", "（已作废）", "详见说明书"]


@pytest.mark.parametrize("words", _WORDS)
def test_words_without_a_code_name_no_standard(words: str) -> None:
    read = read_cell(words)
    assert read.codes == () and not read.placeholder
    assert [(e.text, e.reason) for e in read.errors] == [(words, "names no standard code")]
    assert NO_CODE == "names no standard code"
    with pytest.raises(StandardCodeError, match="names no standard code"):
        parse(words)


def test_errors_keep_their_order_and_the_codes_beside_them() -> None:
    read = read_cell("见附件、GB/T 1234-2008、XX/T 1-2008、按客户要求")
    assert [c.code.code for c in read.codes] == ["GB/T 1234-2008"]
    assert [(e.text, e.reason) for e in read.errors] == [
        ("见附件", NO_CODE),
        ("XX/T 1-2008", "unknown issuer prefix 'XX'"),
        ("按客户要求", NO_CODE),
    ]


def test_a_code_inside_a_note_is_not_the_standard() -> None:
    read = read_cell("企业标准（参照GB/T 1234-2008）")
    assert read.codes == ()
    assert [(e.text, e.reason) for e in read.errors] == [("企业标准（参照GB/T 1234-2008）", NO_CODE)]


def test_draft_in_a_cell_is_an_error() -> None:
    read = read_cell("ISO/DIS 9001")
    draft = ("ISO/DIS 9001", "a draft, not a published standard")
    assert [(e.text, e.reason) for e in read.errors] == [draft]


_CELLS = ["无", "暂无", "没有", "无标准", "/", "-", "—", "－", "空", " 无 ", "／", "\u3000—\u3000"]


@pytest.mark.parametrize("cell", _CELLS)
def test_placeholders(cell: str) -> None:
    assert read_cell(cell) == StandardCell((), (), True)


def test_tables_are_data() -> None:
    assert {"无", "暂无", "没有", "无标准", "/", "-", "—", "－", "空"} <= PLACEHOLDERS
    assert {"执行", "按"} <= set(LEADING_MARKERS)
    assert WITHDRAWN_MARKERS == ("作废", "废止")


def test_empty_and_non_text_cells() -> None:
    assert read_cell("") == StandardCell((), (), False)
    assert read_cell("  \n ") == StandardCell((), (), False)
    odd = read_cell(12)  # type: ignore[arg-type]
    assert odd.codes == () and odd.errors[0].reason == "not a string"


def test_placeholder_beside_a_code_is_ignored() -> None:
    assert _summary(read_cell("GB/T 1234-2008、无")) == [("GB/T 1234-2008", None, None, None, False)]


def test_split_cell_never_splits_inside_brackets() -> None:
    cell = "GB 4943.1-2011 (IEC 60950-1:2005, MOD)、GB/T 1-2008（代替GB/T 1-1993；GB/T 2-1993）"
    assert split_cell(cell) == [
        "GB 4943.1-2011 (IEC 60950-1:2005, MOD)",
        "GB/T 1-2008（代替GB/T 1-1993；GB/T 2-1993）",
    ]
    # brackets that do not balance do not protect anything
    assert split_cell("GB/T 1-2008（代替、QB/T 3-2010") == ["GB/T 1-2008（代替", "QB/T 3-2010"]


def test_read_cell_is_cached() -> None:
    assert read_cell("执行GB/T 24823-2009") is read_cell("执行GB/T 24823-2009")


# ------------------------------------------------------------ properties

_PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_NOTES = [
    "（已作废）", "(已废止)", "（2013年确认）", "（代替GB/T 1-1993）", "（代替GB/T 1-1993、GB/T 2-1993）",
    " 已作废",
]  # fmt: skip
_cell_like = st.lists(
    st.sampled_from(
        ["GB/T 1234-2008", "执行", "按", "（", "）", "(", ")", "idt", "MOD", "ISO 9001:2015", "、",
         "，", "\n", "已作废", "代替", "无", "/", "—", " ", "IEC CISPR 22:2006", "ISO/DIS 1",
         "等同采用", "企业标准", "B类"]
    ),
    max_size=12,
).map("".join)  # fmt: skip


@_PROPERTY
@given(st.text() | _cell_like)
def test_read_cell_never_raises(text: str) -> None:
    read = read_cell(text)
    assert all(isinstance(e, StandardCodeError) and e.reason for e in read.errors)
    assert len({c.code.code for c in read.codes}) == len(read.codes)
    if read.placeholder:
        assert read.codes == () and read.errors == ()


@_PROPERTY
@given(
    st.lists(_valid_codes, min_size=1, max_size=4),
    st.sampled_from(["、", "；", ";", "，", ",", "\n", "\r\n"]),
)
def test_codes_joined_by_separators_read_back(pairs: list[tuple[str, str]], sep: str) -> None:
    read = read_cell(sep.join(messy for _, messy in pairs))
    expected = list(dict.fromkeys(register_key(parse(clean)).code for clean, _ in pairs))
    assert [c.code.code for c in read.codes] == expected
    assert read.errors == () and all(c.annotation is None for c in read.codes)


@_PROPERTY
@given(_valid_codes, st.sampled_from(_NOTES), st.sampled_from(["", "执行", "按"]))
def test_peeling_is_idempotent(pair: tuple[str, str], note: str, lead: str) -> None:
    clean = pair[0]
    key = register_key(parse(clean)).code
    plain = read_cell(clean).codes
    assert [(c.code.code, c.annotation) for c in plain] == [(key, None)]
    annotated = read_cell(lead + clean + note).codes
    assert [c.code.code for c in annotated] == [key]
    assert annotated[0].annotation == " ".join(filter(None, (lead, note.strip())))
    assert annotated[0].says_withdrawn == ("废" in note)
    again = read_cell(annotated[0].code.code).codes
    assert [(c.code.code, c.annotation) for c in again] == [(key, None)]


@_PROPERTY
@given(
    st.sampled_from(sorted(PLACEHOLDERS)),
    st.sampled_from(["", " ", "\u3000", "\n"]),
    st.sampled_from(["", " ", "\t"]),
)
def test_placeholder_cells_have_no_codes_and_no_errors(placeholder: str, before: str, after: str) -> None:
    assert read_cell(before + placeholder + after) == StandardCell((), (), True)
