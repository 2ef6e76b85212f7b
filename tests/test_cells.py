"""Cell parsers and the adoption/lifecycle rules: examples and properties."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stdreg.codes.adoption import AdoptionRule, DegreeError, counts_as_adoption, parse_degree
from stdreg.codes.lifecycle import StatusError, parse_status
from stdreg.ingest import cells
from stdreg.ingest.cells import CellError


@pytest.mark.parametrize("text", ["IDT", "idt", " I D T ", "ＩＤＴ", "等同", "等同采用"])
def test_idt_spellings(text):
    assert parse_degree(text) == "IDT"


@pytest.mark.parametrize(
    ("text", "degree"),
    [("MOD", "MOD"), ("修改采用", "MOD"), ("neq", "NEQ"), ("非等效", "NEQ"), ("eqv", "EQV"), ("等效", "EQV")],
)
def test_degree_spellings(text, degree):
    assert parse_degree(text) == degree


@given(st.text())
def test_degree_parser_only_raises_its_own_error(text):
    with contextlib.suppress(DegreeError):
        assert parse_degree(text) in ("IDT", "MOD", "NEQ", "EQV")


@given(st.text())
def test_status_parser_only_raises_its_own_error(text):
    with contextlib.suppress(StatusError):
        parse_status(text)


@pytest.mark.parametrize(
    "value",
    [
        "2009-06-30",
        "2009/6/30",
        "2009.06.30",
        "2009年6月30日",
        "20090630",
        dt.datetime(2009, 6, 30, 0, 0),
        dt.date(2009, 6, 30),
        39994,
        "39994",
    ],
)
def test_dates_in_every_form(value):
    assert cells.parse_date(value) == dt.date(2009, 6, 30)


@given(st.dates(min_value=dt.date(1900, 3, 1)))
def test_iso_and_chinese_dates_round_trip(date):
    assert cells.parse_date(date.isoformat()) == date
    assert cells.parse_date(f"{date.year}年{date.month}月{date.day}日") == date


@given(st.one_of(st.text(), st.integers(), st.floats()))
def test_cell_parsers_only_raise_cell_errors(value):
    for parser in (
        cells.parse_date,
        cells.parse_number,
        cells.parse_bool,
        cells.parse_size,
        cells.parse_good_behaviour,
        cells.parse_metrology,
    ):
        with contextlib.suppress(CellError):
            parser(value)


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_numbers_with_thousands_separators(number):
    assert cells.parse_number(f"{number:,.2f}") == pytest.approx(round(number, 2))


@given(st.text())
def test_clean_text_is_idempotent(text):
    assert cells.clean_text(cells.clean_text(text)) == cells.clean_text(text)


def test_adoption_rules():
    day = dt.date(2012, 1, 1)
    classic = AdoptionRule()
    assert counts_as_adoption("foreign", None, None, day, classic)
    assert counts_as_adoption("national", "IDT", "international", day, classic)
    assert not counts_as_adoption("national", None, None, day, classic)
    assert not counts_as_adoption("national", "NEQ", "international", day, classic)
    assert counts_as_adoption("national", "EQV", None, day, AdoptionRule(count_eqv=True))
    national = AdoptionRule(rule="national-2025")
    assert counts_as_adoption("industry", "MOD", "foreign", day, national)  # before 2025-06-01: classic
    later = dt.date(2025, 6, 1)
    assert not counts_as_adoption("international", None, None, later, national)
    assert not counts_as_adoption("industry", "IDT", "international", later, national)
    assert counts_as_adoption("national", "MOD", "international", later, national)
