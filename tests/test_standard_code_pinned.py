"""A code that parses keeps its normalized form: registers hold normalized codes as keys.

``data/pinned_codes.json`` maps every string of the tests, the sample data and the
benchmark generator that parsed when the pin was taken (and every fragment
``split_cell`` made of them) to its code and level then.  The real-data corpora
(../shared/realdata/, not part of the project) are pinned by a digest of their
sorted ``raw, code, level`` lines, over the codes that parsed.  A change here
changes register keys: it needs a migration, not a new pin.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path

import pytest

from stdreg.codes.standard_code import StandardCodeError, parse, split_cell

PINNED = Path(__file__).resolve().parent / "data" / "pinned_codes.json"
# STDREG_REALDATA points elsewhere when the checkout is not beside ../shared
REALDATA = Path(
    os.environ.get("STDREG_REALDATA") or Path(__file__).resolve().parents[1] / ".." / "shared" / "realdata"
)


def test_pinned_codes_keep_their_normalized_form() -> None:
    pins: dict[str, list[str]] = json.loads(PINNED.read_text(encoding="utf-8"))
    assert len(pins) > 1200
    changed = {}
    for raw, (code, level) in pins.items():
        try:
            parsed = parse(raw)
        except StandardCodeError as exc:
            changed[raw] = exc.reason
            continue
        if (parsed.code, parsed.level) != (code, level):
            changed[raw] = f"{parsed.code} ({parsed.level}), was {code} ({level})"
    assert not changed, changed


def _digest(raws: list[str]) -> tuple[int, str]:
    lines = []
    for raw in sorted(set(raws)):
        try:
            code = parse(raw)
        except StandardCodeError:
            continue
        lines.append(f"{raw}\t{code.code}\t{code.level}")
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _corpus(name: str) -> Path:
    path = REALDATA / name
    if not path.is_file():
        pytest.skip(f"corpus file {path} is absent")
    return path


def test_sports_corpus_pinned() -> None:
    records = json.loads(_corpus("sports_standards_samr.json").read_text(encoding="utf-8"))["standards"]
    raws = [str(r["code"]) for r in records] + [str(r["replacedBy"]) for r in records if r.get("replacedBy")]
    assert _digest(raws) == (1339, "948b20faa89c7d2bd66be28b8e6334b5d9779212b8b9a96681cbddba47dcd68f")


def test_jis_corpus_pinned() -> None:
    with _corpus("jis_relaton_catalog.csv").open(encoding="utf-8", newline="") as handle:
        raws = [row["code"] for row in csv.DictReader(handle)]
    assert _digest(raws) == (21317, "42159191294b235d8ea888c35bc4afca8f65ce54b823f4e5ae7befeae5d7dae1")


def test_litemall_corpus_pinned() -> None:
    with _corpus("litemall_goods_attribute_standards.csv").open(encoding="utf-8", newline="") as handle:
        raws = []
        for row in csv.DictReader(handle):
            raws.append(row["value"])
            raws.extend(split_cell(row["value"]))
    assert _digest(raws) == (40, "7ebcca735e78886978059ffc4f7fdf32064a6dda6aee2816782bf2b6d5b1096e")
