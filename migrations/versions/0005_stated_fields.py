"""stated fields: which attributes the statement that began each version gave

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 01:30:00

Written by hand. A version now begins at every date a file or an update stated the
fact, and ``stated`` says which of its value columns that statement gave (a bit per
column, see ``stdreg.models.STATED_BITS``); the others were inherited from the version
before it. Files may then arrive in any order and give the same register. Rows written
before this revision keep NULL: their non-null values count as stated.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("enterprise_version", "product_version"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("stated", sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in ("enterprise_version", "product_version"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("stated")
