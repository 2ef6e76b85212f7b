"""stdreg.kernel.bulk writes and reads the same rows on both backends (executemany on SQLite, COPY on PG).

The PostgreSQL runs need STDREG_TEST_PG_URL; each works in a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from stdreg.kernel import bulk
from stdreg.kernel.bulk import Bulk

PG_URL = os.environ.get("STDREG_TEST_PG_URL")
COLUMNS = ("id", "name", "valid_from", "high_tech", "output_value")
DAY = dt.date(2011, 12, 31)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'bulk.sqlite'}", poolclass=NullPool)
        yield engine
        engine.dispose()
        return
    if not PG_URL:
        pytest.skip("STDREG_TEST_PG_URL is not set")
    schema = f"stdreg_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, poolclass=NullPool)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = create_engine(url, poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _table(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE item (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, valid_from DATE, "
            "high_tech BOOLEAN, output_value FLOAT)"
        )


def _rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        b = Bulk(connection)
        ids = [row[0] for row in connection.exec_driver_sql("SELECT id FROM item")]
        found = b.select_in(f"SELECT {', '.join(COLUMNS)} FROM item WHERE id IN", ids, dates=(2,))
        return sorted((r[0], r[1], r[2], None if r[3] is None else bool(r[3]), r[4]) for r in found)


def _made(n: int) -> list[tuple[object, ...]]:
    return [
        (i, f"产品 {i}\t'\\\"", DAY + dt.timedelta(days=i % 400) if i % 7 else None,
         None if i % 5 == 0 else i % 2 == 0, None if i % 3 == 0 else i / 4)
        for i in range(1, n + 1)
    ]  # fmt: skip


def test_insert_update_delete_and_read_back(engine):
    _table(engine)
    rows = _made(3000)
    with engine.begin() as connection:
        assert Bulk(connection).insert("item", COLUMNS, rows) == 3000
    assert _rows(engine) == rows

    big = [(f"新 {i}", DAY, True, 1.5, i) for i in range(1, bulk.UPDATE_BY_COPY + 500)]
    big.append(("last wins", None, None, None, 2))  # the same id twice: the later row is kept
    small = [(f"小 {i}", None, False, None, i) for i in range(2900, 2911)]
    with engine.begin() as connection:
        b = Bulk(connection)
        assert b.update("item", ("name", "valid_from", "high_tech", "output_value"), big) == len(big)
        assert b.update("item", ("name", "valid_from", "high_tech", "output_value"), small) == len(small)
        b.delete("item", list(range(2000, 2500)))
    expected = {row[0]: row for row in rows}
    for name, on, flag, value, i in [*big, *small]:
        expected[i] = (i, name, on, flag, value)
    for i in range(2000, 2500):
        del expected[i]
    assert _rows(engine) == sorted(expected.values())

    with engine.connect() as connection:
        b = Bulk(connection)
        sql = f"SELECT id, valid_from FROM item WHERE valid_from >= {b.mark} AND id IN"
        found = dict(b.select_in(sql, list(range(2500, 2600)), dates=(1,), params=(DAY + dt.timedelta(300),)))
    assert found == {
        i: row[2]
        for i, row in expected.items()
        if 2500 <= i < 2600 and row[2] and row[2] >= DAY + dt.timedelta(300)
    }


def test_a_failed_bulk_insert_raises_as_sqlalchemy_does_and_rolls_back(engine):
    _table(engine)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        b = Bulk(connection)
        b.insert("item", COLUMNS, _made(10))
        b.insert("item", COLUMNS, [(11, "产品 1\t'\\\"", None, None, None)])  # the name is taken
    assert _rows(engine) == []
