"""Validation of register rows: raw cells in, normalized register values or a clear reason out.

Validation is per row but cached per distinct value: codes, townships and
credit codes repeat thousands of times in a county file.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from stdreg.codes.standard_cell import read_cell
from stdreg.codes.standard_code import (
    NO_CODE,
    StandardCode,
    StandardCodeError,
    parse,
    register_key,
    split_cell,
)
from stdreg.fields import FIELDS, FieldError, FieldParser, identity
from stdreg.ingest.cells import clean_text
from stdreg.ingest.headers import HeaderMap
from stdreg.ingest.problems import Problems
from stdreg.ingest.readers import RawRow

_TITLE_SEPARATORS = re.compile(r"[、；;\n]+")

# The row classifier's tables (SPEC.md, "Real township forms"). A row whose 序号, enterprise
# or product cell holds a total marker is a total row; a row whose first cell starts with a
# footer marker is the form's footer. Neither is a product, nor a bad row.
TOTAL_MARKERS = frozenset({"合计", "小计", "总计", "共计", "以下空白", "以下无内容", "以下为空"})
FOOTER_MARKERS = (
    "填表说明", "填表人", "填报人", "制表人", "审核人", "负责人", "单位负责人", "联系人", "联系电话",
    "填表日期", "填报日期", "注:", "说明:", "备注:",
)  # fmt: skip
_MARKER_START = frozenset({m[0] for m in TOTAL_MARKERS} | {m[0] for m in FOOTER_MARKERS} | set(" \u3000\t\n"))
_IGNORED_WARNINGS = {
    "total": "total, subtotal or end-of-table row (合计/小计/总计/以下空白) ignored",
    "footer": "footer row (填表说明/填表人/审核人/注：…) ignored",
    "note": "row without enterprise, product or code ignored",
}
_ORG_CODE_AS_USCC = "a 9-character organization code in the USCC column: read as the organization code"
_MARKER_SPACES = re.compile(r"[\s:：。.]+")

_RAW_ENTERPRISE_FIELDS = (
    "enterprise", "township", "industry", "size", "high_tech", "key_energy_user", "metrology_confirmed",
    "good_behaviour",
)  # fmt: skip

# the field parsers of a row, looked up once (they run per row, or per distinct value)
_ENTERPRISE = FIELDS["enterprise"]
_PRODUCT = FIELDS["product"]
_OUTPUT_VALUE = FIELDS["output_value"]
_BRAND = FIELDS["brand"]
_DEGREE = FIELDS["degree"]
_ADOPTED = FIELDS["adopted"]
_METROLOGY = FIELDS["metrology_confirmed"]


@dataclass(slots=True)
class RegisterRow:
    """One valid register row, normalized."""

    number: int
    org_code: str
    uscc: str | None
    enterprise: tuple[Any, ...]  # values in ENTERPRISE_FIELDS order; None = unknown
    product: str
    product_values: tuple[Any, ...]  # values in PRODUCT_FIELDS order; None = unknown
    standards: tuple[str, ...]  # normalized codes, distinct, in the cell's order
    standard_titles: tuple[str, ...]  # aligned with standards, or empty
    adopted: str | None
    degree: str | None


@dataclass
class StandardFacts:
    """What register rows say about a standard: its title and what it adopts."""

    title: str | None = None
    adopted: str | None = None
    degree: str | None = None


_ROW_FIELDS = frozenset({"enterprise", "product", "uscc", "org_code", "standard"})
_CACHE_LIMIT = 20_000  # distinct values remembered per cache: bounded, a province file has more


class RegisterValidator:
    """Turns raw rows of one register file into RegisterRows, reporting bad ones."""

    def __init__(self, header: HeaderMap, problems: Problems, as_of: dt.date) -> None:
        self.header = header
        self.problems = problems
        self.as_of = as_of
        self.codes: dict[str, StandardCode] = {}
        self._cells: dict[str, tuple[str, ...] | FieldError] = {}
        self._identities: dict[tuple[str | None, str | None], tuple[str | None, str] | FieldError] = {}
        self._attributes: dict[tuple[str, Any], Any] = {}
        self._enterprises: dict[tuple[Any, ...], tuple[Any, ...] | FieldError] = {}
        # cells written as text, each distinct one parsed once (see _text_once)
        self._products: dict[str, Any] = {}
        self._output_values: dict[str, Any] = {}
        self._brands: dict[str, Any] = {}
        self.facts: dict[str, StandardFacts] = {}
        self._header = header

    def column(self, field: str) -> str:
        return self._header.column_name(field)

    def validate(self, raw: RawRow) -> RegisterRow | None:
        values = raw.values
        sheet = raw.sheet
        self._header = sheet.header if sheet is not None else self.header
        kind = self.classify(raw)
        if kind is not None:
            self.problems.ignore(kind)
            if kind != "blank":
                self.problems.warn("", "", _IGNORED_WARNINGS[kind])
            return None
        try:
            if raw.bad is not None:
                raise FieldError(*raw.bad)
            return self._validate(raw.number, values)
        except FieldError as rejected:
            self.problems.reject(
                raw.number,
                self.column(rejected.field),
                rejected.value,
                rejected.reason,
                sheet=sheet.name if sheet is not None else "",
                enterprise=values.get("enterprise"),
                product=values.get("product"),
            )
            return None

    @staticmethod
    def classify(raw: RawRow) -> str | None:
        """None for a data row; else why the row is not one: blank, total, footer or note."""
        values = raw.values
        # most cells are told apart by their first character alone (cells are never empty):
        # cheap on a big file
        product = values.get("product")
        enterprise = values.get("enterprise")
        serial = values.get("serial")
        if (
            (type(product) is str and product[0] in _MARKER_START)
            or (type(enterprise) is str and enterprise[0] in _MARKER_START)
            or (type(serial) is str and serial[0] in _MARKER_START)
        ):
            for value in (serial, enterprise, product):
                if type(value) is str and (kind := _marker(value)):
                    return kind
        if product is not None or enterprise is not None or values.keys() & _ROW_FIELDS:
            return None
        if values.keys() <= {"serial", "township"} and not raw.extra:
            return "blank"  # a numbered row of the template left empty
        # the row's first cell that says something: values keep the columns' order
        first = next((str(v) for v in (*values.values(), *raw.extra) if str(v).strip()), "")
        return (_marker(first) if first else None) or "note"

    def _validate(self, number: int, values: dict[str, Any]) -> RegisterRow:
        written_uscc = values.get("uscc")
        uscc, org_code = self._identity(written_uscc, values.get("org_code"))
        if uscc is None and written_uscc is not None:  # an organization code written in the USCC column
            self.problems.warn(self.column("uscc"), written_uscc, _ORG_CODE_AS_USCC)
        enterprise = self._enterprise(tuple(map(values.get, _RAW_ENTERPRISE_FIELDS)))
        product = self._text_once(self._products, _PRODUCT, values.get("product"))
        output_value = values.get("output_value")
        if output_value is not None:
            output_value = self._text_once(self._output_values, _OUTPUT_VALUE, output_value)
        brand = values.get("brand")
        if brand is not None:
            brand = self._text_once(self._brands, _BRAND, brand)
        standards = self._standards(values.get("standard"))
        title = values.get("standard_title")
        adopted = values.get("adopted")
        degree = values.get("degree")
        if len(standards) != 1 and (adopted is not None or degree is not None):
            # whatever it says (见附件, a code stdreg cannot read), it cannot be attributed: not read
            self.problems.warn(
                self.column("adopted" if adopted is not None else "degree"),
                adopted if adopted is not None else degree,
                "adoption on a row that names several standards (or none) cannot be attributed: ignored",
            )
            adopted = degree = None
        if degree is not None:
            degree = _DEGREE(degree)
        if adopted is not None:
            adopted = _ADOPTED(adopted)
        if adopted is not None and degree is None:
            self.problems.warn(
                self.column("adopted"), adopted, "adopted standard without a degree: not counted as adoption"
            )
        row = RegisterRow(
            number=number,
            org_code=org_code,
            uscc=uscc,
            enterprise=enterprise,
            product=product,
            product_values=(output_value, brand),
            standards=standards,
            standard_titles=self._titles(title, standards),
            adopted=adopted,
            degree=degree,
        )
        self._learn(row)
        return row

    def _learn(self, row: RegisterRow) -> None:
        """Keep what the row says about its standards: titles, and adoption on a one-standard row."""
        for code, title in zip(row.standards, row.standard_titles, strict=False):
            fact = self.facts.get(code)
            if fact is None:
                fact = self.facts[code] = StandardFacts()
            fact.title = fact.title or title
        if row.degree is not None:  # only ever kept on a row that names one standard
            fact = self.facts.setdefault(row.standards[0], StandardFacts())
            if fact.degree is None:
                fact.adopted, fact.degree = row.adopted, row.degree

    @staticmethod
    def _text_once(cache: dict[str, Any], parser: FieldParser[Any], value: Any) -> Any:
        """``parser(value)``, remembered for a text cell: product names, output values and brands
        repeat across a county's rows. Numbers and flags (a workbook's) are parsed each time:
        as keys, ``True``, ``1`` and ``1.0`` would be one."""
        if type(value) is not str:
            return parser(value)
        cached = cache.get(value)
        if cached is None:
            try:
                cached = parser(value)
            except FieldError as rejected:
                cached = rejected
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[value] = cached
        if isinstance(cached, FieldError):
            raise cached.with_traceback(None)
        return cached

    def _enterprise(self, raw: tuple[Any, ...]) -> tuple[Any, ...]:
        """The enterprise's attributes; every product row repeats them, so each is parsed once."""
        cached = self._enterprises.get(raw)
        if cached is None:
            try:
                cached = self._parse_enterprise(*raw)
            except FieldError as rejected:
                cached = rejected
            if len(self._enterprises) >= _CACHE_LIMIT:
                self._enterprises.clear()
            self._enterprises[raw] = cached
        if isinstance(cached, FieldError):
            raise cached.with_traceback(None)  # raised again for every row: no traceback piling up
        return cached

    def _parse_enterprise(
        self,
        name: Any,
        township: Any,
        industry: Any,
        size: Any,
        high_tech: Any,
        key_energy_user: Any,
        metrology: Any,
        good_behaviour: Any,
    ) -> tuple[Any, ...]:
        return (
            _ENTERPRISE(name),
            self._attribute("township", township),
            self._attribute("industry", industry),
            self._attribute("size", size),
            self._attribute("high_tech", high_tech),
            self._attribute("key_energy_user", key_energy_user),
            *self._metrology(metrology),
            self._attribute("good_behaviour", good_behaviour),
        )

    def _titles(self, title: Any, standards: tuple[str, ...]) -> tuple[str, ...]:
        """Titles paired with the codes: one per code, in the same order, or none at all."""
        if title is None or not standards:
            return ()
        if len(standards) == 1:
            return (clean_text(title),)
        parts = [clean_text(part) for part in _TITLE_SEPARATORS.split(str(title)) if part.strip()]
        if len(parts) == len(standards):
            return tuple(parts)
        self.problems.warn(
            self.column("standard_title"),
            title,
            f"{len(parts)} titles for {len(standards)} standards cannot be paired: ignored",
        )
        return ()

    def _identity(self, uscc: Any, org_code: Any) -> tuple[str | None, str]:
        key = (None if uscc is None else str(uscc), None if org_code is None else str(org_code))
        cached = self._identities.get(key)
        if cached is None:
            try:
                cached = identity(*key)
            except FieldError as rejected:
                cached = rejected
            if len(self._identities) >= _CACHE_LIMIT:
                self._identities.clear()
            self._identities[key] = cached
        if isinstance(cached, FieldError):
            raise cached.with_traceback(None)
        return cached

    def _attribute(self, field: str, value: Any) -> Any:
        if value is None:
            return None
        key = (field, value)
        if key not in self._attributes:
            self._attributes[key] = FIELDS[field](value)
        return self._attributes[key]

    def _metrology(self, value: Any) -> tuple[bool | None, dt.date | None]:
        if value is None:
            return None, None
        parsed: tuple[bool, dt.date | None] = _METROLOGY(value)
        return parsed

    def _standards(self, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        text = str(value)
        cached = self._cells.get(text)
        if cached is None:
            cached = self._parse_cell(text)
            if len(self._cells) >= _CACHE_LIMIT:
                self._cells.clear()
            self._cells[text] = cached
        if isinstance(cached, FieldError):
            raise cached.with_traceback(None)
        return cached

    def _parse_cell(self, text: str) -> tuple[str, ...] | FieldError:
        try:
            # nearly every cell is plain codes: read as read_cell would, without peeling
            written = [parse(fragment) for fragment in split_cell(text)]
        except StandardCodeError:
            return self._read_cell(text)
        codes: list[str] = []
        for code in written:
            self._keep(register_key(code), code.adopts, "IDT" if code.adopts is not None else None, codes)
        return tuple(codes)

    def _keep(
        self, code: StandardCode, adopts: StandardCode | None, degree: str | None, codes: list[str]
    ) -> None:
        """One code of a cell: what it adopts (a dual number, an inline adoption), its year."""
        if adopts is not None and degree is not None:
            # as if the adopted and degree columns said it
            fact = self.facts.setdefault(code.code, StandardFacts())
            if fact.degree is None:
                fact.adopted, fact.degree = adopts.code, degree
        if code.code not in codes:
            codes.append(code.code)
            self.codes.setdefault(code.code, code)
            if code.year is not None and code.year > self.as_of.year:
                self.problems.warn(
                    self.column("standard"),
                    code.code,
                    f"the standard's year {code.year} is later than the as-of date {self.as_of}",
                )

    def _read_cell(self, text: str) -> tuple[str, ...] | FieldError:
        """A cell with placeholders, annotations, inline adoptions or words (read_cell)."""
        cell = read_cell(text)
        if cell.errors:
            error = cell.errors[0]
            reason = error.reason if error.reason == NO_CODE else f"not a standard code: {error.reason}"
            return FieldError("standard", error.text, reason)
        codes: list[str] = []
        for read in cell.codes:
            if read.annotation is not None:
                status = " (status comes from the catalog)" if read.says_withdrawn else ""
                self.problems.warn(
                    self.column("standard"), read.written, f"annotation {read.annotation!r} dropped{status}"
                )
            self._keep(read.code, read.adopts, read.degree, codes)
        return tuple(codes)


def _marker(text: str) -> str | None:
    """total or footer when a cell's text marks such a row (合计, 以下空白, 填表人：…), else None."""
    if len(text) <= 12 and _MARKER_SPACES.sub("", text) in TOTAL_MARKERS:
        return "total"
    if _MARKER_SPACES.sub(":", unicodedata.normalize("NFKC", text[:12].lstrip())).startswith(FOOTER_MARKERS):
        return "footer"
    return None
