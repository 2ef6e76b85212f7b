"""The baselines, each run as its own process (``python bench/baselines.py NAME ARGS``).

Each does the bare minimum the matching stdreg command cannot avoid, with the
standard library or the fastest third-party tool, so the ratio tells how much
stdreg's own work costs:

* ``csv-sqlite3 CSV DB``: parse with ``csv``, insert flat with one ``executemany`` in
  one transaction into a fresh file;
* ``csv-copy CSV URL SCHEMA``: parse with ``csv``, stream the rows with psycopg's
  ``COPY … FROM STDIN`` (``write_row``) into one flat table of TEXT columns, one transaction;
* ``xlsx-openpyxl XLSX`` / ``xlsx-calamine XLSX``: read every cell of the first sheet;
* ``report-sql DB DATE``: one aggregation over the version tables as of DATE, as JSON;
* ``query-sql DB DATE industry|enterprise TEXT``: the rows of a query, as CSV;
* ``report-pg URL SCHEMA DATE`` / ``query-pg URL SCHEMA DATE industry|enterprise TEXT``:
  the same two on PostgreSQL, through psycopg;
* ``xlsx-write CELLS_JSON OUT``: write given sheets of cells with openpyxl's write-only workbook;
* ``xlsx-write-xlsxwriter CELLS_JSON OUT``: the same with xlsxwriter in constant-memory mode;
* ``xlsx-cells XLSX CELLS_JSON``: (preparation, not timed) the cells of a workbook as JSON.

Standard library only, except openpyxl, xlsxwriter and python-calamine for the workbook baselines
and psycopg for the PostgreSQL ones (URL: a libpq URL, ``postgresql://…``).
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# -- import ---------------------------------------------------------------------------------------


def csv_sqlite3(csv_path: str, db_path: str) -> None:
    with open(csv_path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = ", ".join(f'"{name}" TEXT' for name in header)
        marks = ", ".join("?" for _ in header)
        connection = sqlite3.connect(db_path)
        with connection:  # one transaction
            connection.execute(f"CREATE TABLE register ({columns})")
            connection.executemany(f"INSERT INTO register VALUES ({marks})", reader)
        rows = connection.execute("SELECT COUNT(*) FROM register").fetchone()[0]
        connection.close()
    print(rows)


def _pg(url: str, schema: str) -> Any:
    import psycopg

    connection = psycopg.connect(url)
    connection.execute(f'SET search_path TO "{schema}"')
    return connection


def csv_copy(csv_path: str, url: str, schema: str) -> None:
    with open(csv_path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = ", ".join(f'"{name}" TEXT' for name in header)
        connection = _pg(url, schema)
        with connection.transaction(), connection.cursor() as cursor:  # one transaction
            cursor.execute(f"CREATE TABLE register ({columns})")
            with cursor.copy("COPY register FROM STDIN") as copy:
                for row in reader:
                    copy.write_row(row)
        rows = connection.execute("SELECT COUNT(*) FROM register").fetchone()[0]
        connection.close()
    print(rows)


def xlsx_openpyxl(xlsx_path: str) -> None:
    import openpyxl

    workbook = openpyxl.load_workbook(xlsx_path, read_only=True, data_only=True)
    rows = cells = 0
    for values in workbook.worksheets[0].iter_rows(values_only=True):
        rows += 1
        cells += sum(1 for value in values if value is not None)
    workbook.close()
    print(rows, cells)


def xlsx_calamine(xlsx_path: str) -> None:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(xlsx_path)
    rows = cells = 0
    for values in workbook.get_sheet_by_index(0).iter_rows():
        rows += 1
        cells += sum(1 for value in values if value != "")
    workbook.close()
    print(rows, cells)


# -- report and query ---------------------------------------------------------------------------

# Products and products with a standard per industry as of :d: the version tables joined
# on valid_from <= :d < valid_to. The execution lookup is served by ix_execution_product
# (product_id, standard_id, valid_from), the enterprise's by ix_enterprise_version_enterprise.
REPORT_SQL = """
SELECT ev.industry,
       COUNT(*) AS products,
       SUM(EXISTS (SELECT 1 FROM execution x
                   WHERE x.product_id = pv.product_id AND x.valid_from <= :d AND x.valid_to > :d))
           AS products_with_standard
FROM product_version pv
JOIN product p ON p.id = pv.product_id
LEFT JOIN enterprise_version ev
       ON ev.enterprise_id = p.enterprise_id AND ev.valid_from <= :d AND ev.valid_to > :d
WHERE pv.valid_from <= :d AND pv.valid_to > :d
GROUP BY ev.industry
ORDER BY products DESC
"""

# One line per execution (one per product without standard) with the columns of `stdreg query`.
QUERY_SQL = """
SELECT e.uscc, e.org_code, ev.name AS enterprise, ev.township, ev.industry, ev.size,
       p.name AS product, s.code AS standard, s.level, s.adopted_code AS adopted, s.degree
