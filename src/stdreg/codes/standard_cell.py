"""A register's standard cell (执行标准), read as the officer meant it.

A cell names zero or more standards.  Each fragment (``split_cell``: on
``、 ； ; ， ,`` and line breaks, never inside brackets) is one standard code,
perhaps with an annotation around it and perhaps with an adoption written
inline:

* a leading word that says how the standard is used: ``执行GB/T 24823-2009``,
  ``按GB 2760-2014`` (the words are ``LEADING_MARKERS``);
* a bracketed or trailing note: ``GB/T 1234-2008（已作废）``,
  ``GB/T 12345-2008（2013年确认）``, ``JB/T 7041-2006（代替JB/T 7041-1993）``;
  a code inside a note is not a second standard;
* an inline adoption, bracketed or not, the degree before or after the adopted
  code: ``GB/T 19001-2016 idt ISO 9001:2015``,
  ``GB/T 19001-2016（idt ISO 9001:2015）``, ``GB 4943.1-2011 (IEC 60950-1:2005, MOD)``;
  a dual number ``GB/T 19001-2016/ISO 9001:2015`` adopts its tail IDT.

A fragment that parses as it is written is never peeled, so a code keeps the
key it always had.  The annotation is returned as written, for a warning; one
that says 作废 or 废止 sets ``says_withdrawn`` (the status itself comes from the
catalog).  A cell that holds only a placeholder (``PLACEHOLDERS``: 无, /, — …)
names no standard; words without a code are errors whose reason is
``names no standard code``.

>>> cell = read_cell('GB/T 1234-2008（已作废）、执行GB/T 24823-2009')
>>> [(c.code.code, c.annotation, c.says_withdrawn) for c in cell.codes]
[('GB/T 1234-2008', '（已作废）', True), ('GB/T 24823-2009', '执行', False)]
>>> code = read_cell('GB/T 19001-2016 idt ISO 9001:2015').codes[0]
>>> code.code.code, code.adopts.code, code.degree, code.annotation
('GB/T 19001-2016', 'ISO 9001:2015', 'IDT', None)
>>> code = read_cell('GB 4943.1-2011 (IEC 60950-1:2005, MOD)').codes[0]
>>> code.code.code, code.adopts.code, code.degree
('GB 4943.1-2011', 'IEC 60950-1:2005', 'MOD')
>>> code = read_cell('GB/T 19001-2016/ISO 9001:2015').codes[0]
>>> code.code.code, code.adopts.code, code.degree
('GB/T 19001-2016', 'ISO 9001:2015', 'IDT')
>>> [c.code.code for c in read_cell('GB/T 1-2008（代替GB/T 1-1993、GB/T 2-1993）、QB/T 3-2010').codes]
['GB/T 1-2008', 'QB/T 3-2010']
>>> read_cell('无').placeholder, read_cell('—').codes
(True, ())
>>> [(e.text, e.reason) for e in read_cell('企业标准').errors]
[('企业标准', 'names no standard code')]
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, replace

from stdreg.codes.adoption import DEGREE_WORDS, parse_degree
from stdreg.codes.standard_code import (
    BRACKETS,
    NO_CODE,
    StandardCode,
    StandardCodeError,
    parse,
    register_key,
    split_cell,
)

__all__ = [
    "LEADING_MARKERS",
    "PLACEHOLDERS",
    "WITHDRAWN_MARKERS",
    "CellCode",
    "StandardCell",
    "read_cell",
]

PLACEHOLDERS = frozenset({"无", "暂无", "没有", "无标准", "/", "-", "—", "－", "空", "--", "——", "\\"})
"""A cell that says "no standard" (compared after width folding and without spaces)."""

LEADING_MARKERS = (
    "产品执行", "执行标准", "执行", "按照", "按", "依据", "依照", "参照", "参考", "符合", "满足", "采用",
)  # fmt: skip
"""Words before a code that say how it is used: peeled off as an annotation."""

WITHDRAWN_MARKERS = ("作废", "废止")
"""An annotation holding one of these says the standard is withdrawn."""

_ADOPTED_LEVELS = frozenset({"international", "foreign"})
_DEGREE_RE = re.compile(
    "|".join(re.escape(word) for word in sorted(DEGREE_WORDS, key=len, reverse=True)), re.IGNORECASE
)
_ADOPTION_PUNCT = " \t,，、;；:："
_CLOSING = frozenset(BRACKETS.values())
_LEADING_RE = re.compile(rf"^\s*(?:{'|'.join(map(re.escape, LEADING_MARKERS))})\s*[:：]?\s*")
_HAN = "\u3400-\u9fff"
_LATIN = "0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
_CJK_TAIL_RE = re.compile(rf"^(?P<code>[^{_HAN}]*?[0-9A-Za-z])\s*(?P<note>[{_HAN}（(].*)$", re.DOTALL)
"""A code followed by Chinese words: ``GB/T 1234-2008 已作废``."""
_CJK_HEAD_RE = re.compile(rf"^(?P<note>[^{_LATIN}]*[{_HAN}][^{_LATIN}]*)(?P<code>.+)$", re.DOTALL)
"""Chinese words before a code: ``企业执行GB/T 1234-2008``."""


@dataclass(frozen=True, slots=True)
class CellCode:
    """One standard a cell names, as the register keys it."""

    written: str  # the fragment as written in the cell
    code: StandardCode  # the standard as the register keys it (register_key applied)
    adopts: StandardCode | None  # the tail of a dual number, or an inline adoption
    degree: str | None  # IDT for a dual number, the written degree of an inline adoption
    annotation: str | None  # the text peeled off, as written (for a warning)
    says_withdrawn: bool  # the annotation says 作废 / 废止 (status still comes from the catalog)


@dataclass(frozen=True, slots=True)
class StandardCell:
    """What a register's standard cell says."""

    codes: tuple[CellCode, ...]  # distinct codes in the cell's order
    errors: tuple[StandardCodeError, ...]  # fragments that name no code, in order
    placeholder: bool  # the cell says "no standard"


