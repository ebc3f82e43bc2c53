"""A parameter space: numbers at paths in a base scenario, checked against the scenario's rules, and the
scenario at any point of it. Sweeps, calibration and the PSA all put values into scenarios this way."""

from __future__ import annotations

from model.compile.validate import validate_scenario
from model.scenario.paths import parse_path, substitute, value_at
from model.scenario.problems import Problem, ScenarioError


def check_values(data: dict, field: str, dotted: str, values: list[float], source: str,
                 what: str = "scenario") -> tuple[list, bool]:
    """Check that a scenario has a number at `dotted` and stays valid at each value; returns the problems
    (at `field`) and whether the number there is a whole number (so values put there are rounded)."""
    path = parse_path(dotted)
    absent = object()
    current = value_at(data, path, absent)
    if current is absent:
        return [Problem(field, f"no such value in the {what}")], False
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        return [Problem(field, f"the {what}'s value there is not a number", current, True)], False
    for v in values:
        try:
            validate_scenario(substitute(data, {path: v}), source)
        except ScenarioError as exc:
            return [Problem(field, f"{v:g} makes the {what} invalid: {exc.problems[0]}", v, True)], False
    return [], isinstance(current, int)

