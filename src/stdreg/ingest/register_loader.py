"""Writing a validated register file into the register, as of one date, in bulk.

The loader gathers the file into enterprises, products and executions, reads
what the register already holds for those enterprises (in chunks), works out
each fact's change with ``stdreg.timeline``, and writes the changes through the
write kernel's batch (``stdreg.kernel.batch``). The caller owns the batch: one per file.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from stdreg import timeline
from stdreg.codes.standard_code import StandardCode
from stdreg.ingest.problems import Problems
from stdreg.ingest.register_rows import StandardFacts
from stdreg.ingest.staging import StagedRow
from stdreg.kernel.batch import Batch, FactChange
from stdreg.kernel.standards import add_standards, standard_ids, standard_row
from stdreg.kernel.versions import next_listings, read_executions, read_versions
from stdreg.models import ENTERPRISE_FIELDS, OPEN_END, PRODUCT_FIELDS
from stdreg.timeline import Plan


@dataclass
class _EnterpriseInFile:
    uscc: str | None
    values: list[Any]
    merged: tuple[Any, ...]  # values of a row merged without a conflict: merging them again changes nothing
    products: dict[str, _ProductInFile] = field(default_factory=dict)


@dataclass
class _ProductInFile:
    values: list[Any]
    standards: dict[str, None] = field(default_factory=dict)  # ordered set of codes


def gather(
    rows: Iterable[StagedRow], problems: Problems, column: dict[str, str]
) -> dict[str, _EnterpriseInFile]:
    """The file as enterprises → products → standards; conflicting repeats are warned about.

    Rows are the stage's (``staging.StagedRow``), in file order within each enterprise.
    """
    enterprises: dict[str, _EnterpriseInFile] = {}
    for org_code, uscc, values, name, product_values, standards in rows:
        enterprise = enterprises.get(org_code)
        if enterprise is None:
            enterprise = enterprises[org_code] = _EnterpriseInFile(uscc, list(values), values)
        else:
            if uscc is not None:
                if enterprise.uscc is None:
                    enterprise.uscc = uscc
                elif enterprise.uscc != uscc:
                    problems.warn(
                        column.get("uscc", "uscc"),
                        uscc,
                        f"another USCC {enterprise.uscc} shares this organization code: kept the first",
                    )
            # every product row repeats its enterprise's values: most often the same ones again
            if values != enterprise.merged and _merge_first(
                enterprise.values, values, ENTERPRISE_FIELDS, problems, column
            ):
                enterprise.merged = values
        product = enterprise.products.get(name)
        if product is None:
            product = enterprise.products[name] = _ProductInFile(list(product_values))
        else:
            _merge_first(product.values, product_values, PRODUCT_FIELDS, problems, column)
        for code in standards:
            product.standards[code] = None
    return enterprises


def _as_written(value: Any) -> str:
    """A value as the officer wrote it: a date in ISO form, never ``datetime.date(2012, 1, 1)``."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


def _merge_first(
    kept: list[Any], new: Sequence[Any], names: Sequence[str], problems: Problems, column: dict[str, str]
) -> bool:
    """Fill the unknown values of ``kept`` from ``new``, warning where they differ; whether none did."""
    clean = True
    for index, value in enumerate(new):
        if value is None:
            continue
        if kept[index] is None:
            kept[index] = value
        elif kept[index] != value:
            clean = False
            name = names[index]
            problems.warn(
                column.get(name, name),
                value,
                f"differs from {_as_written(kept[index])} given earlier for the same enterprise or product: "
                "kept the first",
            )
    return clean


