"""Header aliases, and finding the header row of a sheet (SPEC.md, "Register files").

Headers are matched ignoring case, spaces, full-width/half-width form and
bracketed units: ``产值（万元）``, ``产值 (万元)`` and ``产值`` are one header.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
    "standard_title": ("标准名称", "standard_title"),
    "adopted": (
        "采用国际标准",
        "采用国际标准号",
        "采标号",
        "采用的国际标准",
        "adopted",
        "adopted_standard",
    ),
    "degree": ("一致性程度", "采标程度", "采用程度", "degree"),
    "township": ("乡镇", "所在乡镇", "乡镇（街道）", "所属乡镇", "township"),
    "industry": ("行业", "所属行业", "块状产业", "产业", "industry"),
    "size": ("规模", "企业规模", "是否规上", "size"),
    "output_value": ("产值", "产值（万元）", "年产值", "output_value"),
    "brand": ("名牌", "名牌产品", "brand"),
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


def normalize_header(text: object) -> str:
    """The comparable form of a header cell.

    >>> normalize_header(" 产值（万元） ")
    '产值'
    >>> normalize_header("Standard_Code")
    'standard_code'
    """
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    folded = _BRACKETED.sub("", folded)
    return re.sub(r"\s+", "", folded).strip("*:：")


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
    columns: dict[int, str] = {}
    names: dict[int, str] = {}
    unknown: list[str] = []
    for position, cell in enumerate(cells):
        key = normalize_header(cell)
        if not key:
            continue
        field = index.get(key)
        if field is None or field in columns.values():
            unknown.append(str(cell).strip())
            continue
        columns[position] = field
        names[position] = str(cell).strip()
    return columns, unknown, names


def field_sets(cells: Sequence[object]) -> tuple[set[str], set[str]]:
    """The register fields and the catalog fields a row of cells names."""
    register = set(map_header_row(cells, _REGISTER_INDEX)[0].values())
    catalog = set(map_header_row(cells, _CATALOG_INDEX)[0].values())
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
    """Find the header row among the first rows of a sheet.

    The header is the first row that names every required field of a register
    (or of a catalog); ``want`` restricts the search to one kind.
    """
    for number, cells in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        register, catalog = field_sets(cells)
        kind = classify(register, catalog, want)
        if kind is None or (want is not None and kind != want):
            continue
        if kind == "register":
            columns, unknown, names = map_header_row(cells, _REGISTER_INDEX)
            return HeaderMap("register", number, columns, names, unknown)
        columns, unknown, names = map_header_row(cells, _CATALOG_INDEX)
        if "code" not in columns.values():  # the code written as 执行标准 / standard_code
            for position, field in map_header_row(cells, _REGISTER_INDEX)[0].items():
                if field == "standard":
                    columns[position] = "code"
                    names[position] = str(cells[position]).strip()
                    unknown = [u for u in unknown if u != names[position]]
        return HeaderMap("catalog", number, columns, names, unknown)
    return None


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
