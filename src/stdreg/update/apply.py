"""Applying changes: one batch of kind ``update``, all or nothing, each change logged by the write kernel."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from stdreg import timeline
from stdreg.codes.standard_code import StandardCode, implied_adoption
from stdreg.errors import InputError, RegisterLocked
from stdreg.kernel.batch import Batch, FactChange, NothingWritten, open_batch, write_transaction
from stdreg.kernel.bulk import in_chunks
from stdreg.kernel.changelog import CORRECTION
from stdreg.kernel.standards import STANDARD, add_standards, refresh_outdated, standard_ids, standard_row
from stdreg.kernel.versions import next_listings, read_executions, read_versions
from stdreg.models import ENTERPRISE_FIELDS, OPEN_END, PRODUCT_FIELDS
from stdreg.timeline import Plan, Version, covering
from stdreg.update.changes import Change, ChangeError

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.engine import Connection

    from stdreg.store import Register

# --- applying changes --------------------------------------------------------------------


@dataclass
class UpdateResult:
    """What one update batch did (with dry_run, would do)."""

    batch_id: int | None
    notes: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    problems_path: Path | None = None


class UpdateRejected(InputError):
    """Changes that contradict the register (or a sheet's bad rows); nothing was written."""

    def __init__(self, message: str, errors: Sequence[tuple[Change | None, ChangeError]]) -> None:
        super().__init__(message)
        self.errors = list(errors)


def run_updates(
    register: Register,
    changes: Sequence[Change],
    *,
    source: str,
    sha256: str,
    as_of: dt.date,
    user: str | None = None,
    dry_run: bool = False,
    wait: float | None = None,
) -> UpdateResult:
    """Apply the changes as one batch of kind ``update``: all of them, or none.

    ``source`` is what the batch records as its file name: the command line,
    or the sheet's file name (``sha256`` is the file's, or the command line's).
    Raises UpdateRejected, listing every change that could not be made.

    On a server the batch first locks the rows it is about to rewrite (see
    :meth:`Updater.lock`); ``wait`` is how long it waits for any one lock before
    giving up with RegisterLocked (None: as long as the server lets it). A batch
    the server picks to break a deadlock is run once more from the start.
    """
    from sqlalchemy.exc import DBAPIError

    for attempt in (1, 2):
        try:
            return _run_batch(register, changes, source, sha256, as_of, user, dry_run, wait)
        except DBAPIError as exc:
            state = _sqlstate(exc)
            if state == _LOCK_NOT_AVAILABLE:
                waited = f" (waited {wait:g} s)" if wait else " or pass --wait SECONDS"
                raise RegisterLocked(
                    f"another writer holds the rows this update changes; try again later{waited}"
                ) from None
            if state != _DEADLOCK_DETECTED or attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout expired
_DEADLOCK_DETECTED = "40P01"


def _sqlstate(exc: Exception) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def _run_batch(
    register: Register,
    changes: Sequence[Change],
    source: str,
    sha256: str,
    as_of: dt.date,
    user: str | None,
    dry_run: bool,
    wait: float | None,
) -> UpdateResult:
    try:
        with write_transaction(register, dry_run=dry_run) as connection:
            # lock first, then number the batch: batches are numbered in the order they got their rows
            Updater.lock(connection, changes, wait)
            with open_batch(
                connection, "update", source, as_of=as_of, sha256=sha256, user=user, rows_read=len(changes)
            ) as batch:
                updater = Updater(batch)
                errors: list[tuple[Change | None, ChangeError]] = []
                for change in changes:
                    try:
                        updater.apply(change)
                    except ChangeError as exc:
                        errors.append((change, exc))
                if errors:
                    shown = "\n".join(
                        f"  {'row ' + str(change.row) + ', ' if change and change.row else ''}{error}"
                        for change, error in errors[:10]
                    )
                    more = f"\n  … and {len(errors) - 10} more" if len(errors) > 10 else ""
                    raise UpdateRejected(f"nothing was changed:\n{shown}{more}", errors)
                updater.finish()
                if not batch.wrote_anything():  # every change was already so: no empty batch
                    raise NothingWritten
    except NothingWritten:
        notes = [*updater.notes, "nothing changed: the register already says so; no batch was written"]
        return UpdateResult(None, notes, updater.counts)
    return UpdateResult(None if dry_run else batch.id, updater.notes, updater.counts)


class Updater:
    """Carries out changes on one connection, inside one batch, logging what each overwrites."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.connection = connection = batch.connection
        self.batch_id = batch.id
        self.bulk = batch.bulk
        self.counts: Counter[str] = batch.counts
        self.notes: list[str] = []
        self.standards_changed = False
        self.locking = connection.dialect.name == "postgresql"
        self.for_update = " FOR UPDATE" if self.locking else ""

    @staticmethod
    def lock(connection: Connection, changes: Sequence[Change], wait: float | None = None) -> None:
        """On PostgreSQL, lock what the changes will read and rewrite, before reading any of it.

        Takes ``SELECT … FOR UPDATE`` of the enterprise rows the changes name
        (their versions, products and executions hang from them) and of the
        standard rows whose facts they restate. Two updates of one enterprise
        therefore run one after the other, the second reading what the first
        committed (under READ COMMITTED every statement sees the latest commits);
        updates of different enterprises do not wait for each other. Batches that
        restate standards' facts also take one advisory transaction lock, and so
        run one at a time: when a standard is outdated depends on the facts of the
        standard replacing it, which another batch may be changing. Every batch
        locks in the same order (standard facts, enterprises by organization
        code, standards by code). ``wait`` caps the wait for any one lock, here
        and for the rest of the transaction.

        SQLite has no row locks: there the whole update runs under the
        register's file lock (``store.writer_lock``), and this does nothing.
        """
        if connection.dialect.name != "postgresql":
            return
        from sqlalchemy import text

        if wait is not None:
            connection.execute(text(f"SET LOCAL lock_timeout = {max(1, round(wait * 1000))}"))
        facts = [c for c in changes if c.kind == "standard"]
        if facts:
            connection.execute(
                text(
                    "SELECT pg_advisory_xact_lock(hashtextextended(current_database() || '.' "
                    "|| current_schema() || '.stdreg-standard-facts', 0))"
                )
            )
        org_codes = sorted({c.org_code for c in changes if c.org_code is not None})
        codes = sorted(
            {c.standard.code for c in facts if c.standard is not None}
            | {c.values["replaced_by"].code for c in facts if c.values.get("replaced_by") is not None}
        )
        for table, column, keys in (("enterprise", "org_code", org_codes), ("standard", "code", codes)):
            for part in in_chunks(keys):
                marks = ", ".join(["%s"] * len(part))
                connection.exec_driver_sql(
                    f"SELECT id FROM {table} WHERE {column} IN ({marks}) ORDER BY {column} FOR UPDATE",
                    tuple(part),
                ).all()

    def apply(self, change: Change) -> None:
        if change.kind == "enterprise":
            if change.action == "uscc":
                self._uscc(change)
            else:
                self._enterprise(change)
        elif change.kind == "product":
            getattr(self, f"_product_{change.action}")(change)
        elif change.kind == "standard":
            self._standard(change)
        else:  # pragma: no cover - Change is built by this module
            raise ValueError(change.kind)

    def finish(self) -> None:
        if self.standards_changed:
            self.counts["standards_outdated_recomputed"] += refresh_outdated(self.connection)

    # -- reading ----------------------------------------------------------------------------

    def _find_enterprise(self, org_code: str | None) -> tuple[int, str | None, int | None, str]:
        assert org_code is not None
        row = self.connection.exec_driver_sql(
            f"SELECT e.id, e.uscc, e.batch_id, (SELECT v.name FROM enterprise_version v "
            f"WHERE v.enterprise_id = e.id ORDER BY v.valid_from DESC LIMIT 1) "
            f"FROM enterprise e WHERE e.org_code = {self.bulk.mark}",
            (org_code,),
        ).first()
        if row is None:
            raise ChangeError("uscc", org_code, "no enterprise with this organization code in the register")
        return int(row[0]), row[1], row[2], row[3] or org_code

    def _find_product(self, enterprise_id: int, name: str) -> tuple[int, int | None] | None:
        mark = self.bulk.mark
        row = self.connection.exec_driver_sql(
            f"SELECT id, batch_id FROM product WHERE enterprise_id = {mark} AND name = {mark}",
            (enterprise_id, name),
        ).first()
        return (int(row[0]), row[1]) if row is not None else None

    def _versions(self, table: str, owner: str, owner_id: int) -> list[Version]:
        return read_versions(self.bulk, table, owner, [owner_id]).get(owner_id, [])

    def _executions(self, product_id: int) -> dict[int, list[Version]]:
        return {sid: versions for (_, sid), versions in read_executions(self.bulk, [product_id]).items()}

    def _cap(self, enterprise_id: int, on: dt.date) -> dt.date:
        """The enterprise's next complete listing after ``on`` (a fact stated on ``on`` ends there)."""
        return next_listings(self.bulk, [enterprise_id], on).get(enterprise_id, OPEN_END)

    def _standard_id(self, code: StandardCode, *, create: bool) -> int | None:
        found = standard_ids(self.bulk, [code.code]).get(code.code)
        if found is not None or not create:
            return found
        # on a server, another update may be adding the same code right now: its row is used
        if add_standards(self.batch, [standard_row(code, batch_id=self.batch_id)], racing=self.locking):
            self.standards_changed = True
        return standard_ids(self.bulk, [code.code])[code.code]

    # -- writing versions --------------------------------------------------------------------

    def _plan(self, versions: list[Version], change: Change, fields: Sequence[str], subject: str) -> Plan:
        """The plan of a change of values (``change.values`` by field name): dated, or a correction."""
        positions = {n: i for i, n in enumerate(fields)}

        def rewrite(values: tuple[Any, ...]) -> tuple[Any, ...]:
            new = list(values)
            for field_name, value in change.values.items():
                new[positions[field_name]] = value
            return tuple(new)

        bits = timeline.bits_of(list(change.values), fields)
        if change.correct:
            plan = timeline.correct(versions, change.correct_from, rewrite, bits)
            if not versions:
                raise ChangeError(
                    change.column or "as_of", None, f"{subject} has no registered dates to correct"
                )
            return plan
        plan = timeline.change(versions, change.as_of, rewrite((None,) * len(fields)), bits)
        if plan.outcome == timeline.ABSENT:
            raise ChangeError(
                change.column or "as_of", change.as_of, f"{subject} is not registered on that date"
            )
        return plan

    def _write(
        self, table: str, keys: Sequence[str], fields: Sequence[str], key: Any, plan: Plan, change: Change
    ) -> None:
        self.batch.apply_plans(
            table,
            keys,
            fields,
            [(key, plan)],
            as_of=_logged_date(change),
            reason=CORRECTION if change.correct else None,
        )

    # -- enterprises -------------------------------------------------------------------------

    def _enterprise(self, change: Change) -> None:
        eid, _, _, name = self._find_enterprise(change.org_code)
        versions = self._versions("enterprise_version", "enterprise_id", eid)
        plan = self._plan(versions, change, ENTERPRISE_FIELDS, f"the enterprise {name}")
        self._write("enterprise_version", ("enterprise_id",), ENTERPRISE_FIELDS, eid, plan, change)
        self._note(change, f"enterprise {name}", plan, _describe_values(change.values))

    def _uscc(self, change: Change) -> None:
        eid, uscc, writer, name = self._find_enterprise(change.org_code)
        new = change.values["uscc"]
        if uscc == new:
            self.notes.append(f"enterprise {name}: USCC {new} unchanged")
            return
        holder = self.connection.exec_driver_sql(
            f"SELECT id FROM enterprise WHERE uscc = {self.bulk.mark}", (new,)
        ).first()
        if holder is not None:
            raise ChangeError("uscc", new, "another enterprise of the register holds this USCC")
        self.batch.set_facts(
            "enterprise", [FactChange(eid, {"uscc": uscc}, {"uscc": new}, writer)], as_of=change.as_of
        )
        self.counts["enterprises_changed"] += 1
        self.notes.append(f"enterprise {name}: USCC {uscc or '—'} → {new}")

    # -- products ----------------------------------------------------------------------------

    def _product(self, change: Change, *, must_exist: bool = True) -> tuple[int, str, int | None]:
        eid, _, _, _ = self._find_enterprise(change.org_code)
        assert change.product is not None
        found = self._find_product(eid, change.product)
        if found is None:
            if must_exist:
                raise ChangeError(
                    "product", change.product, "the enterprise has no product of this name in the register"
                )
            return eid, change.product, None
        return eid, change.product, found[0]

    def _product_set(self, change: Change) -> None:
        _, name, pid = self._product(change)
        assert pid is not None
        versions = self._versions("product_version", "product_id", pid)
        plan = self._plan(versions, change, PRODUCT_FIELDS, f"the product {name}")
        self._write("product_version", ("product_id",), PRODUCT_FIELDS, pid, plan, change)
        self._note(change, f"product {name}", plan, _describe_values(change.values))

    def _register_product(self, eid: int, name: str, pid: int | None, change: Change) -> tuple[int, dt.date]:
        """The product, registered on the change's date if it is not; returns (id, end of registration)."""
        if covering(self._versions("enterprise_version", "enterprise_id", eid), change.as_of) is None:
            raise ChangeError("as_of", change.as_of, "the enterprise is not registered on that date")
        if pid is None:
            self.batch.add("product", ("enterprise_id", "name"), [(eid, name)])
            found = self._find_product(eid, name)
            assert found is not None
            pid = found[0]
        versions = self._versions("product_version", "product_id", pid)
        held = covering(versions, change.as_of)
        if held is not None:
            return pid, held.valid_to
        plan = timeline.state(versions, change.as_of, (None, None), cap=self._cap(eid, change.as_of))
        if plan.outcome == timeline.ABSENT:
            raise ChangeError(
                "as_of", change.as_of, f"a complete listing of the enterprise on that date left out {name}"
            )
        self._write("product_version", ("product_id",), PRODUCT_FIELDS, pid, plan, change)
        self.counts["products_added"] += 1
        self.notes.append(f"product {name} added from {change.as_of}")
        return pid, plan.inserts[0].valid_to

    def _product_add_standard(self, change: Change) -> None:
        if change.correct:
            raise ChangeError(
                "add_standard",
                change.standard.code if change.standard else None,
                "a correction can replace or remove a standard; to add one, give the date it holds from",
            )
        eid, name, pid = self._product(change, must_exist=False)
        pid, end = self._register_product(eid, name, pid, change)
        assert change.standard is not None
        self._add_execution(eid, pid, name, change.standard, change, end)

    def _add_execution(
        self, eid: int, pid: int, name: str, code: StandardCode, change: Change, end: dt.date
    ) -> None:
        sid = self._standard_id(code, create=True)
        assert sid is not None
        implied = implied_adoption(code)
        if implied is not None:
            self._learn_adoption(sid, implied, change)
        versions = self._executions(pid).get(sid, [])
        plan = timeline.state(versions, change.as_of, cap=min(end, self._cap(eid, change.as_of)))
        if plan.outcome == timeline.ABSENT:
            raise ChangeError("add_standard", code.code, f"{name} is not registered on {change.as_of}")
        self._write("execution", ("product_id", "standard_id"), (), (pid, sid), plan, change)
        if plan.outcome == timeline.UNCHANGED:
            self.counts["executions_unchanged"] += 1
            self.notes.append(f"{code.code}: {name} is made to it on {change.as_of} already")
        else:
            self.counts["executions_added"] += 1
            self.notes.append(f"{code.code} added to {name} from {change.as_of}")

    def _learn_adoption(self, sid: int, implied: tuple[str, str], change: Change) -> None:
        row = self.connection.exec_driver_sql(
            f"SELECT degree, batch_id FROM standard WHERE id = {self.bulk.mark}{self.for_update}", (sid,)
        ).first()
        if row is not None and row[0] is None:
            adopted, degree = implied
            self.batch.set_facts(
                "standard",
                [
                    FactChange(
                        sid,
                        {"adopted_code": None, "degree": None},
                        {"adopted_code": adopted, "degree": degree},
                        row[1],
                    )
                ],
                as_of=change.as_of,
            )

    def _held_standard(self, pid: int, code: StandardCode, field_name: str) -> tuple[int, list[Version]]:
        sid = self._standard_id(code, create=False)
        versions = self._executions(pid).get(sid, []) if sid is not None else []
        if sid is None or not versions:
            raise ChangeError(
                field_name, code.code, "the product has never been registered with this standard"
            )
        return sid, versions

    def _product_drop_standard(self, change: Change) -> None:
        _, name, pid = self._product(change)
        assert pid is not None and change.standard is not None
        sid, versions = self._held_standard(pid, change.standard, change.column or "drop_standard")
        if change.correct:
            plan = timeline.remove(versions, change.correct_from)
            if not plan.updates and not plan.deletes:
                raise ChangeError(
                    change.column or "drop_standard", change.standard.code, "not held on or after that date"
                )
        else:
            plan = timeline.drop(versions, change.as_of)
            if plan.outcome == timeline.ABSENT:
                raise ChangeError(
                    change.column or "drop_standard",
                    change.standard.code,
                    f"{name} is not made to it on {change.as_of}",
                )
        self._write("execution", ("product_id", "standard_id"), (), (pid, sid), plan, change)
        self.counts["executions_dropped"] += 1
        self.notes.append(
            f"{change.standard.code} {'removed from' if change.correct else 'dropped from'} {name}"
            + _when(change)
        )

    def _product_replace_standard(self, change: Change) -> None:
        eid, name, pid = self._product(change)
        assert pid is not None and change.standard is not None
        newer: StandardCode = change.values["new"]
        if not change.correct:
            self._product_drop_standard(change)
            versions = self._versions("product_version", "product_id", pid)
            held = covering(versions, change.as_of)
            assert held is not None  # the dropped standard held on the date, so did the product
            self._add_execution(eid, pid, name, newer, change, held.valid_to)
            return
        # a correction: the executions of the old code become executions of the new one
        old_sid, versions = self._held_standard(pid, change.standard, change.column or "replace_standard")
        new_sid = self._standard_id(newer, create=True)
        assert new_sid is not None
        start = change.correct_from
        wrong = [v for v in versions if start is None or v.valid_to > start]
        if not wrong:
            raise ChangeError(
                change.column or "replace_standard", change.standard.code, "not held on or after that date"
            )
        for other in self._executions(pid).get(new_sid, []):
            for v in wrong:
                if (
                    other.valid_from < v.valid_to
                    and max(v.valid_from, start or v.valid_from) < other.valid_to
                ):
                    raise ChangeError(
                        change.column or "replace_standard",
                        newer.code,
                        f"{name} is already made to {newer.code} on some of those dates: "
                        f"remove {change.standard.code} with --drop-standard --correct instead",
                    )
        in_place = [v for v in wrong if start is None or v.valid_from >= start]
        split = [v for v in wrong if start is not None and v.valid_from < start]
        if in_place:
            self.batch.rewrite(
                "execution",
                ("standard_id",),
                [(new_sid, v.id) for v in in_place],
                as_of=start,
                reason=CORRECTION,
            )
        if split:
            assert start is not None
            self._write(
                "execution",
                ("product_id", "standard_id"),
                (),
                (pid, old_sid),
                Plan(timeline.CHANGED, updates=[Version(v.id, v.valid_from, start) for v in split]),
                change,
            )
            self._write(
                "execution",
                ("product_id", "standard_id"),
                (),
                (pid, new_sid),
                Plan(timeline.ADDED, inserts=[Version(None, start, v.valid_to) for v in split]),
                change,
            )
        self.counts["executions_changed"] += len(wrong)
        self.notes.append(f"correction: {name}: {change.standard.code} → {newer.code}" + _when(change))

    def _product_rename(self, change: Change) -> None:
        eid, name, pid = self._product(change)
        assert pid is not None
        new_name: str = change.values["name"]
        if new_name == name:
            raise ChangeError(change.column or "rename", new_name, "the product already has this name")
        existing = self._find_product(eid, new_name)
        if change.correct:
            if existing is not None:
                raise ChangeError(
                    change.column or "rename",
                    new_name,
                    "the enterprise already has a product of this name: drop one of them instead",
                )
            writer = self._find_product(eid, name)
            renamed = FactChange(pid, {"name": name}, {"name": new_name}, writer[1] if writer else None, eid)
            self.batch.set_facts("product", [renamed], as_of=None, reason=CORRECTION)
            self.counts["products_renamed"] += 1
            self.notes.append(f"correction: product {name} renamed {new_name} (every date)")
            return
        # a dated rename: the old name ends on the date, the new one begins, with its standards
        versions = self._versions("product_version", "product_id", pid)
        held = covering(versions, change.as_of)
        if held is None:
            raise ChangeError(
                change.column or "as_of", change.as_of, f"the product {name} is not registered on that date"
            )
        standards = [
            sid for sid, runs in self._executions(pid).items() if covering(runs, change.as_of) is not None
        ]
        new_pid = existing[0] if existing is not None else None
        if new_pid is None:
            self.batch.add("product", ("enterprise_id", "name"), [(eid, new_name)])
            found = self._find_product(eid, new_name)
            assert found is not None
            new_pid = found[0]
        cap = min(held.valid_to, self._cap(eid, change.as_of))
        plan = timeline.state(
            self._versions("product_version", "product_id", new_pid),
            change.as_of,
            held.values,
            cap=cap,
        )
        self._write("product_version", ("product_id",), PRODUCT_FIELDS, new_pid, plan, change)
        held_by_new = self._executions(new_pid)
        for sid in standards:
            plan = timeline.state(held_by_new.get(sid, []), change.as_of, cap=cap)
            self._write("execution", ("product_id", "standard_id"), (), (new_pid, sid), plan, change)
        self._drop_product(pid, versions, change)
        self.counts["products_renamed"] += 1
        self.notes.append(f"product {name} renamed {new_name} from {change.as_of}")

    def _product_drop(self, change: Change) -> None:
        _, name, pid = self._product(change)
        assert pid is not None
        versions = self._versions("product_version", "product_id", pid)
        if change.correct:
            plan = timeline.remove(versions, change.correct_from)
            if not plan.updates and not plan.deletes:
                raise ChangeError(change.column or "drop", name, "not registered on or after that date")
            self._write("product_version", ("product_id",), PRODUCT_FIELDS, pid, plan, change)
            for sid, runs in self._executions(pid).items():
                gone = timeline.remove(runs, change.correct_from)
                self._write("execution", ("product_id", "standard_id"), (), (pid, sid), gone, change)
            self.notes.append(f"correction: product {name} removed{_when(change)}")
        else:
            if covering(versions, change.as_of) is None:
                raise ChangeError(
                    change.column or "drop", name, f"the product is not registered on {change.as_of}"
                )
            self._drop_product(pid, versions, change)
            self.notes.append(f"product {name} dropped from {change.as_of}")
        self.counts["products_dropped"] += 1

    def _drop_product(self, pid: int, versions: list[Version], change: Change) -> None:
        self._write(
            "product_version",
            ("product_id",),
            PRODUCT_FIELDS,
            pid,
            timeline.drop(versions, change.as_of),
            change,
        )
        for sid, runs in self._executions(pid).items():
            plan = timeline.drop(runs, change.as_of)
            if plan.outcome == timeline.DROPPED:
                self._write("execution", ("product_id", "standard_id"), (), (pid, sid), plan, change)

    # -- standards ---------------------------------------------------------------------------

    def _standard(self, change: Change) -> None:
        assert change.standard is not None
        sid = self._standard_id(change.standard, create=True)
        row = self.connection.execute(self._locked(select(STANDARD).where(STANDARD.c.id == sid))).first()
        assert row is not None and sid is not None
        given = change.values
        new: dict[str, Any] = {}
        on = change.on
        if "title" in given:
            new["title"] = given["title"]
        if "adopted_code" in given:
            new["adopted_code"] = given["adopted_code"]
        if "degree" in given:
            new["degree"] = given["degree"]
        if "status" in given:
            new["status"] = given["status"]
            new["status_on"] = change.as_of
            if given["status"] == "withdrawn" and on is not None:
                new["withdrawn_on"] = on
            elif given["status"] in ("current", "upcoming"):
                # a current standard is neither withdrawn nor replaced
                new.update(withdrawn_on=None, replaced_by_id=None, replaced_noted_on=None)
                if on is not None:
                    new["implemented_on"] = on
            elif given["status"] == "replaced" and on is not None and "replaced_by" not in given:
                new["status_on"] = on
        if "replaced_by" in given:
            newer: StandardCode = given["replaced_by"]
            newer_id = self._standard_id(newer, create=True)
            assert newer_id is not None
            newer_row = self.connection.execute(
                self._locked(select(STANDARD).where(STANDARD.c.id == newer_id))
            ).first()
            assert newer_row is not None
            if newer_row.replaced_by_id == sid:
                raise ChangeError(
                    "replaced_by", newer.code, f"{newer.code} is itself recorded as replaced by {row.code}"
                )
            new["replaced_by_id"] = newer_id
            new["replaced_noted_on"] = on or change.as_of
            if "status" not in given and row.status not in ("replaced", "withdrawn"):
                new["status"], new["status_on"] = "replaced", change.as_of
            if on is not None:
                if newer_row.implemented_on is None:
                    self._set_standard(newer_row, {"implemented_on": on}, change)
                elif newer_row.implemented_on != on:
                    self.notes.append(
                        f"note: {newer.code} is implemented on {newer_row.implemented_on}, "
                        f"so {row.code} is outdated from that date"
                    )
        self._set_standard(row, new, change)

    def _locked(self, query: Select[Any]) -> Select[Any]:
        """The query locking the rows it reads (a standard this batch did not lock first: a new one)."""
        return query.with_for_update() if self.locking else query

    def _set_standard(self, row: Any, new: dict[str, Any], change: Change) -> None:
        changed = {name: value for name, value in new.items() if getattr(row, name) != value}
        if not changed:
            self.notes.append(f"standard {row.code}: unchanged")
            return
        self.batch.set_facts(
            "standard",
            [FactChange(row.id, row._mapping, changed, row.batch_id)],
            as_of=change.on or change.as_of,
        )
        self.standards_changed = True
        self.counts["standards_changed"] += 1
        shown = "; ".join(
            f"{name.replace('_', ' ')} → {_text(value)}"
            for name, value in changed.items()
            if name != "status_on"
        )
        self.notes.append(f"standard {row.code}: {shown}")

    # -- notes -------------------------------------------------------------------------------

    def _note(self, change: Change, subject: str, plan: Plan, what: str) -> None:
        noun = subject.split(" ", 1)[0] + "s"
        if plan.outcome == timeline.UNCHANGED or (not plan.inserts and not plan.updates and not plan.deletes):
            self.counts[f"{noun}_unchanged"] += 1
            self.notes.append(f"{subject}: unchanged ({what})")
            return
        self.counts[f"{noun}_{'corrected' if change.correct else plan.outcome}"] += 1
        prefix = "correction: " if change.correct else ""
        self.notes.append(f"{prefix}{subject}: {what}{_when(change)}")


def _logged_date(change: Change) -> dt.date | None:
    return change.correct_from if change.correct else change.as_of


def _when(change: Change) -> str:
    if change.correct:
        return f" (every date from {change.correct_from})" if change.correct_from else " (every date)"
    return f" from {change.as_of}"


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _describe_values(values: dict[str, Any]) -> str:
    return ", ".join(f"{name.replace('_', ' ')} → {_text(value)}" for name, value in values.items())
