"""Standard numbers (标准编号): Chinese, international and foreign.

A Chinese standard number is ``CODE[/T|/Z] serial[.part]-year``: the issuer
code (国家标准 ``GB``, an industry code such as ``QB``, a local code ``DB33``),
an optional nature suffix (``/T`` recommended, ``/Z`` guidance, none for
mandatory), the serial with an optional dotted part, and the year after a
hyphen.  Group standards are ``T/ORG serial-year`` and enterprise standards
``Q/ENT serial-year``; neither has a nature.  International (ISO, IEC, ITU …)
and foreign (EN, BS, DIN, JIS, ASTM …) standards keep their own form: the part
follows a hyphen and the year a colon (``ISO 8124-1:2018``).

This module normalizes messy register text to one canonical string (the global
key of a standard), classifies it by level, and splits register cells that
hold several codes.  Issuer codes, province codes and standard bodies come
from the data files shipped in ``stdreg.data``; an unknown Chinese-style
issuer is an error, never a guess.

Canonical forms:

* exactly one space between the issuer and the serial: ``GB/T 1234-2008``;
* the year always has four digits (``GB 1234-89`` → ``GB 1234-1989``:
  two-digit years ``>= 50`` are 19xx, the others 20xx);
* a mandatory local standard keeps its slash, the ``T`` slot left empty, as
  printed on the cover: ``DB12/ 684-2016`` (from ``DB12/684-2016``,
  ``DB12 684-2016`` …);
* ``GBZ`` (occupational health, national, mandatory) is kept apart from
  ``GB/Z`` (national guidance document);
* ``DB`` followed by a province code is local; ``DB/T n`` is the earthquake
  industry and a bare ``DB n`` is an error (it cannot be told apart);
  ``DBJ33/T`` (engineering construction) and ``DBS33/`` (food safety) are
  local too (unconfirmed forms);
* group ``T/ORG serial-year``: a repeated ``T/ORG`` prefix, ``--`` and ``.-``
  before the year are collapsed; the serial may hold letters and inner
  hyphens, and the last ``-YYYY`` is the year (``T/XCFW TG06-011.3-2023``);
* enterprise ``Q/ENT[/J] serial-year``: spaces inside the enterprise code are
  dropped (``Q/320582 JDG 001-2015`` → ``Q/320582JDG 001-2015``); ``/J``
  (or ``/G``, ``/Z``) is kept in the code, not in ``prefix``;
* leading zeros of a serial are kept (``DB3303/T 013-2020``);
* a dual number ``GB/T 19001-2016/ISO 9001:2015`` is one code, with the
  adopted international code in ``adopts``; a national amendment note
  ``/XG1-2012`` stays part of the code;
* ``CECS 21:2000`` (engineering-construction association, group level) keeps
  its colon year; other Chinese codes use a hyphen;
* international and foreign codes are only lightly normalized (uppercase,
  spaces collapsed, spaces around ``/ - : . +`` removed) and keep their year
  forms (``ASTM F963-17A``, ``DIN EN 10204:2005-01``,
  ``JIS A 0203:2019/AMENDMENT 1:2022``); ISO/IEC codes with a hyphen year
  get a colon (``ISO 536-2019`` → ``ISO 536:2019``).  Their ``number``,
  ``part`` and ``year`` are best effort;
* every form ISO's and IEC's catalogs write is international: deliverable
  types (``ISO/TS``, ``IEC TR``, ``ISO/IEC Guide``, ``ISO/R``, ``IEC SRD``,
  ``ISO/IEC ISP``), joint publishers (``ISO/IEC/IEEE``, ``ISO/ASTM``,
  ``ISO/HL7``, ``IEC/IEEE`` …), ``IWA``, CISPR, amendments, corrigenda,
  extensions and interpretation sheets (``/Amd 1:2024``, ``/COR1:2015``,
  ``/Ext 1:1983``, ``/ISH1:2008``), consolidated and other versions
  (``+AMD1:2013+AMD2:2016 CSV``, ``RLV``, ``EXV``, ``CMV``, ``PRV``, ``SER``,
  ``DB``), a language or edition in brackets (``(E)``; a space before the
  bracket is dropped) and ITU dates (``ITU-T G.652 (11/2016)``);
* ``IEC CISPR 22:2006`` is ``CISPR 22:2006``: IEC sells CISPR's standards as a
  series of their own, and national adoptions name them so (a written-for
  alias in the bodies file; ``IEC CISPR22`` and ``IEC/CISPR 22``, which read
  as IEC codes before, keep that key);
* an ISO or IEC draft (``ISO/DIS``, ``ISO/FDIS``, ``/DAmd 1``, ``/CD Cor 1``,
  ``IEC CDV`` …) is refused: it is "a draft, not a published standard".

Before parsing, a label (``执行标准：``, ``标准号:``), a title in ``《…》`` and a
safety-class suffix (``B类``) are stripped.  ``nature`` is None for group,
enterprise, international and foreign codes, and for ``GSB`` (physical
reference samples); a national or industry code without suffix takes the
default nature of its data-file row (mandatory for most).

>>> normalize('ＧＢ／Ｔ１２３４－２００８')
'GB/T 1234-2008'
>>> normalize('gbt1234—89')
'GB/T 1234-1989'
>>> normalize('JYT 0629-2020')
'JY/T 0629-2020'
>>> normalize('DB13/T\\n5651.5-2023')
'DB13/T 5651.5-2023'
>>> normalize('DB12 684-2016')
'DB12/ 684-2016'
>>> normalize('T/CSGF T/CSGF024—2023')
'T/CSGF 024-2023'
>>> normalize('执行标准：GB18401-2010 B类')
'GB 18401-2010'
>>> normalize('ISO 536-2019')
'ISO 536:2019'
>>> normalize('IEC CISPR 22:2006'), normalize('iec 60335-1:2010+amd1:2013 csv')
('CISPR 22:2006', 'IEC 60335-1:2010+AMD1:2013 CSV')
>>> parse('ISO/IEC ISP 10608-1:1992').level, parse('IWA 1:2005').level
('international', 'international')
>>> try:
...     parse('ISO/DIS 1234')
... except StandardCodeError as exc:
...     print(exc.reason)
a draft, not a published standard
>>> code = parse('GB/T 19001-2016/ISO 9001:2015')
>>> code.level, code.nature, code.number, code.year, code.adopts.code
('national', 'recommended', '19001', 2016, 'ISO 9001:2015')
>>> parse('DB3301/T 0001.2-2020')
StandardCode(code='DB3301/T 0001.2-2020', prefix='DB3301', level='local', \
nature='recommended', number='0001', part='2', year=2020, adopts=None)
>>> parse('ASTM F963-17a').year
2017
>>> split_cell('Q/PM001-2016\\nQ/PM003-2016、GB/T 22844-2009')
['Q/PM001-2016', 'Q/PM003-2016', 'GB/T 22844-2009']
>>> try:
...     parse('GB/T')
... except StandardCodeError as exc:
...     print(exc.reason)
names no standard code
>>> is_valid('XX/T 1234-2008'), is_valid('见附件')
(False, False)
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace

__all__ = [
    "register_key",
    "LEVELS",
    "NATURES",
    "DRAFT",
    "NO_CODE",
    "IssuerInfo",
    "StandardCode",
    "StandardCodeError",
    "is_valid",
    "issuer_info",
    "level_of_prefix",
    "normalize",
    "parse",
    "split_cell",
]

LEVELS = ("international", "foreign", "national", "industry", "local", "group", "enterprise")
"""Standard levels, highest first."""

NATURES = ("mandatory", "recommended", "guidance")
"""Legal nature of national, industry and local standards."""

_SUFFIX_NATURE = {None: "mandatory", "T": "recommended", "Z": "guidance"}

_MAX_LENGTH = 120  # longer text is not a single standard code

NO_CODE = "names no standard code"
"""The reason given for text with no code in it (``企业标准``, ``见附件``)."""
DRAFT = "a draft, not a published standard"
"""The reason given for an ISO/IEC draft (``ISO/DIS 1234``, ``…/DAmd 1``)."""


class StandardCodeError(ValueError):
    """The text is not a standard code; ``.text`` is the input, ``.reason`` says why."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.text = text
        self.reason = reason

    def __reduce__(self) -> tuple[type[StandardCodeError], tuple[str, str]]:
        return (type(self), (self.text, self.reason))


