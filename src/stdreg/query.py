"""Questions to the register as of a date: which product is made to which standard.

The library half of ``stdreg query`` (the command line is a thin shell over it):

* :class:`Filters` says which rows are wanted; :func:`identity_filter`,
  :func:`standard_match`, :func:`size_filter` and :func:`degree_filter` turn
  what an officer types into filter values, or raise :class:`UsageError`.
* :func:`iter_rows` streams the matching rows, one per execution held on the
  as-of date and one per product that executes no standard on it, with the
  attributes of that date (:data:`ROW_FIELDS`).
* :func:`unmatched_filters` says which exact filter values (township, industry,
  region) no enterprise has, and which known values contain them.
* :func:`count_by` sums the matching products by industry, township, level or
  standard, counted as the report counts them.

An analyst's own SQL (``stdreg query sql``) runs in :mod:`stdreg.sql_sandbox`.

Searching names. ``--enterprise`` and ``--product`` are literal substrings
(SPEC: no query syntax), matched with ``LIKE '%text%'`` on the names of the
as-of date, ignoring ASCII case. SQLite's FTS5 trigram tokenizer was measured
and not used: it matches nothing below three characters, and officers search
with one or two (``纸``, ``竹``, ``恒达``), so it would need a LIKE fallback
anyway. On a register of 20,000 enterprises and 100,000 products (120,000
executions), a LIKE scan of every product name takes 7-15 ms and of the
as-of enterprise names 3-8 ms, whatever the length of the text; FTS5 answers
3+-character queries in under 1 ms, but the whole query (joins, sorting,
writing rows) takes far longer than the scan either way (see README), and an
FTS table would need triggers on every import. A plain LIKE is portable and fast
enough. On PostgreSQL, where pg_trgm is available, migration 0004 adds GIN trigram
indexes on the lowered names, which the same LIKE uses for texts of three
characters and more (measured 0.5 ms instead of 250 ms on 300,000 names); shorter
texts are a scan there too.
Matches are ordered exact name first, then names that start with the text,
then the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from stdreg.codes.adoption import AdoptionRule
from stdreg.codes.lifecycle import outdated_on
from stdreg.codes.standard_code import LEVELS, StandardCodeError, parse, register_key
from stdreg.errors import UsageError
from stdreg.fields import FIELDS, FieldError, code_identity
from stdreg.ingest.cells import clean_text
from stdreg.stats import flag_standards

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

ROW_FIELDS = (
    "uscc",
    "org_code",
    "enterprise",
    "township",
    "industry",
    "size",
    "product",
    "output_value",
    "brand",
    "standard",
    "standard_title",
    "level",
    "adopted",
    "degree",
    "adopting",
    "product_adopting",
    "outdated",
    "status",
    "replaced_by",
    "region",
)
"""The fields of a query row, in order (SPEC.md, ``query --format json``).

``org_code`` is the compact 9-character organization code (no hyphen), the
register's key; ``uscc`` is the enterprise's USCC if it was ever learned.
``adopting`` says whether the row's own standard makes the product adopt on the
date; ``product_adopting`` whether the product adopts through any of its
standards. ``outdated`` and ``status`` are those of the as-of date;
``replaced_by`` is the code of the newer standard that replaces it, when known.
``region`` is the county a merged register brought the enterprise from (null when
it was imported into this register).
"""

BOOLEAN_FIELDS = frozenset({"adopting", "product_adopting", "outdated"})

COUNT_KEYS = ("industry", "township", "level", "standard", "region")
COUNT_FIELDS = (
    "key",
    "products",
    "products_with_standard",
    "products_without_standard",
    "adopting_products",
    "adoption_rate",
    "neq_products",
    "outdated_products",
)
"""The fields of a ``--count-by`` row; the same names as the report's breakdowns."""


@dataclass(frozen=True)
class StandardMatch:
    """Which standard codes ``--standard`` names: one code, or all codes under a prefix.

    ``exact`` codes match themselves (and the dual numbers they begin, which
    registers written before dual numbers were split may hold); a prefix
    matches codes that continue it after a space, ``/``, ``-``, ``.`` or ``:``
    (``GB`` matches ``GB 175-2007`` and ``GB/T 1-2008``, not ``GBZ 1-2010``;
    ``QB/T 1012`` matches ``QB/T 1012-2010`` and ``QB/T 1012.1-2010``).
    """

    code: str
    exact: bool


