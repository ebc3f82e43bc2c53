"""Uncertainty: seeds for replications, and parameters written as distributions.

Any number in a scenario may be written as a distribution, for example
`job_outcome_rate: {dist: beta, a: 43, b: 57}`. The scenario itself uses the distribution's mean; a
probabilistic sensitivity analysis draws values. The draws for one parameter come from a stream keyed
by its path in the scenario, so two scenarios that share a parameter draw the same values for it
(paired draws). Draws are kept within the 0.05% and 99.95% quantiles. When the file is loaded each
distribution's extremes are checked against the scenario's rules, alone and with all the others at
theirs. That catches most draws that would break a rule but not every combination: a draw that does is
reported as a scenario error naming the draw. Values that decide who is in the model and when (counts,
inflow, horizon, age bands, time-in-state steps) cannot be distributions.
"""

from __future__ import annotations

import copy
import zlib
from dataclasses import dataclass
from typing import Any, Literal, Union

import numpy as np
from pydantic import Field, ValidationError, model_validator

from model.schema import Strict
from scipy import stats

TAIL = 0.0005  # draws are kept between this quantile and 1 - TAIL


class Beta(Strict):
    dist: Literal["beta"]
    a: float = Field(gt=0)
    b: float = Field(gt=0)

    def frozen(self):
        return stats.beta(self.a, self.b)


class Gamma(Strict):
    dist: Literal["gamma"]
    shape: float = Field(gt=0)
    scale: float = Field(gt=0)

    def frozen(self):
        return stats.gamma(self.shape, scale=self.scale)


class Lognormal(Strict):
    dist: Literal["lognormal"]
    meanlog: float
    sdlog: float = Field(gt=0)

    def frozen(self):
        return stats.lognorm(self.sdlog, scale=np.exp(self.meanlog))


class Normal(Strict):
    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)

    def frozen(self):
        return stats.norm(self.mean, self.sd)


class Uniform(Strict):
    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> "Uniform":
        if not self.high > self.low:
            raise ValueError("high must be above low")
        return self

    def frozen(self):
        return stats.uniform(self.low, self.high - self.low)


class Triangular(Strict):
    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> "Triangular":
        if not (self.low <= self.mode <= self.high and self.high > self.low):
            raise ValueError("need low <= mode <= high and high > low")
        return self

    def frozen(self):
        return stats.triang((self.mode - self.low) / (self.high - self.low), loc=self.low, scale=self.high - self.low)


Distribution = Union[Beta, Gamma, Lognormal, Normal, Uniform, Triangular]
DIST_NAMES = ("beta", "gamma", "lognormal", "normal", "uniform", "triangular")
_BY_NAME = dict(zip(DIST_NAMES, (Beta, Gamma, Lognormal, Normal, Uniform, Triangular)))


@dataclass(frozen=True)
class Uncertain:
    """One scenario value written as a distribution."""

    path: tuple
    dist: Distribution

    @property
    def name(self) -> str:
        return ".".join(str(p) for p in self.path)

    def mean(self) -> float:
        return float(self.dist.frozen().mean())

    def quantile(self, q: np.ndarray | float) -> np.ndarray:
        """Values at quantiles q, kept within [TAIL, 1 - TAIL]."""
        return self.dist.frozen().ppf(np.clip(q, TAIL, 1 - TAIL))

    def draws(self, n: int, seed: int) -> np.ndarray:
        """n paired draws: the same path and seed give the same values in any scenario."""
        key = zlib.crc32(self.name.encode("utf-8"))
        u = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), key]))).random(n)
        return self.quantile(u)


def find_distributions(data: Any, path: tuple = ()) -> list[tuple[tuple, dict]]:
    """Every mapping with a `dist` key in raw scenario data, with its path."""
    if isinstance(data, dict):
        if path and isinstance(data.get("dist"), str):  # a value written as {dist: name, ...}
            return [(path, data)]
        return [x for k, v in data.items() for x in find_distributions(v, path + (k,))]
    if isinstance(data, list):
        return [x for i, v in enumerate(data) for x in find_distributions(v, path + (i,))]
    return []


def parse_distribution(raw: dict) -> Distribution:
    """A distribution from its mapping; raises ValueError with what is allowed."""
    name = raw.get("dist")
    if not isinstance(name, str) or name not in _BY_NAME:
        raise ValueError(f"unknown distribution {name!r}; allowed: {', '.join(DIST_NAMES)}")
    try:
        return _BY_NAME[name].model_validate(raw)
    except ValidationError as exc:
        fields = [k for k in _BY_NAME[name].model_fields if k != "dist"]
        detail = "; ".join(f"{'.'.join(map(str, e['loc'])) or name}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"{detail} (a {name} distribution takes {', '.join(fields)})") from None


def substitute(data: dict, values: dict[tuple, float]) -> dict:
    """A copy of raw scenario data with the values at the given paths replaced."""
    out = copy.deepcopy(data)
    for path, value in values.items():
        node = out
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = float(value)
    return out


def replication_seed(root: int, replication: int) -> int:
    """The seed of replication r, spawned from one root seed (as SeedSequence(root).spawn(n)[r])."""
    child = np.random.SeedSequence(int(root), spawn_key=(int(replication),))
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def replication_seeds(root: int, n: int) -> list[int]:
    """Independent seeds for n replications, spawned from one root seed."""
    return [replication_seed(root, r) for r in range(n)]


def parse_path(dotted: str) -> tuple:
    """A dotted scenario path as keys and list indices: 'population.initial.0.count'."""
    return tuple(int(x) if x.isdigit() else x for x in dotted.split("."))


def interval(values) -> dict:
    """Mean and 95% interval (2.5% and 97.5% points) of a set of runs; NaNs are left out."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return dict(mean=None, low=None, high=None)
    return dict(mean=float(v.mean()), low=float(np.percentile(v, 2.5)), high=float(np.percentile(v, 97.5)))


_MISSING = object()


def value_at(data: Any, path: tuple, default: Any = _MISSING) -> Any:
    """The value at a path of keys and list indices; `default` if there is none (else the lookup's error)."""
    try:
        for part in path:
            data = data[part]
    except (KeyError, IndexError, TypeError):
        if default is _MISSING:
            raise
        return default
    return data


def at_means(scenario) -> dict:
    """A scenario's data (after `extends`) with every distribution at its mean."""
    return substitute(scenario._raw, {u.path: u.mean() for u in scenario.uncertain})


def check_values(data: dict, field: str, dotted: str, values: list[float], source: str,
                 what: str = "scenario") -> tuple[list, bool]:
    """Check that a scenario has a number at `dotted` and stays valid at each value; returns the problems
    (at `field`) and whether the number there is a whole number (so values put there are rounded)."""
    from model.scenario import Problem, ScenarioError, validate_scenario

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
