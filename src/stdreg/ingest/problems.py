"""Bad rows and warnings found while reading a file, and the rejects workbook they go to."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stdreg.errors import StdregError
from stdreg.outputs import open_output
from stdreg.render.xlsx import Book, Sheet
from stdreg.store import state_dir


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row of one file was rejected, with the row's enterprise and product for context."""

    file: str
    row: int
    column: str
    value: str
    reason: str
    sheet: str = ""
    enterprise: str = ""
    product: str = ""

    def __str__(self) -> str:
        sheet = f", sheet {self.sheet!r}" if self.sheet else ""
        where = f"{self.file}{sheet}: row {self.row}" if self.row else f"{self.file}{sheet}"
        value = f" {self.value!r}" if self.value else ""
        return f"{where}, column {self.column}:{value}: {self.reason}"


# Rows read but not imported, and not bad: what the terminal and the summary call them.
IGNORED_KINDS = ("blank", "total", "footer", "note")


@dataclass
class Problems:
    """What one file's import found: rejected rows, warnings collapsed by value, rows ignored."""

    file: str
    rejects: list[RowError] = field(default_factory=list)
    warnings: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (column, value, message)
    rejected_rows: set[tuple[str, int]] = field(default_factory=set)  # (sheet, row)
    ignored: Counter[str] = field(default_factory=Counter)  # kind (IGNORED_KINDS) → rows

    def reject(
        self,
        row: int,
        column: str,
        value: Any,
        reason: str,
        *,
        sheet: str = "",
        enterprise: Any = None,
        product: Any = None,
    ) -> None:
        self.rejects.append(
            RowError(
                self.file, row, column, _shown(value), reason, sheet, _shown(enterprise), _shown(product)
            )
        )
        self.rejected_rows.add((sheet, row))

    def warn(self, column: str, value: Any, message: str) -> None:
        self.warnings[(column, _shown(value), message)] += 1

    def ignore(self, kind: str) -> None:
        self.ignored[kind] += 1

    @property
    def has_any(self) -> bool:
        return bool(self.rejects or self.warnings)


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 1200 as typed, not 1200.0
    text = "" if value is None else str(value)
    return text if len(text) <= 200 else text[:200] + "…"


def default_rejects_path(
    input_path: Path, *, sheets: Sequence[str] | None = None, warnings: bool = False
) -> Path:
    """``<input name>.rejects.xlsx`` (``.warnings.xlsx`` when there are only warnings) in the
    current directory, or in stdreg's state directory; with ``--sheet``, the sheets' names
    are part of it, so that importing another sheet does not overwrite it."""
    part = "".join(f".{_file_safe(name)}" for name in sheets or ())
    name = input_path.name + part + (".warnings.xlsx" if warnings else ".rejects.xlsx")
    cwd = Path.cwd()
    if os.access(cwd, os.W_OK):
        return cwd / name
    return state_dir() / name


def _file_safe(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name)[:40]


# The reasons of bad rows in Chinese, for the officer who corrects the form: the English
# reason's beginning → its Chinese. A reason not listed is shown in English only.
REASONS_ZH: tuple[tuple[str, str], ...] = (
    ("not a standard code", "不是有效的标准编号"),
    ("names no standard code", "未写明标准编号（请查明标准号后填写）"),
    ("the product name is missing", "缺少产品名称"),
    ("the enterprise name is missing", "缺少企业名称"),
    ("the standard code is missing", "缺少标准编号"),
    ("neither a USCC", "统一社会信用代码和组织机构代码都未填写"),
    ("contradicts the", "与统一社会信用代码不一致"),
    ("a credit code has 18 characters", "统一社会信用代码应为 18 位"),
    ("a 15-digit registration number", "15 位注册号不是统一社会信用代码"),
    ("the credit code is empty", "统一社会信用代码为空"),
    ("the organization code is empty", "组织机构代码为空"),
    ("the check character", "校验码错误"),
    ("the credit code has a wrong check", "统一社会信用代码校验码错误"),
    ("expected 是 or 否", "应填“是”或“否”"),
    ("expected 规上 or 规下", "应填“规上”或“规下”"),
    ("expected a number", "应填数字"),
    ("expected a finite number", "应填数字"),
    ("a negative output value", "产值不能为负数"),
    ("expected a date", "应填日期，如 2009-06-30 或 2009年6月30日"),
    ("not a valid calendar date", "日期不存在"),
    ("not a date", "不是日期"),
    ("expected AAAA, AAA, AA or A", "应填 AAAA、AAA、AA 或 A"),
    ("expected 是, 否 or the date", "应填“是”“否”或确认日期"),
    ("holds U+", "含有工作簿无法保存的控制字符（二进制数据或文件已损坏）"),
    ("expected IDT, MOD, NEQ or EQV", "一致性程度应为 IDT/MOD/NEQ/EQV（等同/修改/非等效/等效）"),
)


def reason_zh(reason: str) -> str:
    """The Chinese of a bad row's reason, or "" when there is none."""
    for start, chinese in REASONS_ZH:
        if reason.startswith(start) or f": {start}" in reason:
            return chinese
    return ""


def write_rejects(problems: Problems, path: Path, *, lang: str = "zh") -> Path:
    """Write the rejects workbook: every bad row, then the warnings sheet.

    Made for the officer who corrects the form: the sheet and row of each bad row, its
    value exactly as typed (formula-like text in a quote-prefixed text cell, never with a
    stray quote), the reason in Chinese and English, the row's enterprise and product;
    wide columns, an autofilter and a frozen header on each sheet.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StdregError(f"cannot write the rejects file {path}: {exc}") from exc
    try:
        with open_output(path, binary=True) as stream:
            book = Book(stream)
            bold = book.style(bold=True)

            def sheet_of(title: str, names: list[tuple[str, int]], rows: int) -> Sheet:
                sheet = book.sheet(title, [width for _, width in names])
                sheet.worksheet.freeze_panes(1, 0)
                sheet.worksheet.autofilter(0, 0, rows, len(names) - 1)
                sheet.append([name for name, _ in names], bold)
                return sheet

            rejects = sheet_of(
                "rejects" if lang == "en" else "错误行",
                [
                    ("文件 file", 24),
                    ("工作表 sheet", 14),
                    ("行号 row", 9),
                    ("列 column", 18),
                    ("值 value", 30),
                    ("原因", 36),
                    ("reason", 48),
                    ("企业 enterprise", 30),
                    ("产品 product", 24),
                ],  # fmt: skip
                len(problems.rejects),
            )
            for error in problems.rejects:
                rejects.append(
                    [error.file, error.sheet, error.row, error.column, error.value,
                     reason_zh(error.reason), error.reason, error.enterprise, error.product]
                )  # fmt: skip
            warnings = sheet_of(
                "warnings" if lang == "en" else "警告",
                [
                    ("文件 file", 24),
                    ("列 column", 18),
                    ("值 value", 30),
                    ("警告 warning", 70),
                    ("次数 count", 10),
                ],  # fmt: skip
                len(problems.warnings),
            )
            for (column, value, message), count in sorted(problems.warnings.items()):
                warnings.append([problems.file, column, value, message, count])
            book.close()
    except OSError as exc:
        raise StdregError(f"cannot write the rejects file {path}: {exc}") from exc
    return path
