"""The audit trail: what every write overwrote, the history it adds up to, and undoing a batch.

Every write to the register is one batch (an ``import_batch`` row: an import,
a catalog, an update, a revert). Rows a batch inserts carry its ``batch_id``;
before a batch updates or deletes a row it records the row's old values in
``change_log`` (:class:`ChangeLog`, written with executemany like the rest of
an import). A version also remembers the batch that ended it
(``closed_batch_id``). From these three:

* :func:`enterprise_history` and :func:`standard_history` rebuild every state
  each row went through and tell the changes as a timeline (old → new, as of
  which date, from which file or command line);
* :func:`revert_batch` puts back what a batch overwrote, deletes what it
  inserted, and refuses (:class:`RevertRefused`) when a later batch built on it;
* :func:`outdated_products` lists what ``stdreg check`` reports.

Corrections (``stdreg update … --correct``) are logged with reason
``correction`` and no as-of date: they rewrite the past rather than add to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from stdreg.bulk import ARRAY_CHUNK, CHUNK, DATE_COLUMNS, Bulk
from stdreg.errors import InputError, UsageError
from stdreg.models import ENTERPRISE_FIELDS, OPEN_END, PRODUCT_FIELDS, STATED_BITS
from stdreg.standards import replacement_ends
from stdreg.timeline import Plan, Version

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from stdreg.store import Register

LOG_COLUMNS = (
    "batch_id", "table_name", "row_id", "owner_id", "op", "row_batch_id", "as_of", "old_valid_to",
    "old_values", "reason",
)  # fmt: skip
STANDARD_FACTS = (
    "title", "status", "status_on", "published_on", "implemented_on", "withdrawn_on", "replaced_by_id",
    "replaced_noted_on", "adopted_code", "degree",
)  # fmt: skip
ROW_COLUMNS: dict[str, tuple[str, ...]] = {
    "enterprise_version": (
        "enterprise_id", "valid_from", "valid_to", *ENTERPRISE_FIELDS, "stated", "batch_id",
        "closed_batch_id",
    ),
    "product_version": (
        "product_id", "valid_from", "valid_to", *PRODUCT_FIELDS, "stated", "batch_id", "closed_batch_id",
    ),
    "execution": ("product_id", "standard_id", "valid_from", "valid_to", "batch_id", "closed_batch_id"),
    "enterprise_snapshot": ("enterprise_id", "as_of", "batch_id"),
    "product": ("enterprise_id", "name", "batch_id"),
    "enterprise": ("org_code", "uscc", "batch_id", "region"),
    "standard": (
        "code", "prefix", "level", "nature", "number", "part", "year", *STANDARD_FACTS, "outdated_from",
        "batch_id",
    ),
}  # fmt: skip
"""Every column but ``id`` of each table the log knows: a deleted row is recorded whole."""
OWNER: dict[str, str] = {
    "enterprise_version": "enterprise_id",
    "product_version": "product_id",
    "execution": "product_id",
    "enterprise_snapshot": "enterprise_id",
    "product": "enterprise_id",
    "enterprise": "id",
    "standard": "id",
}
VERSION_FIELDS: dict[str, tuple[str, ...]] = {
    "enterprise_version": ENTERPRISE_FIELDS,
    "product_version": PRODUCT_FIELDS,
    "execution": (),
}
"""The value columns of each version table: an update records them, with closed_batch_id."""
BOOLEAN_COLUMNS = frozenset({"high_tech", "key_energy_user", "metrology_confirmed"})

CORRECTION = "correction"
REVERT = "revert"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _dumps(values: dict[str, Any]) -> str:
    return json.dumps({k: _jsonable(v) for k, v in values.items()}, ensure_ascii=False)


def iso(value: Any) -> str | None:
    """A date as the ISO text the log and SQLite keep (None stays None)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    return value.isoformat()  # type: ignore[no-any-return]


class ChangeLog:
    """The change_log rows of one batch, buffered and written with executemany.

    Call :meth:`before` with the ids of rows about to be updated or deleted: it
    reads them (chunked IN lists, only the rows that change) and records their
    old values. :meth:`flush` writes what was recorded.
    """

    def __init__(self, bulk: Bulk, batch_id: int) -> None:
        self.bulk = bulk
        self.batch_id = batch_id
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0

    def before(
        self,
        table: str,
        update_ids: Sequence[int] = (),
        delete_ids: Sequence[int] = (),
        *,
        as_of: dt.date | None,
        reason: str | None = None,
        also: Sequence[str] = (),
    ) -> dict[int, dict[str, Any]]:
        """Record the rows about to change; their old values by id (dates as ISO text).

        An update of a version records its value columns and closed_batch_id
        (and its end, as old_valid_to); of another table, the ``also`` columns.
        A delete records the whole row.
        """
        if table in _LOGGED_IN_SQL and not also:
            self._in_sql(table, "update", update_ids, as_of, reason)
            self._in_sql(table, "delete", delete_ids, as_of, reason)
            return {}
        old = read_rows(self.bulk, table, [*update_ids, *delete_ids])
        kept = (*_written_fields(table), "closed_batch_id", *also) if table in VERSION_FIELDS else also
        owner, batch = OWNER[table], self.batch_id
        on = self.bulk.value(as_of)
        rows = self.rows
        for row_id in update_ids:
            row = old[row_id]
            values = {name: row[name] for name in kept}
            rows.append((
                batch, table, row_id, row[owner] if owner != "id" else row_id, "update", row.get("batch_id"),
                on, row.get("valid_to"), _dumps(values), reason,
            ))  # fmt: skip
        for row_id in delete_ids:
            row = old[row_id]
            rows.append((
                batch, table, row_id, row[owner] if owner != "id" else row_id, "delete", row.get("batch_id"),
                on, row.get("valid_to"), _dumps(row), reason,
            ))  # fmt: skip
        return old

    def _in_sql(
        self, table: str, op: str, ids: Sequence[int], as_of: dt.date | None, reason: str | None
    ) -> None:
        """Copy the rows' old values into the log inside the database: no row comes back to Python."""
        if not ids:
            return
        sql = _LOGGED_IN_SQL[table][op]
        mark = self.bulk.mark
        head = (self.batch_id, op, self.bulk.value(as_of), reason)
        if self.bulk.copy:  # PostgreSQL: the ids as one array, as Bulk reads them
            statement = sql.replace("{mark}", mark).removesuffix(" IN") + " = ANY(%s)"
            for start in range(0, len(ids), ARRAY_CHUNK):
                array = list(ids[start : start + ARRAY_CHUNK])
                self.bulk.connection.exec_driver_sql(statement, (*head, array))
                self.written += len(array)
            return
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            marks = ", ".join([mark] * len(part))
            self.bulk.connection.exec_driver_sql(sql.replace("{mark}", mark) + f" ({marks})", (*head, *part))
            self.written += len(part)

    def record(
        self,
        table: str,
        row_id: int,
        owner_id: int | None,
        old_values: dict[str, Any],
        *,
        row_batch_id: int | None,
        as_of: dt.date | None,
        op: str = "update",
        reason: str | None = None,
    ) -> None:
        """Record one update whose old values the caller already holds (no read)."""
        self.rows.append((
            self.batch_id, table, row_id, owner_id, op, row_batch_id, self.bulk.value(as_of),
            None, _dumps(old_values), reason,
        ))  # fmt: skip

    def flush(self) -> int:
        count = self.bulk.insert("change_log", LOG_COLUMNS, self.rows)
        self.written += count
        self.rows = []
        return count


