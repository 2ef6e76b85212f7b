"""Every international standard reference the publishers write is an international standard.

``data/international_references.txt`` holds several hundred references in the
forms ISO's, IEC's, ITU's and the other bodies' catalogs write them, grouped by
form; each must parse, as international, to its canonical code.  Drafts are
refused with a reason of their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stdreg.codes.standard_code import DRAFT, StandardCodeError, is_valid, normalize, parse

CORPUS = Path(__file__).resolve().parent / "data" / "international_references.txt"
REFUSED = "refused: "


def _groups() -> dict[str, list[tuple[str, str]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = groups.setdefault(line[3:], [])
        elif line and not line.startswith("#"):
            assert current is not None, line
            raw, _, canonical = line.partition(" => ")
            current.append((raw, canonical or raw.upper()))
    return groups


GROUPS = _groups()
PUBLISHED = {name: refs for name, refs in GROUPS.items() if not name.startswith(REFUSED)}


def test_corpus_covers_every_form() -> None:
    assert sum(len(refs) for refs in PUBLISHED.values()) >= 450
    assert all(len(refs) >= 8 for refs in GROUPS.values()), {n: len(r) for n, r in GROUPS.items()}


@pytest.mark.parametrize("group", sorted(PUBLISHED))
def test_published_references_parse_as_international(group: str) -> None:
    wrong = {}
    for raw, canonical in PUBLISHED[group]:
        try:
            code = parse(raw)
        except StandardCodeError as exc:
            wrong[raw] = exc.reason
            continue
        if (code.code, code.level) != (canonical, "international"):
            wrong[raw] = f"{code.code} ({code.level})"
        assert normalize(code.code) == code.code
        assert code.adopts is None
    assert not wrong, wrong


@pytest.mark.parametrize("group", sorted(set(GROUPS) - set(PUBLISHED)))
def test_refused_references(group: str) -> None:
    reason = group[len(REFUSED) :]
    for raw, _ in GROUPS[group]:
        with pytest.raises(StandardCodeError) as info:
            parse(raw)
        assert info.value.reason == reason, raw
        assert not is_valid(raw)


def test_draft_reason_is_clear() -> None:
    assert DRAFT == "a draft, not a published standard"
    with pytest.raises(StandardCodeError, match="a draft, not a published standard: 'ISO/DIS 1234'"):
        parse("ISO/DIS 1234")


def test_iec_cispr_is_cispr() -> None:
    # IEC publishes CISPR's standards as their own series: one standard, one key
    assert parse("IEC CISPR 22:2006") == parse("CISPR 22:2006")
    code = parse("CISPR 14-1:2016")
    assert (code.prefix, code.number, code.part, code.year) == ("CISPR", "14", "1", 2016)


def test_dual_number_adopting_cispr() -> None:
    code = parse("GB 4343.1-2009/CISPR 14-1:2005")
    assert code.level == "national" and code.adopts == parse("CISPR 14-1:2005")
    assert parse("GB/T 9254-2008/IEC CISPR 22:2006").adopts == parse("CISPR 22:2006")


def test_best_effort_fields_of_new_forms() -> None:
    assert parse("ITU-T G.652 (11/2016)").year == 2016
    isp = parse("ISO/IEC ISP 10608-1:1992")
    assert (isp.prefix, isp.number, isp.part, isp.year) == ("ISO/IEC", "10608", "1", 1992)
    joint = parse("ISO/HL7 10781:2015")
    assert (joint.prefix, joint.number, joint.year) == ("ISO", "10781", 2015)
    consolidated = parse("IEC 60335-1:2010+AMD1:2013+AMD2:2016 CSV")
    assert (consolidated.number, consolidated.part, consolidated.year) == ("60335", "1", 2010)
