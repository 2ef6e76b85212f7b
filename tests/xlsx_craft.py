"""Hand-made .xlsx files: the parts written directly, for what openpyxl will not write.

Formula cells with cached values, entity declarations, dimension claims, stray
cells far from the data: each sheet is the XML given, inside the smallest
package Excel, calamine and openpyxl accept.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""  # noqa: E501
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELS}">
<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN}" xmlns:r="{RELS}">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELS}">
<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10))
    + "]>"
)


class Raw:
    """A cell written as given: its type attribute and inner XML (``<f>…</f><v>…</v>``)."""

    def __init__(self, kind: str | None, inner: str) -> None:
        self.kind, self.inner = kind, inner


def column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(ref: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Raw):
        kind = f' t="{value.kind}"' if value.kind else ""
        return f'<c r="{ref}"{kind}>{value.inner}</c>'
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(
    rows: Sequence[Sequence[Any]], *, dimension: str | None = None, doctype: str = "", extra_rows: str = ""
) -> str:
    body = "".join(
        f'<row r="{r + 1}">'
        + "".join(cell(f"{column_letters(c)}{r + 1}", v) for c, v in enumerate(cells))
        + "</row>"
        for r, cells in enumerate(rows)
    )
    claimed = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'{XML_DECLARATION}{doctype}<worksheet xmlns="{MAIN}">{claimed}<sheetData>{body}{extra_rows}</sheetData></worksheet>'  # noqa: E501


def shared_strings_xml(strings: Sequence[str], *, doctype: str = "", raw: bool = False) -> str:
    items = "".join(f"<si><t>{s if raw else escape(s)}</t></si>" for s in strings)
    return f'{XML_DECLARATION}{doctype}<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'  # noqa: E501


def write_package(path: Path, sheet: str, shared_strings: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", ROOT_RELS)
        package.writestr("xl/workbook.xml", WORKBOOK)
        package.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        package.writestr("xl/worksheets/sheet1.xml", sheet)
        package.writestr("xl/sharedStrings.xml", shared_strings or shared_strings_xml([]))
    return path