@dataclass(frozen=True)
class Filters:
    """What ``stdreg query`` is asked; every filter given must hold (AND)."""

    as_of: dt.date
    enterprise: str | None = None
    org_code: str | None = None
    product: str | None = None
    standard: StandardMatch | None = None
    industries: tuple[str, ...] = ()
    townships: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    size: str | None = None
    levels: tuple[str, ...] = ()
    adopting: bool | None = None
    degrees: tuple[str, ...] = ()
    outdated: bool = False
    without_standard: bool = False
    brand: bool | None = None
    brand_title: str | None = None

    def check(self) -> None:
        """Raise UsageError when the filters contradict each other."""
        if self.without_standard:
            clash = [
                name
                for name, given in (
                    ("--standard", self.standard is not None),
                    ("--level", bool(self.levels)),
                    ("--degree", bool(self.degrees)),
                    ("--adopting/--not-adopting", self.adopting is not None),
                    ("--outdated", self.outdated),
                )
                if given
            ]
            if clash:
                raise UsageError(
                    f"--without-standard lists products that execute no standard: "
                    f"it cannot be combined with {', '.join(clash)}"
                )
        for level in self.levels:
            if level not in LEVELS:
                raise UsageError(f"--level must be one of {', '.join(LEVELS)}, not {level!r}")
        if self.brand is False and self.brand_title:
            raise UsageError("--no-brand and --brand-title cannot be combined")
        # a text of white space only (an ideographic space 　 too) would search for nothing,
        # that is match every row
        for option, text in (
            ("--enterprise", self.enterprise),
            ("--product", self.product),
            ("--brand-title", self.brand_title),
        ):
            if text is not None and not search_text(text):
                raise UsageError(f"{option} {text!r} holds only spaces: give a text to search for")
        for option, values in (
            ("--industry", self.industries),
            ("--township", self.townships),
            ("--region", self.regions),
        ):
            if any(not search_text(value) for value in values):
                raise UsageError(f"{option} holds only spaces: give a name")


def search_text(text: str) -> str:
    """Search text normalized as names are on import: NFKC, trimmed, spaces collapsed.

    An ideographic space (U+3000) is a space: ``search_text("　")`` is empty.

    >>> search_text(" 恒达　纸业 ")
    '恒达 纸业'
    """
    return clean_text(text)


def identity_filter(text: str) -> str:
    """The compact organization code named by a USCC or an organization code, in any spelling.

    >>> identity_filter("91110000600037341L"), identity_filter("60003734-1")
    ('600037341', '600037341')
    """
    try:
        return code_identity(text)[1]
    except FieldError as exc:
        raise UsageError(
            f"--uscc {text!r} is not a valid credit code (18 characters) or organization code "
            f"(9 characters, XXXXXXXX-X): {exc.reason}"
        ) from None


def standard_match(text: str) -> StandardMatch:
    """The codes ``--standard`` names: a full code in any messy form, or a prefix.

    >>> standard_match("gbt13023—2008"), standard_match("GB/T 19001-2016/ISO 9001:2015")
    (StandardMatch(code='GB/T 13023-2008', exact=True), StandardMatch(code='GB/T 19001-2016', exact=True))
    >>> standard_match("QB/T 1012"), standard_match("gb／t")
    (StandardMatch(code='QB/T 1012', exact=False), StandardMatch(code='GB/T', exact=False))
    """
    cleaned = search_text(text)
    if not cleaned:
        raise UsageError("--standard needs a code or a prefix such as GB/T")
    try:
        # a dual number names its Chinese standard, as on import
        code = register_key(parse(cleaned))
    except StandardCodeError:
        # not a code on its own (GB, GB/T, Q/LYHD, DB33, ISO): a prefix, cleaned like a code
        prefix = re.sub(r" ?/ ?", "/", cleaned.upper())
        return StandardMatch(prefix, exact=False)
    return StandardMatch(code.code, exact=code.year is not None)


def size_filter(text: str) -> str:
    """above or below, from any of the ways registers write it (规上, 规模以下, above …)."""
    try:
        return str(FIELDS["size"](text))
    except FieldError as exc:
        raise UsageError(f"--size {text!r}: {exc.reason}") from None


