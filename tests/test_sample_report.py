"""The report on the shipped sample county, against figures its generator knows independently.

``sample_data/make_samples.py`` builds the county from clean facts and only then
writes them messily; ``expected_summary.json`` holds the counts it computed from
those clean facts, so nothing here is computed by stdreg's own code.
"""

from __future__ import annotations

import json

import pytest

from conftest import PROJECT

SAMPLES = PROJECT / "sample_data"
EXPECTED = json.loads((SAMPLES / "expected_summary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reports(backend, tmp_path_factory):
    from conftest import Stdreg, new_register

    tmp = tmp_path_factory.mktemp("sample")
    with new_register(backend, tmp) as db:
        stdreg = Stdreg(db, tmp)
        stdreg.ok("import", SAMPLES / "register_2011.xlsx", "--year", "2011")
        stdreg.ok("import", SAMPLES / "register_2012.csv", "--year", "2012", "--complete")
        stdreg.ok("catalog", "import", SAMPLES / "catalog.csv", "--as-of", EXPECTED["catalog_as_of"])
        found = {year: stdreg.report(year) for year in (2010, 2011, 2012)}
        stdreg.close()
    return found


CASES = {
    2011: EXPECTED["files"]["register_2011.xlsx"],
    2012: EXPECTED["register_end_2012_after_import_2011_then_2012_complete"],
}


@pytest.mark.parametrize("year", [2011, 2012])
def test_totals_match_the_generator(reports, year):
    got, want = reports[year], CASES[year]["totals"]
    totals = got["totals"]
    for key in (
        "enterprises",
        "products",
        "products_with_standard",
        "products_without_standard",
        "adopting_products",
        "neq_products",
        "outdated_products",
        "enterprises_with_standard",
        "adopting_enterprises",
    ):
        assert totals[key] == want[key], key
    assert totals["adoption_rate"] == pytest.approx(
        want["adopting_products"] / want["products_with_standard"]
    )
    assert totals["adoption_rate_by_enterprise"] == pytest.approx(
        want["adopting_enterprises"] / want["enterprises_with_standard"]
    )
    assert totals["adoption_rate_by_output_value"] == pytest.approx(
        want["output_value_adopting"] / want["output_value_with_standard"]
    )
    brand = got["brand_products"]
    assert (brand["products"], brand["products_with_standard"], brand["adopting_products"]) == (
        want["brand_products"],
        want["brand_products_with_standard"],
        want["brand_adopting_products"],
    )


@pytest.mark.parametrize("year", [2011, 2012])
def test_industries_match_the_generator(reports, year):
    got = {row["key"]: row for row in reports[year]["by_industry"]}
    want = CASES[year]["by_industry"]
    assert set(got) == set(want)
    for industry, counts in want.items():
        for key in ("products", "products_with_standard", "adopting_products"):
            assert got[industry][key] == counts[key], (industry, key)


def test_brand_target_is_missed_in_2011_and_met_in_2012(reports):
    met = {year: {t["name"]: t["met"] for t in reports[year]["targets"]} for year in (2011, 2012)}
    assert met[2011]["brand_adoption_rate"] is False
    assert met[2012]["brand_adoption_rate"] is True


def test_targets_of_an_empty_year_have_no_data(reports):
    # 2010: nothing registered, no key energy users, no brand products: no target is missed
    assert {(t["actual"], t["met"]) for t in reports[2010]["targets"]} == {(None, None)}
    for year in (2011, 2012):
        assert all(isinstance(t["met"], bool) for t in reports[year]["targets"])


def test_previous_year_and_an_empty_year(reports):
    assert reports[2012]["previous_year"] == {"year": 2011, "totals": reports[2011]["totals"]}
    assert reports[2010]["totals"]["products"] == 0
    assert reports[2010]["totals"]["adoption_rate"] is None


def test_level_and_size_breakdowns_add_up(reports):
    for report in reports.values():
        products = report["totals"]["products"]
        assert sum(row["products"] for row in report["by_level"]) == products
        assert sum(row["products"] for row in report["by_size"]) == products
        assert sum(row["products"] for row in report["by_township"]) == products
        levels = {row["key"] for row in report["by_level"]}
        assert levels == {
            "international",
            "foreign",
            "national",
            "industry",
            "local",
            "group",
            "enterprise",
            "none",
        }
