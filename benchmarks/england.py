"""An England-sized scenario, built from essex_live: 135,000 adults at the start, about 2,900 entrants a year."""

from __future__ import annotations

from pathlib import Path

import yaml

from model import validate_scenario
from model.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
ENGLAND_ADULTS = 135_000  # adults 18-64 with LD getting long-term council support, 2023-24 (docs/sources.md)


def scaled(people: int, years: int, inflow_per_year: float | None = None) -> Scenario:
    """essex_live scaled to `people` at the start, run monthly for `years`."""
    data = yaml.safe_load((ROOT / "scenarios" / "essex_live.yaml").read_text())
    start = sum(g["count"] for g in data["population"]["initial"])
    k = people / start
    for g in data["population"]["initial"]:
        g["count"] = round(g["count"] * k)
    data["population"]["inflow"]["per_year"] = inflow_per_year if inflow_per_year is not None else people / 47
    data["policy"]["employment_support"]["budget_per_year"] *= k
    data["costs"]["day_centres"]["count"] = max(1, round(data["costs"]["day_centres"]["count"] * k))
    data["horizon"] = {"years": years}
    data["name"] = f"scaled_{people}"
    return validate_scenario(data, f"essex_live scaled to {people}")


def england(years: int = 45) -> Scenario:
    """The England-scale scenario of the benchmark."""
    return scaled(ENGLAND_ADULTS, years)