def _json_number(column: str) -> str:
    return f"COALESCE(CAST({column} AS TEXT), 'null')"


def _json_date(column: str) -> str:
    return f"""COALESCE('"' || CAST({column} AS TEXT) || '"', 'null')"""


def _json_object(members: Sequence[tuple[str, str]]) -> str:
    parts = [
        f"""'{"{" if i == 0 else ", "}"{name}": ' || {value}""" for i, (name, value) in enumerate(members)
    ]
    return " || ".join(parts) + " || '}'"


_EXECUTION_LOG = (
    "INSERT INTO change_log (batch_id, table_name, row_id, owner_id, op, row_batch_id, as_of, old_valid_to, "
    "old_values, reason) SELECT {mark}, 'execution', id, product_id, {mark}, batch_id, {mark}, valid_to, "
)
_LOGGED_IN_SQL: dict[str, dict[str, str]] = {
    # Executions hold numbers and dates only, so their JSON is plain concatenation (no JSON
    # functions, which SQLite and PostgreSQL spell differently): a province's import closes a
    # million of them, and this keeps every one of those rows out of Python.
    "execution": {
        "update": _EXECUTION_LOG
        + _json_object([("closed_batch_id", _json_number("closed_batch_id"))])
        + ", {mark} FROM execution WHERE id IN",
        "delete": _EXECUTION_LOG
        + _json_object(
            [
                ("product_id", _json_number("product_id")),
                ("standard_id", _json_number("standard_id")),
                ("valid_from", _json_date("valid_from")),
                ("valid_to", _json_date("valid_to")),
                ("batch_id", _json_number("batch_id")),
                ("closed_batch_id", _json_number("closed_batch_id")),
            ]
        )
        + ", {mark} FROM execution WHERE id IN",
    }
}
"""Tables whose log entries are written by INSERT … SELECT, straight from the rows."""


