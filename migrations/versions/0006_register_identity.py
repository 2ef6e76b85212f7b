"""register identity: every register knows itself, and a merge knows its sources

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 02:00:00

Written by hand. ``register_identity`` holds one row: a UUID drawn when the register
is created (or, for an older register, when it is upgraded to this revision). A file
copy (``stdreg db backup``, cp, a hard link) keeps it, so ``stdreg merge`` can tell a
register from its own backup, and a source it merged before under another name.
``merge_source.identity`` records the identity of each merged source (NULL for those
merged before this revision).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    identity = op.create_table(
        "register_identity",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(identity, [{"id": str(uuid.uuid4()), "created_at": dt.datetime.now(dt.UTC)}])
    with op.batch_alter_table("merge_source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identity", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("merge_source", schema=None) as batch_op:
        batch_op.drop_column("identity")
    op.drop_table("register_identity")
