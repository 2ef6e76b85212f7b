"""Bad rows and warnings found while reading a file, and the rejects workbook they go to."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stdreg.errors import StdregError
from stdreg.render.rows import excel_safe


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row of one file was rejected."""

    file: str
    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: row {self.row}" if self.row else self.file
        value = f" {self.value!r}" if self.value else ""
        return f"{where}, column {self.column}:{value}: {self.reason}"


@dataclass
class Problems:
    """What one file's import found: rejected rows, and warnings collapsed by value."""

    file: str
    rejects: list[RowError] = field(default_factory=list)
    warnings: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (column, value, message)
    rejected_rows: set[int] = field(default_factory=set)

    def reject(self, row: int, column: str, value: Any, reason: str) -> None:
        self.rejects.append(RowError(self.file, row, column, _shown(value), reason))
        self.rejected_rows.add(row)

    def warn(self, column: str, value: Any, message: str) -> None:
        self.warnings[(column, _shown(value), message)] += 1

    @property
    def has_any(self) -> bool:
        return bool(self.rejects or self.warnings)


def _shown(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 200 else text[:200] + "…"


def default_rejects_path(input_path: Path) -> Path:
    """``<input name>.rejects.xlsx`` in the current directory, or in stdreg's state directory."""
    name = input_path.name + ".rejects.xlsx"
    cwd = Path.cwd()
    if os.access(cwd, os.W_OK):
        return cwd / name
    from stdreg.store import state_dir

    return state_dir() / name


def write_rejects(problems: Problems, path: Path, *, lang: str = "zh") -> Path:
    """Write the rejects workbook: every bad row, then the warnings sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StdregError(f"cannot write the rejects file {path}: {exc}") from exc
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def header_row(sheet: Any, names: list[str]) -> None:
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for name in names:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    rejects = workbook.create_sheet("rejects" if lang == "en" else "错误行")
    rejects.freeze_panes = "A2"
    header_row(rejects, ["file 文件", "row 行号", "column 列", "value 值", "reason 原因"])
    for error in problems.rejects:
        rejects.append(
            [
                excel_safe(error.file),
                error.row,
                excel_safe(error.column),
                excel_safe(error.value),
                excel_safe(error.reason),
            ]
        )
    warnings = workbook.create_sheet("warnings" if lang == "en" else "警告")
    warnings.freeze_panes = "A2"
    header_row(warnings, ["file 文件", "column 列", "value 值", "warning 警告", "count 次数"])
    for (column, value, message), count in sorted(problems.warnings.items()):
        warnings.append(
            [excel_safe(problems.file), excel_safe(column), excel_safe(value), excel_safe(message), count]
        )
    from stdreg.outputs import open_output

    try:
        with open_output(path, binary=True) as stream:
            workbook.save(stream)
    except OSError as exc:
        raise StdregError(f"cannot write the rejects file {path}: {exc}") from exc
    return path
