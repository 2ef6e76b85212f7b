"""Tests for stdreg.codes.credit_code (USCC and organization codes)."""

from __future__ import annotations

import contextlib
import doctest

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from stdreg.codes import credit_code as cc
from stdreg.codes.credit_code import (
    CreditCodeError,
    calc_org_check,
    calc_uscc_check,
    compact_uscc,
    format_org_code,
    identify,
    is_valid_org_code,
    is_valid_uscc,
    org_code_of,
    validate_org_code,
    validate_uscc,
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def make_org(first8: str) -> str:
    return first8 + calc_org_check(first8)


def make_uscc(head8: str, org: str) -> str:
    first17 = head8 + org
    return first17 + calc_uscc_check(first17)


# A few fixed, fully computed examples (fictional county 330825).
ORG_A = make_org("14725836")
ORG_B = make_org("MA28F0K1")
USCC_A = make_uscc("91330825", ORG_A)
USCC_B = make_uscc("91330825", ORG_B)


def test_doctests() -> None:
    result = doctest.testmod(cc)
    assert result.attempted > 5
    assert result.failed == 0


# ---------------------------------------------------------------- examples


def test_known_real_code() -> None:
    # The example used by python-stdnum.
    assert validate_uscc("91110000600037341L") == "91110000600037341L"
    assert org_code_of("91110000600037341L") == "600037341"
    assert validate_org_code("60003734-1") == "600037341"


@pytest.mark.parametrize(
    ("first8", "check"),
    [("60003734", "1"), ("60003735", "X"), ("10000018", "X"), ("D2143569", "X")],
)
def test_org_check_examples(first8: str, check: str) -> None:
    assert calc_org_check(first8) == check


def test_org_check_eleven_is_zero() -> None:
    # Find a code whose raw check value is 11 (sum divisible by 11): it is written 0.
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    for n in range(10_000_000, 10_001_000):
        s = str(n)
        if sum(int(c) * w for c, w in zip(s, weights, strict=True)) % 11 == 0:
            assert calc_org_check(s) == "0"
            return
    pytest.fail("no example found")


def test_constructed_codes_are_valid() -> None:
    for code in (USCC_A, USCC_B):
        assert validate_uscc(code) == code
        assert is_valid_uscc(code)
    assert org_code_of(USCC_A) == ORG_A
    assert org_code_of(USCC_B) == ORG_B


@pytest.mark.parametrize("authority", ["A", "N", "Y", "1", "5", "9"])
def test_authorities_a_n_y_accepted(authority: str) -> None:
    code = make_uscc(authority + "1330825", ORG_A)
    assert validate_uscc(code) == code


@pytest.mark.parametrize("authority", ["B", "C", "H", "0"])
def test_other_authorities_rejected(authority: str) -> None:
    code = make_uscc(authority + "1330825", ORG_A)
    with pytest.raises(CreditCodeError, match="registration authority"):
        validate_uscc(code)


def test_messy_input_is_compacted() -> None:
    messy = f" {USCC_B[:4]} {USCC_B[4:8]}-{USCC_B[8:]} ".lower()
    assert validate_uscc(messy) == USCC_B
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in USCC_A)
    assert validate_uscc(fullwidth) == USCC_A
    assert compact_uscc("ab\u3000c\u2014d") == "ABCD"


def test_org_code_forms() -> None:
    printed = format_org_code(ORG_A)
    assert printed == f"{ORG_A[:8]}-{ORG_A[8]}"
    assert validate_org_code(printed) == ORG_A
    assert validate_org_code(f" {ORG_A[:4]} {ORG_A[4:8]} - {ORG_A[8]}") == ORG_A
    assert validate_org_code(printed.lower()) == ORG_A


def test_org_code_with_letters_outside_uscc_alphabet() -> None:
    # I, O, S, V, Z are valid in an organization code, just not embeddable in a USCC.
    org = make_org("ZS0I0V0O")
    assert validate_org_code(org) == org


