"""Parameter paths, levers, years and money in words, for charts and reports read by people who never open the
scenario file."""

from __future__ import annotations

import re

from model.analysis.budget_impact import year_labels

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
    if parts[:3] == ["costs", "day_centres", "fixed_per_year"]:
        return f"fixed cost of a day centre a year{period}"
    if parts[:2] == ["population", "moving_away_annual"]:
        return f"chance a year of moving out of the area{period}"
    if parts[:2] == ["population", "wants_work"]:
        return f"share who want paid work{_band(parts[2:])}{period}"
    if head == "costs" and parts[1:2] == ["transitions"]:
        return f"one-off cost of a referral (assessment){period}"
    if parts[:2] == ["policy", "set_up_per_place"]:
        return f"set-up cost of a new employment support place{period}"
    if parts[:2] == ["policy", "investment"] and parts[-1] == "cost":
        return f"up-front investment (item {int(parts[2]) + 1}){period}" if parts[2:3] and parts[2].isdigit() else \
            f"up-front investment{period}"
    return _name(" > ".join(parts)) + period


def whose_words(path: str, scenario: str | None = None) -> str:
    """A parameter path in words, naming the scenario it belongs to when only one of those compared has it
    ('... (first period, essex_live's)')."""
    words = in_words(path)
    if not scenario or scenario == "both":
        return words
    return f"{words[:-1]}, {scenario}'s)" if words.endswith(")") else f"{words} ({scenario}'s)"


# The policy's levers (model.analysis.decomposition), in words.
_LEVERS = {
    "referral": "referral rate to employment support",
    "budget": "employment support budget",
    "service_models": "mix of employment support (evidence-based share)",
    "personal_budgets": "personal budgets usable for work",
    "investment": "up-front investment and set-up costs",
    "day_week": "day service kept on the way into work",
    "day_centres": "day-centre closures",
    "entry": "where new entrants start",
}


def lever_in_words(key: str, policy_value: object = None) -> str:
    """A lever of a policy (a group of scenario values, by its key) as a short phrase; the policy's value
    names the lever where the key alone would not (employment first, money following the person)."""
    value = policy_value if isinstance(policy_value, dict) else {}
    if key == "entry_route":
        return ("employment first: new entrants start in employment support" if policy_value == "employment_first"
                else "route for new entrants")
    if key == "funding":
        if value.get("model") == "money_follows_person":
            lag = value.get("lag_months", 0)
            return "money follows the person" + (f" (after {lag} months)" if lag else "")
        return "funding rule for employment support"
    if key in _LEVERS:
        return _LEVERS[key]
    parts = key.split(".")
    if parts[0] == "transitions" and len(parts) == 3:
        return f"moves from {_name(parts[1])} to {_name(parts[2])}"
    if parts[:2] == ["costs", "states"] and len(parts) == 3:
        return f"cost of {_name(parts[2])}"
    if parts[0] == "states" and len(parts) == 2:
        return f"the {_name(parts[1])} state"
    return in_words(key)


def financial_year(year: int, start: str) -> str:
    """Projection year 1, 2, ... as the financial year it is ('2024-25'; the months it spans when the
    projection does not start in April), from the first month (YYYY-MM)."""
    return year_labels([int(year)], start)[0]


def money(v: float) -> str:
    """Money to three figures at most, in millions from about £1m and in thousands below ('£14.8m', '£340k'):
    more figures would claim a precision that runs of a model do not have."""
    sign = "-" if v < 0 else ""
    return f"{sign}£{abs(v) / 1e6:,.1f}m" if abs(v) >= 0.95e6 else f"{sign}£{abs(v) / 1e3:,.0f}k"


def _saves_words(v: float) -> str:
    """A saving as what the policy does to the council ('saves the council £1.2m', 'costs the council £0.4m more')."""
    return f"saves the council {money(v)}" if v >= 0 else f"costs the council {money(-v)} more"


def carried_words(c: dict, saving: float, runs: int | None = None) -> str:
    """What a calibrated catch-all carries of the (discounted) saving, and the saving without it, in one sentence:
    `c` is one of a comparison summary's `carried_by`, `runs` the runs behind the figures (said when given)."""
    label = c["label"][0].upper() + c["label"][1:]
    without = c["npv_saving_without"]["mean"]
    over = f" ({runs} runs)" if runs is not None else ""
    what = "a calibrated value standing for what the model's structure misses"
    if c["share_of_saving"] is None:  # no share of a saving that is not one
        return (f"{label} is {what}: with it the policy {_saves_words(saving)} (discounted); without it the policy "
                f"{_saves_words(without)}{over}.")
    share = 100 * c["share_of_saving"]
    more = ", more than all of it" if share > 100.5 else ""
    return (f"{label} carries {share:.0f}% of the {money(saving)} saving (discounted){more}: it is {what}; without "
            f"it the policy {_saves_words(without)}{over}.")
