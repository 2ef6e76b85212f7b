"""audit history: the change log, the batch that closed each version, reverted batches

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 09:00:00

Written by hand. Every step keeps the existing rows: new columns are nullable and
added in place (SQLite's ALTER TABLE ADD COLUMN: no table is copied, so the upgrade
of a large register takes a moment, not minutes), and the only data written is the
creating batch of existing products, taken from their earliest version.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSION_TABLES = ("enterprise_version", "product_version", "execution")


def upgrade() -> None:
    # Plain integer references to import_batch.id: a FOREIGN KEY clause would make
    # SQLite copy each table (batch mode) to add it.
    for table in VERSION_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("closed_batch_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reverted_by", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE product SET batch_id = "
        "(SELECT MIN(pv.batch_id) FROM product_version pv WHERE pv.product_id = product.id)"
    )

    op.create_table(
        "change_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("op", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("row_batch_id", sa.Integer(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("old_valid_to", sa.Date(), nullable=True),
        sa.Column("old_values", sa.Text(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batch.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_log_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_change_log_owner", ["table_name", "owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index("ix_change_log_owner")
        batch_op.drop_index(batch_op.f("ix_change_log_batch_id"))
    op.drop_table("change_log")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_column("reverted_by")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("batch_id")
    for table in reversed(VERSION_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("closed_batch_id")