_PLACEHOLDER_LENGTH = 8  # longer text is never a placeholder, whatever its spaces


def _is_placeholder(text: str) -> bool:
    if len(text) > _PLACEHOLDER_LENGTH:
        return False
    return "".join(unicodedata.normalize("NFKC", text).split()) in PLACEHOLDERS


def _try(text: str) -> StandardCode | None:
    try:
        return parse(text)
    except StandardCodeError:
        return None


def _trailing_group(text: str) -> int | None:
    """Where the bracketed group that ends the text opens (nested brackets balanced), if any."""
    if not text or text[-1] not in _CLOSING:
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] in _CLOSING:
            depth += 1
        elif text[i] in BRACKETS:
            depth -= 1
            if depth == 0:
                return i
    return None


def _adopted(note: str) -> tuple[StandardCode, str] | None:
    """``idt ISO 9001:2015``, ``IEC 60950-1:2005, MOD``, ``等同采用ISO 9001:2015`` → (code, degree)."""
    for m in _DEGREE_RE.finditer(note):
        before = note[: m.start()].strip(_ADOPTION_PUNCT)
        after = note[m.end() :].strip(_ADOPTION_PUNCT)
        if bool(before) == bool(after):
            continue
        code = _try(before or after)
        if code is not None and code.level in _ADOPTED_LEVELS:
            return code, parse_degree(m[0])
    return None


def _inline(core: str) -> tuple[StandardCode, StandardCode, str] | None:
    """``GB/T 19001-2016 idt ISO 9001:2015`` → (the standard, what it adopts, degree)."""
    for m in _DEGREE_RE.finditer(core):
        head = core[: m.start()].strip(_ADOPTION_PUNCT)
        tail = core[m.end() :].strip(_ADOPTION_PUNCT)
        if not head or not tail:
            continue
        code, adopted = _try(head), _try(tail)
        if code is not None and adopted is not None and adopted.level in _ADOPTED_LEVELS:
            return code, adopted, parse_degree(m[0])
    return None


