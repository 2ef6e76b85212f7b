"""``stdreg merge``: a city register made of its counties' registers, with their history.

The counties are SQLite files made by stdreg (the sample county and two more generated
the same way with other seeds); the city register is the ``stdreg`` fixture, so every
test also moves SQLite registers into PostgreSQL.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from builders import row, uscc, write_csv
from conftest import PROJECT, Stdreg

SAMPLES = PROJECT / "sample_data"
COUNTIES = ("龙游县", "衢江区", "江山市")
SAMPLE_USCC = "913308256672922671"  # an enterprise of the sample county
COUNTED = (
    "enterprises", "products", "products_with_standard", "products_without_standard", "adopting_products",
    "neq_products", "outdated_products",
)  # fmt: skip


def _make_samples() -> Any:
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_samples"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def counties(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three county registers: the sample county and two others with their own enterprises."""
    folder = tmp_path_factory.mktemp("counties")
    samples = _make_samples()
    files = {COUNTIES[0]: (SAMPLES / "register_2011.xlsx", SAMPLES / "register_2012.csv")}
    for seed, (county, letters) in enumerate(zip(COUNTIES[1:], ("QJ", "JS"), strict=True), start=1):
        generator = samples.Generator(samples.SEED + seed, q_area=letters)
        generator.build()
        writer = samples.Writer(generator)
        files[county] = (folder / f"{county}_2011.xlsx", folder / f"{county}_2012.csv")
        writer.write_2011(files[county][0])
        writer.write_2012(files[county][1])
    registers = {}
    for county, (first, second) in files.items():
        registers[county] = folder / f"{county}.sqlite"
        register = Stdreg(str(registers[county]), folder)
        register.ok("import", first, "--year", "2011")
        register.ok("import", second, "--year", "2012", "--complete")
        register.ok("catalog", "import", SAMPLES / "catalog.csv", "--as-of", "2013-06-30")
    return registers


def county(path: Path, tmp_path: Path) -> Stdreg:
    """The CLI on a county register."""
    return Stdreg(str(path), tmp_path)


def copy_of(path: Path, tmp_path: Path) -> Path:
    """A county register of this test's own, to change without touching the others' copy."""
    target = tmp_path / path.name
    Stdreg(str(path), tmp_path).ok("db", "backup", target)
    return target


def merge(city: Stdreg, *sources: Path | str) -> list[dict[str, Any]]:
    run = city.ok("merge", *sources, "--json")
    return [json.loads(line) for line in run.stdout.splitlines()]


def changes(summary: dict[str, Any]) -> dict[str, int]:
    """What a merge wrote, leaving out its own bookkeeping."""
    return {
        key: value
        for key, value in summary.items()
        if isinstance(value, int) and value and key.endswith(("_added", "_changed", "_removed", "_copied"))
    }


def test_the_city_report_is_the_sum_of_its_counties(stdreg, counties, tmp_path):
    merge(stdreg, *counties.values())
    for year in (2011, 2012):
        city = stdreg.report(year)
        reports = {name: county(path, tmp_path).report(year) for name, path in counties.items()}
        for field in COUNTED:
            assert city["totals"][field] == sum(r["totals"][field] for r in reports.values()), (year, field)
            assert city["previous_year"]["totals"][field] == sum(
                r["previous_year"]["totals"][field] for r in reports.values()
            )
        by_region = {entry["key"]: entry for entry in city["by_region"]}
        assert set(by_region) == set(COUNTIES)
        for name, report in reports.items():
            assert report["by_region"] == []  # a county merged nothing
            for field in ("products", "products_with_standard", "adopting_products", "outdated_products"):
                assert by_region[name][field] == report["totals"][field]
            assert by_region[name]["adoption_rate"] == pytest.approx(report["totals"]["adoption_rate"])
        levels = {entry["key"]: entry["products"] for entry in city["by_level"]}
        for key, products in levels.items():
            assert products == sum(
                next(e["products"] for e in r["by_level"] if e["key"] == key) for r in reports.values()
            )
    counted = stdreg.ok("query", "--count-by", "region", "--as-of", "2012-12-31", "--format", "json").json()
    assert {entry["key"]: entry["products"] for entry in counted} == {
        name: county(path, tmp_path).report(2012)["totals"]["products"] for name, path in counties.items()
    }
    table = stdreg.ok("query", "--region", "衢江区", "--as-of", "2012-12-31", "--limit", "5").stdout
    assert "区县" in table and "衢江区" in table
    rows = stdreg.ok("query", "--region", "衢江区", "--as-of", "2012-12-31", "--format", "json").json()
    assert rows and {r["region"] for r in rows} == {"衢江区"}
    assert (
        len({r["org_code"] for r in rows})
        == county(counties["衢江区"], tmp_path).report(2012)["totals"]["enterprises"]
    )


