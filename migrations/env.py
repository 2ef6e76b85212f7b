"""Alembic environment for stdreg; run through ``stdreg db upgrade`` (stdreg.store)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import stdreg.models  # noqa: F401 - registers the tables on SQLModel.metadata

target_metadata = SQLModel.metadata


def run_migrations(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:  # the `alembic` command line, for developers writing a new revision
    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///dev.sqlite"
    with create_engine(url).begin() as conn:
        run_migrations(conn)
