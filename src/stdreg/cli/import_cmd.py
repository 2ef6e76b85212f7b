"""``stdreg import``: merge survey spreadsheets into the register."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stdreg.cli.common import (
    AsOfOption,
    Lang,
    LangOption,
    Messages,
    WaitOption,
    YearOption,
    as_of_date,
    options,
    summary_count,
)
from stdreg.errors import UsageError

if TYPE_CHECKING:
    from stdreg.ingest.service import ImportResult


def import_command(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Register files (.xlsx, .xls, .csv, .tsv, .jsonl), imported in order.", show_default=False
        ),
    ] = None,
    as_of: AsOfOption = None,
    year: YearOption = None,
    sheet: Annotated[
        list[str] | None,
        typer.Option(
            "--sheet",
            help="Read only this sheet of a workbook (repeatable); default: every sheet with a "
            "register header.",
            show_default=False,
        ),
    ] = None,
    complete: Annotated[
        bool,
        typer.Option(
            "--complete",
            help="The file lists all products and standards of each of its enterprises: "
            "what it leaves out is dropped as of the date (kept in history).",
        ),
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import the good rows even when some are bad (they still go to the rejects file).",
        ),
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Where to write bad rows and warnings (default: <file>.rejects.xlsx here). "
            "With several files, a folder.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count everything, write nothing.")
    ] = False,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Text encoding of CSV files (default: detected).")
    ] = None,
    wait: WaitOption = 0.0,
    json_summary: Annotated[
        bool, typer.Option("--json", help="Print each file's summary as a JSON line on stdout.")
    ] = False,
    lang: LangOption = Lang.zh,
    revert: Annotated[
        int | None,
        typer.Option(
            "--revert",
            metavar="BATCH_ID",
            help="Instead of importing, undo batch BATCH_ID (an import, catalog or update): what it "
            "inserted goes, what it changed or closed comes back. Refused (exit 3) while later "
            "batches build on it.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import register files (survey spreadsheets) as of a date.

    Exit codes: 0 imported (or reverted); 3 bad rows, nothing written (see the rejects file),
    or --revert refused because later batches build on the batch; 75 another writer holds the
    register; 1 anything else.
    """
    from stdreg.ingest.service import import_file
    from stdreg.outputs import check_output, protect_inputs
    from stdreg.store import open_register, writer_lock

    if revert is not None:
        if files:
            raise UsageError("--revert BATCH_ID undoes a batch: give no files with it")
        _revert(ctx, revert, wait=wait, dry_run=dry_run, json_summary=json_summary)
        return
    if not files:
        raise UsageError("give the files to import (or --revert BATCH_ID)")

    date = as_of_date(as_of, year)
    if rejects is not None and len(files) > 1 and not rejects.is_dir():
        raise UsageError("with several files, --rejects must name an existing folder")
    messages = Messages()
    protect_inputs(files)
    register = open_register(options(ctx).db)
    try:
        targets = [
            rejects / (path.name + ".rejects.xlsx") if rejects is not None and rejects.is_dir() else rejects
            for path in files
        ]
        for target in targets:  # before anything is written
            if target is not None:
                check_output(target)
        with writer_lock(register, wait=wait):
            for path, target in zip(files, targets, strict=True):
                with _progress(messages, path) as progress:
                    result = import_file(
                        register,
                        path,
                        as_of=date,
                        sheets=sheet,
                        encoding=encoding,
                        complete=complete,
                        skip_invalid=skip_invalid,
                        rejects_path=target,
                        dry_run=dry_run,
                        progress=progress,
                    )
                tell(messages, result, json_summary=json_summary, lang=lang)
    finally:
        register.dispose()


def _revert(ctx: typer.Context, batch_id: int, *, wait: float, dry_run: bool, json_summary: bool) -> None:
    from stdreg.kernel.batch import current_user
    from stdreg.kernel.revert import revert_batch
    from stdreg.store import open_register, writer_lock

    register = open_register(options(ctx).db)
    command = f"stdreg import --revert {batch_id}"
    try:
        with writer_lock(register, wait=wait):
            result = revert_batch(register, batch_id, command=command, user=current_user(), dry_run=dry_run)
    finally:
        register.dispose()
    counts = ", ".join(f"{key} {value:,}" for key, value in sorted(result.counts.items()) if value)
    verb = "would revert" if dry_run else "reverted"
    done = f"; batch {result.revert_batch_id}" if result.revert_batch_id is not None else ""
    Messages().info(f"{verb} batch {batch_id}: {counts or 'nothing to undo'}{done}")
    if json_summary:
        summary = {
            "reverted": batch_id,
            "batch_id": result.revert_batch_id,
            "dry_run": dry_run,
            **result.counts,
        }
        typer.echo(json.dumps(summary, ensure_ascii=False))


@contextmanager
def _progress(messages: Messages, path: Path) -> Iterator[Callable[[int], None]]:
    """Rows read so far: a rich progress line on a terminal, a log line per 100,000 rows otherwise."""
    if not messages.tty:

        def log(rows: int) -> None:
            if rows and rows % 100_000 == 0:
                messages.info(f"{path.name}: {rows:,} rows read")

        yield log
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=messages.console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"{path.name}: reading")

        def show(rows: int) -> None:
            bar.update(task, description=f"{path.name}: {rows:,} rows read and checked")

        yield show


def tell(messages: Messages, result: ImportResult, *, json_summary: bool, lang: str = "zh") -> None:
    """What one file's import did, in words: every row read, the changes, where problems went."""
    summary = result.summary()
    for line in in_words(summary, lang):
        messages.info(line)
    zh = lang == "zh"
    if result.rows_rejected:
        messages.problem(
            f"{result.path}：拒绝 {result.rows_rejected:,} 行，见 {result.problems_path}"
            if zh
            else f"{result.path}: {result.rows_rejected:,} rows rejected; see {result.problems_path}"
        )
    elif result.problems_path is not None:
        messages.info(
            f"{result.path}：警告已写入 {result.problems_path}"
            if zh
            else f"{result.path}: warnings written to {result.problems_path}"
        )
    if json_summary:
        typer.echo(json.dumps(summary, ensure_ascii=False))


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


def in_words(summary: dict[str, object], lang: str = "zh") -> list[str]:
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


def describe(summary: dict[str, object]) -> str:
    """One line that says what an import did."""

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