class RegisterLoader:
    """Applies one gathered register file to the register as of ``as_of``."""

    def __init__(
        self, batch: Batch, *, as_of: dt.date, complete: bool, problems: Problems, column: dict[str, str]
    ) -> None:
        self.batch = batch
        self.bulk = batch.bulk
        self.as_of = as_of
        self.batch_id = batch.id
        self.complete = complete
        self.problems = problems
        self.column = column
        self.counts: Counter[str] = batch.counts
        # inserted by this chunk: no version, execution or listing to read, their first versions
        # written in bulk (Batch.insert_fresh) without a timeline plan each
        self._new_enterprises: set[int] = set()
        self._new_products: set[int] = set()

    # -- the whole file --------------------------------------------------------------------

    def load(
        self,
        chunks: Iterable[list[StagedRow]],
        codes: dict[str, StandardCode],
        facts: dict[str, StandardFacts],
    ) -> None:
        """Load the file: its standards first, then its enterprises a chunk at a time."""
        ids = self._standards(codes, facts)
        for rows in chunks:
            self._load_enterprises(gather(rows, self.problems, self.column), ids)
            self.batch.log.flush()

    def _load_enterprises(
        self, enterprises: dict[str, _EnterpriseInFile], standard_ids: dict[str, int]
    ) -> None:
        enterprise_ids = self._enterprises(enterprises)
        self._enterprise_versions(enterprises, enterprise_ids)
        known = [eid for eid in enterprise_ids.values() if eid not in self._new_enterprises]
        caps = next_listings(self.bulk, known, self.as_of)
        product_ids = self._products(enterprises, enterprise_ids)
        self._product_versions(enterprises, enterprise_ids, product_ids, caps)
        self._executions(enterprises, enterprise_ids, product_ids, standard_ids, caps)
        if self.complete:
            self.batch.add(
                "enterprise_snapshot",
                ("enterprise_id", "as_of"),
                [(eid, self.as_of) for eid in enterprise_ids.values()],
            )

    # -- enterprises ------------------------------------------------------------------------

    def _enterprises(self, enterprises: dict[str, _EnterpriseInFile]) -> dict[str, int]:
        known: dict[str, tuple[int, str | None]] = {}
        writer: dict[int, int | None] = {}
        org_codes = list(enterprises)
        for eid, org_code, uscc, batch_id in self.bulk.select_in(
            "SELECT id, org_code, uscc, batch_id FROM enterprise WHERE org_code IN", org_codes
        ):
            known[org_code] = (eid, uscc)
            writer[eid] = batch_id
        new = {code: enterprises[code].uscc for code in org_codes if code not in known}
        self._refuse_taken_usccs(new)
        if new:
            self.batch.add("enterprise", ("org_code", "uscc"), list(new.items()))
            fresh = []
            for eid, org_code in self.bulk.select_in(
                "SELECT id, org_code FROM enterprise WHERE org_code IN", list(new)
            ):
                known[org_code] = (eid, new[org_code])
                fresh.append(eid)
            self._new_enterprises = set(fresh)
        else:
            self._new_enterprises = set()
        learned: dict[str, str | None] = {}
        for code, (_, uscc) in known.items():
            file_uscc = enterprises[code].uscc
            if file_uscc is None or file_uscc == uscc:
                continue
            if uscc is None:
                learned[code] = file_uscc
            else:
                self.problems.warn(
                    self.column.get("uscc", "uscc"),
                    file_uscc,
                    f"the register knows this enterprise as {uscc}: kept the register's USCC",
                )
        self._refuse_taken_usccs(learned)
        self.counts["enterprises_new_uscc"] += self.batch.set_facts(
            "enterprise",
            [
                FactChange(known[code][0], {"uscc": None}, {"uscc": uscc}, writer.get(known[code][0]))
                for code, uscc in learned.items()
                if uscc is not None
            ],
            as_of=self.as_of,
        )
        return {code: eid for code, (eid, _) in known.items()}

    def _refuse_taken_usccs(self, usccs_by_code: dict[str, str | None]) -> None:
        """Forget USCCs that another enterprise of the register already holds (with a warning)."""
        wanted = {uscc: code for code, uscc in usccs_by_code.items() if uscc}
        for (taken,) in self.bulk.select_in("SELECT uscc FROM enterprise WHERE uscc IN", list(wanted)):
            usccs_by_code[wanted[taken]] = None
            self.problems.warn(
                self.column.get("uscc", "uscc"),
                taken,
                "another enterprise already holds this USCC: not recorded",
            )

    def _enterprise_versions(self, enterprises: dict[str, _EnterpriseInFile], ids: dict[str, int]) -> None:
        fresh_ids = self._new_enterprises
        known = [eid for eid in ids.values() if eid not in fresh_ids]
        versions = read_versions(self.bulk, "enterprise_version", "enterprise_id", known)
        plans = []
        fresh: list[tuple[int, dt.date, tuple[Any, ...]]] = []
        for code, enterprise in enterprises.items():
            eid = ids[code]
            if eid in fresh_ids:
                fresh.append((eid, OPEN_END, tuple(enterprise.values)))
                continue
            plan = timeline.state(versions.get(eid, ()), self.as_of, tuple(enterprise.values))
            self.counts[f"enterprises_{plan.outcome}"] += 1
            plans.append((eid, plan))
        self._apply("enterprise_version", "enterprise_id", ENTERPRISE_FIELDS, plans)
        self._fresh("enterprise_version", ("enterprise_id",), ENTERPRISE_FIELDS, fresh, "enterprises")

    # -- standards --------------------------------------------------------------------------

    def _standards(self, codes: dict[str, StandardCode], facts: dict[str, StandardFacts]) -> dict[str, int]:
        known: dict[str, tuple[int, str | None, str | None, str | None]] = {}
        writer: dict[int, int | None] = {}
        wanted = list(codes)
        for sid, code, title, adopted, degree, batch_id in self.bulk.select_in(
            "SELECT id, code, title, adopted_code, degree, batch_id FROM standard WHERE code IN", wanted
        ):
            known[code] = (sid, title, adopted, degree)
            writer[sid] = batch_id
        new = []
        for code in wanted:
            if code in known:
                continue
            fact = facts.get(code, StandardFacts())
            new.append(
                standard_row(
                    codes[code],
                    title=fact.title,
                    adopted=fact.adopted,
                    degree=fact.degree,
                    batch_id=self.batch_id,
                )
            )
        add_standards(self.batch, new)
        ids = {code: sid for code, (sid, *_) in known.items()}
        ids.update(standard_ids(self.bulk, [row["code"] for row in new]))
        changes = []
        for code, (sid, title, adopted, degree) in known.items():
            if code not in facts:
                continue
            fact = facts[code]
            new_title, new_adopted, new_degree = title, adopted, degree
            if fact.title and not title:
                new_title = fact.title
            if fact.degree is not None:
                if degree is None:
                    new_adopted, new_degree = fact.adopted, fact.degree
                elif (adopted, degree) != (fact.adopted, fact.degree) and not (
                    fact.adopted is None and degree == fact.degree
                ):
                    self.problems.warn(
                        self.column.get("degree", "degree"),
                        f"{code}: {fact.adopted or ''} {fact.degree}".strip(),
                        f"the register says {code} adopts {adopted or '?'} {degree}: "
                        "kept the register's (a catalog import can correct it)",
                    )
            if (new_title, new_adopted, new_degree) != (title, adopted, degree):
                changes.append(
                    FactChange(
                        sid,
                        {"title": title, "adopted_code": adopted, "degree": degree},
                        {"title": new_title, "adopted_code": new_adopted, "degree": new_degree},
                        writer[sid],
                    )
                )
        self.counts["standards_changed"] += self.batch.set_facts("standard", changes, as_of=self.as_of)
        return ids

    # -- products ---------------------------------------------------------------------------

    def _products(
        self, enterprises: dict[str, _EnterpriseInFile], enterprise_ids: dict[str, int]
    ) -> dict[tuple[int, str], int]:
        """Ids of every product of the file's enterprises, the register's and the file's."""
        ids: dict[tuple[int, str], int] = {}
        query = "SELECT id, enterprise_id, name FROM product WHERE enterprise_id IN"
        for pid, eid, name in self.bulk.select_in(query, list(enterprise_ids.values())):
            ids[(eid, name)] = pid
        new = [
            (enterprise_ids[code], name)
            for code, enterprise in enterprises.items()
            for name in enterprise.products
            if (enterprise_ids[code], name) not in ids
        ]
        self._new_products = set()
        if new:
            self.batch.add("product", ("enterprise_id", "name"), new)
            for pid, eid, name in self.bulk.select_in(query, sorted({eid for eid, _ in new})):
                ids[(eid, name)] = pid
            self._new_products = {ids[key] for key in new}
        return ids

    def _known_products(self, product_ids: dict[tuple[int, str], int]) -> list[int]:
        """The products that were in the register before this chunk (only they have history)."""
        return [pid for pid in product_ids.values() if pid not in self._new_products]

    def _product_versions(
        self,
        enterprises: dict[str, _EnterpriseInFile],
        enterprise_ids: dict[str, int],
        product_ids: dict[tuple[int, str], int],
        caps: dict[int, dt.date],
    ) -> None:
        known = self._known_products(product_ids)
        versions = read_versions(self.bulk, "product_version", "product_id", known)
        plans: list[tuple[int, Plan]] = []
        fresh_ids = self._new_products
        fresh: list[tuple[int, dt.date, tuple[Any, ...]]] = []
        for code, enterprise in enterprises.items():
            eid = enterprise_ids[code]
            cap = caps.get(eid, OPEN_END)
            for name, product in enterprise.products.items():
                pid = product_ids[(eid, name)]
                if pid in fresh_ids:
                    fresh.append((pid, cap, tuple(product.values)))
                    continue
                plan = timeline.state(versions.get(pid, ()), self.as_of, tuple(product.values), cap=cap)
                self.counts[f"products_{plan.outcome}"] += 1
                plans.append((pid, plan))
        if self.complete:
            listed = {(enterprise_ids[code], name) for code, e in enterprises.items() for name in e.products}
            for key, pid in product_ids.items():
                if key in listed:
                    continue
                plan = timeline.drop(versions.get(pid, ()), self.as_of)
                if plan.outcome == timeline.DROPPED:
                    self.counts["products_dropped"] += 1
                    plans.append((pid, plan))
        self._apply("product_version", "product_id", PRODUCT_FIELDS, plans)
        self._fresh("product_version", ("product_id",), PRODUCT_FIELDS, fresh, "products")

    # -- executions -------------------------------------------------------------------------

    def _executions(
        self,
        enterprises: dict[str, _EnterpriseInFile],
        enterprise_ids: dict[str, int],
        product_ids: dict[tuple[int, str], int],
        standard_ids: dict[str, int],
        caps: dict[int, dt.date],
    ) -> None:
        by_pair = read_executions(self.bulk, self._known_products(product_ids))
        plans: list[tuple[tuple[int, int], Plan]] = []
        listed: set[tuple[int, int]] = set()
        fresh_ids = self._new_products
        fresh: list[tuple[tuple[int, int], dt.date, tuple[Any, ...]]] = []
        for code, enterprise in enterprises.items():
            eid = enterprise_ids[code]
            cap = caps.get(eid, OPEN_END)
            for name, product in enterprise.products.items():
                pid = product_ids[(eid, name)]
                if pid in fresh_ids:  # a new product has no execution to end, nor one to keep
                    fresh.extend([((pid, standard_ids[c]), cap, ()) for c in product.standards])
                    continue
                for standard_code in product.standards:
                    pair = (pid, standard_ids[standard_code])
                    listed.add(pair)
                    plan = timeline.state(by_pair.get(pair, ()), self.as_of, cap=cap)
                    self.counts[f"executions_{plan.outcome}"] += 1
                    plans.append((pair, plan))
        if self.complete:
            for pair, versions in by_pair.items():
                if pair in listed:
                    continue
                plan = timeline.drop(versions, self.as_of)
                if plan.outcome == timeline.DROPPED:
                    self.counts["executions_dropped"] += 1
                    plans.append((pair, plan))
        self.batch.apply_plans("execution", ("product_id", "standard_id"), (), plans, as_of=self.as_of)
        self._fresh("execution", ("product_id", "standard_id"), (), fresh, "executions")

    # -- shared -----------------------------------------------------------------------------

    def _fresh(
        self,
        table: str,
        keys: Sequence[str],
        fields: Sequence[str],
        facts: list[Any],
        noun: str,
    ) -> None:
        """First versions of facts new to the register, as ``timeline.state`` would plan them.

        Stated on the import's date until the enterprise's next complete listing (its cap):
        added, unless that listing is of the same date, which left the fact out (absent).
        """
        holding = [fact for fact in facts if fact[1] > self.as_of]
        if len(holding) != len(facts):
            self.counts[f"{noun}_{timeline.ABSENT}"] += len(facts) - len(holding)
        if holding:
            self.counts[f"{noun}_{timeline.ADDED}"] += self.batch.insert_fresh(table, keys, fields, holding)

    def _apply(self, table: str, owner: str, fields: Sequence[str], plans: list[tuple[int, Plan]]) -> None:
        self.batch.apply_plans(table, (owner,), fields, plans, as_of=self.as_of)