def test_the_city_workbook_breaks_down_by_county(stdreg, counties, tmp_path):
    merge(stdreg, *counties.values())
    workbook = tmp_path / "city.xlsx"
    stdreg.ok("report", "--year", "2012", "-o", workbook)
    sheet = openpyxl.load_workbook(workbook, read_only=True)["按区县"]
    keys = [r[0] for r in sheet.iter_rows(values_only=True) if r[0]]
    assert keys[-1] == "合计" and sorted(keys[-4:-1]) == sorted(COUNTIES)
    alone = tmp_path / "county.xlsx"
    county(counties["龙游县"], tmp_path).ok("report", "--year", "2012", "-o", alone)
    assert "按区县" not in openpyxl.load_workbook(alone, read_only=True).sheetnames
    table = stdreg.ok("report", "--year", "2012").stdout
    assert "按区县" in table and "衢江区" in table


def history(register: Stdreg, *key: str) -> list[tuple[Any, ...]]:
    """A history without batch numbers (the city numbers its batches its own way)."""
    entries = register.ok("history", *key, "--format", "json").json()
    return [
        (
            e["date"],
            e["kind"],
            e["source"],
            re.sub(r"batch \d+", "batch N", e["what"]),
            e["reverted_by"] is not None,
        )
        for e in entries
    ]


def test_the_history_survives_and_a_second_merge_writes_only_what_changed(stdreg, counties, tmp_path):
    source = copy_of(counties["龙游县"], tmp_path)
    home = county(source, tmp_path)
    merge(stdreg, source)
    assert history(stdreg, SAMPLE_USCC) == history(home, SAMPLE_USCC)
    regions = {e["region"] for e in stdreg.ok("history", SAMPLE_USCC, "--format", "json").json()}
    assert regions == {"龙游县"}
    assert {e["region"] for e in home.ok("history", SAMPLE_USCC, "--format", "json").json()} == {None}
    assert "龙游县: register_2011.xlsx" in stdreg.ok("history", SAMPLE_USCC).stdout
    standard = home.ok("query", "--uscc", SAMPLE_USCC, "--format", "json").json()[0]["standard"]
    assert history(stdreg, "--standard", standard) == history(home, "--standard", standard)
    assert len(history(home, "--standard", standard)) > 1
    before = stdreg.dump()

    (again,) = merge(stdreg, source)
    assert changes(again) == {}
    assert again["conflicts"] == []
    after = stdreg.dump()
    assert {t: rows for t, rows in after.items() if t not in ("import_batch", "merge_source")} == {
        t: rows for t, rows in before.items() if t not in ("import_batch", "merge_source")
    }
    assert len(after["import_batch"]) == len(before["import_batch"]) + 1  # the merge itself

    home.ok("update", "enterprise", SAMPLE_USCC, "--township", "湖镇镇", "--as-of", "2013-03-01")
    (update,) = merge(stdreg, source)
    # one new batch, its version of the enterprise, the version it closed, and its log
    assert changes(update) == {
        "batches_added": 1,
        "enterprise_version_added": 1,
        "enterprise_version_changed": 1,
        "change_log_copied": 1,
    }
    assert history(stdreg, SAMPLE_USCC) == history(home, SAMPLE_USCC)
    assert history(stdreg, SAMPLE_USCC)[-1][3] == "township 龙洲街道 → 湖镇镇"
    assert stdreg.report(2013)["by_township"] == home.report(2013)["by_township"]


