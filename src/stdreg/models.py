"""The register's tables (SQLModel). Every register fact is a dated version.

A version holds on the half-open interval [valid_from, valid_to); an open
version ends at OPEN_END, a sentinel date rather than NULL so that "covers D"
is one indexable comparison pair: ``valid_from <= D < valid_to``.

Facts about standards (status, dates, replacement, adoption) are not dated
versions: they carry their own dates (see ``stdreg.codes.lifecycle``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, UniqueConstraint
from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

OPEN_END = dt.date(9999, 12, 31)

ENTERPRISE_FIELDS = (
    "name", "township", "industry", "size", "high_tech", "key_energy_user", "metrology_confirmed",
    "metrology_confirmed_on", "good_behaviour",
)  # fmt: skip
"""The value columns of an enterprise version, in the order plans carry them."""
PRODUCT_FIELDS = ("output_value", "brand")
"""The value columns of a product version, in the order plans carry them."""
STATED_BITS: dict[str, tuple[str, ...]] = {
    "enterprise_version": ENTERPRISE_FIELDS,
    "product_version": PRODUCT_FIELDS,
}
"""Bit i of a version's ``stated`` stands for field i of its table's tuple (append new fields only).

A version begins where a file or an update stated the fact; ``stated`` says which
fields that statement gave, the others being inherited from the version before it
(see ``stdreg.timeline``). NULL, in rows written before revision 0005, means the
version's non-null fields.
"""


class ImportBatch(SQLModel, table=True):
    """One run of a write command over one file (or one command line)."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # register | catalog | update | revert
    file_name: str
    sha256: str = Field(max_length=64, index=True)
    as_of: dt.date
    complete: bool = False
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    rows_read: int = 0
    rows_rejected: int = 0
    summary: str = Field(default="{}", sa_column=Column(SAText, nullable=False))  # JSON counts
    user_name: str | None = None
    reverted_by: int | None = None  # the batch (kind revert) that undid this one
    region: str | None = None  # merged from this county's register (kind merge, or a copied batch)
    source_batch_id: int | None = None  # a copied batch: its id in that register


class Enterprise(SQLModel, table=True):
    """An enterprise, keyed by its organization code (characters 9–17 of its USCC)."""

    __tablename__ = "enterprise"

    id: int | None = Field(default=None, primary_key=True)
    org_code: str = Field(max_length=9, unique=True)
    uscc: str | None = Field(default=None, max_length=18, unique=True)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    region: str | None = Field(default=None, index=True)  # the county register it was merged from


