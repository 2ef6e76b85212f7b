"""The write kernel through its own functions: one batch lifecycle, facts logged, columns from the models.

Every command's tests show the kernel at work end to end; these pin the rules it keeps
for all of them, on both backends: a dry run or a write that changed nothing leaves no
batch behind, a batch's summary is its counts, a fact's old value is logged unless the
batch created the row, and every column list is the models' own.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from conftest import new_register
from stdreg import models
from stdreg.codes.standard_code import parse, register_key
from stdreg.ingest import staging
from stdreg.kernel import tables
from stdreg.kernel.batch import FactChange, NothingWritten, command_sha256, open_batch, write_transaction
from stdreg.kernel.standards import NEW_STANDARD_COLUMNS, add_standards, standard_ids, standard_row
from stdreg.store import Register, open_register

ON = dt.date(2012, 12, 31)


@pytest.fixture
def register(backend: str, tmp_path: pytest.TempPathFactory) -> Iterator[Register]:
    with new_register(backend, tmp_path) as db:  # type: ignore[arg-type]
        opened = open_register(db)
        try:
            yield opened
        finally:
            opened.dispose()


def rows(register: Register, sql: str) -> list[tuple[object, ...]]:
    with register.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_every_column_list_is_the_models_own() -> None:
    for name in (*tables.LOGGED_TABLES, "change_log", "import_batch"):
        model = tuple(c.name for c in SQLModel.metadata.tables[name].columns if c.name != "id")
        listed = tables.ROW_COLUMNS.get(name) or {"change_log": tables.LOG_COLUMNS}.get(name)
        assert (listed or tables.BATCH_COLUMNS) == model
    assert set(NEW_STANDARD_COLUMNS) <= set(tables.ROW_COLUMNS["standard"])
    for name, fields in tables.VERSION_FIELDS.items():
        assert set(fields) <= set(tables.ROW_COLUMNS[name])
    assert set(tables.STANDARD_FACTS) <= set(tables.ROW_COLUMNS["standard"])
    dates = {
        c.name for t in SQLModel.metadata.tables.values() for c in t.columns if c.type.python_type is dt.date
    }
    assert dates == tables.DATE_COLUMNS
    # the import's stage holds a register row: an enterprise's fields and a product's, by name
    assert {*models.ENTERPRISE_FIELDS, *models.PRODUCT_FIELDS} <= set(staging._COLUMNS)


def test_a_batch_records_its_source_user_and_summary(register: Register) -> None:
    with (
        write_transaction(register) as connection,
        open_batch(connection, "update", "stdreg update x", as_of=ON, user="clerk", rows_read=3) as batch,
    ):
        batch.summary_head["reverts"] = 7
        batch.counts["products_added"] += 2
    [(kind, source, sha, as_of, user, read, summary, finished)] = rows(
        register,
        "SELECT kind, file_name, sha256, as_of, user_name, rows_read, summary, finished_at FROM import_batch",
    )
    assert (kind, source, sha, str(as_of), user, read) == (
        "update", "stdreg update x", command_sha256("stdreg update x"), "2012-12-31", "clerk", 3,
    )  # fmt: skip
    assert list(json.loads(str(summary)).items()) == [("reverts", 7), ("products_added", 2)]
    assert finished is not None


@pytest.mark.parametrize("how", ["dry run", "nothing written", "error"])
def test_a_batch_that_does_not_stand_leaves_nothing(register: Register, how: str) -> None:
    code = register_key(parse("GB/T 1-2008"))

    def write() -> None:
        with (
            write_transaction(register, dry_run=how == "dry run") as connection,
            open_batch(connection, "catalog", "c.csv", as_of=ON, sha256="0" * 64) as batch,
        ):
            add_standards(batch, [standard_row(code, batch_id=batch.id)])
            if how == "nothing written":
                raise NothingWritten
            if how == "error":
                raise RuntimeError("disk gone")

    if how == "dry run":
        write()
    else:
        with pytest.raises(NothingWritten if how == "nothing written" else RuntimeError):
            write()
    assert rows(register, "SELECT COUNT(*) FROM import_batch") == [(0,)]
    assert rows(register, "SELECT COUNT(*) FROM standard") == [(0,)]


def test_a_fact_is_logged_unless_the_batch_created_its_row(register: Register) -> None:
    older, newer = register_key(parse("GB/T 1-2008")), register_key(parse("GB/T 2-2009"))
    with (
        write_transaction(register) as connection,
        open_batch(connection, "catalog", "a.csv", as_of=ON, sha256="a" * 64) as first,
    ):
        add_standards(first, [standard_row(older, title="纸", batch_id=first.id)])
        assert first.counts["standards_added"] == 1
    with (
        write_transaction(register) as connection,
        open_batch(connection, "catalog", "b.csv", as_of=ON, sha256="b" * 64) as second,
    ):
        add_standards(second, [standard_row(newer, batch_id=second.id)])
        ids = standard_ids(second.bulk, [older.code, newer.code])
        changed = second.set_facts(
            "standard",
            [
                FactChange(ids[older.code], {"title": "纸"}, {"title": "纸张"}, first.id),
                FactChange(ids[newer.code], {"title": None}, {"title": "纸板"}, second.id),
            ],
            as_of=ON,
        )
        assert changed == 2
    assert sorted(rows(register, "SELECT code, title FROM standard")) == [
        ("GB/T 1-2008", "纸张"),
        ("GB/T 2-2009", "纸板"),
    ]
    # only the row an earlier batch wrote has its old value kept: the other is told by its batch_id
    logged = rows(
        register, "SELECT batch_id, table_name, row_id, op, row_batch_id, old_values FROM change_log"
    )
    assert [(b, t, r, op, w, json.loads(str(v))) for b, t, r, op, w, v in logged] == [
        (second.id, "standard", ids[older.code], "update", first.id, {"title": "纸"})
    ]


def test_a_dual_number_adopts_its_second_code_when_its_standard_is_added(register: Register) -> None:
    dual = parse("GB/T 19001-2016/ISO 9001:2015")
    with (
        write_transaction(register) as connection,
        open_batch(connection, "register", "r.csv", as_of=ON, sha256="c" * 64) as batch,
    ):
        add_standards(batch, [standard_row(dual, batch_id=batch.id)])
    assert rows(register, "SELECT adopted_code, degree FROM standard") == [("ISO 9001:2015", "IDT")]