def degree_filter(text: str) -> str:
    """IDT, MOD, NEQ or EQV, from any of the ways registers write them."""
    try:
        return str(FIELDS["degree"](text))
    except FieldError as exc:
        raise UsageError(f"--degree {text!r}: {exc.reason}") from None


@dataclass(frozen=True)
class Unmatched:
    """A value of an exact filter that no enterprise has, and the known values that contain it."""

    field: str  # township, industry or region
    value: str
    near: tuple[str, ...]


# The exact filters, and where the values they are compared with live.
_EXACT_FILTERS = (
    ("township", "enterprise_version"),
    ("industry", "enterprise_version"),
    ("region", "enterprise"),
)


def unmatched_filters(connection: Connection, filters: Filters) -> list[Unmatched]:
    """The values of --township, --industry and --region that no enterprise has on any date.

    Each comes with the known values that contain it, shortest first: ``湖镇`` names no
    township, but ``湖镇镇`` contains it. A value some enterprise has (on another date
    than the filters' own) is not unmatched.
    """
    from sqlalchemy import text

    given = {"township": filters.townships, "industry": filters.industries, "region": filters.regions}
    found = []
    for name, table in _EXACT_FILTERS:
        values = given[name]
        if not values:
            continue
        # identifiers from the fixed table above, never from input
        statement = text(f"SELECT DISTINCT {name} FROM {table} WHERE {name} IS NOT NULL")
        known = {value for (value,) in connection.execute(statement)}
        for value in values:
            if value in known:
                continue
            needle = value.lower()
            near = sorted((k for k in known if needle and needle in k.lower()), key=lambda k: (len(k), k))
            found.append(Unmatched(name, value, tuple(near[:5])))
    return found


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class _Sql:
    """A statement being built: WHERE conditions and their bound values."""

    where: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    standard_join: str = "LEFT JOIN"  # JOIN when the rows must have a standard

    @property
    def from_clause(self) -> str:
        return _from(self.standard_join)

    def bind(self, name: str, value: Any) -> str:
        self.params[name] = value
        return f":{name}"

    def bind_many(self, name: str, values: Sequence[Any]) -> str:
        return ", ".join(self.bind(f"{name}_{i}", value) for i, value in enumerate(values))


# The rows of the as-of date :d. Every register fact holds on [valid_from, valid_to);
# enterprise attributes are those of the version covering :d. report_flag is the
# temporary table stdreg.stats.flag_standards fills (standards that adopt on :d).
def _from(standard_join: str = "LEFT JOIN") -> str:
    return f"""
FROM product_version pv
JOIN product p ON p.id = pv.product_id
JOIN enterprise e ON e.id = p.enterprise_id
LEFT JOIN enterprise_version ev
       ON ev.enterprise_id = e.id AND ev.valid_from <= :d AND ev.valid_to > :d
{standard_join} execution x
       ON x.product_id = p.id AND x.valid_from <= :d AND x.valid_to > :d
{standard_join} standard s ON s.id = x.standard_id
LEFT JOIN report_flag f ON f.standard_id = s.id
"""


_PRODUCT_ADOPTS = """EXISTS (
    SELECT 1 FROM execution xa JOIN report_flag fa ON fa.standard_id = xa.standard_id
    WHERE xa.product_id = p.id AND xa.valid_from <= :d AND xa.valid_to > :d AND fa.adopting = 1)"""
_PRODUCT_NEQ = """EXISTS (
    SELECT 1 FROM execution xn JOIN report_flag fn ON fn.standard_id = xn.standard_id
    WHERE xn.product_id = p.id AND xn.valid_from <= :d AND xn.valid_to > :d AND fn.neq = 1)"""
_PRODUCT_OUTDATED = f"""EXISTS (
    SELECT 1 FROM execution xo JOIN standard so ON so.id = xo.standard_id
    WHERE xo.product_id = p.id AND xo.valid_from <= :d AND xo.valid_to > :d AND {outdated_on("so")})"""
_OUTDATED = outdated_on("s")

