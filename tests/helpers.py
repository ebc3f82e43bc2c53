"""Shared test helpers: small scenarios built in code, so tests run in seconds."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

SMALL = {
    "name": "small",
    "start": "2024-04",
    "horizon": {"years": 3},
    "seed": 7,
    "states": {
        "day_service": {"service": "day_services"},
        "community_day": {"service": "community_day"},
        "waiting": {"service": "day_services"},
        "supported_employment": {"service": "employment_support"},
        "paid_work": {"service": "in_work_support"},
        "no_service": {"service": "none"},
    },
    "services": {
        "day_services": {"kind": "reactive"},
        "community_day": {"kind": "reactive"},
        "employment_support": {"kind": "proactive"},
        "in_work_support": {"kind": "proactive"},
        "none": {"kind": "other"},
    },
    "population": {
        "bands": ["low", "high"],
        "band_mix": {"low": 0.6, "high": 0.4},
        "initial": [
            {"state": "day_service", "count": 120},
            {"state": "community_day", "count": 30},
            {"state": "supported_employment", "count": 10},
            {"state": "paid_work", "count": 10},
        ],
        "wants_work": {"low": 0.8, "high": 0.4},
        "personal_budget_share": 0.3,
        "inflow": {"per_year": 18, "entry": {"day_service": 0.7, "community_day": 0.3}},
        "mortality": {"annual_by_age": {"18-24": 0.003, "25-34": 0.005, "35-44": 0.01, "45-54": 0.02, "55+": 0.04}},
        "moving_away_annual": 0.02,
    },
    "transitions": {
        "day_service": {"community_day": {"annual": 0.05}},
        "community_day": {"day_service": {"annual": 0.05}},
        "supported_employment": {"day_service": {"annual": 0.2}},
        "paid_work": {
            "day_service": {"annual": 0.08, "time_in_state": {"months": [0, 6], "ratio": [2.0, 1.0]}},
            "no_service": {"annual": 0.04},
        },
    },
    "costs": {
        "states": {
            "day_service": {"weekly": {"low": 120, "high": 240}},
            "community_day": {"weekly": 80},
            "waiting": {"weekly": 100},
            "paid_work": {"weekly": 100, "time_in_state": {"months": [0, 3], "ratio": [1.0, 0.4]}},
        },
        "no_cost": {"no_service": "assumption: no council-funded day-time support"},
        "transitions": [{"from": "day_service", "to": "waiting", "cost": 250}],
        "day_centres": {"count": 3, "places_each": 50, "fixed_per_year": 100000, "close_below": 0.8,
                        "double_running_months": 2},
    },
    "outcome_weights": {"paid_work": 1.0},
    "public_purse": {"benefits_weekly": {"day_service": 120, "paid_work": 80}, "tax_ni_per_hour": 0.5},
    "hours": {"values": [8, 16, 30], "weights": [0.5, 0.3, 0.2]},
    "policy": {
        "entry_route": "employment_first",
        "referral": {"annual": 0.5, "from": ["day_service", "community_day"], "eligible_bands": ["low", "high"]},
        "employment_support": {
            "budget_per_year": 30000,
            "service_models": {
                "evidence_based": {"spend_share": 0.5, "job_outcome_rate": 0.6, "cost_per_job_outcome": 2818},
                "other": {"spend_share": 0.5, "job_outcome_rate": 0.4, "cost_per_job_outcome": 8217},
            },
        },
        "funding": {"model": "money_follows_person", "lag_months": 2},
        "personal_budgets": {"usable_for_employment": True},
    },
}


def small(**changes) -> dict:
    """A copy of the small scenario with top-level keys replaced."""
    data = copy.deepcopy(SMALL)
    data.update(copy.deepcopy(changes))
    return data


def write_yaml(tmp_path: Path, data: dict, name: str = "scenario.yaml") -> Path:
    """Write a scenario mapping to a YAML file and return its path."""
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
