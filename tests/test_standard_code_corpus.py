"""Corpus test: stdreg.codes.standard_code on real scraped data (../shared/realdata/).

The corpus is not part of the project; the tests skip when the folder is absent.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from stdreg.codes.standard_code import StandardCodeError, is_valid, normalize, parse, split_cell

# STDREG_REALDATA points elsewhere when the checkout is not beside ../shared
REALDATA = Path(
    os.environ.get("STDREG_REALDATA") or Path(__file__).resolve().parents[1] / ".." / "shared" / "realdata"
)

pytestmark = pytest.mark.skipif(not REALDATA.is_dir(), reason=f"real-data corpus folder {REALDATA} is absent")

TYPE_LEVEL = {"国家标准": "national", "行业标准": "industry", "地方标准": "local", "团体标准": "group"}


def _load(name: str) -> Path:
    path = REALDATA / name
    if not path.is_file():
        pytest.skip(f"corpus file {path} is absent")
    return path


@pytest.fixture(scope="module")
def sports() -> list[dict[str, object]]:
    data = json.loads(_load("sports_standards_samr.json").read_text(encoding="utf-8"))
    records: list[dict[str, object]] = data["standards"]
    return records


# Codes of sports_standards_samr.json that parse() rejects, each with why it is
# broken.  Every code in that file is a well-formed standard number (the messy
# ones are repaired), so the set is empty; a new entry must be justified here.
SPORTS_REJECTED: dict[str, str] = {}


def test_sports_codes_parse_with_matching_level(sports: list[dict[str, object]]) -> None:
    rejected: dict[str, str] = {}
    mismatched: list[tuple[str, str, object]] = []
    for record in sports:
        raw = str(record["code"])
        try:
            code = parse(raw)
        except StandardCodeError as exc:
            rejected[raw] = exc.reason
            continue
        if code.level != TYPE_LEVEL[str(record["type"])]:
            mismatched.append((raw, code.level, record["type"]))
        assert normalize(code.code) == code.code
    assert set(rejected) == set(SPORTS_REJECTED), rejected
    assert (len(sports) - len(rejected)) / len(sports) >= 0.99
    assert not mismatched
    assert len(sports) == 1339


def test_sports_codes_distinct_after_normalization(sports: list[dict[str, object]]) -> None:
    # 1,339 distinct raw strings; normalization merges only spellings of one standard:
    # "T/HSCA 001.—2017" and "T/HSCA 001-2017" are two records of the same standard
    # (same title, ids THSCA0012017 and THSCA0012017B).
    raws: dict[str, set[str]] = {}
    titles: dict[str, set[str]] = {}
    for record in sports:
        code = normalize(str(record["code"]))
        raws.setdefault(code, set()).add(str(record["code"]))
        titles.setdefault(code, set()).add(str(record["title"]))
    assert {code for code, spellings in raws.items() if len(spellings) > 1} == {"T/HSCA 001-2017"}
    assert all(len(names) == 1 for names in titles.values())


def test_sports_replaced_by(sports: list[dict[str, object]]) -> None:
    values = [str(r["replacedBy"]) for r in sports if r.get("replacedBy")]
    assert len(values) == 95
    tc = [v for v in values if v.startswith("TC")]
    assert len(tc) == 56
    for value in tc:  # a scraper put a technical-committee code in the field
        with pytest.raises(StandardCodeError, match="technical committee"):
            parse(value)
    for value in values:
        if not value.startswith("TC"):
            assert is_valid(value), value
    # the self-referential replacement: same key on both sides
    assert any(
        normalize(str(r["code"])) == normalize(str(r["replacedBy"]))
        for r in sports
        if r.get("replacedBy") and is_valid(str(r["replacedBy"]))
    )


# JIS catalog identifiers that parse() rejects: symbol entries of a standard
# named in words (not standard codes; "JIS Z 8210:2017 SYMBOL 51100" with a
# symbol number is accepted as an identifier).
JIS_REJECTED = {
    "JIS L 0001:2024 SYMBOL Bleaching process",
    "JIS L 0001:2024 SYMBOL Dry cleaning process",
    "JIS L 0001:2024 SYMBOL Full set",
    "JIS L 0001:2024 SYMBOL Ironing process",
    "JIS L 0001:2024 SYMBOL Natural drying process",
    "JIS L 0001:2024 SYMBOL New and revised",
    "JIS L 0001:2024 SYMBOL Tumble drying process",
    "JIS L 0001:2024 SYMBOL Washing process",
    "JIS L 0001:2024 SYMBOL Wet cleaning process",
    "JIS T 62570:2018 SYMBOL MR Icon set",
}


def test_jis_catalog() -> None:
    with _load("jis_relaton_catalog.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 21327
    rejected = set()
    for row in rows:
        raw = row["code"]
        try:
            code = parse(raw)
        except StandardCodeError:
            rejected.add(raw)
            continue
        assert code.level == "foreign", raw
        assert code.code == raw.upper(), raw  # light normalization keeps the year forms
        if raw.startswith("JIS ") and ":" in raw:
            assert code.year is not None, raw
    assert rejected == JIS_REJECTED
    assert (len(rows) - len(rejected)) / len(rows) >= 0.99


# Free text found in the litemall label attributes (not standard codes).
LITEMALL_FREE_TEXT = {"国际标准钢管", "符合RoHs六项检测", "宠物安全指甲剪+指甲锉"}


def test_litemall_label_values() -> None:
    with _load("litemall_goods_attribute_standards.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 133
    standard_rows = [r for r in rows if r["attribute"] in ("执行标准", "产品标准")]
    assert len(standard_rows) == 99
    parsed = []
    for row in standard_rows:
        fragments = split_cell(row["value"])
        assert fragments, row
        for fragment in fragments:
            parsed.append(parse(fragment).code)  # every fragment of these rows is a code
    assert "GB 18401-2010" in parsed and "Q/PM 003-2016" in parsed
    assert parsed.count("QB/T 2972-2008") == 2  # "QB/T2972-2008" and "QB/T 2972-2008"
    two = [split_cell(r["value"]) for r in standard_rows if "\n" in r["value"]]
    assert two and all(f == ["Q/PM001-2016", "Q/PM003-2016"] for f in two)
    for row in rows:
        for fragment in split_cell(row["value"]):
            if fragment in LITEMALL_FREE_TEXT:
                assert not is_valid(fragment), fragment
            else:
                assert is_valid(fragment), fragment
    assert {r["value"] for r in rows} & LITEMALL_FREE_TEXT == LITEMALL_FREE_TEXT
