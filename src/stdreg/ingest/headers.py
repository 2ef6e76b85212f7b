"""Header aliases, and finding the header row of a sheet (SPEC.md, "Register files").

Headers are matched ignoring case, spaces, full-width/half-width form and
bracketed units: ``产值（万元）``, ``产值 (万元)`` and ``产值`` are one header.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

HEADER_SEARCH_ROWS = 20

REGISTER_ALIASES: Mapping[str, Sequence[str]] = {
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "uscc", "credit_code"),
    "org_code": ("组织机构代码", "机构代码", "org_code"),
    "enterprise": ("企业名称", "单位名称", "生产企业", "enterprise", "enterprise_name"),
    "product": ("产品名称", "产品", "product", "product_name"),
    "standard": (
        "执行标准",
        "执行标准编号",
        "执行标准号",
        "标准编号",
        "标准号",
        "standard",
        "standard_code",
    ),
    "standard_title": ("标准名称", "执行标准名称", "standard_title"),
    "adopted": (
        "采用国际标准",
        "采用国际标准号",
        "采标号",
        "采用的国际标准",
        "采用国际标准标准号",
        "采用国际标准编号",
        "adopted",
        "adopted_standard",
    ),
    "degree": (
        "一致性程度",
        "采标程度",
        "采用程度",
        "采用国际标准程度",
        "采用国际标准一致性程度",
        "采用国际标准采用程度",
        "degree",
    ),
    # the row's number on the form: read only to recognise total rows (小计 in the 序号 cell)
    "serial": ("序号", "serial"),
    "township": ("乡镇", "所在乡镇", "乡镇（街道）", "所属乡镇", "township"),
    "industry": ("行业", "所属行业", "块状产业", "产业", "industry"),
    "size": ("规模", "企业规模", "是否规上", "规模以上企业", "是否规模以上企业", "是否规上企业", "size"),
    "output_value": ("产值", "产值（万元）", "年产值", "工业总产值", "output_value"),
    "brand": ("名牌", "名牌产品", "名牌称号", "名牌产品称号", "品牌", "brand"),
    "high_tech": ("高新技术企业", "high_tech"),
    "good_behaviour": ("标准化良好行为", "良好行为等级", "good_behaviour"),
    "key_energy_user": ("重点耗能企业", "重点用能单位", "key_energy_user"),
    "metrology_confirmed": ("计量检测体系确认", "测量管理体系", "metrology_confirmed"),
}

CATALOG_ALIASES: Mapping[str, Sequence[str]] = {
    "code": ("标准号", "标准编号", "standard", "code", "standard_code"),
    "title": ("标准名称", "title", "standard_title"),
    "status": ("状态", "标准状态", "status"),
    "published": ("发布日期", "published"),
    "implemented": ("实施日期", "implemented"),
    "withdrawn": ("废止日期", "withdrawn"),
    "replaces": ("代替标准", "代替标准号", "replaces"),
    "replaced_by": ("被以下标准代替", "替代标准", "replaced_by"),
    # Announcement tables use 被代替标准 for the older standards a new one
    # replaces, some catalogs for the newer one: the editions' years decide.
    "replaced_either": ("被代替标准",),
    "adopted": ("采标号", "采用国际标准", "adopted"),
    "degree": ("一致性程度", "degree"),
}

REGISTER_REQUIRED = ("enterprise", "product", "standard")
CATALOG_REQUIRED = ("code",)

_BRACKETED = re.compile(r"[(\[【〔［][^)\]】〕］]*[)\]】〕］]")
# a survey year before the header: 2013年产值, 2013年度产值
_YEAR_PREFIX = re.compile(r"^(?:19|20)\d\d年度?")
# Excel's widest row: a header row is never searched beyond it
MAX_COLUMNS = 16_384


@lru_cache(maxsize=8192)
def _normalized(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = _BRACKETED.sub("", folded)
    folded = re.sub(r"\s+", "", folded).strip("*:：")
    return _YEAR_PREFIX.sub("", folded)


def normalize_header(text: object) -> str:
    """The comparable form of a header cell.

    >>> normalize_header(" 产值（万元） "), normalize_header("2013年产值（万元）")
    ('产值', '产值')
    >>> normalize_header("Standard_Code")
    'standard_code'
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    return _normalized(text) if len(text) <= 200 else ""  # a long text is a title or a note


