"""merged registers: the region of each enterprise and batch, and where merged rows came from

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 10:45:00

Written by hand. New columns are nullable and added in place (no table is copied
on SQLite); a register that was never merged keeps NULL everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_index("ix_enterprise_region", ["region"], unique=False)
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("source_batch_id", sa.Integer(), nullable=True))

    op.create_table(
        "merge_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("last_batch_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "merge_row",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source_row_id", sa.Integer(), nullable=False),
        sa.Column("target_row_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["merge_source.id"]),
        sa.PrimaryKeyConstraint("source_id", "table_name", "source_row_id"),
    )


def downgrade() -> None:
    op.drop_table("merge_row")
    op.drop_table("merge_source")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_column("source_batch_id")
        batch_op.drop_column("region")
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_index("ix_enterprise_region")
        batch_op.drop_column("region")
