"""The register's tables as the write kernel names them: columns read from the models, owners.

Every column list here is read from the SQLModel metadata (``stdreg.models``), so a
column added to a model is logged, restored and merged without another edit.
"""

from __future__ import annotations

from sqlalchemy import Date, DateTime, Table
from sqlmodel import SQLModel

from stdreg import models
from stdreg.models import ENTERPRISE_FIELDS, PRODUCT_FIELDS, STATED_BITS

LOGGED_TABLES = (
    "enterprise_version", "product_version", "execution", "enterprise_snapshot", "product", "enterprise",
    "standard",
)  # fmt: skip
"""The tables whose rows the change log records (every register fact)."""


def table(name: str) -> Table:
    """The SQLAlchemy table of a register table's name."""
    assert models.REGISTER_TABLES  # the models' import registers every table with the metadata
    return SQLModel.metadata.tables[name]


def columns(name: str) -> tuple[str, ...]:
    """Every column of a table but its ``id``, in the model's order."""
    return tuple(column.name for column in table(name).columns if column.name != "id")


ROW_COLUMNS: dict[str, tuple[str, ...]] = {name: columns(name) for name in LOGGED_TABLES}
"""Every column but ``id`` of each table the log knows: a deleted row is recorded whole."""
LOG_COLUMNS = columns("change_log")
BATCH_COLUMNS = columns("import_batch")
OWNER: dict[str, str] = {
    "enterprise_version": "enterprise_id",
    "product_version": "product_id",
    "execution": "product_id",
    "enterprise_snapshot": "enterprise_id",
    "product": "enterprise_id",
    "enterprise": "id",
    "standard": "id",
}
"""The column naming whose row it is: the enterprise's, the product's, or the row's own id."""
VERSION_FIELDS: dict[str, tuple[str, ...]] = {
    "enterprise_version": ENTERPRISE_FIELDS,
    "product_version": PRODUCT_FIELDS,
    "execution": (),
}
"""The value columns of each version table: an update records them, with closed_batch_id."""
BOOLEAN_COLUMNS = frozenset(
    column.name
    for name in LOGGED_TABLES
    for column in table(name).columns
    if column.type.python_type is bool  # type: ignore[attr-defined]
)
DATE_COLUMNS = frozenset(
    column.name
    for name in models.REGISTER_TABLES
    for column in table(name).columns
    if isinstance(column.type, Date) and not isinstance(column.type, DateTime)
)
"""The columns that hold dates (SQLite keeps them as ISO text)."""
STANDARD_FACTS = (
    "title", "status", "status_on", "published_on", "implemented_on", "withdrawn_on", "replaced_by_id",
    "replaced_noted_on", "adopted_code", "degree",
)  # fmt: skip
"""A standard's facts: what catalogs, registers and updates state about it (not its code's parts)."""


def written_fields(name: str) -> tuple[str, ...]:
    """The columns a plan writes besides the dates: the values, and which of them were stated."""
    return (*VERSION_FIELDS[name], "stated") if name in STATED_BITS else VERSION_FIELDS[name]
