"""A parameter space: numbers at paths in a base scenario, checked against the scenario's rules, and the
scenario at any point of it. Sweeps, calibration and the PSA all put values into scenarios this way."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.compile.spec import Spec, compiled
from model.compile.validate import validate_numbers_changed, validate_scenario
from model.scenario.distributions import find_distributions
from model.scenario.paths import parse_path, substitute, value_at
from model.scenario.problems import Problem, ScenarioError
from model.scenario.schema import Scenario
from model.scenario.time_series import find_time_series


@dataclass(frozen=True)
class ParameterSpace:
    """Values at `paths` of the `base` scenario data; whole numbers there (counts, months) stay whole."""

    base: dict
    paths: tuple[tuple, ...]
    integer: tuple[bool, ...]
    source: str = "<scenario>"

    @classmethod
    def checked(cls, base: dict, dotted: Sequence[str], trial_values: Sequence[Sequence[float]], source: str,
                fields: Sequence[str], what: str = "scenario", file: str | None = None) -> "ParameterSpace":
        """A space over the numbers at `dotted` paths, each checked to exist and to keep the scenario valid
        at its `trial_values` (bounds, or a grid's values); otherwise a ScenarioError from `file` (the sweep or
        targets file; default the scenario) naming `fields`."""
        problems, integer = [], []
        for path, values, field in zip(dotted, trial_values, fields):
            found, whole = check_values(base, field, path, list(values), source, what)
            problems += found
            integer.append(whole)
        if problems:
            raise ScenarioError(file or source, problems)
        return cls(base, tuple(parse_path(p) for p in dotted), tuple(integer), source)

    @property
    def names(self) -> list[str]:
        """The dotted paths, as written in files and tables."""
        return [".".join(map(str, p)) for p in self.paths]

    def values(self, x: Sequence[float]) -> dict[tuple, float | int]:
        """The values a point puts at each path, whole numbers rounded."""
        return {p: (round(v) if whole else float(v)) for p, v, whole in zip(self.paths, x, self.integer)}

    def base_values(self) -> np.ndarray:
        """The base scenario's values at the paths."""
        return np.array([value_at(self.base, p) for p in self.paths], dtype=float)

    def scenario_at(self, x: Sequence[float]) -> Scenario:
        """The validated scenario at a point (ScenarioError if the point breaks a rule)."""
        return self.scenario_with(self.values(x))

    def data_with(self, values: dict[tuple, float | int]) -> dict:
        """The base data with these values at their paths (sharing what they do not change)."""
        data = substitute(self.base, values)
        data.pop("correlation", None)  # how values are drawn together; a point has its values already
        return data

    def scenario_with(self, values: dict[tuple, float | int]) -> Scenario:
        """The validated scenario with these values at their paths."""
        data = self.data_with(values)
        plain = self._plain
        if plain is not None and plain[0] <= values.keys():
            return validate_numbers_changed(data, plain[1], self.source)
        return validate_scenario(data, self.source)

    @functools.cached_property
    def _plain(self) -> tuple[frozenset, tuple[tuple, ...]] | None:
        """Where the base has distributions and time series, when it has no `extends`: a point that puts numbers
        at every distribution then needs no search of its data (a PSA validates a scenario per draw, and the
        searches took a fifth to a quarter of a draw's time). None: search every point."""
        if "extends" in self.base:
            return None
        return (frozenset(p for p, _ in find_distributions(self.base)),
                tuple(p for p, _ in find_time_series(self.base)))

    @property
    def series(self) -> tuple[tuple, ...] | None:
        """Where the base has time series; None if it has `extends` (its data must be searched at each point)."""
        plain = self._plain
        return None if plain is None else plain[1]

    def spec_at(self, x: Sequence[float]) -> Spec:
        """The compiled scenario at a point."""
        return compiled(self.scenario_at(x))


def check_values(data: dict, field: str, dotted: str, values: list[float], source: str,
                 what: str = "scenario") -> tuple[list[Problem], bool]:
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