class EnterpriseVersion(SQLModel, table=True):
    """The enterprise's attributes over [valid_from, valid_to)."""

    __tablename__ = "enterprise_version"
    __table_args__ = (Index("ix_enterprise_version_enterprise", "enterprise_id", "valid_from"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id")
    valid_from: dt.date
    valid_to: dt.date = OPEN_END
    name: str
    township: str | None = None
    industry: str | None = None
    size: str | None = Field(default=None, max_length=8)  # above | below
    high_tech: bool | None = None
    key_energy_user: bool | None = None
    metrology_confirmed: bool | None = None
    metrology_confirmed_on: dt.date | None = None
    good_behaviour: str | None = Field(default=None, max_length=4)  # AAAA | AAA | AA | A
    stated: int | None = None  # the fields the version's own statement gave: see STATED_BITS
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    closed_batch_id: int | None = None  # the batch that set valid_to (ended it), if one did


class EnterpriseSnapshot(SQLModel, table=True):
    """A complete listing of one enterprise's products and standards as of a date.

    Recorded by ``import --complete``; a fact learned later from an earlier
    file holds only until the next complete listing that left it out.
    """

    __tablename__ = "enterprise_snapshot"
    __table_args__ = (UniqueConstraint("enterprise_id", "as_of", "batch_id"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    as_of: dt.date
    batch_id: int = Field(foreign_key="import_batch.id")


class Product(SQLModel, table=True):
    """A product of an enterprise, keyed by its normalized name."""

    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("enterprise_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id")
    name: str
    batch_id: int | None = None  # the batch that created it


class ProductVersion(SQLModel, table=True):
    """The product is registered over [valid_from, valid_to), with these attributes."""

    __tablename__ = "product_version"
    __table_args__ = (Index("ix_product_version_product", "product_id", "valid_from"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id")
    valid_from: dt.date
    valid_to: dt.date = OPEN_END
    output_value: float | None = None  # 万元
    brand: str | None = None  # brand title, e.g. 浙江名牌; None = no known title
    stated: int | None = None  # the fields the version's own statement gave: see STATED_BITS
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    closed_batch_id: int | None = None  # the batch that set valid_to (ended it), if one did


class Standard(SQLModel, table=True):
    """A standard, keyed by its normalized code; its facts carry their own dates."""

    __tablename__ = "standard"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    prefix: str
    level: str = Field(max_length=16)
    nature: str | None = Field(default=None, max_length=16)
    number: str
    part: str | None = None
    year: int | None = None
    title: str | None = None
    status: str | None = Field(default=None, max_length=16)  # current|upcoming|replaced|withdrawn
    status_on: dt.date | None = None  # as-of of the import that brought a status without date
    published_on: dt.date | None = None
    implemented_on: dt.date | None = None
    withdrawn_on: dt.date | None = None
    replaced_by_id: int | None = Field(default=None, foreign_key="standard.id")
    replaced_noted_on: dt.date | None = None  # when the replacement link was learned
    adopted_code: str | None = None
    degree: str | None = Field(default=None, max_length=4)  # IDT | MOD | NEQ | EQV
    outdated_from: dt.date | None = None  # derived: see stdreg.codes.lifecycle
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class Execution(SQLModel, table=True):
    """The register row: a product is made to a standard over [valid_from, valid_to)."""

    __tablename__ = "execution"
    __table_args__ = (
        Index("ix_execution_product", "product_id", "standard_id", "valid_from"),
        Index("ix_execution_standard", "standard_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id")
    standard_id: int = Field(foreign_key="standard.id")
    valid_from: dt.date
    valid_to: dt.date = OPEN_END
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    closed_batch_id: int | None = None  # the batch that set valid_to (ended it), if one did


class ChangeLog(SQLModel, table=True):
    """The old values of a row that a batch changed or deleted (inserts carry their batch_id).

    Every write records here what it overwrote, so that ``stdreg history`` can
    show old → new and ``stdreg import --revert`` can put it back. ``owner_id``
    is the enterprise (enterprise_version, enterprise, product), the product
    (product_version, execution) or the standard itself (standard) the row
    belongs to; ``row_batch_id`` the batch that had written the row.
    ``old_values`` is a JSON object: the row's changed columns for an update
    (every value column of a version), the whole row for a delete.
    """

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_owner", "table_name", "owner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="import_batch.id", index=True)
    table_name: str = Field(max_length=32)
    row_id: int
    owner_id: int | None = None
    op: str = Field(max_length=8)  # update | delete
    row_batch_id: int | None = None
    as_of: dt.date | None = None  # the date the change was stated for; None: every date (a correction)
    old_valid_to: dt.date | None = None
    old_values: str = Field(sa_column=Column(SAText, nullable=False))
    reason: str | None = Field(default=None, max_length=16)  # correction | revert


class MergeSource(SQLModel, table=True):
    """A register merged into this one (``stdreg merge``), known by its region's name."""

    __tablename__ = "merge_source"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    location: str  # the path or URL (without password) it was last merged from
    last_batch_id: int | None = None  # the merge batch that last brought it in
    identity: str | None = Field(default=None, max_length=36)  # its RegisterIdentity; None before 0006


class RegisterIdentity(SQLModel, table=True):
    """The register's own identity: one row, a UUID drawn at creation, kept by every file copy.

    ``stdreg merge`` compares it to refuse a register merged into itself under another
    spelling (its backup, a hard link, a URL written differently).
    """

    __tablename__ = "register_identity"

    id: str = Field(primary_key=True, max_length=36)
    created_at: dt.datetime


class MergeRow(SQLModel, table=True):
    """Which row of this register a row of a merged register became.

    Re-merging the same region compares each source row with the row it became,
    so only what changed is written. A negative ``target_row_id`` stands for a
    row that no longer exists in the source and that only its change log names.
    """

    __tablename__ = "merge_row"

    source_id: int = Field(foreign_key="merge_source.id", primary_key=True)
    table_name: str = Field(max_length=32, primary_key=True)
    source_row_id: int = Field(primary_key=True)
    target_row_id: int


REGISTER_TABLES = (
    "import_batch",
    "enterprise",
    "enterprise_version",
    "enterprise_snapshot",
    "product",
    "product_version",
    "standard",
    "execution",
    "change_log",
    "merge_source",
    "merge_row",
)