def test_a_batch_reverted_in_the_county_goes_from_the_city_too(stdreg, counties, tmp_path):
    source = copy_of(counties["龙游县"], tmp_path)
    home = county(source, tmp_path)
    merge(stdreg, source)
    report = stdreg.report(2013)
    home.ok("update", "enterprise", SAMPLE_USCC, "--township", "湖镇镇", "--as-of", "2013-03-01")
    merge(stdreg, source)
    assert stdreg.report(2013) != report
    batch = home.ok("history", SAMPLE_USCC, "--format", "json").json()[-1]["batch"]
    home.ok("import", "--revert", str(batch))
    (reverted,) = merge(stdreg, source)
    assert reverted["enterprise_version_removed"] == 1 and reverted["batches_changed"] == 1
    assert stdreg.report(2013) == report
    assert history(stdreg, SAMPLE_USCC) == history(home, SAMPLE_USCC)
    assert history(stdreg, SAMPLE_USCC)[-2][4]  # the update is shown as reverted

    merged = [b for b in stdreg.sql("SELECT id, kind FROM import_batch WHERE source_batch_id IS NOT NULL")]
    refused = stdreg("import", "--revert", str(merged[0][0]))
    assert refused.exit_code == 2 and "龙游县" in refused.stderr and "merge" in refused.stderr


def test_an_enterprise_changed_in_the_city_is_not_overwritten_by_its_county(stdreg, counties, tmp_path):
    source = copy_of(counties["龙游县"], tmp_path)
    home = county(source, tmp_path)
    merge(stdreg, source)
    stdreg.ok("update", "enterprise", SAMPLE_USCC, "--industry", "电子元件", "--as-of", "2013-02-01")
    home.ok("update", "enterprise", SAMPLE_USCC, "--township", "湖镇镇", "--as-of", "2013-03-01")
    other = "91330825102932634T"  # another enterprise of the county, changed there only
    home.ok("update", "enterprise", other, "--township", "湖镇镇", "--as-of", "2013-03-01")
    (summary,) = merge(stdreg, source)
    assert [(c["uscc"], c["edited_here"]) for c in summary["conflicts"]] == [(SAMPLE_USCC, True)]
    mine = stdreg.ok("query", "--uscc", SAMPLE_USCC, "--as-of", "2013-06-30", "--format", "json").json()
    assert {(r["industry"], r["township"]) for r in mine} == {("电子元件", "龙洲街道")}  # one version a date
    theirs = stdreg.ok("query", "--uscc", other, "--as-of", "2013-06-30", "--format", "json").json()
    assert {r["township"] for r in theirs} == {"湖镇镇"}
    assert stdreg.report(2013)["totals"]["products"] == home.report(2013)["totals"]["products"]

    # the city takes its change back: the county's comes in with the next merge
    city_update = stdreg.ok("history", SAMPLE_USCC, "--format", "json").json()[-1]["batch"]
    stdreg.ok("import", "--revert", str(city_update))
    (released,) = merge(stdreg, source)
    assert released["conflicts"] == []
    mine = stdreg.ok("query", "--uscc", SAMPLE_USCC, "--as-of", "2013-06-30", "--format", "json").json()
    assert {(r["industry"], r["township"]) for r in mine} == {("电子", "湖镇镇")}
    assert (
        history(stdreg, SAMPLE_USCC)[-1][3]
        == history(home, SAMPLE_USCC)[-1][3]
        == "township 龙洲街道 → 湖镇镇"
    )


@pytest.fixture
def neighbour(tmp_path: Path) -> Path:
    """A county register that also lists an enterprise of the sample county (same USCC)."""
    folder = tmp_path / "neighbour"
    folder.mkdir()
    survey = write_csv(
        folder / "survey.csv",
        [
            row(901, "瓦楞纸板", "GB/T 6544-2008", name="衢江纸业有限公司"),
            ["龙游鹏森电器衢江分厂", SAMPLE_USCC, "", "莲花镇", "电子", "规下", "片式电阻器",
             "GB/T 5729-2003", "", "", "", ""],
        ],
    )  # fmt: skip
    register = folder / "衢江区.sqlite"
    Stdreg(str(register), folder).ok("import", survey, "--year", "2012")
    return register