# The standard's status on :d: its facts carry their own dates (SPEC.md, "Dates"),
# so a standard withdrawn in 2009 was current in 2008, and one implemented later is upcoming.
# A standard a catalog names only as replaced (or withdrawn) from a later date was current
# until then. NULL for a standard that only registers name (no catalog gave it a status).
STATUS_SQL = f"""CASE
    WHEN s.id IS NULL THEN NULL
    WHEN {_OUTDATED} THEN CASE
        WHEN s.status IN ('replaced', 'withdrawn') THEN s.status
        WHEN s.replaced_by_id IS NOT NULL THEN 'replaced' ELSE 'withdrawn' END
    WHEN s.implemented_on IS NOT NULL AND s.implemented_on > :d THEN 'upcoming'
    WHEN s.status IN ('replaced', 'withdrawn') THEN 'current'
    WHEN s.status = 'upcoming' AND s.implemented_on IS NOT NULL THEN 'current'
    WHEN s.status IS NULL AND s.outdated_from IS NOT NULL THEN 'current'
    ELSE s.status END"""

# The register keeps "" for a brand cell that said 无 (a later 无 then overrides an earlier
# title, while a blank cell, unknown, keeps it); every output says null for both: no title.
_ROW_COLUMNS = f"""
    e.uscc, e.org_code, ev.name AS enterprise, ev.township, ev.industry, ev.size,
    p.name AS product, pv.output_value, NULLIF(pv.brand, '') AS brand,
    s.code AS standard, s.title AS standard_title, s.level, s.adopted_code AS adopted, s.degree,
    CASE WHEN f.adopting = 1 THEN 1 ELSE 0 END AS adopting,
    CASE WHEN {_PRODUCT_ADOPTS} THEN 1 ELSE 0 END AS product_adopting,
    CASE WHEN {_OUTDATED} THEN 1 ELSE 0 END AS outdated,
    {STATUS_SQL} AS status,
    (SELECT r.code FROM standard r WHERE r.id = s.replaced_by_id) AS replaced_by,
    e.region
"""

_LEVEL_RANK = "CASE s.level " + " ".join(f"WHEN '{lv}' THEN {i}" for i, lv in enumerate(LEVELS)) + " END"


def _where(filters: Filters) -> _Sql:
    """The WHERE conditions of the filters, and the search ranks to order by."""
    filters.check()
    sql = _Sql()
    sql.bind("d", filters.as_of)
    sql.where.append("pv.valid_from <= :d AND pv.valid_to > :d")
    # Conditions on the enterprise's attributes of the date select enterprises in a
    # subquery: SQLite then starts from them (a scan of the enterprise versions, then
    # indexes) instead of scanning every product of the date; measured 7 ms instead of
    # 60 ms for `--enterprise 恒达` on 100,000 products. Plain SQL, as portable as a join.
    of_enterprise: list[str] = []
    needle = search_text(filters.enterprise or "").lower()
    if needle:
        contains = sql.bind("enterprise_contains", f"%{_like_escape(needle)}%")
        of_enterprise.append(f"LOWER(evs.name) LIKE {contains} ESCAPE '\\'")
        sql.order.append(_rank(sql, "enterprise", "ev.name", needle))
    if filters.industries:
        of_enterprise.append(f"evs.industry IN ({sql.bind_many('industry', filters.industries)})")
    if filters.townships:
        of_enterprise.append(f"evs.township IN ({sql.bind_many('township', filters.townships)})")
    if filters.size is not None:
        of_enterprise.append(f"evs.size = {sql.bind('size', filters.size)}")
    if of_enterprise:
        sql.where.append(
            "p.enterprise_id IN (SELECT evs.enterprise_id FROM enterprise_version evs "
            "WHERE evs.valid_from <= :d AND evs.valid_to > :d AND " + " AND ".join(of_enterprise) + ")"
        )
    if filters.org_code is not None:
        sql.where.append(f"e.org_code = {sql.bind('org_code', filters.org_code)}")
    if filters.regions:
        sql.where.append(f"e.region IN ({sql.bind_many('region', filters.regions)})")
    needle = search_text(filters.product or "").lower()
    if needle:
        contains = sql.bind("product_contains", f"%{_like_escape(needle)}%")
        sql.where.append(f"LOWER(p.name) LIKE {contains} ESCAPE '\\'")
        sql.order.append(_rank(sql, "product", "p.name", needle))
    if filters.standard is not None:
        code = filters.standard.code
        if filters.standard.exact:
            sql.where.append(
                f"(s.code = {sql.bind('code', code)} "
                f"OR SUBSTR(s.code, 1, {len(code) + 1}) = {sql.bind('code_dual', code + '/')})"
            )
        else:
            sql.where.append(
                f"SUBSTR(s.code, 1, {len(code)}) = {sql.bind('code_prefix', code)} "
                f"AND (LENGTH(s.code) = {len(code)} "
                f"OR SUBSTR(s.code, {len(code) + 1}, 1) IN (' ', '/', '-', '.', ':'))"
            )
    if filters.levels:
        sql.where.append(f"s.level IN ({sql.bind_many('level', filters.levels)})")
    if filters.degrees:
        sql.where.append(f"s.degree IN ({sql.bind_many('degree', filters.degrees)})")
    if filters.adopting is True:
        # the rows through which the product adopts: each adopting product, with those standards
        sql.where.append("f.adopting = 1")
    elif filters.adopting is False:
        # products that execute a standard and adopt through none (the rate's other side)
        sql.where.append(f"NOT {_PRODUCT_ADOPTS}")
    if filters.outdated:
        sql.where.append(_OUTDATED)
    if (
        filters.standard
        or filters.levels
        or filters.degrees
        or filters.adopting is not None
        or filters.outdated
    ):
        sql.standard_join = "JOIN"
    if filters.without_standard:
        sql.where.append("x.id IS NULL")
    if filters.brand is True:
        sql.where.append("pv.brand IS NOT NULL AND pv.brand <> ''")
    elif filters.brand is False:
        sql.where.append("(pv.brand IS NULL OR pv.brand = '')")
    needle = search_text(filters.brand_title or "").lower()
    if needle:
        pattern = sql.bind("brand_title", f"%{_like_escape(needle)}%")
        sql.where.append(f"LOWER(pv.brand) LIKE {pattern} ESCAPE '\\'")
    return sql


