"""Enterprise identity codes: USCC (GB 32100-2015) and organization code (GB 11714).

An enterprise is identified by its Unified Social Credit Code (统一社会信用代码,
USCC).  The code has 18 characters drawn from ``0-9`` and ``A-Z`` without
``I O S V Z`` (31 symbols, valued 0-30):

* character 1 is the registration authority (``1``-``9``, ``A``, ``N`` or ``Y``;
  ``9`` is the market-supervision administration that registers enterprises),
* character 2 is the type of entity within that authority (a digit),
* characters 3-8 are the GB/T 2260 administrative division (``330825``),
* characters 9-17 are the organization code (组织机构代码, GB 11714),
* character 18 is a check character over the first 17 (weights ``3**i mod 31``).

Older registers carry the 9-character organization code instead, often written
``XXXXXXXX-X``: 8 characters from ``0-9A-Z`` and a check character from
``0-9X`` (weights 3, 7, 9, 10, 5, 8, 4, 2; check = 11 - sum mod 11, where 10 is
``X`` and 11 is ``0``).  It equals characters 9-17 of the USCC, so either code
identifies the enterprise.  A 15-digit business registration number (注册号) is
not an identity.

python-stdnum's ``stdnum.cn.uscc`` computes the USCC check character, but it
rejects the authorities ``A``, ``N`` and ``Y`` and does not verify the embedded
organization code; this module does both.

>>> validate_uscc('91110000600037341L')
'91110000600037341L'
>>> validate_uscc(' 9111 0000-6000 3734 1l ')
'91110000600037341L'
>>> org_code_of('91110000600037341L')
'600037341'
>>> format_org_code('600037341')
'60003734-1'
>>> validate_org_code('60003734-1')
'600037341'
>>> calc_org_check('60003734')
'1'
>>> code = 'N2330825600037341'
>>> validate_uscc(code + calc_uscc_check(code)) == code + calc_uscc_check(code)
True

Invalid codes raise CreditCodeError, whose ``reason`` says why:

>>> def why(func, *args):
...     try:
...         func(*args)
...     except CreditCodeError as err:
...         print(err.reason)
>>> why(validate_uscc, '91110000600037342L')
the check character (position 18) is wrong
>>> why(validate_uscc, '330825000012345')
a 15-digit registration number is not a credit code
>>> why(calc_uscc_check, 'N23308256000373')
the first 17 characters of a credit code are needed, got 15
>>> identify(None, '60003734-1')
(None, '600037341')
>>> identify('91110000600037341L', None)
('91110000600037341L', '600037341')
>>> why(identify, '91110000600037341L', '60003735-X')
the organization code 60003735-X contradicts characters 9-17 of the credit code
"""

from __future__ import annotations

import re
import unicodedata

from stdnum.cn import uscc as _stdnum_uscc

__all__ = [
    "CreditCodeError",
    "calc_org_check",
    "calc_uscc_check",
    "compact_uscc",
    "format_org_code",
    "identify",
    "is_valid_org_code",
    "is_valid_uscc",
    "org_code_of",
    "validate_org_code",
    "validate_uscc",
]

#: The 31 symbols of a USCC, in value order (no I, O, S, V, Z).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Registration authorities allowed in the first character of a USCC.
USCC_AUTHORITIES = "123456789ANY"
#: The 36 symbols of the first 8 characters of an organization code.
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: Allowed organization-code check characters.
ORG_CHECK_CHARS = "0123456789X"

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Separators removed by compaction: white space and every kind of hyphen/dash.
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d]+")


class CreditCodeError(ValueError):
    """A USCC or organization code is invalid.

    ``text`` is the value as given, ``reason`` a short English sentence.
    """

    def __init__(self, text: object, reason: str) -> None:
        self.text = text if isinstance(text, str) else ("" if text is None else str(text))
        self.reason = reason
        super().__init__(f"{reason} ({self.text!r})")


def _as_text(text: object) -> str:
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if isinstance(text, int) and not isinstance(text, bool):
        return str(text)
    raise CreditCodeError(text, "a code must be text")


def compact_uscc(text: str) -> str:
    """Return the code without spaces and hyphens, NFKC-normalized and upper-cased.

    Works for organization codes too.

    >>> compact_uscc('９１１１０００ 0-600037341l')
    '91110000600037341L'
    """
    text = unicodedata.normalize("NFKC", _as_text(text))
    return _SEPARATORS.sub("", text).upper()


