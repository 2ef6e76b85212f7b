"""Test data builders: valid credit codes, and register files in every supported format."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stdreg.codes.credit_code import calc_org_check, calc_uscc_check

HEADERS = [
    "企业名称",
    "统一社会信用代码",
    "组织机构代码",
    "乡镇",
    "行业",
    "规模",
    "产品名称",
    "执行标准",
    "采用国际标准",
    "一致性程度",
    "产值（万元）",
    "名牌产品",
]


def org_code(n: int) -> str:
    """The n-th valid organization code (9 characters)."""
    first8 = f"{n:08d}"
    return first8 + calc_org_check(first8)


def uscc(n: int) -> str:
    """The USCC whose characters 9–17 are org_code(n)."""
    first17 = "91330825" + org_code(n)
    return first17 + calc_uscc_check(first17)


def row(
    n: int,
    product: str,
    standard: str = "",
    *,
    name: str | None = None,
    township: str = "湖镇镇",
    industry: str = "造纸",
    size: str = "规上",
    adopted: str = "",
    degree: str = "",
    output: Any = "",
    brand: str = "",
    by_org_code: bool = False,
) -> list[Any]:
    """A register row in HEADERS order for enterprise n."""
    return [
        name or f"企业{n}",
        "" if by_org_code else uscc(n),
        org_code(n) if by_org_code else "",
        township,
        industry,
        size,
        product,
        standard,
        adopted,
        degree,
        output,
        brand,
    ]


def write_csv(
    path: Path,
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str] = HEADERS,
    *,
    encoding: str = "utf-8",
    title: str | None = None,
    delimiter: str = ",",
) -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        if title:
            writer.writerow([title])
            writer.writerow([])
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str] = HEADERS,
    *,
    title: str | None = "龙游县企业产品执行标准数据库",
    sheet: str | None = None,
) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    if sheet:
        worksheet.title = sheet
    if title:
        worksheet.append([title])
        worksheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        worksheet.append(["填报单位：县市场监管局", None, None, "填报日期：2011年12月31日"])
        worksheet.append([])
    worksheet.append(list(headers))
    for values in rows:
        worksheet.append(list(values))
    workbook.save(path)
    return path


def write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


CATALOG_HEADERS = [
    "标准号",
    "标准名称",
    "状态",
    "发布日期",
    "实施日期",
    "废止日期",
    "代替标准",
    "采标号",
    "一致性程度",
]
