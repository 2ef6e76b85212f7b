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
    # the trigram indexes of name search (migration 0004) exist only on PostgreSQL with pg_trgm
    trigram = [d for d in differences if d[0] == "remove_index" and d[1].name.endswith("_trgm")]
    assert len(trigram) == (2 if stdreg.backend == "postgresql" else 0)
    assert [d for d in differences if d not in trigram] == []