@dataclass(frozen=True, slots=True)
class StandardCode:
    """A parsed standard number; ``code`` is the canonical text and the key."""

    code: str
    prefix: str
    level: str
    nature: str | None
    number: str
    part: str | None
    year: int | None
    adopts: StandardCode | None = None

    def __str__(self) -> str:
        return self.code

    @property
    def dated(self) -> bool:
        """False for an undated reference (it means the latest edition)."""
        return self.year is not None


@dataclass(frozen=True, slots=True)
class IssuerInfo:
    """One row of the shipped issuer data (industry codes or standard bodies)."""

    prefix: str
    level: str
    name: str
    confirmed: bool
    status: str  # "current", "candidate" or "legacy"
    note: str
    default_nature: str | None = None


# ---------------------------------------------------------------- data files


def _read_csv(name: str) -> list[dict[str, str]]:
    text = importlib.resources.files("stdreg.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@functools.cache
def _cn_issuers() -> Mapping[str, IssuerInfo]:
    """Chinese issuer codes (national, industry and a few others) by code."""
    out: dict[str, IssuerInfo] = {}
    for row in _read_csv("industry_codes.csv"):
        out[row["code"]] = IssuerInfo(
            prefix=row["code"],
            level=row["level"],
            name=row["name_zh"],
            confirmed=row["confirmed"] == "yes",
            status=row["status"],
            note=row["note"],
            default_nature=row["default_nature"] or None,
        )
    return out


@functools.cache
def _provinces() -> Mapping[str, tuple[str, bool]]:
    """Province code → (English name, issues DB standards)."""
    return {
        row["code"]: (row["name_en"], row["issues_db"] == "yes") for row in _read_csv("province_codes.csv")
    }


@functools.cache
def _bodies() -> Mapping[str, IssuerInfo]:
    """International and foreign standard bodies by prefix."""
    return {
        row["prefix"]: IssuerInfo(
            prefix=row["prefix"],
            level=row["level"],
            name=row["name"],
            confirmed=row["confirmed"] == "yes",
            status="current",
            note=row["note"],
        )
        for row in _read_csv("standard_bodies.csv")
        if not row["written_for"]
    }


@functools.cache
def _body_aliases() -> Mapping[str, str]:
    """Prefixes written for another body's series: ``IEC CISPR`` → ``CISPR``."""
    rows = _read_csv("standard_bodies.csv")
    return {row["prefix"]: row["written_for"] for row in rows if row["written_for"]}


@functools.cache
def _body_re() -> re.Pattern[str]:
    """Longest body prefix (or alias) at the start, followed by a non-letter."""
    names = sorted(_bodies(), key=len, reverse=True)
    alternation = "|".join(re.escape(n) for n in names)
    # an alias only before a space: IEC CISPR12 has always read as an IEC code
    aliases = "|".join(re.escape(n) for n in sorted(_body_aliases(), key=len, reverse=True))
    return re.compile(rf"^(?:(?P<alias>{aliases})(?= )|(?P<body>{alternation})(?=$|[ 0-9/]))", re.ASCII)


@functools.cache
def _dual_re() -> re.Pattern[str]:
    """``<Chinese code ending in a digit>/<international code>``."""
    aliases = [a for a, body in _body_aliases().items() if _bodies()[body].level == "international"]
    intl = sorted([*(p for p, b in _bodies().items() if b.level == "international"), *aliases], key=len)
    alternation = "|".join(re.escape(n) for n in reversed(intl))
    return re.compile(rf"^(?P<cn>.*[0-9])/(?P<intl>(?:{alternation})(?:$|[ 0-9/]).*)$", re.ASCII)


def issuer_info(prefix: str) -> IssuerInfo | None:
    """Data-file row for an issuer prefix (``QB``, ``GBZ``, ``ISO``, ``BS EN``), if any.

    Use it to flag unconfirmed, candidate or legacy codes.

    >>> issuer_info('TJ').status
    'legacy'
    >>> issuer_info('ISO').level
    'international'
    """
    return _cn_issuers().get(prefix) or _bodies().get(prefix)


_LOCAL_PREFIX_RE = re.compile(r"^DB[JS]?[0-9]{2}(?:[0-9]{2})?$", re.ASCII)


def level_of_prefix(prefix: str) -> str:
    """Level of a ``StandardCode.prefix``; raises StandardCodeError if unknown.

    >>> [level_of_prefix(p) for p in ('GB', 'QB', 'DB3301', 'T/ZZB', 'Q/LYHD', 'ISO', 'ASTM')]
    ['national', 'industry', 'local', 'group', 'enterprise', 'international', 'foreign']
    """
    if prefix.startswith("T/"):
        return "group"
    if prefix.startswith("Q/"):
        return "enterprise"
    if _LOCAL_PREFIX_RE.match(prefix):
        return "local"
    info = issuer_info(prefix)
    if info is None:
        raise StandardCodeError(prefix, f"unknown issuer prefix {prefix!r}")
    return info.level


# ------------------------------------------------------------- normalization

_TRANSLATE = str.maketrans(
    {
        **{chr(c): "-" for c in range(0x2010, 0x2016)},
        "\u2212": "-",
        "\ufe58": "-",
        "\ufe63": "-",
        "\uff0d": "-",
        "\u2215": "/",
        "\uff0f": "/",
        "\uff1a": ":",
        "\u3000": " ",
    }
)
_CJK_ONE_RE = re.compile(r"(?<=[0-9])\s*一\s*(?=[0-9])")
_LABEL_RE = re.compile(
    r"^\s*(?:产品执行标准|执行标准编?号|执行标准|产品标准编?号|产品标准|标准编号|标准号|标准代号)"
    r"\s*[:]?\s*"
)
_TITLE_RE = re.compile(r"《[^《》]*》")
_CLASS_RE = re.compile(r"\s*\(?\s*[ABC]\s*类\s*\)?\s*$")
_SPACE_RE = re.compile(r"\s+")
_PUNCT_SPACE_RE = re.compile(r" ?([/\-:.+]) ?")
_TC_RE = re.compile(r"^(?:SAC/)?TC ?[0-9]+(?:/SC ?[0-9]+)?$", re.ASCII)
_ALLOWED_RE = re.compile(r"[^A-Z0-9 /\-:.+()_]", re.ASCII)


def _clean(text: str) -> str:
    """Unicode, dash, case and whitespace normalization; strips label, title, class."""
    s = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    s = _CJK_ONE_RE.sub("-", s)
    s = s.upper()
    s = _LABEL_RE.sub("", s)
    untitled = _TITLE_RE.sub(" ", s)
    if untitled.strip():
        s = untitled
    s = _CLASS_RE.sub("", s)
    s = _PUNCT_SPACE_RE.sub(r"\1", _SPACE_RE.sub(" ", s).strip())
    return s.rstrip(". ")


def _year(text: str, raw: str | None) -> int | None:
    if raw is None:
        return None
    if len(raw) == 2:
        value = int(raw)
        return value + (1900 if value >= 50 else 2000)
    if len(raw) != 4:
        raise StandardCodeError(text, f"year {raw!r} must have 2 or 4 digits")
    value = int(raw)
    if not 1900 <= value <= 2100:
        raise StandardCodeError(text, f"year {value} is out of range 1900-2100")
    return value


def _split_part(serial: str) -> tuple[str, str | None]:
    number, dot, part = serial.partition(".")
    return number, (part if dot else None)


# ----------------------------------------------------------- Chinese levels

_CN_DASHES_RE = re.compile(r"\.*-{2,}|\.+-", re.ASCII)
_LOCAL_RE = re.compile(
    r"^DB(?P<kind>[JS]?) ?(?P<area>[0-9]{2}(?:[0-9]{2})?)"
    r"(?:/(?P<nat>[TZ])?|(?P<nat2>[TZ])|(?= ))"
    r" ?(?P<serial>[0-9]+(?:\.[0-9]+)*)(?:-(?P<year>[0-9]+))?$",
    re.ASCII,
)
_LOCAL_START_RE = re.compile(r"^DB[JS]? ?[0-9]", re.ASCII)
_GROUP_SERIAL_RE = re.compile(r"^(?P<serial>[A-Z0-9][A-Z0-9.\-]*?)(?:-(?P<year>[0-9]{4}))?$")
_GROUP_SERIAL_OK_RE = re.compile(r"^[A-Z0-9]+(?:[.\-][A-Z0-9]+)*$", re.ASCII)
_ORG_RE = re.compile(r"^[A-Z][A-Z0-9]{1,15}$", re.ASCII)
_ORG_GLUED_RE = re.compile(r"^([A-Z]+)([0-9].*)$", re.ASCII)
_ISSUER_SPLIT_RE = re.compile(r"[/\-]")
_ENT_RE = re.compile(r"^(?P<ent>[A-Z0-9]+(?:-[A-Z0-9]+)*)(?:/(?P<kind>[A-Z0-9]{1,3}))?$", re.ASCII)
_ENT_NOSPACE_RE = re.compile(
    r"^(?P<ent>(?:[A-Z0-9]+-)*[A-Z0-9]*[A-Z])(?:/(?P<kind>[A-Z]{1,3}))?(?P<rest>[0-9].*)$", re.ASCII
)
_ENT_SERIAL_RE = re.compile(
    r"^(?P<serial>[0-9]+(?:[.\-][0-9]+)*?[A-Z]?(?: [0-9]+(?:[.\-][0-9]+)*?[A-Z]?)*?)"
    r"(?:-(?P<year>[0-9]{2}|[0-9]{4}))?$",
    re.ASCII,
)
_ISSUER_RE = re.compile(
    r"^(?P<issuer>[A-Z]+(?:[/\-][A-Z]+)*)(?: (?P<tz>[TZ])(?= ))?-? ?(?P<rest>.*)$", re.ASCII
)
_AMENDMENT_RE = re.compile(r"^(?P<base>.*[0-9])/XG(?P<n>[0-9]+)-(?P<year>[0-9]{4})$", re.ASCII)
_CN_SERIAL_RE = re.compile(
    r"^(?P<num>[A-Z]?[0-9]+[A-Z]?)(?:\.(?P<part>[0-9]+(?:\.[0-9]+)*))?"
    r"(?:(?P<sep>[-:])(?P<year>[0-9]+))?$",
    re.ASCII,
)
_GSB_SERIAL_RE = re.compile(  # class-serial-year: GSB 04-2841-2011 (dated only, else ambiguous)
    r"^(?P<num>[0-9]{2}-[0-9]+)(?:\.(?P<part>[0-9]+(?:\.[0-9]+)*))?(?P<sep>-)(?P<year>[0-9]+)$",
    re.ASCII,
)
_LETTER_SERIAL = frozenset({"JTG", "JTJ", "TSG", "ZB"})
_REVISION_LETTER = frozenset({"GJB"})
_COLON_YEAR = frozenset({"CECS"})


def _parse_local(text: str, s: str) -> StandardCode:
    m = _LOCAL_RE.match(s)
    if m is None:
        raise StandardCodeError(
            text,
            "malformed local standard number (expected DB33/T 1234-2021, DB3301/T 1-2020 or DB33/ 1234-2021)",
        )
    kind, area = m["kind"], m["area"]
    province = _provinces().get(area[:2])
    if province is None:
        raise StandardCodeError(text, f"unknown province code {area[:2]!r}")
    if not province[1]:
        raise StandardCodeError(text, f"province code {area[:2]!r} ({province[0]}) issues no local standards")
    nat = m["nat"] or m["nat2"]
    year = _year(text, m["year"])
    prefix = f"DB{kind}{area}"
    number, part = _split_part(m["serial"])
    code = f"{prefix}/{nat or ''} {m['serial']}" + (f"-{year}" if year else "")
    return StandardCode(code, prefix, "local", _SUFFIX_NATURE[nat], number, part, year)


def _parse_group(text: str, s: str) -> StandardCode:
    body = s[2:]
    org, space, rest = body.partition(" ")
    if not space:
        m = _ORG_GLUED_RE.match(body)
        if m is None:
            raise StandardCodeError(text, "malformed group standard number (expected T/ORG 1-2020)")
        org, rest = m[1], m[2]
    if not _ORG_RE.match(org):
        raise StandardCodeError(text, f"malformed group code {org!r}")
    if rest.startswith(f"T/{org}"):  # repeated prefix: T/CSGF T/CSGF024-2023
        rest = rest[len(org) + 2 :].lstrip()
    rest = _CN_DASHES_RE.sub("-", rest)
    m = _GROUP_SERIAL_RE.match(rest)
    if m is None or not _GROUP_SERIAL_OK_RE.match(m["serial"]):
        raise StandardCodeError(text, "malformed group standard serial number")
    serial = m["serial"]
    if not any(c.isdigit() for c in serial):
        raise StandardCodeError(text, "a group standard serial must contain a digit")
    year = _year(text, m["year"])
    number, part = _split_part(serial)
    code = f"T/{org} {serial}" + (f"-{year}" if year else "")
    return StandardCode(code, f"T/{org}", "group", None, number, part, year)


def _parse_enterprise(text: str, s: str) -> StandardCode:
    body = _CN_DASHES_RE.sub("-", s[2:])
    tokens = body.split(" ")
    if len(tokens) == 1:
        m = _ENT_NOSPACE_RE.match(body)
        if m is None:
            raise StandardCodeError(text, "malformed enterprise standard number (expected Q/ABC 001-2008)")
        ent, kind, rest = m["ent"], m["kind"], m["rest"]
    else:
        # an area-code head "Q/320582 JDG 001-2015" is one enterprise code
        i = 2 if tokens[0].isdigit() and len(tokens) > 2 and not tokens[1][0].isdigit() else 1
        head = "".join(tokens[:i])
        m = _ENT_RE.match(head)
        if m is None or i == len(tokens):
            raise StandardCodeError(text, "malformed enterprise standard number (expected Q/ABC 001-2008)")
        ent, kind, rest = m["ent"], m["kind"], " ".join(tokens[i:])
    sm = _ENT_SERIAL_RE.match(rest)
    if sm is None or sm["serial"].endswith(("-", ".")):
        raise StandardCodeError(text, "malformed enterprise standard serial number")
    serial = sm["serial"]
    year = _year(text, sm["year"])
    prefix = f"Q/{ent}"
    number, part = _split_part(serial)
    issuer = prefix + (f"/{kind}" if kind else "")
    code = f"{issuer} {serial}" + (f"-{year}" if year else "")
    return StandardCode(code, prefix, "enterprise", None, number, part, year)


def _resolve_issuer(text: str, issuer: str, tz: str | None) -> tuple[str, str | None]:
    """``GB/T``, ``GBT``, ``GB-T``, ``NB/SH/T`` … → (known code, nature suffix)."""
    table = _cn_issuers()
    segs = _ISSUER_SPLIT_RE.split(issuer)
    nat = tz
    if len(segs) > 1 and segs[-1] in ("T", "Z"):
        if nat is not None:
            raise StandardCodeError(text, "two nature suffixes")
        nat = segs.pop()
    base = "/".join(segs)
    if base in table:
        return base, nat
    if nat is None and segs[-1].endswith("T"):  # {XX}T → {XX}/T
        repaired = "/".join([*segs[:-1], segs[-1][:-1]])
        if repaired in table:
            return repaired, "T"
    raise StandardCodeError(text, f"unknown issuer prefix {base!r}")


def _parse_cn(text: str, s: str) -> StandardCode:
    s = _CN_DASHES_RE.sub("-", s)
    if s.startswith("T/"):
        return _parse_group(text, s)
    if s.startswith("Q/"):
        return _parse_enterprise(text, s)
    if _LOCAL_START_RE.match(s):
        return _parse_local(text, s)
    amendment = ""
    am = _AMENDMENT_RE.match(s)
    if am is not None:
        s, amendment = am["base"], f"/XG{am['n']}-{am['year']}"
    m = _ISSUER_RE.match(s)
    if m is None:
        raise StandardCodeError(text, "no issuer code before the serial number")
    base, nat = _resolve_issuer(text, m["issuer"], m["tz"])
    if base == "DB" and nat is None:
        raise StandardCodeError(
            text, "DB needs a province code (local, DB33/T 1) or /T (earthquake industry, DB/T 1)"
        )
    info = _cn_issuers()[base]
    rest = m["rest"]
    if not rest:
        raise StandardCodeError(text, "missing serial number")
    if base == "GSB":
        sm = _GSB_SERIAL_RE.match(rest) or _CN_SERIAL_RE.match(rest)
    else:
        sm = _CN_SERIAL_RE.match(rest)
    if sm is None:
        raise StandardCodeError(text, f"malformed serial number {rest!r}")
    number = sm["num"]
    if number[0].isalpha() and base not in _LETTER_SERIAL:
        raise StandardCodeError(text, f"a {base} serial number does not start with a letter")
    if number[-1].isalpha() and base not in _REVISION_LETTER:
        raise StandardCodeError(text, f"a {base} serial number does not end with a letter")
    year = _year(text, sm["year"])
    if info.level in ("national", "industry"):
        nature = _SUFFIX_NATURE[nat] if nat else info.default_nature
    else:
        nature = None
    sep = ":" if base in _COLON_YEAR else "-"
    serial = number + (f".{sm['part']}" if sm["part"] else "")
    issuer = base + (f"/{nat}" if nat else "")
    code = f"{issuer} {serial}" + (f"{sep}{year}" if year else "") + amendment
    return StandardCode(code, base, info.level, nature, number, sm["part"], year)


# ----------------------------------------------------- international/foreign

_KEYWORDS = frozenset(
    {
        "ADD", "ADDENDUM", "AMD", "AMENDMENT", "BPVC", "COR", "CORR", "CORRIGENDUM", "DIV",
        "EXPL", "EXPLANATION", "GUIDE", "IS", "NO", "PART", "PAS", "PUBL", "REC", "RP", "SEC",
        "SECTION", "SPEC", "STAN", "STD", "SUPPL", "SUPPLEMENT", "SYMBOL", "TECH", "TR", "TS",
        "VOL",
        # ISO and IEC catalog words: extension, interpretation sheet, profile (ISO/IEC ISP),
        # systems reference document, edition; IEC's versions of one publication:
        # consolidated, redline, extended, commented, pre-release, series, database, pack
        "EXT", "ISH", "ISP", "SRD", "ED", "EDITION",
        "CSV", "RLV", "EXV", "CMV", "PRV", "SER", "DB", "PAC",
    }
)  # fmt: skip
"""Words allowed in an international or foreign designation (beside division letters)."""
_DRAFT_STAGES = frozenset(
    {
        "PWI", "NP", "AWI", "WD", "CD", "CDV", "ACDV", "DIS", "FDIS", "PRF", "DTS", "DTR", "DPAS",
        "FDTS", "FDTR", "DGUIDE", "DAM", "DAMD", "FDAM", "FDAMD", "PDAM", "FPDAM", "DCOR",
        "FDCOR", "FCOR", "PDCOR", "DAD", "FDAD", "DSUPPL", "FPRISO", "PRISO",
    }
)  # fmt: skip
"""ISO and IEC stage codes of a draft (``ISO/DIS 1234``, ``ISO 9001:2015/DAmd 1``): not standards."""
_DRAFT_BODIES = ("ISO", "IEC", "CISPR", "IWA")
_WORD_RE = re.compile(r"[A-Z]+", re.ASCII)
_DELIVERABLE_RE = re.compile(r"^/(HL7(?= [0-9])|[A-Z]+) ?(.*)$", re.ASCII)
_DELIVERABLE_TOKENS = frozenset({"TR1", "TR2", "TR3"})
"""Old IEC technical report types (``IEC TR3 60890``): qualifiers, though they hold a digit."""
_PAREN_GLUE_RE = re.compile(
    r"(?<=[0-9]) (\((?:[A-Z]{1,2}(?:/[A-Z]{1,2})*|ED\.? ?[0-9][0-9.]*|[0-9]{1,2}/[0-9]{4})\))(?=$| )",
    re.ASCII,
)
"""A language, edition or ITU date in brackets after a space: ``ISO 9001:2015 (E)``."""
_ITU_DATE_RE = re.compile(r"\([0-9]{1,2}/(?P<year>[0-9]{4})\)", re.ASCII)
_TOKEN_RE = re.compile(r"^[A-Z0-9(][A-Z0-9.\-:/+()_]*$", re.ASCII)
_ISO_DASH_YEAR_RE = re.compile(r"^(?P<head>[^ :/+]*[0-9])-(?P<year>(?:19|20)[0-9]{2}|2100)(?=$|/)")
_FOREIGN_CORE_RE = re.compile(
    r"^(?P<num>[A-Z]*[0-9][A-Z0-9.]*?)(?:-(?P<part>[0-9A-Z]+(?:-[0-9A-Z]+)*))?"
    r"(?::(?P<year>[0-9]{4}))?(?=$|[:/+(_R-])",
    re.ASCII,
)
_ASTM_RE = re.compile(
    r"^(?P<num>[A-Z]{0,2}[0-9]+[A-Z]?)(?:/[A-Z0-9]+)?(?:-(?P<year>[0-9]{2}|[0-9]{4})[A-Z]?)?",
    re.ASCII,
)
_TRAILING_YEAR_RE = re.compile(r"-((?:19|20)[0-9]{2})$", re.ASCII)
_JIS_CATALOG = frozenset({"TS", "TR"})
_JIS_DIVISION_RE = re.compile(r"^[A-Z] [0-9]", re.ASCII)
_ASTM_SPACE_RE = re.compile(r"^([A-Z]{1,2}) ([0-9])")
_DESIGNATION_SPLIT_RE = re.compile(r"[/+.]")
_REAPPROVED_RE = re.compile(r"^\([0-9]{4}\)$", re.ASCII)


def _parse_foreign(text: str, s: str, body: str) -> StandardCode:
    alias = _body_aliases().get(body)
    if alias is not None:  # IEC CISPR 22:2006 is CISPR 22:2006
        s, body = alias + s[len(body) :], alias
    info = _bodies()[body]
    rest = s[len(body) :].lstrip(" ")
    display = body
    dm = _DELIVERABLE_RE.match(rest)  # deliverable or co-publisher: ISO/TS, CAC/RCP, ISO/HL7
    if dm is not None:
        display, rest = f"{body}/{dm[1]}", dm[2]
        if display in _bodies():
            body, info = display, _bodies()[display]
    if body == "ASTM":
        rest = _ASTM_SPACE_RE.sub(r"\1\2", rest)
    if info.level == "international" and body.startswith(_DRAFT_BODIES):
        if not _DRAFT_STAGES.isdisjoint(_WORD_RE.findall(f"{display} {rest}")):
            raise StandardCodeError(text, DRAFT)
        rest = _ISO_DASH_YEAR_RE.sub(r"\g<head>:\g<year>", rest)
    rest = _PAREN_GLUE_RE.sub(lambda m: m[1].replace(" ", ""), rest)
    tokens = rest.split(" ") if rest else []
    if not any(c.isdigit() for c in rest):
        raise StandardCodeError(text, f"no number after {display!r}")
    if not tokens or not tokens[0][0].isalnum():
        raise StandardCodeError(text, f"no number after {display!r}")
    idx = _check_designation(text, body, tokens)
    if body in _JIS_CATALOG and not _JIS_DIVISION_RE.match(rest):
        raise StandardCodeError(text, f"a JIS {body} code needs a division letter")
    code = f"{display} {rest}"
    # Best-effort fields: the first token with a digit is the core designation.
    core = tokens[idx]
    qualifier = tokens[idx - 1] if idx and len(tokens[idx - 1]) == 1 else None
    number, part, year = core, None, None
    if body == "ASTM":
        am = _ASTM_RE.match(core)
        if am is not None:
            number = am["num"]
            if am["year"]:
                year = _year_or_none(am["year"])
    else:
        fm = _FOREIGN_CORE_RE.match(core)
        if fm is not None:
            number, part = fm["num"], fm["part"]
            if fm["year"]:
                year = _year_or_none(fm["year"])
            elif part is not None and (tm := _TRAILING_YEAR_RE.search("-" + part)):
                year = int(tm[1])
                part = part[: -len(tm[0])] or None
    if year is None and (im := _ITU_DATE_RE.search(core)):
        year = _year_or_none(im["year"])
    if qualifier is not None:
        number = f"{qualifier} {number}"
    return StandardCode(code, body, info.level, None, number, part, year)


def _check_designation(text: str, body: str, tokens: list[str]) -> int:
    """Validate the tokens after a body prefix; return the index of the core token.

    ``[qualifiers] core [KEYWORD value]…``: qualifiers are letters (a JIS
    division letter, ``GUIDE``), the core is the first token with a digit, and
    later tokens are keywords (``AMENDMENT``, ``SYMBOL``) or the values after
    them, so that two codes written side by side are not one code.
    """
    idx = None
    previous = ""
    for i, tok in enumerate(tokens):
        if not _TOKEN_RE.match(tok):
            raise StandardCodeError(text, f"unexpected text {tok!r} in a {body} code")
        has_digit = any(c.isdigit() for c in tok)
        if idx is None and tok in _DELIVERABLE_TOKENS and any(c.isdigit() for c in "".join(tokens[i + 1 :])):
            pass
        elif tok.isalpha():
            if tok not in _KEYWORDS and (idx is not None or len(tok) > 2):
                raise StandardCodeError(text, f"unexpected word {tok!r} in a {body} code")
        elif idx is None:
            if has_digit:
                idx = i
        elif not (
            _DESIGNATION_SPLIT_RE.split(previous.rstrip("."))[-1] in _KEYWORDS
            or _REAPPROVED_RE.match(tok)
            or _DESIGNATION_SPLIT_RE.split(tok)[0] in _KEYWORDS
        ):
            raise StandardCodeError(text, f"unexpected text {tok!r} after a {body} number")
        previous = tok
    if idx is None:
        raise StandardCodeError(text, f"no number after {body!r}")
    return idx


def _year_or_none(raw: str) -> int | None:
    try:
        return _year(raw, raw)
    except StandardCodeError:
        return None


# ------------------------------------------------------------------ parsing


def _parse(text: str) -> StandardCode:
    if not isinstance(text, str):
        raise StandardCodeError(repr(text), "not a string")
    if len(text) > _MAX_LENGTH * 4:
        raise StandardCodeError(text[:_MAX_LENGTH], "text too long for a standard code")
    s = _clean(text)
    if not s:
        raise StandardCodeError(text, "empty text")
    if len(s) > _MAX_LENGTH:
        raise StandardCodeError(text, "text too long for a standard code")
    if _TC_RE.match(s):
        raise StandardCodeError(text, "a technical committee number, not a standard code")
    if not any("0" <= c <= "9" for c in s):
        raise StandardCodeError(text, NO_CODE)
    bad = _ALLOWED_RE.findall(s)
    if bad:
        chars = "".join(dict.fromkeys(bad))
        raise StandardCodeError(text, f"unexpected characters {chars!r} in a standard code")
    bm = _body_re().match(s)
    if bm is not None:
        return _parse_foreign(text, s, bm["alias"] or bm["body"])
    dm = _dual_re().match(s)
    if dm is not None:
        cn = _parse_cn(text, dm["cn"])
        try:
            intl = _parse(dm["intl"])
        except StandardCodeError as exc:
            raise StandardCodeError(text, f"adopted code: {exc.reason}") from None
        if cn.level not in ("national", "industry") or intl.level != "international":
            raise StandardCodeError(
                text, "a dual number is a national or industry code adopting an international one"
            )
        return StandardCode(
            f"{cn.code}/{intl.code}", cn.prefix, cn.level, cn.nature, cn.number, cn.part,
            cn.year, intl,
        )  # fmt: skip
    return _parse_cn(text, s)


@functools.lru_cache(maxsize=65536)
def _parse_cached(text: str) -> StandardCode | StandardCodeError:
    try:
        return _parse(text)
    except StandardCodeError as exc:
        # a cached traceback would keep every frame of the failed parse alive
        return exc.with_traceback(None)


def parse(text: str) -> StandardCode:
    """Normalize and parse one standard code; raises StandardCodeError.

    >>> parse('GB 4806.1-2016').part
    '1'
    >>> parse('ISO/IEC 27001:2022').prefix
    'ISO/IEC'
    """
    if not isinstance(text, str):
        raise StandardCodeError(repr(text), "not a string")
    result = _parse_cached(text)
    if isinstance(result, StandardCodeError):
        raise StandardCodeError(result.text, result.reason)
    return result


def normalize(text: str) -> str:
    """The canonical form of a standard code (``parse(text).code``)."""
    return parse(text).code


def register_key(code: StandardCode) -> StandardCode:
    """The standard a code names in the register: a dual number is its own Chinese standard.

    ``GB/T 19001-2016/ISO 9001:2015`` is GB/T 19001-2016, which adopts ISO 9001:2015
    IDT; catalogs list it under the Chinese number alone, registers write it both ways.

    >>> register_key(parse('GB/T 19001-2016/ISO 9001:2015')).code
    'GB/T 19001-2016'
    >>> register_key(parse('QB/T 2972-2008')).code
    'QB/T 2972-2008'
    """
    if code.adopts is None:
        return code
    return replace(code, code=code.code[: -(len(code.adopts.code) + 1)], adopts=None)


def implied_adoption(code: StandardCode) -> tuple[str, str] | None:
    """What a dual number says of its Chinese standard: it adopts the second code, IDT.

    >>> implied_adoption(parse('GB/T 19001-2016/ISO 9001:2015'))
    ('ISO 9001:2015', 'IDT')
    >>> implied_adoption(parse('QB/T 2972-2008')) is None
    True
    """
    return None if code.adopts is None else (code.adopts.code, "IDT")


def is_valid(text: str) -> bool:
    """Whether the text is one standard code."""
    return isinstance(text, str) and not isinstance(_parse_cached(text), StandardCodeError)


# ------------------------------------------------------------ cell splitting

_SEPARATOR_RE = re.compile(r"[、；;，,\r\n\u2028\u2029\x0b\x0c\x85]")
_TAIL_RE = re.compile(r"^(?:[/:+\-\u2010-\u2015\u2212(《]|[ABCabc]\s*类)")
"""The rest of a code that a line break cut off (joined even to a valid code)."""
_LINE_BREAKS = frozenset("\r\n\u2028\u2029\x0b\x0c\x85")
BRACKETS = {"(": ")", "（": "）", "[": "]", "【": "】", "〔": "〕", "［": "］", "《": "》"}
"""Opening → closing bracket: a cell is never split inside a bracket (``…（代替A、B）``)."""
_BRACKET_CHARS = frozenset(BRACKETS) | frozenset(BRACKETS.values())


def _separators(text: str) -> list[re.Match[str]]:
    """The separators of a cell that are not inside brackets (all of them if brackets do not balance)."""
    found = list(_SEPARATOR_RE.finditer(text))
    if not found or _BRACKET_CHARS.isdisjoint(text):
        return found
    depth_at: list[int] = []
    depth = 0
    for char in text:
        if char in BRACKETS:
            depth += 1
        elif char in _BRACKET_CHARS:
            depth = max(depth - 1, 0)
        depth_at.append(depth)
    if depth:
        return found
    return [m for m in found if depth_at[m.start()] == 0]


def _split_on_spaces(fragment: str) -> list[str] | None:
    """Partition a fragment into several space-separated codes, if it is exactly that."""
    tokens = fragment.split()
    if len(tokens) < 2 or len(tokens) > 12:
        return None
    # best[i] = a partition of tokens[:i] into valid codes (fewest pieces)
    best: list[list[str] | None] = [[]] + [None] * len(tokens)
    for end in range(1, len(tokens) + 1):
        for start in range(end):
            head = best[start]
            if head is None:
                continue
            piece = " ".join(tokens[start:end])
            if is_valid(piece) and (best[end] is None or len(head) + 1 < len(best[end] or [])):
                best[end] = [*head, piece]
    result = best[-1]
    return result if result is not None and len(result) > 1 else None


def split_cell(text: str) -> list[str]:
    """Split a register cell into raw code fragments, in order, duplicates kept.

    Splits on ``、 ； ; ， ,`` and line breaks, never on ``/``, 及 or 和, and
    never inside brackets (``GB/T 1-2008（代替GB/T 1-1993、GB/T 2-1993）``).  A
    fragment that is not a code on its own is joined to the next one when the
    join is a code (``DB13/T`` ⏎ ``5651.5-2023``).  A fragment that is not a
    code but is exactly several space-separated codes is split on spaces.
    Fragments that are not codes are returned too, for the caller to report.

    >>> split_cell('DB13/T\\n5651.5-2023；GB 18401-2010 B类')
    ['DB13/T\\n5651.5-2023', 'GB 18401-2010 B类']
    >>> split_cell('GB/T 19001-2016/ISO 9001:2015, ASTM A193/A193M-07')
    ['GB/T 19001-2016/ISO 9001:2015', 'ASTM A193/A193M-07']
    >>> split_cell('GB 4943.1-2011 (IEC 60950-1:2005, MOD)、QB/T 3-2010')
    ['GB 4943.1-2011 (IEC 60950-1:2005, MOD)', 'QB/T 3-2010']
    >>> split_cell('  ')
    []
    """
    if not isinstance(text, str):
        return []
    pieces: list[tuple[str, bool]] = []  # (fragment, a line break precedes it)
    pos = 0
    broke = False
    for m in _separators(text):
        fragment = text[pos : m.start()].strip()
        if fragment:
            pieces.append((fragment, broke))
            broke = False
        broke = broke or m.group() in _LINE_BREAKS
        pos = m.end()
    tail = text[pos:].strip()
    if tail:
        pieces.append((tail, broke))
    out: list[str] = []
    i = 0
    while i < len(pieces):
        current = pieces[i][0]
        while i + 1 < len(pieces):
            following, line_break = pieces[i + 1]
            joined = current + ("\n" if line_break else " ") + following
            # try the join only where it could help: joined strings are rarely seen twice
            if (
                not is_valid(current)
                or (not is_valid(following) and _TAIL_RE.match(unicodedata.normalize("NFKC", following)))
            ) and is_valid(joined):
                current = joined
                i += 1
            else:
                break
        if not is_valid(current) and (several := _split_on_spaces(current)):
            out.extend(several)
        else:
            out.append(current)
        i += 1
    return out
