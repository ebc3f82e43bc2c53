"""Parameter paths in words, for charts and reports read by people who never open the scenario file."""

from __future__ import annotations

import re

_BANDS = {"low": "low needs", "moderate": "moderate needs", "high": "high needs", "complex": "complex needs"}


def _name(s: str) -> str:
    return s.replace("_", " ")


def _band(rest: list[str]) -> str:
    return f" ({_BANDS.get(rest[0], _name(rest[0]))})" if rest else ""


def in_words(path: str) -> str:
    """A parameter path (e.g. 'transitions.paid_work.day_service.annual') as a short phrase."""
    parts = [p for p in re.split(r"\.", path) if p]
    # A time series' first value: the rate in its first period.
    period = ""
    if "values" in parts:
        i = parts.index("values")
        period = " (first period)" if parts[i + 1:i + 2] == ["0"] else f" (period {int(parts[i + 1]) + 1})"
        parts = parts[:i]
    head = parts[0] if parts else ""
    if head == "transitions" and len(parts) >= 4:
        return f"chance a year of moving from {_name(parts[1])} to {_name(parts[2])}{_band(parts[4:])}{period}"
    if head == "costs" and parts[1:2] == ["states"] and len(parts) >= 4:
        return f"weekly cost of {_name(parts[2])}{_band(parts[4:])}{period}"
    if head == "costs" and parts[1:3] == ["day_week", "kept_in_work"]:
        step = int(parts[-1]) + 1 if parts[-1].isdigit() else ""
        return f"days of day service kept in work (hours step {step}){period}"
    if head == "services" and parts[-1] == "cashable_share":
        return f"share of a fall in {_name(parts[1])} spend that can be banked{period}"
    if parts[:3] == ["policy", "employment_support", "service_models"] and len(parts) >= 5:
        what = {"job_outcome_rate": "job-start chance", "cost_per_place_per_year": "cost of a place a year"}.get(
            parts[4], _name(parts[4]))
        return f"{what}, {_name(parts[3])} support{_band(parts[5:])}{period}"
    if parts[:2] == ["policy", "referral"]:
        return f"referral rate a year{period}"
    if parts[:3] == ["policy", "employment_support", "budget_per_year"]:
        return f"employment support budget a year{period}"
    return _name(" > ".join(parts)) + period