def _alias_index(aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for field, names in aliases.items():
        for name in names:
            index[normalize_header(name)] = field
    return index


_REGISTER_INDEX = _alias_index(REGISTER_ALIASES)
_CATALOG_INDEX = _alias_index(CATALOG_ALIASES)


@dataclass(frozen=True)
class HeaderMap:
    """Which column holds which field, found on one header row."""

    kind: str  # register | catalog
    row_number: int  # 1-based row of the header in the file (0 for keyed formats)
    columns: dict[int, str]  # column index → field
    names: dict[int, str]  # column index → the header as written
    unknown: list[str]  # headers that matched no field

    def column_name(self, field: str) -> str:
        for index, name in self.names.items():
            if self.columns.get(index) == field:
                return name
        return field


def map_header_row(
    cells: Sequence[object], index: Mapping[str, str]
) -> tuple[dict[int, str], list[str], dict[int, str]]:
    return _map_keys_of(_one_row(cells), index)


Keyed = list[tuple[int, str, str]]  # (column, comparable key, the header as written)


def _one_row(cells: Sequence[object]) -> Keyed:
    keyed: Keyed = []
    for position, cell in enumerate(cells[:MAX_COLUMNS]):
        if isinstance(cell, str) and (key := normalize_header(cell)):
            keyed.append((position, key, cell.strip()))
    return keyed


def _two_rows(parents: Sequence[object], children: Sequence[object], index: Mapping[str, str]) -> Keyed:
    """A merged parent header over child headers, each column read as the child with its parent.

    A vertically merged header (企业名称 over two rows) reads the same in both rows; a child
    is read with its parent first (执行标准 + 名称 is 执行标准名称, 采用国际标准 + 标准号 the
    adopted code), then alone (企业基本情况 over 企业名称).
    """
    keyed: Keyed = []
    width = min(max(len(parents), len(children)), MAX_COLUMNS)
    for position in range(width):
        parent = parents[position] if position < len(parents) else None
        child = children[position] if position < len(children) else None
        upper = normalize_header(parent) if isinstance(parent, str) else ""
        lower = normalize_header(child) if isinstance(child, str) else ""
        if not lower or lower == upper:
            if upper:
                keyed.append((position, upper, str(parent).strip()))
            continue
        if not upper:
            keyed.append((position, lower, str(child).strip()))
            continue
        name = f"{str(parent).strip()}/{str(child).strip()}"
        key = upper + lower if upper + lower in index else lower
        keyed.append((position, key if key in index else upper + "/" + lower, name))
    return keyed


def _map_keys_of(keyed: Keyed, index: Mapping[str, str]) -> tuple[dict[int, str], list[str], dict[int, str]]:
    columns: dict[int, str] = {}
    names: dict[int, str] = {}
    unknown: list[str] = []
    taken: set[str] = set()
    for position, key, name in keyed:
        field = index.get(key)
        if field is None or field in taken:
            unknown.append(name)
            continue
        taken.add(field)
        columns[position] = field
        names[position] = name
    return columns, unknown, names


def field_sets(cells: Sequence[object]) -> tuple[set[str], set[str]]:
    """The register fields and the catalog fields a row of cells names."""
    return _field_sets(_one_row(cells), _one_row(cells))


def _field_sets(register_keys: Keyed, catalog_keys: Keyed) -> tuple[set[str], set[str]]:
    register = set(_map_keys_of(register_keys, _REGISTER_INDEX)[0].values())
    catalog = set(_map_keys_of(catalog_keys, _CATALOG_INDEX)[0].values())
    if "standard" in register:
        catalog.add("code")
    return register, catalog


def classify(register: set[str], catalog: set[str], want: str | None = None) -> str | None:
    """register, catalog, or None, from the fields a header row names.

    A file is a catalog, not a register, when it has a status column and no
    enterprise or product column (SPEC.md); ``catalog import`` also takes a
    catalog without a status column.
    """
    if register & {"enterprise", "product"}:
        return "register" if set(REGISTER_REQUIRED) <= register else None
    if "code" in catalog and ("status" in catalog or (want == "catalog" and len(catalog) >= 2)):
        return "catalog"
    return None


def find_header(rows: Sequence[Sequence[object]], want: str | None = None) -> HeaderMap | None:
    """Find the header among the first rows of a sheet: one row, or a parent row over a child row.

    The header starts on the first row that, alone or with the row below it, names
    every required field of a register (or of a catalog); ``want`` restricts the
    search to one kind. Of the two readings the one that names more fields wins, so
    a child row (执行标准 over 编号 / 名称) is never taken for data.
    """
    rows = rows[:HEADER_SEARCH_ROWS]
    for number, cells in enumerate(rows, start=1):
        single = _one_row(cells)
        if not single:
            continue
        found = _candidate(single, single, number, want)
        if number < len(rows):
            below = rows[number]
            double = _candidate(
                _two_rows(cells, below, _REGISTER_INDEX),
                _two_rows(cells, below, _CATALOG_INDEX),
                number + 1,
                want,
            )
            if double is not None and len(double.columns) > max(
                len(found.columns) if found is not None else 0, _width(_one_row(below), want)
            ):
                found = double
        if found is not None:
            return found
    return None


def _width(keys: Keyed, want: str | None) -> int:
    """How many fields a row names as a header of its own (0 when it is none)."""
    found = _candidate(keys, keys, 0, want)
    return len(found.columns) if found is not None else 0


def _candidate(register_keys: Keyed, catalog_keys: Keyed, number: int, want: str | None) -> HeaderMap | None:
    """The header these keys make, ending on row ``number``, or None when they make none."""
    register, catalog = _field_sets(register_keys, catalog_keys)
    kind = classify(register, catalog, want)
    if kind is None or (want is not None and kind != want):
        return None
    if kind == "register":
        columns, unknown, names = _map_keys_of(register_keys, _REGISTER_INDEX)
        return HeaderMap("register", number, columns, names, unknown)
    columns, unknown, names = _map_keys_of(catalog_keys, _CATALOG_INDEX)
    if "code" not in columns.values():  # the code written as 执行标准 / standard_code
        for position, field in _map_keys_of(register_keys, _REGISTER_INDEX)[0].items():
            if field == "standard":
                columns[position] = "code"
                names[position] = next(name for p, _, name in register_keys if p == position)
                unknown = [u for u in unknown if u != names[position]]
    return HeaderMap("catalog", number, columns, names, unknown)


def describe_missing(rows: Sequence[Sequence[object]], want: str | None) -> str:
    """Why no header was found: the best candidate row and what it lacks."""
    best: tuple[int, int, set[str]] | None = None
    for number, cells in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        register, _ = field_sets(cells)
        if best is None or len(register) > best[1]:
            best = (number, len(register), register)
    if best is None or best[1] == 0:
        return (
            f"no header row found in the first {HEADER_SEARCH_ROWS} rows "
            "(expected headers such as 企业名称, 统一社会信用代码, 产品名称, 执行标准; "
            "or 标准号 and 状态 for a catalog)"
        )
    number, _, found = best
    needed = set(REGISTER_REQUIRED) | {"uscc|org_code"}
    missing = sorted(
        f for f in needed if f not in found and not (f == "uscc|org_code" and found & {"uscc", "org_code"})
    )
    aliases = "; ".join(
        f"{f}: " + "/".join(REGISTER_ALIASES[f][:3])
        if f in REGISTER_ALIASES
        else f"{f}: 统一社会信用代码/组织机构代码"
        for f in missing
    )
    return f"no header row found: the best candidate, row {number}, lacks {aliases}"


def map_keys(keys: Sequence[str], kind: str) -> tuple[dict[str, str], list[str]]:
    """Map the keys of a keyed record (JSON lines) to fields; returns (key → field, unknown)."""
    index = _REGISTER_INDEX if kind == "register" else _CATALOG_INDEX
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for key in keys:
        field = index.get(normalize_header(key))
        if field is None and kind == "catalog" and _REGISTER_INDEX.get(normalize_header(key)) == "standard":
            field = "code"
        if field is None:
            unknown.append(key)
        else:
            mapping[key] = field
    return mapping, unknown
