"""Tests for stdreg.codes.standard_code: examples, data files and properties."""

from __future__ import annotations

import contextlib
import csv
import doctest
import importlib.resources
import io
import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stdreg.codes import standard_code
from stdreg.codes.standard_code import (
    LEVELS,
    StandardCode,
    StandardCodeError,
    is_valid,
    issuer_info,
    level_of_prefix,
    normalize,
    parse,
    split_cell,
)


def _rows(name: str) -> list[dict[str, str]]:
    text = importlib.resources.files("stdreg.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_doctests() -> None:
    result = doctest.testmod(standard_code)
    assert result.attempted > 10
    assert result.failed == 0


# --------------------------------------------------------------- examples

# (raw, canonical code, level, nature, number, part, year)
EXAMPLES = [
    # DOMAIN.md §1 messy variants
    ("ＧＢ／Ｔ１２３４－２００８", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB∕T 1234-2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GBT 1234-2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB-T 1234-2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB /T 1234-2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB/ T 1234-2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("gb/t 1234-2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB/T1234-2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB/T    1234 - 2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB/T 1234–2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB/T 1234—2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB/T 1234―2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB/T 1234‐2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB/T 1234−2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB/T 1234﹘2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB/T 1234﹣2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB/T 1234一2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("GB/T 1.1—2020", "GB/T 1.1-2020", "national", "recommended", "1", "1", 2020),
    ("GB/T 2828.1-2012", "GB/T 2828.1-2012", "national", "recommended", "2828", "1", 2012),
    ("GB/T 1234", "GB/T 1234", "national", "recommended", "1234", None, None),
    ("GB/T 1234-2008《某某产品》", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("执行标准：GB/T 1234-2008", "GB/T 1234-2008", "national", "recommended", "1234", None, 2008),
    ("标准号:GB 1234-89", "GB 1234-1989", "national", "mandatory", "1234", None, 1989),
    ("GB 1234-02", "GB 1234-2002", "national", "mandatory", "1234", None, 2002),
    ("GB 4806.1-2016", "GB 4806.1-2016", "national", "mandatory", "4806", "1", 2016),
    ("GB/Z 40836-2021", "GB/Z 40836-2021", "national", "guidance", "40836", None, 2021),
    ("GBZ 2.1-2019", "GBZ 2.1-2019", "national", "mandatory", "2", "1", 2019),
    ("GBZ/T 229.1-2010", "GBZ/T 229.1-2010", "national", "recommended", "229", "1", 2010),
    ("GSB 04-2841-2011", "GSB 04-2841-2011", "national", None, "04-2841", None, 2011),
    ("GJB 9001C-2017", "GJB 9001C-2017", "national", "mandatory", "9001C", None, 2017),
    ("JJF 1059.1-2012", "JJF 1059.1-2012", "national", "recommended", "1059", "1", 2012),
    ("JJG 1036-2008", "JJG 1036-2008", "national", "mandatory", "1036", None, 2008),
    ("TSG D0001-2009", "TSG D0001-2009", "national", "mandatory", "D0001", None, 2009),
    ("QB/T 1002-2015", "QB/T 1002-2015", "industry", "recommended", "1002", None, 2015),
    ("QBT 1002-2015", "QB/T 1002-2015", "industry", "recommended", "1002", None, 2015),
    ("QB 1468-1992", "QB 1468-1992", "industry", "mandatory", "1468", None, 1992),
    ("NB/SH/T 0001-2019", "NB/SH/T 0001-2019", "industry", "recommended", "0001", None, 2019),
    ("JGJ/T 98-2010", "JGJ/T 98-2010", "industry", "recommended", "98", None, 2010),
    ("JTG D60-2015", "JTG D60-2015", "industry", "mandatory", "D60", None, 2015),
    ("CJJ 1-2008", "CJJ 1-2008", "industry", "mandatory", "1", None, 2008),
    ("DB/T 15-2009", "DB/T 15-2009", "industry", "recommended", "15", None, 2009),
    ("CECS 21:2000", "CECS 21:2000", "group", None, "21", None, 2000),
    ("CECS 21-2000", "CECS 21:2000", "group", None, "21", None, 2000),
    ("DB33/T 1234-2021", "DB33/T 1234-2021", "local", "recommended", "1234", None, 2021),
    ("DB33T 1234-2021", "DB33/T 1234-2021", "local", "recommended", "1234", None, 2021),
    ("DB3301/T 0001-2020", "DB3301/T 0001-2020", "local", "recommended", "0001", None, 2020),
    ("DB33/ 393-2003", "DB33/ 393-2003", "local", "mandatory", "393", None, 2003),
    ("DB33/393-03", "DB33/ 393-2003", "local", "mandatory", "393", None, 2003),
    ("DB33 393-2003", "DB33/ 393-2003", "local", "mandatory", "393", None, 2003),
    ("DBJ33/T 1015-2015", "DBJ33/T 1015-2015", "local", "recommended", "1015", None, 2015),
    ("T/XZYC 0055-2024", "T/XZYC 0055-2024", "group", None, "0055", None, 2024),
    ("T/ZZB 0001-2020", "T/ZZB 0001-2020", "group", None, "0001", None, 2020),
    ("Q/ABCDE 0001-2008", "Q/ABCDE 0001-2008", "enterprise", None, "0001", None, 2008),
    ("Q/LYHD 001-08", "Q/LYHD 001-2008", "enterprise", None, "001", None, 2008),
    ("Q/XXX/J 001-2008", "Q/XXX/J 001-2008", "enterprise", None, "001", None, 2008),
    ("q/xxx/j001-2008", "Q/XXX/J 001-2008", "enterprise", None, "001", None, 2008),
    ("Q/320582 JDG 001-2015", "Q/320582JDG 001-2015", "enterprise", None, "001", None, 2015),
    ("GB 1499.1-2008/XG1-2012", "GB 1499.1-2008/XG1-2012", "national", "mandatory", "1499", "1", 2008),
    # international and foreign
    ("ISO 9001:2015", "ISO 9001:2015", "international", None, "9001", None, 2015),
    ("ISO 9001：2015", "ISO 9001:2015", "international", None, "9001", None, 2015),
    ("iso9001 : 2015", "ISO 9001:2015", "international", None, "9001", None, 2015),
    ("ISO 536-2019", "ISO 536:2019", "international", None, "536", None, 2019),
    ("ISO 8124-1:2018", "ISO 8124-1:2018", "international", None, "8124", "1", 2018),
    ("ISO 8124-1-2018", "ISO 8124-1:2018", "international", None, "8124", "1", 2018),
    ("IEC 61000-4-2", "IEC 61000-4-2", "international", None, "61000", "4-2", None),
    ("ISO/IEC 27001:2022", "ISO/IEC 27001:2022", "international", None, "27001", None, 2022),
    (
        "ISO/TS 16949:2009/Amd 1:2021",
        "ISO/TS 16949:2009/AMD 1:2021",
        "international",
        None,
        "16949",
        None,
        2009,
    ),
    ("ITU-T G.652", "ITU-T G.652", "international", None, "G.652", None, None),
    ("CAC/GL 2-1985", "CAC/GL 2-1985", "international", None, "2", None, 1985),
    ("EN 71-1:2014+A1:2018", "EN 71-1:2014+A1:2018", "foreign", None, "71", "1", 2014),
    ("BS EN 71-1:2014", "BS EN 71-1:2014", "foreign", None, "71", "1", 2014),
    ("DIN EN 10204:2005-01", "DIN EN 10204:2005-01", "foreign", None, "10204", None, 2005),
    ("JIS C 8201-1:2007", "JIS C 8201-1:2007", "foreign", None, "C 8201", "1", 2007),
    ("ASTM F963-17a", "ASTM F963-17A", "foreign", None, "F963", None, 2017),
    ("ASTM F 963-17a", "ASTM F963-17A", "foreign", None, "F963", None, 2017),
    ("ASTM A193/A193M-07", "ASTM A193/A193M-07", "foreign", None, "A193", None, 2007),
    ("ANSI/UL 94", "ANSI/UL 94", "foreign", None, "94", None, None),
    ("AS/NZS 3112:2017", "AS/NZS 3112:2017", "foreign", None, "3112", None, 2017),
    ("IEEE 802.3-2018", "IEEE 802.3-2018", "foreign", None, "802.3", None, 2018),
    # realdata/README.md, the 30 raw strings (#19, #26 and #28 are in the error/split tests)
    ("DB 37/T 2904-2019", "DB37/T 2904-2019", "local", "recommended", "2904", None, 2019),
    ("DB 3307/T 98—2019", "DB3307/T 98-2019", "local", "recommended", "98", None, 2019),
    ("DB32／T 4412-2022", "DB32/T 4412-2022", "local", "recommended", "4412", None, 2022),
    ("DB14/ T 1763-2018", "DB14/T 1763-2018", "local", "recommended", "1763", None, 2018),
    ("DB13/T\n5651.5-2023", "DB13/T 5651.5-2023", "local", "recommended", "5651", "5", 2023),
    ("DB3303/T013-2020", "DB3303/T 013-2020", "local", "recommended", "013", None, 2020),
    ("DB14/T2039-2020", "DB14/T 2039-2020", "local", "recommended", "2039", None, 2020),
    ("DB12/ 684-2016", "DB12/ 684-2016", "local", "mandatory", "684", None, 2016),
    ("DB4401/T 10.15—2020", "DB4401/T 10.15-2020", "local", "recommended", "10", "15", 2020),
    ("DB3701/T 0005.8—2019", "DB3701/T 0005.8-2019", "local", "recommended", "0005", "8", 2019),
    ("T/BSSF  0001—2024", "T/BSSF 0001-2024", "group", None, "0001", None, 2024),
    ("T/CSGF T/CSGF024—2023", "T/CSGF 024-2023", "group", None, "024", None, 2023),
    ("T/DLSHXH T/DLSHXH 001--2017", "T/DLSHXH 001-2017", "group", None, "001", None, 2017),
    ("T/HSCA 001.—2017", "T/HSCA 001-2017", "group", None, "001", None, 2017),
    ("T/XCFW TG06-011.3—2023", "T/XCFW TG06-011.3-2023", "group", None, "TG06-011", "3", 2023),
    ("T/PTSHOES GS001—2017", "T/PTSHOES GS001-2017", "group", None, "GS001", None, 2017),
    ("JYT 0629-2020", "JY/T 0629-2020", "industry", "recommended", "0629", None, 2020),
    ("T/NBTCL 1—2022", "T/NBTCL 1-2022", "group", None, "1", None, 2022),
    ("T/NBTCL 1—2023", "T/NBTCL 1-2023", "group", None, "1", None, 2023),
    ("GB/T 19851.11-2005", "GB/T 19851.11-2005", "national", "recommended", "19851", "11", 2005),
    ("GB 9668-1996", "GB 9668-1996", "national", "mandatory", "9668", None, 1996),
    ("GB18401-2010 B类", "GB 18401-2010", "national", "mandatory", "18401", None, 2010),
    ("GB18401-2010 A类", "GB 18401-2010", "national", "mandatory", "18401", None, 2010),
    ("GB 18401-2010（C类）", "GB 18401-2010", "national", "mandatory", "18401", None, 2010),
    # a typo for GB 18401 and a wrong year: syntactically valid, only a catalog can tell
    ("GB 8401-2010 B类", "GB 8401-2010", "national", "mandatory", "8401", None, 2010),
    ("GB 18401-2009 B类", "GB 18401-2009", "national", "mandatory", "18401", None, 2009),
    ("GB/T22796-2009", "GB/T 22796-2009", "national", "recommended", "22796", None, 2009),
    ("QB/T2972-2008", "QB/T 2972-2008", "industry", "recommended", "2972", None, 2008),
    ("QB/T 2972-2008", "QB/T 2972-2008", "industry", "recommended", "2972", None, 2008),
    ("Q/PM001-2016", "Q/PM 001-2016", "enterprise", None, "001", None, 2016),
    ("Q/PM003-2016", "Q/PM 003-2016", "enterprise", None, "003", None, 2016),
    ("GB 9688-1988", "GB 9688-1988", "national", "mandatory", "9688", None, 1988),
    (
        "JIS A 0203:2019/AMENDMENT 1:2022",
        "JIS A 0203:2019/AMENDMENT 1:2022",
        "foreign",
        None,
        "A 0203",
        None,
        2019,
    ),
    ("TS A 0006:2004", "TS A 0006:2004", "foreign", None, "A 0006", None, 2004),
    ("TR A 0001:1996", "TR A 0001:1996", "foreign", None, "A 0001", None, 1996),
]


@pytest.mark.parametrize(("raw", "code", "level", "nature", "number", "part", "year"), EXAMPLES, ids=repr)
def test_examples(
    raw: str,
    code: str,
    level: str,
    nature: str | None,
    number: str,
    part: str | None,
    year: int | None,
) -> None:
    parsed = parse(raw)
    assert (parsed.code, parsed.level, parsed.nature, parsed.number, parsed.part, parsed.year) == (
        code, level, nature, number, part, year
    )  # fmt: skip
    assert normalize(raw) == code
    assert is_valid(raw)
    assert parse(code) == parsed
    assert level_of_prefix(parsed.prefix) == level
    assert parsed.adopts is None
    assert str(parsed) == code


@pytest.mark.parametrize(
    ("raw", "prefix"),
    [
        ("GB/T 1234-2008", "GB"),
        ("GB 4806.1-2016", "GB"),
        ("GBZ 2.1-2019", "GBZ"),
        ("QB/T 2972-2008", "QB"),
        ("DB33/T 1234-2021", "DB33"),
        ("DB3301/T 0001-2020", "DB3301"),
        ("DB12/ 684-2016", "DB12"),
        ("T/ZZB 0001-2020", "T/ZZB"),
        ("Q/LYHD 001-2008", "Q/LYHD"),
        ("Q/XXX/J 001-2008", "Q/XXX"),
        ("ISO 536:2019", "ISO"),
        ("ISO/IEC 27001:2022", "ISO/IEC"),
        ("ISO/TS 16949:2009", "ISO"),
        ("ASTM F963-17A", "ASTM"),
        ("BS EN 71-1:2014", "BS EN"),
    ],
)
def test_prefix(raw: str, prefix: str) -> None:
    assert parse(raw).prefix == prefix


def test_mandatory_local_variants_agree() -> None:
    variants = [
        "DB12/ 684-2016", "DB12/684-2016", "DB12 684-2016", "DB 12/684-2016", "DB 12 684-2016",
        "DB12 / 684—2016", "db12/ 684-16", "ＤＢ１２／６８４－２０１６", "DB12∕684-2016",
    ]  # fmt: skip
    assert {normalize(v) for v in variants} == {"DB12/ 684-2016"}


def test_gbz_is_not_gb_z() -> None:
    occupational, guidance = parse("GBZ 2.1-2019"), parse("GB/Z 2.1-2019")
    assert occupational.code != guidance.code
    assert (occupational.prefix, occupational.nature) == ("GBZ", "mandatory")
    assert (guidance.prefix, guidance.nature) == ("GB", "guidance")
    assert normalize("GB-Z 2.1-2019") == "GB/Z 2.1-2019"


def test_db_industry_is_not_local() -> None:
    assert parse("DB/T 15-2009").level == "industry"
    assert parse("DBT 15-2009").code == "DB/T 15-2009"
    assert parse("DB15/T 15-2009").level == "local"


def test_dual_number() -> None:
    code = parse("GB/T 19001-2016/ISO 9001:2015")
    assert code.code == "GB/T 19001-2016/ISO 9001:2015"
    assert (code.prefix, code.level, code.nature, code.number, code.year) == (
        "GB", "national", "recommended", "19001", 2016
    )  # fmt: skip
    assert code.adopts == parse("ISO 9001:2015")
    assert normalize("gb/t19001—2016 / iso 9001-2015") == code.code
    industry = parse("YY/T 0287-2017/ISO 13485:2016")
    assert industry.level == "industry"
    assert industry.adopts is not None and industry.adopts.code == "ISO 13485:2016"
    assert parse("GB/T 1234-2008/ISO/IEC 17025:2005").adopts == parse("ISO/IEC 17025:2005")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("见附件", "names no standard code"),
        ("GB/T", "names no standard code"),
        ("国际标准钢管", "names no standard code"),
        ("符合RoHs六项检测", "names no standard code"),
        ("宠物安全指甲剪+指甲锉", "names no standard code"),
        ("TC291", "technical committee"),
        ("TC 456", "technical committee"),
        ("SAC/TC291/SC1", "technical committee"),
        ("XX/T 1234-2008", "unknown issuer prefix 'XX'"),
        ("ABC 1234-2008", "unknown issuer prefix 'ABC'"),
        ("DB99/T 1-2020", "unknown province code '99'"),
        ("DB71/T 1-2020", "issues no local standards"),
        ("DB331234-2021", "malformed local"),
        ("DB 1234-2008", "malformed local"),
        ("DB-2019", "province code"),
        ("GB 1234-1850", "out of range"),
        ("GB 1234-200", "2 or 4 digits"),
        ("GB 50254~50259-96", "unexpected characters"),
        ("GB/T 1234-2008 代替 GB/T 1234-2000", "unexpected characters"),
        ("Q/PM001-2016\nQ/PM003-2016", "enterprise"),
        ("GB/T 1234-2008 GB/T 5678-2009", "malformed serial"),
        ("ISO 9001 certified", "unexpected word 'CERTIFIED'"),
        ("JIS L 0001:2024 SYMBOL Bleaching process", "unexpected word"),
        ("TS 1234", "division letter"),
        ("Q/EN 001-2008/ISO 9001:2015", "dual number"),
        ("x" * 1000, "too long"),
    ],
)
def test_errors(raw: str, reason: str) -> None:
    with pytest.raises(StandardCodeError) as info:
        parse(raw)
    assert info.value.text == raw or len(raw) > 500
    assert reason in info.value.reason
    assert not is_valid(raw)
    with pytest.raises(ValueError):
        normalize(raw)


def test_error_attributes_and_pickle() -> None:
    exc = StandardCodeError("GB/T", "no serial number")
    assert isinstance(exc, ValueError)
    assert (exc.text, exc.reason) == ("GB/T", "no serial number")
    again = pickle.loads(pickle.dumps(exc))
    assert (again.text, again.reason) == (exc.text, exc.reason)


def test_readme_replacement_pairs() -> None:
    # 18: a group standard superseded one year later: two distinct keys
    assert normalize("T/NBTCL 1—2022") != normalize("T/NBTCL 1—2023")
    # 19: a TC code in the replacement field is not a standard
    assert not is_valid("TC291")
    # 20: self-replacement: both sides have the same key (the caller must catch it)
    assert normalize("GB 9668-1996") == normalize("GB 9668-1996 ")


def test_standard_code_is_frozen_and_hashable() -> None:
    code = parse("GB/T 1234-2008")
    assert isinstance(code, StandardCode)
    assert code.dated and not parse("GB/T 1234").dated
    with pytest.raises(AttributeError):
        code.code = "x"  # type: ignore[misc]
    assert len({code, parse("GBT1234-2008")}) == 1


def test_levels_order() -> None:
    assert LEVELS == (
        "international", "foreign", "national", "industry", "local", "group", "enterprise"
    )  # fmt: skip


def test_level_of_prefix_unknown() -> None:
    with pytest.raises(StandardCodeError):
        level_of_prefix("XX")


# ----------------------------------------------------------- split_cell


@pytest.mark.parametrize(
    ("cell", "fragments"),
    [
        ("", []),
        ("  \n ", []),
        ("GB/T 22844-2009", ["GB/T 22844-2009"]),
        ("Q/PM001-2016\nQ/PM003-2016", ["Q/PM001-2016", "Q/PM003-2016"]),
        ("Q/PM001-2016\r\nQ/PM003-2016", ["Q/PM001-2016", "Q/PM003-2016"]),
        ("DB13/T\n5651.5-2023", ["DB13/T\n5651.5-2023"]),
        (
            "GB/T 1234-2008、GB 18401-2010 B类；QB/T 2972-2008",
            ["GB/T 1234-2008", "GB 18401-2010 B类", "QB/T 2972-2008"],
        ),
        ("GB/T 1234-2008; GB/T 1234-2008", ["GB/T 1234-2008", "GB/T 1234-2008"]),
        ("GB/T 1234-2008，ISO 9001:2015,EN 71-1:2014", ["GB/T 1234-2008", "ISO 9001:2015", "EN 71-1:2014"]),
        ("GB/T 19001-2016/ISO 9001:2015", ["GB/T 19001-2016/ISO 9001:2015"]),
        ("ASTM A193/A193M-07", ["ASTM A193/A193M-07"]),
        ("GB/T 19001-2016\n/ISO 9001:2015", ["GB/T 19001-2016\n/ISO 9001:2015"]),
        ("执行标准：\nGB/T 1234-2008", ["执行标准：\nGB/T 1234-2008"]),
        ("GB 18401-2010\nB类", ["GB 18401-2010\nB类"]),
        ("T/CSGF\nT/CSGF024—2023", ["T/CSGF\nT/CSGF024—2023"]),
        ("见附件", ["见附件"]),
        ("GB/T 1234-2008、见附件", ["GB/T 1234-2008", "见附件"]),
        ("GB/T 1234-2008 及 GB/T 5678-2009", ["GB/T 1234-2008 及 GB/T 5678-2009"]),
        ("GB/T 1234-2008 GB 18401-2010 B类", ["GB/T 1234-2008", "GB 18401-2010 B类"]),
        ("Q/PM001-2016 Q/PM003-2016", ["Q/PM001-2016", "Q/PM003-2016"]),
    ],
)
def test_split_cell(cell: str, fragments: list[str]) -> None:
    assert split_cell(cell) == fragments


def test_split_cell_line_break_in_code_normalizes() -> None:
    assert [normalize(f) for f in split_cell("DB13/T\n5651.5-2023、DB14/ T 1763-2018")] == [
        "DB13/T 5651.5-2023", "DB14/T 1763-2018"
    ]  # fmt: skip


# ------------------------------------------------------------ data files


def test_industry_codes_file() -> None:
    rows = _rows("industry_codes.csv")
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    assert {r["level"] for r in rows} <= {"national", "industry", "group"}
    assert {r["confirmed"] for r in rows} <= {"yes", "no"}
    assert {r["status"] for r in rows} <= {"current", "candidate", "legacy"}
    current = [r for r in rows if r["level"] == "industry" and r["status"] == "current"]
    confirmed = {r["code"] for r in current if r["confirmed"] == "yes"}
    assert len(confirmed) == 71  # the std.samr.gov.cn industry filter (DOMAIN.md §2)
    assert {"QB", "FZ", "JY", "TY", "DB", "ZY", "YJ"} <= confirmed
    candidates = {r["code"] for r in rows if r["status"] == "candidate"}
    assert candidates == {"KA", "MR", "RF", "JS", "GF"}
    assert all(r["confirmed"] == "no" for r in rows if r["status"] == "candidate")
    assert {"TJ", "ZB", "SG", "SD"} <= {r["code"] for r in rows if r["status"] == "legacy"}
    national = {r["code"] for r in rows if r["level"] == "national"}
    assert {"GB", "GBZ", "GSB", "GJB", "JJF", "JJG", "TSG"} <= national
    assert "regulation" in next(r["note"] for r in rows if r["code"] == "TSG")
    assert next(r for r in rows if r["code"] == "CECS")["level"] == "group"
    for code in ("JGJ", "CJJ", "JTG", "CECS"):
        assert next(r for r in rows if r["code"] == code)["confirmed"] == "no"


def test_province_codes_file() -> None:
    rows = _rows("province_codes.csv")
    assert len(rows) == 34
    assert {r["code"] for r in rows if r["issues_db"] == "no"} == {"71", "81", "82"}
    assert next(r for r in rows if r["code"] == "33")["name_zh"] == "浙江"


def test_standard_bodies_file() -> None:
    rows = _rows("standard_bodies.csv")
    levels = {r["prefix"]: r["level"] for r in rows}
    assert len(levels) == len(rows)
    for prefix in ("ISO", "IEC", "ISO/IEC", "ITU-T", "ITU-R", "CAC", "OIML", "BIPM", "CISPR", "IWA"):
        assert levels[prefix] == "international"
    for prefix in (
        "EN",
        "BS",
        "BS EN",
        "DIN",
        "DIN EN",
        "JIS",
        "NF",
        "ANSI",
        "ASTM",
        "ASME",
        "API",
        "UL",
        "ANSI/UL",
        "IEEE",
        "AS/NZS",
        "SAE",
        "CSA",
        "KS",
        "GOST",
        "NFPA",
    ):
        assert levels[prefix] == "foreign", prefix
    assert {r["confirmed"] for r in rows} <= {"yes", "no"}
    aliases = {r["prefix"]: r["written_for"] for r in rows if r["written_for"]}
    assert aliases == {"IEC CISPR": "CISPR"}
    assert all(levels[alias] == levels[body] for alias, body in aliases.items())


def test_issuer_info() -> None:
    info = issuer_info("KA")
    assert info is not None and info.status == "candidate" and not info.confirmed
    gbz = issuer_info("GBZ")
    assert gbz is not None and "GB/Z" in gbz.note
    assert issuer_info("XX") is None


# ------------------------------------------------------------ properties

_ISSUERS = [r for r in _rows("industry_codes.csv") if r["level"] in ("national", "industry")]
_PROVINCES = [r["code"] for r in _rows("province_codes.csv") if r["issues_db"] == "yes"]
_DASHES = [
    "-",
    "\u2010",
    "\u2011",
    "\u2012",
    "\u2013",
    "\u2014",
    "\u2015",
    "\u2212",
    "\ufe58",
    "\ufe63",
    "\uff0d",
    "一",
]
_SLASHES = ["/", "\u2215", "\uff0f", " /", "/ ", " / "]
_SPACES = ["", " ", "  ", "\u3000", "\n"]

_serial = st.from_regex(r"\A[0-9]{1,5}\Z")
_part = st.none() | st.from_regex(r"\A[0-9]{1,2}(\.[0-9]{1,2})?\Z")
_year = st.none() | st.integers(1950, 2049)
_letters = st.from_regex(r"\A[A-Z]{2,8}\Z")


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@st.composite
def _messy(draw: st.DrawFn, text: str) -> str:
    """Random full-width, lower case and extra spaces on a rendering."""
    if draw(st.booleans()):
        text = text.lower()
    if draw(st.booleans()):
        text = _fullwidth(text)
    return draw(st.sampled_from(["", " ", "\t"])) + text + draw(st.sampled_from(["", "  "]))


@st.composite
def _chinese(draw: st.DrawFn) -> tuple[str, str]:
    """(clean code, messy rendering) for national, industry and local codes."""
    serial, part, year = draw(_serial), draw(_part), draw(_year)
    tail = serial + (f".{part}" if part else "")
    dash = draw(st.sampled_from(_DASHES))
    two = year is not None and draw(st.booleans())
    messy_tail = draw(st.sampled_from([".", " .", ". ", " . "])).join(tail.split("."))
    if year is not None:
        messy_tail += dash + (f"{year % 100:02d}" if two else str(year))
    space = draw(st.sampled_from(_SPACES))
    if draw(st.booleans()):
        row = draw(st.sampled_from(_ISSUERS))
        base = row["code"]
        nat = draw(st.sampled_from([None, "T", "Z"] if base != "DB" else ["T", "Z"]))
        issuer = base + (f"/{nat}" if nat else "")
        clean = f"{issuer} {tail}" + (f"-{year}" if year else "")
        if nat == "T" and draw(st.booleans()):
            messy_issuer = draw(st.sampled_from([f"{base}T", f"{base}-T"]))
        elif nat:
            messy_issuer = base + draw(st.sampled_from(_SLASHES)) + nat
        else:
            messy_issuer = base
            space = space or draw(st.sampled_from(["", " "]))
        return clean, draw(_messy(messy_issuer + space + messy_tail))
    area = draw(st.sampled_from(_PROVINCES)) + draw(st.sampled_from(["", "01", "02", "10"]))
    nat = draw(st.sampled_from([None, "T", "Z"]))
    clean = f"DB{area}/{nat or ''} {tail}" + (f"-{year}" if year else "")
    db = draw(st.sampled_from(["DB", "DB "]))
    if nat:
        sep = draw(st.sampled_from([*_SLASHES, ""])) + nat
    else:
        sep = draw(st.sampled_from(["/", "/ ", " "]))
        space = space or " "
    return clean, draw(_messy(db + area + sep + space + messy_tail))


@st.composite
def _group_or_enterprise(draw: st.DrawFn) -> tuple[str, str]:
    org, serial, part = draw(_letters), draw(_serial), draw(_part)
    year = draw(st.none() | st.integers(2000, 2049))
    tail = serial + (f".{part}" if part else "")
    dash = draw(st.sampled_from(_DASHES[:-1] + ["--", ".-", ".—"]))
    messy_tail = tail + (dash + str(year) if year else "")
    if draw(st.booleans()):
        clean = f"T/{org} {tail}" + (f"-{year}" if year else "")
        head = draw(st.sampled_from([f"T/{org} ", f"T/{org}", f"T/{org} T/{org}", f"T / {org}  "]))
    else:
        clean = f"Q/{org} {tail}" + (f"-{year}" if year else "")
        head = draw(st.sampled_from([f"Q/{org} ", f"Q/{org}", f"Q／{org}  "]))
    return clean, draw(_messy(head + messy_tail))


@st.composite
def _international(draw: st.DrawFn) -> tuple[str, str]:
    body = draw(st.sampled_from(["ISO", "IEC", "ISO/IEC"]))
    serial = draw(st.from_regex(r"\A[1-9][0-9]{0,5}\Z"))
    part = draw(st.none() | st.from_regex(r"\A[1-9][0-9]?(-[1-9][0-9]?)?\Z"))
    year = draw(st.none() | st.integers(1950, 2049))
    head = serial + (f"-{part}" if part else "")
    clean = f"{body} {head}" + (f":{year}" if year else "")
    sep = draw(st.sampled_from([":", "：", " : ", "-", "\u2014"]))
    messy = body + draw(st.sampled_from(["", " ", "  "])) + head + (f"{sep}{year}" if year else "")
    return clean, draw(_messy(messy))


_valid_codes = _chinese() | _group_or_enterprise() | _international()
_PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(_valid_codes)
def test_messy_rendering_normalizes_to_clean_code(pair: tuple[str, str]) -> None:
    clean, messy = pair
    assert normalize(clean) == clean
    assert normalize(messy) == clean, messy
    assert [normalize(fragment) for fragment in split_cell(messy)] == [clean]


@_PROPERTY
@given(
    st.lists(_valid_codes, min_size=1, max_size=4),
    st.sampled_from(["、", "；", ";", "，", ",", "\n", "\r\n"]),
)
def test_split_cell_recovers_codes(pairs: list[tuple[str, str]], sep: str) -> None:
    cell = sep.join(messy for _, messy in pairs)
    assert [normalize(f) for f in split_cell(cell)] == [clean for clean, _ in pairs]


_code_like = st.lists(
    st.sampled_from(
        [
            "GB",
            "/",
            "T",
            "Z",
            "Q/",
            "T/",
            "DB",
            "33",
            "3301",
            " ",
            "-",
            "—",
            "一",
            ".",
            ":",
            "2008",
            "89",
            "1234",
            "1",
            "ISO",
            "IEC",
            "ASTM",
            "F963",
            "JIS",
            "A",
            "GBZ",
            "JYT",
            "CECS",
            "EN",
            "+A1",
            "/XG1-2012",
            "TC",
            "B类",
            "《题》",
            "执行标准：",
            "、",
            "\n",
            "ABC",
            "(",
            "SYMBOL",
            "--",
        ]
    ),
    max_size=10,
).map("".join)


@_PROPERTY
@given(st.text() | _code_like | _valid_codes.map(lambda pair: pair[1]))
def test_normalize_is_idempotent_and_total(text: str) -> None:
    try:
        code = normalize(text)
    except StandardCodeError as exc:
        assert exc.reason and exc.text is not None
        assert not is_valid(text)
    else:
        assert is_valid(text)
        assert normalize(code) == code
        assert parse(code) == parse(text)
        assert parse(code).code == code
        assert code.isascii() and code == code.strip()
    fragments = split_cell(text)
    assert all(isinstance(f, str) and f == f.strip() and f for f in fragments)


@_PROPERTY
@given(st.text())
def test_random_text_raises_only_standard_code_error(text: str) -> None:
    with contextlib.suppress(StandardCodeError):
        parse(text)
    assert isinstance(is_valid(text), bool)
    split_cell(text)