FROM enterprise_version ev
JOIN enterprise e ON e.id = ev.enterprise_id
JOIN product p ON p.enterprise_id = ev.enterprise_id
JOIN product_version pv ON pv.product_id = p.id AND pv.valid_from <= :d AND pv.valid_to > :d
LEFT JOIN execution x ON x.product_id = p.id AND x.valid_from <= :d AND x.valid_to > :d
LEFT JOIN standard s ON s.id = x.standard_id
WHERE ev.valid_from <= :d AND ev.valid_to > :d AND {condition}
ORDER BY ev.name, p.name, s.code
"""
QUERY_CONDITIONS = {"industry": "ev.industry = :value", "enterprise": "ev.name LIKE '%' || :value || '%'"}


def _pg_sql(sql: str) -> str:
    """The same SQL for psycopg: %(name)s parameters; SUM of a boolean spelled as a CASE."""
    sql = sql.replace("%", "%%").replace(":d", "%(d)s").replace(":value", "%(value)s")
    return sql.replace("SUM(EXISTS", "SUM(CASE WHEN EXISTS").replace(
        "x.valid_to > %(d)s))", "x.valid_to > %(d)s) THEN 1 ELSE 0 END)"
    )


def _read_only(db_path: str) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)


def report_sql(db_path: str, date: str) -> None:
    connection = _read_only(db_path)
    cursor = connection.execute(REPORT_SQL, {"d": date})
    names = [column[0] for column in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor]
    connection.close()
    print(json.dumps({"as_of": date, "by_industry": rows}, ensure_ascii=False, indent=2))


def report_pg(url: str, schema: str, date: str) -> None:
    connection = _pg(url, schema)
    cursor = connection.execute(_pg_sql(REPORT_SQL), {"d": date})
    names = [column.name for column in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor]
    connection.close()
    print(json.dumps({"as_of": date, "by_industry": rows}, ensure_ascii=False, indent=2))


def query_pg(url: str, schema: str, date: str, by: str, value: str) -> None:
    connection = _pg(url, schema)
    sql = _pg_sql(QUERY_SQL.format(condition=QUERY_CONDITIONS[by]))
    cursor = connection.execute(sql, {"d": date, "value": value})
    writer = csv.writer(sys.stdout)
    writer.writerow([column.name for column in cursor.description])
    writer.writerows(cursor)
    connection.close()


def query_sql(db_path: str, date: str, by: str, value: str) -> None:
    connection = _read_only(db_path)
    sql = QUERY_SQL.format(condition=QUERY_CONDITIONS[by])
    cursor = connection.execute(sql, {"d": date, "value": value})
    writer = csv.writer(sys.stdout)
    writer.writerow([column[0] for column in cursor.description])
    writer.writerows(cursor)
    connection.close()


# -- lookup -----------------------------------------------------------------------------------

LOOKUP_SQL = """
SELECT l.code, s.title, s.status, s.implemented_on, s.withdrawn_on, s.outdated_from,
       r.code AS replaced_by, s.adopted_code, s.degree,
       (SELECT COUNT(DISTINCT x.product_id) FROM execution x
        WHERE x.standard_id = s.id AND x.valid_from <= :d AND x.valid_to > :d) AS products
FROM lookup_code l LEFT JOIN standard s ON s.code = l.code LEFT JOIN standard r ON r.id = s.replaced_by_id
"""


def lookup_sql(db_path: str, list_path: str, date: str) -> None:
    """The list's distinct cells, as written, matched exactly to the catalog by one join: JSON lines."""
    with open(list_path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        column = next(reader).index("执行标准")
        codes = list(dict.fromkeys(cells[column] for cells in reader))
    connection = _read_only(db_path)
    connection.execute("CREATE TEMPORARY TABLE lookup_code (code TEXT PRIMARY KEY)")
    connection.executemany("INSERT INTO lookup_code VALUES (?)", [(code,) for code in codes])
    cursor = connection.execute(LOOKUP_SQL, {"d": date})
    names = [column[0] for column in cursor.description]
    write = sys.stdout.write
    for row in cursor:
        write(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) + "\n")
    connection.close()


# -- workbook writing ---------------------------------------------------------------------------


def xlsx_cells(xlsx_path: str, json_path: str) -> None:
    import openpyxl

    workbook = openpyxl.load_workbook(xlsx_path, read_only=True, data_only=True)
    sheets = {
        sheet.title: [[_jsonable(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }
    workbook.close()
    Path(json_path).write_text(json.dumps(sheets, ensure_ascii=False), encoding="utf-8")


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def xlsx_write(json_path: str, out_path: str) -> None:
    from openpyxl import Workbook

    sheets: dict[str, list[list[Any]]] = json.loads(Path(json_path).read_text(encoding="utf-8"))
    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(out_path)


def xlsx_write_xlsxwriter(json_path: str, out_path: str) -> None:
    import xlsxwriter

    sheets: dict[str, list[list[Any]]] = json.loads(Path(json_path).read_text(encoding="utf-8"))
    # text stays text, as in stdreg's workbooks (and as openpyxl writes it)
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    workbook = xlsxwriter.Workbook(out_path, options)
    for title, rows in sheets.items():
        sheet = workbook.add_worksheet(title)
        for index, row in enumerate(rows):
            sheet.write_row(index, 0, row)
    workbook.close()


COMMANDS: dict[str, Callable[..., None]] = {
    "lookup-sql": lookup_sql,
    "csv-sqlite3": csv_sqlite3,
    "csv-copy": csv_copy,
    "xlsx-openpyxl": xlsx_openpyxl,
    "xlsx-calamine": xlsx_calamine,
    "report-sql": report_sql,
    "query-sql": query_sql,
    "report-pg": report_pg,
    "query-pg": query_pg,
    "xlsx-cells": xlsx_cells,
    "xlsx-write": xlsx_write,
    "xlsx-write-xlsxwriter": xlsx_write_xlsxwriter,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: baselines.py {{{'|'.join(COMMANDS)}}} ARGS…", file=sys.stderr)
        return 2
    COMMANDS[argv[0]](*argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
