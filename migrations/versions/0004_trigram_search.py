"""trigram indexes for Chinese name search on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:50:00

`query --enterprise 恒达纸业` and `--product` match names with LIKE '%text%'. On
PostgreSQL, where the pg_trgm extension is available, GIN trigram indexes on the
lowered names let a province's register answer texts of three characters and more
from the index; shorter texts (纸, 恒达) still work, by a scan, as on SQLite. Nothing
changes on SQLite, or where pg_trgm cannot be installed (the search stays a scan).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_enterprise_version_name_trgm": "enterprise_version",
    "ix_product_name_trgm": "product",
}


def _trigram_schema(bind: sa.engine.Connection) -> str | None:
    """The schema pg_trgm lives in, installing it if this role may; None when it cannot be had."""
    found = bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
    ).scalar()
    if found is not None:
        return str(found)
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar():
        return None
    # into public, not the register's schema: one database may hold many registers' schemas,
    # and dropping one of them must not take the extension from the others
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    except sa.exc.DBAPIError:  # not allowed to (a trusted extension needs CREATE on the database)
        return None
    return "public"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = _trigram_schema(bind)
    if schema is None:
        return
    for name, table in INDEXES.items():
        op.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (lower(name) "{schema}".gin_trgm_ops)'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
