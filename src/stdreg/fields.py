"""Field parsers: what a person typed for a field of a register, a catalog or an update, read once.

Every value a register file, a standards catalog or ``stdreg update`` brings in
is read here, by its field's name, into what the register keeps. A value that
cannot be read raises :class:`FieldError` carrying the field, the value as
given and the reason, the way python-stdnum's ``ValidationError`` does for an
identifier: the import turns it into a bad row, the update into a usage error
or a rejected sheet row, all with the same words.

>>> FIELDS["size"]("规模以上"), FIELDS["output_value"]("1,250.5万元"), FIELDS["good_behaviour"]("4A")
('above', 1250.5, 'AAAA')
>>> FIELDS["degree"]("等同采用"), FIELDS["status"]("被代替"), FIELDS["adopted"]("iso 9001-2015")
('IDT', 'replaced', 'ISO 9001:2015')
>>> FIELDS["size"]("中型")
Traceback (most recent call last):
    ...
stdreg.fields.FieldError: size '中型': expected 规上 or 规下 (规模以上/规模以下, 是/否, above/below)

A caller that names the field otherwise (an update sheet's 新值 column holds
any field) passes its own name, and the error says that one:

>>> try:
...     FIELDS["standard"]("TC291", "replaced_by")
... except FieldError as exc:
...     print(exc.field, exc.value, exc.reason, sep=" | ")
replaced_by | TC291 | not a standard code: a technical committee number, not a standard code

An enterprise is named by its USCC (统一社会信用代码) or its 9-character
organization code (组织机构代码), in any spelling; :func:`identity` reads the
two columns of a register row, :func:`enterprise_identity` one code, and
:func:`new_uscc` a USCC given to an enterprise known by its organization code:

>>> identity("91330825123456788U", "12345678-8"), enterprise_identity("12345678-8")
(('91330825123456788U', '123456788'), (None, '123456788'))

The parsers themselves are the pure ones of ``stdreg.codes`` and
``stdreg.ingest.cells``; this module only names them by field and gives their
errors one form. It knows nothing of files, SQL or the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from stdreg.codes.adoption import DegreeError, parse_degree
from stdreg.codes.credit_code import CreditCodeError, compact_uscc, validate_org_code, validate_uscc
from stdreg.codes.lifecycle import StatusError, parse_status
from stdreg.codes.standard_code import StandardCode, StandardCodeError, parse, register_key
from stdreg.ingest import cells
from stdreg.ingest.cells import CellError, clean_text

T = TypeVar("T")


class FieldError(ValueError):
    """A value that cannot be read as its field: ``field`` and ``value`` say where, ``reason`` why.

    The one error of every field parser (and of the update's checks of a whole
    change: a change that contradicts the register says so with the field and
    value it names). ``str()`` gives all three:

    >>> str(FieldError("size", "中型", "expected 规上 or 规下"))
    "size '中型': expected 规上 or 规下"
    """

    def __init__(self, field: str, value: Any, reason: str) -> None:
        super().__init__(field, value, reason)
        self.field, self.value, self.reason = field, value, reason

    def __str__(self) -> str:
        shown = f" {self.value!r}" if self.value not in (None, "") else ""
        return f"{self.field}{shown}: {self.reason}"


def _reason(exc: Exception) -> str:
    # the codes' errors carry the reason apart from the text (their str() repeats the text);
    # the cells' and the degree's and status's errors are the reason
    reason = getattr(exc, "reason", None)
    return reason if isinstance(reason, str) and reason else str(exc)


class FieldParser(Generic[T]):
    """One field's parser: ``parser(value)`` is the value as the register keeps it.

    A value the underlying parser refuses (with one of ``errors``) raises
    FieldError naming the field (``parser(value, field)``: the caller's own name
    for it), the value as given, and ``prefix`` + the parser's reason. This is
    the one place a cell's or a code's error becomes a FieldError.
    """

    __slots__ = ("_errors", "_parse", "_prefix", "field")

    def __init__(
        self,
        field: str,
        parse: Callable[[Any], T],
        errors: tuple[type[Exception], ...] = (CellError,),
        prefix: str = "",
    ) -> None:
        self.field = field
        self._parse = parse
        self._errors = errors
        self._prefix = prefix

    def __call__(self, value: Any, field: str | None = None) -> T:
        try:
            return self._parse(value)
        except self._errors as exc:
            raise FieldError(field or self.field, value, self._prefix + _reason(exc)) from None

    def __repr__(self) -> str:
        return f"FieldParser({self.field!r})"


def _required(missing: str) -> Callable[[Any], str]:
    """Text that cannot be blank (a name): cleaned like a product name, or CellError(missing).

    None is a value not given at all: missing too.
    """

    def parse(value: Any) -> str:
        text = "" if value is None else clean_text(value)
        if not text:
            raise CellError(missing)
        return text

    return parse


def _standard(value: Any) -> StandardCode:
    return register_key(parse(str(value)))  # a dual number is its Chinese standard, as on import


def _code(value: Any) -> StandardCode:
    return parse(str(value))


def _code_text(value: Any) -> str:
    return parse(str(value)).code


def _degree(value: Any) -> str:
    return parse_degree(str(value))


def _status(value: Any) -> str:
    return parse_status(str(value))


_NOT_A_CODE = "not a standard code: "
_CODE_ERRORS = (StandardCodeError,)


def _table(*parsers: FieldParser[Any]) -> Mapping[str, FieldParser[Any]]:
    return MappingProxyType({parser.field: parser for parser in parsers})


FIELDS: Mapping[str, FieldParser[Any]] = _table(
    # an enterprise: the import's columns, the update's attributes (``name`` is the update's
    # word for the enterprise column, with its own message)
    FieldParser("enterprise", _required("the enterprise name is missing")),
    FieldParser("name", _required("the name cannot be empty")),
    FieldParser("township", _required("cannot be empty")),
    FieldParser("industry", _required("cannot be empty")),
    FieldParser("size", cells.parse_size),
    FieldParser("high_tech", cells.parse_bool),
    FieldParser("key_energy_user", cells.parse_bool),
    FieldParser("metrology_confirmed", cells.parse_metrology),  # (confirmed, on which date or None)
    FieldParser("good_behaviour", cells.parse_good_behaviour),  # "" for an explicit 无
    # a product
    FieldParser("product", _required("the product name is missing")),
    FieldParser("output_value", cells.parse_number),
    FieldParser("brand", cells.parse_brand, ()),  # any text is a title; "" for an explicit 无
    # a standard: ``standard`` as the register keys it, ``code`` as written (a catalog row's own
    # code, whose dual number still says what it adopts), ``adopted``/``adopts`` the adopted code
    FieldParser("standard", _standard, _CODE_ERRORS, _NOT_A_CODE),
    FieldParser("replaced_by", _standard, _CODE_ERRORS, _NOT_A_CODE),
    FieldParser("code", _code, _CODE_ERRORS, _NOT_A_CODE),
    FieldParser("adopted", _code_text, _CODE_ERRORS, _NOT_A_CODE),
    FieldParser("adopts", _code_text, _CODE_ERRORS, _NOT_A_CODE),
    FieldParser("degree", _degree, (DegreeError,)),
    FieldParser("status", _status, (StatusError,)),
    FieldParser("title", _required("the title cannot be empty")),
    # dates: a catalog's, an update's (``on`` the date of a fact, ``as_of`` of a change)
    FieldParser("published", cells.parse_date),
    FieldParser("implemented", cells.parse_date),
    FieldParser("withdrawn", cells.parse_date),
    FieldParser("on", cells.parse_date),
    FieldParser("as_of", cells.parse_date),
    # a sheet row's 更正 (correction) flag
    FieldParser("correct", cells.parse_bool),
)
"""Every field's parser, by the field's name (the name a register's, a catalog's or an update's
header maps its column to)."""

CATALOG_FIELDS: Mapping[str, FieldParser[Any]] = MappingProxyType(
    # a catalog's adopted code has always been refused with the code's reason alone
    {**FIELDS, "adopted": FieldParser("adopted", _code_text, _CODE_ERRORS)}
)
"""The fields of a standards catalog: FIELDS, but for the reason an adopted code is refused with."""


# --- who the enterprise is ---------------------------------------------------------------


def _organization_code(text: str) -> str | None:
    """The valid 9-character organization code a USCC cell holds instead, or None."""
    try:
        return validate_org_code(text)
    except CreditCodeError:
        return None


def identity(uscc: Any, org_code: Any) -> tuple[str | None, str]:
    """(USCC or None, organization code) of an enterprise named by a USCC, an organization code, or both.

    A USCC given as a valid organization code (a register's USCC column often
    holds one) is that organization code: the USCC is then None. The
    organization code must be characters 9–17 of the USCC. None means not given.

    >>> identity("9133 0825 1234 5678 8U", None), identity("123456788", None)
    (('91330825123456788U', '123456788'), (None, '123456788'))
    >>> try:
    ...     identity("91330825123456788U", "600037341")
    ... except FieldError as exc:
    ...     print(exc.field, exc.reason, sep=": ")
    org_code: contradicts the USCC 91330825123456788U, whose characters 9–17 are 123456788
    """
    if uscc is None and org_code is None:
        raise FieldError("uscc", "", "neither a USCC (统一社会信用代码) nor an organization code is given")
    valid_uscc = valid_org = None
    uscc_org = None
    if uscc is not None:
        try:
            valid_uscc = validate_uscc(uscc)
        except CreditCodeError as exc:
            uscc_org = _organization_code(uscc)
            if uscc_org is None:
                raise FieldError("uscc", uscc, exc.reason) from None
    if org_code is not None:
        try:
            valid_org = validate_org_code(org_code)
        except CreditCodeError as exc:
            raise FieldError("org_code", org_code, exc.reason) from None
    if uscc_org is not None:  # the USCC column held an organization code
        if valid_org not in (None, uscc_org):
            raise FieldError(
                "org_code", org_code, f"contradicts the organization code {uscc_org} in the USCC column"
            )
        return None, uscc_org
    if valid_uscc is not None:
        embedded = valid_uscc[8:17]
        if valid_org is not None and valid_org != embedded:
            raise FieldError(
                "org_code",
                org_code,
                f"contradicts the USCC {valid_uscc}, whose characters 9–17 are {embedded}",
            )
        return valid_uscc, embedded
    assert valid_org is not None
    return None, valid_org


def code_identity(text: Any) -> tuple[str | None, str]:
    """(USCC or None, organization code) of one code, in any spelling: 18 characters are a USCC.

    A code that is neither raises FieldError with the code's own reason.

    >>> code_identity("60003734-1"), code_identity("91330825 1234 5678 8u")
    ((None, '600037341'), ('91330825123456788U', '123456788'))
    """
    code = compact_uscc(str(text))
    return identity(code, None) if len(code) == 18 else identity(None, code)


def enterprise_identity(text: Any) -> tuple[str | None, str]:
    """(USCC or None, organization code) of an enterprise named by either code (:func:`code_identity`).

    A code that is neither raises FieldError for ``uscc`` saying which codes it could be.

    >>> enterprise_identity("60003734-1")
    (None, '600037341')
    """
    try:
        return code_identity(text)
    except FieldError as exc:
        raise FieldError(
            "uscc",
            text,
            "not a valid USCC (18 characters) or organization code (9 characters, XXXXXXXX-X): " + exc.reason,
        ) from None


def new_uscc(text: Any, org_code: str) -> str:
    """A USCC given to an enterprise known by ``org_code``: valid, and its characters 9–17 are that code.

    >>> new_uscc("91330825123456788U", "123456788")
    '91330825123456788U'
    """
    try:
        uscc = validate_uscc(str(text))
    except CreditCodeError as exc:
        raise FieldError("uscc", text, f"not a valid USCC: {exc.reason}") from None
    if uscc[8:17] != org_code:
        raise FieldError(
            "uscc",
            text,
            f"characters 9–17 of the USCC are {uscc[8:17]}, "
            f"not the enterprise's organization code {org_code}",
        )
    return uscc