def _rank(sql: _Sql, name: str, column: str, needle: str) -> str:
    """0 for the exact name, 1 for names that start with the text, 2 for the others."""
    exact = sql.bind(f"{name}_exact", needle)
    starts = sql.bind(f"{name}_starts", f"{_like_escape(needle)}%")
    return (
        f"CASE WHEN LOWER({column}) = {exact} THEN 0 "
        f"WHEN LOWER({column}) LIKE {starts} ESCAPE '\\' THEN 1 ELSE 2 END"
    )


def _limit(sql: _Sql, limit: int | None) -> str:
    if limit is None:
        return ""
    if limit < 0:
        raise UsageError("--limit must be 0 or more")
    return f"\nLIMIT {sql.bind('limit', limit)}"


def row_statement(filters: Filters, limit: int | None = None) -> tuple[str, dict[str, Any]]:
    """The SQL of the rows the filters select, and its parameters (``report_flag`` must be filled)."""
    sql = _where(filters)
    order = [*sql.order, "ev.name", "e.org_code", "p.name", "s.code"]
    statement = (
        f"SELECT {_ROW_COLUMNS}{sql.from_clause}WHERE "
        + "\n  AND ".join(sql.where)
        + "\nORDER BY "
        + ", ".join(order)
    )
    return statement + _limit(sql, limit), sql.params


def _bound(statement: str, params: dict[str, Any]) -> Any:
    from sqlalchemy import Date, bindparam, text

    clause = text(statement)
    if "d" in params:
        clause = clause.bindparams(bindparam("d", type_=Date))
    return clause


def prepare(connection: Connection, as_of: dt.date, rule: AdoptionRule) -> None:
    """Fill ``report_flag`` with the standards that adopt on ``as_of`` under the bureau's rule."""
    flag_standards(connection, as_of, rule)


