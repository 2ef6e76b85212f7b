"""A sheet of changes (``stdreg update --from FILE``): one change per row, read by the import's readers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stdreg.errors import InputError
from stdreg.fields import FIELDS, FieldError, enterprise_identity, new_uscc
from stdreg.ingest.headers import normalize_header
from stdreg.ingest.readers import iter_cells
from stdreg.update.changes import Change, enterprise_values, standard_change

if TYPE_CHECKING:
    from stdreg.ingest.problems import Problems

# --- a sheet of changes ------------------------------------------------------------------

UPDATE_ALIASES: dict[str, tuple[str, ...]] = {
    "kind": ("对象", "类型", "变更对象", "kind", "object"),
    "uscc": (
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "组织机构代码",
        "uscc",
        "org_code",
        "credit_code",
    ),
    "product": ("产品名称", "产品", "product", "product_name"),
    "standard": ("标准号", "标准编号", "标准", "standard", "code", "standard_code"),
    "field": ("字段", "变更项", "变更项目", "项目", "field"),
    "value": ("新值", "变更后", "值", "value", "new_value"),
    "old": ("原值", "变更前", "old", "old_value"),
    "as_of": ("日期", "变更日期", "生效日期", "as_of", "date"),
    "degree": ("一致性程度", "degree"),
    "correct": ("更正", "更正错误", "correct", "correction"),
}
"""The columns of an update sheet and their header aliases (see the README)."""

KIND_ALIASES = {"企业": "enterprise", "enterprise": "enterprise", "产品": "product", "product": "product",
                "标准": "standard", "standard": "standard"}  # fmt: skip
FIELD_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "enterprise": {
        "name": ("企业名称", "名称"),
        "township": ("乡镇",),
        "industry": ("行业",),
        "size": ("规模",),
        "high_tech": ("高新技术企业",),
        "key_energy_user": ("重点用能单位", "重点耗能企业"),
        "metrology_confirmed": ("计量检测体系确认", "测量管理体系"),
        "good_behaviour": ("标准化良好行为", "良好行为等级"),
        "uscc": ("统一社会信用代码",),
    },
    "product": {
        "rename": ("产品名称", "更名", "名称"),
        "add_standard": ("增加标准", "新增标准"),
        "drop_standard": ("删除标准", "取消标准"),
        "replace_standard": ("替换标准", "更换标准"),
        "output_value": ("产值",),
        "brand": ("名牌",),
        "drop": ("注销", "删除产品", "停产"),
    },
    "standard": {
        "title": ("标准名称",),
        "status": ("状态",),
        "replaced_by": ("替代标准", "被以下标准代替"),
        "adopts": ("采标号", "采用国际标准"),
        "degree": ("一致性程度",),
    },
}
"""The field names each kind of change takes: the English name, or these Chinese ones."""


def _field_index() -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {}
    for kind, fields in FIELD_ALIASES.items():
        index[kind] = {}
        for name, aliases in fields.items():
            for alias in (name, name.replace("_", "-"), *aliases):
                index[kind][normalize_header(alias)] = name
    return index


def read_update_sheet(path: Path, problems: Problems, as_of: dt.date) -> tuple[list[Change], int]:
    """The changes of a sheet, one per row; bad rows go to ``problems``. Returns (changes, rows read).

    ``as_of`` is the date of rows whose date cell is blank.
    """
    header_index = {
        normalize_header(alias): name for name, aliases in UPDATE_ALIASES.items() for alias in aliases
    }
    fields = _field_index()
    rows = _sheet_rows(path)
    columns: dict[int, str] = {}
    names: dict[str, str] = {}
    head: list[tuple[int, list[Any]]] = []
    for number, cells in rows:
        head.append((number, cells))
        mapped = {i: header_index.get(normalize_header(c)) for i, c in enumerate(cells)}
        if "field" in mapped.values():
            columns = {i: name for i, name in mapped.items() if name is not None}
            names = {name: str(cells[i]).strip() for i, name in columns.items()}
            break
        if len(head) >= 20:
            break
    if not columns:
        raise InputError(
            f"{path}: no header row found in the first 20 rows: an update sheet needs a 字段 (field) column, "
            "and 新值 (value), 统一社会信用代码, 产品名称 or 标准号 columns as its changes need"
        )
    changes: list[Change] = []
    read = 0
    for number, cells in rows:
        values = {
            name: cells[i]
            for i, name in columns.items()
            if i < len(cells) and cells[i] is not None and str(cells[i]).strip() != ""
        }
        if not values:
            continue
        read += 1
        try:
            changes.append(_sheet_change(number, values, fields, as_of))
        except FieldError as exc:
            problems.reject(number, names.get(exc.field, exc.field), exc.value, exc.reason)
    return changes, read


_SHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".tsv", ".txt")


def _sheet_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """The numbered rows of the sheet (its first worksheet), read as the import reads a file.

    A whole number comes back as an int, as it was typed: an all-digit organization
    code in a number cell is 600037341, not 600037341.0.
    """
    if path.is_file() and path.suffix.lower() not in _SHEET_SUFFIXES:
        raise InputError(f"{path}: an update sheet is an .xlsx, .csv or .tsv file")
    for number, cells in iter_cells(path):
        yield number, [int(c) if isinstance(c, float) and c.is_integer() else c for c in cells]


def _sheet_change(
    number: int, values: dict[str, Any], fields: dict[str, dict[str, str]], as_of: dt.date
) -> Change:
    kind_text = values.get("kind")
    if kind_text is not None:
        kind = KIND_ALIASES.get(normalize_header(kind_text))
        if kind is None:
            raise FieldError("kind", kind_text, "expected 企业, 产品 or 标准 (enterprise, product, standard)")
    elif "product" in values:
        kind = "product"
    elif "uscc" in values:
        kind = "enterprise"
    elif "standard" in values:
        kind = "standard"
    else:
        raise FieldError(
            "kind", "", "say what the row changes: a 对象 (kind) column, or a USCC, product or standard"
        )
    field_text = values.get("field")
    if field_text is None:
        raise FieldError("field", "", "the field to change is missing")
    name = fields[kind].get(normalize_header(field_text))
    if name is None:
        known = ", ".join(FIELD_ALIASES[kind])
        raise FieldError("field", field_text, f"not a field of {kind} changes (one of {known})")
    value = values.get("value")
    correct = False
    if "correct" in values:
        correct = FIELDS["correct"](values["correct"])
    date = FIELDS["as_of"](values["as_of"]) if "as_of" in values else None
    if kind == "standard":
        if "standard" not in values:
            raise FieldError("standard", "", "the standard code is missing")
        code = FIELDS["standard"](values["standard"])
        if value is None and name != "degree":
            raise FieldError("value", "", "the new value is missing")
        keyword = {
            "title": "title",
            "status": "status_text",
            "replaced_by": "replaced_by",
            "adopts": "adopts",
            "degree": "degree_text",
        }[name]
        extra: dict[str, Any] = {keyword: value}
        if name == "adopts" and "degree" in values:
            extra["degree_text"] = values["degree"]
        change = standard_change(code, as_of=as_of, on=date, **extra)
        change.row, change.column = number, "value"
        return change
    if "uscc" not in values:
        raise FieldError("uscc", "", "the enterprise's USCC or organization code is missing")
    _, org_code = enterprise_identity(values["uscc"])
    when = as_of if correct or date is None else date
    change = Change(
        kind, "set", when, org_code=org_code, correct=correct, correct_from=date if correct else None
    )
    change.row, change.column = number, "value"
    if kind == "enterprise":
        if value is None:
            raise FieldError("value", "", "the new value is missing")
        if name == "uscc":
            if correct:
                raise FieldError("correct", values["correct"], "a USCC is not dated: give no correction")
            change.action, change.values = "uscc", {"uscc": new_uscc(value, org_code)}
        else:
            change.values = enterprise_values({name: value})
        return change
    change.product = FIELDS["product"](values.get("product"))
    if name == "drop":
        change.action = "drop"
        return change
    if value is None:
        raise FieldError("value", "", "the new value is missing")
    if name == "output_value":
        change.values = {"output_value": FIELDS["output_value"](value)}
    elif name == "brand":
        change.values = {"brand": FIELDS["brand"](value)}
    elif name == "rename":
        change.action, change.values = "rename", {"name": FIELDS["product"](value, "value")}
    elif name in ("add_standard", "drop_standard"):
        change.action, change.standard = name, FIELDS["standard"](value, "value")
    elif name == "replace_standard":
        if "old" not in values:
            raise FieldError("old", "", "the standard to replace goes in the 原值 (old) column")
        change.action = "replace_standard"
        change.standard = FIELDS["standard"](values["old"], "old")
        change.values = {"new": FIELDS["standard"](value, "value")}
    return change