def read_rows(bulk: Bulk, table: str, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Rows by id, every column of ROW_COLUMNS, dates as ISO text."""
    columns = ROW_COLUMNS[table]
    found: dict[int, dict[str, Any]] = {}
    for row in bulk.select_in(f"SELECT id, {', '.join(columns)} FROM {table} WHERE id IN", list(ids)):
        values = dict(zip(columns, row[1:], strict=True))
        if not bulk.sqlite:
            values = {k: iso(v) if isinstance(v, dt.date) else v for k, v in values.items()}
        found[row[0]] = values
    return found


def _written_fields(table: str) -> tuple[str, ...]:
    """The columns a plan writes besides the dates: the values, and which of them were stated."""
    return (*VERSION_FIELDS[table], "stated") if table in STATED_BITS else VERSION_FIELDS[table]


def read_versions(bulk: Bulk, table: str, owner: str, owner_ids: Sequence[int]) -> dict[int, list[Version]]:
    """Every version of each owner (``enterprise_id`` of enterprise versions …), in date order."""
    fields = _written_fields(table)
    query = (
        f"SELECT id, {owner}, valid_from, valid_to{''.join(', ' + f for f in fields)} FROM {table} "
        f"WHERE {owner} IN"
    )
    dates = [2, 3] + [4 + i for i, name in enumerate(fields) if name.endswith("_on")]
    stated = table in STATED_BITS
    versions: dict[int, list[Version]] = defaultdict(list)
    for row in sorted(bulk.select_in(query, list(owner_ids), dates=dates), key=lambda r: r[2]):
        values = tuple(row[4:-1]) if stated else tuple(row[4:])
        versions[row[1]].append(Version(row[0], row[2], row[3], values, row[-1] if stated else None))
    return versions


def apply_plans(
    bulk: Bulk,
    log: ChangeLog,
    table: str,
    keys: Sequence[str],
    fields: Sequence[str],
    plans: Sequence[tuple[Any, Plan]],
    *,
    batch_id: int,
    as_of: dt.date | None,
    reason: str | None = None,
) -> None:
    """Write the plans of one version table: inserts, then updates and deletes, logged.

    ``keys`` are the columns that say whose version it is (``enterprise_id``;
    ``product_id, standard_id``); each plan comes with its key value(s). An
    update that moves a version's end records this batch as the one that closed it.
    """
    single = len(keys) == 1
    stated = table in STATED_BITS
    if stated:
        fields = (*fields, "stated")

    def written(v: Version) -> tuple[Any, ...]:
        return (*v.values, v.stated) if stated else v.values

    # one comprehension per shape: this runs once for every row of a province's file
    if stated:
        inserts = [
            ((key,) if single else tuple(key)) + (v.valid_from, v.valid_to, batch_id, *v.values, v.stated)
            for key, plan in plans
            for v in plan.inserts
        ]
    else:
        inserts = [
            ((key,) if single else tuple(key)) + (v.valid_from, v.valid_to, batch_id, *v.values)
            for key, plan in plans
            for v in plan.inserts
        ]
    bulk.insert(table, (*keys, "valid_from", "valid_to", "batch_id", *fields), inserts)
    updates = [v for _, plan in plans for v in plan.updates]
    deletes = [gone for _, plan in plans for gone in plan.deletes]
    if not updates and not deletes:
        return
    old = log.before(table, [v.id for v in updates if v.id is not None], deletes, as_of=as_of, reason=reason)
    closing = []
    in_place = []
    for v in updates:
        # a version without value columns (an execution) is only ever updated to end it
        if not fields or iso(v.valid_to) != old[v.id]["valid_to"]:  # type: ignore[index]
            closing.append((v.valid_to, *written(v), batch_id, v.id))
        else:
            in_place.append((*written(v), v.id))
    bulk.update(table, ("valid_to", *fields, "closed_batch_id"), closing)
    bulk.update(table, tuple(fields), in_place)
    bulk.delete(table, deletes)


def current_user() -> str | None:
    """The user a batch written from a command line records (None when it cannot be told)."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return None


def command_sha256(command: str) -> str:
    """The SHA-256 recorded for a batch written from a command line rather than a file."""
    return hashlib.sha256(command.encode("utf-8")).hexdigest()


# --- revert ------------------------------------------------------------------------------


class RevertRefused(InputError):
    """Later batches built on the batch: it cannot be undone alone (nothing was written)."""


@dataclass
class RevertResult:
    batch_id: int
    revert_batch_id: int | None
    counts: Counter[str] = field(default_factory=Counter)


_LATER = "(SELECT id FROM import_batch WHERE id > :n AND kind <> 'revert' AND reverted_by IS NULL)"

_DEPENDENCY_RULES: tuple[tuple[str, str], ...] = (
    (
        "changed or closed rows it wrote",
        f"SELECT DISTINCT batch_id FROM change_log WHERE row_batch_id = :n AND batch_id IN {_LATER}",
    ),
    (
        "changed rows it changed too",
        "SELECT DISTINCT l.batch_id FROM change_log l JOIN change_log m "
        "ON m.table_name = l.table_name AND m.row_id = l.row_id "
        f"WHERE m.batch_id = :n AND l.batch_id IN {_LATER}",
    ),
    (
        "wrote attributes of an enterprise it created",
        "SELECT DISTINCT v.batch_id FROM enterprise_version v JOIN enterprise e ON e.id = v.enterprise_id "
        f"WHERE e.batch_id = :n AND v.batch_id IN {_LATER}",
    ),
    (
        "wrote products of an enterprise it created",
        "SELECT DISTINCT p.batch_id FROM product p JOIN enterprise e ON e.id = p.enterprise_id "
        f"WHERE e.batch_id = :n AND p.batch_id IN {_LATER}",
    ),
    (
        "listed an enterprise it created",
        "SELECT DISTINCT s.batch_id FROM enterprise_snapshot s JOIN enterprise e ON e.id = s.enterprise_id "
        f"WHERE e.batch_id = :n AND s.batch_id IN {_LATER}",
    ),
    (
        "wrote a product it created",
        "SELECT DISTINCT v.batch_id FROM product_version v JOIN product p ON p.id = v.product_id "
        f"WHERE p.batch_id = :n AND v.batch_id IN {_LATER}",
    ),
    (
        "wrote standards of a product it created",
        "SELECT DISTINCT x.batch_id FROM execution x JOIN product p ON p.id = x.product_id "
        f"WHERE p.batch_id = :n AND x.batch_id IN {_LATER}",
    ),
    (
        "wrote products made to a standard it created",
        "SELECT DISTINCT x.batch_id FROM execution x JOIN standard s ON s.id = x.standard_id "
        f"WHERE s.batch_id = :n AND x.batch_id IN {_LATER}",
    ),
    (
        "linked a standard to one it created",
        "SELECT DISTINCT l.batch_id FROM change_log l JOIN standard s ON s.id = l.row_id "
        "JOIN standard r ON r.id = s.replaced_by_id "
        f"WHERE l.table_name = 'standard' AND r.batch_id = :n AND l.batch_id IN {_LATER}",
    ),
    # A version written later for an earlier date ends where this batch's version begins:
    # without it, that version would have run on.
    (
        "wrote versions that end where its versions begin",
        "SELECT DISTINCT m.batch_id FROM enterprise_version m JOIN enterprise_version v "
        "ON v.enterprise_id = m.enterprise_id AND v.valid_from = m.valid_to "
        f"WHERE v.batch_id = :n AND m.batch_id IN {_LATER} "
        "UNION SELECT DISTINCT m.batch_id FROM product_version m JOIN product_version v "
        "ON v.product_id = m.product_id AND v.valid_from = m.valid_to "
        f"WHERE v.batch_id = :n AND m.batch_id IN {_LATER} "
        "UNION SELECT DISTINCT m.batch_id FROM execution m JOIN execution v "
        "ON v.product_id = m.product_id AND v.standard_id = m.standard_id AND v.valid_from = m.valid_to "
        f"WHERE v.batch_id = :n AND m.batch_id IN {_LATER}",
    ),
    (
        "wrote versions cut short by its complete listing",
        "SELECT DISTINCT m.batch_id FROM enterprise_snapshot s JOIN product p "
        "ON p.enterprise_id = s.enterprise_id "
        "JOIN product_version m ON m.product_id = p.id AND m.valid_to = s.as_of "
        f"WHERE s.batch_id = :n AND m.batch_id IN {_LATER} "
        "UNION SELECT DISTINCT m.batch_id FROM enterprise_snapshot s JOIN product p "
        "ON p.enterprise_id = s.enterprise_id "
        "JOIN execution m ON m.product_id = p.id AND m.valid_to = s.as_of "
        f"WHERE s.batch_id = :n AND m.batch_id IN {_LATER}",
    ),
)
"""Why a later batch depends on batch :n; each query names the later batches (not reverted)."""


def dependents(connection: Connection, batch_id: int) -> dict[int, list[str]]:
    """The later batches that built on ``batch_id``, each with why (empty: it can be reverted).

    A later batch depends on it when it changed or closed a row the batch wrote,
    changed a row the batch changed too, wrote rows about an enterprise, product
    or standard the batch created, or wrote versions whose dates the batch's own
    versions or complete listings decided. Reverted batches and reverts do not count.
    """
    from sqlalchemy import text

    found: dict[int, list[str]] = defaultdict(list)
    for reason, sql in _DEPENDENCY_RULES:
        for (later,) in connection.execute(text(sql), {"n": batch_id}):
            if later is not None and reason not in found[later]:
                found[later].append(reason)
    return dict(sorted(found.items()))


def revert_batch(
    register: Register, batch_id: int, *, command: str, user: str | None, dry_run: bool = False
) -> RevertResult:
    """Undo one batch, as one new batch of kind ``revert``.

    Rows the batch changed or deleted get back their old values from the change
    log; rows it inserted are deleted; the enterprises, products and standards
    it created are deleted when nothing refers to them any more. The batch and
    its change log stay, marked ``reverted_by``. Raises :class:`RevertRefused`
    when later batches depend on it (see :func:`dependents`) and UsageError when
    there is no such batch, it is a revert, or it was reverted already.
    """
    from sqlalchemy import text

    from stdreg.ingest.catalog import refresh_outdated

    with register.engine.connect() as connection, connection.begin() as transaction:
        batch = (
            connection.execute(
                text(
                    "SELECT id, kind, file_name, as_of, reverted_by, region, source_batch_id "
                    "FROM import_batch WHERE id = :n"
                ),
                {"n": batch_id},
            )
            .mappings()
            .first()
        )
        if batch is None:
            raise UsageError(
                f"there is no batch {batch_id} (`stdreg history` shows the batches of each change)"
            )
        if batch["source_batch_id"] is not None or batch["kind"] == "merge":
            raise UsageError(
                f"batch {batch_id} came from the register of {batch['region']}: revert it there "
                "and merge that register again"
            )
        if batch["kind"] == REVERT:
            raise UsageError(f"batch {batch_id} is itself a revert; import the file again instead")
        if batch["reverted_by"] is not None:
            raise UsageError(f"batch {batch_id} was reverted already, by batch {batch['reverted_by']}")
        blocking = dependents(connection, batch_id)
        if blocking:
            names = _batch_names(connection, list(blocking))
            lines = "\n".join(
                f"  batch {later} ({names.get(later, '?')}) {'; '.join(reasons)}"
                for later, reasons in blocking.items()
            )
            raise RevertRefused(
                f"batch {batch_id} ({batch['file_name']}) cannot be reverted alone, nothing was changed: "
                f"later batches built on it:\n{lines}\n"
                f"revert those first, latest first ({', '.join(str(b) for b in reversed(blocking))})"
            )
        as_of = batch["as_of"]
        if isinstance(as_of, str):
            as_of = dt.date.fromisoformat(as_of)
        revert_id = new_batch(connection, REVERT, command, command_sha256(command), as_of, user)
        bulk = Bulk(connection)
        log = ChangeLog(bulk, revert_id)
        counts: Counter[str] = Counter()
        _restore(connection, bulk, log, batch_id, counts)
        _delete_inserted(connection, bulk, log, batch_id, counts)
        counts["standards_outdated_recomputed"] += refresh_outdated(connection)
        log.flush()
        finish_batch(connection, revert_id, {"reverts": batch_id, **counts})
        connection.execute(
            text("UPDATE import_batch SET reverted_by = :r WHERE id = :n"), {"r": revert_id, "n": batch_id}
        )
        if dry_run:
            transaction.rollback()
            return RevertResult(batch_id, None, counts)
        transaction.commit()
    return RevertResult(batch_id, revert_id, counts)


def new_batch(
    connection: Connection,
    kind: str,
    source: str,
    sha256: str,
    as_of: dt.date,
    user: str | None,
    *,
    rows_read: int = 0,
    rows_rejected: int = 0,
    complete: bool = False,
    region: str | None = None,
) -> int:
    """Start a batch (an import, a catalog, an update, a revert, a merge): its id.

    ``source`` is the file's name or the command line; ``sha256`` the file's, or the
    command line's (:func:`command_sha256`).
    """
    from sqlalchemy import insert

    from stdreg.models import ImportBatch

    inserted = connection.execute(
        insert(ImportBatch.__table__).values(  # type: ignore[attr-defined]
            kind=kind,
            file_name=source,
            sha256=sha256,
            as_of=as_of,
            complete=complete,
            started_at=dt.datetime.now(dt.UTC),
            rows_read=rows_read,
            rows_rejected=rows_rejected,
            summary="{}",
            user_name=user,
            region=region,
        )
    ).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


def finish_batch(
    connection: Connection, batch_id: int, summary: dict[str, Any], *, rows_read: int | None = None
) -> None:
    """End a batch: when it finished, and its JSON summary of counts (and the rows it read, if known late)."""
    from sqlalchemy import update

    from stdreg.models import ImportBatch

    table = ImportBatch.__table__  # type: ignore[attr-defined]
    values: dict[str, Any] = {
        "finished_at": dt.datetime.now(dt.UTC),
        "summary": json.dumps(summary, ensure_ascii=False),
    }
    if rows_read is not None:
        values["rows_read"] = rows_read
    connection.execute(update(table).where(table.c.id == batch_id).values(**values))


def _batch_names(connection: Connection, ids: list[int]) -> dict[int, str]:
    from sqlalchemy import bindparam, text

    if not ids:
        return {}
    rows = connection.execute(
        text("SELECT id, kind, file_name, as_of FROM import_batch WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": ids},
    )
    return {row.id: f"{row.kind} {row.file_name}, as of {iso(row.as_of)}" for row in rows}


def _restore(connection: Connection, bulk: Bulk, log: ChangeLog, batch_id: int, counts: Counter[str]) -> None:
    """Give back every row the batch changed or deleted the values it had before the batch."""
    from sqlalchemy import text

    merged: dict[tuple[str, int], dict[str, Any]] = {}
    deleted: set[tuple[str, int]] = set()
    entries = connection.execute(
        text(
            "SELECT table_name, row_id, op, row_batch_id, old_valid_to, old_values FROM change_log "
            "WHERE batch_id = :n ORDER BY id"
        ),
        {"n": batch_id},
    )
    for table, row_id, op, row_batch_id, old_valid_to, old_values in entries:
        if row_batch_id == batch_id:
            continue  # a row the batch wrote itself: it goes with the batch's other rows
        key = (table, row_id)
        state = merged.setdefault(key, {})
        # the batch's first record of each column holds the value from before the batch
        for name, value in json.loads(old_values).items():
            state.setdefault(name, value)
        if old_valid_to is not None:
            state.setdefault("valid_to", iso(old_valid_to))
        if op == "delete":
            deleted.add(key)
    by_table: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for (table, row_id), state in merged.items():
        by_table[table].append((row_id, state))
    for table, rows in by_table.items():
        back = [(row_id, state) for row_id, state in rows if (table, row_id) in deleted]
        if back:
            columns = ROW_COLUMNS[table]
            bulk.insert(
                table,
                ("id", *columns),
                [(row_id, *(_stored(name, state.get(name)) for name in columns)) for row_id, state in back],
            )
            counts[f"{table}_restored"] += len(back)
        changed = [(row_id, state) for row_id, state in rows if (table, row_id) not in deleted]
        if not changed:
            continue
        groups: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for row_id, state in changed:
            groups[tuple(sorted(state))].append((row_id, state))
        for columns, group in groups.items():
            also = tuple(c for c in columns if c != "valid_to")
            log.before(table, [row_id for row_id, _ in group], as_of=None, reason=REVERT, also=also)
            bulk.update(
                table,
                columns,
                [(*(_stored(name, state[name]) for name in columns), row_id) for row_id, state in group],
            )
        counts[f"{table}_restored"] += len(changed)


def _stored(name: str, value: Any) -> Any:
    """A value from the log's JSON as the database takes it (dates are ISO text in the log)."""
    if isinstance(value, str) and (name in DATE_COLUMNS or name.endswith("_on")):
        return dt.date.fromisoformat(value)
    return value


def _delete_inserted(
    connection: Connection, bulk: Bulk, log: ChangeLog, batch_id: int, counts: Counter[str]
) -> None:
    """Delete the rows the batch inserted, then what it created that nothing refers to any more."""

    def ids(sql: str) -> list[int]:
        return [row[0] for row in connection.exec_driver_sql(sql, (batch_id,))]

    mark = bulk.mark
    for table in ("execution", "product_version", "enterprise_snapshot", "enterprise_version"):
        gone = ids(f"SELECT id FROM {table} WHERE batch_id = {mark}")
        if gone:
            log.before(table, (), gone, as_of=None, reason=REVERT)
            bulk.delete(table, gone)
            counts[f"{table}_deleted"] += len(gone)
    created = {
        "product": (
            f"SELECT id FROM product p WHERE batch_id = {mark} "
            "AND NOT EXISTS (SELECT 1 FROM product_version v WHERE v.product_id = p.id) "
            "AND NOT EXISTS (SELECT 1 FROM execution x WHERE x.product_id = p.id)"
        ),
        "standard": (
            f"SELECT id FROM standard s WHERE batch_id = {mark} "
            "AND NOT EXISTS (SELECT 1 FROM execution x WHERE x.standard_id = s.id) "
            "AND NOT EXISTS (SELECT 1 FROM standard r WHERE r.replaced_by_id = s.id)"
        ),
        "enterprise": (
            f"SELECT id FROM enterprise e WHERE batch_id = {mark} "
            "AND NOT EXISTS (SELECT 1 FROM enterprise_version v WHERE v.enterprise_id = e.id) "
            "AND NOT EXISTS (SELECT 1 FROM product p WHERE p.enterprise_id = e.id) "
            "AND NOT EXISTS (SELECT 1 FROM enterprise_snapshot s WHERE s.enterprise_id = e.id)"
        ),
    }
    for table, sql in created.items():
        gone = ids(sql)
        if gone:
            log.before(table, (), gone, as_of=None, reason=REVERT)
            bulk.delete(table, gone)
            counts[f"{table}_deleted"] += len(gone)


# --- history -----------------------------------------------------------------------------

HISTORY_FIELDS = ("date", "written_at", "batch", "kind", "source", "what", "reverted_by", "region")
"""The fields of a history row (``stdreg history --format json``).

``date`` is the date the change holds from (ISO; null for a correction of every
date), ``written_at`` when the batch wrote it (UTC), ``source`` the file and its
SHA-256 prefix, or the command line and user name, ``reverted_by`` the batch that
undid it (null while it stands), ``region`` the county whose register the batch was
merged from (null for the register's own batches).
"""

_FIELD_NAMES = {
    "name": "name",
    "township": "township",
    "industry": "industry",
    "size": "size",
    "high_tech": "high-tech",
    "key_energy_user": "key energy user",
    "metrology_confirmed": "metrology confirmed",
    "metrology_confirmed_on": "metrology confirmed on",
    "good_behaviour": "good behaviour",
    "output_value": "output value",
    "brand": "brand",
    "standard_id": "standard",
    "uscc": "USCC",
    "title": "title",
    "status": "status",
    "status_on": "status as of",
    "published_on": "published",
    "implemented_on": "implemented",
    "withdrawn_on": "withdrawn",
    "replaced_by_id": "replaced by",
    "replaced_noted_on": "replacement noted",
    "adopted_code": "adopts",
    "degree": "degree",
}
_FIELD_NAMES_ZH = {
    "name": "名称",
    "township": "乡镇",
    "industry": "行业",
    "size": "规模",
    "high_tech": "高新技术企业",
    "key_energy_user": "重点用能单位",
    "metrology_confirmed": "计量检测体系确认",
    "metrology_confirmed_on": "计量检测体系确认日期",
    "good_behaviour": "标准化良好行为",
    "output_value": "产值（万元）",
    "brand": "名牌",
    "standard_id": "执行标准",
    "uscc": "统一社会信用代码",
    "title": "标准名称",
    "status": "状态",
    "status_on": "状态日期",
    "published_on": "发布日期",
    "implemented_on": "实施日期",
    "withdrawn_on": "废止日期",
    "replaced_by_id": "被代替为",
    "replaced_noted_on": "代替记录日期",
    "adopted_code": "采用国际标准",
    "degree": "一致性程度",
}

# The sentences of the 变更 (what changed) column: (English, Chinese). The English ones are
# those of ``stdreg history --format json``, which programs read.
_PHRASES = {
    "registered": ("enterprise {name} registered", "登记企业 {name}"),
    "details": (" ({details})", "（{details}）"),
    "list": (", ", "，"),
    "diff": ("; ", "；"),
    "product_added": ("product {name} added", "新增产品 {name}"),
    "product_changed": ("product {name}: {diff}", "产品 {name}：{diff}"),
    "product_dropped": ("product {name} dropped", "产品 {name} 不再生产"),
    "product_removed": ("product {name} removed", "删除产品 {name}"),
    "product_renamed": ("product {old} renamed {new}", "产品 {old} 更名为 {new}"),
    "execution_added": ("{code} added to {name}", "{name} 新增执行标准 {code}"),
    "execution_changed": ("{name}: standard {old} → {new}", "{name}：执行标准 {old} → {new}"),
    "execution_dropped": ("{code} dropped from {name}", "{name} 不再执行 {code}"),
    "execution_removed": ("{code} removed from {name}", "{name} 删除执行标准 {code}"),
    "uscc_changed": ("USCC {old} → {new}", "统一社会信用代码 {old} → {new}"),
    "standard_added": ("standard {code} added", "新增标准 {code}"),
    "correction": ("correction: ", "更正："),
    "batch_reverted": ("batch {batch} reverted", "撤销批次 {batch}"),
    "revert": ("revert", "撤销"),
    "value_change": ("{field} {old} → {new}", "{field} {old} → {new}"),
    "value": ("{field} {value}", "{field} {value}"),
    "none": ("none", "无"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
}
# Values the register keeps as English codes, said in Chinese.
_VALUES_ZH = {
    "size": {"above": "规上", "below": "规下"},
    "status": {"current": "现行", "upcoming": "即将实施", "replaced": "被代替", "withdrawn": "废止"},
}


def _say(key: str, lang: str, **values: Any) -> str:
    """A phrase of the history in ``lang`` (zh or en), its placeholders filled in."""
    english, chinese = _PHRASES[key]
    return (chinese if lang == "zh" else english).format(**values)


def _field_name(name: str, lang: str) -> str:
    names = _FIELD_NAMES_ZH if lang == "zh" else _FIELD_NAMES
    return names.get(name, name)


@dataclass
class HistoryRow:
    date: str | None
    written_at: str
    batch: int
    kind: str
    source: str
    what: str
    reverted_by: int | None
    order: tuple[Any, ...] = ()
    region: str | None = None

    def values(self) -> tuple[Any, ...]:
        return (
            self.date, self.written_at, self.batch, self.kind, self.source, self.what, self.reverted_by,
            self.region,
        )  # fmt: skip


@dataclass
class _Entry:
    batch_id: int
    op: str
    as_of: str | None
    old_valid_to: str | None
    old: dict[str, Any]
    reason: str | None
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] | None = None


@dataclass
class _Life:
    """Every state one row went through: as inserted, then before and after each logged change."""

    table: str
    row_id: int
    current: dict[str, Any] | None
    entries: list[_Entry]
    first: dict[str, Any] = field(default_factory=dict)

    def resolve(self) -> None:
        after = self.current
        for entry in reversed(self.entries):
            before = dict(entry.old) if entry.op == "delete" else {**(after or {}), **entry.old}
            if entry.old_valid_to is not None:
                before["valid_to"] = entry.old_valid_to
            entry.before, entry.after = before, after
            after = before
        self.first = after or {}

    @property
    def batch(self) -> int | None:
        return self.first.get("batch_id")


def _normal(table: str, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in row.items():
        if isinstance(value, dt.date):
            value = iso(value)
        elif name in BOOLEAN_COLUMNS and value is not None:
            value = bool(value)
        out[name] = value
    return out


class _History:
    """Reads the rows and log entries of one enterprise or standard, and tells their story."""

    def __init__(self, connection: Connection, lang: str = "en") -> None:
        self.connection = connection
        self.lang = lang
        self.bulk = Bulk(connection)
        self.lives: dict[str, list[_Life]] = defaultdict(list)
        self.batches: dict[int, Any] = {}
        self.standard_codes: dict[int, str] = {}
        self.product_names: dict[int, str] = {}

    def load(self, table: str, owner_ids: Sequence[int], *, current: bool = True) -> None:
        """Every row of ``table`` owned by these ids: those in the table and those deleted since."""
        if not owner_ids:
            return
        columns = ROW_COLUMNS[table]
        owner = OWNER[table]
        rows: dict[int, dict[str, Any]] = {}
        if current:
            sql = f"SELECT id, {', '.join(columns)} FROM {table} WHERE {owner} IN"
            for row in self.bulk.select_in(sql, list(owner_ids)):
                rows[row[0]] = _normal(table, dict(zip(columns, row[1:], strict=True)))
        entries: dict[int, list[_Entry]] = defaultdict(list)
        sql = (
            f"SELECT id, row_id, batch_id, op, as_of, old_valid_to, old_values, reason FROM change_log "
            f"WHERE table_name = {self.bulk.mark} AND owner_id IN"
        )
        for _, row_id, batch_id, op, as_of, old_valid_to, old_values, reason in sorted(
            self.bulk.select_in(sql, list(owner_ids), params=(table,))
        ):
            old = _normal(table, json.loads(old_values))
            entries[row_id].append(_Entry(batch_id, op, iso(as_of), iso(old_valid_to), old, reason))
        for row_id in sorted(set(rows) | set(entries)):
            life = _Life(table, row_id, rows.get(row_id), entries.get(row_id, []))
            life.resolve()
            self.lives[table].append(life)

    def load_batches(self) -> None:
        from sqlalchemy import bindparam, text

        ids = set()
        for lives in self.lives.values():
            for life in lives:
                if life.batch is not None:
                    ids.add(life.batch)
                ids.update(entry.batch_id for entry in life.entries)
        if not ids:
            return
        for row in self.connection.execute(
            text(
                "SELECT id, kind, file_name, sha256, as_of, started_at, user_name, reverted_by, summary, "
                "region FROM import_batch WHERE id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": sorted(ids)},
        ):
            self.batches[row.id] = row

    def values(self, table: str, column: str) -> set[Any]:
        """Every value ``column`` took in the loaded rows of ``table``."""
        found: set[Any] = set()
        for life in self.lives[table]:
            states = [life.first, life.current or {}]
            for entry in life.entries:
                states += [entry.before, entry.after or {}]
            found.update(state.get(column) for state in states)
        found.discard(None)
        return found

    def load_standard_codes(self, ids: Iterable[int]) -> None:
        wanted = sorted({i for i in ids if i is not None and i not in self.standard_codes})
        for sid, code in self.bulk.select_in("SELECT id, code FROM standard WHERE id IN", wanted):
            self.standard_codes[sid] = code
        missing = [i for i in wanted if i not in self.standard_codes]
        if missing:  # deleted by a revert since: the log keeps the code
            sql = (
                "SELECT row_id, old_values FROM change_log "
                "WHERE table_name = 'standard' AND op = 'delete' AND row_id IN"
            )
            for sid, old_values in self.bulk.select_in(sql, missing):
                self.standard_codes[sid] = json.loads(old_values).get("code", f"#{sid}")

    # -- rows of the timeline -------------------------------------------------------------

    def row(self, batch_id: int, date: str | None, what: str, seq: int) -> HistoryRow:
        batch = self.batches.get(batch_id)
        if batch is None:
            return HistoryRow(date, "", batch_id, "?", "?", what, None, (date or "", batch_id, seq))
        written = batch.started_at
        written_text = iso(written) or ""
        if isinstance(written, dt.datetime):
            written_text = written.replace(microsecond=0).isoformat(" ")
        elif written_text:
            written_text = written_text.split(".")[0]
        by = f" (by {batch.user_name})" if batch.user_name else ""
        if batch.kind in ("register", "catalog"):
            source = f"{batch.file_name} (sha256 {batch.sha256[:12]})"
        elif batch.file_name.startswith("stdreg "):  # a command line
            source = batch.file_name + by
        else:  # update --from FILE
            source = f"{batch.file_name} (sha256 {batch.sha256[:12]}){by}"
        shown = date if date is not None else None
        key_date = date or iso(batch.as_of) or ""
        return HistoryRow(
            shown,
            written_text,
            batch_id,
            batch.kind,
            source,
            what,
            batch.reverted_by,
            (key_date, batch_id, seq),
            batch.region,
        )

    def events(self, describe: Any) -> list[HistoryRow]:
        """Every change of the loaded rows, told by ``describe(table, kind, life, before, after)``."""
        found: list[HistoryRow] = []
        reverts: dict[int, None] = {}
        seq = 0
        for table, lives in self.lives.items():
            versioned = table in VERSION_FIELDS
            by_fact: dict[Any, list[_Life]] = defaultdict(list)
            for life in lives:
                by_fact[_fact(table, life.first)].append(life)
            for life in lives:
                first = life.first
                batch = life.batch
                fact = by_fact[_fact(table, first)]
                if (
                    batch is not None
                    and not self._is_revert(batch)
                    and table not in ("enterprise", "product")
                ):
                    what = None
                    if versioned:
                        before, reason = self._predecessor(fact, life, batch)
                        if before is not None and not _value_diff(table, before, first):
                            what = ""  # restated as it was: a version begins, nothing changed
                        elif before is not None:
                            what = describe(table, "changed", life, before, first)
                            if what and reason == CORRECTION:
                                what = _say("correction", self.lang) + what
                    if what is None:
                        what = describe(table, "added", life, None, first)
                    if what:
                        seq += 1
                        date = first.get("valid_from") if versioned else self._as_of(batch)
                        found.append(self.row(batch, date, what, seq))
                for entry in life.entries:
                    if self._is_revert(entry.batch_id):
                        reverts[entry.batch_id] = None
                        continue
                    correction = entry.reason == CORRECTION
                    date = entry.as_of
                    texts = []
                    if entry.op == "delete":
                        texts.append(
                            describe(table, "removed" if correction else "dropped", life, entry.before, None)
                        )
                        date = date if date is not None or correction else entry.before.get("valid_from")
                    else:
                        after = entry.after or {}
                        if _value_diff(table, entry.before, after):
                            texts.append(describe(table, "changed", life, entry.before, after))
                        ended = versioned and (after.get("valid_to") or "") < (
                            entry.before.get("valid_to") or ""
                        )
                        if ended and not self._successor(fact, entry.batch_id, after["valid_to"]):
                            texts.append(describe(table, "dropped", life, entry.before, after))
                            date = after["valid_to"]
                    for text in texts:
                        if text:
                            seq += 1
                            found.append(
                                self.row(
                                    entry.batch_id,
                                    date,
                                    (_say("correction", self.lang) if correction else "") + text,
                                    seq,
                                )
                            )
        for revert_id in reverts:
            undone = [b for b, row in self.batches.items() if row.reverted_by == revert_id]
            seq += 1
            what = _say("list", self.lang).join(
                _say("batch_reverted", self.lang, batch=b) for b in undone
            ) or _say("revert", self.lang)
            date = iso(self.batches[revert_id].as_of) if revert_id in self.batches else None
            found.append(self.row(revert_id, date, what, seq))
        found.sort(key=lambda row: row.order)
        return found

    def _as_of(self, batch_id: int) -> str | None:
        batch = self.batches.get(batch_id)
        return iso(batch.as_of) if batch is not None else None

    def _is_revert(self, batch_id: int) -> bool:
        batch = self.batches.get(batch_id)
        return batch is not None and batch.kind == REVERT

    def _predecessor(
        self, fact: list[_Life], life: _Life, batch: int
    ) -> tuple[dict[str, Any] | None, str | None]:
        """The values the fact had just before this version began, if a version ended there."""
        start = life.first.get("valid_from")
        for other in fact:
            if other is life:
                continue
            for entry in other.entries:  # closed by the same batch, at this version's start
                if (
                    entry.batch_id == batch
                    and entry.after is not None
                    and entry.after.get("valid_to") == start
                    and entry.before.get("valid_to") != start
                ):
                    return entry.before, entry.reason
        for other in fact:  # written before the audit log: a version that ends where this begins
            if other is not life and (other.batch or 0) < batch and not other.entries:
                state = other.current or other.first
                if state.get("valid_to") == start:
                    return state, None
        return None, None

    def _successor(self, fact: list[_Life], batch: int, start: str) -> bool:
        return any(other.batch == batch and other.first.get("valid_from") == start for other in fact)


def _fact(table: str, row: dict[str, Any]) -> Any:
    if table == "execution":
        return (row.get("product_id"), row.get("standard_id"))
    owner = OWNER[table]
    return row.get(owner) if owner != "id" else None


def _value_columns(table: str) -> tuple[str, ...]:
    if table == "execution":
        return ("standard_id",)
    if table in VERSION_FIELDS:
        return VERSION_FIELDS[table]
    return {"enterprise": ("uscc",), "product": ("name",), "standard": STANDARD_FACTS}.get(table, ())


def _value_diff(table: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in _value_columns(table) if name in before and before.get(name) != after.get(name)]


def _shown(name: str, value: Any, lang: str = "en") -> str:
    if value is None:
        return "—"
    if value == "" and name in ("brand", "good_behaviour"):
        return _say("none", lang)
    if isinstance(value, bool):
        return _say("yes" if value else "no", lang)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if lang == "zh" and name in _VALUES_ZH:
        return _VALUES_ZH[name].get(str(value), str(value))
    return str(value)


def enterprise_history(connection: Connection, org_code: str, lang: str = "en") -> list[HistoryRow]:
    """The timeline of one enterprise: its attributes, products and their standards.

    ``org_code`` is the compact organization code (a USCC's characters 9–17); ``lang``
    (en or zh) is the language of what changed.
    """
    from sqlalchemy import text

    history = _History(connection, lang)
    row = connection.execute(
        text("SELECT id FROM enterprise WHERE org_code = :code"), {"code": org_code}
    ).first()
    if row is not None:
        enterprise_id = int(row[0])
    else:  # created by a batch that was reverted since: the log remembers it
        pattern = f'%"org_code": "{org_code}"%'
        row = connection.execute(
            text(
                "SELECT row_id FROM change_log WHERE table_name = 'enterprise' AND op = 'delete' "
                "AND old_values LIKE :pattern ORDER BY id DESC"
            ),
            {"pattern": pattern},
        ).first()
        if row is None:
            raise UsageError(f"no enterprise with organization code {org_code} in the register")
        enterprise_id = int(row[0])
    for pid, name in connection.execute(
        text("SELECT id, name FROM product WHERE enterprise_id = :e"), {"e": enterprise_id}
    ):
        history.product_names[pid] = name
    for pid, old_values in connection.execute(
        text(
            "SELECT row_id, old_values FROM change_log WHERE table_name = 'product' AND op = 'delete' "
            "AND owner_id = :e"
        ),
        {"e": enterprise_id},
    ):
        history.product_names.setdefault(pid, json.loads(old_values).get("name", f"#{pid}"))
    products = sorted(history.product_names)
    history.load("enterprise_version", [enterprise_id])
    history.load("enterprise", [enterprise_id])
    history.load("product", [enterprise_id])
    history.load("product_version", products)
    history.load("execution", products)
    history.load_batches()
    history.load_standard_codes(history.values("execution", "standard_id"))

    def product(life: _Life, state: dict[str, Any] | None) -> str:
        pid = (state or life.first).get("product_id")
        return history.product_names.get(pid, f"#{pid}") if pid is not None else "?"

    def code(sid: Any) -> str:
        return history.standard_codes.get(sid, f"#{sid}")

    def describe(
        table: str, kind: str, life: _Life, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> str:
        state = after or before or life.first
        if table == "enterprise_version":
            if kind == "added":
                registered = _say("registered", lang, name=state.get("name"))
                return registered + _details(ENTERPRISE_FIELDS[1:], state, lang)
            if kind == "changed" and before is not None and after is not None:
                return _diff_text("enterprise_version", before, after, lang)
            return ""
        if table == "product_version":
            name = product(life, state)
            if kind == "added":
                return _say("product_added", lang, name=name) + _details(PRODUCT_FIELDS, state, lang)
            if kind == "changed" and before is not None and after is not None:
                diff = _diff_text("product_version", before, after, lang)
                return _say("product_changed", lang, name=name, diff=diff)
            if kind == "dropped":
                return _say("product_dropped", lang, name=name)
            return _say("product_removed", lang, name=name)
        if table == "execution":
            name = product(life, state)
            if kind == "added":
                return _say("execution_added", lang, code=code(state.get("standard_id")), name=name)
            if kind == "changed" and before is not None and after is not None:
                old, new = code(before.get("standard_id")), code(after.get("standard_id"))
                return _say("execution_changed", lang, name=name, old=old, new=new)
            dropped = code((before or state).get("standard_id"))
            if kind == "dropped":
                return _say("execution_dropped", lang, code=dropped, name=name)
            return _say("execution_removed", lang, code=dropped, name=name)
        if table == "enterprise" and kind == "changed" and before is not None and after is not None:
            old, new = _shown("uscc", before.get("uscc"), lang), _shown("uscc", after.get("uscc"), lang)
            return _say("uscc_changed", lang, old=old, new=new)
        if table == "product" and kind == "changed" and before is not None and after is not None:
            return _say("product_renamed", lang, old=before.get("name"), new=after.get("name"))
        return ""

    return history.events(describe)


def enterprise_title(connection: Connection, org_code: str, lang: str = "en") -> str:
    """The heading of an enterprise's history: its latest name, and its USCC (else its organization code).

    An enterprise whose only batch was reverted is named by its organization code alone.
    """
    from sqlalchemy import text

    found = connection.execute(
        text(
            "SELECT e.uscc, ev.name FROM enterprise e "
            "LEFT JOIN enterprise_version ev ON ev.enterprise_id = e.id "
            "WHERE e.org_code = :code ORDER BY ev.valid_from DESC"
        ),
        {"code": org_code},
    ).first()
    uscc, name = (found.uscc, found.name) if found is not None else (None, None)
    if uscc:
        code = ("统一社会信用代码 " if lang == "zh" else "USCC ") + uscc
    else:
        code = ("组织机构代码 " if lang == "zh" else "organization code ") + f"{org_code[:8]}-{org_code[8:]}"
    return f"{name}  {code}" if name else code


def _diff_text(table: str, before: dict[str, Any], after: dict[str, Any], lang: str = "en") -> str:
    return _say("diff", lang).join(
        _say(
            "value_change",
            lang,
            field=_field_name(name, lang),
            old=_shown(name, before.get(name), lang),
            new=_shown(name, after.get(name), lang),
        )
        for name in _value_columns(table)
        if before.get(name) != after.get(name)
    )


def _details(names: Sequence[str], state: dict[str, Any], lang: str) -> str:
    """The known values of a new row, in brackets: `` (township 湖镇镇, size above)``."""
    details = _say("list", lang).join(
        _say("value", lang, field=_field_name(name, lang), value=_shown(name, state.get(name), lang))
        for name in names
        if state.get(name) is not None
    )
    return _say("details", lang, details=details) if details else ""


def standard_history(connection: Connection, code: str, lang: str = "en") -> list[HistoryRow]:
    """The timeline of one standard's facts: added, title, status, dates, replacement, adoption.

    ``code`` is a normalized code (see ``stdreg.codes.standard_code.register_key``); ``lang``
    (en or zh) is the language of what changed.
    """
    from sqlalchemy import text

    history = _History(connection, lang)
    row = connection.execute(text("SELECT id FROM standard WHERE code = :code"), {"code": code}).first()
    if row is None:
        row = connection.execute(
            text(
                "SELECT row_id FROM change_log WHERE table_name = 'standard' AND op = 'delete' "
                "AND old_values LIKE :pattern ORDER BY id DESC"
            ),
            {"pattern": "%" + json.dumps({"code": code}, ensure_ascii=False)[1:-1] + "%"},
        ).first()
        if row is None:
            raise UsageError(f"the standard {code} is not in the register")
    standard_id = int(row[0])
    history.load("standard", [standard_id])
    history.load_batches()
    history.load_standard_codes(history.values("standard", "replaced_by_id"))

    def shown(name: str, value: Any) -> str:
        if name == "replaced_by_id" and value is not None:
            return history.standard_codes.get(value, f"#{value}")
        return _shown(name, value, lang)

    def describe(
        table: str, kind: str, life: _Life, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> str:
        state = after or before or life.first
        if kind == "added":
            details = _say("list", lang).join(
                _say("value", lang, field=_field_name(name, lang), value=shown(name, state.get(name)))
                for name in STANDARD_FACTS
                if state.get(name) is not None and name != "status_on"
            )
            added = _say("standard_added", lang, code=state.get("code"))
            return added + (_say("details", lang, details=details) if details else "")
        if kind == "changed" and before is not None and after is not None:
            return _say("diff", lang).join(
                _say(
                    "value_change",
                    lang,
                    field=_field_name(name, lang),
                    old=shown(name, before.get(name)),
                    new=shown(name, after.get(name)),
                )
                for name in STANDARD_FACTS
                if name in before and before.get(name) != after.get(name) and name != "status_on"
            )
        return ""

    return history.events(describe)


# --- check -------------------------------------------------------------------------------

CHECK_FIELDS = (
    "township", "enterprise", "uscc", "org_code", "product", "standard", "status", "outdated_from",
    "replaced_by", "move_to",
)  # fmt: skip
"""The fields of a ``stdreg check`` row: who is made to which outdated standard, and where to move.

``outdated_from`` is the first day the standard is outdated; ``replaced_by`` the
standard that replaces it; ``move_to`` the newest standard along the chain of
replacements (the one to move to), or null when it was withdrawn without one.
"""


def outdated_products(
    connection: Connection, as_of: dt.date, *, since: dt.date | None = None
) -> list[tuple[Any, ...]]:
    """Products made to a standard that is withdrawn or replaced on ``as_of``, by township and enterprise.

    With ``since``, only the standards that became outdated after that date.
    """
    from stdreg.codes.adoption import AdoptionRule
    from stdreg.query import ROW_FIELDS, Filters, iter_rows

    index = {name: ROW_FIELDS.index(name) for name in ROW_FIELDS}
    rows = list(iter_rows(connection, Filters(as_of=as_of, outdated=True), AdoptionRule()))
    codes = sorted({row[index["standard"]] for row in rows})
    facts: dict[str, tuple[str | None, int | None]] = {}
    for code, outdated_from, replaced_by in Bulk(connection).select_in(
        "SELECT code, outdated_from, replaced_by_id FROM standard WHERE code IN", codes
    ):
        facts[code] = (iso(outdated_from), replaced_by)
    ends = replacement_ends(connection, (r for _, r in facts.values() if r is not None), as_of)

    found = []
    floor = since.isoformat() if since is not None else None
    for row in rows:
        outdated_from, replaced_by = facts.get(row[index["standard"]], (None, None))
        if floor is not None and (outdated_from is None or outdated_from <= floor):
            continue
        found.append(
            (
                row[index["township"]],
                row[index["enterprise"]],
                row[index["uscc"]],
                row[index["org_code"]],
                row[index["product"]],
                row[index["standard"]],
                row[index["status"]],
                outdated_from,
                row[index["replaced_by"]],
                ends.get(replaced_by) if replaced_by is not None else None,
            )
        )
    found.sort(key=lambda r: (r[0] is None, r[0] or "", r[1] or "", r[3], r[4], r[5]))
    return found


OPEN_END_TEXT = OPEN_END.isoformat()
