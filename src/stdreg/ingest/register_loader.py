"""Writing a validated register file into the register, as of one date, in bulk.

The loader gathers the file into enterprises, products and executions, reads
what the register already holds for those enterprises (in chunks), works out
each fact's change with ``stdreg.timeline``, and writes the changes with
executemany. The caller owns the transaction: one per file.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection

from stdreg import timeline
from stdreg.codes.standard_code import StandardCode
from stdreg.ingest.problems import Problems
from stdreg.ingest.register_rows import ENTERPRISE_FIELDS, PRODUCT_FIELDS, RegisterRow
from stdreg.models import (
    OPEN_END,
    Enterprise,
    EnterpriseSnapshot,
    EnterpriseVersion,
    Execution,
    Product,
    ProductVersion,
    Standard,
)
from stdreg.timeline import Plan, Version

CHUNK = 500

ENTERPRISE = Enterprise.__table__  # type: ignore[attr-defined]
ENTERPRISE_VERSION = EnterpriseVersion.__table__  # type: ignore[attr-defined]
SNAPSHOT = EnterpriseSnapshot.__table__  # type: ignore[attr-defined]
PRODUCT = Product.__table__  # type: ignore[attr-defined]
PRODUCT_VERSION = ProductVersion.__table__  # type: ignore[attr-defined]
STANDARD = Standard.__table__  # type: ignore[attr-defined]
EXECUTION = Execution.__table__  # type: ignore[attr-defined]


@dataclass
class _EnterpriseInFile:
    uscc: str | None
    values: list[Any]
    products: dict[str, _ProductInFile] = field(default_factory=dict)


@dataclass
class _ProductInFile:
    values: list[Any]
    standards: dict[str, None] = field(default_factory=dict)  # ordered set of codes


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def gather(
    rows: Iterable[RegisterRow], problems: Problems, column: dict[str, str]
) -> dict[str, _EnterpriseInFile]:
    """The file as enterprises → products → standards; conflicting repeats are warned about."""
    enterprises: dict[str, _EnterpriseInFile] = {}
    for row in rows:
        enterprise = enterprises.get(row.org_code)
        if enterprise is None:
            enterprise = enterprises[row.org_code] = _EnterpriseInFile(row.uscc, list(row.enterprise))
        else:
            if row.uscc is not None:
                if enterprise.uscc is None:
                    enterprise.uscc = row.uscc
                elif enterprise.uscc != row.uscc:
                    problems.warn(
                        column.get("uscc", "uscc"),
                        row.uscc,
                        f"another USCC {enterprise.uscc} shares this organization code: kept the first",
                    )
            _merge_first(enterprise.values, row.enterprise, ENTERPRISE_FIELDS, problems, column)
        product = enterprise.products.get(row.product)
        if product is None:
            product = enterprise.products[row.product] = _ProductInFile(list(row.product_values))
        else:
            _merge_first(product.values, row.product_values, PRODUCT_FIELDS, problems, column)
        for code in row.standards:
            product.standards[code] = None
    return enterprises


def _merge_first(
    kept: list[Any], new: Sequence[Any], names: Sequence[str], problems: Problems, column: dict[str, str]
) -> None:
    for index, value in enumerate(new):
        if value is None:
            continue
        if kept[index] is None:
            kept[index] = value
        elif kept[index] != value:
            name = names[index]
            problems.warn(
                column.get(name, name),
                value,
                f"differs from {kept[index]!r} given earlier for the same enterprise or product: "
                "kept the first",
            )


@dataclass
class StandardFacts:
    """What register rows say about a standard: its title and what it adopts."""

    title: str | None = None
    adopted: str | None = None
    degree: str | None = None


def standard_facts(rows: Iterable[RegisterRow]) -> dict[str, StandardFacts]:
    facts: dict[str, StandardFacts] = {}
    for row in rows:
        for code, title in zip(row.standards, row.standard_titles, strict=False):
            fact = facts.setdefault(code, StandardFacts())
            fact.title = fact.title or title
        if row.degree is not None:  # only ever given on a row that names one standard
            fact = facts.setdefault(row.standards[0], StandardFacts())
            if fact.degree is None:
                fact.adopted, fact.degree = row.adopted, row.degree
    return facts


class RegisterLoader:
    """Applies one gathered register file to the register as of ``as_of``."""

    def __init__(
        self,
        connection: Connection,
        *,
        as_of: dt.date,
        batch_id: int,
        complete: bool,
        problems: Problems,
        column: dict[str, str],
    ) -> None:
        self.connection = connection
        self.as_of = as_of
        self.batch_id = batch_id
        self.complete = complete
        self.problems = problems
        self.column = column
        self.counts: Counter[str] = Counter()

    # -- the whole file --------------------------------------------------------------------

    def load(
        self,
        enterprises: dict[str, _EnterpriseInFile],
        codes: dict[str, StandardCode],
        facts: dict[str, StandardFacts],
    ) -> Counter[str]:
        enterprise_ids = self._enterprises(enterprises)
        self._enterprise_versions(enterprises, enterprise_ids)
        caps = self._caps(list(enterprise_ids.values()))
        standard_ids = self._standards(codes, facts)
        product_ids = self._products(enterprises, enterprise_ids)
        self._product_versions(enterprises, enterprise_ids, product_ids, caps)
        self._executions(enterprises, enterprise_ids, product_ids, standard_ids, caps)
        if self.complete:
            self.connection.execute(
                insert(SNAPSHOT),
                [
                    {"enterprise_id": eid, "as_of": self.as_of, "batch_id": self.batch_id}
                    for eid in enterprise_ids.values()
                ],
            )
        return self.counts

    # -- enterprises ------------------------------------------------------------------------

    def _enterprises(self, enterprises: dict[str, _EnterpriseInFile]) -> dict[str, int]:
        known: dict[str, tuple[int, str | None]] = {}
        org_codes = list(enterprises)
        for part in chunks(org_codes):
            for row in self.connection.execute(
                select(ENTERPRISE.c.id, ENTERPRISE.c.org_code, ENTERPRISE.c.uscc).where(
                    ENTERPRISE.c.org_code.in_(part)
                )
            ):
                known[row.org_code] = (row.id, row.uscc)
        new = [
            {"org_code": code, "uscc": enterprises[code].uscc, "batch_id": self.batch_id}
            for code in org_codes
            if code not in known
        ]
        self._refuse_taken_usccs(new)
        if new:
            self.connection.execute(insert(ENTERPRISE), new)
            for part in chunks([row["org_code"] for row in new]):
                for row in self.connection.execute(
                    select(ENTERPRISE.c.id, ENTERPRISE.c.org_code).where(ENTERPRISE.c.org_code.in_(part))
                ):
                    known[row.org_code] = (row.id, enterprises[row.org_code].uscc)
        learned = []
        for code, (eid, uscc) in known.items():
            file_uscc = enterprises[code].uscc
            if file_uscc is None or file_uscc == uscc:
                continue
            if uscc is None:
                learned.append({"b_id": eid, "uscc": file_uscc})
            else:
                self.problems.warn(
                    self.column.get("uscc", "uscc"),
                    file_uscc,
                    f"the register knows this enterprise as {uscc}: kept the register's USCC",
                )
        if learned:
            self._refuse_taken_usccs([{"uscc": row["uscc"]} for row in learned])
            self.connection.execute(
                update(ENTERPRISE).where(ENTERPRISE.c.id == bindparam("b_id")).values(uscc=bindparam("uscc")),
                learned,
            )
        self.counts["enterprises_new_uscc"] += len(learned)
        return {code: eid for code, (eid, _) in known.items()}

    def _refuse_taken_usccs(self, rows: list[dict[str, Any]]) -> None:
        usccs = [row["uscc"] for row in rows if row.get("uscc")]
        for part in chunks(usccs):
            for row in self.connection.execute(select(ENTERPRISE.c.uscc).where(ENTERPRISE.c.uscc.in_(part))):
                for pending in rows:
                    if pending.get("uscc") == row.uscc:
                        pending["uscc"] = None
                self.problems.warn(
                    self.column.get("uscc", "uscc"),
                    row.uscc,
                    "another enterprise already holds this USCC: not recorded",
                )

    def _enterprise_versions(self, enterprises: dict[str, _EnterpriseInFile], ids: dict[str, int]) -> None:
        columns = [ENTERPRISE_VERSION.c[name] for name in ENTERPRISE_FIELDS]
        versions = self._versions(ENTERPRISE_VERSION, "enterprise_id", list(ids.values()), columns)
        plans = []
        for code, enterprise in enterprises.items():
            eid = ids[code]
            plan = timeline.state(versions.get(eid, []), self.as_of, tuple(enterprise.values))
            self.counts[f"enterprises_{plan.outcome}"] += 1
            plans.append((eid, plan))
        self._apply(ENTERPRISE_VERSION, "enterprise_id", ENTERPRISE_FIELDS, plans)

    def _caps(self, enterprise_ids: list[int]) -> dict[int, dt.date]:
        """For each enterprise, its next complete listing after the as-of date."""
        caps: dict[int, dt.date] = {}
        for part in chunks(enterprise_ids):
            for row in self.connection.execute(
                select(SNAPSHOT.c.enterprise_id, SNAPSHOT.c.as_of).where(
                    SNAPSHOT.c.enterprise_id.in_(part), SNAPSHOT.c.as_of > self.as_of
                )
            ):
                caps[row.enterprise_id] = min(caps.get(row.enterprise_id, OPEN_END), row.as_of)
        return caps

    # -- standards --------------------------------------------------------------------------

    def _standards(self, codes: dict[str, StandardCode], facts: dict[str, StandardFacts]) -> dict[str, int]:
        ids: dict[str, int] = {}
        known: dict[str, Any] = {}
        wanted = list(codes)
        for part in chunks(wanted):
            for row in self.connection.execute(
                select(
                    STANDARD.c.id,
                    STANDARD.c.code,
                    STANDARD.c.title,
                    STANDARD.c.adopted_code,
                    STANDARD.c.degree,
                ).where(STANDARD.c.code.in_(part))
            ):
                known[row.code] = row
                ids[row.code] = row.id
        new = []
        for code in wanted:
            if code in known:
                continue
            parsed = codes[code]
            fact = facts.get(code, StandardFacts())
            adopted, degree = fact.adopted, fact.degree
            if parsed.adopts is not None:
                adopted, degree = parsed.adopts.code, "IDT"
            new.append(
                standard_row(parsed, title=fact.title, adopted=adopted, degree=degree, batch_id=self.batch_id)
            )
        if new:
            self.connection.execute(insert(STANDARD), new)
            for part in chunks([row["code"] for row in new]):
                for row in self.connection.execute(
                    select(STANDARD.c.id, STANDARD.c.code).where(STANDARD.c.code.in_(part))
                ):
                    ids[row.code] = row.id
        self.counts["standards_added"] += len(new)
        changes = []
        for code, row in known.items():
            if code not in facts:
                continue
            fact = facts[code]
            change: dict[str, Any] = {}
            if fact.title and not row.title:
                change["title"] = fact.title
            if fact.degree is not None:
                if row.degree is None:
                    change["adopted_code"], change["degree"] = fact.adopted, fact.degree
                elif (row.adopted_code, row.degree) != (fact.adopted, fact.degree) and not (
                    fact.adopted is None and row.degree == fact.degree
                ):
                    self.problems.warn(
                        self.column.get("degree", "degree"),
                        f"{code}: {fact.adopted or ''} {fact.degree}".strip(),
                        f"the register says {code} adopts {row.adopted_code or '?'} {row.degree}: "
                        "kept the register's (a catalog import can correct it)",
                    )
            if change:
                changes.append(
                    {
                        "b_id": row.id,
                        "title": row.title,
                        "adopted_code": row.adopted_code,
                        "degree": row.degree,
                        **change,
                    }
                )
        if changes:
            self.connection.execute(
                update(STANDARD)
                .where(STANDARD.c.id == bindparam("b_id"))
                .values(
                    title=bindparam("title"),
                    adopted_code=bindparam("adopted_code"),
                    degree=bindparam("degree"),
                ),
                changes,
            )
        self.counts["standards_changed"] += len(changes)
        return ids

    # -- products ---------------------------------------------------------------------------

    def _products(
        self, enterprises: dict[str, _EnterpriseInFile], enterprise_ids: dict[str, int]
    ) -> dict[tuple[int, str], int]:
        """Ids of every product of the file's enterprises, the register's and the file's."""
        ids: dict[tuple[int, str], int] = {}
        eids = list(enterprise_ids.values())
        for part in chunks(eids):
            for row in self.connection.execute(
                select(PRODUCT.c.id, PRODUCT.c.enterprise_id, PRODUCT.c.name).where(
                    PRODUCT.c.enterprise_id.in_(part)
                )
            ):
                ids[(row.enterprise_id, row.name)] = row.id
        new: list[dict[str, Any]] = [
            {"enterprise_id": enterprise_ids[code], "name": name}
            for code, enterprise in enterprises.items()
            for name in enterprise.products
            if (enterprise_ids[code], name) not in ids
        ]
        if new:
            self.connection.execute(insert(PRODUCT), new)
            new_eids = sorted({row["enterprise_id"] for row in new})
            for part in chunks(new_eids):
                for row in self.connection.execute(
                    select(PRODUCT.c.id, PRODUCT.c.enterprise_id, PRODUCT.c.name).where(
                        PRODUCT.c.enterprise_id.in_(part)
                    )
                ):
                    ids[(row.enterprise_id, row.name)] = row.id
        return ids

    def _product_versions(
        self,
        enterprises: dict[str, _EnterpriseInFile],
        enterprise_ids: dict[str, int],
        product_ids: dict[tuple[int, str], int],
        caps: dict[int, dt.date],
    ) -> None:
        columns = [PRODUCT_VERSION.c[name] for name in PRODUCT_FIELDS]
        versions = self._versions(PRODUCT_VERSION, "product_id", list(product_ids.values()), columns)
        plans: list[tuple[int, Plan]] = []
        for code, enterprise in enterprises.items():
            eid = enterprise_ids[code]
            for name, product in enterprise.products.items():
                pid = product_ids[(eid, name)]
                plan = timeline.state(
                    versions.get(pid, []), self.as_of, tuple(product.values), cap=caps.get(eid, OPEN_END)
                )
                self.counts[f"products_{plan.outcome}"] += 1
                plans.append((pid, plan))
        if self.complete:
            listed = {(enterprise_ids[code], name) for code, e in enterprises.items() for name in e.products}
            for key, pid in product_ids.items():
                if key in listed:
                    continue
                plan = timeline.drop(versions.get(pid, []), self.as_of)
                if plan.outcome == timeline.DROPPED:
                    self.counts["products_dropped"] += 1
                    plans.append((pid, plan))
        self._apply(PRODUCT_VERSION, "product_id", PRODUCT_FIELDS, plans)

    # -- executions -------------------------------------------------------------------------

    def _executions(
        self,
        enterprises: dict[str, _EnterpriseInFile],
        enterprise_ids: dict[str, int],
        product_ids: dict[tuple[int, str], int],
        standard_ids: dict[str, int],
        caps: dict[int, dt.date],
    ) -> None:
        by_pair: dict[tuple[int, int], list[Version]] = defaultdict(list)
        pids = list(product_ids.values())
        for part in chunks(pids):
            for row in self.connection.execute(
                select(
                    EXECUTION.c.id,
                    EXECUTION.c.product_id,
                    EXECUTION.c.standard_id,
                    EXECUTION.c.valid_from,
                    EXECUTION.c.valid_to,
                )
                .where(EXECUTION.c.product_id.in_(part))
                .order_by(EXECUTION.c.valid_from)
            ):
                by_pair[(row.product_id, row.standard_id)].append(
                    Version(row.id, row.valid_from, row.valid_to)
                )
        inserts: list[dict[str, Any]] = []
        ends: list[dict[str, Any]] = []
        deletes: list[int] = []
        listed: set[tuple[int, int]] = set()
        for code, enterprise in enterprises.items():
            eid = enterprise_ids[code]
            cap = caps.get(eid, OPEN_END)
            for name, product in enterprise.products.items():
                pid = product_ids[(eid, name)]
                for standard_code in product.standards:
                    pair = (pid, standard_ids[standard_code])
                    listed.add(pair)
                    plan = timeline.state(by_pair.get(pair, []), self.as_of, cap=cap)
                    self.counts[f"executions_{plan.outcome}"] += 1
                    for version in plan.inserts:
                        inserts.append(
                            {
                                "product_id": pair[0],
                                "standard_id": pair[1],
                                "valid_from": version.valid_from,
                                "valid_to": version.valid_to,
                                "batch_id": self.batch_id,
                            }
                        )
        if self.complete:
            for pair, versions in by_pair.items():
                if pair in listed:
                    continue
                plan = timeline.drop(versions, self.as_of)
                if plan.outcome == timeline.DROPPED:
                    self.counts["executions_dropped"] += 1
                    deletes.extend(plan.deletes)
                    ends.extend({"b_id": v.id, "valid_to": v.valid_to} for v in plan.updates)
        if inserts:
            self.connection.execute(insert(EXECUTION), inserts)
        if ends:
            self.connection.execute(
                update(EXECUTION)
                .where(EXECUTION.c.id == bindparam("b_id"))
                .values(valid_to=bindparam("valid_to")),
                ends,
            )
        for part in chunks(deletes):
            self.connection.execute(delete(EXECUTION).where(EXECUTION.c.id.in_(part)))

    # -- shared -----------------------------------------------------------------------------

    def _versions(
        self, table: Any, owner: str, owner_ids: list[int], columns: list[Any]
    ) -> dict[int, list[Version]]:
        versions: dict[int, list[Version]] = defaultdict(list)
        for part in chunks(owner_ids):
            for row in self.connection.execute(
                select(table.c.id, table.c[owner], table.c.valid_from, table.c.valid_to, *columns)
                .where(table.c[owner].in_(part))
                .order_by(table.c.valid_from)
            ):
                versions[row[1]].append(Version(row[0], row[2], row[3], tuple(row[4:])))
        return versions

    def _apply(self, table: Any, owner: str, fields: Sequence[str], plans: list[tuple[int, Plan]]) -> None:
        inserts = []
        updates = []
        deletes = []
        for owner_id, plan in plans:
            for version in plan.inserts:
                inserts.append(
                    {
                        owner: owner_id,
                        "valid_from": version.valid_from,
                        "valid_to": version.valid_to,
                        "batch_id": self.batch_id,
                        **dict(zip(fields, version.values, strict=True)),
                    }
                )
            for version in plan.updates:
                updates.append(
                    {
                        "b_id": version.id,
                        "valid_to": version.valid_to,
                        **{f"b_{name}": value for name, value in zip(fields, version.values, strict=True)},
                    }
                )
            deletes.extend(plan.deletes)
        if inserts:
            self.connection.execute(insert(table), inserts)
        if updates:
            self.connection.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(valid_to=bindparam("valid_to"), **{name: bindparam(f"b_{name}") for name in fields}),
                updates,
            )
        for part in chunks(deletes):
            self.connection.execute(delete(table).where(table.c.id.in_(part)))


def standard_row(
    code: StandardCode,
    *,
    title: str | None = None,
    adopted: str | None = None,
    degree: str | None = None,
    batch_id: int | None = None,
) -> dict[str, Any]:
    """A new ``standard`` row for a parsed code (used by register and catalog imports)."""
    if code.adopts is not None and degree is None:
        adopted, degree = code.adopts.code, "IDT"
    return {
        "code": code.code,
        "prefix": code.prefix,
        "level": code.level,
        "nature": code.nature,
        "number": code.number,
        "part": code.part,
        "year": code.year,
        "title": title,
        "status": None,
        "status_on": None,
        "published_on": None,
        "implemented_on": None,
        "withdrawn_on": None,
        "replaced_by_id": None,
        "replaced_noted_on": None,
        "adopted_code": adopted,
        "degree": degree,
        "outdated_from": None,
        "batch_id": batch_id,
    }
