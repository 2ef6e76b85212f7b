"""What a write did, in words: the summaries of an import and of a merge, for people.

The summaries themselves (``ImportResult.summary()``, ``MergeResult.summary()``) are
for programs (``--json``); these say them in a line or two.
"""

from __future__ import annotations


def summary_count(summary: dict[str, object], key: str) -> int:
    """A count of a write's JSON summary (import, merge): 0 when it is absent.

    >>> summary_count({"rows_read": 3, "kind": "register"}, "rows_read"), summary_count({}, "rows_read")
    (3, 0)
    """
    value = summary.get(key, 0)
    return value if isinstance(value, int) else 0


_IGNORED_WORDS = {
    "blank": ("空行", "blank"),
    "total": ("合计/小计行", "total"),
    "footer": ("表尾说明行", "footer"),
    "note": ("无企业和产品的行", "note"),
}
_NOUNS = {
    "enterprises": ("家企业", "enterprises"),
    "products": ("个产品", "products"),
    "executions": ("条执行标准记录", "product standards"),
}


def import_in_words(summary: dict[str, object], lang: str = "zh") -> list[str]:
    """What an import did, for people: every row read accounted for, then what changed.

    The counts themselves (``enterprises_added`` …) are for programs: ``--json``.
    """

    def n(key: str) -> int:
        return summary_count(summary, key)

    zh = lang == "zh"
    kind = summary["kind"]
    what = ("登记表" if kind == "register" else "标准目录") if zh else str(kind)
    ignored = [(kind_, n(f"rows_ignored_{kind_}")) for kind_ in _IGNORED_WORDS]
    ignored = [(k, c) for k, c in ignored if c]
    if zh:
        verb = "将导入" if summary.get("dry_run") else "导入"
        rows = (
            f"{summary['file']}（{what}，截至 {summary['as_of']}）：读取 {n('rows_read'):,} 行，"
            f"{verb} {n('rows_imported'):,} 行"
        )
        if ignored:
            rows += (
                f"，忽略 {sum(c for _, c in ignored):,} 行（"
                + "、".join(f"{_IGNORED_WORDS[k][0]} {c:,} 行" for k, c in ignored)
                + "）"
            )
        rows += f"，拒绝 {n('rows_rejected'):,} 行"
    else:
        verb = "would import" if summary.get("dry_run") else "imported"
        rows = (
            f"{summary['file']} ({what} as of {summary['as_of']}): {n('rows_read'):,} rows read, "
            f"{n('rows_imported'):,} {verb}"
        )
        if ignored:
            rows += (
                f", {sum(c for _, c in ignored):,} ignored ("
                + ", ".join(f"{c:,} {_IGNORED_WORDS[k][1]}" for k, c in ignored)
                + ")"
            )
        rows += f", {n('rows_rejected'):,} rejected"
    lines = [rows]
    sheets = summary.get("sheets")
    if isinstance(sheets, list) and len(sheets) > 1:
        lines.append(("读取的工作表：" + "、".join(sheets)) if zh else "sheets read: " + ", ".join(sheets))
    unknown = summary.get("unknown_columns")
    if isinstance(unknown, list) and unknown:
        lines.append(
            ("未识别的列（已忽略）：" + "、".join(unknown))
            if zh
            else "unknown columns ignored: " + ", ".join(unknown)
        )
    changes: list[str] = []
    if kind == "register":
        for noun, (word_zh, word_en) in _NOUNS.items():
            added, changed, same = n(noun + "_added"), n(noun + "_changed"), n(noun + "_unchanged")
            dropped = n(noun + "_dropped")
            if zh:
                text = f"新增 {added:,} {word_zh}、变更 {changed:,}、未变 {same:,}"
                changes.append(text + (f"、停用 {dropped:,}" if dropped else ""))
            else:
                text = f"{word_en}: {added:,} added, {changed:,} changed, {same:,} unchanged"
                changes.append(text + (f", {dropped:,} dropped" if dropped else ""))
    if zh:
        changes.append(f"新增标准 {n('standards_added'):,} 个、变更 {n('standards_changed'):,} 个")
    else:
        changes.append(f"standards: {n('standards_added'):,} added, {n('standards_changed'):,} changed")
    if summary.get("same_as_batch"):
        changes.append(
            f"无需导入：与批次 {summary['same_as_batch']} 是同一文件、同一日期"
            if zh
            else f"nothing to do: the same file as of the same date as batch {summary['same_as_batch']}"
        )
    if summary.get("batch_id") is not None:
        changes.append(f"批次 {summary['batch_id']}" if zh else f"batch {summary['batch_id']}")
    lines.append(("；" if zh else "; ").join(changes))
    return lines


def import_line(summary: dict[str, object]) -> str:
    """One line that says what an import did (the refresh log's)."""

    def n(key: str) -> int:
        return summary_count(summary, key)

    verb = "would import" if summary.get("dry_run") else "imported"
    parts = [
        f"{summary['file']}: {summary['kind']} as of {summary['as_of']}, {verb} "
        f"{n('rows_imported'):,} of {n('rows_read'):,} rows"
        + (f" ({n('rows_rejected'):,} rejected)" if n("rows_rejected") else "")
    ]
    if summary["kind"] == "register":
        for noun in ("enterprises", "products", "executions"):
            parts.append(
                f"{noun} +{n(noun + '_added')} ~{n(noun + '_changed')} ={n(noun + '_unchanged')}"
                + (f" -{n(noun + '_dropped')}" if n(noun + "_dropped") else "")
            )
    parts.append(f"standards +{n('standards_added')} ~{n('standards_changed')}")
    if summary.get("same_as_batch"):
        parts.append(f"nothing to do: the same file as of the same date as batch {summary['same_as_batch']}")
    if summary.get("batch_id") is not None:
        parts.append(f"batch {summary['batch_id']}")
    return "; ".join(parts)


def merge_line(summary: dict[str, object]) -> str:
    """One line that says what merging one source did."""

    def n(key: str) -> int:
        return summary_count(summary, key)

    verb = "would merge" if summary["dry_run"] else "merged"
    tables = (
        "enterprise",
        "enterprise_version",
        "enterprise_snapshot",
        "product",
        "product_version",
        "execution",
    )
    rows = " ".join(
        f"{sign}{sum(n(f'{table}_{change}') for table in tables):,}"
        for sign, change in (("+", "added"), ("~", "changed"), ("-", "removed"))
    )
    parts = [
        f"{summary['source']}: {verb} as {summary['region']}",
        f"batches +{n('batches_added')}",
        f"enterprises +{n('enterprise_added')}, products +{n('product_added')}, "
        f"executions +{n('execution_added')}",
        f"rows in all {rows}",
        f"standards +{n('standards_added')} ~{n('standards_changed')}",
    ]
    conflicts = summary.get("conflicts")
    if isinstance(conflicts, list) and conflicts:
        parts.append(f"{len(conflicts)} conflicting enterprises left out")
    return "; ".join(parts)