def test_an_enterprise_in_two_counties_is_a_conflict_not_a_duplicate(stdreg, counties, neighbour):
    first, second = merge(stdreg, counties["龙游县"], neighbour)
    assert first["conflicts"] == []
    assert second["conflicts"] == [
        {
            "org_code": SAMPLE_USCC[8:17],
            "uscc": SAMPLE_USCC,
            "enterprise": "龙游鹏森电器衢江分厂",
            "held_by": "龙游县",
            "edited_here": False,
        }
    ]
    assert second["enterprise_added"] == 1
    rows = stdreg.ok("query", "--uscc", SAMPLE_USCC, "--as-of", "2012-12-31", "--format", "json").json()
    assert {r["region"] for r in rows} == {"龙游县"}
    assert "片式电阻器" in {r["product"] for r in rows} and "莲花镇" not in {r["township"] for r in rows}
    other = stdreg.ok("query", "--uscc", uscc(901), "--as-of", "2012-12-31", "--format", "json").json()
    assert [(r["region"], r["product"]) for r in other] == [("衢江区", "瓦楞纸板")]

    again = stdreg("merge", neighbour)
    assert again.exit_code == 0
    assert f"conflict: {SAMPLE_USCC} 龙游鹏森电器衢江分厂: already in the register of 龙游县" in again.stderr


def test_a_dry_run_writes_nothing(stdreg, counties):
    stdreg.ok("import", SAMPLES / "register_2011.xlsx", "--year", "2011")
    before = stdreg.dump()
    run = stdreg.ok("merge", counties["衢江区"], "--dry-run", "--json")
    summary = json.loads(run.stdout)
    assert summary["dry_run"] and summary["enterprise_added"] > 0 and summary["batch"] is None
    assert stdreg.dump() == before


def test_the_register_own_enterprises_conflict_with_a_county(stdreg, counties, tmp_path):
    stdreg.ok("import", SAMPLES / "register_2011.xlsx", "--year", "2011")
    own = stdreg.report(2011)["totals"]
    (summary,) = merge(stdreg, counties["龙游县"])
    assert len(summary["conflicts"]) == own["enterprises"]
    assert {c["held_by"] for c in summary["conflicts"]} == {None}
    home = county(counties["龙游县"], tmp_path).report(2012)["totals"]
    assert summary["enterprise_added"] == home["enterprises"] - own["enterprises"] > 0
    after = stdreg.report(2011)["totals"]  # the 2011 file's enterprises are not doubled
    assert (after["enterprises"], after["products"]) == (own["enterprises"], own["products"])


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["merge", "missing.sqlite"], 1, "no register at"),
        (["merge", "a.sqlite", "b.sqlite", "--region", "x"], 2, "--region names the region of one SOURCE"),
        (["merge", "postgresql+psycopg://nobody@127.0.0.1:1/none"], 2, "with --region"),
        (["merge", "a/县.sqlite", "b/县.sqlite"], 2, "the same region"),
        (["merge", "x.sqlite", "--region", " "], 2, "must not be empty"),
    ],
)
def test_bad_merges_say_why(stdreg, args, code, message):
    run = stdreg(*args)
    assert run.exit_code == code, run.stderr
    assert message in run.stderr


def test_a_file_that_is_not_a_register_is_refused(stdreg, tmp_path):
    stdreg.ok("import", SAMPLES / "register_2011.xlsx", "--year", "2011")
    before = stdreg.dump()
    run = stdreg("merge", SAMPLES / "register_2011.xlsx", "--region", "龙游县")
    assert run.exit_code == 1
    assert "register_2011.xlsx" in run.stderr
    assert stdreg.dump() == before


def test_an_empty_file_is_refused_not_made_a_register(stdreg, tmp_path):
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    run = stdreg("merge", empty)
    assert run.exit_code == 1 and "is not a stdreg register" in run.stderr
    assert Stdreg(str(empty), tmp_path).tables() == []


def test_the_register_cannot_merge_itself(stdreg):
    run = stdreg("merge", stdreg.db, "--region", "self")
    assert run.exit_code == 2 and "being merged into" in run.stderr


@pytest.fixture
def city_of_cities(counties: dict[str, Path], tmp_path: Path) -> Iterator[Path]:
    """A city register (SQLite) made of two counties, to merge into a province."""
    path = tmp_path / "衢州市.sqlite"
    city = Stdreg(str(path), tmp_path)
    merge(city, counties["龙游县"], counties["衢江区"])
    yield path


def test_a_province_keeps_the_counties_of_a_merged_city(stdreg, city_of_cities, counties):
    (summary,) = merge(stdreg, city_of_cities)
    assert summary["region"] == "衢州市"
    regions = {e["key"] for e in stdreg.report(2012)["by_region"]}
    assert regions == {"龙游县", "衢江区"}
