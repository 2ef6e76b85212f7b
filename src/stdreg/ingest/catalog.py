"""Standards catalogs: validating their rows and writing what they say about standards.

A catalog row states a standard's title, status, dates, replacement links and
adoption. Mind the direction: 代替标准 names the *older* standards the row's
standard replaces; 被以下标准代替 the newer one that replaces it; 被代替标准 is
ambiguous in the wild, so for it (and whenever a link contradicts the editions'
years) the later edition is taken to replace the earlier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from stdreg.codes.standard_code import StandardCode, StandardCodeError, parse, register_key, split_cell
from stdreg.fields import CATALOG_FIELDS, FieldError
from stdreg.ingest.headers import HeaderMap
from stdreg.ingest.problems import Problems
from stdreg.ingest.readers import RawRow
from stdreg.kernel.batch import Batch, FactChange
from stdreg.kernel.bulk import in_chunks
from stdreg.kernel.standards import STANDARD, add_standards, refresh_outdated, standard_row

FACT_FIELDS = ("title", "status", "published_on", "implemented_on", "withdrawn_on", "adopted_code", "degree")
# (the catalog's field, the fact it gives), in the order a row's values are checked
_FACTS = (
    ("title", "title"),
    ("status", "status"),
    ("published", "published_on"),
    ("implemented", "implemented_on"),
    ("withdrawn", "withdrawn_on"),
    ("degree", "degree"),
    ("adopted", "adopted_code"),
)


@dataclass
class CatalogRow:
    number: int
    code: StandardCode
    facts: dict[str, Any]  # FACT_FIELDS given in the row
    links: list[tuple[str, StandardCode, str]] = field(default_factory=list)  # (field, code, direction)


class CatalogValidator:
    """Turns raw catalog rows into CatalogRows, reporting bad rows and ignored links."""

    def __init__(self, header: HeaderMap, problems: Problems) -> None:
        self.header = header
        self.problems = problems

    def column(self, name: str) -> str:
        return self.header.column_name(name)

    def validate(self, raw: RawRow) -> CatalogRow | None:
        values = raw.values
        try:
            if raw.bad is not None:
                raise FieldError(*raw.bad)
            text = values.get("code")
            if text is None:
                raise FieldError("code", "", "the standard code is missing")
            code: StandardCode = CATALOG_FIELDS["code"](text)
            # the row's own facts, by the field each is read as
            facts = {target: CATALOG_FIELDS[name](values[name]) for name, target in _FACTS if name in values}
        except FieldError as bad:
            self.problems.reject(raw.number, self.column(bad.field), bad.value, bad.reason)
            return None
        if code.adopts is not None and "degree" not in facts:
            facts["adopted_code"], facts["degree"] = code.adopts.code, "IDT"
        code = register_key(code)
        self._check_dates(code, facts)
        row = CatalogRow(raw.number, code, facts)
        for name, direction in (
            ("replaces", "older"),
            ("replaced_by", "newer"),
            ("replaced_either", "either"),
        ):
            if name in values:
                for fragment in split_cell(str(values[name])):
                    self._link(row, name, fragment, direction)
        return row

    def _link(self, row: CatalogRow, name: str, fragment: str, direction: str) -> None:
        try:
            other = register_key(parse(fragment))
        except StandardCodeError as exc:
            self.problems.warn(
                self.column(name), fragment, f"not a standard code ({exc.reason}): link ignored"
            )
            return
        if other.code == row.code.code:
            self.problems.warn(self.column(name), fragment, "a standard cannot replace itself: link ignored")
            return
        row.links.append((name, other, direction))

    def _check_dates(self, code: StandardCode, facts: dict[str, Any]) -> None:
        published, implemented, withdrawn = (
            facts.get(k) for k in ("published_on", "implemented_on", "withdrawn_on")
        )
        if published and implemented and implemented < published:
            self.problems.warn(self.column("implemented"), code.code, "implemented before it was published")
        start = implemented or published
        if withdrawn and start and withdrawn < start:
            self.problems.warn(self.column("withdrawn"), code.code, "withdrawn before it was implemented")


def resolve_link(
    row_code: StandardCode, other: StandardCode, direction: str
) -> tuple[StandardCode, StandardCode] | None:
    """(older, newer) for a link written on a row, or None when it cannot be decided.

    ``direction`` says what the header claims ``other`` is: older (代替标准),
    newer (被以下标准代替) or either (被代替标准). Years decide when they disagree.

    >>> gb = lambda y: parse(f"GB/T 1234-{y}")
    >>> [c.code for c in resolve_link(gb(2008), gb(1998), "either")]
    ['GB/T 1234-1998', 'GB/T 1234-2008']
    >>> [c.code for c in resolve_link(gb(2008), gb(2012), "older")]
    ['GB/T 1234-2008', 'GB/T 1234-2012']
    """
    years = (row_code.year, other.year)
    if None not in years and years[0] != years[1]:
        return (other, row_code) if years[1] < years[0] else (row_code, other)  # type: ignore[operator]
    if direction == "older":
        return other, row_code
    if direction == "newer":
        return row_code, other
    return None


def merge_catalog(
    rows: list[CatalogRow], problems: Problems, column: Any
) -> tuple[dict[str, CatalogRow], list[tuple[StandardCode, StandardCode]]]:
    """Rows by code (repeats merged) and the replacement links as (older, newer)."""
    by_code: dict[str, CatalogRow] = {}
    links: dict[str, StandardCode] = {}
    older_of: dict[str, StandardCode] = {}
    for row in rows:
        kept = by_code.get(row.code.code)
        if kept is None:
            by_code[row.code.code] = row
        else:
            for name, value in row.facts.items():
                if name not in kept.facts:
                    kept.facts[name] = value
                elif kept.facts[name] != value:
                    problems.warn(
                        column("code"),
                        row.code.code,
                        f"listed twice with different {name}: kept the first ({kept.facts[name]})",
                    )
        for name, other, direction in row.links:
            resolved = resolve_link(row.code, other, direction)
            if resolved is None:
                problems.warn(
                    column(name),
                    other.code,
                    f"cannot tell whether {other.code} replaces {row.code.code} or the reverse: link ignored",
                )
                continue
            older, newer = resolved
            if direction != "either" and (older.code == row.code.code) != (direction == "newer"):
                problems.warn(
                    column(name),
                    other.code,
                    f"link contradicts the editions' years: took {newer.code} as replacing {older.code}",
                )
            previous = links.get(older.code)
            if previous is not None and previous.code != newer.code:
                problems.warn(
                    column(name),
                    older.code,
                    f"replaced by both {previous.code} and {newer.code}: kept {previous.code}",
                )
                continue
            links[older.code] = newer
            older_of[older.code] = older
    return by_code, [(older_of[code], newer) for code, newer in links.items()]


def load_catalog(
    batch: Batch, rows: list[CatalogRow], *, as_of: dt.date, problems: Problems, column: Any
) -> None:
    """Write the catalog's facts and links; recompute when each standard becomes outdated."""
    connection, counts = batch.connection, batch.counts
    by_code, links = merge_catalog(rows, problems, column)
    every: dict[str, StandardCode] = {code: row.code for code, row in by_code.items()}
    for older, newer in links:
        every.setdefault(older.code, older)
        every.setdefault(newer.code, newer)
    known: dict[str, Any] = {}
    for part in in_chunks(list(every)):
        for row in connection.execute(select(STANDARD).where(STANDARD.c.code.in_(part))):
            known[row.code] = row
    new = [standard_row(code, batch_id=batch.id) for name, code in every.items() if name not in known]
    if add_standards(batch, new):
        for part in in_chunks([row["code"] for row in new]):
            for row in connection.execute(select(STANDARD).where(STANDARD.c.code.in_(part))):
                known[row.code] = row

    changes: dict[int, dict[str, Any]] = {}
    for code, given in by_code.items():
        current = known[code]
        change = {name: value for name, value in given.facts.items() if getattr(current, name) != value}
        if "status" in change:
            change["status_on"] = as_of
        if change:
            changes[current.id] = change
    for older, newer in links:
        current, replacement = known[older.code], known[newer.code]
        if current.replaced_by_id != replacement.id:
            changes.setdefault(current.id, {}).update(replaced_by_id=replacement.id, replaced_noted_on=as_of)
    row_of = {row.id: row for row in known.values()}
    batch.set_facts(
        "standard",
        [
            FactChange(sid, row_of[sid]._mapping, change, row_of[sid].batch_id)
            for sid, change in changes.items()
        ],
        as_of=as_of,
    )
    # a standard the catalog added is told whole by its batch_id: added, not changed
    counts["standards_changed"] += sum(1 for sid in changes if row_of[sid].batch_id != batch.id)
    counts["standards_unchanged"] += len(by_code) - sum(1 for code in by_code if known[code].id in changes)
    refresh_outdated(connection)
