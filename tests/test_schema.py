"""The migrations build exactly the tables the models describe, on every backend."""

from __future__ import annotations

from sqlmodel import SQLModel

import stdreg.models  # noqa: F401 - registers the tables
from stdreg.store import open_register


def test_the_migrations_match_the_models(stdreg):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    register = open_register(stdreg.db)
    try:
        with register.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    finally:
        register.dispose()
    assert differences == []
