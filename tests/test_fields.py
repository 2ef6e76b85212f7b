"""The shared field parsers (stdreg.fields): one table, one error naming its field and value."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stdreg.codes.credit_code import USCC_ALPHABET, calc_org_check, calc_uscc_check, format_org_code
from stdreg.fields import CATALOG_FIELDS, FIELDS, FieldError, enterprise_identity, identity, new_uscc

# what a cell of a workbook, a CSV file, a JSON line or a command line can hold
cell_values = st.one_of(
    st.text(),
    st.text(alphabet="0123456789-/年月日 .,万元GBTISOidtMODneq是否规上下AX"),
    st.integers(),
    st.integers(min_value=-(2**1100), max_value=2**1100),  # beyond any float: a JSON line can hold one
    st.floats(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)


def usccs() -> st.SearchStrategy[str]:
    """Valid USCCs: any authority, region and organization code, with both check characters."""
    first8 = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8)
    region = st.text(alphabet="0123456789", min_size=6, max_size=6)
    authority = st.sampled_from(["91", "92", "93", "11", "12", "51", "52", "Y1"])

    def build(parts: tuple[str, str, str]) -> str:
        head, place, org8 = parts
        first17 = head + place + org8 + calc_org_check(org8)
        return first17 + calc_uscc_check(first17)

    return st.tuples(authority, region, first8).map(build)


def check_parser(name: str, parser, value, field: str | None) -> None:
    try:
        parser(value) if field is None else parser(value, field)
    except FieldError as exc:
        assert exc.field == (field or name)
        assert exc.value is value
        assert exc.reason and isinstance(exc.reason, str)
        assert exc.reason in str(exc)


@given(cell_values, st.sampled_from([None, "value", "old"]))
def test_every_parser_returns_a_value_or_a_field_error_naming_its_field_and_the_value(value, field):
    for table in (FIELDS, CATALOG_FIELDS):
        for name, parser in table.items():
            check_parser(name, parser, value, field)


@given(cell_values)
def test_a_parser_reads_what_it_returned_as_itself(value):
    # what the register keeps, read again, is kept as it is (an update sheet holds exported values)
    for name in ("enterprise", "township", "size", "good_behaviour", "output_value", "degree", "status"):
        try:
            kept = FIELDS[name](value)
        except FieldError:
            continue
        if kept != "":  # "" is the explicit 无 of good_behaviour: not a value to read back
            assert FIELDS[name](kept) == kept


@given(st.one_of(st.none(), cell_values), st.one_of(st.none(), cell_values))
def test_identity_returns_the_codes_or_a_field_error_for_uscc_or_org_code(uscc, org_code):
    try:
        found, org = identity(uscc, org_code)
    except FieldError as exc:
        if uscc is None and org_code is None:
            assert (exc.field, exc.value) == ("uscc", "")
        else:
            assert exc.field in ("uscc", "org_code")
            assert exc.value is (uscc if exc.field == "uscc" else org_code)
        return
    assert len(org) == 9 and (found is None or found[8:17] == org)


@given(cell_values)
def test_enterprise_identity_and_new_uscc_raise_only_field_errors(value):
    for parse in (enterprise_identity, lambda v: new_uscc(v, "123456788")):
        try:
            parse(value)
        except FieldError as exc:
            assert exc.field == "uscc" and exc.value is value


@given(usccs())
def test_a_uscc_and_its_organization_code_name_the_same_enterprise(uscc):
    org = uscc[8:17]
    assert identity(uscc, None) == identity(uscc, format_org_code(org)) == (uscc, org)
    assert identity(None, format_org_code(org)) == identity(org, None) == (None, org)
    assert enterprise_identity(uscc.lower()) == (uscc, org)
    assert enterprise_identity(format_org_code(org)) == (None, org)
    assert new_uscc(uscc, org) == uscc


@given(usccs(), st.integers(min_value=0, max_value=17), st.sampled_from(USCC_ALPHABET))
def test_a_uscc_with_one_character_changed_is_refused(uscc, position, char):
    changed = uscc[:position] + char + uscc[position + 1 :]
    if changed == uscc:
        return
    with pytest.raises(FieldError) as caught:
        enterprise_identity(changed)
    assert caught.value.field == "uscc" and caught.value.value == changed
    assert caught.value.reason.startswith("not a valid USCC (18 characters) or organization code")


def test_each_caller_keeps_its_own_words():
    with pytest.raises(FieldError, match="^enterprise: the enterprise name is missing$"):
        FIELDS["enterprise"]("")
    with pytest.raises(FieldError, match="^name ' ': the name cannot be empty$"):
        FIELDS["name"](" ")
    with pytest.raises(FieldError) as caught:
        FIELDS["adopted"]("TC291")
    assert caught.value.reason.startswith("not a standard code: ")
    with pytest.raises(FieldError) as caught:
        CATALOG_FIELDS["adopted"]("TC291")
    assert caught.value.reason == "a technical committee number, not a standard code"
    with pytest.raises(FieldError) as caught:
        identity("91330825123456788U", "600037341")
    assert (caught.value.field, caught.value.value) == ("org_code", "600037341")
    with pytest.raises(FieldError, match="contradicts the organization code 123456788 in the USCC column"):
        identity("123456788", "600037341")
    with pytest.raises(FieldError, match="not the enterprise's organization code 600037341"):
        new_uscc("91330825123456788U", "600037341")


def test_a_field_error_survives_pickling():
    error = FieldError("on", dt.date(2009, 6, 30), "a reason")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.field, copy.value, copy.reason, str(copy)) == (
        "on",
        dt.date(2009, 6, 30),
        "a reason",
        "on datetime.date(2009, 6, 30): a reason",
    )