def test_embedded_org_code_checked() -> None:
    bad_org = ORG_A[:8] + ("0" if ORG_A[8] != "0" else "1")
    code = make_uscc("91330825", bad_org)  # USCC check is right, org check is wrong
    with pytest.raises(CreditCodeError) as err:
        validate_uscc(code)
    assert "organization code" in err.value.reason
    assert "characters 9-17" in err.value.reason


def test_embedded_org_check_must_be_digit_or_x() -> None:
    code = make_uscc("91330825", ORG_A[:8] + "Y")
    with pytest.raises(CreditCodeError, match="0-9 or X"):
        validate_uscc(code)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("330825000012345", "15-digit registration number is not a credit code"),
        ("91330825", "18 characters, this has 8"),
        (USCC_A + "1", "18 characters, this has 19"),
        ("9133082514725836I" + "0", "not allowed"),
        ("91330825#472583610", "not allowed"),
        ("9A3308251472583610", "characters 2-8"),
    ],
)
def test_uscc_reasons(text: str, fragment: str) -> None:
    with pytest.raises(CreditCodeError) as err:
        validate_uscc(text)
    assert fragment in err.value.reason
    assert err.value.text == text
    assert fragment in str(err.value)


def test_uscc_wrong_check_reason() -> None:
    wrong = USCC_A[:17] + ("0" if USCC_A[17] != "0" else "1")
    with pytest.raises(CreditCodeError, match=r"check character \(position 18\)"):
        validate_uscc(wrong)


def test_org_code_given_as_uscc_and_vice_versa() -> None:
    with pytest.raises(CreditCodeError, match="organization code, not"):
        validate_uscc(format_org_code(ORG_A))
    with pytest.raises(CreditCodeError, match="credit code, not"):
        validate_org_code(USCC_A)
    with pytest.raises(CreditCodeError, match="15-digit"):
        validate_org_code("330825000012345")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1472583", "9 characters, this has 7"),
        ("14725836-Y", "check character 0-9 or X"),
        ("1472#836-1", "not allowed"),
    ],
)
def test_org_code_reasons(text: str, fragment: str) -> None:
    with pytest.raises(CreditCodeError, match=fragment):
        validate_org_code(text)


def test_org_code_wrong_check() -> None:
    wrong = ORG_A[:8] + ("0" if ORG_A[8] != "0" else "1")
    with pytest.raises(CreditCodeError, match="check character of the organization code"):
        validate_org_code(wrong)


def test_non_text_input() -> None:
    assert not is_valid_uscc(None)
    assert not is_valid_uscc(3.5)
    assert not is_valid_org_code(["x"])
    with pytest.raises(CreditCodeError):
        validate_uscc(None)  # type: ignore[arg-type]
    # Integers (e.g. from a spreadsheet cell) are read as their digits.
    org_digits = next(s for s in (str(n) for n in range(10_000_000, 10_000_100)) if calc_org_check(s) != "X")
    full = org_digits + calc_org_check(org_digits)
    assert validate_org_code(int(full)) == full  # type: ignore[arg-type]


def test_calc_functions_reject_bad_input() -> None:
    with pytest.raises(CreditCodeError):
        calc_uscc_check("91330825")
    with pytest.raises(CreditCodeError):
        calc_uscc_check("9133082514725836I")
    with pytest.raises(CreditCodeError):
        calc_org_check("1472583")
    with pytest.raises(CreditCodeError):
        calc_org_check("1472583#")


def test_stdnum_agrees_for_numeric_authorities() -> None:
    from stdnum.cn import uscc

    assert uscc.is_valid(USCC_A)
    assert uscc.calc_check_digit(USCC_A[:17]) == calc_uscc_check(USCC_A[:17])


# ---------------------------------------------------------------- identify


def test_identify_uscc_only() -> None:
    assert identify(USCC_A, None) == (USCC_A, ORG_A)
    assert identify(USCC_A, "") == (USCC_A, ORG_A)
    assert identify(USCC_A.lower(), "   ") == (USCC_A, ORG_A)


def test_identify_org_only() -> None:
    assert identify(None, format_org_code(ORG_A)) == (None, ORG_A)
    assert identify("", ORG_A) == (None, ORG_A)


def test_identify_both_consistent() -> None:
    assert identify(USCC_B, format_org_code(ORG_B)) == (USCC_B, ORG_B)


