"""The bureau's configuration: who it is, how adoption is counted, and the work plan's targets.

Both are TOML files a bureau edits. The bureau (its county and the issuing
unit) and the adoption rule live in ``config.toml`` (``--config``,
``STDREG_CONFIG`` or stdreg's state directory); targets in a targets file
(``--targets``), with shipped defaults.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from stdreg.codes.adoption import RULES, AdoptionRule
from stdreg.errors import UsageError
from stdreg.store import state_dir

CONFIG_ENV = "STDREG_CONFIG"
MEASURES = (
    "brand_adoption_rate",
    "adoption_rate",
    "block_industry_brand_share",
    "key_energy_metrology_rate",
    "standard_coverage",
)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None


def config_path(path: Path | None = None) -> Path | None:
    """The configuration file: the one given, else ``STDREG_CONFIG``, else stdreg's if it exists."""
    if path is not None:
        return path
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    candidate = state_dir() / "config.toml"
    return candidate if candidate.is_file() else None


def load_adoption_rule(path: Path | None = None) -> AdoptionRule:
    """The adoption rule from ``[adoption]`` of the configuration file, or the classic default.

    ``rule = "classic"`` (SPEC.md, every date) or ``"national-2025"`` (from
    2025-06-01 only national standards converted from ISO/IEC/ITU count);
    ``count_eqv = true`` counts the legacy degree EQV (等效) as adoption.
    """
    path = config_path(path)
    if path is None:
        return AdoptionRule()
    section = _read_toml(path).get("adoption", {})
    rule = section.get("rule", "classic")
    if rule not in RULES:
        raise UsageError(f"{path}: [adoption] rule must be one of {', '.join(RULES)}, not {rule!r}")
    count_eqv = section.get("count_eqv", False)
    if not isinstance(count_eqv, bool):
        raise UsageError(f"{path}: [adoption] count_eqv must be true or false")
    return AdoptionRule(rule=rule, count_eqv=count_eqv)


@dataclass(frozen=True)
class Bureau:
    """Who issues the report: the county (or city, province) and the unit, for titles and footers.

    Either may be empty; the workbook then says neither.
    """

    county: str = ""
    issuer: str = ""


def load_bureau(path: Path | None = None) -> Bureau:
    """The ``[bureau]`` section of the configuration file (``county``, ``issuer``), or an empty one."""
    path = config_path(path)
    if path is None:
        return Bureau()
    section = _read_toml(path).get("bureau", {})
    if not isinstance(section, dict):
        raise UsageError(f"{path}: [bureau] must be a section (a table) with county and issuer")
    values = {}
    for key in ("county", "issuer"):
        value = section.get(key, "")
        if not isinstance(value, str):
            raise UsageError(f"{path}: [bureau] {key} must be text, not {value!r}")
        values[key] = value.strip()
    unknown = sorted(set(section) - set(values))
    if unknown:
        raise UsageError(f"{path}: [bureau] knows county and issuer, not {', '.join(unknown)}")
    return Bureau(**values)


@dataclass(frozen=True)
class Target:
    name: str
    measure: str
    target: float
    label_zh: str
    label_en: str
    from_year: int | None = None
    to_year: int | None = None

    def applies(self, year: int) -> bool:
        return (self.from_year is None or year >= self.from_year) and (
            self.to_year is None or year <= self.to_year
        )


REVIEW_YEARS = 5  # 标准化法 2017: standards are reviewed at least every five years


@dataclass(frozen=True)
class Targets:
    targets: tuple[Target, ...]
    block_industries: tuple[str, ...] = field(default_factory=tuple)
    # standards older than this many years are past their review (标龄, the workbook's 标准水平)
    review_years: int = REVIEW_YEARS
    # the target drawn as a line across the workbook's adoption-by-industry chart
    industry_chart_target: str | None = None

    def chart_target(self) -> str | None:
        """The name of the target the adoption-by-industry chart is drawn against.

        The one the file names (``industry_chart_target``), else the first target
        on the adoption rate of all products, else the first on brand products.
        """
        if self.industry_chart_target is not None:
            return self.industry_chart_target
        for measure in ("adoption_rate", "brand_adoption_rate"):
            for target in self.targets:
                if target.measure == measure:
                    return target.name
        return None


def load_targets(path: Path | None = None) -> Targets:
    """The targets file given, or the shipped defaults of the county work plan."""
    if path is None:
        text = resources.files("stdreg.data").joinpath("targets.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
        where = "the shipped targets"
    else:
        data = _read_toml(path)
        where = str(path)
    targets = []
    for number, item in enumerate(data.get("target", []), start=1):
        try:
            measure = item.get("measure", item["name"])
            if measure not in MEASURES:
                raise UsageError(f"{where}: target {number}: measure must be one of {', '.join(MEASURES)}")
            value = float(item["target"])
            if not 0 <= value <= 1:
                raise UsageError(f"{where}: target {number}: target must be a fraction between 0 and 1")
            targets.append(
                Target(
                    name=str(item["name"]),
                    measure=measure,
                    target=value,
                    label_zh=str(item.get("label_zh", item["name"])),
                    label_en=str(item.get("label_en", item["name"])),
                    from_year=item.get("from_year"),
                    to_year=item.get("to_year"),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"{where}: target {number} is incomplete or invalid ({exc})") from None
    blocks = tuple(str(x) for x in data.get("block_industries", []))
    review_years = data.get("review_years", REVIEW_YEARS)
    if not isinstance(review_years, int) or isinstance(review_years, bool) or review_years < 1:
        raise UsageError(f"{where}: review_years must be a whole number of years, at least 1")
    chart = data.get("industry_chart_target")
    names = [target.name for target in targets]
    if chart is not None and chart not in names:
        raise UsageError(
            f"{where}: industry_chart_target must name one of the targets ({', '.join(names)}), not {chart!r}"
        )
    return Targets(tuple(targets), blocks, review_years, chart)