def iter_rows(
    connection: Connection, filters: Filters, rule: AdoptionRule, *, limit: int | None = None
) -> Iterator[tuple[Any, ...]]:
    """The matching rows in :data:`ROW_FIELDS` order, streamed from the cursor.

    One row per execution that holds on the as-of date, one per product that
    executes no standard on it (its standard fields are None).
    """
    statement, params = row_statement(filters, limit)
    prepare(connection, filters.as_of, rule)
    # streamed for this statement only: Connection.execution_options() would change the
    # connection itself, and PostgreSQL cannot stream the DDL of later statements
    result = connection.execute(_bound(statement, params), params, execution_options={"stream_results": True})
    booleans = [i for i, name in enumerate(ROW_FIELDS) if name in BOOLEAN_FIELDS]
    try:
        for row in result:
            values = list(row)
            for i in booleans:
                values[i] = bool(values[i])
            yield tuple(values)
    finally:
        result.close()


def has_regions(connection: Connection) -> bool:
    """Whether the register merged other registers (``stdreg merge``): its rows then have regions."""
    return connection.exec_driver_sql("SELECT 1 FROM merge_source LIMIT 1").first() is not None


def count_statement(filters: Filters, key: str, limit: int | None = None) -> tuple[str, dict[str, Any]]:
    """The SQL of ``--count-by key``: products, adopting, rate … per key value.

    A product counts once per key: under its industry or township; under the
    highest level among its matching rows (``none`` without a standard), as
    the report's ``by_level`` does; and once under every matching standard it
    executes (so the counts by standard may add up to more than the products).
    ``adopting``, ``neq`` and ``outdated`` are the product's, over all the
    standards it executes on the date, as in the report.
    """
    if key not in COUNT_KEYS:
        raise UsageError(f"--count-by must be one of {', '.join(COUNT_KEYS)}, not {key!r}")
    sql = _where(filters)
    key_column = {
        "industry": "ev.industry",
        "township": "ev.township",
        "level": _LEVEL_RANK,
        "standard": "s.code",
        "region": "e.region",
    }[key]
    # per product (and per standard for key=standard), then per key value
    per_product_key = "MIN(key)" if key != "standard" else "key"
    group = "product_id" if key != "standard" else "product_id, key"
    statement = f"""
WITH matched AS (
    SELECT p.id AS product_id, {key_column} AS key,
           CASE WHEN x.id IS NULL THEN 0 ELSE 1 END AS has_standard,
           CASE WHEN {_PRODUCT_ADOPTS} THEN 1 ELSE 0 END AS adopting,
           CASE WHEN {_PRODUCT_NEQ} THEN 1 ELSE 0 END AS neq,
           CASE WHEN {_PRODUCT_OUTDATED} THEN 1 ELSE 0 END AS outdated
    {sql.from_clause}WHERE {" AND ".join(sql.where)}
), per_product AS (
    SELECT product_id, {per_product_key} AS key, MAX(has_standard) AS has_standard,
           MAX(adopting) AS adopting, MAX(neq) AS neq, MAX(outdated) AS outdated
    FROM matched GROUP BY {group}
)
SELECT key, COUNT(*) AS products, SUM(has_standard) AS products_with_standard,
       SUM(adopting) AS adopting_products, SUM(neq) AS neq_products, SUM(outdated) AS outdated_products
FROM per_product GROUP BY key
ORDER BY {"CASE WHEN key IS NULL THEN 1 ELSE 0 END, key" if key == "level" else "products DESC, key"}"""
    return statement + _limit(sql, limit), sql.params


def count_by(
    connection: Connection, filters: Filters, key: str, rule: AdoptionRule, *, limit: int | None = None
) -> list[tuple[Any, ...]]:
    """Counts of the matching products by ``key``, in :data:`COUNT_FIELDS` order.

    ``adoption_rate`` is adopting products / products that execute a standard,
    None when none does. Keys of level are the report's codes (``none`` for no
    standard); other keys are the values as imported (None when unknown).
    """
    statement, params = count_statement(filters, key, limit)
    prepare(connection, filters.as_of, rule)
    rows = []
    for row in connection.execute(_bound(statement, params), params):
        value = row.key
        if key == "level":
            value = LEVELS[int(value)] if value is not None else "none"
        products, with_standard = int(row.products), int(row.products_with_standard or 0)
        adopting = int(row.adopting_products or 0)
        rows.append(
            (
                value,
                products,
                with_standard,
                products - with_standard,
                adopting,
                adopting / with_standard if with_standard else None,
                int(row.neq_products or 0),
                int(row.outdated_products or 0),
            )
        )
    return rows
