"""Values written as distributions: any number in a scenario may be, for example
`job_outcome_rate: {dist: beta, a: 43, b: 57}`.

The scenario itself uses the distribution's mean; a probabilistic sensitivity analysis draws values. The
draws for one parameter come from a stream keyed by its path in the scenario, so two scenarios that share a
parameter draw the same values for it (paired draws). Draws are kept within the 0.05% and 99.95% quantiles.
When the file is loaded each distribution's extremes are checked against the scenario's rules, alone and
with all the others at theirs. That catches most draws that would break a rule but not every combination: a
draw that does is reported as a scenario error naming the draw. Values that decide who is in the model and
when (counts, inflow, horizon, age bands, time-in-state steps) cannot be distributions.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any, Literal, Union

import numpy as np
from pydantic import Field, ValidationError, model_validator
from scipy import stats

from model.scenario.paths import find_values
from model.scenario.schema import Strict

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

    def uniforms(self, n: int, seed: int) -> np.ndarray:
        """The n uniforms behind `draws`: the same path and seed give the same numbers in any scenario."""
        key = zlib.crc32(self.name.encode("utf-8"))
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), key]))).random(n)

    def draws(self, n: int, seed: int) -> np.ndarray:
        """n paired draws: the same path and seed give the same values in any scenario."""
        return self.quantile(self.uniforms(n, seed))


def correlated_draws(uncertain: list[Uncertain], matrix: np.ndarray, n: int, seed: int) -> dict[tuple, np.ndarray]:
    """Draws of correlated values by a Gaussian copula: each value's own uniforms (as `Uncertain.draws`) as
    normal scores, mixed by the Cholesky factor of `matrix`, back to uniforms and through each value's own
    distribution. The first value's draws are those it has alone."""
    z = stats.norm.ppf(np.clip(np.column_stack([u.uniforms(n, seed) for u in uncertain]), 1e-12, 1 - 1e-12))
    mixed = stats.norm.cdf(z @ np.linalg.cholesky(matrix).T)
    return {u.path: u.quantile(mixed[:, j]) for j, u in enumerate(uncertain)}


def find_distributions(data: Any) -> list[tuple[tuple, dict]]:
    """Every mapping with a `dist` key in raw scenario data, with its path."""
    return find_values(data, lambda m: isinstance(m.get("dist"), str))  # a value written as {dist: name, ...}


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

