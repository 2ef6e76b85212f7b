"""The history of an enterprise or a standard, told from its rows and the change log.

Every state each row went through is rebuilt: as inserted (its ``batch_id``), then
before and after each change the log recorded; the states add up to a timeline of
changes (old → new, as of which date, from which file or command line), in the
language asked for (``stdreg history``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, text

from stdreg.errors import UsageError
from stdreg.kernel.bulk import Bulk
from stdreg.kernel.changelog import CORRECTION, REVERT, iso
from stdreg.kernel.tables import BOOLEAN_COLUMNS, OWNER, ROW_COLUMNS, STANDARD_FACTS, VERSION_FIELDS
from stdreg.models import ENTERPRISE_FIELDS, PRODUCT_FIELDS

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

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
                    for said in texts:
                        if said:
                            seq += 1
                            found.append(
                                self.row(
                                    entry.batch_id,
                                    date,
                                    (_say("correction", self.lang) if correction else "") + said,
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