def calc_org_check(first8: str) -> str:
    """Return the check character of the organization code whose first 8 characters are given.

    >>> calc_org_check('D2143569')
    'X'
    """
    first8 = compact_uscc(first8)
    if len(first8) != 8:
        raise CreditCodeError(
            first8, f"the first 8 characters of an organization code are needed, got {len(first8)}"
        )
    for pos, char in enumerate(first8, start=1):
        if char not in ORG_ALPHABET:
            raise CreditCodeError(
                first8,
                f"character {char!r} at position {pos} is not allowed in an organization code",
            )
    total = sum(ORG_ALPHABET.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def calc_uscc_check(first17: str) -> str:
    """Return the check character (position 18) of the USCC whose first 17 characters are given.

    >>> calc_uscc_check('91110000600037341')
    'L'
    """
    first17 = compact_uscc(first17)
    if len(first17) != 17:
        raise CreditCodeError(
            first17, f"the first 17 characters of a credit code are needed, got {len(first17)}"
        )
    for pos, char in enumerate(first17, start=1):
        if char not in USCC_ALPHABET:
            raise CreditCodeError(
                first17, f"character {char!r} at position {pos} is not allowed in a credit code"
            )
    return str(_stdnum_uscc.calc_check_digit(first17))


def _check_org_code(code: str, original: str, *, in_uscc: bool) -> None:
    """Raise CreditCodeError unless the 9 compact characters form a valid organization code."""
    what = "the embedded organization code (characters 9-17)" if in_uscc else "the code"
    for pos, char in enumerate(code[:8], start=1):
        if char not in ORG_ALPHABET:
            raise CreditCodeError(
                original,
                f"character {char!r} at position {pos} is not allowed in an organization code",
            )
    if code[8] not in ORG_CHECK_CHARS:
        raise CreditCodeError(original, f"{what} must end in a check character 0-9 or X, not {code[8]!r}")
    if code[8] != calc_org_check(code[:8]):
        if in_uscc:
            raise CreditCodeError(original, f"{what} has a wrong check character")
        raise CreditCodeError(original, "the check character of the organization code is wrong")


def validate_uscc(text: str) -> str:
    """Return the compact 18-character USCC, or raise CreditCodeError saying why it is invalid."""
    original = _as_text(text)
    code = compact_uscc(original)
    if not code:
        raise CreditCodeError(original, "the credit code is empty")
    if len(code) == 15 and code.isdigit():
        raise CreditCodeError(original, "a 15-digit registration number is not a credit code")
    if len(code) == 9 and is_valid_org_code(code):
        raise CreditCodeError(
            original, "this is a 9-character organization code, not an 18-character credit code"
        )
    if len(code) != 18:
        raise CreditCodeError(original, f"a credit code has 18 characters, this has {len(code)}")
    for pos, char in enumerate(code, start=1):
        if char not in USCC_ALPHABET:
            raise CreditCodeError(
                original, f"character {char!r} at position {pos} is not allowed in a credit code"
            )
    if code[0] not in USCC_AUTHORITIES:
        raise CreditCodeError(original, "the registration authority (character 1) must be 1-9, A, N or Y")
    if not code[1:8].isdigit():
        raise CreditCodeError(original, "characters 2-8 of a credit code must be digits")
    if code[17] != calc_uscc_check(code[:17]):
        raise CreditCodeError(original, "the check character (position 18) is wrong")
    _check_org_code(code[8:17], original, in_uscc=True)
    return code


def validate_org_code(text: str) -> str:
    """Return the compact 9-character organization code, or raise CreditCodeError."""
    original = _as_text(text)
    code = compact_uscc(original)
    if not code:
        raise CreditCodeError(original, "the organization code is empty")
    if len(code) == 18 and is_valid_uscc(code):
        raise CreditCodeError(
            original, "this is an 18-character credit code, not a 9-character organization code"
        )
    if len(code) == 15 and code.isdigit():
        raise CreditCodeError(original, "a 15-digit registration number is not an organization code")
    if len(code) != 9:
        raise CreditCodeError(original, f"an organization code has 9 characters, this has {len(code)}")
    _check_org_code(code, original, in_uscc=False)
    return code


def is_valid_uscc(text: object) -> bool:
    """Whether the text is a valid USCC (any object is accepted; non-text is invalid)."""
    try:
        validate_uscc(text)  # type: ignore[arg-type]
    except CreditCodeError:
        return False
    return True


def is_valid_org_code(text: object) -> bool:
    """Whether the text is a valid organization code (non-text is invalid)."""
    try:
        validate_org_code(text)  # type: ignore[arg-type]
    except CreditCodeError:
        return False
    return True


def org_code_of(uscc: str) -> str:
    """Return the compact organization code (characters 9-17) of a valid USCC."""
    return validate_uscc(uscc)[8:17]


def format_org_code(code: str) -> str:
    """Return a valid organization code in its printed form ``XXXXXXXX-X``."""
    code = validate_org_code(code)
    return f"{code[:8]}-{code[8]}"


def _given(value: object) -> bool:
    if value is None:
        return False
    return not (isinstance(value, str) and not compact_uscc(value))


def identify(uscc: str | None, org_code: str | None) -> tuple[str | None, str]:
    """Validate the codes given for one enterprise and return ``(uscc or None, org_code)``.

    Blank values count as not given.  Raises CreditCodeError when neither code
    is given, when a given one is invalid, or when the organization code
    contradicts characters 9-17 of the USCC.
    """
    has_uscc, has_org = _given(uscc), _given(org_code)
    if not has_uscc and not has_org:
        raise CreditCodeError("", "neither a credit code nor an organization code is given")
    code = validate_uscc(uscc) if has_uscc else None  # type: ignore[arg-type]
    org = validate_org_code(org_code) if has_org else None  # type: ignore[arg-type]
    if code is None:
        assert org is not None
        return None, org
    embedded = code[8:17]
    if org is not None and org != embedded:
        raise CreditCodeError(
            _as_text(org_code),
            f"the organization code {format_org_code(org)} contradicts characters 9-17 of the credit code",
        )
    return code, embedded