def _read_fragment(fragment: str) -> CellCode | StandardCodeError | str:
    """A code, an error, or (a fragment that is only a bracketed note) the note itself."""
    code = _try(fragment)
    leading: list[str] = []
    trailing: list[str] = []
    adoption: tuple[StandardCode, str] | None = None
    core = fragment.strip()
    if code is None:
        if _trailing_group(core) == 0 and _adopted(core[1:-1]) is None:
            return core
        while True:
            lead = _LEADING_RE.match(core)
            if lead is not None and lead.end() < len(core):
                if not lead[0].rstrip().endswith((":", "：")):  # 执行标准：… is a label, not a note
                    leading.append(lead[0].strip())
                core = core[lead.end() :]
                continue
            opens = _trailing_group(core)
            if opens:
                found = _adopted(core[opens + 1 : -1])
                if found is not None and adoption is None:
                    adoption = found
                else:
                    trailing.insert(0, core[opens:])
                core = core[:opens].rstrip()
                continue
            break
        code = _try(core)
        if code is None and (inline := _inline(core)) is not None:
            code, adopted, written_degree = inline
            adoption = adoption or (adopted, written_degree)
        if code is None and (tail := _CJK_TAIL_RE.match(core)) and (found_code := _try(tail["code"])):
            code = found_code
            trailing.insert(0, tail["note"].strip())
        if code is None and (head := _CJK_HEAD_RE.match(core)) and (found_code := _try(head["code"])):
            code = found_code
            leading.append(head["note"].strip())
    if code is None:
        try:
            parse(core)
        except StandardCodeError as exc:
            return StandardCodeError(fragment, exc.reason)
        raise AssertionError("unreachable")  # pragma: no cover
    annotation = " ".join(note for note in (*leading, *trailing) if note) or None
    adopts: StandardCode | None = code.adopts
    degree: str | None = "IDT" if adopts is not None else None
    if adoption is not None:
        adopts, degree = adoption
    return CellCode(
        written=fragment,
        code=register_key(code),
        adopts=adopts,
        degree=degree,
        annotation=annotation,
        says_withdrawn=_says_withdrawn(annotation),
    )


def _says_withdrawn(annotation: str | None) -> bool:
    return annotation is not None and any(marker in annotation for marker in WITHDRAWN_MARKERS)


@functools.lru_cache(maxsize=65536)
def _read_cell(text: str) -> StandardCell:
    if not text.strip():
        return StandardCell((), (), False)
    if _is_placeholder(text):
        return StandardCell((), (), True)
    codes: list[CellCode] = []
    errors: list[StandardCodeError] = []
    for fragment in split_cell(text):
        if _is_placeholder(fragment):
            continue
        result = _read_fragment(fragment)
        if isinstance(result, str):  # a note on a line of its own belongs to the code before it
            if codes:
                last = codes[-1]
                note = " ".join(filter(None, (last.annotation, result)))
                codes[-1] = replace(last, annotation=note, says_withdrawn=_says_withdrawn(note))
            else:
                errors.append(StandardCodeError(fragment, NO_CODE))
        elif isinstance(result, StandardCodeError):
            errors.append(result)
        else:
            same = next((i for i, c in enumerate(codes) if c.code.code == result.code.code), None)
            if same is None:
                codes.append(result)
            else:  # written twice: one standard, with what either writing says of it
                first = codes[same]
                merged = " ".join(dict.fromkeys(filter(None, (first.annotation, result.annotation)))) or None
                adopts: StandardCode | None = first.adopts
                degree: str | None = first.degree
                if adopts is None:
                    adopts, degree = result.adopts, result.degree
                withdrawn = _says_withdrawn(merged)
                codes[same] = replace(
                    first, adopts=adopts, degree=degree, annotation=merged, says_withdrawn=withdrawn
                )
    return StandardCell(tuple(codes), tuple(errors), False)


def read_cell(text: str) -> StandardCell:
    """Read a register's standard cell; never raises (bad fragments are in ``errors``).

    >>> read_cell('GB/T 12345-2008（2013年确认）').codes[0].annotation
    '（2013年确认）'
    >>> read_cell('JB/T 7041-2006（代替JB/T 7041-1993）').codes[0].code.code
    'JB/T 7041-2006'
    """
    if not isinstance(text, str):
        return StandardCell((), (StandardCodeError(repr(text), "not a string"),), False)
    return _read_cell(text)