def test_identify_contradiction() -> None:
    with pytest.raises(CreditCodeError, match="contradicts"):
        identify(USCC_A, ORG_B)


def test_identify_neither() -> None:
    with pytest.raises(CreditCodeError, match="neither"):
        identify(None, None)
    with pytest.raises(CreditCodeError, match="neither"):
        identify(" ", "")


def test_identify_invalid_parts() -> None:
    with pytest.raises(CreditCodeError, match="check character"):
        identify(USCC_A[:17] + ("0" if USCC_A[17] != "0" else "1"), None)
    with pytest.raises(CreditCodeError):
        identify(USCC_A, ORG_A[:8] + ("0" if ORG_A[8] != "0" else "1"))
    with pytest.raises(CreditCodeError, match="15-digit"):
        identify("330825000012345", None)


# ---------------------------------------------------------------- properties

org_first8 = st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8)
org_first8_any = st.text(alphabet=ORG_ALPHABET, min_size=8, max_size=8)
authority = st.sampled_from("123456789ANY")
digits7 = st.text(alphabet="0123456789", min_size=7, max_size=7)


@st.composite
def valid_usccs(draw: st.DrawFn) -> str:
    org = make_org(draw(org_first8))
    return make_uscc(draw(authority) + draw(digits7), org)


@st.composite
def valid_org_codes(draw: st.DrawFn) -> str:
    return make_org(draw(org_first8_any))


@given(valid_usccs())
def test_prop_constructed_uscc_valid(code: str) -> None:
    assert validate_uscc(code) == code
    assert identify(code, format_org_code(code[8:17])) == (code, code[8:17])


@given(valid_usccs(), st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_prop_uscc_single_substitution_detected(code: str, pos: int, char: str) -> None:
    assume(code[pos] != char)
    changed = code[:pos] + char + code[pos + 1 :]
    assert not is_valid_uscc(changed)


@given(valid_org_codes(), st.integers(0, 8), st.sampled_from(ORG_ALPHABET))
def test_prop_org_single_substitution_detected(code: str, pos: int, char: str) -> None:
    assume(code[pos] != char)
    if pos < 8:
        # Mod 11: a change by a multiple of 11 in a character's value is undetectable.
        assume((ORG_ALPHABET.index(code[pos]) - ORG_ALPHABET.index(char)) % 11 != 0)
    changed = code[:pos] + char + code[pos + 1 :]
    assert not is_valid_org_code(changed)


def test_org_check_blind_spot_documented() -> None:
    # 0 (value 0) and B (value 11) differ by 11: the GB 11714 check cannot see it.
    code = make_org("00000000")
    assert is_valid_org_code("B" + code[1:])


@given(valid_org_codes())
def test_prop_org_format_round_trip(code: str) -> None:
    printed = format_org_code(code)
    assert len(printed) == 10 and printed[8] == "-"
    assert validate_org_code(printed) == code
    assert compact_uscc(printed) == code
    assert format_org_code(printed) == printed


@given(valid_usccs())
def test_prop_validate_idempotent(code: str) -> None:
    once = validate_uscc(code.lower())
    assert validate_uscc(once) == once
    org = org_code_of(once)
    assert validate_org_code(validate_org_code(org)) == org


@given(st.text(max_size=30))
def test_prop_random_text_raises_only_credit_code_error(text: str) -> None:
    for func in (
        validate_uscc,
        validate_org_code,
        calc_org_check,
        calc_uscc_check,
        format_org_code,
        org_code_of,
    ):
        try:
            func(text)
        except CreditCodeError as err:
            assert isinstance(err, ValueError)
            assert err.reason
    assert isinstance(is_valid_uscc(text), bool)
    assert isinstance(is_valid_org_code(text), bool)
    with contextlib.suppress(CreditCodeError):
        identify(text, text)


@given(st.text(alphabet=USCC_ALPHABET + " -", max_size=24))
def test_prop_near_miss_text_raises_only_credit_code_error(text: str) -> None:
    try:
        result = validate_uscc(text)
    except CreditCodeError:
        return
    assert len(result) == 18 and result == compact_uscc(text)
